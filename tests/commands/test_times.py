"""Times a reader can trust (issue 13, item 7): years on dates of other years, +08:00 in
exports, the log and file names, and --since by publication time unless asked otherwise."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from helpers import run
from test_collect import add_source

from yuqing import clock

NOW = "2026-11-27T10:00:00+08:00"
OLD_THREAD = "清河县老街拆迁补偿何时兑现"  # published 2019-04-27
NEW_POST = "清河县城南体育场灯光太暗"  # published this morning

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>测试</title><link>http://example.cn/</link>
<item><title>{old}</title><link>http://example.cn/2019/old.html</link>
<pubDate>Sat, 27 Apr 2019 09:12:00 +0800</pubDate><description>正文</description></item>
<item><title>{new}</title><link>http://example.cn/2026/new.html</link>
<pubDate>Fri, 27 Nov 2026 08:30:00 +0800</pubDate><description>正文</description></item>
</channel></rss>"""


@pytest.mark.parametrize(("stored", "fmt", "shown"), [
    ("2019-04-27T01:12:00+00:00", "%m-%d", "2019-04-27"),
    ("2019-04-27T01:12:00+00:00", "%m-%d %H:%M", "2019-04-27 09:12"),
    ("2019-04-27T01:12:00+00:00", "%H:%M", "2019-04-27 09:12"),
    ("2026-11-20T01:12:00+00:00", "%m-%d", "11-20"),
    ("2026-11-26T01:12:00+00:00", "%H:%M", "11-26 09:12"),
    ("2026-11-27T01:12:00+00:00", "%H:%M", "09:12"),
    ("2026-11-27T01:12:00+00:00", "%Y-%m-%d %H:%M", "2026-11-27 09:12"),
])
def test_dates_shown_carry_the_year_when_not_this_year(monkeypatch, stored, fmt, shown):
    monkeypatch.setenv("YUQING_NOW", NOW)
    assert clock.local_text(stored, fmt) == shown


@pytest.mark.parametrize(("stored", "fmt", "shown"), [
    ("2020-07-18T16:00:00+00:00", "%Y-%m-%d %H:%M", "2020-07-19"),  # a forum's 「2020-7-19」
    ("2020-07-18T16:00:00+00:00", "%m-%d %H:%M", "2020-07-19"),
    ("2020-07-18T16:00:00+00:00", "%H:%M", "2020-07-19"),
    ("2026-11-26T16:00:00+00:00", "%H:%M", "11-27"),  # today's date, no time: not 「00:00」
    ("2026-11-26T16:00:01+00:00", "%H:%M", "00:00"),  # a time that was given stays
    ("2019-04-27T01:12:00+00:00", "%Y-%m-%d %H:%M", "2019-04-27 09:12"),
])
def test_publication_dates_without_a_time_claim_none(monkeypatch, stored, fmt, shown):
    monkeypatch.setenv("YUQING_NOW", NOW)
    assert clock.published_text(stored, fmt) == shown


def test_localise_says_utc_instants_in_shanghai_and_leaves_text_alone():
    data = {"at": "2026-11-27T02:00:00+00:00", "title": "2026-11-27T02:00:00+00:00 的帖子", "n": 3,
            "list": ["2019-04-27T01:12:00+00:00", None]}
    assert clock.localise(data) == {"at": "2026-11-27T10:00:00+08:00", "title": data["title"], "n": 3,
                                    "list": ["2019-04-27T09:12:00+08:00", None]}


@pytest.fixture
def desk(yuqing_home, monkeypatch, http_server):
    from yuqing.rules import rules_path_for

    yuqing_home.mkdir(parents=True, exist_ok=True)
    (yuqing_home / "rules.toml").write_text(
        rules_path_for(None).read_text(encoding="utf-8") + '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n',
        encoding="utf-8")
    monkeypatch.setenv("YUQING_NOW", NOW)
    monkeypatch.setenv("COLUMNS", "200")
    http_server.route("/feed.xml", FEED.format(old=OLD_THREAD, new=NEW_POST))
    add_source(http_server.url("/feed.xml"), "新闻", "rss")
    result = run("run")
    assert result.exit_code == 0, result.stderr
    return yuqing_home


def test_an_old_thread_shows_its_year_everywhere_a_person_reads(desk):
    events = run("events").stdout
    assert "2019-04-27" in events and "08:30" in events  # today's post: its time of day
    old_id = next(e["id"] for e in json.loads(run("events", "--json").stdout) if e["title"] == OLD_THREAD)
    assert "2019-04-27 09:12" in run("event", "show", str(old_id)).stdout
    bulletin = run("report", "event", str(old_id), "--stdout").stdout
    assert "2019-04-27 09:12" in bulletin
    daily = run("report", "daily", "--stdout").stdout
    assert "2019-04-27" in daily
    assert f"{OLD_THREAD}（存量）" in daily and f"{NEW_POST}（存量）" not in daily  # an old post is no news
    weekly = run("report", "weekly", "--stdout").stdout
    old_line = next(line for line in weekly.splitlines() if OLD_THREAD in line)
    assert f"{OLD_THREAD}（存量）" in old_line and "2019-04-27" in old_line, old_line
    assert f"{NEW_POST}（存量）" not in weekly


def test_a_narrow_terminal_folds_the_date_of_a_post_and_never_cuts_it(desk, monkeypatch):
    old_id = next(e["id"] for e in json.loads(run("events", "--json").stdout) if e["title"] == OLD_THREAD)
    for columns in ("70", "60"):
        monkeypatch.setenv("COLUMNS", columns)
        shown = run("event", "show", str(old_id)).stdout
        assert shown.count("2019-04-27") >= 2, shown  # 首发 and the post's row
        assert not re.search(r"\d-?…", shown), shown


def test_search_and_events_since_go_by_publication_unless_asked(desk):
    recent = run("events", "--since", "7d")
    assert NEW_POST in recent.stdout and OLD_THREAD not in recent.stdout and "最近发布" in recent.stdout
    collected = run("events", "--since", "7d", "--collected")
    assert OLD_THREAD in collected.stdout and "最近采集" in collected.stdout
    found = run("search", "清河县", "--since", "7d")
    assert NEW_POST in found.stdout and OLD_THREAD not in found.stdout and "发布时间" in found.stdout
    found = run("search", "清河县", "--since", "7d", "--collected")
    assert OLD_THREAD in found.stdout and "采集时间" in found.stdout


def test_exports_log_and_archive_names_are_in_shanghai_time(desk, monkeypatch):
    lines = run("export", "posts").stdout.splitlines()
    old = next(json.loads(line) for line in lines if OLD_THREAD in line)
    assert old["published_at"] == "2019-04-27T09:12:00+08:00"
    assert old["first_seen_at"] == "2026-11-27T10:00:00+08:00"
    rows = list(csv.DictReader(io.StringIO(run("export", "posts", "--format", "csv").stdout.lstrip("\ufeff"))))
    assert {r["采集时间"] for r in rows} == {"2026-11-27T10:00:00+08:00"}
    events = json.loads(run("events", "--json").stdout)
    assert all(e["last_seen_at"].endswith("+08:00") for e in events)
    log = (desk / "logs" / "yuqing.log").read_text(encoding="utf-8")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 INFO ", log)
    monkeypatch.setenv("YUQING_NOW", "2026-11-28T01:00:00+08:00")  # still the 27th in UTC
    archived = run("archive", "1")
    assert archived.exit_code == 0, archived.stderr
    path = archived.stdout.strip()
    assert path.endswith("archive-event-1-20261128.zip")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("MANIFEST.json"))
    assert manifest["created_at"] == "2026-11-28T01:00:00+08:00"


@pytest.mark.slow
def test_events_since_through_subprocess(desk):
    env = {**os.environ, "YUQING_HOME": str(desk), "YUQING_NOW": NOW, "COLUMNS": "200"}

    def yuqing(*args):
        done = subprocess.run([sys.executable, "-m", "yuqing.cli", *args], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert OLD_THREAD not in yuqing("events", "--since", "7d")
    assert OLD_THREAD in yuqing("events", "--since", "7d", "--collected")
    exported = yuqing("export", "posts")
    assert "+00:00" not in exported and "+08:00" in exported
