"""The parent-side parse of student text: one thread at a time (CPython gh-106905)."""

from __future__ import annotations

import gc
import re
import threading
import time
from pathlib import Path

import pytest

import cnnquiz
from cnnquiz.grading.sandbox.scan import imported_modules, parse_python

_SOURCE = "import numpy as np\nfrom torch import nn\n" + "\n".join(
    f"def f{i}(x):\n    return [[y + {i} for y in x if y] for _ in range(3)]" for i in range(8))


class _Finalized:
    """Cyclic garbage whose finalizer yields the GIL: the garbage collector, run in the
    middle of a parse, then switches threads there (what grading threads do by chance)."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        time.sleep(0)


def test_parsing_in_8_threads_200_times_each_never_fails():
    problems: list[str] = []
    results: list[set[str]] = []

    def parse_many() -> None:
        for _ in range(200):
            for _ in range(4):
                _Finalized()
            try:
                results.append(imported_modules(_SOURCE))
                parse_python(_SOURCE)
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                problems.append(f"{type(error).__name__}: {error}")
                return

    thresholds = gc.get_threshold()
    gc.set_threshold(50, 5, 5)  # collect often, so finalizers run inside parses
    try:
        threads = [threading.Thread(target=parse_many) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        gc.set_threshold(*thresholds)
    assert problems == []
    assert len(results) == 8 * 200 and all(found == {"numpy", "torch"} for found in results)


def test_parse_python_raises_what_ast_parse_raises():
    with pytest.raises(SyntaxError, match="line 1"):
        parse_python("def (:", "cnn.py")
    assert parse_python(b"y = 2").body[0].targets[0].id == "y"


@pytest.mark.parametrize("module", ["grading/sandbox/scan.py", "grading/notebook.py", "grading/assignment.py",
                                    "cli/grade_cmd.py", "cli/check_cmd.py"])
def test_the_grader_parses_only_through_the_lock(module):
    text = (Path(cnnquiz.__file__).parent / module).read_text(encoding="utf-8")
    calls = re.findall(r"\bast\.parse\(|(?<![\w.])compile\(", text)
    assert calls == ([] if module != "grading/sandbox/scan.py" else ["ast.parse("]), calls
