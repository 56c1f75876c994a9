"""``cnnquiz explain`` through CliRunner: piped output is the plain text, errors are one line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cases import CASES
from cnnquiz.cli import app
from cnnquiz.explain.plain import plain_text

GOLDEN = Path(__file__).parent / "golden"
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()

LECTURE_ROWS = "1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0"
RGB_ROWS = (
    "156 155 156 158 158; 153 154 157 159 159; 149 151 155 158 159; 146 146 149 153 158; 145 143 143 148 158 | "
    "167 166 167 169 169; 164 165 168 170 170; 160 162 166 169 170; 156 156 159 163 168; 155 153 153 158 168 | "
    "163 162 163 165 165; 160 161 164 166 166; 156 158 162 165 166; 155 155 158 162 167; 154 152 152 157 167"
)


def _explain(*args: str):
    result = runner.invoke(app, ["explain", *args], env=ENV)
    assert "Traceback" not in result.output, result.output
    return result


def test_lecture_5x5_piped_is_the_golden_text() -> None:
    result = _explain("conv2d", "--input", LECTURE_ROWS, "--kernel", "1 0 1; 0 1 0; 1 0 1")
    assert result.exit_code == 0, result.output
    assert result.output == (GOLDEN / "lecture_5x5.txt").read_text(encoding="utf-8")


def test_lecture_minus25_piped_is_the_golden_text() -> None:
    result = _explain("conv2d", "--input", RGB_ROWS, "--kernel", "-1 -1 1; 0 1 -1; 0 1 1 | 1 0 0; 1 -1 -1; 1 0 -1 | "
                      "0 1 1; 0 1 0; 1 -1 1", "--padding", "1", "--bias", "1", "--frames")
    assert result.exit_code == 0, result.output
    assert result.output == (GOLDEN / "lecture_minus25.txt").read_text(encoding="utf-8")


def test_pooling_transposed_and_receptive_field_commands() -> None:
    pool = _explain("max_pool2d", "--input", "1 3 2 0; 4 6 5 1; 7 2 9 8; 0 1 3 2", "--kernel-size", "2",
                    "--padding", "1")
    assert pool.output == (GOLDEN / "max_pool_padded.txt").read_text(encoding="utf-8")
    avg = _explain("avg_pool2d", "--input", "1 3 2 0; 4 6 5 1; 7 2 9 8; 0 1 3 2", "--kernel-size", "2")
    assert avg.output == (GOLDEN / "avg_pool.txt").read_text(encoding="utf-8")
    transposed = _explain("conv_transpose2d", "--input", "0 1; 2 3", "--kernel", "0 1; 2 3", "--stride", "2")
    assert transposed.output == (GOLDEN / "transpose_d2l_stride2.txt").read_text(encoding="utf-8")
    field = _explain("receptive-field", "--layer", "3,1,2", "--layer", "3,1,2")
    assert field.output == plain_text(CASES["receptive_dilated"]())


def test_a_bank_question_is_explained_with_its_drawn_numbers() -> None:
    from cnnquiz.bank import generate_question, load_bank

    question = generate_question(load_bank().get("conv-result-bias"), 5)
    result = _explain("--template", "conv-result-bias", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("conv-result-bias (seed 5): A convolution layer")
    last_rows = [line.split() for line in result.output.strip().splitlines()[-len(question.answer):]]
    assert last_rows == [[str(v) for v in row] for row in question.answer]


def test_a_question_without_a_view_prints_its_working() -> None:
    result = _explain("--template", "conv-params-lecture", "--seed", "1")
    assert result.exit_code == 0 and "No step-by-step view for this question; the working: " in result.output


def test_an_output_size_question_counts_its_windows() -> None:
    from cnnquiz.bank import generate_question, load_bank

    question = generate_question(load_bank().get("conv-output-size-basic"), 1)
    result = _explain("--template", "conv-output-size-basic", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert f"windows so far: {question.answer - 1} + 1 = {question.answer}" in result.output
    size = _explain("output-size", "--size", "7", "--kernel-size", "3", "--stride", "2", "--padding", "1")
    assert size.output == (GOLDEN / "output_size_counted.txt").read_text(encoding="utf-8")


def test_errors_are_one_line_naming_the_option() -> None:
    bad_rows = _explain("conv2d", "--input", "1 2; 3", "--kernel", "1")
    assert bad_rows.exit_code == 2 and "error: --input: the rows have different lengths" in bad_rows.output
    channels = _explain("conv2d", "--input", "1 2; 3 4 | 1 2 3", "--kernel", "1")
    assert channels.exit_code == 2 and "--input: every channel must have the same size; got 2x2, 1x3" in channels.output
    too_big = _explain("conv2d", "--input", "1 2; 3 4", "--kernel", "1 0 1; 0 1 0; 1 0 1")
    assert too_big.exit_code == 2 and too_big.output.startswith("error: conv2d: ")
    bias = _explain("conv2d", "--input", "1 2; 3 4", "--kernel", "1", "--bias", "1 2")
    assert bias.exit_code == 2 and "--bias: give one number per filter (1)" in bias.output
    layer = _explain("receptive-field", "--layer", "3,x")
    assert layer.exit_code == 2 and "--layer 1: give kernel[,stride[,dilation]]" in layer.output
    unknown = _explain("--template", "no-such-template")
    assert unknown.exit_code == 2 and "unknown template 'no-such-template'" in unknown.output
    not_finite = _explain("conv2d", "--input", "nan inf; 1 2", "--kernel", "1")
    assert not_finite.exit_code == 2 and "--input: every value must be a finite number" in not_finite.output
    inf_bias = _explain("conv2d", "--input", "1 2; 3 4", "--kernel", "1", "--bias", "inf")
    assert inf_bias.exit_code == 2 and "--bias: must be a finite number; got 'inf'" in inf_bias.output
    for result in (bad_rows, channels, too_big, bias, layer, unknown, not_finite, inf_bias):
        assert len(result.output.strip().splitlines()) == 1


def test_explain_in_the_quiz_shows_the_last_answered_question() -> None:
    from cnnquiz.bank import generate_paper, load_bank

    paper = generate_paper(load_bank(), seed=1, count=2, topics=("conv_result",))
    first = paper.questions[0]
    result = runner.invoke(app, ["quiz", "--topic", "conv_result", "--count", "2", "--seed", "1"],
                           input="explain\nskip\nexplain\nskip\n", env=ENV)
    assert result.exit_code == 0, result.output
    assert "'explain' shows the question you just answered step by step; answer one first." in result.output
    after = result.output.split("your answer › explain", 2)[2]
    assert after.lstrip().startswith("conv2d: input " + "x".join(map(str, [len(first.params["x"]),
                                                                         len(first.params["x"][0]),
                                                                         len(first.params["x"][0][0])])))
    assert "Score: 0 / 2" in result.output
