"""The building blocks of a convolutional neural network, in plain numpy.

Fill in each function. Shapes follow PyTorch for one sample (no batch dimension):
an image or feature map is an array of shape (C, H, W) = (channels, height, width).
Arrays may be non-square, and kernels too.

Check your work with the public tests:

    cnnquiz check .

You may use numpy and the Python standard library. Do not import torch, tensorflow,
jax, keras, scipy or cnnquiz: a submission that does gets no credit.
"""

import numpy as np


def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    """Output size of a convolution along one axis.

    Parameters
    ----------
    size : int          input height (or width)
    kernel_size : int   kernel height (or width)
    stride : int        step between windows
    padding : int       zeros added on EACH side

    Returns
    -------
    int
        floor((size + 2 * padding - kernel_size) / stride) + 1
    """
    raise NotImplementedError("conv2d_output_size")


def conv2d_params(in_channels, out_channels, kernel_size, bias=True):
    """Number of learnable parameters of a Conv2d layer with a square kernel.

    Each of the ``out_channels`` filters has ``in_channels x kernel_size x kernel_size``
    weights, plus one bias when ``bias`` is true.

    Returns
    -------
    int
    """
    raise NotImplementedError("conv2d_params")


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution of one sample, as PyTorch computes it (cross-correlation).

    Parameters
    ----------
    x : ndarray (C, H, W)
    weight : ndarray (K, C, kh, kw)     K filters; kh and kw may differ
    bias : ndarray (K,) or None
    stride : int                         the same along height and width
    padding : int                        zeros added on each side of H and W

    Returns
    -------
    ndarray (K, Ho, Wo)
        with Ho = (H + 2*padding - kh) // stride + 1 and Wo = (W + 2*padding - kw) // stride + 1;
        out[k, i, j] = sum over c, a, b of xp[c, i*stride + a, j*stride + b] * weight[k, c, a, b]
        (+ bias[k]), where xp is x padded with zeros. The kernel is NOT flipped.
    """
    raise NotImplementedError("conv2d")


def max_pool2d(x, kernel_size, stride=None):
    """Max pooling of one sample with a square window.

    Parameters
    ----------
    x : ndarray (C, H, W)
    kernel_size : int
    stride : int or None                 None means stride = kernel_size

    Returns
    -------
    ndarray (C, Ho, Wo)
        with Ho = (H - kernel_size) // stride + 1 (Wo likewise): the largest value of
        each window, channel by channel.
    """
    raise NotImplementedError("max_pool2d")


def relu(x):
    """max(x, 0) elementwise; returns an array of the same shape as x."""
    raise NotImplementedError("relu")


def sigmoid(x):
    """1 / (1 + exp(-x)) elementwise; same shape as x. Must work for x = -1000 and 1000."""
    raise NotImplementedError("sigmoid")


def softmax(z):
    """exp(z_i) / sum_j exp(z_j) for a 1-D vector of logits z; the result sums to 1.

    Must work for logits like [1000, 1001, 999]: exp(1000) overflows, so subtract
    max(z) from every logit first (this does not change the result).
    """
    raise NotImplementedError("softmax")
