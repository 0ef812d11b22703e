"""Build the list of known titles the register head learns from: bench/register_titles.txt.gz.

    git clone --branch feeds https://github.com/hellodword/wechat-feeds   # 715464a3
    python bench/build_register_titles.py --feeds wechat-feeds             # the same bytes every time

The register head (title or comment?, docs/model.md) had 622 titles against 24,717 comments
and reviews: short Weibo comments written like headlines were read as titles (29 % of
them) and the lexicon's offset pulled them down. The corpora hold few titles, and their
source holds many more: ../shared/corpora/wechat_feeds is 46 news outlets' feeds taken
from hellodword/wechat-feeds @ 715464a3; its `feeds` branch at that commit has the feeds of
9,806 WeChat accounts. These are the article titles of the other 9,760 accounts (news,
government, schools, companies, writers): titles, whatever their tone, never tone labels.

Left out: the 46 accounts of the corpora (news_accounts_selected.csv) and every title that
repeats a title of bench/tone_eval.py's news sets (development, blind, ambiguous) or shares
half of its character 4-grams with one (a reprint with a new prefix), so the held-out news
titles stay unseen. Of the rest, COUNT are kept, those with the smallest crc32 of
"register:" + title, one per line in that order; gzip without a timestamp.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import html
import re
import subprocess
import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tone_eval  # noqa: E402

COMMIT = "715464a3d50e41ad15072a4e133bca8822e4741c"  # the feeds branch the corpora came from
COUNT = 20_000
TITLES_PATH = ROOT / "bench" / "register_titles.txt.gz"
ITEM_TITLE = re.compile(r"<item><title>(.*?)</title>", re.S)
SHARED_GRAMS = 0.5


def feed_titles(feeds: Path, left_out: set[str]) -> list[str]:
    """The item titles of every feed at COMMIT, but those of the accounts in ``left_out``."""
    names = subprocess.run(["git", "-C", str(feeds), "ls-tree", "--name-only", COMMIT], check=True,
                           capture_output=True, text=True).stdout.split()
    titles: dict[str, None] = {}
    for name in sorted(names):
        if not name.endswith(".xml") or name.removesuffix(".xml") in left_out:
            continue
        xml = subprocess.run(["git", "-C", str(feeds), "show", f"{COMMIT}:{name}"], check=True,
                             capture_output=True).stdout.decode("utf-8", "replace")
        for raw in ITEM_TITLE.findall(xml):
            title = " ".join(html.unescape(raw.replace("<![CDATA[", "").replace("]]>", "")).split())
            if title:
                titles.setdefault(title)
    return list(titles)


def grams(text: str) -> set[str]:
    return {text[i:i + 4] for i in range(len(text) - 3)} or {text}


class NewsTitles:
    """The news titles of bench/tone_eval.py, to keep them and their reprints out."""

    def __init__(self, corpora: Path) -> None:
        development, blind, kept = tone_eval.news_split(corpora)
        self.titles = {t for _, t in development + blind + kept} | set(tone_eval.ambiguous_development_titles(corpora))
        self.sizes = {}
        self.index: dict[str, list[str]] = defaultdict(list)
        for title in self.titles:
            found = grams(title)
            self.sizes[title] = len(found)
            for gram in found:
                self.index[gram].append(title)

    def repeats(self, title: str) -> bool:
        if title in self.titles:
            return True
        found = grams(title)
        shared = Counter(news for gram in found for news in self.index.get(gram, ()))
        return any(n >= SHARED_GRAMS * min(len(found), self.sizes[news]) for news, n in shared.items())


def register_titles(feeds: Path, corpora: Path) -> list[str]:
    with open(corpora / "wechat_feeds" / "news_accounts_selected.csv", encoding="utf-8") as accounts:
        left_out = {row[1] for row in csv.reader(accounts) if len(row) > 1}
    news = NewsTitles(corpora)
    titles = [t for t in feed_titles(feeds, left_out) if not news.repeats(t)]
    titles.sort(key=lambda t: (zlib.crc32(("register:" + t).encode("utf-8")), t))
    return titles[:COUNT]


def load_register_titles(path: Path = TITLES_PATH) -> list[str]:
    """The titles build_tone_model.py's register head learns from ([] when the file is absent)."""
    if not path.exists():
        return []
    return gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="构建语体判别用的已知标题表")
    parser.add_argument("--feeds", type=Path, required=True, help="hellodword/wechat-feeds 的 git 目录（含 feeds 分支）")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args(argv)
    titles = register_titles(args.feeds, args.corpora)
    data = ("\n".join(titles) + "\n").encode("utf-8")
    TITLES_PATH.write_bytes(gzip.compress(data, 9, mtime=0))
    print(f"{TITLES_PATH}：{len(titles):,} 个标题，{TITLES_PATH.stat().st_size:,} 字节")
    return 0


if __name__ == "__main__":
    sys.exit(main())
