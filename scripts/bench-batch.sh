#!/usr/bin/env bash
# Batch Mode at scale: a BATCH_JOBS-job file (default 1,000,000) run with `--mode batch` against
# `gembatch mock` (its own process) on loopback. Samples the run's RSS and high-water mark every
# 0.2 s and prints the peak for each phase (load + shard + upload, create + poll, download +
# store), read back from the store's timestamps. Memory should stay flat in all of them.
#   scripts/bench-batch.sh            GEMBATCH_BIN=path to skip the release build
source "$(dirname "$0")/bench-common.sh"
build_release
export GEMINI_API_KEY=bench
N=${BATCH_JOBS:-1000000}
FILE="$BENCH_DIR/batch-$N.jsonl"
DB="$BENCH_DIR/batch.sqlite"
SAMPLES="$BENCH_DIR/batch-rss.txt"
[ -f "$FILE" ] || make_jobs "$FILE" "$N"
rm -f "$DB" "$DB"-wal "$DB"-shm "$SAMPLES"
start_mock PORT --batch-turnaround 2s
trap stop_mock EXIT
t0=$(now)
# One batch: the budget is raised so the whole file is one shard (the default would cut it into
# ~5 shards sent one after another, each under the per-model enqueued-token limit).
"$BIN" run "$FILE" --db "$DB" --endpoint "http://127.0.0.1:$PORT" --mode batch --poll 1s \
  --batch-max-tokens 1000000000 --progress log 2>"$BENCH_DIR/batch-run.log" >/dev/null &
RUN=$!
while kill -0 "$RUN" 2>/dev/null; do
  awk -v t="$(now)" '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {if (r) print t, r, h}' "/proc/$RUN/status" 2>/dev/null >>"$SAMPLES" || true
  sleep 0.2
done
wait "$RUN" && rc=0 || rc=$?
t1=$(now)
stop_mock; trap - EXIT
[ "$rc" -eq 0 ] || { echo "bench-batch: the run exited $rc"; tail -20 "$BENCH_DIR/batch-run.log"; exit 1; }
python3 - "$DB" "$SAMPLES" "$N" "$t0" "$t1" <<'PY'
import sqlite3, sys
db, samples, n, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
c = sqlite3.connect(db)
created, submitted = c.execute("SELECT MIN(created_at), MIN(submitted_at) FROM batches").fetchone()
first = c.execute("SELECT MIN(created_at) FROM results").fetchone()[0]  # the collection's start
last = c.execute("SELECT MAX(ended_at) FROM batches").fetchone()[0]
ok = c.execute("SELECT COUNT(*) FROM results").fetchone()[0]
rows = [tuple(map(float, l.split())) for l in open(samples) if len(l.split()) == 3]
def peak(a, b):
    xs = [r for t, r, h in rows if a <= t <= b]
    return max(xs) / 1024 if xs else float("nan")
print(f"batch: {n} jobs, {ok} results in {t1 - t0:.0f} s (whole command)")
print(f"  load + shard + upload  {created - t0:7.1f} s   peak RSS {peak(t0, created):6.1f} MB")
print(f"  create + poll          {first - created:7.1f} s   peak RSS {peak(created, first):6.1f} MB")
print(f"  download + store       {last - first:7.1f} s   peak RSS {peak(first, t1):6.1f} MB")
print(f"  whole run: peak RSS {max(r for _, r, _ in rows) / 1024:.1f} MB, high-water mark {max(h for _, _, h in rows) / 1024:.1f} MB")
PY
