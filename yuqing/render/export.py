"""`yuqing export posts` and `export judgments`: the stored posts, or the officer's
verdicts (人工研判), as JSONL or as CSV that opens in Excel."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from yuqing import clock
from yuqing.errors import UsageError
from yuqing.store import Store

EXPORT_COLUMNS = (
    "id", "source", "site", "url", "title", "text", "author", "published_at",
    "first_seen_at", "clicks", "comments", "event_id", "level", "negative",
)
JUDGMENT_COLUMNS = ("id", "event_id", "title", "post_id", "at", "kind", "kind_text", "value", "reason", "by")
# CSV is for the officer's spreadsheet: Chinese headers (the posts' are names `yuqing import`
# reads back: 标题, 正文, 链接, 网站 …) and 是/否. JSONL keeps the English keys, for programs.
CSV_HEADERS = {
    "posts": {"id": "帖子编号", "source": "信息源", "site": "网站", "url": "链接", "title": "标题", "text": "正文",
              "author": "作者", "published_at": "发布时间", "first_seen_at": "采集时间", "clicks": "点击",
              "comments": "跟帖", "event_id": "事件编号", "level": "级别", "negative": "负面"},
    "judgments": {"id": "编号", "event_id": "事件编号", "title": "事件", "post_id": "帖子编号", "at": "时间",
                  "kind": "类型代码", "kind_text": "类型", "value": "结论", "reason": "理由", "by": "研判人"},
}
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


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, headers: dict[str, str]) -> int:
    """UTF-8 with BOM so Excel shows Chinese, a header row of ``headers``' Chinese names,
    是/否 for true and false; the caller opens `out` with newline=""."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers.values())
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in headers])
        count += 1
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    return neutralise_cell(value)


FORMATS = ("jsonl", "csv")


def export_table(store: Store, table: str, fmt: str, output: Path | None, stdout: TextIO) -> int:
    """Write the posts or the judgments as JSONL or CSV to `output` (or `stdout`); the count."""
    if fmt not in FORMATS:
        raise UsageError(f"--format 只能是 jsonl 或 csv，而不是「{fmt}」")
    rows = export_rows(store) if table == "posts" else judgment_rows(store)

    def write(out: TextIO) -> int:
        return write_jsonl(rows, out) if fmt == "jsonl" else write_csv(rows, out, CSV_HEADERS[table])

    if output is None:
        return write(stdout)
    with output_file(output) as out:
        return write(out)


@contextmanager
def output_file(path: Path, binary: bool = False) -> Iterator[TextIO | BinaryIO]:
    """A file the officer named, opened for writing. An error while writing names the file
    (a full disk's error carries no file name), and a regular file left half-written is
    removed; a file that could not even be opened is left as it was."""
    opened = False
    options: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
    try:
        with path.open("wb" if binary else "w", **options) as out:
            opened = True
            yield out
    except OSError as exc:
        if opened and path.is_file():
            path.unlink(missing_ok=True)
        raise _naming(exc, path) from None


def _naming(exc: OSError, path: Path) -> OSError:
    return exc if exc.filename else OSError(exc.errno, exc.strerror, str(path))
