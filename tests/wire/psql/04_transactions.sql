-- 04_transactions: command tags (QUIET is turned off, so psql prints every CommandComplete
-- tag: INSERT 0 n, UPDATE n, DELETE n, BEGIN, SAVEPOINT, RELEASE, ROLLBACK, SET, ...),
-- transaction blocks, savepoints, SET LOCAL / SET rolled back, isolation levels, read only,
-- :ROW_COUNT, and DDL inside a rolled back transaction.
-- psql-flags: -v ON_ERROR_STOP=1
SET client_min_messages = warning;
DROP TABLE IF EXISTS wt_tx;
DROP TABLE IF EXISTS wt_tx_ddl;
\set QUIET off
CREATE TABLE wt_tx (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO wt_tx VALUES (1, 100), (2, 200), (3, 300);
\echo rows inserted: :ROW_COUNT
BEGIN;
UPDATE wt_tx SET v = v + 1;
\echo rows updated: :ROW_COUNT
DELETE FROM wt_tx WHERE id = 3;
SELECT * FROM wt_tx ORDER BY id;
ROLLBACK;
SELECT * FROM wt_tx ORDER BY id;
START TRANSACTION;
INSERT INTO wt_tx VALUES (4, 400);
SAVEPOINT sp1;
UPDATE wt_tx SET v = 0 WHERE id = 4;
SAVEPOINT sp2;
DELETE FROM wt_tx;
SELECT count(*) AS during FROM wt_tx;
ROLLBACK TO SAVEPOINT sp2;
SELECT * FROM wt_tx ORDER BY id;
ROLLBACK TO sp1;
RELEASE SAVEPOINT sp1;
SELECT * FROM wt_tx WHERE id = 4;
COMMIT;
SELECT * FROM wt_tx ORDER BY id;
-- END is COMMIT; COMMIT/ROLLBACK outside a block only warn in PostgreSQL, so not used here
BEGIN TRANSACTION;
UPDATE wt_tx SET v = v * 2 WHERE id IN (1, 2);
END;
SELECT sum(v) AS total FROM wt_tx;
-- INSERT/UPDATE/DELETE ... RETURNING print rows and then the tag
INSERT INTO wt_tx VALUES (5, 500), (6, 600) RETURNING id, v;
UPDATE wt_tx SET v = v - 1 WHERE id >= 5 RETURNING *;
DELETE FROM wt_tx WHERE id = 6 RETURNING id;
UPDATE wt_tx SET v = 0 WHERE id = 99;
DELETE FROM wt_tx WHERE id = 99;
\echo rows deleted: :ROW_COUNT
-- settings: SET inside a rolled back block is undone; SET LOCAL lasts until the block ends
SHOW DateStyle;
BEGIN;
SET DateStyle = 'ISO, DMY';
SHOW DateStyle;
ROLLBACK;
SHOW DateStyle;
BEGIN;
SET LOCAL DateStyle = 'ISO, YMD';
SHOW DateStyle;
COMMIT;
SHOW DateStyle;
SET DateStyle TO 'ISO, DMY';
SHOW DateStyle;
RESET DateStyle;
SHOW DateStyle;
-- isolation levels and access modes
SHOW transaction_isolation;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SHOW transaction_isolation;
SELECT count(*) FROM wt_tx;
COMMIT;
BEGIN;
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
SHOW transaction_isolation;
COMMIT;
START TRANSACTION READ ONLY;
SHOW transaction_read_only;
SELECT max(id) FROM wt_tx;
COMMIT;
SHOW transaction_read_only;
SET default_transaction_isolation = 'repeatable read';
BEGIN;
SHOW transaction_isolation;
COMMIT;
RESET default_transaction_isolation;
SHOW default_transaction_isolation;
-- DDL is transactional
BEGIN;
CREATE TABLE wt_tx_ddl (k int PRIMARY KEY);
INSERT INTO wt_tx_ddl VALUES (1);
ROLLBACK;
CREATE TABLE wt_tx_ddl (k int PRIMARY KEY, note text);
INSERT INTO wt_tx_ddl VALUES (1, 'created after the rollback');
SELECT * FROM wt_tx_ddl;
BEGIN;
DROP TABLE wt_tx_ddl;
ROLLBACK;
SELECT count(*) AS still_there FROM wt_tx_ddl;
DROP TABLE wt_tx_ddl;
DROP TABLE wt_tx;
