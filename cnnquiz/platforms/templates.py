"""The scripts the platform bundles carry, as text with ``{{NAME}}`` placeholders.

Shell and Dockerfile syntax is full of ``$`` and ``{}``, so the placeholders are
``{{NAME}}`` filled by :func:`fill`, which refuses to leave one unfilled.
"""

from __future__ import annotations

import re
import shlex

__all__ = ["GRADESCOPE_SETUP", "GRADESCOPE_RUN", "PRAIRIELEARN_DOCKERFILE", "PRAIRIELEARN_ENTRYPOINT",
           "PRIVATE_IMAGE_NOTE", "fill"]

_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def fill(template: str, **values: object) -> str:
    """Replace every ``{{NAME}}`` with ``values[NAME]`` (strings shell-quoted; lists as quoted words).

    >>> fill("pip install {{WHEEL}}", WHEEL="my wheel.whl")
    "pip install 'my wheel.whl'"
    """
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise KeyError(f"template placeholders without a value: {missing}")
    return _PLACEHOLDER.sub(lambda m: _text(values[m.group(1)]), template)


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)):  # several words, each quoted
        return " ".join(shlex.quote(str(item)) for item in value)
    return shlex.quote(value) if isinstance(value, str) else str(value)


PRIVATE_IMAGE_NOTE = (
    "The image carries the hidden tests' seed and the course secret (when bundled): push it only to a PRIVATE "
    "registry repository, never a public one."
)
"""Said wherever the PrairieLearn image is built or pushed (the Dockerfile, the command's output, the docs)."""


GRADESCOPE_SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the zip is
# unpacked in $AUTOGRADER_ROOT/source (/autograder/source). Written by cnnquiz {{VERSION}}.
# It installs the bundled cnnquiz wheel (its dependencies come from PyPI; cnnquiz itself
# is never downloaded) and bubblewrap where apt exists, then makes the bundle and the
# results unreadable to any uid but root, which is what protects the hidden tests and
# the assignment's seed from student code when no namespaces are available.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
# Outside $ROOT: the sandbox hides the submission's parent folder from student code, and
# the private uid must still be able to start this interpreter and import numpy.
VENV="${CNNQUIZ_VENV:-/opt/cnnquiz-venv}"

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    need=()
    command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
    python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3 python3-venv python3-pip)
    if [ "${#need[@]}" -gt 0 ]; then
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" \\
            || echo "setup.sh: could not install ${need[*]}; grading will use a weaker isolation level" >&2
    fi
fi

# The dependencies (numpy, ...) go into the venv, which student code imports from;
# cnnquiz itself into $VENV/grader, readable by root only, so the reference solver is out
# of reach of student code even where only file modes protect it.
python3 -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --quiet --disable-pip-version-check)
"${PIP[@]}" install "$SOURCE"/{{WHEEL}}
"${PIP[@]}" uninstall --yes cnnquiz
"${PIP[@]}" install --no-deps --target "$VENV/grader" "$SOURCE"/{{WHEEL}}
PYTHONPATH="$VENV/grader" "$VENV/bin/python" -m cnnquiz --version

# The private sandbox uid must be able to run the interpreter and import numpy; nothing else of ours.
chmod -R a+rX "$VENV"
chmod 700 "$VENV/grader"
mkdir -p "$ROOT/results"
chmod 700 "$SOURCE" "$ROOT/results"
"""

GRADESCOPE_RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in a fresh container of the image
# setup.sh built. Written by cnnquiz {{VERSION}}. It always leaves a results.json, even
# when the grader itself cannot start.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="${CNNQUIZ_VENV:-/opt/cnnquiz-venv}"  # made by setup.sh
if [ -x "$VENV/bin/python" ]; then
    PY="$VENV/bin/python"
    export PYTHONPATH="$VENV/grader"
else
    PY="$(command -v python3)"
fi
mkdir -p "$ROOT/results"
"$PY" -m cnnquiz.platforms.gradescope --root "$ROOT" --assignment "$ROOT/source"/{{ASSIGNMENT}} \\
    --time-budget {{BUDGET}} --memory-mb {{MEMORY}}
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    message="The autograder could not start (exit status $status); nothing was graded. Please tell your instructor."
    printf '{"score": 0, "output": "%s", "tests": []}\\n' "$message" > "$ROOT/results/results.json"
fi
exit 0
"""

PRAIRIELEARN_DOCKERFILE = """\
# PrairieLearn external grader for cnnquiz (written by cnnquiz {{VERSION}}).
# PRIVATE IMAGE: it carries the assignment (the seed of the hidden tests) and, when
# bundled, the course secret. Anyone who can pull it can compute every student's hidden
# tests. Push it only to a PRIVATE registry repository (e.g. a private Docker Hub
# repository that PrairieLearn is given access to), never to a public one.
# Build and push:  docker build -t YOUR_ORG/cnnquiz-grader . && docker push YOUR_ORG/cnnquiz-grader
FROM python:3.12-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends bubblewrap \\
    && rm -rf /var/lib/apt/lists/*
# The dependencies (numpy, ...) go where student code imports them from; cnnquiz itself,
# the assignment and the course secret (they draw the hidden tests) into /opt/cnnquiz,
# readable by root only: student code runs under a private unprivileged uid.
COPY {{WHEEL}} /tmp/
RUN pip install --no-cache-dir /tmp/{{WHEEL}} && pip uninstall --yes cnnquiz \\
    && pip install --no-cache-dir --no-deps --target /opt/cnnquiz/grader /tmp/{{WHEEL}} && rm /tmp/{{WHEEL}} \\
    && PYTHONPATH=/opt/cnnquiz/grader python -m cnnquiz --version
COPY {{PRIVATE}} cnnquiz-grade /opt/cnnquiz/
RUN cd /opt/cnnquiz && chmod 600 {{PRIVATE}} && chmod 700 . cnnquiz-grade
"""

PRAIRIELEARN_ENTRYPOINT = """\
#!/bin/sh
# PrairieLearn's entrypoint (info.json externalGradingOptions.entrypoint), written by
# cnnquiz {{VERSION}}: grades $PL_GRADE_ROOT/student (default /grade/student) into
# $PL_GRADE_ROOT/results/results.json, and writes one there even when it cannot start.
ROOT="${PL_GRADE_ROOT:-/grade}"
HERE="$(dirname "$0")"
mkdir -p "$ROOT/results"
# cnnquiz is installed in $HERE/grader (see the Dockerfile), out of the student's reach.
PYTHONPATH="$HERE/grader${PYTHONPATH:+:$PYTHONPATH}" python3 -m cnnquiz.platforms.prairielearn --root "$ROOT" \\
    --assignment "$HERE"/{{ASSIGNMENT}} --time-budget {{BUDGET}}
if [ ! -s "$ROOT/results/results.json" ]; then
    echo '{"gradable": false, "score": 0, "message": "The grader could not start; nothing was graded.", "tests": []}' \\
        > "$ROOT/results/results.json"
fi
exit 0
"""
