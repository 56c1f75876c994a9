"""The sandbox's file-system layout when the Python environment lives under /tmp.

A virtual environment in /tmp (or a project checkout there) must be mounted on top of
the sandbox's empty /tmp, and every directory leading to it must be traversable by the
student's private uid (bwrap creates missing parents 0700).
"""

from __future__ import annotations

from pathlib import Path

from cnnquiz.grading.sandbox import layout
from cnnquiz.grading.sandbox.levels.bwrap import bwrap_options


def _fake_runtime(monkeypatch, site: str) -> None:
    exe = "/root/.pyenv/versions/3.11.7/bin/python3.11"
    monkeypatch.setattr(layout, "runtime_paths", lambda: (exe, ("/root/.pyenv/versions/3.11.7", site), (site,)))


def test_runtime_under_tmp_is_mounted_after_the_empty_tmp(monkeypatch, tmp_path: Path) -> None:
    site = "/tmp/venv/lib/python3.11/site-packages"
    _fake_runtime(monkeypatch, site)
    ops = layout.layout(tmp_path, [])
    kinds = [(op[0], op[-1] if op[0] != "workdir" else op[1]) for op in ops]
    assert kinds.index(("tmpfs", "/tmp")) < kinds.index(("ro", site))


def test_bwrap_creates_traversable_parents_inside_the_empty_tmp(monkeypatch, tmp_path: Path) -> None:
    site = "/tmp/venv/lib/python3.11/site-packages"
    _fake_runtime(monkeypatch, site)
    args = bwrap_options(layout.layout(tmp_path, []))
    bind = args.index(site) - 1
    assert args[bind] == "--ro-bind"
    for parent in ("/tmp/venv", "/tmp/venv/lib", "/tmp/venv/lib/python3.11"):
        at = args.index(parent)
        assert args[at - 3 : at] == ["--perms", "0755", "--dir"] and at < bind
    # Nothing is created inside a read-only bind (that would fail).
    assert "/usr/lib" not in [args[i + 1] for i, a in enumerate(args) if a == "--dir"]
