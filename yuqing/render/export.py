"""`yuqing export posts` and `export judgments`: the stored posts, or the officer's
verdicts (人工研判), as JSONL or as CSV that opens in Excel."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from yuqing import clock
from yuqing.store import Store

EXPORT_COLUMNS = (
    "id", "source", "site", "url", "title", "text", "author", "published_at",
    "first_seen_at", "clicks", "comments", "event_id", "level", "negative",
)
JUDGMENT_COLUMNS = ("id", "event_id", "title", "post_id", "at", "kind", "kind_text", "value", "reason", "by")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Stop spreadsheet formula injection: a text cell starting with = + - @ tab CR
    gets a leading apostrophe, as OWASP recommends; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(store: Store) -> Iterable[dict[str, Any]]:
    grading = store.post_event_columns()
    for post in store.iter_posts():
        event_id, level, negative = grading.get(post["id"], (None, None, None))
        row = {column: post.get(column) for column in EXPORT_COLUMNS}
        row.update(event_id=event_id, level=level,
                   negative=None if negative is None else bool(negative))
        yield clock.localise(row)


def judgment_rows(store: Store) -> Iterable[dict[str, Any]]:
    for judgment in store.all_judgments():
        yield clock.localise({c: judgment.get(c) for c in JUDGMENT_COLUMNS})


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, columns: tuple[str, ...] = EXPORT_COLUMNS) -> int:
    """UTF-8 with BOM so Excel shows Chinese; the caller opens `out` with newline=""."""
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: neutralise_cell(v) for k, v in row.items()})
        count += 1
    return count
