"""Buggy variants of the correct example submission, one typical mistake each.

Each variant replaces one function of ``submissions/examples/alice_correct/cnn.py``
with the code a student with that misconception writes. ``write_variant`` builds the
submission folder; the tests grade it and check which tests it loses and that the
diagnosis names the mistake.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORRECT = REPO / "submissions" / "examples" / "alice_correct" / "cnn.py"

# mistake key -> (function, replacement source)
BUGS: dict[str, tuple[str, str]] = {
    "kernel_flipped": ("conv2d", '''
def conv2d(x, weight, bias=None, stride=1, padding=0):
    # textbook convolution: flip the kernel first
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)[:, :, ::-1, ::-1]
    channels, height, width = x.shape
    filters, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    out_h = (height + 2 * padding - kh) // stride + 1
    out_w = (width + 2 * padding - kw) // stride + 1
    out = np.zeros((filters, out_h, out_w))
    for k in range(filters):
        for i in range(out_h):
            for j in range(out_w):
                window = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[k, i, j] = np.sum(window * weight[k])
        if bias is not None:
            out[k] += bias[k]
    return out
'''),
    "bias_forgotten": ("conv2d", '''
def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    channels, height, width = x.shape
    filters, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    out_h = (height + 2 * padding - kh) // stride + 1
    out_w = (width + 2 * padding - kw) // stride + 1
    out = np.zeros((filters, out_h, out_w))
    for k in range(filters):
        for i in range(out_h):
            for j in range(out_w):
                window = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[k, i, j] = np.sum(window * weight[k])
    return out
'''),
    "stride_ignored": ("conv2d", '''
def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    channels, height, width = x.shape
    filters, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    out_h = height + 2 * padding - kh + 1
    out_w = width + 2 * padding - kw + 1
    out = np.zeros((filters, out_h, out_w))
    for k in range(filters):
        for i in range(out_h):
            for j in range(out_w):
                out[k, i, j] = np.sum(xp[:, i:i + kh, j:j + kw] * weight[k])
        if bias is not None:
            out[k] += bias[k]
    return out
'''),
    "square_only": ("conv2d", '''
def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    channels, height, width = x.shape
    filters, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    out_h = (height + 2 * padding - kh) // stride + 1
    out_w = out_h  # images are square
    out = np.zeros((filters, out_h, out_w))
    for k in range(filters):
        for i in range(out_h):
            for j in range(out_w):
                window = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[k, i, j] = np.sum(window * weight[k])
        if bias is not None:
            out[k] += bias[k]
    return out
'''),
    "forgot_plus_one": ("conv2d_output_size", '''
def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride
'''),
    "padding_once": ("conv2d_output_size", '''
def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    return (size + padding - kernel_size) // stride + 1
'''),
    "pool_stride_one": ("max_pool2d", '''
def max_pool2d(x, kernel_size, stride=None):
    if stride is None:
        stride = 1
    x = np.asarray(x, dtype=float)
    channels, height, width = x.shape
    out_h = (height - kernel_size) // stride + 1
    out_w = (width - kernel_size) // stride + 1
    out = np.empty((channels, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            out[:, i, j] = window.max(axis=(1, 2))
    return out
'''),
    "relu_before_sigmoid": ("sigmoid", '''
def sigmoid(x):
    x = np.maximum(np.asarray(x, dtype=float), 0)  # ReLU first
    return 1 / (1 + np.exp(-x))
'''),
    "softmax_overflow": ("softmax", '''
def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum()
'''),
    "input_channels_forgotten": ("conv2d_params", '''
def conv2d_params(in_channels, out_channels, kernel_size, bias=True):
    return out_channels * kernel_size * kernel_size + (out_channels if bias else 0)
'''),
    "params_bias_forgotten": ("conv2d_params", '''
def conv2d_params(in_channels, out_channels, kernel_size, bias=True):
    return out_channels * in_channels * kernel_size * kernel_size
'''),
}

#: the catalogue key each variant's diagnosis must name (the variant key unless noted)
CATALOGUE_KEY = {"params_bias_forgotten": "bias_forgotten"}

#: the shipped buggy examples and the variant each one is
SHIPPED = {
    "bob_flipped_kernel": "kernel_flipped",
    "carol_forgot_plus_one": "forgot_plus_one",
    "dave_pool_stride_one": "pool_stride_one",
    "erin_relu_in_sigmoid": "relu_before_sigmoid",
    "frank_naive_softmax": "softmax_overflow",
    "grace_square_only": "square_only",
}


def variant_source(key: str, base: str | None = None) -> str:
    """The correct source with the function of ``key`` replaced by its buggy version."""
    base = CORRECT.read_text(encoding="utf-8") if base is None else base
    function, replacement = BUGS[key]
    tree = ast.parse(base)
    lines = base.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            start, end = node.lineno - 1, node.end_lineno
            return "".join(lines[:start]) + replacement.strip("\n") + "\n" + "".join(lines[end:])
    raise KeyError(function)


def write_variant(folder: Path, key: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cnn.py").write_text(variant_source(key), encoding="utf-8")
    return folder


def loses(key: str, case) -> bool:
    """Whether the variant ``key`` must lose ``case`` (a test of the mistaken function whose
    answer the mistake changes; for a pooling stride of 1, only where the stride is left out)."""
    function, _ = BUGS[key]
    mistake = CATALOGUE_KEY.get(key, key)
    if case.function != function or mistake not in case.mistaken:
        return False
    if key == "pool_stride_one":
        return case.params.get("stride") is None
    return True
