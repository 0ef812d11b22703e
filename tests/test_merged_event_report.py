"""A 通报 or an archive of an event merged into another points to the kept event: it used to
render the merged event's old figures (「1 个网站」) over an empty table of posts."""

from __future__ import annotations

import json

from helpers import run


def _two_events_merged(monkeypatch) -> tuple[int, int]:
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T10:00:00+08:00")
    assert run("init").exit_code == 0
    assert run("topic", "add", "民生", "--keywords", "拆迁,供暖").exit_code == 0
    ids = []
    for title in ("城关镇拆迁补偿款迟迟不到位", "新城小区供暖不热"):
        added = run("add", "--title", title, "--site", "12345热线", "--no-escalate", "--json", stdin=title)
        assert added.exit_code == 0, added.stderr
        ids.append(json.loads(added.stdout)["posts"][0]["event_id"])
    kept, merged = ids
    assert kept != merged
    assert run("event", "merge", str(kept), str(merged), "--reason", "同一件事").exit_code == 0
    return kept, merged


def test_report_and_archive_of_a_merged_event_point_to_the_kept_one(yuqing_home, monkeypatch, tmp_path):
    kept, merged = _two_events_merged(monkeypatch)
    for args in (("report", "event", str(merged), "--stdout"), ("report", "event", str(merged), "--format", "docx"),
                 ("archive", str(merged), "-o", str(tmp_path / "a.zip"))):
        result = run(*args)
        assert result.exit_code == 2, (args, result.stdout)
        assert f"事件 {merged} 已并入事件 {kept}" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "a.zip").exists()
    assert not list((yuqing_home / "reports").glob(f"event-{merged}-*"))
    report = run("report", "event", str(kept), "--stdout")
    assert report.exit_code == 0 and "新城小区供暖不热" in report.stdout and "城关镇拆迁" in report.stdout


def test_a_digest_does_not_take_in_a_merged_event(yuqing_home, monkeypatch):
    kept, merged = _two_events_merged(monkeypatch)
    result = run("report", "digest", "--from", "2026-11-27", "--include", str(merged), "--issue")
    assert result.exit_code == 2
    assert f"--include {merged}：事件 {merged} 已并入事件 {kept}" in result.stderr
    assert not list((yuqing_home / "reports").glob("digest-*"))
    missing = run("report", "digest", "--from", "2026-11-27", "--include", "999", "--stdout")
    assert missing.exit_code == 2 and "--include 999：没有编号为 999 的事件" in missing.stderr


def test_a_merged_event_takes_no_tag(yuqing_home, monkeypatch):
    kept, merged = _two_events_merged(monkeypatch)
    result = run("event", "tag", str(merged), "社情民意")
    assert result.exit_code == 2 and f"事件 {merged} 已并入事件 {kept}，请对事件 {kept} 操作" in result.stderr
    assert run("event", "tag", str(kept), "社情民意").exit_code == 0


def test_the_judgment_log_of_a_report_names_events_not_json(yuqing_home, monkeypatch):
    kept, merged = _two_events_merged(monkeypatch)
    report = run("report", "event", str(kept), "--stdout").stdout
    log = report.split("## 研判记录")[1].split("## ")[0]
    assert f"| 合并事件 | 事件 {merged} | 同一件事 |" in log
    assert "[" not in log
    shown = run("event", "show", str(kept)).stdout
    assert f"合并事件（事件 {merged}）：同一件事" in shown
