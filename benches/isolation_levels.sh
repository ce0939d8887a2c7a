#!/usr/bin/env bash
# Isolation levels under pgbench: throughput and abort rates of isodb at snapshot isolation
# (REPEATABLE READ), SERIALIZABLE as SSI and SERIALIZABLE as strict 2PL
# (serializable_mode = '2pl'), with PostgreSQL at REPEATABLE READ and SERIALIZABLE in the
# same run for reference. Prints a Markdown table, then the tps ratios against SI.
#
#   benches/isolation_levels.sh                      # builds isodb, needs a PostgreSQL
#   ISODB_BIN=/path/to/isodb BENCH_TIME=3 benches/isolation_levels.sh
#
# Environment: ISODB_BIN (an isodb binary to use; unset: cargo build --release and use
# target/release/isodb), PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGPASSWORD,
# PGDATABASE (a scratch database, default isodb_bench, created if missing), BENCH_CLIENTS (8),
# BENCH_TIME (10 s per run), BENCH_ACCOUNTS (10000), BENCH_TELLERS (10), BENCH_MAX_TRIES (10),
# BENCH_LOGS (a directory to keep each run's pgbench output in; default a temporary one).
#
# Workloads (pgbench scripts in benches/isolation/, each transaction one
# BEGIN ISOLATION LEVEL … COMMIT, preceded by one session SET):
# - read-mostly: read.sql@9 + read_update.sql@1. Every transaction reads 10 random accounts;
#   one in ten also updates an eleventh random account.
# - write-heavy: tpcb.sql, pgbench's TPC-B-like transaction (update an account, read it
#   back, update a teller, insert a history row) WITHOUT the pgbench_branches update. With the
#   branch update every transaction writes the same row, so at SI/SSI every concurrent pair
#   conflicts and at 2PL everything queues on one lock: all levels measure that one row and
#   look alike. Without it the conflicts come from the BENCH_TELLERS teller rows (with 8
#   clients and 10 tellers about half the transactions overlap another on a teller) and,
#   rarely, from the BENCH_ACCOUNTS accounts, which is where the levels differ.
# The tables are reloaded (tests/wire/pgbench/init.py, 1 branch) before every run, so each
# run starts from the same state.
#
# Levels: isodb SI = REPEATABLE READ; SSI = SERIALIZABLE with serializable_mode = 'ssi';
# 2PL = SERIALIZABLE with serializable_mode = '2pl'. PostgreSQL has no serializable_mode, so
# its scripts start with SET application_name = … instead (same round trips). The level and
# the SET are pgbench -D variables substituted as text, which needs -M simple.
#
# Aborts: pgbench retries transactions that fail with 40001 (serialization failure) or 40P01
# (deadlock) up to --max-tries=BENCH_MAX_TRIES times in all; "retries/1000" is pgbench's
# "total number of retries" per 1000 committed transactions, "failed" the transactions that
# still failed on their last try (or when the run ended). tps counts committed transactions
# only. Any other error aborts the pgbench client; such runs are flagged below the table
# with pgbench's first error message.
set -euo pipefail
cd "$(dirname "$0")/.."
pg_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
pg_user=${PGUSER:-postgres}
pg_db=${PGDATABASE:-isodb_bench}
clients=${BENCH_CLIENTS:-8}
duration=${BENCH_TIME:-10}
accounts=${BENCH_ACCOUNTS:-10000}
tellers=${BENCH_TELLERS:-10}
max_tries=${BENCH_MAX_TRIES:-10}
branches=1
scripts=benches/isolation

if [ -n "${ISODB_BIN:-}" ]; then
    isodb=$ISODB_BIN
else
    cargo build --release --quiet
    isodb=target/release/isodb
fi
data=$(mktemp -d)
log=$(mktemp)
results=$(mktemp)
tmp_logs=
if [ -n "${BENCH_LOGS:-}" ]; then
    logs=$BENCH_LOGS
    mkdir -p "$logs"
else
    logs=$(mktemp -d)
    tmp_logs=$logs
fi
"$isodb" serve --data-dir "$data" --listen 127.0.0.1:0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$log" "$results" $tmp_logs' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
iso_port=$(sed -n 's/^isodb: listening on .*:\([0-9]*\)$/\1/p' "$log")
if [ -z "$iso_port" ]; then
    echo "isodb did not start:" >&2
    cat "$log" >&2
    exit 1
fi

psql -X -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$pg_db'" | grep -q 1 ||
    psql -X -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "CREATE DATABASE $pg_db"

load() { # host port user db
    { echo "SET client_min_messages = warning;"; python3 tests/wire/pgbench/init.py \
        --accounts "$accounts" --branches "$branches" --tellers "$tellers"; } |
        psql -X -q -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U "$3" -d "$4" >/dev/null
}

# run ENGINE LEVEL_LABEL WORKLOAD SETTING MODE "ISOLATION LEVEL": one pgbench run; appends a
# result line "engine|label|workload|tps|retries_per_1000|failed|note" to $results.
run() {
    local engine=$1 label=$2 workload=$3 setting=$4 mode=$5 level=$6
    local host port user db
    if [ "$engine" = isodb ]; then
        host=127.0.0.1 port=$iso_port user=isodb db=isodb
    else
        host=$pg_host port=$pg_port user=$pg_user db=$pg_db
    fi
    local -a files
    case $workload in
    read-mostly) files=(-f "$scripts/read.sql@9" -f "$scripts/read_update.sql@1") ;;
    write-heavy) files=(-f "$scripts/tpcb.sql") ;;
    esac
    load "$host" "$port" "$user" "$db"
    local out="$logs/$engine-$label-$workload.out" err="$logs/$engine-$label-$workload.err"
    local rc=0
    # -T does not interrupt a query in flight: the timeout catches a server that stops answering.
    timeout -k 5 $((duration + 60)) pgbench -n -h "$host" -p "$port" -U "$user" "$db" \
        -c "$clients" -j 2 -T "$duration" -M simple --max-tries="$max_tries" --failures-detailed \
        "${files[@]}" -D setting="$setting" -D mode="$mode" -D level="$level" \
        -D naccounts="$accounts" -D ntellers="$tellers" -D nbranches="$branches" \
        >"$out" 2>"$err" || rc=$?
    local tps committed failed retries note=
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out")
    committed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
    retries=$(sed -n 's/^total number of retries: \([0-9]*\).*/\1/p' "$out")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        note="pgbench timed out after $((duration + 60)) s"
    elif [ "$rc" != 0 ]; then
        note="pgbench exit $rc: $(grep -m1 -i 'error' "$err" | sed 's/^pgbench: error: //' || true)"
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        note="${note:+$note; }isodb exited"
    fi
    printf '%s|%s|%s|%s|%s|%s|%s\n' "$engine" "$label" "$workload" "${tps:--}" \
        "$(python3 -c "c, r = '${committed:-}', '${retries:-}'
print(f'{1000 * int(r) / int(c):.1f}' if c and r and int(c) else '-')")" \
        "${failed:--}" "$note" >>"$results"
}

for workload in read-mostly write-heavy; do
    run isodb SI "$workload" serializable_mode ssi "REPEATABLE READ"
    run isodb SSI "$workload" serializable_mode ssi SERIALIZABLE
    run isodb 2PL "$workload" serializable_mode 2pl SERIALIZABLE
    run postgres "REPEATABLE READ" "$workload" application_name isolation_bench "REPEATABLE READ"
    run postgres SERIALIZABLE "$workload" application_name isolation_bench SERIALIZABLE
done

echo "pgbench: $clients clients, $duration s per run, -M simple, --max-tries=$max_tries;" \
    "$accounts accounts, $tellers tellers, $branches branch"
echo
python3 - "$results" <<'EOF'
import sys

rows = [line.rstrip("\n").split("|", 6) for line in open(sys.argv[1])]
print("| engine | level | workload | tps | retries/1000 | failed |")
print("|---|---|---|---:|---:|---:|")
for engine, level, workload, tps, retries, failed, _ in rows:
    tps = f"{float(tps):.0f}" if tps != "-" else "-"
    print(f"| {engine} | {level} | {workload} | {tps} | {retries} | {failed} |")

def tps(engine, level, workload):
    for e, l, w, t, *_ in rows:
        if (e, l, w) == (engine, level, workload) and t != "-" and float(t) > 0:
            return float(t)
    return None

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b is not None else "-"

print()
print("| workload | isodb SSI/SI | isodb 2PL/SI | postgres SERIALIZABLE/REPEATABLE READ |")
print("|---|---:|---:|---:|")
for w in dict.fromkeys(r[2] for r in rows):
    si = tps("isodb", "SI", w)
    print(f"| {w} | {ratio(tps('isodb', 'SSI', w), si)} | {ratio(tps('isodb', '2PL', w), si)}"
          f" | {ratio(tps('postgres', 'SERIALIZABLE', w), tps('postgres', 'REPEATABLE READ', w))} |")

notes = [r for r in rows if r[6]]
if notes:
    print()
    for engine, level, workload, *_, note in notes:
        print(f"- {engine} {level} {workload}: {note}")
EOF
pattern='ERROR|WARN|panicked'
if grep -q -E "$pattern" "$log"; then
    echo
    echo "isodb log: $(grep -c -E "$pattern" "$log") error/warning lines, the first:" \
        "$(grep -m1 -E "$pattern" "$log" | sed 's/\x1b\[[0-9;]*m//g')"
fi
if [ -n "${BENCH_LOGS:-}" ]; then
    cp "$log" "$logs/isodb.log"
    echo
    echo "pgbench output and the isodb log in $logs"
fi
