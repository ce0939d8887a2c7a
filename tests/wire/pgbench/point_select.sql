-- pgbench -f point_select.sql -D naccounts=N : the builtin "select-only" script with the
-- table size passed in (no count(*) FROM pgbench_branches needed).
\set aid random(1, :naccounts)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
