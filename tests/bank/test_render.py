"""Rendering: grids of the question's matrices, lettered choices, coloured verdicts, the score table."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from rich.console import Console

from cnnquiz import mistakes
from cnnquiz.bank.answer_check import Graded, check, skipped
from cnnquiz.bank.question import AnswerKind, Question, WrongAnswer
from cnnquiz.bank.render import grid, param_grids, question_panel, score_table, summary_line, verdict_panel

LECTURE = dict(x=[[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]],
               weight=[[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]], bias=[1])


def _conv_question() -> Question:
    wrong = [WrongAnswer(mistake=k, value=np.asarray(v)[0].tolist())
             for k, v in mistakes.mistaken_values("conv2d", LECTURE).items()]
    return Question(id="q1", template="hand", topic="conv_result", difficulty=2, kind=AnswerKind.MATRIX,
                    prompt="Compute the feature map of [x] with the filter (stride 1).", params=LECTURE,
                    answer=np.asarray(mistakes.compute("conv2d", LECTURE))[0].tolist(),
                    computation="conv2d", wrong_answers=wrong, working=mistakes.working("conv2d", LECTURE))


def _text(renderable: Any, width: int = 90) -> str:
    console = Console(width=width, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


def test_question_shows_prompt_verbatim_and_matrices_as_grids_side_by_side() -> None:
    text = _text(question_panel(_conv_question(), 1, 5))
    assert "Question 1/5" in text and "conv_result" in text and "★★☆" in text
    assert "Compute the feature map of [x] with the filter (stride 1)." in text  # no markup eaten
    lines = text.splitlines()
    # the 5x5 image and the 3x3 weight share their first grid row
    assert any(line.count("│ 1 │ 1 │ 1 │ 0 │ 0 │") == 1 and "│ 1 │ 0 │ 1 │" in line for line in lines)
    assert "bias" in text


def test_param_grids_split_channels_and_filters_and_skip_shapes() -> None:
    params = {"x": np.zeros((2, 3, 3)).tolist(), "weight": np.ones((2, 2, 2, 2)).tolist(),
              "input_shape": [3, 32, 32], "kernel_size": 3, "layers": [{"kernel_size": 3}]}
    titles = [t.title for t in param_grids(params)]
    assert titles == ["x[0]", "x[1]", "weight[0, 0]", "weight[0, 1]", "weight[1, 0]", "weight[1, 1]"]


def test_grid_prints_integers_plainly_and_floats_short() -> None:
    text = _text(grid("m", [[1.0, 2.5], [1 / 3, -4.0]]))
    assert "│ 1 │" in text.replace("  ", " ") or "1 │ 2.5" in text
    assert "0.3333" in text and "-4" in text and "-4.0" not in text


def test_choices_are_lettered() -> None:
    q = Question(id="q2", template="hand", topic="concepts", difficulty=1, kind=AnswerKind.CHOICE,
                 prompt="Which order?", params={}, answer="conv -> pool", choices=["pool -> conv", "conv -> pool"])
    text = _text(question_panel(q, 2, 2))
    assert "(a) pool -> conv" in text and "(b) conv -> pool" in text and "a letter a-b" in text


def test_a_wrong_matrix_names_the_mistake_shows_both_grids_and_the_working() -> None:
    q = _conv_question()
    verdict = check(q, "4 3 4; 2 4 3; 2 3 4")  # the lecture's map without the bias of 1
    text = _text(verdict_panel(verdict, q))
    assert "✗ not right" in text
    assert "Mistake: the bias was forgotten — Each filter (or neuron) has one bias" in text
    assert "yours" in text and "answer" in text
    assert "Working:" in text and "cross-correlation" in text


def test_format_error_panel_is_a_hint() -> None:
    q = _conv_question()
    text = _text(verdict_panel(check(q, "4 3 4; 2 4"), q))
    assert "? not understood" in text and "different lengths" in text and "Working" not in text


def test_correct_verdict_is_short() -> None:
    q = _conv_question()
    text = _text(verdict_panel(check(q, "5 4 5; 3 5 4; 3 4 5"), q))
    assert "✓ correct" in text and "Working" not in text and "Mistake" not in text


def test_score_table_rows_and_total_equal_the_sum_of_credits() -> None:
    q = _conv_question()
    answers = ["5 4 5; 3 5 4; 3 4 5", "4 3 4; 2 4 3; 2 3 4", "5 4 5; 3 5 4; 3 4 0"]
    graded = [Graded(id=f"q{i}", topic=q.topic, template=q.template, answer=a, verdict=check(q, a))
              for i, a in enumerate(answers, 1)]
    graded.append(Graded(id="q4", topic=q.topic, template=q.template, answer=None, verdict=skipped(q)))
    text = _text(score_table(graded), width=120)
    rows = [line for line in text.splitlines() if re.match(r"\s*q\d", line)]
    assert [r.split()[0] for r in rows] == ["q1", "q2", "q3", "q4"]
    credits = [float(r.split()[-1]) for r in rows]
    assert credits == [1.0, 0.0, round(8 / 9, 2), 0.0]
    assert "the bias was forgotten" in rows[1] and "– skipped" in rows[3]
    assert "1.89 / 4" in text
    assert _text(summary_line(graded)).strip() == "Score: 1.89 / 4 (47%)"


def test_matrices_printed_in_the_prompt_become_grids_in_place() -> None:
    prompt = "The image\n\n    1  2\n   -3  4\n\nis convolved with the filter\n\n    0.5  1/2\n\nGive the output."
    q = Question(id="q1", template="hand", topic="t", difficulty=1, kind=AnswerKind.INTEGER, prompt=prompt,
                 params={"x": [[[1, 2], [-3, 4]]], "w": [[[[0.5, 0.5]]]]}, answer=1)
    lines = _text(question_panel(q)).splitlines()
    order = [i for i, line in enumerate(lines) if any(s in line for s in
             ("The image", "│  1 │ 2 │", "│ -3 │ 4 │", "is convolved", "│ 0.5 │ 0.5 │", "Give the output"))]
    assert len(order) == 6 and order == sorted(order)  # text, grid rows, text, grid, text: in place
    assert sum("┌" in line for line in lines) == 2  # no second copy of the matrices from params
