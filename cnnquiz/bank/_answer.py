"""Moved to :mod:`cnnquiz.bank.answer_key` (the key of one draw); this name stays for old importers."""

from cnnquiz.bank.answer_key import Evaluated, answer_rejection, evaluate, normalize

__all__ = ["Evaluated", "evaluate", "answer_rejection", "normalize"]
