"""What a cron `yuqing collect` of RSS feeds loads: not httpx's own command-line client
(click, pygments' lexers) nor the forum parsers, which no RSS source needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from test_collect import add_source, rss

UNNEEDED = ("httpx._main", "click", "pygments.lexers", "yuqing.sources.forums", "yuqing.sources.forumtime")

PROBE = (
    "import sys, yuqing.cli\n"
    "code = yuqing.cli.main(sys.argv[1:])\n"
    f"print(json.dumps(sorted(m for m in {UNNEEDED!r} if sys.modules.get(m) is not None)), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def test_collect_of_rss_feeds_leaves_httpx_cli_and_forum_parsers_unloaded(yuqing_home, http_server):
    http_server.route("/feed.xml", rss([("清河县新闻一", "http://example.cn/1"), ("清河县新闻二", "http://example.cn/2")]),
                      headers={"Content-Type": "application/rss+xml"})
    add_source(http_server.url("/feed.xml"))
    done = subprocess.run([sys.executable, "-c", "import json\n" + PROBE, "--home", str(yuqing_home),
                           "collect", "--json", "--no-escalate"],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == 2
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []


def test_httpx_still_works_without_its_cli(http_server):
    http_server.route("/ok", "好", headers={"Content-Type": "text/plain; charset=utf-8"})
    probe = ("import sys, yuqing, httpx\n"
             "assert sys.modules['httpx._main'] is None\n"
             "print(httpx.Client(trust_env=False).get(sys.argv[1]).text)")
    done = subprocess.run([sys.executable, "-c", probe, http_server.url("/ok")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "好"), done.stderr
