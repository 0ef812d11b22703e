"""`yuqing letter import` of files an officer may really be handed: a column the export
left out is named once for the whole file (not once per row), an empty file is named, and
a bad JSONL line says what is wrong in Chinese. Nothing is stored from a refused file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from helpers import run

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "letters" / "12345-2026-11.csv"


def _sample_without(column: str, tmp_path: Path) -> Path:
    rows = list(csv.reader(io.StringIO(FIXTURE.read_bytes().decode("gbk"), newline="")))
    drop = rows[0].index(column)
    path = tmp_path / f"缺{column}.csv"
    out = io.StringIO(newline="")
    csv.writer(out).writerows([cell for i, cell in enumerate(row) if i != drop] for row in rows)
    path.write_bytes(out.getvalue().encode("gbk"))
    return path


def _letters() -> list[dict]:
    listed = run("letter", "list", "--json")
    return json.loads(listed.stdout) if listed.stdout.strip() else []


@pytest.mark.parametrize("column, said", [("编号", "「编号」"), ("来信时间", "「来信时间」")])
def test_a_missing_column_is_one_line_naming_file_and_column(yuqing_home, tmp_path, column, said):
    path = _sample_without(column, tmp_path)
    result = run("letter", "import", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert str(path) in lines[0] and said in lines[0] and "列" in lines[0]
    assert _letters() == []


def test_an_empty_file_and_a_header_only_file_are_named(yuqing_home, tmp_path):
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    result = run("letter", "import", str(empty))
    assert result.exit_code == 2 and str(empty) in result.stderr and "为空" in result.stderr
    junk = tmp_path / "别的表.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run("letter", "import", str(junk))
    assert result.exit_code == 2 and str(junk) in result.stderr and "Traceback" not in result.stderr


def test_a_bad_jsonl_line_is_explained_in_chinese(yuqing_home, tmp_path):
    path = tmp_path / "留言.jsonl"
    good = {"编号": "LY1", "渠道": "领导留言板", "标题": "路灯不亮", "来信时间": "2026-11-20 09:00"}
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n{编号: 2}\n", encoding="utf-8")
    result = run("letter", "import", str(path))
    assert "第 2 行：不是有效的 JSON" in result.stderr
    assert "Expecting" not in result.stderr and "enclosed" not in result.stderr
    assert [x["number"] for x in _letters()] == ["LY1"]


def test_excel_unicode_text_is_read(yuqing_home, tmp_path):
    """Excel's 「Unicode 文本 (*.txt)」: UTF-16 with a byte-order mark, tab-separated."""
    rows = list(csv.reader(io.StringIO(FIXTURE.read_bytes().decode("gbk"), newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter="\t").writerows(rows)
    path = tmp_path / "12345导出.txt"
    path.write_bytes(out.getvalue().encode("utf-16"))  # Python writes the BOM, as Excel does
    result = run("letter", "import", str(path))
    assert result.exit_code == 0, result.stderr
    assert f"新增 {len(rows) - 1} 封" in result.stderr
    assert {x["number"] for x in _letters()} == {row[0] for row in rows[1:]}


def test_an_excel_workbook_is_told_to_be_saved_as_csv(yuqing_home, tmp_path):
    book = tmp_path / "12345工单.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\0" * 64)  # how every .xlsx (a zip) begins
    renamed = tmp_path / "改了扩展名.csv"
    renamed.write_bytes(book.read_bytes())
    for path in (book, renamed):
        for command in (("letter", "import"), ("import",)):
            result = run(*command, str(path))
            assert result.exit_code == 2 and f"{path} 是 Excel 工作簿" in result.stderr and "另存为" in result.stderr
