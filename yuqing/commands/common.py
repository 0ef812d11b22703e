"""What every command module shares: the chosen workspace and how to open its store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from yuqing.workspace import Workspace, ensure_workspace, resolve_home

if TYPE_CHECKING:  # imported when first used: see the note in cli.py
    from yuqing.rules import Rules
    from yuqing.store import Store

_state: dict[str, Workspace] = {}


def set_workspace(workspace: Workspace) -> None:
    _state["workspace"] = workspace


def current_workspace() -> Workspace:
    return _state.get("workspace") or resolve_home(None)


@contextmanager
def open_store() -> Iterator[Store]:
    from yuqing.store import Store

    workspace = current_workspace()
    ensure_workspace(workspace)
    workspace.require_database()
    store = Store(workspace.db_path)
    try:
        yield store
    finally:
        store.close()


def current_rules() -> Rules:
    """The workspace's rules.toml when it exists, else the bundled default."""
    from yuqing.rules import load_rules, rules_path_for

    workspace = current_workspace()
    model = workspace.tone_model_path
    return load_rules(rules_path_for(workspace if workspace.rules_path.exists() else None),
                      tone_model=model if model.exists() else None)


def read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.read()
