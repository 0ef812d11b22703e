"""The 工作总结 figures: what the office did in a period, each counted from the store and
each with its 口径 (how it is counted), for the annual and weekly reports and `--json`.

Rates are fractions (0.75), or None when there is nothing to divide by.
"""

from __future__ import annotations

import json
from typing import Any

from yuqing.events.cases import ANSWER_ACTIONS
from yuqing.events.tags import is_social
from yuqing.rules import Rules
from yuqing.sources.letters import replied_on_time
from yuqing.store import Store

BASIS = {
    "digests": "编发的《重要舆情摘报》：期内以 --issue 正式编号的期数（按编发时间，预览不计）。",
    "digest_items": "刊发舆情信息：这些摘报收录的事件条数；其中社情民意：事件手工标记为社情民意"
                    "（yuqing event tag），或命中 rules.toml 中 kind = \"社情民意\" 的监测主题。",
    "events_handled": "处置舆情事件：期内至少有一条值班员处置记录（研判、上报、转办、回复、办结等）的事件；"
                      "自动立案而无人处置的不计。",
    "reported_up": "上报：期内处置记录中「上报」的条数。",
    "deletions": "删帖：删帖申请涉及的帖子数（同一帖子只计一次；未写帖子编号的旧记录每条计 1）；"
                 "删除：记录为「删帖 已删除」的帖子数；未删除：记录为「删帖 未删除」且没有删除记录的帖子数。",
    "reply_documents": "答复材料：期内附有文件（--attach）的回复、发布通稿、辟谣记录的份数。",
    "letters": "网上信件：来信时间在期内的 12345 热线、县长信箱、领导留言板等来信（yuqing letter import）。"
               "回复率 = 已回复或已办结的 ÷ 收到的；按时回复率 = 在答复时限（rules.toml [letters]，工作日）内"
               "回复的 ÷ 已回复的；办结率 = 已办结 ÷ 收到的；满意率 = 满意、非常满意、基本满意 ÷ 有评价的"
               "（未评价的不计入分母）。",
}


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def work_figures(store: Store, rules: Rules, start: str, end: str) -> dict[str, Any]:
    """Every 工作总结 figure for [start, end) (UTC ISO bounds)."""
    return {
        "digests": _digests(store, rules, start, end),
        "events_handled": store.events_acted_on_between(start, end),
        "reported_up": len(store.actions_between(start, end, ["上报"])),
        "deletions": _deletions(store.actions_between(start, end, ["删帖申请", "删帖"])),
        "reply_documents": sum(1 for a in store.actions_between(start, end, list(ANSWER_ACTIONS))
                               if a["document_sha"]),
        "letters": letter_figures(store.letters_received_between(start, end)),
        "basis": dict(BASIS),
    }


def _digests(store: Store, rules: Rules, start: str, end: str) -> dict[str, int]:
    items = store.digested_events(start, end)
    social = sum(1 for item in items if is_social(item, json.loads(item["tags"] or "[]"), rules.social_topics))
    return {"issued": store.digests_issued_between(start, end), "items": len(items), "social": social}


def _deletions(actions: list[dict[str, Any]]) -> dict[str, int]:
    requested: set[int] = set()
    unnamed_requests = 0
    deleted: set[int] = set()
    refused: set[int] = set()
    for action in actions:
        posts = json.loads(action["post_ids"] or "[]")
        if action["action"] == "删帖申请":
            requested.update(posts)
            unnamed_requests += not posts
        elif action["outcome"] == "已删除":
            deleted.update(posts)
        elif action["outcome"] == "未删除":
            refused.update(posts)
    return {"requested": len(requested) + unnamed_requests, "deleted": len(deleted),
            "not_deleted": len(refused - deleted)}


def letter_figures(letters: list[dict[str, Any]]) -> dict[str, Any]:
    received = len(letters)
    replied = [x for x in letters if x["replied_at"] or x["closed_at"]]
    on_time = [x for x in replied if replied_on_time(x)]
    closed = [x for x in letters if x["closed_at"]]
    rated = [x for x in letters if x["satisfied"] is not None]
    satisfied = [x for x in rated if x["satisfied"]]
    by_channel: dict[str, int] = {}
    for letter in letters:
        by_channel[letter["channel"]] = by_channel.get(letter["channel"], 0) + 1
    return {
        "received": received, "replied": len(replied), "on_time": len(on_time), "closed": len(closed),
        "rated": len(rated), "satisfied": len(satisfied),
        "replied_rate": rate(len(replied), received), "on_time_rate": rate(len(on_time), len(replied)),
        "closed_rate": rate(len(closed), received), "satisfaction_rate": rate(len(satisfied), len(rated)),
        "by_channel": [{"channel": c, "letters": n} for c, n in sorted(by_channel.items(), key=lambda kv: (-kv[1], kv[0]))],
    }
