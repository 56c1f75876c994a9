"""Drawn test cases: deterministic, reaching the edges, each known bug caught by a public test."""

from __future__ import annotations

import numpy as np
import pytest

from cnnquiz import solver
from cnnquiz.errors import BankError
from cnnquiz.grading.assignment import parse_assignment
from cnnquiz.grading.cases import build_cases, draw_seed


def public(cases, function):
    return [c for c in cases if c.public and c.function == function]


def arg(case, name):
    for key, _, value in case.arguments:
        if key == name:
            return value
    return None


def test_drawing_is_deterministic(cnn):
    first, second = build_cases(cnn), build_cases(cnn)
    assert [c.name for c in first] == [c.name for c in second]
    for a, b in zip(first, second):
        assert all(np.array_equal(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
                   for x, y in zip(a.args, b.args) if x is not None)
        assert np.array_equal(np.asarray(a.expected), np.asarray(b.expected))


def test_seed_is_a_stable_hash():
    assert draw_seed("cnn", "relu", "g", "0") == draw_seed("cnn", "relu", "g", "0") != draw_seed("cnn", "relu", "g", "1")
    assert draw_seed("a") == 0xCA978112CA1BBDCA  # sha256("a")[:8]: the same everywhere


def test_public_only_is_a_subset_with_the_same_draws(cnn, cnn_cases):
    public_cases = build_cases(cnn, public_only=True)
    by_name = {c.name: c for c in cnn_cases}
    assert public_cases and all(c.public for c in public_cases)
    assert len(public_cases) < len(cnn_cases)
    for case in public_cases:
        assert np.array_equal(np.asarray(case.expected), np.asarray(by_name[case.name].expected))


def test_changing_the_seed_changes_the_hidden_draws(cnn):
    other = parse_assignment({**cnn.model_dump(mode="json"), "seed": "another term"})
    a = {c.name: c for c in build_cases(cnn)}
    b = {c.name: c for c in build_cases(other)}
    hidden = [n for n, c in a.items() if c.function == "conv2d" and not c.public]
    assert any(not np.array_equal(a[n].args[0], b[n].args[0]) for n in hidden)


def test_expected_values_come_from_the_solver(cnn_cases):
    for case in cnn_cases:
        if case.function == "conv2d":
            reference = solver.conv2d(*case.args, **case.kwargs)
            assert np.array_equal(case.expected, reference)


def test_arguments_after_a_left_out_default_go_by_keyword(cnn_cases):
    case = next(c for c in cnn_cases if c.name == "conv2d_output_size: padding 2 on both sides")
    assert case.args == (10, 3) and case.kwargs == {"padding": 2}
    pool = next(c for c in cnn_cases if c.name == "max_pool2d: default stride, non-square input")
    assert pool.kwargs == {} and len(pool.args) == 2 and pool.params["stride"] is None


def test_public_tests_reach_the_edges(cnn_cases):
    conv = public(cnn_cases, "conv2d")
    assert any(arg(c, "x").shape[1] != arg(c, "x").shape[2] for c in conv), "non-square input"
    assert any(arg(c, "weight").shape[2] != arg(c, "weight").shape[3] for c in conv), "non-square kernel"
    assert any((arg(c, "stride") or 1) > 1 for c in conv), "stride > 1"
    assert any((arg(c, "padding") or 0) > 0 for c in conv), "padding > 0"
    assert any(arg(c, "bias") is None for c in conv) and any(arg(c, "bias") is not None for c in conv)
    assert any(arg(c, "x").shape[0] > 1 and arg(c, "weight").shape[0] > 1 for c in conv), "channels and filters"
    pool = public(cnn_cases, "max_pool2d")
    assert any(arg(c, "stride") is None for c in pool), "pooling with the default stride"
    assert any(np.all(arg(c, "x") < 0) for c in pool), "all-negative pooling input"
    sizes = public(cnn_cases, "conv2d_output_size")
    assert any((c.args[0] + 2 * c.params.get("padding", 0) - c.args[1]) % c.params.get("stride", 1) for c in sizes), "floor"
    for name in ("sigmoid", "softmax"):
        values = np.concatenate([np.ravel(c.args[0]) for c in public(cnn_cases, name)])
        assert values.min() <= -1000 and values.max() >= 1000 and (values < 0).any()
    assert any(np.min(c.args[0]) >= 990 for c in public(cnn_cases, "softmax")), "logits near 1000"
    relu = public(cnn_cases, "relu")
    values = np.concatenate([np.ravel(c.args[0]) for c in relu])
    assert (values < 0).any() and (values == 0).any() and (values > 0).any()


def test_every_diagnosed_mistake_changes_some_public_answer(cnn, cnn_cases):
    """So each known bug fails at least one public test (cnnquiz check catches it)."""
    for function in cnn.functions:
        for key in function.diagnose:
            assert any(key in c.mistaken for c in public(cnn_cases, function.name)), (function.name, key)


def test_mistakes_of_the_size_formula_are_told_apart_by_some_public_test(cnn_cases):
    sizes = public(cnn_cases, "conv2d_output_size")
    for key in ("forgot_plus_one", "padding_once", "stride_ignored"):
        assert any(
            key in c.mistaken and all(v != c.mistaken[key] for k, v in c.mistaken.items() if k != key) for c in sizes
        ), key


def test_a_reference_that_rejects_the_inputs_is_a_bank_error():
    data = {
        "name": "bad",
        "functions": [{
            "signature": "max_pool2d(x: array, kernel_size: int)",
            "returns": "array",
            "reference": "max_pool2d",
            "tests": [{"name": "kernel too big", "args": {"x": {"array": [1, 2, 2]}, "kernel_size": 5}}],
        }],
    }
    with pytest.raises(BankError, match=r"here\.yaml: functions\.0 \(max_pool2d\): tests\['kernel too big'\] draw 1: .*kernel"):
        build_cases(parse_assignment(data, source="here.yaml"))


def test_an_integer_argument_must_be_drawn_as_an_integer():
    data = {
        "name": "bad",
        "functions": [{
            "signature": "conv2d_output_size(size: int, kernel_size: int)",
            "returns": "integer",
            "reference": "conv2d_output_size",
            "tests": [{"name": "float size", "args": {"size": 3.5, "kernel_size": 1}}],
        }],
    }
    with pytest.raises(BankError, match="size must be an integer; got 3.5"):
        build_cases(parse_assignment(data))
