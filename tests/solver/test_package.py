"""The solver package: every public name resolves, and the arithmetic needs no numpy."""

from __future__ import annotations

import subprocess
import sys

from cnnquiz import solver


def test_every_public_name_resolves() -> None:
    for name in solver.__all__:
        assert callable(getattr(solver, name)), name
    assert set(solver.__all__) <= set(dir(solver))


def test_sizes_params_and_macs_do_not_import_numpy() -> None:
    """``cnnquiz summary`` starts faster without numpy: shapes, params and costs never need it."""
    code = (
        "import sys\n"
        "from cnnquiz import solver\n"
        "from cnnquiz.network import load_network, resolve_network, summarize\n"
        "assert summarize(load_network(resolve_network('vgg16'))).total_macs == 15_470_264_320\n"
        "assert solver.conv_transpose2d_output_size((4, 5), 3, stride=2) == (9, 11)\n"
        "assert solver.formula_output_size(7, 3, stride=2, rounding='exact') == 3\n"
        "assert 'numpy' not in sys.modules, 'numpy was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
