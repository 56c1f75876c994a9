"""Suite-wide set-up: the bank cache of this run lives in a fresh folder of its own.

So no test reads a cache left by another run, and none writes into the user's real
cache folder; tests of the cache itself (``tests/bank/test_cache.py``) set their own.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_CACHE_ROOT = tempfile.mkdtemp(prefix="cnnquiz-test-cache-")
os.environ["CNNQUIZ_CACHE_DIR"] = _CACHE_ROOT  # subprocesses of the tests inherit it
os.environ.pop("CNNQUIZ_NO_CACHE", None)


def pytest_unconfigure(config):  # noqa: ARG001 - pytest's hook signature
    shutil.rmtree(_CACHE_ROOT, ignore_errors=True)
