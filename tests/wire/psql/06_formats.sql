-- 06_formats: psql's output formats over the same rows: expanded (\x), unaligned, csv,
-- tuples only, borders, a custom null string, footers off, titles, and \gx.
-- (Layout is computed by psql from the RowDescription/DataRow messages.)
-- psql-flags: -v ON_ERROR_STOP=1
SET client_min_messages = warning;
SET TIME ZONE 'UTC';
DROP TABLE IF EXISTS wt_fmt;
CREATE TABLE wt_fmt (id int PRIMARY KEY, name text, price numeric(8,2), ok boolean, seen timestamptz, note varchar(30));
INSERT INTO wt_fmt VALUES
    (1, 'apple', 1.20, true, '2024-03-01 10:00:00+00', 'crisp'),
    (2, 'banana, ripe', 0.25, false, '2024-03-02 11:30:00+00', NULL),
    (3, 'cherry "red"', 12.00, NULL, NULL, 'two
lines'),
    (4, '', 0, true, '2024-03-04 00:00:00+00', '');
\x on
SELECT * FROM wt_fmt ORDER BY id;
SELECT * FROM wt_fmt WHERE id = 0;
SELECT count(*) AS n, sum(price) AS total FROM wt_fmt;
\x off
\pset border 2
SELECT id, name, price FROM wt_fmt ORDER BY id;
\pset border 0
SELECT id, name, price FROM wt_fmt ORDER BY id;
\pset border 1
\pset format unaligned
SELECT * FROM wt_fmt ORDER BY id;
\pset fieldsep '|'
\pset tuples_only on
SELECT id, name, ok FROM wt_fmt ORDER BY id;
\pset tuples_only off
\pset format csv
SELECT * FROM wt_fmt ORDER BY id;
\pset format aligned
\pset null '<NULL>'
\pset footer off
\pset title 'Fruit list'
SELECT id, name, ok, note FROM wt_fmt ORDER BY id;
\pset title
\pset footer on
\pset null ''
SELECT id, price, price * 2 AS doubled FROM wt_fmt WHERE id < 3 ORDER BY id \gx
\x on
\pset format unaligned
SELECT id, name FROM wt_fmt WHERE id <= 2 ORDER BY id;
\x off
\pset format aligned
DROP TABLE wt_fmt;
