"""The one bounded walk of a submission: copy, scan and digest agree, and none can hang."""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

import pytest

from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox import submission_digest
from cnnquiz.grading.sandbox.intake import MAX_BYTES, read_bounded, walk
from cnnquiz.grading.sandbox.scan import forbidden_imports


def _student(tmp_path: Path, name: str = "student") -> Path:
    folder = tmp_path / name
    (folder / "helpers").mkdir(parents=True)
    (folder / "cnn.py").write_text("import numpy\n")
    (folder / "helpers" / "util.py").write_text("import torch\n")
    return folder


def test_links_and_special_files_are_skipped_never_followed(tmp_path):
    folder = _student(tmp_path)
    (folder / "passwd.py").symlink_to("/etc/passwd")
    (folder / "up").symlink_to(tmp_path)
    os.mkfifo(folder / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock"))
    try:
        intake = walk(folder)
    finally:
        sock.close()
    assert [(e.rel, e.kind) for e in intake.entries] == [("cnn.py", "file"), ("helpers", "dir"),
                                                         ("helpers/util.py", "file")]
    assert dict(intake.skipped) == {"passwd.py": "symlink", "up": "symlink", "pipe": "special file",
                                    "sock": "special file"}
    assert forbidden_imports(intake, ["torch", "jax"]) == ["torch"]


def test_a_folder_that_is_a_symlink_is_refused(tmp_path):
    folder = _student(tmp_path)
    (tmp_path / "alias").symlink_to(folder)
    with pytest.raises(GradingError, match="alias: submission folder not found"):
        walk(tmp_path / "alias")


def test_a_1100_deep_tree_is_walked_to_the_depth_cap_without_recursion(tmp_path):
    folder = _student(tmp_path)
    chain = [folder]
    for _ in range(1100):  # os.makedirs (and pytest's rmtree afterwards) would recurse too deeply
        chain.append(chain[-1] / "d")
        chain[-1].mkdir()
    (chain[-1] / "bottom.py").write_text("x = 1\n")
    try:
        intake = walk(folder)
        dirs = [e for e in intake.entries if e.rel.startswith("d")]
        assert len(dirs) == 63 and any("folders deep" in why for _, why in intake.skipped)
        assert len(submission_digest(folder)) == 64
    finally:
        (chain[-1] / "bottom.py").unlink()
        for path in reversed(chain[1:]):
            path.rmdir()


def test_a_sparse_2gib_file_is_refused_before_any_read(tmp_path):
    folder = _student(tmp_path)
    with open(folder / "big.bin", "wb") as handle:
        handle.truncate(2 << 30)
    start = time.perf_counter()
    digest = submission_digest(folder)
    assert time.perf_counter() - start < 1.0
    intake = walk(folder)
    assert "big.bin" in dict(intake.skipped) and intake.total_bytes < MAX_BYTES
    assert digest != submission_digest(_student(tmp_path, "twin"))  # the refused name still counts


def test_the_file_count_cap(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for index in range(30):
        (folder / f"f{index:02d}.txt").write_text("x")
    intake = walk(folder, max_files=10)
    assert len(intake.entries) == 10 and len(intake.skipped) == 20


def test_reads_stop_at_the_size_that_was_judged(tmp_path):
    folder = _student(tmp_path)
    entry = next(e for e in walk(folder).entries if e.rel == "cnn.py")
    with open(folder / "cnn.py", "a") as handle:
        handle.write("x" * 10_000)
    assert read_bounded(entry) == b"import numpy\n"


def test_the_digest_sees_every_change_a_grade_could_depend_on(tmp_path):
    base = _student(tmp_path, "base")
    reference = submission_digest(base)
    assert submission_digest(_student(tmp_path, "same")) == reference  # place does not matter

    def changed(edit) -> str:
        shutil.rmtree(tmp_path / "edit", ignore_errors=True)
        folder = _student(tmp_path, "edit")
        edit(folder)
        return submission_digest(folder)

    edits = {
        "cnn.py removed": lambda f: (f / "cnn.py").unlink(),
        "content": lambda f: (f / "cnn.py").write_text("import numpy as np\n"),
        "renamed": lambda f: (f / "cnn.py").rename(f / "cnn2.py"),
        "emptied": lambda f: (f / "cnn.py").write_text(""),
        "folder added": lambda f: (f / "empty").mkdir(),
        "dir became file": lambda f: (shutil.rmtree(f / "helpers"), (f / "helpers").write_text("")),
        "moved between folders": lambda f: (f / "helpers" / "util.py").rename(f / "util.py"),
        "non-UTF-8 name": lambda f: (f / os.fsdecode(b"caf\xe9.py")).write_text(""),
    }
    digests = {name: changed(edit) for name, edit in edits.items()}
    assert reference not in digests.values()
    assert len(set(digests.values())) == len(digests)
