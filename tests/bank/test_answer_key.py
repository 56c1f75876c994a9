"""computation_args: the arguments a template's computation receives for one draw."""

from __future__ import annotations

import pytest

from cnnquiz.bank._draw import TemplateBug
from cnnquiz.bank.answer_key import computation_args
from cnnquiz.bank.schema import Part


def test_names_fields_and_literals_resolve_to_copies() -> None:
    drawn = {"x": [[1, 2], [3, 4]], "layer": {"kernel_size": 3, "stride": 2}, "pad": 1}
    part = Part(computation="conv2d", args={"x": "x", "k": "layer.kernel_size", "p": "pad",
                                            "shape": {"value": "x"}, "pair": ["pad", "layer.stride"]})
    args = computation_args(part, drawn)
    assert args == {"x": [[1, 2], [3, 4]], "k": 3, "p": 1, "shape": "x", "pair": [1, 2]}
    args["x"][0][0] = 99  # a copy: the question's params stay as drawn
    assert drawn["x"][0][0] == 1


def test_a_missing_field_is_a_template_bug_naming_it() -> None:
    part = Part(computation="conv2d", args={"k": "layer.dilation"})
    with pytest.raises(TemplateBug, match="layer.dilation: parameter 'layer' has no field 'dilation'"):
        computation_args(part, {"layer": {"kernel_size": 3}})
