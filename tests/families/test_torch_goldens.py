"""The families' own computations (batch norm, parameter savings, shifts, the lecture's
flipped convolution) against values PyTorch computed (golden/make_goldens.py)."""

import json
from pathlib import Path

import numpy as np
import pytest

from cnnquiz import mistakes

_GOLDEN = json.loads((Path(__file__).parent / "golden" / "torch_goldens.json").read_text())
_CASES = _GOLDEN["cases"]


def test_every_kind_of_case_is_there():
    assert {case["computation"] for case in _CASES} == {
        "batch_norm_params", "batch_norm_buffers", "conv_bn_block_params", "batch_norm_eval", "batch_norm_train",
        "running_mean_update", "running_var_update", "depthwise_separable_params", "depthwise_separable_savings",
        "bottleneck_params", "bottleneck_savings", "stacked_kernel_savings", "shifted_conv_response",
        "pool_shift_changes", "fc_shift_response", "true_convolution",
    }


@pytest.mark.parametrize("case", _CASES, ids=lambda c: c["computation"])
def test_matches_pytorch(case):
    got = mistakes.compute(case["computation"], case["params"])
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(case["expected"], dtype=float),
                               rtol=1e-9, atol=1e-9)
