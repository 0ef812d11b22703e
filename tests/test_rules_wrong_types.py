"""Every value of the shipped rules.toml given the wrong type (a number, a word, a table, a
list of numbers) is one Chinese problem from `rules check`, never a traceback; and loading
such a file refuses it (ConfigError) rather than running with a half-read table."""

from __future__ import annotations

import tomllib

import pytest
import tomlkit
from helpers import run

from yuqing.errors import ConfigError
from yuqing.rules import check_rules, load_rules, rules_findings, rules_path_for

DEFAULT = rules_path_for(None).read_text(encoding="utf-8")
WRONG = {"number": 5, "word": "五", "table": {"a": 1}, "numbers": [1, 2]}


def _leaves(table, path=()):
    for key, value in table.items():
        if isinstance(value, dict) and value:
            yield from _leaves(value, (*path, key))
        else:
            yield (*path, key)


def _with(path: tuple, value) -> str:
    doc = tomlkit.parse(DEFAULT)
    table = doc
    for key in path[:-1]:
        table = table[key]
    table[path[-1]] = value
    return tomlkit.dumps(doc)


LEAVES = list(_leaves(tomllib.loads(DEFAULT)))


@pytest.mark.parametrize("leaf", LEAVES, ids=".".join)
def test_a_wrong_type_anywhere_is_a_problem_not_a_crash(tmp_path, leaf):
    for kind, value in WRONG.items():
        path = tmp_path / f"{kind}.toml"
        path.write_text(_with(leaf, value), encoding="utf-8")
        problems = check_rules(path)  # must not raise
        if problems:
            assert all(p.startswith(str(path)) for p in problems), problems
            with pytest.raises(ConfigError):
                load_rules(path)
        else:
            load_rules(path)  # a value the checker accepts must load


@pytest.mark.parametrize("edit, said", [
    (lambda t: t.replace('levels = ["一般", "较大", "重大", "特别重大"]', "levels = 5"), "levels：应为"),
    (lambda t: t.replace('report_to = ["值班员"]', "report_to = 5", 1), "report_to：应为非空字符串的列表"),
])
def test_rules_check_and_todo_name_the_wrong_type(yuqing_home, edit, said):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    (yuqing_home / "rules.toml").write_text(edit(DEFAULT), encoding="utf-8")
    result = run("rules", "check")
    assert result.exit_code == 2 and said in result.stderr and "Traceback" not in result.stderr
    todo = run("todo")
    assert said in todo.stdout and "Traceback" not in todo.stderr


def test_one_wrong_value_is_one_problem(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(DEFAULT.replace('report_to = ["值班员"]', 'report_to = "值班员"', 1), encoding="utf-8")
    [problem] = check_rules(path)  # not also 「值」「班」「员」 as undefined roles
    assert '[escalation.levels."一般"] report_to：应为非空字符串的列表' in problem
    path.write_text(DEFAULT.replace("score_threshold = 0.5", "score_threshold = 2"), encoding="utf-8")
    [problem] = check_rules(path)
    assert problem == f"{path} [negative]：score_threshold 应为 0 到 1 之间的小数，如 score_threshold = 0.5"


def test_a_toml_syntax_error_is_said_in_chinese_with_line_and_column(yuqing_home):
    yuqing_home.mkdir(parents=True, exist_ok=True)
    text = DEFAULT.replace("score_threshold = 0.5", "score_threshold = = 0.5")
    line = text.splitlines().index("score_threshold = = 0.5") + 1
    (yuqing_home / "rules.toml").write_text(text, encoding="utf-8")
    result = run("rules", "check")
    assert result.exit_code == 2
    assert f"rules.toml：TOML 格式错误，第 {line} 行第 19 列：值写得不对" in result.stderr
    assert "Invalid" not in result.stderr
    (yuqing_home / "sources.toml").write_text('[[sources]]\nname = "甲"\nkind = "rss" url = "http://x/"\n',
                                               encoding="utf-8")
    listed = run("source", "list")
    assert listed.exit_code == 2 and "TOML 格式错误，第 3 行第 14 列：一行只能写一个「键 = 值」" in listed.stderr
    assert "Expected" not in listed.stderr


def test_a_broken_secrets_file_says_where_without_its_content(tmp_path):
    from yuqing.notify.credentials import Secrets

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('smtp_password = "hunter2\n', encoding="utf-8")
    secrets.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        Secrets(tmp_path).get("smtp_password")
    assert "secrets.toml：TOML 格式错误，第 1 行" in caught.value.message
    assert "hunter2" not in caught.value.message and "TOMLDecodeError" not in caught.value.message


@pytest.mark.parametrize("before, after, where", [
    ("negative_min_sites = 2", "negative_min_sites = 2\nferment_windowhours = 12", "[larger]"),
    ("window_days = 7", "window_day = 3", "[events]"),
    ('digest_min_level = "较大"', 'digest_min_level = "较大"\nsecrecy_level = "秘密"', "[office]"),
    ("min = 1000", "min = 1000\nmax = 5000", "第 1 个 [[thresholds]]"),
    ("forward_within_hours = 2 ", "forward_within_hour = 1 ", '[escalation.levels."一般"]'),
    ("case_min_level = ", "case_minimum_level = \"较大\"\ncase_min_level = ", "[escalation]"),
    ('[roles."值班员"]\n', '[roles."值班员"]\nemail = ["a@b.cn"]\n', '[roles."值班员"]'),
])
def test_a_misspelt_key_is_named_with_the_keys_the_table_takes(tmp_path, before, after, where):
    """A key nobody reads is said (its setting does not apply) but stops nothing: a typo, or
    a key of another version, must not stop the cron run from collecting."""
    assert before in DEFAULT, before
    path = tmp_path / "rules.toml"
    path.write_text(DEFAULT.replace(before, after, 1), encoding="utf-8")
    problems, [warning] = rules_findings(path)
    assert problems == [] and check_rules(path) == []
    assert warning.startswith(f"{path} {where}：不认识的键 ") and "不会生效" in warning and "（可用的键：" in warning
    assert load_rules(path).warnings == (warning,)


def test_a_misspelt_key_is_said_by_rules_check_status_todo_and_the_run_log(yuqing_home, monkeypatch):
    from helpers import run

    assert run("status").exit_code == 0  # the workspace
    rules = yuqing_home / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("window_days = 7", "window_day = 3", 1),
                     encoding="utf-8")
    checked = run("rules", "check")
    assert checked.exit_code == 0 and "没有发现错误" in checked.stdout
    assert "警告 1 处" in checked.stdout and "不认识的键 window_day" in checked.stdout
    assert "配置警告 1 处" in run("status").stdout and "配置警告 1 处" in run("todo").stdout
    graded = run("grade", "--title", "清河县某小区物业乱收费")
    assert graded.exit_code == 0, graded.stderr  # every command still runs
    run("source", "add", "http://127.0.0.1:9/feed.xml", "--name", "本机")
    run("run")  # the one source fails (nothing listens on port 9); the run itself goes on
    log = (yuqing_home / "logs" / "yuqing.log").read_text(encoding="utf-8")
    assert "不认识的键 window_day" in log
