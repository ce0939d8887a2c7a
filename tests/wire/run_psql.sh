#!/usr/bin/env bash
# Run every tests/wire/psql/NN_*.sql through psql against HOST:PORT and diff its output
# (stdout and stderr merged) with the NN_*.out recorded from PostgreSQL 15.
#
#   tests/wire/run_psql.sh HOST PORT            # check; exit 1 on any difference
#   tests/wire/run_psql.sh --record HOST PORT   # re-record the .out files (against PostgreSQL)
#
# Each script names its extra psql flags in a header line `-- psql-flags: ...`.
# User and database: $PSQL_USER / $PSQL_DB (default isodb / isodb; isodb accepts any names).
# For PostgreSQL, also export PGPASSWORD (or use ~/.pgpass). $PSQL_TIMEOUT bounds each script
# (seconds, default 120).
set -euo pipefail

record=0
if [[ ${1:-} == --record ]]; then
    record=1
    shift
fi
if [[ $# -ne 2 ]]; then
    echo "usage: $0 [--record] HOST PORT" >&2
    exit 2
fi
host=$1
port=$2
user=${PSQL_USER:-isodb}
db=${PSQL_DB:-isodb}
limit=${PSQL_TIMEOUT:-120}

# Make the output independent of the caller's environment: no psqlrc (-X), no startup options
# taken from PG* variables, English messages, and an explicit client encoding.
unset PGOPTIONS PGDATESTYLE PGTZ PGGEQO PGSERVICE PGSERVICEFILE PGAPPNAME || true
export LC_ALL=C
export PGCLIENTENCODING=UTF8

cd "$(dirname "$0")/psql"
shopt -s nullglob
scripts=([0-9][0-9]_*.sql)
if [[ ${#scripts[@]} -eq 0 ]]; then
    echo "no scripts in $(pwd)" >&2
    exit 2
fi

actual_dir=$(mktemp -d)
trap 'rm -rf "$actual_dir"' EXIT

failed=0
for sql in "${scripts[@]}"; do
    name=${sql%.sql}
    flags=$(sed -n 's/^-- psql-flags:[[:space:]]*//p' "$sql" | head -n 1)
    [[ -n $flags ]] || flags="-v ON_ERROR_STOP=1"
    actual="$actual_dir/$name.out"
    rc=0
    # $flags is deliberately word-split: it holds several psql options.
    # shellcheck disable=SC2086
    timeout "$limit" psql -X -q $flags -h "$host" -p "$port" -U "$user" -d "$db" -f "$sql" \
        >"$actual" 2>&1 </dev/null || rc=$?
    if [[ $record -eq 1 ]]; then
        cp "$actual" "$name.out"
        if [[ $rc -ne 0 ]]; then
            echo "psql: $sql exited with status $rc while recording" >&2
            failed=$((failed + 1))
        else
            echo "recorded $name.out"
        fi
        continue
    fi
    if [[ ! -f $name.out ]]; then
        echo "psql: $sql: no expected output $name.out" >&2
        failed=$((failed + 1))
        continue
    fi
    ok=1
    if ! diff -u --label "$name.out (expected)" --label "$name.out (actual)" "$name.out" "$actual"; then
        ok=0
    fi
    if [[ $rc -ne 0 ]]; then
        echo "psql: $sql: psql exited with status $rc" >&2
        ok=0
    fi
    if [[ $ok -eq 0 ]]; then
        echo "psql: $sql FAILED" >&2
        failed=$((failed + 1))
    fi
done

if [[ $failed -ne 0 ]]; then
    echo "psql: $failed of ${#scripts[@]} scripts failed" >&2
    exit 1
fi
if [[ $record -eq 1 ]]; then
    echo "psql: ${#scripts[@]} scripts recorded"
else
    echo "psql: ${#scripts[@]} scripts ok"
fi
