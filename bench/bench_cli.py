"""Command-line latency, as a multiple of ``python -c 'import numpy'`` measured in the same run.

Each round runs the baseline and every command once, in an interleaved order, so a
noisy machine slows all of them alike; the report gives the median ratio per command.

    python bench/bench_cli.py [--rounds 15]

The goals (issue 11): ``--help`` <= 1.5x, ``quiz`` to the first question <= 2.0x,
``summary vgg16`` <= 2.0x, ``check`` of one correct ``cnn.py`` <= 3.0x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "submissions" / "examples" / "alice_correct"


_BARE_TYPER = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.command()\ndef one() -> None: pass\n"
    "@app.command()\ndef two() -> None: pass\n"
    "app()\n"
)


def _cnnquiz() -> list[str]:
    script = shutil.which("cnnquiz")
    return [script] if script else [sys.executable, "-m", "cnnquiz"]


def _cases() -> dict[str, tuple[list[str], bytes]]:
    cli = _cnnquiz()
    return {
        "import numpy (baseline)": ([sys.executable, "-c", "import numpy"], b""),
        # What any typer app with rich help costs: the floor for ``cnnquiz --help``.
        "bare typer app --help": ([sys.executable, "-c", _BARE_TYPER, "--help"], b""),
        "cnnquiz --help": (cli + ["--help"], b""),
        # The first question is shown, then "quit" ends the quiz with the score so far.
        "cnnquiz quiz (first question)": (cli + ["quiz", "--seed", "1", "--count", "5"], b"quit\n"),
        "cnnquiz summary vgg16": (cli + ["summary", "vgg16"], b""),
        "cnnquiz check (correct cnn.py)": (cli + ["check", str(CORRECT)], b""),
    }


def _time(argv: list[str], stdin: bytes) -> float:
    start = time.perf_counter()
    subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env={**os.environ, "COLUMNS": "100"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    cases = _cases()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for argv, stdin in cases.values():  # warm the file cache once
        _time(argv, stdin)
    for round_ in range(args.rounds):
        names = list(cases)
        if round_ % 2:
            names.reverse()
        for name in names:
            times[name].append(_time(*cases[name]))
    base = times["import numpy (baseline)"]
    print(f"{'command':34} {'median ms':>10} {'x import numpy':>15}")
    for name, samples in times.items():
        ratios = [t / b for t, b in zip(samples, base)]
        print(f"{name:34} {statistics.median(samples) * 1e3:10.1f} {statistics.median(ratios):15.2f}")


if __name__ == "__main__":
    main()
