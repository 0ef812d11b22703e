"""`yuqing demo`: the whole duty day, offline, in a temporary workspace.

A loopback site serves news feeds and forum lists (the Discuz! board in GBK, without a
charset header, as county forums do) that change over three simulated cron runs:
a story spreads to five mainstream sites, a forum thread's clicks cross 1000 and then
3000, a negative post reaches a second site. The board also carries old threads: a 2019
sticky with 139,191 clicks stays quiet (存量), while a 2020 thread that suddenly gains
hundreds of replies is notified. Each run collects, groups and grades, and escalates:
notices land in the outbox and on a loopback chat robot. After the first run the officer
dismisses a false positive and sets a level by hand (人工研判). Then the daily report and
a numbered digest (links, summaries, netizens' replies) are written.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from yuqing import clock
from yuqing.collect import CollectOptions
from yuqing.duty.handover import Handover, hand_over
from yuqing.duty.todo import Todo, build_todo
from yuqing.events.cases import act
from yuqing.events.verdicts import Verdict, dismiss, set_level
from yuqing.models import Source
from yuqing.notify.context import letter_reply_due
from yuqing.pipeline import RunResult, run_pipeline
from yuqing.report import DigestChoice, daily_data, day_period, issue_digest, write_report
from yuqing.rules import load_rules
from yuqing.sources.config import add_source, load_sources
from yuqing.sources.letters import LetterImport, import_letters
from yuqing.store import Store
from yuqing.workspace import Workspace, init_workspace

OFFICE = "清河县网络舆情工作领导小组办公室"
DEMO_RULES = """
[[topics]]
name = "清河县"
keywords = ["清河"]
exclude = ["招聘", "出租", "转让"]

[robots."值班群"]
kind = "webhook"
url_secret = "demo_robot"
"""

# Three cron runs on one working day (Asia/Shanghai).
RUN_TIMES = ("2026-11-27T09:00:00+08:00", "2026-11-27T11:00:00+08:00", "2026-11-27T15:00:00+08:00")

ELEVATOR = ("清河县幸福小区电梯频繁故障 居民多次被困",
            "近日，清河县城关镇幸福小区多部电梯频繁发生故障，有居民被困电梯内近一小时。"
            "居民反映，物业公司对维修诉求推诿敷衍，相关部门已介入调查。")
# (source name, site, mainstream?, first run it carries the elevator story)
NEWS_SITES = (
    ("人民网-地方", "人民网", True, 0), ("新华网-地方", "新华网", True, 1), ("某省新闻网", "某省新闻网", True, 1),
    ("央视网-地方", "央视网", True, 2), ("中新网-地方", "中国新闻网", True, 2),
    ("清河县政府网", "清河县人民政府", False, 9),
)
OWN_PORTAL = "清河县政府网"  # the office's own news feed: publicity, never 舆情
FESTIVAL = ("清河县举办第三届柑橘文化节 果农喜迎丰收", "11月27日，清河县第三届柑橘文化节在河西乡开幕。")
ROUTINE_NEWS = (
    FESTIVAL,
    ("清河县2026年冬季供暖工作安排", "全县集中供暖自11月15日起开始运行，供暖热线 12345。"),
)
FESTIVAL_REPRINTS = ("人民网-地方", "新华网-地方")  # mainstream sites that carry it from run 2
# Forum threads: (tid, title, replies per run, clicks per run)
DISCUZ_THREADS = (
    (101, "清河县第一中学食堂饭菜发霉，孩子吃完拉肚子，学校说没事？", (40, 90, 160), (600, 1250, 3400)),
    (102, "清河县城关镇老街拆迁补偿款拖欠半年，到底谁来管？", (12, 20, 26), (150, 260, 330)),
    (103, "清河县冬季供暖什么时候开始？", (30, 44, 50), (500, 760, 800)),
    (104, "周末带娃去哪玩？清河湿地公园开放了吗", (8, 11, 12), (150, 205, 230)),
    (105, "求推荐县城靠谱的装修师傅 & 水电工", (4, 6, 6), (60, 87, 90)),
)
# What netizens wrote under the canteen thread (floor 1 is the post itself).
CANTEEN_THREAD = (
    ("家长张女士", "孩子在清河县第一中学住校，这周三中午吃完食堂的饭菜就开始拉肚子。同班还有七八个孩子也一样。"
     "饭菜颜色发暗，有股馊味，孩子说米饭都结块了。找学校反映，老师说没事，让多喝热水。"),
    ("网友老李", "食品安全是大事，学校这种态度太让人寒心了，必须彻查食堂承包商！"),
    ("清河老乡", "我家孩子也在一中，说这周菜里吃出过发霉的土豆，太恶心了。"),
    ("路过的", "已经打了12345，等回复。"),
    ("一中家长群", "学校刚在家长群里说明天请第三方检测机构来取样，先等结果吧。"),
    ("网友小周", "去年就有人反映过食堂问题，一直没人管，这次一定要给个说法！"),
    ("围观群众", "顶"),
)
# The drainage thread of 2020 (OLD_THREADS), which flares again in run 3.
DRAINAGE_THREAD = (
    ("老城区居民", "老城区排水改造说是去年底完工，到现在管子还堆在路边，一下雨整条街就内涝，店铺进水好几次了。"),
    ("网友阿华", "又淹了！今天早上水到膝盖，老人小孩根本出不了门，工程到底还修不修？"),
    ("清河老乡", "拖了六年还是烂尾，钱花到哪里去了，希望纪委查一查。"),
    ("城南商户", "刚问了街道，说下周会派人来清理排水口，等等看吧。"),
)
# Old threads already on the board when it is first collected (存量): (tid, title, replies per
# run, clicks per run, posted, sticky). The sticky stays quiet; the 2020 thread flares in run 3.
OLD_THREADS = (
    (90, "【置顶】桂北人社区清河版版规及发帖须知（2019年修订）", (465, 465, 466), (139191, 139240, 139302),
     "2019-4-27", True),
    (91, "清河县老城区排水改造工程烂尾，一下雨就内涝", (22, 25, 640), (1171, 1300, 5200), "2020-7-19", False),
)
FALSE_POSITIVE = "周末带娃去哪玩？清河湿地公园开放了吗"
HAND_LEVEL = ("清河县城关镇老街拆迁补偿款拖欠半年，到底谁来管？", "较大", "涉及拆迁补偿，群众诉求集中，需跟踪")
PHPBB_TOPICS = (  # the negative post reaches a second board in run 2
    (201, "清河论坛夜跑群：城南体育场灯光太暗", (5, 11, 13), (200, 306, 320), 0),
    (202, "清河县城关镇老街拆迁补偿款拖欠半年，到底谁来管？（转自桂北人社区）", (0, 9, 15), (0, 120, 180), 1),
)


class _DemoSite(BaseHTTPRequestHandler):
    """Serves whatever the current simulated run says; records robot webhooks."""

    pages: dict[str, tuple[bytes, str]] = {}
    robot_messages: list[dict[str, Any]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        page = self.pages.get(self.path)
        if page is None:
            self.send_error(404)
            return
        body, content_type = page
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.robot_messages.append(json.loads(self.rfile.read(length) or b"{}"))
        body = b'{"errcode": 0}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SampleServer:
    """The demo site on 127.0.0.1, in a background thread."""

    def __init__(self):
        handler = type("Handler", (_DemoSite,), {"pages": {}, "robot_messages": []})
        self.handler = handler
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def publish(self, pages: dict[str, tuple[bytes, str]]) -> None:
        self.handler.pages.clear()
        self.handler.pages.update(pages)

    @property
    def robot_messages(self) -> list[dict[str, Any]]:
        return self.handler.robot_messages

    def __enter__(self) -> SampleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- the simulated web -------------------------------------------------------------


def _rss(title: str, items: list[tuple[str, str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
        f"<pubDate>{pub}</pubDate><description>{escape(text)}</description></item>"
        for t, link, text, pub in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://example.cn/</link>{entries}</channel></rss>").encode()


def _discuz(run: int) -> bytes:
    threads = [(tid, title, replies, clicks, '<span title="2026-11-27">今天 08:12</span>', False)
               for tid, title, replies, clicks in DISCUZ_THREADS]
    threads += [(tid, title, replies, clicks, f"<span>{posted}</span>", sticky)
                for tid, title, replies, clicks, posted, sticky in OLD_THREADS]
    rows = "".join(
        f'<tbody id="{"stickthread" if sticky else "normalthread"}_{tid}"><tr><th class="common">'
        f'<a href="forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1" class="s xst">{escape(title)}</a></th>'
        f'<td class="by"><cite><a href="home.php?mod=space&amp;uid={tid}">网友{tid}</a></cite>'
        f'<em>{posted}</em></td>'
        f'<td class="num"><a href="#" class="xi2">{replies[run]}</a><em>{clicks[run]}</em></td></tr></tbody>'
        for tid, title, replies, clicks, posted, sticky in threads
    )
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
            "<title>百姓话题 - 桂北人社区 - Powered by Discuz!</title></head><body>"
            f'<table id="threadlisttableid">{rows}</table></body></html>')
    return html.encode("gbk")


def _phpbb(run: int) -> bytes:
    rows = "".join(
        f'<li class="row"><dl class="row-item"><dt><div class="list-inner">'
        f'<a href="./viewtopic.php?t={tid}" class="topictitle">{escape(title)}</a>'
        f' by <a class="username">跑友{tid}</a> » <time datetime="2026-11-27T01:00:00+00:00">今天</time></div></dt>'
        f'<dd class="posts">{replies[run]}</dd><dd class="views">{clicks[run]}</dd></dl></li>'
        for tid, title, replies, clicks, first in PHPBB_TOPICS if first <= run
    )
    return (f'<html><head><meta charset="utf-8"><title>清河论坛</title></head><body>'
            f'<ul class="topiclist topics">{rows}</ul></body></html>').encode()


def _discuz_thread(tid: int, run: int) -> bytes:
    """A Discuz! X viewthread page: the post and, from the second run on, its replies."""
    title = next(t for n, t, *_ in DISCUZ_THREADS + OLD_THREADS if n == tid)
    openings = {102: "城关镇老街拆迁已经半年，补偿款迟迟不到位。去镇里问了几次，都说在走流程。"
                     "家里老人还租房住，希望有关部门给个说法。"}
    if tid == 101:
        posts = CANTEEN_THREAD[: 1 + 3 * run]
    elif tid == 91:  # the 2020 post; the replies come when it flares
        posts = DRAINAGE_THREAD if run >= 2 else DRAINAGE_THREAD[:1]
    else:
        posts = ((f"网友{tid}", openings.get(tid, title)),)
    first_posted = {91: "2020-7-19 10:15"}
    blocks = "".join(
        f'<div id="post_{tid}{floor:03d}"><table id="pid{tid}{floor:03d}" class="plhin"><tr>'
        f'<td class="pls"><div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid={floor}" '
        f'class="xw1">{escape(author)}</a></div></div></td><td class="plc"><div class="pi"><strong>'
        f'<a id="postnum{tid}{floor:03d}">{"楼主" if floor == 1 else f"<em>{floor}</em><sup>#</sup>"}</a></strong>'
        f'<div class="pti"><div class="authi"><em id="authorposton{tid}{floor:03d}">发表于 '
        f'{first_posted[tid] if floor == 1 and tid in first_posted else f"2026-11-27 0{7 + floor // 4}:{10 + floor:02d}"}'
        f'</em></div></div></div><div class="pct"><div class="pcb"><div class="t_fsz"><table><tr>'
        f'<td class="t_f" id="postmessage_{tid}{floor:03d}">{escape(text)}</td></tr></table></div></div></div></td></tr></table></div>'
        for floor, (author, text) in enumerate(posts, start=1)
    )
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
            f'<title>帖子 - 桂北人社区</title></head><body><div id="postlist" class="pl bm">{blocks}</div></body></html>')
    return html.encode("gbk")


def pages_for_run(run: int) -> dict[str, tuple[bytes, str]]:
    pages = {}
    for n, (name, site, _mainstream, first) in enumerate(NEWS_SITES):
        items = []
        if run >= first:
            items.append((ELEVATOR[0], f"http://news{n}.example.cn/2026/1127/elevator.html",
                          f"来源：人民网 {ELEVATOR[1]}", "Fri, 27 Nov 2026 08:30:00 +0800"))
        if name == OWN_PORTAL:
            items += [(t, f"http://www.example-qinghe.gov.cn/{i}.html", x, "Fri, 27 Nov 2026 07:30:00 +0800")
                      for i, (t, x) in enumerate(ROUTINE_NEWS)]
        if name in FESTIVAL_REPRINTS and run >= 1:
            items.append((FESTIVAL[0], f"http://news{n}.example.cn/2026/1127/festival.html",
                          f"来源：清河县人民政府网 {FESTIVAL[1]}", "Fri, 27 Nov 2026 10:30:00 +0800"))
        pages[f"/feeds/{n}.xml"] = (_rss(f"{site}（演示）", items), "application/rss+xml")
    pages["/forum/discuz.html"] = (_discuz(run), "text/html")  # no charset: sniffed from <meta>
    pages["/forum/phpbb.html"] = (_phpbb(run), "text/html; charset=utf-8")
    for tid, *_ in DISCUZ_THREADS + OLD_THREADS:
        pages[f"/forum/forum.php?mod=viewthread&tid={tid}"] = (_discuz_thread(tid, run), "text/html")
    return pages


def demo_sources(base_url: str) -> list[Source]:
    sources = [Source(name=name, kind="rss", url=f"{base_url}feeds/{n}.xml", site=site, mainstream=mainstream,
                      own=name == OWN_PORTAL)
               for n, (name, site, mainstream, _first) in enumerate(NEWS_SITES)]
    sources.append(Source(name="桂北人社区-百姓话题", kind="forum", preset="discuz", site="桂北人社区",
                          url=f"{base_url}forum/discuz.html"))
    sources.append(Source(name="清河论坛", kind="forum", preset="phpbb", site="清河论坛",
                          url=f"{base_url}forum/phpbb.html"))
    return sources


# -- the day -------------------------------------------------------------------


@dataclass
class DemoRun:
    at: str
    result: RunResult


@dataclass
class DemoResult:
    home: Path
    server_url: str
    runs: list[DemoRun]
    events: list[dict[str, Any]]
    total: int
    robot_messages: int
    outbox: Path
    reports: list[Path] = field(default_factory=list)
    temporary: bool = True
    publicity: dict[str, Any] = field(default_factory=dict)  # the office's own posts that day
    todo: Todo | None = None  # what the officer sees at the end of the day (yuqing todo)
    handover: Handover | None = None  # and how the shift is handed over (yuqing handover)
    verdicts: list[Verdict] = field(default_factory=list)  # the officer's, after the first run
    judgments: list[dict[str, Any]] = field(default_factory=list)  # the whole log at the end of the day
    letters: LetterImport | None = None
    letters_file: Path | None = None


def prepare_workspace(workspace: Workspace, server: SampleServer) -> None:
    if init_workspace(workspace):
        text = workspace.rules_path.read_text(encoding="utf-8")
        text = text.replace('name = ""  ', f'name = "{OFFICE}"  ', 1)
        text = text.replace('[roles."值班员"]\nemails = []\nrobots = []', '[roles."值班员"]\nemails = []\nrobots = ["值班群"]')
        # The county's own words (rules.toml [negative]): its old town floods when it rains.
        text = text.replace("[negative]\nwords = []", '[negative]\nwords = ["内涝", "淹了"]', 1)
        workspace.rules_path.write_text(text + DEMO_RULES, encoding="utf-8")
    secrets = workspace.home / "secrets.toml"
    secrets.write_text(f'demo_robot = "{server.url}robot"\n', encoding="utf-8")
    secrets.chmod(0o600)
    configured = {s.name for s in load_sources(workspace.sources_path)}
    for source in demo_sources(server.url):
        if source.name not in configured:
            add_source(workspace.sources_path, source)


def run_demo(keep: Path | None = None) -> DemoResult:
    temporary = keep is None
    home = Path(tempfile.mkdtemp(prefix="yuqing-demo-")) if keep is None else keep.resolve()
    try:
        return _run_day(Workspace(home), temporary)
    finally:
        if temporary:
            shutil.rmtree(home, ignore_errors=True)


def _run_day(workspace: Workspace, temporary: bool) -> DemoResult:
    with SampleServer() as server:
        prepare_workspace(workspace, server)
        rules = load_rules(workspace.rules_path)
        sources = demo_sources(server.url)
        letters = _import_letters(workspace, rules, RUN_TIMES[0])
        runs = []
        verdicts: list[Verdict] = []
        for index, moment in enumerate(RUN_TIMES):
            server.publish(pages_for_run(index))
            with clock.frozen_at(datetime.fromisoformat(moment)):
                result = run_pipeline(workspace, rules, sources,
                                      CollectOptions(home=workspace.home, force=True, thread_pause=0),
                                      command="demo", escalate=True)
            runs.append(DemoRun(moment, result))
            if index == 0:
                verdicts = _officer_judges(workspace, rules, moment)
                _officer_handles_morning_cases(workspace, moment)
        # Half an hour after the last run the day shift looks at its to-do list and hands over
        # (later and the list would rightly say collection has stopped: the demo runs no cron).
        with clock.frozen_at(datetime.fromisoformat(RUN_TIMES[-1]) + timedelta(minutes=30)), \
                Store(workspace.db_path) as store:
            todo, handover = _end_of_shift(store, workspace)
        with clock.frozen_at(datetime.fromisoformat(RUN_TIMES[-1]).replace(hour=17, minute=30)):
            reports, own = _write_reports(workspace, rules, sources)
            with Store(workspace.db_path) as store:
                events = store.list_events(limit=20)
                total = store.count_posts()
                judgments = store.all_judgments()
        reports.append(handover.path)
        return DemoResult(workspace.home, server.url, runs, events, total, len(server.robot_messages),
                          workspace.outbox_dir, reports, temporary, publicity=own, todo=todo, handover=handover,
                          verdicts=verdicts, judgments=judgments,
                          letters=letters, letters_file=LETTERS_SAMPLE)


def _end_of_shift(store: Store, workspace: Workspace) -> tuple[Todo, Handover]:
    """The shift loop: look at what is still open (yuqing todo), then hand over."""
    todo = build_todo(store, workspace)
    note = ("夜跑群灯光一事转办已超时，明早先电话催城南街道；"
            "电梯故障、一中食堂两件已报分管领导，注意两家主流网站后续报道。")
    return todo, hand_over(store, workspace, note=note, by="值班员小王")


def _officer_judges(workspace: Workspace, rules, moment: str) -> list[Verdict]:
    """Twenty minutes after the first run the officer reads the new events: a parent asking
    about the wetland park is no 舆情 (误报), and the compensation thread deserves 较大."""
    with clock.frozen_at(datetime.fromisoformat(moment) + timedelta(minutes=20)), Store(workspace.db_path) as store:
        by_title = {e["title"]: e["id"] for e in store.list_events()}
        title, level, reason = HAND_LEVEL
        return [
            dismiss(store, rules, by_title[FALSE_POSITIVE], reason="游玩咨询，与舆情无关", by="值班员小王"),
            set_level(store, rules, by_title[title], level, reason=reason, by="值班员小王"),
        ]


LETTERS_SAMPLE = Path(__file__).parent / "sample" / "letters" / "12345-2026-11.csv"


def _import_letters(workspace: Workspace, rules, moment: str) -> LetterImport:
    """Before the first run the officer imports the 12345 hotline's export (GBK, as Excel
    saves it): the letters are grouped and graded in the run, and the one past its reply
    deadline gets 超时催办."""
    reply_due = letter_reply_due(workspace.home, rules)
    with clock.frozen_at(datetime.fromisoformat(moment)), Store(workspace.db_path) as store:
        return import_letters(store, LETTERS_SAMPLE, reply_due=reply_due, channel=None)


def _officer_handles_morning_cases(workspace: Workspace, moment: str) -> None:
    """Half an hour after the first run the officer forwards what came in, except one item
    (so the demo shows 超时催办), and reports the major one up."""
    with clock.frozen_at(datetime.fromisoformat(moment) + timedelta(minutes=30)), Store(workspace.db_path) as store:
        open_cases = sorted(store.open_cases(), key=lambda c: c["id"])
        for case in open_cases[:-1]:
            act(store, case["id"], action="研判", to=None, note="已核实来源", by="值班员小王")
            if case["level"] in ("重大", "特别重大"):
                act(store, case["id"], action="上报", to=None, note="报分管领导", by="值班员小王")
            act(store, case["id"], action="转办", to="相关业务科室", note=None, by="值班员小王")


def _write_reports(workspace: Workspace, rules, sources: list[Source]) -> tuple[list[Path], dict[str, Any]]:
    """The day's duty report, and the day's 《重要舆情摘报》 issued (numbered) as an editor
    would: with an editor's note, links, summaries and what netizens wrote."""
    day = clock.now().astimezone(clock.SHANGHAI).date()
    workspace.reports_dir.mkdir(parents=True, exist_ok=True)
    with Store(workspace.db_path) as store:
        daily = daily_data(store, rules, sources, day)
        daily_path = write_report("daily", daily, folder=workspace.reports_dir, stem=f"daily-{day.isoformat()}",
                                  fmt="md", home=workspace.home)
        note = "一中食堂事件网民关注度高、负面情绪集中，请教育局、市场监管局加快核查并及时发布权威信息。"
        digest = issue_digest(store, rules, day_period(day), DigestChoice(note=note), force=True, fmt="md",
                              home=workspace.home, folder=workspace.reports_dir)
    return [daily_path, digest.path], daily["publicity"]
