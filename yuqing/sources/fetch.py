"""The HTTP fetcher: one shared httpx client, hard limits, one SourceError per failure.

Why not just `client.get()`: httpx timeouts bound each read, not the request (a server
dripping a byte a second lives for ever), and httpx inflates gzip in huge chunks (a
200 KiB bomb became 67 MB at once). So every fetch runs under an overall deadline, the
body is read raw and inflated here with bounded output, redirects are followed by hand
(scheme checked at every hop, 301/308 tracked for the stored URL), and concurrency is
limited globally and per host. Direct connections go through our own transport
(`wire.WireTransport`: asyncio streams and h11, half the CPU of httpcore and anyio).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import ipaddress
import logging
import math
import re
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit, urlunsplit
from urllib.request import getproxies

import httpx

from yuqing.errors import SourceError
from yuqing.sources.wire import WireTransport

__all__ = [
    "MAX_FEED_BYTES",
    "MAX_PAGE_BYTES",
    "USER_AGENT",
    "FetchResult",
    "Fetcher",
    "parse_retry_after",
    "redact_url",
]

USER_AGENT = "yuqing/0.1 (public-opinion duty monitor)"
MAX_FEED_BYTES = 15 * 1024 * 1024
MAX_PAGE_BYTES = 5 * 1024 * 1024

# httpx logs every request URL at INFO; feed URLs can carry keys and tokens.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_INFLATE_CHUNK = 256 * 1024  # most decoded bytes produced per zlib call
_DROP_ON_FOREIGN_HOST = ("cookie", "authorization", "proxy-authorization")
_HOP_BY_HOP = frozenset(
    {"host", "accept-encoding", "content-length", "transfer-encoding", "connection"}
)

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token

_HTTP_PHRASES = {
    400: "请求无效",
    401: "需要登录",
    403: "禁止访问",
    404: "页面不存在",
    405: "不允许的请求方法",
    406: "无法接受的内容",
    408: "请求超时",
    451: "因法律原因不可用",
    500: "服务器内部错误",
    502: "网关错误",
    504: "网关超时",
}


@dataclass
class FetchResult:
    status: int  # 200 (or another 2xx) or 304
    url: str  # final URL after redirects
    permanent_url: str | None  # every hop was 301/308 and the final URL differs
    body: bytes  # decoded (gunzipped) body, b"" on 304
    headers: dict[str, str]  # lower-cased names
    etag: str | None
    last_modified: str | None
    charset: str | None  # from Content-Type


class Fetcher:
    """Fetch URLs through one shared client; use as `async with Fetcher() as f:`."""

    def __init__(
        self,
        *,
        concurrency: int = 16,
        per_host: int = 2,
        deadline: float = 20.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 15.0,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        if concurrency < 1 or per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        self.concurrency = concurrency
        self.per_host = per_host
        self.deadline = deadline
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._transport = transport
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._client: httpx.AsyncClient | None = None
        self._sender: httpx.AsyncBaseTransport | None = None

    async def __aenter__(self) -> Fetcher:
        transport = self._transport or WireTransport(keepalive_per_host=self.per_host, tls=_ssl_context)
        # Requests are built by the client (its headers, timeouts) and handed to the
        # transport directly: we follow redirects, keep no cookie jar and read raw bodies
        # ourselves, so the client's send() only adds work. With proxies in the environment
        # the client picks the transport per URL, so then it sends.
        self._sender = None if getproxies() else transport
        self._client = httpx.AsyncClient(
            http1=True,
            http2=False,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=self.connect_timeout,
                read=self.read_timeout,
                write=self.read_timeout,
                pool=self.connect_timeout,
            ),
            headers=[("User-Agent", self.user_agent.encode("utf-8"))],
            # Sources must not see each other's cookies: the shared jar stores nothing.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            transport=transport,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        max_bytes: int = MAX_FEED_BYTES,
        allow_private: bool = False,
    ) -> FetchResult:
        """GET `url`; a 200 or 304 comes back, anything else raises SourceError.

        A redirect may lead to a public address, or to the same kind of address the
        source itself is on; never from outside into loopback, link-local (cloud
        metadata) or intranet addresses unless `allow_private` (sources.toml) says so.
        """
        if self._client is None:
            raise RuntimeError("Fetcher must be entered with 'async with' before fetch()")
        shown = redact_url(url)
        start = _checked_url(url, shown)
        try:
            return await self._fetch(
                start, shown, etag, last_modified, headers or {}, cookies or {}, max_bytes,
                allow_private,
            )
        except SourceError:
            raise
        except TimeoutError:  # only asyncio.timeout raises it; httpx has its own classes
            raise SourceError(
                "超时", f"获取 {shown} 超时：{self.deadline:g} 秒内没有完成（含连接、跳转和下载）"
            ) from None
        except httpx.ConnectTimeout:
            raise SourceError(
                "超时", f"连接 {shown} 超时：{self.connect_timeout:g} 秒内没有连上"
            ) from None
        except httpx.TimeoutException:
            raise SourceError(
                "超时", f"读取 {shown} 超时：{self.read_timeout:g} 秒内没有收到数据"
            ) from None
        except httpx.UnsupportedProtocol:
            raise SourceError(
                "不支持的协议", f"不支持的协议：{shown}（只允许 http 和 https）"
            ) from None
        except httpx.InvalidURL:
            raise SourceError("地址无效", f"地址无效：{shown}") from None
        except (httpx.HTTPError, OSError) as exc:
            raise SourceError(
                "网络错误", f"无法获取 {shown}：{_describe_network_error(exc)}"
            ) from None

    # ------------------------------------------------------------------ internals

    async def _fetch(
        self,
        start: httpx.URL,
        shown: str,
        etag: str | None,
        last_modified: str | None,
        extra_headers: dict[str, str],
        cookies: dict[str, str],
        max_bytes: int,
        allow_private: bool,
    ) -> FetchResult:
        assert self._client is not None
        loop = asyncio.get_running_loop()
        base = _request_headers(self.user_agent, extra_headers, cookies, etag, last_modified, shown)
        chain_cookies: dict[str, dict[str, str]] = {}  # Set-Cookie seen during this chain
        current = start
        hops = 0
        all_permanent = True
        origin: set[str] | None = None  # kinds of address the source itself answered from
        # The deadline starts once a slot is ours: queueing behind other feeds is not the
        # source's fault and must not time it out.
        async with asyncio.timeout(None) as budget:
            while True:
                host = _host_key(current)
                request = self._build_request(current, start, base, chain_cookies.get(host))
                async with self._slot(host):
                    if budget.when() is None and self.deadline is not None:
                        budget.reschedule(loop.time() + self.deadline)
                    response = await self._send(request)
                    try:
                        status = response.status_code
                        location = response.headers.get("location")
                        redirect = status in _REDIRECTS and location
                        # The address connected to: the origin, which a redirect must not
                        # leave inward, or a hop, which must not go inward.
                        peer = _peer_address(response) if redirect or hops else None
                        if hops == 0 and peer:
                            origin = {address_kind(peer)}
                        elif peer and not allow_private:
                            _refuse_inward(origin or set(), peer, shown, current)
                        if not redirect:
                            return await self._finish(
                                response, start, current, hops, all_permanent,
                                shown, etag, last_modified, max_bytes,
                            )  # fmt: skip
                        for name, value in _set_cookies(response):
                            chain_cookies.setdefault(host, {})[name] = value
                    finally:
                        await response.aclose()
                # A redirect: check it before any I/O to the new place.
                hops += 1
                if hops > self.max_redirects:
                    raise SourceError(
                        "重定向过多",
                        f"{shown} 重定向超过 {self.max_redirects} 次（可能是循环重定向），已放弃",
                    )
                all_permanent = all_permanent and status in _PERMANENT
                try:
                    target = current.join(location.strip())
                except (httpx.InvalidURL, ValueError):
                    raise SourceError(
                        "地址无效", f"{shown} 重定向到无效地址：{redact_url(location)}"
                    ) from None
                current = _checked_url(str(target), redact_url(str(target)), via=shown)
                if not allow_private:  # before any byte goes to the new place
                    if origin is None:
                        origin = {address_kind(a) for a in await _resolve(start)}
                    for address in await _resolve(current):
                        _refuse_inward(origin, address, shown, current)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        if self._sender is None:
            assert self._client is not None
            return await self._client.send(request, stream=True)
        return await self._sender.handle_async_request(request)

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        # Host first, then global: a feed waiting for a busy host holds no global slot.
        semaphore = self._hosts.get(host)
        if semaphore is None:
            semaphore = self._hosts[host] = asyncio.Semaphore(self.per_host)
        async with semaphore, self._global:
            yield

    def _build_request(
        self,
        url: httpx.URL,
        start: httpx.URL,
        base: dict[str, tuple[str, str]],
        chain_cookies: dict[str, str] | None,
    ) -> httpx.Request:
        assert self._client is not None
        headers = dict(base)
        if not _same_site(start, url):
            for name in _DROP_ON_FOREIGN_HOST:
                headers.pop(name, None)
        if chain_cookies:
            _add_cookies(headers, chain_cookies)
        # Values go out as UTF-8 bytes: httpx would refuse non-ASCII str values (our own
        # User-Agent has Chinese in it), and h11 accepts obs-text.
        raw = [(name, value.encode("utf-8")) for name, value in headers.values()]
        return self._client.build_request("GET", url, headers=raw)

    async def _finish(
        self,
        response: httpx.Response,
        start: httpx.URL,
        final: httpx.URL,
        hops: int,
        all_permanent: bool,
        shown: str,
        etag: str | None,
        last_modified: str | None,
        max_bytes: int,
    ) -> FetchResult:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        _raise_for_status(status, headers, shown)
        if status == 304:
            # Read the (empty) rest: httpcore returns a connection to the pool only once h11
            # has seen the end of the response, so an unread 304 cost a new connection.
            await response.aread()
            body = b""
        else:
            body = await _read_body(response, headers, max_bytes, shown)
        final_url = str(final)
        permanent = final_url if hops and all_permanent and final_url != str(start) else None
        return FetchResult(
            status=status,
            url=final_url,
            permanent_url=permanent,
            body=body,
            headers=headers,
            # A 304 may omit validators; the ones we sent are still the right ones.
            etag=headers.get("etag") or (etag if status == 304 else None),
            last_modified=headers.get("last-modified")
            or (last_modified if status == 304 else None),
            charset=_charset_of(headers.get("content-type")),
        )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One default context for every https connection: loading the CA bundle costs ~30-60 ms.
    It offers HTTP/1.1 by ALPN, as httpx's own transport did."""
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


# ---------------------------------------------------------------------- status handling


def _raise_for_status(status: int, headers: dict[str, str], shown: str) -> None:
    if status in (429, 503):
        wait = parse_retry_after(headers.get("retry-after"))
        if status == 429:
            reason, what = "限流", "请求过于频繁（HTTP 429）"
        else:
            reason, what = "服务不可用", "服务暂时不可用（HTTP 503）"
        raise SourceError(
            reason,
            f"{shown} 返回{what}，{_human_duration(wait)}后再试",
            status=status,
            retry_after=wait,
        )
    if status == 410:
        raise SourceError(
            "已删除(410)",
            f"{shown} 返回 HTTP 410：源站表示该地址已永久删除，请停用或更换该源",
            status=status,
            gone=True,
        )
    if status >= 400:
        phrase = _HTTP_PHRASES.get(status)
        detail = f"（{phrase}）" if phrase else ""
        raise SourceError(f"HTTP {status}", f"{shown} 返回 HTTP {status}{detail}", status=status)
    if status >= 300 and status != 304:
        raise SourceError(
            f"HTTP {status}", f"{shown} 返回 HTTP {status}，但没有可跟随的跳转地址", status=status
        )


def parse_retry_after(
    value: str | None,
    *,
    now: datetime | None = None,
    default: float = 600.0,
    cap: float = 86400.0,
) -> float:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date.

    Missing or unparsable values give `default`; everything is capped at `cap`; a date in
    the past gives 0.
    """
    default = min(default, cap)
    if value is None or not value.strip():
        return default
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        seconds = float(text)
        return min(seconds, cap) if math.isfinite(seconds) else default
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return default
    if when is None:
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), cap)


# ---------------------------------------------------------------------- body reading


async def _read_body(
    response: httpx.Response, headers: dict[str, str], max_bytes: int, shown: str
) -> bytes:
    limit_text = _human_bytes(max_bytes)
    declared = headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(
            "内容过大",
            f"{shown} 声明的长度 {_human_bytes(int(declared))} 超过上限 {limit_text}，未下载",
        )
    if response.is_stream_consumed:
        # Only for transports that hand over a finished body (httpx.MockTransport with
        # content=): httpx has already decoded it, so there is nothing left to bound.
        if len(response.content) > max_bytes:
            raise SourceError("内容过大", f"{shown} 的内容超过上限 {limit_text}")
        return response.content
    decoder = _BodyDecoder(headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    total = 0

    def take(pieces: Iterator[bytes]) -> None:
        nonlocal total
        for piece in pieces:
            total += len(piece)
            if total > max_bytes:
                raise SourceError("内容过大", f"{shown} 的内容超过上限 {limit_text}，已中止下载")
            chunks.append(piece)

    try:
        async for raw in response.aiter_raw():
            take(decoder.feed(raw))
        take(decoder.finish())
    except zlib.error:
        raise SourceError(
            "解压失败", f"{shown} 的压缩数据（{decoder.description}）已损坏，无法解压"
        ) from None
    return b"".join(chunks)


_PLAIN_START = re.compile(rb"(\xef\xbb\xbf)?\s*[<{\[]")


class _Inflater:
    """gzip or deflate with bounded output per call, tolerant of common server mistakes."""

    def __init__(self, kind: str):
        self.kind = kind
        self._started = False  # produced output or consumed a header already
        self._passthrough = False
        self._raw_deflate = False
        self._z = self._new()

    def _new(self) -> zlib._Decompress:
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._passthrough:
            if data:
                yield data
            return
        while data:
            if self._z.eof:
                # gzip allows several members back to back; anything else after the end
                # (padding, junk) is ignored, as browsers do.
                if self.kind == "gzip" and data.startswith(b"\x1f\x8b"):
                    self._z = self._new()
                else:
                    return
            try:
                out = self._z.decompress(data, _INFLATE_CHUNK)
            except zlib.error:
                if self._started:
                    raise
                if self.kind == "deflate" and not self._raw_deflate:
                    # "deflate" is meant to be zlib-wrapped; many servers send it raw.
                    self._raw_deflate = True
                    self._z = self._new()
                    continue
                if not _PLAIN_START.match(data):
                    raise
                # Labelled compressed but plainly markup: take the bytes as they are.
                self._passthrough = True
                yield data
                return
            self._started = True
            data = self._z.unconsumed_tail or (self._z.unused_data if self._z.eof else b"")
            if out:
                yield out

    def finish(self) -> Iterator[bytes]:
        if self._passthrough:
            return
        while not self._z.eof:
            out = self._z.decompress(b"", _INFLATE_CHUNK)
            if not out:
                break  # truncated stream: keep what we have, the parser salvages it
            yield out


class _BodyDecoder:
    """Undo Content-Encoding (possibly a list) with bounded memory; unknown codings pass raw."""

    def __init__(self, content_encoding: str):
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self.description = ", ".join(codings) or "identity"
        kinds = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}
        if all(c in kinds for c in codings):
            # Listed in the order applied; undo from the last one.
            self._stages = [_Inflater(kinds[c]) for c in reversed(codings)]
        else:
            self._stages = []  # e.g. br or zstd we did not ask for: hand over raw bytes

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, data)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._stages):
            if data:
                yield data
            return
        for piece in self._stages[index].feed(data):
            yield from self._through(index + 1, piece)

    def finish(self) -> Iterator[bytes]:
        for index, stage in enumerate(self._stages):
            for piece in stage.finish():
                yield from self._through(index + 1, piece)


# ---------------------------------------------------------------------- helpers


def _checked_url(url: str, shown: str, *, via: str | None = None) -> httpx.URL:
    """Parse and vet a URL before any I/O: http(s) with a host, nothing else."""
    prefix = f"{via} 重定向到" if via else ""
    scheme = urlsplit(url.strip()).scheme.lower() if isinstance(url, str) else ""
    if scheme and scheme not in ("http", "https"):
        raise SourceError(
            "不支持的协议",
            f"{prefix}不支持的协议「{scheme}:」：{shown}（只允许 http 和 https），已拒绝",
        )
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise SourceError("地址无效", f"{prefix}无效地址：{shown}") from None
    if parsed.scheme not in ("http", "https"):
        raise SourceError(
            "地址无效" if not parsed.scheme else "不支持的协议",
            f"{prefix}地址缺少 http:// 或 https://：{shown}",
        )
    if not parsed.host:
        raise SourceError("地址无效", f"{prefix}地址缺少主机名：{shown}")
    return parsed


_ADDRESS_KINDS = {"loopback": "本机地址", "link-local": "链路本地地址（如云主机元数据）",
                  "private": "内网地址", "reserved": "保留地址"}


def address_kind(address: str) -> str:
    """public | loopback | link-local | private | reserved, for an IP address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "reserved"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    return "public" if ip.is_global else "reserved"


def _refuse_inward(origin: set[str], address: str, shown: str, target: httpx.URL) -> None:
    kind = address_kind(address)
    if kind == "public" or kind in origin:
        return
    raise SourceError(
        "重定向到内网",
        f"{shown} 重定向到{_ADDRESS_KINDS[kind]} {redact_url(str(target))}（{address}），已拒绝；"
        "若该源确需访问内网，在 sources.toml 中为它设置 allow_private = true",
    )


async def _resolve(url: httpx.URL) -> list[str]:
    """The addresses `url`'s host resolves to (empty when it does not: the fetch says so)."""
    host = url.host
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def _peer_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        peer = stream.get_extra_info("server_addr")
    except Exception:  # a transport without socket details (tests' MockTransport)
        return None
    return str(peer[0]) if peer else None


def _host_key(url: httpx.URL) -> str:
    return url.netloc.decode("ascii", errors="replace").lower()


def _same_site(a: httpx.URL, b: httpx.URL) -> bool:
    """Same host, or one a subdomain of the other (www.x.cn <-> x.cn); no https -> http."""
    if a.scheme == "https" and b.scheme != "https":
        return False
    ha, hb = a.host.lower(), b.host.lower()
    return ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha)


def _request_headers(
    user_agent: str,
    extra: dict[str, str],
    cookies: dict[str, str],
    etag: str | None,
    last_modified: str | None,
    shown: str,
) -> dict[str, tuple[str, str]]:
    """Headers keyed by lower-cased name, each as (name as sent, value)."""
    headers = {"user-agent": ("User-Agent", user_agent)}
    for name, value in extra.items():
        if not _HEADER_NAME.fullmatch(name) or any(c in value for c in "\r\n\x00"):
            raise SourceError(
                "请求头无效", f"{shown} 的自定义请求头「{name}」含有非法字符（如换行），未发送"
            )
        if name.lower() not in _HOP_BY_HOP:
            headers[name.lower()] = (name, value)  # a source may override User-Agent, Referer …
    # We inflate ourselves, with a size bound; never invite br or zstd.
    headers["accept-encoding"] = ("Accept-Encoding", "gzip, deflate")
    if cookies:
        for name, value in cookies.items():
            if not _HEADER_NAME.fullmatch(name) or any(c in value for c in ";\r\n\x00"):
                raise SourceError("请求头无效", f"{shown} 的 Cookie「{name}」含有非法字符，未发送")
        _add_cookies(headers, cookies)
    if etag:
        headers["if-none-match"] = ("If-None-Match", etag)
    if last_modified:
        headers["if-modified-since"] = ("If-Modified-Since", last_modified)
    return headers


def _add_cookies(headers: dict[str, tuple[str, str]], cookies: dict[str, str]) -> None:
    pairs = [headers["cookie"][1]] if "cookie" in headers else []
    pairs += [f"{k}={v}" for k, v in cookies.items()]
    headers["cookie"] = ("Cookie", "; ".join(pairs))


def _set_cookies(response: httpx.Response) -> Iterator[tuple[str, str]]:
    for line in response.headers.get_list("set-cookie"):
        name, sep, value = line.split(";", 1)[0].partition("=")
        if sep and name.strip():
            yield name.strip(), value.strip()


def _charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'").strip()
            return value or None
    return None


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """exc and everything behind it: causes, contexts and exception-group members."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]
        todo += list(getattr(current, "exceptions", ()))
    return seen


def _describe_network_error(exc: BaseException) -> str:
    chain = _exception_chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        detail = "连接被拒绝"
    elif any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in text:
        detail = "证书校验失败或 TLS 握手出错"
    elif any(isinstance(e, socket.gaierror) for e in chain) or "name or service" in text:
        detail = "域名无法解析"
    elif any(isinstance(e, ConnectionResetError | BrokenPipeError) for e in chain):
        detail = "连接被重置"
    elif "unreachable" in text:
        detail = "网络不可达"
    elif any(isinstance(e, httpx.RemoteProtocolError) for e in chain):
        detail = "服务器提前断开连接或响应不符合 HTTP 协议"
    else:  # the error's class is the only lead left for whoever looks into it
        return f"网络连接出错（{type(exc).__name__}）"
    return detail


_SECRET_NAMES = re.compile(r"token|secret|sign|passw|auth|session|ticket|cookie|credential", re.I)
_SECRET_EXACT = frozenset({"sid", "sig", "code", "pwd", "pass", "key"})


def _secret_param(name: str) -> bool:
    plain = re.sub(r"[^a-z0-9]", "", name.lower())
    return plain in _SECRET_EXACT or plain.endswith("key") or bool(_SECRET_NAMES.search(plain))


def redact_url(url: str) -> str:
    """The URL for messages and logs: passwords and key/token-like query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
    query = parts.query
    if query:
        masked = []
        for pair in query.split("&"):
            name, sep, value = pair.partition("=")
            masked.append(f"{name}=***" if sep and value and _secret_param(name) else pair)
        query = "&".join(masked)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _human_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB".replace(".0 MiB", " MiB")
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} 字节"


def _human_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} 秒"
    if seconds < 7200:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds / 3600:.1f} 小时"
