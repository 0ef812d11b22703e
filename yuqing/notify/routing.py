"""The escalation half of rules.toml: per-level deadlines and actions, roles and their
people and channels, robots, mail, and the gazetteer of places and their departments.

`check_escalation` reports problems in Chinese naming table and key; `build_escalation`
turns a checked table into plain data. No secret is ever read from rules.toml: robots
and mail name a secret, resolved from the environment or secrets.toml (`secrets.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LEVEL_NAMES = ("一般", "较大", "重大", "特别重大")
ROBOT_KINDS = ("wecom", "dingtalk", "feishu", "webhook")
DEFAULT_PER_MINUTE = {"wecom": 20, "dingtalk": 20, "feishu": 100, "webhook": 60}


@dataclass(frozen=True)
class LevelPolicy:
    level: str
    report_to: tuple[str, ...]
    report_within_hours: float | None = None  # 0 = at once; None = as appropriate
    forward_within_hours: float | None = None
    answer_within_hours: float | None = None
    working_hours: bool = False
    wake: bool = False
    actions: tuple[str, ...] = ()
    template: str = "notice.md.j2"


@dataclass(frozen=True)
class Role:
    name: str
    emails: tuple[str, ...] = ()
    robots: tuple[str, ...] = ()
    next: str | None = None


@dataclass(frozen=True)
class RobotConfig:
    name: str
    kind: str
    url_secret: str
    sign_secret: str | None = None
    keyword: str | None = None
    per_minute: int = 20
    max_bytes: int | None = None


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    sender: str
    security: str = "starttls"
    username: str | None = None
    password_secret: str | None = None
    timeout: float = 20.0


@dataclass(frozen=True)
class Place:
    name: str
    aliases: tuple[str, ...]
    department: str

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Escalation:
    notice_prefix: str = "YQ"
    case_min_level: str = "一般"
    reminder_before_minutes: float = 30.0
    operator_role: str = "值班员"
    source_failure_runs: int = 3
    levels: dict[str, LevelPolicy] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    robots: dict[str, RobotConfig] = field(default_factory=dict)
    mail: MailConfig | None = None
    places: tuple[Place, ...] = ()
    topic_departments: dict[str, str] = field(default_factory=dict)

    def policy(self, level: str) -> LevelPolicy:
        return self.levels.get(level) or LevelPolicy(level, (self.operator_role,))

    def contacts(self, role: str) -> list[str]:
        """How a role is reached beyond the file outbox: mail addresses (when mail is set
        up) and robots. Empty: its notices are only written to the outbox."""
        spec = self.roles.get(role)
        if spec is None:
            return []
        emails = list(spec.emails) if self.mail else []
        return emails + [f"机器人 {robot}" for robot in spec.robots]

    def roles_without_contacts(self) -> list[str]:
        """Roles notices go to (every level's report_to, the operator) that nobody can be reached at."""
        named = [self.operator_role, *(r for policy in self.levels.values() for r in policy.report_to)]
        return [role for role in dict.fromkeys(named) if not self.contacts(role)]


Fail = Callable[[str, str], None]


def unknown_keys(warn: Fail, where: str, table: dict[str, Any], known: tuple[str, ...]) -> None:
    """A misspelt key (score_treshold) is read by nobody: the officer's setting does not
    apply, so it is named with the keys the table does take. A warning, not an error: a key
    left from another version or a typo must not stop collection."""
    unknown = sorted(str(key) for key in table if key not in known)
    if unknown:
        warn(where, f"不认识的键 {', '.join(unknown)}，这项设置不会生效（可用的键：{', '.join(known)}）")


ESCALATION_KEYS = ("notice_prefix", "case_min_level", "reminder_before_minutes", "operator_role",
                   "source_failure_runs", "levels")
POLICY_KEYS = ("report_to", "report_within_hours", "forward_within_hours", "answer_within_hours",
               "working_hours", "wake", "actions", "template")
ROLE_KEYS = ("emails", "robots", "next")


def check_escalation(data: dict[str, Any], fail: Fail, warn: Fail) -> None:
    """Problems of the escalation tables go to ``fail``, keys nobody reads to ``warn``."""
    table = data.get("escalation", {})
    if not isinstance(table, dict):
        fail("[escalation]", "应为表")
        return
    if "case_min_level" in table and table["case_min_level"] not in LEVEL_NAMES:
        fail("[escalation] case_min_level", f"应为 {' / '.join(LEVEL_NAMES)} 之一")
    for key in ("reminder_before_minutes",):
        if key in table and not _non_negative(table[key]):
            fail(f"[escalation] {key}", f"应为非负数，实际是 {table[key]!r}")
    if "source_failure_runs" in table and not _positive_int(table["source_failure_runs"]):
        fail("[escalation] source_failure_runs", f"应为正整数，实际是 {table['source_failure_runs']!r}")
    unknown_keys(warn, "[escalation]", table, ESCALATION_KEYS)
    levels = table.get("levels", {})
    if not isinstance(levels, dict):
        fail("[escalation.levels]", "应为表")
        levels = {}
    for name, policy in levels.items():
        where = f'[escalation.levels."{name}"]'
        if name not in LEVEL_NAMES:
            fail(where, f"级别名称应为 {' / '.join(LEVEL_NAMES)} 之一")
            continue
        if not isinstance(policy, dict):
            fail(where, "应为表")
            continue
        _check_strings(fail, where, "report_to", policy.get("report_to", []))
        _check_strings(fail, where, "actions", policy.get("actions", []))
        for key in ("report_within_hours", "forward_within_hours", "answer_within_hours"):
            if key in policy and not _non_negative(policy[key]):
                fail(f"{where} {key}", f"应为非负数（小时），实际是 {policy[key]!r}")
        for key in ("working_hours", "wake"):
            if key in policy and not isinstance(policy[key], bool):
                fail(f"{where} {key}", "应为 true 或 false")
        unknown_keys(warn, where, policy, POLICY_KEYS)
    roles = data.get("roles", {})
    robots = data.get("robots", {})
    _check_roles(roles, robots, fail, warn)
    _check_robots(robots, fail)
    _check_mail(data.get("mail"), fail)
    _check_places(data.get("places", []), roles, fail)
    # A report_to that is not a list was named above; its letters are not roles.
    referenced = [r for p in levels.values() if isinstance(p, dict) and isinstance(p.get("report_to"), list)
                  for r in p["report_to"]]
    for role in referenced + [table.get("operator_role", "值班员")]:
        if isinstance(role, str) and isinstance(roles, dict) and roles and role not in roles:
            fail("[escalation]", f"用到的角色「{role}」在 [roles] 中没有定义")


def _check_roles(roles: Any, robots: Any, fail: Fail, warn: Fail) -> None:
    if not isinstance(roles, dict):
        fail("[roles]", "应为表")
        return
    for name, role in roles.items():
        where = f'[roles."{name}"]'
        if not isinstance(role, dict):
            fail(where, "应为表")
            continue
        _check_strings(fail, where, "emails", role.get("emails", []))
        for email in role.get("emails", []) if isinstance(role.get("emails"), list) else []:
            if isinstance(email, str) and ("@" not in email or any(c in email for c in "\r\n ,;")):
                fail(f"{where} emails", f"邮箱地址无效：{email!r}")
        _check_strings(fail, where, "robots", role.get("robots", []))
        for robot in role.get("robots", []) if isinstance(role.get("robots"), list) else []:
            if isinstance(robots, dict) and robot not in robots:
                fail(f"{where} robots", f"机器人「{robot}」在 [robots] 中没有定义")
        unknown_keys(warn, where, role, ROLE_KEYS)
        nxt = role.get("next")
        if nxt is not None and (not isinstance(nxt, str) or nxt not in roles):
            fail(f"{where} next", f"上一级角色「{nxt}」在 [roles] 中没有定义")


def _check_robots(robots: Any, fail: Fail) -> None:
    if not isinstance(robots, dict):
        fail("[robots]", "应为表")
        return
    for name, robot in robots.items():
        where = f'[robots."{name}"]'
        if not isinstance(robot, dict):
            fail(where, "应为表")
            continue
        if robot.get("kind") not in ROBOT_KINDS:
            fail(f"{where} kind", f"应为 {' / '.join(ROBOT_KINDS)} 之一，实际是 {robot.get('kind')!r}")
        for forbidden in ("url", "key", "secret", "token", "access_token"):
            if forbidden in robot:
                fail(f"{where} {forbidden}", "密钥和机器人地址不能写在 rules.toml 中：请用 url_secret 写密钥名称，"
                     "在环境变量或 secrets.toml 中提供")
        if not isinstance(robot.get("url_secret"), str) or not robot.get("url_secret"):
            fail(f"{where} url_secret", "缺少机器人地址的密钥名称")
        if "per_minute" in robot and not _positive_int(robot["per_minute"]):
            fail(f"{where} per_minute", "应为正整数")


def _check_mail(mail: Any, fail: Fail) -> None:
    if mail is None:
        return
    if not isinstance(mail, dict):
        fail("[mail]", "应为表")
        return
    for key in ("host", "sender"):
        if not isinstance(mail.get(key), str) or not mail.get(key):
            fail(f"[mail] {key}", "缺少（应为非空字符串）")
    if not _positive_int(mail.get("port")):
        fail("[mail] port", f"应为端口号（正整数），实际是 {mail.get('port')!r}")
    if mail.get("security", "starttls") not in ("starttls", "ssl", "none"):
        fail("[mail] security", "应为 ssl / starttls / none 之一")
    if "password" in mail:
        fail("[mail] password", "密码不能写在 rules.toml 中：请用 password_secret 写密钥名称")


def _check_places(places: Any, roles: Any, fail: Fail) -> None:
    if not isinstance(places, list):
        fail("places", "应写成 [[places]] 表数组")
        return
    for index, place in enumerate(places, 1):
        where = f"第 {index} 个 [[places]]"
        if not isinstance(place, dict):
            fail(where, "应为表")
            continue
        if not isinstance(place.get("name"), str) or not place.get("name"):
            fail(f"{where} name", "缺少地名")
        _check_strings(fail, where, "aliases", place.get("aliases", []))
        department = place.get("department")
        if not isinstance(department, str) or not department:
            fail(f"{where} department", "缺少负责的部门（写 [roles] 中的角色名）")


def _check_strings(fail: Fail, where: str, key: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        fail(f"{where} {key}", "应为非空字符串的列表")


def _non_negative(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def build_escalation(data: dict[str, Any]) -> Escalation:
    table = data.get("escalation", {})
    levels = {
        name: LevelPolicy(
            level=name,
            report_to=tuple(p.get("report_to", [])),
            report_within_hours=p.get("report_within_hours"),
            forward_within_hours=p.get("forward_within_hours"),
            answer_within_hours=p.get("answer_within_hours"),
            working_hours=p.get("working_hours", False),
            wake=p.get("wake", False),
            actions=tuple(p.get("actions", [])),
            template=p.get("template", "notice.md.j2"),
        )
        for name, p in table.get("levels", {}).items()
    }
    roles = {name: Role(name, tuple(r.get("emails", [])), tuple(r.get("robots", [])), r.get("next"))
             for name, r in data.get("roles", {}).items()}
    robots = {
        name: RobotConfig(name, r["kind"], r["url_secret"], r.get("sign_secret") or None,
                          r.get("keyword") or None, r.get("per_minute", DEFAULT_PER_MINUTE[r["kind"]]),
                          r.get("max_bytes"))
        for name, r in data.get("robots", {}).items()
    }
    mail_table = data.get("mail")
    mail = None
    if mail_table:
        mail = MailConfig(mail_table["host"], mail_table["port"], mail_table["sender"],
                          mail_table.get("security", "starttls"), mail_table.get("username"),
                          mail_table.get("password_secret"), float(mail_table.get("timeout", 20.0)))
    places = tuple(Place(p["name"], tuple(p.get("aliases", [])), p["department"]) for p in data.get("places", []))
    topic_departments = {t["name"]: t["department"] for t in data.get("topics", []) if t.get("department")}
    return Escalation(
        notice_prefix=table.get("notice_prefix", "YQ"),
        case_min_level=table.get("case_min_level", "一般"),
        reminder_before_minutes=float(table.get("reminder_before_minutes", 30)),
        operator_role=table.get("operator_role", "值班员"),
        source_failure_runs=table.get("source_failure_runs", 3),
        levels=levels, roles=roles, robots=robots, mail=mail, places=places,
        topic_departments=topic_departments,
    )


def departments_for(text: str, topics: list[str], escalation: Escalation) -> list[str]:
    """The departments responsible (涉事单位 / 属地) for an event, from its topics and the
    places it mentions."""
    found = [escalation.topic_departments[t] for t in topics if t in escalation.topic_departments]
    for place in escalation.places:
        if any(name in text for name in place.names()):
            found.append(place.department)
    return list(dict.fromkeys(found))
