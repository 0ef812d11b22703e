"""Jinja templates: the workspace's templates/ first, then the bundled ones.

Scraped text is never trusted: the `md` filter turns it into inert Markdown (no links,
no HTML, no table breaks, no robot mentions), `url` keeps only http(s) links.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from yuqing import clock
from yuqing.workspace import bundled_path

if TYPE_CHECKING:
    import jinja2

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_MENTION = re.compile(r"@(?=all\b|所有人|everyone|here\b|\d{11}\b)", re.IGNORECASE)


def md_text(value: object) -> str:
    """One line of scraped text made safe inside Markdown and robot messages."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub(" ", text).replace("\n", " ").replace("\r", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MENTION.sub("＠", text).strip()


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
        autoescape=False,  # Markdown, not HTML: scraped fields go through |md instead
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_text
    env.filters["url"] = safe_url
    env.filters["local"] = lambda v, fmt="%Y-%m-%d %H:%M": clock.local_text(v, fmt)
    return env


def render(name: str, context: dict, workspace_templates: Path | None = None) -> str:
    return environment(workspace_templates).get_template(name).render(**context)
