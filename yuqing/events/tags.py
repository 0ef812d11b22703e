"""Tags an officer puts on an event by hand. 社情民意 marks an event as the public's
conditions and wishes (not an opinion incident): digests and the year-end summary count it
apart, like the events of a topic of kind 社情民意 in rules.toml."""

from __future__ import annotations

import json
from typing import Any

from yuqing import clock
from yuqing.errors import UsageError
from yuqing.events.cases import actor, existing_event, kept_event
from yuqing.rules import SOCIAL_KIND
from yuqing.store import Store

TAGS = (SOCIAL_KIND,)


def tag_event(store: Store, event_id: int, tag: str, *, remove: bool = False, by: str | None = None) -> bool:
    """Put the tag on the event (or take it off); False when nothing changed."""
    if tag not in TAGS:
        raise UsageError(f"不认识的标记「{tag}」：可用 {'、'.join(TAGS)}")
    if remove:  # taking a tag off works on a merged event too
        existing_event(store, event_id)
        return store.untag_event(event_id, tag)
    kept_event(store, event_id)  # a tag on a merged event would count nowhere
    return store.tag_event(event_id, tag, at=clock.now_iso(), by=actor(by))


def is_social(event: dict[str, Any], tags: list[str], social_topics: frozenset[str]) -> bool:
    """Tagged 社情民意 by hand, or matched a topic of kind 社情民意."""
    topics = event["topics"] if isinstance(event["topics"], list) else json.loads(event["topics"] or "[]")
    return SOCIAL_KIND in tags or bool(social_topics & set(topics))
