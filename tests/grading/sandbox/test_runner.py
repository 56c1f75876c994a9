"""run_submission as a whole: the total time per student, and generated files (notebooks)."""

from __future__ import annotations

import pytest
from sandbox_helpers import GOOD, SLACK_S, assert_good, make_submission, relu_calls

from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox import TOTAL_TIME_S, Call, CallStatus, IsolationLevel, Limits, run_submission


def test_an_import_that_burns_time_then_crashes_repeatedly_stays_within_the_total(tmp_path):
    folder = make_submission(tmp_path, "slow", """
        import os, time
        time.sleep(0.5)  # under the per-call limit, every time the module is imported again

        def crash(i):
            os._exit(1)
    """)
    limits = Limits(call_timeout_s=0.75, cpu_s=1.0, total_s=3.0)
    calls = [Call("crash", (i,)) for i in range(30)]
    result = run_submission(folder, calls, limits=limits)
    # Without the total, 30 restarts of ~0.8 s each: about 25 s.
    assert result.seconds <= limits.total_s + 2 * SLACK_S, result.seconds
    statuses = [o.status for o in result.outcomes]
    assert statuses[0] is CallStatus.CRASHED and statuses[-1] is CallStatus.TIMEOUT
    assert "total time of 3 s" in result.outcomes[-1].message
    assert 0 < result.restarts < 10


def test_the_documented_default_total():
    assert Limits().total_s == TOTAL_TIME_S == 60.0


def test_a_generated_cnn_py_is_graded_in_place_of_the_students(tmp_path):
    folder = tmp_path / "notebook_student"
    folder.mkdir()
    (folder / "homework.ipynb").write_text("{}")
    result = run_submission(folder, relu_calls(), limits=Limits(call_timeout_s=2.0),
                            extra_files={"cnn.py": GOOD.encode()})
    assert result.import_status is CallStatus.OK
    assert_good(result.outcomes)


def test_generated_files_override_and_are_scanned(tmp_path):
    folder = make_submission(tmp_path, "student", "raise RuntimeError('the stale file')\n")
    source = GOOD + "\ntry:\n    import torch\nexcept ImportError:\n    pass\n"
    result = run_submission(folder, relu_calls(), extra_files={"cnn.py": source.encode(), "pkg/x.py": b""},
                            isolation=IsolationLevel.RLIMITS)
    assert_good(result.outcomes)
    assert result.forbidden_imports == ["torch"]


@pytest.mark.parametrize("name", ["/etc/x.py", "../x.py", "a/../../x.py", "", "a\0b.py"])
def test_generated_files_cannot_escape_the_scratch_folder(tmp_path, name):
    folder = make_submission(tmp_path, "student", "")
    with pytest.raises(GradingError, match="extra_files"):
        run_submission(folder, relu_calls(), extra_files={name: b"x = 1\n"})
