"""Charset detection and decoding for feeds and pages from Chinese sites.

Chinese sites lie about charsets in both directions: a GBK page labelled UTF-8, a UTF-8
page whose <meta> says GB2312. Strict UTF-8 validity is a strong signal (GBK text is
almost never valid UTF-8), so it wins over labels; labels then decide between the legacy
encodings, and GB2312/GBK labels are read as GB18030, their superset (Python's `gb2312`
codec fails on 镕, `gbk` on 𠮷).
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

__all__ = [
    "canonical_encoding",
    "decode_body",
    "feed_bytes_as_utf8",
    "sniff_declared_encoding",
]

SNIFF_BYTES = 4096
_HIGH_BYTES = bytes(range(0x80, 0x100))

_GB_LABELS = frozenset(
    {
        "gb2312",
        "gb-2312",
        "gb-2312-80",
        "gb2312-80",
        "gb-2312-1980",
        "csgb2312",
        "csiso58gb231280",
        "iso-ir-58",
        "chinese",
        "gbk",
        "x-gbk",
        "cp936",
        "ms936",
        "windows-936",
        "euc-cn",
        "euccn",
        "x-euc-cn",
        "gb18030",
        "gb-18030",
    }
)
_BIG5_LABELS = frozenset({"big5", "big-5", "cn-big5", "csbig5", "x-x-big5", "big5-tw"})
# Browsers read these as windows-1252 (WHATWG Encoding Standard).
_WIN1252_LABELS = frozenset(
    {"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso-ir-100"}
)
_EXTRA_LABELS = {"utf8mb4": "utf-8", "utf-8-sig": "utf-8", "unicode-1-1-utf-8": "utf-8"}
# Codecs that exist in Python but must never decode web content (XSS vectors or not text).
_REFUSED = frozenset(
    {
        "utf-7",
        "unicode-escape",
        "raw-unicode-escape",
        "punycode",
        "idna",
        "undefined",
        "charmap",
        "mbcs",
        "oem",
    }
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"\x84\x31\x95\x33", "gb18030"),
)

_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']\s*([A-Za-z0-9._:\-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_XML_DECL_TEXT = re.compile(r"""^(<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""", re.I)


def canonical_encoding(label: str | None) -> str | None:
    """The Python codec name for a charset label; GB2312/GBK family -> 'gb18030'.

    Unknown labels, and codecs that are not text encodings, give None.
    """
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower().replace("_", "-").replace(" ", "-")
    if not key:
        return None
    if key in _GB_LABELS:
        return "gb18030"
    if key in _BIG5_LABELS:
        return "big5"
    if key in _WIN1252_LABELS:
        return "cp1252"
    key = _EXTRA_LABELS.get(key, key)
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError):
        return None
    name = info.name
    if not getattr(info, "_is_text_encoding", True) or name.replace("_", "-") in _REFUSED:
        return None
    if name == "gbk" or name == "gb2312":  # reached through aliases we did not list
        return "gb18030"
    return name


def sniff_declared_encoding(body: bytes) -> str | None:
    """The encoding a document declares for itself: BOM, XML declaration, then <meta>.

    <meta charset> and http-equiv content="...; charset=..." are looked for in the
    first 4 KiB (browsers stop at 1 KiB, but Chinese portals put long keyword metas
    first). Returns a canonical codec name, or None.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    head = body[:SNIFF_BYTES]
    match = _XML_DECL.match(head)
    if match:
        found = canonical_encoding(match.group(1).decode("ascii"))
        if found:
            return found
    head = _COMMENT.sub(b"", head)
    for match in _META_CHARSET.finditer(head):
        found = canonical_encoding(match.group(1).decode("ascii"))
        if found:
            return found
    return None


def decode_body(
    body: bytes, *, http_charset: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Decode a fetched body; returns (text, encoding_used).

    Order: override (the officer's word) > BOM > valid non-ASCII UTF-8 > HTTP charset >
    charset declared in the document > GB18030 / Big5 (whichever reads as more common
    characters when both decode) > the best candidate with replacement characters.
    """
    forced = canonical_encoding(override)
    if forced:
        return _decode_trusted(body, forced), forced
    if not body:
        return "", "utf-8"
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _decode_trusted(body[len(bom) :], name), name

    http_enc = canonical_encoding(http_charset)
    wide = _sniff_utf16_32(body, http_enc)
    if wide:
        return _decode_trusted(body, wide), wide

    if body.isascii():
        return body.decode("ascii"), "ascii"
    text = _try(body, "utf-8")
    if text is not None:
        return text, "utf-8"

    declared = sniff_declared_encoding(body)
    for label in (http_enc, declared):
        if not label or label == "utf-8" or _is_wide(label):
            # UTF-8 already failed; a UTF-16/32 label readable as ASCII is wrong (HTML spec).
            continue
        if _is_western_single_byte(label):
            # On a Chinese site a "latin-1" page whose bytes read as Chinese prose is GBK;
            # “smart quotes” before letters also decode as GBK, but as rare characters.
            guessed = _guess_chinese(body)
            if guessed and guessed.ideographs >= 2 and guessed.common_share >= 0.5:
                return guessed.text, guessed.encoding
        decoded = _decode_label(body, label)
        if decoded:
            return decoded

    guessed = _guess_chinese(body)
    # Unlabelled legacy bytes are Chinese unless plenty of evidence says otherwise.
    if guessed and (guessed.ideographs < 10 or guessed.common_share >= 0.2):
        return guessed.text, guessed.encoding
    western = _try(body, "cp1252")
    if western is not None:
        return western, "cp1252"
    if guessed:
        return guessed.text, guessed.encoding
    return _best_effort(body, [e for e in (http_enc, declared) if e and not _is_wide(e)])


def feed_bytes_as_utf8(
    body: bytes, *, http_charset: str | None = None, override: str | None = None
) -> bytes:
    """Re-encode a feed as UTF-8 for feedparser (pass `content-type: ...; charset=utf-8`).

    The BOM is dropped, leading blank lines before `<?xml` are removed and the XML
    declaration's encoding is rewritten to utf-8, so the parser cannot second-guess us.
    """
    text, _ = decode_body(body, http_charset=http_charset, override=override)
    text = text.lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith("<?xml"):
        text = _XML_DECL_TEXT.sub(r"\1\2utf-8\2", stripped, count=1)
    return text.encode("utf-8", errors="replace")


# ---------------------------------------------------------------------- helpers


def _try(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_trusted(body: bytes, encoding: str) -> str:
    """Decode with an encoding we were told to trust: strict if possible, else replace."""
    for bom, name in _BOMS:
        if name == encoding and body.startswith(bom):
            body = body[len(bom) :]
            break
    else:
        if encoding in ("utf-16", "utf-32"):  # no BOM: the codec would guess the byte order
            encoding = _wide_byte_order(body, encoding)
    text = _try(body, encoding)
    if text is None and encoding == "big5":
        text = _try(body, "cp950") or _try(body, "big5hkscs")
    if text is None:
        text = body.decode(encoding, errors="replace")
    return text


def _decode_label(body: bytes, encoding: str) -> tuple[str, str] | None:
    candidates = ("big5", "cp950", "big5hkscs") if encoding == "big5" else (encoding,)
    for candidate in candidates:
        text = _try(body, candidate)
        if text is not None:
            return text, candidate
    return None


def _is_wide(encoding: str) -> bool:
    return encoding.startswith(("utf-16", "utf-32"))


def _is_western_single_byte(encoding: str) -> bool:
    return encoding == "cp1252" or encoding.startswith(("iso8859", "latin"))


def _sniff_utf16_32(body: bytes, http_enc: str | None) -> str | None:
    """UTF-16/32 without a BOM: trust a wide HTTP label, or the `<` pattern of XML 1.0 F.1."""
    if b"\x00" not in body[:SNIFF_BYTES]:
        return None
    if http_enc and _is_wide(http_enc):
        if http_enc in ("utf-16", "utf-32"):
            return _wide_byte_order(body, http_enc)
        return http_enc
    head = body[:4]
    if head == b"<\x00\x00\x00":
        return "utf-32-le"
    if head == b"\x00\x00\x00<":
        return "utf-32-be"
    if head[:2] == b"<\x00" and head[3:4] == b"\x00":
        return "utf-16-le"
    if head[:2] == b"\x00<" and head[2:3] == b"\x00":
        return "utf-16-be"
    return None


def _wide_byte_order(body: bytes, family: str) -> str:
    width = 2 if family == "utf-16" else 4
    sample = body[: SNIFF_BYTES - SNIFF_BYTES % width]
    # ASCII-range characters put their zero bytes after (LE) or before (BE) the letter.
    first_zero = sum(1 for i in range(0, len(sample), width) if sample[i] == 0)
    last_zero = sum(1 for i in range(width - 1, len(sample), width) if sample[i] == 0)
    return f"{family}-be" if first_zero > last_zero else f"{family}-le"


class _Reading(NamedTuple):
    text: str
    encoding: str
    ideographs: int  # CJK ideographs in the (sampled) text
    common_share: float  # share of them among the everyday characters of that encoding


def _reading(text: str, encoding: str) -> _Reading:
    """How much `text` reads like Chinese prose in `encoding`.

    GB2312 level 1 (leads B0-D7) and Big5's common block (A4-C6) hold the characters of
    ordinary prose; bytes decoded with the wrong codec come out full of rare characters.
    """
    probe, lead_range = (
        ("big5", (0xA4, 0xC6))
        if "big5" in encoding or encoding == "cp950"
        else (
            "gb2312",
            (0xB0, 0xD7),
        )
    )
    total = common = 0
    for char in text[:50_000]:
        if "\u4e00" <= char <= "\u9fff":
            total += 1
            try:
                lead = char.encode(probe)[0]
            except UnicodeEncodeError:
                continue
            if lead_range[0] <= lead <= lead_range[1]:
                common += 1
    return _Reading(text, encoding, total, common / total if total else 0.0)


def _guess_chinese(body: bytes) -> _Reading | None:
    """GB18030 or Big5 by strict decoding; when both decode, the one that reads as prose."""
    gb = _try(body, "gb18030")
    big5 = _decode_label(body, "big5")
    readings = []
    if gb is not None:
        readings.append(_reading(gb, "gb18030"))
    if big5 is not None:
        readings.append(_reading(*big5))
    if not readings:
        return None
    # max() keeps the first on ties: GB18030 before Big5.
    return max(readings, key=lambda r: r.common_share)


def _best_effort(body: bytes, labels: list[str]) -> tuple[str, str]:
    """Nothing decodes strictly: pick the candidate with the fewest replacement characters."""
    non_ascii = len(body) - len(body.translate(None, _HIGH_BYTES))
    utf8 = body.decode("utf-8", errors="replace")
    if utf8.count("\ufffd") * 50 < non_ascii:  # mostly UTF-8 with a few broken bytes
        return utf8, "utf-8"
    best: tuple[int, str, str] | None = None
    for encoding in [*labels, "gb18030", "big5hkscs", "utf-8"]:
        try:
            text = body.decode(encoding, errors="replace")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        if best is None or bad < best[0]:
            best = (bad, text, encoding)
    assert best is not None
    return best[1], best[2]
