"""Reports from a fixed store and a fixed clock, against golden files.

Regenerate the golden files after a deliberate change with YUQING_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from forum_fixtures import discuz_page
from helpers import run
from test_collect import add_source, rss

from yuqing.rules import rules_path_for

GOLDEN = Path(__file__).parent / "golden"
STORY = "清河县第一中学食堂被指使用变质食材，多名学生出现腹痛，县教育局已成立调查组进驻学校调查。"
RULES_EXTRA = """
[[topics]]
name = "清河县"
keywords = ["清河"]
"""


def story_feed(title: str, link: str, pub: str) -> str:
    return rss([(title, link)], dated=False).replace("<description>", f"<pubDate>{pub}</pubDate><description>").replace(
        "&lt;p&gt;正文&lt;/p&gt;", STORY)


@pytest.fixture
def fixed_store(yuqing_home, monkeypatch, http_server):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8").replace(
        'name = ""  ', 'name = "清河县网络舆情工作领导小组办公室"  ', 1)
    (yuqing_home / "rules.toml").write_text(text + RULES_EXTRA, encoding="utf-8")
    http_server.route("/a", story_feed("清河县第一中学食堂被指食材变质", "http://a.example.cn/1",
                                       "Mon, 23 Nov 2026 09:00:00 +0800"))
    http_server.route("/b", story_feed("转载：清河县第一中学食堂被指食材变质", "http://b.example.cn/9",
                                       "Mon, 23 Nov 2026 09:40:00 +0800"))
    add_source(http_server.url("/a"), "省新闻网", "rss", "--site", "省新闻网", "--mainstream")
    add_source(http_server.url("/b"), "县新闻网", "rss", "--site", "县新闻网")
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    steps = [("2026-11-23T10:00:00+08:00", 400, 20), ("2026-11-24T10:00:00+08:00", 1200, 60)]
    for moment, clicks, replies in steps:
        monkeypatch.setenv("YUQING_NOW", moment)
        http_server.route("/forum", discuz_page([(7, "清河县城关镇老街拆迁补偿不到位", replies, clicks)],
                                                posted="2026-11-22 09:07"))
        assert run("collect", "--force").exit_code == 0
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T11:00:00+08:00")
    assert run("case", "act", "1", "--action", "转办", "--to", "城关镇政府", "--by", "王值班").exit_code == 0
    assert run("case", "act", "1", "--action", "删帖申请", "--note", "虚假信息", "--by", "王值班").exit_code == 0
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T16:00:00+08:00")
    assert run("case", "close", "1", "--result", "补偿款已发放", "--by", "王值班").exit_code == 0
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T17:30:00+08:00")
    return yuqing_home


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("YUQING_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file missing: {path} (run with YUQING_UPDATE_GOLDEN=1)"
    assert text == path.read_text(encoding="utf-8")


def test_reports_match_golden_files(fixed_store):
    cases = {
        "daily.md": ("report", "daily", "--date", "2026-11-24", "--stdout"),
        "digest-preview.md": ("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--stdout"),
        "event.md": ("report", "event", "1", "--stdout"),
        "weekly.md": ("report", "weekly", "--week", "2026-W48", "--stdout"),
        "annual.md": ("report", "annual", "--year", "2026", "--stdout"),
    }
    for name, args in cases.items():
        result = run(*args)
        assert result.exit_code == 0, (name, result.stderr)
        check_golden(name, result.stdout)


def test_digest_numbering_persists_refuses_reissue_and_crosses_years(fixed_store, monkeypatch):
    first = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue")
    assert first.exit_code == 0, first.stderr
    path = Path(first.stdout.strip())
    assert path.name == "digest-2026-001.md" and "第 1 期" in path.read_text(encoding="utf-8")
    again = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue")
    assert again.exit_code == 2 and "已编发过第 1 期" in again.stderr
    forced = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue", "--force")
    assert Path(forced.stdout.strip()).name == "digest-2026-002.md"
    preview = run("report", "digest", "--from", "2026-11-25", "--stdout")
    assert "预览" in preview.stdout and "第 ___ 期" in preview.stdout
    monkeypatch.setenv("YUQING_NOW", "2027-01-02T09:00:00+08:00")
    new_year = run("report", "digest", "--from", "2027-01-01", "--issue")
    assert Path(new_year.stdout.strip()).name == "digest-2027-001.md"
    annual = run("report", "annual", "--year", "2026", "--stdout")
    assert "编发《重要舆情摘报》2 期" in annual.stdout


def test_annual_figures_are_computed_from_the_store(fixed_store):
    text = run("report", "annual", "--year", "2026", "--stdout").stdout
    assert "立案处置 2 件" in text
    assert "删帖申请 1 条" in text and "转办 1 次" in text
    assert "口径说明" in text


def test_reports_are_written_to_reports_dir_with_charts(fixed_store):
    result = run("report", "weekly", "--week", "2026-11-24")
    path = Path(result.stdout.strip())
    assert path.parent == fixed_store / "reports" and path.exists()
    charts = sorted(p.name for p in path.parent.glob("weekly-2026-W48-*.svg"))
    assert charts == ["weekly-2026-W48-topics.svg", "weekly-2026-W48-volume.svg"]
    assert "![每日帖子数（按事件级别）](weekly-2026-W48-volume.svg)" in path.read_text(encoding="utf-8")


def test_bad_report_arguments(fixed_store):
    assert run("report", "daily", "--date", "昨天").exit_code == 2
    assert run("report", "weekly", "--week", "2026-W99").exit_code == 2
    assert run("report", "event", "999").exit_code == 2
    bad = run("report", "daily", "--format", "pdf")
    assert bad.exit_code == 2 and "md / html / docx" in bad.stderr


def test_templates_in_the_workspace_override_the_bundled_ones(fixed_store):
    (fixed_store / "templates").mkdir()
    (fixed_store / "templates" / "daily.md.j2").write_text("本单位格式：{{ office.name }} {{ events | length }}\n",
                                                            encoding="utf-8")
    result = run("report", "daily", "--date", "2026-11-23", "--stdout")
    assert result.stdout == "本单位格式：清河县网络舆情工作领导小组办公室 2\n"
