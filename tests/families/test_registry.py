"""The families' tables are merged into the core catalogue, whichever module is imported first."""

import subprocess
import sys

import pytest

from cnnquiz import mistakes
from cnnquiz.families import COMPUTATIONS, MISTAKES, WORKINGS, merge_into


def test_every_family_computation_is_in_the_core_tables():
    for key, computation in COMPUTATIONS.items():
        assert mistakes.COMPUTATIONS[key] is computation
        assert key in mistakes.WORKINGS, f"{key} has no working"
    for key, mistake in MISTAKES.items():
        assert mistakes.CATALOGUE[key] is mistake


def test_every_mistake_a_family_computes_is_explained():
    for computation in COMPUTATIONS.values():
        for key in computation.mistakes:
            assert key in mistakes.CATALOGUE, f"{computation.key}: mistake {key!r} is not in the catalogue"


def test_family_workings_only_for_family_computations():
    assert set(WORKINGS) == set(COMPUTATIONS)


def test_merging_twice_is_refused():
    with pytest.raises(RuntimeError, match="already defined in the core"):
        merge_into(dict(mistakes.COMPUTATIONS), {}, {})


@pytest.mark.parametrize("first", ["cnnquiz.families", "cnnquiz.families.cost", "cnnquiz.mistakes",
                                   "cnnquiz.computations", "cnnquiz.bank"])
def test_import_order_does_not_matter(first):
    code = f"import {first}; from cnnquiz import mistakes; assert 'conv2d_macs' in mistakes.COMPUTATIONS"
    subprocess.run([sys.executable, "-c", code], check=True)
