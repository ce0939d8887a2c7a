-- 05_errors: error reporting (run WITHOUT stopping on errors). Runtime errors are shown at
-- psql's default verbosity (message, DETAIL, HINT); errors PostgreSQL reports with a cursor
-- position (parse/analysis errors) are shown with VERBOSITY sqlstate, i.e. only the SQLSTATE.
-- Also: the aborted-transaction state (25P02), COMMIT of a failed block answering ROLLBACK,
-- an error inside a multi-statement Query rolling back the whole string, ON_ERROR_ROLLBACK
-- (psql's automatic savepoints) and psql's ERROR / SQLSTATE / LAST_ERROR_* variables.
-- psql-flags: -v ON_ERROR_STOP=0
SET client_min_messages = warning;
DROP TABLE IF EXISTS wt_err;
CREATE TABLE wt_err (id int PRIMARY KEY, code varchar(3) NOT NULL, qty int CHECK (qty > 0), UNIQUE (code));
INSERT INTO wt_err VALUES (1, 'a', 1), (2, 'b', 2);
-- constraint violations
INSERT INTO wt_err VALUES (1, 'c', 3);
\echo ERROR=:ERROR SQLSTATE=:SQLSTATE
\echo LAST_ERROR_SQLSTATE=:LAST_ERROR_SQLSTATE LAST_ERROR_MESSAGE=:LAST_ERROR_MESSAGE
INSERT INTO wt_err VALUES (3, 'a', 3);
INSERT INTO wt_err VALUES (3, NULL, 3);
INSERT INTO wt_err VALUES (3, 'c', 0);
INSERT INTO wt_err VALUES (3, 'long', 3);
UPDATE wt_err SET id = 2 WHERE id = 1;
SELECT * FROM wt_err ORDER BY id;
\echo ERROR=:ERROR SQLSTATE=:SQLSTATE LAST_ERROR_SQLSTATE=:LAST_ERROR_SQLSTATE
-- runtime errors
SELECT 1 / 0;
SELECT 10 % 0;
SELECT 1.5 / 0;
SELECT 2147483647 + 1;
SELECT (32767::smallint + 1::smallint);
SELECT (SELECT id FROM wt_err);
CREATE TABLE wt_err (id int);
SET no_such_setting = 1;
SHOW no_such_setting;
SAVEPOINT outside;
COMMIT;
ROLLBACK;
-- a failed statement aborts the block until ROLLBACK; COMMIT then answers ROLLBACK
BEGIN;
INSERT INTO wt_err VALUES (3, 'c', 3);
SELECT 1 / 0;
SELECT * FROM wt_err;
\echo SQLSTATE=:SQLSTATE
\set QUIET off
COMMIT;
\set QUIET on
SELECT count(*) AS after_failed_commit FROM wt_err;
-- ROLLBACK TO a savepoint recovers the block
BEGIN;
INSERT INTO wt_err VALUES (3, 'c', 3);
SAVEPOINT before_bad;
INSERT INTO wt_err VALUES (3, 'd', 4);
SELECT 1;
ROLLBACK TO SAVEPOINT before_bad;
INSERT INTO wt_err VALUES (4, 'd', 4);
COMMIT;
SELECT * FROM wt_err ORDER BY id;
-- read-only transactions
BEGIN READ ONLY;
INSERT INTO wt_err VALUES (9, 'z', 9);
ROLLBACK;
-- an error in a multi-statement Query message: earlier results are shown, and the whole
-- string (an implicit transaction) is rolled back
INSERT INTO wt_err VALUES (5, 'e', 5) \; SELECT count(*) AS in_string FROM wt_err \; SELECT 1 / 0 \; INSERT INTO wt_err VALUES (6, 'f', 6);
SELECT count(*) AS after_string FROM wt_err;
-- ON_ERROR_ROLLBACK: psql wraps each statement of a block in a savepoint
\set ON_ERROR_ROLLBACK on
BEGIN;
INSERT INTO wt_err VALUES (5, 'e', 5);
INSERT INTO wt_err VALUES (5, 'e', 5);
INSERT INTO wt_err VALUES (6, 'f', 6);
COMMIT;
\set ON_ERROR_ROLLBACK off
SELECT * FROM wt_err ORDER BY id;
-- errors PostgreSQL reports with a position: SQLSTATE only
\set VERBOSITY sqlstate
SELECT * FROM wt_no_such_table;
INSERT INTO wt_no_such_table VALUES (1);
SELECT no_such_column FROM wt_err;
SELEC 1;
SELECT 1 +;
SELECT 'abc'::int;
SELECT 'x' + 1;
SELECT '2024-13-01'::date;
SELECT no_such_function(1);
SELECT 'a'::text + 1;
\echo LAST_ERROR_SQLSTATE=:LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT 'still connected' AS status;
\echo ERROR=:ERROR SQLSTATE=:SQLSTATE
DROP TABLE wt_err;
