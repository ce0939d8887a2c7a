#!/usr/bin/env bash
# Load pgbench's tables (without COPY or generate_series) and run pgbench against HOST:PORT:
# a point-select script and the TPC-B-like transaction, under each query protocol
# (-M simple, extended, prepared). Fails if pgbench exits non-zero, reports a failed or
# aborted transaction, processes no transactions, or if the TPC-B balances do not add up.
#
#   tests/wire/run_pgbench.sh HOST PORT
#
# Environment (defaults): PGBENCH_USER ($PSQL_USER or isodb), PGBENCH_DB ($PSQL_DB or isodb),
# PGBENCH_ACCOUNTS (10000), PGBENCH_BRANCHES (1), PGBENCH_TELLERS (10), PGBENCH_CLIENTS (8),
# PGBENCH_THREADS (2), PGBENCH_TIME (5 seconds per run), PGBENCH_MODES ("simple extended
# prepared"). For PostgreSQL also export PGPASSWORD.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 HOST PORT" >&2
    exit 2
fi
host=$1
port=$2
user=${PGBENCH_USER:-${PSQL_USER:-isodb}}
db=${PGBENCH_DB:-${PSQL_DB:-isodb}}
naccounts=${PGBENCH_ACCOUNTS:-10000}
nbranches=${PGBENCH_BRANCHES:-1}
ntellers=${PGBENCH_TELLERS:-10}
clients=${PGBENCH_CLIENTS:-8}
threads=${PGBENCH_THREADS:-2}
duration=${PGBENCH_TIME:-5}
modes=${PGBENCH_MODES:-simple extended prepared}

unset PGOPTIONS PGDATESTYLE PGTZ PGGEQO PGSERVICE PGSERVICEFILE || true
export LC_ALL=C

dir=$(cd "$(dirname "$0")/pgbench" && pwd)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

psql_cmd=(psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$user" -d "$db")
query() { timeout 60 "${psql_cmd[@]}" -At -c "$1" </dev/null; }

echo "pgbench: loading $naccounts accounts, $nbranches branches, $ntellers tellers"
python3 "$dir/init.py" --accounts "$naccounts" --branches "$nbranches" --tellers "$ntellers" \
    | timeout 600 "${psql_cmd[@]}" -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -f -
counts=$(query "SELECT (SELECT count(*) FROM pgbench_accounts) || ' ' || (SELECT count(*) FROM pgbench_branches)
                       || ' ' || (SELECT count(*) FROM pgbench_tellers) || ' ' || (SELECT count(*) FROM pgbench_history)")
if [[ $counts != "$naccounts $nbranches $ntellers 0" ]]; then
    echo "pgbench: after loading, counts are '$counts', expected '$naccounts $nbranches $ntellers 0'" >&2
    exit 1
fi

failed=0
run() {
    local mode=$1 script=$2 out rc=0
    out="$log/$mode-$script.log"
    timeout $((duration + 120)) pgbench -n -h "$host" -p "$port" -U "$user" -c "$clients" -j "$threads" \
        -T "$duration" -M "$mode" -f "$dir/$script.sql" -D naccounts="$naccounts" -D nbranches="$nbranches" \
        -D ntellers="$ntellers" "$db" >"$out" 2>&1 </dev/null || rc=$?
    local processed failures tps
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
    failures=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
    tps=$(grep '^tps = ' "$out" || true)
    local problem=""
    if [[ $rc -ne 0 ]]; then problem="pgbench exited with status $rc"; fi
    if [[ -z $processed || $processed -eq 0 ]]; then problem="${problem:+$problem; }no transactions processed"; fi
    if [[ -n $failures && $failures -ne 0 ]]; then problem="${problem:+$problem; }$failures failed transactions"; fi
    if grep -q -e 'aborted' -e 'ERROR' -e 'FATAL' "$out"; then problem="${problem:+$problem; }errors reported"; fi
    if [[ -n $problem ]]; then
        echo "pgbench: -M $mode $script FAILED: $problem" >&2
        sed 's/^/    /' "$out" >&2
        failed=$((failed + 1))
    else
        printf 'pgbench: -M %-8s %-12s %s transactions, %s\n' "$mode" "$script" "$processed" "${tps:-tps = ?}"
    fi
}

for mode in $modes; do
    run "$mode" point_select
    run "$mode" tpcb
done

# TPC-B bookkeeping: every committed transaction added the same delta to one account, one
# teller, one branch and one history row.
sums=$(query "SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts) || ' ' ||
                     (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers) || ' ' ||
                     (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches) || ' ' ||
                     (SELECT coalesce(sum(delta), 0) FROM pgbench_history)")
read -r sa st sb sh <<<"$sums"
history=$(query "SELECT count(*) FROM pgbench_history")
if [[ $sa != "$st" || $st != "$sb" || $sb != "$sh" ]]; then
    echo "pgbench: balances disagree: accounts $sa, tellers $st, branches $sb, history $sh" >&2
    failed=$((failed + 1))
else
    echo "pgbench: balances agree (sum $sa over $history history rows)"
fi

if [[ $failed -ne 0 ]]; then
    echo "pgbench: $failed checks failed" >&2
    exit 1
fi
echo "pgbench: ok"
