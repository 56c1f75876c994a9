"""The sandbox's own sources (harness, jail, confine) load from any importable cnnquiz, a zip too."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import cnnquiz
from cnnquiz.grading.sandbox import session

_SANDBOX_DIR = Path(session.__file__).resolve().parent

_PROBE = r'''
import json, sys
import cnnquiz.grading.sandbox.session as session
print(json.dumps({"session": session.__file__, "harness": session.HARNESS_SOURCE, "jail": session.JAIL_SOURCE,
                  "confine": session.CONFINE_SOURCE}))
'''


def test_the_sources_are_the_files_beside_the_session_module():
    for name, text in (("harness", session.HARNESS_SOURCE), ("jail", session.JAIL_SOURCE),
                       ("confine", session.CONFINE_SOURCE)):
        assert text == (_SANDBOX_DIR / f"{name}.py").read_text(encoding="utf-8")


def test_the_sources_load_when_cnnquiz_is_imported_from_a_zip(tmp_path):
    package = Path(cnnquiz.__file__).resolve().parent
    archive = tmp_path / "cnnquiz.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(package.rglob("*.py")):
            bundle.write(path, f"cnnquiz/{path.relative_to(package).as_posix()}")
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(archive), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["session"].startswith(str(archive) + "/"), loaded["session"]  # really the zip, not the checkout
    for name in ("harness", "jail", "confine"):
        assert loaded[name] == (_SANDBOX_DIR / f"{name}.py").read_text(encoding="utf-8"), name
