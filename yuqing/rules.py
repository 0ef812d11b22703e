"""rules.toml: the office's grading table, read and checked.

Every problem names the file, the table and the key and says what is expected, in
Chinese. `load_rules` is strict: a command that grades never runs on half a table.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yuqing.errors import ConfigError, toml_reason
from yuqing.notify.routing import Escalation, build_escalation, check_escalation, unknown_keys
from yuqing.text.keywords import KeywordSet
from yuqing.text.tone import OfficeWords
from yuqing.workspace import Workspace, bundled_path

if TYPE_CHECKING:  # numpy: imported where tone is first read
    from yuqing.text.negativity import Negativity

LEVELS = ("一般", "较大", "重大", "特别重大")
# 性质 of an event; spread (clicks, comments, sites) raises only those in [grading] nature.
NATURES = ("负面", "敏感", "中性", "正面")
DEFAULT_SPREAD_NATURES = ("负面", "敏感", "中性")
FIGURES = {"clicks": "点击", "comments": "跟帖", "mainstream_sites": "主流网站", "sites": "网站"}


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class Threshold:
    figure: str  # clicks | comments | mainstream_sites | sites
    label: str
    level: str
    min: int


# A topic's kind: ordinary online opinion, or 社情民意 (the public's conditions and wishes),
# which the digests and the year-end summary count apart.
TOPIC_KINDS = ("舆情", "社情民意")
SOCIAL_KIND = "社情民意"


@dataclass(frozen=True)
class Topic:
    name: str
    keywords: tuple[str, ...]
    all: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    kind: str = "舆情"


@dataclass(frozen=True)
class LetterPolicy:
    """网络问政 letters: the reply deadline in working days per channel, and who is reminded."""

    default_reply_workdays: int = 5
    reply_workdays: dict[str, int] = field(default_factory=dict)
    report_to: tuple[str, ...] = ("值班员",)
    remind_before_hours: float = 24.0

    def workdays_for(self, channel: str) -> int:
        return self.reply_workdays.get(channel, self.default_reply_workdays)

    def unlisted(self, channels: set[str]) -> list[str]:
        """The channels that take the default deadline (a misspelt name would too)."""
        return sorted(channels - set(self.reply_workdays))


@dataclass(frozen=True)
class LargerRules:
    negative_min_sites: int = 2
    ferment_window_hours: float = 24.0
    ferment_factor: float = 2.0
    ferment_min_new_comments: int = 30


@dataclass(frozen=True)
class Rules:
    path: Path
    thresholds: tuple[Threshold, ...]
    larger: LargerRules
    categories: dict[str, tuple[str, ...]]
    key_persons: tuple[str, ...]
    key_places: tuple[str, ...]
    tone: OfficeWords  # the office's [negative] additions to the shipped model
    mainstream_domains: tuple[str, ...]
    topics: tuple[Topic, ...]
    event_window_days: float = 7.0
    spread_natures: tuple[str, ...] = DEFAULT_SPREAD_NATURES
    positive_words: tuple[str, ...] = ()
    publicity_target: int | None = None  # [publicity] yearly_target: own posts a year
    stock_hours: float = 72.0  # [grading]: older than this when first seen → stock (存量)
    escalation: Escalation = field(default_factory=Escalation)
    letters: LetterPolicy = field(default_factory=LetterPolicy)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    tone_model_path: Path | None = None  # None: the model shipped in the package
    warnings: tuple[str, ...] = ()  # keys nobody reads (rules_findings): said, never fatal

    @cached_property
    def negativity(self) -> Negativity:
        """The tone reader: the model (read on first use) with the office's words."""
        from yuqing.text.negativity import ModelError, Negativity

        reader = Negativity(self.tone_model_path, self.tone)
        try:
            reader.model  # noqa: B018 - read here so that a damaged file is a ConfigError
        except ModelError as error:
            raise ConfigError(error.message) from None
        return reader

    @cached_property
    def tone_model_id(self) -> str:
        """The id of the tone model readings are made with, known without loading it."""
        from yuqing.text.modelfile import file_model_id

        return file_model_id(self.tone_model_path) or self.negativity.model.id

    @cached_property
    def keywords(self) -> KeywordSet:
        """Every plain keyword of the table (categories, key mentions, topics): one scan finds them."""
        words = [w for ws in self.categories.values() for w in ws]
        words += [*self.key_persons, *self.key_places]
        words += [w for t in self.topics for w in (*t.keywords, *t.all, *t.exclude)]
        return KeywordSet(words)

    @property
    def quiet_natures(self) -> tuple[str, ...]:
        """性质 that never open a case nor send a notice: 正面, unless spread raises it too."""
        return () if "正面" in self.spread_natures else ("正面",)

    @cached_property
    def categories_of_word(self) -> dict[str, tuple[str, ...]]:
        """Each category keyword → the categories listing it, in table order."""
        found: dict[str, list[str]] = {}
        for name, words in self.categories.items():
            for word in words:
                found.setdefault(word, []).append(name)
        return {word: tuple(names) for word, names in found.items()}

    @cached_property
    def social_topics(self) -> frozenset[str]:
        """The names of the topics of kind 社情民意."""
        return frozenset(t.name for t in self.topics if t.kind == SOCIAL_KIND)

    @cached_property
    def mention_order(self) -> dict[str, int]:
        """Key persons then key places → their position, for reporting mentions in order."""
        return {word: rank for rank, word in enumerate(dict.fromkeys((*self.key_persons, *self.key_places)))}


def rules_path_for(workspace: Workspace | None) -> Path:
    """The workspace's rules.toml when there is one, else the bundled default."""
    if workspace is not None and workspace.rules_path.exists():
        return workspace.rules_path
    return bundled_path("rules.toml")


def load_rules(path: Path, *, tone_model: Path | None = None) -> Rules:
    """The checked rule table; ``tone_model`` is the office's trained model when it has one."""
    data = _read(path)
    checker = _checked(path, data)
    problems = checker.problems
    if problems:
        raise ConfigError(problems[0] if len(problems) == 1 else
                          f"{path} 有 {len(problems)} 处错误：\n" + "\n".join(problems))
    return replace(_build(path, data, tone_model), warnings=tuple(checker.warnings))


def check_rules(path: Path) -> list[str]:
    """Every problem in the file, each a Chinese sentence naming file, table and key."""
    return rules_findings(path)[0]


def rules_findings(path: Path) -> tuple[list[str], list[str]]:
    """(problems, warnings) of the file: a problem stops every command that reads the rules;
    a warning names a key nobody reads (a misspelling, a key of another version), whose
    setting does not apply, and stops nothing."""
    try:
        data = _read(path)
    except ConfigError as error:
        return [error.message], []
    checker = _checked(path, data)
    return checker.problems, checker.warnings


def _checked(path: Path, data: dict[str, Any]) -> _Checker:
    checker = _Checker(path)
    checker.check(data)
    return checker


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}：文件不存在（yuqing init 会创建默认的规则表）") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}：不是 UTF-8 编码的文本文件") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}：TOML 格式错误，{toml_reason(exc)}") from None


class _Checker:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.path} {where}：{message}")

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{self.path} {where}：{message}")

    def known_keys(self, where: str, table: dict[str, Any], known: tuple[str, ...]) -> None:
        unknown_keys(self.warn, where, table, known)

    def check(self, data: dict[str, Any]) -> None:
        if "levels" in data and data["levels"] != list(LEVELS):
            written = ", ".join(f'"{level}"' for level in LEVELS)
            self.fail("levels", f"应为 levels = [{written}]（级别名称和顺序是固定的）")
        self._thresholds(data.get("thresholds"))
        self._larger(data.get("larger", {}))
        self._word_table("[categories]", data.get("categories", {}))
        self._key_mentions(data.get("key_mentions", {}))
        self._negative(data.get("negative", {}))
        self._string_list("[mainstream]", "domains", data.get("mainstream", {}).get("domains", []))
        if isinstance(data.get("mainstream"), dict):
            self.known_keys("[mainstream]", data["mainstream"], ("domains",))
        self._topics(data.get("topics", []))
        self._events(data.get("events", {}))
        self._grading(data.get("grading", {}))
        self._publicity(data.get("publicity", {}))
        if "positive" in data:
            self._string_list("[positive]", "words", data["positive"].get("words", [])
                              if isinstance(data["positive"], dict) else None)
        check_escalation(data, self.fail, self.warn)
        self._office(data.get("office", {}))
        self._letters(data.get("letters", {}), data.get("roles", {}))

    def _thresholds(self, tables: Any) -> None:
        if tables is None:
            self.fail("[[thresholds]]", "缺少阈值表（点击、跟帖、主流网站的分级阈值）")
            return
        if not isinstance(tables, list):
            self.fail("thresholds", "应写成 [[thresholds]] 表数组")
            return
        for index, table in enumerate(tables, 1):
            where = f"第 {index} 个 [[thresholds]]"
            if not isinstance(table, dict):
                self.fail(where, "应为表")
                continue
            if table.get("figure") not in FIGURES:
                self.fail(f"{where} figure", f"应为 {' / '.join(FIGURES)} 之一，实际是 {table.get('figure')!r}")
            if table.get("level") not in LEVELS[1:]:
                self.fail(f"{where} level", f"应为 {' / '.join(LEVELS[1:])} 之一，实际是 {table.get('level')!r}")
            value = table.get("min")
            if not _is_count(value):
                self.fail(f"{where} min", f"应为非负整数，实际是 {value!r}（上限 {MAX_COUNT}）")
            if "label" in table and not isinstance(table["label"], str):
                self.fail(f"{where} label", "应为字符串")
            self.known_keys(where, table, ("figure", "label", "level", "min"))

    def _larger(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[larger]", "应为表")
            return
        for key in ("negative_min_sites", "ferment_min_new_comments"):
            if key in table and not _is_count(table[key]):
                self.fail(f"[larger] {key}", f"应为非负整数，实际是 {table[key]!r}")
        for key, high in (("ferment_window_hours", 24 * 31), ("ferment_factor", 1000)):
            if key in table:
                self._positive(f"[larger] {key}", table[key], high)
        self.known_keys("[larger]", table, tuple(LargerRules.__dataclass_fields__))

    def _word_table(self, where: str, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail(where, "应为表：类别名 = [关键词, …]")
            return
        for name, words in table.items():
            self._string_list(where, name, words)

    def _key_mentions(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[key_mentions]", "应为表")
            return
        for key in ("persons", "places"):
            self._string_list("[key_mentions]", key, table.get(key, []))
        self.known_keys("[key_mentions]", table, ("persons", "places"))

    def _negative(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[negative]", "应为表")
            return
        try:
            OfficeWords.from_table(table)
        except ValueError as exc:
            self.fail("[negative]", str(exc).removeprefix("[negative]").strip())

    def _string_list(self, where: str, key: str, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{where} {key}", "应为非空字符串的列表，如 [\"爆炸\", \"火灾\"]")

    def _topics(self, tables: Any) -> None:
        if not isinstance(tables, list):
            self.fail("topics", "应写成 [[topics]] 表数组")
            return
        names: set[str] = set()
        for index, table in enumerate(tables, 1):
            where = f"第 {index} 个 [[topics]]"
            if not isinstance(table, dict):
                self.fail(where, "应为表")
                continue
            name = table.get("name")
            if not isinstance(name, str) or not name.strip():
                self.fail(f"{where} name", "缺少主题名称（非空字符串）")
            elif name in names:
                self.fail(f"{where} name", f"主题名称重复：{name}")
            else:
                names.add(name)
            if "keywords" not in table:
                self.fail(f"{where} keywords", "缺少关键词列表（任一出现即命中）")
            else:
                self._string_list(where, "keywords", table["keywords"])
            for key in ("all", "exclude"):
                if key in table:
                    self._string_list(where, key, table[key])
            if "kind" in table and table["kind"] not in TOPIC_KINDS:
                self.fail(f"{where} kind", f"应为 {' / '.join(TOPIC_KINDS)} 之一，实际是 {table['kind']!r}")
            unknown = set(table) - {"name", "keywords", "all", "exclude", "department", "kind"}
            if unknown:
                self.fail(where, f"不认识的键 {', '.join(sorted(unknown))}")

    def _office(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[office]", "应为表")
            return
        for key in OFFICE_KEYS:
            if key in table and not isinstance(table[key], str):
                self.fail(f"[office] {key}", "应为字符串")
        if "digest_min_level" in table and table["digest_min_level"] not in LEVELS:
            self.fail("[office] digest_min_level", f"应为 {' / '.join(LEVELS)} 之一")
        self.known_keys("[office]", table, OFFICE_KEYS + ("digest_min_level",))

    def _grading(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[grading]", "应为表")
            return
        natures = table.get("nature", DEFAULT_SPREAD_NATURES)
        if not isinstance(natures, list | tuple) or any(n not in NATURES for n in natures):
            self.fail("[grading] nature", f"应为 {' / '.join(NATURES)} 中若干项的列表，实际是 {natures!r}")
        if "stock_hours" in table and not (_is_number(table["stock_hours"]) and table["stock_hours"] > 0):
            self.fail("[grading] stock_hours", f"应为正数（小时），实际是 {table['stock_hours']!r}")
        self.known_keys("[grading]", table, ("nature", "stock_hours"))

    def _publicity(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[publicity]", "应为表")
            return
        target = table.get("yearly_target")
        if target is not None and not (_is_count(target) and 0 < target <= 1_000_000):
            self.fail("[publicity] yearly_target", f"应为 1 到 1000000 之间的整数（本年正面宣传发稿目标），实际是 {target!r}")
        self.known_keys("[publicity]", table, ("yearly_target",))

    def _letters(self, table: Any, roles: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[letters]", "应为表")
            return
        if "default_reply_workdays" in table and not _is_workdays(table["default_reply_workdays"]):
            self.fail("[letters] default_reply_workdays", f"应为 1 以上的整数（工作日），实际是 {table['default_reply_workdays']!r}")
        days = table.get("reply_workdays", {})
        if not isinstance(days, dict):
            self.fail("[letters.reply_workdays]", "应为表：渠道名 = 工作日数，如 \"12345热线\" = 3")
        else:
            for channel, value in days.items():
                if not _is_workdays(value):
                    self.fail(f"[letters.reply_workdays] {channel}", f"应为 1 以上的整数（工作日），实际是 {value!r}")
        if "remind_before_hours" in table and not (_is_number(table["remind_before_hours"])
                                                    and table["remind_before_hours"] >= 0):
            self.fail("[letters] remind_before_hours", f"应为非负数，实际是 {table['remind_before_hours']!r}")
        if "report_to" in table:
            self._string_list("[letters]", "report_to", table["report_to"])
            known = set(roles) if isinstance(roles, dict) else set()
            for role in table["report_to"] if isinstance(table["report_to"], list) else ():
                if isinstance(role, str) and role not in known:
                    self.fail("[letters] report_to", f"角色「{role}」没有在 [roles] 中定义")
        unknown = set(table) - {"default_reply_workdays", "reply_workdays", "remind_before_hours", "report_to"}
        if unknown:
            self.fail("[letters]", f"不认识的键 {', '.join(sorted(unknown))}")

    def _events(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail("[events]", "应为表")
            return
        if "window_days" in table:
            self._positive("[events] window_days", table["window_days"], 366)
        self.known_keys("[events]", table, ("window_days",))

    def _positive(self, where: str, value: Any, high: float) -> None:
        """A positive number no larger than `high`: 1e308 days would overflow every date."""
        if not (_is_number(value) and math.isfinite(value) and 0 < value <= high):
            self.fail(where, f"应为大于 0、不超过 {high:g} 的数，实际是 {value!r}")


OFFICE_KEYS = ("name", "issuer", "report_to", "copy_to", "secrecy", "signature")


MAX_COUNT = 10**12  # no post has more clicks than this; larger is a typo or an attack


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


def _is_workdays(value: Any) -> bool:
    return _is_count(value) and value >= 1


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _build(path: Path, data: dict[str, Any], tone_model: Path | None = None) -> Rules:
    thresholds = tuple(
        Threshold(t["figure"], t.get("label") or FIGURES[t["figure"]], t["level"], t["min"])
        for t in data.get("thresholds", [])
    )
    larger = data.get("larger", {})
    mentions = data.get("key_mentions", {})
    return Rules(
        path=path,
        thresholds=thresholds,
        larger=LargerRules(**{k: larger[k] for k in LargerRules.__dataclass_fields__ if k in larger}),
        categories={name: tuple(words) for name, words in data.get("categories", {}).items()},
        key_persons=tuple(mentions.get("persons", [])),
        key_places=tuple(mentions.get("places", [])),
        tone=OfficeWords.from_table(data.get("negative", {})),
        mainstream_domains=tuple(d.lower().lstrip(".") for d in data.get("mainstream", {}).get("domains", [])),
        topics=tuple(
            Topic(t["name"], tuple(t["keywords"]), tuple(t.get("all", [])), tuple(t.get("exclude", [])),
                  t.get("kind", "舆情"))
            for t in data.get("topics", [])
        ),
        event_window_days=float(data.get("events", {}).get("window_days", 7.0)),
        spread_natures=tuple(data.get("grading", {}).get("nature", DEFAULT_SPREAD_NATURES)),
        positive_words=tuple(data.get("positive", {}).get("words", ())),
        publicity_target=data.get("publicity", {}).get("yearly_target"),
        stock_hours=float(data.get("grading", {}).get("stock_hours", 72.0)),
        escalation=build_escalation(data),
        letters=_letter_policy(data.get("letters", {})),
        raw=data,
        tone_model_path=tone_model,
    )


def _letter_policy(table: dict[str, Any]) -> LetterPolicy:
    default = LetterPolicy()
    return LetterPolicy(
        default_reply_workdays=table.get("default_reply_workdays", default.default_reply_workdays),
        reply_workdays=dict(table.get("reply_workdays", {})),
        report_to=tuple(table.get("report_to", default.report_to)),
        remind_before_hours=float(table.get("remind_before_hours", default.remind_before_hours)),
    )
