"""How a failing source reads wherever it is listed: never as healthy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yuqing.sources.health import failing_label, failing_text

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.mark.parametrize(("state", "text"), [
    ({"consecutive_failures": 2, "last_reason": "HTTP 404", "next_attempt_at": "2026-11-27T01:20:00+00:00"},
     "失败（退避中，下次 09:20 重试）：HTTP 404"),
    ({"consecutive_failures": 9, "last_reason": "超时", "next_attempt_at": "2026-11-28T01:00:00+00:00"},
     "失败（退避中，下次 11-28 09:00 重试）：超时"),  # a retry on another day says which
    ({"consecutive_failures": 1, "last_reason": "HTTP 503", "next_attempt_at": "2026-11-27T00:50:00+00:00"},
     "失败（下次运行重试）：HTTP 503"),  # the wait is over: the next run tries
    ({"consecutive_failures": 1, "gone": 1, "last_reason": "已删除(410)"}, "失败（已停用(410)）：已删除(410)"),
    ({"consecutive_failures": 1}, "失败（下次运行重试）：原因不明"),
])
def test_failing_text(state, text):
    assert failing_text(state, NOW) == text
    assert failing_label(state, NOW) == text.split("：")[0]
