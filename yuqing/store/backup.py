"""Backup and restore of the workspace's database.

Restore never leaves the officer without a whole database: the backup is read through
SQLite (so rows still in a `-wal` beside it come along), written to a temporary file in
the workspace, verified (a yuqing store, no migration newer than this yuqing, integrity),
migrated, fsynced, and only then swapped over the live file with `os.replace` while the
run lock is held. A kill at any instant leaves the old database or the new one; the old
one is also kept as `yuqing.db.before-restore-<time>`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from yuqing.errors import InputError, StoreError, UsageError, YuqingError, os_reason
from yuqing.store.base import BUSY_TIMEOUT_SECONDS, connect
from yuqing.store.guard import is_busy, is_corruption, wrap_exceptions
from yuqing.store.lock import run_lock

TEMP_PREFIX = ".yuqing.db.restore-"


@dataclass
class RestoreResult:
    source: Path
    target: Path
    kept: Path | None  # the database as it was before, when there was one


def backup_database(db_path: Path, target: Path) -> Path:
    """A consistent copy of the store at `target`, even while a run writes."""
    from yuqing.store import Store

    target = target.expanduser().resolve()
    _claim_new_file(target)
    try:
        with Store(db_path) as store:
            store.backup_to(target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _claim_new_file(target: Path) -> None:
    """Fail early, naming the path, when the backup cannot be written there."""
    if target.is_dir():
        raise UsageError(f"备份路径是一个目录：{target}，请给出文件名")
    if target.exists():
        raise UsageError(f"{target} 已存在：请换一个文件名（不会覆盖）")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb"):
            pass
    except OSError as exc:
        raise InputError(f"无法写入备份文件 {target}：{os_reason(exc)}") from None
    target.unlink()  # VACUUM INTO wants to create the file itself


def restore_database(home: Path, db_path: Path, source: Path, stamp: str) -> RestoreResult:
    """Replace the workspace's database with the backup at `source`, atomically."""
    source = source.expanduser().absolute()
    _refuse_live_database(source, db_path)
    if source.is_dir():
        raise InputError(f"{source} 是一个目录：请给出用 yuqing backup 做的备份文件")
    if not source.is_file():
        raise InputError(f"备份文件不存在：{source}")
    with run_lock(home, "恢复"):
        _remove_stale_temps(home)
        temp = home / f"{TEMP_PREFIX}{os.getpid()}.tmp"
        kept: Path | None = None
        try:
            with wrap_exceptions(db_path, BUSY_TIMEOUT_SECONDS):
                _copy_through_sqlite(source, temp)
                _verify_backup(temp, source)
                _migrate_and_settle(temp)
                _fsync(temp)
                if db_path.exists():
                    kept = _keep_current(db_path, home / f"yuqing.db.before-restore-{stamp}")
                _swap_in(temp, db_path)
        except YuqingError as error:
            if kept is not None:
                error.message += f"；恢复前的数据库已另存为 {kept}"
                error.args = (error.message,)
            raise
        finally:
            _remove(temp)
    from yuqing.store import Store

    Store(db_path).close()  # back in WAL mode
    return RestoreResult(source=source, target=db_path, kept=kept)


def _refuse_live_database(source: Path, db_path: Path) -> None:
    live = [Path(str(db_path) + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    resolved = source.resolve()
    for path in live:
        same = resolved == path.resolve()
        if not same and path.exists() and source.exists():
            same = os.path.samefile(source, path)
        if same:
            raise UsageError(
                f"不能从正在使用的数据库恢复：{source} 就是工作目录的数据库 {db_path}；"
                "请指定用 yuqing backup 做的备份文件"
            )


def _remove_stale_temps(home: Path) -> None:
    """Temporary files of a restore that was killed: the live database never depended on them."""
    for path in home.glob(TEMP_PREFIX + "*"):
        path.unlink(missing_ok=True)


def _remove(temp: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(temp) + suffix).unlink(missing_ok=True)


def _backup_into(src: sqlite3.Connection, target: Path) -> None:
    """SQLite's backup API from an open connection (closed afterwards) into a new file."""
    with closing(src), closing(sqlite3.connect(str(target))) as dst:
        src.backup(dst)


def _copy_through_sqlite(source: Path, temp: Path) -> None:
    """Read the backup through SQLite (its -wal included) into a fresh file."""
    _remove(temp)
    try:
        _backup_into(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS), temp)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{source} 不是有效的 yuqing 备份：{_reason(exc)}") from None


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text:
        return "不是 SQLite 数据库文件"
    if "malformed" in text:
        return "文件已损坏"
    return text[:200]


def _verify_backup(temp: Path, source: Path) -> None:
    from yuqing.store.schema import APPLICATION_ID, migration_names

    conn = sqlite3.connect(str(temp))
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        applied = []
        if "_sqlite_migrations" in tables:
            applied = [r[0] for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'yuqing'")]
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{source} 不是有效的 yuqing 备份：{_reason(exc)}") from None
    finally:
        conn.close()
    if not ok:
        raise InputError(f"{source} 完整性检查未通过，不能恢复")
    if application_id not in (0, APPLICATION_ID) or "posts" not in tables or not applied:
        raise InputError(f"{source} 不是 yuqing 的数据库备份，不能恢复")
    known = migration_names()
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise InputError(
            f"{source} 由更新版本的 yuqing 创建（含本版本不认识的结构变更 {unknown[0]}），"
            "请先升级 yuqing 再恢复"
        )


def _migrate_and_settle(temp: Path) -> None:
    """Bring the copy to this version's schema, then leave it as one self-contained file."""
    from yuqing.store import Store

    Store(temp).close()
    conn = sqlite3.connect(str(temp))
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def _keep_current(db_path: Path, kept: Path) -> Path:
    """The live database as it is now, whole, beside it (a raw copy when it is damaged)."""
    try:
        _backup_into(connect(db_path), kept)
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
        _remove(kept)
        for suffix in ("", "-wal"):
            live = Path(str(db_path) + suffix)
            if live.exists():
                shutil.copyfile(live, str(kept) + suffix)
    for suffix in ("", "-wal"):
        if Path(str(kept) + suffix).exists():
            _fsync(Path(str(kept) + suffix))
    return kept


def _swap_in(temp: Path, db_path: Path) -> None:
    """os.replace the verified copy over the live file, with no stale -wal left beside it.

    The live database first leaves WAL mode (which checkpoints and removes its -wal) and is
    held under an exclusive lock, so no other process writes to it while it is replaced.
    """
    live = None
    if db_path.exists():
        live = _quiesce(db_path)
    try:
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(temp, db_path)
        _fsync(db_path.parent)
    finally:
        if live is not None:
            live.close()


def _quiesce(db_path: Path) -> sqlite3.Connection | None:
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        if mode != "delete":
            raise _in_use(db_path)
        conn.execute("BEGIN EXCLUSIVE")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_corruption(exc):
            return None  # a damaged live file (already kept raw) is simply replaced
        if is_busy(exc):
            raise _in_use(db_path) from None
        raise
    except BaseException:
        conn.close()
        raise
    return conn


def _in_use(db_path: Path) -> StoreError:
    return StoreError(f"数据库被其他程序占用（{db_path} 正被打开），请等正在使用它的 yuqing 命令结束后再恢复")


def _fsync(path: Path) -> None:
    """Flush a file, or a directory's entries (a rename), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

