"""Reading the replies under forum threads of events at 较大 and above, from a loopback board."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from forum_fixtures import discuz_page, discuz_thread_page, tieba_thread_page
from helpers import run
from test_collect import add_source

from yuqing.rules import rules_path_for
from yuqing.sources.fetch import MAX_PAGE_BYTES
from yuqing.store import Store

THREAD_PATH = "/forum.php?mod=viewthread&tid=7"
POSTS = [
    ("楼主", "老街拆迁补偿款三个月没到位，去了三次都说在走流程。", "2026-11-20 09:07"),
    ("网友乙", "补偿标准太低，强烈要求公开，太过分了！", "2026-11-20 10:01"),
    ("网友丙", "镇里在核实名单，耐心等等吧。", "2026-11-21 08:00"),
]


def _board(http_server, clicks: int) -> None:
    home = Path(os.environ["YUQING_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    rules = home / "rules.toml"
    rules.write_text(rules_path_for(None).read_text(encoding="utf-8")
                     + '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n', encoding="utf-8")
    http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿不到位", 60, clicks),
                                             (8, "清河县城关镇菜市场开业", 1, 5)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")


def _replies(home):
    with Store(home / "yuqing.db") as store:
        return store.conn.execute("SELECT floor, author, text, negative FROM replies ORDER BY floor").fetchall()


def test_threads_of_major_events_are_read_once_and_stored_with_tone(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T10:00:00+08:00")
    _board(http_server, 1200)
    http_server.route(THREAD_PATH, discuz_thread_page(7, "t", POSTS).encode("gbk"),
                      headers={"Content-Type": "text/html; charset=gbk"})
    http_server.route("/forum.php?mod=viewthread&tid=8", discuz_thread_page(8, "t", POSTS))
    result = run("collect", "--force", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["replies"] == {"threads": 1, "replies": 2, "failed": 0, "failures": []}
    assert _replies(yuqing_home) == [(2, "网友乙", "补偿标准太低，强烈要求公开，太过分了！", 1),
                                     (3, "网友丙", "镇里在核实名单，耐心等等吧。", 0)]
    assert http_server.hits("/forum.php?mod=viewthread&tid=8") == 0  # 一般: not read
    run("collect", "--force")
    assert http_server.hits(THREAD_PATH) == 1  # read again only after THREAD_REREAD
    events = json.loads(run("events", "--json").stdout)
    event_id = next(e["id"] for e in events if "拆迁" in e["title"])
    shown = run("event", "replies", str(event_id))
    assert shown.exit_code == 0 and "网民回复 2 条" in shown.stdout and http_server.hits(THREAD_PATH) == 2


def test_unreadable_threads_are_recorded_and_retry_after_is_kept(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T10:00:00+08:00")
    _board(http_server, 1200)
    http_server.route(THREAD_PATH, "稍后再试", status=429, headers={"Retry-After": "3600"})
    result = run("collect", "--force", "--json")
    assert result.exit_code == 0  # the list was collected; the replies wait
    failures = json.loads(result.stdout)["replies"]["failures"]
    assert len(failures) == 1 and "清河县城关镇老街拆迁补偿不到位" in failures[0]
    with Store(yuqing_home / "yuqing.db") as store:
        assert store.host_retry_at(http_server.base_url.removeprefix("http://")) is not None
        assert store.conn.execute("SELECT ok FROM thread_fetches").fetchall() == [(0,)]
    text = run("report", "event", "1", "--stdout").stdout
    assert "论坛帖子的回复尚未读取" in text


def test_oversized_thread_pages_are_refused(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T10:00:00+08:00")
    _board(http_server, 1200)
    http_server.route(THREAD_PATH, b"<p>" + b"x" * (MAX_PAGE_BYTES + 10))
    failures = json.loads(run("collect", "--force", "--json").stdout)["replies"]["failures"]
    assert len(failures) == 1 and _replies(yuqing_home) == []


def test_a_real_tieba_list_page_leads_to_its_thread_and_the_digest_shows_the_replies(
        yuqing_home, http_server, monkeypatch, corpora):
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T10:00:00+08:00")
    yuqing_home.mkdir(parents=True, exist_ok=True)
    (yuqing_home / "rules.toml").write_text(rules_path_for(None).read_text(encoding="utf-8")
                                            + '\n[[topics]]\nname = "手机号"\nkeywords = ["手机号"]\n', encoding="utf-8")
    http_server.serve_file("/f?kw=test", corpora / "gne_pages" / "test_list_page" / "tieba" / "1.html")
    thread = [("楼主", "家人去世后想过户手机号，营业厅要求本人到场。死人能复生吗？", "2020-03-01 09:00"),
              ("吧友甲", "这规定太离谱了，简直是刁难老百姓！", "2020-03-01 09:30"),
              ("吧友乙", "可以带证明材料去营业厅办，我去年办过。", "2020-03-01 10:00")]
    http_server.route("/p/6202296985", tieba_thread_page("过户逝者手机号", thread))
    add_source(http_server.url("/f?kw=test"), "贴吧", "forum", "--preset", "tieba", "--site", "百度贴吧")
    result = run("collect", "--force", "--json")
    assert result.exit_code == 0, result.stderr
    # A board's first collection is stock (存量): its 1,764 replies are history, so the thread
    # is not read by itself. The officer reads it and puts it in the digest by hand.
    assert json.loads(result.stdout)["replies"]["replies"] == 0
    events = json.loads(run("events", "--json").stdout)
    event_id = str(next(e["id"] for e in events if "手机号" in e["title"]))
    read = run("event", "replies", event_id, "--json")
    assert read.exit_code == 0, read.stderr
    assert json.loads(read.stdout)["replies"] == 2
    digest = run("report", "digest", "--from", "2026-11-24", "--include", event_id, "--stdout").stdout
    assert "过户逝者手机号需本人到场" in digest
    assert "事件概要：家人去世后想过户手机号，营业厅要求本人到场。" in digest
    assert "负面 1 条，主要观点：「这规定太离谱了，简直是刁难老百姓！」" in digest
    assert "中性及正面 1 条，主要观点：「可以带证明材料去营业厅办，我去年办过。」" in digest


@pytest.mark.slow
def test_one_board_gives_at_most_ten_threads_a_run(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T10:00:00+08:00")
    _board(http_server, 1200)
    http_server.route("/forum", discuz_page([(n, f"清河县第{n}号帖子反映的问题", 200, 1500 + n) for n in range(1, 13)]))
    for n in range(1, 13):
        http_server.route(f"/forum.php?mod=viewthread&tid={n}", discuz_thread_page(n, "t", POSTS))
    first = json.loads(run("collect", "--force", "--json").stdout)["replies"]
    assert first["threads"] == 10
    second = json.loads(run("collect", "--force", "--json").stdout)["replies"]
    assert second["threads"] == 2  # the rest next run; the ten already read wait THREAD_REREAD
