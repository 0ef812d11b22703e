"""Escalation end to end with the real parts: an aiosmtpd server with STARTTLS and AUTH,
and the loopback WeCom / DingTalk recorder that enforces the vendors' limits."""

from __future__ import annotations

import json
import sqlite3

import pytest
from forum_fixtures import discuz_page
from helpers import run
from robot_recorder import RobotRecorder
from smtp_server import SMTPServer
from test_collect import add_source

from yuqing.rules import rules_path_for
from yuqing.text.positive import positive_words

FRIDAY_10 = "2026-11-27T10:00:00+08:00"


@pytest.fixture
def recorder():
    with RobotRecorder() as rec:
        yield rec


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    server = SMTPServer(tls="starttls", auth=("yuqing@county.gov.cn", "smtp-pass-123")).start()
    cert = tmp_path / "smtp-ca.pem"
    cert.write_text(server.cert_pem, encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test server's certificate
    yield server
    server.stop()


def write_rules(home, extra: str, *, duty_robots: str = '["值班群"]', leader_emails: str = "[]") -> None:
    home.mkdir(parents=True, exist_ok=True)
    text = rules_path_for(None).read_text(encoding="utf-8")
    text = text.replace('[roles."值班员"]\nemails = []\nrobots = []',
                        f'[roles."值班员"]\nemails = ["duty@county.gov.cn"]\nrobots = {duty_robots}')
    text = text.replace('[roles."分管领导"]\nemails = []', f'[roles."分管领导"]\nemails = {leader_emails}')
    (home / "rules.toml").write_text(text + '\n[[topics]]\nname = "清河县"\nkeywords = ["清河"]\n' + extra,
                                     encoding="utf-8")


def secrets_file(home, **values) -> None:
    path = home / "secrets.toml"
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)


def forum(http_server, rows) -> None:
    http_server.route("/forum", discuz_page(rows))


def test_a_case_by_mail_and_wecom_from_notice_to_closure(yuqing_home, monkeypatch, http_server, recorder, smtp):
    write_rules(yuqing_home, f"""
[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"

[mail]
host = "127.0.0.1"
port = {smtp.port}
security = "starttls"
sender = "yuqing@county.gov.cn"
username = "yuqing@county.gov.cn"
password_secret = "smtp_password"
""", leader_emails='["leader@county.gov.cn"]')
    secrets_file(yuqing_home, duty_robot=recorder.add_wecom("WECOMKEY1"), smtp_password="smtp-pass-123")
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz", "--site", "桂北人社区")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    forum(http_server, [(9, "清河县城关镇老街拆迁补偿不到位", 30, 1200)])
    assert run("collect", "--force").exit_code == 0
    [mail] = smtp.messages
    message = mail.message
    assert message["Message-ID"] == "<YQ-2026-0001@yuqing.local>"
    assert "重大" in message["Subject"] and mail.tls and mail.auth_user == "yuqing@county.gov.cn"
    assert set(mail.rcpt_tos) == {"duty@county.gov.cn", "leader@county.gov.cn"}
    assert "点击 1200 ≥ 1000 → 重大" in message.get_body(("plain",)).get_content()
    [robot] = recorder.accepted("WECOMKEY1")
    assert "YQ-2026-0001" in robot.content() and not robot.problems
    # Nothing done by the forward deadline (12:00): 超时催办 by mail and robot.
    monkeypatch.setenv("YUQING_NOW", "2026-11-27T12:01:00+08:00")
    result = run("escalate", "--json")
    assert result.exit_code == 0, result.stderr
    kinds = [p["kind"] for p in json.loads(result.stdout)["planned"]]
    assert "overdue" in kinds
    assert any("超时催办" in m.message["Subject"] for m in smtp.messages)
    assert any("超时催办" in r.content() for r in recorder.accepted("WECOMKEY1"))
    assert run("case", "act", "1", "--action", "转办", "--to", "城关镇政府").exit_code == 0
    assert run("case", "close", "1", "--result", "已整改").exit_code == 0
    sent_before = len(smtp.messages), len(recorder.requests)
    assert run("escalate").exit_code == 0
    assert (len(smtp.messages), len(recorder.requests)) == sent_before
    assert "smtp-pass-123" not in (yuqing_home / "yuqing.db").read_bytes().decode("utf-8", "replace")


def test_sixty_events_at_once_hold_the_robot_limit_and_merge_the_rest(yuqing_home, monkeypatch, http_server,
                                                                      recorder):
    """T24."""
    write_rules(yuqing_home, """
[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"
""")
    secrets_file(yuqing_home, duty_robot=recorder.add_wecom("WECOMKEY2"))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    import random
    rng = random.Random(24)
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
    titles = []
    while len(titles) < 60:  # random words must not happen to read as good news (正面 sends nothing)
        title = "清河县" + "".join(rng.choice(pool) for _ in range(80))
        if not positive_words(title):
            titles.append(title)
    forum(http_server, [(n, title, 150, 1500 + n) for n, title in enumerate(titles)])
    run("collect", "--force", "--no-escalate")
    escalated = run("escalate", "--json")
    report = json.loads(escalated.stdout)
    assert len(report["planned"]) == 60, escalated.stderr
    received = recorder.for_robot("WECOMKEY2")
    assert len(received) == 20 and all(r.accepted for r in received), [r.problems for r in received]
    summary = received[-1].content()
    assert "41 条" in summary
    for request in received:
        assert len(request.body) <= 4096 + 200 and len(request.content().encode()) <= 4096
        request.content().encode().decode("utf-8")  # no half characters
    # Within the same minute nothing more goes out; the budget holds across runs.
    run("escalate")
    assert len(recorder.for_robot("WECOMKEY2")) == 20


def test_a_crash_between_send_and_record_costs_at_most_one_duplicate(yuqing_home, monkeypatch, http_server,
                                                                     recorder):
    """T23."""
    write_rules(yuqing_home, """
[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"
""")
    secrets_file(yuqing_home, duty_robot=recorder.add_wecom("WECOMKEY3"))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    forum(http_server, [(1, "清河县自来水发黄", 120, 1300)])
    run("collect", "--force")
    assert len(recorder.for_robot("WECOMKEY3")) == 1
    db = sqlite3.connect(yuqing_home / "yuqing.db")
    # As if the process died after sending, before recording: the row stays 'sending'.
    db.execute("UPDATE deliveries SET status = 'sending', attempts = 1 WHERE channel = 'robot:值班群'")
    db.commit()
    run("escalate")
    numbers = [r.content() for r in recorder.for_robot("WECOMKEY3")]
    assert len(numbers) == 2 and all("YQ-2026-0001" in n for n in numbers)
    db.execute("UPDATE deliveries SET status = 'sending', attempts = 2 WHERE channel = 'robot:值班群'")
    db.commit()
    result = run("escalate")
    assert len(recorder.for_robot("WECOMKEY3")) == 2  # a second crash: no third copy
    status = json.loads(run("status", "--json").stdout)
    assert status["deliveries"].get("failed") == 1 and "人工确认" in status["failed_deliveries"][0]["last_error"]
    assert result.exit_code == 0


def test_dingtalk_signature_and_keyword(yuqing_home, monkeypatch, http_server, recorder):
    write_rules(yuqing_home, """
[robots."值班群"]
kind = "dingtalk"
url_secret = "ding_url"
sign_secret = "ding_secret"
keyword = "舆情"
""")
    url = recorder.add_dingtalk("DINGTOKEN", secret="SECabc123", keywords=["舆情"])
    monkeypatch.setenv("YUQING_SECRET_DING_URL", url)
    monkeypatch.setenv("YUQING_SECRET_DING_SECRET", "SECabc123")
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    forum(http_server, [(1, "清河县某路段积水严重", 120, 1300)])
    run("collect", "--force")
    [request] = recorder.for_robot("DINGTOKEN")
    assert request.accepted, request.problems


def test_wrong_dingtalk_secret_is_a_configuration_failure_said_in_chinese(yuqing_home, monkeypatch,
                                                                          http_server, recorder):
    write_rules(yuqing_home, """
[robots."值班群"]
kind = "dingtalk"
url_secret = "ding_url"
sign_secret = "ding_secret"
""")
    monkeypatch.setenv("YUQING_SECRET_DING_URL", recorder.add_dingtalk("DT2", secret="SECright"))
    monkeypatch.setenv("YUQING_SECRET_DING_SECRET", "SECwrong")
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    forum(http_server, [(1, "清河县某路段积水严重", 120, 1300)])
    run("collect", "--force", "--no-escalate")
    result = run("escalate")
    assert result.exit_code == 1 and "加签" in result.stderr
    assert "SECwrong" not in result.stdout + result.stderr
    assert len(recorder.for_robot("DT2")) == 1  # not retried
    run("escalate")
    assert len(recorder.for_robot("DT2")) == 1


def test_notices_route_to_the_department_of_the_place(yuqing_home, monkeypatch, http_server, recorder):
    write_rules(yuqing_home, """
[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"

[robots."教育局群"]
kind = "wecom"
url_secret = "edu_robot"

[roles."县教育局"]
emails = []
robots = ["教育局群"]

[[places]]
name = "清河县第一中学"
aliases = ["清河一中", "县一中"]
department = "县教育局"
""")
    secrets_file(yuqing_home, duty_robot=recorder.add_wecom("DUTY"), edu_robot=recorder.add_wecom("EDU"))
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    forum(http_server, [(1, "清河一中食堂饭菜发霉", 120, 1300), (2, "清河县城关镇路灯坏了", 1, 50)])
    run("collect", "--force")
    assert len(recorder.for_robot("EDU")) == 1 and "食堂" in recorder.for_robot("EDU")[0].content()
    assert len(recorder.for_robot("DUTY")) == 2


def test_a_secrets_file_others_can_read_is_warned_about(yuqing_home, monkeypatch, http_server, recorder):
    write_rules(yuqing_home, """
[robots."值班群"]
kind = "wecom"
url_secret = "duty_robot"
""")
    secrets_file(yuqing_home, duty_robot=recorder.add_wecom("K"))
    (yuqing_home / "secrets.toml").chmod(0o644)
    add_source(http_server.url("/forum"), "论坛", "forum", "--preset", "discuz")
    monkeypatch.setenv("YUQING_NOW", FRIDAY_10)
    forum(http_server, [(1, "清河县某路段积水严重", 120, 1300)])
    result = run("collect", "--force")
    assert "chmod 600" in result.stderr
    assert "rules.toml" not in result.stderr or "url" not in result.stderr
