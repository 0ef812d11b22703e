"""The benchmark's feeds: RSS 2.0 with Chinese news items, the same bytes on every run."""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from xml.sax.saxutils import escape

LAST_MODIFIED = "Sat, 01 Jun 2024 00:00:00 GMT"

_PLACES = [
    "桂林市", "柳州市", "南宁市", "梧州市", "北海市", "玉林市", "百色市", "河池市", "贺州市",
    "来宾市", "崇左市", "钦州市", "防城港市", "贵港市", "临桂区", "阳朔县", "灵川县", "兴安县",
    "全州县", "龙胜各族自治县", "恭城瑶族自治县", "荔浦市", "永福县", "资源县", "平乐县",
]  # fmt: skip
_ORGS = [
    "人社局", "住建局", "市场监管局", "教育局", "卫健委", "生态环境局", "交通运输局", "公安局",
    "应急管理局", "农业农村局", "文旅局", "医保局", "自然资源局", "水利局", "城管局", "民政局",
    "信访局", "税务局", "供电局", "自来水公司",
]  # fmt: skip
_ACTIONS = ["召开", "部署", "通报", "启动", "回应", "发布", "开展", "推进", "督办", "约谈"]
_TOPICS = [
    "稳就业工作推进会", "农民工工资拖欠专项整治", "老旧小区改造进展", "校外培训机构检查结果",
    "食品安全抽检情况", "汛期地质灾害防御工作", "城区道路施工交通管制", "电动自行车充电安全隐患排查",
    "医保基金使用监督检查", "住房公积金政策调整", "中小学招生入学政策", "生活垃圾分类示范片区建设",
    "农村饮水安全工程", "物业服务收费投诉处理", "出租车议价拒载问题", "景区门票价格专项检查",
    "供水管网改造停水通知", "夜市占道经营整治", "烂尾楼盘复工情况", "群众反映的噪声扰民问题",
]  # fmt: skip
_SENTENCES = [
    "{place}{org}有关负责人表示，将坚持问题导向，逐项建立台账，限期整改到位。",
    "据了解，此次工作覆盖全市{n}个乡镇（街道），共排查点位{m}处，发现问题{k}个。",
    "近日，有网民在本地论坛发帖反映{topic}相关问题，引发不少关注，帖子跟帖已超过{m}条。",
    "{org}工作人员介绍，群众可通过12345政务服务便民热线或“{place}发布”微信公众号反映诉求。",
    "会议要求，各相关单位要压实属地责任，加强部门协同，确保各项措施落地见效。",
    "截至{month}月底，已累计办结群众诉求{m}件，按时办结率达到{pct}%。",
    "下一步，{place}将持续跟踪{topic}的进展情况，及时向社会公布处理结果。",
    "记者从{place}{org}获悉，相关情况正在进一步核查中，如有新进展将第一时间通报。",
    "对于部分群众提出的“办事难、跑腿多”等问题，{org}表示将推行“一窗受理、限时办结”。",
    "业内人士指出，{topic}涉及面广、社会关注度高，需要多方合力、久久为功。",
]
_AUTHORS = ["本报记者 李明", "通讯员 韦丽", "记者 黄海涛", "", "融媒体中心", "覃小燕"]
_TAGS = ["图", "视频", "附全文", "权威发布", "回应关切"]


def _item_xml(rng: random.Random, link: str, when: float, plain: bool) -> str:
    place, org, topic = rng.choice(_PLACES), rng.choice(_ORGS), rng.choice(_TOPICS)
    title = f"{place}{org}{rng.choice(_ACTIONS)}{topic}"
    if rng.random() < 0.3:
        title += f"（{rng.choice(_TAGS)}）"
    facts = {
        "place": place, "org": org, "topic": topic, "n": rng.randint(5, 40),
        "m": rng.randint(20, 3000), "k": rng.randint(1, 90), "month": rng.randint(1, 12),
        "pct": rng.randint(90, 100),
    }  # fmt: skip
    sentences = [s.format(**facts) for s in rng.sample(_SENTENCES, rng.randint(3, 6))]
    html = "".join(f"<p>{s}</p>" for s in sentences)
    if rng.random() < 0.4:
        html = f'<p><img src="{link}.jpg" alt="{escape(title)}"/></p>' + html
    if rng.random() < 0.3:
        html += f'<p>原文链接：<a href="{link}">{escape(title)}</a></p>'
    if plain:  # a one-sentence plain-text summary, as some portals publish
        html = sentences[0]
    author = rng.choice(_AUTHORS)
    return (
        "<item>\n"
        f"<title>{escape(title)}</title>\n"
        f"<link>{link}</link>\n"
        f'<guid isPermaLink="true">{link}</guid>\n'
        f"<description><![CDATA[{html}]]></description>\n"
        + (f"<author>{escape(author)}</author>\n" if author else "")
        + f"<category>{escape(org)}</category>\n"
        f"<pubDate>{email.utils.formatdate(when, usegmt=True)}</pubDate>\n"
        "</item>\n"
    )


NEW_PER_CHANGE = 3  # items a changed feed gains at the top (and loses at the bottom)


def make_feed(index: int, items: int, base_url: str, *, plain: bool = False, version: int = 0) -> bytes:
    """One RSS 2.0 feed with Chinese news items; the same bytes for the same arguments.

    Descriptions are 3-6 sentences of HTML (<p>, sometimes an <img> or an <a>), about
    1 KiB per item, as provincial and county news sites publish them; `plain` gives a
    one-sentence plain-text description instead (the other common shape). Each `version`
    adds NEW_PER_CHANGE newer items at the top and drops as many at the bottom; an item
    has the same bytes in every version it appears in (it is seeded by its own number).
    """
    rng = random.Random(index)
    site = f"{rng.choice(_PLACES)}{rng.choice(['新闻网', '融媒体中心', '日报', '发布', '在线'])}"
    newest = 1_717_200_000 + index * 3600
    first = -NEW_PER_CHANGE * version
    body = "".join(
        _item_xml(random.Random(index * 1_000_003 + n), f"{base_url}/news/{index:04d}/{n:+04d}.html",
                  newest - n * 1800, plain)
        for n in range(first, first + items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0">\n<channel>\n'
        f"<title>{escape(site)}-第{index}频道</title>\n"
        f"<link>{base_url}/</link>\n"
        f"<description>{escape(site)}新闻资讯</description>\n"
        "<language>zh-cn</language>\n"
        f"{body}</channel>\n</rss>\n"
    ).encode()


def etag_of(index: int, version: int = 0) -> str:
    return f'"feed-{index:04d}-v{version + 1}"'


@dataclass
class Feed:
    url: str
    body: bytes
