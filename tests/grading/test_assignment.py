"""Assignment YAML: the shipped one loads; bad files give one line naming file and field."""

from __future__ import annotations

import copy

import pytest
import yaml

from cnnquiz.errors import BankError
from cnnquiz.grading.assignment import (
    ArgKind,
    load_assignment,
    parse_assignment,
    parse_signature,
    resolve_assignment,
    shipped_assignments,
)
from cnnquiz.paths import shipped_assignments_dir

MINIMAL = {
    "name": "mini",
    "functions": [
        {
            "signature": "relu(x: array)",
            "returns": "array",
            "reference": "relu",
            "tests": [{"name": "basic", "public": True, "args": {"x": [-1, 2]}}],
        }
    ],
}


def with_change(path: str, value):
    """MINIMAL with the value at a dotted path replaced."""
    data = copy.deepcopy(MINIMAL)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


def test_the_default_assignment_is_shipped_with_the_contract_functions(cnn):
    assert "cnn" in shipped_assignments()
    assert (shipped_assignments_dir() / "cnn.yaml").is_file()
    assert [f.name for f in cnn.functions] == [
        "conv2d_output_size", "conv2d_params", "conv2d", "max_pool2d", "relu", "sigmoid", "softmax",
    ]
    conv = cnn.function("conv2d")
    assert [(p.name, p.has_default, p.default) for p in conv.params] == [
        ("x", False, None), ("weight", False, None), ("bias", True, None), ("stride", True, 1), ("padding", True, 0),
    ]
    assert cnn.function("max_pool2d").params[2].default is None
    assert cnn.filename == "cnn.py"
    assert cnn.limits.call_timeout_s == 2.0
    assert {"cnnquiz", "torch", "tensorflow", "jax"} <= set(cnn.forbidden_imports)


def test_parse_signature():
    name, params = parse_signature("f(a: int, b: array = None, c=3)")
    assert name == "f"
    assert [(p.name, p.kind, p.has_default, p.default) for p in params] == [
        ("a", ArgKind.INT, False, None), ("b", ArgKind.ARRAY, True, None), ("c", ArgKind.ANY, True, 3),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("f(x", "is not of the form name"),
        ("f(*args)", r"only plain arguments are supported"),
        ("f(x: tensor)", "argument 'x' has unknown kind 'tensor'"),
        ("f(x=len)", "the default of 'x' must be a literal"),
    ],
)
def test_parse_signature_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_signature(text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (with_change("functions.0.reference", "convolve"), r"x\.yaml: functions\.0: reference: unknown computation 'convolve' \(known: .*conv2d"),
        (with_change("functions.0.diagnose", ["kernel_flipped"]), r"functions\.0: diagnose: 'kernel_flipped' is not a mistake of relu"),
        (with_change("functions.0.tests.0.args", {"y": 1}), r"unknown argument\(s\) \['y'\]"),
        (with_change("functions.0.tests.0.args", {}), r"missing required argument\(s\) \['x'\]"),
        (with_change("functions.0.tests.0.args", {"x": "$n"}), r"args\.x uses undefined variable\(s\) \['n'\]"),
        (with_change("functions.0.tests.0.args", {"x": {"uniform": [0, 1]}}), r"functions\.0\.tests\.0\.args: x: a mapping must have exactly one rule key"),
        (with_change("functions.0.returns", "tensor"), r"functions\.0\.returns: Input should be 'integer', 'shape', 'number' or 'array'"),
        (with_change("functions.0.points", -1), r"functions\.0\.points: Input should be greater than or equal to 0"),
        (with_change("functions.0.tests.0.colour", "red"), r"functions\.0\.tests\.0\.colour: Extra inputs are not permitted"),
        ({**MINIMAL, "functions": MINIMAL["functions"] * 2}, "functions: 'relu' is listed twice"),
        (with_change("name", "bad name"), r"x\.yaml: name: String should match pattern"),
    ],
)
def test_validation_errors_are_one_line_with_file_and_field(data, message):
    with pytest.raises(BankError, match=message) as info:
        parse_assignment(data, source="x.yaml")
    assert "\n" not in str(info.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nfunctions: [\n  - oops: {\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"broken\.yaml: line \d+: invalid YAML: "):
        load_assignment(path)


def test_resolve_by_name_or_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(MINIMAL), encoding="utf-8")
    assert resolve_assignment(path).name == "mini"
    assert resolve_assignment(str(path)).source == str(path)
    assert resolve_assignment().name == "cnn"
    with pytest.raises(BankError, match=r"nope: no such file, and not a shipped assignment \(shipped: .*cnn"):
        resolve_assignment("nope")


def test_digest_changes_with_content():
    a = parse_assignment(MINIMAL)
    b = parse_assignment(with_change("functions.0.tests.0.args", {"x": [-1, 3]}))
    assert a.digest() == parse_assignment(MINIMAL).digest() != b.digest()
