"""A loopback stand-in for the WeCom, DingTalk and Feishu robots and a generic webhook.

It plays each vendor as shared/ROBOTS.md describes it: same paths, same success and
error bodies, signatures verified with the documented formulas and a ±1 h window,
keywords checked, per-robot limits enforced per sliding minute, byte limits enforced.
Every request is recorded, with what the recorder found wrong with it.

    rec = RobotRecorder()
    rec.start()
    url = rec.add_dingtalk("TOKEN", secret="SEC…", keywords=["舆情"])
    rec.fail_next(1, "hang")           # or "500", "close", ("errcode", code=130101), …
    ...                                 # send to url
    rec.requests[-1].payload, rec.requests[-1].problems
    rec.stop()

It runs `http.server.ThreadingHTTPServer` in a thread, so synchronous code and the CLI
in-process can both talk to it. The recorder's clock is injectable (`clock=`) and is
used for the signature window and the rate windows alike.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SKEW_LIMIT = 3600.0  # both vendors accept a timestamp within one hour
WECOM_PER_MIN = 20
DINGTALK_PER_MIN = 20
DINGTALK_THROTTLE = 600.0
FEISHU_PER_MIN = 100
FEISHU_PER_SEC = 5
WECOM_MARKDOWN_BYTES = 4096
WECOM_TEXT_BYTES = 2048
FEISHU_BODY_BYTES = 20 * 1024

# Error bodies as the vendors send them (messages from their docs and issue threads).
MESSAGES = {
    130101: "send too fast, exceed 20 times per minute",
    45009: "api freq out of limit",
    9499: "too many request",
    11232: "frequency limited psm[lark.oapi.robot]",
    19021: "sign match fail or timestamp is not within one hour from current time",
    19024: "Key Words Not Found",
    19001: "param invalid: incoming webhook access token invalid",
    19002: "params error",
    310000: "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
    300001: "token is not exist",
    40035: "缺少参数 json",
    93000: "invalid webhook url, hint: [1700000000_1_abcdef], from ip: 127.0.0.1",
    40058: "markdown.content exceed max length 4096",
    44004: "empty content",
    40008: "invalid message type",
}


@dataclass
class RecordedRequest:
    kind: str  # "wecom" | "dingtalk" | "feishu" | "webhook" | "unknown"
    robot: str | None  # key / token / webhook name
    method: str
    path: str  # with the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    payload: dict | None  # the parsed JSON body
    received_at: float  # recorder clock
    status: int | None = None  # HTTP status answered (None: hung or closed)
    response: dict | None = None  # JSON answered
    fault: str | None = None  # the scripted fault that answered, if any
    problems: list[str] = field(default_factory=list)  # what the recorder objected to
    mentions: list[str] = field(default_factory=list)  # live mention syntax found

    @property
    def accepted(self) -> bool:
        return self.status == 200 and self.fault is None and not self.problems

    def content(self) -> str:
        """The human-visible text of the message, whatever the robot kind."""
        p = self.payload or {}
        if self.kind == "wecom":
            return str((p.get(p.get("msgtype", "markdown")) or {}).get("content", ""))
        if self.kind == "dingtalk":
            part = p.get(p.get("msgtype", "markdown")) or {}
            return str(part.get("text") or part.get("content") or "")
        if self.kind == "feishu":
            return str((p.get("content") or {}).get("text", ""))
        return str(p.get("markdown", ""))


@dataclass
class Robot:
    kind: str
    ident: str
    secret: str | None = None
    keywords: tuple[str, ...] = ()
    sent: collections.deque = field(default_factory=collections.deque)  # accepted times
    throttled_until: float = 0.0


@dataclass
class Fault:
    action: str  # "status" | "hang" | "close" | "errcode"
    remaining: int
    status: int = 500
    code: int | None = None
    msg: str | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    robot: str | None = None  # only requests to this robot


class RobotRecorder:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 clock: Callable[[], float] = time.time, hang_seconds: float = 30.0):
        self.host = host
        self.port = port
        self.clock = clock
        self.hang_seconds = hang_seconds
        self.requests: list[RecordedRequest] = []
        self.robots: dict[tuple[str, str], Robot] = {}
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> RobotRecorder:
        recorder = self

        class Handler(_Handler):
            pass

        Handler.recorder = recorder
        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, name="robot-recorder",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> RobotRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ robots

    def add_wecom(self, key: str) -> str:
        self.robots[("wecom", key)] = Robot("wecom", key)
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def add_dingtalk(self, token: str, *, secret: str | None = None,
                     keywords: tuple[str, ...] | list[str] = ()) -> str:
        self.robots[("dingtalk", token)] = Robot("dingtalk", token, secret, tuple(keywords))
        return f"{self.base}/robot/send?access_token={token}"

    def add_feishu(self, token: str, *, secret: str | None = None,
                   keywords: tuple[str, ...] | list[str] = ()) -> str:
        self.robots[("feishu", token)] = Robot("feishu", token, secret, tuple(keywords))
        return f"{self.base}/open-apis/bot/v2/hook/{token}"

    def add_webhook(self, name: str) -> str:
        self.robots[("webhook", name)] = Robot("webhook", name)
        return f"{self.base}/hook/{name}"

    # ------------------------------------------------------------------ faults

    def fail_next(self, n: int = 1, action: str = "500", *, code: int | None = None,
                  status: int | None = None, msg: str | None = None, body: bytes | None = None,
                  headers: dict[str, str] | None = None, robot: str | None = None) -> None:
        """The next `n` requests (to `robot`, if given) get a fault instead of an answer.

        action: "500" (or any "NNN": that HTTP status), "hang" (read the request, never
        answer), "close" (read the request, close the connection without answering),
        "reset" (same, with a TCP RST), "errcode" (the vendor's JSON error body with
        `code`, HTTP 200 unless `status` says otherwise).
        """
        if action.isdigit():
            fault = Fault("status", n, status=int(action), body=body, headers=headers or {},
                          robot=robot)
        elif action in ("hang", "close", "reset"):
            fault = Fault(action, n, robot=robot)
        elif action == "errcode":
            if code is None:
                raise ValueError("errcode fault needs code=")
            fault = Fault("errcode", n, status=status or 200, code=code, msg=msg,
                          headers=headers or {}, robot=robot)
        else:
            raise ValueError(f"unknown fault {action!r}")
        with self.lock:
            self.faults.append(fault)

    def _take_fault(self, robot: str | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.robot is None or fault.robot == robot:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------------ queries

    def for_robot(self, ident: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.robot == ident]

    def accepted(self, ident: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.accepted and (ident is None or r.robot == ident)]

    # ------------------------------------------------------------------ judging

    def judge(self, req: RecordedRequest) -> tuple[int, dict]:
        """The vendor's answer to a request that met no scripted fault."""
        robot = self.robots.get((req.kind, req.robot or ""))
        judge = getattr(self, f"_judge_{req.kind}", None)
        if judge is None:
            req.problems.append("unknown path")
            return 404, {"error": "not found"}
        return judge(req, robot)

    def _error(self, req: RecordedRequest, problem: str, status: int, key: str, code: int,
               msg: str | None = None) -> tuple[int, dict]:
        req.problems.append(problem)
        if key == "errcode":
            return status, {"errcode": code, "errmsg": msg or MESSAGES.get(code, "error")}
        return status, {"code": code, "msg": msg or MESSAGES.get(code, "error"), "data": {}}

    def _judge_wecom(self, req: RecordedRequest, robot: Robot | None) -> tuple[int, dict]:
        if robot is None:
            return self._error(req, "invalid key", 200, "errcode", 93000)
        p = req.payload
        if p is None:
            return self._error(req, "body is not JSON", 200, "errcode", 40035)
        msgtype = p.get("msgtype")
        if msgtype not in ("text", "markdown"):
            return self._error(req, f"msgtype {msgtype!r}", 200, "errcode", 40008)
        content = (p.get(msgtype) or {}).get("content")
        if not isinstance(content, str) or not content:
            return self._error(req, "empty content", 200, "errcode", 44004)
        limit = WECOM_MARKDOWN_BYTES if msgtype == "markdown" else WECOM_TEXT_BYTES
        size = len(content.encode("utf-8"))
        if size > limit:
            return self._error(req, f"content {size} bytes > {limit}", 200, "errcode", 40058,
                               f"{msgtype}.content exceed max length {limit}")
        for key in ("mentioned_list", "mentioned_mobile_list"):
            if (p.get(msgtype) or {}).get(key):
                req.mentions.append(key)
        self._find_mentions(req, content)
        if not self._within_window(robot, req.received_at, WECOM_PER_MIN):
            return self._error(req, "rate limit", 200, "errcode", 45009)
        robot.sent.append(req.received_at)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _judge_dingtalk(self, req: RecordedRequest, robot: Robot | None) -> tuple[int, dict]:
        if robot is None:
            return self._error(req, "invalid token", 200, "errcode", 300001)
        if robot.secret:
            ts, sign = req.query.get("timestamp", ""), req.query.get("sign", "")
            if not ts.isdigit():
                return self._error(req, "missing timestamp", 200, "errcode", 310000,
                                   "invalid timestamp")
            if abs(int(ts) / 1000 - req.received_at) > SKEW_LIMIT:
                return self._error(req, "timestamp skew", 200, "errcode", 310000,
                                   "invalid timestamp")
            string_to_sign = f"{ts}\n{robot.secret}".encode()
            want = base64.b64encode(hmac.new(robot.secret.encode(), string_to_sign,
                                             hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(want, sign):
                return self._error(req, "bad sign", 200, "errcode", 310000)
        p = req.payload
        if p is None:
            return self._error(req, "body is not JSON", 200, "errcode", 40035)
        msgtype = p.get("msgtype")
        part = p.get(msgtype) if isinstance(msgtype, str) else None
        if msgtype == "markdown":
            if not isinstance(part, dict) or not part.get("title") or not part.get("text"):
                return self._error(req, "markdown needs title and text", 200, "errcode",
                                   40035, "缺少参数 markdown.title/text")
            visible = f"{part['title']}\n{part['text']}"
        elif msgtype == "text":
            if not isinstance(part, dict) or not part.get("content"):
                return self._error(req, "text needs content", 200, "errcode", 40035,
                                   "缺少参数 text.content")
            visible = str(part["content"])
        else:
            return self._error(req, f"msgtype {msgtype!r}", 200, "errcode", 40035,
                               "不支持的 msgtype")
        at = p.get("at") or {}
        if at.get("isAtAll"):
            req.mentions.append("isAtAll")
        if at.get("atMobiles") or at.get("atUserIds"):
            req.mentions.append("atMobiles")
        self._find_mentions(req, visible)
        if robot.keywords and not any(k in visible for k in robot.keywords):
            return self._error(req, "keyword missing", 200, "errcode", 310000,
                               "keywords not in content")
        if req.received_at < robot.throttled_until:
            return self._error(req, "throttled", 200, "errcode", 130101)
        if not self._within_window(robot, req.received_at, DINGTALK_PER_MIN):
            robot.throttled_until = req.received_at + DINGTALK_THROTTLE
            return self._error(req, "rate limit", 200, "errcode", 130101)
        robot.sent.append(req.received_at)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _judge_feishu(self, req: RecordedRequest, robot: Robot | None) -> tuple[int, dict]:
        if robot is None:
            return self._error(req, "invalid token", 400, "code", 19001)
        if len(req.body) > FEISHU_BODY_BYTES:
            return self._error(req, f"body {len(req.body)} bytes > {FEISHU_BODY_BYTES}", 400,
                               "code", 9499, "Bad Request")
        p = req.payload
        if p is None:
            return self._error(req, "body is not JSON", 400, "code", 9499, "Bad Request")
        if robot.secret:
            ts, sign = str(p.get("timestamp", "")), str(p.get("sign", ""))
            if not ts.isdigit() or abs(int(ts) - req.received_at) > SKEW_LIMIT:
                return self._error(req, "timestamp skew", 400, "code", 19021)
            want = base64.b64encode(hmac.new(f"{ts}\n{robot.secret}".encode(), b"",
                                             hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(want, sign):
                return self._error(req, "bad sign", 400, "code", 19021)
        msg_type = p.get("msg_type")
        if msg_type == "text":
            text = (p.get("content") or {}).get("text")
            if not isinstance(text, str) or not text:
                return self._error(req, "text needs content.text", 400, "code", 19002)
            visible = text
        elif msg_type in ("post", "interactive", "share_chat", "image"):
            visible = json.dumps(p.get("content") or p.get("card") or {}, ensure_ascii=False)
        else:
            return self._error(req, f"msg_type {msg_type!r}", 400, "code", 19002,
                               "params error, msg_type need")
        self._find_mentions(req, visible)
        if robot.keywords and not any(k in visible for k in robot.keywords):
            return self._error(req, "keyword missing", 400, "code", 19024)
        recent = [t for t in robot.sent if t > req.received_at - 1.0]
        if len(recent) >= FEISHU_PER_SEC or not self._within_window(robot, req.received_at,
                                                                     FEISHU_PER_MIN):
            return self._error(req, "rate limit", 400, "code", 9499)
        robot.sent.append(req.received_at)
        return 200, {"code": 0, "msg": "success", "data": {}}

    def _judge_webhook(self, req: RecordedRequest, robot: Robot | None) -> tuple[int, dict]:
        if robot is None:
            req.problems.append("unknown webhook")
            return 404, {"error": "not found"}
        p = req.payload
        missing = [k for k in ("notice_no", "subject", "markdown", "text")
                   if not isinstance((p or {}).get(k), str)]
        if missing:
            req.problems.append(f"missing {missing}")
            return 400, {"error": f"missing {missing}"}
        self._find_mentions(req, p["markdown"])  # type: ignore[index]
        robot.sent.append(req.received_at)
        return 200, {"ok": True}

    def _within_window(self, robot: Robot, now: float, per_minute: int) -> bool:
        while robot.sent and robot.sent[0] <= now - 60.0:
            robot.sent.popleft()
        return len(robot.sent) < per_minute

    @staticmethod
    def _find_mentions(req: RecordedRequest, text: str) -> None:
        import re

        checks = {
            "<at>": r"<\s*at\b",
            "<@id>": r"<\s*@",
            "@all": r"@(?:all\b|所有人|everyone\b)",
            "@phone": r"@\s*1\d{10}",
        }
        for name, pattern in checks.items():
            if re.search(pattern, text, re.IGNORECASE):
                req.mentions.append(name)


class _Handler(BaseHTTPRequestHandler):
    recorder: RobotRecorder
    protocol_version = "HTTP/1.1"
    server_version = "robot-recorder/1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # quiet: request lines carry keys, and pytest output stays clean

    def do_GET(self) -> None:
        self._answer_json(405, {"errcode": 43004, "errmsg": "require POST method"})

    def do_POST(self) -> None:
        rec = self.recorder
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        kind, ident = _route(parts.path, parse_qs(parts.query))
        try:
            payload = json.loads(body.decode("utf-8"))
            if not isinstance(payload, dict):
                payload = None
        except (UnicodeDecodeError, ValueError):
            payload = None
        req = RecordedRequest(
            kind=kind, robot=ident, method="POST", path=self.path,
            query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()}, body=body,
            payload=payload, received_at=rec.clock())
        with rec.lock:
            rec.requests.append(req)
        fault = rec._take_fault(ident)
        if fault is not None:
            req.fault = fault.action
            self._play(fault, req)
            return
        with rec.lock:
            status, answer = rec.judge(req)
        req.status, req.response = status, answer
        self._answer_json(status, answer)

    def _play(self, fault: Fault, req: RecordedRequest) -> None:
        if fault.action == "hang":
            self.recorder._stopping.wait(self.recorder.hang_seconds)
            self.close_connection = True
            return
        if fault.action in ("close", "reset"):
            if fault.action == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault.action == "errcode":
            if req.kind == "feishu":
                answer = {"code": fault.code, "msg": fault.msg or MESSAGES.get(fault.code, "error"),
                          "data": {}}
            else:
                answer = {"errcode": fault.code,
                          "errmsg": fault.msg or MESSAGES.get(fault.code, "error")}
            req.status, req.response = fault.status, answer
            self._answer_json(fault.status, answer, fault.headers)
            return
        body = fault.body if fault.body is not None else (
            f"<html><body>{fault.status} error</body></html>".encode())
        req.status = fault.status
        self._answer_raw(fault.status, body, "text/html", fault.headers)

    def _answer_json(self, status: int, answer: dict, headers: dict | None = None) -> None:
        body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self._answer_raw(status, body, "application/json; charset=utf-8", headers)

    def _answer_raw(self, status: int, body: bytes, ctype: str, headers: dict | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        # Head and body in one write: two small writes meet Nagle and delayed ACK (40 ms).
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()


def _route(path: str, query: dict[str, list[str]]) -> tuple[str, str | None]:
    if path == "/cgi-bin/webhook/send":
        return "wecom", (query.get("key") or [None])[0]
    if path == "/robot/send":
        return "dingtalk", (query.get("access_token") or [None])[0]
    if path.startswith("/open-apis/bot/v2/hook/"):
        return "feishu", path.rsplit("/", 1)[1]
    if path.startswith("/hook/"):
        return "webhook", path.split("/", 2)[2]
    return "unknown", None
