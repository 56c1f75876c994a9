"""The golden generator needs PyTorch, which is never a test dependency: do not collect it
(``--doctest-modules`` would import it)."""

collect_ignore = ["golden/make_goldens.py"]
