-- 02_nulls_empty: NULL in every position, psql's null display, empty strings versus NULL,
-- empty result sets (header only, "(0 rows)"), aggregates over no rows.
-- psql-flags: -v ON_ERROR_STOP=1
SET client_min_messages = warning;
DROP TABLE IF EXISTS wt_nulls;
DROP TABLE IF EXISTS wt_empty;
CREATE TABLE wt_nulls (id int PRIMARY KEY, a int, s text, d date, n numeric(6,2), b boolean);
CREATE TABLE wt_empty (id int PRIMARY KEY, name varchar(20), amount numeric(8,2), at timestamp);
INSERT INTO wt_nulls VALUES (1, 10, 'x', '2024-05-01', 1.25, true), (2, NULL, NULL, NULL, NULL, NULL),
    (3, 30, '', '2024-05-03', 0, false), (4, NULL, 'null', NULL, -2.5, NULL);
SELECT * FROM wt_nulls ORDER BY id;
SELECT NULL AS untyped, NULL::int AS null_int, NULL::text AS null_text, NULL::boolean AS null_bool, NULL::bytea AS null_bytea;
\pset null '(null)'
SELECT * FROM wt_nulls ORDER BY id;
SELECT id, a IS NULL AS a_null, s IS NULL AS s_null, s = '' AS s_empty, coalesce(s, '<none>') AS s_or, nullif(a, 30) AS nullif_a,
       a IS DISTINCT FROM 10 AS a_distinct, b IS UNKNOWN AS b_unknown FROM wt_nulls ORDER BY id;
SELECT id, a FROM wt_nulls ORDER BY a NULLS FIRST, id;
SELECT id, a FROM wt_nulls ORDER BY a DESC NULLS LAST, id;
SELECT NULL = NULL AS eq, NULL AND false AS and_f, NULL OR true AS or_t, NULL::int + 1 AS plus, 'a' || NULL AS cat;
SELECT count(*) AS all_rows, count(a) AS non_null_a, sum(a) AS sum_a, avg(n) AS avg_n, min(d) AS min_d, max(s) AS max_s FROM wt_nulls;
SELECT a, count(*) AS c FROM wt_nulls GROUP BY a ORDER BY a NULLS FIRST;
\pset null ''
-- empty results: headers keep their type's alignment
SELECT * FROM wt_empty;
SELECT id, name FROM wt_nulls JOIN wt_empty USING (id);
SELECT * FROM wt_nulls WHERE false;
SELECT 1 AS one WHERE 1 = 0;
SELECT count(*) AS c, sum(amount) AS s, max(at) AS m, avg(id) AS a FROM wt_empty;
SELECT name, count(*) FROM wt_empty GROUP BY name;
UPDATE wt_empty SET amount = 0 WHERE id = 1;
DELETE FROM wt_empty;
INSERT INTO wt_empty (id, name) VALUES (1, NULL);
SELECT * FROM wt_empty;
SELECT id, amount IS NULL AS amount_null, at IS NULL AS at_null FROM wt_empty;
DROP TABLE wt_nulls;
DROP TABLE wt_empty;
