"""Helpers shared by the bank tests (templates written inline, pinned parameters)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from cnnquiz.bank.schema import ParamSpec, Template

GOLDEN = Path(__file__).parent / "golden" / "export"

GOOD_TEMPLATE = """\
templates:
  - id: conv-output-size-basic
    topic: output_size
    difficulty: 1
    kind: integer
    prompt: "A {size}x{size} image, a {k}x{k} kernel, padding {p}. Output height?"
    params:
      size: {range: [8, 40]}
      k: {choices: [3, 5]}
      p: {range: [0, 2]}
    answer:
      computation: conv2d_output_size
      args: {size: size, kernel_size: k, padding: p}
    mistakes: [forgot_plus_one, padding_once]
"""


def write_bank(directory: Path, files: dict[str, str]) -> Path:
    """Write ``{name: yaml text}`` under ``directory`` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def pinned(template: Template, **values: Any) -> Template:
    """A copy of ``template`` whose named parameters are fixed (derived ones still derived)."""
    params = {
        name: (ParamSpec(value=values[name]) if name in values else spec)
        for name, spec in template.params.items()
    }
    unknown = set(values) - set(params)
    assert not unknown, f"not parameters of {template.id}: {unknown}"
    return template.model_copy(update={"params": params})


_DRAWN: dict[str, list] = {}


def drawn(template_id: str, count: int) -> list:
    """The first ``count`` validation variants of a shipped template (validation's seeds),
    generated once per test session for all the tests that look at them."""
    from cnnquiz.bank import load_bank
    from cnnquiz.bank.generate import derive_seed, generate_question

    have = _DRAWN.setdefault(template_id, [])
    if len(have) < count:
        template = load_bank().get(template_id)
        have.extend(generate_question(template, derive_seed("validate", template_id, i), "q1")
                    for i in range(len(have), count))
    return have[:count]
