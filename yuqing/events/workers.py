"""Spare cores for big backlogs.

A fork-started process pool runs pure per-chunk work (reading and fingerprinting posts,
grading events) while the main process keeps what must happen in order (grouping) and
every SQL statement. Workers inherit the rule table at fork, die with their parent and
start only when the backlog is large enough to repay them: a cron run's few hundred
posts are handled in-process.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from yuqing.rules import Rules

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 2
log = logging.getLogger(__name__)
_rules: Rules | None = None  # set in each worker by _start


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextmanager
def pool_for(rules: Rules, *, needed: bool) -> Iterator[Executor | None]:
    """A pool of workers holding `rules`, or None when not needed or no spare core."""
    if not needed or cores() < 2:
        yield None
        return
    import multiprocessing  # only now: a cron run's small backlog never needs them
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=min(MAX_WORKERS, cores()),
                               mp_context=multiprocessing.get_context("fork"),
                               initializer=_start, initargs=(rules,))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def with_rules(function: Callable[..., R], *args: Any) -> R:
    """Run in a worker: `function(rules, *args)` with the rules the pool was started with."""
    assert _rules is not None, "with_rules runs only in a pool_for worker"
    return function(_rules, *args)


def in_order(inputs: Iterable[T], work: Callable[..., R], rules: Rules, pool: Executor | None,
             *, ahead: int = 2) -> Iterator[tuple[T, R]]:
    """(input, work(rules, input)) for each input, in order. With a pool, up to `ahead`
    inputs are worked on while the caller handles earlier results; without, inline."""
    if pool is None:
        for item in inputs:
            yield item, work(rules, item)
        return
    from concurrent.futures.process import BrokenProcessPool

    queue: deque = deque()  # (input, future), oldest first; an input leaves once its result is out
    items = iter(inputs)
    unsent: list = []  # an input taken from `items` whose submission failed
    try:
        for item in items:
            unsent = [item]
            queue.append((item, pool.submit(with_rules, work, item)))
            unsent = []
            while len(queue) > ahead:
                yield queue[0][0], queue[0][1].result()
                queue.popleft()
        while queue:
            yield queue[0][0], queue[0][1].result()
            queue.popleft()
    except BrokenProcessPool:
        # A worker died (killed, out of memory): the work is pure, so do the rest here.
        log.warning("worker processes stopped; finishing in this process")
        for item in chain([done for done, _ in queue], unsent, items):
            yield item, work(rules, item)


def _start(rules: Rules) -> None:
    global _rules
    _rules = rules
    die_with_parent()


def die_with_parent() -> None:
    """Workers must not outlive a run that was killed (cron, `kill -9`)."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: workers still exit when the pool's pipes close
