"""The tone model's file as far as naming it goes: where the shipped one lives and the id
that every reading records, read from the file without its weights.

Knowing which model a run would use costs a file read and a hash; reading the weights
needs numpy (a fifth of a second to import), which a cron run with nothing new to read
never has to pay (`yuqing.text.negativity` reads the weights).
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

MAGIC = b"YQTONE1\n"
SHIPPED_NAME = "tone_model.bin"


def shipped_model_path() -> Path:
    return Path(__file__).with_name(SHIPPED_NAME)


def model_id(data: bytes, header: dict[str, Any]) -> str:
    """The id of the model in ``data``: its kind and the start of the whole file's hash."""
    return f"{header.get('kind', 'model')}-{hashlib.sha256(data).hexdigest()[:12]}"


def read_header(data: bytes) -> tuple[dict[str, Any], int]:
    """(the JSON header of the model file in ``data``, where its payload starts); ValueError
    when ``data`` is not a model file or its header is damaged."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise ValueError("not a model file")
    (size,) = struct.unpack_from("<I", data, len(MAGIC))
    start = len(MAGIC) + 4
    try:
        header = json.loads(data[start:start + size].decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError("damaged header") from error
    if not isinstance(header, dict):
        raise ValueError("damaged header")
    return header, start + size


def file_model_id(path: Path | None = None) -> str | None:
    """The id of the model file at ``path`` (default: the shipped one); None when it cannot
    be read or is not a model file (loading it then says why)."""
    try:
        data = (path or shipped_model_path()).read_bytes()
        header, _ = read_header(data)
    except (OSError, ValueError):
        return None
    return model_id(data, header)
