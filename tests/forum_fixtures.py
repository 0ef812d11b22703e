"""Small Discuz! X forumdisplay pages built in tests (the real page is in ../shared/corpora)."""

from __future__ import annotations

import re
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


# Thread pages, modelled on the markup each board serves (Discuz! X3.2 viewthread,
# phpBB 3.2 prosilver viewtopic, Tieba's PC thread page): the first floor is the post.

DISCUZ_POST = """<div id="post_{pid}"><table id="pid{pid}" class="plhin" summary="pid{pid}" cellspacing="0" cellpadding="0">
<tr><td class="pls" rowspan="2"><div id="favatar{pid}" class="pls favatar"><div class="pi"><div class="authi">
<a href="home.php?mod=space&amp;uid={uid}" target="_blank" class="xw1">{author}</a></div></div></div></td>
<td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid={tid}&amp;pid={pid}" id="postnum{pid}" onclick="setCopy(this.href, '帖子地址复制成功');return false;">{floor_html}</a></strong>
<div class="pti"><div class="authi"><img class="authicn vm" src="static/image/common/online_member.gif" />
<em id="authorposton{pid}">发表于 {when}</em><span class="pipe">|</span><a href="forum.php?mod=viewthread&amp;tid={tid}&amp;page=1&amp;authorid={uid}" rel="nofollow">只看该作者</a></div></div></div>
<div class="pct"><style type="text/css">.pcb{{margin-right:0}}</style><div class="pcb"><div class="t_fsz">
<table cellspacing="0" cellpadding="0"><tr><td class="t_f" id="postmessage_{pid}">
{quote}{text}</td></tr></table></div><div id="comment_{pid}" class="cm"></div><div id="post_rate_div_{pid}"></div></div></div>
</td></tr></table></div>"""


def discuz_thread_page(tid: int, title: str, posts: list[tuple[str, str, str]], *, charset: str = "gbk",
                       quote_first: bool = False) -> str:
    """posts: (author, text, 'YYYY-M-D HH:MM'); the first is the thread's own post."""
    blocks = []
    for floor, (author, text, when) in enumerate(posts, start=1):
        floor_html = "楼主" if floor == 1 else f"<em>{floor}</em><sup>#</sup>"
        quote = ""
        if quote_first and floor == 3:
            quote = ('<div class="quote"><blockquote><font size="2"><font color="#999999">网友1 发表于 '
                     '2026-11-20 09:07</font></font><br />楼主说的拆迁补偿</blockquote></div><br />')
        blocks.append(DISCUZ_POST.format(pid=1000 + floor, uid=50 + floor, tid=tid, author=escape(author),
                                         floor_html=floor_html, when=when, quote=quote, text=escape(text)))
    return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}" />'
            f"<title>{escape(title)} - 百姓话题 - Powered by Discuz!</title>"
            '<script type="text/javascript">var STYLEID = \'1\', discuz_uid = \'0\';</script></head><body>'
            f'<div id="wp" class="wp"><div id="ct" class="wp cl"><div id="postlist" class="pl bm">'
            f'<table cellspacing="0" cellpadding="0"><tr><td class="plc ptm pbn vwthd"><h1 class="ts">'
            f'<span id="thread_subject">{escape(title)}</span></h1></td></tr></table>'
            + "\n".join(blocks)
            + '</div></div></div><div id="f_pst" class="pl bm bmw">您需要登录后才可以回帖 <a href="member.php?mod=logging&amp;action=login">登录</a></div></body></html>')


def phpbb_thread_page(title: str, posts: list[tuple[str, str, str]]) -> str:
    """posts: (author, text, ISO time with offset); the first is the topic's own post."""
    blocks = []
    for n, (author, text, when) in enumerate(posts, start=1):
        blocks.append(
            f'<div id="p{500 + n}" class="post has-profile bg{n % 2 + 1}"><div class="inner">'
            f'<dl class="postprofile" id="profile{500 + n}"><dt class="has-profile-rank no-avatar">'
            f'<a href="./memberlist.php?mode=viewprofile&amp;u={n}" class="username">{escape(author)}</a></dt>'
            f'<dd class="profile-posts"><strong>帖子:</strong> 12</dd></dl>'
            f'<div class="postbody"><div id="post_content{500 + n}"><h3><a href="#p{500 + n}">Re: {escape(title)}</a></h3>'
            f'<p class="author"><a class="unread" href="./viewtopic.php?p={500 + n}#p{500 + n}" title="帖子">'
            f'<span class="imageset icon_post_target"></span></a><span class="responsive-hide">由 <strong>'
            f'<a href="./memberlist.php?mode=viewprofile&amp;u={n}" class="username">{escape(author)}</a></strong> &raquo; </span>'
            f'<time datetime="{when}">{when}</time></p>'
            f'<div class="content">{escape(text)}</div></div></div></div></div><hr class="divider" />')
    return ('<!DOCTYPE html><html dir="ltr" lang="zh-cmn-hans"><head><meta charset="utf-8" />'
            f"<title>{escape(title)} - 县民论坛</title></head><body><div id=\"page-body\" class=\"page-body\">"
            f'<h2 class="topic-title"><a href="./viewtopic.php?t=42">{escape(title)}</a></h2>'
            + "".join(blocks) + "</div></body></html>")


def tieba_thread_page(title: str, posts: list[tuple[str, str, str]]) -> str:
    """posts: (author, text, 'YYYY-MM-DD HH:MM'); the first is the thread's own post."""
    import json

    blocks = []
    for floor, (author, text, when) in enumerate(posts, start=1):
        field = {"author": {"user_id": 9000 + floor, "user_name": author, "props": None},
                 "content": {"post_id": 130000 + floor, "is_anonym": False, "forum_id": 52, "thread_id": 8001,
                             "content": text, "post_no": floor, "type": "0", "comment_num": 0,
                             "props": None, "post_index": floor - 1, "pb_tpoint": None}}
        blocks.append(
            f"<div class=\"l_post l_post_bright j_l_post clearfix\" data-field='{escape(json.dumps(field, ensure_ascii=False))}'>"
            f'<div class="d_author"><ul class="p_author"><li class="icon"><div class="icon_relative j_user_card">'
            f'<a class="p_author_face" href="/home/main?un={floor}"><img username="{escape(author)}" class="" src=""></a>'
            f'</div></li><li class="d_name" data-field=\'{{"user_id":{9000 + floor}}}\'>'
            f'<a alog-group="p_author" class="p_author_name j_user_card" href="/home/main?un={floor}" target="_blank">{escape(author)}</a></li></ul></div>'
            f'<div class="d_post_content_main"><div class="p_content"><cc><div id="post_content_{130000 + floor}" '
            f'class="d_post_content j_d_post_content  clearfix" style="display:;">            {escape(text)}</div><br></cc></div>'
            f'<div class="core_reply j_lzl_wrapper"><div class="core_reply_tail clearfix"><div class="post-tail-wrap">'
            f'<span class="tail-info">来自Android客户端</span><span class="tail-info">{floor}楼</span>'
            f'<span class="tail-info">{when}</span></div></div></div></div></div>')
    return ('<!DOCTYPE html><html><head><meta charset="UTF-8"><title>'
            f"{escape(title)}_清河吧_百度贴吧</title></head><body><div id=\"j_p_postlist\" class=\"p_postlist\">"
            + "".join(blocks) + "</div></body></html>")


MIB = 1024 * 1024
SIDEBAR = (
    "<script>var ad_slots = [" + ",".join(f"'slot-{i}'" for i in range(200)) + "];</script>"
    "<style>" + "".join(f".s{i}{{margin:{i}px}}" for i in range(100)) + "</style>"
    '<div class="side"><ul>'
    + "".join(f'<li><a href="/links/{i}.html">热门链接 {i}</a></li>' for i in range(40))
    + "</ul></div>"
)


def bloated_list_page(html: str) -> str:
    """A list page with scripts, styles and sidebar links before </body> until it is 5 MiB
    of UTF-8, as portals serve them (tests/sources/test_forums.py, bench/forum_bench.py)."""
    copies = (5 * MIB - len(html.encode("utf-8"))) // len(SIDEBAR.encode("utf-8")) + 1
    return html.replace("</body>", SIDEBAR * copies + "</body>")


def list_page_of_rows(html: str) -> tuple[str, int]:
    """A Discuz! list page whose thread rows are copied (with new ids) until it is 5 MiB;
    and how many copies of the rows it holds."""
    start, end = html.index('<tbody id="normalthread_'), html.rindex("</tbody>") + len("</tbody>")
    block, copies, size = html[start:end], [], 0
    while size < 5 * MIB:
        n = len(copies) + 1
        chunk = re.sub(r"(thread_|tid=)(\d+)", lambda m, n=n: f"{m[1]}{n}{m[2]}", block)
        copies.append(chunk)
        size += len(chunk.encode("utf-8"))
    return html[:start] + "".join(copies) + html[end:], len(copies)
