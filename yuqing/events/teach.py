"""The office teaches the tone model: verdicts on posts, a local model, back to the shipped one.

`label_post` records the officer's verdict (负面 / 非负面) in the post's judgment history;
the latest verdict outweighs the model's reading when the post's event is graded.
`train_local_model` moves the shipped model towards the office's labelled posts
(`yuqing.text.tonetrain.adapt_model`) and saves it in the workspace, where `yuqing` uses it
from then on; it measures the model in use and the new one on a held-out quarter of the
labels. `reset_local_model` removes it. Posts read by another model are read again by the
next run (`update_events`).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yuqing import clock
from yuqing.errors import ConfigError, UsageError
from yuqing.rules import Rules
from yuqing.store import Store

VERDICTS = {"负面": True, "非负面": False}
MIN_LABELS = 20
HELD_OUT_SHARE = 4  # a quarter of the labelled posts (by post id) is held out for figures


@dataclass
class LabelResult:
    post_id: int
    title: str
    negative: bool
    score: float | None
    model: str | None
    history: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)


def parse_verdict(word: str) -> bool:
    try:
        return VERDICTS[word.strip()]
    except KeyError:
        raise UsageError(f"研判结论应为「负面」或「非负面」，而不是「{word}」") from None


def label_post(store: Store, rules: Rules, post_id: int, verdict: str | None, *,
               reason: str = "", by: str | None = None) -> LabelResult:
    """Record a verdict (None: only show the post's tone and its history); events regraded.
    The verdict goes to tone_labels (what training reads) and, for a post in an event, to
    the event's judgment history (what the officer reads)."""
    from yuqing.events.cases import actor
    from yuqing.events.grouping import update_events
    from yuqing.grade import read

    post = store.post_tone(post_id)
    if post is None:
        raise UsageError(f"没有编号为 {post_id} 的帖子（用 yuqing search 查找帖子编号）")
    score, model = post["tone_score"], post["tone_model"]
    if score is None:  # not analysed yet: read it now for the record
        reading = read(f"{post['title']}\n{post['text']}", rules)
        score, model = reading.score, reading.model
    negative = bool(post["negative"])
    changes = []
    if verdict is not None:
        negative = parse_verdict(verdict)
        at = clock.now_iso()
        with store.write():
            store.add_tone_label(post_id, negative, at, score, model)
            if post["event_id"] is not None:
                store.add_judgment(post["event_id"], at=at, kind="tone", value=verdict.strip(),
                                   reason=reason.strip(), by=actor(by), post_id=post_id,
                                   detail={"title": post["title"], "score": score, "model": model})
        changes = update_events(store, rules).changes
    return LabelResult(post_id, post["title"], negative, score, model, store.tone_labels(post_id), changes)


@dataclass
class Figures:
    posts: int
    negatives: int
    precision: float
    recall: float
    f1: float


@dataclass
class TrainResult:
    labels: int
    trained_on: int
    held_out: int
    before_model: str
    after_model: str
    before: Figures | None
    after: Figures | None
    path: str


def train_local_model(store: Store, rules: Rules, model_path: Path) -> TrainResult:
    """Adapt the shipped model to the office's labels and save it at ``model_path``."""
    from yuqing.text.negativity import ModelError, Negativity, decode_model, load_model
    from yuqing.text.tonetrain import adapt_model, model_bytes

    labelled = store.labelled_posts()
    negatives = sum(p["negative"] for p in labelled)
    if len(labelled) < MIN_LABELS or negatives == 0 or negatives == len(labelled):
        raise UsageError(
            f"人工研判的帖子太少：现有 {len(labelled)} 条（负面 {negatives} 条），至少需要 {MIN_LABELS} 条，"
            "且负面和非负面都要有（用 yuqing post tone 帖子编号 负面|非负面 记录）")
    held = [p for p in labelled if _held_out(p["id"])]
    train = [p for p in labelled if not _held_out(p["id"])]
    try:
        shipped = load_model()
    except ModelError as error:
        raise ConfigError(error.message) from None
    adapted = adapt_model(shipped, [_text(p) for p in train], [p["negative"] for p in train], office=rules.tone)
    info = {"kind": "local", "base": shipped.id, "labels": len(train)}
    data = model_bytes(adapted.weights, adapted.bias, shipped.threshold, info, adapted.register)
    new = decode_model(data, "（新训练的模型）")
    before_reader = rules.negativity
    after_reader = Negativity(None, rules.tone)
    after_reader._model = new
    before = _figures(before_reader, held)
    after = _figures(after_reader, held)
    _write_atomically(model_path, data)
    return TrainResult(len(labelled), len(train), len(held), before_reader.model.id, new.id,
                       before, after, str(model_path))


def reset_local_model(path: Path) -> bool:
    """Remove the office's model at ``path``; True when there was one."""
    if not path.exists():
        return False
    path.unlink()
    return True


def _held_out(post_id: int) -> bool:
    return zlib.crc32(str(post_id).encode()) % HELD_OUT_SHARE == 0


def _text(post: dict[str, Any]) -> str:
    return f"{post['title']}\n{post['text']}"


def _figures(reader: Any, posts: list[dict[str, Any]]) -> Figures | None:
    from yuqing.text.tonetrain import f1

    if not posts:
        return None
    predicted = [r.negative for r in reader.read_many([_text(p) for p in posts])]
    gold = [p["negative"] for p in posts]
    precision, recall, score = f1(predicted, gold)
    return Figures(len(posts), sum(gold), precision, recall, score)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
