"""Delivery: one message in, one outcome out — office chat robots and e-mail.

No database and no scheduling here. The caller decides what to send and when; a channel
only delivers one `Message` and classifies what happened into an `Outcome`:

- ``sent``       the far end confirmed (robots: HTTP 2xx *and* errcode/code 0);
- ``transient``  try again later (timeouts before sending, 5xx, 4xx SMTP, rate limits —
                 `retry_after` says how long, DingTalk throttles for 10 minutes);
- ``config``     retrying cannot help (bad signature, keyword, key, recipient, password):
                 the Chinese `detail` says what the officer must fix;
- ``ambiguous``  the request went out and no answer came back: the message may or may
                 not have arrived; the caller does at most one guarded retry.

Secrets (robot keys and tokens, signing secrets, passwords) never appear in a `detail`
nor in a log line: everything shown passes through `redact`, and httpx's own request
log, which prints full URLs, is both silenced and scrubbed.

Facts about the robots (limits, signing, error codes) are in shared/ROBOTS.md.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import html
import json
import logging
import re
import smtplib
import ssl
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

import httpx

from yuqing.errors import ConfigError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MailChannel",
    "Message",
    "Outcome",
    "RobotChannel",
    "dingtalk_sign",
    "feishu_sign",
    "neutralise_links",
    "neutralise_mentions",
    "redact",
    "safe_header",
    "truncate_utf8",
]

log = logging.getLogger(__name__)

TRUNCATION_MARKER = "\n…（内容过长，已截断，完整内容见邮件或发件箱）"

# Byte limits on the content a robot accepts (UTF-8). DingTalk publishes none: 4000 is
# our guess, hence configurable.
DEFAULT_MAX_BYTES = {"wecom": 4096, "dingtalk": 4000, "feishu": 20000, "webhook": 64000}
ROBOT_NAMES = {"wecom": "企业微信机器人", "dingtalk": "钉钉机器人", "feishu": "飞书机器人",
               "webhook": "Webhook"}

DINGTALK_THROTTLE = 600.0  # DingTalk blocks a robot for 10 minutes after 130101
DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 24 * 3600.0
_RATE_CODES = frozenset({130101, 45009, 9499, 11232})
_MAX_REPLY_BYTES = 64 * 1024  # a robot's answer is a few dozen bytes


# --------------------------------------------------------------------------- values

@dataclass(frozen=True)
class Message:
    notice_no: str  # e.g. "YQ-2026-0042": shown in every message, makes the Message-ID
    subject: str  # one line
    markdown: str  # full body; robots get this, trimmed to their byte limit
    # Plain-text body for mail and text robots, or the function that makes it: a summary of
    # thousands of notices costs seconds to turn into text, and Markdown robots never ask.
    plain: str | Callable[[], str]
    attachments: tuple[tuple[str, bytes, str], ...] = ()  # (filename, data, mime), mail only

    @cached_property
    def text(self) -> str:
        return self.plain() if callable(self.plain) else self.plain


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent" | "transient" | "config" | "ambiguous"
    detail: str  # Chinese, one line, never a secret
    retry_after: float | None = None  # seconds, for rate limits

    @property
    def ok(self) -> bool:
        return self.status == "sent"


# --------------------------------------------------------------------------- signing

def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: URL-encoded base64(HMAC-SHA256(key=secret, msg="{ts}\\n{secret}"))."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: base64(HMAC-SHA256(key="{ts}\\n{secret}", msg=b"")), not URL-encoded.

    The mirror image of DingTalk's: the string is the key and the message is empty.
    """
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


# --------------------------------------------------------------------------- text safety

_AT_TAG = re.compile(r"<\s*/?\s*at\b[^>]{0,500}>", re.IGNORECASE)  # Feishu <at user_id="all">
_LT_AT = re.compile(r"<(\s*)[@＠]")  # WeCom <@userid>
_AT_EVERYONE = re.compile(
    r"@(?=\s*(?:all\b|所有人|全体成员|全体|everyone\b|here\b|channel\b))", re.IGNORECASE)
_AT_PHONE = re.compile(r"@(?=\s*(?:\+?(?:00)?86[-\s]?)?1\d{10}(?!\d))")  # DingTalk @138…
# Any other @ standing where a mention would (not inside an e-mail address or a URL).
_AT_LEAD = re.compile(r"(?<![\w.+\-/:%=&?#])@(?=[^\s@])")
_FULLWIDTH_AT = "＠"


def neutralise_mentions(text: str) -> str:
    """Make every mention syntax in scraped text inert.

    Feishu `<at …>…</at>` tags are stripped to their inner text, WeCom `<@id>` and every
    `@all`/`@所有人`/`@138…` become full-width (＠), which no robot parses as a mention.
    """
    text = _AT_TAG.sub("", text)
    text = _LT_AT.sub(lambda m: "＜" + m.group(1) + _FULLWIDTH_AT, text)
    text = _AT_EVERYONE.sub(_FULLWIDTH_AT, text)
    text = _AT_PHONE.sub(_FULLWIDTH_AT, text)
    return _AT_LEAD.sub(_FULLWIDTH_AT, text)


# `](target`: the target may hold one level of balanced parentheses, as in alert(1).
_MD_INLINE = re.compile(r"(\]\(\s*)(<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)")
_MD_REF_DEF = re.compile(r"^( {0,3}\[[^\]\n]{1,999}\]:[ \t]*)(\S+)", re.MULTILINE)
_SCRIPT_SCHEME = re.compile(r"(java|vb|live)(\s*)script(\s*):", re.IGNORECASE)
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_BLOCKED_TARGET = "#链接已屏蔽"
# `<` starting an HTML tag becomes full-width, except the few tags the robots' Markdown
# uses for layout (WeCom colours text with <font color="warning">).
_HTML_OPEN = re.compile(
    r"<(?!(?:font(?:\s+color\s*=\s*\"?[#\w]+\"?)?|/font|br\s*/?)>)(?=[A-Za-z!/?])",
    re.IGNORECASE)


def _unsafe_target(target: str) -> bool:
    norm = html.unescape(unquote(target))
    norm = "".join(ch for ch in norm if not (ch.isspace() or unicodedata.category(ch)[0] == "C"))
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", norm)
    return bool(m) and m.group(1).lower() not in _SAFE_SCHEMES


def neutralise_links(text: str) -> str:
    """Defuse Markdown links whose target is not http(s)/mailto, and raw HTML tags.

    `[点我](javascript:…)` keeps its label but points nowhere; a bare `javascript:` gets a
    full-width colon; `<script>` and other tags become `＜script>` and render as text.
    """
    text = _MD_INLINE.sub(
        lambda m: m.group(1) + (_BLOCKED_TARGET if _unsafe_target(m.group(2).strip("<>"))
                                else m.group(2)),
        text)
    text = _MD_REF_DEF.sub(
        lambda m: m.group(1) + (_BLOCKED_TARGET if _unsafe_target(m.group(2)) else m.group(2)),
        text)
    text = _SCRIPT_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}script{m.group(3)}：", text)
    return _HTML_OPEN.sub("＜", text)


def _clean_unicode(text: str) -> str:
    """Lone surrogates (from broken scraped JSON) cannot be encoded: make them U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85\v\f]+")


def safe_header(text: str) -> str:
    """One header line: line breaks become spaces, other control characters vanish."""
    text = _clean_unicode(text)
    text = _LINE_BREAKS.sub(" ", text)
    text = "".join(ch for ch in text if ch == "\t" or unicodedata.category(ch) != "Cc")
    return re.sub(r"[ \t]{2,}", " ", text.replace("\t", " ")).strip()


def _extends_previous(ch: str) -> bool:
    """Characters that belong to the grapheme before them (never start a cut)."""
    cp = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or cp == 0x200D  # zero-width joiner
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences
        or 0xE0100 <= cp <= 0xE01EF  # variation selectors supplement
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _cut_index(text: str, budget: int) -> int:
    """Most characters of `text` whose UTF-8 fits `budget`, backed off to a grapheme edge."""
    used = 0
    i = 0
    for i, ch in enumerate(text):  # noqa: B007 - i is used after the loop
        n = len(ch.encode("utf-8", "surrogatepass"))
        if used + n > budget:
            break
        used += n
    else:
        return len(text)
    while i > 0 and (_extends_previous(text[i]) or text[i - 1] == "\u200d"
                     or (text[i - 1] == "\r" and text[i] == "\n")):
        i -= 1
    if i > 0 and _is_regional(text[i]):
        run = 0
        while i - run - 1 >= 0 and _is_regional(text[i - run - 1]):
            run += 1
        if run % 2 == 1:  # the flag's first half is before the cut, its second after
            i -= 1
    return i


def truncate_utf8(text: str, max_bytes: int, marker: str = TRUNCATION_MARKER) -> str:
    """`text` cut to at most `max_bytes` of UTF-8, marker included, never inside a character.

    Neither a code point nor a combining sequence, ZWJ emoji, flag or CRLF is split.
    """
    if len(text.encode("utf-8", "surrogatepass")) <= max_bytes:
        return text
    marker_bytes = len(marker.encode("utf-8"))
    if marker_bytes > max_bytes:
        marker, marker_bytes = "", 0
    head = text[:_cut_index(text, max_bytes - marker_bytes)]
    return head.rstrip(" \t") + marker if marker else head


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Every occurrence of a secret (and its URL-encoded forms) replaced with ***."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.update({secret, quote(secret, safe=""), quote_plus(secret), unquote(secret)})
    for form in sorted((f for f in forms if f), key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _one_line(text: str, limit: int = 300) -> str:
    line = safe_header(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _url_secrets(url: str) -> list[str]:
    """Parts of a robot URL that are credentials: the query, its values, long path segments."""
    parts = urlsplit(url)
    found = []
    if parts.query:
        found.append(parts.query)
        found.extend(v for _, v in parse_qsl(parts.query, keep_blank_values=True) if len(v) >= 4)
    if parts.username or parts.password:
        found.extend(p for p in (parts.username, parts.password) if p)
    # Feishu puts its token in the path; generic webhooks often do too.
    found.extend(seg for seg in parts.path.split("/") if len(seg) >= 16)
    return found


class _ScrubURLs(logging.Filter):
    """httpx logs full request URLs (keys in the query, Feishu tokens in the path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_origin(a) if isinstance(a, httpx.URL) else a
                                for a in record.args)
        return True


def _origin(url: httpx.URL | str) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}/…"


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)
if not any(isinstance(f, _ScrubURLs) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_ScrubURLs())


# --------------------------------------------------------------------------- robots

_KINDS = frozenset(DEFAULT_MAX_BYTES)


class RobotChannel:
    """A WeCom / DingTalk / Feishu group robot, or a generic JSON webhook."""

    def __init__(self, *, kind: str, url: str, secret: str | None = None,
                 keyword: str | None = None, max_bytes: int | None = None,
                 timeout: float = 10.0, clock: Callable[[], float] = time.time,
                 client: httpx.Client | None = None):
        if kind not in _KINDS:
            raise ConfigError(f"未知的机器人类型「{kind}」：可选 wecom、dingtalk、feishu、webhook")
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{ROBOT_NAMES[kind]}地址无效：须是 https:// 开头的 Webhook 地址（地址内容不显示，因其含密钥）")
        self.kind = kind
        self.url = url.strip()
        self.secret = secret.strip() if secret and secret.strip() else None
        self.keyword = keyword.strip() if keyword and keyword.strip() else None
        self.max_bytes = max_bytes or DEFAULT_MAX_BYTES[kind]
        self.timeout = timeout
        self.clock = clock
        self._client = client
        self.name = ROBOT_NAMES[kind]
        self.host = parts.hostname

    # ---- building (pure)

    def build_request(self, message: Message) -> tuple[str, dict]:
        """(final URL, JSON payload) exactly as `send` would post them."""
        if self.kind == "wecom":
            content = self._compose(message, self.max_bytes)
            return self.url, {"msgtype": "markdown", "markdown": {"content": content}}
        if self.kind == "dingtalk":
            content = self._compose(message, self.max_bytes)
            title = truncate_utf8(self._title(message), 256, marker="…")
            payload = {"msgtype": "markdown", "markdown": {"title": title, "text": content},
                       "at": {"isAtAll": False, "atMobiles": []}}
            return self._dingtalk_url(), payload
        if self.kind == "feishu":
            return self.url, self._feishu_payload(message)
        budget = self.max_bytes // 2
        return self.url, {
            "notice_no": message.notice_no,
            "subject": self._title(message),
            "markdown": self._compose(message, budget),
            "text": truncate_utf8(
                neutralise_links(neutralise_mentions(_clean_unicode(message.text))), budget),
        }

    def _title(self, message: Message) -> str:
        return safe_header(neutralise_links(neutralise_mentions(message.subject)))

    def _compose(self, message: Message, budget: int, *, plain: bool = False) -> str:
        """The body: sanitised, carrying the notice number and keyword, within `budget`.
        `plain` for robots that show text, not Markdown (Feishu text messages)."""
        body = neutralise_links(neutralise_mentions(_clean_unicode(message.text if plain else message.markdown)))
        wanted = [w for w in (self.keyword, message.notice_no) if w]

        def prefix(present: str) -> str:
            missing = [w for w in wanted if w not in present]
            if not missing:
                return ""
            if self.keyword in missing:
                missing[missing.index(self.keyword)] = f"【{self.keyword}】"
            return " ".join(missing) + "\n\n"

        if len(body.encode("utf-8")) <= budget and not prefix(body):
            return body
        reserve = len(prefix("").encode("utf-8"))
        cut = truncate_utf8(body, max(budget - reserve, 0))
        return prefix(cut) + cut

    def _feishu_payload(self, message: Message) -> dict:
        def payload(text: str) -> dict:
            data: dict = {}
            if self.secret:
                ts = int(self.clock())
                data = {"timestamp": str(ts), "sign": feishu_sign(self.secret, ts)}
            data.update({"msg_type": "text", "content": {"text": text}})
            return data

        # The 20 KB limit is on the whole body, JSON escaping included: shrink until it fits.
        budget = self.max_bytes - len(_dumps(payload("")))
        for _ in range(8):
            candidate = payload(self._compose(message, max(budget, 0), plain=True))
            excess = len(_dumps(candidate)) - self.max_bytes
            if excess <= 0:
                return candidate
            budget -= excess
        return candidate

    def _dingtalk_url(self) -> str:
        if not self.secret:
            return self.url
        ts = int(self.clock() * 1000)
        parts = urlsplit(self.url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k not in ("timestamp", "sign")]
        base = urlencode(query)
        # The sign is already URL-encoded: append it as is, not through urlencode again.
        signed = f"{base}{'&' if base else ''}timestamp={ts}&sign={dingtalk_sign(self.secret, ts)}"
        return urlunsplit(parts._replace(query=signed))

    # ---- sending

    def send(self, message: Message) -> Outcome:
        url, payload = self.build_request(message)
        secrets = [self.secret, *_url_secrets(self.url), *_url_secrets(url)]
        outcome = self._post(url, _dumps(payload))
        outcome = Outcome(outcome.status, _one_line(redact(outcome.detail, secrets)),
                          outcome.retry_after)
        log.debug("%s %s 发送 %s：%s %s", self.name, self.host, message.notice_no,
                  outcome.status, outcome.detail)
        return outcome

    def _post(self, url: str, body: bytes) -> Outcome:
        headers = {"content-type": "application/json; charset=utf-8",
                   "accept-encoding": "identity"}
        deadline = time.monotonic() + 2 * self.timeout
        client = self._client or httpx.Client(
            timeout=httpx.Timeout(self.timeout), follow_redirects=False, verify=_tls_context(),
            # One connection per message: a stale keep-alive connection would look like
            # "sent, no answer" (ambiguous) instead of a plain retryable failure.
            limits=httpx.Limits(max_keepalive_connections=0))
        try:
            with client.stream("POST", url, content=body, headers=headers) as response:
                raw = bytearray()
                for chunk in response.iter_raw():
                    raw.extend(chunk)
                    if len(raw) > _MAX_REPLY_BYTES:
                        break
                    if time.monotonic() > deadline:
                        return Outcome("ambiguous", f"{self.name}应答过慢，已放弃等待：消息可能已送达")
                return self._classify(response.status_code, response.headers, bytes(raw))
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            return Outcome("transient", f"连接{self.name}（{self.host}）超时：{self.timeout:g} 秒内未连上")
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                return Outcome("config", f"{self.name}（{self.host}）的 HTTPS 证书校验失败：请检查地址或本机证书")
            return Outcome("transient", f"无法连接{self.name}（{self.host}）：{_net_reason(exc)}")
        except (httpx.WriteTimeout, httpx.WriteError) as exc:
            # The body did not get out whole: the robot cannot have acted on it.
            return Outcome("transient", f"向{self.name}（{self.host}）发送中断：{exc or '写超时'}")
        except httpx.ReadTimeout:
            return Outcome("ambiguous", f"{self.name}（{self.host}）{self.timeout:g} 秒内没有应答：消息可能已送达")
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            return Outcome("ambiguous", f"{self.name}（{self.host}）未应答就断开了连接：消息可能已送达（{_net_reason(exc)}）")
        except httpx.TimeoutException:
            return Outcome("ambiguous", f"{self.name}（{self.host}）应答超时：消息可能已送达")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            return Outcome("config", f"{self.name}地址无效：请检查配置")
        except httpx.HTTPError as exc:
            return Outcome("transient", f"{self.name}（{self.host}）请求失败：{type(exc).__name__} {exc}")
        finally:
            if self._client is None:
                client.close()

    def _classify(self, status: int, headers: httpx.Headers, raw: bytes) -> Outcome:
        name = self.name
        data = _json_object(raw)
        code, msg = _code_and_message(data)
        said = f"（HTTP {status}" + (f"，错误码 {code}" if code is not None else "") + (
            f"：{safe_header(msg)}）" if msg else "）")  # shortened only after redaction

        if self.kind == "webhook":
            if 200 <= status < 300:
                return Outcome("sent", f"{name}已接收（HTTP {status}）")
            if status == 429:
                return Outcome("transient", f"{name}限流{said}", _retry_after(headers))
            if status >= 500 or status == 408:
                return Outcome("transient", f"{name}服务器暂时出错{said}")
            return Outcome("config", f"{name}拒绝了消息{said}：请检查地址和接收端配置")

        if status == 429 or (code in _RATE_CODES and _is_rate_limit(code, msg)):
            wait = DINGTALK_THROTTLE if self.kind == "dingtalk" else _retry_after(headers)
            return Outcome("transient", f"{name}发送过于频繁，被限流 {wait:g} 秒{said}", wait)
        if 200 <= status < 300 and code == 0:
            return Outcome("sent", f"{name}已接收")
        if status >= 500:
            return Outcome("transient", f"{name}服务器暂时出错{said}")
        explanation = self._explain(status, code, msg)
        if explanation:
            return Outcome("config", f"{explanation}{said}")
        if code is None:
            if 200 <= status < 300:
                return Outcome("config", f"应答不是{name}的格式{said}：请检查地址是否为机器人 Webhook")
            return Outcome("config", f"{name}拒绝了请求{said}：请检查机器人地址和安全设置")
        return Outcome("config", f"{name}拒绝了消息{said}：请检查机器人配置")

    def _explain(self, status: int, code: int | None, msg: str) -> str | None:
        low = msg.lower()
        if self.kind == "dingtalk":
            if code == 310000:
                if "keyword" in low:
                    return ("钉钉机器人自定义关键词不匹配：请把机器人安全设置中的关键词"
                            "填入配置 keyword")
                if "ip" in low and ("whitelist" in low or "白名单" in low):
                    return "钉钉机器人 IP 白名单不含本机出口地址：请在机器人安全设置中添加"
                if "timestamp" in low:
                    return "钉钉拒绝了时间戳：本机时间与标准时间相差超过 1 小时，请校准时间"
                return "钉钉机器人加签校验失败：请检查 secret 和本机时间"
            if code in (300001, 400101, 400102, 300005):
                return ("钉钉机器人 access_token 无效或机器人已停用："
                        "请重新复制机器人 Webhook 地址")
        if self.kind == "feishu":
            if code == 19021:
                return "飞书机器人签名校验失败：请检查 secret 和本机时间（须在 1 小时内）"
            if code == 19024:
                return "飞书机器人自定义关键词不匹配：请把机器人安全设置中的关键词填入配置 keyword"
            if code == 19022:
                return "飞书机器人 IP 白名单不含本机出口地址：请在机器人安全设置中添加"
            if code in (19001, 19002) and "token" in low:
                return "飞书机器人地址中的 token 无效：机器人可能已被删除，请重新复制 Webhook 地址"
        if self.kind == "wecom" and code in (93000, 40014, 40013, 93004):
            return ("企业微信机器人 key 无效：机器人可能已被移出群聊或删除，"
                    "请重新复制 Webhook 地址")
        if status == 404:
            return f"{self.name}地址不存在（404）：请检查机器人 Webhook 地址"
        if status in (401, 403):
            return f"{self.name}拒绝访问：请检查机器人地址和安全设置"
        return None


_TLS_CONTEXT: ssl.SSLContext | None = None
_TLS_LOCK = threading.Lock()


def _tls_context() -> ssl.SSLContext:
    """One verifying context for all robot requests: building one costs ~50 ms."""
    global _TLS_CONTEXT
    with _TLS_LOCK:
        if _TLS_CONTEXT is None:
            try:
                import certifi  # what httpx itself trusts by default

                _TLS_CONTEXT = ssl.create_default_context(cafile=certifi.where())
            except ImportError:
                _TLS_CONTEXT = ssl.create_default_context()
        return _TLS_CONTEXT


def _net_reason(exc: BaseException) -> str:
    text = str(exc)
    low = text.lower()
    for needle, reason in (
        ("refused", "连接被拒绝（服务未开启或端口不对）"),
        ("name or service not known", "域名无法解析"),
        ("nodename nor servname", "域名无法解析"),
        ("temporary failure in name resolution", "域名暂时无法解析"),
        ("network is unreachable", "网络不可达"),
        ("no route to host", "网络不可达"),
        ("reset by peer", "连接被对方重置"),
        ("without sending a response", "对方未应答即断开"),
    ):
        if needle in low:
            return reason
    return text or type(exc).__name__


def _dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_object(raw: bytes) -> dict:
    try:
        data = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _code_and_message(data: dict) -> tuple[int | None, str]:
    code = None
    for key in ("errcode", "code", "StatusCode"):
        value = data.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit()):
            code = int(value)
            break
    msg = next((str(data[k]) for k in ("errmsg", "msg", "StatusMessage") if data.get(k)), "")
    return code, msg


def _is_rate_limit(code: int | None, msg: str) -> bool:
    # Feishu's 9499 is a catch-all "Bad Request" code; only "too many request" is a limit.
    if code == 9499:
        low = msg.lower()
        return not low or any(w in low for w in ("too many", "rate", "limit", "frequen"))
    return True


def _retry_after(headers: httpx.Headers) -> float:
    value = headers.get("retry-after", "").strip()
    if value:
        try:
            seconds = float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value) if _looks_like_date(value) else None
            seconds = when.timestamp() - time.time() if when else DEFAULT_RETRY_AFTER
        if seconds == seconds:  # not NaN
            return min(max(seconds, 1.0), MAX_RETRY_AFTER)
    return DEFAULT_RETRY_AFTER


def _looks_like_date(value: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value) is not None
    except (TypeError, ValueError, IndexError):
        return False


# --------------------------------------------------------------------------- mail

_ATOM = re.compile(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]")


class _SentTracker:
    """Notices when the end of DATA went out, after which silence is ambiguous."""

    body_sent = False

    def send(self, s):  # type: ignore[no-untyped-def]
        super().send(s)  # type: ignore[misc]
        if isinstance(s, bytes | bytearray) and bytes(s).endswith(b"\r\n.\r\n"):
            self.body_sent = True


class _SMTP(_SentTracker, smtplib.SMTP):
    pass


class _SMTPS(_SentTracker, smtplib.SMTP_SSL):
    pass


class MailChannel:
    """E-mail over SMTP: STARTTLS (never falling back to plaintext), SMTPS or plain."""

    def __init__(self, *, host: str, port: int, security: str = "starttls",
                 username: str | None = None, password: str | None = None, sender: str,
                 recipients: list[str], timeout: float = 20.0,
                 ssl_context: ssl.SSLContext | None = None, domain: str = "yuqing.local",
                 attach_markdown: bool = True):
        if security not in ("starttls", "ssl", "none"):
            raise ConfigError(f"邮件加密方式「{security}」无效：可选 starttls、ssl、none")
        if not recipients:
            raise ConfigError("邮件通道没有收件人：请在配置中填写 recipients")
        for addr in (sender, *recipients):
            if safe_header(addr) != addr.strip() or "@" not in addr:
                raise ConfigError(f"邮件地址无效：{safe_header(addr)!r}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.sender = sender.strip()
        self.recipients = [r.strip() for r in recipients]
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.domain = domain
        self.attach_markdown = attach_markdown

    def build_message(self, message: Message) -> EmailMessage:
        """The e-mail as it will be sent (pure)."""
        msg = EmailMessage()
        subject = safe_header(message.subject)
        if message.notice_no not in subject:
            subject = f"【{safe_header(message.notice_no)}】{subject}"
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = email.utils.formatdate(localtime=True)
        msg["Message-ID"] = self.message_id(message.notice_no)
        text = _clean_unicode(message.text)
        if message.notice_no not in text:
            text = f"通报编号：{message.notice_no}\n\n{text}"
        msg.set_content(text, charset="utf-8")
        if self.attach_markdown and message.markdown.strip() and message.markdown != message.text:
            msg.add_attachment(_clean_unicode(message.markdown).encode("utf-8"),
                               maintype="text", subtype="markdown",
                               filename=f"{_ATOM.sub('-', message.notice_no)}.md")
        for filename, data, mime in message.attachments:
            maintype, _, subtype = (mime or "application/octet-stream").partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=safe_header(filename))
        return msg

    def message_id(self, notice_no: str) -> str:
        """Deterministic: a resent notice is recognisably the same mail."""
        return f"<{_ATOM.sub('-', notice_no)}@{_ATOM.sub('-', self.domain)}>"

    def send(self, message: Message) -> Outcome:
        outcome = self._deliver(self.build_message(message))
        secrets = [self.password]
        outcome = Outcome(outcome.status, _one_line(redact(outcome.detail, secrets)),
                          outcome.retry_after)
        log.debug("邮件 %s:%s 发送 %s：%s %s", self.host, self.port, message.notice_no,
                  outcome.status, outcome.detail)
        return outcome

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _deliver(self, msg: EmailMessage) -> Outcome:
        where = f"{self.host}:{self.port}"
        smtp: _SMTP | _SMTPS | None = None
        try:
            if self.security == "ssl":
                smtp = _SMTPS(self.host, self.port, local_hostname=self.domain,
                              timeout=self.timeout, context=self._context())
            else:
                smtp = _SMTP(self.host, self.port, local_hostname=self.domain,
                             timeout=self.timeout)
            smtp.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                if not smtp.has_extn("starttls"):
                    return Outcome("config", f"邮件服务器 {where} 不支持 STARTTLS 加密：为保护密码不会改用明文发送，"
                                             "请改用 SSL 端口（通常 465）或确认服务器设置")
                code, reply = smtp.docmd("STARTTLS")
                if code != 220:
                    return Outcome("config", f"邮件服务器 {where} 拒绝 STARTTLS（{code} {_reply(reply)}）："
                                             "不会改用明文发送，请改用 SSL 端口或联系邮件管理员")
                smtp.sock = self._context().wrap_socket(smtp.sock, server_hostname=self.host)
                smtp.file = None
                smtp.helo_resp = smtp.ehlo_resp = None
                smtp.esmtp_features = {}
                smtp.does_esmtp = False
                smtp.ehlo_or_helo_if_needed()
            if self.username:
                smtp.login(self.username, self.password or "")
            refused = smtp.send_message(msg, from_addr=self.sender, to_addrs=self.recipients)
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome("config", f"邮件服务器 {where} 拒绝登录（{exc.smtp_code} {_reply(exc.smtp_error)}）："
                                     "请检查用户名和密码（授权码）")
        except smtplib.SMTPNotSupportedError as exc:
            return Outcome("config", f"邮件服务器 {where} 不支持所需功能：{exc}")
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            text = "；".join(f"{addr} {c} {_reply(r)}" for addr, (c, r) in exc.recipients.items())
            if codes and all(400 <= c < 500 for c in codes):
                return Outcome("transient", f"邮件服务器暂时拒收：{text}")
            return Outcome("config", f"邮件服务器拒绝收件人：{text}：请检查收件地址")
        except smtplib.SMTPResponseException as exc:
            return self._by_code(exc.smtp_code, exc.smtp_error, where)
        except smtplib.SMTPServerDisconnected as exc:
            if smtp is not None and smtp.body_sent:
                why = "超时" if "timed out" in str(exc) else "连接断开"
                return Outcome("ambiguous", f"邮件已发出但服务器 {where} 未确认（{why}）：可能已送达")
            if "timed out" in str(exc):
                return self._silent(where)
            return Outcome("transient", f"邮件服务器 {where} 断开了连接：{exc or '无应答'}")
        except ssl.SSLCertVerificationError as exc:
            return Outcome("config", f"邮件服务器 {where} 的证书校验失败（{exc.verify_message}）："
                                     "请检查服务器地址或证书")
        except ssl.SSLError as exc:
            return Outcome("config", f"与邮件服务器 {where} 建立加密连接失败（{exc.reason or exc}）："
                                     "请检查端口与加密方式是否匹配（465 用 ssl，587/25 用 starttls）")
        except TimeoutError:
            if smtp is not None and smtp.body_sent:
                return Outcome("ambiguous", f"邮件已发出但服务器 {where} {self.timeout:g} 秒内未确认：可能已送达")
            return self._silent(where)
        except smtplib.SMTPException as exc:
            return Outcome("transient", f"邮件发送失败（{where}）：{exc}")
        except OSError as exc:
            if smtp is not None and smtp.body_sent:
                return Outcome("ambiguous", f"邮件已发出但与 {where} 的连接出错：可能已送达（{_net_reason(exc)}）")
            return Outcome("transient", f"无法连接邮件服务器 {where}：{_net_reason(exc)}")
        finally:
            if smtp is not None:
                _close(smtp)
        if refused:
            text = "；".join(f"{addr} {c} {_reply(r)}" for addr, (c, r) in refused.items())
            return Outcome("sent", f"邮件已发出，但部分收件人被拒：{text}")
        return Outcome("sent", f"邮件已发出（{len(self.recipients)} 位收件人）")

    def _silent(self, where: str) -> Outcome:
        if self.port == 465 and self.security != "ssl":
            # An SMTPS port waits for a TLS hello while we wait for its greeting.
            return Outcome("config", f"邮件服务器 {where} 无应答：465 端口通常是 SSL 直连，"
                                     "请把加密方式设为 ssl")
        return Outcome("transient", f"邮件服务器 {where} {self.timeout:g} 秒内无应答")

    def _by_code(self, code: int, reply: bytes | str, where: str) -> Outcome:
        if 400 <= code < 500:
            return Outcome("transient", f"邮件服务器 {where} 暂时拒绝（{code} {_reply(reply)}）")
        if 500 <= code < 600:
            return Outcome("config", f"邮件服务器 {where} 拒绝（{code} {_reply(reply)}）：请检查发件人、收件人和账号设置")
        return Outcome("transient", f"邮件服务器 {where} 应答异常（{code} {_reply(reply)}）")


def _reply(reply: bytes | str) -> str:
    # Not shortened here: a cut secret would escape redaction. `send` shortens after it.
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return safe_header(reply)


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely when the connection still works; never raise."""
    try:
        if smtp.sock is not None:
            smtp.sock.settimeout(min(smtp.timeout or 5.0, 5.0))
            smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()
