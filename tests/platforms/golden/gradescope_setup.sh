#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the zip is
# unpacked in $AUTOGRADER_ROOT/source (/autograder/source). Written by cnnquiz 0.1.0.
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
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" \
            || echo "setup.sh: could not install ${need[*]}; grading will use a weaker isolation level" >&2
    fi
fi

# The dependencies (numpy, ...) go into the venv, which student code imports from;
# cnnquiz itself into $VENV/grader, readable by root only, so the reference solver is out
# of reach of student code even where only file modes protect it.
python3 -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --quiet --disable-pip-version-check)
"${PIP[@]}" install "$SOURCE"/cnnquiz-0.1.0-py3-none-any.whl
"${PIP[@]}" uninstall --yes cnnquiz
"${PIP[@]}" install --no-deps --target "$VENV/grader" "$SOURCE"/cnnquiz-0.1.0-py3-none-any.whl
PYTHONPATH="$VENV/grader" "$VENV/bin/python" -m cnnquiz --version

# The private sandbox uid must be able to run the interpreter and import numpy; nothing else of ours.
chmod -R a+rX "$VENV"
chmod 700 "$VENV/grader"
mkdir -p "$ROOT/results"
chmod 700 "$SOURCE" "$ROOT/results"
