"""Reports from a fixed store and a fixed clock, against golden files.

Regenerate the golden files after a deliberate change with YUQING_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from forum_fixtures import discuz_page, discuz_thread_page
from helpers import run
from test_collect import add_source, rss

from yuqing.rules import rules_path_for
from yuqing.store import Store

GOLDEN = Path(__file__).parent / "golden"
STORY = "清河县第一中学食堂被指使用变质食材，多名学生出现腹痛，县教育局已成立调查组进驻学校调查。"
RULES_EXTRA = """
[[topics]]
name = "清河县"
keywords = ["清河"]
"""


THREAD = [
    ("老街住户", "城关镇老街拆迁已经三个月，说好的补偿款一分没到。去镇政府问了三次，都说在走流程。"
     "老人住在亲戚家，孩子上学也受影响。希望有关部门尽快给个说法。", "2026-11-20 09:07"),
    ("网友乙", "补偿标准太低了，和隔壁县差一半，强烈要求公开补偿标准！", "2026-11-20 10:01"),
    ("网友丙", "我家也是，补偿款到现在没到位，去了三次都说在走流程。", "2026-11-21 08:00"),
    ("网友丁", "顶", "2026-11-21 09:00"),
    ("城关镇居民", "听说镇里已经在核实名单了，耐心等等吧。", "2026-11-22 11:30"),
    ("网友戊", "拖了三个月还不发补偿款，太过分了，这是欺负老百姓！", "2026-11-23 20:15"),
]


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
    http_server.route("/forum.php?mod=viewthread&tid=7",
                      discuz_thread_page(7, "清河县城关镇老街拆迁补偿不到位", THREAD, quote_first=True).encode("gbk"),
                      headers={"Content-Type": "text/html; charset=gbk"})
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
    text = re.sub(r"http://127\.0\.0\.1:\d+/", "http://127.0.0.1:PORT/", text)  # the test server's port varies
    path = GOLDEN / name
    if os.environ.get("YUQING_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file missing: {path} (run with YUQING_UPDATE_GOLDEN=1)"
    assert text == path.read_text(encoding="utf-8")


def test_reports_match_golden_files(fixed_store):
    cases = {
        "daily.md": ("report", "daily", "--date", "2026-11-24", "--stdout"),
        "daily-new-events.md": ("report", "daily", "--date", "2026-11-23", "--stdout"),
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
    assert path.name == "digest-2026-001.md" and "第 1 期（总第 1 期）" in path.read_text(encoding="utf-8")
    again = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue")
    assert again.exit_code == 2 and "已编发过第 1 期" in again.stderr
    forced = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue", "--force",
                 "--exclude", "2")
    assert Path(forced.stdout.strip()) == path  # the reissue replaces the first issue, same number
    assert "食堂" not in path.read_text(encoding="utf-8")
    in_word = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue", "--force",
                  "--format", "docx")
    assert Path(in_word.stdout.strip()).name == "digest-2026-001.docx"
    assert "食堂" in path.read_text(encoding="utf-8")  # the Markdown copy follows the latest reissue
    preview = run("report", "digest", "--from", "2026-11-25", "--stdout")
    assert "预览" in preview.stdout and "第 ___ 期" in preview.stdout
    monkeypatch.setenv("YUQING_NOW", "2027-01-02T09:00:00+08:00")
    new_year = run("report", "digest", "--from", "2027-01-01", "--issue")
    assert Path(new_year.stdout.strip()).name == "digest-2027-001.md"
    assert "第 1 期（总第 2 期）" in Path(new_year.stdout.strip()).read_text(encoding="utf-8")
    annual = run("report", "annual", "--year", "2026", "--stdout")
    assert "编发《重要舆情摘报》1 期" in annual.stdout  # the reissue did not count twice
    with Store(fixed_store / "yuqing.db") as store:
        assert store.digest_totals(2026) == {"digests": 1, "items": 2}  # the last reissue's two, not 2 + 1 + 2


def test_the_editor_chooses_items_and_writes_the_note(fixed_store):
    issued = run("report", "digest", "--from", "2026-11-24", "--issue", "--exclude", "2", "--include", "2",
                 "--note", "请各单位关注老街拆迁补偿")
    assert issued.exit_code == 2 and "同时出现在 --include 和 --exclude" in issued.stderr
    unknown = run("report", "digest", "--from", "2026-11-24", "--issue", "--include", "99")
    assert unknown.exit_code == 2 and "没有编号为 99 的事件" in unknown.stderr
    result = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue", "--exclude", "2",
                 "--note", "请各单位关注老街拆迁补偿")
    assert result.exit_code == 0, result.stderr
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    check_golden("digest-issued.md", text)
    for fmt in ("html", "docx"):  # the same issue in the other formats: numbers kept, file replaced
        again = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue", "--force",
                    "--exclude", "2", "--note", "请各单位关注老街拆迁补偿", "--format", fmt)
        assert Path(again.stdout.strip()).name == f"digest-2026-001.{fmt}", again.stderr
    folder = fixed_store / "reports"
    assert (folder / "digest-2026-001.md").read_text(encoding="utf-8") == text  # rewritten with each reissue
    check_golden("digest-issued.html", (folder / "digest-2026-001.html").read_text(encoding="utf-8"))
    check_golden("digest-issued-docx.txt", docx_text(folder / "digest-2026-001.docx"))
    assert "**编者按**：请各单位关注老街拆迁补偿" in text and "食堂" not in text
    assert text.index("## 本期要情") < text.index("报送：") and text.index("报送：") < text.index("抄送：")
    assert run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue").exit_code == 2


def test_a_failed_write_takes_no_number(fixed_store):
    blocker = fixed_store / "reports" / "digest-2026-001.md"
    blocker.mkdir(parents=True)  # a folder where the file must go: the write fails
    failed = run("report", "digest", "--from", "2026-11-23", "--issue")
    assert failed.exit_code == 2 and "无法写入报告" in failed.stderr and "Traceback" not in failed.stderr
    blocker.rmdir()
    with Store(fixed_store / "yuqing.db") as store:
        assert store.digest_totals(2026) == {"digests": 0, "items": 0}
    ok = run("report", "digest", "--from", "2026-11-23", "--issue")
    assert Path(ok.stdout.strip()).name == "digest-2026-001.md"


def test_bulletin_files_carry_links_and_the_clicks_chart_in_every_format(fixed_store):
    for fmt in ("md", "html", "docx"):
        result = run("report", "event", "1", "--format", fmt)
        assert result.exit_code == 0, result.stderr
    folder = fixed_store / "reports"
    chart = (folder / "event-1-20261124-trend.svg").read_text(encoding="utf-8")
    check_golden("event-trend.svg", chart)
    assert "![点击、跟帖变化](event-1-20261124-trend.svg)" in (folder / "event-1-20261124.md").read_text(encoding="utf-8")
    html = (folder / "event-1-20261124.html").read_text(encoding="utf-8")
    # How many of the five replies read negative is the tone model's call (4 with the shipped one).
    assert 'href="http://127.0.0.1:' in html and "<svg" in html and re.search(r"负面 [1-5] 条", html)
    assert '<span style="color:#f07b1d">【重大】</span>' in html  # the level's chart colour
    check_golden("event-docx.txt", _without_chart(docx_text(folder / "event-1-20261124.docx")))


def _without_chart(text: str) -> str:
    """The Word text without the trend chart: a picture where the SVG can be rasterised (CI
    installs the CJK fonts), a data table where it cannot; the rest must be the same."""
    chart_rows = re.compile(r"^(点击、跟帖变化| \| 点击 \| 跟帖|\d\d-\d\d \d\d:\d\d \| \d+ \| \d+)$")
    return "".join(line for line in text.splitlines(True) if not chart_rows.match(line.rstrip("\n")))


def docx_text(path: Path) -> str:
    """The paragraphs and table cells of a Word file, with each hyperlink's target."""
    import docx

    document = docx.Document(str(path))
    lines = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_paragraph_text(block, document))
        elif tag == "tbl":
            for row in block.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr"):
                cells = row.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tc")
                lines.append(" | ".join(_paragraph_text(c, document) for c in cells))
    return "\n".join(line for line in lines if line.strip()) + "\n"


def _paragraph_text(element, document) -> str:
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    parts = []
    for node in element.iter():
        if node.tag == f"{w}hyperlink":
            target = document.part.rels[node.get(f"{r}id")].target_ref
            parts.append(f"<{target}>")
        elif node.tag == f"{w}t" and node.text:
            parts.append(node.text)
    return "".join(parts)


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


def test_a_level_has_one_colour_in_every_chart(fixed_store):
    from yuqing.render.charts import LEVEL_COLORS, chart_data

    run("report", "weekly", "--week", "2026-W48")
    run("report", "annual", "--year", "2026")
    for name in ("weekly-2026-W48-volume.svg", "annual-2026-monthly.svg"):
        svg = (fixed_store / "reports" / name).read_text(encoding="utf-8")
        assert chart_data(svg)["series"].keys() >= set(LEVEL_COLORS)
        for level, colour in LEVEL_COLORS.items():
            assert f'fill="{colour}"' in svg, (name, level)
    run("report", "event", "1")
    trend = list((fixed_store / "reports").glob("event-1-*-trend.svg"))
    assert len(trend) == 1
    for path in trend:  # 点击/跟帖 are not levels: they never borrow a level's colour
        assert not set(LEVEL_COLORS.values()) & set(re.findall(r'#[0-9a-f]{6}', path.read_text(encoding="utf-8")))


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


def test_a_quiet_week_has_no_empty_site_table(fixed_store):
    text = run("report", "weekly", "--week", "2025-W10", "--stdout").stdout
    section = text.split("## 三、按网站（帖子数前 10）")[1].split("## 四、")[0]
    assert "| 网站 | 帖子 |" not in section and "本周没有采集到帖子。" in section
    docx = run("report", "weekly", "--week", "2025-W10", "--format", "docx")
    assert docx.exit_code == 0, docx.stderr
