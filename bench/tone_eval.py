"""Measure the negativity model against the old lexicon and snownlp on held-out splits.

    python bench/tone_eval.py                 # every held-out set, three detectors, throughput
    python bench/tone_eval.py --limit 500     # N evenly spaced posts of each set (quick look)
    python bench/tone_eval.py --no-snownlp    # skip snownlp (most of a full run's time)
    python bench/tone_eval.py --model PATH    # score another model file (e.g. a workspace's)

Prints one table: precision, recall, F1 and milliseconds per 1,000 posts of
``yuqing.text.negativity`` (the shipped reader, threshold as shipped), of the model alone
(its own logit, without the lexicon and the register), of the old lexicon
(``yuqing.text.tone.is_negative``, what grading used before the model) and of snownlp
(negative when ``SnowNLP(text).sentiments < 0.5``) on each set; then the model's throughput
on post-sized texts (title + about 300 characters) per CPU second, next to the lexicon's.

Sets, none of them trained on (bench/build_tone_model.py trains on the rest):
  * weibo_events: the fifth of ../shared/corpora/weibo_events with crc32(text) % 5 == 0;
  * ChnSentiCorp_htl_all (hotel) and waimai_10k (takeaway) reviews: the same fifth;
  * news titles from wechat_feeds labelled by hand (NEWS_NEGATIVE): the blind titles, only
    in snapshots/, and the half of the development titles (latest/) with crc32 % 2 == 1.
    The other half are training rows of the model: their line shows only a training fit.
snownlp ships its own sentiment model trained on product reviews, so the reviews are its
home ground. snownlp is in the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
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


def ambiguous_development_titles(corpora: Path) -> list[str]:
    """The development titles (latest/) left out of every tone set as ambiguous: titles,
    never scored (the register head of bench/build_tone_model.py learns from them)."""
    import feedparser

    found: dict[str, None] = {}
    for path in sorted((corpora / "wechat_feeds" / "latest").glob("*.xml")):
        for entry in feedparser.parse(str(path)).entries:
            title = (entry.get("title") or "").strip()
            if title and zlib.crc32(title.encode("utf-8")) in NEWS_AMBIGUOUS:
                found.setdefault(title)
    return list(found)


def load_weibo(corpora: Path) -> list[Row]:
    """weibo_events comments (labels 1–3 are negative), the segmenter's spaces removed
    (a space is kept only between two Latin letters or digits)."""
    root = corpora / "weibo_events"
    reviews = (root / "train_review.txt").read_text(encoding="utf-8").splitlines()
    labels = (root / "train_label.txt").read_text(encoding="utf-8").splitlines()
    rows = []
    for review, label in zip(reviews, labels, strict=True):
        text = join_tokens(review.split())
        if text:
            rows.append((label.strip() != "0", text))
    return rows


def join_tokens(tokens: list[str]) -> str:
    """A segmented comment as it was written: no spaces, except between Latin letters or digits."""
    text = ""
    for token in tokens:
        if text and _latin(text[-1]) and _latin(token[0]):
            text += " "
        text += token
    return text


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def news_split(corpora: Path) -> tuple[list[Row], list[Row], list[Row]]:
    """(development titles the model trains on, development titles kept back for the
    office-teaching test, blind titles): the development set is halved by crc32 % 2."""
    dev, blind = news_titles(corpora)
    trained = [r for r in dev if zlib.crc32(r[1].encode("utf-8")) % 2 == 0]
    kept = [r for r in dev if zlib.crc32(r[1].encode("utf-8")) % 2 == 1]
    return trained, kept, blind


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


def snownlp_detector() -> Callable[[str], bool] | None:
    try:
        from snownlp import SnowNLP
    except ImportError:
        return None

    def negative(text: str) -> bool:
        return SnowNLP(text).sentiments < 0.5

    negative("预热")  # load the model outside the timing
    return negative


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


def model_detector(path: Path | None, *, explain: bool = True) -> tuple[str, Callable[[list[str]], list[bool]]]:
    from yuqing.text.negativity import Negativity

    reader = Negativity(path)
    reader.read("预热")  # load the model outside the timing
    return reader.model.id, lambda texts: [r.negative for r in reader.read_many(texts, explain=explain)]


def bare_model_detector(path: Path | None) -> Callable[[list[str]], list[bool]]:
    """The model alone: its own logit, no lexicon and no register (what the shipped reader
    adds to it), for the table's comparison."""
    import numpy as np

    from yuqing.text.negativity import load_model
    from yuqing.text.ngrams import weight_sums

    model = load_model(path)
    cut = math.log(model.threshold / (1 - model.threshold))

    def negative(texts: list[str]) -> list[bool]:
        sums, counts, _ = weight_sums(texts, model.weights, model.bits)
        return (sums / np.sqrt(np.maximum(counts, 1)) + model.bias >= cut).tolist()

    return negative


def one_by_one(detector: Callable[[str], bool]) -> Callable[[list[str]], list[bool]]:
    return lambda texts: [detector(text) for text in texts]


def run_batch(detector: Callable[[list[str]], list[bool]], rows: Sequence[Row]) -> tuple[float, float, float, float]:
    start = time.process_time()
    predicted = detector([text for _, text in rows])
    elapsed = time.process_time() - start
    p, r, f = scores(predicted, [g for g, _ in rows])
    return p, r, f, elapsed / max(1, len(rows)) * 1000 * 1000  # CPU ms per 1,000 posts


def held_out_sets(corpora: Path) -> list[tuple[str, list[Row]]]:
    sets = [("weibo_events 留出 1/5", held_out(load_weibo(corpora)))]
    for name in CORPORA:
        sets.append((f"{name} 留出 1/5", held_out(load(corpora / "reviews", name))))
    trained, kept, blind = news_split(corpora)
    if blind:
        sets.append(("新闻标题 盲测（人工标注）", blind))
    if kept:
        sets.append(("新闻标题 开发集留出的一半", kept))
    if trained:
        sets.append(("新闻标题 开发集另一半（训练数据）", trained))
    return sets


def model_throughput(posts: list[str], detector: Callable[[list[str]], list[bool]],
                     batch: int) -> tuple[float, float]:
    """(posts per wall-clock second, posts per CPU second) scoring ``batch`` posts a call."""
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(posts), batch):
        detector(posts[start:start + batch])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(posts) / wall, len(posts) / max(cpu, 1e-9)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="负面倾向：模型、旧词典与 snownlp 在留出数据上的对比")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA.parent,
                        help="语料根目录（默认 ../shared/corpora）")
    parser.add_argument("--limit", type=int, default=0, help="每部分只取均匀间隔的 N 条（0 = 全部）")
    parser.add_argument("--no-snownlp", action="store_true", help="不运行 snownlp")
    parser.add_argument("--model", type=Path, default=None, help="模型文件（默认随包发布的模型）")
    args = parser.parse_args(argv)
    if not (args.corpora / "weibo_events").is_dir():
        print(f"找不到语料目录：{args.corpora}", file=sys.stderr)
        return 2

    model_id, model = model_detector(args.model)
    detectors: list[tuple[str, Callable[[list[str]], list[bool]]]] = [
        ("模型", model), ("模型单独", bare_model_detector(args.model)),
        ("旧词典", one_by_one(tone.is_negative))]
    notes = [f"模型：{model_id}；阈值 0.5；时间为 CPU 时间"]
    if not args.no_snownlp:
        snow = snownlp_detector()
        if snow is None:
            notes.append("snownlp 未安装（pip install -e '.[bench]'），跳过")
        else:
            detectors.append(("snownlp<0.5", one_by_one(snow)))
    parts = held_out_sets(args.corpora)
    if args.limit:
        # Evenly spaced: the files are sorted by label, so a prefix would hold one label.
        parts = [(label, rows[::max(1, len(rows) // args.limit)][:args.limit]) for label, rows in parts]

    header = f"{_pad('数据', 36)}{'条数':>5}{'负面':>5}  {_pad('检测器', 13)}"
    header += f"{'P':>7}{'R':>7}{'F1':>7}{_pad('', 3)}ms/千条"
    print(header)
    print("-" * 96)
    for label, rows in parts:
        negatives = sum(1 for g, _ in rows if g)
        for i, (name, detector) in enumerate(detectors):
            p, r, f, ms = run_batch(detector, rows)
            first = f"{_pad(label, 36)}{len(rows):>7}{negatives:>7}" if i == 0 else " " * 50
            print(f"{first}  {_pad(name, 13)}{p:>7.3f}{r:>7.3f}{f:>7.3f}{ms:>10.0f}")
    posts = post_sized(load(args.corpora / "reviews", CORPORA[0]), TITLES, 20000)
    mean = sum(map(len, posts)) / len(posts)
    print()
    print(f"吞吐（{len(posts)} 条，平均 {mean:.0f} 字：标题 + 酒店评论正文，负面多、要给出依据的最慢情形）：")
    _, scoring = model_detector(args.model, explain=False)
    for label, detector, batch in (("模型，只评分（每批 5000 条）", scoring, 5000),
                                   ("模型，评分 + 负面依据（每批 5000）", model, 5000),
                                   ("模型，评分 + 负面依据（每批 1 条）", model, 1),
                                   ("模型单独（不含词典与语体，每批 5000）", bare_model_detector(args.model), 5000),
                                   ("旧词典（Aho-Corasick）", one_by_one(tone.is_negative), 5000)):
        wall, cpu = model_throughput(posts[:2000] if batch == 1 else posts, detector, batch)
        print(f"  {_pad(label, 36)}{wall:>10,.0f} 条/秒（墙钟）{cpu:>10,.0f} 条/秒（CPU 时间，单核）")
    titles = _all_titles(args.corpora)
    if titles:
        title_posts = [titles[i % len(titles)] for i in range(20000)]
        mean = sum(map(len, title_posts)) / len(title_posts)
        print(f"吞吐（20000 条只有标题的帖子，平均 {mean:.0f} 字：新闻标题轮流重复，读作标题的都要过旧词典）：")
        for label, detector in (("模型，只评分（每批 5000 条）", scoring),
                                ("模型单独（不含词典与语体，每批 5000）", bare_model_detector(args.model)),
                                ("旧词典（Aho-Corasick）", one_by_one(tone.is_negative))):
            wall, cpu = model_throughput(title_posts, detector, 5000)
            print(f"  {_pad(label, 36)}{wall:>10,.0f} 条/秒（墙钟）{cpu:>10,.0f} 条/秒（CPU 时间，单核）")
    print(f"负载：{' '.join(f'{x:.2f}' for x in os.getloadavg())}（1/5/15 分钟平均）")
    for note in notes:
        print(note)
    return 0


def _all_titles(corpora: Path) -> list[str]:
    """Every labelled news title (development and blind), for the title-only throughput."""
    trained, kept, blind = news_split(corpora)
    return [t for _, t in trained + kept + blind]


def _pad(text: str, width: int) -> str:
    """Left-align counting a CJK character as two columns."""
    shown = sum(2 if re.match(r"[\u3000-\u9fff\uff00-\uffef]", ch) else 1 for ch in text)
    return text + " " * max(0, width - shown)


if __name__ == "__main__":
    sys.exit(main())
