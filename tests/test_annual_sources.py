"""The annual report's 「监测信息源 N 个（全年有数据的 M 个）」: M counts only sources of
sources.toml, never the channels of letters, imports or posts added by hand."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run
from test_collect import add_source, rss

LETTERS = Path(__file__).resolve().parent / "fixtures" / "letters" / "12345-2026-11.csv"


def test_active_sources_are_configured_sources_that_brought_posts(yuqing_home, http_server, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2026-11-24T17:30:00+08:00")
    http_server.route("/f", rss([("县医院新楼启用", "http://example.cn/1")]))
    add_source(http_server.url("/f"), "县新闻网")
    add_source(http_server.url("/silent"), "没有数据的源")
    run("collect")
    assert run("letter", "import", str(LETTERS)).exit_code == 0
    assert run("add", "--title", "城关镇拆迁补偿款迟迟不到位", "--no-escalate", stdin="正文").exit_code == 0
    figures = json.loads(run("report", "annual", "--json").stdout)
    assert figures["sources_configured"] == 2
    assert figures["sources_active"] == 1
    text = run("report", "annual", "--stdout").stdout
    assert "监测信息源 2 个（全年有数据的 1 个）" in text
