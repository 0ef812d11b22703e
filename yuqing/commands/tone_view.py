"""How tone verdicts and training are shown."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from yuqing import clock
from yuqing.commands.views import print_json

if TYPE_CHECKING:
    from yuqing.events.teach import Figures, LabelResult, TrainResult


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def verdict_text(negative: bool) -> str:
    return "负面" if negative else "非负面"


def print_label(result: LabelResult, *, recorded: bool, as_json: bool) -> None:
    if as_json:
        print_json(asdict(result) | {"changes": [c.__dict__ for c in result.changes]})
        return
    console = _out()
    console.print(f"帖子 {result.post_id}：{escape(result.title)}")
    score = "（尚未判读）" if result.score is None else f"{result.score:.2f}"
    console.print(f"模型评分：{score}　模型：{escape(result.model or '')}")
    if recorded:
        console.print(f"已记录人工研判：{verdict_text(result.negative)}（分级以人工研判为准）")
    console.print("研判记录：" if result.history else "研判记录：无")
    for entry in result.history:
        was = "" if entry["score"] is None else f"（当时模型评分 {entry['score']:.2f}）"
        console.print(f"  {clock.local_text(entry['at'])}　{verdict_text(bool(entry['negative']))}{was}")
    for change in result.changes:
        console.print(f"  事件 {change.event_id}「{escape(change.title)}」：{change.old or '（新）'} → {change.new}")


def _figures_text(figures: Figures | None) -> str:
    if figures is None:
        return "（留出部分为空）"
    return (f"精确率 {figures.precision:.2f}，召回率 {figures.recall:.2f}，F1 {figures.f1:.2f}"
            f"（{figures.posts} 条，其中负面 {figures.negatives} 条）")


# Below these the held-out comparison says little (one post moves F1 by a tenth or more).
FEW_HELD_OUT, FEW_NEGATIVES = 50, 10


def _comparison_note(before: Figures | None, after: Figures | None) -> str | None:
    """What the before/after figures can be trusted for, when that needs saying: on a few
    held-out posts one post moves F1 by a tenth, so a drop there is no verdict."""
    if before is None or after is None:
        return None
    thin = after.posts < FEW_HELD_OUT or after.negatives < FEW_NEGATIVES
    if thin:
        worse = "这次训练后略差，如不放心可用 yuqing tone reset 恢复自带模型；" if after.f1 < before.f1 else ""
        return (f"留出的研判只有 {after.posts} 条（负面 {after.negatives} 条），前后对比只能作参考；{worse}"
                "研判的帖子越多，训练和比较越可靠（约 200 条起见效）")
    if after.f1 < before.f1:
        return ("[yellow]训练后在留出的研判上不如训练前：建议用 yuqing tone reset 恢复自带模型，"
                "多研判一些帖子后再训练[/]")
    return None


def print_train(result: TrainResult, *, as_json: bool) -> None:
    if as_json:
        print_json(asdict(result))
        return
    console = _out()
    console.print(f"人工研判 {result.labels} 条：用于训练 {result.trained_on} 条，留出 {result.held_out} 条用于比较")
    console.print(f"训练前（{escape(result.before_model)}）：{_figures_text(result.before)}")
    console.print(f"训练后（{escape(result.after_model)}）：{_figures_text(result.after)}")
    note = _comparison_note(result.before, result.after)
    if note:
        console.print(note)
    console.print(f"新模型已保存到 {escape(result.path)}，从现在起使用；"
                  "下次运行（或 yuqing regrade）时用新模型重新判读已归入事件的帖子")
    console.print("恢复自带模型：yuqing tone reset")


def print_reset(removed: bool) -> None:
    if removed:
        _out().print("已删除本单位训练的模型，恢复使用自带模型；下次运行（或 yuqing regrade）时重新判读已归入事件的帖子")
    else:
        _out().print("没有本单位训练的模型，正在使用自带模型")
