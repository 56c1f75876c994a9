#!/usr/bin/env bash
# Packaging smoke job: build the sdist and the wheel, install the wheel in a fresh venv
# (no system site-packages; dependencies from the package index), and from a folder
# outside the repository run every command a user runs, asserting on their outputs.
# Then build the Gradescope bundle with that wheel and run it as Gradescope does.
#
#   tools/smoke_wheel.sh            # from anywhere; needs python3 with `build` (test extra)
#
# The wheel is built from the sdist (python -m build does that), so a file missing from
# the sdist fails here too.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d /tmp/cnnquiz-smoke.XXXXXX)"
chmod 755 "$WORK"  # the sandbox's private uid must be able to reach the venv's interpreter
trap 'rm -rf "$WORK"' EXIT
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
STEPS=0
step() { STEPS=$((STEPS + 1)); echo "smoke: $*"; }

step "building the sdist and the wheel"
"$PY" -m build --outdir "$WORK/dist" "$REPO" >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; fail "build"; }
WHEEL="$(ls "$WORK"/dist/cnnquiz-*.whl)"
SDIST="$(ls "$WORK"/dist/cnnquiz-*.tar.gz)"
"$PY" - "$WHEEL" "$SDIST" <<'EOF' || fail "archive contents"
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
assert tops == {"cnnquiz"}, f"top-level names in the wheel: {sorted(tops)}"
for data in ("cnnquiz/question_bank/networks/vgg16.yaml", "cnnquiz/question_bank/assignments/cnn.yaml"):
    assert data in names, f"{data} missing from the wheel"
assert sum(n.startswith("cnnquiz/question_bank/templates/") for n in names) >= 10, "templates missing"
top_level = [n for n in names if n.endswith(".dist-info/top_level.txt")]
assert not top_level or zipfile.ZipFile(wheel).read(top_level[0]).split() == [b"cnnquiz"]
members = tarfile.open(sdist).getnames()
assert any(m.endswith("/question_bank/networks/vgg16.yaml") for m in members), "question_bank missing from the sdist"
print(f"smoke: {len(names)} files in the wheel, {len(members)} in the sdist; only cnnquiz at the top")
EOF

step "installing the wheel in a fresh venv"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$WHEEL" 2>&1 | grep -v "^WARNING: Location" || true
CNNQUIZ="$WORK/venv/bin/cnnquiz"
[ -x "$CNNQUIZ" ] || fail "the wheel installed no cnnquiz command"

OUTSIDE="$WORK/elsewhere"
mkdir -p "$OUTSIDE"
cd "$OUTSIDE"
export NO_COLOR=1 COLUMNS=200
check() { "$WORK/venv/bin/python" -c "$1" "${@:2}" || fail "$1"; }

step "version, topics, summary"
version="$("$CNNQUIZ" --version)"
[ "$version" = "cnnquiz $("$PY" -c "import sys; sys.path.insert(0, '$REPO'); import cnnquiz; print(cnnquiz.__version__)")" ] \
    || fail "--version printed '$version'"
"$CNNQUIZ" topics >topics.txt
grep -Eq "^[0-9]+ templates in [0-9]+ topics" topics.txt || fail "topics: $(head -1 topics.txt)"
"$CNNQUIZ" summary vgg16 --json >vgg16.json
check "import json,sys; d=json.load(open('vgg16.json')); assert d['total_params'] == 138357544, d['total_params']"

step "generate in every format (same output as the checkout's)"
formats="$("$WORK/venv/bin/python" -c "from cnnquiz.bank.export import ExportFormat; print(' '.join(f.value for f in ExportFormat))")"
for fmt in $formats; do
    "$CNNQUIZ" generate --seed 7 --count 5 --format "$fmt" --out "paper.$fmt"
    (cd "$REPO" && "$PY" -m cnnquiz generate --seed 7 --count 5 --format "$fmt" --out "$OUTSIDE/checkout.$fmt")
    cmp -s "paper.$fmt" "checkout.$fmt" || fail "generate --format $fmt differs from the checkout's"
    case "$fmt" in
        json) check "import json; d=json.load(open('paper.json')); assert d['seed'] == 7 and len(d['questions']) == 5" ;;
        moodle-xml) check "import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])" "paper.$fmt" ;;
        qti) check "import sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1]); xml = [n for n in z.namelist() if n.endswith('.xml')]
assert xml, z.namelist(); [ET.fromstring(z.read(n)) for n in xml]" "paper.$fmt" ;;
        *) [ -s "paper.$fmt" ] || fail "generate --format $fmt wrote nothing" ;;
    esac
done
step "formats checked: $formats"

step "a piped quiz answered from the key"
"$CNNQUIZ" generate --seed 11 --count 3 --topic output_size --format json --out quiz.json
check "import json; [print(q['answer']) for q in json.load(open('quiz.json'))['questions']]" >answers.txt
"$CNNQUIZ" quiz --seed 11 --count 3 --topic output_size <answers.txt >quiz.txt
grep -q "Score: 3 / 3" quiz.txt || fail "quiz: $(tail -3 quiz.txt)"

step "grade the shipped examples (same scores as the checkout's) and check one student"
cp -r "$REPO/submissions/examples" submissions
"$CNNQUIZ" grade submissions --out graded >/dev/null
(cd "$REPO" && "$PY" -m cnnquiz grade "$OUTSIDE/submissions" --out "$OUTSIDE/graded-checkout" >/dev/null)
cmp -s graded/grades.csv graded-checkout/grades.csv || fail "grades differ: $(diff graded/grades.csv graded-checkout/grades.csv)"
check "import csv; rows={r['student']: r for r in csv.DictReader(open('graded/grades.csv'))}; a=rows['alice_correct']; assert a['score'] == a['max_score'] != '0', a; assert float(rows['bob_flipped_kernel']['score']) < float(a['score'])"
"$CNNQUIZ" check submissions/alice_correct >check.txt || fail "check alice_correct exited $?"
grep -q "PASS" check.txt || fail "check: $(tail -2 check.txt)"
if "$CNNQUIZ" check submissions/bob_flipped_kernel >check-bob.txt; then fail "check passed a flipped kernel"; fi
grep -q "FAIL" check-bob.txt || fail "check bob: $(tail -2 check-bob.txt)"

step "autograder bundles: built from the checkout, or from --wheel when installed"
(cd "$REPO" && "$PY" -m cnnquiz autograder prairielearn --out "$OUTSIDE/pl-from-checkout" >/dev/null)
ls "$OUTSIDE"/pl-from-checkout/cnnquiz-*-py3-none-any.whl >/dev/null || fail "no wheel built from the checkout"
check "import sys, zipfile, glob
wheel = glob.glob(sys.argv[1] + '/cnnquiz-*.whl')[0]
assert 'cnnquiz/question_bank/assignments/cnn.yaml' in zipfile.ZipFile(wheel).namelist(), wheel" "$OUTSIDE/pl-from-checkout"
if "$CNNQUIZ" autograder gradescope --out no-wheel.zip >no-wheel.txt 2>&1; then fail "bundled without a wheel"; fi
grep -q "pass --wheel FILE" no-wheel.txt || fail "no-wheel message: $(cat no-wheel.txt)"

step "the Gradescope bundle, set up and run as Gradescope does"
"$CNNQUIZ" autograder gradescope --wheel "$WHEEL" --out autograder.zip >/dev/null
AG="$WORK/autograder"
export CNNQUIZ_VENV="$WORK/autograder-venv"   # setup.sh's venv (/opt/cnnquiz-venv on Gradescope)
mkdir -p "$AG/source" "$AG/submission"
(cd "$AG/source" && "$WORK/venv/bin/python" -m zipfile -e "$OUTSIDE/autograder.zip" .)
chmod +x "$AG/source/setup.sh" "$AG/source/run_autograder"
cp "$AG/source/run_autograder" "$AG/run_autograder"
# Gradescope's python3 is the system's: use it where there is one (an interpreter outside
# /root, which the private uid of the `uid` level can start), else this one.
SETUP_PATH="$WORK/venv/bin:$PATH"
if /usr/bin/python3 -c 'import ensurepip, sys; assert sys.version_info >= (3, 10)' >/dev/null 2>&1; then
    SETUP_PATH="/usr/bin:/bin"
fi
(cd "$AG/source" && PATH="$SETUP_PATH" AUTOGRADER_ROOT="$AG" bash ./setup.sh >"$WORK/setup.log" 2>&1) \
    || { tail -20 "$WORK/setup.log"; fail "setup.sh"; }
[ "$(stat -c %a "$AG/source")" = 700 ] && [ "$(stat -c %a "$AG/results")" = 700 ] \
    || fail "setup.sh left source/ or results/ readable"
# Inside Gradescope's container there are no namespaces: force the level that needs only root.
LEVEL=""
if PYTHONPATH="$CNNQUIZ_VENV/grader" "$CNNQUIZ_VENV/bin/python" -c "from cnnquiz.grading.sandbox import IsolationLevel, detect_isolation
detect_isolation(IsolationLevel('uid'))" >/dev/null 2>&1; then
    LEVEL=uid
fi

step "run_autograder grades as cnnquiz grade does, at isolation level ${LEVEL:-(the strongest available)}"
for student in alice_correct bob_flipped_kernel hana_notebook; do
    [ -d "submissions/$student" ] || continue
    rm -rf "$AG/submission" "$AG/results" && cp -r "submissions/$student" "$AG/submission"
    CNNQUIZ_ISOLATION="$LEVEL" AUTOGRADER_ROOT="$AG" bash "$AG/run_autograder" >/dev/null
    check "import csv, json, sys
d = json.load(open(sys.argv[1])); row = {r['student']: r for r in csv.DictReader(open('graded/grades.csv'))}[sys.argv[2]]
assert (d['score'], d['max_score']) == (float(row['score']), float(row['max_score'])), (d['score'], row, d['output'])
assert sys.argv[3] in ('', d['extra_data']['isolation']), d['extra_data']['isolation']" \
        "$AG/results/results.json" "$student" "$LEVEL"
done

step "a hostile submission reads and writes nothing of the grader's"
rm -rf "$AG/submission" "$AG/results" && mkdir "$AG/submission"
{
    echo "import os"
    echo "ROOT = '$AG'"
    cat <<'PY'
def _try(what, action):
    try:
        action()
        print(what, "SUCCEEDED")
    except Exception as error:
        print(what, "denied", type(error).__name__)
def _write(path):
    with open(path, "w") as handle:
        handle.write('{"score": 999}')
_try("read-assignment", lambda: open(os.path.join(ROOT, "source", "assignment.yaml")).read())
_try("list-source", lambda: os.listdir(os.path.join(ROOT, "source")))
_try("write-results", lambda: _write(os.path.join(ROOT, "results", "results.json")))
_try("write-source", lambda: _write(os.path.join(ROOT, "source", "pwned.txt")))
PY
    cat "submissions/alice_correct/cnn.py"
} >"$AG/submission/cnn.py"
CNNQUIZ_ISOLATION="$LEVEL" AUTOGRADER_ROOT="$AG" bash "$AG/run_autograder" >/dev/null
check "import json, sys
d = json.load(open(sys.argv[1])); out = d['output']
assert d['score'] == d['max_score'] > 0 and 'SUCCEEDED' not in out, out
assert all(f'{what} denied' in out for what in ('read-assignment', 'list-source', 'write-results', 'write-source')), out" \
    "$AG/results/results.json"
[ ! -e "$AG/source/pwned.txt" ] || fail "the hostile submission wrote into source/"

step "the PrairieLearn entry point on a /grade layout, at isolation level ${LEVEL:-(the strongest available)}"
"$CNNQUIZ" autograder prairielearn --wheel "$WHEEL" --out pl-grader >/dev/null
GRADE="$WORK/grade"
mkdir -p "$GRADE/student" "$GRADE/tests" "$GRADE/data"
echo '{"correct_answers": {"secret": 1}, "variant_seed": 7}' >"$GRADE/data/data.json"
{
    echo "import os"
    echo "ROOT = '$GRADE'"
    cat <<'PY'
def _try(what, action):
    try:
        action()
        print(what, "SUCCEEDED")
    except Exception as error:
        print(what, "denied", type(error).__name__)
_try("read-tests", lambda: os.listdir(os.path.join(ROOT, "tests")))
_try("read-data", lambda: open(os.path.join(ROOT, "data", "data.json")).read())
PY
    cat "submissions/bob_flipped_kernel/cnn.py"
} >"$GRADE/student/cnn.py"
# The image installs cnnquiz in /opt/cnnquiz/grader; here setup.sh's venv stands in for it.
PATH="$CNNQUIZ_VENV/bin:$PATH" PYTHONPATH="$CNNQUIZ_VENV/grader" PL_GRADE_ROOT="$GRADE" CNNQUIZ_ISOLATION="$LEVEL" \
    sh pl-grader/cnnquiz-grade >/dev/null
check "import csv, json, sys
d = json.load(open(sys.argv[1])); row = {r['student']: r for r in csv.DictReader(open('graded/grades.csv'))}['bob_flipped_kernel']
assert d['gradable'] is True and abs(d['score'] - float(row['score']) / float(row['max_score'])) < 1e-6, (d['score'], row)
assert 'SUCCEEDED' not in d['output'] and 'read-tests denied' in d['output'] and 'read-data denied' in d['output'], d['output']
assert sys.argv[2] in ('', d['extra_data']['isolation']), d['extra_data']" "$GRADE/results/results.json" "$LEVEL"

if [ "$LEVEL" = uid ]; then
    # Any normal install puts cnnquiz beside numpy in one site-packages: the uid level must
    # still let the student's importer list that folder (numpy) while hiding cnnquiz there.
    step "a normal install (cnnquiz beside numpy) checks and grades at isolation level uid"
    "$CNNQUIZ_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$WHEEL" 2>&1 \
        | grep -v "^WARNING: Location" || true
    env -u PYTHONPATH "$CNNQUIZ_VENV/bin/python" -m cnnquiz check submissions/alice_correct --isolation uid \
        >check-uid.txt 2>&1 || fail "check at uid beside numpy: $(tail -3 check-uid.txt)"
    grep -q "PASS" check-uid.txt || fail "check at uid beside numpy: $(tail -3 check-uid.txt)"
    if env -u PYTHONPATH "$CNNQUIZ_VENV/bin/python" -m cnnquiz check submissions/bob_flipped_kernel --isolation uid \
        >check-uid-bob.txt 2>&1; then fail "check at uid passed a flipped kernel"; fi
    grep -q "FAIL" check-uid-bob.txt || fail "check bob at uid: $(tail -3 check-uid-bob.txt)"
fi

step "the GitHub Classroom workflow's own steps in a student repository with the wheel committed"
STUDENT="$WORK/student-repo"
mkdir -p "$STUDENT/.cnnquiz" && cp "$WHEEL" "$STUDENT/.cnnquiz/" && cp submissions/alice_correct/cnn.py "$STUDENT/"
"$WORK/venv/bin/python" - "$REPO/docs/cnnquiz-check.yml" >"$WORK/steps.sh" <<'EOF'
import shlex, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["jobs"]["autograding"]
for step in job["steps"]:
    if step.get("name") in ("Install cnnquiz", "Run the public tests", "Points for GitHub Classroom"):
        print(f"echo {shlex.quote('workflow step: ' + step['name'])}")
        print(step["run"])
EOF
grep -q "Points for GitHub Classroom" "$WORK/steps.sh" || fail "the workflow's steps were not found"
(cd "$STUDENT" && PATH="$WORK/venv/bin:$PATH" CNNQUIZ="" MIN_SCORE="" GITHUB_OUTPUT="$WORK/github_output" \
    bash -euo pipefail "$WORK/steps.sh" >"$WORK/steps.log" 2>&1) || { tail -20 "$WORK/steps.log"; fail "workflow steps"; }
check "import base64, json, sys
line = [l for l in open(sys.argv[1]) if l.startswith('result=')][-1]
d = json.loads(base64.b64decode(line.split('=', 1)[1]))
assert d['status'] == 'pass' and sum(t['score'] for t in d['tests']) == d['max_score'] > 0, d" "$WORK/github_output"

# Every step's assertions passed (a failure exits above); the closing line CI reads.
echo "smoke: $STEPS passed, 0 failed"
