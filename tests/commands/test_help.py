"""The CLI speaks Chinese and is easy to find your way in (issue 13, item 8)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run

from yuqing import __version__
from yuqing.cli import HELP_PANELS
from yuqing.docs import command_paths, help_text

ENGLISH_CHROME = re.compile(
    r"Usage|Options|Arguments|Commands|Show this message|\[required\]|\[default|<str>|<int|<bool>|"
    r"<path>|<float|<list|\[OPTIONS\]|COMMAND \[ARGS\]|Missing command|Error"
)
PYTHON_NAME = re.compile(r"[{\[][a-z_]+[}\]]")  # an argument shown as {event_id} or [level]
ROOT = Path(__file__).resolve().parents[2]


def _subprocess(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "YUQING_HOME": str(home), "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "yuqing.cli", *args], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "yuqing")
def test_every_help_screen_is_chinese_with_an_example(path):
    text = help_text(path)
    assert text.startswith("用法：yuqing")
    assert not ENGLISH_CHROME.search(text), ENGLISH_CHROME.search(text).group(0)
    assert not PYTHON_NAME.search(text.splitlines()[0]), text.splitlines()[0]
    assert re.search(r"示例：.*yuqing", text)


@pytest.mark.slow
def test_help_through_subprocess_has_no_english_chrome(tmp_path):
    for args in (["--help"], ["report", "annual", "--help"], ["source", "add", "--help"]):
        done = _subprocess(*args, home=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "用法：" in done.stdout and "显示本帮助并退出" in done.stdout
        assert not ENGLISH_CHROME.search(done.stdout)
    assert "[必填]" in _subprocess("source", "add", "--help", home=tmp_path).stdout


def test_root_help_groups_commands_in_panels_in_the_order_of_the_day():
    text = help_text([])
    titles = re.findall(r"╭─ (\S+) ─", text)
    listed = [name for name in HELP_PANELS if name in titles]
    assert titles == ["选项", *listed]
    assert listed == ["值班", "研判", "处置", "报告", "信息源", "维护"]
    panel_text = text.split("╭─ 值班 ─")[1]
    order = [m.group(1) for m in re.finditer(r"^│ (\w+) ", panel_text, re.MULTILINE)]
    expected = [name for names in HELP_PANELS.values() for name in names if name in order]
    assert order == expected
    assert "命令 ─" not in text  # every existing command has a panel


@pytest.mark.parametrize("columns", ["80", "100"])
def test_command_summaries_fold_and_are_never_cut(monkeypatch, columns):
    """Chinese has no spaces to wrap at: a long summary goes on to the next line."""
    monkeypatch.setenv("COLUMNS", columns)
    for path in ([], ["event"], ["report"]):
        shown = run(*path, "--help").stdout
        assert not re.search(r"(?<!…)…(?!…)", shown), shown  # 「……」 in a summary is the text's own
    assert "判为误报的不列出" in run("--help").stdout


def test_option_help_folds_and_is_never_cut(monkeypatch):
    """An option's help folds at 80 columns too (「--own」's ran past the edge and was cut)."""
    monkeypatch.setenv("COLUMNS", "80")
    for path in command_paths():
        shown = run(*path, "--help").stdout.replace("文字…", "").replace("整数…", "")  # labels of repeatable values
        assert not re.search(r"(?<!…)…(?!…)", shown), (path, shown)
    assert "户新闻）：计入宣传，不当作舆情" in run("source", "add", "--help").stdout


def test_arguments_are_named_in_chinese_in_usage_and_errors():
    assert run("event", "split", "--help").stdout.splitlines()[1].strip() == (
        "用法：yuqing event split [选项] {事件编号} {帖子编号}...")
    missing = run("event", "show")
    assert missing.exit_code == 2 and "缺少参数：事件编号" in missing.stderr
    bad = run("case", "show", "abc")
    assert bad.exit_code == 2 and "参数 案件编号 的值无效" in bad.stderr


def test_version_in_process_and_through_subprocess(tmp_path):
    result = run("--version")
    assert (result.exit_code, result.stdout.strip()) == (0, f"yuqing {__version__}")
    done = _subprocess("--version", home=tmp_path)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, f"yuqing {__version__}", "")


def test_a_missing_subcommand_is_said_in_chinese():
    result = run("report")
    assert result.exit_code == 2 and "请给出子命令" in result.stderr


def test_report_annual_defaults_to_the_current_year(yuqing_home, monkeypatch):
    monkeypatch.setenv("YUQING_NOW", "2027-03-01T10:00:00+08:00")
    result = run("report", "annual", "--stdout")
    assert result.exit_code == 0, result.stderr
    assert "2027" in result.stdout.splitlines()[0]
    done = _subprocess("report", "annual", home=yuqing_home)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).name.startswith("annual-20")


def test_init_writes_a_private_commented_secrets_template(yuqing_home):
    assert run("init").exit_code == 0
    secrets = yuqing_home / "secrets.toml"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    text = secrets.read_text(encoding="utf-8")
    assert all(line.startswith("#") for line in text.splitlines() if line.strip())  # all comments
    assert "YUQING_SECRET_" in text and "url_secret" in text
    secrets.write_text('duty_robot = "https://example.cn/hook"\n', encoding="utf-8")
    assert run("init").exit_code == 0  # never overwritten
    assert "example.cn" in secrets.read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "secrets.toml" in readme.split("## 工作目录")[1].split("##")[0]


@pytest.mark.slow
def test_init_through_subprocess_makes_secrets_600(tmp_path):
    home = tmp_path / "ws"
    done = _subprocess("init", home=home)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((home / "secrets.toml").stat().st_mode) == 0o600
    assert "secrets.toml" in done.stderr


def _strings_that_are_json(value) -> list[str]:
    found = []
    if isinstance(value, dict):
        for item in value.values():
            found += _strings_that_are_json(item)
    elif isinstance(value, list):
        for item in value:
            found += _strings_that_are_json(item)
    elif isinstance(value, str) and value[:1] in "{[":
        try:
            json.loads(value)
            found.append(value)
        except ValueError:
            pass
    return found


def test_status_json_holds_no_json_in_a_string(yuqing_home, http_server):
    from test_collect import add_source, rss

    http_server.route("/f.xml", rss([("清河县新闻", "http://example.cn/1")]))
    add_source(http_server.url("/f.xml"))
    assert run("run").exit_code == 0
    data = json.loads(run("status", "--json").stdout)
    assert data["last_run"]["summary"]["collect"]["new"] == 1
    assert _strings_that_are_json(data) == []
    done = _subprocess("status", "--json", home=yuqing_home)
    assert _strings_that_are_json(json.loads(done.stdout)) == []


def test_readme_cron_recipe_rotates_cron_log(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cron = readme.split("```cron\n")[1].split("```")[0]
    writers = [line for line in cron.splitlines() if ">> /home/duty/yuqing/logs/cron.log" in line]
    rotate = [line for line in cron.splitlines() if line.split()[5:6] == ["mv"] and "cron.log" in line]
    assert writers and len(rotate) == 1
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "cron.log").write_text("上周的输出\n", encoding="utf-8")
    command = " ".join(rotate[0].split()[5:]).replace("/home/duty/yuqing", str(tmp_path))
    subprocess.run(command, shell=True, check=True, timeout=10)
    assert not (logs / "cron.log").exists() and (logs / "cron.log.1").read_text(encoding="utf-8") == "上周的输出\n"
