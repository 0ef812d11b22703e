"""The worker pool that big backlogs use: results in order, and a dead worker costs
nothing but time (the pure work is finished in-process)."""

from __future__ import annotations

import os

import pytest

from yuqing.events.workers import cores, in_order, pool_for
from yuqing.rules import load_rules, rules_path_for

PARENT = os.getpid()


def _square(rules, n: int) -> int:
    return n * n


def _die_in_a_worker_at_three(rules, n: int) -> int:
    if n == 3 and os.getpid() != PARENT:
        os._exit(9)  # what an out-of-memory kill looks like to the pool
    return n * n


@pytest.fixture(scope="module")
def rules():
    return load_rules(rules_path_for(None))


@pytest.mark.skipif(cores() < 2, reason="workers start only with a spare core")
def test_results_come_in_order_from_the_workers(rules):
    with pool_for(rules, needed=True) as pool:
        assert pool is not None
        assert list(in_order(range(20), _square, rules, pool, ahead=3)) == [(n, n * n) for n in range(20)]


@pytest.mark.skipif(cores() < 2, reason="workers start only with a spare core")
def test_a_dead_worker_means_the_rest_is_done_here(rules, caplog):
    with pool_for(rules, needed=True) as pool:
        results = list(in_order(range(10), _die_in_a_worker_at_three, rules, pool, ahead=2))
    assert results == [(n, n * n) for n in range(10)]
    assert "finishing in this process" in caplog.text


def test_no_pool_when_not_needed(rules):
    with pool_for(rules, needed=False) as pool:
        assert pool is None
        assert list(in_order([2, 3], _square, rules, pool)) == [(2, 4), (3, 9)]
