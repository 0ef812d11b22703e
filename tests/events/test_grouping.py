"""Events end to end: reprints across sites become one event, figures and levels follow
the posts across runs, every level change is kept."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from forum_fixtures import discuz_page
from helpers import run
from test_collect import add_source, rss

from yuqing.rules import rules_path_for
from yuqing.store import Store

TOPIC = """
[[topics]]
name = "清河县"
keywords = ["清河"]
exclude = ["招聘"]
"""


def use_rules(home, extra: str = TOPIC) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "rules.toml").write_text(rules_path_for(None).read_text(encoding="utf-8") + extra,
                                     encoding="utf-8")


def collect_json(*args):
    result = run("collect", "--json", "--force", *args)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def events(*args):
    result = run("events", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


STORY = "清河县第一中学食堂被指使用变质食材，多名学生出现腹痛，县教育局已成立调查组进驻学校调查。"


def test_one_story_on_five_mainstream_sites_is_one_especially_major_event(yuqing_home, http_server):
    use_rules(yuqing_home)
    titles = ["清河县第一中学食堂被指食材变质", "转载｜清河县第一中学食堂被指食材变质",
              "【关注】清河县第一中学食堂被指食材变质", "清河县第一中学食堂被指食材变质 县教育局介入",
              "清河县第一中学食堂被指食材变质"]
    for n, title in enumerate(titles):
        body = rss([(title, f"http://site{n}.example.cn/a/1")]).replace(
            "&lt;p&gt;正文&lt;/p&gt;", f"来源：人民日报 {STORY}")
        http_server.route(f"/m{n}", body)
        add_source(http_server.url(f"/m{n}"), f"主流{n}", "rss", "--site", f"主流网站{n}", "--mainstream")
    other = rss([("清河县召开冬季森林防火工作会议", "http://local.example.cn/2"),
                 ("清河县第一中学招聘食堂厨师", "http://local.example.cn/3"),
                 ("邻县新闻：某镇修路", "http://local.example.cn/4")])
    http_server.route("/local", other)
    add_source(http_server.url("/local"), "县内网站", "rss", "--site", "县内网站")
    summary = collect_json()
    assert summary["events"]["matched"] == 6 and summary["events"]["new_events"] == 2
    rows = events()
    assert len(rows) == 2
    story = next(r for r in rows if "食堂" in r["title"])
    assert (story["sites"], story["mainstream_sites"], story["reprints"]) == (5, 5, 4)
    assert story["level"] == "特别重大"
    assert "主流网站 5 ≥ 5 → 特别重大" in [r["text"] for r in story["reasons"]]
    assert "食品药品安全" in story["categories"]
    meeting = next(r for r in rows if "森林防火" in r["title"])
    assert meeting["level"] == "一般" and meeting["sites"] == 1
    assert events("--level", "特别重大") == [story]
    assert events("--topic", "不存在的主题") == []
    # A rerun over the same data changes nothing.
    summary = collect_json()
    assert summary["events"]["new_events"] == 0 and summary["events"]["changes"] == []


def test_forum_thread_rises_with_its_clicks_and_history_is_kept(yuqing_home, http_server):
    use_rules(yuqing_home)
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    levels = []
    for clicks, replies in ((400, 10), (1200, 40), (3500, 90)):
        http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿标准到底是多少", replies, clicks)]))
        summary = collect_json()
        assert not summary["events"].get("error")
        [row] = events()
        levels.append(row["level"])
    assert levels == ["一般", "重大", "特别重大"]
    shown = run("event", "show", str(row["id"]), "--json")
    data = json.loads(shown.stdout)
    history = [(h["old_level"], h["new_level"]) for h in data["level_history"]]
    assert history == [(None, "一般"), ("一般", "重大"), ("重大", "特别重大")]
    assert "点击 3500 ≥ 3000 → 特别重大" in [r["text"] for r in data["level_history"][-1]["reasons"]]
    [post] = data["posts"]
    assert [o["clicks"] for o in data["observations"][str(post["id"])]] == [400, 1200, 3500]
    text = run("event", "show", str(row["id"]))
    assert "一般 → 重大" in text.stdout and "桂北人社区" in text.stdout
    assert run("event", "show", "999").exit_code == 2


def test_regrade_after_editing_rules_prints_what_changed(yuqing_home, http_server):
    use_rules(yuqing_home)
    http_server.route("/forum", discuz_page([(8, "清河县自来水有异味", 20, 800)]))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    collect_json()
    assert events()[0]["level"] == "一般"
    text = (yuqing_home / "rules.toml").read_text(encoding="utf-8").replace("min = 1000", "min = 500", 1)
    (yuqing_home / "rules.toml").write_text(text, encoding="utf-8")
    result = run("regrade", "--json")
    data = json.loads(result.stdout)
    assert [(c["old"], c["new"]) for c in data["changes"]] == [("一般", "重大")]
    assert events()[0]["level"] == "重大"
    assert json.loads(run("regrade", "--json").stdout)["changes"] == []


def test_posts_without_a_topic_stay_stored_but_form_no_event(yuqing_home, http_server):
    use_rules(yuqing_home, extra="")
    http_server.route("/f", rss([("清河县新闻", "http://example.cn/1")]))
    add_source(http_server.url("/f"))
    summary = collect_json()
    assert summary["events"]["matched"] == 0 and events() == []
    with Store(yuqing_home / "yuqing.db") as store:
        assert store.count_posts() == 1


def test_export_rows_carry_event_level_and_negative(yuqing_home, http_server):
    use_rules(yuqing_home)
    http_server.route("/f", rss([("网友投诉清河县物业乱收费，业主维权无门", "http://example.cn/1"), ("外地新闻", "http://example.cn/2")]))
    add_source(http_server.url("/f"))
    collect_json()
    rows = [json.loads(x) for x in run("export", "posts").stdout.splitlines()]
    by_title = {r["title"]: r for r in rows}
    assert by_title["网友投诉清河县物业乱收费，业主维权无门"]["level"] == "一般"
    assert by_title["网友投诉清河县物业乱收费，业主维权无门"]["negative"] is True
    assert by_title["网友投诉清河县物业乱收费，业主维权无门"]["event_id"] is not None
    assert by_title["外地新闻"]["event_id"] is None and by_title["外地新闻"]["negative"] is False


@pytest.mark.slow
def test_wechat_reprints_with_identical_titles_share_one_event(corpora, yuqing_home, http_server):
    use_rules(yuqing_home, extra='\n[[topics]]\nname = "全部"\nkeywords = ["的", "是", "了", "在", "国", "人", "中", "年", "新", "大"]\n')
    latest = sorted((corpora / "wechat_feeds" / "latest").glob("*.xml"))
    for n, path in enumerate(latest):
        http_server.route(f"/wx/{n}", path.read_bytes())
        add_source(http_server.url(f"/wx/{n}"), f"公众号{n}", "rss", "--site", f"公众号{n}")
    collect_json()
    with Store(yuqing_home / "yuqing.db") as store:
        posts = [p for p in store.all_post_texts() if p["event_id"] is not None]
    by_title = defaultdict(set)
    for post in posts:
        by_title[post["title"]].add(post["event_id"])
    shared = {t: ids for t, ids in by_title.items() if len([p for p in posts if p["title"] == t]) > 1}
    assert shared, "the corpus has reprints with identical titles"
    split = [t for t, ids in shared.items() if len(ids) > 1]
    assert len(split) <= 0.05 * len(shared), split[:5]
