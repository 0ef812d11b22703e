"""人工研判 and stock posts through the CLI: a loopback forum with real 2019 threads, the file
outbox, a recorded WeCom robot and the rows in SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from forum_fixtures import discuz_page
from helpers import run
from robot_recorder import RobotRecorder
from test_collect import add_source

from yuqing.rules import rules_path_for

FRIDAY_10 = "2026-11-27T10:00:00+08:00"
RULES_EXTRA = """
[[topics]]
name = "清河县"
keywords = ["清河"]

[[topics]]
name = "逆水寒论坛"
keywords = ["逆水寒", "江湖"]

[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"
"""
OLD_THREAD = "【原创作者联盟】愿所有的江湖偶遇，都是你我宿命的相逢"


@pytest.fixture
def robot(yuqing_home, monkeypatch):
    with RobotRecorder() as rec:
        monkeypatch.setenv("YUQING_SECRET_DUTY_ROBOT", rec.add_wecom("DUTYKEY"))
        yield rec


@pytest.fixture
def workspace(yuqing_home, monkeypatch, robot):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8").replace(
        '[roles."值班员"]\nemails = []\nrobots = []', '[roles."值班员"]\nemails = []\nrobots = ["值班群"]')
    (yuqing_home / "rules.toml").write_text(text + RULES_EXTRA, encoding="utf-8")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    return yuqing_home


def outbox(home: Path) -> list[str]:
    """The level notices written to the file outbox (deadline reminders left out)."""
    found = sorted(p.read_text(encoding="utf-8") for p in (home / "outbox").rglob("*.md"))
    return [n for n in found if "【时限提醒】" not in n and "【超时催办】" not in n]


def rows(home: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(home / "yuqing.db") as conn:
        return list(conn.execute(sql, params))


def ok(*args: str, stdin: str | None = None):
    result = run(*args, stdin=stdin)
    assert result.exit_code == 0, (args, result.stderr)
    return result


def as_json(*args: str) -> dict | list:
    return json.loads(ok(*args, "--json").stdout)


def real_discuz_page(corpora: Path) -> str:
    path = corpora / "gne_pages" / "test_list_page" / "netease_forum" / "1.html"
    if not path.is_file():
        pytest.skip(f"语料文件不存在：{path}")
    return path.read_text(encoding="utf-8")


# -- stock versus news -------------------------------------------------------------


def test_a_new_board_of_2019_threads_stays_quiet_until_one_flares(workspace, monkeypatch, http_server, robot,
                                                                   corpora):
    page = real_discuz_page(corpora)
    http_server.route("/forum.php", page, headers={"Content-Type": "text/html; charset=utf-8"})
    add_source(http_server.url("/forum.php"), "逆水寒论坛", "forum", "--preset", "discuz", "--site", "逆水寒论坛")
    ok("run")
    # Stored, grouped and listed, marked 存量, but its 139,191 clicks alert nobody.
    assert rows(workspace, "SELECT count(*) FROM posts WHERE stock = 1")[0][0] == 42
    listed = as_json("events")
    assert listed and all("存量" in e["marks"] for e in listed)
    old = next(e for e in listed if e["title"].startswith("【原创作者联盟】愿所有"))
    assert old["clicks"] == 139191 and old["level"] != "特别重大"
    assert outbox(workspace) == [] and robot.requests == []
    assert rows(workspace, "SELECT count(*) FROM notices")[0][0] == 0
    # The same thread gains 600 replies by the next morning: 特别重大, notified at once.
    monkeypatch.setenv("YUQING_NOW", "2026-11-28T09:00:00+08:00")
    flared = page.replace('class="xi2">465</a>', 'class="xi2">1065</a>')
    assert flared != page
    http_server.route("/forum.php", flared, headers={"Content-Type": "text/html; charset=utf-8"})
    ok("run")
    [notice] = outbox(workspace)
    assert "【特别重大舆情】" in notice and "首次采集后新增跟帖 600 ≥ 500" in notice
    assert "139191" not in notice.split("定级依据")[1].split("时限")[0]  # no cumulative figure as a reason
    [sent] = robot.accepted()
    assert "首次采集后新增跟帖 600 ≥ 500" in sent.content()
    shown = as_json("event", "show", str(old["id"]))
    assert shown["event"]["level"] == "特别重大" and shown["event"]["marks"] == []


def test_stock_hours_is_read_from_rules_and_checked(workspace, http_server):
    rules = workspace / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n[grading]\nstock_hours = -1\n", encoding="utf-8")
    result = run("rules", "check")
    assert result.exit_code == 2 and "[grading] stock_hours" in result.stderr and "正数" in result.stderr


def test_threads_posted_minutes_ago_are_news_and_notify(workspace, http_server, robot):
    http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿不到位", 10, 1200)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    ok("run")
    assert rows(workspace, "SELECT stock FROM posts") == [(0,)]
    [notice] = outbox(workspace)
    assert "点击 1200 ≥ 1000 → 重大" in notice


# -- the officer's verdicts -------------------------------------------------------------


def two_stories(http_server) -> None:
    http_server.route("/forum", discuz_page([
        (7, "清河县城关镇老街拆迁补偿不到位", 120, 1500),
        (8, "清河县某小区业主晒装修成果", 3, 40),
    ]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")


def event_id_of(title_start: str) -> int:
    return next(e["id"] for e in as_json("events") if e["title"].startswith(title_start))


def test_dismiss_hides_closes_the_case_and_stays_silent_until_it_rises(workspace, monkeypatch, http_server,
                                                                      robot):
    two_stories(http_server)
    ok("run")
    event = event_id_of("清河县某小区")
    assert len(outbox(workspace)) == 2
    dismissed = as_json("event", "dismiss", str(event), "--reason", "业主晒装修，与舆情无关", "--by", "张三")
    assert dismissed["kind"] == "dismiss" and dismissed["by"] == "张三" and dismissed["case_closed"]
    assert event not in [e["id"] for e in as_json("events")]
    assert [e["id"] for e in as_json("events", "--dismissed")] == [event]
    assert "另有 1 个事件已判为误报" in run("events").stderr
    case = as_json("case", "list")
    [closed] = [c for c in case if c["event_id"] == event]
    assert closed["status"] == "已办结" and closed["result"].startswith("误报")
    shown = as_json("case", "show", str(closed["id"]))
    assert shown["actions"][-1]["action"] == "误报"
    assert [j["kind"] for j in shown["judgments"]] == ["dismiss"]
    # More replies, still 一般→较大 at most: no notice. Then it rises above 一般: one notice that says so.
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T11:00:00+08:00")
    http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿不到位", 120, 1500),
                                             (8, "清河县某小区业主晒装修成果", 5, 60)]))
    ok("run")
    assert len(outbox(workspace)) == 2
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T12:00:00+08:00")
    http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿不到位", 120, 1500),
                                             (8, "清河县某小区业主晒装修成果", 150, 2000)]))
    ok("run")
    notices = outbox(workspace)
    assert len(notices) == 3
    [risen] = [n for n in notices if "曾被判为误报" in n]
    assert "某小区" in risen and "重大" in risen
    assert any("曾被判为误报" in r.content() for r in robot.accepted())
    kinds = [j["kind"] for j in as_json("event", "show", str(event))["judgments"]]
    assert kinds == ["dismiss", "reopen"]
    assert event in [e["id"] for e in as_json("events")]


def test_restore_undoes_a_dismissal(workspace, http_server):
    two_stories(http_server)
    ok("run")
    event = event_id_of("清河县某小区")
    ok("event", "dismiss", str(event), "--reason", "误报")
    restored = as_json("event", "restore", str(event), "--reason", "看错了")
    assert restored["event"]["dismissed_at"] is None
    assert event in [e["id"] for e in as_json("events")]
    [case] = [c for c in as_json("case", "list") if c["event_id"] == event]
    assert case["status"] == "待研判" and case["closed_at"] is None


def test_manual_level_holds_against_the_rules_and_auto_hands_it_back(workspace, monkeypatch, http_server, robot):
    two_stories(http_server)
    ok("run")
    event = event_id_of("清河县某小区")
    assert len(outbox(workspace)) == 2
    set_level = as_json("event", "level", str(event), "较大", "--reason", "涉及物业纠纷，需关注", "--by", "李四")
    assert set_level["event"]["level"] == "较大" and set_level["event"]["manual_level"] == "较大"
    # Notified once at the new level; rules that still say 一般 never lower it.
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T11:00:00+08:00")
    ok("run")
    notices = outbox(workspace)
    assert len(notices) == 3 and any("人工定级 较大" in n for n in notices)
    assert as_json("event", "show", str(event))["event"]["level"] == "较大"
    # A rule firing higher raises it, and notifies.
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T12:00:00+08:00")
    http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿不到位", 120, 1500),
                                             (8, "清河县某小区业主晒装修成果", 3, 1100)]))
    ok("run")
    shown = as_json("event", "show", str(event))
    assert shown["event"]["level"] in ("重大", "特别重大")
    assert len(outbox(workspace)) == 4
    # --auto hands it back; lowering by hand notifies nobody.
    ok("event", "level", str(event), "--auto")
    ok("event", "level", str(event), "一般", "--reason", "已核实为正常咨询")
    ok("run")
    assert len(outbox(workspace)) == 4
    kinds = [(j["kind"], j["value"], j["by"]) for j in as_json("event", "show", str(event))["judgments"]]
    assert kinds[0] == ("level", "较大", "李四") and [k[0] for k in kinds] == ["level", "auto", "level"]


def test_merge_and_split_recompute_and_keep_history(workspace, http_server):
    http_server.route("/forum", discuz_page([
        (7, "清河县城关镇老街拆迁补偿不到位", 60, 600),
        (9, "清河县老街居民聚集讨说法", 50, 500),
    ]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    ok("run")
    first, second = event_id_of("清河县城关镇"), event_id_of("清河县老街")
    merged = as_json("event", "merge", str(first), str(second), "--reason", "同一件事")
    assert merged["event"]["posts"] == 2 and merged["event"]["clicks"] == 1100
    assert merged["event"]["level"] in ("重大", "特别重大")  # 1100 clicks together: recomputed
    assert second not in [e["id"] for e in as_json("events")]
    assert rows(workspace, "SELECT merged_into FROM events WHERE id = ?", second) == [(first,)]
    posts = as_json("event", "show", str(first))["posts"]
    moved = next(p["id"] for p in posts if p["title"].startswith("清河县老街"))
    split = as_json("event", "split", str(first), str(moved), "--reason", "并错了")
    new_id = int(split["value"])
    assert split["event"]["posts"] == 1 and split["event"]["level"] not in ("重大", "特别重大")
    assert as_json("event", "show", str(new_id))["event"]["clicks"] == 500
    assert [j["kind"] for j in as_json("event", "show", str(first))["judgments"]] == ["merge", "split"]
    assert [j["kind"] for j in as_json("event", "show", str(new_id))["judgments"]] == ["split_from"]


def test_post_ignore_takes_a_post_out_of_the_figures(workspace, http_server):
    http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿不到位", 60, 600),
                                             (9, "清河县老街居民聚集讨说法", 50, 500)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    ok("run")
    first, second = event_id_of("清河县城关镇"), event_id_of("清河县老街")
    ok("event", "merge", str(first), str(second))
    post = next(p["id"] for p in as_json("event", "show", str(first))["posts"] if p["title"].startswith("清河县老街"))
    ignored = as_json("post", "ignore", str(post), "--reason", "另一条街的事")
    assert ignored["event"]["clicks"] == 600 and ignored["event"]["level"] not in ("重大", "特别重大")
    shown = run("event", "show", str(first)).stdout
    assert "已排除" in shown and "排除帖子（帖子" in shown and "另一条街的事" in shown


def test_verdicts_refuse_unknown_ids_and_missing_reasons(workspace, http_server):
    two_stories(http_server)
    ok("run")
    event = event_id_of("清河县某小区")
    cases = [
        (("event", "dismiss", "99", "--reason", "x"), "没有编号为 99 的事件"),
        (("event", "dismiss", str(event)), "--reason"),
        (("event", "restore", "99"), "没有编号为 99 的事件"),
        (("event", "level", "99", "重大", "--reason", "x"), "没有编号为 99 的事件"),
        (("event", "level", str(event), "很大", "--reason", "x"), "级别应为"),
        (("event", "level", str(event)), "--auto"),
        (("event", "merge", str(event), "99"), "没有编号为 99 的事件"),
        (("event", "split", str(event), "999"), "不属于事件"),
        (("post", "ignore", "999", "--reason", "x"), "没有编号为 999 的帖子"),
        (("event", "restore", str(event)), "没有被判为误报"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert rows(workspace, "SELECT count(*) FROM judgments") == [(0,)]


def test_the_judgment_log_is_append_only_and_travels(workspace, http_server, tmp_path):
    two_stories(http_server)
    ok("run")
    event = event_id_of("清河县某小区")
    ok("event", "dismiss", str(event), "--reason", "无关", "--by", "张三")
    conn = sqlite3.connect(workspace / "yuqing.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE judgments SET by = '李四'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM judgments")
    conn.close()
    report = ok("report", "event", str(event), "--stdout").stdout
    assert "研判记录" in report and "判为误报" in report and "张三" in report
    exported = tmp_path / "judgments.jsonl"
    ok("export", "judgments", "-o", str(exported))
    [line] = exported.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["kind"] == "dismiss" and json.loads(line)["by"] == "张三"
    import zipfile
    archive = tmp_path / "a.zip"
    ok("archive", str(event), "-o", str(archive))
    with zipfile.ZipFile(archive) as zf:
        assert any(n.endswith("judgments.json") for n in zf.namelist())
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT kind, by FROM judgments").fetchall() == [("dismiss", "张三")]
