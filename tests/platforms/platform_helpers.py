"""Helpers of the platform tests: the forced isolation level, unpacking a bundle, running a script."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from cnnquiz.grading.sandbox import IsolationLevel

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "submissions" / "examples"


def forced_level() -> str:
    """The level the platforms force when no namespaces exist: ``uid`` once it exists, else ``rlimits``."""
    levels = {level.value for level in IsolationLevel}
    return "uid" if "uid" in levels else "rlimits"


def unpack_gradescope(bundle: Path, root: Path) -> Path:
    """Lay out ``root`` as Gradescope does: the zip in source/, run_autograder beside it."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zipped:
        zipped.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def run_script(script: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=timeout, check=False)
