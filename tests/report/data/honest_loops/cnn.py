import math
import numpy as np


def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    span = size + 2 * padding - kernel_size
    return span // stride + 1


def conv2d_params(in_channels, out_channels, kernel_size, bias=True):
    per_filter = in_channels * kernel_size * kernel_size
    total = out_channels * per_filter
    if bias:
        total += out_channels
    return total


def conv2d(x, weight, bias=None, stride=1, padding=0):
    channels, height, width = x.shape
    filters, _, kh, kw = weight.shape
    padded = np.zeros((channels, height + 2 * padding, width + 2 * padding))
    padded[:, padding:padding + height, padding:padding + width] = x
    out_h = (height + 2 * padding - kh) // stride + 1
    out_w = (width + 2 * padding - kw) // stride + 1
    result = np.zeros((filters, out_h, out_w))
    for f in range(filters):
        for i in range(out_h):
            for j in range(out_w):
                total = 0.0
                for c in range(channels):
                    for a in range(kh):
                        for b in range(kw):
                            total += padded[c, i * stride + a, j * stride + b] * weight[f, c, a, b]
                if bias is not None:
                    total += bias[f]
                result[f, i, j] = total
    return result


def max_pool2d(x, kernel_size, stride=None):
    step = kernel_size if stride is None else stride
    channels, height, width = x.shape
    rows = (height - kernel_size) // step + 1
    cols = (width - kernel_size) // step + 1
    out = np.empty((channels, rows, cols))
    for c in range(channels):
        for i in range(rows):
            for j in range(cols):
                best = -math.inf
                for a in range(kernel_size):
                    for b in range(kernel_size):
                        best = max(best, x[c, i * step + a, j * step + b])
                out[c, i, j] = best
    return out


def relu(x):
    return np.where(x > 0, x, 0.0)


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def softmax(z):
    shifted = z - np.max(z)
    e = np.exp(shifted)
    return e / e.sum()
