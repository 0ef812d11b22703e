"""`yuqing topic test`: how many stored posts of the last days a topic would match."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from yuqing import clock
from yuqing.grade import topic_holds
from yuqing.rules import Topic
from yuqing.store import Store
from yuqing.text.keywords import KeywordSet

EXAMPLES = 5


@dataclass
class Trial:
    topic: Topic
    days: int
    since: str
    scanned: int = 0
    matched: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"topic": {"name": self.topic.name, "keywords": list(self.topic.keywords),
                          "all": list(self.topic.all), "exclude": list(self.topic.exclude)},
                "days": self.days, "since": self.since, "scanned": self.scanned, "matched": self.matched,
                "examples": self.examples}


def try_topic(store: Store, topic: Topic, *, days: int = 30, now: datetime | None = None) -> Trial:
    """Match the topic against posts published (else first seen) in the last `days`, the
    way collection does (title and text), newest first; keep the first few as examples."""
    since = clock.to_iso((now or clock.now()) - timedelta(days=days))
    trial = Trial(topic, days, since)
    words = KeywordSet((*topic.keywords, *topic.all, *topic.exclude))
    for post in store.iter_recent_posts(since):
        trial.scanned += 1
        if not topic_holds(words.found(f"{post['title']}\n{post['text']}"), topic):
            continue
        trial.matched += 1
        if len(trial.examples) < EXAMPLES:
            trial.examples.append({"id": post["id"], "at": post["at"], "site": post["site"],
                                   "title": post["title"], "url": post["url"]})
    return trial
