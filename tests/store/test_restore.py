"""Restore never loses the archive: refused sources, WAL rows, atomic swap, kill -9."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run


def _posts(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    finally:
        conn.close()


def _add(title: str) -> None:
    result = run("add", "--title", title, "--text", f"{title}的正文，群众反映情况。", "--site", "12345热线")
    assert result.exit_code == 0, result.stderr


def _workspace_with_posts(home: Path, count: int = 2) -> Path:
    for i in range(count):
        _add(f"县城道路积水第{i}处")
    return home / "yuqing.db"


def test_restoring_the_live_database_is_refused_and_nothing_is_touched(yuqing_home, tmp_path):
    db = _workspace_with_posts(yuqing_home)
    link = tmp_path / "link.db"
    link.symlink_to(db)
    hard = yuqing_home / "hard.db"
    os.link(db, hard)
    for given in (db, link, hard, Path(str(db) + "-wal"), yuqing_home / "." / "yuqing.db"):
        result = run("restore", str(given))
        assert result.exit_code == 2, result.stderr
        assert "不能从正在使用的数据库恢复" in result.stderr
        assert "Traceback" not in result.stderr
    assert _posts(db) == 2
    assert run("status").exit_code == 0


def test_a_foreign_sqlite_file_is_refused_and_the_store_stays(yuqing_home, tmp_path):
    db = _workspace_with_posts(yuqing_home)
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)")
    conn.execute("INSERT INTO _sqlite_migrations VALUES ('blog', 'm001_posts', '2026-01-01')")
    conn.commit()
    conn.close()
    result = run("restore", str(foreign))
    assert result.exit_code == 2
    assert "不是 yuqing 的数据库备份" in result.stderr
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100 + "随便写的".encode() * 300)
    result = run("restore", str(not_sqlite))
    assert result.exit_code == 2 and "不是有效的 yuqing 备份" in result.stderr
    assert _posts(db) == 2
    assert run("status").exit_code == 0
    assert not list(yuqing_home.glob(".yuqing.db.restore-*"))


def test_a_store_from_a_newer_yuqing_is_refused(yuqing_home, tmp_path):
    _workspace_with_posts(yuqing_home)
    backup = tmp_path / "future.db"
    assert run("backup", str(backup)).exit_code == 0
    conn = sqlite3.connect(backup)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('yuqing', 'm099_from_the_future', '2027-01-01')")
    conn.commit()
    conn.close()
    result = run("restore", str(backup))
    assert result.exit_code == 2
    assert "更新版本的 yuqing" in result.stderr and "m099_from_the_future" in result.stderr


def test_rows_still_in_the_backups_wal_are_restored(yuqing_home, tmp_path):
    _workspace_with_posts(yuqing_home, 1)
    taken = tmp_path / "taken"
    taken.mkdir()
    # A copy taken with its -wal beside it: the last rows live only in the WAL.
    source = tmp_path / "live.db"
    assert run("backup", str(source)).exit_code == 0
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    for i in range(5):
        writer.execute(
            "INSERT INTO posts (source, channel, key, title, first_seen_at, last_seen_at)"
            " VALUES ('manual', 'manual', ?, ?, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')",
            [f"url:wal-{i}", f"只在日志里的帖子{i}"],
        )
    shutil.copyfile(source, taken / "copy.db")
    shutil.copyfile(str(source) + "-wal", taken / "copy.db-wal")
    writer.close()
    result = run("restore", str(taken / "copy.db"))
    assert result.exit_code == 0, result.stderr
    assert "已恢复" in result.stdout
    assert _posts(yuqing_home / "yuqing.db") == 6


def test_restore_keeps_the_previous_database_and_says_where(yuqing_home, tmp_path):
    backup = tmp_path / "one.db"
    _workspace_with_posts(yuqing_home, 1)
    assert run("backup", str(backup)).exit_code == 0
    _add("备份之后才录入的帖子")
    result = run("restore", str(backup))
    assert result.exit_code == 0, result.stderr
    kept = list(yuqing_home.glob("yuqing.db.before-restore-*"))
    assert len(kept) == 1 and str(kept[0]) in result.stderr
    assert _posts(kept[0]) == 2
    assert _posts(yuqing_home / "yuqing.db") == 1


def test_a_restore_that_cannot_finish_says_where_the_old_database_is(yuqing_home, tmp_path):
    db = _workspace_with_posts(yuqing_home)
    backup = tmp_path / "b.db"
    assert run("backup", str(backup)).exit_code == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT 1 FROM posts');"
         " print('open', flush=True); time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = run("restore", str(backup))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3
    assert "数据库被其他程序占用" in result.stderr
    assert "恢复前的数据库已另存为" in result.stderr
    assert _posts(db) == 2


@pytest.mark.slow
def test_a_vanished_database_in_a_used_workspace_is_reported_not_recreated(yuqing_home, http_server):
    http_server.route("/feed.xml", "<rss><channel><title>t</title></channel></rss>",
                      headers={"content-type": "application/rss+xml"})
    assert run("source", "add", http_server.url("/feed.xml"), "--kind", "rss", "--name", "县政府").exit_code == 0
    env = {**os.environ, "YUQING_HOME": str(yuqing_home)}  # its own process: its own run log
    assert subprocess.run([sys.executable, "-m", "yuqing.cli", "run"], env=env, capture_output=True).returncode == 0
    assert (yuqing_home / "logs" / "yuqing.log").stat().st_size > 0
    for suffix in ("", "-wal", "-shm"):
        Path(str(yuqing_home / "yuqing.db") + suffix).unlink(missing_ok=True)
    for command in (["run"], ["status"], ["events"]):
        result = run(*command)
        assert result.exit_code == 3, (command, result.stderr)
        assert "数据库文件不见了" in result.stderr and "yuqing restore" in result.stderr
    assert not (yuqing_home / "yuqing.db").exists()
    assert run("init").exit_code == 0  # the officer's explicit choice starts an empty store
    assert run("status").exit_code == 0


def _big_backup(path: Path, rows: int) -> None:
    from yuqing.store import Store

    with Store(path) as store, store.write() as conn:
        conn.executemany(
            "INSERT INTO posts (source, channel, key, title, text, first_seen_at, last_seen_at)"
            " VALUES ('import', 'import', ?, ?, ?, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')",
            [(f"url:{i}", f"帖子{i}", "群众反映县城供水问题。" * 200) for i in range(rows)],
        )


@pytest.mark.slow
def test_kill_9_at_any_instant_of_a_restore_leaves_a_whole_database(yuqing_home, tmp_path):
    db = _workspace_with_posts(yuqing_home, 3)
    small = tmp_path / "small.db"
    assert run("backup", str(small)).exit_code == 0
    backup = tmp_path / "big.db"
    _big_backup(backup, 6000)
    expected_new = _posts(backup)
    env = {**os.environ, "YUQING_HOME": str(yuqing_home)}
    command = [sys.executable, "-m", "yuqing.cli", "restore", str(backup)]
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    full = time.monotonic() - started
    outcomes = set()
    for fraction in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97):
        # Back to the small store first, so each kill can land on either side.
        assert subprocess.run([*command[:-1], str(small)], env=env, capture_output=True).returncode == 0
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        count = _posts(db)
        assert count in (3, expected_new), fraction
        outcomes.add(count)
        status = subprocess.run([sys.executable, "-m", "yuqing.cli", "status"], env=env,
                                capture_output=True, text=True)
        assert status.returncode == 0, status.stderr
    assert outcomes <= {3, expected_new}



def test_the_kept_database_is_named_in_shanghai_time_and_a_folder_is_no_backup(yuqing_home, tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T10:00:00+08:00")
    backup = tmp_path / "one.db"
    _workspace_with_posts(yuqing_home, 1)
    assert run("backup", str(backup)).exit_code == 0
    assert run("restore", str(backup)).exit_code == 0
    assert [p.name for p in yuqing_home.glob("yuqing.db.before-restore-*")] == ["yuqing.db.before-restore-20261127100000"]
    folder = run("restore", str(tmp_path))
    assert folder.exit_code == 2 and f"{tmp_path} 是一个目录" in folder.stderr and "不存在" not in folder.stderr


def test_backup_prints_the_path_for_scripts_and_a_sentence_for_the_officer(yuqing_home, tmp_path):
    _workspace_with_posts(yuqing_home, 1)
    target = tmp_path / "u盘" / "yuqing.db"
    result = run("backup", str(target))
    assert result.exit_code == 0 and result.stdout.strip() == str(target)
    assert result.stderr.startswith(f"已备份：{target}（") and f"yuqing restore {target}" in result.stderr
