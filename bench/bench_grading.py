"""Benchmark batch grading end to end (run by hand; not part of the test suite).

    python bench/bench_grading.py [--count 200] [--jobs 2] [--hangs 4] [--levels bwrap,unshare,rlimits]

Measures, for each available isolation level:

- the cost of one correct submission (the default assignment, public + hidden tests),
  graded alone, one after another (median of a few);
- throughput: ``--count`` copies of the correct example graded with ``grade_batch``
  on ``--jobs`` workers (submissions per second);
- a class with hangs: ``--count``/10 correct submissions plus ``--hangs`` whose ``relu``
  never returns; the wall time is compared with the bound "the hangs' time limits
  spread over the workers, plus the honest work";
- the grader's own share: drawing the tests once, and judging one submission's outputs.

Targets (issue 4): a correct submission in < 1 s; >= 10 submissions/s on 2 cores with
full isolation; hangs cost no more than their time limits spread over the workers.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cnnquiz.grading.assignment import resolve_assignment  # noqa: E402
from cnnquiz.grading.batch import Grader, grade_batch  # noqa: E402
from cnnquiz.grading.cases import build_cases  # noqa: E402
from cnnquiz.grading.compare import judge_submission  # noqa: E402
from cnnquiz.grading.sandbox import IsolationLevel, detect_isolation, run_submission  # noqa: E402

CORRECT = REPO / "submissions" / "examples" / "alice_correct" / "cnn.py"
HANG_TIMEOUT_S = 1.0


def _copies(root: Path, count: int, *, hangs: int = 0) -> Path:
    source = CORRECT.read_text(encoding="utf-8")
    hanging = source.replace("def relu(x):", "def relu(x):\n    while True:\n        pass\n\n\ndef _relu(x):")
    for index in range(count):
        folder = root / f"student{index:04d}"
        folder.mkdir(parents=True)
        (folder / "cnn.py").write_text(hanging if index < hangs else source, encoding="utf-8")
    return root


def _available_levels(requested: list[str]) -> list[IsolationLevel]:
    levels = []
    for name in requested:
        try:
            levels.append(detect_isolation(IsolationLevel(name)))
        except Exception as error:  # noqa: BLE001 - report and go on
            print(f"  {name}: not available here ({error})")
    return levels


def _single(grader: Grader, folder: Path, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = grader.grade(folder)
        times.append(time.perf_counter() - started)
        assert not result.failed, [t.summary for t in result.failed]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hangs", type=int, default=4)
    parser.add_argument("--levels", default="bwrap,unshare,rlimits")
    args = parser.parse_args()

    assignment = resolve_assignment("cnn")
    started = time.perf_counter()
    cases = build_cases(assignment)
    draw_s = time.perf_counter() - started
    print(f"assignment cnn: {len(cases)} tests, drawn with expected values and mistakes' values in {draw_s * 1000:.0f} ms")

    levels = _available_levels(args.levels.split(","))
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnnquiz-bench-") as tmp:
        tmp_path = Path(tmp)
        one = _copies(tmp_path / "one", 1) / "student0000"
        for level in levels:
            grader = Grader(assignment, isolation=level)
            single = _single(grader, one)
            sandboxed = run_submission(one, grader.calls, module=assignment.module, limits=grader.limits, isolation=level)
            started = time.perf_counter()
            for _ in range(20):
                judge_submission(grader.cases, sandboxed)
            judge_ms = (time.perf_counter() - started) / 20 * 1000

            class_dir = _copies(tmp_path / f"class-{level.value}", args.count)
            out = tmp_path / f"out-{level.value}"
            started = time.perf_counter()
            summary = grade_batch(class_dir, out, grader, jobs=args.jobs)
            batch_s = time.perf_counter() - started
            assert all(not r.failed for r in summary.results)
            throughput = args.count / batch_s

            honest = max(args.jobs, args.count // 10)
            hang_dir = _copies(tmp_path / f"hangs-{level.value}", honest + args.hangs, hangs=args.hangs)
            hang_grader = Grader(assignment, isolation=level, limits={"call_timeout_s": HANG_TIMEOUT_S})
            relu_calls = sum(case.function == "relu" for case in hang_grader.cases)
            started = time.perf_counter()
            hang_summary = grade_batch(hang_dir, tmp_path / f"hout-{level.value}", hang_grader, jobs=args.jobs)
            hang_s = time.perf_counter() - started
            timeouts = sum(t.status.value == "timeout" for r in hang_summary.results for t in r.tests)
            bound = args.hangs * relu_calls * HANG_TIMEOUT_S / args.jobs + (honest + args.hangs) * single / args.jobs
            rows.append((level.value, single, judge_ms, throughput, hang_s, bound, timeouts))
            shutil.rmtree(class_dir, ignore_errors=True)

    print(f"\n{'level':8} {'one (s)':>8} {'judge (ms)':>10} {'subs/s':>8} {'x target':>8} {'hangs (s)':>9} {'bound (s)':>9} {'ratio':>6} timeouts")
    for level, single, judge_ms, throughput, hang_s, bound, timeouts in rows:
        print(f"{level:8} {single:8.3f} {judge_ms:10.2f} {throughput:8.1f} {throughput / 10:8.2f} "
              f"{hang_s:9.1f} {bound:9.1f} {hang_s / bound:6.2f} {timeouts}")
    print(f"\n({args.count} copies of the correct example on {args.jobs} workers; 'x target' = throughput / 10 per s; "
          f"hangs: {args.hangs} submissions whose relu never returns, {HANG_TIMEOUT_S:g} s per call, "
          "'ratio' = wall time / (hang limits spread over the workers + honest work); <= 1 meets the target)")


if __name__ == "__main__":
    main()
