"""docs/cli.md and docs/schema.md are generated; they must match the code."""

from pathlib import Path

import pytest

from yuqing.docs import DOCS, cli_markdown, schema_markdown


@pytest.mark.slow
def test_cli_reference_matches_the_help_texts():
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_markdown(), \
        "docs/cli.md is stale: run `python -m yuqing.docs`"


def test_schema_page_matches_the_migrations():
    assert (DOCS / "schema.md").read_text(encoding="utf-8") == schema_markdown(), \
        "docs/schema.md is stale: run `python -m yuqing.docs`"


def test_readme_opens_with_the_two_commands():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```bash\n")[1:3]
    assert "pip install ." in blocks[0] and "yuqing demo" in blocks[0]
    assert "pip install -e '.[test]'" in blocks[1] and "pytest" in blocks[1]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip().splitlines()[0] in ci
