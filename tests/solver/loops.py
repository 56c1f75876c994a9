"""Plain-loop references written from PyTorch's definitions, for the property tests.

Each loops over every output pixel and every kernel tap, as the PyTorch docs define
the operation, and applies PyTorch's argument checks: where PyTorch raises, the
reference raises :class:`Invalid` and the solver must raise ValueError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
    # With dilation every tap can land in the padding: PyTorch pads with -inf (the
    # dtype's minimum for integers; False, i.e. 0, for booleans) and returns that.
    lowest = 0 if x.dtype.kind == "b" else np.iinfo(x.dtype).min if x.dtype.kind in "iu" else -np.inf
    if x.dtype.kind == "b":
        x = x.astype(np.int8)  # the solver's documented dtype for boolean inputs
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
                    out[ch, i, j] = max(values, default=lowest)
                    continue
                # PyTorch's divisor: the window clipped to the padded input (not the
                # ceil_mode overhang), or only the real pixels.
                hs, ws = i * sh - ph, j * sw - pw
                he, we = min(hs + kh, h + ph), min(ws + kw, wd + pw)
                divisor = (he - hs) * (we - ws) if count_include_pad else len(values)
                out[ch, i, j] = sum(values) / divisor
    return out


# --------------------------------------------------------------------------- contract 1b


def ref_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation) -> np.ndarray:
    """Every input pixel stamps its kernel, scaled, at stride spacing; crop; pad the end."""
    c, h, wd = x.shape
    cw, kg, kh, kw = w.shape
    if cw != c or c % groups:
        raise Invalid("channels/groups")
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = (_pair(v) for v in (stride, padding, output_padding, dilation))
    if min(sh, sw, dh, dw) < 1 or min(ph, pw) < 0:
        raise Invalid("stride/dilation/padding")
    if (oh >= sh and oh >= dh) or (ow >= sw and ow >= dw):
        raise Invalid("output_padding too large")
    ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    wo = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    if ho < 1 or wo < 1:
        raise Invalid("output size < 1")
    out = np.zeros((kg * groups, ho, wo), dtype=np.result_type(x, w, np.int64))
    cg = c // groups
    for ch in range(c):
        g = ch // cg
        for i in range(h):
            for j in range(wd):
                for kk in range(kg):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * sh + u * dh - ph, j * sw + v * dw - pw
                            if 0 <= r < ho and 0 <= q < wo:
                                out[g * kg + kk, r, q] += x[ch, i, j] * w[ch, kk, u, v]
    if b is not None:
        out = out + np.asarray(b)[:, None, None]
    return out


def ref_conv2d_backward(x, w, gy, stride, padding, dilation, groups):
    """Differentiate the forward loop term by term: y[f,i,j] += x[c,r,q] * w[f,cc,u,v]."""
    c, h, wd = x.shape
    k, cg, kh, kw = w.shape
    (pt, _), (pl, _) = ref_conv_pads((kh, kw), stride, padding, dilation)
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    dtype = np.result_type(x, w, gy, np.int64)
    gx, gw, gb = np.zeros(x.shape, dtype), np.zeros(w.shape, dtype), np.zeros(k, dtype)
    kpg = k // groups
    for f in range(k):
        g = f // kpg
        for i in range(gy.shape[1]):
            for j in range(gy.shape[2]):
                gb[f] += gy[f, i, j]
                for cc in range(cg):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * sh + u * dh - pt, j * sw + v * dw - pl
                            if 0 <= r < h and 0 <= q < wd:
                                gx[g * cg + cc, r, q] += gy[f, i, j] * w[f, cc, u, v]
                                gw[f, cc, u, v] += gy[f, i, j] * x[g * cg + cc, r, q]
    return gx, gw, gb


def ref_pool2d_backward(x, gy, kernel_size, stride, padding, dilation, ceil_mode, mode, count_include_pad=True):
    """Each window's gradient to its first maximum (max; the last NaN if any) or shared
    by its pixels with the forward divisor (avg). Output sizes come from gy."""
    c, h, wd = x.shape
    (kh, kw), (ph, pw), (dh, dw) = _pair(kernel_size), _pair(padding), _pair(dilation)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    dtype = np.float64 if mode == "avg" or gy.dtype.kind == "f" else np.int64
    gx = np.zeros(x.shape, dtype)
    for ch in range(c):
        for i in range(gy.shape[1]):
            for j in range(gy.shape[2]):
                taps = [(i * sh + u * dh - ph, j * sw + v * dw - pw) for u in range(kh) for v in range(kw)]
                taps = [(r, q) for r, q in taps if 0 <= r < h and 0 <= q < wd]
                if mode == "avg":
                    hs, ws = i * sh - ph, j * sw - pw
                    he, we = min(hs + kh, h + ph), min(ws + kw, wd + pw)
                    divisor = (he - hs) * (we - ws) if count_include_pad else len(taps)
                    for r, q in taps:
                        gx[ch, r, q] += gy[ch, i, j] / divisor
                    continue
                if not taps:
                    continue  # a window entirely in the padding outputs a constant
                best = taps[0]
                for r, q in taps:  # PyTorch's CPU loop: strictly greater, or NaN
                    if x[ch, r, q] > x[ch][best] or np.isnan(x[ch, r, q]):
                        best = (r, q)
                gx[ch][best] += gy[ch, i, j]
    return gx
