"""The escalation context built from a workspace: rules, the `[duty]` hours, the PRC work
calendar merged with the office's own calendar.toml, and the secrets the senders need.

Every caller that sends notices (`run`, `collect`, `escalate`, `demo`, the benches) builds it
here, so they all honour the same configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from yuqing import clock
from yuqing.errors import ConfigError
from yuqing.notify.credentials import Secrets
from yuqing.notify.dispatch import Dispatcher
from yuqing.notify.workcal import DutyHours, WorkCalendar, add_workdays

if TYPE_CHECKING:
    from yuqing.notify.routing import Escalation
    from yuqing.rules import Rules
    from yuqing.store import Store

OFFICE_CALENDAR = "calendar.toml"


@dataclass
class Context:
    store: Store
    rules: Rules
    now: datetime
    home: Path
    calendar: WorkCalendar
    duty: DutyHours
    warnings: list[str] = field(default_factory=list)

    @property
    def escalation(self) -> Escalation:
        return self.rules.escalation


def duty_hours(rules: Rules) -> DutyHours:
    """The `[duty]` table of rules.toml (08:30–17:30 when absent)."""
    table = rules.raw.get("duty", {})
    try:
        return DutyHours(start=time.fromisoformat(table.get("start", "08:30")),
                         end=time.fromisoformat(table.get("end", "17:30")))
    except (TypeError, ValueError):
        raise ConfigError(f"{rules.path} [duty]：start / end 应为 \"08:30\" 这样的时间") from None


def work_calendar(home: Path) -> WorkCalendar:
    """The bundled PRC calendar, overridden by the workspace's calendar.toml when present."""
    calendar = WorkCalendar.load()
    office = home / OFFICE_CALENDAR
    return WorkCalendar.merged(calendar, office) if office.exists() else calendar


def build_context(home: Path, store: Store, rules: Rules, *, now: datetime | None = None,
                  mail_ssl_context=None) -> tuple[Context, Dispatcher]:
    """The context and the dispatcher for one escalation step. The calendar's warnings (a
    provisional year) are collected here; secrets.toml's as its secrets are read."""
    now = now or clock.now()
    secrets = Secrets(home)
    ctx = Context(store=store, rules=rules, now=now, home=home, calendar=work_calendar(home),
                  duty=duty_hours(rules))
    ctx.warnings = ctx.calendar.warnings(now.astimezone(clock.SHANGHAI).date())
    dispatcher = Dispatcher(store, rules.escalation, secrets, mail_ssl_context=mail_ssl_context)
    return ctx, dispatcher


def letter_reply_due(home: Path, rules: Rules) -> Callable[[str, str], str]:
    """(channel, received_at) → the letter's reply deadline: the channel's working days from
    rules.toml [letters] on the workspace's calendar, due at 下班 (UTC ISO in and out)."""
    calendar, duty, policy = work_calendar(home), duty_hours(rules), rules.letters

    def reply_due(channel: str, received_at: str) -> str:
        due = add_workdays(clock.parse_iso(received_at), policy.workdays_for(channel), cal=calendar, duty=duty)
        return clock.to_iso(due)

    return reply_due
