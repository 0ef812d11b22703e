"""Every Item field passes the scrub, whichever field holds the unsafe character (Item checks
all fields with one search and scrubs them one by one only when it finds something)."""

from __future__ import annotations

import pytest

from yuqing.models import Item
from yuqing.text.scrub import all_safe, scrub

FIELDS = ("url", "title", "guid", "text", "author", "published_at")
SAFE = {"url": "http://a.cn/1.html", "title": "清河县通报", "guid": "g-1", "text": "正文\n第二行\t制表",
        "author": "记者", "published_at": "2024-06-01T07:00:00+00:00"}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x7f", "\x9f", "\udc00", "\ud83d", "\ufffe"])
def test_an_unsafe_character_in_any_field_is_scrubbed(field, bad):
    values = dict(SAFE, **{field: f"前{bad}后"})
    item = Item(**values)
    assert {f: getattr(item, f) for f in FIELDS} == {f: scrub(v) for f, v in values.items()}
    assert all_safe(*(getattr(item, f) for f in FIELDS))


def test_a_safe_item_keeps_its_fields_and_empty_ones_take_their_defaults():
    item = Item(**SAFE)
    assert {f: getattr(item, f) for f in FIELDS} == SAFE
    empty = Item(url=None, title=None, guid=None, text=None, author=None, published_at=None)
    assert (empty.url, empty.title, empty.guid, empty.text, empty.author, empty.published_at) == ("", "", None, "", "", None)
    assert Item(url="http://a.cn/", title=7, guid=12).title == "7" and Item(url="u", title="t", guid=12).guid == "12"


def test_surrogates_apart_in_two_fields_stay_apart():
    item = Item(url="http://a.cn/", title="标题\ud83d", guid=None, text="\ude00正文")
    assert (item.title, item.text) == ("标题\ufffd", "\ufffd正文")
