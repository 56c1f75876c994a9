"""Rewrite the committed plain-text goldens (run by hand after a deliberate change; review the diff).

    python tests/explain/make_goldens.py

The tests only read these files; they never write them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from cases import CASES  # noqa: E402

from cnnquiz.explain.plain import plain_text  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"

if __name__ == "__main__":
    for name, build in CASES.items():
        (GOLDEN / f"{name}.txt").write_text(plain_text(build()), encoding="utf-8")
        print(f"wrote {GOLDEN / name}.txt")
