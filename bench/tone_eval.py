"""Measure the negative-tone detector against snownlp on the labelled review corpora.

    python bench/tone_eval.py                 # full corpora + held-out split, both detectors
    python bench/tone_eval.py --limit 500     # first 500 posts of each part (quick look)
    python bench/tone_eval.py --no-snownlp    # only yuqing.text.tone
    python bench/tone_eval.py --jieba         # also: jieba as a word-boundary filter

Prints one table: precision, recall, F1 and milliseconds per 1,000 posts for yuqing.text.tone and
for snownlp (negative when ``SnowNLP(text).sentiments < 0.5``) on each review corpus, on its
held-out fifth, on the fixed samples that tests/test_tone.py checks and on news titles
labelled by hand (see NEWS_NEGATIVE); then the throughput of ``is_negative`` on post-sized
texts (title + about 300 characters) with the Aho-Corasick scanner and the regex fallback.
A full run takes about ten minutes, nearly all of it snownlp's.

The corpora are ChnSentiCorp hotel reviews and waimai_10k takeaway reviews from
``../shared/corpora/reviews`` (label 0 = negative). They are a different domain from the
news, forum and complaint posts the tool reads, so they are for measuring, not tuning: the
held-out fifth (crc32 of the review text % 5 == 0) was never looked at while the lexicon was
written. snownlp ships its own sentiment model trained on product reviews, so this is its
home ground.

snownlp is in the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import re
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from yuqing.text import tone  # noqa: E402

DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora" / "reviews"
CORPORA = ("ChnSentiCorp_htl_all", "waimai_10k")
SAMPLE_PER_CORPUS = 200  # tests/test_tone.py uses the same sample

Row = tuple[bool, str]  # (gold: negative?, text)

# News titles from ../shared/corpora/wechat_feeds (RSS of Chinese news outlets' WeChat
# accounts), labelled by hand for this bench: negative = an incident, crime, scandal,
# complaint or public criticism; ambiguous titles (obituaries, epidemic counts, diplomacy,
# opinion pieces, the authorities' own crackdowns) are left out. The labels are kept as
# crc32 of the title so that the corpus text is not copied into the project. The titles in
# latest/ were read while the lexicon was written (a development set); the ones only in
# snapshots/ were labelled before the detector was run on them (blind; a few words were
# added after that first run: 诬陷, 杀手, 分尸, 枪击, 大案, 被骂, 死, 伤).
NEWS_NEGATIVE = frozenset({
    41605725, 104500229, 140508206, 146179729, 157806478, 204251331, 252779291, 272212686,
    285955712, 302111640, 319251582, 375546040, 555831874, 654266856, 786033182, 812362140,
    940721493, 989764095, 1052916709, 1069171447, 1079754580, 1175342444, 1215127048,
    1345964599, 1403521548, 1434276501, 1453299437, 1471473326, 1477516504, 1480604610,
    1693325793, 1730084923, 1740573058, 1756665541, 1826887128, 1827915711, 1840296090,
    1857170431, 1989449834, 2110570686, 2114022302, 2124949343, 2132486249, 2157279091,
    2198157861, 2220764188, 2235207370, 2314862477, 2407921765, 2491502112, 2505390021,
    2521144229, 2552727534, 2606154714, 2630046728, 2728597679, 2793277040, 2804375216,
    2834621209, 2856295007, 2861595667, 2874827230, 2904464994, 2932365976, 2967876930,
    3016861438, 3114126542, 3121830971, 3288047183, 3422921348, 3508382430, 3529680352,
    3571068168, 3605846034, 3621352433, 3697949720, 3733102228, 3751553190, 3799326448,
    3837741998, 3872204446, 3874418757, 3892977808, 3983136804, 3983824305, 4002481050,
    4013852186, 4130180627, 4184400913, 4248227944, 4255748633,
})

NEWS_AMBIGUOUS = frozenset({
    41703192, 65937693, 179260492, 205215108, 221095710, 228069484, 289866541, 290834092,
    293938246, 333171004, 395388056, 408815791, 441048284, 489374293, 504958270, 518190828,
    573042464, 585370781, 624508850, 639517826, 648440491, 763940543, 765493992, 766402252,
    769166177, 843946442, 916389059, 933090590, 977135408, 1013612655, 1023781358,
    1061474992, 1084495454, 1089458515, 1182799474, 1183540822, 1191465784, 1208569266,
    1226237132, 1229621638, 1231437427, 1234480466, 1239738591, 1279713287, 1280645326,
    1321915151, 1358113760, 1370200133, 1399308413, 1428627794, 1435837051, 1438878364,
    1460977492, 1478795853, 1481362106, 1486148841, 1488239374, 1496910230, 1500441791,
    1517282252, 1570990338, 1637790247, 1641387465, 1654130668, 1656811046, 1672277057,
    1725791412, 1743730344, 1780748922, 1796007185, 1797518144, 1875946985, 1883893520,
    1898019723, 1914939824, 2039017896, 2046476454, 2211800081, 2215270975, 2222937063,
    2259351173, 2287847511, 2293078682, 2370182060, 2400551995, 2415270878, 2447302248,
    2495095977, 2503782359, 2511002415, 2552212392, 2595467515, 2619095518, 2652080227,
    2669239599, 2674889812, 2711069030, 2787906767, 2789991907, 2807608022, 2820582497,
    2832874043, 2838633449, 2848214431, 2863113637, 2870437718, 2888439500, 3010161517,
    3019441173, 3022549221, 3045450788, 3054188239, 3100651363, 3166440620, 3177652240,
    3195562215, 3304690405, 3307558982, 3347412745, 3424134052, 3443568988, 3533664758,
    3537105975, 3544777077, 3554089505, 3647227348, 3666623449, 3703154018, 3717372855,
    3757952892, 3788548850, 3810276822, 3814060686, 3814068622, 3834951845, 3889113571,
    3896186323, 3930397903, 3935100379, 3938773158, 3942776852, 3950351568, 3955432725,
    3978414111, 3998251081, 4017080704, 4022212221, 4095041221, 4120215452, 4134114322,
    4182360074, 4233279831, 4247391907, 4262042100, 4262981993, 4274659828, 4288799908,
    4292070804, 4294256478,
})


def news_titles(corpora: Path) -> tuple[list[Row], list[Row]]:
    """(development titles, blind titles) from wechat_feeds, labelled; [] when absent."""
    import feedparser

    def titles(paths: list[Path]) -> list[str]:
        seen: dict[str, None] = {}
        for path in sorted(paths):
            for entry in feedparser.parse(str(path)).entries:
                title = (entry.get("title") or "").strip()
                if title:
                    seen.setdefault(title)
        return list(seen)

    root = corpora / "wechat_feeds"
    latest = titles(list((root / "latest").glob("*.xml")))
    known = set(latest)
    blind = [t for t in titles(list((root / "snapshots").glob("*/*.xml"))) if t not in known]

    def label(texts: list[str]) -> list[Row]:
        rows = []
        for text in texts:
            crc = zlib.crc32(text.encode("utf-8"))
            if crc not in NEWS_AMBIGUOUS:
                rows.append((crc in NEWS_NEGATIVE, text))
        return rows

    return label(latest), label(blind)


def load(corpora: Path, name: str) -> list[Row]:
    with open(corpora / name / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return [(row["label"].strip() == "0", row["review"]) for row in csv.DictReader(fh)
                if row.get("review")]


def held_out(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if zlib.crc32(r[1].encode("utf-8")) % 5 == 0]


def train(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if zlib.crc32(r[1].encode("utf-8")) % 5 != 0]


def sample(rows: Sequence[Row]) -> list[Row]:
    """The fixed test sample: evenly spaced held-out rows of a corpus (the files are sorted
    by label, so a prefix would hold one label)."""
    rows = held_out(rows)
    return rows[::max(1, len(rows) // SAMPLE_PER_CORPUS)][:SAMPLE_PER_CORPUS]


def scores(predicted: Sequence[bool], gold: Sequence[bool]) -> tuple[float, float, float]:
    tp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and g)
    fp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and not g)
    fn = sum(1 for p, g in zip(predicted, gold, strict=True) if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run(detector: Callable[[str], bool], rows: Sequence[Row]) -> tuple[float, float, float, float]:
    start = time.perf_counter()
    predicted = [detector(text) for _, text in rows]
    elapsed = time.perf_counter() - start
    p, r, f = scores(predicted, [g for g, _ in rows])
    return p, r, f, elapsed / max(1, len(rows)) * 1000 * 1000  # ms per 1,000 posts


def snownlp_detector() -> Callable[[str], bool] | None:
    try:
        from snownlp import SnowNLP
    except ImportError:
        return None

    def negative(text: str) -> bool:
        return SnowNLP(text).sentiments < 0.5

    negative("预热")  # load the model outside the timing
    return negative


def jieba_detector() -> tuple[Callable[[str], bool], float, float] | None:
    """yuqing.text.tone with jieba as a word-boundary filter on one-character entries (差, 慢,
    坑 ...): such a hit counts only where jieba cuts it out as a word of its own. Returns
    the detector, the import time and the first-call time (dictionary load)."""
    t0 = time.perf_counter()
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(60)
    t1 = time.perf_counter()
    jieba.lcut("加载词典")
    t2 = time.perf_counter()
    matcher = tone.DEFAULT_LEXICON._matcher()
    single = {i for i, e in enumerate(matcher.entries) if len(e) == 1}

    def negative(text: str) -> bool:
        masked = None
        for index, start, _ in matcher.scan(text):
            if index not in single:
                continue
            lo, hi = max(0, start - 8), min(len(text), start + 8)
            pos = lo
            for token in jieba.lcut(text[lo:hi], HMM=False):
                if pos <= start < pos + len(token):
                    if len(token) > 1:
                        masked = masked or list(text)
                        masked[start] = "\u3007"
                    break
                pos += len(token)
        return tone.is_negative("".join(masked) if masked else text)

    return negative, t1 - t0, t2 - t1


def post_sized(rows: Sequence[Row], titles: Sequence[str], count: int) -> list[str]:
    """Texts shaped like collected posts: a title line and about 300 characters of body."""
    texts = [t for _, t in rows]
    posts = []
    i = 0
    while len(posts) < count:
        body = texts[i % len(texts)]
        while len(body) < 300:
            i += 1
            body += texts[i % len(texts)]
        posts.append(titles[i % len(titles)] + "\n" + body[:300])
        i += 1
    return posts


TITLES = (
    "网友反映某小区物业乱收费问题", "县政府召开安全生产工作会议", "关于城区道路施工的通告",
    "我县举办乡村振兴培训班", "市民投诉公交车长时间不来", "县人民医院获评省级文明单位",
)


def throughput(posts: Sequence[str]) -> list[tuple[str, float, float]]:
    """(scanner, posts per wall-clock second, posts per CPU second) for the automaton and
    for the regex fallback. CPU time is shown too because a shared machine halves wall-clock
    rates; on an idle one the two agree."""
    results = []
    for automaton, label in ((True, "Aho-Corasick（ahocorasick-rs）"), (False, "正则回退")):
        lexicon = dataclasses.replace(tone.DEFAULT_LEXICON)
        object.__setattr__(lexicon, "_compiled", tone._Matcher(lexicon, use_automaton=automaton))
        if automaton and lexicon._matcher().automaton is None:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        for text in posts:
            tone.is_negative(text, lexicon)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results.append((label, len(posts) / wall, len(posts) / max(cpu, 1e-9)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="负面倾向检测：yuqing.text.tone 与 snownlp 对比")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA,
                        help="reviews 语料目录（默认 ../shared/corpora/reviews）")
    parser.add_argument("--limit", type=int, default=0,
                        help="每部分只取均匀间隔的 N 条（0 = 全部）")
    parser.add_argument("--no-snownlp", action="store_true", help="不运行 snownlp")
    parser.add_argument("--jieba", action="store_true", help="加测以 jieba 分词过滤单字词的版本")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        print(f"找不到语料目录：{args.corpora}", file=sys.stderr)
        return 2

    detectors: list[tuple[str, Callable[[str], bool]]] = [("yuqing.text.tone", tone.is_negative)]
    notes = []
    if not args.no_snownlp:
        snow = snownlp_detector()
        if snow is None:
            notes.append("snownlp 未安装（pip install -e '.[bench]'），跳过")
        else:
            detectors.append(("snownlp<0.5", snow))
    if args.jieba:
        jb = jieba_detector()
        if jb is None:
            notes.append("jieba 未安装，跳过 --jieba")
        else:
            detectors.append(("tone+jieba", jb[0]))
            notes.append(f"jieba：import {jb[1] * 1000:.0f} ms，首次分词（加载词典）{jb[2] * 1000:.0f} ms")

    data = {name: load(args.corpora, name) for name in CORPORA}
    parts: list[tuple[str, list[Row]]] = []
    for name, rows in data.items():
        parts.append((f"{name} 全部", rows))
        parts.append((f"{name} 训练 4/5", train(rows)))
        parts.append((f"{name} 留出 1/5", held_out(rows)))
    parts.append(("两语料留出合计", [r for rows in data.values() for r in held_out(rows)]))
    for name, rows in data.items():
        parts.append((f"测试样本 {name}", sample(rows)))
    dev, blind = news_titles(args.corpora.parent)
    if dev:
        parts.append(("新闻标题（开发集，人工标注）", dev))
    if blind:
        parts.append(("新闻标题（盲测，人工标注）", blind))
    if args.limit:
        # Evenly spaced: the files are sorted by label, so a prefix would hold one label.
        parts = [(label, rows[::max(1, len(rows) // args.limit)][:args.limit])
                 for label, rows in parts]

    header = f"{_pad('数据', 34)}{'条数':>5}{'负面':>5}  {_pad('检测器', 13)}"
    header += f"{'P':>7}{'R':>7}{'F1':>7}{_pad('', 3)}ms/千条"
    print(header)
    print("-" * 94)
    for label, rows in parts:
        negatives = sum(1 for g, _ in rows if g)
        for i, (dname, detector) in enumerate(detectors):
            p, r, f, ms = run(detector, rows)
            first = f"{_pad(label, 34)}{len(rows):>7}{negatives:>7}" if i == 0 else " " * 48
            print(f"{first}  {dname:<13}{p:>7.3f}{r:>7.3f}{f:>7.3f}{ms:>10.0f}")
    posts = post_sized(data[CORPORA[0]], TITLES, 20000)
    mean = sum(map(len, posts)) / len(posts)
    print()
    print(f"is_negative 吞吐（{len(posts)} 条，平均 {mean:.0f} 字：标题 + 酒店评论正文，词典命中密集，"
          "是最慢的情形）：")
    for label, wall, cpu in throughput(posts):
        print(f"  {_pad(label, 30)}{wall:>10,.0f} 条/秒（墙钟）{cpu:>10,.0f} 条/秒（CPU 时间）")
    if tone._ahocorasick is None:
        print("  ahocorasick-rs 未安装：只有正则回退")
    for note in notes:
        print(note)
    return 0


def _pad(text: str, width: int) -> str:
    """Left-align counting a CJK character as two columns."""
    shown = sum(2 if re.match(r"[\u3000-\u9fff\uff00-\uffef]", ch) else 1 for ch in text)
    return text + " " * max(0, width - shown)


if __name__ == "__main__":
    sys.exit(main())
