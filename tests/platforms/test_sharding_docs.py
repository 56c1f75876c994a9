"""The documented sharded-grading recipes, run here: their commands give one ``cnnquiz grade``'s gradebook.

The commands are read out of the files users copy (docs/grade-sharded.yml, docs/grade-slurm.sh),
so the documentation cannot drift from what works.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from platform_helpers import EXAMPLES, ROOT, forced_level

DOCS = ROOT / "docs"
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _class(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "submissions")
    return tmp_path


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CNNQUIZ_", "SLURM_"))}
    # The cnnquiz command of this Python first on PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["CNNQUIZ_ISOLATION"] = forced_level()
    return env


def _bash(command: str, cwd: Path, env: dict[str, str]) -> None:
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, f"{command}\n{run.stdout}\n{run.stderr}"


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The gradebook of one unsharded ``cnnquiz grade`` of the whole class."""
    workdir = _class(tmp_path_factory.mktemp("single"))
    _bash("cnnquiz grade submissions --out single", workdir, _env())
    return (workdir / "single" / "grades.csv").read_text(encoding="utf-8")


def _expand(command: str, values: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"the workflow uses ${{{{ {name} }}}}, which this test does not know"
        return values[name]

    return _EXPRESSION.sub(value, command)


def _step(job: dict, name: str) -> dict:
    (step,) = [step for step in job["steps"] if step.get("name") == name]
    return step


def test_the_actions_matrix_and_its_merge_give_one_runs_gradebook(tmp_path: Path, one_run: str) -> None:
    workflow = yaml.safe_load((DOCS / "grade-sharded.yml").read_text(encoding="utf-8"))
    grade, merge = workflow["jobs"]["grade"], workflow["jobs"]["merge"]
    shards = grade["strategy"]["matrix"]["shard"]
    assert merge["needs"] == "grade" and len(shards) > 1
    workdir = _class(tmp_path)
    for shard in shards:  # one matrix job each; upload + download-artifact put each output in out/shard-K
        step = _step(grade, "Grade one shard")
        _bash(_expand(step["run"], {"matrix.shard": str(shard), "strategy.job-total": str(len(shards)),
                                    "secrets.CNNQUIZ_SECRET": ""}), workdir, _env())
        assert (workdir / "out" / f"shard-{shard}").is_dir()
    (download,) = [step for step in merge["steps"] if str(step.get("uses", "")).startswith("actions/download-artifact")]
    assert download["with"] == {"pattern": "shard-*", "path": "out"}  # one folder per artifact: out/shard-K
    _bash(_expand(_step(merge, "Merge the shards")["run"], {}), workdir, _env())
    merged = (workdir / "grades" / "grades.csv").read_text(encoding="utf-8")
    assert merged == one_run
    assert merged.count("\n") == 1 + sum(1 for p in EXAMPLES.iterdir() if p.is_dir())


def test_the_slurm_array_script_and_its_merge_give_one_runs_gradebook(tmp_path: Path, one_run: str) -> None:
    script = DOCS / "grade-slurm.sh"
    (first, last), = re.findall(r"^#SBATCH --array=(\d+)-(\d+)$", script.read_text(encoding="utf-8"), re.MULTILINE)
    tasks = range(int(first), int(last) + 1)
    workdir = _class(tmp_path)
    for task in tasks:  # what sbatch --array does, one task after another
        env = _env() | {"SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_COUNT": str(len(tasks)),
                        "SLURM_CPUS_PER_TASK": "1"}
        _bash(f"bash {script}", workdir, env)
    _bash(f"bash {script} merge", workdir, _env())
    assert (workdir / "graded" / "all" / "grades.csv").read_text(encoding="utf-8") == one_run


def test_the_slurm_script_refuses_to_run_outside_an_array_job(tmp_path: Path) -> None:
    run = subprocess.run(["bash", str(DOCS / "grade-slurm.sh")], cwd=tmp_path, env=_env(), capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode != 0 and "run this with sbatch (an array job)" in run.stderr


@pytest.mark.parametrize("name", ["grade-sharded.yml", "cnnquiz-check.yml"])
def test_workflows_install_cnnquiz_from_a_source_that_exists(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    assert "cnnquiz==" not in text  # cnnquiz is not on the package index
    assert "git+https://github.com/OWNER/cnnquiz@v" in text
    assert "cache: pip" in text
