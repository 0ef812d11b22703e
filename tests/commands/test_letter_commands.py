"""`yuqing letter list`, letter reminders and 超时催办 through `yuqing escalate`, letters in
search and in events, and [letters] in rules check — real files, real SQLite, frozen clock."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers import run

from yuqing.rules import rules_path_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "letters"
TOPIC = """
[[topics]]
name = "民生诉求"
kind = "社情民意"
keywords = ["清河", "城关镇", "小区"]
"""


@pytest.fixture
def with_letters(yuqing_home, monkeypatch):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    (yuqing_home / "rules.toml").write_text(rules_path_for(None).read_text(encoding="utf-8") + TOPIC, encoding="utf-8")
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T17:30:00+08:00")
    assert run("letter", "import", str(FIXTURES / "12345-2026-11.csv")).exit_code == 0
    assert run("letter", "import", str(FIXTURES / "县长信箱-2026-11-24.csv"), "--channel", "县长信箱").exit_code == 0
    assert run("letter", "import", str(FIXTURES / "领导留言板-2026-11.jsonl")).exit_code == 0
    return yuqing_home


def listed(*args: str) -> list[dict]:
    result = run("letter", "list", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_list_shows_status_deadline_and_overdue(with_letters):
    rows = listed()
    assert [r["number"] for r in rows][:2] == ["LY2026112300005", "GD20261120011"]  # newest first
    by_number = {r["number"]: r for r in rows}
    assert by_number["GD20261102001"]["status"] == "已办结"
    assert by_number["GD20261105007"]["status"] == "已回复"
    assert by_number["GD20261116003"]["status"] == "待回复" and by_number["GD20261116003"]["overdue"]
    assert [r["number"] for r in listed("--overdue")] == ["GD20261116003"]
    assert {r["channel"] for r in listed("--channel", "县长信箱")} == {"县长信箱"}
    table = run("letter", "list").stdout
    assert "超时" in table and "待回复" in table and "Traceback" not in table


def test_status_counts_open_and_overdue_letters(with_letters):
    data = json.loads(run("status", "--json").stdout)
    # Not replied: GD…16003 (late), GD…20011, XZ-2026-0325, LY2026112300005.
    assert data["open_letters"] == 4
    assert [x["number"] for x in data["overdue_letters"]] == ["GD20261116003"]
    text = run("status").stdout
    assert "网上信件：待回复 4 封，超时 1 封" in text and "12345热线 GD20261116003" in text


def test_todo_lists_the_overdue_letter(with_letters):
    todo = json.loads(run("todo", "--json").stdout)
    assert [x["number"] for x in todo["overdue_letters"]] == ["GD20261116003"] and not todo["all_clear"]
    text = run("todo").stdout
    assert "超时未回复来信 1 封" in text and "12345热线 GD20261116003" in text


def test_letters_get_one_reminder_and_one_overdue_notice(with_letters):
    first = json.loads(run("escalate", "--json").stdout)
    subjects = [p["subject"] for p in first["planned"]]
    assert "【超时催办】来信答复时限已过：新城小区供暖不热" in subjects
    assert "【时限提醒】来信答复时限将到：城关镇老街拆迁补偿款拖欠" in subjects
    overdue = next(p for p in first["planned"] if p["kind"] == "overdue")
    assert overdue["roles"] == ["值班员", "舆情办公室"] and overdue["wake"] and overdue["letter_id"]
    again = json.loads(run("escalate", "--json").stdout)
    assert again["planned"] == []
    outbox = sorted((with_letters / "outbox").rglob("*.md"))
    assert any("GD20261116003" in p.read_text(encoding="utf-8") for p in outbox)
    conn = sqlite3.connect(with_letters / "yuqing.db")
    # The overdue hotline letter, and the two due tomorrow (12345热线 and 县长信箱).
    assert conn.execute("SELECT count(*) FROM notices WHERE letter_id IS NOT NULL").fetchone()[0] == 3
    conn.close()


def test_a_newer_export_stops_the_reminders(with_letters, tmp_path):
    export = tmp_path / "12345-更新.csv"
    export.write_bytes("编号,渠道,标题,内容,来信时间,回复时间\r\nGD20261116003,12345热线,新城小区供暖不热,"
                       "室温14度,2026/11/16 19:45,2026/11/24 15:00\r\n".encode("gbk"))
    assert run("letter", "import", str(export)).exit_code == 0
    assert [r["number"] for r in listed("--overdue")] == []
    planned = json.loads(run("escalate", "--json").stdout)["planned"]
    assert sorted(p["kind"] for p in planned) == ["reminder", "reminder"]


def test_letters_are_searchable_and_grouped_into_events(with_letters):
    found = run("search", "供暖")
    assert found.exit_code == 0 and "12345热线" in found.stdout
    assert run("regrade").exit_code == 0
    heating = next(r for r in listed() if r["number"] == "GD20261116003")
    assert heating["event_id"] and heating["level"] == "一般"
    event = json.loads(run("event", "show", str(heating["event_id"]), "--json").stdout)
    assert event["event"]["first_site"] == "12345热线"


def test_rules_check_names_bad_letter_settings(yuqing_home):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8")
    text = text.replace('"12345热线" = 3', '"12345热线" = 0').replace('report_to = ["值班员"]\n\n[letters.reply',
                                                                    'report_to = ["值班长"]\n\n[letters.reply')
    text += '\n[[topics]]\nname = "x"\nkind = "民意"\nkeywords = ["x"]\n'
    (yuqing_home / "rules.toml").write_text(text, encoding="utf-8")
    result = run("rules", "check")
    assert result.exit_code == 2
    assert "[letters.reply_workdays] 12345热线：应为 1 以上的整数（工作日），实际是 0" in result.stderr
    assert "[letters] report_to：角色「值班长」没有在 [roles] 中定义" in result.stderr
    assert "第 1 个 [[topics]] kind：应为 舆情 / 社情民意 之一" in result.stderr


def test_events_of_a_social_topic_count_as_social_in_digests_and_the_annual(with_letters):
    assert run("regrade").exit_code == 0
    issued = run("report", "digest", "--from", "2026-10-28", "--to", "2026-11-24", "--issue")
    assert issued.exit_code == 0, issued.stderr
    text = Path(issued.stdout.strip()).read_text(encoding="utf-8")
    figures = json.loads(run("report", "annual", "--year", "2026", "--json").stdout)["digests"]
    # Every letter mentions 清河, 城关镇 or 小区: all their events match the 社情民意 topic 民生诉求.
    assert figures["items"] > 0 and figures["social"] == figures["items"]
    assert f"本期刊发舆情信息 {figures['items']} 条，其中社情民意 {figures['social']} 条。" in text


def test_a_letter_only_event_opens_a_case_only_from_较大(with_letters, tmp_path):
    export = tmp_path / "12345-食堂.csv"
    export.write_bytes("编号,渠道,标题,内容,来信时间\r\nGD20261124001,12345热线,清河县实验小学食堂食物中毒,"
                       "孩子在学校食堂吃完午饭后呕吐腹痛，班上十几个学生都是这样，怀疑食物中毒。,2026/11/24 14:10\r\n"
                       .encode("gbk"))
    assert run("letter", "import", str(export)).exit_code == 0
    assert run("regrade").exit_code == 0
    planned = json.loads(run("escalate", "--json").stdout)["planned"]
    level_notices = [p["subject"] for p in planned if p["kind"] == "level"]
    # The other eight letters make 一般 events: their reply deadlines follow them, not case deadlines too.
    assert level_notices == ["【较大舆情】清河县实验小学食堂食物中毒"]
    cases = json.loads(run("case", "list", "--json").stdout)
    assert [c["title"] for c in cases] == ["清河县实验小学食堂食物中毒"]


def test_a_letter_and_a_forum_post_about_the_same_thing_are_one_event(with_letters):
    # Within the grouping window (7 days) of the letter of 11-20.
    text = "老街拆迁户的补偿款拖欠半年还没发放，多次找镇政府没有答复，请县里督办。"
    added = run("add", "--title", "城关镇老街拆迁补偿款拖欠半年", "--site", "桂北人社区", stdin=text)
    assert added.exit_code == 0, added.stderr
    assert run("regrade").exit_code == 0
    letter = next(r for r in listed() if r["number"] == "GD20261120011")
    event = json.loads(run("event", "show", str(letter["event_id"]), "--json").stdout)
    assert sorted(p["site"] for p in event["posts"]) == ["12345热线", "桂北人社区"]
    # A post from the web joined the letter: the event is followed as a case like any other.
    run("escalate")
    cases = json.loads(run("case", "list", "--json").stdout)
    assert [c["event_id"] for c in cases] == [letter["event_id"]]
