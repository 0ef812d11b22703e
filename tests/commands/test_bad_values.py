"""Unchecked values and oversized input: one short Chinese line, a documented exit code
(issue 11, items 13 and 14)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from helpers import run
from test_collect import add_source, rss

from yuqing.rules import rules_path_for


def _one_clear_line(result, code: int = 2, *, limit: int = 900) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr[:500])
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert result.stderr.startswith("错误：") and len(result.stderr) < limit, result.stderr[:500]


@pytest.mark.parametrize("args, words", [
    (["report", "daily", "--date", "9999-12-31"], "超出范围"),
    (["report", "weekly", "--week", "9999-W52"], "超出范围"),
    (["report", "digest", "--from", "0001-01-01"], "超出范围"),
    (["events", "--since", "99999999d"], "过大"),
    (["search", "供水", "--since", "999999999999d"], "过大"),
    (["search", "供水", "--since", "1e400d"], "无法识别"),
    (["case", "act", "99999999999999999999", "--action", "核实"], "数值过大"),
    (["event", "show", "99999999999999999999"], "数值过大"),
    (["archive", "99999999999999999999"], "数值过大"),
    (["case", "act", "-1", "--action", "核实"], "编号不能为负数：-1"),
    (["event", "split", "1", "-3"], "编号不能为负数：-3"),
    (["report", "event", "-7"], "编号不能为负数：-7"),
])
def test_absurd_dates_spans_and_ids_are_usage_errors(args, words):
    assert run("add", "--title", "县城供水", "--text", "停水").exit_code == 0
    result = run(*args)
    _one_clear_line(result)
    assert words in result.stderr


def test_output_paths_that_are_directories_or_cannot_be_created(yuqing_home, http_server, tmp_path):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    (yuqing_home / "rules.toml").write_text(
        rules_path_for(None).read_text(encoding="utf-8") + '\n[[topics]]\nname = "清河"\nkeywords = ["清河"]\n',
        encoding="utf-8")
    http_server.route("/f", rss([("清河县某局长违规吃喝被曝光", "http://example.cn/1")]))
    add_source(http_server.url("/f"), "源", "rss")
    assert run("collect").exit_code == 0
    [event] = json.loads(run("events", "--json").stdout)
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x", encoding="utf-8")
    for target in (tmp_path, a_file / "inside"):
        for args in (["archive", str(event["id"]), "-o", str(target)],
                     ["export", "posts", "-o", str(target)],
                     ["backup", str(target)]):
            result = run(*args)
            _one_clear_line(result)
            assert str(target if target == tmp_path else a_file) in result.stderr, args


def test_grade_batch_of_a_gbk_file_is_read(tmp_path):
    batch = tmp_path / "posts.jsonl"
    batch.write_bytes('{"title": "县医院门口发生医闹，多人受伤", "clicks": 20000}\n'.encode("gbk"))
    result = run("grade", "--batch", str(batch))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["level"] in ("一般", "较大", "重大", "特别重大")


def test_import_of_a_csv_cell_over_128_kib_is_refused_by_line(tmp_path):
    csv = tmp_path / "hotline.csv"
    csv.write_text("标题,正文\n正常来电,路灯不亮\n超长来电," + "很长" * 70000 + "\n", encoding="utf-8")
    result = run("import", str(csv))
    _one_clear_line(result)
    assert "第 3 行" in result.stderr and "128 KiB" in result.stderr


def test_import_of_dev_zero_returns_with_a_message():
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "yuqing.cli", "import", "/dev/zero"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "上限" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 60


def test_a_csv_with_a_million_columns_gives_a_short_message(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"列{i}" for i in range(1_000_000)) + "\n1\n", encoding="utf-8")
    result = run("import", str(wide))
    _one_clear_line(result, limit=600)
    assert "1000000 列" in result.stderr


def test_many_bad_rows_are_summarised_not_listed_one_by_one(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("标题,点击\n" + "".join(f"来电{i},很多\n" for i in range(500)), encoding="utf-8")
    result = run("import", str(csv))
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) < 30
    assert "另有 480 行错误" in result.stderr


def test_a_one_megabyte_title_is_cut_on_the_terminal(yuqing_home, http_server):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    (yuqing_home / "rules.toml").write_text(
        rules_path_for(None).read_text(encoding="utf-8") + '\n[[topics]]\nname = "清河"\nkeywords = ["清河"]\n',
        encoding="utf-8")
    title = "清河县城供水" + "很长的标题" * 200_000
    http_server.route("/f", rss([(title, "http://example.cn/1")]))
    add_source(http_server.url("/f"), "源", "rss")
    assert run("collect").exit_code == 0
    [event] = json.loads(run("events", "--json").stdout)
    for args in (["search", "供水"], ["events"], ["event", "show", str(event["id"])]):
        result = run(*args)
        assert result.exit_code == 0, args
        assert len(result.stdout) < 5000, (args, len(result.stdout))
    shown = run("event", "show", str(event["id"])).stdout.replace("\n", "")
    assert "共 1000006 字" in shown


@pytest.mark.parametrize("table, value", [
    ("events", "window_days = 1e308"),
    ("events", "window_days = inf"),
    ("events", "window_days = 0"),
    ("larger", "ferment_factor = 1e300"),
])
def test_absurd_numbers_in_rules_are_caught_by_rules_check(yuqing_home, table, value):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8")
    key = value.split(" = ")[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key} ")]
    text = "\n".join(lines).replace(f"[{table}]\n", f"[{table}]\n{value}\n", 1)
    if f"[{table}]" not in text:
        text += f"\n[{table}]\n{value}\n"
    (yuqing_home / "rules.toml").write_text(text, encoding="utf-8")
    result = run("rules", "check")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert key in result.stdout + result.stderr
    assert run("run").exit_code == 2


@pytest.mark.parametrize("args, hint", [
    (["export", "events"], "用 yuqing export --help 查看全部命令"),
    (["case", "frob"], "用 yuqing case --help 查看全部命令"),
    (["frob"], "用 yuqing --help 查看全部命令"),
])
def test_an_unknown_subcommand_points_to_its_own_group(args, hint):
    result = run(*args)
    _one_clear_line(result)
    assert f"没有这个命令：{args[-1]}" in result.stderr and hint in result.stderr
