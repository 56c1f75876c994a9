"""Grace's submission: uses the output height as the width in conv2d (square images only)."""

import numpy as np


def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride + 1


def conv2d_params(in_channels, out_channels, kernel_size, bias=True):
    weights = out_channels * in_channels * kernel_size * kernel_size
    return weights + (out_channels if bias else 0)


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


def max_pool2d(x, kernel_size, stride=None):
    if stride is None:
        stride = kernel_size
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


def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()
