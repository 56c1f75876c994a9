"""One sanitiser per sink: text that came from a student, made safe where it leaves us.

Student code controls folder names, exception messages and printed output, so any of
them may hold a lone surrogate (``ValueError("\\udcff")``), bytes that are not UTF-8,
terminal escape sequences (clear screen, cursor moves, OSC 8 hyperlinks), rich console
markup (``[/]``) or a spreadsheet formula (``=HYPERLINK(...)``). Inside cnnquiz such text
is kept as it came; each output applies the one function for its sink:

==================  =========================================================
``for_utf8``         every file we write (JSON, CSV, XML): valid UTF-8
``for_json``         ``for_utf8`` on every string (keys too) of a JSON value
``for_terminal``     the screen: control characters shown as ``\\x1b``, markup escaped
``for_csv_cell``     a spreadsheet cell: a leading ``= + - @``, tab or CR gets a ``'``
``for_xml``          XML 1.0 text and attributes: characters XML forbids dropped
==================  =========================================================

Student folders whose names are not valid UTF-8 are graded under
:func:`escape_name`, a readable id that :func:`unescape_name` turns back into the
folder's bytes.

Examples
--------
>>> for_utf8("bad \\udcff")
'bad \\\\xff'
>>> for_terminal("\\x1b[2J[/]")
'\\\\x1b[2J\\\\[/]'
>>> for_csv_cell('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
>>> escape_name(b"caf\\xe9"), unescape_name("caf\\\\xe9")
('caf\\\\xe9', b'caf\\xe9')
"""

from __future__ import annotations

import os
import re
from typing import Any

from rich.markup import escape as _escape_markup

__all__ = [
    "for_utf8",
    "for_json",
    "for_terminal",
    "for_csv_cell",
    "for_xml",
    "escape_name",
    "unescape_name",
    "CSV_FORMULA_PREFIXES",
]

#: The first characters that make a spreadsheet read a cell as a formula (contract section 4).
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls except tab and newline, DEL, C1 controls (a lone 0x9b is CSI on some
# terminals), and the bidirectional overrides and isolates that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NAME_ESCAPE = re.compile(rb"\\(?:\\|x([0-9a-f]{2}))")


def _show_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    # os.fsdecode turns an undecodable byte 0xNN into U+DCNN (surrogateescape): show the byte.
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def for_utf8(text: Any) -> str:
    """``text`` as a string that encodes to UTF-8: lone surrogates shown as ``\\xNN`` / ``\\uNNNN``.

    Bytes are decoded as UTF-8 with undecodable bytes shown as ``\\xNN``; anything else
    goes through ``str``. Valid text is returned unchanged.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    elif not isinstance(text, str):
        text = str(text)
    return _SURROGATE.sub(_show_surrogate, text)


def for_json(value: Any) -> Any:
    """A copy of a JSON value whose every string (keys included) went through :func:`for_utf8`.

    Non-recursive, so a deeply nested value cannot exhaust the stack.
    """
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        item, parent, key = stack.pop()
        if isinstance(item, str):
            parent[key] = for_utf8(item)
        elif isinstance(item, dict):
            copy: dict[str, Any] = {}
            parent[key] = copy
            for name, child in item.items():
                clean = for_utf8(name) if isinstance(name, str) else name
                copy[clean] = None
                stack.append((child, copy, clean))
        elif isinstance(item, (list, tuple)):
            items: list[Any] = [None] * len(item)
            parent[key] = items
            stack.extend((child, items, index) for index, child in enumerate(item))
        else:
            parent[key] = item
    return root[0]


def _show_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: Any, *, markup: bool = True) -> str:
    """``text`` safe to print: valid UTF-8, control characters shown as ``\\x1b`` etc.

    Tab and newline stay. With ``markup`` (the default) rich console markup is escaped,
    for a string printed where markup is on (tables, ``console.print``); pass
    ``markup=False`` for ``console.print(..., markup=False)`` or plain ``echo``.
    """
    shown = _CONTROL.sub(_show_control, for_utf8(text))
    return _escape_markup(shown) if markup else shown


def for_csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a leading ``= + - @``, tab or CR gets ``'``.

    Numbers (our scores) stay numbers; strings go through :func:`for_utf8` first.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = for_utf8(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


def for_xml(text: Any) -> str:
    """Text XML 1.0 can carry: valid UTF-8, forbidden characters replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", for_utf8(text))


def escape_name(name: str | bytes) -> str:
    """The student id of a folder name: itself when it is valid UTF-8 without a backslash.

    Otherwise every backslash becomes ``\\\\`` and every byte that is not UTF-8 becomes
    ``\\xNN`` (lower-case hex), so that :func:`unescape_name` gives the bytes back.
    ``name`` is what ``os.listdir`` returns (``str`` with surrogateescape) or the bytes.
    """
    raw = os.fsencode(name) if isinstance(name, str) else bytes(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\\" not in text:
        return text
    parts: list[str] = []
    rest = raw
    while rest:
        try:
            parts.append(rest.decode("utf-8").replace("\\", "\\\\"))
            break
        except UnicodeDecodeError as error:
            parts.append(rest[: error.start].decode("utf-8").replace("\\", "\\\\"))
            parts.append("".join(f"\\x{byte:02x}" for byte in rest[error.start:error.end]))
            rest = rest[error.end:]
    return "".join(parts)


def unescape_name(student: str) -> bytes:
    """The folder name (bytes) that :func:`escape_name` turned into ``student``."""
    raw = student.encode("utf-8", "surrogateescape")
    if b"\\" not in raw:
        return raw
    return _NAME_ESCAPE.sub(lambda m: b"\\" if m.group(1) is None else bytes([int(m.group(1), 16)]), raw)
