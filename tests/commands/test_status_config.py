"""`yuqing status` with a broken sources.toml or rules.toml: it names each problem (the next
cron run stops on it) and still shows the cases, letters and store it can read."""

from __future__ import annotations

import json

from helpers import run

from yuqing.rules import rules_path_for

DEFAULT_RULES = rules_path_for(None).read_text(encoding="utf-8")


def _workspace(home):
    assert run("init").exit_code == 0
    assert run("source", "add", "http://127.0.0.1:9/a.xml", "--name", "县新闻网").exit_code == 0
    assert run("add", "--title", "城关镇拆迁补偿款迟迟不到位", "--site", "12345热线", "--no-escalate",
               stdin="村民反映补偿款迟迟不到位").exit_code == 0
    return home


def test_status_names_a_broken_rules_file_and_shows_the_rest(yuqing_home):
    _workspace(yuqing_home)
    (yuqing_home / "rules.toml").write_text(DEFAULT_RULES.replace("min = 1000", "min = -1"), encoding="utf-8")
    result = run("status")
    assert result.exit_code == 0, result.stderr
    assert "配置错误 1 处" in result.stdout
    assert "rules.toml 第 1 个 [[thresholds]] min：应为非负整数，实际是 -1" in result.stdout
    assert "帖子：1 条" in result.stdout and "Traceback" not in result.stderr
    data = json.loads(run("status", "--json").stdout)
    assert len(data["config_problems"]) == 1


def test_status_survives_a_duplicate_source_name(yuqing_home):
    _workspace(yuqing_home)
    sources = yuqing_home / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8")
                       + '\n[[sources]]\nname = "县新闻网"\nkind = "rss"\nurl = "http://127.0.0.1:9/b.xml"\n',
                       encoding="utf-8")
    result = run("status")
    assert result.exit_code == 0, result.stderr
    assert '配置错误 1 处' in result.stdout and '信息源名称重复："县新闻网"' in result.stdout
    assert "帖子：1 条" in result.stdout
    assert "信息源：sources.toml 有错误，无法统计" in result.stdout and "信息源：0 个" not in result.stdout
    assert json.loads(run("status", "--json").stdout)["sources"] is None


def test_status_of_a_clean_workspace_reports_no_config_problem(yuqing_home):
    _workspace(yuqing_home)
    result = run("status")
    assert result.exit_code == 0 and "配置错误" not in result.stdout
    assert "信息源：1 个" in result.stdout


def test_todo_does_not_send_a_sources_problem_to_rules_check(yuqing_home):
    _workspace(yuqing_home)
    sources = yuqing_home / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8") + "\n[[sources]\n", encoding="utf-8")
    result = run("todo")
    assert "sources.toml：TOML 格式错误" in result.stdout
    assert "rules check" not in result.stdout
    assert "没有发现错误" in run("rules", "check").stdout  # what that pointer would have shown
