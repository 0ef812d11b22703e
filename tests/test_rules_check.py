"""`yuqing rules check` on broken files: every error names file, table and key."""

from __future__ import annotations

import pytest
from helpers import run
from test_collect import add_source, rss

from yuqing.rules import check_rules, rules_path_for
from yuqing.store import Store

DEFAULT = rules_path_for(None).read_text(encoding="utf-8")


def write_rules(home, text):
    home.mkdir(parents=True, exist_ok=True)
    path = home / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_rules_are_clean():
    assert check_rules(rules_path_for(None)) == []
    result = run("rules", "check")
    assert result.exit_code == 0 and "没有发现错误" in result.stdout


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("min = 1000", "min = -5"), "第 1 个 [[thresholds]] min：应为非负整数，实际是 -5"),
    (lambda t: t.replace("min = 1000", 'min = "一千"'), "min：应为非负整数，实际是 '一千'"),
    (lambda t: t.replace('figure = "clicks"', 'figure = "likes"', 1), "figure：应为 clicks / comments / mainstream_sites / sites 之一"),
    (lambda t: t.replace('level = "重大"', 'level = "严重"', 1), "level：应为 较大 / 重大 / 特别重大 之一"),
    (lambda t: t.replace("negative_min_sites = 2", "negative_min_sites = 1.5"), "[larger] negative_min_sites：应为非负整数"),
    (lambda t: t.replace('"泄密", "涉密", "失密"', '"泄密", 3'), "[categories] 安全保密：应为非空字符串的列表"),
    (lambda t: t + '\n[[topics]]\nname = "食品"\n', "第 1 个 [[topics]] keywords：缺少关键词列表"),
    (lambda t: t + '\n[[topics]]\nname = "食品"\nkeywords = ["食堂"]\ncolour = 1\n', "不认识的键 colour"),
    (lambda t: t + '\n[[topics]]\nname = "a"\nkeywords = ["x"]\n[[topics]]\nname = "a"\nkeywords = ["y"]\n', "主题名称重复：a"),
    (lambda t: t.replace("[[thresholds]]", "[[thresholds]", 1), "TOML 格式错误"),
    (lambda t: t.replace('levels = ["一般", "较大", "重大", "特别重大"]', 'levels = ["低", "高"]'), "levels：应为"),
])
def test_broken_rules_are_named_precisely(yuqing_home, edit, expected):
    path = write_rules(yuqing_home, edit(DEFAULT))
    problems = check_rules(path)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(path)) for p in problems)
    result = run("rules", "check")
    assert result.exit_code == 2 and expected in result.stderr and "Traceback" not in result.stderr


def test_several_errors_are_all_listed(yuqing_home):
    path = write_rules(yuqing_home, DEFAULT.replace("min = 1000", "min = -1").replace("min = 3000", "min = true"))
    assert len(check_rules(path)) == 2
    result = run("rules", "check")
    assert "有 2 处错误" in result.stderr


def test_broken_rules_stop_collect_before_anything_is_stored(yuqing_home, http_server):
    http_server.route("/f", rss([("一", "http://example.cn/1")]))
    add_source(http_server.url("/f"))
    write_rules(yuqing_home, DEFAULT.replace("min = 1000", "min = -1"))
    result = run("collect")
    assert result.exit_code == 2 and "min" in result.stderr
    assert http_server.hits("/f") == 0
    with Store(yuqing_home / "yuqing.db") as store:
        assert store.count_posts() == 0


def test_not_utf8_and_missing_file(yuqing_home, tmp_path):
    bad = tmp_path / "gbk.toml"
    bad.write_bytes('levels = ["一般"]'.encode("gbk"))
    assert "不是 UTF-8" in check_rules(bad)[0]
    assert "文件不存在" in check_rules(tmp_path / "none.toml")[0]
    result = run("rules", "check", str(tmp_path / "none.toml"))
    assert result.exit_code == 2
