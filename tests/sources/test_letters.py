"""网络问政 letters imported from real-shaped exports: GBK and UTF-8-BOM CSVs as Excel saves
them, JSONL; idempotent by channel + 编号; a newer export moves status and times forward."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import run

from yuqing.sources.letters import parse_time, satisfaction

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "letters"
HOTLINE = FIXTURES / "12345-2026-11.csv"
MAILBOX = FIXTURES / "县长信箱-2026-11-24.csv"
MAILBOX_NEWER = FIXTURES / "县长信箱-2026-11-30.csv"
BOARD = FIXTURES / "领导留言板-2026-11.jsonl"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T17:30:00+08:00")


def letters(home: Path) -> dict[str, dict]:
    conn = sqlite3.connect(home / "yuqing.db")
    conn.row_factory = sqlite3.Row
    rows = {r["number"]: dict(r) for r in conn.execute("SELECT * FROM letters")}
    conn.close()
    return rows


def test_the_fixture_exports_are_what_excel_writes():
    raw = HOTLINE.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "城关镇老街路灯不亮" in raw.decode("gbk")
    assert MAILBOX.read_bytes().startswith(b"\xef\xbb\xbf")


def test_gbk_csv_imports_with_excel_times_and_working_day_deadlines(yuqing_home):
    result = run("letter", "import", str(HOTLINE))
    assert result.exit_code == 0, result.stderr
    assert "新增 4 封" in result.stderr
    rows = letters(yuqing_home)
    lamp = rows["GD20261102001"]
    assert lamp["channel"] == "12345热线" and lamp["title"] == "城关镇老街路灯不亮"
    assert lamp["received_at"] == "2026-11-02T00:41:00+00:00"  # "2026/11/2 8:41" Beijing time
    # 12345热线: 3 working days from the next day, due at 下班 (17:30) of the third.
    assert lamp["reply_due"] == "2026-11-05T09:30:00+00:00"
    assert lamp["replied_at"] == "2026-11-03T08:20:00+00:00" and lamp["satisfied"] == 1
    traffic = rows["GD20261105007"]
    assert "\n另外校门口斑马线" in traffic["content"]  # a quoted multi-line cell
    assert traffic["satisfied"] == 0 and traffic["closed_at"] is None
    assert rows["GD20261116003"]["rating"] is None and rows["GD20261116003"]["satisfied"] is None


def test_utf8_bom_csv_with_other_column_names_needs_the_channel(yuqing_home):
    missing = run("letter", "import", str(MAILBOX))
    assert missing.exit_code == 2
    assert missing.stderr.count("\n") == 1 and "文件中没有「渠道」列，请用 --channel 指定渠道" in missing.stderr
    assert letters(yuqing_home) == {}
    result = run("letter", "import", str(MAILBOX), "--channel", "县长信箱")
    assert result.exit_code == 0, result.stderr
    assert "不在 rules.toml" not in result.stderr  # 县长信箱 has its own deadline in rules.toml
    other = run("letter", "import", str(MAILBOX), "--channel", "市长信箱")
    assert "渠道「市长信箱」不在 rules.toml 的 [letters.reply_workdays] 中，答复时限按默认 5 个工作日" in other.stderr
    rows = letters(yuqing_home)
    assert rows["XZ-2026-0311"]["author"] == "张**" and rows["XZ-2026-0311"]["satisfied"] == 1  # 基本满意
    assert rows["XZ-2026-0325"]["rating"] == "未评价" and rows["XZ-2026-0325"]["satisfied"] is None
    # 县长信箱: 5 working days; received Wed 10-28 → Thu, Fri, Mon, Tue, Wed 11-04.
    assert rows["XZ-2026-0311"]["reply_due"] == "2026-11-04T09:30:00+00:00"


def test_jsonl_keeps_the_board_link_on_the_letter_not_on_the_post(yuqing_home):
    assert run("letter", "import", str(BOARD)).exit_code == 0
    rows = letters(yuqing_home)
    board = rows["LY2026110900012"]
    assert board["url"] == "http://liuyan.people.com.cn/threads/content?tid=20261109"
    assert board["reply_due"] == "2026-11-23T09:30:00+00:00"  # 10 working days
    conn = sqlite3.connect(yuqing_home / "yuqing.db")
    post = conn.execute("SELECT source, channel, site, url, title FROM posts WHERE id = ?", [board["post_id"]]).fetchone()
    conn.close()
    # people.com.cn is a mainstream domain; a letter on its board is not mainstream coverage.
    assert post == ("领导留言板", "letter", "领导留言板", "", "清河县人民医院挂号难")


def test_reimport_is_idempotent_and_a_newer_export_moves_the_letter_forward(yuqing_home):
    assert run("letter", "import", str(MAILBOX), "--channel", "县长信箱").exit_code == 0
    before = letters(yuqing_home)
    again = run("letter", "import", str(MAILBOX), "--channel", "县长信箱")
    assert "新增 0 封，更新 0 封，无变化 2 封" in again.stderr
    assert letters(yuqing_home) == before
    newer = run("letter", "import", str(MAILBOX_NEWER), "--channel", "县长信箱")
    assert "新增 0 封，更新 1 封，无变化 1 封" in newer.stderr
    after = letters(yuqing_home)["XZ-2026-0325"]
    assert after["replied_at"] == "2026-11-25T02:00:00+00:00" and after["closed_at"] == "2026-11-27T08:30:00+00:00"
    assert after["rating"] == "不满意" and after["satisfied"] == 0
    assert after["id"] == before["XZ-2026-0325"]["id"] and after["post_id"] == before["XZ-2026-0325"]["post_id"]
    # An older export again does not erase what the newer one recorded.
    run("letter", "import", str(MAILBOX), "--channel", "县长信箱")
    assert letters(yuqing_home)["XZ-2026-0325"]["closed_at"] == "2026-11-27T08:30:00+00:00"
    conn = sqlite3.connect(yuqing_home / "yuqing.db")
    assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 2
    conn.close()


def test_bad_rows_are_reported_by_line_and_the_good_ones_kept(yuqing_home, tmp_path):
    export = tmp_path / "热线.csv"
    export.write_bytes((
        "编号,标题,内容,来信时间,满意度\r\n"
        "A1,路灯不亮,老街路灯坏了,2026/11/2 8:41,满意\r\n"
        ",没有编号,内容,2026/11/2 9:00,\r\n"
        "A3,时间不对,内容,十一月三日,\r\n"
        "A1,重复编号,内容,2026/11/4 9:00,\r\n"
        "A5,评价奇怪,内容,2026/11/5 9:00,五星\r\n"
        "2.02611E+12,编号被改,内容,2026/11/6 9:00,\r\n"
    ).encode("gbk"))
    result = run("letter", "import", str(export), "--channel", "12345热线")
    assert result.exit_code == 1
    assert "第 3 行：缺少编号" in result.stderr
    assert "第 4 行：无法识别的来信时间：十一月三日" in result.stderr
    assert "第 5 行：编号 A1 与第 2 行重复" in result.stderr
    assert "第 6 行：满意度「五星」无法识别，按未评价统计" in result.stderr
    assert "第 7 行：编号「2.02611E+12」被 Excel 改成了科学计数法" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(letters(yuqing_home)) == ["A1", "A5"]


def test_an_export_with_no_letters_yet_imports_nothing(yuqing_home, tmp_path):
    empty = tmp_path / "12345-空.csv"
    empty.write_bytes("编号,标题,内容,来信时间\r\n".encode("gbk"))
    result = run("letter", "import", str(empty))
    assert result.exit_code == 0 and "新增 0 封" in result.stderr


def test_unreadable_or_unknown_files_fail_cleanly(yuqing_home, tmp_path):
    gone = run("letter", "import", str(tmp_path / "没有.csv"), "--channel", "x")
    assert gone.exit_code == 2 and "无法读取文件" in gone.stderr
    header = tmp_path / "乱.csv"
    header.write_text("a,b\n1,2\n", encoding="utf-8")
    bad = run("letter", "import", str(header), "--channel", "x")
    assert bad.exit_code == 2 and "表头中没有可识别的列" in bad.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("满意", 1), ("非常满意", 1), ("基本满意", 1), ("不满意", 0), ("非常不满意", 0), ("一般", 0),
    ("未评价", None), ("", None), ("五星", None),
])
def test_satisfaction_words(text, expected):
    assert satisfaction(text) == expected


@pytest.mark.parametrize(("text", "iso"), [
    ("2026/11/3 9:05", "2026-11-03T01:05:00+00:00"),
    ("2026-11-03 09:05:30", "2026-11-03T01:05:30+00:00"),
    ("2026年11月3日 9时5分", "2026-11-03T01:05:00+00:00"),
    ("2026/11/3", "2026-11-02T16:00:00+00:00"),
    ("2026-11-03T09:05:00+08:00", "2026-11-03T01:05:00+00:00"),
])
def test_export_times_are_beijing_time(text, iso):
    assert parse_time(text, "来信时间") == iso
