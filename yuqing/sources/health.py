"""How a source's health reads, wherever it is shown: the run summary, status, todo.

A source the collector leaves alone because it failed before (backoff, 410) is still
failing: it never reads as healthy, and a run exits 1 while it lasts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing import clock

FAILING_STATUSES = ("failed", "backoff", "gone")


def backoff_reason(retry_at: str, now: datetime | None = None) -> str:
    """「退避中，下次 HH:MM 重试」"""
    return f"退避中，下次 {clock.brief_text(retry_at, now)} 重试"


def failing_label(state: dict[str, Any], now: datetime | None = None) -> str:
    """「失败（退避中，下次 HH:MM 重试）」 for a source's health row, without the reason."""
    if state.get("gone"):
        return "失败（已停用(410)）"
    retry_at = state.get("next_attempt_at")
    if retry_at and retry_at > clock.to_iso(now or clock.now()):
        return f"失败（{backoff_reason(retry_at, now)}）"
    return "失败（下次运行重试）"


def failing_text(state: dict[str, Any], now: datetime | None = None) -> str:
    """「失败（退避中，下次 HH:MM 重试）：原因」 for a source's health row."""
    reason = state.get("last_reason") or state.get("last_error") or "原因不明"
    return f"{failing_label(state, now)}：{reason}"
