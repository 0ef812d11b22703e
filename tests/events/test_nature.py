"""性质: a positive story is counted, not escalated; risk keeps its thresholds (issue 17)."""

from __future__ import annotations

import json

import pytest
from forum_fixtures import discuz_page
from helpers import run
from test_collect import add_source, rss

from yuqing.rules import rules_path_for
from yuqing.store import Store

FESTIVAL = "清河县第五届柑橘文化节隆重开幕 果农喜迎丰收"
CANTEEN = "清河县第一中学食堂饭菜发霉，学生吃完拉肚子"  # the model reads the bare 「饭菜发霉」 at 0.49

# title, clicks, expected level, expected 性质
CASES = [
    (FESTIVAL, 3200, "一般", "正面"),
    (CANTEEN, 3200, "特别重大", "负面"),
    ("清河县柑橘文化节隆重开幕 现场发生踩踏事故", 0, "较大", "敏感"),
    ("清河县柑橘文化节隆重开幕 现场发生踩踏事故", 1200, "特别重大", "敏感"),
    ("清河县召开第四季度工作会议", 3200, "特别重大", "中性"),
]


def grade_json(title: str, clicks: int) -> dict:
    result = run("grade", "--title", title, "--clicks", str(clicks), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(("title", "clicks", "level", "nature"), CASES)
def test_the_nature_decides_whether_spread_raises_the_level(title, clicks, level, nature):
    graded = grade_json(title, clicks)
    assert (graded["level"], graded["nature"]) == (level, nature)


def test_a_positive_story_says_why_its_clicks_did_not_count():
    graded = grade_json(FESTIVAL, 3200)
    assert graded["reasons"] == ["正面报道，不按传播量升级（点击 3200 ≥ 3000）"]
    assert graded["nature_basis"].startswith("正面依据：") and "隆重开幕" in graded["nature_basis"]
    text = run("grade", "--title", FESTIVAL, "--clicks", "3200").stdout
    assert "性质：正面" in text and "正面报道，不按传播量升级" in text


def test_a_negative_post_with_festive_words_stays_negative():
    graded = grade_json("说好的惠民工程成了烂摊子，清河县城关镇群众意见很大，没人管", 3200)
    assert graded["nature"] == "负面" and graded["level"] == "特别重大"


def write_rules(home, extra: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "rules.toml").write_text(rules_path_for(None).read_text(encoding="utf-8") + extra, encoding="utf-8")


def test_the_table_says_which_natures_spread_raises(yuqing_home):
    write_rules(yuqing_home, '\n[grading]\nnature = ["负面", "敏感"]\n')
    graded = grade_json("清河县召开第四季度工作会议", 3200)
    assert (graded["level"], graded["nature"]) == ("一般", "中性")
    assert graded["reasons"] == ["中性事件，不按传播量升级（点击 3200 ≥ 3000）"]
    assert grade_json(CANTEEN, 3200)["level"] == "特别重大"


def test_rules_check_names_a_wrong_nature_list(yuqing_home):
    write_rules(yuqing_home, '\n[grading]\nnature = ["负面", "好消息"]\n\n[publicity]\nyearly_target = -3\n')
    result = run("rules", "check")
    assert result.exit_code == 2
    assert "[grading] nature" in result.stderr and "负面 / 敏感 / 中性 / 正面" in result.stderr
    assert "[publicity] yearly_target" in result.stderr
    assert "Traceback" not in result.stderr


def forum_workspace(home, monkeypatch, http_server, threads) -> None:
    write_rules(home, '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n\n[publicity]\nyearly_target = 2\n')
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T10:00:00+08:00")
    http_server.route("/forum", discuz_page(threads))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")


def test_good_news_sends_no_notice_and_opens_no_case_while_the_scandal_does(yuqing_home, monkeypatch,
                                                                             http_server):
    forum_workspace(yuqing_home, monkeypatch, http_server, [(1, FESTIVAL, 20, 3200), (2, CANTEEN, 20, 3200)])
    result = run("collect", "--force")
    assert result.exit_code == 0, result.stderr
    events = {e["title"]: e for e in json.loads(run("events", "--json").stdout)}
    assert (events[FESTIVAL]["level"], events[FESTIVAL]["nature"]) == ("一般", "正面")
    assert (events[CANTEEN]["level"], events[CANTEEN]["nature"]) == ("特别重大", "负面")
    outbox = "".join(p.read_text(encoding="utf-8") for p in (yuqing_home / "outbox").rglob("*.md"))
    assert "食堂饭菜发霉" in outbox and "柑橘文化节" not in outbox
    assert "性质：负面" in outbox
    with Store(yuqing_home / "yuqing.db") as store:
        cases = {c["title"] for c in store.list_cases()}
    assert cases == {CANTEEN}
    listing = run("events").stdout
    assert "正面传播" in listing
    daily = run("report", "daily", "--stdout").stdout
    assert "## 六、正面宣传" in daily and "正面报道 1 个" in daily
    assert f"[{FESTIVAL}](http" in daily  # linked to the first post
    figures = json.loads(run("report", "annual", "--year", "2026", "--json").stdout)
    assert figures["positive"] == {"events": 1, "reprints": 0, "mainstream_reprints": 0}


def test_the_offices_own_posts_are_publicity_and_their_mainstream_reprints_count(yuqing_home, monkeypatch,
                                                                                  http_server):
    forum_workspace(yuqing_home, monkeypatch, http_server, [(2, CANTEEN, 20, 3200)])
    story = "清河县柑橘文化节在河西乡开幕"
    http_server.route("/own", rss([(story, "http://rongmei.qinghe.gov.cn/1.html"),
                                   ("转发：清河县冬季森林防火提示", "http://rongmei.qinghe.gov.cn/2.html")]))
    http_server.route("/people", rss([(story, "http://gx.people.com.cn/n2/2026/1127/1.html")]))
    add_source(http_server.url("/own"), "县融媒体", "rss", "--own", "--site", "清河融媒")
    add_source(http_server.url("/people"), "人民网广西", "rss", "--site", "人民网")
    assert "own = true" in (yuqing_home / "sources.toml").read_text(encoding="utf-8")
    assert run("collect", "--force").exit_code == 0
    events = {e["title"]: e for e in json.loads(run("events", "--json").stdout)}
    assert events[story]["nature"] == "正面" and events[story]["nature_basis"] == "本单位发布"
    assert events[story]["mainstream_sites"] == 1 and events[story]["level"] == "一般"
    outbox = "".join(p.read_text(encoding="utf-8") for p in (yuqing_home / "outbox").rglob("*.md"))
    assert "柑橘文化节" not in outbox
    annual = run("report", "annual", "--year", "2026", "--stdout").stdout
    assert "本期发稿 2 篇（原创 1，转发 1），被主流网站转载 1 次（人民网）" in annual
    assert "本年发布 2 篇，目标 2 篇，已完成" in annual
    assert "本期无正面报道" in annual  # the office's own story is publicity, not counted twice
    figures = json.loads(run("report", "annual", "--year", "2026", "--json").stdout)
    assert figures["publicity"] == {"posts": 2, "originals": 1, "reposts": 1, "mainstream_reprints": 1,
                                    "year_posts": 2, "target": 2}
    assert figures["positive"] == {"events": 0, "reprints": 0, "mainstream_reprints": 0}


def test_rules_check_explains_the_nature_setting(yuqing_home):
    write_rules(yuqing_home, '\n[publicity]\nyearly_target = 22\n')
    result = run("rules", "check")
    assert result.exit_code == 0, result.stderr
    assert "负面、敏感、中性事件" in result.stdout and "正面事件不立案、不发预警" in result.stdout
    assert "[grading] nature" in result.stdout and "年度发稿目标 22 篇" in result.stdout


def test_regrade_applies_a_changed_nature_list(yuqing_home, monkeypatch, http_server):
    meeting = "清河县召开第四季度工作会议"
    forum_workspace(yuqing_home, monkeypatch, http_server, [(3, meeting, 20, 3200)])
    assert run("collect", "--force", "--no-escalate").exit_code == 0
    events = json.loads(run("events", "--json").stdout)
    assert [(e["level"], e["nature"]) for e in events] == [("特别重大", "中性")]
    rules = yuqing_home / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + '\n[grading]\nnature = ["负面", "敏感"]\n', encoding="utf-8")
    result = run("regrade")
    assert result.exit_code == 0, result.stderr
    assert "特别重大 → 一般" in result.stdout or "特别重大 → 一般" in result.stderr
    events = json.loads(run("events", "--json").stdout)
    assert [(e["level"], e["nature"]) for e in events] == [("一般", "中性")]


def test_the_officers_nature_holds_across_runs_and_is_logged(yuqing_home, monkeypatch, http_server):
    meeting = "清河县召开第四季度工作会议"
    forum_workspace(yuqing_home, monkeypatch, http_server, [(3, meeting, 20, 1200)])
    assert run("collect", "--force", "--no-escalate").exit_code == 0
    event_id = str(json.loads(run("events", "--json").stdout)[0]["id"])
    assert run("event", "nature", event_id, "好消息", "--reason", "x").exit_code == 2
    assert run("event", "nature", "999", "正面", "--reason", "x").exit_code == 2
    assert run("event", "nature", event_id, "正面").exit_code == 2  # the reason goes into the log
    result = run("event", "nature", event_id, "正面", "--reason", "县融媒体的会议报道", "--by", "小王", "--json")
    assert result.exit_code == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["kind"] == "nature" and verdict["event"]["nature"] == "正面"
    assert verdict["event"]["level"] == "一般"  # 1,200 clicks no longer raise it
    http_server.route("/forum", discuz_page([(3, meeting, 40, 3600)]))
    assert run("collect", "--force").exit_code == 0  # a later run keeps the officer's 性质
    event = json.loads(run("event", "show", event_id, "--json").stdout)["event"]
    assert (event["nature"], event["nature_basis"], event["level"]) == ("正面", "人工认定", "一般")
    assert not list((yuqing_home / "outbox").rglob("*.md"))
    shown = run("event", "show", event_id).stdout
    assert "人工定性" in shown and "县融媒体的会议报道" in shown and "小王" in shown
    back = run("event", "nature", event_id, "--auto", "--json")
    assert back.exit_code == 0, back.stderr
    assert json.loads(back.stdout)["event"]["level"] == "特别重大"
