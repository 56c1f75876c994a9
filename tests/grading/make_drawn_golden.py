"""Rewrite golden/drawn_cases.json (by hand, only after a deliberate change of what is drawn).

    python tests/grading/make_drawn_golden.py

A changed draw changes the public tests students already see and every course's hidden
tests: review the diff. The tests only read the file; they never write it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from drawn_cases import GOLDEN, all_drawn  # noqa: E402

from cnnquiz.atomic import write_text  # noqa: E402

if __name__ == "__main__":
    groups = [f"{json.dumps(label)}: [\n" + ",\n".join(json.dumps(case) for case in cases) + "\n]"
              for label, cases in all_drawn().items()]
    write_text(GOLDEN, "{\n" + ",\n".join(groups) + "\n}\n")  # one case a line: reviewable diffs
    print(f"wrote {GOLDEN}")
