"""The live view drawn without a terminal: marks, the compact layout, 30 rows at 80 and 120 columns."""

from __future__ import annotations

import pytest
from rich.console import Console

from cases import CASES
from cnnquiz.explain import live


def _lines(view, width: int, height: int = 30) -> list[str]:
    console = Console(width=width, height=height, no_color=True, force_terminal=False, record=True)
    console.print(view)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", ["lecture_5x5", "lecture_minus25", "transpose_d2l_stride2", "large_input"])
def test_every_step_fits_thirty_rows(name: str, width: int) -> None:
    explained = CASES[name]()
    console = Console(width=width, height=30, no_color=True, force_terminal=False)
    for index in (0, explained.count - 1):
        view = live._fitting_view(explained, index, console, True)
        lines = _lines(view, width)
        assert len(lines) <= 30, "\n".join(lines)
        assert lines[-1].startswith(f"step {index + 1}/{explained.count}")
        assert max(len(line.rstrip()) for line in lines) <= width


def test_without_colour_the_window_is_bracketed_and_the_current_cell_angled() -> None:
    lines = _lines(live.frame_view(CASES["lecture_5x5"](), 4, plain_marks=True), 80)
    assert lines[0] == "Step 5 of 9: output row 2, column 2; window rows 2-4, columns 2-4"
    assert lines[3].rstrip() == "  0[1][1][1]  0     2<4>"  # input row 2 and the output's row 2
    assert "= 4" in "\n".join(lines)


def test_a_large_grid_is_shown_through_a_window_around_the_marks() -> None:
    lines = _lines(live.frame_view(CASES["large_input"](), 40, plain_marks=True), 120)
    assert "input rows 5-16, cols 1-12 of 16x16" in lines[1]


def test_keys_map_to_actions() -> None:
    assert [live._action(k) for k in (" ", "right", "left", "q", "esc", "g", "G", "x")] == [
        "next", "next", "back", "quit", "quit", "first", "last", None]


def test_read_keys_decodes_arrows(tmp_path) -> None:
    import os

    read, write = os.pipe()
    os.write(write, b" \x1b[C\x1b[Dq")
    os.close(write)
    assert list(live.read_keys(read)) == [" ", "right", "left", "q"]
    os.close(read)
