#!/usr/bin/env bash
# Structured output under faults: 2,000 JSON-mode jobs against `gembatch mock` with
# --fault-rate invalid-json=0.15,schema-violation=0.1,fenced-json=0.1, run at --repair 0, 1 and 2.
# For each: the share of usable answers (obtained valid / repaired_*), how each was obtained, and
# the extra attempts per job (attempts.purpose = reask or grow).
#   scripts/bench-repair.sh            (REPAIR_JOBS=2000, REPAIRS="0 1 2", SEED=14)
# Needs the scheduler's repair wiring for re-asks: without it --repair N>0 still gives the free
# local repair (fences, prose), but no re-ask is sent, so --repair 1 and 2 read as --repair 1.
source "$(dirname "$0")/bench-common.sh"
build_release
export GEMINI_API_KEY=bench
N=${REPAIR_JOBS:-2000}
REPAIRS=${REPAIRS:-"0 1 2"}
SEED=${SEED:-14}
FAULTS="invalid-json=0.15,schema-violation=0.1,fenced-json=0.1"

# 2,000 extraction jobs over a few schemas (objects with required fields, enums, arrays, nesting).
python3 - "$BENCH_DIR/repair.jsonl" "$N" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
schemas = [
    {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name", "age"]},
    {"type": "object", "properties": {"sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]},
                                      "score": {"type": "number"}}, "required": ["sentiment", "score"]},
    {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                                      "title": {"type": "string"}}, "required": ["tags", "title"]},
    {"type": "object", "properties": {"invoice": {"type": "object", "properties": {"total": {"type": "number"},
                                      "currency": {"type": "string", "enum": ["EUR", "USD"]}}, "required": ["total", "currency"]},
                                      "lines": {"type": "integer"}}, "required": ["invoice"]},
]
with open(path, "w") as out:
    for i in range(n):
        out.write(json.dumps({"id": f"r{i}", "model": "gemini-2.0-flash",
                              "prompt": f"Extract the fields from record {i}: Ada Lovelace, born 1815, invoice {i * 7} EUR.",
                              "responseJsonSchema": schemas[i % len(schemas)]}, separators=(",", ":")) + "\n")
PY

for R in $REPAIRS; do
  start_mock PORT --seed "$SEED" --fault-rate "$FAULTS"
  rm -f "$BENCH_DIR"/repair-$R.sqlite*
  t0=$(now)
  "$BIN" run "$BENCH_DIR/repair.jsonl" --db "$BENCH_DIR/repair-$R.sqlite" --endpoint "http://127.0.0.1:$PORT" \
    --concurrency 64 --repair "$R" --progress none 2>"$BENCH_DIR/repair-$R.log" || true
  t1=$(now)
  stop_mock
  python3 - "$BENCH_DIR/repair-$R.sqlite" "$R" "$N" "$t0" "$t1" <<'PY'
import sqlite3, sys
db, r, n, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
c = sqlite3.connect(db)
by = dict(c.execute("SELECT COALESCE(obtained, 'none'), COUNT(*) FROM results GROUP BY 1").fetchall())
usable = sum(v for k, v in by.items() if k in ("valid", "repaired_local", "repaired_reask", "grown"))
attempts = c.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
extra = c.execute("SELECT COUNT(*) FROM attempts WHERE purpose IN ('reask', 'grow')").fetchone()[0]
cost = c.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM attempts").fetchone()[0]
shown = "  ".join(f"{k} {by[k]}" for k in ("valid", "repaired_local", "repaired_reask", "grown", "invalid") if k in by)
print(f"--repair {r}: {usable}/{n} usable = {usable / n * 100:.1f}%  ({shown})  "
      f"extra attempts {extra} = {extra / n:.3f}/job, attempts {attempts / n:.3f}/job, {t1 - t0:.1f} s")
PY
done
