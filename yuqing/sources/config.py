"""sources.toml: reading, validating and editing the workspace's list of sources.

Reading uses tomllib; edits go through tomlkit so the officer's comments survive.
Every problem is reported in Chinese with the file, the source and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from yuqing.errors import ConfigError, toml_reason
from yuqing.models import FORUM_PRESETS, SOURCE_KINDS, Source

if TYPE_CHECKING:  # tomlkit is imported by the edits: a run only reads (tomllib)
    import tomlkit

    from yuqing.workspace import Workspace

_KNOWN_KEYS = {
    "name", "kind", "url", "site", "mainstream", "own", "enabled", "preset", "selectors", "pages",
    "encoding", "headers", "cookie_file", "allow_private",
}
MAX_PAGES = 20


def load_sources(path: Path) -> list[Source]:
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}：TOML 格式错误，{toml_reason(exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}：不是 UTF-8 编码的文本文件") from None
    tables = data.get("sources", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}：sources 应写成 [[sources]] 表数组")
    sources = [_source_from_table(path, index, table) for index, table in enumerate(tables, 1)]
    _check_unique_names(path, sources)
    return sources


def _source_from_table(path: Path, index: int, table: Any) -> Source:
    where = f"{path} 第 {index} 个 [[sources]]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}：应为表")
    name = table.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{path} [[sources]] name = \"{name}\""
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}：不认识的键 {', '.join(unknown)}")
    source = Source(
        name=_required_str(where, table, "name"),
        kind=_required_str(where, table, "kind"),
        url=_required_str(where, table, "url"),
        site=_optional(where, table, "site", str) or "",
        mainstream=_optional(where, table, "mainstream", bool) or False,
        own=_optional(where, table, "own", bool) or False,
        enabled=_optional(where, table, "enabled", bool, default=True),
        preset=_optional(where, table, "preset", str),
        selectors=_str_table(where, table, "selectors"),
        pages=_optional(where, table, "pages", int, default=1),
        encoding=_optional(where, table, "encoding", str),
        headers=_str_table(where, table, "headers"),
        cookie_file=_optional(where, table, "cookie_file", str),
        allow_private=_optional(where, table, "allow_private", bool, default=False),
    )
    validate_source(source, where)
    return source


def validate_source(source: Source, where: str) -> None:
    if source.kind not in SOURCE_KINDS:
        raise ConfigError(f"{where}：kind 应为 rss 或 forum，实际是 \"{source.kind}\"")
    problem = url_problem(source.url)
    if problem:
        raise ConfigError(f"{where}：url {problem}，实际是 \"{_shown(source.url)}\"")
    if source.kind == "forum":
        if source.preset is None:
            source.preset = "generic" if source.selectors else "discuz"
        if source.preset not in FORUM_PRESETS:
            raise ConfigError(
                f"{where}：preset 应为 {' / '.join(FORUM_PRESETS)} 之一，实际是 \"{source.preset}\""
            )
        if source.preset == "generic":
            missing = [k for k in ("row", "title") if not source.selectors.get(k)]
            if missing:
                raise ConfigError(f"{where}：generic 预设需要 [sources.selectors] 中的 {'、'.join(missing)}")
    elif source.preset:
        raise ConfigError(f"{where}：preset 只用于 kind = \"forum\" 的信息源")
    if not 1 <= source.pages <= MAX_PAGES:
        raise ConfigError(f"{where}：pages 应在 1 到 {MAX_PAGES} 之间，实际是 {source.pages}")
    if source.encoding:
        _check_encoding(where, source.encoding)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched, or None: checked when a source is added or read."""
    if not url.lower().startswith(("http://", "https://")):
        return "只支持 http:// 或 https:// 地址"
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        return "中不能有空白或控制字符"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        return "不是有效的网址"
    if not parts.hostname:
        return "缺少主机名"
    return None


def _shown(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _check_encoding(where: str, label: str) -> None:
    import codecs

    try:
        codecs.lookup(label)
    except LookupError:
        raise ConfigError(f"{where}：encoding 不认识的编码 \"{label}\"") from None


def _required_str(where: str, table: dict, key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}：缺少 {key}（应为非空字符串）")
    return value.strip()


def _optional(where: str, table: dict, key: str, kind: type, default: Any = None) -> Any:
    if key not in table:
        return default
    value = table[key]
    # bool is an int in Python; keep `pages = true` out.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = {str: "字符串", bool: " true 或 false", int: "整数"}[kind]
        raise ConfigError(f"{where}：{key} 应为{expected}，实际是 {value!r}")
    return value


def _str_table(where: str, table: dict, key: str) -> dict[str, str]:
    value = table.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where}：[sources.{key}] 应为字符串键值表")
    return dict(value)


def _check_unique_names(path: Path, sources: list[Source]) -> None:
    seen: dict[str, int] = {}
    for index, source in enumerate(sources, 1):
        if source.name in seen:
            raise ConfigError(f"{path}：信息源名称重复：\"{source.name}\"（第 {seen[source.name]} 个和第 {index} 个"
                              " [[sources]]），请改名或删去其中一个")
        seen[source.name] = index


def select_sources(sources: list[Source], names: list[str]) -> list[Source]:
    """The enabled sources, or exactly the named ones (disabled or not: the officer asked)."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ConfigError(f"没有这个信息源：{'、'.join(unknown)}（用 yuqing source list 查看）")
    return [by_name[n] for n in names]


# -- editing ----------------------------------------------------------------


def add_source(path: Path, source: Source) -> None:
    existing = load_sources(path)
    if any(s.name == source.name for s in existing):
        raise ConfigError(f"{path}：已有名为 \"{source.name}\" 的信息源")
    validate_source(source, f"信息源 \"{source.name}\"")
    import tomlkit

    doc = _read_document(path)
    sources = doc.get("sources")
    if sources is None:
        sources = tomlkit.aot()
        doc.append("sources", sources)
    sources.append(_table_for(source))
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def set_enabled(path: Path, name: str, enabled: bool) -> None:
    load_sources(path)  # validates first: never rewrite a file we cannot read
    import tomlkit

    doc = _read_document(path)
    for table in doc.get("sources", []):
        if table.get("name") == name:
            table["enabled"] = enabled
            path.write_text(tomlkit.dumps(doc), encoding="utf-8")
            return
    raise ConfigError(f"{path}：没有名为 \"{name}\" 的信息源")


def enable_source(workspace: Workspace, name: str) -> None:
    """Enable a source in sources.toml and forget its 410 mark and its backoff."""
    from yuqing.store import Store
    from yuqing.workspace import ensure_workspace

    ensure_workspace(workspace)
    set_enabled(workspace.sources_path, name, True)
    with Store(workspace.db_path) as store:
        store.update_source_state(name, gone=0, next_attempt_at=None, consecutive_failures=0)


def _read_document(path: Path) -> tomlkit.TOMLDocument:
    import tomlkit

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return tomlkit.parse(text)


def _table_for(source: Source) -> Any:
    import tomlkit

    table = tomlkit.table()
    table["name"] = source.name
    table["kind"] = source.kind
    table["url"] = source.url
    if source.site:
        table["site"] = source.site
    if source.mainstream:
        table["mainstream"] = True
    if source.own:
        table["own"] = True
    if source.kind == "forum":
        table["preset"] = source.preset or "discuz"
        if source.pages != 1:
            table["pages"] = source.pages
    if source.encoding:
        table["encoding"] = source.encoding
    if source.cookie_file:
        table["cookie_file"] = source.cookie_file
    if source.allow_private:
        table["allow_private"] = True
    if source.headers:
        table["headers"] = dict(source.headers)
    if source.selectors:
        table["selectors"] = dict(source.selectors)
    return table
