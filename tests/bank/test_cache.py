"""The validated-bank cache: a hit gives exactly what a fresh load gives, and any change
to a bank file, to cnnquiz's code or to the cache file itself means a fresh load."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from cnnquiz.bank import cache, load_bank
from cnnquiz.bank import load as load_module

TEMPLATE = """\
templates:
  - id: cache-demo
    topic: output_size
    difficulty: 1
    kind: integer
    prompt: >
      A single-channel image of size {size}x{size} is convolved with a
      {kernel_size}x{kernel_size} kernel, stride 1 and padding 0. Output height?
    params:
      size: {range: [5, 9]}
      kernel_size: {choices: [3]}
    answer:
      computation: conv2d_output_size
      args: {size: size, kernel_size: kernel_size, padding: 0}
"""

@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(root))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    return root


@pytest.fixture
def counted(monkeypatch):
    """How many times a bank file was really parsed and validated."""
    calls = []
    real = load_module.file_problems

    def spy(path, display=None, **kwargs):
        calls.append(Path(path).name)
        return real(path, display, **kwargs)

    monkeypatch.setattr(load_module, "file_problems", spy)
    return calls


def _ids(bank):
    return [t.id for t in bank.templates]


def test_a_hit_equals_a_fresh_load_and_parses_nothing(cache_root, counted):
    first = load_bank()
    parsed = len(counted)
    assert parsed >= 20  # every shipped file, the first time
    second = load_bank()
    assert len(counted) == parsed  # the second load parsed no file
    assert second.templates == first.templates
    assert [t.source for t in second.templates] == [t.source for t in first.templates]
    assert list(cache_root.glob("bank/*.pickle"))


def test_the_cache_file_is_private(cache_root):
    load_bank()
    (path,) = cache_root.glob("bank/*.pickle")
    assert path.stat().st_mode & 0o777 == 0o600


def _write_bank(folder: Path, size_range: str = "[5, 9]") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.yaml"
    path.write_text(TEMPLATE.replace("[5, 9]", size_range), encoding="utf-8")
    return path


def _own_bank(folder):
    return load_bank([folder], include_shipped=False)


def test_an_edit_of_the_same_size_within_one_clock_tick_is_seen(cache_root, tmp_path, counted):
    path = _write_bank(tmp_path / "bank")
    stamp = path.stat().st_mtime_ns
    assert _own_bank(path.parent).get("cache-demo").params["size"].draw.range == (5, 9)
    _write_bank(path.parent, "[6, 8]")  # same length
    os.utime(path, ns=(stamp, stamp))  # and the same modification time
    assert _own_bank(path.parent).get("cache-demo").params["size"].draw.range == (6, 8)
    assert counted == ["demo.yaml", "demo.yaml"]


def test_a_problem_is_reported_again_from_the_cache(cache_root, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "bad.yaml").write_text("templates:\n  - id: x\n    topic: t\n", encoding="utf-8")
    with pytest.raises(Exception) as first:
        _own_bank(folder)
    with pytest.raises(Exception) as second:
        _own_bank(folder)
    assert str(second.value) == str(first.value)
    assert "bad.yaml" in str(first.value)


def test_a_changed_cnnquiz_file_means_a_fresh_load(cache_root, counted, monkeypatch):
    load_bank()
    parsed = len(counted)
    stamp = cache._code_stamp()
    monkeypatch.setattr(cache, "_code_stamp", lambda: (*stamp, ("bank/schema.py", 1, 1)))
    load_bank()
    assert len(counted) == 2 * parsed


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong shape", "other key"])
def test_a_damaged_cache_file_means_a_fresh_load(cache_root, counted, damage):
    first = load_bank()
    parsed = len(counted)
    (path,) = cache_root.glob("bank/*.pickle")
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a pickle")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "wrong shape":
        key, _ = _records(path)
        path.write_bytes(pickle.dumps(key) + pickle.dumps({"templates": []}))
    else:
        key, (templates, problems) = _records(path)
        path.write_bytes(pickle.dumps("0" * 64) + pickle.dumps((templates[:1], problems)))
    path.chmod(0o600)
    assert load_bank().templates == first.templates
    assert len(counted) == 2 * parsed


def _records(path):
    """A cache file's two pickles: the key, then (templates, problems)."""
    with open(path, "rb") as handle:
        return pickle.load(handle), pickle.load(handle)


def _plant_shorter_bank(path):
    key, (templates, problems) = _records(path)
    path.write_bytes(pickle.dumps(key) + pickle.dumps((templates[:1], problems)))


def test_a_planted_file_of_the_right_mode_is_read(cache_root):
    """The control for the tests below: a shorter bank under the right key and mode is served."""
    load_bank()
    (path,) = cache_root.glob("bank/*.pickle")
    _plant_shorter_bank(path)
    assert len(load_bank()) == 1


def test_a_cache_others_can_write_is_not_read(cache_root, counted):
    load_bank()
    parsed = len(counted)
    (path,) = cache_root.glob("bank/*.pickle")
    _plant_shorter_bank(path)
    path.chmod(0o666)
    assert len(load_bank()) > 1
    assert len(counted) == 2 * parsed


def test_a_cache_folder_others_can_write_is_not_read(cache_root, counted):
    load_bank()
    (path,) = cache_root.glob("bank/*.pickle")
    _plant_shorter_bank(path)
    path.parent.chmod(0o777)
    try:
        assert len(load_bank()) > 1
    finally:
        path.parent.chmod(0o700)


def test_a_symlinked_cache_file_is_not_followed(cache_root, tmp_path):
    load_bank()
    (path,) = cache_root.glob("bank/*.pickle")
    planted = tmp_path / "planted.pickle"
    planted.write_bytes(path.read_bytes())
    planted.chmod(0o600)
    _plant_shorter_bank(planted)
    path.unlink()
    path.symlink_to(planted)
    assert len(load_bank()) > 1


def test_a_symlinked_cache_folder_is_not_followed(cache_root, tmp_path):
    load_bank()
    (path,) = cache_root.glob("bank/*.pickle")
    elsewhere = tmp_path / "elsewhere"
    path.parent.rename(elsewhere)
    _plant_shorter_bank(elsewhere / path.name)
    (cache_root / "bank").symlink_to(elsewhere)
    assert len(load_bank()) > 1


def test_a_file_changed_while_it_is_parsed_is_cached_under_what_was_parsed(cache_root, tmp_path, monkeypatch):
    """The bytes hashed for the key are the bytes parsed: an edit in between (an editor
    saving) can't store the new content's templates under the old content's key."""
    path = _write_bank(tmp_path / "bank")
    real = load_module.file_problems
    edits = []

    def edited_meanwhile(file, display=None, **kwargs):
        if not edits:
            _write_bank(path.parent, "[6, 8]")  # saved after the key was made, before parsing
            edits.append(file)
        return real(file, display, **kwargs)

    monkeypatch.setattr(load_module, "file_problems", edited_meanwhile)
    assert _own_bank(path.parent).get("cache-demo").params["size"].draw.range == (5, 9)
    monkeypatch.setattr(load_module, "file_problems", real)
    _write_bank(path.parent)  # back to the content the key was made of
    assert _own_bank(path.parent).get("cache-demo").params["size"].draw.range == (5, 9)
    assert edits


def test_no_cache_turns_it_off(cache_root, counted, monkeypatch):
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    load_bank()
    load_bank()
    assert not cache_root.exists()
    assert len(counted) == 2 * len(set(counted))


def test_an_unwritable_cache_folder_still_loads(tmp_path, monkeypatch, counted):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocked))
    assert len(load_bank()) > 100


def test_the_shipped_bank_has_one_cache_file_wherever_it_was_extracted(cache_root, tmp_path, monkeypatch, counted):
    """A zip import extracts the shipped bank to a new folder in every process."""
    import shutil

    from cnnquiz import paths

    shipped = paths.shipped_templates_dir()
    for n in range(2):
        copy = tmp_path / f"extracted{n}" / "templates"
        shutil.copytree(shipped, copy)
        monkeypatch.setattr(load_module, "shipped_templates_dir", lambda copy=copy: copy)
        load_bank()
    assert len(list(cache_root.glob("bank/*.pickle"))) == 1
    assert len(counted) == len(set(counted))  # the second folder was served from the cache


def test_a_bank_folder_is_named_as_the_user_spelled_it_this_time(cache_root, tmp_path, monkeypatch):
    path = _write_bank(tmp_path / "bank")
    monkeypatch.chdir(tmp_path)
    assert _own_bank(Path("bank")).get("cache-demo").source == "bank/demo.yaml"
    assert _own_bank(path.parent).get("cache-demo").source == (path.parent / "demo.yaml").as_posix()


def test_files_unused_for_a_month_are_removed_and_a_hit_keeps_its_own(cache_root, tmp_path):
    load_bank()
    (own,) = cache_root.glob("bank/*.pickle")
    month = cache.UNUSED_DAYS * 86400 + 60
    old = own.stat().st_mtime - month
    os.utime(own, (old, old))
    load_bank()  # a hit renews the file's time
    assert own.stat().st_mtime > old + month - 120
    stale, recent = own.parent / "gone-install.pickle", own.parent / "other-install.pickle"
    for path, age in ((stale, month), (recent, 86400)):
        path.write_bytes(b"x")
        os.utime(path, (own.stat().st_mtime - age, own.stat().st_mtime - age))
    _own_bank(_write_bank(tmp_path / "bank").parent)  # a miss: writes, then prunes
    assert not stale.exists() and recent.exists() and own.exists()


def test_nothing_is_written_or_removed_through_a_linked_cache_folder(cache_root, tmp_path):
    elsewhere = tmp_path / "someone-elses-files"
    elsewhere.mkdir()
    keep = elsewhere / "old.pickle"
    keep.write_bytes(b"not ours to remove")
    os.utime(keep, (0, 0))
    cache_root.mkdir()
    (cache_root / "bank").symlink_to(elsewhere)
    assert len(load_bank()) > 100
    assert keep.exists() and [p.name for p in elsewhere.iterdir()] == ["old.pickle"]
