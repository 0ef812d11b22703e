import csv
import io
import json

from helpers import run

from yuqing.store import Store


def posts(home):
    with Store(home / "yuqing.db") as store:
        return list(store.iter_posts())


def test_add_reads_text_from_stdin(yuqing_home):
    result = run("add", "--title", "城关镇拆迁补偿不到位", "--site", "12345热线",
                 "--clicks", "12", "--comments", "3", stdin="村民反映拆迁补偿款拖欠半年。\n")
    assert result.exit_code == 0, result.stderr
    [post] = posts(yuqing_home)
    assert post["text"] == "村民反映拆迁补偿款拖欠半年。" and post["site"] == "12345热线"
    assert (post["clicks"], post["comments"], post["source"]) == (12, 3, "人工录入")
    again = run("add", "--title", "城关镇拆迁补偿不到位", "--site", "12345热线",
                stdin="村民反映拆迁补偿款拖欠半年。\n")
    assert again.exit_code == 0 and len(posts(yuqing_home)) == 1


def test_add_refuses_nothing_and_negative_figures(yuqing_home):
    empty = run("add", stdin="")
    assert empty.exit_code == 2 and "标题和正文都为空" in empty.stderr
    negative = run("add", "--title", "x", "--clicks", "-5")
    assert negative.exit_code == 2 and "不能为负数" in negative.stderr


def test_import_csv_reports_each_bad_row_by_line(yuqing_home, tmp_path):
    path = tmp_path / "12345.csv"
    rows = [
        "标题,内容,来源,时间,点击,回复",
        "路灯坏了,城关镇东街路灯坏了一个月,12345热线,2026-11-20 09:30,0,0",
        '"多行,内容","第一行\n第二行",县长信箱,2026-11-21,,',
        "坏行,点击不是数字,12345热线,2026-11-22,很多,0",
        ",,,,,",
        "时间错,内容,12345热线,去年某天,1,1",
    ]
    path.write_bytes("\n".join(rows).encode("gb18030"))  # Excel in China saves GBK
    result = run("import", str(path), "--source", "12345热线")
    assert result.exit_code == 1
    assert "第 5 行：点击数应为非负整数" in result.stderr
    assert "第 6 行：没有可录入的内容" in result.stderr
    assert "第 7 行：无法识别的时间" in result.stderr
    stored = posts(yuqing_home)
    assert [p["title"] for p in stored] == ["路灯坏了", "多行,内容"]
    assert stored[1]["text"] == "第一行\n第二行" and stored[1]["site"] == "县长信箱"
    assert stored[0]["published_at"] == "2026-11-20T01:30:00+00:00"  # Asia/Shanghai → UTC


def test_import_jsonl_bad_json_line(yuqing_home, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text('{"title": "一", "url": "http://x.cn/1", "site": "网信办"}\n{oops\n[1]\n',
                    encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "第 2 行：不是有效的 JSON" in result.stderr and "第 3 行：应为 JSON 对象" in result.stderr
    assert len(posts(yuqing_home)) == 1


def test_import_missing_file_and_wrong_type(yuqing_home, tmp_path):
    missing = run("import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "无法读取文件" in missing.stderr
    xlsx = tmp_path / "a.xlsx"
    xlsx.write_bytes(b"PK")
    wrong = run("import", str(xlsx))
    assert wrong.exit_code == 2 and ".jsonl" in wrong.stderr


def test_export_csv_opens_in_excel_and_neutralises_formulas(yuqing_home, tmp_path):
    run("add", "--title", "=HYPERLINK(\"http://evil\")", "--text", "@SUM(A1)")
    run("add", "--title", "+86 电话", "--text", "-减号\t开头")
    run("add", "--title", "@所有人 看过来", "--text", "正常")
    out = tmp_path / "posts.csv"
    result = run("export", "posts", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["标题"] for r in rows] == ["'=HYPERLINK(\"http://evil\")", "'+86 电话", "'@所有人 看过来"]
    assert rows[0]["正文"] == "'@SUM(A1)" and rows[1]["正文"] == "'-减号\t开头"
    assert list(rows[0]) == ["帖子编号", "信息源", "网站", "链接", "标题", "正文", "作者", "发布时间", "采集时间",
                             "点击", "跟帖", "事件编号", "级别", "负面"]
    assert {r["负面"] for r in rows} <= {"是", "否", ""}  # not True / False


def test_the_csv_export_reads_back_through_import(yuqing_home, tmp_path, monkeypatch):
    """Its Chinese headers are names `yuqing import` knows: an office can move posts over."""
    run("add", "--title", "清河县城南农贸市场占道经营", "--text", "早市摊位占了半条路", "--clicks", "12")
    out = tmp_path / "posts.csv"
    assert run("export", "posts", "--format", "csv", "-o", str(out)).exit_code == 0
    monkeypatch.setenv("YUQING_HOME", str(tmp_path / "other"))
    imported = run("import", str(out))
    assert imported.exit_code == 0, imported.stderr
    [row] = [json.loads(line) for line in run("export", "posts").stdout.splitlines()]
    assert (row["title"], row["text"], row["clicks"]) == ("清河县城南农贸市场占道经营", "早市摊位占了半条路", 12)


def test_export_jsonl_to_stdout(yuqing_home):
    run("add", "--title", "一条", "--text", "正文", "--clicks", "5")
    result = run("export", "posts", "--format", "jsonl")
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["title"] == "一条" and row["clicks"] == 5 and row["source"] == "人工录入"
    bad = run("export", "posts", "--format", "xml")
    assert bad.exit_code == 2 and "jsonl 或 csv" in bad.stderr


def test_neutralise_cell_covers_tab_and_cr_and_keeps_numbers():
    from yuqing.render.export import neutralise_cell
    assert neutralise_cell("\tcmd") == "'\tcmd" and neutralise_cell("\rcmd") == "'\rcmd"
    assert neutralise_cell(-5) == -5 and neutralise_cell("正常") == "正常"


def test_every_exported_field_has_a_chinese_csv_header():
    from yuqing.render.export import CSV_HEADERS, EXPORT_COLUMNS, JUDGMENT_COLUMNS

    assert tuple(CSV_HEADERS["posts"]) == EXPORT_COLUMNS and tuple(CSV_HEADERS["judgments"]) == JUDGMENT_COLUMNS
