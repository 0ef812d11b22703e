"""Small Discuz! X forumdisplay pages built in tests (the real page is in ../shared/corpora)."""

from __future__ import annotations

from html import escape

ROW = """<tbody id="normalthread_{tid}"><tr>
<th class="common"><a href="forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1" class="s xst">{title}</a></th>
<td class="by"><cite><a href="home.php?mod=space&amp;uid=7">网友{tid}</a></cite><em><span>{posted}</span></em></td>
<td class="num"><a href="forum.php?mod=viewthread&amp;tid={tid}" class="xi2">{replies}</a><em>{views}</em></td>
<td class="by"><cite><a href="#">某人</a></cite><em><a href="#">1 小时前</a></em></td>
</tr></tbody>"""


def discuz_page(rows: list[tuple[int, str, int, int]], *, charset: str = "gbk", posted: str | None = None) -> str:
    """rows: (tid, title, replies, views). Threads were posted `posted` (a Discuz time
    such as 「2019-3-5 10:20」), by default minutes before the collection: news, not stock."""
    body = "\n".join(ROW.format(tid=tid, title=escape(title), replies=replies, views=views,
                                posted=posted or f"{tid % 60 + 1} 分钟前")
                     for tid, title, replies, views in rows)
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>百姓话题 - Powered by Discuz!</title></head><body>"
            f'<table id="threadlisttableid">{body}</table></body></html>')
