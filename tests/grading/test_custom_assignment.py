"""An instructor writes a new assignment in YAML, without Python, and grades with it."""

from __future__ import annotations

import textwrap

from grading_helpers import invoke, read_json

AVG_POOL_YAML = textwrap.dedent("""
    name: pooling
    title: Average pooling with padding
    module: pool
    seed: "spring"
    limits: {call_timeout_s: 1.0}
    functions:
      - signature: "avg_pool2d(x: array, kernel_size: int, stride: int = None, padding: int = 0)"
        returns: array
        points: 2
        reference:
          computation: avg_pool2d
          fixed: {count_include_pad: true}
        diagnose: [pool_stride_one, max_instead_of_avg]
        tests:
          - name: padding 1, default stride
            public: true
            args:
              x: {array: [1, 4, 5], low: -9, high: 9, integers: true}
              kernel_size: 2
              padding: 1
          - name: random
            count: 3
            let: {k: {int: [2, 3]}}
            args:
              x: {array: [2, {int: [4, 7]}, {int: [4, 7]}]}
              kernel_size: "$k"
              stride: {choice: [null, 1, 2]}
              padding: {int: [0, 1]}
""")

CORRECT = textwrap.dedent("""
    import numpy as np

    def avg_pool2d(x, kernel_size, stride=None, padding=0):
        stride = kernel_size if stride is None else stride
        x = np.pad(np.asarray(x, dtype=float), ((0, 0), (padding, padding), (padding, padding)))
        c, h, w = x.shape
        oh, ow = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
        out = np.empty((c, oh, ow))
        for i in range(oh):
            for j in range(ow):
                out[:, i, j] = x[:, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size].mean(axis=(1, 2))
        return out
""")


def test_a_yaml_only_assignment_grades_submissions(tmp_path):
    spec = tmp_path / "pooling.yaml"
    spec.write_text(AVG_POOL_YAML)
    subs = tmp_path / "subs"
    (subs / "right").mkdir(parents=True)
    (subs / "right" / "pool.py").write_text(CORRECT)
    (subs / "maxer").mkdir()
    (subs / "maxer" / "pool.py").write_text(CORRECT.replace(".mean(axis=(1, 2))", ".max(axis=(1, 2))"))
    result = invoke("grade", subs, "--out", tmp_path / "out", "--assignment", spec)
    assert result.exit_code == 0, result.output
    report = {r["student"]: r for r in read_json(tmp_path / "out" / "report.json")}
    assert report["right"]["score"] == report["right"]["max_score"] == 8
    assert report["maxer"]["score"] < 8
    failed = [t for t in report["maxer"]["tests"] if t["status"] == "failed"]
    assert len(failed) == 4
    # Named where there is no padding (with padding, the catalogue's max pooling pads with
    # -inf as PyTorch does, while this student's max runs over zero padding).
    assert any("that is max pooling, not average pooling" in t["output"] for t in failed)
    assert {t["function"] for t in report["right"]["tests"]} == {"avg_pool2d"}

    check = invoke("check", subs / "right", "--assignment", spec)
    assert check.exit_code == 0 and "Public tests of pool.py" in check.stdout
    assert invoke("check", subs / "maxer", "--assignment", spec).exit_code == 1
