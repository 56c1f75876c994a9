#!/usr/bin/env bash
# cnnquiz grade on a Slurm cluster: one array task per shard, then one merge job.
#
#   jobid=$(sbatch --parsable docs/grade-slurm.sh)
#   sbatch --dependency=afterok:"$jobid" docs/grade-slurm.sh merge
#
# Each task grades shard $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT (a stable hash of
# the student id picks it) into $OUT/shard-K with --resume, so a task that is re-queued
# continues where it stopped; `merge` combines the shards into $OUT/all. Set
# CNNQUIZ_SECRET in the environment sbatch passes on (it exports yours by default).
# See docs/sharding.md. tests/platforms/test_sharding_docs.py runs this script.
#SBATCH --job-name=cnnquiz-grade
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=01:00:00
#SBATCH --output=cnnquiz-grade-%A_%a.log
set -euo pipefail
SUBMISSIONS="${SUBMISSIONS:-submissions}"
OUT="${OUT:-graded}"

if [ "${1:-}" = merge ]; then
    cnnquiz merge "$OUT"/shard-* --out "$OUT/all"
    exit 0
fi

K="${SLURM_ARRAY_TASK_ID:?run this with sbatch (an array job)}"
N="${SLURM_ARRAY_TASK_COUNT:?run this with sbatch (an array job)}"
cnnquiz grade "$SUBMISSIONS" --out "$OUT/shard-$K" --shard "$K/$N" --jobs "${SLURM_CPUS_PER_TASK:-1}" --resume
