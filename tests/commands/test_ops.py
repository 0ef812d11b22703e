"""The duty officer's day: run for cron, status, search (two-character words), backup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from helpers import run
from test_collect import add_source, rss

from yuqing.store import Store
from yuqing.text.search import grams, match_expression


def test_grams_index_two_character_words_and_ascii():
    assert grams("城关镇拆迁") == "城关 关镇 镇拆 拆迁"
    assert grams("5G基站 iPhone") == "5g 基站 iphone"
    assert match_expression(["拆迁", "补偿款", "县"]) == ('"拆迁" AND "补偿 偿款"', ["县"])


def seed(http_server, yuqing_home):
    http_server.route("/f", rss([
        ("清河县城关镇拆迁补偿款迟迟不到位", "http://example.cn/1"),
        ("清河县食品安全抽检合格率98%", "http://example.cn/2"),
        ("iPhone 维修点被投诉", "http://example.cn/3"),
        ("县医院新楼启用", "http://example.cn/4"),
    ]))
    add_source(http_server.url("/f"), "源", "rss", "--site", "县新闻网")
    assert run("collect").exit_code == 0


def ids(result) -> list[str]:
    return [row["title"] for row in json.loads(result.stdout)]


@pytest.mark.slow
def test_search_finds_two_character_and_mixed_queries(yuqing_home, http_server):
    seed(http_server, yuqing_home)
    assert ids(run("search", "拆迁", "--json")) == ["清河县城关镇拆迁补偿款迟迟不到位"]
    assert ids(run("search", "食品", "--json")) == ["清河县食品安全抽检合格率98%"]
    assert ids(run("search", "补偿款", "--json")) == ["清河县城关镇拆迁补偿款迟迟不到位"]
    assert ids(run("search", "拆迁", "补偿", "--json")) == ["清河县城关镇拆迁补偿款迟迟不到位"]
    assert ids(run("search", "iphone", "投诉", "--json")) == ["iPhone 维修点被投诉"]
    assert ids(run("search", "补偿拆迁", "--json")) == []  # order matters inside a word
    assert sorted(ids(run("search", "院", "--json"))) == ["县医院新楼启用"]
    assert ids(run("search", "拆迁", "--site", "别的网站", "--json")) == []
    human = run("search", "拆迁")
    assert "拆迁" in human.stdout and human.exit_code == 0
    assert run("search", "   ").exit_code == 2


@pytest.mark.slow
def test_run_records_itself_logs_and_status_shows_it(yuqing_home, http_server):
    seed(http_server, yuqing_home)
    result = run("run", "--json")
    assert result.exit_code == 0, result.stderr
    status = json.loads(run("status", "--json").stdout)
    assert status["last_run"]["command"] == "run" and status["last_run"]["exit_code"] == 0
    assert status["posts"] == 4 and status["database_bytes"] > 0
    assert status["bytes_per_10k_posts"] is None  # 4 posts: the store is mostly its schema
    log = (yuqing_home / "logs" / "yuqing.log").read_text(encoding="utf-8")
    assert "finished" in log and "\x1b[" not in log
    text = run("status")
    assert "最近运行" in text.stdout and "帖子：4 条" in text.stdout and "帖子满 1000 条后估算每万条的大小" in text.stdout


@pytest.mark.slow
def test_two_overlapping_runs_second_exits_at_once(yuqing_home, http_server):
    entries = [(f"新闻{i}", f"http://example.cn/{i}") for i in range(20)]
    http_server.route("/slow", rss(entries), delay=8)
    add_source(http_server.url("/slow"), "慢")
    env = dict(os.environ, YUQING_HOME=str(yuqing_home))
    first = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "run"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    second = subprocess.run([sys.executable, "-m", "yuqing.cli", "run"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert second.returncode == 4 and "另一个 yuqing 任务正在运行" in second.stderr
    assert first.poll() is None  # it did not wait for the first run (8 s of fetching) to finish
    assert first.wait(timeout=60) == 0
    with Store(yuqing_home / "yuqing.db") as store:
        assert store.count_posts() == 20


@pytest.mark.slow
def test_backup_during_a_run_restores_and_passes_status(yuqing_home, http_server, tmp_path):
    entries = [(f"新闻{i}", f"http://example.cn/{i}") for i in range(200)]
    for n in range(10):
        http_server.route(f"/f{n}", rss([(t + str(n), u + f"/{n}") for t, u in entries]), delay=0.3)
        add_source(http_server.url(f"/f{n}"), f"源{n}")
    env = dict(os.environ, YUQING_HOME=str(yuqing_home))
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "collect", "--concurrency", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    backup = tmp_path / "backup.db"
    result = run("backup", str(backup))
    assert result.exit_code == 0, result.stderr
    assert proc.wait(timeout=60) == 0
    restored = tmp_path / "restored"
    restored.mkdir()
    res = subprocess.run([sys.executable, "-m", "yuqing.cli", "--home", str(restored), "restore", str(backup)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    status = subprocess.run([sys.executable, "-m", "yuqing.cli", "--home", str(restored), "status", "--json"],
                            capture_output=True, text=True, timeout=60)
    data = json.loads(status.stdout)
    assert data["posts"] % 200 == 0  # a consistent snapshot: whole batches only
    assert run("backup", str(backup)).exit_code == 2  # never overwrites
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 50)
    assert run("restore", str(bad)).exit_code == 2


def test_evidence_of_a_deleted_post_is_kept_and_archived(yuqing_home, http_server, tmp_path):
    import hashlib
    import zipfile

    from yuqing.rules import rules_path_for

    yuqing_home.mkdir(parents=True, exist_ok=True)
    (yuqing_home / "rules.toml").write_text(
        rules_path_for(None).read_text(encoding="utf-8") + '\n[[topics]]\nname = "清河"\nkeywords = ["清河"]\n',
        encoding="utf-8")
    original = rss([("清河县某局长违规吃喝被曝光", "http://example.cn/deleted"), ("无关新闻", "http://example.cn/x")])
    http_server.route("/f", original)
    add_source(http_server.url("/f"), "源", "rss", "--site", "县论坛")
    assert run("collect").exit_code == 0
    http_server.route("/f", rss([("无关新闻", "http://example.cn/x")]))  # the post was deleted
    run("collect")
    [event] = json.loads(run("events", "--json").stdout)
    target = tmp_path / "archive.zip"
    assert run("archive", str(event["id"]), "-o", str(target)).exit_code == 0
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        raw = next(n for n in names if n.endswith("evidence.raw"))
        body = archive.read(raw)
        meta = json.loads(archive.read(raw.replace(".raw", ".json")))
        manifest = json.loads(archive.read("MANIFEST.json"))
        report_text = archive.read("网络舆情通报.md").decode()
    assert body == original.encode()
    assert meta["sha256"] == hashlib.sha256(body).hexdigest()
    assert {f["file"]: f["sha256"] for f in manifest["files"]}[raw] == meta["sha256"]
    assert "违规吃喝" in report_text
    assert run("archive", "999").exit_code == 2


def test_status_gives_the_size_per_ten_thousand_posts_once_there_are_enough(yuqing_home):
    from yuqing.models import Item

    yuqing_home.mkdir(parents=True, exist_ok=True)
    assert run("status").exit_code == 0  # creates the workspace and its store
    with Store(yuqing_home / "yuqing.db") as store, store.write():
        store.save_items(source="县政府网", channel="rss", site="县政府网", mainstream=False,
                         items=[Item(url=f"http://example.cn/{n}.html", title=f"清河县第{n}条消息",
                                     text="全县供暖运行平稳。" * 20) for n in range(1000)],
                         seen_at="2026-11-27T02:00:00+00:00")
    status = json.loads(run("status", "--json").stdout)
    assert status["posts"] == 1000
    assert status["bytes_per_10k_posts"] == round(status["database_bytes"] / 1000 * 10_000)
    shown = run("status").stdout
    assert f"每万条 {status['bytes_per_10k_posts'] / 1024 / 1024:.1f} MiB" in shown
