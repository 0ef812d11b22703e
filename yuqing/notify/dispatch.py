"""From a channel name (`mail`, `robot:值班群`) to a real sender with its secrets, and
each robot's rate budget, kept in SQLite so it holds across cron runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from yuqing import clock
from yuqing.errors import ConfigError

if TYPE_CHECKING:  # channels (smtplib, email) is imported on the first send
    from yuqing.notify.channels import Message, Outcome
    from yuqing.notify.credentials import Secrets
    from yuqing.notify.routing import Escalation
    from yuqing.store import Store

MINUTE = timedelta(minutes=1)


class Dispatcher:
    def __init__(self, store: Store, escalation: Escalation, secrets: Secrets, *, mail_ssl_context=None):
        self.store = store
        self.escalation = escalation
        self.secrets = secrets
        self.mail_ssl_context = mail_ssl_context

    def send(self, channel: str, message: Message, roles: list[str]) -> Outcome:
        from yuqing.notify.channels import Outcome, redact

        try:
            sender = self._sender(channel, roles)
        except ConfigError as error:
            return Outcome("config", error.message)
        outcome = sender.send(message)
        detail = redact(outcome.detail, self.secrets.all_values())
        if channel.startswith("robot:") and outcome.status in ("sent", "ambiguous"):
            now = clock.now()
            self.store.record_robot_send(channel, clock.to_iso(now), clock.to_iso(now - 2 * MINUTE))
        return Outcome(outcome.status, detail, outcome.retry_after)

    def _sender(self, channel: str, roles: list[str]):
        from yuqing.notify.channels import MailChannel, RobotChannel

        if channel == "mail":
            mail = self.escalation.mail
            if mail is None:
                raise ConfigError("rules.toml 中没有 [mail] 配置")
            recipients = [e for r in roles if r in self.escalation.roles for e in self.escalation.roles[r].emails]
            return MailChannel(
                host=mail.host, port=mail.port, security=mail.security, username=mail.username,
                password=self.secrets.get(mail.password_secret), sender=mail.sender,
                recipients=list(dict.fromkeys(recipients)), timeout=mail.timeout,
                ssl_context=self.mail_ssl_context,
            )
        name = channel.removeprefix("robot:")
        robot = self.escalation.robots.get(name)
        if robot is None:
            raise ConfigError(f"机器人「{name}」在 rules.toml 的 [robots] 中没有定义")
        return RobotChannel(
            kind=robot.kind, url=self.secrets.require(robot.url_secret, f"机器人「{name}」"),
            secret=self.secrets.get(robot.sign_secret), keyword=robot.keyword, max_bytes=robot.max_bytes,
        )

    def budget(self, channel: str, now: datetime) -> int | None:
        """How many messages this channel may take now (None: no limit)."""
        if not channel.startswith("robot:"):
            return None
        blocked = self.store.robot_blocked_until(channel)
        if blocked and blocked > clock.to_iso(now):
            return 0
        robot = self.escalation.robots.get(channel.removeprefix("robot:"))
        per_minute = robot.per_minute if robot else 20
        used = self.store.robot_sent_since(channel, clock.to_iso(now - MINUTE))
        return max(0, per_minute - used)

    def after_send(self, channel: str, outcome: Outcome, now: datetime) -> None:
        if channel.startswith("robot:") and outcome.status == "transient" and outcome.retry_after:
            self.store.block_robot(channel, clock.to_iso(now + timedelta(seconds=outcome.retry_after)))
