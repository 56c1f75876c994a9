"""Rewrite tests/practice/golden (by hand, after a deliberate change; review the diff).

    python tests/practice/make_goldens.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from test_progress import ENV, SCRIPT  # noqa: E402

from cnnquiz.cli import app  # noqa: E402
from cnnquiz.practice.history import History  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as home:
        os.environ["CNNQUIZ_HOME"] = home
        with History() as h:
            h.record_all(SCRIPT)
        text = CliRunner().invoke(app, ["progress"], env=ENV).output.replace(home, "<HOME>")
        (GOLDEN / "progress.txt").write_text(text, encoding="utf-8")
        data = json.loads(CliRunner().invoke(app, ["progress", "--json"], env=ENV).output)
        data["history"] = "<HOME>/history.sqlite3"
        (GOLDEN / "progress.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}/progress.txt and progress.json")
