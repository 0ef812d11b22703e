"""The store's error edge: every SQLite error leaving the store becomes one `StoreError`
with a Chinese sentence and exit code 3.

Done once, the way `reader` wraps its storage: `Store` wraps each of its methods (plain,
generator and context-manager ones alike) when the class is made, so no call site has to
remember, and a locked or damaged database later in a command is reported like one that
could not be opened.
"""

from __future__ import annotations

import functools
import inspect
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from yuqing.errors import StoreError, UsageError

F = TypeVar("F", bound=Callable[..., Any])

# SQLite's primary result codes (the low byte of an extended code).
_LOW_SPACE_BYTES = 256 * 1024
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def describe(exc: sqlite3.Error, path: Path, busy_seconds: float) -> str:
    """The officer's sentence for a SQLite error on the database at `path`."""
    code = _primary_code(exc)
    if code in (_BUSY, _LOCKED):
        return (f"数据库被其他程序占用（等待 {busy_seconds:g} 秒后仍被锁定：{path}），请稍后再试；"
                "已入库的数据不受影响")
    if code in (_CORRUPT, _NOTADB):
        return f"数据库文件已损坏：{path}，可用 yuqing restore 恢复备份"
    if code == _FULL or (code == _IOERR and _no_space_left(path.parent)):
        return f"磁盘已满：无法写入数据库 {path}，请清理磁盘后重试"
    if code == _READONLY or (code == _CANTOPEN and not _writable(path.parent)):
        return f"工作目录只读：{path.parent}（数据库无法写入），请检查目录权限或挂载方式"
    if code == _CANTOPEN:
        return f"无法打开数据库文件：{path}"
    if code == _IOERR:
        return f"读写数据库时出现磁盘 I/O 错误：{path}"
    return f"数据库出错（{path}）：{_short(str(exc))}"


def is_busy(exc: sqlite3.Error) -> bool:
    return _primary_code(exc) in (_BUSY, _LOCKED)


def is_corruption(exc: sqlite3.Error) -> bool:
    return _primary_code(exc) in (_CORRUPT, _NOTADB)


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    text = str(exc).lower()  # errors raised by the sqlite3 module itself carry no code
    for needle, guess in (("locked", _BUSY), ("malformed", _CORRUPT), ("not a database", _NOTADB),
                          ("readonly", _READONLY), ("disk is full", _FULL), ("unable to open", _CANTOPEN)):
        if needle in text:
            return guess
    return None


def _no_space_left(directory: Path) -> bool:
    # SQLite reports a -shm or -wal it cannot grow as an I/O error, not as "full".
    try:
        return shutil.disk_usage(directory).free < _LOW_SPACE_BYTES
    except OSError:
        return False


def only_readable(path: Path, exc: sqlite3.Error) -> bool:
    """Whether opening the database at `path` failed because it may be read but not
    written here (a read-only share or copy, another officer's account)."""
    return (_primary_code(exc) in (_READONLY, _CANTOPEN) and path.is_file() and os.access(path, os.R_OK)
            and not (_writable(path.parent) and os.access(path, os.W_OK)))


def _writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@contextmanager
def wrap_exceptions(path: Path, busy_seconds: float) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(describe(exc, path, busy_seconds)) from exc
    except OverflowError:  # an id or count past SQLite's 64-bit integers
        raise UsageError(f"数值过大：超出数据库整数范围（最大 {2**63 - 1}），请检查输入的编号或数字") from None


def _wrapped(method: F) -> F:
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            with wrap_exceptions(self.path, self.busy_seconds):
                yield from method(self, *args, **kwargs)

        return generator  # type: ignore[return-value]

    @functools.wraps(method)
    def plain(self, *args, **kwargs):
        with wrap_exceptions(self.path, self.busy_seconds):
            return method(self, *args, **kwargs)

    return plain  # type: ignore[return-value]


def guard_methods(cls: type) -> None:
    """Wrap every public method `cls` has (its own and its mixins') in place.

    Context-manager methods (`write`, `rolled_back`) guard their own bodies: the error of a
    COMMIT surfaces when the `with` block ends, after the wrapped call has returned.
    """
    for klass in reversed(cls.__mro__):
        for name, value in list(vars(klass).items()):
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if getattr(value, "__store_guarded__", False) or hasattr(value, "__wrapped__"):
                continue
            wrapped = _wrapped(value)
            wrapped.__store_guarded__ = True  # type: ignore[attr-defined]
            setattr(cls, name, wrapped)
