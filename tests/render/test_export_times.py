"""Times in `yuqing export` are said in Asia/Shanghai (+08:00) in every table, as
everywhere else an officer reads them: the judgments log said UTC beside posts in +08:00."""

from __future__ import annotations

import csv
import json

from helpers import run

FRIDAY_10 = "2026-11-27T10:00:00+08:00"


def _judged_event(home, monkeypatch) -> None:
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    assert run("init").exit_code == 0
    assert run("topic", "add", "征地拆迁", "--keywords", "拆迁").exit_code == 0
    added = run("add", "--title", "城关镇拆迁补偿款迟迟不到位", "--no-escalate", "--json", stdin="村民反映")
    assert added.exit_code == 0, added.stderr
    event_id = json.loads(added.stdout)["posts"][0]["event_id"]
    assert run("event", "dismiss", str(event_id), "--reason", "已核实不实", "--by", "张三").exit_code == 0


def test_judgments_export_in_shanghai_time_like_posts(yuqing_home, monkeypatch, tmp_path):
    _judged_event(yuqing_home, monkeypatch)
    out = tmp_path / "j.jsonl"
    assert run("export", "judgments", "-o", str(out)).exit_code == 0
    [judgment] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert judgment["at"] == FRIDAY_10
    table = tmp_path / "j.csv"
    assert run("export", "judgments", "--format", "csv", "-o", str(table)).exit_code == 0
    [row] = list(csv.DictReader(table.read_text(encoding="utf-8-sig").splitlines()))
    assert row["时间"] == FRIDAY_10 and row["研判人"] == "张三" and row["类型"] == "判为误报"
    posts = tmp_path / "p.jsonl"
    assert run("export", "posts", "-o", str(posts)).exit_code == 0
    assert json.loads(posts.read_text(encoding="utf-8").splitlines()[0])["first_seen_at"] == FRIDAY_10


def test_a_full_disk_names_the_output_file(yuqing_home, monkeypatch, tmp_path):
    import os

    import pytest

    if not os.path.exists("/dev/full"):
        pytest.skip("/dev/full 不存在：无法模拟磁盘已满")
    _judged_event(yuqing_home, monkeypatch)
    for args in (("export", "posts", "-o", "/dev/full"), ("export", "judgments", "--format", "csv", "-o", "/dev/full"),
                 ("archive", "1", "-o", "/dev/full")):
        result = run(*args)
        assert result.exit_code == 3, (args, result.stderr)
        assert "磁盘已满：无法写入 /dev/full" in result.stderr and "Traceback" not in result.stderr
    assert run("status").exit_code == 0  # nothing stored was touched
