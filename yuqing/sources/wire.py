"""The fetcher's transport for direct connections: HTTP/1.1 over asyncio streams and h11.

httpx's own transport goes through httpcore and anyio, about 1.3 ms of CPU a request
beyond the exchange itself (300 feeds: 0.8 s, against 0.4 s for asyncio and h11 alone).
The fetcher already bounds connections per host and overall, follows redirects, inflates
and caps bodies itself, so a transport only has to keep a few idle connections per host,
send one request and hand over the response's raw bytes as they arrive. Failures come out
as httpx's exception classes, with the socket error as their cause, like httpx's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable

import h11
import httpx

_READ_SIZE = 64 * 1024
# A response head larger than this is refused (httpcore's limit too; h11's default is 16 KiB).
_MAX_HEAD = 100 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A host's next address is tried this long after the previous one, not once it has failed
# (RFC 8305; anyio's default, which httpx's own transport used): a site whose IPv6 address
# goes nowhere is still reached over IPv4 well within the connect timeout.
_HAPPY_EYEBALLS = 0.25

_Key = tuple[str, str, int]


class WireTransport(httpx.AsyncBaseTransport):
    """Idle connections kept per (scheme, host, port), at most `keepalive_per_host` each,
    for `keepalive_expiry` seconds. `tls` gives the context for https connections."""

    def __init__(self, *, keepalive_per_host: int, tls: Callable[[], ssl.SSLContext],
                 keepalive_expiry: float = 5.0):
        self._keep = keepalive_per_host
        self._expiry = keepalive_expiry
        self._tls = tls
        self._idle: dict[_Key, list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url.scheme}://'.")
        key = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        reused = self._take_idle(key)
        if reused is not None:
            try:
                return await self._exchange(reused, key, request, timeouts)
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
                if reused.answered:
                    raise
                # The server closed the idle connection as we reused it: a GET may be
                # asked again, once, on a new connection.
        connection = await _Connection.open(key, self._tls, timeouts.get("connect"))
        return await self._exchange(connection, key, request, timeouts)

    async def _exchange(self, connection: _Connection, key: _Key, request: httpx.Request,
                        timeouts: dict) -> httpx.Response:
        try:
            head = await connection.ask(request, timeouts.get("write"), timeouts.get("read"))
        except BaseException:
            connection.close()
            raise
        return httpx.Response(
            head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, key, connection, timeouts.get("read")),
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason,
                        "network_stream": connection},
        )

    def _take_idle(self, key: _Key) -> _Connection | None:
        idle = self._idle.get(key)
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            if connection.reusable(now, self._expiry):
                return connection
            connection.close()
        return None

    def release(self, key: _Key, connection: _Connection) -> None:
        """Back to the idle list if the exchange ended cleanly and there is room; else closed."""
        idle = self._idle.setdefault(key, [])
        if connection.finish_cycle(asyncio.get_running_loop().time()) and len(idle) < self._keep:
            idle.append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class _Connection:
    """One TCP (or TLS) connection and its h11 state; also the response's network_stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        self.answered = False  # some bytes of a response arrived on this connection
        self.idle_since = 0.0

    @classmethod
    async def open(cls, key: _Key, tls: Callable[[], ssl.SSLContext], timeout: float | None) -> _Connection:
        scheme, host, port = key
        context = tls() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=context, server_hostname=host if context else None, limit=_READ_SIZE,
                    happy_eyeballs_delay=_HAPPY_EYEBALLS)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc
        except (OSError, ssl.SSLError) as exc:  # refused, unreachable, DNS (gaierror), TLS
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return cls(reader, writer)

    def get_extra_info(self, name: str) -> object:
        """network_stream's one question the fetcher asks: the address connected to."""
        if name == "server_addr":
            peer = self.writer.get_extra_info("peername")
            return tuple(peer[:2]) if peer else None
        return self.writer.get_extra_info(name)

    async def ask(self, request: httpx.Request, write_timeout: float | None,
                  read_timeout: float | None) -> h11.Response:
        try:  # h11 refuses what HTTP/1.1 cannot carry (a header value ending in a space)
            head = self.h11.send(h11.Request(method=request.method, target=request.url.raw_path,
                                             headers=request.headers.raw))
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        await self._send(head, write_timeout)
        async for chunk in request.stream:
            if chunk:
                await self._send(self.h11.send(h11.Data(data=chunk)), write_timeout)
        await self._send(self.h11.send(h11.EndOfMessage()), write_timeout)
        while True:
            event = await self.next_event(read_timeout)
            if type(event) is h11.Response:
                return event
            if type(event) is h11.ConnectionClosed:
                raise httpx.RemoteProtocolError("server closed the connection without a response")
            # h11.InformationalResponse (100 Continue, 103 Early Hints): wait for the real one

    async def _send(self, data: bytes | None, timeout: float | None) -> None:
        if not data:
            return
        try:
            self.writer.write(data)
            async with asyncio.timeout(timeout):
                await self.writer.drain()
        except TimeoutError as exc:
            raise httpx.WriteTimeout("writing the request timed out") from exc
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__) from exc

    async def next_event(self, timeout: float | None) -> object:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(timeout):
                    data = await self.reader.read(_READ_SIZE)
            except TimeoutError as exc:
                raise httpx.ReadTimeout("reading the response timed out") from exc
            except OSError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
            if data:
                self.answered = True
            try:
                self.h11.receive_data(data)  # b"": the server closed its side
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc

    def finish_cycle(self, now: float) -> bool:
        """Ready the connection for another request, if both sides ended cleanly."""
        if self.h11.our_state is not h11.DONE or self.h11.their_state is not h11.DONE:
            return False
        try:
            self.h11.start_next_cycle()
        except h11.LocalProtocolError:
            return False
        self.answered = False
        self.idle_since = now
        return True

    def reusable(self, now: float, expiry: float) -> bool:
        """Still open, not past its idle time, and the server has not sent anything (a close)."""
        # StreamReader has no public "bytes waiting": unasked-for bytes on an idle
        # connection are a close or junk, and would be read as the next response.
        return (now - self.idle_since < expiry and not self.writer.is_closing()
                and not self.reader.at_eof() and not self.reader._buffer)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives; the connection goes back to its host's idle list
    once the body has been read to the end and the stream is closed."""

    def __init__(self, transport: WireTransport, key: _Key, connection: _Connection,
                 read_timeout: float | None):
        self._transport, self._key, self._connection = transport, key, connection
        self._timeout = read_timeout
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        try:
            while True:
                event = await connection.next_event(self._timeout)
                if type(event) is h11.Data:
                    yield bytes(event.data)
                elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                    return
                elif type(event) is h11.ConnectionClosed:
                    raise httpx.RemoteProtocolError("server closed the connection mid-response")
        except BaseException:
            self._closed = True
            connection.close()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._transport.release(self._key, self._connection)
