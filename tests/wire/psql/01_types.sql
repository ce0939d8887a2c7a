-- 01_types: text output of every isodb type, and psql's alignment by type OID
-- (numbers right-aligned, everything else left-aligned), typmods and special values.
-- psql-flags: -v ON_ERROR_STOP=1
SET client_min_messages = warning;
SET TIME ZONE 'UTC';
DROP TABLE IF EXISTS wt_types;
CREATE TABLE wt_types (
    id int PRIMARY KEY,
    b boolean,
    i2 smallint,
    i4 integer,
    i8 bigint,
    f4 real,
    f8 double precision,
    n numeric(12,3),
    t text,
    vc varchar(10),
    ch char(6),
    by bytea,
    d date,
    tm time,
    ts timestamp,
    tz timestamptz,
    iv interval
);
INSERT INTO wt_types VALUES
    (1, true, 1, 100, 10000000000, 1.5, 2.25, 12.5, 'alpha', 'va', 'ca', '\x0102ff',
     '2024-01-15', '08:30:00', '2024-01-15 08:30:00', '2024-01-15 08:30:00+00', '1 day 02:00:00'),
    (2, false, -32768, -2147483648, -9223372036854775808, -0.125, -1e-10, -0.001, 'beta gamma', 'varchar10!', 'char6!', '',
     '1999-12-31', '23:59:59.999999', '1999-12-31 23:59:59.5', '1999-12-31 23:00:00-05', '-3 mons'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL),
    (4, true, 32767, 2147483647, 9223372036854775807, 3.4028235e38, 1.7976931348623157e308, 999999999.999, '', '', '', 'abc',
     '0001-01-01', '00:00:00', '2000-02-29 00:00:00', '2038-01-19 03:14:07+00', '1 year 2 mons 3 days 04:05:06.789');
SELECT * FROM wt_types ORDER BY id;
SELECT id, b, i2, i4, i8, f4, f8, n FROM wt_types ORDER BY id DESC;
SELECT id, t, vc, ch, ch || '|' AS ch_cat, length(ch) AS ch_len, octet_length(by) AS by_len FROM wt_types ORDER BY id;
SELECT id, d, tm, ts, tz, iv FROM wt_types WHERE id <> 3 ORDER BY d;
-- literals and casts, one row per type family
SELECT true AS t, false AS f, 1::smallint AS s, (-32768)::smallint AS smin, 2147483647 AS imax, (-9223372036854775808)::bigint AS bmin;
SELECT 0.1::real AS r1, 1.5e10::real AS r2, 3.4028235e38::real AS r3, 1e-7::real AS r4, (1::float8/3) AS d1, 1e100::float8 AS d2,
       'NaN'::float8 AS nan, 'Infinity'::float8 AS inf, '-Infinity'::real AS ninf, -0.0::float8 AS negz, 123456789012345678::float8 AS big;
SELECT 1.50::numeric(10,2) AS n1, 12345678901234567890.123456789 AS n2, 0.000001 AS n3, (2::numeric/3) AS n4, 'NaN'::numeric AS nn,
       1e20::numeric AS n5, -1.0 AS n6, 10.00::numeric / 4 AS n7, 1.005::numeric(5,2) AS n8;
SELECT 'abc'::text AS t, 'ab'::varchar(5) AS vc, 'ab'::char(5) AS ch, 'ab'::char(5) || '|' AS chcat, length('ab'::char(5)) AS chlen,
       ''::text AS empty, 'multi
line' AS ml, 'tab	here' AS tab, 'quote''s' AS q;
SELECT '\x00ff10'::bytea AS b1, 'abc'::bytea AS b2, ''::bytea AS b3, '\xDEADBEEF'::bytea AS b4;
SELECT '2024-02-29'::date AS d, '0001-01-01'::date AS d0, 'infinity'::date AS dinf, date '2024-01-01' + 30 AS dplus,
       '2024-03-01'::date - '2024-02-01'::date AS ddiff;
SELECT '13:45:06.123456'::time AS t1, '00:00'::time AS t2, '24:00:00'::time AS t3, time '10:00' + interval '90 minutes' AS t4;
SELECT '2024-02-29 13:45:06.5'::timestamp AS ts1, '2000-01-01'::timestamp AS ts2,
       timestamp '2024-01-31 00:00' + interval '1 month' AS ts3, 'infinity'::timestamp AS tsinf;
SELECT '2024-02-29 13:45:06.5+02'::timestamptz AS tz1, '2024-06-01 00:00:00'::timestamptz AS tz2,
       '2024-01-01'::timestamp::timestamptz AS tz3;
SELECT interval '1 year 2 months 3 days 04:05:06.7' AS i1, interval '-1 day' AS i2, interval '90 minutes' AS i3, interval '0' AS i4,
       '2024-03-01'::timestamp - '2024-01-01'::timestamp AS i5, interval '1 day' * 2.5 AS i6,
       interval '-1 year -2 months +3 days -04:00' AS i7, interval '36 hours' AS i8;
-- result types of expressions (alignment follows the computed type)
SELECT 1 + 1 AS int_sum, 1::bigint * 3 AS big_mul, 7 / 2 AS int_div, 7 % 3 AS int_mod, 7.0 / 2 AS num_div,
       2 ^ 10 AS pow, 1::real + 1 AS real_plus, '5' || 5 AS text_cat, 3 > 2 AS cmp;
SELECT count(*) AS cnt, sum(i4) AS sum_i4, sum(i8) AS sum_i8, avg(i2) AS avg_i2, min(t) AS min_t, max(d) AS max_d,
       sum(n) AS sum_n, avg(f8) AS avg_f8, bool_and(b) AS all_b, bool_or(b) AS any_b FROM wt_types WHERE id < 3;
DROP TABLE wt_types;
