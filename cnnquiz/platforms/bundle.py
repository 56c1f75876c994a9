"""What a platform bundle is made of: the cnnquiz wheel and the assignment file.

A bundle never downloads cnnquiz on the platform: it carries the wheel. That wheel is
either given (``--wheel FILE``: the one you installed) or built from the checkout cnnquiz
runs from (an editable install or a source tree), with ``pip wheel``, so the bundle
grades with exactly the code you tested.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import cnnquiz
from cnnquiz.grading.assignment import Assignment, resolve_assignment
from cnnquiz.platforms.common import PlatformError

__all__ = [
    "BUNDLED_ASSIGNMENT",
    "BUNDLED_SECRET",
    "BundleParts",
    "bundled_assignment_text",
    "checkout_root",
    "build_wheel",
    "bundle_parts",
    "temporary_workdir",
]

BUNDLED_ASSIGNMENT = "assignment.yaml"
"""The assignment's file name inside every bundle."""

BUNDLED_SECRET = "course-secret.txt"
"""The course secret's file name inside a bundle (beside the assignment, readable by root only)."""

_WHEEL_NAME = re.compile(r"^cnnquiz-(?P<version>[^-]+)-.+\.whl$")


@dataclass(frozen=True)
class BundleParts:
    """The files a bundle is built from."""

    wheel: Path
    wheel_version: str
    assignment: Assignment
    assignment_text: bytes
    # The course secret (CNNQUIZ_SECRET or the assignment's secret_file); never in a repr.
    secret: str | None = field(default=None, repr=False)

    @property
    def secret_note(self) -> str:
        """What the instructor is told about the hidden tests of this bundle."""
        if self.secret is not None:
            return "with the course secret: hidden tests differ per student"
        return "no course secret (CNNQUIZ_SECRET or secret_file): hidden tests are the same for every student"

    @property
    def files(self) -> dict[str, bytes]:
        """The assignment (and the secret) as the bundle stores them, by file name."""
        files = {BUNDLED_ASSIGNMENT: bundled_assignment_text(self.assignment_text, self.secret is not None)}
        if self.secret is not None:
            files[BUNDLED_SECRET] = (self.secret + "\n").encode("utf-8", "surrogateescape")
        return files


_SECRET_LINE = re.compile(rb"^secret_file:.*$", re.MULTILINE)


def bundled_assignment_text(text: bytes, with_secret: bool) -> bytes:
    r"""The assignment file with ``secret_file`` pointing at the bundled secret.

    Gradescope and PrairieLearn cannot pass ``CNNQUIZ_SECRET``: the bundle carries the
    secret in a file and the assignment names it (the rest of the file is kept as is).

    >>> bundled_assignment_text(b"name: cnn\nsecret_file: ../s.txt\n", True)
    b'name: cnn\nsecret_file: course-secret.txt\n'
    """
    if not with_secret:
        return text
    line = f"secret_file: {BUNDLED_SECRET}".encode()
    if _SECRET_LINE.search(text):
        return _SECRET_LINE.sub(line, text, count=1)
    return text.rstrip(b"\n") + b"\n" + line + b"\n"


def checkout_root() -> Path | None:
    """The source tree this cnnquiz is imported from, or None for an installed wheel."""
    root = Path(cnnquiz.__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    try:
        if re.search(r'^name\s*=\s*"cnnquiz"', pyproject.read_text(encoding="utf-8"), re.MULTILINE):
            return root
    except OSError:
        pass
    return None


def build_wheel(source: Path, out_dir: Path) -> Path:
    """Build the cnnquiz wheel of ``source`` into ``out_dir`` with ``pip wheel``.

    Raises
    ------
    PlatformError
        When the build fails (its last line of output is in the message).
    """
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
         "--wheel-dir", str(out_dir), str(source)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    wheels = sorted(out_dir.glob("cnnquiz-*.whl"))
    if run.returncode != 0 or not wheels:
        lines = [line for line in (run.stderr or run.stdout).splitlines() if line.strip()]
        last = lines[-1].strip() if lines else f"exit status {run.returncode}"
        raise PlatformError(f"{source}: building the cnnquiz wheel failed ({last}); pass --wheel FILE instead")
    return wheels[-1]


def _checked_wheel(wheel: Path) -> tuple[Path, str]:
    match = _WHEEL_NAME.match(wheel.name)
    if match is None:
        raise PlatformError(f"--wheel {wheel}: not a cnnquiz wheel (expected cnnquiz-VERSION-...whl)")
    if not wheel.is_file():
        raise PlatformError(f"--wheel {wheel}: no such file")
    return wheel, match.group("version")


def bundle_parts(assignment: str | Path, wheel: Path | None, workdir: Path) -> BundleParts:
    """Resolve the assignment and find (or build into ``workdir``) the wheel.

    Raises
    ------
    PlatformError
        When no wheel is given and cnnquiz does not run from a checkout, or the wheel is bad.
    CnnquizError
        When the assignment cannot be loaded.
    """
    from cnnquiz.grading.secret import load_secret

    spec = resolve_assignment(assignment)
    text = Path(spec.source).read_bytes()
    secret = load_secret(spec)
    if wheel is None:
        source = checkout_root()
        if source is None:
            raise PlatformError(
                f"cnnquiz {cnnquiz.__version__} is installed, not run from a source checkout: pass --wheel FILE "
                "(the wheel you installed, or one built with: pip wheel --no-deps PATH_TO_CNNQUIZ_SOURCE)"
            )
        wheel = build_wheel(source, workdir)
    path, version = _checked_wheel(Path(wheel))
    return BundleParts(wheel=path, wheel_version=version, assignment=spec, assignment_text=text,
                       secret=secret.value if secret is not None else None)


def temporary_workdir() -> tempfile.TemporaryDirectory:
    """A private folder for a wheel build (removed by the caller's ``with``)."""
    return tempfile.TemporaryDirectory(prefix="cnnquiz-bundle-")
