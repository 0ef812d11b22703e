"""Failing sources never look healthy: backoff shows in every run summary, `run` exits 1
while an enabled source is failing, `status` never says 成功 for such a run, and a broken
configuration that stops a cron run is written to logs/yuqing.log."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import run
from test_collect import add_source, rss

from yuqing.store import Store

NINE = "2026-11-27T09:00:00+08:00"


def broken_and_good(http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", NINE)
    http_server.route("/good", rss([("清河县新闻", "http://example.cn/1")]))
    http_server.route("/broken", b"nope", status=404)
    add_source(http_server.url("/good"), "好的")
    add_source(http_server.url("/broken"), "坏的")


def test_backoff_reads_as_failure_in_every_summary_and_run_exits_1(yuqing_home, http_server, monkeypatch):
    broken_and_good(http_server, monkeypatch)
    first = run("run")
    assert first.exit_code == 1
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T09:05:00+08:00")
    hits = http_server.hits("/broken")
    second = run("run")
    assert second.exit_code == 1  # not fetched this time, but still failing
    assert http_server.hits("/broken") == hits
    assert "坏的：失败（退避中，下次 09:10 重试）：HTTP 404" in second.stderr  # the cron log line
    assert "失败（退避中，下次 09:10 重试）" in second.stdout and "HTTP 404" in second.stdout  # the table
    assert "1 个失败" in second.stderr
    data = json.loads(run("run", "--json").stdout)
    broken = next(s for s in data["sources"] if s["name"] == "坏的")
    assert (broken["status"], broken["reason"], broken["message"]) == ("backoff", "退避中，下次 09:10 重试", "HTTP 404")
    assert broken["retry_at"] == "2026-11-27T09:10:00+08:00" and data["exit_code"] == 1

    status = run("status")
    assert "成功" not in status.stdout.splitlines()[0]
    assert "部分信息源失败（1 个）" in status.stdout
    assert "坏的：连续失败 1 次（HTTP 404），退避中，下次 09:10 重试" in status.stdout
    log = (yuqing_home / "logs" / "yuqing.log").read_text(encoding="utf-8")
    assert "source 坏的 failing (退避中，下次 09:10 重试): HTTP 404" in log


def test_status_of_an_older_run_that_skipped_for_backoff_is_not_success(yuqing_home):
    summary = {"collect": {"sources": [{"name": "坏的", "status": "skipped", "reason": "退避中"},
                                       {"name": "好的", "status": "ok"}]}}
    with Store(yuqing_home / "yuqing.db") as store:
        run_id = store.start_run("run", "2026-11-27T01:00:00+00:00")
        store.finish_run(run_id, "2026-11-27T01:00:05+00:00", 0, summary)
    first_line = run("status").stdout.splitlines()[0]
    assert "成功" not in first_line and "部分信息源失败（1 个）" in first_line


def test_all_sources_healthy_still_reads_success(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", NINE)
    http_server.route("/good", rss([("清河县新闻", "http://example.cn/1")]))
    add_source(http_server.url("/good"), "好的")
    assert run("run").exit_code == 0
    assert run("status").stdout.splitlines()[0].endswith("（run）成功")


def test_broken_rules_that_stop_cron_are_logged(yuqing_home, http_server, monkeypatch):
    broken_and_good(http_server, monkeypatch)
    rules = yuqing_home / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("[larger]", "[larger", 1), encoding="utf-8")
    result = run("run")
    assert result.exit_code == 2 and "rules.toml" in result.stderr
    log = (yuqing_home / "logs" / "yuqing.log").read_text(encoding="utf-8")
    assert "run stopped (exit 2)" in log and "rules.toml：TOML 格式错误" in log


@pytest.mark.slow
def test_broken_sources_that_stop_a_cron_subprocess_are_logged(yuqing_home, http_server, monkeypatch):
    broken_and_good(http_server, monkeypatch)
    (yuqing_home / "sources.toml").write_text('[[sources]]\nname = "x"\nkind = "ftp"\nurl = "ftp://x"\n',
                                              encoding="utf-8")
    env = dict(os.environ, YUQING_HOME=str(yuqing_home))
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", "run"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    log = (yuqing_home / "logs" / "yuqing.log").read_text(encoding="utf-8")
    assert "sources.toml" in log.splitlines()[-1] and "kind 应为 rss 或 forum" in log
