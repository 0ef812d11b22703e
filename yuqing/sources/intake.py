"""Posts that arrive by hand: one pasted post (`yuqing add`) or a CSV/JSONL file
(`yuqing import`: the 12345 hotline, the mayor's mailbox, items the county internet
office forwards). Each bad row is reported by line; the good rows are stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from yuqing import clock
from yuqing.errors import InputError, UsageError, json_reason
from yuqing.models import Item
from yuqing.sources.inputs import decode_text, read_bounded
from yuqing.store import BatchCounts, Store, post_key
from yuqing.text.clean import clean_line, normalize_url

MANUAL_SOURCE = "人工录入"

# Column names officers use, English or Chinese, mapped to our fields.
_ALIASES = {
    "title": ("title", "标题", "主题"),
    "text": ("text", "content", "内容", "正文", "诉求内容", "来信内容"),
    "url": ("url", "link", "链接", "网址"),
    "site": ("site", "网站", "来源", "渠道", "站点"),
    "author": ("author", "作者", "发帖人", "来信人"),
    "published_at": ("published_at", "time", "date", "时间", "发布时间", "来信时间", "日期"),
    "clicks": ("clicks", "views", "点击", "点击量", "浏览", "浏览量", "查看"),
    "comments": ("comments", "replies", "评论", "评论数", "回复", "回复数", "跟帖", "跟帖数"),
}


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


@dataclass
class ImportReport:
    new: int = 0
    seen: int = 0
    errors: list[RowError] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the stored rows' dedupe keys, in file order


def make_item(
    *, title: str = "", text: str = "", url: str = "", author: str = "",
    published_at: str | None = None, clicks: int | None = None, comments: int | None = None,
) -> Item:
    title, text = clean_line(title), (text or "").strip()
    if not title and not text:
        raise UsageError("没有可录入的内容：标题和正文都为空")
    for label, value in (("点击数", clicks), ("评论数", comments)):
        if value is not None and value < 0:
            raise UsageError(f"{label}不能为负数：{value}")
    url = url.strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"链接只支持 http:// 或 https:// 地址：{url}")
    digest = hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
    return Item(
        url=normalize_url(url) if url else "",
        title=title or clean_line(text)[:40],
        guid=None if url else f"sha1:{digest}",
        text=text,
        author=clean_line(author),
        published_at=_normalise_time(published_at),
        clicks=clicks,
        comments=comments,
    )


def add_post(store: Store, item: Item, *, site: str, source: str = MANUAL_SOURCE,
             stock_hours: float = 72.0) -> BatchCounts:
    with store.write():
        return store.save_items(
            source=source, channel="manual", site=site or source, mainstream=False,
            items=[item], seen_at=clock.now_iso(), stock_before=_stock_before(stock_hours),
        )


def _stock_before(stock_hours: float) -> str:
    """Items published before this are stock (存量) when stored now."""
    return clock.to_iso(clock.now() - timedelta(hours=stock_hours))


def import_file(store: Store, path: Path, *, source: str, site: str = "", stock_hours: float = 72.0) -> ImportReport:
    rows = read_rows(path)
    report = ImportReport()
    items_by_site: dict[str, list[Item]] = {}
    for line, row in rows:
        if isinstance(row, RowError):
            report.errors.append(row)
            continue
        try:
            item, row_site = _item_from_row(row)
        except (UsageError, InputError) as exc:
            report.errors.append(RowError(line, exc.message))
            continue
        items_by_site.setdefault(row_site or site or source, []).append(item)
    seen_at = clock.now_iso()
    with store.write():  # the whole file or nothing
        for row_site, items in items_by_site.items():
            counts = store.save_items(source=source, channel="import", site=row_site,
                                      mainstream=False, items=items, seen_at=seen_at,
                                      stock_before=_stock_before(stock_hours))
            report.new += counts.new
            report.seen += counts.seen
            report.keys += [post_key(item) for item in items]
    return report


# The first bytes of an .xlsx (a zip) and of an old .xls (an OLE compound file).
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def read_rows(path: Path, known: set[str] | None = None) -> list[tuple[int, dict | RowError]]:
    """The rows of a CSV/TSV (UTF-8, UTF-8 with BOM or GBK) or JSONL file, each with its line
    number; a CSV header must name at least one of the `known` columns (lower case)."""
    raw = read_bounded(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls", ".et") or raw.startswith(_WORKBOOK_MAGIC):
        raise InputError(f"{path} 是 Excel 工作簿，不能直接导入：请在 Excel 中「另存为」"
                         "CSV UTF-8（逗号分隔）或 CSV（逗号分隔）后再导入（支持 .csv、.tsv、.txt、.jsonl）")
    text = decode_text(raw, str(path))
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _jsonl_rows(text)
    if suffix in (".csv", ".tsv", ".txt"):
        try:
            return _csv_rows(text, delimiter=_delimiter(text, suffix), known=known or _known_columns())
        except InputError as error:
            raise InputError(f"{path}：{error.message}") from None
    raise InputError(f"{path}：只支持 .csv、.tsv、.txt 或 .jsonl 文件")


def _delimiter(text: str, suffix: str) -> str:
    """Tabs for .tsv, and for a .txt whose header has tabs and no commas (Excel's 「Unicode 文本」)."""
    header = text.split("\n", 1)[0]
    if suffix == ".tsv" or (suffix == ".txt" and "\t" in header and "," not in header):
        return "\t"
    return ","


def _jsonl_rows(text: str) -> list[tuple[int, dict | RowError]]:
    rows: list[tuple[int, dict | RowError]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, RowError(number, f"不是有效的 JSON（{json_reason(exc)}）")))
            continue
        if not isinstance(row, dict):
            rows.append((number, RowError(number, "应为 JSON 对象")))
            continue
        rows.append((number, row))
    return rows


def _known_columns() -> set[str]:
    return {alias for aliases in _ALIASES.values() for alias in aliases}


def _csv_rows(text: str, delimiter: str, known: set[str]) -> list[tuple[int, dict | RowError]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise InputError("文件为空或缺少表头")
    if not known & {(name or "").strip().lower() for name in reader.fieldnames}:
        shown = "、".join(str(name)[:30] for name in reader.fieldnames[:8])
        more = f" 等 {len(reader.fieldnames)} 列" if len(reader.fieldnames) > 8 else ""
        raise InputError(f"表头中没有可识别的列（需要 标题/title、内容/text 等）：{shown}{more}")
    # line_num counts physical lines, so quoted multi-line cells keep the numbering right.
    rows: list[tuple[int, dict | RowError]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error:
        limit = csv.field_size_limit() // 1024
        raise InputError(f"第 {reader.line_num + 1} 行：单元格超过 {limit} KiB 上限或引号不成对，未导入任何行") from None
    return rows


def _item_from_row(row: dict) -> tuple[Item, str]:
    line_fields = {key.strip().lower(): value for key, value in row.items() if isinstance(key, str)}
    values = {field: _first(line_fields, aliases) for field, aliases in _ALIASES.items()}
    item = make_item(
        title=str(values["title"] or ""),
        text=str(values["text"] or ""),
        url=str(values["url"] or ""),
        author=str(values["author"] or ""),
        published_at=str(values["published_at"]) if values["published_at"] else None,
        clicks=_count(values["clicks"], "点击数"),
        comments=_count(values["comments"], "评论数"),
    )
    return item, clean_line(str(values["site"] or ""))


def _first(row: dict, aliases: tuple[str, ...]):
    for alias in aliases:
        value = row.get(alias.lower())
        if value not in (None, ""):
            return value
    return None


def _count(value, label: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise UsageError(f"{label}应为非负整数：{value!r}")
    try:
        number = int(str(value).replace(",", "").strip())
    except ValueError:
        raise UsageError(f"{label}应为非负整数：{value!r}") from None
    if number < 0:
        raise UsageError(f"{label}不能为负数：{number}")
    return number


def _normalise_time(value: str | None) -> str | None:
    if not value or not str(value).strip():
        return None
    text = str(value).strip().replace("/", "-")
    try:
        return clock.to_iso(clock.parse_iso(text))
    except ValueError:
        raise UsageError(f"无法识别的时间：{value}（应为 2026-11-27 09:30 这样的格式）") from None

