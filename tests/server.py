"""A scriptable loopback HTTP/1.1 server for tests, built on raw asyncio.

It runs its own event loop in a background thread, so synchronous tests, `asyncio.run`
tests and the CLI in-process can all talk to it. Because responses are written as raw
bytes it can also misbehave on purpose: hang, drip, lie about lengths, stream forever,
send gzip bombs (see the helpers at the bottom).

    server = ScriptedServer()            # any loopback address works: host="127.0.0.2"
    server.start()
    server.route("/feed.xml", "<rss/>", headers={"content-type": "application/rss+xml"})
    server.handler("/hang", never_answer)
    ...
    server.stop()                        # closes every connection, hanging ones included

Connections are kept alive between scripted responses (`route`, `sequence`,
`serve_file`). After a raw `handler` returns, its connection is closed, because the
server cannot know whether the handler framed its response; handlers should send
`Connection: close` (the `write_response` helper does).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import logging
import mimetypes
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

log = logging.getLogger(__name__)

Handler = Callable[["Request", asyncio.StreamWriter], Awaitable[None]]

_ROUTE_KEYS = frozenset({"body", "status", "headers", "etag", "last_modified", "delay"})
_MAX_HEAD = 64 * 1024
_CHUNK = 64 * 1024


@dataclass
class Request:
    method: str
    path: str  # includes the query string
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""
    version: str = "HTTP/1.1"


class ScriptedServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self.requests: list[Request] = []
        self.connections = 0  # connections accepted so far: shows whether clients reuse them
        self.errors: list[BaseException] = []  # exceptions raised by handlers
        self._lock = threading.Lock()
        self._routes: dict[str, tuple[str, object]] = {}
        self._seq_index: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._connections: dict[asyncio.Task, asyncio.StreamWriter] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("server already started")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(
                        self._serve_connection,
                        self.host,
                        self.port,
                        backlog=2048,
                        limit=_MAX_HEAD,
                        reuse_address=True,
                    )
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"ScriptedServer-{self.host}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread.join(5)
            self._thread = None
            raise failure[0]

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            with contextlib.suppress(Exception):
                future.result(timeout=5)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        self._thread = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task, writer in list(self._connections.items()):
            writer.transport.abort()
            task.cancel()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=2)

    def __enter__(self) -> ScriptedServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    # ------------------------------------------------------------------ scripting

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
    ) -> None:
        spec = {
            "body": body,
            "status": status,
            "headers": headers,
            "etag": etag,
            "last_modified": last_modified,
            "delay": delay,
        }
        with self._lock:
            self._routes[path] = ("route", spec)

    def redirect(self, path: str, location: str, *, status: int = 301) -> None:
        """Shorthand for a route answering `status` with a Location header."""
        self.route(path, b"", status=status, headers={"Location": location})

    def sequence(self, path: str, responses: list[dict]) -> None:
        if not responses:
            raise ValueError("sequence() needs at least one response")
        for spec in responses:
            unknown = set(spec) - _ROUTE_KEYS
            if unknown:
                raise TypeError(f"unknown route keys in sequence: {sorted(unknown)}")
        with self._lock:
            self._routes[path] = ("sequence", [dict(r) for r in responses])
            self._seq_index[path] = 0

    def handler(self, path: str, fn: Handler) -> None:
        with self._lock:
            self._routes[path] = ("handler", fn)

    def serve_file(self, path: str, file: Path, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._routes[path] = ("file", (Path(file), headers))

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    # ------------------------------------------------------------------ serving

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        with self._lock:
            self.connections += 1
        try:
            while True:
                request = await self._read_request(reader, writer)
                if request is None:
                    break
                with self._lock:
                    self.requests.append(request)
                keep_alive = await self._dispatch(request, writer)
                if not keep_alive:
                    break
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass  # the client went away; that is the client's business
        except asyncio.CancelledError:
            pass  # stop(); Python 3.11's stream callback would log a cancelled task
        finally:
            self._connections.pop(task, None)
            # close(), not abort(): drain() leaves up to 64 KiB buffered, and a response
            # ended by closing the connection must still arrive whole. stop() aborts.
            writer.close()

    async def _read_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # clean close between requests
        except asyncio.LimitOverrunError:
            await _write_simple(writer, 431, b"request header too large")
            return None
        try:
            text = head.lstrip(b"\r\n").decode("utf-8")  # non-ASCII values: UTF-8 if it is
        except UnicodeDecodeError:
            text = head.lstrip(b"\r\n").decode("latin-1")
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            await _write_simple(writer, 400, b"bad request line")
            return None
        method, target, version = parts
        if "://" in target:  # absolute-form: keep path and query only
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                await _write_simple(writer, 400, b"bad header line")
                return None
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        body = b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        elif headers.get("content-length", "").strip().isdigit():
            body = await reader.readexactly(int(headers["content-length"]))
        return Request(
            method=method.upper(), path=target, headers=headers, body=body, version=version
        )

    async def _dispatch(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        with self._lock:
            entry = self._routes.get(request.path)
            if entry is not None and entry[0] == "sequence":
                responses = entry[1]
                assert isinstance(responses, list)
                index = self._seq_index.get(request.path, 0)
                self._seq_index[request.path] = index + 1
                entry = ("route", responses[min(index, len(responses) - 1)])
        keep_alive = _wants_keep_alive(request)
        if entry is None:
            await _write_simple(writer, 404, b"not found", keep_alive=keep_alive)
            return keep_alive
        kind, spec = entry
        if kind == "handler":
            assert callable(spec)
            try:
                await spec(request, writer)
                await writer.drain()
            except (ConnectionError, OSError):
                pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("handler for %s failed", request.path)
                self.errors.append(exc)
            return False
        if kind == "file":
            file, extra = spec  # type: ignore[misc]
            headers = dict(extra or {})
            if not any(k.lower() == "content-type" for k in headers):
                guessed, _ = mimetypes.guess_type(file.name)
                if guessed:
                    headers["Content-Type"] = guessed
            try:
                body = file.read_bytes()
            except OSError:
                await _write_simple(writer, 404, b"file not found", keep_alive=keep_alive)
                return keep_alive
            spec = {"body": body, "headers": headers}
        assert isinstance(spec, dict)
        return await _send_route(request, writer, keep_alive=keep_alive, **spec)


# ---------------------------------------------------------------------- response writing


def _wants_keep_alive(request: Request) -> bool:
    connection = request.headers.get("connection", "").lower()
    if "close" in connection:
        return False
    return request.version != "HTTP/1.0" or "keep-alive" in connection


def _status_line(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"HTTP/1.1 {status} {phrase}\r\n".encode("ascii")


def _encode_header(name: str, value: str) -> bytes:
    line = f"{name}: {value}\r\n"
    try:
        return line.encode("latin-1")
    except UnicodeEncodeError:
        return line.encode("utf-8")


def response_head(status: int, headers: dict[str, str] | None = None) -> bytes:
    """Status line plus headers, exactly as given (no Content-Length is added)."""
    out = [_status_line(status)]
    out += [_encode_header(k, v) for k, v in (headers or {}).items()]
    out.append(b"\r\n")
    return b"".join(out)


async def write_response(
    writer: asyncio.StreamWriter,
    status: int = 200,
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """For handlers: a complete response with Content-Length and Connection: close."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    all_headers = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
    writer.write(response_head(status, all_headers) + body)
    await writer.drain()


async def _write_simple(
    writer: asyncio.StreamWriter, status: int, body: bytes, *, keep_alive: bool = False
) -> None:
    headers = {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body))}
    if not keep_alive:
        headers["Connection"] = "close"
    writer.write(response_head(status, headers) + body)
    await writer.drain()


def _etag_matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True

    def weak_strip(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    wanted = weak_strip(etag)
    return any(weak_strip(t) == wanted for t in if_none_match.split(","))


def _not_modified_since(if_modified_since: str, last_modified: str) -> bool:
    if if_modified_since.strip() == last_modified.strip():
        return True
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
        modified = email.utils.parsedate_to_datetime(last_modified)
        return modified <= since
    except (TypeError, ValueError):
        return False


async def _send_route(
    request: Request,
    writer: asyncio.StreamWriter,
    *,
    keep_alive: bool,
    body: bytes | str = b"",
    status: int = 200,
    headers: dict[str, str] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    delay: float = 0.0,
) -> bool:
    if delay:
        await asyncio.sleep(delay)
    if isinstance(body, str):
        body = body.encode("utf-8")
    out = dict(headers or {})
    lower = {k.lower() for k in out}
    if etag is not None:
        out["ETag"] = etag
    if last_modified is not None:
        out["Last-Modified"] = last_modified
    inm = request.headers.get("if-none-match")
    ims = request.headers.get("if-modified-since")
    if etag is not None and inm is not None:
        not_modified = _etag_matches(inm, etag)
    elif last_modified is not None and ims is not None:
        not_modified = _not_modified_since(ims, last_modified)
    else:
        not_modified = False
    if not_modified:
        status = 304
    no_body = status == 304 or status == 204 or 100 <= status < 200
    if no_body:
        body = b""
        out = {k: v for k, v in out.items() if k.lower() not in ("content-length", "content-type")}
    elif "content-length" not in lower and "transfer-encoding" not in lower:
        out["Content-Length"] = str(len(body))
    if "connection" in lower:
        given = [v for k, v in out.items() if k.lower() == "connection"]
        keep_alive = keep_alive and "close" not in given[0].lower()
    elif not keep_alive:
        out["Connection"] = "close"
    chunked = any(
        k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in out.items()
    )
    if chunked and not no_body:
        body = b"".join(_chunk(body[i : i + _CHUNK]) for i in range(0, len(body), _CHUNK))
        body += b"0\r\n\r\n"
    elif "transfer-encoding" in lower and "content-length" not in lower:
        keep_alive = False  # the body is written as given; end it by closing
    writer.write(response_head(status, out))
    if request.method != "HEAD" and body:
        writer.write(body)
    await writer.drain()
    return keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


# ---------------------------------------------------------------------- misbehaviour


async def never_answer(request: Request, writer: asyncio.StreamWriter) -> None:
    """Accept the request and then say nothing, until the server stops."""
    await asyncio.Event().wait()


def drip(body: bytes, interval: float, *, headers: dict[str, str] | None = None) -> Handler:
    """Send the headers at once, then the body one byte every `interval` seconds."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        head = {
            "Content-Type": "application/rss+xml",
            "Content-Length": str(len(body)),
            "Connection": "close",
            **(headers or {}),
        }
        writer.write(response_head(200, head))
        await writer.drain()
        for i in range(len(body)):
            await asyncio.sleep(interval)
            writer.write(body[i : i + 1])
            await writer.drain()

    return handle


@functools.lru_cache(maxsize=4)
def gzip_bomb_bytes(decoded_size: int) -> bytes:
    """A single-member gzip stream of `decoded_size` zero bytes, built in ~0.15 s.

    Each MiB is deflated independently (full flush), so one compressed piece can be
    repeated instead of compressing 200 MiB: 200 MiB decodes from about 200 KiB.
    """
    mib = 1 << 20
    zeros = bytes(mib)
    piece_maker = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = piece_maker.compress(zeros) + piece_maker.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(decoded_size, mib)
    crc = 0
    for _ in range(whole):
        crc = zlib.crc32(zeros, crc)
    tail_maker = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = tail_maker.compress(bytes(rest)) + tail_maker.flush()
    crc = zlib.crc32(bytes(rest), crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, decoded_size & 0xFFFFFFFF)
    return header + piece * whole + tail + trailer


def gzip_bomb(decoded_size: int) -> Handler:
    """Stream a gzip body (Content-Encoding: gzip) that inflates to `decoded_size` bytes."""
    blob = gzip_bomb_bytes(decoded_size)

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        head = {
            "Content-Type": "application/rss+xml",
            "Content-Encoding": "gzip",
            "Content-Length": str(len(blob)),
            "Connection": "close",
        }
        writer.write(response_head(200, head))
        for start in range(0, len(blob), _CHUNK):
            writer.write(blob[start : start + _CHUNK])
            await writer.drain()

    return handle


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"


def endless_chunked(chunk: bytes | None = None) -> Handler:
    """A chunked response that never ends (until the client hangs up)."""
    filler = chunk or (b"<item><title>" + b"x" * 1000 + b"</title></item>\n") * 60

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        head = {
            "Content-Type": "application/rss+xml",
            "Transfer-Encoding": "chunked",
            "Connection": "close",
        }
        writer.write(response_head(200, head))
        writer.write(_chunk(b"<rss><channel>\n"))
        framed = _chunk(filler)
        while True:
            writer.write(framed)
            await writer.drain()

    return handle


def huge_content_length(n: int) -> Handler:
    """Declare Content-Length: n and really send n zero-ish bytes (for clients that read)."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        head = {
            "Content-Type": "application/rss+xml",
            "Content-Length": str(n),
            "Connection": "close",
        }
        writer.write(response_head(200, head))
        block = b" " * _CHUNK
        sent = 0
        while sent < n:
            piece = block[: min(_CHUNK, n - sent)]
            writer.write(piece)
            sent += len(piece)
            await writer.drain()

    return handle
