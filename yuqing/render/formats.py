"""Report formats: the Markdown the templates render, as printable HTML and as Word .docx.

Libraries, and why:

* markdown-it-py parses the Markdown for both outputs. It is CommonMark-compliant, has
  GFM tables and strikethrough built in, is maintained by the Executable Books project,
  and is already installed (rich depends on it). It gives a token stream, so the same
  parse drives the HTML renderer and the Word writer. Raw HTML is switched off in the
  parser (``html=False``): scraped text that slipped through with ``<script>`` comes out
  as visible, escaped text, and links with ``javascript:``/``data:`` are refused by its
  link validator.
* python-docx writes the .docx: a 3 MB pure-Python package (plus lxml wheels) that
  installs offline from PyPI, against pypandoc-binary's 34 MB wheel carrying a pandoc
  executable; and it lets us set what Chinese offices expect — A4 with 公文 margins,
  East Asian fonts (w:eastAsia 仿宋/黑体/宋体) on every style, black headings, real
  tables with a repeated, shaded header row — which pandoc leaves to a reference.docx.
* resvg-py rasterises the SVG charts to PNG for Word (Word's SVG support needs a PNG
  fallback anyway). It is a wheel with the Rust resvg renderer inside: no system cairo,
  no Inkscape. When it is missing, or no installed font has Chinese glyphs (so the PNG
  would lose its labels), the chart's data goes into a Word table instead: our charts
  carry their data in ``<metadata>`` (`yuqing.render.charts.chart_data`).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from yuqing.render import charts

MAX_IMAGE_BYTES = 8 * 1024 * 1024
_IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")

# Font stacks: the Windows name, its Chinese alias, the macOS one, then the Noto/Source Han
# fonts Linux distributions ship, then the generic family.
FANGSONG = (
    '"FangSong", "仿宋", "FangSong_GB2312", "仿宋_GB2312", "STFangsong", "华文仿宋", '
    '"Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "宋体", "Songti SC", serif'
)
SONG = '"SimSun", "宋体", "Songti SC", "STSong", "Noto Serif CJK SC", "Source Han Serif SC", serif'
HEI = (
    '"SimHei", "黑体", "Heiti SC", "STHeiti", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)
KAI = (
    '"KaiTi", "楷体", "KaiTi_GB2312", "楷体_GB2312", "STKaiti", "华文楷体", '
    '"Noto Serif CJK SC", "Source Han Serif SC", serif'
)

# A4 with the GB/T 9704 公文 margins (天头 37 mm, 订口 28 mm, 版心 156 × 225 mm). No forced
# page break before each h2: the daily report and 摘报 are a page or two and would turn into
# half-empty pages; headings are kept with what follows, tables rows and charts unsplit.
CSS = f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
html {{ background: #ffffff; color: #000000; }}
body {{
  font-family: {FANGSONG};
  font-size: 16pt; line-height: 1.75;
  max-width: 156mm; margin: 2em auto; padding: 0 1em;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
}}
h1 {{
  font-family: {SONG}; font-size: 22pt; font-weight: bold;
  text-align: center; line-height: 1.5; margin: 0 0 0.8em;
}}
h2 {{ font-family: {HEI}; font-size: 16pt; font-weight: normal; margin: 1em 0 0.3em; }}
h3 {{ font-family: {KAI}; font-size: 16pt; font-weight: normal; margin: 0.8em 0 0.2em; }}
h4, h5, h6 {{ font-size: 16pt; font-weight: bold; margin: 0.6em 0 0.2em; }}
h1, h2, h3, h4, h5, h6 {{ break-after: avoid; page-break-after: avoid; }}
p {{ margin: 0.3em 0; text-indent: 2em; }}
li > p, blockquote p, td p, th p, p.figure {{ text-indent: 0; }}
ul, ol {{ margin: 0.3em 0; padding-left: 2em; }}
blockquote {{
  margin: 0.5em 0; padding: 0.2em 1em; border-left: 3px solid #999999;
  color: #333333; font-size: 14pt;
}}
table {{
  border-collapse: collapse; margin: 0.6em auto; font-size: 12pt; line-height: 1.5;
  font-family: {SONG}; max-width: 100%;
}}
th, td {{ border: 1px solid #000000; padding: 0.2em 0.5em; vertical-align: middle; }}
th {{ background: #e8e8e8; font-family: {HEI}; font-weight: normal; }}
thead {{ display: table-header-group; }}
tr, figure, svg, img {{ break-inside: avoid; page-break-inside: avoid; }}
p.figure {{ text-align: center; margin: 0.6em 0; }}
p.figure svg, p.figure img {{ max-width: 100%; height: auto; }}
.missing-image {{ color: #666666; font-size: 12pt; }}
code, pre {{ font-family: "Noto Sans Mono CJK SC", "Consolas", "Courier New", monospace; font-size: 12pt; }}
pre {{ white-space: pre-wrap; border: 1px solid #cccccc; padding: 0.5em; }}
a {{ color: #000000; }}
hr {{ border: 0; border-top: 1px solid #000000; }}
@media print {{
  body {{ max-width: none; margin: 0; padding: 0; }}
  a[href^="http"]::after {{ content: " (" attr(href) ")"; font-size: 10pt; word-break: break-all; }}
}}
"""

# No scripts at all, nothing fetched: the file is one self-contained document.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


# --- Markdown ----------------------------------------------------------------------------


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


_MD = _parser()


def _joins_without_space(before: str, after: str) -> bool:
    """A line break between two Chinese characters is no word space (CSS would show one)."""
    return bool(before and after and _CJK.match(before[-1]) and _CJK.match(after[0]))


def _softbreak_text(tokens: list[Token], idx: int) -> str:
    before = tokens[idx - 1].content if idx > 0 else ""
    after = tokens[idx + 1].content if idx + 1 < len(tokens) else ""
    return "" if _joins_without_space(before, after) else " "


# --- images ------------------------------------------------------------------------------


def _local_image(src: str, base_dir: Path | None) -> Path | None:
    """The file a relative image reference names inside base_dir, or None.

    Remote URLs, absolute paths and paths leaving base_dir are not followed: the output
    embeds only the report's own chart files and fetches nothing.
    """
    if base_dir is None or not src:
        return None
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return None
    rel = unquote(parts.path)
    if not rel or rel.startswith(("/", "\\")) or Path(rel).is_absolute():
        return None
    base = Path(base_dir).resolve()
    try:
        path = (base / rel).resolve()
        path.relative_to(base)
    except (ValueError, OSError):
        return None
    if path.suffix.lower() not in _IMAGE_TYPES or not path.is_file():
        return None
    if path.stat().st_size > MAX_IMAGE_BYTES:
        return None
    return path


_SVG_NS = "{http://www.w3.org/2000/svg}"
_SVG_PROLOG = re.compile(r"\A\s*(<\?xml[^>]*\?>)?\s*(?=<svg[\s>])")
# Drawing elements only: no script, foreignObject, style (it would restyle the whole page),
# animation (can rewrite an href), image (fetches), a (links out).
_SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "metadata", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "path", "text", "tspan", "clipPath", "linearGradient",
    "radialGradient", "stop", "pattern", "mask", "marker", "symbol", "use",
}  # fmt: skip
_EXTERNAL_CSS = re.compile(r"@import|url\(\s*['\"]?(?!#)|expression\(", re.IGNORECASE)


def _safe_svg_element(el: ET.Element) -> bool:
    if not isinstance(el.tag, str) or not el.tag.startswith(_SVG_NS):
        return False
    name = el.tag[len(_SVG_NS) :]
    if name not in _SVG_ELEMENTS:
        return False
    for attr, value in el.attrib.items():
        local = attr.rsplit("}", 1)[-1].lower()
        if local.startswith("on"):
            return False
        if local == "href" and not value.strip().startswith("#"):
            return False
        if _EXTERNAL_CSS.search(value):
            return False
    if name == "metadata":
        # Our charts keep their data here. An HTML parser reads tag names without their
        # namespace (a <script> in any namespace would run), so only childless <data>.
        return all(
            isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == "data" and len(c) == 0
            for c in el
        )
    return all(_safe_svg_element(child) for child in el)


def _inlinable_svg(text: str) -> str | None:
    """The <svg> element's markup when it is safe to put into the page as is: well-formed,
    nothing before it but an XML declaration, no DTD, only drawing elements, no event
    handlers, no references outside the file. Else None."""
    prolog = _SVG_PROLOG.match(text)
    if prolog is None or "<!" in text.upper().replace("<!--", ""):
        return None  # DTDs, entities, CDATA
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    if root.tag != f"{_SVG_NS}svg" or not _safe_svg_element(root):
        return None
    return text[prolog.end() :].strip()


def _image_html(src: str, alt: str, base_dir: Path | None) -> str:
    path = _local_image(src, base_dir)
    if path is None:
        return f'<span class="missing-image">[图：{html.escape(alt or src)}]</span>'
    data = path.read_bytes()
    if path.suffix.lower() == ".svg":
        text = data.decode("utf-8", errors="replace")
        inline = _inlinable_svg(text)
        if inline is not None:
            return inline
    # An SVG shown through <img> runs no scripts and loads nothing, so anything else
    # becomes a data: URI.
    mime = _IMAGE_TYPES[path.suffix.lower()]
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f'<img src="{uri}" alt="{html.escape(alt)}">'


def _render_image(self, tokens, idx, options, env):
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    return _image_html(token.attrGet("src") or "", alt, env.get("base_dir"))


# 【较大】 (or 【较大·负面】) and a table cell reading just 重大 take their level's chart colour (one look).
_LEVEL_MARK = re.compile("【(" + "|".join(sorted(charts.LEVEL_COLORS, key=len, reverse=True)) + ")(?:·[^】]{1,4})?】")


def _level_pieces(text: str) -> list[tuple[str, str | None]]:
    """(text, level colour or None) pieces of one text token."""
    if text.strip() in charts.LEVEL_COLORS:
        return [(text, charts.LEVEL_COLORS[text.strip()])]
    pieces: list[tuple[str, str | None]] = []
    last = 0
    for m in _LEVEL_MARK.finditer(text):
        if m.start() > last:
            pieces.append((text[last:m.start()], None))
        pieces.append((m.group(0), charts.LEVEL_COLORS[m.group(1)]))
        last = m.end()
    if last < len(text):
        pieces.append((text[last:], None))
    return pieces


def _render_text(self, tokens, idx, options, env):
    return "".join(
        f'<span style="color:{colour}">{escapeHtml(piece)}</span>' if colour else escapeHtml(piece)
        for piece, colour in _level_pieces(tokens[idx].content)
    )


def _render_softbreak(self, tokens, idx, options, env):
    return "\n" if _softbreak_text(tokens, idx) == " " else ""


def _render_paragraph_open(self, tokens, idx, options, env):
    # A paragraph holding only an image (how the templates place charts) is a figure.
    inline = tokens[idx + 1] if idx + 1 < len(tokens) else None
    children = (
        [c for c in (inline.children or []) if not (c.type == "text" and not c.content.strip())]
        if inline
        else []
    )
    if len(children) == 1 and children[0].type == "image":
        tokens[idx].attrSet("class", "figure")
    return self.renderToken(tokens, idx, options, env)


_HTML = _parser()
_HTML.add_render_rule("image", _render_image)
_HTML.add_render_rule("softbreak", _render_softbreak)
_HTML.add_render_rule("text", _render_text)
_HTML.add_render_rule("paragraph_open", _render_paragraph_open)


def markdown_to_html(markdown: str, *, title: str, base_dir: Path | None = None) -> str:
    """One self-contained, printable HTML file: inline CSS, charts inlined from base_dir,
    no scripts, no external requests (a Content-Security-Policy says so too)."""
    body = _HTML.render(markdown, {"base_dir": Path(base_dir) if base_dir else None})
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


# --- Word --------------------------------------------------------------------------------

# (Latin font, East Asian font, size in pt, bold) per style.
_DOCX_STYLES = {
    "Normal": ("Times New Roman", "仿宋", 16, False),
    "Heading 1": ("Times New Roman", "宋体", 22, True),
    "Heading 2": ("Times New Roman", "黑体", 16, False),
    "Heading 3": ("Times New Roman", "楷体", 16, False),
    "Heading 4": ("Times New Roman", "仿宋", 16, True),
    "Heading 5": ("Times New Roman", "仿宋", 16, True),
    "Heading 6": ("Times New Roman", "仿宋", 16, True),
    "Title": ("Times New Roman", "宋体", 22, True),
    "Quote": ("Times New Roman", "仿宋", 14, False),
    "List Bullet": ("Times New Roman", "仿宋", 16, False),
    "List Bullet 2": ("Times New Roman", "仿宋", 16, False),
    "List Bullet 3": ("Times New Roman", "仿宋", 16, False),
    "List": ("Times New Roman", "仿宋", 16, False),
    "List 2": ("Times New Roman", "仿宋", 16, False),
    "List 3": ("Times New Roman", "仿宋", 16, False),
    "Caption": ("Times New Roman", "黑体", 12, False),
}
TABLE_STYLE = "表格文字"
CODE_FONT = ("Courier New", "宋体")
TEXT_WIDTH_CM = 15.6


def _set_fonts(rpr_parent, latin: str, east_asia: str) -> None:
    """Explicit fonts on a style or run, theme fonts removed (they would win in Word)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _setup_document(doc, title: str) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    # Document defaults: Chinese fonts and language for anything without a style of its own.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    rpr = rpr_default.find(qn("w:rPr")) if rpr_default is not None else None
    if rpr is not None:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        fonts.set(qn("w:ascii"), "Times New Roman")
        fonts.set(qn("w:hAnsi"), "Times New Roman")
        fonts.set(qn("w:cs"), "Times New Roman")
        fonts.set(qn("w:eastAsia"), "仿宋")
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")

    for name, (latin, east_asia, size, bold) in _DOCX_STYLES.items():
        style = doc.styles[name]
        _set_fonts(style.element, latin, east_asia)
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        if name.startswith("Heading") or name == "Title":
            fmt = style.paragraph_format
            fmt.space_before = Pt(6)
            fmt.space_after = Pt(6)
            fmt.keep_with_next = True
            fmt.line_spacing = 1.25
    normal = doc.styles["Normal"].paragraph_format
    normal.line_spacing = 1.5
    normal.space_after = Pt(0)
    doc.styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Title", "Quote"):
        ppr = doc.styles[name].element.pPr
        if ppr is not None:
            for border in ppr.findall(qn("w:pBdr")):
                ppr.remove(border)

    table_text = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = doc.styles["Normal"]
    _set_fonts(table_text.element, "Times New Roman", "仿宋")
    table_text.font.size = Pt(12)
    table_text.paragraph_format.line_spacing = 1.0
    table_text.paragraph_format.space_before = Pt(2)
    table_text.paragraph_format.space_after = Pt(2)

    props = doc.core_properties
    props.title = title
    props.language = "zh-CN"
    props.author = "yuqing"
    props.last_modified_by = "yuqing"
    props.comments = ""
    props.subject = ""
    props.keywords = ""


@functools.lru_cache(maxsize=1)
def _cjk_rasteriser():
    """resvg-py's svg_to_bytes if it is installed and finds a font with Chinese glyphs."""
    try:
        import resvg_py
    except ImportError:
        return None

    def probe(ch: str) -> bytes:
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
            f'<text x="2" y="30" font-size="30" font-family="{html.escape(charts.FONT_FAMILY)}">'
            f"{ch}</text></svg>"
        )
        return bytes(resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff"))

    try:
        # Two different characters draw the same (nothing, or the same box) when no font
        # has them.
        if probe("中") == probe("国") or probe("中") == probe(" "):
            return None
    except Exception:
        return None
    return resvg_py.svg_to_bytes


def _svg_to_png(svg: str) -> bytes | None:
    """The SVG as a PNG at twice its size, or None when that would lose Chinese text."""
    render = _cjk_rasteriser()
    if render is None:
        try:
            import resvg_py
        except ImportError:
            return None
        if _CJK.search(_visible_text(svg)):
            return None
        render = resvg_py.svg_to_bytes
    try:
        return bytes(render(svg_string=svg, background="#ffffff", zoom=2.0))
    except Exception:
        return None


def _visible_text(svg: str) -> str:
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return svg
    return "".join(
        el.text or "" for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("}text")
    )


class _DocxWriter:
    def __init__(self, doc, base_dir: Path | None):
        self.doc = doc
        self.base_dir = Path(base_dir) if base_dir else None
        self.list_stack: list[str] = []  # "bullet" / "ordered"
        self.item_number: list[str] = []
        self.first_in_item = False
        self.quote_depth = 0
        self.after: list = []  # blocks (chart tables) to add after the current paragraph

    # blocks

    def write(self, tokens: list[Token]) -> None:
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            t = tok.type
            if t == "heading_open":
                level = min(int(tok.tag[1]), 6)
                para = self.doc.add_paragraph(style=f"Heading {level}")
                self.inline(para, tokens[i + 1])
                i += 3
                continue
            if t == "paragraph_open":
                para = self.paragraph()
                self.inline(para, tokens[i + 1])
                self.flush_after(para)
                i += 3
                continue
            if t in ("bullet_list_open", "ordered_list_open"):
                self.list_stack.append("bullet" if t == "bullet_list_open" else "ordered")
            elif t in ("bullet_list_close", "ordered_list_close"):
                self.list_stack.pop()
            elif t == "list_item_open":
                self.item_number.append(f"{tok.info}{tok.markup}" if tok.info else "")
                self.first_in_item = True
            elif t == "list_item_close":
                self.item_number.pop()
                self.first_in_item = False
            elif t == "blockquote_open":
                self.quote_depth += 1
            elif t == "blockquote_close":
                self.quote_depth -= 1
            elif t == "table_open":
                i = self.table(tokens, i)
                continue
            elif t in ("fence", "code_block"):
                self.code(tok.content)
            elif t == "hr":
                self.rule()
            i += 1

    def paragraph(self):
        from docx.shared import Pt

        if self.list_stack:
            depth = min(len(self.list_stack), 3)
            suffix = "" if depth == 1 else f" {depth}"
            kind = self.list_stack[-1]
            if self.first_in_item and kind == "bullet":
                para = self.doc.add_paragraph(style=f"List Bullet{suffix}")
            else:
                para = self.doc.add_paragraph(style=f"List{suffix}")
                fmt = para.paragraph_format
                fmt.left_indent = Pt(32 * depth)
                fmt.first_line_indent = Pt(-32) if self.first_in_item else Pt(0)
                if self.first_in_item and kind == "ordered":
                    para.add_run(f"{self.item_number[-1]}\t" if self.item_number[-1] else "")
            self.first_in_item = False
            return para
        if self.quote_depth:
            para = self.doc.add_paragraph(style="Quote")
            para.paragraph_format.left_indent = Pt(32 * self.quote_depth)
            return para
        para = self.doc.add_paragraph()
        para.paragraph_format.first_line_indent = Pt(32)  # two characters, as in 公文
        return para

    def code(self, text: str) -> None:
        from docx.shared import Pt

        para = self.doc.add_paragraph(style=TABLE_STYLE)
        lines = text.rstrip("\n").split("\n")
        for n, line in enumerate(lines):
            run = para.add_run(line)
            _set_fonts(run._r, *CODE_FONT)
            run.font.size = Pt(10.5)
            if n + 1 < len(lines):
                run.add_break()

    def rule(self) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        para = self.doc.add_paragraph()
        ppr = para._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (
            ("w:val", "single"),
            ("w:sz", "6"),
            ("w:space", "1"),
            ("w:color", "000000"),
        ):
            bottom.set(qn(key), value)
        borders.append(bottom)
        ppr.append(borders)

    def table(self, tokens: list[Token], i: int) -> int:
        rows: list[list[tuple[Token, str]]] = []
        header_rows = 0
        in_head = False
        while tokens[i].type != "table_close":
            t = tokens[i]
            if t.type == "thead_open":
                in_head = True
            elif t.type == "thead_close":
                in_head = False
            elif t.type == "tr_open":
                rows.append([])
                if in_head:
                    header_rows += 1
            elif t.type in ("th_open", "td_open"):
                style = str(t.attrGet("style") or "")
                align = style.split(":", 1)[1] if style.startswith("text-align:") else ""
                rows[-1].append((tokens[i + 1], align))
            i += 1
        self.add_table(rows, header_rows)
        return i + 1

    def add_table(self, rows, header_rows: int):
        """rows: lists of (inline token or plain str, alignment)."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        cols = max((len(r) for r in rows), default=0)
        if not rows or not cols:
            return None
        table = self.doc.add_table(rows=len(rows), cols=cols)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        aligns = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }
        for r, row in enumerate(rows):
            header = r < header_rows
            if header:
                tr_pr = table.rows[r]._tr.get_or_add_trPr()
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                tr_pr.append(repeat)
            for c in range(cols):
                cell = table.cell(r, c)
                para = cell.paragraphs[0]
                para.style = self.doc.styles[TABLE_STYLE]
                content, align = row[c] if c < len(row) else ("", "")
                if align in aligns:
                    para.alignment = aligns[align]
                elif header:
                    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if isinstance(content, Token):
                    self.inline(para, content, bold=header, images=False)
                else:
                    run = para.add_run(str(content))
                    run.bold = header or None
                if header:
                    shading = OxmlElement("w:shd")
                    shading.set(qn("w:val"), "clear")
                    shading.set(qn("w:color"), "auto")
                    shading.set(qn("w:fill"), "E8E8E8")
                    cell._tc.get_or_add_tcPr().append(shading)
        return table

    # inline

    def inline(self, para, token: Token, *, bold: bool = False, images: bool = True) -> None:
        from docx.shared import Pt, RGBColor

        state = {"bold": bold, "italic": False, "strike": False}
        link: str | None = None
        link_runs: list = []
        children = token.children or []
        only_image = sum(1 for c in children if c.type == "image") == 1 and all(
            c.type == "image" or (c.type == "text" and not c.content.strip()) for c in children
        )
        for idx, child in enumerate(children):
            t = child.type
            text = None
            if t == "text":
                text = child.content
            elif t == "softbreak":
                text = _softbreak_text(children, idx)
            elif t == "hardbreak":
                para.add_run().add_break()
            elif t == "strong_open":
                state["bold"] = True
            elif t == "strong_close":
                state["bold"] = bold
            elif t == "em_open":
                state["italic"] = True
            elif t == "em_close":
                state["italic"] = False
            elif t == "s_open":
                state["strike"] = True
            elif t == "s_close":
                state["strike"] = False
            elif t == "code_inline":
                run = para.add_run(child.content)
                _set_fonts(run._r, *CODE_FONT)
                run.font.size = Pt(12)
            elif t == "link_open":
                link = str(child.attrGet("href") or "")
                link_runs = []
            elif t == "link_close":
                self.hyperlink(para, link or "", link_runs)
                link = None
            elif t == "image":
                alt = "".join(c.content for c in (child.children or []) if c.type == "text")
                if images:
                    self.image(para, str(child.attrGet("src") or ""), alt, only_image)
                else:
                    para.add_run(f"[图：{alt}]")
            if text:
                if link is not None:
                    link_runs.append((text, dict(state)))
                    continue
                for piece, colour in _level_pieces(text):
                    run = para.add_run(piece)
                    run.bold = state["bold"] or None
                    run.italic = state["italic"] or None
                    run.font.strike = state["strike"] or None
                    if colour:
                        run.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())

    def hyperlink(self, para, url: str, runs: list) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        text = "".join(t for t, _ in runs)
        if not url.lower().startswith(("http://", "https://", "mailto:")):
            para.add_run(text)
            return
        r_id = para.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), r_id)
        for chunk, state in runs or [(url, {"bold": False, "italic": False})]:
            r = OxmlElement("w:r")
            rpr = OxmlElement("w:rPr")
            if state.get("bold"):
                rpr.append(OxmlElement("w:b"))
            color = OxmlElement("w:color")
            color.set(qn("w:val"), "0563C1")
            rpr.append(color)
            underline = OxmlElement("w:u")
            underline.set(qn("w:val"), "single")
            rpr.append(underline)
            r.append(rpr)
            t = OxmlElement("w:t")
            t.text = chunk
            t.set(qn("xml:space"), "preserve")
            r.append(t)
            link.append(r)
        para._p.append(link)

    def image(self, para, src: str, alt: str, only_image: bool) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.image.image import Image as DocxImage
        from docx.shared import Cm, Pt

        path = _local_image(src, self.base_dir)
        if path is None:
            para.add_run(f"[图：{alt or src}]")
            return
        data = path.read_bytes()
        picture: bytes | None = data
        width = Cm(TEXT_WIDTH_CM)
        if path.suffix.lower() == ".svg":
            svg = data.decode("utf-8", errors="replace")
            # Only SVG that references nothing outside itself (resvg would read local
            # image files an SVG names).
            picture = _svg_to_png(svg) if _inlinable_svg(svg) is not None else None
            if picture is None:
                chart = charts.chart_data(svg)
                if chart is not None:
                    self.after.append(chart)
                else:
                    para.add_run(f"[图：{alt or path.name}]")
                return
        else:
            try:  # a photo or screenshot keeps its own size unless wider than the text
                width = min(width, DocxImage.from_blob(data).width)
            except Exception:
                para.add_run(f"[图：{alt or path.name}]")
                return
        if only_image:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            para.paragraph_format.first_line_indent = Pt(0)
        try:
            para.add_run().add_picture(io.BytesIO(picture), width=width)
        except Exception:
            para.add_run(f"[图：{alt or path.name}]")

    def flush_after(self, para) -> None:
        """Chart tables that stood for images in the paragraph just written."""
        if not self.after:
            return
        pending, self.after = self.after, []
        if not para.text.strip() and not para._p.xpath(".//w:drawing"):
            para._p.getparent().remove(para._p)
        for chart in pending:
            self.chart_table(chart)

    def chart_table(self, chart: dict) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        caption = self.doc.add_paragraph(style="Caption")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption.paragraph_format.keep_with_next = True
        caption.add_run(str(chart.get("title", "")))
        categories = [str(c) for c in chart.get("categories", [])]
        series = {str(k): list(v) for k, v in (chart.get("series") or {}).items()}
        with_total = chart.get("kind") == "bar" and chart.get("stacked") and len(series) > 1
        header = ["", *series.keys()] + (["合计"] if with_total else [])
        rows = [[(h, "center") for h in header]]
        for i, cat in enumerate(categories):
            vals = [_number(vs[i]) for vs in series.values()]
            if with_total:
                vals.append(_number(sum(vs[i] for vs in series.values())))
            rows.append([(cat, "")] + [(v, "right") for v in vals])
        self.add_table(rows, 1)


def _number(v) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")


def markdown_to_docx(
    markdown: str, path: Path, *, title: str, base_dir: Path | None = None
) -> None:
    """Write the Markdown as a Word document: headings as Heading 1–6 (Chinese fonts set as
    East Asian fonts on every style), paragraphs, lists, real tables with a header row,
    charts as PNG pictures (or their data as tables where no rasteriser/CJK font exists)."""
    import docx

    doc = docx.Document()
    _setup_document(doc, title)
    _DocxWriter(doc, base_dir).write(_MD.parse(markdown))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
