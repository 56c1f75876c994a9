"""Command-line latency, as a multiple of ``python -c 'import numpy'`` measured in the same run.

Each round runs the baseline and every command once, in an interleaved order, so a
noisy machine slows all of them alike; the report gives the median ratio per command.

    python bench/bench_cli.py [--rounds 15]

The goals (issue 11): ``--help`` <= 1.5x, ``quiz`` to the first question <= 2.0x,
``summary vgg16`` <= 2.0x, ``check`` of one correct ``cnn.py`` <= 3.0x.

The rows before ``cnnquiz --help`` are floors, not cnnquiz: a bare typer app's
``--help`` (what rich help costs); typer commands with arguments that import numpy,
pydantic or both; and two that do what ``summary`` and ``quiz`` cannot avoid: validate
one pydantic model read from YAML and print a 41-row rich table (``quiz`` also imports
numpy). Run it with the interpreter cnnquiz is installed in;
the validated-bank cache is warmed by the first, untimed run, and one row shows ``quiz``
without it.
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


# The floor of any command that takes an argument and needs numpy: what typer and numpy
# cost before cnnquiz does anything (typer 0.29 adds pydantic here; see pyproject.toml).
_TYPER_ARGS = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.command()\ndef one(name: str, count: int = 3) -> None:\n"
    "    import numpy\n"
    "@app.command()\ndef two() -> None: pass\n"
    "app()\n"
)


# ... and with pydantic, which every command reading YAML needs (the bank, networks).
_TYPER_ARGS_PYDANTIC = _TYPER_ARGS.replace("    import numpy\n", "    import numpy, pydantic\n")
# ... and pydantic without numpy: the floor of ``summary``, which needs no numpy.
_TYPER_ARGS_PYDANTIC_ONLY = _TYPER_ARGS.replace("    import numpy\n", "    import pydantic\n")


# The floor of a command that does what ``summary`` must: validate one pydantic model
# read from YAML and print a 41-row rich table (VGG-16's); ``quiz`` also needs numpy.
_MODEL_AND_TABLE = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.command()\ndef one(name: str, count: int = 3) -> None:\n"
    "    import pydantic, yaml\n"
    "    NUMPY\n"
    "    from rich.console import Console\n"
    "    from rich.table import Table\n"
    "    class Spec(pydantic.BaseModel):\n"
    "        x: int\n"
    "        y: list[int] = []\n"
    "    Spec.model_validate(yaml.load('x: 1\\ny: [2, 3]', Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader)))\n"
    "    table = Table(title='vgg16: input [1, 3, 224, 224]', show_footer=True)\n"
    "    for column in ('Layer (type:idx)', 'Output Shape', 'Param #', 'MACs'):\n"
    "        table.add_column(column, footer='Total')\n"
    "    for i in range(41):\n"
    "        table.add_row(f'Conv2d:{i}', '[1, 64, 224, 224]', f'{i * 1792:,}', f'{i * 86704128:,}')\n"
    "    Console().print(table)\n"
    "@app.command()\ndef two() -> None: pass\n"
    "app()\n"
)


def _cnnquiz() -> list[str]:
    # The entry script beside this interpreter, never a PATH wrapper such as a pyenv shim
    # (a bash script that costs ~50 ms before Python starts, which the baseline never pays).
    script = Path(sys.executable).parent / "cnnquiz"
    if script.is_file():
        return [str(script)]
    found = shutil.which("cnnquiz")
    return [found] if found else [sys.executable, "-m", "cnnquiz"]


_NO_CACHE = {"CNNQUIZ_NO_CACHE": "1"}


def _cases() -> dict[str, tuple]:
    cli = _cnnquiz()
    return {
        "import numpy (baseline)": ([sys.executable, "-c", "import numpy"], b""),
        # What any typer app with rich help costs: the floor for ``cnnquiz --help``.
        "bare typer app --help": ([sys.executable, "-c", _BARE_TYPER, "--help"], b""),
        "typer command with args + numpy": ([sys.executable, "-c", _TYPER_ARGS, "one", "x"], b""),
        "  ... + pydantic": ([sys.executable, "-c", _TYPER_ARGS_PYDANTIC, "one", "x"], b""),
        "typer command with args + pydantic": ([sys.executable, "-c", _TYPER_ARGS_PYDANTIC_ONLY, "one", "x"], b""),
        "floor of summary: model+YAML+table": ([sys.executable, "-c", _MODEL_AND_TABLE.replace("    NUMPY\n", ""),
                                                 "one", "x"], b""),
        "floor of quiz: the same + numpy": ([sys.executable, "-c", _MODEL_AND_TABLE.replace("NUMPY", "import numpy"),
                                             "one", "x"], b""),
        "cnnquiz --help": (cli + ["--help"], b""),
        # The first question is shown, then "quit" ends the quiz with the score so far.
        "cnnquiz quiz (first question)": (cli + ["quiz", "--seed", "1", "--count", "5"], b"quit\n"),
        # The same without the validated-bank cache (a first run, or a changed bank).
        "cnnquiz quiz, no bank cache": (cli + ["quiz", "--seed", "1", "--count", "5"], b"quit\n", _NO_CACHE),
        "cnnquiz summary vgg16": (cli + ["summary", "vgg16"], b""),
        "cnnquiz check (correct cnn.py)": (cli + ["check", str(CORRECT)], b""),
    }


# PYTHONDONTWRITEBYTECODE (set on some machines) would make a checkout compile every
# cnnquiz module at every start, which no installed wheel does: the warm-up run writes
# the bytecode instead.
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
_ENV["COLUMNS"] = "100"


def _time(argv: list[str], stdin: bytes, extra_env: dict[str, str] | None = None) -> float:
    env = {**_ENV, **extra_env} if extra_env else _ENV
    start = time.perf_counter()
    subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    cases = _cases()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for case in cases.values():  # warm the file cache, the bytecode and the bank cache once
        _time(*case)
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
