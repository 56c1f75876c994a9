"""YAML reading: the C loader (when PyYAML has libyaml) and the pure one agree."""

from __future__ import annotations

import pytest
import yaml

from cnnquiz.errors import BankError
from cnnquiz.paths import shipped_networks_dir, shipped_templates_dir
from cnnquiz.yamlfile import SAFE_LOADER, read_yaml, safe_load, strings_load

_SHIPPED = sorted(shipped_templates_dir().glob("*.yaml")) + sorted(shipped_networks_dir().glob("*.yaml"))
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


@needs_libyaml
def test_the_c_loader_is_used_when_present() -> None:
    assert SAFE_LOADER is yaml.CSafeLoader


@needs_libyaml
@pytest.mark.parametrize("path", _SHIPPED, ids=lambda p: p.name)
def test_c_and_pure_loaders_read_the_shipped_files_identically(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert safe_load(text) == safe_load(text, loader=yaml.SafeLoader)
    assert strings_load(text) == strings_load(text, loader=yaml.BaseLoader)


def test_strings_load_keeps_what_was_typed() -> None:
    assert strings_load("q1: 0.50\nq2: 1e3\nq3: yes\n") == {"q1": "0.50", "q2": "1e3", "q3": "yes"}


@pytest.mark.parametrize("loader", [yaml.SafeLoader, SAFE_LOADER])
def test_bad_yaml_names_the_file_and_line_with_either_loader(tmp_path, monkeypatch, loader) -> None:
    monkeypatch.setattr("cnnquiz.yamlfile.SAFE_LOADER", loader)
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\nb: [\n  c: d: e\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"bad\.yaml: line 3: invalid YAML: "):
        read_yaml(bad, BankError)
