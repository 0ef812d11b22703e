"""The test server itself: routes, sequences, conditional answers, handlers, stop()."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
from server import ScriptedServer, never_answer, write_response


def test_routes_sequence_and_conditional(http_server):
    http_server.route("/a?x=1", "你好", headers={"Content-Type": "text/plain; charset=utf-8"})
    http_server.sequence("/s", [{"status": 503}, {"body": b"ok"}])
    http_server.route("/e", b"feed", etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    with httpx.Client() as client:  # one keep-alive connection for all of these
        first = client.get(http_server.url("/a?x=1"))
        assert first.status_code == 200 and first.text == "你好"
        assert first.headers["content-length"] == str(len("你好".encode()))
        assert client.get(http_server.url("/a")).status_code == 404
        assert [client.get(http_server.url("/s")).status_code for _ in range(3)] == [503, 200, 200]
        assert client.get(http_server.url("/e")).headers["etag"] == '"v1"'
        not_modified = client.get(http_server.url("/e"), headers={"If-None-Match": '"v1"'})
        assert not_modified.status_code == 304 and not_modified.content == b""
        since = client.get(
            http_server.url("/e"), headers={"If-Modified-Since": "Tue, 02 Jan 2024 00:00:00 GMT"}
        )
        assert since.status_code == 304
    assert http_server.hits("/s") == 3
    assert http_server.requests[0].headers["host"].startswith("127.0.0.1:")


def test_handler_other_loopback_address_and_prompt_stop():
    server = ScriptedServer(host="127.0.0.2")
    server.start()

    async def hello(request, writer):
        await write_response(writer, 201, "made")

    server.handler("/h", hello)
    server.handler("/hang", never_answer)
    assert server.base_url.startswith("http://127.0.0.2:")
    assert httpx.get(server.url("/h")).status_code == 201
    hanging = socket.create_connection(("127.0.0.2", server.port))
    hanging.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.05)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1
    hanging.settimeout(2)
    assert hanging.recv(100) == b""  # closed by stop(), not left hanging
    hanging.close()


def test_many_concurrent_keepalive_connections(http_server):
    # Raw sockets: httpx's own pool gets slow with hundreds of simultaneous connections.
    http_server.route("/f", b"x" * 100, delay=0.2)

    async def client() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", http_server.port)
        received = b""
        for _ in range(2):  # the second request reuses the connection
            writer.write(b"GET /f HTTP/1.1\r\nHost: t\r\n\r\n")
            await writer.drain()
            received += await reader.readuntil(b"x" * 100)
        writer.close()
        return received

    async def run() -> list[bytes]:
        return await asyncio.gather(*(client() for _ in range(320)))

    started = time.monotonic()
    answers = asyncio.run(run())
    assert all(a.count(b"HTTP/1.1 200 OK") == 2 for a in answers)
    assert http_server.hits("/f") == 640
    assert time.monotonic() - started < 5


def test_large_bodies_arrive_whole_when_the_connection_closes(http_server, tmp_path):
    big = bytes(range(256)) * 40_000  # ~10 MiB, far beyond the transport buffer

    async def send_big(request, writer):
        await write_response(writer, 200, big)

    http_server.handler("/big", send_big)
    feed = tmp_path / "feed.xml"
    feed.write_bytes(b"<rss/>")
    http_server.serve_file("/file.xml", feed)
    http_server.route("/chunked", b"x" * 200_000, headers={"Transfer-Encoding": "chunked"})
    assert httpx.get(http_server.url("/big")).content == big
    answer = httpx.get(http_server.url("/file.xml"))
    assert answer.content == b"<rss/>" and answer.headers["content-type"] == "application/xml"
    assert httpx.get(http_server.url("/chunked")).content == b"x" * 200_000
