"""A catalogue of one-change mutants of the correct example submission.

Each mutant is one textual edit inside one function of
``submissions/examples/alice_correct/cnn.py``: the smallest bugs a student makes
(padding per side, H and W swapped, stride on one axis, bias index, input channels,
transposed kernel, true division, ceil, pooling stride/shape/average, leaky ReLU, ...).
:func:`mutant_source` applies the edit, checking that the old text occurs exactly once
in that function, so a change of the example cannot silently turn a mutant into the
correct code. ``tests/grading/test_mutants.py`` grades them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

from buggy import CORRECT

__all__ = ["MUTANTS", "mutant_source", "write_mutants"]

# name -> (function, old text, new text); the name starts with the function's name.
MUTANTS: dict[str, tuple[str, str, str]] = {
    # conv2d_output_size
    "size_forgot_plus_one": ("conv2d_output_size", "// stride + 1", "// stride"),
    "size_padding_once": ("conv2d_output_size", "2 * padding", "padding"),
    "size_padding_subtracted": ("conv2d_output_size", "size + 2 * padding", "size - 2 * padding"),
    "size_true_division": ("conv2d_output_size", "// stride", "/ stride"),
    "size_ceil": ("conv2d_output_size", "(size + 2 * padding - kernel_size) // stride",
                  "-(-(size + 2 * padding - kernel_size) // stride)"),
    "size_stride_ignored": ("conv2d_output_size", "// stride + 1", "+ 1"),
    # conv2d_params
    "params_bias_forgotten": ("conv2d_params", "(out_channels if bias else 0)", "0"),
    "params_bias_always": ("conv2d_params", "(out_channels if bias else 0)", "out_channels"),
    "params_bias_per_input": ("conv2d_params", "(out_channels if bias else 0)", "(in_channels if bias else 0)"),
    "params_input_channels": ("conv2d_params", "out_channels * in_channels *", "out_channels *"),
    "params_kernel_once": ("conv2d_params", "kernel_size * kernel_size", "kernel_size"),
    # conv2d
    "conv_kernel_flipped": ("conv2d", "np.sum(window * weight[k])", "np.sum(window * weight[k, :, ::-1, ::-1])"),
    "conv_kernel_transposed": ("conv2d", "filters, _, kh, kw = weight.shape", "filters, _, kw, kh = weight.shape"),
    "conv_input_hw_swapped": ("conv2d", "channels, height, width = x.shape", "channels, width, height = x.shape"),
    "conv_width_from_height": ("conv2d", "out_w = (width", "out_w = (height"),
    "conv_width_from_larger_side": ("conv2d", "out_w = (width", "out_w = (max(height, width)"),
    "conv_kernel_values_transposed": ("conv2d", "np.sum(window * weight[k])", "np.sum(window * weight[k].swapaxes(1, 2))"),
    "conv_width_pad_one_side": ("conv2d", "(padding, padding)))", "(0, padding)))"),
    "conv_height_pad_one_side": ("conv2d", "(padding, padding), (padding", "(padding, 0), (padding"),
    "conv_padding_ignored": ("conv2d", "xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))", "xp = x"),
    "conv_stride_height_only": ("conv2d", "j * stride:j * stride + kw", "j:j + kw"),
    "conv_stride_width_only": ("conv2d", "i * stride:i * stride + kh", "i:i + kh"),
    "conv_ceil_width": ("conv2d", "out_w = (width + 2 * padding - kw) // stride + 1",
                        "out_w = -(-(width + 2 * padding - kw) // stride) + 1"),
    "conv_true_division": ("conv2d", "out_h = (height + 2 * padding - kh) // stride", "out_h = (height + 2 * padding - kh) / stride"),
    "conv_bias_index": ("conv2d", "out[k] += bias[k]", "out[k] += bias[0]"),
    "conv_bias_forgotten": ("conv2d", "out[k] += bias[k]", "pass"),
    "conv_first_channel_only": ("conv2d", "np.sum(window * weight[k])", "np.sum(window[0] * weight[k, 0])"),
    "conv_first_filter_only": ("conv2d", "np.sum(window * weight[k])", "np.sum(window * weight[0])"),
    # max_pool2d
    "pool_stride_one": ("max_pool2d", "stride = kernel_size", "stride = 1"),
    "pool_average": ("max_pool2d", "window.max(axis=(1, 2))", "window.mean(axis=(1, 2))"),
    "pool_over_channels": ("max_pool2d", "window.max(axis=(1, 2))", "window.max()"),
    "pool_width_from_height": ("max_pool2d", "out_w = (width", "out_w = (height"),
    "pool_width_from_larger_side": ("max_pool2d", "out_w = (width", "out_w = (max(height, width)"),
    "pool_input_hw_swapped": ("max_pool2d", "channels, height, width = x.shape", "channels, width, height = x.shape"),
    "pool_stride_height_only": ("max_pool2d", "j * stride:j * stride + kernel_size", "j:j + kernel_size"),
    "pool_stride_width_only": ("max_pool2d", "i * stride:i * stride + kernel_size", "i:i + kernel_size"),
    "pool_ceil": ("max_pool2d", "out_w = (width - kernel_size) // stride + 1",
                  "out_w = -(-(width - kernel_size) // stride) + 1"),
    "pool_clipped_at_zero": ("max_pool2d", "window.max(axis=(1, 2))", "np.maximum(window.max(axis=(1, 2)), 0)"),
    # relu
    "relu_leaky": ("relu", "np.maximum(x, 0)", "np.maximum(x, 0.01 * x)"),
    "relu_abs": ("relu", "np.maximum(x, 0)", "np.abs(x)"),
    "relu_min": ("relu", "np.maximum(x, 0)", "np.minimum(x, 0)"),
    # sigmoid
    "sigmoid_relu_first": ("sigmoid", "x = np.asarray(x, dtype=float)", "x = np.maximum(np.asarray(x, dtype=float), 0)"),
    "sigmoid_sign": ("sigmoid", "e = np.exp(-np.abs(x))", "e = np.exp(np.abs(x))"),
    "sigmoid_branches_swapped": ("sigmoid", "np.where(x >= 0,", "np.where(x < 0,"),
    "sigmoid_tanh": ("sigmoid", "np.where(x >= 0, 1 / (1 + e), e / (1 + e))", "np.tanh(x)"),
    # softmax
    "softmax_no_shift": ("softmax", "np.exp(z - z.max())", "np.exp(z)"),
    "softmax_min_shift": ("softmax", "z - z.max()", "z - z.min()"),
    "softmax_not_normalized": ("softmax", "e / e.sum()", "e"),
    "softmax_max_normalized": ("softmax", "e / e.sum()", "e / e.max()"),
}


def _function_span(source: str, name: str) -> tuple[int, int]:
    """Character offsets of function ``name`` in ``source``."""
    lines = source.splitlines(keepends=True)
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = sum(len(line) for line in lines[: node.lineno - 1])
            end = sum(len(line) for line in lines[: node.end_lineno])
            return start, end
    raise KeyError(f"{CORRECT} has no function {name}")


def mutant_source(name: str, correct: str | None = None) -> str:
    """The correct example with mutant ``name``'s one edit applied."""
    function, old, new = MUTANTS[name]
    source = correct if correct is not None else CORRECT.read_text(encoding="utf-8")
    start, end = _function_span(source, function)
    body = source[start:end]
    assert body.count(old) == 1, f"mutant {name}: {old!r} occurs {body.count(old)} times in {function}"
    return source[:start] + body.replace(old, new) + source[end:]


def write_mutants(root: Path) -> dict[str, str]:
    """One submission folder per mutant under ``root``; returns mutant -> its function."""
    for name in MUTANTS:
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "cnn.py").write_text(mutant_source(name), encoding="utf-8")
    return {name: function for name, (function, _, _) in MUTANTS.items()}
