import os
import subprocess
import sys

import pytest
from helpers import run


def test_init_and_paths(yuqing_home):
    result = run("init")
    assert result.exit_code == 0
    assert (yuqing_home / "sources.toml").exists() and (yuqing_home / "rules.toml").exists()
    assert (yuqing_home / "yuqing.db").exists() and (yuqing_home / "outbox").is_dir()
    paths = run("paths")
    assert f"数据库\t{yuqing_home / 'yuqing.db'}" in paths.stdout


def test_home_option_wins_over_env(tmp_path, yuqing_home):
    other = tmp_path / "other"
    assert run("--home", str(other), "init").exit_code == 0
    assert (other / "sources.toml").exists() and not yuqing_home.exists()


def test_bad_flags_get_chinese_messages_and_exit_2():
    unknown = run("collect", "--no-such-flag")
    assert unknown.exit_code == 2 and "没有这个选项：--no-such-flag" in unknown.stderr
    bad_int = run("add", "--title", "x", "--clicks", "many")
    assert bad_int.exit_code == 2 and "--clicks" in bad_int.stderr
    command = run("frobnicate")
    assert command.exit_code == 2 and "没有这个命令" in command.stderr and "是不是" not in command.stderr
    typo = run("colect")
    assert typo.exit_code == 2 and "没有这个命令：colect（是不是 yuqing collect？" in typo.stderr
    assert "是不是 yuqing event show？" in run("event", "shwo", "1").stderr
    extra = run("todo", "城关镇老街拆迁补偿一分没到")  # todo takes no arguments
    assert extra.exit_code == 2 and "多余的参数：城关镇老街拆迁补偿一分没到" in extra.stderr
    assert "Got unexpected" not in extra.stderr
    for result in (unknown, bad_int, command, extra):
        assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_console_script_exit_code_and_help_in_chinese(tmp_path):
    env = dict(os.environ, YUQING_HOME=str(tmp_path / "h"))
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", "--help"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0 and "舆情" in done.stdout and "collect" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "yuqing.cli", "collect", "--bogus"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "没有这个选项" in bad.stderr and "Traceback" not in bad.stderr


def test_damaged_database_is_exit_3_without_traceback(yuqing_home):
    run("init")
    (yuqing_home / "yuqing.db").write_bytes(b"this is not a sqlite database" * 100)
    for name in ("yuqing.db-wal", "yuqing.db-shm"):
        (yuqing_home / name).unlink(missing_ok=True)
    result = run("source", "list")
    assert result.exit_code == 3 and "数据库文件已损坏" in result.stderr and "yuqing restore" in result.stderr
    assert "Traceback" not in result.stderr


def store_notices_for(tmp_path, event_id: int) -> list[dict]:
    from yuqing.store import Store
    with Store(tmp_path / "demo" / "yuqing.db") as store:
        return store.notices_for_event(event_id)


@pytest.mark.slow
def test_demo_tells_the_story_offline(tmp_path):
    result = run("demo", "--keep", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "重大 → 特别重大" in out and "超时催办" in out
    # The old threads: the 2019 sticky stays quiet, the 2020 thread flares and is notified.
    assert "较大 → 特别重大（首次采集后新增" in out and "排水改造" in out
    assert "判为误报（当时级别 一般）：游玩咨询" in out and "人工定级「较大」" in out
    from yuqing.store import Store
    with Store(tmp_path / "demo" / "yuqing.db") as store:
        events = {e["title"]: e for e in store.list_events()}
        posts = list(store.iter_posts())
        notices = [n["subject"] for e in events.values() for n in store.notices_for_event(e["id"])]
    sticky = next(e for t, e in events.items() if t.startswith("【置顶】"))
    assert sticky["clicks"] > 139000 and sticky["quiet"] == 1 and not store_notices_for(tmp_path, sticky["id"])
    assert any("排水改造" in subject and "特别重大" in subject for subject in notices)
    assert not any("湿地公园" in t for t in events)  # dismissed: not listed
    elevator = events["清河县幸福小区电梯频繁故障 居民多次被困"]
    assert (elevator["mainstream_sites"], elevator["level"]) == (5, "特别重大")
    canteen = next(e for t, e in events.items() if "食堂饭菜发霉" in t)
    assert canteen["clicks"] == 3400 and canteen["level"] == "特别重大"
    demolition = next(e for t, e in events.items() if "拆迁补偿款拖欠" in t)
    assert demolition["sites"] == 2 and demolition["level"] == "较大" and demolition["manual_level"] == "较大"
    assert not any("\ufffd" in p["title"] for p in posts)  # the GBK board decoded exactly
    assert list((tmp_path / "demo" / "outbox").rglob("YQ-2026-*.md"))
    assert (tmp_path / "demo" / "reports" / "daily-2026-11-27.md").exists()
    digest = (tmp_path / "demo" / "reports" / "digest-2026-001.md").read_text(encoding="utf-8")
    assert "第 1 期（总第 1 期）" in digest and "**编者按**" in digest
    assert "](http://news1.example.cn/2026/1127/elevator.html)" in digest  # a mainstream reprint's link
    assert "事件概要：孩子在清河县第一中学住校" in digest  # from the thread's first floor, not the title
    assert "负面 2 条，主要观点：「" in digest  # what netizens wrote under the thread
    # Every thread of the board is served, the 2020 one too: no failed read in the digest,
    # and the county's own word (淹了, in the demo's rules.toml) makes a flood complaint negative.
    # The board gives the 2020 thread's date without a time: no 「00:00」 is made up for it.
    assert "，2020-07-19\n" in digest and "2020-07-19 00:00" not in digest
    assert "未成功" not in digest and "「又淹了！" in digest.split("负面 2 条")[1].split("中性及正面")[0]
    assert "机器人收到" in out and "去哪里看" in out
    # the shift loop: todo at the end of the day, then a handover that the next todo starts from
    assert "15:30 交班前：yuqing todo" in out and "超时案件 1 件" in out and "新的较大及以上事件 4 个" in out  # the 2020 drainage thread flared
    assert "采集停止" not in out
    handover = tmp_path / "demo" / "reports" / "handover-2026-11-27-1530.md"
    assert "交接班：yuqing handover" in out and "# 交接班记录" in handover.read_text(encoding="utf-8")
    with Store(tmp_path / "demo" / "yuqing.db") as store:
        assert store.last_handover()["by"] == "值班员小王"


@pytest.mark.slow
def test_listings_fit_an_80_column_terminal_without_cutting(tmp_path, monkeypatch):
    """Chinese has no spaces to wrap at: on an 80-column terminal the tables fold their
    cells instead of cutting names, dates and headers with 「…」 (`case list` and `source
    list` did). `todo` keeps one line an item on purpose, and search shows excerpts."""
    assert run("demo", "--keep", str(tmp_path / "demo")).exit_code == 0
    monkeypatch.setenv("YUQING_HOME", str(tmp_path / "demo"))
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T16:00:00+08:00")
    monkeypatch.setenv("COLUMNS", "80")
    import sqlite3

    with sqlite3.connect(tmp_path / "demo" / "yuqing.db") as db:
        post_id = db.execute("SELECT min(id) FROM posts WHERE event_id = 2").fetchone()[0]
    assert run("post", "tone", str(post_id), "非负面").exit_code == 0  # 「否（人工）」 in event show
    for args in (["events"], ["source", "list"], ["case", "list"], ["letter", "list"], ["status"],
                 ["topic", "list"], ["event", "show", "2"], ["case", "show", "1"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert "…" not in result.stdout, (args, result.stdout)
