"""Generate docs/cli.md (every command's --help), docs/schema.md (the schema the
migrations build) and yuqing/store/blank_schema.sql (the script that creates a new store
with that schema). `python -m yuqing.docs` rewrites all three; tests fail when they drift."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

from yuqing.cli import click_command
from yuqing.store import Store
from yuqing.store.blank import BLANK_SCHEMA
from yuqing.store.schema import migrations

DOCS = Path(__file__).resolve().parent.parent / "docs"


def command_paths() -> list[list[str]]:
    root = click_command()
    paths: list[list[str]] = [[]]

    def walk(command, prefix: list[str]) -> None:
        for name in sorted(getattr(command, "commands", {}) or {}):
            sub = command.commands[name]
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


def help_text(path: list[str]) -> str:
    from yuqing.cli import main

    out = io.StringIO()
    old = {k: os.environ.get(k) for k in ("COLUMNS", "NO_COLOR", "TERM")}
    os.environ.update(COLUMNS="100", NO_COLOR="1", TERM="dumb")
    try:
        with redirect_stdout(out):
            main([*path, "--help"])
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip()


def cli_markdown() -> str:
    parts = ["# 命令参考（由 `python -m yuqing.docs` 从 --help 生成，请勿手改）\n"]
    for path in command_paths():
        title = " ".join(["yuqing", *path])
        parts.append(f"## `{title}`\n\n```text\n{help_text(path)}\n```\n")
    return "\n".join(parts)


def schema_markdown() -> str:
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "schema.db") as store:
        rows = store.schema_objects()
    parts = ["# 数据库结构（由 `python -m yuqing.docs` 从迁移生成，请勿手改）\n",
             "迁移按顺序在每次打开数据库时应用：" + "、".join(f"`{m.name}`" for m in migrations._migrations) + "。\n"]
    for kind, name, sql in rows:
        parts.append(f"## {kind} `{name}`\n\n```sql\n{sql.strip()}\n```\n")
    return "\n".join(parts)


def blank_schema_script() -> str:
    """What yuqing/store/blank_schema.sql holds: the script of a store built by the migrations."""
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "blank.db", replay_migrations=True) as store:
        return store.blank_script()


def write_docs(folder: Path = DOCS) -> list[Path]:
    folder.mkdir(exist_ok=True)
    written = []
    for name, text in (("cli.md", cli_markdown()), ("schema.md", schema_markdown())):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    BLANK_SCHEMA.write_text(blank_schema_script(), encoding="utf-8")
    written.append(BLANK_SCHEMA)
    return written


if __name__ == "__main__":
    for written_path in write_docs():
        sys.stdout.write(f"{written_path}\n")
