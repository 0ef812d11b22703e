"""Memory of a process tree from /proc, for the bench scripts (Linux only).

`ru_maxrss` is no use here: Linux carries a parent's resident size at fork over into
the child's figure. These read each process's own high-water mark (VmHWM) and its
proportional set size (Pss: shared pages divided among the processes sharing them), so
the PSS of a process tree sums to what the tree really holds.
"""

from __future__ import annotations

import os


def descendants(pid: int) -> list[int]:
    """pid and every process below it (bounded)."""
    found, todo = [], [pid]
    while todo and len(found) < 256:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, Pss) of one process in KiB; (0, 0) once it is gone."""
    hwm = pss = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                    break
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
    except (OSError, ValueError):
        pass
    return hwm, pss


def tree_pss_kib(pid: int) -> int:
    """The PSS of pid and all its descendants, in KiB."""
    return sum(memory_kib(p)[1] for p in descendants(pid))
