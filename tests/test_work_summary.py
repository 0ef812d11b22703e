"""The 工作总结 figures (digests and 社情民意, events handled, 上报, 删帖, 答复材料, letters)
from a fixed store on a frozen clock: exact figures in `report annual --json`, golden
annual and weekly reports. Regenerate goldens with YUQING_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from helpers import run
from test_reports import check_golden, fixed_store  # noqa: F401 - the fixture is used by name

LETTERS = Path(__file__).parent / "fixtures" / "letters"


@pytest.fixture
def work_store(fixed_store, monkeypatch, tmp_path):  # noqa: F811
    def ok(*args: str) -> None:
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)

    ok("letter", "import", str(LETTERS / "12345-2026-11.csv"))
    ok("letter", "import", str(LETTERS / "县长信箱-2026-11-24.csv"), "--channel", "县长信箱")
    ok("letter", "import", str(LETTERS / "领导留言板-2026-11.jsonl"))
    ok("event", "tag", "1", "社情民意", "--by", "王值班")  # the forum's 拆迁补偿 complaint
    ok("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--issue")
    reply = tmp_path / "关于老街拆迁补偿款的答复.txt"
    reply.write_text("城关镇政府已于11月24日发放补偿款。", encoding="utf-8")
    ok("case", "act", "2", "--action", "上报", "--by", "王值班")
    # Case 2's event: the school-canteen story and its reprint (their ids depend on which feed
    # answered first).
    first, second = (str(i) for i in case_post_ids(2))
    ok("case", "act", "2", "--action", "删帖申请", "--post", first, "--post", second, "--by", "王值班")
    ok("case", "act", "2", "--action", "删帖", "--post", first, "--outcome", "已删除", "--by", "王值班")
    ok("case", "act", "2", "--action", "删帖", "--post", second, "--outcome", "未删除", "--by", "王值班")
    ok("case", "act", "2", "--action", "回复", "--attach", str(reply), "--by", "王值班")
    ok("case", "act", "2", "--action", "回复", "--note", "论坛跟帖回应", "--by", "王值班")
    return fixed_store


def case_post_ids(case_id: int) -> list[int]:
    """The ids of the posts of the case's event, in id order."""
    event_id = json.loads(run("case", "show", str(case_id), "--json").stdout)["case"]["event_id"]
    return sorted(p["id"] for p in json.loads(run("event", "show", str(event_id), "--json").stdout)["posts"])


def annual_json() -> dict:
    result = run("report", "annual", "--year", "2026", "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_annual_json_counts_what_the_office_did(work_store):
    figures = annual_json()
    assert figures["digests"] == {"issued": 1, "items": 2, "social": 1}
    assert figures["events_handled"] == 2  # events 1 and 2 have officer actions
    assert figures["reported_up"] == 1
    # Case 2's two posts, plus case 1's request that named no post (counted once).
    assert figures["deletions"] == {"requested": 3, "deleted": 1, "not_deleted": 1}
    assert figures["reply_documents"] == 1
    letters = figures["letters"]
    assert letters["received"] == 8
    # Replied or closed: GD…02001, GD…05007, XZ…0311, LY…0900012 — all within their deadlines.
    assert (letters["replied"], letters["on_time"], letters["closed"]) == (4, 4, 2)
    assert letters["replied_rate"] == 0.5 and letters["on_time_rate"] == 1.0 and letters["closed_rate"] == 0.25
    # Rated: 满意, 不满意, 基本满意, 满意 → 3 of 4.
    assert (letters["rated"], letters["satisfied"], letters["satisfaction_rate"]) == (4, 3, 0.75)
    assert figures["cases"]["opened"] == 2 and figures["cases"]["closure_rate"] == 0.5
    assert set(figures["basis"]) >= {"digests", "events_handled", "deletions", "reply_documents", "letters"}


@pytest.mark.usefixtures("fixed_store")
def test_an_auto_opened_case_nobody_touched_is_not_an_event_handled():
    assert annual_json()["events_handled"] == 1  # two cases opened, only case 1 was acted on
    assert run("report", "annual", "--year", "2025", "--json").stdout.count('"received": 0') == 1


@pytest.mark.slow  # builds the whole work store
def test_a_newer_letters_export_moves_the_rates(work_store):
    assert run("letter", "import", str(LETTERS / "县长信箱-2026-11-30.csv"), "--channel", "县长信箱").exit_code == 0
    letters = annual_json()["letters"]
    assert (letters["replied"], letters["closed"], letters["rated"], letters["satisfied"]) == (5, 3, 5, 3)


@pytest.mark.slow  # builds the whole work store
def test_attached_reply_is_kept_in_the_store(work_store):
    conn = sqlite3.connect(work_store / "yuqing.db")
    name, data = conn.execute("SELECT name, length(data) FROM documents").fetchone()
    action = conn.execute("SELECT document_name FROM case_actions WHERE document_sha IS NOT NULL").fetchone()
    conn.close()
    assert name == action[0] == "关于老街拆迁补偿款的答复.txt" and data > 0
    actions = json.loads(run("case", "show", "2", "--json").stdout)["actions"]
    first, second = case_post_ids(2)
    assert [(a["action"], a["post_ids"], a["outcome"]) for a in actions if a["post_ids"]] == [
        ("删帖申请", f"[{first}, {second}]", None), ("删帖", f"[{first}]", "已删除"), ("删帖", f"[{second}]", "未删除")]
    assert [a["document_name"] for a in actions if a["document_sha"]] == ["关于老街拆迁补偿款的答复.txt"]
    assert "附件：" in run("case", "show", "2").stdout
    archived = run("archive", "2", "-o", str(work_store / "a.zip"))
    assert archived.exit_code == 0, archived.stderr
    with zipfile.ZipFile(work_store / "a.zip") as archive:
        kept = [n for n in archive.namelist() if n.startswith("documents/")]
        assert len(kept) == 1 and kept[0].endswith("-关于老街拆迁补偿款的答复.txt")
        assert archive.read(kept[0]).decode("utf-8") == "城关镇政府已于11月24日发放补偿款。"


def test_deletion_and_tag_mistakes_are_one_clear_line(work_store, tmp_path):
    mine = str(case_post_ids(2)[0])
    event_id = json.loads(run("case", "show", "2", "--json").stdout)["case"]["event_id"]
    # Case 1's forum thread and a letter (imported after the three collected posts) are not
    # case 2's event's posts.
    thread, letter = case_post_ids(1)[0], 4
    elsewhere = "、".join(map(str, sorted([thread, letter])))
    cases = [
        (("case", "act", "2", "--action", "删帖", "--post", mine), "删帖需要用 --outcome 写明结果"),
        (("case", "act", "2", "--action", "删帖申请", "--post", mine, "--post", str(thread), "--post", str(letter)),
         f"帖子 {elsewhere} 不属于案件 2 的事件 {event_id}，请核对帖子编号（yuqing event show {event_id}）"),
        (("case", "act", "2", "--action", "删帖", "--outcome", "已删除"), "删帖需要用 --post 写明帖子编号"),
        (("case", "act", "2", "--action", "删帖申请", "--post", "999"), "没有编号为 999 的帖子"),
        (("case", "act", "2", "--action", "上报", "--post", mine), "--post 和 --outcome 只用于删帖申请、删帖"),
        (("case", "act", "2", "--action", "回复", "--attach", str(tmp_path / "无.docx")), "无法读取附件"),
        (("event", "tag", "2", "民意"), "不认识的标记「民意」：可用 社情民意"),
        (("event", "tag", "99", "社情民意"), "没有编号为 99 的事件"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr, args


def test_tag_can_be_taken_off_and_the_digest_counts_social_items(work_store):
    assert "标记：社情民意" in run("event", "show", "1").stdout
    assert json.loads(run("event", "show", "1", "--json").stdout)["event"]["tags"] == ["社情民意"]
    preview = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--stdout").stdout
    assert "本期刊发舆情信息 2 条，其中社情民意 1 条。" in preview
    removed = run("event", "tag", "1", "社情民意", "--remove")
    assert removed.exit_code == 0 and "已去掉" in removed.stderr
    preview = run("report", "digest", "--from", "2026-11-23", "--to", "2026-11-24", "--stdout").stdout
    assert "其中社情民意 0 条" in preview


def test_work_reports_match_golden_files(work_store):
    for name, args in {
        "annual-work.md": ("report", "annual", "--year", "2026", "--stdout"),
        "weekly-work.md": ("report", "weekly", "--week", "2026-W48", "--stdout"),
    }.items():
        result = run(*args)
        assert result.exit_code == 0, (name, result.stderr)
        check_golden(name, result.stdout)


def test_the_event_report_says_what_each_action_recorded(work_store):
    event_id = json.loads(run("case", "show", "2", "--json").stdout)["case"]["event_id"]
    report = run("report", "event", str(event_id), "--stdout").stdout
    actions = report.split("## 处置情况")[1]
    first, second = case_post_ids(2)
    assert f"| 删帖申请 |  | 帖子 {first}、{second} |" in actions
    assert f"| 删帖 |  | 帖子 {first}；已删除 |" in actions and f"| 删帖 |  | 帖子 {second}；未删除 |" in actions
    assert "附件：关于老街拆迁补偿款的答复.txt" in actions
