"""A command's start-up: typer coerces option values through pydantic, and importing it
costs 0.1-0.15 s; values that need no coercion (defaults, strings) must not pay for it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import sys
from yuqing.cli import main
sys.argv = ["yuqing", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
print("pydantic" in sys.modules, code, file=sys.stderr)
"""


def _run(home, *args: str) -> tuple[str, str]:
    env = {**os.environ, "YUQING_HOME": str(home), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=60)
    return done.stderr.strip().splitlines()[-1], done.stderr


@pytest.mark.parametrize("args", [("status",), ("events", "--json"), ("events", "--since", "7d", "--topic", "清河县"),
                                  ("search", "清河", "--json")])
def test_defaults_and_strings_do_not_load_pydantic(tmp_path, args):
    last, _ = _run(tmp_path, *args)
    assert last == "False 0", last


def test_numbers_from_the_command_line_are_still_checked(tmp_path):
    last, shown = _run(tmp_path, "events", "--limit", "0")
    assert last == "True 2" and "--limit 的值无效：不能小于 1" in shown, shown
    last, shown = _run(tmp_path, "events", "--limit", "abc")
    assert last == "True 2" and "应为整数" in shown, shown
    assert _run(tmp_path, "events", "--limit", "5")[0] == "True 0"
