"""The grading table: every boundary of the office's thresholds, categories, negation."""

from __future__ import annotations

import json

import pytest
from helpers import run

from yuqing.grade import Figures, grade
from yuqing.rules import load_rules, rules_path_for

RULES = load_rules(rules_path_for(None))
NEUTRAL = "清河县召开冬季供暖工作会议"


def level_of(text: str = NEUTRAL, **figures) -> str:
    figures.setdefault("sites", max(1, figures.get("mainstream_sites", 0)))
    return grade(Figures(**figures), text, RULES).level


@pytest.mark.parametrize("clicks, expected", [
    (0, "一般"), (999, "一般"), (1000, "重大"), (2999, "重大"), (3000, "特别重大"), (250_000, "特别重大"),
])
def test_clicks_boundaries(clicks, expected):
    assert level_of(clicks=clicks) == expected


@pytest.mark.parametrize("comments, expected", [
    (0, "一般"), (99, "一般"), (100, "重大"), (499, "重大"), (500, "特别重大"),
])
def test_comments_boundaries(comments, expected):
    assert level_of(comments=comments) == expected


@pytest.mark.parametrize("mainstream, expected", [
    (0, "一般"), (1, "重大"), (4, "重大"), (5, "特别重大"), (12, "特别重大"),
])
def test_mainstream_site_boundaries(mainstream, expected):
    # 5家以下 and 5家以上 both claim five: the higher level wins.
    assert level_of(mainstream_sites=mainstream) == expected


def test_highest_rule_wins_and_every_rule_is_explained():
    result = grade(Figures(clicks=1200, comments=520, sites=3, mainstream_sites=2), NEUTRAL, RULES)
    assert result.level == "特别重大"
    texts = [r.text for r in result.reasons]
    assert "跟帖 520 ≥ 500 → 特别重大" in texts
    assert "点击 1200 ≥ 1000 → 重大" in texts
    assert "主流网站 2 ≥ 1 → 重大" in texts
    assert texts[0] == "跟帖 520 ≥ 500 → 特别重大"  # most severe first


def test_only_the_highest_band_of_a_figure_is_listed():
    result = grade(Figures(clicks=5000, sites=1), NEUTRAL, RULES)
    assert [r.text for r in result.reasons] == ["点击 5000 ≥ 3000 → 特别重大"]


def test_nothing_fired_says_so():
    result = grade(Figures(sites=1), NEUTRAL, RULES)
    assert result.level == "一般" and result.reasons[0].text == "未触发任何升级规则 → 一般"


@pytest.mark.parametrize("category, word", [
    ("突发事件与安全事故", "爆炸"), ("食品药品安全", "食物中毒"), ("公共卫生", "疫情"),
    ("自然灾害", "泥石流"), ("安全保密", "泄密"), ("社会稳定", "群体性事件"), ("涉腐", "受贿"),
])
def test_sensitive_category_alone_is_at_least_larger(category, word):
    result = grade(Figures(sites=1), f"清河县发生{word}", RULES)
    assert result.level == "较大" and category in result.categories


@pytest.mark.parametrize("figures", [
    {"clicks": 1000}, {"comments": 100}, {"mainstream_sites": 1},
])
def test_sensitive_category_with_a_major_rule_is_especially_major(figures):
    assert level_of("清河县化工厂爆炸", **figures) == "特别重大"


def test_sensitive_category_below_thresholds_stays_larger():
    assert level_of("清河县化工厂爆炸", clicks=999, comments=99) == "较大"


def test_negative_on_two_sites_is_larger_and_on_one_site_is_not():
    text = "网友投诉清河县城管乱收费，多次举报无人管"
    assert level_of(text, sites=1) == "一般"
    assert level_of(text, sites=2) == "较大"


def test_negated_complaint_is_not_negative():
    result = grade(Figures(sites=3), "记者核实：清河县并非乱收费，也没有拖欠工资", RULES)
    assert not result.negative and result.level == "一般"


def test_fermenting_is_larger():
    doubled = Figures(clicks=300, comments=80, sites=1, clicks_before=120, comments_before=35)
    result = grade(doubled, NEUTRAL, RULES)
    assert result.level == "较大" and any(r.rule == "ferment" for r in result.reasons)
    slow = Figures(clicks=300, comments=60, sites=1, clicks_before=200, comments_before=40)
    assert grade(slow, NEUTRAL, RULES).level == "一般"
    few_new = Figures(clicks=300, comments=20, sites=1, clicks_before=100, comments_before=5)
    assert grade(few_new, NEUTRAL, RULES).level == "一般"  # doubled but < 30 new comments


def test_topics_keywords_all_and_exclude(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(rules_path_for(None).read_text(encoding="utf-8") + """
[[topics]]
name = "食品安全"
keywords = ["食堂", "食品"]
all = ["清河"]
exclude = ["招聘"]
""", encoding="utf-8")
    rules = load_rules(path)
    assert grade(Figures(sites=1), "清河一中食堂饭菜变质", rules).topics == ["食品安全"]
    assert grade(Figures(sites=1), "某市食堂饭菜变质", rules).topics == []
    assert grade(Figures(sites=1), "清河一中食堂招聘厨师", rules).topics == []


# -- the command ------------------------------------------------------------------


def test_grade_command_prints_level_and_reasons():
    result = run("grade", "--title", "清河县第一中学食堂食物中毒", "--comments", "520", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"level", "nature", "nature_basis", "reasons", "categories", "negative", "tone", "topics"}
    assert set(data["tone"]) == {"score", "reasons", "model"}
    assert data["level"] == "特别重大"
    assert "跟帖 520 ≥ 500 → 特别重大" in data["reasons"]
    assert "食品药品安全" in data["categories"]


def test_grade_text_from_stdin_and_sites_default_to_mainstream():
    result = run("grade", "--title", "清河县召开会议", "--mainstream", "5", "--json", stdin="会议内容")
    data = json.loads(result.stdout)
    assert data["level"] == "特别重大" and "主流网站 5 ≥ 5 → 特别重大" in data["reasons"]


def test_a_post_pasted_on_the_command_line_is_graded_like_text():
    pasted = run("grade", "清河县老城区排水改造三年没完工，一下雨又淹了，到底谁来管", "--comments", "120", "--json")
    given = run("grade", "--text", "清河县老城区排水改造三年没完工，一下雨又淹了，到底谁来管", "--comments", "120", "--json")
    assert pasted.exit_code == 0, pasted.stderr
    assert json.loads(pasted.stdout) == json.loads(given.stdout)
    assert json.loads(pasted.stdout)["level"] == "重大"
    twice = run("grade", "一条", "--text", "另一条")
    assert twice.exit_code == 2 and "帖子内容给了两次" in twice.stderr


def test_grade_human_output_lists_everything():
    result = run("grade", "--title", "[突发] 清河县化工厂爆炸", "--clicks", "1500")
    assert result.exit_code == 0
    assert "特别重大" in result.stdout and "点击 1500 ≥ 1000 → 重大" in result.stdout
    assert "突发事件与安全事故" in result.stdout


@pytest.mark.parametrize("args, message", [
    (("--title", "x", "--clicks", "-1"), "点击数不能为负数"),
    (("--title", "x", "--clicks", "1.5"), "应为整数"),
    (("--title", "x", "--sites", "2", "--mainstream", "3"), "主流网站数 3 不能多于网站数 2"),
    ((), "没有可分级的内容"),
])
def test_grade_bad_input_is_exit_2_in_chinese(args, message):
    result = run("grade", *args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_grade_batch_keeps_order_and_reports_bad_lines(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join([
        json.dumps({"title": "一", "clicks": 3000}, ensure_ascii=False),
        json.dumps({"title": "二", "comments": 150.0}, ensure_ascii=False),
        json.dumps({"title": "三", "clicks": 2.5}, ensure_ascii=False),
        "{broken",
        json.dumps({"title": "五", "sites": 1, "mainstream": 2}, ensure_ascii=False),
        json.dumps({"text": "六：一般的帖子"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    result = run("grade", "--batch", str(path), "--json")
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x.get("level") for x in lines] == ["特别重大", "重大", None, None, None, "一般"]
    assert lines[2] == {"line": 3, "error": "clicks 应为非负整数：2.5"}
    assert lines[3]["line"] == 4 and "JSON" in lines[3]["error"]
    assert "不能多于" in lines[4]["error"]
    assert result.exit_code == 1
    piped = run("grade", "--batch", "-", "--json", stdin=path.read_text(encoding="utf-8"))
    assert piped.stdout == result.stdout


def test_grade_url_reads_a_forum_thread(http_server):
    page = ("<html><head><title>清河一中食堂饭菜变质 - 桂北人社区</title></head><body>"
            "<h1>清河一中食堂饭菜变质</h1><div class='hm'>查看: 3200 | 回复: 120</div>"
            "<div class='t_f'>孩子说食堂的肉有异味，好几个同学拉肚子，家长要求学校给个说法。" * 3
            + "</div></body></html>")
    http_server.route("/thread-1-1-1.html", page, headers={"Content-Type": "text/html; charset=utf-8"})
    result = run("grade", "--url", http_server.url("/thread-1-1-1.html"), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["level"] == "特别重大" and "点击 3200 ≥ 3000 → 特别重大" in data["reasons"]
    missing = run("grade", "--url", http_server.url("/nope"))
    assert missing.exit_code == 2 and "HTTP 404" in missing.stderr
