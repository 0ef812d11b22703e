"""A real workspace with a shift's worth of work: collected posts, graded events, open
cases with deadlines, a robot that answers 500 and a source that answers 404."""

from __future__ import annotations

import json

from helpers import run
from test_collect import add_source, rss

MORNING = "2026-11-27T09:00:00+08:00"  # a Friday: duty hours
NEWS = [
    ("清河县第一中学食堂食物中毒 多名学生送医", "http://example.cn/food"),
    ("清河县城关镇老街路灯坏了半个月没人修", "http://example.cn/lamp-old"),
    ("外县新闻一则", "http://example.cn/other"),
]
TOPIC = '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n'
ROBOT = '\n[robots."值班群"]\nkind = "webhook"\nurl_secret = "duty_robot"\n'


def at(monkeypatch, moment: str) -> None:
    monkeypatch.setenv("YUQING_NOW", moment)


def start_shift(http_server, home, monkeypatch) -> dict:
    """09:00: the first run of the day. Returns the run's JSON summary."""
    at(monkeypatch, MORNING)
    assert run("init").exit_code == 0
    rules = home / "rules.toml"
    text = rules.read_text(encoding="utf-8").replace(
        '[roles."值班员"]\nemails = []\nrobots = []', '[roles."值班员"]\nemails = []\nrobots = ["值班群"]')
    rules.write_text(text + TOPIC + ROBOT, encoding="utf-8")
    monkeypatch.setenv("YUQING_SECRET_DUTY_ROBOT", http_server.url("/robot"))
    http_server.route("/robot", b"busy", status=500)
    http_server.route("/news", rss(NEWS))
    http_server.route("/broken", b"nope", status=404)
    add_source(http_server.url("/news"), "县新闻网", "rss", "--site", "县新闻网")
    add_source(http_server.url("/broken"), "坏掉的论坛", "rss")
    result = run("run", "--json")
    assert result.exit_code == 1, result.stderr  # one source failed
    return json.loads(result.stdout)


def todo_json(monkeypatch, moment: str) -> dict:
    at(monkeypatch, moment)
    result = run("todo", "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)
