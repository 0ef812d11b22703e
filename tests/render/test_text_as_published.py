"""Text exactly as published (issue 13, item 6): titles full of characters that some
syntax uses go through every output (terminal, outbox, WeCom Markdown, Feishu text, mail,
Markdown, HTML and Word reports) and each shows them exactly, without escape debris."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from forum_fixtures import discuz_page
from helpers import run
from robot_recorder import RobotRecorder
from smtp_server import SMTPServer
from test_collect import add_source

from yuqing.render.markup import md_cell, md_text, parser
from yuqing.rules import rules_path_for

PROBES = ["逆水寒官方&玩家", "夜读 | 标题", "[职场话题]", "#话题#", "a*b_c*"]
TITLES = [f"清河县{probe}" for probe in PROBES]
FRIDAY_10 = "2026-11-27T10:00:00+08:00"
# What an escape left where none was needed looks like.
DEBRIS = ("&amp;", "&lt;", "\\|", "\\[", "\\]", "\\#", "\\_", "\\&")


def write_rules(home, extra: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8").replace(
        '[roles."值班员"]\nemails = []\nrobots = []',
        '[roles."值班员"]\nemails = ["duty@county.gov.cn"]\nrobots = ["值班群", "飞书群", "钉钉群", "接口"]')
    (home / "rules.toml").write_text(text + '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n' + extra,
                                     encoding="utf-8")


def secrets_file(home, **values) -> None:
    path = home / "secrets.toml"
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)


def rendered(markdown: str) -> str:
    """What a Markdown reader sees: rendered by CommonMark, tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", parser().render(markdown)))


def assert_markdown_exact(markdown: str, *, table_pipes: bool = False) -> None:
    shown = rendered(markdown)
    for title in TITLES:
        assert title in shown, (title, markdown)
    for debris in DEBRIS:
        if table_pipes and debris == "\\|":
            continue  # inside a table row a pipe must be escaped: Markdown's own syntax
        assert debris not in markdown, (debris, markdown)


def assert_plain_exact(text: str) -> None:
    for title in TITLES:
        assert title in text, (title, text)
    for debris in DEBRIS + ("\\*",):
        assert debris not in text, (debris, text)


@pytest.mark.parametrize("title", PROBES)
def test_markdown_fields_render_exactly_and_escape_only_what_is_needed(title):
    for markdown in (md_text(title), f"| {md_cell(title)} |\n|---|\n"):
        assert title in rendered(markdown)
    assert md_text(title) == title if title != "a*b_c*" else md_text(title) == "a\\*b_c\\*"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


@pytest.fixture
def desk(yuqing_home, monkeypatch, http_server, tmp_path):
    """A workspace whose forum carries the five titles, with a WeCom and a Feishu robot and mail."""
    with RobotRecorder() as recorder:
        smtp = SMTPServer(tls="starttls", auth=("yuqing@county.gov.cn", "smtp-pass-123")).start()
        cert = tmp_path / "smtp-ca.pem"
        cert.write_text(smtp.cert_pem, encoding="utf-8")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        write_rules(yuqing_home, f"""
[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"

[robots."飞书群"]
kind = "feishu"
url_secret = "feishu_robot"

[robots."钉钉群"]
kind = "dingtalk"
url_secret = "ding_robot"

[robots."接口"]
kind = "webhook"
url_secret = "hook"

[mail]
host = "127.0.0.1"
port = {smtp.port}
security = "starttls"
sender = "yuqing@county.gov.cn"
username = "yuqing@county.gov.cn"
password_secret = "smtp_password"
""")
        secrets_file(yuqing_home, duty_robot=recorder.add_wecom("WECOMKEY"),
                     feishu_robot=recorder.add_feishu("FEISHUTOKEN"), ding_robot=recorder.add_dingtalk("DINGTOKEN"),
                     hook=recorder.add_webhook("HOOK"), smtp_password="smtp-pass-123")
        add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
        http_server.route("/forum", discuz_page([(n + 1, t, 5, 100) for n, t in enumerate(TITLES)]))
        monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
        result = run("collect", "--force")
        assert result.exit_code == 0, result.stderr
        try:
            yield recorder, smtp
        finally:
            smtp.stop()


def test_every_output_shows_the_titles_exactly(desk, yuqing_home, monkeypatch):
    recorder, smtp = desk
    monkeypatch.setenv("COLUMNS", "200")  # tables wide enough not to wrap a title
    # terminal
    events = run("events")
    assert_plain_exact(events.stdout)
    assert_plain_exact(run("case", "list").stdout)
    assert_plain_exact(run("search", "清河县").stdout)
    shown = "".join(run("event", "show", str(n)).stdout for n in range(1, 6))
    assert_plain_exact(shown)
    # outbox files: Markdown
    outbox = "".join(p.read_text(encoding="utf-8") for p in sorted((yuqing_home / "outbox").rglob("*.md")))
    assert_markdown_exact(outbox)
    # robots: WeCom and DingTalk render Markdown, Feishu shows text, a webhook gets both
    wecom = "".join(r.content() for r in recorder.accepted("WECOMKEY"))
    assert_markdown_exact(wecom)
    assert_markdown_exact("".join(r.content() for r in recorder.accepted("DINGTOKEN")))
    assert_plain_exact("".join(r.content() for r in recorder.accepted("FEISHUTOKEN")))
    hooks = [r.payload for r in recorder.accepted("HOOK")]
    assert_markdown_exact("".join(p["markdown"] for p in hooks))
    assert_plain_exact("".join(p["text"] + p["subject"] for p in hooks))
    # mail: the subject and the plain body
    assert len(smtp.messages) == 5
    assert_plain_exact("".join(m.message["Subject"] for m in smtp.messages))
    assert_plain_exact("".join(m.message.get_body(("plain",)).get_content() for m in smtp.messages))
    # reports: Markdown, HTML, Word
    daily = run("report", "daily", "--stdout")
    assert daily.exit_code == 0, daily.stderr
    assert_markdown_exact(daily.stdout, table_pipes=True)
    bulletins = "".join(run("report", "event", str(n), "--stdout").stdout for n in range(1, 6))
    assert_markdown_exact(bulletins, table_pipes=True)
    page = run("report", "daily", "--format", "html")
    text = _Text()
    text.feed((yuqing_home / "reports" / "daily-2026-11-27.html").read_text(encoding="utf-8"))
    assert page.exit_code == 0 and "&amp;amp;" not in "".join(text.parts)
    assert_plain_exact("".join(text.parts))
    assert run("report", "daily", "--format", "docx").exit_code == 0
    assert_plain_exact(_docx_text(yuqing_home / "reports" / "daily-2026-11-27.docx"))


def _docx_text(path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.slow
def test_the_terminal_and_a_bulletin_through_subprocess(desk, yuqing_home):
    env = {**os.environ, "YUQING_HOME": str(yuqing_home), "YUQING_NOW": FRIDAY_10, "COLUMNS": "160"}

    def yuqing(*args):
        done = subprocess.run([sys.executable, "-m", "yuqing.cli", *args], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert_plain_exact(yuqing("events"))
    assert_markdown_exact("".join(yuqing("report", "event", str(n), "--stdout") for n in range(1, 6)),
                          table_pipes=True)
