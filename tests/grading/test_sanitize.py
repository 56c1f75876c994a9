"""cnnquiz.sanitize: one sanitiser per sink, each with its own hostile texts.

(The module is cnnquiz/sanitize.py; its tests live with grading, whose outputs it guards.)
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from cnnquiz.sanitize import (
    CSV_FORMULA_PREFIXES,
    escape_name,
    for_csv_cell,
    for_json,
    for_terminal,
    for_utf8,
    for_xml,
    unescape_name,
)

CLEAR_SCREEN = "\x1b[2J\x1b[H"
CURSOR_UP = "\x1b[3A"
OSC8_LINK = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
BELL_TITLE = "\x1b]0;pwned\x07"


def test_a_lone_surrogate_becomes_readable_utf8():
    text = str(ValueError("\udcff"))
    assert for_utf8(text) == "\\xff"
    assert for_utf8("x\ud800y") == "x\\ud800y"
    for_utf8(text).encode("utf-8")  # does not raise


def test_valid_text_is_unchanged_by_utf8_and_bytes_are_decoded():
    assert for_utf8("héllo wörld ✓ 🙂") == "héllo wörld ✓ 🙂"
    assert for_utf8(b"caf\xe9 ok") == "caf\\xe9 ok"
    assert for_utf8(3.5) == "3.5"


@given(st.text())
def test_utf8_always_encodes(text):
    for_utf8(text).encode("utf-8")
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert for_utf8(text) == text


@pytest.mark.parametrize("hostile", [CLEAR_SCREEN, CURSOR_UP, OSC8_LINK, BELL_TITLE, "over\rwrite", "\x9b2J", "\u202eevil"])
def test_terminal_shows_escape_sequences_instead_of_running_them(hostile):
    shown = for_terminal(f"before {hostile} after", markup=False)
    assert not any(ord(c) < 0x20 and c not in "\t\n" for c in shown)
    assert not any(0x7F <= ord(c) <= 0x9F for c in shown) and "\u202e" not in shown
    assert shown.startswith("before ") and shown.endswith(" after")
    assert "\\x1b" in shown or "\\x0d" in shown or "\\x9b" in shown or "\\u202e" in shown


def test_terminal_keeps_newlines_and_tabs_and_names_the_escape():
    assert for_terminal("a\n\tb", markup=False) == "a\n\tb"
    assert for_terminal(CLEAR_SCREEN, markup=False) == "\\x1b[2J\\x1b[H"


def test_terminal_markup_is_printed_as_typed():
    hostile = "ImportError: bad [/] and [bold red]loud[/bold red] [link=https://evil.example]x[/link]"
    console = Console(file=io.StringIO(), width=300, color_system=None)
    console.print(for_terminal(hostile))  # markup on: raised MarkupError before
    assert console.file.getvalue().rstrip("\n") == hostile


def test_the_cli_consoles_print_emoji_codes_as_typed():
    from cnnquiz.cli._app import console, err_console

    for target in (console, err_console):
        with target.capture() as captured:
            target.print(for_terminal("alice :smile: :thumbs_up:"))
        assert "alice :smile: :thumbs_up:" in captured.get()


@pytest.mark.parametrize("prefix", CSV_FORMULA_PREFIXES)
def test_csv_cells_starting_a_formula_are_text(prefix):
    cell = for_csv_cell(f"{prefix}HYPERLINK(\"https://evil.example\",\"x\")")
    assert cell.startswith("'" + prefix)


def test_csv_cells_keep_plain_text_and_numbers():
    assert for_csv_cell("alice") == "alice"
    assert for_csv_cell(-1.5) == -1.5 and for_csv_cell(3) == 3
    assert for_csv_cell("a=b") == "a=b"
    assert for_csv_cell("\udcff") == "\\xff"


def test_xml_drops_what_xml_forbids():
    text = for_xml(f"ok {CLEAR_SCREEN} \x00 \udcff \ufffe")
    ET.fromstring(f"<a b={json.dumps(text)}>{text.replace('&', '&amp;').replace('<', '&lt;')}</a>")
    assert "\x1b" not in text and "\x00" not in text and "\\xff" in text


def test_json_strings_and_keys_are_utf8_without_recursion():
    value = {"\udcff": ["x\udcfe", 1, None, {"k": "v"}], "n": 2.5}
    clean = for_json(value)
    assert clean == {"\\xff": ["x\\xfe", 1, None, {"k": "v"}], "n": 2.5}
    json.dumps(clean, ensure_ascii=False).encode("utf-8")
    deep: list = []
    for _ in range(5000):  # nested deeper than the recursion limit
        deep = [deep]
    assert for_json(deep) is not deep


@pytest.mark.parametrize("raw", [b"caf\xe9", b"\xff\xfe", b"a\\b", b"caf\\xe9", b"mixed \\x41 \xc3", "ünï".encode()])
def test_escaped_names_round_trip(raw):
    student = escape_name(raw)
    student.encode("utf-8")
    assert unescape_name(student) == raw
    assert escape_name(os.fsdecode(raw)) == student  # the str os.listdir gives


def test_valid_names_are_their_own_id():
    assert escape_name("alice_correct") == "alice_correct"
    assert escape_name(b"caf\xe9") == "caf\\xe9"


@given(st.binary(min_size=1, max_size=40))
def test_escape_name_is_injective_and_round_trips(raw):
    assert unescape_name(escape_name(raw)) == raw


def test_a_formula_name_stays_text_in_a_csv_reader():
    buffer = io.StringIO()
    csv.writer(buffer).writerow([for_csv_cell('=HYPERLINK("https://evil.example")'), 1])
    assert next(csv.reader(io.StringIO(buffer.getvalue())))[0].startswith("'=")


@given(st.text())
def test_terminal_output_never_carries_a_control_character(text):
    shown = for_terminal(text, markup=False)
    shown.encode("utf-8")
    assert all(c in "\t\n" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in shown)


@given(st.text())
def test_no_csv_cell_starts_a_formula(text):
    assert not for_csv_cell(text).startswith(CSV_FORMULA_PREFIXES)


@given(st.text())
def test_xml_text_always_parses(text):
    clean = for_xml(text)
    root = ET.Element("a", b=clean)
    root.text = clean
    parsed = ET.fromstring(ET.tostring(root, encoding="unicode"))
    assert (parsed.text or "") == clean.replace("\r\n", "\n").replace("\r", "\n")  # XML normalises line ends
