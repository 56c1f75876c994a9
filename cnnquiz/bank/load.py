"""YAML template files -> validated :class:`Template` models, gathered into a :class:`Bank`.

Every problem becomes one line naming the file, the template and the field::

    templates/conv.yaml: template 'conv-output-size-basic': params.size.range: ...

``yaml.safe_load`` (libyaml's C loader when present) then ``model_validate``
(copier's habit); ``YAMLError`` and ``ValidationError`` are caught separately and
re-raised as :class:`BankError`. A directory's result is kept in a per-user cache
(:mod:`cnnquiz.bank.cache`) until one of its files, or cnnquiz, changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from pydantic import ValidationError

from cnnquiz.bank._checks import semantic_problems
from cnnquiz.bank.cache import cached_dir_problems
from cnnquiz.bank.schema import Template, TemplateFile
from cnnquiz.errors import BankError
from cnnquiz.paths import shipped_templates_dir

__all__ = ["Bank", "load_bank", "load_file", "file_problems", "bank_files", "collect"]


@dataclass(frozen=True)
class Bank:
    """The templates of one or more bank directories, sorted by (topic, difficulty, id)."""

    templates: tuple[Template, ...]
    dirs: tuple[Path, ...] = ()
    _by_id: dict[str, Template] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.templates, key=lambda t: (t.topic, t.difficulty, t.id)))
        object.__setattr__(self, "templates", ordered)
        self._by_id.update({t.id: t for t in ordered})

    def get(self, template_id: str) -> Template:
        """The template with this id (BankError naming the known ones if absent)."""
        try:
            return self._by_id[template_id]
        except KeyError:
            raise BankError(f"unknown template {template_id!r} (known: {', '.join(sorted(self._by_id))})") from None

    @property
    def topics(self) -> dict[str, list[Template]]:
        """Topic id -> its templates, topics sorted by name."""
        grouped: dict[str, list[Template]] = {}
        for t in self.templates:
            grouped.setdefault(t.topic, []).append(t)
        return dict(sorted(grouped.items()))

    def __len__(self) -> int:
        return len(self.templates)


def _display(directory: Path, path: Path, shipped: bool) -> str:
    rel = path.relative_to(directory).as_posix()
    return f"templates/{rel}" if shipped else (directory / rel).as_posix()


def bank_files(directory: Path) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files under ``directory``, in a stable order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BankError(f"{directory}: bank directory not found")
    files = [p for p in directory.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml")]
    return sorted(files, key=lambda p: p.relative_to(directory).as_posix())


def _pydantic_lines(error: ValidationError) -> list[str]:
    from cnnquiz.yamlfile import validation_problems

    problems = validation_problems(error, {"extra_forbidden": "unknown field"})
    return [f"{loc}: {msg}" if loc else msg for loc, msg in problems]


def _text(path: Path, data: bytes | None) -> str:
    """The file's text as ``read_text`` gives it (universal newlines), from ``data`` if read already."""
    if data is None:
        return Path(path).read_text(encoding="utf-8")
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def file_problems(path: Path, display: str | None = None, *,
                  data: bytes | None = None) -> tuple[list[Template], list[str]]:
    """Load one file (or ``data``, its bytes already read); return the valid templates and
    one line per problem."""
    # PyYAML loads only here: a bank served from the cache parses no YAML.
    import yaml

    from cnnquiz.yamlfile import describe_yaml_error, safe_load

    where = display or Path(path).as_posix()
    try:
        text = _text(path, data)
    except (OSError, UnicodeDecodeError) as error:
        return [], [f"{where}: cannot read: {error}"]
    try:
        raw = safe_load(text)
    except yaml.YAMLError as error:
        return [], [f"{where}: {describe_yaml_error(error)}"]
    if raw is None:
        return [], [f"{where}: empty file (expected a mapping with 'templates')"]
    if not isinstance(raw, dict):
        return [], [f"{where}: expected a mapping with 'templates' (a list of templates); got a {type(raw).__name__}"]
    try:
        wrapper = TemplateFile.model_validate(raw)
    except ValidationError as error:
        return [], [f"{where}: {line}" for line in _pydantic_lines(error)]
    templates: list[Template] = []
    problems: list[str] = []
    for index, item in enumerate(wrapper.templates):
        name = item.get("id") if isinstance(item, dict) else None
        label = f"template {name!r}" if isinstance(name, str) else f"template #{index + 1}"
        prefix = f"{where}: {label}"
        try:
            template = Template.model_validate(item)
        except ValidationError as error:
            problems.extend(f"{prefix}: {line}" for line in _pydantic_lines(error))
            continue
        found = semantic_problems(template)
        if found:
            problems.extend(f"{prefix}: {loc}: {msg}" for loc, msg in found)
            continue
        templates.append(template.with_source(where))
    return templates, problems


def load_file(path: Path, display: str | None = None) -> list[Template]:
    """The templates of one file; BankError (first problem) if any is invalid."""
    templates, problems = file_problems(path, display)
    _raise_first(problems)
    return templates


def _raise_first(problems: list[str]) -> None:
    if problems:
        more = f" (+{len(problems) - 1} more; see 'cnnquiz bank validate')" if len(problems) > 1 else ""
        raise BankError(problems[0] + more)


def _dir_problems(directory: Path, shipped: bool) -> tuple[list[Template], list[str]]:
    files = bank_files(directory)

    def compute(contents: dict[Path, bytes] | None) -> tuple[list[Template], list[str]]:
        templates: list[Template] = []
        problems: list[str] = []
        for path in files:  # the bytes the cache key hashed, when there are some
            data = contents.get(path) if contents is not None else None
            found, bad = file_problems(path, _display(directory, path, shipped), data=data)
            templates.extend(found)
            problems.extend(bad)
        return templates, problems

    return cached_dir_problems(directory, shipped, files, compute)


def collect(dirs: Sequence[Path], *, shipped: Path | None) -> tuple[list[Template], list[str]]:
    """Templates and problems of all directories, duplicates ids reported once each."""
    templates: list[Template] = []
    problems: list[str] = []
    sources = ([(shipped, True)] if shipped is not None else []) + [(Path(d), False) for d in dirs]
    for directory, is_shipped in sources:
        found, bad = _dir_problems(directory, is_shipped)
        templates.extend(found)
        problems.extend(bad)
    seen: dict[str, Template] = {}
    unique: list[Template] = []
    for t in templates:
        if t.id in seen:
            problems.append(
                f"{t.source}: template {t.id!r}: id: duplicate id (also in {seen[t.id].source})"
            )
            continue
        seen[t.id] = t
        unique.append(t)
    return unique, problems


def load_bank(dirs: Sequence[Path] | None = None, *, include_shipped: bool = True) -> Bank:
    """Load the shipped templates and/or the templates under ``dirs``.

    Parameters
    ----------
    dirs : sequence of paths, optional
        Extra bank directories (``--bank DIR``), searched recursively for ``*.yaml``.
    include_shipped : bool
        Also load :func:`cnnquiz.paths.shipped_templates_dir` (first).

    Raises
    ------
    BankError
        One line naming the file, the template and the field of the first problem.
    """
    extra = [Path(d) for d in (dirs or ())]
    shipped = shipped_templates_dir() if include_shipped else None
    if shipped is None and not extra:
        raise BankError("no bank directory: give --bank DIR or drop --no-shipped")
    templates, problems = collect(extra, shipped=shipped)
    _raise_first(problems)
    if not templates:
        places = ", ".join(str(d) for d in ([shipped] if shipped else []) + extra)
        raise BankError(f"no templates found in {places}")
    return Bank(tuple(templates), tuple(([shipped] if shipped else []) + extra))
