"""Adaptive practice: the answer history (SQLite) and the scheduler that picks the next question.

See :mod:`cnnquiz.practice.scheduler` for the model (Leitner boxes, Elo ratings per topic,
weights from the named mistakes a student keeps making).
"""
