"""Jinja templates: the workspace's templates/ first, then the bundled ones.

Scraped text is never trusted: the `md` filter (the `cell` filter inside a table row)
makes it Markdown that shows exactly the published text (no links, emphasis or robot
mentions it did not mean, no escapes it does not need: see render/markup.py); `url`
keeps only http(s) links.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from yuqing import clock
from yuqing.render.markup import md_cell, md_text
from yuqing.workspace import bundled_path

if TYPE_CHECKING:
    import jinja2

def percent(value: float | None) -> str:
    """A fraction as a percentage ('75.0%'); '—' when there was nothing to count."""
    return "—" if value is None else f"{value:.1%}"


def safe_url(value: object) -> str:
    url = "" if value is None else str(value).strip()
    if not url.lower().startswith(("http://", "https://")):
        return ""
    return url.replace(" ", "%20").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


@functools.lru_cache(maxsize=8)
def environment(workspace_templates: Path | None = None) -> jinja2.Environment:
    """One environment per templates folder: Jinja compiles each template once and
    caches it (a new environment per notice recompiled the template every time)."""
    # The workspace folder is listed even before it exists: the cached environment must
    # see an override the officer adds later.
    import jinja2  # here, not at the top: a run with nothing to notify never renders

    paths = [str(p) for p in (workspace_templates, bundled_path("templates")) if p]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths),
        autoescape=False,  # Markdown, not HTML: scraped fields go through |md or |cell instead
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_text
    env.filters["cell"] = md_cell
    env.filters["url"] = safe_url
    env.filters["local"] = lambda v, fmt="%Y-%m-%d %H:%M": clock.local_text(v, fmt)
    env.filters["published"] = lambda v, fmt="%Y-%m-%d %H:%M": clock.published_text(v, fmt)
    env.filters["pct"] = percent
    return env


def render(name: str, context: dict, workspace_templates: Path | None = None) -> str:
    return environment(workspace_templates).get_template(name).render(**context)
