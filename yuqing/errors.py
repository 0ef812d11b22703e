"""Exit codes and the expected failures that carry them.

Every error a duty officer can cause (bad flags, bad config, a broken feed) is one of
these classes; the CLI edge prints its Chinese message and exits with its code.
"""

from __future__ import annotations

import re
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PARTIAL = 1  # some sources failed; the others were stored
    USAGE = 2  # bad flags, bad configuration, bad input file
    STORE = 3  # the database cannot be opened or is damaged
    BUSY = 4  # another run holds the workspace lock
    INTERRUPTED = 130


def os_reason(exc: OSError) -> str:
    """An operating-system error in words an officer reads."""
    import errno

    reasons = {
        errno.ENOENT: "文件或目录不存在", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
        errno.EISDIR: "这是一个目录", errno.ENOTDIR: "路径中有一段不是目录",
        errno.ENOSPC: "磁盘已满", errno.EROFS: "只读文件系统",
        errno.EEXIST: "已有同名的文件", errno.ENAMETOOLONG: "路径过长",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


_JSON_REASONS = (
    ("Expecting value", "缺少值"), ("Expecting property name", "键名应放在双引号中"),
    ("Expecting ':'", "键后缺少冒号"), ("Expecting ','", "缺少逗号"),
    ("Unterminated string", "字符串缺少结尾的双引号"), ("Extra data", "一行只能写一个 JSON 对象"),
    ("Invalid control character", "含有控制字符"), ("Invalid \\escape", "反斜杠转义无效"),
)


# tomllib's messages (Python 3.11), by how they start, in words an officer reads.
_TOML_REASONS = (
    ("Invalid value", "值写得不对（文字要加双引号，如 \"县教育局\"；列表写成 [\"甲\", \"乙\"]）"),
    ("Expected newline or end of document", "一行只能写一个「键 = 值」，后面多了内容"),
    ("Cannot declare", "同一个表写了两次"), ("Cannot overwrite", "同一个键写了两次"),
    ("Cannot redefine", "同一个表写了两次"), ("Cannot mutate", "这个表已在别处写完，不能再添加"),
    ("Duplicate inline table key", "同一个键写了两次"),
    ("Unclosed array", "列表缺少结尾的 ]"), ("Unclosed inline table", "缺少结尾的 }"),
    ("Expected '='", "键后缺少 ="), ("Expected ']]'", "表数组名缺少结尾的 ]]"),
    ("Expected ']'", "表名缺少结尾的 ]"), ("Invalid initial character for a key", "键名中有不允许的字符（中文键名要加双引号）"),
    ("Invalid statement", "这一行写得不对（应为「键 = 值」或 [表名]；中文键名要加双引号）"), ("Unterminated string", "文字缺少结尾的引号"),
    ("Illegal character", "含有不允许的字符"), ("Found invalid character", "含有不允许的字符"),
    ("Invalid date", "日期时间写得不对"), ("Unescaped '\\'", "文字中的 \\ 要写成 \\\\"),
    ("Invalid hex value", "\\u 转义写得不对"), ("Escaped character", "\\u 转义写得不对"),
)


def toml_reason(exc: ValueError) -> str:
    """Where and what is wrong in a TOML file (a tomllib.TOMLDecodeError), in Chinese:
    「第 94 行第 19 列：值写得不对（…）」."""
    text = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)$", text)
    where = f"第 {found.group(1)} 行第 {found.group(2)} 列：" if found else (
        "文件末尾：" if text.endswith("(at end of document)") else "")
    reason = next((said for start, said in _TOML_REASONS if text.startswith(start)), "格式不对")
    return where + reason


def json_reason(exc: ValueError) -> str:
    """What is wrong with a line of JSON (a json.JSONDecodeError), in words an officer reads."""
    message = getattr(exc, "msg", str(exc))
    reason = next((said for start, said in _JSON_REASONS if message.startswith(start)), "格式不对")
    column = getattr(exc, "colno", None)
    return f"第 {column} 个字符处{reason}" if column else reason


def os_error_message(exc: OSError, home: object | None) -> tuple[str, ExitCode]:
    """An OSError that escaped a command, as one line and its exit code.

    Writing into a read-only workspace or onto a full disk is a storage problem (exit 3);
    any other path is what the officer gave (exit 2).
    """
    import errno
    from pathlib import Path

    where = str(exc.filename) if exc.filename else ""
    in_home = bool(where and home is not None and Path(where).is_relative_to(Path(str(home))))
    if exc.errno == errno.ENOSPC:
        return f"磁盘已满：无法写入 {where or '文件'}，请清理磁盘后重试", ExitCode.STORE
    if in_home and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"工作目录只读：{home}（{where}：{os_reason(exc)}）", ExitCode.STORE
    return f"无法读写 {where or '文件'}：{os_reason(exc)}", ExitCode.USAGE


class YuqingError(Exception):
    """An expected failure with a message for the officer (in Chinese)."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(YuqingError):
    """sources.toml / rules.toml / workspace problems."""


class UsageError(YuqingError):
    """Flags or arguments that make no sense."""


class InputError(YuqingError):
    """A file or stdin given by the officer cannot be read."""


class StoreError(YuqingError):
    exit_code = ExitCode.STORE


class BusyError(YuqingError):
    exit_code = ExitCode.BUSY


class SourceError(Exception):
    """One source failed this run; collection of the others goes on.

    `reason` is a short Chinese label shown in health (e.g. 「超时」「选择器失效」),
    `message` the full Chinese sentence.
    """

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        gone: bool = False,
    ):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.gone = gone

    def __reduce__(self):
        # Parsing runs in worker processes: the error must cross back intact.
        return (_rebuild_source_error, (self.reason, self.message, self.status,
                                        self.retry_after, self.gone))


def _rebuild_source_error(reason, message, status, retry_after, gone) -> SourceError:
    return SourceError(reason, message, status=status, retry_after=retry_after, gone=gone)
