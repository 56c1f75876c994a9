"""Red-team findings: each test is an attack that once worked against the sandbox or the grader."""

from __future__ import annotations

import os
import textwrap
import threading

import pytest
from sandbox_helpers import isolated_levels, make_submission, run

from cnnquiz.grading.sandbox import Call, CallStatus

# A stdlib package stands in for an installed forbidden library (scipy, torch): it lives under
# a mounted runtime folder, and nothing in the harness needs it.
_STAND_IN = "wsgiref"


@pytest.mark.parametrize("level", isolated_levels())
def test_a_forbidden_library_stays_out_of_reach_when_the_import_hook_is_removed(tmp_path, level):
    """An obfuscated import after dropping the hook used scipy undetected; the package is now not mounted."""
    folder = make_submission(tmp_path, "mallory", f'''
        import importlib, sys

        def borrowed():
            sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_ForbiddenFinder"]
            for name in list(sys.modules):
                if name.startswith("{_STAND_IN}"):
                    del sys.modules[name]
            module = importlib.import_module("{_STAND_IN[:4]}" + "{_STAND_IN[4:]}.util")
            return int(callable(module.guess_scheme))
    ''')
    result = run(folder, [Call("borrowed")], level, forbidden_modules=(_STAND_IN,))
    outcome = result.outcomes[1]
    assert outcome.status is CallStatus.ERROR, outcome
    assert "ModuleNotFoundError" in outcome.message or "ImportError" in outcome.message, outcome.message

_RESULT_FD = '''
import os

def _result_fd():
    for name in os.listdir("/proc/self/fd"):
        try:
            if int(name) > 2 and os.readlink("/proc/self/fd/" + name).startswith("pipe:"):
                return int(name)
        except (OSError, ValueError):
            pass
'''


@pytest.mark.parametrize("level", isolated_levels())
def test_forged_forbidden_reports_of_unknown_names_are_ignored(tmp_path, level):
    """A flood of distinct forged names grew the grader's memory (672,000 names in 10 s) and the report."""
    folder = make_submission(tmp_path, "mallory", _RESULT_FD + textwrap.dedent('''
        def flood():
            fd = _result_fd()
            for i in range(2000):
                os.write(fd, b'{"k": "forbidden", "name": "fake%d"}\\n' % i)
            return 1
    '''))
    result = run(folder, [Call("flood")], level, forbidden_modules=("torch",))
    assert result.outcomes[1].status is CallStatus.OK
    assert result.forbidden_imports == []


@pytest.mark.parametrize("level", isolated_levels())
def test_an_integer_beyond_float_range_is_a_bad_output_not_a_grader_failure(tmp_path, level):
    """``return 10**400`` raised OverflowError in the grader's comparison: the student got 'grading itself failed'."""
    folder = make_submission(tmp_path, "mallory", '''
        def huge():
            return 10 ** 400

        def huge_list():
            return [[1.0, -(10 ** 400)]]
    ''')
    result = run(folder, [Call("huge"), Call("huge_list")], level)
    for outcome in result.outcomes[1:3]:
        assert outcome.status is CallStatus.BAD_OUTPUT, outcome
        assert "too large" in outcome.message


def test_the_grader_fails_a_huge_integer_answer_in_one_line(tmp_path):
    from cnnquiz.grading.assignment import DEFAULT_ASSIGNMENT, resolve_assignment
    from cnnquiz.grading.batch import Grader
    from cnnquiz.grading.results import StudentStatus

    folder = make_submission(tmp_path, "mallory", '''
        def conv2d_output_size(size, kernel_size, stride=1, padding=0):
            return 10 ** 400
    ''')
    grader = Grader(resolve_assignment(DEFAULT_ASSIGNMENT), public_only=True, limits={"call_timeout_s": 2.0})
    result = grader.grade(folder)
    assert result.status is StudentStatus.GRADED and not result.grader_error, result.output
    relu = [t for t in result.tests if t.function == "relu"]
    assert relu and all(t.score == t.max_score for t in relu)


def test_a_named_pipe_in_a_submission_does_not_hang_grading(tmp_path):
    """A FIFO (a tar upload can carry one) made submission_hash block in open() forever: the whole batch hung."""
    from cnnquiz.grading.batch import submission_hash

    folder = make_submission(tmp_path, "mallory", "")
    os.mkfifo(folder / "pipe")
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(submission_hash(folder)), daemon=True)
    worker.start()
    worker.join(5.0)
    if worker.is_alive():  # unblock the reader so the thread can end
        os.close(os.open(folder / "pipe", os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5.0)
        pytest.fail("submission_hash blocked on a named pipe")
    before = done[0]
    (folder / "pipe").unlink()
    (folder / "pipe").write_text("")
    assert submission_hash(folder) != before, "a FIFO and an empty file must hash differently"
