"""The question bank: templates as data -> seeded questions and papers -> exports.

>>> from cnnquiz.bank import load_bank, generate_paper
>>> paper = generate_paper(load_bank(), seed=1, count=3)
>>> len(paper.questions)
3
"""

from __future__ import annotations

from cnnquiz.bank.generate import generate_paper, generate_question, student_seed
from cnnquiz.bank.load import Bank, load_bank
from cnnquiz.bank.question import AnswerKind, Paper, Question, Tolerance, WrongAnswer
from cnnquiz.bank.schema import Template

__all__ = [
    "load_bank",
    "generate_paper",
    "generate_question",
    "student_seed",
    "Bank",
    "Template",
    "AnswerKind",
    "Paper",
    "Question",
    "Tolerance",
    "WrongAnswer",
]
