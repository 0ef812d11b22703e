"""Delivery to chat robots and e-mail, against a real loopback robot recorder and aiosmtpd.

T22 robot failures classified, T24 limits and byte caps, T25 signing vectors and clock
skew, T26 injection from scraped text, T27 secrets never shown or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import ssl
import time
import unicodedata
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from robot_recorder import RobotRecorder
from smtp_server import SMTPServer

from yuqing.notify.channels import (
    TRUNCATION_MARKER,
    MailChannel,
    Message,
    RobotChannel,
    dingtalk_sign,
    feishu_sign,
    neutralise_links,
    neutralise_mentions,
    redact,
    safe_header,
    truncate_utf8,
)

NOTICE = "YQ-2026-0042"
MSG = Message(NOTICE, "【橙色预警】某县化工园区异味投诉", f"### {NOTICE} 异味投诉\n\n多名网友反映……",
              f"{NOTICE} 异味投诉\n多名网友反映……")

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DT_TOKEN = "a5c5e9b1d3f7e3b0c4d2a8e6f1b9c7d5e3a1f0b8c6d4e2f0a9b7c5d3e1f0a2b4"
DT_SECRET = "SEC0f3b2a19c7d84e6f5a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"
FS_TOKEN = "2d9c2c6f-8a6b-4f0e-9c3d-5b7e1a2f4c6d"
FS_SECRET = "qR7xK2mN9pL4vT6wZ8yB3c"


@pytest.fixture
def rec():
    recorder = RobotRecorder(hang_seconds=10)
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.stop()


@pytest.fixture
def smtp_factory():
    servers: list[SMTPServer] = []

    def make(**kwargs) -> SMTPServer:
        server = SMTPServer(**kwargs)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


def robot(rec: RobotRecorder, kind: str, *, secret: str | None = None,
          keywords: tuple[str, ...] = (), **channel_kwargs) -> RobotChannel:
    """A channel pointed at a freshly registered robot of `kind` on the recorder."""
    if kind == "wecom":
        url = rec.add_wecom(WECOM_KEY)
    elif kind == "dingtalk":
        url = rec.add_dingtalk(DT_TOKEN, secret=secret, keywords=keywords)
    elif kind == "feishu":
        url = rec.add_feishu(FS_TOKEN, secret=secret, keywords=keywords)
    else:
        url = rec.add_webhook("yuqing-" + "f" * 20)
    return RobotChannel(kind=kind, url=url, secret=secret, **channel_kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ T25 signing

def test_dingtalk_sign_matches_documented_formula_and_fixed_vector():
    secret, ts = "SECb0d1e4f2a6c8", 1700000000004
    # Documented: sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{ts}\n{secret}")))
    by_hand = quote_plus(base64.b64encode(
        hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()))
    assert dingtalk_sign(secret, ts) == by_hand
    # Checked independently with `openssl dgst -sha256 -hmac`: it has + and / to encode.
    assert by_hand == "8g%2Botm1flb1s%2F1d7YCHfVNMEggDsIjXTLe4k%2FWiOhlk%3D"


def test_feishu_sign_is_the_mirror_image_and_not_url_encoded():
    secret, ts = "demo-secret-0123", 1700000000
    # Documented: sign = base64(HMAC-SHA256(key=f"{ts}\n{secret}", msg=b""))
    by_hand = base64.b64encode(
        hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert feishu_sign(secret, ts) == by_hand == "9yo6NHz/gA5QRnwg4Ah5xD9adPvkZsJTsa7bcKnT8vo="
    # Mirror images, not the same thing.
    assert feishu_sign(secret, ts) != base64.b64encode(hmac.new(
        secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()


def test_build_request_signs_dingtalk_url_and_feishu_body(rec):
    fixed = 1_700_000_000.004
    dt = robot(rec, "dingtalk", secret=DT_SECRET, clock=lambda: fixed)
    url, payload = dt.build_request(MSG)
    query = urlsplit(url).query
    assert f"timestamp=1700000000004&sign={dingtalk_sign(DT_SECRET, 1700000000004)}" in query
    assert parse_qs(query)["access_token"] == [DT_TOKEN]
    assert payload["at"] == {"isAtAll": False, "atMobiles": []}
    assert payload["markdown"]["title"] == MSG.subject
    assert dt.build_request(MSG) == (url, payload)  # pure: same clock, same request

    fs = robot(rec, "feishu", secret=FS_SECRET, clock=lambda: fixed)
    url, payload = fs.build_request(MSG)
    assert "timestamp" not in url and "sign" not in url
    assert payload["timestamp"] == "1700000000"
    assert payload["sign"] == feishu_sign(FS_SECRET, 1700000000)
    assert payload["msg_type"] == "text" and NOTICE in payload["content"]["text"]


def test_a_pasted_signed_dingtalk_url_is_resigned(rec):
    url = rec.add_dingtalk(DT_TOKEN, secret=DT_SECRET) + "&timestamp=1&sign=stale"
    channel = RobotChannel(kind="dingtalk", url=url, secret=DT_SECRET)
    final, _ = channel.build_request(MSG)
    assert final.count("timestamp=") == 1 and "sign=stale" not in final
    assert channel.send(MSG).status == "sent"


@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
@pytest.mark.parametrize("skew,status", [(0, "sent"), (3500, "sent"), (-3500, "sent"),
                                         (3700, "config"), (-3700, "config")])
def test_signature_verified_by_recorder_within_one_hour_of_skew(rec, kind, skew, status):
    secret = DT_SECRET if kind == "dingtalk" else FS_SECRET
    channel = robot(rec, kind, secret=secret, clock=lambda: time.time() + skew)
    outcome = channel.send(MSG)
    assert outcome.status == status, outcome
    last = rec.requests[-1]
    if status == "sent":
        assert last.accepted and not last.problems
    else:
        assert last.problems == ["timestamp skew"]
        assert "时间" in outcome.detail  # tells the officer to fix the clock


@pytest.mark.parametrize("kind,expected", [
    ("dingtalk", "钉钉机器人加签校验失败：请检查 secret 和本机时间"),
    ("feishu", "飞书机器人签名校验失败：请检查 secret 和本机时间"),
])
def test_wrong_secret_is_config_with_chinese_explanation(rec, kind, expected):
    real = DT_SECRET if kind == "dingtalk" else FS_SECRET
    channel = robot(rec, kind, secret=real)
    channel.secret = real[:-1] + "x"  # the officer pasted it wrong
    outcome = channel.send(MSG)
    assert outcome.status == "config"
    assert outcome.detail.startswith(expected)
    assert rec.requests[-1].problems == ["bad sign"]
    assert outcome.retry_after is None


def test_dingtalk_secret_configured_on_robot_but_not_locally(rec):
    url = rec.add_dingtalk(DT_TOKEN, secret=DT_SECRET)
    outcome = RobotChannel(kind="dingtalk", url=url).send(MSG)
    assert outcome.status == "config" and "钉钉" in outcome.detail


# ------------------------------------------------------------------ T22 failures classified

ERRCODE = "errcode"


@pytest.mark.parametrize("kind,fault,kwargs,status,retry_after", [
    ("wecom", "500", {}, "transient", None),
    ("dingtalk", "502", {}, "transient", None),
    ("feishu", "503", {}, "transient", None),
    ("webhook", "500", {}, "transient", None),
    ("dingtalk", ERRCODE, {"code": 130101}, "transient", 600.0),
    ("wecom", ERRCODE, {"code": 45009}, "transient", 60.0),
    ("feishu", ERRCODE, {"code": 9499, "status": 400}, "transient", 60.0),
    ("feishu", ERRCODE, {"code": 11232, "status": 400}, "transient", 60.0),
    ("feishu", ERRCODE, {"code": 9499, "status": 400, "headers": {"Retry-After": "17"}},
     "transient", 17.0),
    ("webhook", "429", {"headers": {"Retry-After": "30"}}, "transient", 30.0),
    ("wecom", "429", {}, "transient", 60.0),
    ("dingtalk", ERRCODE, {"code": 310000}, "config", None),
    ("feishu", ERRCODE, {"code": 19021, "status": 400}, "config", None),
    ("wecom", ERRCODE, {"code": 93000}, "config", None),
    ("wecom", ERRCODE, {"code": 40014}, "config", None),
    ("dingtalk", ERRCODE, {"code": 300001}, "config", None),
    ("feishu", ERRCODE, {"code": 9499, "status": 400, "msg": "Bad Request"}, "config", None),
    ("wecom", "404", {}, "config", None),
    ("webhook", "404", {}, "config", None),
    ("wecom", "200", {"body": b"<html>captive portal</html>"}, "config", None),
    ("dingtalk", ERRCODE, {"code": 0, "status": 500}, "transient", None),
    ("wecom", "close", {}, "ambiguous", None),
    ("feishu", "reset", {}, "ambiguous", None),
])
def test_robot_failures_are_classified(rec, kind, fault, kwargs, status, retry_after):
    channel = robot(rec, kind)
    rec.fail_next(1, fault, **kwargs)
    outcome = channel.send(MSG)
    assert outcome.status == status, outcome
    assert outcome.retry_after == retry_after
    assert "\n" not in outcome.detail and outcome.detail
    assert len(rec.requests) == 1  # one message in, one request out: no hidden retries
    # The fault is over: the same channel now delivers.
    assert channel.send(MSG).status == "sent"


def test_success_needs_2xx_and_code_zero(rec):
    channel = robot(rec, "dingtalk")
    rec.fail_next(1, ERRCODE, code=0, status=200)
    assert channel.send(MSG).status == "sent"
    rec.fail_next(1, ERRCODE, code=1, status=200, msg="unknown")
    assert channel.send(MSG).status == "config"  # HTTP 200 is not enough


def test_read_timeout_after_sending_is_ambiguous_within_timeout(rec):
    channel = robot(rec, "wecom", timeout=0.5)
    rec.fail_next(1, "hang")
    started = time.monotonic()
    outcome = channel.send(MSG)
    assert time.monotonic() - started < 3
    assert outcome.status == "ambiguous"
    assert "可能已送达" in outcome.detail
    assert rec.requests[-1].payload is not None  # the robot did get the message


def test_connection_refused_is_transient():
    port = free_port()
    url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={WECOM_KEY}"
    outcome = RobotChannel(kind="wecom", url=url, timeout=2).send(MSG)
    assert outcome.status == "transient"
    assert "连接被拒绝" in outcome.detail


def test_unknown_key_is_config_and_says_what_to_do(rec):
    url = rec.add_wecom(WECOM_KEY).replace(WECOM_KEY, "deleted-robot-key")
    outcome = RobotChannel(kind="wecom", url=url).send(MSG)
    assert outcome.status == "config"
    assert "key 无效" in outcome.detail and "重新复制" in outcome.detail


# ------------------------------------------------------------------ T24 limits held by the recorder

class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_wecom_twenty_per_sliding_minute():
    clock = FakeClock()
    with RobotRecorder(clock=clock) as rec:
        channel = RobotChannel(kind="wecom", url=rec.add_wecom(WECOM_KEY))
        outcomes = []
        for _ in range(21):
            outcomes.append(channel.send(MSG))
            clock.now += 1
        assert [o.status for o in outcomes] == ["sent"] * 20 + ["transient"]
        assert outcomes[-1].retry_after == 60.0
        clock.now += 39  # 60 s after the first message: it alone leaves the window
        assert channel.send(MSG).status == "sent"
        assert channel.send(MSG).status == "transient"


def test_dingtalk_over_limit_throttles_ten_minutes():
    clock = FakeClock()
    with RobotRecorder(clock=clock) as rec:
        channel = RobotChannel(kind="dingtalk", url=rec.add_dingtalk(DT_TOKEN))
        statuses = [channel.send(MSG).status for _ in range(20)]
        assert statuses == ["sent"] * 20
        over = channel.send(MSG)
        assert (over.status, over.retry_after) == ("transient", 600.0)
        clock.now += 120  # the minute has passed, the throttle has not
        assert channel.send(MSG).status == "transient"
        clock.now += 481
        assert channel.send(MSG).status == "sent"


def test_feishu_five_per_second():
    clock = FakeClock()
    with RobotRecorder(clock=clock) as rec:
        channel = RobotChannel(kind="feishu", url=rec.add_feishu(FS_TOKEN))
        statuses = [channel.send(MSG).status for _ in range(6)]
        assert statuses == ["sent"] * 5 + ["transient"]
        clock.now += 1.5
        assert channel.send(MSG).status == "sent"


CHINESE_10K = ("县城东区化工园区周边居民反映夜间有刺鼻气味，多名网友发帖求助。" * 400)[:10_000]


def test_long_chinese_body_to_wecom_fits_4096_bytes_and_decodes(rec):
    assert len(CHINESE_10K) == 10_000
    message = Message(NOTICE, "长文", CHINESE_10K, CHINESE_10K)
    outcome = robot(rec, "wecom").send(message)
    assert outcome.status == "sent", outcome
    req = rec.requests[-1]
    assert req.accepted
    content = req.content()
    raw = content.encode("utf-8")
    assert len(raw) <= 4096
    assert raw.decode("utf-8") == content  # whole characters only
    assert content.endswith(TRUNCATION_MARKER)
    assert NOTICE in content
    body = content[: -len(TRUNCATION_MARKER)].split("\n\n", 1)[1]
    assert CHINESE_10K.startswith(body)
    assert len(raw) > 4096 - 3 - len(TRUNCATION_MARKER.encode()) - len(NOTICE) - 4  # not wasteful


@pytest.mark.parametrize("kind,limit", [("dingtalk", 4000), ("webhook", 32000)])
def test_default_byte_limits(rec, kind, limit):
    message = Message(NOTICE, "长文", CHINESE_10K * 2, CHINESE_10K)
    assert robot(rec, kind).send(message).status == "sent"
    assert len(rec.requests[-1].content().encode()) <= limit


def test_feishu_whole_body_within_20kb_even_with_json_escaping(rec):
    # Newlines and quotes double in JSON: the limit is on the body, so the text shrinks.
    body = ("第一行\n\"引号\"\\反斜杠\t制表\n" * 3000)
    message = Message(NOTICE, "长文", body, body)
    outcome = robot(rec, "feishu", secret=FS_SECRET).send(message)
    assert outcome.status == "sent", outcome
    req = rec.requests[-1]
    assert req.accepted and len(req.body) <= 20000
    assert req.content().endswith(TRUNCATION_MARKER)


def test_configurable_limit(rec):
    channel = robot(rec, "dingtalk", max_bytes=600)
    channel.send(Message(NOTICE, "长文", CHINESE_10K, CHINESE_10K))
    assert len(rec.requests[-1].content().encode()) <= 600


TRICKY = "e\u0301" + "👨‍👩‍👧‍👦" + "🇨🇳🇯🇵" + "\r\n" + "𠮷野家" + "👍🏽" + "한" + "末"


def test_truncate_never_splits_a_character_or_cluster():
    marker = "…"
    clusters = _clusters(TRICKY)
    for budget in range(0, len(TRICKY.encode()) + 2):
        out = truncate_utf8(TRICKY, budget, marker=marker)
        assert len(out.encode()) <= budget
        if out == TRICKY:
            continue
        head = out[: -len(marker)] if out.endswith(marker) else out
        assert TRICKY.startswith(head)
        # The cut falls on a cluster edge.
        edges = {sum(len(c) for c in clusters[:i]) for i in range(len(clusters) + 1)}
        assert len(head) in edges, (budget, head)


def _clusters(text: str) -> list[str]:
    """The clusters TRICKY is built from (hand-listed: stdlib has no grapheme splitter)."""
    out = ["e\u0301", "👨‍👩‍👧‍👦", "🇨🇳", "🇯🇵", "\r\n", "𠮷", "野", "家", "👍🏽", "한", "末"]
    assert "".join(out) == text
    return out


def test_truncate_leaves_short_text_alone_and_handles_tiny_budgets():
    assert truncate_utf8("短", 10) == "短"
    assert truncate_utf8("一二三四五六", 4, marker="…长标记……") == "一"  # marker alone too big
    out = truncate_utf8("一二三四五六七八九十", 12, marker="…")
    assert out == "一二三…" and len(out.encode()) == 12
    lone = "ab\ud800cd"  # a lone surrogate from broken scraped JSON
    assert len(truncate_utf8(lone, 4, marker="").encode("utf-8", "surrogatepass")) <= 4


# ------------------------------------------------------------------ keyword

def test_dingtalk_keyword_added_when_missing(rec):
    channel = robot(rec, "dingtalk", secret=DT_SECRET, keywords=("舆情",), keyword="舆情")
    outcome = channel.send(MSG)
    assert outcome.status == "sent", outcome
    assert "舆情" in rec.requests[-1].content()


def test_keyword_not_duplicated_when_present(rec):
    channel = robot(rec, "feishu", keywords=("通报",), keyword="通报")
    message = Message(NOTICE, "s", f"舆情通报 {NOTICE}", f"舆情通报 {NOTICE}")  # Feishu shows the text
    assert channel.send(message).status == "sent"
    assert rec.requests[-1].content() == f"舆情通报 {NOTICE}"


def test_keyword_survives_truncation(rec):
    channel = robot(rec, "dingtalk", keywords=("舆情",), keyword="舆情", max_bytes=1000)
    message = Message(NOTICE, "s", CHINESE_10K + "舆情", "t")
    assert channel.send(message).status == "sent"
    content = rec.requests[-1].content()
    assert "舆情" in content and NOTICE in content and len(content.encode()) <= 1000


@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_missing_keyword_is_config(rec, kind):
    channel = robot(rec, kind, keywords=("舆情",))  # the robot wants it, we were not told
    outcome = channel.send(MSG)
    assert outcome.status == "config"
    assert "关键词" in outcome.detail and "keyword" in outcome.detail


def test_notice_number_in_every_robot_message(rec):
    bare = Message(NOTICE, "无编号", "正文里没有编号", "正文")
    for kind in ("wecom", "dingtalk", "feishu", "webhook"):
        assert robot(rec, kind).send(bare).status == "sent"
        assert NOTICE in rec.requests[-1].content(), kind
    assert rec.requests[-1].payload["notice_no"] == NOTICE


# ------------------------------------------------------------------ T26 injection

SCRAPED = (
    '网友爆料 <at user_id="all">所有人</at> < AT user_id = "ou_123" >张三</at> '
    "<@zhangsan> <@all> @all @ALL @所有人 @13800138000 请速看 "
    "[点我](javascript:alert(document.cookie)) [二](JaVaScRiPt:alert(1)) "
    "[三]( javascript:void(0)) [四](jav&#x09;ascript:alert(1)) "
    "<script>alert(1)</script> <img src=x onerror=alert(1)> <iframe src=//evil>\n"
    "[ref]: javascript:alert(2)\n"
    "原帖 https://weibo.com/@someone 联系 duty@county.gov.cn"
)


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu", "webhook"])
def test_scraped_mentions_links_and_scripts_arrive_inert(rec, kind):
    message = Message(NOTICE, '标题 <at user_id="all">全体</at> @所有人', SCRAPED, SCRAPED)
    assert robot(rec, kind).send(message).status == "sent"
    req = rec.requests[-1]
    assert req.mentions == []  # the recorder found no live mention
    content = req.content()
    low = content.lower()
    assert "javascript:" not in low and "](jav" not in low
    assert "<script" not in low and "<img" not in low and "<iframe" not in low
    assert "@all" not in low and "@所有人" not in content and "@138" not in content
    # What the officer needs to read is still there.
    assert "所有人" in content and "张三" in content and "点我" in content
    assert "duty@county.gov.cn" in content and "https://weibo.com/@someone" in content
    if kind == "dingtalk":
        assert req.payload["at"] == {"isAtAll": False, "atMobiles": []}
        assert "<at" not in req.payload["markdown"]["title"]


@pytest.mark.parametrize("raw,expected", [
    ('<at user_id="all">所有人</at>', "所有人"),
    ("<at user_id='all'></at>提醒", "提醒"),
    ("<@zhangsan>", "＜＠zhangsan>"),
    ("@all 看这里", "＠all 看这里"),
    ("请@所有人注意", "请＠所有人注意"),
    ("@13800138000", "＠13800138000"),
    ("@+8613800138000", "＠+8613800138000"),
    ("转发@张三", "转发@张三"),  # inside a word: no robot parses it, left as written
    ("@张三 说", "＠张三 说"),
    ("写信给 a.b@gov.cn", "写信给 a.b@gov.cn"),
])
def test_neutralise_mentions_table(raw, expected):
    assert neutralise_mentions(raw) == expected


@pytest.mark.parametrize("raw", [
    "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x]( javascript:alert(1) )",
    "[x](java&#115;cript:alert(1))", "[x](java%73cript:alert(1))", "[x](vbscript:msgbox)",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "![img](javascript:alert(1))",
    "[x][1]\n\n[1]: javascript:alert(1)", "<javascript:alert(1)>", "javascript:alert(1)",
    "[x](<javascript:alert(1)>)", "[x](javascript&colon;alert(1))", "[x](&#106;avascript:x)",
])
def test_neutralise_links_blocks_script_targets(raw):
    out = neutralise_links(raw)
    assert "javascript:" not in out.lower() and "vbscript:" not in out.lower()
    assert "](java" not in out.lower() and "](data:" not in out.lower()
    assert ": javascript" not in out.lower() and "<javascript" not in out.lower()


@pytest.mark.parametrize("raw", [
    "[新闻](https://example.cn/a_(b))", "[信](mailto:duty@gov.cn)", "[相对](/events/42)",
    '<font color="warning">红色</font>', "a < b > c", "3<5",
])
def test_neutralise_links_keeps_safe_markdown(raw):
    assert neutralise_links(raw) == raw


@pytest.mark.parametrize("hostile", [
    "<at " * 20000, "](" * 30000, "[x](" + "(" * 50000, "](" + "(a)" * 50000, "@" * 50000,
    "[" * 50000 + "]:", "<" * 50000,
])
def test_neutralising_hostile_text_is_fast(hostile):
    started = time.monotonic()
    out = neutralise_links(neutralise_mentions(hostile))
    truncate_utf8(out, 4096)
    assert time.monotonic() - started < 2


def test_safe_header_is_one_line():
    assert safe_header("紧急\r\nBcc: evil@example.com\n\nbody") == "紧急 Bcc: evil@example.com body"
    assert safe_header("a\x00b\x1bc\u2028d\te") == "abc d e"


def test_mail_subject_crlf_cannot_inject_headers(smtp_factory):
    server = smtp_factory(tls="none")
    channel = MailChannel(host="127.0.0.1", port=server.port, security="none",
                          sender="yuqing@county.gov.cn", recipients=["duty@county.gov.cn"],
                          timeout=5)
    evil = Message(NOTICE, "紧急\r\nBcc: victim@example.com\r\n\r\n伪造正文", "md", "正文")
    assert channel.send(evil).status == "sent"
    mail = server.messages[-1]
    assert mail.rcpt_tos == ["duty@county.gov.cn"]
    msg = mail.message
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["Subject"]) and "victim@example.com" in str(msg["Subject"])
    assert msg.get_body(("plain",)).get_content().strip().endswith("正文")


# ------------------------------------------------------------------ T27 secrets

def test_secrets_never_in_detail_or_debug_logs(rec, smtp_factory, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "yuqing"):
        caplog.set_level(logging.DEBUG, logger=name)  # the worst case: someone turned it on
    password = "p@ss-Word!2026"
    secrets = [WECOM_KEY, DT_TOKEN, DT_SECRET, FS_TOKEN, FS_SECRET, password]
    outcomes = []

    wecom = robot(rec, "wecom")
    rec.fail_next(1, "500", body=f"upstream error for key={WECOM_KEY}".encode())
    outcomes.append(wecom.send(MSG))
    rec.fail_next(1, ERRCODE, code=93000, msg=f"invalid webhook url key={WECOM_KEY}")
    outcomes.append(wecom.send(MSG))
    outcomes.append(wecom.send(MSG))

    dt = robot(rec, "dingtalk", secret=DT_SECRET)
    rec.fail_next(1, ERRCODE, code=310000,
                  msg=f"sign not match access_token={DT_TOKEN} secret={DT_SECRET}")
    outcomes.append(dt.send(MSG))
    dt.secret = "SECwrong"
    outcomes.append(dt.send(MSG))

    fs = robot(rec, "feishu", secret=FS_SECRET, timeout=0.3)
    rec.fail_next(1, ERRCODE, code=19021, status=400, msg=f"token {FS_TOKEN} bad")
    outcomes.append(fs.send(MSG))
    rec.fail_next(1, "hang")
    outcomes.append(fs.send(MSG))
    outcomes.append(fs.send(MSG))

    dead = RobotChannel(kind="wecom", timeout=1,
                        url=f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key={WECOM_KEY}")
    outcomes.append(dead.send(MSG))

    server = smtp_factory(tls="starttls", auth=("duty", password), fail_at="rcpt",
                          fail_code=550, fail_text=f"5.1.1 no user; your password {password}")
    mail = MailChannel(host="127.0.0.1", port=server.port, username="duty", password=password,
                       sender="y@county.gov.cn", recipients=["x@county.gov.cn"], timeout=5,
                       ssl_context=server.client_context)
    outcomes.append(mail.send(MSG))
    wrong = MailChannel(host="127.0.0.1", port=server.port, username="duty",
                        password=password + "x", sender="y@county.gov.cn",
                        recipients=["x@county.gov.cn"], timeout=5,
                        ssl_context=server.client_context)
    outcomes.append(wrong.send(MSG))

    statuses = [o.status for o in outcomes]
    assert statuses == ["transient", "config", "sent", "config", "config", "config",
                        "ambiguous", "sent", "transient", "config", "config"], outcomes
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request" in logged  # httpx did log, scrubbed
    captured = capsys.readouterr()
    shown = " ".join(o.detail for o in outcomes) + logged + captured.out + captured.err
    for secret in secrets:
        for form in {secret, quote_plus(secret), secret[:12]}:
            assert form not in shown, f"secret leaked: {form[:4]}…"
    assert "***" in " ".join(o.detail for o in outcomes)  # the echoes were redacted


def test_redact_replaces_plain_and_url_encoded_forms():
    assert redact("k=a+b/c and a%2Bb%2Fc", ["a+b/c"]) == "k=*** and ***"
    assert redact("nothing", [None, ""]) == "nothing"


def test_bad_robot_url_error_does_not_show_it():
    with pytest.raises(Exception) as info:
        RobotChannel(kind="wecom", url=f"ftp://x/?key={WECOM_KEY}")
    assert WECOM_KEY not in str(info.value)


# ------------------------------------------------------------------ mail

def mail_channel(server: SMTPServer, **kwargs) -> MailChannel:
    defaults = dict(host="127.0.0.1", port=server.port, security="starttls",
                    sender="yuqing@county.gov.cn", recipients=["duty@county.gov.cn"],
                    timeout=5, ssl_context=server.client_context)
    defaults.update(kwargs)
    return MailChannel(**defaults)


def test_mail_over_starttls_with_self_signed_cert_and_auth(smtp_factory):
    server = smtp_factory(tls="starttls", auth=("duty", "pw"))
    outcome = mail_channel(server, username="duty", password="pw").send(MSG)
    assert outcome.status == "sent", outcome
    mail = server.messages[-1]
    assert mail.tls and mail.auth_user == "duty"
    assert mail.mail_from == "yuqing@county.gov.cn"


def test_mail_starttls_without_trusting_the_cert_is_config(smtp_factory):
    server = smtp_factory(tls="starttls")
    outcome = mail_channel(server, ssl_context=None).send(MSG)  # system CAs: untrusted
    assert outcome.status == "config" and "证书" in outcome.detail
    assert server.messages == []


def test_mail_over_implicit_ssl(smtp_factory):
    server = smtp_factory(tls="ssl", auth=("duty", "pw"))
    outcome = mail_channel(server, security="ssl", username="duty", password="pw").send(MSG)
    assert outcome.status == "sent", outcome
    assert server.messages[-1].tls


def test_mail_plain_when_asked(smtp_factory):
    server = smtp_factory(tls="none")
    assert mail_channel(server, security="none").send(MSG).status == "sent"
    assert not server.messages[-1].tls


@pytest.mark.parametrize("tls,needle", [("none", "不支持 STARTTLS"), ("refuse", "拒绝 STARTTLS")])
def test_starttls_unavailable_never_falls_back_to_plaintext(smtp_factory, tls, needle):
    server = smtp_factory(tls=tls, auth=("duty", "pw"))
    outcome = mail_channel(server, username="duty", password="pw").send(MSG)
    assert outcome.status == "config"
    assert needle in outcome.detail and "明文" in outcome.detail
    assert server.messages == [] and server.auth_attempts == []  # no password in the clear


def test_stalling_server_is_transient_within_timeout(smtp_factory):
    server = smtp_factory(mode="stall")
    started = time.monotonic()
    outcome = mail_channel(server, timeout=1).send(MSG)
    assert time.monotonic() - started < 3
    assert outcome.status == "transient" and "无应答" in outcome.detail


def test_silence_after_the_message_went_out_is_ambiguous(smtp_factory):
    server = smtp_factory(tls="none", mode="stall_data")
    started = time.monotonic()
    outcome = mail_channel(server, security="none", timeout=1).send(MSG)
    assert time.monotonic() - started < 3
    assert outcome.status == "ambiguous" and "可能已送达" in outcome.detail


@pytest.mark.parametrize("fail_at,code,status", [
    ("rcpt", 451, "transient"), ("rcpt", 550, "config"),
    ("data", 451, "transient"), ("data", 554, "config"),
])
def test_smtp_reply_codes(smtp_factory, fail_at, code, status):
    server = smtp_factory(tls="starttls", fail_at=fail_at, fail_code=code)
    outcome = mail_channel(server).send(MSG)
    assert outcome.status == status, outcome
    assert str(code) in outcome.detail  # the server's reply is shown
    assert server.messages == []


def test_one_recipient_refused_still_sent_and_said(smtp_factory):
    server = smtp_factory(tls="starttls", fail_at="rcpt", fail_code=550,
                          fail_rcpt="gone@county.gov.cn")
    channel = mail_channel(server, recipients=["duty@county.gov.cn", "gone@county.gov.cn"])
    outcome = channel.send(MSG)
    assert outcome.status == "sent" and "gone@county.gov.cn" in outcome.detail
    assert server.messages[-1].rcpt_tos == ["duty@county.gov.cn"]


def test_wrong_password_is_config(smtp_factory):
    server = smtp_factory(tls="starttls", auth=("duty", "pw"))
    outcome = mail_channel(server, username="duty", password="nope").send(MSG)
    assert outcome.status == "config" and "密码" in outcome.detail


def test_mail_connection_refused_is_transient():
    channel = MailChannel(host="127.0.0.1", port=free_port(), sender="a@b.cn",
                          recipients=["c@d.cn"], timeout=2)
    assert channel.send(MSG).status == "transient"


def test_ssl_against_a_plain_port_is_config(smtp_factory):
    server = smtp_factory(tls="none")
    outcome = mail_channel(server, security="ssl", ssl_context=ssl.create_default_context()
                           ).send(MSG)
    assert outcome.status == "config" and "ssl" in outcome.detail
    assert server.messages == []


def test_message_id_is_deterministic_and_subject_round_trips(smtp_factory):
    server = smtp_factory(tls="starttls")
    subject = "【红色预警】某县“𠮷野家”门店食品安全事件 😷 持续发酵"
    message = Message(NOTICE, subject, f"# {NOTICE}\n\n正文 **重点**", f"{NOTICE}\n正文：镕喆",
                      attachments=(("事件清单.csv", "标题,链接\n测试,x\n".encode(), "text/csv"),))
    channel = mail_channel(server)
    assert channel.send(message).status == "sent"
    assert channel.send(message).status == "sent"  # a resend is recognisably the same mail
    first, second = (m.message for m in server.messages)
    assert first["Message-ID"] == second["Message-ID"] == f"<{NOTICE}@yuqing.local>"
    assert first["Date"]
    assert str(first["Subject"]) == f"【{NOTICE}】{subject}"
    assert first.get_body(("plain",)).get_content().rstrip("\n") == f"{NOTICE}\n正文：镕喆"
    parts = {p.get_filename(): p for p in first.iter_attachments()}
    assert parts[f"{NOTICE}.md"].get_content_type() == "text/markdown"
    assert parts[f"{NOTICE}.md"].get_payload(decode=True).decode() == message.markdown
    assert parts["事件清单.csv"].get_payload(decode=True) == message.attachments[0][1]
    # Each header value is one line when decoded.
    for value in first.values():
        assert "\n" not in unicodedata.normalize("NFC", str(value))


def test_build_message_is_pure_and_domain_configurable():
    channel = MailChannel(host="x", port=25, sender="a@b.cn", recipients=["c@d.cn"],
                          domain="yq.county.gov.cn")
    msg = channel.build_message(Message("YQ 2026/7", "s", "", "t"))
    assert msg["Message-ID"] == "<YQ-2026/7@yq.county.gov.cn>"
    assert json.dumps(str(msg["Subject"]), ensure_ascii=False) == '"【YQ 2026/7】s"'
