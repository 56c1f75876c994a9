"""My CNN homework (vectorized with sliding windows)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    return int(np.floor((size - kernel_size + padding * 2) / stride)) + 1


def conv2d_params(in_channels, out_channels, kernel_size, bias=True):
    return out_channels * (in_channels * kernel_size ** 2 + int(bool(bias)))


def _windows(a, kh, kw, stride):
    view = sliding_window_view(a, (kh, kw), axis=(-2, -1))
    return view[..., ::stride, ::stride, :, :]


def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.pad(np.asarray(x, float), ((0, 0), (padding, padding), (padding, padding)))
    win = _windows(x, weight.shape[2], weight.shape[3], stride)
    y = np.einsum("chwij,kcij->khw", win, weight)
    return y if bias is None else y + np.asarray(bias)[:, None, None]


def max_pool2d(x, kernel_size, stride=None):
    s = stride or kernel_size
    return _windows(np.asarray(x), kernel_size, kernel_size, s).max(axis=(-1, -2))


def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x, float)))


def softmax(z):
    z = np.asarray(z, float)
    p = np.exp(z - z.max())
    return p / np.sum(p)
