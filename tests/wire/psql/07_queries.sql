-- 07_queries: a small schema queried with joins, aggregates, GROUP BY/HAVING, subqueries,
-- CTEs, set operations, views, secondary indexes, ON CONFLICT, RETURNING, default column
-- names (?column?, count, case, ...), quoted identifiers, non-ASCII text (psql measures
-- display width from the client encoding the server reports), and a 1,000-row result.
-- psql-flags: -v ON_ERROR_STOP=1
SET client_min_messages = warning;
DROP VIEW IF EXISTS wt_q_totals;
DROP TABLE IF EXISTS wt_q_orders;
DROP TABLE IF EXISTS wt_q_customers;
DROP TABLE IF EXISTS wt_q_digits;
CREATE TABLE wt_q_customers (id int PRIMARY KEY, name text NOT NULL, city varchar(20), since date);
CREATE TABLE wt_q_orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2) NOT NULL, placed date, status text DEFAULT 'new');
CREATE INDEX wt_q_orders_customer ON wt_q_orders (customer_id);
INSERT INTO wt_q_customers VALUES
    (1, 'Ada', 'London', '2020-01-05'), (2, 'Björn', 'Malmö', '2021-06-30'), (3, 'Chiyo', '東京', '2019-11-11'),
    (4, 'Dmitri', NULL, '2022-02-02'), (5, 'Émile', 'Paris', NULL);
INSERT INTO wt_q_orders (id, customer_id, amount, placed, status) VALUES
    (10, 1, 25.00, '2024-01-03', 'paid'), (11, 1, 12.50, '2024-01-20', 'paid'), (12, 2, 99.99, '2024-02-01', 'shipped'),
    (13, 3, 5.25, '2024-02-14', 'paid'), (14, 3, 70.00, '2024-03-01', 'new'), (15, 3, 30.00, '2024-03-02', 'paid'),
    (16, NULL, 1.00, '2024-03-03', 'lost');
INSERT INTO wt_q_orders (id, customer_id, amount, placed) VALUES (17, 4, 18.75, '2024-03-04');
SELECT * FROM wt_q_customers ORDER BY id;
SELECT o.id, c.name, o.amount, o.status FROM wt_q_orders o JOIN wt_q_customers c ON c.id = o.customer_id ORDER BY o.id;
SELECT c.name, o.id AS order_id FROM wt_q_customers c LEFT JOIN wt_q_orders o ON o.customer_id = c.id ORDER BY c.id, o.id;
SELECT c.name, o.id AS order_id FROM wt_q_customers c FULL JOIN wt_q_orders o ON o.customer_id = c.id WHERE c.id IS NULL OR o.id IS NULL ORDER BY 1, 2;
SELECT c.name, count(o.id) AS orders, sum(o.amount) AS total, avg(o.amount) AS mean, min(o.placed) AS first, max(o.placed) AS last
  FROM wt_q_customers c LEFT JOIN wt_q_orders o ON o.customer_id = c.id GROUP BY c.id, c.name ORDER BY total DESC NULLS LAST, c.name;
SELECT status, count(*), sum(amount) FROM wt_q_orders GROUP BY status HAVING count(*) > 1 ORDER BY status;
SELECT name, (SELECT count(*) FROM wt_q_orders o WHERE o.customer_id = c.id) AS n FROM wt_q_customers c
 WHERE EXISTS (SELECT 1 FROM wt_q_orders o WHERE o.customer_id = c.id AND o.amount > 20) ORDER BY name;
SELECT id, amount FROM wt_q_orders WHERE amount > (SELECT avg(amount) FROM wt_q_orders) ORDER BY amount DESC;
SELECT id FROM wt_q_orders WHERE customer_id IN (SELECT id FROM wt_q_customers WHERE city IS NOT NULL) ORDER BY id LIMIT 3 OFFSET 1;
WITH per_month AS (
    SELECT EXTRACT(MONTH FROM placed) AS month, sum(amount) AS total FROM wt_q_orders GROUP BY 1
)
SELECT month, total, total > 100 AS big FROM per_month ORDER BY month;
SELECT city FROM wt_q_customers WHERE city IS NOT NULL UNION SELECT 'Oslo' ORDER BY 1;
SELECT customer_id FROM wt_q_orders INTERSECT SELECT id FROM wt_q_customers ORDER BY 1;
SELECT id FROM wt_q_customers EXCEPT ALL SELECT customer_id FROM wt_q_orders ORDER BY 1;
SELECT * FROM (VALUES (1, 'one'), (2, 'two')) AS v(n, word) ORDER BY n DESC;
CREATE VIEW wt_q_totals AS SELECT customer_id, sum(amount) AS total FROM wt_q_orders WHERE customer_id IS NOT NULL GROUP BY customer_id;
SELECT c.name, t.total FROM wt_q_totals t JOIN wt_q_customers c ON c.id = t.customer_id ORDER BY t.total;
-- default names of unnamed result columns, quoted identifiers
SELECT 1 + 1, count(*), CASE WHEN true THEN 'y' END, 'a'::text, 2::int, CAST('3' AS bigint), coalesce(NULL, 4), upper('x'),
       amount, amount * 2, -amount, (SELECT 1), EXISTS (SELECT 1) FROM wt_q_orders WHERE id = 10 GROUP BY amount;
SELECT name AS "Customer Name", city AS "CITY", since AS "since?" FROM wt_q_customers WHERE id = 1;
-- string and date functions, non-ASCII text
SELECT name, length(name) AS len, upper(name) AS up, lower(name) AS low, substring(name FROM 2 FOR 3) AS sub,
       position('i' IN name) AS pos, replace(name, 'i', 'I') AS repl, name || '!' AS excl, left(name, 2) AS l2
  FROM wt_q_customers ORDER BY id;
SELECT city, length(city) AS chars, octet_length(city) AS bytes FROM wt_q_customers WHERE city IS NOT NULL ORDER BY id;
SELECT name, since, since + 365 AS plus_year, EXTRACT(YEAR FROM since) AS yr, date_trunc('month', since::timestamp) AS month_start
  FROM wt_q_customers ORDER BY since NULLS FIRST;
-- ON CONFLICT and RETURNING
INSERT INTO wt_q_customers VALUES (1, 'Ada Lovelace', 'London', '2020-01-05')
    ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id, name;
INSERT INTO wt_q_customers VALUES (2, 'ignored', NULL, NULL) ON CONFLICT DO NOTHING RETURNING id;
UPDATE wt_q_orders SET status = 'paid' WHERE status = 'new' RETURNING id, status;
DELETE FROM wt_q_orders WHERE customer_id IS NULL RETURNING id, amount;
SELECT status, count(*) FROM wt_q_orders GROUP BY status ORDER BY status;
-- a larger result: 1,000 generated rows
CREATE TABLE wt_q_digits (d int PRIMARY KEY);
INSERT INTO wt_q_digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
SELECT count(*) AS n, sum(a.d * 100 + b.d * 10 + c.d) AS total, min(a.d * 100 + b.d * 10 + c.d) AS lo, max(a.d * 100 + b.d * 10 + c.d) AS hi
  FROM wt_q_digits a, wt_q_digits b, wt_q_digits c;
SELECT a.d * 100 + b.d * 10 + c.d AS n, 'row ' || (a.d * 100 + b.d * 10 + c.d) AS label, (a.d * 100 + b.d * 10 + c.d) % 7 = 0 AS div7
  FROM wt_q_digits a, wt_q_digits b, wt_q_digits c ORDER BY 1;
DROP VIEW wt_q_totals;
DROP TABLE wt_q_digits;
DROP TABLE wt_q_orders;
DROP TABLE wt_q_customers;
