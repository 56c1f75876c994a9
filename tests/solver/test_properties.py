"""Property tests: the vectorized solver equals plain loops written from PyTorch's definitions.

The reference functions below loop over every output pixel and every kernel tap,
exactly as the PyTorch docs define conv2d / max_pool2d / avg_pool2d, and apply
PyTorch's argument checks. Where the reference says "invalid" the solver must raise
ValueError; otherwise the results must be equal (exactly for integer inputs).
"""

from __future__ import annotations

import math
import warnings
from typing import Any
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnquiz import solver
from cnnquiz.solver import ops

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Invalid(Exception):
    """The reference rejects these arguments (PyTorch raises)."""


# --------------------------------------------------------------------------- reference


def _pair(v: Any) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    a, b = (int(t) for t in np.asarray(v).ravel())
    return a, b


def ref_conv_pads(kernel, stride, padding, dilation) -> list[tuple[int, int]]:
    """(before, after) padding per axis, PyTorch's rules for "same" / "valid"."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0), (0, 0)]
        if _pair(stride) != (1, 1):
            raise Invalid("same needs stride 1")
        pads = []
        for k, d in zip(_pair(kernel), _pair(dilation)):
            total = d * (k - 1)
            pads.append((total // 2, total - total // 2))
        return pads
    return [(p, p) for p in _pair(padding)]


def ref_conv_out(n: int, k: int, s: int, before: int, after: int, d: int) -> int:
    """Count the window starts whose dilated kernel fits in the padded input."""
    count, start = 0, 0
    while start + d * (k - 1) <= n + before + after - 1:
        count += 1
        start += s
    if count < 1:
        raise Invalid("output size < 1")
    return count


def ref_pool_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Count windows: floor mode needs the window inside the padded input; ceil_mode
    lets the last one overhang by less than a stride, if it starts before n + p."""
    if p > k // 2:
        raise Invalid("pad > half kernel")
    count, start = 0, 0
    slack = s - 1 if ceil_mode else 0
    while start + d * (k - 1) <= n + 2 * p - 1 + slack and (not ceil_mode or start < n + p):
        count += 1
        start += s
    if count < 1:
        raise Invalid("output size < 1")
    return count


def ref_conv2d(x, w, b, stride, padding, dilation, groups) -> np.ndarray:
    c, h, wd = x.shape
    k, cg, kh, kw = w.shape
    if c % groups or k % groups or cg * groups != c:
        raise Invalid("channels/groups")
    (pt, pb), (pl, pr) = ref_conv_pads((kh, kw), stride, padding, dilation)
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    ho = ref_conv_out(h, kh, sh, pt, pb, dh)
    wo = ref_conv_out(wd, kw, sw, pl, pr, dw)
    out = np.zeros((k, ho, wo), dtype=np.result_type(x, w, np.int64))
    kpg = k // groups
    for f in range(k):
        g = f // kpg
        for i in range(ho):
            for j in range(wo):
                acc = b[f] if b is not None else 0
                for cc in range(cg):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * sh + u * dh - pt, j * sw + v * dw - pl
                            if 0 <= r < h and 0 <= q < wd:
                                acc += x[g * cg + cc, r, q] * w[f, cc, u, v]
                out[f, i, j] = acc
    return out


def ref_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, mode, count_include_pad=True):
    c, h, wd = x.shape
    (kh, kw), (ph, pw), (dh, dw) = _pair(kernel_size), _pair(padding), _pair(dilation)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    ho = ref_pool_out(h, kh, sh, ph, dh, ceil_mode)
    wo = ref_pool_out(wd, kw, sw, pw, dw, ceil_mode)
    out = np.zeros((c, ho, wo), dtype=x.dtype if mode == "max" else np.float64)
    for ch in range(c):
        for i in range(ho):
            for j in range(wo):
                values = [
                    x[ch, i * sh + u * dh - ph, j * sw + v * dw - pw]
                    for u in range(kh)
                    for v in range(kw)
                    if 0 <= i * sh + u * dh - ph < h and 0 <= j * sw + v * dw - pw < wd
                ]
                if mode == "max":
                    # With dilation every tap can land in the padding: PyTorch pads
                    # with -inf (the dtype's minimum for integers) and returns that.
                    lowest = np.iinfo(x.dtype).min if x.dtype.kind == "i" else -np.inf
                    out[ch, i, j] = max(values, default=lowest)
                    continue
                # PyTorch's divisor: the window clipped to the padded input (not the
                # ceil_mode overhang), or only the real pixels.
                hs, ws = i * sh - ph, j * sw - pw
                he, we = min(hs + kh, h + ph), min(ws + kw, wd + pw)
                divisor = (he - hs) * (we - ws) if count_include_pad else len(values)
                out[ch, i, j] = sum(values) / divisor
    return out


# --------------------------------------------------------------------------- strategies


def _size_like(draw, pair: tuple[int, int]) -> Any:
    """The same pair in one of the forms callers use: int, tuple, list, ndarray."""
    forms = ["tuple", "list", "array"] + (["int"] if pair[0] == pair[1] else [])
    form = draw(st.sampled_from(forms))
    return {"int": pair[0], "tuple": pair, "list": list(pair), "array": np.array(pair)}[form]


def _pairs(lo: int, hi: int):
    return st.tuples(st.integers(lo, hi), st.integers(lo, hi))


def _array(draw, shape, floats: bool) -> np.ndarray:
    ints = np.array(draw(st.lists(st.integers(-4, 4), min_size=math.prod(shape), max_size=math.prod(shape))))
    arr = ints.reshape(shape)
    return arr + 0.25 * np.sign(arr) if floats else arr


@st.composite
def conv_args(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c = groups * draw(st.integers(1, 2))
    k = groups * draw(st.integers(1, 2))
    kernel, dilation = draw(_pairs(1, 3)), draw(_pairs(1, 2))
    if draw(st.booleans()):
        padding: Any = draw(st.sampled_from(["same", "valid"]))
        stride = draw(st.sampled_from([(1, 1), (1, 1), (1, 2)]))  # same + stride 2 must raise
    else:
        padding = _size_like(draw, draw(_pairs(0, 2)))
        stride = draw(_pairs(1, 3))
    h, w = draw(_pairs(1, 7))
    floats = draw(st.booleans())
    x = _array(draw, (c, h, w), floats)
    weight = _array(draw, (k, c // groups, *kernel), floats)
    bias = _array(draw, (k,), floats) if draw(st.booleans()) else None
    kwargs = {
        "stride": _size_like(draw, stride),
        "padding": padding,
        "dilation": _size_like(draw, dilation),
        "groups": groups,
    }
    return x, weight, bias, kwargs


@st.composite
def pool_args(draw, avg: bool):
    kernel = draw(_pairs(1, 4))
    kwargs: dict[str, Any] = {"kernel_size": _size_like(draw, kernel)}
    stride = draw(st.one_of(st.none(), _pairs(1, 3)))
    kwargs["stride"] = None if stride is None else _size_like(draw, stride)
    kwargs["padding"] = _size_like(draw, draw(_pairs(0, 2)))  # may exceed half the kernel
    if not avg:
        kwargs["dilation"] = _size_like(draw, draw(_pairs(1, 2)))
    kwargs["ceil_mode"] = draw(st.booleans())
    if avg:
        kwargs["count_include_pad"] = draw(st.booleans())
    shape = (draw(st.integers(1, 2)), *draw(_pairs(1, 8)))
    return _array(draw, shape, draw(st.booleans())), kwargs


def _expect_same(reference, fn, *args, **kwargs) -> np.ndarray | None:
    """Run the reference; if it rejects the arguments the solver must raise ValueError."""
    try:
        expected = reference()
    except Invalid:
        try:
            fn(*args, **kwargs)
        except ValueError:
            return None
        raise AssertionError(f"solver accepted arguments PyTorch rejects: {kwargs}") from None
    got = fn(*args, **kwargs)
    assert got.shape == expected.shape
    if np.issubdtype(expected.dtype, np.integer):
        assert np.issubdtype(got.dtype, np.integer), got.dtype
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    return got


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(conv_args())
def test_conv2d_equals_loops(args) -> None:
    x, weight, bias, kwargs = args
    got = _expect_same(lambda: ref_conv2d(x, weight, bias, **kwargs), solver.conv2d, x, weight, bias, **kwargs)
    if got is not None:
        size = solver.conv2d_output_size(
            x.shape[1:], weight.shape[2:], kwargs["stride"], kwargs["padding"], kwargs["dilation"]
        )
        assert got.shape == (weight.shape[0], *size)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_args(), st.integers(1, 3))
def test_conv2d_in_row_chunks_equals_loops(args, rows) -> None:
    """Large images are convolved in row chunks; force chunks of 1-3 rows on small ones."""
    x, weight, bias, kwargs = args
    kwargs["groups"] = 1
    weight = np.concatenate([weight] * (x.shape[0] // weight.shape[1]), axis=1)
    try:
        expected = ref_conv2d(x, weight, bias, **kwargs)
    except Invalid:
        return
    chunk_columns = rows * expected.shape[2]  # _MIN_CHUNK // Wo == rows
    with mock.patch.object(ops, "_CHUNK_MACS", 0), mock.patch.object(ops, "_MIN_CHUNK", chunk_columns):
        got = solver.conv2d(x, weight, bias, **kwargs)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(pool_args(avg=False))
def test_max_pool2d_equals_loops(args) -> None:
    x, kwargs = args
    got = _expect_same(lambda: ref_pool2d(x, mode="max", **kwargs), solver.max_pool2d, x, **kwargs)
    if got is not None:
        assert got.shape == (x.shape[0], *solver.pool2d_output_size(x.shape[1:], **kwargs))
        assert got.dtype == x.dtype


@SETTINGS
@given(pool_args(avg=True))
def test_avg_pool2d_equals_loops(args) -> None:
    x, kwargs = args
    got = _expect_same(lambda: ref_pool2d(x, dilation=1, mode="avg", **kwargs), solver.avg_pool2d, x, **kwargs)
    if got is not None:
        size_kwargs = {k: v for k, v in kwargs.items() if k != "count_include_pad"}
        assert got.shape == (x.shape[0], *solver.pool2d_output_size(x.shape[1:], **size_kwargs))


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 300), k=st.integers(1, 12), s=st.integers(1, 6), p=st.integers(0, 6),
    d=st.integers(1, 4), ceil_mode=st.booleans(),
)
def test_output_sizes_equal_window_counts(n, k, s, p, d, ceil_mode) -> None:
    for ref, fn, kwargs in (
        (lambda: ref_conv_out(n, k, s, p, p, d), solver.conv2d_output_size, {}),
        (lambda: ref_pool_out(n, k, s, p, d, ceil_mode), solver.pool2d_output_size, {"ceil_mode": ceil_mode}),
    ):
        try:
            expected = ref()
        except Invalid:
            try:
                fn(n, k, s, p, d, **kwargs)
            except ValueError:
                continue
            raise AssertionError("solver accepted an output size below 1") from None
        got = fn(n, k, s, p, d, **kwargs)
        assert type(got) is int and got == expected
        assert fn((n, n + 1), (k, k), s, p, d, **kwargs)[0] == expected


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=12))
def test_softmax_sums_to_one_without_warnings(z) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = solver.softmax(z)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    assert abs(p.sum() - 1.0) < 1e-12
    assert p[int(np.argmax(z))] == p.max()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=12), st.floats(-1e6, 1e6))
def test_softmax_is_shift_invariant(z, shift) -> None:
    np.testing.assert_allclose(solver.softmax(np.array(z) + shift), solver.softmax(z), atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=12))
def test_sigmoid_and_relu_stay_finite_and_ordered(x) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = solver.sigmoid(x)
        r = solver.relu(x)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + solver.sigmoid(-np.array(x)), 1.0, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(r, np.maximum(x, 0))
