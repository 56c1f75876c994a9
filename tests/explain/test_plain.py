"""Plain text against the committed goldens (rewritten only by make_goldens.py, by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases import CASES
from cnnquiz.explain.plain import LARGE_STEPS, plain_text

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(CASES))
def test_plain_text_matches_golden(name: str) -> None:
    assert plain_text(CASES[name]()) == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_step_block_ends_with_its_value(name: str) -> None:
    explained = CASES[name]()
    blocks = plain_text(explained).split("\n\n")
    steps = [b for b in blocks if b.startswith("Step ")]
    assert len(steps) == (LARGE_STEPS + 1 if explained.large else explained.count)
    for block in steps:
        assert "= " in block.splitlines()[-1]


def test_a_large_input_shows_the_first_steps_and_the_whole_result() -> None:
    explained = CASES["large_input"]()
    text = plain_text(explained)
    assert explained.large and f"… {explained.count - LARGE_STEPS - 1} more steps" in text
    assert f"\nStep {explained.count} of {explained.count}:" in text
    assert len(plain_text(explained, all_steps=True).split("\nStep ")) == explained.count + 1
    assert text.rstrip().endswith(" ".join(f"{v:2d}" for v in explained.result[0, -1]))
