"""Transposed convolution of one sample ``(C, H, W)``, as ``torch.nn.functional.conv_transpose2d``.

Each input pixel scatters a copy of the kernel, scaled by its value, onto the output
at ``stride`` spacing; overlaps add up; then ``padding`` is cropped from every side
and ``output_padding`` adds rows/columns on the bottom/right. Computed as one GEMM
``weight^T @ x`` (every tap of every pixel) followed by one strided slice-add per
kernel tap, the adjoint of :func:`cnnquiz.solver.conv2d`'s im2col.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz.solver._args import as_int
from cnnquiz.solver._arrays import F64, REAL_KINDS, add_windows, check_exact, real_array, to_array
from cnnquiz.solver.shapes import transpose_geometry

__all__ = ["conv_transpose2d"]

# A transposed convolution grows its input: a huge stride or dilation on a tiny input
# asks for an array that cannot be allocated. Refuse it with a ValueError instead.
_MAX_ELEMENTS = 1 << 31


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: Any = 1,
    dilation: Any = 1,
) -> np.ndarray:
    """2-D transposed convolution ("deconvolution") of one sample.

    Parameters
    ----------
    x : array (C, H, W)
    weight : array (C, K // groups, kh, kw)
        PyTorch's layout for ``ConvTranspose2d``: input channels first.
    bias : array (K,) or None
    stride, dilation : int or (h, w)
    padding : int or (h, w)
        Cropped from each side of the full result.
    output_padding : int or (h, w)
        Added on the bottom/right; smaller than ``stride`` or ``dilation``.
    groups : int
        Divides ``C``; each group of ``C // groups`` input channels feeds its own
        ``K // groups`` outputs.

    Returns
    -------
    ndarray (K, Ho, Wo)
        ``Ho = (H - 1)*sh - 2*ph + dh*(kh - 1) + oph + 1``, likewise ``Wo``; int64 when
        ``x``, ``weight`` and ``bias`` are integer (or bool), else float64.

    Examples
    --------
    Dive into Deep Learning's example (section 14.10): each input value stamps the
    kernel, scaled, and overlapping stamps add.

    >>> conv_transpose2d([[[0, 1], [2, 3]]], [[[[0, 1], [2, 3]]]])[0].tolist()
    [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    >>> conv_transpose2d([[[0, 1], [2, 3]]], [[[[0, 1], [2, 3]]]], stride=2)[0].tolist()
    [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]
    """
    xa = real_array(x, "x", 3, "(C, H, W)")
    wa = real_array(weight, "weight", 4, "(C, K/groups, kh, kw)")
    g = groups if type(groups) is int and groups >= 1 else as_int(groups, "groups", minimum=1)
    c, h, w = xa.shape
    cw, kg, kh, kw = wa.shape
    if c % g:
        raise ValueError(f"groups must divide the input channels ({c}); got groups={g}")
    if cw != c:
        raise ValueError(
            f"weight has {cw} input channels but x has {c} (ConvTranspose2d's weight is "
            f"(C, K/groups, kh, kw): input channels first)"
        )
    k = kg * g
    integer = xa.dtype.kind in "biu" and wa.dtype.kind in "biu"
    if bias is not None:
        bias = to_array(bias, "bias") if type(bias) is not np.ndarray else bias
        if bias.dtype.kind not in REAL_KINDS:
            raise ValueError(f"bias must be a real numeric array; got dtype {bias.dtype}")
        if bias.shape != (k,):
            raise ValueError(f"bias must have shape ({k},) (one per output channel); got shape {bias.shape}")
        integer = integer and bias.dtype.kind in "biu"
    geo = transpose_geometry((h, w), (kh, kw), stride, padding, output_padding, dilation)
    (ho, wo), (ph, pw) = geo.out, geo.padding

    cg = c // g
    xf = xa.astype(F64, copy=False).reshape(g, cg, h * w)
    # (g, Kg*kh*kw, Cg): for every output channel and tap, the weights over input channels.
    wt = wa.astype(F64, copy=False).reshape(g, cg, kg * kh * kw).transpose(0, 2, 1)
    cols = np.matmul(wt, xf).reshape(k, kh, kw, h, w)
    # The full (uncropped) result, with room for output_padding beyond the crop.
    full_h = max((h - 1) * geo.stride[0] + geo.dilation[0] * (kh - 1) + 1, ph + ho)
    full_w = max((w - 1) * geo.stride[1] + geo.dilation[1] * (kw - 1) + 1, pw + wo)
    if k * full_h * full_w > _MAX_ELEMENTS:
        raise ValueError(
            f"the result would have {k * full_h * full_w:,} elements ({k}x{full_h}x{full_w}); got "
            f"stride={stride!r}, dilation={dilation!r}, kernel_size {(kh, kw)}"
        )
    full = np.zeros((k, full_h, full_w), F64)
    add_windows(full, cols, geo.stride, geo.dilation)
    out = np.ascontiguousarray(full[:, ph : ph + ho, pw : pw + wo])
    if bias is not None:
        out += bias.astype(F64, copy=False)[:, None, None]
    if integer:
        # Each output sums products x[c, i, j] * weight[c, k, u, v], each factor once.
        per_output = wa.transpose(1, 0, 2, 3).reshape(kg, -1)
        check_exact(xa.astype(F64), per_output.astype(F64), None if bias is None else bias.astype(F64))
        return np.rint(out, out=out).astype(np.int64)
    return out
