#!/usr/bin/env python3
"""Emit SQL that creates and fills pgbench's four tables without COPY or generate_series.

    python3 init.py [SCALE] [--accounts N] [--branches N] [--tellers N] [--batch N] | psql ...

Defaults follow `pgbench -i -s SCALE`: per scale unit 1 branch, 10 tellers and 100,000
accounts. --accounts/--branches/--tellers override the totals (e.g. `--accounts 10000` for
CI). Rows go in as multi-row INSERTs of --batch rows (default 1000), inside one transaction.
The table definitions are pgbench's own (pgbench -i), minus FILLFACTOR, plus primary keys.
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scale", nargs="?", type=int, default=1)
    ap.add_argument("--accounts", type=int, help="total accounts (default 100000 * scale)")
    ap.add_argument("--branches", type=int, help="total branches (default scale)")
    ap.add_argument("--tellers", type=int, help="total tellers (default 10 * scale)")
    ap.add_argument("--batch", type=int, default=1000, help="rows per INSERT (default 1000)")
    a = ap.parse_args()
    if a.scale < 1 or a.batch < 1:
        ap.error("scale and batch must be positive")
    naccounts = a.accounts if a.accounts is not None else 100000 * a.scale
    nbranches = a.branches if a.branches is not None else a.scale
    ntellers = a.tellers if a.tellers is not None else 10 * a.scale
    for n, what in ((naccounts, "accounts"), (nbranches, "branches"), (ntellers, "tellers")):
        if n < 1:
            ap.error(f"{what} must be positive")

    out = sys.stdout
    w = out.write
    w("DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history;\n")
    w("CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));\n")
    w("CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84));\n")
    w("CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84));\n")
    w("CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88));\n")
    w("BEGIN;\n")

    def batches(table, n, row):
        for start in range(1, n + 1, a.batch):
            end = min(n, start + a.batch - 1)
            w(f"INSERT INTO {table} VALUES\n")
            w(",\n".join(row(i) for i in range(start, end + 1)))
            w(";\n")

    # As pgbench -i: branch and teller fillers are NULL, account fillers blank-padded '';
    # teller i and account i belong to branch (i-1) / (per-branch count) + 1.
    batches("pgbench_branches", nbranches, lambda i: f"({i},0,NULL)")
    tpb = max(1, -(-ntellers // nbranches))
    batches("pgbench_tellers", ntellers, lambda i: f"({i},{min(nbranches, (i - 1) // tpb + 1)},0,NULL)")
    apb = max(1, -(-naccounts // nbranches))
    batches("pgbench_accounts", naccounts, lambda i: f"({i},{min(nbranches, (i - 1) // apb + 1)},0,'')")
    w("COMMIT;\n")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
