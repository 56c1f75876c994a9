"""Returned values are checked as bytes before the grader decodes them.

A student returning huge nested lists from every call made the grader's own
process grow to gigabytes. Now each value line is measured first (size, element
count, depth) and all values of one submission together are capped too.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sandbox_helpers import assert_good, every_level, make_submission, run

from cnnquiz.grading.sandbox import Call, CallStatus, IsolationLevel, Limits, run_submission
from cnnquiz.grading.sandbox.detect import level_available
from cnnquiz.grading.sandbox.outputs import decode_value, value_shape_counts


def _count_loop(value) -> tuple[int, int]:
    """Numbers plus lists, and deepest nesting, by walking the decoded value."""
    if isinstance(value, list):
        inner = [_count_loop(item) for item in value]
        return 1 + sum(c for c, _ in inner), 1 + max((d for _, d in inner), default=0)
    return 1, 0


_values = st.recursive(st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True)),
                       lambda children: st.lists(children, max_size=6), max_leaves=60)


@settings(max_examples=100, deadline=None)
@given(_values)
def test_counts_before_decoding_match_a_walk_of_the_value(value):
    raw = json.dumps(value, allow_nan=True).encode()
    elements, depth = value_shape_counts(raw)
    expected_elements, expected_depth = _count_loop(value)
    assert depth == expected_depth
    # Exact except that each empty list counts one more (never fewer: the cap stays safe).
    assert elements == expected_elements + raw.count(b"[]")


def test_hand_worked_counts():
    assert value_shape_counts(b"[[1, 2], [3]]") == (6, 2)  # 3 numbers + 3 lists
    assert value_shape_counts(b"7") == (1, 0)


@pytest.mark.parametrize("raw", [b'{"a": 1}', b'"[[["', b"[1, true]", b"[1, 2]\x00"])
def test_anything_but_numbers_and_lists_is_refused_unparsed(raw):
    value, _, problem = decode_value(raw, max_elements=100, max_depth=8)
    assert value is None and problem and not problem.startswith("output too large")


def test_caps_give_an_output_too_large_verdict():
    assert decode_value(b"[" + b"1," * 99 + b"1]", max_elements=50, max_depth=8)[2].startswith("output too large")
    assert decode_value(b"[" * 9 + b"]" * 9, max_elements=50, max_depth=8)[2].startswith("output too large")
    assert decode_value(b"[1, [2]]", max_elements=4, max_depth=2) == ([1, [2]], 4, "")


_HUGE = """
def huge(n):
    return [[0.0] * 1000 for _ in range(n)]

def deep():
    value = 1.0
    for _ in range(40):
        value = [value]
    return value
"""


@pytest.mark.parametrize("level", every_level())
def test_huge_and_deep_outputs_are_too_large_for_that_call_only(tmp_path, level):
    folder = make_submission(tmp_path, "huge", _HUGE)
    limits = Limits(call_timeout_s=2.0, cpu_s=2.0, result_elements=200_000)
    result = run(folder, [Call("huge", (300,)), Call("deep"), Call("huge", (50,))], level, limits=limits)
    too_big, deep, fine = result.outcomes[1:4]
    assert too_big.status is CallStatus.BAD_OUTPUT and too_big.message.startswith("output too large"), too_big
    assert deep.status is CallStatus.BAD_OUTPUT, deep
    assert fine.status is CallStatus.OK and len(fine.value) == 50
    assert_good(result.outcomes)


def test_all_calls_together_are_capped(tmp_path):
    folder = make_submission(tmp_path, "many", _HUGE)
    limits = Limits(call_timeout_s=2.0, cpu_s=2.0, result_elements=200_000, total_result_elements=250_000)
    calls = [Call("huge", (100,)) for _ in range(4)]
    result = run_submission(folder, calls, limits=limits)
    statuses = [o.status for o in result.outcomes]
    assert statuses[:2] == [CallStatus.OK, CallStatus.OK]  # 2 x 100,101 elements fit in 250,000
    assert statuses[2:] == [CallStatus.BAD_OUTPUT] * 2
    assert "all calls together" in result.outcomes[2].message


def test_a_forged_message_of_megabytes_is_never_decoded(tmp_path):
    """Writing straight to the result pipe skips the harness's caps, not the parent's."""
    folder = make_submission(tmp_path, "forge", """
        import os
        def forge():
            line = b'{"k": "import", "s": "ok", "m": "", "x": [' + b"[], " * 1_000_000 + b'[]]}\\n'
            for fd in map(int, os.listdir("/proc/self/fd")):
                if fd > 2:
                    try:
                        os.write(fd, line)
                    except OSError:
                        pass
            return 1
    """)
    result = run(folder, [Call("forge")], IsolationLevel.BWRAP if level_available(IsolationLevel.BWRAP)
                 else IsolationLevel.RLIMITS)
    assert result.outcomes[1].status is CallStatus.BAD_OUTPUT
    assert "oversized result message" in result.outcomes[1].message
    assert_good(result.outcomes)
