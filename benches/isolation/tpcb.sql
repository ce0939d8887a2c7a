-- Write-heavy workload: pgbench's TPC-B-like transaction without the pgbench_branches update
-- (see benches/isolation_levels.sh for why).
-- pgbench -M simple -D setting=NAME -D mode=VALUE -D level=LEVEL -D naccounts=N -D ntellers=N -D nbranches=N
-- The first line is a session SET so that one script serves every engine: on isodb
-- "SET serializable_mode = 'ssi'|'2pl'", on PostgreSQL the no-op "SET application_name = …",
-- one round trip either way. :setting, :mode and :level are substituted as text, which
-- pgbench does only with -M simple (extended/prepared would turn them into $n parameters).
-- Used by benches/isolation_levels.sh.
SET :setting = ':mode';
\set aid random(1, :naccounts)
\set tid random(1, :ntellers)
\set bid random(1, :nbranches)
\set delta random(-5000, 5000)
BEGIN ISOLATION LEVEL :level;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
COMMIT;
