"""The solver against PyTorch's answers recorded in ``tests/golden/*.json``.

The files are written by ``tools/make_goldens.py`` (which needs torch); this test
needs only numpy. Integer-valued cases must match exactly (and stay integers),
float cases to a tight tolerance; where torch raised, the solver raises ValueError.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cnnquiz import solver

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
RTOL = 1e-12
ATOL = 1e-12


@lru_cache(maxsize=None)
def _load(name: str) -> dict[str, Any]:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def _cases(name: str) -> list[Any]:
    cases = _load(name)["cases"]
    return [pytest.param(case, id=case.get("name") or _case_id(case)) for case in cases]


def _case_id(case: dict[str, Any]) -> str:
    head = case.get("fn") or case.get("module") or case.get("op")
    args = case.get("args") or {"size": case.get("size"), **case.get("kwargs", {})}
    return f"{head}-" + ",".join(f"{k}={v}" for k, v in args.items()).replace(" ", "")


def _assert_matches(got: np.ndarray, case: dict[str, Any], *, integer_output: bool) -> None:
    expected = np.array(case["expected"], dtype=np.float64)
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape, f"shape {got.shape} != torch's {expected.shape}"
    if case["kind"] == "int" and integer_output:
        assert np.issubdtype(got.dtype, np.integer), f"integer inputs gave dtype {got.dtype}"
        np.testing.assert_array_equal(got, np.array(case["expected"], dtype=np.int64))
    else:
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


def test_golden_files_are_present_and_tagged() -> None:
    names = sorted(p.name for p in GOLDEN.glob("*.json"))
    assert names == [
        "activations.json", "avg_pool2d.json", "conv2d.json", "conv2d_backward.json",
        "conv_transpose2d.json", "errors.json", "macs.json", "max_pool2d.json", "networks.json",
        "output_size.json", "params.json", "pool_backward.json",
    ]
    for name in names:
        meta = _load(name)["meta"]
        assert meta["generator"] == "tools/make_goldens.py" and meta["file"] == name
        assert _load(name)["cases"], name
    assert sum((GOLDEN / n).stat().st_size for n in names) < 2 * 1024 * 1024


@pytest.mark.parametrize("case", _cases("conv2d.json"))
def test_conv2d_matches_torch(case: dict[str, Any]) -> None:
    bias = None if case["bias"] is None else np.array(case["bias"])
    got = solver.conv2d(np.array(case["x"]), np.array(case["weight"]), bias, **case["kwargs"])
    _assert_matches(got, case, integer_output=True)


@pytest.mark.parametrize("case", _cases("max_pool2d.json"))
def test_max_pool2d_matches_torch(case: dict[str, Any]) -> None:
    got = solver.max_pool2d(np.array(case["x"]), **case["kwargs"])
    _assert_matches(got, case, integer_output=True)


@pytest.mark.parametrize("case", _cases("avg_pool2d.json"))
def test_avg_pool2d_matches_torch(case: dict[str, Any]) -> None:
    got = solver.avg_pool2d(np.array(case["x"]), **case["kwargs"])
    _assert_matches(got, case, integer_output=False)


@pytest.mark.parametrize("case", _cases("output_size.json"))
def test_output_size_matches_torch(case: dict[str, Any]) -> None:
    fn = getattr(solver, case["fn"])
    got = fn(case["size"], **case["kwargs"])
    if isinstance(case["size"], int):
        assert type(got) is int and got == case["expected"]
    else:
        assert isinstance(got, tuple) and all(type(v) is int for v in got)
        assert got == tuple(case["expected"])


@pytest.mark.parametrize("case", _cases("params.json"))
def test_params_match_torch(case: dict[str, Any]) -> None:
    fn = solver.conv2d_params if case["module"] == "Conv2d" else solver.linear_params
    got = fn(**case["args"])
    assert type(got) is int and got == case["expected"]


@pytest.mark.parametrize("case", _cases("activations.json"))
def test_activations_match_torch(case: dict[str, Any]) -> None:
    got = getattr(solver, case["fn"])(case["x"], **case["kwargs"])
    if case["kind"] == "int":
        assert np.issubdtype(got.dtype, np.integer)
        np.testing.assert_array_equal(got, case["expected"])
    else:
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, np.array(case["expected"]), rtol=RTOL, atol=1e-300)


def _call_error_case(case: dict[str, Any]) -> Any:
    kwargs = case["kwargs"]
    if case["op"] == "conv2d_params":
        return solver.conv2d_params(**kwargs)
    x = np.ones(case["x_shape"])
    if case["op"] == "conv2d":
        bias = None if case["bias_shape"] is None else np.ones(case["bias_shape"])
        return solver.conv2d(x, np.ones(case["weight_shape"]), bias, **kwargs)
    return getattr(solver, case["op"])(x, **kwargs)


@pytest.mark.parametrize("case", _cases("errors.json"))
def test_raises_value_error_where_torch_raised(case: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        _call_error_case(case)
    message = str(info.value)
    assert message and "\n" not in message


@pytest.mark.parametrize("case", [c for c in _cases("errors.json") if c.values[0]["geometry"]])
def test_output_size_raises_where_torch_raised(case: dict[str, Any]) -> None:
    kwargs = dict(case["kwargs"])
    size = case["x_shape"][1:]
    if case["op"] == "conv2d":
        kwargs["kernel_size"] = case["weight_shape"][2:]
        fn = solver.conv2d_output_size
    else:
        kwargs.pop("count_include_pad", None)
        fn = solver.pool2d_output_size
    with pytest.raises(ValueError):
        fn(size, **kwargs)


# --------------------------------------------------------------------------- contract 1b


def _raises_where_torch_raised(case: dict[str, Any], call) -> bool:
    """True (and checked) when torch raised for this case: the solver raises ValueError."""
    if "torch_error" not in case:
        return False
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) and "\n" not in str(info.value)
    return True


@pytest.mark.parametrize("case", _cases("conv_transpose2d.json"))
def test_conv_transpose2d_matches_torch(case: dict[str, Any]) -> None:
    bias = None if case["bias"] is None else np.array(case["bias"])

    def call():
        return solver.conv_transpose2d(np.array(case["x"]), np.array(case["weight"]), bias, **case["kwargs"])

    if _raises_where_torch_raised(case, call):
        return
    _assert_matches(call(), case, integer_output=True)


@pytest.mark.parametrize("case", _cases("conv2d_backward.json"))
def test_conv2d_backward_matches_autograd(case: dict[str, Any]) -> None:
    def call():
        return solver.conv2d_backward(np.array(case["x"]), np.array(case["weight"]), np.array(case["grad_output"]),
                                      **case["kwargs"])

    if _raises_where_torch_raised(case, call):
        return
    for got, key in zip(call(), ("grad_x", "grad_weight", "grad_bias")):
        _assert_matches(got, {"kind": case["kind"], "expected": case["expected"][key]}, integer_output=True)


@pytest.mark.parametrize("case", _cases("pool_backward.json"))
def test_pool_backward_matches_autograd(case: dict[str, Any]) -> None:
    got = getattr(solver, case["op"])(np.array(case["x"]), np.array(case["grad_output"]), **case["kwargs"])
    _assert_matches(got, case, integer_output=case["op"] == "max_pool2d_backward")


@pytest.mark.parametrize("case", _cases("macs.json"))
def test_macs_match_torch_flop_counter(case: dict[str, Any]) -> None:
    fn = solver.conv2d_macs if case["module"] == "Conv2d" else solver.linear_macs
    got = fn(**case["args"])
    assert type(got) is int and got == case["expected"]
