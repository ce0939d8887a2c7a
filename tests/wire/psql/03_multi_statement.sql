-- 03_multi_statement: several statements on a line (psql sends them one by one), several
-- statements in ONE simple-protocol Query message (psql's \; separator: every result is shown,
-- the whole string runs as one implicit transaction), empty queries (EmptyQueryResponse),
-- comments, quoting, \g, \gset and \gx.
-- psql-flags: -v ON_ERROR_STOP=1
SET client_min_messages = warning;
DROP TABLE IF EXISTS wt_multi;
CREATE TABLE wt_multi (id int PRIMARY KEY, label text, qty int);
-- separate Query messages
INSERT INTO wt_multi VALUES (1, 'one', 10); INSERT INTO wt_multi VALUES (2, 'two', 20); SELECT count(*) AS n FROM wt_multi;
SELECT 1 AS a; SELECT 'b' AS b; SELECT 3.0 AS c;
-- one Query message holding several statements
SELECT 1 AS x \; SELECT 'two' AS y \; SELECT 3 AS z, 4 AS w;
INSERT INTO wt_multi VALUES (3, 'three', 30) \; UPDATE wt_multi SET qty = qty + 1 WHERE id < 3 \; SELECT * FROM wt_multi ORDER BY id;
\echo row_count after multi: :ROW_COUNT
BEGIN \; INSERT INTO wt_multi VALUES (4, 'four', 40) \; COMMIT;
SELECT id, label FROM wt_multi WHERE id = 4 \; DELETE FROM wt_multi WHERE id = 4 \; SELECT count(*) AS after_delete FROM wt_multi;
-- empty queries
;
  ;
/* only a comment */ ;
-- a statement across lines, with comments and semicolons inside literals
SELECT id, -- the key
       label || ';' AS "label;semi",   /* a block
                                          comment */
       'it''s; here' AS quoted,
       $$dollar; 'quoted'$$ AS dollar,
       E'esc\\aped\ttab' AS escaped
  FROM wt_multi
 WHERE id IN (1,
              2)
 ORDER BY id;
-- \g sends the buffer, \gset stores the columns in variables, \gx prints expanded
SELECT max(qty) AS top FROM wt_multi \g
SELECT min(id) AS lo, max(id) AS hi, sum(qty) AS total FROM wt_multi \gset
\echo lo=:lo hi=:hi total=:total
SELECT label FROM wt_multi WHERE id = :hi;
SELECT * FROM wt_multi WHERE id = :'lo' \gx
SELECT (:total > 60) AS big \gset
\if :big
\echo total is above 60
\else
\echo total is at most 60
\endif
DROP TABLE wt_multi;
