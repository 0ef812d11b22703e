"""Run the real `yuqing` entry point in-process and capture what the officer sees."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from yuqing.cli import main


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run(*args: str, stdin: str | None = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin) if stdin is not None else io.StringIO("")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def undo_letters_and_work_records(conn) -> None:
    """Take a store back to before m016_letters and m017_work_records, so that opening it runs
    the pending migrations again (a store is current when the latest one is recorded)."""
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('m016_letters', 'm017_work_records')")
    for table in ("letters", "event_tags", "documents"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("ALTER TABLE notices DROP COLUMN letter_id")
    for column in ("post_ids", "outcome", "document_sha", "document_name"):
        conn.execute(f"ALTER TABLE case_actions DROP COLUMN {column}")


def bench_script(name: str) -> ModuleType:
    """A script of bench/ loaded as a module, so that a test uses the rows and builders the
    bench defines."""
    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def modules_loaded_opening_store(path: Path, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded once it has opened (or created)
    the store at ``path``."""
    probe = ("import sys; from yuqing.store import Store; Store(sys.argv[1]).close(); "
             f"print(','.join(sorted(m for m in {modules!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]
