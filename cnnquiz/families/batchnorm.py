"""Batch normalisation: trainable parameters vs running statistics, and its arithmetic.

PyTorch's ``BatchNorm2d(C)`` has 2C trainable parameters (gamma, beta) and 2C
running statistics (``running_mean``, ``running_var``; plus the counter
``num_batches_tracked``), which are buffers, not parameters. Parameter counts come
from :func:`cnnquiz.network.summarize` (the solver of network shapes); the
normalisation follows ``torch.nn.functional.batch_norm``: training mode normalises
with the batch's *biased* variance but updates ``running_var`` with the *unbiased*
one; ``new = (1 - momentum) x old + momentum x batch``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from cnnquiz.computations import Computation
from cnnquiz.errors import CnnquizError
from cnnquiz.families._common import num, param
from cnnquiz.mistakes import Mistake

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]


def _params(input_shape: Any, layers: list[Any]) -> list[int]:
    """Per-layer parameter counts of a small spec, as ``cnnquiz summary`` counts them."""
    try:
        from cnnquiz.network import parse_network, summarize  # only when asked: pydantic models

        summary = summarize(parse_network({"input": [int(v) for v in input_shape], "layers": layers}))
    except CnnquizError as error:
        raise ValueError(str(error)) from None
    return [row.params for row in summary.layers]


def _shape(p: Mapping[str, Any]) -> list[int]:
    return [int(p["channels"]), int(param(p, "height", 1)), int(param(p, "width", 1))]


def _bn_params(p: Mapping[str, Any]) -> int:
    return _params(_shape(p), ["batch_norm2d"])[0]


def _block(p: Mapping[str, Any], *, conv_bias: Any = None, with_bn: bool = True) -> list[int]:
    conv = {"conv2d": {"out_channels": int(p["out_channels"]), "kernel_size": p["kernel_size"],
                       "bias": bool(param(p, "conv_bias", True) if conv_bias is None else conv_bias)}}
    size = int(p["kernel_size"]) if not isinstance(p["kernel_size"], list) else max(p["kernel_size"])
    return _params([int(p["in_channels"]), size, size], [conv, "batch_norm2d"] if with_bn else [conv])


def _batch(p: Mapping[str, Any]) -> np.ndarray:
    values = np.asarray(p["values"], dtype=np.float64).ravel()
    if values.size < 2:
        raise ValueError("a batch needs at least 2 values")
    return values


def _normalize(x: Any, mean: float, var: float, gamma: float, beta: float, eps: float, *, root: bool = True) -> Any:
    scale = np.sqrt(var + eps) if root else var + eps
    return gamma * (np.asarray(x, dtype=np.float64) - mean) / scale + beta


def _eval(p: Mapping[str, Any], *, root: bool = True, swap: bool = False) -> float:
    gamma, beta = float(param(p, "gamma", 1.0)), float(param(p, "beta", 0.0))
    if swap:
        gamma, beta = beta, gamma
    return float(_normalize(p["x"], float(p["running_mean"]), float(p["running_var"]), gamma, beta,
                            float(param(p, "eps", 1e-5)), root=root))


def _train(p: Mapping[str, Any], *, ddof: int = 0, root: bool = True) -> float:
    values = _batch(p)
    index = int(p["index"]) - 1
    if values.var() == 0:
        raise ValueError("a batch of equal values has no spread to normalise by")
    if not 0 <= index < values.size:
        raise ValueError(f"index={index + 1} is outside the batch of {values.size}")
    return float(_normalize(values[index], values.mean(), values.var(ddof=ddof), float(param(p, "gamma", 1.0)),
                            float(param(p, "beta", 0.0)), float(param(p, "eps", 1e-5)), root=root))


def _running_mean(p: Mapping[str, Any], *, swap: bool = False) -> float:
    m = float(param(p, "momentum", 0.1))
    if swap:
        m = 1 - m
    return (1 - m) * float(p["running_mean"]) + m * float(_batch(p).mean())


def _running_var(p: Mapping[str, Any], *, ddof: int = 1) -> float:
    m = float(param(p, "momentum", 0.1))
    return (1 - m) * float(p["running_var"]) + m * float(_batch(p).var(ddof=ddof))


def _bn_working(p: Mapping[str, Any], answer: Any) -> str:
    c = int(p["channels"])
    return (f"gamma and beta, one of each per channel: 2 x {c} = {answer} trainable parameters "
            f"(running_mean and running_var are buffers, not parameters)")


def _buffers_working(p: Mapping[str, Any], answer: Any) -> str:
    return f"running_mean and running_var hold one value per channel each: 2 x {p['channels']} = {answer}"


def _block_working(p: Mapping[str, Any], answer: Any) -> str:
    conv, bn = _block(p)
    return (f"conv2d: {p['out_channels']} x ({p['in_channels']} x {p['kernel_size']} x {p['kernel_size']}"
            f"{' + 1' if param(p, 'conv_bias', True) else ''}) = {conv}; batch norm: gamma and beta for each of "
            f"{p['out_channels']} channels = {bn}; total {answer} (running statistics are not trainable)")


def _eval_working(p: Mapping[str, Any], answer: Any) -> str:
    eps = float(param(p, "eps", 1e-5))
    return (f"y = gamma x (x - running_mean) / sqrt(running_var + eps) + beta = {num(param(p, 'gamma', 1.0))} x "
            f"({num(p['x'])} - {num(p['running_mean'])}) / sqrt({num(p['running_var'])} + {eps:g}) + "
            f"{num(param(p, 'beta', 0.0))} = {float(answer):.3f}")


def _train_working(p: Mapping[str, Any], answer: Any) -> str:
    values = _batch(p)
    x = values[int(p["index"]) - 1]
    return (f"batch mean = {values.mean():.4g}; biased variance (divide by {values.size}) = {values.var():.4g}; "
            f"y = {num(param(p, 'gamma', 1.0))} x ({num(x)} - {values.mean():.4g}) / sqrt({values.var():.4g} + "
            f"{float(param(p, 'eps', 1e-5)):g}) + {num(param(p, 'beta', 0.0))} = {float(answer):.3f}")


def _running_mean_working(p: Mapping[str, Any], answer: Any) -> str:
    m = float(param(p, "momentum", 0.1))
    return (f"batch mean = {_batch(p).mean():.4g}; new = (1 - {num(m)}) x {num(p['running_mean'])} + "
            f"{num(m)} x {_batch(p).mean():.4g} = {float(answer):.3f}")


def _running_var_working(p: Mapping[str, Any], answer: Any) -> str:
    m, values = float(param(p, "momentum", 0.1)), _batch(p)
    return (f"unbiased batch variance (divide by {values.size} - 1) = {values.var(ddof=1):.4g}; new = (1 - {num(m)}) x "
            f"{num(p['running_var'])} + {num(m)} x {values.var(ddof=1):.4g} = {float(answer):.3f}")


COMPUTATIONS = [
    Computation("batch_norm_params", _bn_params, {
        "running_stats_counted": lambda p: 2 * _bn_params(p),
        "one_per_channel": lambda p: _bn_params(p) // 2,
        "per_activation": lambda p: _bn_params(p) * int(param(p, "height", 1)) * int(param(p, "width", 1)),
    }),
    Computation("batch_norm_buffers", lambda p: 2 * int(p["channels"]), {
        "trainable_counted": lambda p: 2 * int(p["channels"]) + _bn_params(p),
        "one_per_channel": lambda p: int(p["channels"]),
    }),
    Computation("conv_bn_block_params", lambda p: sum(_block(p)), {
        "running_stats_counted": lambda p: sum(_block(p)) + _block(p)[1],
        "bias_forgotten": lambda p: sum(_block(p, conv_bias=False)),
        "batch_norm_forgotten": lambda p: sum(_block(p, with_bn=False)),
    }),
    Computation("batch_norm_eval", lambda p: _eval(p), {
        "variance_not_rooted": lambda p: _eval(p, root=False),
        "gamma_beta_swapped": lambda p: _eval(p, swap=True),
    }),
    Computation("batch_norm_train", lambda p: _train(p), {
        "unbiased_variance": lambda p: _train(p, ddof=1),
        "variance_not_rooted": lambda p: _train(p, root=False),
    }),
    Computation("running_mean_update", lambda p: _running_mean(p), {
        "momentum_swapped": lambda p: _running_mean(p, swap=True),
    }),
    Computation("running_var_update", lambda p: _running_var(p), {
        "biased_variance_used": lambda p: _running_var(p, ddof=0),
    }),
]

MISTAKES = [
    Mistake("running_stats_counted", "the running statistics were counted as parameters",
            "running_mean and running_var are buffers updated by averaging, not trained by gradient descent; only gamma and beta (2 per channel) are parameters."),
    Mistake("one_per_channel", "batch norm keeps two numbers per channel, not one",
            "Trainable: gamma and beta per channel; running statistics: a mean and a variance per channel."),
    Mistake("per_activation", "batch norm's parameters are per channel, not per pixel",
            "BatchNorm2d shares gamma and beta across all positions of a channel: 2 x C parameters, whatever H and W are."),
    Mistake("trainable_counted", "gamma and beta are parameters, not running statistics",
            "The running statistics are running_mean and running_var (one each per channel); gamma and beta are the trainable ones."),
    Mistake("batch_norm_forgotten", "the batch norm layer's parameters were forgotten",
            "BatchNorm2d adds gamma and beta for every channel: 2 x C trainable parameters."),
    Mistake("variance_not_rooted", "you divided by the variance instead of the standard deviation",
            "Batch norm divides by sqrt(variance + eps), the standard deviation."),
    Mistake("gamma_beta_swapped", "gamma and beta are swapped",
            "gamma (weight) multiplies the normalised value; beta (bias) is added afterwards."),
    Mistake("unbiased_variance", "training mode normalises with the biased variance",
            "PyTorch normalises a batch with its variance divided by N (not N - 1); the unbiased one only goes into running_var."),
    Mistake("momentum_swapped", "the momentum weights the new batch, not the old value",
            "PyTorch: running = (1 - momentum) x running + momentum x batch, with momentum = 0.1 by default."),
    Mistake("biased_variance_used", "running_var is updated with the unbiased variance",
            "PyTorch updates running_var with the batch variance divided by N - 1 (unbiased), although it normalises with the biased one."),
]

WORKINGS = {
    "batch_norm_params": _bn_working,
    "batch_norm_buffers": _buffers_working,
    "conv_bn_block_params": _block_working,
    "batch_norm_eval": _eval_working,
    "batch_norm_train": _train_working,
    "running_mean_update": _running_mean_working,
    "running_var_update": _running_var_working,
}
