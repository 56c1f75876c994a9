"""Helpers of the platform tests: the forced isolation level, unpacking a bundle, running a script."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from cnnquiz.errors import CnnquizError
from cnnquiz.grading.sandbox import IsolationLevel, detect_isolation

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "submissions" / "examples"


def available(level: str) -> bool:
    """Whether the sandbox can run at ``level`` on this machine."""
    try:
        detect_isolation(IsolationLevel(level))
    except (ValueError, CnnquizError):
        return False
    return True


def forced_level() -> str:
    """The level the platforms force where no namespaces exist: ``uid`` where it runs, else ``rlimits``.

    ``uid`` needs an interpreter other uids can start (not pyenv under a mode-700 /root).
    """
    return "uid" if available("uid") else "rlimits"


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
