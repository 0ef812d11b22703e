"""One run at a time per workspace.

A POSIX record lock (`lockf`) on a lock file: the kernel drops it when its process
dies, so a lock left by a crashed or killed run is taken over by the next one without
any staleness guess. Unlike `flock`, it is not shared with forked children, so a parse
worker outliving a killed run cannot keep the workspace locked.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from yuqing.errors import BusyError


@contextmanager
def run_lock(home: Path, what: str = "采集", *, wait: float = 0.0) -> Iterator[None]:
    """Hold the workspace's run lock; `wait` seconds for a running task to finish first."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "yuqing.store.lock"
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
    try:
        if not _take(handle, time.monotonic() + wait):
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise BusyError(
                f"另一个 yuqing 任务正在运行（进程 {holder}，锁文件 {path}），本次{what}已退出"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def _take(handle, deadline: float) -> bool:
    while True:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)
