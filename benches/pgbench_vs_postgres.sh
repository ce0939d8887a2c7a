#!/usr/bin/env bash
# isodb against PostgreSQL through pgbench, in one run on the same machine: point selects
# and TPC-B-like transactions with the same tables, clients and protocol on both, printed
# as transactions per second and isodb/PostgreSQL ratios.
#
#   benches/pgbench_vs_postgres.sh            # needs a PostgreSQL on $PGHOST:$PGPORT
#
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGPASSWORD, PGDATABASE
# (a scratch database, default isodb_bench, created if missing), BENCH_CLIENTS (8),
# BENCH_TIME (10 s per run), BENCH_ACCOUNTS (100000), BENCH_MODES ("simple prepared").
# isodb runs from target/release (built here) on a fresh temporary data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
pg_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
pg_user=${PGUSER:-postgres}
pg_db=${PGDATABASE:-isodb_bench}
clients=${BENCH_CLIENTS:-8}
duration=${BENCH_TIME:-10}
accounts=${BENCH_ACCOUNTS:-100000}
modes=${BENCH_MODES:-simple prepared}
tellers=10
branches=1

cargo build --release --quiet
data=$(mktemp -d)
log=$(mktemp)
target/release/isodb serve --data-dir "$data" --listen 127.0.0.1:0 >"$log" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
iso_port=$(sed -n 's/^isodb: listening on .*:\([0-9]*\)$/\1/p' "$log")

psql -X -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$pg_db'" | grep -q 1 ||
    psql -X -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "CREATE DATABASE $pg_db"

load() { # host port user db
    python3 tests/wire/pgbench/init.py --accounts "$accounts" --branches "$branches" \
        --tellers "$tellers" | psql -X -q -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U "$3" -d "$4" >/dev/null
}
tps() { # host port user db mode script
    pgbench -n -h "$1" -p "$2" -U "$3" "$4" -c "$clients" -j 2 -T "$duration" -M "$5" \
        -f "tests/wire/pgbench/$6.sql" -D naccounts="$accounts" -D nbranches="$branches" \
        -D ntellers="$tellers" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
load 127.0.0.1 "$iso_port" isodb isodb
load "$pg_host" "$pg_port" "$pg_user" "$pg_db"
printf '%-9s %-13s %12s %12s %8s\n' mode workload isodb_tps postgres_tps ratio
for mode in $modes; do
    for script in point_select tpcb; do
        a=$(tps 127.0.0.1 "$iso_port" isodb isodb "$mode" "$script")
        b=$(tps "$pg_host" "$pg_port" "$pg_user" "$pg_db" "$mode" "$script")
        printf '%-9s %-13s %12.0f %12.0f %8.2f\n' "$mode" "$script" "$a" "$b" \
            "$(python3 -c "print($a / $b)")"
    done
done
