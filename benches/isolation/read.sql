-- Read-mostly workload, read-only part (weight 9): 10 point reads with fresh random keys.
-- pgbench -M simple -D setting=NAME -D mode=VALUE -D level=LEVEL -D naccounts=N
-- The first line is a session SET so that one script serves every engine: on isodb
-- "SET serializable_mode = 'ssi'|'2pl'", on PostgreSQL the no-op "SET application_name = …",
-- one round trip either way. :setting, :mode and :level are substituted as text, which
-- pgbench does only with -M simple (extended/prepared would turn them into $n parameters).
-- Used by benches/isolation_levels.sh.
SET :setting = ':mode';
\set aid1 random(1, :naccounts)
\set aid2 random(1, :naccounts)
\set aid3 random(1, :naccounts)
\set aid4 random(1, :naccounts)
\set aid5 random(1, :naccounts)
\set aid6 random(1, :naccounts)
\set aid7 random(1, :naccounts)
\set aid8 random(1, :naccounts)
\set aid9 random(1, :naccounts)
\set aid10 random(1, :naccounts)
BEGIN ISOLATION LEVEL :level;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid1;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid2;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid3;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid4;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid5;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid6;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid7;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid8;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid9;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid10;
COMMIT;
