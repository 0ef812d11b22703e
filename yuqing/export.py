"""`yuqing export posts`: the stored posts as JSONL or as CSV that opens in Excel."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from .store import Store

EXPORT_COLUMNS = (
    "id", "source", "site", "url", "title", "text", "author", "published_at",
    "first_seen_at", "clicks", "comments",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Stop spreadsheet formula injection: a text cell starting with = + - @ tab CR
    gets a leading apostrophe, as OWASP recommends; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(store: Store) -> Iterable[dict[str, Any]]:
    for post in store.iter_posts():
        yield {column: post[column] for column in EXPORT_COLUMNS}


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """UTF-8 with BOM so Excel shows Chinese; the caller opens `out` with newline=""."""
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: neutralise_cell(v) for k, v in row.items()})
        count += 1
    return count
