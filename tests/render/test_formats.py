"""Report formats (HTML, .docx) and SVG charts, including a look through headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from yuqing.render import charts, formats
from yuqing.render.charts import bar_chart_svg, chart_data, line_chart_svg, write_chart
from yuqing.render.formats import markdown_to_docx, markdown_to_html

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
SVG_NS = "{http://www.w3.org/2000/svg}"

DAYS = ["11-01", "11-02", "11-03", "11-04", "11-05", "11-06", "11-07"]
LEVELS = {
    "一般": [3, 5, 2, 0, 7, 4, 1],
    "较大": [1, 0, 2, 1, 0, 0, 1],
    "重大": [0, 0, 1, 0, 0, 0, 0],
    "特别重大": [0, 0, 0, 0, 0, 1, 0],
}
TOPICS = ["征地拆迁", "教育 <&> 医疗", "环境污染问题投诉", "安全生产", "交通"]

REPORT = """\
# 某县网信办 舆情周报（2026年第45周）

> 生成于 2026-11-08 09:00

## 一、总体情况

- 采集帖子 **1234** 条（上周 1100 条，+134），命中主题 56 条。
- 网民原话：<script>alert("x")</script> 与 <img src=x onerror=alert(1)>，均应原样显示。

| 级别 | 本周 | 上周 | 变化 |
|---|--:|--:|--:|
| 一般 | 6 | 5 | +1 |
| 较大 | 2 | 3 | -1 |
| 重大 | 1 | 0 | +1 |
| 特别重大 | 0 | 0 | +0 |

![本周舆情量（按日、级别）](volume.svg)

![事件按主题](topics.svg)

## 二、重点事件

1. 【重大】某镇征地补偿纠纷引发网民关注：3 个网站，点击 5600，跟帖 230
2. 【一般】县城区道路施工扰民投诉：1 个网站，点击 800，跟帖 12

### 处置建议

建议相关部门及时回应，做好政策解读。
"""


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    write_chart(
        tmp_path / "volume.svg",
        bar_chart_svg(DAYS, LEVELS, title="本周舆情量（按日、级别）", y_label="条数"),
    )
    write_chart(
        tmp_path / "topics.svg",
        bar_chart_svg(TOPICS, {"事件": [5, 3, 8, 2, 1]}, title="事件按主题", y_label="事件数"),
    )
    return tmp_path


# --- charts ------------------------------------------------------------------------------


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [el.text or "" for el in root.iter(f"{SVG_NS}text")]


def test_bar_chart_is_valid_svg_with_chinese_labels_legend_and_ticks():
    svg = bar_chart_svg(DAYS, LEVELS, title="本周舆情量（按日、级别）", y_label="条数")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"
    assert "Noto Sans CJK SC" in root.get("font-family") and "SimSun" in root.get("font-family")
    texts = _texts(svg)
    assert "本周舆情量（按日、级别）" in texts and "条数" in texts
    assert {"一般", "较大", "重大", "特别重大"} <= set(texts)  # legend
    assert set(DAYS) <= set(texts)  # category axis
    assert {"0", "2", "4", "6", "8"} <= set(texts)  # y ticks up to the day total of 7
    # Stacked by level: a rect per non-zero value, coloured by warning level.
    bars = [r for r in root.iter(f"{SVG_NS}rect") if r.find(f"{SVG_NS}title") is not None]
    assert len(bars) == sum(1 for vs in LEVELS.values() for v in vs if v)
    assert {b.get("fill") for b in bars} == set(charts.LEVEL_COLORS.values())


def test_charts_escape_markup_in_every_label():
    nasty = "<script>&amp;\"'>"
    svg = bar_chart_svg(
        [nasty, "教育 <&> 医疗"], {nasty: [1, 2]}, title=f"标题 {nasty}", y_label=nasty
    )
    assert "<script>" not in svg
    texts = _texts(svg)
    assert f"标题 {nasty}" in texts and "教育 <&> 医疗" in texts and nasty in texts
    line = line_chart_svg(["<&>"], {"a<b": [1]}, title="x & y")
    assert "<&>" in _texts(line) and "a<b" in _texts(line) and "x & y" in _texts(line)
    # Characters XML cannot hold are dropped rather than producing an unreadable file.
    assert "坏字符" in _texts(bar_chart_svg(["坏\x00字\x1b符"], {"s": [1]}, title="t"))


def test_charts_are_deterministic_across_processes(tmp_path):
    code = (
        "import sys; from yuqing.render.charts import bar_chart_svg, line_chart_svg\n"
        "s = {'一般': [3, 5.5, 0], '较大': [1, 0, 2]}\n"
        "sys.stdout.buffer.write(bar_chart_svg(['甲', '乙', '丙'], s, title='图').encode()"
        " + line_chart_svg(['甲', '乙', '丙'], s, title='线', y_label='条').encode())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1
    first = outputs.pop()
    s = {"一般": [3, 5.5, 0], "较大": [1, 0, 2]}
    here = bar_chart_svg(["甲", "乙", "丙"], s, title="图") + line_chart_svg(
        ["甲", "乙", "丙"], s, title="线", y_label="条"
    )
    assert here.encode() == first
    path = write_chart(tmp_path / "sub" / "chart.svg", bar_chart_svg(["甲"], {"s": [1]}, title="t"))
    assert path == tmp_path / "sub" / "chart.svg"
    assert path.read_bytes() == bar_chart_svg(["甲"], {"s": [1]}, title="t").encode("utf-8")
    assert not [p for p in path.parent.iterdir() if p.name != "chart.svg"]  # no temp files


def test_line_chart_and_grouped_bars():
    months = [f"{m}月" for m in range(1, 13)]
    series = {"一般": [float(m) for m in range(12)], "较大": [1.0] * 12}
    root = ET.fromstring(line_chart_svg(months, series, title="全年舆情量", y_label="条数"))
    lines = list(root.iter(f"{SVG_NS}polyline"))
    assert len(lines) == 2 and len(lines[0].get("points").split()) == 12
    assert len(list(root.iter(f"{SVG_NS}circle"))) == 24
    grouped = ET.fromstring(bar_chart_svg(DAYS, LEVELS, title="分组", stacked=False))
    bars = [r for r in grouped.iter(f"{SVG_NS}rect") if r.find(f"{SVG_NS}title") is not None]
    assert len(bars) == len(DAYS) * len(LEVELS)  # side by side, zero-height ones included


def test_chart_edge_cases():
    empty = bar_chart_svg([], {}, title="空")
    assert "无数据" in _texts(empty)
    zeros = bar_chart_svg(["甲", "乙"], {"s": [0, 0]}, title="零")
    ET.fromstring(zeros)
    month = [f"10-{d:02d}" for d in range(1, 32)]
    crowded = ET.fromstring(bar_chart_svg(month, {"s": list(range(31))}, title="十月"))
    rotated = [
        t for t in crowded.iter(f"{SVG_NS}text") if "rotate(-45" in (t.get("transform") or "")
    ]
    assert rotated  # labels turned when they do not fit side by side
    small = ET.fromstring(bar_chart_svg(["a", "b"], {"s": [0.2, 0.35]}, title="小数"))
    assert "0.4" in [t.text for t in small.iter(f"{SVG_NS}text")]
    with pytest.raises(ValueError):
        bar_chart_svg(["a", "b"], {"s": [1]}, title="t")
    with pytest.raises(ValueError):
        line_chart_svg(["a"], {"s": [-1]}, title="t")
    with pytest.raises(ValueError):
        line_chart_svg(["a"], {"s": [float("nan")]}, title="t")


def test_chart_data_round_trips_through_metadata():
    svg = bar_chart_svg(TOPICS, {"事件": [5, 3, 8, 2, 1.5]}, title="事件按主题", y_label="个")
    data = chart_data(svg)
    assert data["title"] == "事件按主题" and data["categories"] == TOPICS
    assert data["series"] == {"事件": [5, 3, 8, 2, 1.5]}
    assert chart_data('<svg xmlns="http://www.w3.org/2000/svg"/>') is None
    assert chart_data("not xml") is None


# --- HTML --------------------------------------------------------------------------------


def test_html_is_one_self_contained_file_with_inline_charts(report_dir):
    page = markdown_to_html(REPORT, title="舆情周报 <第45周>", base_dir=report_dir)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "<title>舆情周报 &lt;第45周&gt;</title>" in page
    # Both charts are in the page itself, as <svg> elements, with their Chinese text.
    assert page.count("<svg ") == 2 and "事件按主题" in page and "教育 &lt;&amp;&gt; 医疗" in page
    # Nothing points outside the file (the SVG namespace URI is a name, not a request).
    refs = re.findall(r"https?://[^\s\"'<>)]+", page)
    assert set(refs) <= {"http://www.w3.org/2000/svg"}, refs
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # Print styles: A4, 公文 margins, a CJK font stack ending in a generic family.
    assert "size: A4" in page and '"FangSong"' in page and "serif;" in page
    assert "<table>" in page and '<th style="text-align:right">本周</th>' in page


def test_html_disables_raw_html_from_scraped_text(report_dir):
    page = markdown_to_html(REPORT, title="t", base_dir=report_dir)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    links = markdown_to_html(
        "[点我](javascript:alert(1)) [数据](data:text/html,x) ![远程](https://evil.example/x.png)",
        title="t",
    )
    assert 'href="javascript' not in links and 'href="data:' not in links
    assert "evil.example" not in links and "[图：远程]" in links


def test_html_only_embeds_files_inside_base_dir(tmp_path):
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>机密</text></svg>')
    base = tmp_path / "report"
    base.mkdir()
    page = markdown_to_html(f"![x](../secret.svg) ![y]({secret})", title="t", base_dir=base)
    assert "机密" not in page and page.count("[图：") == 2
    # Without base_dir nothing is read from disk.
    assert "机密" not in markdown_to_html("![x](secret.svg)", title="t")


def test_html_puts_unsafe_svg_behind_an_img_data_uri(tmp_path):
    (tmp_path / "bad.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        '<script>alert(2)</script><image href="https://evil.example/p.png"/></svg>'
    )
    (tmp_path / "图表 1.svg").write_text(bar_chart_svg(["甲"], {"s": [1]}, title="图一"))
    page = markdown_to_html("![坏](bad.svg)\n\n![好](图表%201.svg)", title="t", base_dir=tmp_path)
    assert "<script" not in page and "onload" not in page and "evil.example" not in page
    assert '<img src="data:image/svg+xml;base64,' in page  # inert: <img> runs no scripts
    assert "图一" in page  # the non-ASCII, space-containing chart name was found and inlined
    # Namespaces do not protect: an HTML parser would run this <script>, so no inlining.
    (tmp_path / "meta.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><metadata>'
        '<script xmlns="urn:x">alert(3)</script></metadata></svg>'
    )
    (tmp_path / "style.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><style>body{display:none}</style></svg>'
    )
    (tmp_path / "comment.svg").write_text(
        '<!-- <svg onload="alert(4)"> --><svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    page = markdown_to_html(
        "![](meta.svg) ![](style.svg) ![](comment.svg)", title="t", base_dir=tmp_path
    )
    assert "<script" not in page and "<svg" not in page and "display:none" not in page
    assert page.count('<img src="data:image/svg+xml;base64,') == 3


def test_html_joins_chinese_lines_without_spaces():
    page = markdown_to_html("第一行中文\n第二行中文\nEnglish\nwords", title="t")
    assert "第一行中文第二行中文" in page and "English\nwords" in page


# --- Word --------------------------------------------------------------------------------


def _east_asia_font(style) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


def test_docx_opens_and_holds_headings_tables_and_chinese_fonts(report_dir, tmp_path):
    out = tmp_path / "out" / "周报.docx"
    markdown_to_docx(REPORT, out, title="舆情周报", base_dir=report_dir)
    doc = docx.Document(str(out))
    assert doc.core_properties.title == "舆情周报"

    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [
        ("Heading 1", "某县网信办 舆情周报（2026年第45周）"),
        ("Heading 2", "一、总体情况"),
        ("Heading 2", "二、重点事件"),
        ("Heading 3", "处置建议"),
    ]
    texts = [p.text for p in doc.paragraphs]
    assert "采集帖子 1234 条（上周 1100 条，+134），命中主题 56 条。" in texts
    assert any('<script>alert("x")</script>' in t for t in texts)  # shown as text
    assert any(t.startswith("1.\t【重大】某镇征地补偿纠纷") for t in texts)
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "1234" in bold

    level_table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in level_table.rows]
    assert cells[0] == ["级别", "本周", "上周", "变化"]
    assert cells[1:] == [
        ["一般", "6", "5", "+1"],
        ["较大", "2", "3", "-1"],
        ["重大", "1", "0", "+1"],
        ["特别重大", "0", "0", "+0"],
    ]
    header = level_table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on every page
    assert all(r.bold for c in header.cells for r in c.paragraphs[0].runs)
    assert level_table.style.name == "Table Grid"

    # East Asian fonts on the styles, so Word does not show Chinese in a Latin font.
    assert _east_asia_font(doc.styles["Normal"]) == "仿宋"
    assert _east_asia_font(doc.styles["Heading 1"]) == "宋体"
    assert _east_asia_font(doc.styles["Heading 2"]) == "黑体"
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:rFonts')}").get(qn("w:eastAsia")) == "仿宋"
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7

    if formats._cjk_rasteriser() is None:
        # No CJK font for resvg here: each chart became its data table.
        assert len(doc.tables) == 3
    else:
        assert len(doc.inline_shapes) == 2 and len(doc.tables) == 1
        with_picture = [p for p in doc.paragraphs if p._p.xpath(".//w:drawing")]
        assert all(p.alignment == 1 for p in with_picture)  # centred


def test_docx_chart_falls_back_to_a_data_table(report_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "_svg_to_png", lambda svg: None)
    out = tmp_path / "fallback.docx"
    markdown_to_docx(REPORT, out, title="t", base_dir=report_dir)
    doc = docx.Document(str(out))
    assert len(doc.inline_shapes) == 0
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions == ["本周舆情量（按日、级别）", "事件按主题"]
    volume = [[c.text for c in row.cells] for row in doc.tables[1].rows]
    assert volume[0] == ["", "一般", "较大", "重大", "特别重大", "合计"]
    assert volume[1] == ["11-01", "3", "1", "0", "0", "4"]
    topics = [[c.text for c in row.cells] for row in doc.tables[2].rows]
    assert topics[0] == ["", "事件"] and topics[2] == ["教育 <&> 医疗", "3"]


def _tiny_png() -> bytes:
    """A 40 x 20 grey PNG at 72 dpi, written with the stdlib."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * 40 for _ in range(20))
    dpi = struct.pack(">IIB", 2835, 2835, 1)  # 72 dpi in pixels per metre
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 20, 8, 2, 0, 0, 0))
        + chunk(b"pHYs", dpi)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_raster_images_are_embedded_at_their_own_size(tmp_path):
    (tmp_path / "photo.png").write_bytes(_tiny_png())
    page = markdown_to_html("![截图](photo.png)", title="t", base_dir=tmp_path)
    assert '<img src="data:image/png;base64,' in page and 'alt="截图"' in page
    out = tmp_path / "photo.docx"
    markdown_to_docx("![截图](photo.png)", out, title="t", base_dir=tmp_path)
    (shape,) = docx.Document(str(out)).inline_shapes
    assert abs(shape.width.cm - 40 / 72 * 2.54) < 0.05  # not blown up to the text width


def test_docx_links_code_and_missing_images(tmp_path):
    out = tmp_path / "x.docx"
    markdown_to_docx(
        "见[原帖](https://bbs.example.cn/t/1)和`代码`，![缺](none.svg)\n\n---\n\n```\n行一\n行二\n```\n",
        out,
        title="t",
        base_dir=tmp_path,
    )
    doc = docx.Document(str(out))
    body = doc.element.body
    links = body.findall(f".//{qn('w:hyperlink')}")
    assert len(links) == 1
    rel = doc.part.rels[links[0].get(qn("r:id"))]
    assert rel.target_ref == "https://bbs.example.cn/t/1" and rel.is_external
    assert "[图：缺]" in doc.paragraphs[0].text
    assert any("行一" in p.text and "行二" in p.text for p in doc.paragraphs)


# --- headless Chromium -------------------------------------------------------------------


def _decode_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, channels, rows) of an 8-bit non-interlaced PNG, with the stdlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = depth = color = interlace = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    assert depth == 8 and interlace == 0 and color in (0, 2, 4, 6), (depth, color, interlace)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    low = int.from_bytes(b"\x7f" * stride, "big")
    high = int.from_bytes(b"\x80" * stride, "big")
    prev, rows = bytes(stride), []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], raw[start + 1 : start + 1 + stride]
        if kind == 0:
            cur = bytes(line)
        elif kind == 2:  # Up: byte-wise addition done on one big integer, no carries
            a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
            cur = (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(stride, "big")
        else:
            out = bytearray(line)
            for i in range(stride):
                left = out[i - bpp] if i >= bpp else 0
                if kind == 1:
                    out[i] = (out[i] + left) & 255
                elif kind == 3:
                    out[i] = (out[i] + ((left + prev[i]) >> 1)) & 255
                else:  # Paeth
                    up = prev[i]
                    corner = prev[i - bpp] if i >= bpp else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                    out[i] = (out[i] + pred) & 255
            cur = bytes(out)
        rows.append(cur)
        prev = cur
    return width, height, bpp, rows


def _screenshot(url: str, png: Path, profile: Path, size: str = "1200,1600") -> None:
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={size}",
        url,
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(profile)}
    )
    assert proc.returncode == 0 and png.is_file(), proc.stderr[-2000:]


@pytest.fixture
def chromium_with_cjk_font():
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium missing: apt-get install chromium fonts-noto-cjk (.ci/run does)"
        )
    if shutil.which("fc-list") is None:
        pytest.skip("fc-list missing: cannot tell whether a Chinese font is installed")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    assert fonts.stdout.strip(), (
        "no font with Chinese glyphs (fc-list :lang=zh is empty): Chromium would draw boxes; "
        "apt-get install fonts-noto-cjk"
    )
    return fonts.stdout


@pytest.mark.slow
def test_html_report_renders_chinese_in_headless_chromium(
    report_dir, tmp_path, chromium_with_cjk_font
):
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "formats-weekly.html"
    page.write_text(
        markdown_to_html(REPORT, title="舆情周报", base_dir=report_dir), encoding="utf-8"
    )
    markdown_to_docx(
        REPORT, ARTIFACTS / "formats-weekly.docx", title="舆情周报", base_dir=report_dir
    )
    png = ARTIFACTS / "formats-weekly.png"
    png.unlink(missing_ok=True)
    _screenshot(page.as_uri(), png, tmp_path / "profile")

    width, height, bpp, rows = _decode_png(png.read_bytes())
    assert (width, height) == (1200, 1600)
    inked_rows = sum(1 for row in rows if row.count(255) < len(row))
    assert inked_rows > 600, f"screenshot nearly blank: {inked_rows} rows with any ink"
    # The stacked bars of the inline chart were drawn in the warning-level colours.
    for colour in ("#3b7dd8", "#e5b700"):
        pixel = bytes.fromhex(colour[1:])
        hits = sum(1 for row in rows for i in range(0, len(row), bpp) if row[i : i + 3] == pixel)
        assert hits > 500, f"chart colour {colour} barely present ({hits} pixels)"


@pytest.mark.slow
def test_chromium_draws_distinct_chinese_glyphs_not_boxes(tmp_path, chromium_with_cjk_font):
    """Without a CJK font every Chinese character is the same .notdef box, so two pages
    that differ only in which characters they show would give identical screenshots."""
    shots = []
    for n, words in enumerate(("舆情监测值班", "网络通报摘要")):
        html_file = tmp_path / f"glyphs{n}.html"
        html_file.write_text(
            markdown_to_html(f"# {words}\n\n{words}", title=words), encoding="utf-8"
        )
        png = tmp_path / f"glyphs{n}.png"
        _screenshot(html_file.as_uri(), png, tmp_path / "profile", size="600,300")
        shots.append(_decode_png(png.read_bytes())[3])
    assert shots[0] != shots[1], "Chinese characters all render as the same missing-glyph box"


@pytest.mark.slow
def test_chart_svg_file_renders_in_chromium(tmp_path, chromium_with_cjk_font):
    ARTIFACTS.mkdir(exist_ok=True)
    months = [f"{m}月" for m in range(1, 13)]
    svg = line_chart_svg(
        months,
        {"一般": list(range(12)), "较大": [1] * 12},
        title="全年舆情量（按月）",
        y_label="条数",
    )
    path = write_chart(ARTIFACTS / "formats-line-chart.svg", svg)
    png = ARTIFACTS / "formats-line-chart.png"
    png.unlink(missing_ok=True)
    _screenshot(path.as_uri(), png, tmp_path / "profile", size=f"{charts.WIDTH},{charts.HEIGHT}")
    _, _, bpp, rows = _decode_png(png.read_bytes())
    assert sum(1 for row in rows if row.count(255) < len(row)) > 100
