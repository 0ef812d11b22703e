"""One error edge: a locked, damaged, read-only or full store is one Chinese line, exit 3."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from helpers import run

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>县政府网站</title>
<item><title>县城供水管网改造今日开工</title><link>{base}/a/1.html</link><guid>n-1</guid>
<description>县住建局通报，供水管网改造工程今日开工。</description></item>
<item><title>镇卫生院开展义诊活动</title><link>{base}/a/2.html</link><guid>n-2</guid>
<description>镇卫生院组织医生下乡义诊。</description></item>
</channel></rss>"""


def _serve_feed(server) -> str:
    server.route("/feed.xml", FEED.format(base=server.base_url), headers={"content-type": "application/rss+xml"})
    return server.url("/feed.xml")


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr.replace("错误：", "")
    assert len(result.stderr.strip().splitlines()) <= 2, result.stderr


def test_pages_overwritten_in_the_middle_fail_run_status_search_and_report(yuqing_home, http_server):
    assert run("source", "add", _serve_feed(http_server), "--kind", "rss", "--name", "县政府").exit_code == 0
    assert run("run").exit_code == 0
    db = yuqing_home / "yuqing.db"
    csv = yuqing_home.parent / "hotline.csv"
    rows = [f"来电反映供水问题{i},群众反映县城第{i}片区供水水压不足，{'夜间停水，' * 20}" for i in range(2000)]
    csv.write_text("标题,正文\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert run("import", str(csv), "--source", "12345热线").exit_code == 0
    size = db.stat().st_size
    with open(db, "r+b") as handle:  # all but the first quarter of the file: posts, the index, all of it
        handle.seek((size // 4) // 4096 * 4096)
        handle.write(os.urandom((size - size // 4) // 4096 * 4096))
    for command in (["status"], ["run"], ["search", "供水"], ["report", "daily"]):
        result = run(*command)
        assert result.exit_code == 3, (command, result.stdout, result.stderr)
        assert "损坏" in result.stderr and "yuqing restore" in result.stderr, command
        _no_traceback(result)


@pytest.mark.slow
def test_a_write_lock_held_past_the_busy_timeout_is_exit_3_naming_the_cause(yuqing_home, http_server):
    assert run("source", "add", _serve_feed(http_server), "--kind", "rss", "--name", "县政府").exit_code == 0
    assert run("run").exit_code == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
         " c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(45)",
         str(yuqing_home / "yuqing.db")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = run("run", "--json")
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3, result.stderr
    assert "数据库被其他程序占用" in result.stderr
    _no_traceback(result)
    assert run("search", "供水").exit_code == 0  # what the first run stored is still there


@pytest.fixture
def tmpfs(tmp_path):
    """A small real file system of our own: to fill up, or to make read-only."""
    mount = tmp_path / f"fs-{uuid.uuid4().hex[:6]}"
    mount.mkdir()

    def mounted(size: str) -> Path:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                              capture_output=True)
        if done.returncode != 0:
            pytest.skip("需要 root 权限挂载 tmpfs")
        return mount

    yield mounted
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.slow
def test_a_read_only_workspace_is_read_and_says_so_on_writing(tmpfs, monkeypatch, http_server, tmp_path):
    """A read-only share or copy (or another officer's account): the leader can still look,
    search and back it up; what would write says the workspace is read-only."""
    home = tmpfs("16m") / "home"
    monkeypatch.setenv("YUQING_HOME", str(home))
    assert run("source", "add", _serve_feed(http_server), "--kind", "rss", "--name", "县政府").exit_code == 0
    # A process of its own, so no log file stays open here and the file system can go read-only.
    first = subprocess.run([sys.executable, "-m", "yuqing.cli", "run"], capture_output=True, text=True,
                           env={**os.environ, "YUQING_HOME": str(home)})
    assert first.returncode == 0, first.stderr
    subprocess.run(["mount", "-o", "remount,ro", str(home.parent)], check=True)
    for command in (["run"], ["source", "disable", "县政府"], ["add", "--title", "来电", "--text", "路灯不亮"],
                    ["post", "tone", "1", "负面"]):
        result = run(*command)
        assert result.exit_code == 3, (command, result.stderr)
        assert "工作目录只读" in result.stderr, (command, result.stderr)
        _no_traceback(result)
    found = run("search", "供水")
    assert found.exit_code == 0 and "县城供水管网改造今日开工" in found.stdout, found.stderr
    assert run("status").exit_code == 0 and run("events").exit_code == 0
    report = run("report", "daily", "--stdout")
    assert report.exit_code == 0 and "当日舆情" in report.stdout, report.stderr
    copy = tmp_path / "copy.db"
    assert run("backup", str(copy)).exit_code == 0 and copy.stat().st_size > 0
    assert sorted(p.name for p in home.iterdir() if p.name.startswith("yuqing.db")) == ["yuqing.db"]


def test_a_full_disk_says_so_and_is_not_blamed_on_a_source(tmpfs, monkeypatch, http_server):
    home = tmpfs("2m") / "home"
    monkeypatch.setenv("YUQING_HOME", str(home))
    assert run("source", "add", _serve_feed(http_server), "--kind", "rss", "--name", "县政府").exit_code == 0
    assert run("add", "--title", "磁盘满之前录入", "--text", "已入库的帖子").exit_code == 0
    filler = home.parent / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    for command in (["run"], ["add", "--title", "来电反映", "--text", "路灯不亮" * 500]):
        result = run(*command)
        assert result.exit_code == 3, (command, result.stderr)
        assert "磁盘已满" in result.stderr, (command, result.stderr)
        assert "内部错误" not in result.stderr + result.stdout
        _no_traceback(result)
    filler.unlink()
    assert run("search", "磁盘满之前录入").exit_code == 0
    state = sqlite3.connect(home / "yuqing.db").execute(
        "SELECT count(*) FROM source_state WHERE consecutive_failures > 0").fetchone()[0]
    assert state == 0


def test_every_public_store_method_is_behind_the_error_edge():
    import inspect

    from yuqing.store import Store

    unguarded = [
        name for name, member in inspect.getmembers(Store, inspect.isfunction)
        if not name.startswith("_") and not getattr(member, "__store_guarded__", False)
    ]
    # write(), part() and rolled_back() are context managers that guard their own bodies.
    assert sorted(unguarded) == ["part", "rolled_back", "write"]


def test_a_sqlite_error_inside_a_method_becomes_one_store_error(tmp_path):
    from yuqing.errors import ExitCode, StoreError
    from yuqing.store import Store

    store = Store(tmp_path / "y.db")
    store.conn.execute("DROP TABLE runs")  # a damaged schema: the next query fails inside SQLite
    with pytest.raises(StoreError) as caught:
        store.last_run()
    store.close()
    assert caught.value.exit_code == ExitCode.STORE and "数据库出错" in caught.value.message
