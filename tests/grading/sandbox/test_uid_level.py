"""The ``uid`` level: root, no namespaces, a private uid, Landlock where the kernel has it.

This machine's Python (pyenv under a mode-700 ``/root``) is not reachable by
other users, so here the level is unavailable, and says why. The tests that run
it start the grader with the same runtime bound under a traversable folder
(:func:`sandbox_helpers.run_at_uid_level`); the sandbox itself creates no
namespace. One hostile submission tries to read a root-only folder, the cnnquiz
source and another submission, to write outside its scratch folder, to fork
past ``nproc``, to pin shared memory and to make a user namespace.
"""

from __future__ import annotations

import errno
import json
import os

import pytest
from hostile_ipc import SOURCE
from sandbox_helpers import GOOD, new_marker, run_at_uid_level

from cnnquiz.errors import CnnquizError
from cnnquiz.grading.sandbox import IsolationLevel, detect_isolation, reset_detection
from cnnquiz.grading.sandbox.detect import why_unavailable
from cnnquiz.grading.sandbox.layout import runtime_world_accessible
from cnnquiz.grading.sandbox.levels import LEVELS

HOSTILE = GOOD + SOURCE + r'''

def whoami():
    return [os.getuid(), os.geteuid(), os.getgid(), len(os.getgroups())]


def can_read(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return 1
    except OSError:
        return 0


def writes_outside(paths):
    done = 0
    for path in paths:
        try:
            with open(path, "w") as handle:
                handle.write("x")
            done += 1
        except OSError:
            pass
    return done


def writes_here():
    with open("mine.txt", "w") as handle:
        handle.write("ok")
    return 1


def forks(n):
    children = []
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
    for pid in children:  # make room again for the calls that follow
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return len(children)
'''

_SCRIPT = r'''
import json, os, sys
from pathlib import Path
from cnnquiz.grading.sandbox import Call, IsolationLevel, Limits, run_submission
import cnnquiz

job = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(open("job.json"))
os.environ["CNNQUIZ_ISOLATION"] = "uid"  # no isolation= argument: the variable alone picks the level
source = str(Path(cnnquiz.__file__).resolve())
calls = [Call("whoami"), Call("can_read", (job["secret"],)), Call("can_read", (source,)),
         Call("can_read", (job["other"],)), Call("writes_outside", (job["outside"],)), Call("writes_here"),
         Call("forks", (40,)), Call("sysv_from_background", (16, 100)), Call("userns_tmpfs_mb", (100,)),
         Call("posix_shm_errno", (job["marker"],)), Call("conv2d_output_size", (32, 5), {"padding": 2})]
result = run_submission(Path(job["student"]), calls, limits=Limits(call_timeout_s=3.0, nproc=8))

# The same level on a kernel without Landlock: only file modes protect the grader.
import dataclasses, types
import cnnquiz.grading.sandbox.levels as levels
with_landlock = levels.LEVELS[IsolationLevel.UID].plan
def without_landlock(spec):
    launch = with_landlock(spec)
    launch.request["landlock"] = None
    return launch
levels.LEVELS = types.MappingProxyType({**levels.LEVELS, IsolationLevel.UID: dataclasses.replace(
    levels.LEVELS[IsolationLevel.UID], plan=without_landlock)})
modes_only = run_submission(Path(job["student"]), [Call("can_read", (job["secret"],)),
                            Call("writes_outside", ([job["results"] + "/grades.csv"],)), Call("writes_here")])
print(json.dumps({"isolation": result.isolation.value,
                  "outcomes": [[o.status.value, o.value, o.message] for o in result.outcomes],
                  "modes_only": [[o.status.value, o.value, o.message] for o in modes_only.outcomes]}))
'''


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("uidlevel")
    os.chmod(root, 0o755)  # like /autograder: traversable; the secrets below are not
    secret_dir = root / "source"
    secret_dir.mkdir(mode=0o700)
    (secret_dir / "hidden_tests.yaml").write_text("answer: 42\n")
    (root / "results").mkdir(mode=0o700)  # what the bundle sets: chmod 700 .../results
    classroom = root / "submissions"
    for name, text in (("mallory", HOSTILE), ("alice", "SECRET = 'alice'\n")):
        (classroom / name).mkdir(parents=True)
        (classroom / name / "cnn.py").write_text(text)
    marker = new_marker()
    outside = [f"/tmp/{marker}", f"/var/tmp/{marker}", f"/dev/shm/{marker}", str(root / marker),
               str(classroom / "alice" / "cnn.py")]
    job = {"student": str(classroom / "mallory"), "secret": str(secret_dir / "hidden_tests.yaml"),
           "other": str(classroom / "alice" / "cnn.py"), "outside": outside, "marker": marker,
           "results": str(root / "results")}
    (root / "job.json").write_text(json.dumps(job))
    try:
        yield run_at_uid_level(_SCRIPT, root), job
    finally:
        for path in outside[:4]:
            if os.path.exists(path):
                os.unlink(path)


def _values(run) -> list:
    return [value for _, value, _ in run["outcomes"]]


def test_the_environment_variable_picks_the_uid_level(hostile_run):
    run, _ = hostile_run
    assert run["isolation"] == "uid"
    assert [status for status, _, _ in run["outcomes"]] == ["ok"] * 11, run["outcomes"]


def test_student_code_runs_as_a_private_unprivileged_uid(hostile_run):
    uid, euid, gid, groups = _values(hostile_run[0])[0]
    assert uid == euid == gid and uid > 65535 and groups == 0


def test_root_only_folder_cnnquiz_source_and_other_submissions_are_unreadable(hostile_run):
    assert _values(hostile_run[0])[1:4] == [0, 0, 0]


def test_only_the_scratch_folder_is_writable(hostile_run):
    run, job = hostile_run
    assert _values(run)[4:6] == [0, 1]
    assert not any(os.path.exists(path) for path in job["outside"][:4])
    assert open(job["other"]).read() == "SECRET = 'alice'\n"


def test_without_landlock_modes_700_still_keep_the_secret_and_the_results(hostile_run):
    run, job = hostile_run
    assert run["modes_only"] == [["ok", 0, ""], ["ok", 0, ""], ["ok", 1, ""]]
    assert os.listdir(job["results"]) == []


def test_the_process_limit_bites(hostile_run):
    started = _values(hostile_run[0])[6]
    assert 0 < started < 8  # nproc=8 counts the harness too


def test_shared_memory_and_user_namespaces_are_refused(hostile_run):
    values = _values(hostile_run[0])
    assert values[7] == 0  # SysV bytes pinned (1.6 GB tried)
    assert values[8] == -errno.EPERM
    assert values[9] in (errno.EACCES, errno.EPERM, errno.EROFS)
    assert values[10] == 32  # an honest function next to all that still works


def test_the_level_is_in_the_table_between_unshare_and_rlimits():
    order = list(LEVELS)
    assert order.index(IsolationLevel.UNSHARE) < order.index(IsolationLevel.UID) < order.index(IsolationLevel.RLIMITS)
    facts = LEVELS[IsolationLevel.UID]
    assert facts.needs_root and not facts.namespaces and facts.tool is None


@pytest.mark.skipif(runtime_world_accessible(), reason="this runtime is reachable by other users")
def test_an_unreachable_runtime_makes_the_level_unavailable_with_the_reason():
    assert "not searchable by other users" in why_unavailable(IsolationLevel.UID)
    with pytest.raises(CnnquizError, match="'uid' is not available"):
        detect_isolation(IsolationLevel.UID)


def test_the_environment_variable_is_checked_and_loses_to_the_argument(monkeypatch):
    monkeypatch.setenv("CNNQUIZ_ISOLATION", "jail")
    with pytest.raises(CnnquizError, match="CNNQUIZ_ISOLATION='jail' names no isolation level"):
        detect_isolation()
    monkeypatch.setenv("CNNQUIZ_ISOLATION", "RLIMITS")
    assert detect_isolation() is IsolationLevel.RLIMITS
    assert detect_isolation(IsolationLevel.BWRAP) in (IsolationLevel.BWRAP,)
    reset_detection()
    assert detect_isolation() is IsolationLevel.RLIMITS


def test_the_landlock_allow_list_leaves_out_hidden_folders_inside_readable_ones(tmp_path):
    from cnnquiz.grading.sandbox.levels.uid import allow_list

    site = tmp_path / "usr" / "lib" / "site-packages"
    for name in ("numpy", "cnnquiz", "torch", "yaml"):
        (site / name).mkdir(parents=True)
    (site / "six.py").write_text("")
    (tmp_path / "usr" / "bin").mkdir()
    allowed = allow_list([str(tmp_path / "usr"), "/etc"], [str(site / "cnnquiz"), str(site / "torch")],
                         import_dirs=[str(site), "/etc"])
    assert allowed.read == sorted(["/etc", str(tmp_path / "usr" / "bin"), str(site / "numpy"), str(site / "six.py"),
                                   str(site / "yaml")])
    # The split site folder must stay listable (the importer lists it to find numpy); the
    # split folders above it are no import folder and stay closed.
    assert allowed.list_only == [str(site)]


def test_a_root_with_nothing_hidden_below_it_is_never_list_only(tmp_path):
    from cnnquiz.grading.sandbox.levels.uid import allow_list

    (tmp_path / "site" / "numpy").mkdir(parents=True)
    allowed = allow_list([str(tmp_path / "site")], [str(tmp_path / "elsewhere")], import_dirs=[str(tmp_path / "site")])
    assert allowed == ([str(tmp_path / "site")], [])


def test_a_site_folder_inside_the_standard_library_leaves_both_listable(tmp_path):
    from cnnquiz.grading.sandbox.levels.uid import allow_list

    # The layout of a Python built into /usr/local (the python Docker images).
    stdlib = tmp_path / "local" / "lib" / "python3.11"
    site = stdlib / "site-packages"
    for folder in (site / "numpy", site / "cnnquiz", stdlib / "json"):
        folder.mkdir(parents=True)
    (stdlib / "os.py").write_text("")
    allowed = allow_list([str(tmp_path / "local")], [str(site / "cnnquiz")], import_dirs=[str(stdlib), str(site)])
    assert allowed.list_only == [str(stdlib), str(site)]
    assert allowed.read == [str(stdlib / "json"), str(stdlib / "os.py"), str(site / "numpy")]
