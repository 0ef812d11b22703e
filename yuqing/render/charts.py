"""Charts for the weekly and annual reports as SVG, built as plain strings.

SVG keeps the Chinese labels as text, so whoever opens the file draws them with a font
that has the glyphs (no raster image made on a server without CJK fonts), and the files
stay small and diffable. No matplotlib: it pulls numpy, Pillow and a font cache into a
tool that draws two kinds of bar and line charts, and its output embeds version strings
and dates. The output here is deterministic (same input → same bytes) so golden files
work, every piece of text is XML-escaped, and the drawn data is also kept in
``<metadata>`` (JSON) so a converter that cannot show SVG can put it in a table instead
(`chart_data`).
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

WIDTH = 640
HEIGHT = 400
FONT_FAMILY = (
    "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Source Han Sans SC', "
    "'Microsoft YaHei', 'SimSun', sans-serif"
)
METADATA_NS = "urn:yuqing:chart"

# Warning colours by level (blue, yellow, orange, red for 一般 … 特别重大): a level has its
# colour in every chart and format (formats.py colours the 【级别】 marks with them), and
# no other series ever takes one. Then a palette that stays apart in greyscale print.
LEVEL_COLORS = {
    "一般": "#3b7dd8",
    "较大": "#e5b700",
    "重大": "#f07b1d",
    "特别重大": "#d0262d",
}
UNGRADED_COLOR = "#9e9e9e"  # 未分级: posts outside any event
PALETTE = ["#2e9e5b", "#7b4fc0", "#8c6d46", "#d45fa6", "#6b7b8c", "#17869e"]

_TITLE_SIZE = 18
_LABEL_SIZE = 13
_LEGEND_SIZE = 13
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def bar_chart_svg(
    categories: list[str],
    series: dict[str, list[float]],
    *,
    title: str,
    y_label: str = "",
    stacked: bool = True,
) -> str:
    """Bars per category, one colour per series.

    Stacked by default (volume by day and level: each day's bar is split by level, its top
    shows the day's total); ``stacked=False`` puts the series side by side.
    """
    _check(categories, series)
    return _chart("bar", categories, series, title=title, y_label=y_label, stacked=stacked)


def line_chart_svg(
    categories: list[str],
    series: dict[str, list[float]],
    *,
    title: str,
    y_label: str = "",
) -> str:
    """One line with point markers per series over the categories."""
    _check(categories, series)
    return _chart("line", categories, series, title=title, y_label=y_label, stacked=False)


def write_chart(path: Path, svg: str) -> Path:
    """Write the SVG as UTF-8 (atomically: a reader never sees half a file); returns path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(svg.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def chart_data(svg: str) -> dict | None:
    """The data a chart of this module was drawn from (kind, title, y_label, categories,
    series), or None for any other SVG."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return None
    node = root.find(f".//{{{METADATA_NS}}}data")
    if node is None or not node.text:
        return None
    try:
        data = json.loads(node.text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --- drawing ---------------------------------------------------------------------------


def _check(categories: list[str], series: dict[str, list[float]]) -> None:
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(
                f"series {name!r} has {len(values)} values for {len(categories)} categories"
            )
        for v in values:
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"series {name!r}: values must be finite and >= 0, got {v!r}")


def _chart(
    kind: str,
    categories: list[str],
    series: dict[str, list[float]],
    *,
    title: str,
    y_label: str,
    stacked: bool,
) -> str:
    categories = [_clean(c) for c in categories]
    names = [_clean(n) for n in series]
    values = [list(map(float, vs)) for vs in series.values()]
    colors = _colors(names)
    n = len(categories)

    out: list[str] = []
    label = _clean(title)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{_attr(label)}" '
        f'font-family="{_attr(FONT_FAMILY)}">'
    )
    out.append(f"<title>{_text(label)}</title>")
    data = {
        "kind": kind,
        "title": label,
        "y_label": _clean(y_label),
        "stacked": stacked if kind == "bar" else False,
        "categories": categories,
        "series": {
            name: [int(v) if v.is_integer() else v for v in vs]
            for name, vs in zip(names, values, strict=True)
        },
    }
    out.append(
        f'<metadata><data xmlns="{METADATA_NS}">'
        f"{_text(json.dumps(data, ensure_ascii=False, separators=(',', ':')))}</data></metadata>"
    )
    out.append(f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>')
    title_size = _TITLE_SIZE
    while title_size > 10 and _text_width(label, title_size) > WIDTH - 20:
        title_size -= 1
    out.append(
        f'<text x="{WIDTH / 2:g}" y="30" text-anchor="middle" font-size="{title_size}" '
        f'font-weight="bold" fill="#222222">{_text(label)}</text>'
    )

    # Legend: one row under the title, centred; wraps onto a second row if long.
    legend_rows = _legend_layout(names)
    top = 50
    for row_i, row in enumerate(legend_rows):
        row_width = sum(w for _, w in row)
        x = (WIDTH - row_width) / 2
        y = top + row_i * 20
        for idx, w in row:
            out.append(
                f'<rect x="{_n(x)}" y="{_n(y - 10)}" width="12" height="12" fill="{colors[idx]}"/>'
            )
            out.append(
                f'<text x="{_n(x + 17)}" y="{_n(y)}" font-size="{_LEGEND_SIZE}" '
                f'fill="#333333">{_text(names[idx])}</text>'
            )
            x += w
    plot_top = top + 20 * max(len(legend_rows), 1) + 10 if names else top + 10

    # Category labels: horizontal when they fit, else turned 45 degrees; every k-th
    # label only when there are too many to read.
    plot_left = 70 if y_label else 56
    plot_right = WIDTH - 16
    plot_w = plot_right - plot_left
    slot = plot_w / n if n else plot_w
    max_label = max((_text_width(c, _LABEL_SIZE) for c in categories), default=0.0)
    rotate = max_label > slot - 4
    step = 1
    if rotate:
        while slot * step < _LABEL_SIZE + 4:
            step += 1
        shown = [_truncate(c, 8) for c in categories]
        max_label = max((_text_width(c, _LABEL_SIZE) for c in shown), default=0.0)
        bottom_space = 16 + max_label * 0.7071 + _LABEL_SIZE * 0.7071
    else:
        shown = categories
        bottom_space = 28
    plot_bottom = HEIGHT - bottom_space
    plot_h = plot_bottom - plot_top

    # Y scale from 0 to a round maximum.
    if values and n:
        if kind == "bar" and stacked:
            peak = max(sum(col) for col in zip(*values, strict=True))
        else:
            peak = max(max(vs) for vs in values)
    else:
        peak = 0.0
    tick_step, y_max = _nice_scale(peak)
    decimals = _decimals(tick_step)

    def y_of(v: float) -> float:
        return plot_bottom - v / y_max * plot_h

    # Grid and y ticks.
    ticks = round(y_max / tick_step)
    for i in range(ticks + 1):
        v = tick_step * i
        y = y_of(v)
        color = "#888888" if i == 0 else "#e3e3e3"
        out.append(
            f'<line x1="{_n(plot_left)}" y1="{_n(y)}" x2="{_n(plot_right)}" y2="{_n(y)}" '
            f'stroke="{color}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{_n(plot_left - 6)}" y="{_n(y + 4)}" text-anchor="end" '
            f'font-size="{_LABEL_SIZE}" fill="#555555">{_fmt(v, decimals)}</text>'
        )
    if y_label:
        cy = (plot_top + plot_bottom) / 2
        out.append(
            f'<text x="18" y="{_n(cy)}" text-anchor="middle" font-size="{_LABEL_SIZE}" '
            f'fill="#555555" transform="rotate(-90 18 {_n(cy)})">{_text(_clean(y_label))}</text>'
        )

    # Category labels.
    for i, cat in enumerate(shown):
        if i % step:
            continue
        cx = plot_left + slot * (i + 0.5)
        if rotate:
            y = plot_bottom + 14
            out.append(
                f'<text x="{_n(cx)}" y="{_n(y)}" text-anchor="end" font-size="{_LABEL_SIZE}" '
                f'fill="#333333" transform="rotate(-45 {_n(cx)} {_n(y)})">{_text(cat)}</text>'
            )
        else:
            out.append(
                f'<text x="{_n(cx)}" y="{_n(plot_bottom + 18)}" text-anchor="middle" '
                f'font-size="{_LABEL_SIZE}" fill="#333333">{_text(cat)}</text>'
            )

    if not n or not values:
        out.append(
            f'<text x="{_n((plot_left + plot_right) / 2)}" y="{_n((plot_top + plot_bottom) / 2)}" '
            f'text-anchor="middle" font-size="16" fill="#888888">无数据</text>'
        )
    elif kind == "bar":
        _bars(out, values, colors, names, categories, slot, plot_left, y_of, stacked, decimals)
    else:
        _lines(out, values, colors, names, categories, slot, plot_left, y_of, decimals)

    out.append("</svg>")
    return "\n".join(out) + "\n"


def _bars(out, values, colors, names, categories, slot, left, y_of, stacked, decimals):
    n = len(categories)
    k = len(values)
    gap = slot * 0.2
    show_totals = slot >= 22
    for i in range(n):
        x0 = left + slot * i + gap / 2
        if stacked:
            width = slot - gap
            base = 0.0
            for s in range(k):
                v = values[s][i]
                if v <= 0:
                    continue
                y_top, y_bot = y_of(base + v), y_of(base)
                out.append(
                    f'<rect x="{_n(x0)}" y="{_n(y_top)}" width="{_n(width)}" '
                    f'height="{_n(y_bot - y_top)}" fill="{colors[s]}">'
                    f"<title>{_text(f'{categories[i]} {names[s]}：{_fmt(v, decimals)}')}</title></rect>"
                )
                base += v
            if show_totals and base > 0:
                out.append(
                    f'<text x="{_n(x0 + width / 2)}" y="{_n(y_of(base) - 4)}" '
                    f'text-anchor="middle" font-size="12" fill="#333333">'
                    f"{_fmt(base, _decimals_of(base))}</text>"
                )
        else:
            width = (slot - gap) / k
            for s in range(k):
                v = values[s][i]
                x = x0 + width * s
                y_top, y_bot = y_of(v), y_of(0)
                out.append(
                    f'<rect x="{_n(x)}" y="{_n(y_top)}" width="{_n(width)}" '
                    f'height="{_n(y_bot - y_top)}" fill="{colors[s]}">'
                    f"<title>{_text(f'{categories[i]} {names[s]}：{_fmt(v, decimals)}')}</title></rect>"
                )
                if width >= 22 and v > 0:
                    out.append(
                        f'<text x="{_n(x + width / 2)}" y="{_n(y_top - 4)}" text-anchor="middle" '
                        f'font-size="12" fill="#333333">{_fmt(v, _decimals_of(v))}</text>'
                    )


def _lines(out, values, colors, names, categories, slot, left, y_of, decimals):
    n = len(categories)
    for s, vs in enumerate(values):
        points = [(left + slot * (i + 0.5), y_of(vs[i])) for i in range(n)]
        if n > 1:
            out.append(
                f'<polyline fill="none" stroke="{colors[s]}" stroke-width="2" points="'
                + " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
                + '"/>'
            )
        radius = 3 if slot >= 8 else 1.5
        for i, (x, y) in enumerate(points):
            out.append(
                f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{radius:g}" fill="{colors[s]}">'
                f"<title>{_text(f'{categories[i]} {names[s]}：{_fmt(vs[i], decimals)}')}</title>"
                f"</circle>"
            )


def _legend_layout(names: list[str]) -> list[list[tuple[int, float]]]:
    rows: list[list[tuple[int, float]]] = []
    row: list[tuple[int, float]] = []
    used = 0.0
    for i, name in enumerate(names):
        w = 17 + _text_width(name, _LEGEND_SIZE) + 18
        if row and used + w > WIDTH - 40:
            rows.append(row)
            row, used = [], 0.0
        row.append((i, w))
        used += w
    if row:
        rows.append(row)
    return rows


def _colors(names: list[str]) -> list[str]:
    colors = []
    others = 0
    for name in names:
        if name in LEVEL_COLORS:
            colors.append(LEVEL_COLORS[name])
        elif name == "未分级":
            colors.append(UNGRADED_COLOR)
        else:
            colors.append(PALETTE[others % len(PALETTE)])
            others += 1
    return colors


def _nice_scale(peak: float) -> tuple[float, float]:
    """(tick step, axis maximum) with a 1-2-5 step and about five ticks."""
    if peak <= 0:
        return 1.0, 5.0
    raw = peak / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * magnitude
        if step >= raw:
            break
    if peak >= 1:
        step = max(step, 1.0)
    step = float(f"{step:.12g}")
    top = math.ceil(peak / step - 1e-9) * step
    return step, float(f"{top:.12g}")


def _decimals(step: float) -> int:
    for d in range(0, 7):
        if abs(round(step, d) - step) < 1e-9:
            return d
    return 6


def _decimals_of(v: float) -> int:
    return 0 if abs(v - round(v)) < 1e-9 else _decimals(round(v, 2))


def _fmt(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def _n(v: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros, no '-0'."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _text_width(s: str, size: float) -> float:
    """Rough rendered width: CJK and full-width characters 1em, the rest about 0.6em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in s)


def _truncate(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _clean(value: object) -> str:
    """Text without characters XML 1.0 forbids and without line breaks."""
    text = "" if value is None else str(value)
    return _INVALID_XML.sub("", text).replace("\r", " ").replace("\n", " ").strip()


def _text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(s: str) -> str:
    return _text(s).replace('"', "&quot;")
