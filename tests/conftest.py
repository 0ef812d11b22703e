"""Shared fixtures: a throwaway workspace per test and a real loopback HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from server import ScriptedServer

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture(autouse=True)
def yuqing_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("YUQING_HOME", str(home))
    return home


@pytest.fixture
def http_server():
    server = ScriptedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"真实语料目录不存在：{CORPORA}（../shared/corpora 缺失时跳过）")
    return CORPORA
