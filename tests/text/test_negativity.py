"""The negativity model: the shipped file, the loader, reading and reasons, the office's words,
and the office teaching it (200 labelled short comments raise F1 on short comments)."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import bench_script, run
from test_tone import NEGATIVE, NOT_NEGATIVE

from yuqing.text.negativity import (
    FIXED_JOIN,
    LEXICON_OFFSET,
    LEXICON_WEIGHT,
    LexiconJoin,
    ModelError,
    Negativity,
    RegisterHead,
    decode_model,
    encode_model,
    load_model,
    shipped_model_path,
    title_share,
)
from yuqing.text.ngrams import boundary_buckets, ngrams, top_grams, weight_sums
from yuqing.text.tone import OfficeWords

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_file_matches_the_hash_the_build_recorded():
    recorded, name = (ROOT / "bench" / "tone_model.sha256").read_text(encoding="utf-8").split()
    path = shipped_model_path()
    assert name == f"yuqing/text/{path.name}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded
    assert path.stat().st_size <= 5 * 1024 * 1024
    model = load_model()
    assert model.id.startswith("builtin-") and model.header["kind"] == "builtin"


@pytest.mark.slow
@pytest.mark.parametrize("threads", ["1", "2"])
def test_the_build_script_gives_the_shipped_bytes_again(corpora, threads):
    """Run as the script it is, whatever OpenBLAS thread count the machine would give it
    (the weights' last bits once followed it)."""
    import os
    import subprocess
    import sys

    pytest.importorskip("sklearn", reason="scikit-learn 未安装（pip install -e '.[train]'），跳过重建")
    script = Path(__file__).resolve().parents[2] / "bench" / "build_tone_model.py"
    done = subprocess.run([sys.executable, str(script), "--check", "--corpora", str(corpora)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": threads})
    assert done.returncode == 0, done.stdout + done.stderr
    assert hashlib.sha256(shipped_model_path().read_bytes()).hexdigest() in done.stdout


@pytest.mark.parametrize("damage, why", [
    (lambda data: data[:-100], "校验和不符"),
    (lambda data: data[:200] + bytes([data[200] ^ 0xFF]) + data[201:], "文件头已损坏|校验和不符"),
    (lambda data: data[:-1] + bytes([data[-1] ^ 0x01]), "校验和不符"),
    (lambda data: b"PK\x03\x04 not a model", "不是 yuqing 的模型文件"),
    (lambda data: b"", "不是 yuqing 的模型文件"),
])
def test_loader_rejects_a_damaged_file_clearly(tmp_path, damage, why):
    path = tmp_path / "tone_model.bin"
    path.write_bytes(damage(shipped_model_path().read_bytes()))
    with pytest.raises(ModelError, match=why) as excinfo:
        load_model(path)
    assert str(path) in str(excinfo.value) and "yuqing tone reset" in str(excinfo.value)


def test_a_damaged_workspace_model_stops_grade_with_one_chinese_line(yuqing_home):
    (yuqing_home / "models").mkdir(parents=True)
    (yuqing_home / "models" / "tone_model.bin").write_bytes(shipped_model_path().read_bytes()[:5000])
    result = run("grade", "--title", "城管暴力执法", "--text", "")
    assert result.exit_code == 2
    assert "负面倾向模型文件" in result.stderr and "校验和不符" in result.stderr
    assert "Traceback" not in result.stderr


def test_batch_sums_agree_with_the_occurrence_rows():
    texts = ["城管暴力执法，掀翻老人菜摊", "", "ＡＢＣ abc\t１２３", "好" * 3000, "", "x"]
    model = load_model()
    batch = ngrams(texts, model.bits)
    register = model.register
    sums, counts, register_sums = weight_sums(texts, model.weights, model.bits, register.weights,
                                              boundaries=register.boundaries)
    expected = [float(model.weights[batch.buckets[batch.owners == i]].sum()) for i in range(len(texts))]
    assert sums.tolist() == pytest.approx(expected, rel=1e-6, abs=1e-4)
    assert counts.tolist() == batch.counts.tolist()
    # The register head reads the top bits of the same hashes, and the marks of each
    # text's start and end.
    narrow = batch.buckets >> (model.bits - register.bits)
    marks, marked = boundary_buckets(texts, register.bits)
    assert register.boundaries and np.bincount(marks, minlength=6).tolist() == [4, 0, 4, 4, 0, 2]
    expected = [float(register.weights[narrow[batch.owners == i]].sum() + register.weights[marked[marks == i]].sum())
                for i in range(len(texts))]
    assert register_sums.tolist() == pytest.approx(expected, rel=1e-6, abs=1e-4)
    assert weight_sums(texts, model.weights, model.bits)[2] is None
    assert counts[1] == 0 and counts[3] == 2000 + 1999 + 1998  # MAX_CHARS characters are read
    # Full-width and upper-case letters are read as their ASCII lower case.
    assert weight_sums(["ＡＢＣ"], model.weights, model.bits)[0][0] == pytest.approx(
        weight_sums(["abc"], model.weights, model.bits)[0][0])


def test_top_grams_are_each_texts_highest_positive_two_and_three_grams():
    model = load_model()
    texts = NEGATIVE + NOT_NEGATIVE + ["", "Ａ  b", "差" * 2500, "一句话\n另一句话，又一句。"]
    top = top_grams(texts, model.weights, model.bits, 16)
    batch = ngrams(texts, model.bits)
    for j, text in enumerate(texts):
        mine = batch.owners == j
        rows = sorted(
            ((float(model.weights[b]), int(s), int(s) + int(n)) for b, s, n in
             zip(batch.buckets[mine], batch.starts[mine], batch.orders[mine], strict=True)
             if n >= 2 and model.weights[b] > 0),
            key=lambda r: (-r[0], r[1], r[2]))
        assert top[j] == rows[:16], text
    assert any(len(t) == 16 for t in top)


def test_clear_complaints_and_government_news():
    reader = Negativity()
    negative = [r.negative for r in reader.read_many(NEGATIVE)]
    calm = [r.negative for r in reader.read_many(NOT_NEGATIVE)]
    # Measured: 16 of 18 complaints and incidents, 2 false alarms of 18 (破获、打击 news).
    assert sum(negative) >= 15, negative
    assert sum(calm) <= 3, calm
    for reading in reader.read_many(NEGATIVE + NOT_NEGATIVE):
        assert 0.0 <= reading.score <= 1.0
        assert reading.model == reader.model.id
        assert bool(reading.reasons) == reading.negative


def test_reasons_are_the_phrases_that_pushed_the_score():
    reading = Negativity().read("强烈要求县长下台！城管欺负老人，反映多次没人管")
    assert reading.negative
    assert "欺负" in reading.reasons
    assert 1 <= len(reading.reasons) <= 4
    assert all("！" not in r and "，" not in r for r in reading.reasons)


def test_reasons_do_not_cut_into_the_lexicon_words():
    """「人死」 pushed the score of 「3人死亡」, but it is half of 死亡, which is a reason already."""
    text = "清河县人民医院门口发生火灾，3人死亡，网友质疑消防迟迟不到"
    reasons = Negativity().read(text).reasons
    assert "死亡" in reasons and "火灾" in reasons
    death = range(text.index("死亡"), text.index("死亡") + 2)
    for reason in reasons:
        if reason != "死亡":
            at = text.index(reason)
            assert not set(range(at, at + len(reason))) & set(death), reasons


@pytest.mark.parametrize("text", ["", "   ", "\n\t\u3000"])
def test_empty_texts_score_the_bias(text):
    reading = Negativity().read(text)
    assert reading.reasons == ()
    # the lexicon reads nothing there: only its offset joins the bias, as far as an empty
    # text reads as a title (the register head's bias alone)
    model = load_model()
    share = float(title_share(np.array([model.register.bias]))[0])
    join = model.register.join
    logit = model.bias + share * (join.offsets[0] + join.scales[0] * model.bias)
    assert reading.score == pytest.approx(1 / (1 + math.exp(-logit)))


@pytest.mark.parametrize("text", ["。。。！！！", "\x00\x01投诉", "😀" * 50, "a" * 100_000])
def test_odd_texts_give_a_score_and_word_like_reasons(text):
    reading = Negativity().read(text)
    assert 0.0 <= reading.score <= 1.0
    assert all(r.strip() and not set(r) & set("。！\x00\x01😀") for r in reading.reasons)


def _bare_logit(model, text: str) -> float:
    """The model's own logit, without the lexicon."""
    sums, counts, _ = weight_sums([text], model.weights, model.bits)
    return float(sums[0] / math.sqrt(max(counts[0], 1)) + model.bias)


def _share(model, text: str) -> float:
    sums, counts, register_sums = weight_sums([text], model.weights, model.bits, model.register.weights,
                                              boundaries=model.register.boundaries)
    return float(title_share(register_sums / np.sqrt(np.maximum(counts, 1)) + model.register.bias)[0])


def test_titles_join_the_lexicon_and_comments_read_the_model_alone():
    model = load_model()
    titles = ["县政府召开安全生产工作会议", "揪心！山西代县铁矿透水事故，11人遇难", "关于城区道路施工的通告"]
    comments = ["送餐太慢了，菜都凉了，再也不点了", "房间很干净，服务员态度也好，下次还住这里",
                "这种人就该严惩！！！我们老百姓就想要一个真相"]
    assert all(_share(model, t) >= 0.9 for t in titles), [_share(model, t) for t in titles]
    assert all(_share(model, t) == 0 for t in comments), [_share(model, t) for t in comments]
    reader = Negativity()
    for text in comments:  # read by the model alone: the lexicon is not even run
        assert _logit(reader.read(text).score) == pytest.approx(_bare_logit(model, text), abs=1e-6)
    # A title the lexicon reads as negative gains the join's weight over its offset, one it
    # reads as calm gets the offset (a penalty: the model alone raises false alarms on titles).
    join = model.register.join
    assert len(join.bands) == 1 and join.offsets[0] < 0 < join.weights[0]
    negative_title, calm_title = titles[1], titles[0]
    for text, verdict in ((negative_title, 1), (calm_title, 0)):
        share, bare = _share(model, text), _bare_logit(model, text)
        assert _logit(reader.read(text).score) == pytest.approx(
            bare + share * (join.offsets[0] + join.weights[0] * verdict + join.scales[0] * bare), abs=1e-5)


def test_the_learned_join_goes_through_the_file_and_older_files_keep_the_fixed_one(tmp_path):
    model = load_model()
    join = LexiconJoin((0.0, 0.8), (-1.5, -2.5), (3.0, 5.0), (0.0, -0.25))
    head = RegisterHead(model.register.bits, model.register.weights, model.register.bias, True, join)
    data = encode_model(model.weights, model.bias, model.threshold, {"kind": "local"}, head)
    read = decode_model(data, "test")
    assert read.register.join == join and read.header["lexicon_join"]["bands"] == [0.0, 0.8]
    # a text in the upper band gains π · (−2.5 + 5 · verdict − 0.25 · its own logit)
    pushed = join.push(np.array([0.0, 0.5, 0.9, 1.0]), np.array([1.0, 1.0, 0.0, 1.0]), np.array([2.0, 2.0, 2.0, 2.0]))
    assert pushed.tolist() == pytest.approx([0.0, 0.5 * 1.5, 0.9 * -3.0, 2.0])
    plain = RegisterHead(model.register.bits, model.register.weights, model.register.bias, True)
    older = encode_model(model.weights, model.bias, model.threshold, {"kind": "local"}, plain)
    assert "lexicon_join" not in decode_model(older, "test").header
    assert decode_model(older, "test").register.join == FIXED_JOIN


def test_a_damaged_lexicon_join_is_refused_with_a_clear_message():
    model = load_model()
    head = RegisterHead(model.register.bits, model.register.weights, model.register.bias, True,
                        LexiconJoin((0.0, 0.8), (-1.5,), (3.0,), (0.0,)))  # one band's numbers missing
    data = encode_model(model.weights, model.bias, model.threshold, {"kind": "local"}, head)
    with pytest.raises(ModelError, match="文件头已损坏"):
        decode_model(data, "test")


def test_fit_join_finds_the_offset_and_weight_the_labels_were_drawn_with():
    """Labels drawn from sigmoid(z + π·(−2 + 4·verdict)): the fitted join gives them back."""
    from yuqing.text.tonetrain import fit_join

    rng = np.random.default_rng(14)
    n = 40_000
    logits, share = rng.normal(0, 2, n), np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.3, 1.0, n))
    verdict = (rng.random(n) < 0.3).astype(float)
    labels = rng.random(n) < 1 / (1 + np.exp(-(logits + share * (-2 + 4 * verdict))))
    join = fit_join(logits, labels, share=share, verdict=verdict, bands=(0.0,), sample_weight=np.ones(n),
                    rescale=False)
    assert join.offsets[0] == pytest.approx(-2, abs=0.2) and join.weights[0] == pytest.approx(4, abs=0.3)
    assert join.scales == (0.0,)


def test_a_register_head_written_without_the_marks_reads_none(tmp_path):
    """A format-2 file from before the start and end marks (an office's older local model)
    reads its register head over the n-grams alone, as it was trained."""
    model = load_model()
    plain = RegisterHead(model.register.bits, model.register.weights, model.register.bias)
    old = tmp_path / "tone_model.bin"
    old.write_bytes(encode_model(model.weights, model.bias, model.threshold, {"kind": "local"}, plain))
    reader = Negativity(old)
    assert not reader.model.register.boundaries and "register_boundaries" not in reader.model.header
    title = "揪心！山西代县铁矿透水事故，11人遇难"
    sums, counts, register_sums = weight_sums([title], model.weights, model.bits, model.register.weights)
    with_marks = weight_sums([title], model.weights, model.bits, model.register.weights, boundaries=True)[2]
    assert register_sums[0] != pytest.approx(with_marks[0])
    share = float(title_share(register_sums / np.sqrt(np.maximum(counts, 1)) + model.register.bias)[0])
    assert _logit(reader.read(title).score) == pytest.approx(
        _bare_logit(model, title) + share * (LEXICON_OFFSET + LEXICON_WEIGHT), abs=1e-4)


def test_a_model_file_without_a_register_reads_every_text_as_a_title(tmp_path):
    """Files written before the register head (an office's older local model) still load,
    and every text is read as a title, as they were."""
    model = load_model()
    old = tmp_path / "tone_model.bin"
    old.write_bytes(encode_model(model.weights, model.bias, model.threshold, {"kind": "local"}))
    reader = Negativity(old)
    assert reader.model.register is None and reader.model.header["format"] == 1
    comment = "送餐太慢了，菜都凉了，再也不点了"
    assert _logit(reader.read(comment).score) == pytest.approx(
        _bare_logit(model, comment) + LEXICON_OFFSET + LEXICON_WEIGHT, abs=1e-4)
    with pytest.raises(ValueError, match="register head"):
        encode_model(model.weights[:1024], 0.0, 0.5, {}, model.register)


def _logit(score: float) -> float:
    return math.log(score / (1 - score))


def test_office_words_move_the_logit_by_their_weight():
    text = "小区门口的臭水沟又发臭了"
    plain = Negativity().read(text)
    heavy = Negativity(None, OfficeWords.from_table({"words": ["臭水沟", "烂尾"], "weights": {"臭水沟": 3.0}}))
    reader = Negativity(None, OfficeWords.from_table({"words": ["臭水沟", "烂尾"]}))  # weight 1.0
    assert _logit(heavy.read(text).score) - _logit(reader.read(text).score) == pytest.approx(2.0, abs=1e-6)
    # A found office word also counts as the lexicon's verdict on a title, whatever the register.
    assert _logit(reader.read(text).score) - _logit(plain.score) >= 1.0
    assert reader.read(text).reasons[0] == "臭水沟" and reader.read(text).negative
    # A comment the model reads calmly: the office's word makes it negative all the same.
    comment = "我家楼下那条臭水沟，夏天的时候味道有点大哈哈"
    assert not Negativity().read(comment).negative and reader.read(comment).negative
    # A negated office word does not count.
    assert reader.read("这里没有臭水沟").score == pytest.approx(Negativity().read("这里没有臭水沟").score)


def test_office_exclusions_are_blanked_before_reading():
    office = OfficeWords.from_table({"exclusions": ["投诉热线"]})
    reader = Negativity(None, office)
    assert reader.read("欢迎拨打投诉热线12345").score == pytest.approx(
        Negativity().read("欢迎拨打    12345").score)


def test_score_threshold_and_a_legacy_word_list():
    text = "网友投诉清河县物业乱收费，业主维权无门"
    score = Negativity().read(text).score
    assert score < 1
    assert not Negativity(None, OfficeWords.from_table({"score_threshold": (score + 1) / 2})).read(text).negative
    assert Negativity(None, OfficeWords.from_table({"score_threshold": score - 0.01})).read(text).negative
    # An old rules.toml holding the whole built-in list adds nothing but its own words.
    from yuqing.text.tone import DEFAULT_LEXICON
    legacy = OfficeWords.from_table({"words": [*DEFAULT_LEXICON.words, "臭水沟"], "threshold": 1.0})
    assert legacy.lexicon.words == ("臭水沟",)
    with pytest.raises(ValueError, match="score_threshold"):
        OfficeWords.from_table({"score_threshold": 1.5})


# --- the office teaches the model -------------------------------------------------------

@pytest.mark.slow
def test_two_hundred_labels_of_short_hotel_reviews_raise_f1_on_short_hotel_reviews(corpora):
    """Hotel reviews of 100 characters or fewer are the held-out text the shipped reader does
    worst on (F1 0.74-0.76, against 0.85 on the longer ones and 0.85 on Weibo comments).
    Four times over, 200 of them (a quarter of the held-out ones by crc32, in crc32 order:
    the file is sorted by label) given as an office's labels raise F1 on the other held-out
    short reviews: the adaptation fits the reader's whole logit, register head included
    (docs/model.md, "The office's retraining"). Deterministic: the same gains every run."""
    import zlib

    from yuqing.text.tonetrain import adapt_model, f1, model_bytes

    if not (corpora / "reviews").is_dir():
        pytest.skip(f"语料缺失：{corpora / 'reviews'}")
    tone_eval = bench_script("tone_eval")
    rows = next(rs for label, rs in tone_eval.held_out_sets(corpora) if label.startswith("ChnSentiCorp"))
    short = [r for r in rows if len(r[1]) <= 100]
    shipped_model, shipped = load_model(), Negativity()

    def f1_of(reader, rows):
        return f1([r.negative for r in reader.read_many([t for _, t in rows], explain=False)], [g for g, _ in rows])[2]

    def crc(prefix, text):
        return zlib.crc32((prefix + text).encode())

    gains = []
    for quarter in range(4):
        teach = sorted((r for r in short if crc("teach:", r[1]) % 4 == quarter), key=lambda r: crc("order:", r[1]))[:200]
        taught = {t for _, t in teach}
        test = [r for r in short if r[1] not in taught]
        assert len(teach) == 200 and len(test) >= 680 and 30 <= sum(g for g, _ in teach) <= 170
        adapted = adapt_model(shipped_model, [t for _, t in teach], [g for g, _ in teach])
        taught_reader = Negativity()
        taught_reader._model = decode_model(
            model_bytes(adapted.weights, adapted.bias, 0.5, {"kind": "local"}, adapted.register), "test")
        gains.append(f1_of(taught_reader, test) - f1_of(shipped, test))
    # Measured (builtin-d42646117f20): +0.014, +0.021, +0.010, +0.028.
    assert min(gains) > 0.005 and sum(gains) / 4 >= 0.015, gains


# --- held-out figures (bench/tone_eval.py) ----------------------------------------------

# Measured F1 of the shipped reader on the held-out sets (docs/model.md), next to snownlp's
# on the same rows: the reader must stay above snownlp on every set.
HELD_OUT_F1 = {  # set label prefix: (shipped reader at least, snownlp measured)
    "weibo_events": (0.84, 0.563),
    "ChnSentiCorp_htl_all": (0.80, 0.662),
    "waimai_10k": (0.91, 0.840),
    "新闻标题 盲测": (0.85, 0.308),
    "新闻标题 开发集留出": (0.78, 0.294),
}


@pytest.mark.slow
def test_held_out_f1_stays_above_snownlp_on_every_set(corpora):
    pytest.importorskip("feedparser")
    if not (corpora / "weibo_events").is_dir() or not (corpora / "wechat_feeds").is_dir():
        pytest.skip(f"语料缺失：{corpora}")
    tone_eval = bench_script("tone_eval")
    reader = Negativity()
    measured = {}
    for label, rows in tone_eval.held_out_sets(corpora):
        key = next((k for k in HELD_OUT_F1 if label.startswith(k)), None)
        if key:
            predicted = [r.negative for r in reader.read_many([t for _, t in rows], explain=False)]
            measured[key] = tone_eval.scores(predicted, [g for g, _ in rows])[2]
    assert measured.keys() == HELD_OUT_F1.keys()
    for key, (floor, snownlp) in HELD_OUT_F1.items():
        assert measured[key] >= floor > snownlp, (key, measured[key])


def test_the_model_id_is_known_without_reading_the_weights(tmp_path):
    from yuqing.text.modelfile import file_model_id

    assert file_model_id() == load_model().id
    damaged = tmp_path / "m.bin"
    damaged.write_bytes(b"not a model")
    assert file_model_id(damaged) is None
    assert file_model_id(tmp_path / "missing.bin") is None


def test_a_run_with_nothing_new_to_read_does_not_load_numpy(tmp_path):
    """numpy (a fifth of a second to import) is for reading posts; a cron run that finds
    nothing new only needs to know which model it would read them with."""
    import subprocess
    import sys

    from yuqing.store import Store

    Store(tmp_path / "y.db").close()
    code = (
        "import sys\nfrom pathlib import Path\nfrom yuqing.store import Store\n"
        "from yuqing.rules import load_rules\nfrom yuqing.events.grouping import update_events\n"
        f"store = Store(Path({str(tmp_path / 'y.db')!r}))\n"
        f"update_events(store, load_rules(Path({str(ROOT / 'rules.toml')!r})))\n"
        "print('numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_nb_scaling_is_folded_into_one_weight_per_bucket():
    """With NB-SVM scaling the model is fit on features times their log-count ratios; the
    weights it returns score the plain features the same way, so scoring stays as it is."""
    pytest.importorskip("sklearn", reason="scikit-learn 未安装（pip install -e '.[train]'），跳过")
    from sklearn.linear_model import LogisticRegression

    from yuqing.text.tonetrain import fit_model, nb_ratios, sparse_matrix

    texts, labels = [*NEGATIVE, *NOT_NEGATIVE], [True] * len(NEGATIVE) + [False] * len(NOT_NEGATIVE)
    coef, bias = fit_model(texts, labels, bits=12, nb=1.0)
    matrix = sparse_matrix(texts, 12)
    ratios = nb_ratios(matrix, labels)
    assert ratios[matrix[:len(NEGATIVE)].nonzero()[1]].mean() > 0 > ratios[matrix[len(NEGATIVE):].nonzero()[1]].mean()
    scaled = LogisticRegression(C=4.0, solver="liblinear", max_iter=2000).fit(matrix.multiply(ratios).tocsr(), labels)
    assert (matrix @ coef + bias).tolist() == pytest.approx(scaled.decision_function(matrix.multiply(ratios)).tolist())
    plain, _ = fit_model(texts, labels, bits=12)
    assert not np.allclose(plain, coef)


def test_adaptation_fits_the_reader_including_the_office_words_and_a_model_without_register():
    """adapt_model fits what scoring computes: with the office's word 臭水沟 (weight 3) the
    reader already calls these posts negative, so labels saying so move the weights less than
    without the word; a model file without a register head (format 1) adapts its weights only."""
    import dataclasses

    from yuqing.text.tonetrain import adapt_model

    texts = ["小区门口的臭水沟又发臭了", "臭水沟边上蚊子太多", "我家楼下那条臭水沟夏天味道大"] * 4
    labels = [True] * len(texts)
    model = load_model()
    plain = adapt_model(model, texts, labels)
    office = adapt_model(model, texts, labels, office=OfficeWords.from_table(
        {"words": ["臭水沟"], "weights": {"臭水沟": 3.0}}))

    def moved(adapted) -> float:
        return float(np.abs(adapted.weights - model.weights).sum())

    assert 0 < moved(office) < moved(plain)
    bare = adapt_model(dataclasses.replace(model, register=None), texts, labels)
    assert bare.register is None and moved(bare) > 0
