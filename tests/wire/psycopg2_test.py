#!/usr/bin/env python3
"""psycopg2 against isodb's PostgreSQL wire protocol (and, as the reference, PostgreSQL 15).

    ISODB_PORT=5433 python3 tests/wire/psycopg2_test.py            # isodb
    python3 -m unittest -v tests/wire/psycopg2_test.py               # same, unittest runner
    ISODB_PORT=5432 ISODB_USER=postgres ISODB_PASSWORD=postgres ISODB_DB=wiretest \
        python3 tests/wire/psycopg2_test.py                          # PostgreSQL 15

Environment: ISODB_HOST (127.0.0.1), ISODB_PORT (5433), ISODB_USER (isodb), ISODB_DB (isodb),
ISODB_PASSWORD (none), ISODB_SSLMODE (libpq's default, "prefer": the server must answer the
SSLRequest with 'N').

psycopg2 speaks only the simple query protocol: it interpolates parameters on the client
into SQL literals ('2024-01-02'::date, '1 days 3600.000000 seconds'::interval, '\\x00ff'::bytea,
...), sends BEGIN before the first statement of each transaction unless autocommit is on, and
decodes results by the type OIDs of the RowDescription. Every test makes its own tables
(named wt_py_<test>_<pid>) and drops them.
"""
import datetime
import decimal
import os
import unittest

import psycopg2
import psycopg2.errors
import psycopg2.extensions as ext
import psycopg2.extras

HOST = os.environ.get("ISODB_HOST", "127.0.0.1")
PORT = int(os.environ.get("ISODB_PORT", "5433"))
USER = os.environ.get("ISODB_USER", "isodb")
DB = os.environ.get("ISODB_DB", "isodb")
PASSWORD = os.environ.get("ISODB_PASSWORD")
SSLMODE = os.environ.get("ISODB_SSLMODE")

# Type OIDs (pg_type.oid) that RowDescription must carry.
OID = {
    "bool": 16, "bytea": 17, "int8": 20, "int2": 21, "int4": 23, "text": 25, "float4": 700,
    "float8": 701, "bpchar": 1042, "varchar": 1043, "date": 1082, "time": 1083,
    "timestamp": 1114, "timestamptz": 1184, "interval": 1186, "numeric": 1700,
}


def connect(**kw):
    args = dict(host=HOST, port=PORT, user=USER, dbname=DB, connect_timeout=10)
    if PASSWORD:
        args["password"] = PASSWORD
    if SSLMODE:
        args["sslmode"] = SSLMODE
    args.update(kw)
    return psycopg2.connect(**args)


class WireTest(unittest.TestCase):
    """Opens self.conn (autocommit off, psycopg2's default) and drops the test's tables."""

    def setUp(self):
        self.conn = connect()
        self.others = []
        self.tables = []

    def tearDown(self):
        for c in self.others:
            if not c.closed:
                c.close()
        if self.conn.closed:
            self.conn = connect()
        try:
            self.conn.rollback()
            self.conn.autocommit = True
            with self.conn.cursor() as cur:
                for t in reversed(self.tables):
                    cur.execute(f"DROP TABLE IF EXISTS {t}")
        finally:
            self.conn.close()

    def table(self, suffix, columns):
        """Create (after dropping) a uniquely named table and return its name."""
        name = f"wt_py_{self._testMethodName.replace('test_', '')}_{suffix}_{os.getpid()}"
        self.tables.append(name)
        prev = self.conn.autocommit
        self.conn.rollback()
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(f"CREATE TABLE {name} ({columns})")
        self.conn.autocommit = prev
        return name

    def other(self, **kw):
        c = connect(**kw)
        self.others.append(c)
        return c

    def one(self, sql, params=None, conn=None):
        with (conn or self.conn).cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()


class ConnectTest(WireTest):
    def test_connect_and_parameters(self):
        c = self.conn
        self.assertEqual(c.closed, 0)
        self.assertEqual(c.status, ext.STATUS_READY)
        self.assertEqual(c.protocol_version, 3)
        self.assertEqual(c.server_version // 10000, 15)
        self.assertEqual(c.encoding, "UTF8")
        self.assertEqual(c.get_parameter_status("client_encoding"), "UTF8")
        self.assertEqual(c.get_parameter_status("server_encoding"), "UTF8")
        self.assertEqual(c.get_parameter_status("standard_conforming_strings"), "on")
        self.assertEqual(c.get_parameter_status("integer_datetimes"), "on")
        self.assertTrue(c.get_parameter_status("DateStyle").startswith("ISO"))
        self.assertEqual(c.get_parameter_status("IntervalStyle"), "postgres")
        self.assertIsNotNone(c.get_parameter_status("TimeZone"))
        self.assertIsNotNone(c.get_backend_pid())
        self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_IDLE)
        self.assertEqual(self.one("SELECT 1"), (1,))
        self.assertEqual(self.one("SELECT 'ok' AS status, 2 + 3 AS five"), ("ok", 5))
        c.close()
        self.assertEqual(c.closed, 1)
        with self.assertRaises(psycopg2.InterfaceError):
            c.cursor()

    def test_show_settings(self):
        self.conn.autocommit = True
        self.assertEqual(self.one("SHOW transaction_isolation"), ("read committed",))
        self.assertEqual(self.one("SHOW default_transaction_isolation"), ("read committed",))
        self.assertEqual(self.one("SHOW standard_conforming_strings"), ("on",))
        with self.conn.cursor() as cur:
            cur.execute("SET application_name = 'psycopg2 wire test'")
            self.assertEqual(cur.statusmessage, "SET")
            cur.execute("SHOW application_name")
            self.assertEqual(cur.fetchall(), [("psycopg2 wire test",)])
            self.assertEqual(cur.description[0].name, "application_name")
            self.assertEqual(cur.description[0].type_code, OID["text"])

    def test_multiple_statements_in_one_execute(self):
        # One simple Query holding several statements: psycopg2 keeps the last result.
        t = self.table("m", "id int PRIMARY KEY, v text")
        with self.conn.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1, 'a'); INSERT INTO {t} VALUES (2, 'b'); "
                        f"SELECT v FROM {t} ORDER BY id")
            self.assertEqual(cur.fetchall(), [("a",), ("b",)])
        self.conn.commit()
        self.assertEqual(self.one(f"SELECT count(*) FROM {t}"), (2,))

    def test_notices(self):
        self.conn.autocommit = True
        del self.conn.notices[:]
        with self.conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS wt_py_never_created_{os.getpid()}")
            self.assertEqual(cur.statusmessage, "DROP TABLE")
        self.assertEqual(len(self.conn.notices), 1)
        self.assertEqual(self.conn.notices[0],
                         f'NOTICE:  table "wt_py_never_created_{os.getpid()}" does not exist, skipping\n')


class TransactionTest(WireTest):
    def test_autocommit_off_begins_implicitly(self):
        t = self.table("t", "id int PRIMARY KEY, v int")
        c = self.conn
        self.assertFalse(c.autocommit)
        self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_IDLE)
        with c.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1, 10)")
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_INTRANS)
            c.rollback()
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_IDLE)
            cur.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cur.fetchone(), (0,))
            cur.execute(f"INSERT INTO {t} VALUES (2, 20)")
            c.commit()
        self.assertEqual(self.one(f"SELECT id, v FROM {t}", conn=self.other()), (2, 20))
        # "with conn" commits on success and rolls back on an exception
        with c:
            with c.cursor() as cur:
                cur.execute(f"INSERT INTO {t} VALUES (3, 30)")
        with self.assertRaises(ZeroDivisionError):
            with c:
                with c.cursor() as cur:
                    cur.execute(f"INSERT INTO {t} VALUES (4, 40)")
                    1 / 0
        self.assertEqual(self.one(f"SELECT count(*), sum(v) FROM {t}", conn=self.other()), (2, 50))

    def test_autocommit_on(self):
        t = self.table("t", "id int PRIMARY KEY")
        c = self.conn
        c.autocommit = True
        with c.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1)")
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_IDLE)
            # visible to another session at once
            self.assertEqual(self.one(f"SELECT count(*) FROM {t}", conn=self.other()), (1,))
            # an explicit block still works in autocommit mode
            cur.execute("BEGIN")
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_INTRANS)
            cur.execute(f"INSERT INTO {t} VALUES (2)")
            cur.execute("ROLLBACK")
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_IDLE)
            cur.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cur.fetchone(), (1,))

    def test_read_committed_visibility_across_connections(self):
        t = self.table("t", "id int PRIMARY KEY, v text")
        a = self.conn
        b = self.other()
        with a.cursor() as ca, b.cursor() as cb:
            ca.execute(f"INSERT INTO {t} VALUES (1, 'uncommitted')")
            cb.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cb.fetchone(), (0,))
            ca.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(ca.fetchone(), (1,))       # A sees its own write
            a.commit()
            cb.execute(f"SELECT v FROM {t}")            # same transaction of B, new statement
            self.assertEqual(cb.fetchall(), [("uncommitted",)])
            b.commit()
            ca.execute(f"UPDATE {t} SET v = 'changed' WHERE id = 1")
            a.rollback()
            cb.execute(f"SELECT v FROM {t}")
            self.assertEqual(cb.fetchone(), ("uncommitted",))
            b.rollback()

    def test_repeatable_read_snapshot(self):
        t = self.table("t", "id int PRIMARY KEY, v int")
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1, 1)")
        b = self.other()
        b.set_session(isolation_level="REPEATABLE READ")
        with b.cursor() as cb, self.conn.cursor() as ca:
            cb.execute(f"SELECT v FROM {t} WHERE id = 1")
            self.assertEqual(cb.fetchone(), (1,))
            ca.execute(f"UPDATE {t} SET v = 2 WHERE id = 1")
            ca.execute(f"INSERT INTO {t} VALUES (2, 2)")
            cb.execute(f"SELECT count(*), sum(v) FROM {t}")
            self.assertEqual(cb.fetchone(), (1, 1))     # B's snapshot predates A's commits
            b.commit()
            cb.execute(f"SELECT count(*), sum(v) FROM {t}")
            self.assertEqual(cb.fetchone(), (2, 4))
            b.rollback()

    def test_isolation_levels(self):
        c = self.conn
        with c.cursor() as cur:
            cur.execute("SHOW transaction_isolation")
            self.assertEqual(cur.fetchone(), ("read committed",))
            c.rollback()
            for level, shown in (("REPEATABLE READ", "repeatable read"), ("SERIALIZABLE", "serializable"),
                                 ("READ COMMITTED", "read committed")):
                # psycopg2 sends BEGIN ISOLATION LEVEL <level>
                c.set_session(isolation_level=level)
                cur.execute("SHOW transaction_isolation")
                self.assertEqual(cur.fetchone(), (shown,), level)
                c.rollback()
            c.set_isolation_level(ext.ISOLATION_LEVEL_REPEATABLE_READ)
            self.assertEqual(c.isolation_level, ext.ISOLATION_LEVEL_REPEATABLE_READ)
            cur.execute("SHOW transaction_isolation")
            self.assertEqual(cur.fetchone(), ("repeatable read",))
            c.commit()
            c.set_session(isolation_level="DEFAULT")
            # SET TRANSACTION as the first statement after psycopg2's implicit BEGIN
            cur.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
            cur.execute("SHOW transaction_isolation")
            self.assertEqual(cur.fetchone(), ("serializable",))
            c.commit()
            cur.execute("SHOW transaction_isolation")
            self.assertEqual(cur.fetchone(), ("read committed",))
            c.rollback()
            # read only: psycopg2 sends BEGIN READ ONLY
            c.set_session(readonly=True)
            cur.execute("SHOW transaction_read_only")
            self.assertEqual(cur.fetchone(), ("on",))
            c.rollback()
            c.set_session(readonly="DEFAULT")
        c.autocommit = True
        with c.cursor() as cur:
            # in autocommit mode psycopg2 sets default_transaction_isolation instead
            c.set_session(isolation_level="REPEATABLE READ")
            cur.execute("SHOW default_transaction_isolation")
            self.assertEqual(cur.fetchone(), ("repeatable read",))
            cur.execute("SHOW transaction_isolation")
            self.assertEqual(cur.fetchone(), ("repeatable read",))
            c.set_session(isolation_level="DEFAULT")
            cur.execute("SHOW default_transaction_isolation")
            self.assertEqual(cur.fetchone(), ("read committed",))

    def test_serialization_failure_repeatable_read(self):
        t = self.table("t", "id int PRIMARY KEY, v int")
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1, 100), (2, 200)")
        a = self.other()
        b = self.other()
        b.set_session(isolation_level="REPEATABLE READ")
        with a.cursor() as ca, b.cursor() as cb:
            cb.execute(f"SELECT v FROM {t} WHERE id = 1")        # B's snapshot is taken here
            self.assertEqual(cb.fetchone(), (100,))
            ca.execute(f"UPDATE {t} SET v = v + 1 WHERE id = 1")
            self.assertEqual(ca.rowcount, 1)
            a.commit()                                           # A is done before B writes
            with self.assertRaises(psycopg2.errors.SerializationFailure) as cm:
                cb.execute(f"UPDATE {t} SET v = v + 10 WHERE id = 1")
            self.assertEqual(cm.exception.pgcode, "40001")
            self.assertEqual(cm.exception.diag.message_primary,
                             "could not serialize access due to concurrent update")
            self.assertEqual(b.get_transaction_status(), ext.TRANSACTION_STATUS_INERROR)
            b.rollback()
            # the retry sees A's commit and succeeds
            cb.execute(f"UPDATE {t} SET v = v + 10 WHERE id = 1")
            self.assertEqual(cb.rowcount, 1)
            b.commit()
            # a row A did not touch can be updated by an older snapshot
            cb.execute(f"SELECT count(*) FROM {t}")
            ca.execute(f"UPDATE {t} SET v = 0 WHERE id = 1")
            a.commit()
            cb.execute(f"UPDATE {t} SET v = v + 1 WHERE id = 2")
            b.commit()
        self.assertEqual(self.one(f"SELECT v FROM {t} WHERE id = 1"), (0,))
        self.assertEqual(self.one(f"SELECT v FROM {t} WHERE id = 2"), (201,))


class ParameterTest(WireTest):
    def test_parameter_types_round_trip(self):
        dt = datetime.datetime(2024, 2, 29, 13, 45, 6, 123456)
        dtz = datetime.datetime(2024, 2, 29, 13, 45, 6, tzinfo=datetime.timezone.utc)
        dtz2 = datetime.datetime(2024, 2, 29, 15, 45, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
        row = self.one(
            "SELECT %s, %s::float8, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s",
            (42, 1.5, decimal.Decimal("12.340"), "it's a \\ test", psycopg2.Binary(b"\x00\x01\xfe\xff"), True,
             None, datetime.date(2024, 2, 29), dt, dtz, dtz2, datetime.time(23, 59, 58, 500000),
             datetime.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7), False, 2 ** 40))
        (i, f, d, s, b, t, n, date, ts, tz, tz2, tm, iv, fl, big) = row
        self.assertEqual(i, 42)
        self.assertIsInstance(i, int)
        self.assertEqual(f, 1.5)
        self.assertIsInstance(f, float)
        self.assertEqual(d, decimal.Decimal("12.340"))
        self.assertEqual(str(d), "12.340")
        self.assertEqual(s, "it's a \\ test")
        self.assertIsInstance(b, memoryview)
        self.assertEqual(bytes(b), b"\x00\x01\xfe\xff")
        self.assertIs(t, True)
        self.assertIs(fl, False)
        self.assertIsNone(n)
        self.assertEqual(date, datetime.date(2024, 2, 29))
        self.assertEqual(ts, dt)
        self.assertIsNone(ts.tzinfo)
        self.assertEqual(tz, dtz)
        self.assertEqual(tz.utcoffset(), datetime.timedelta(0))
        self.assertEqual(tz2, dtz)        # shown in UTC, same instant
        self.assertEqual(tm, datetime.time(23, 59, 58, 500000))
        self.assertEqual(iv, datetime.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7))
        self.assertEqual(big, 2 ** 40)

    def test_typed_columns_round_trip(self):
        t = self.table("t", "id int PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint, f4 real, "
                            "f8 double precision, n numeric(10,2), tx text, vc varchar(10), ch char(4), by bytea, "
                            "d date, tm time, ts timestamp, tz timestamptz, iv interval")
        values = (1, True, -32768, 2147483647, -9223372036854775808, 0.5, 1.0 / 3, decimal.Decimal("-12.5"),
                  "text", "varchar", "ch", psycopg2.Binary(b"\x00bytes\xff"), datetime.date(1999, 12, 31),
                  datetime.time(0, 0, 1), datetime.datetime(2000, 1, 1, 0, 0, 0),
                  datetime.datetime(2038, 1, 19, 3, 14, 7, tzinfo=datetime.timezone.utc),
                  datetime.timedelta(days=-1, seconds=60))
        with self.conn.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES ({', '.join(['%s'] * len(values))})", values)
            self.assertEqual(cur.rowcount, 1)
            cur.execute(f"INSERT INTO {t} (id) VALUES (%s)", (2,))
            cur.execute(f"SELECT * FROM {t} ORDER BY id")
            rows = cur.fetchall()
            desc = cur.description
        self.conn.commit()
        r = rows[0]
        self.assertEqual(r[:5], (1, True, -32768, 2147483647, -9223372036854775808))
        self.assertEqual(r[5], 0.5)
        self.assertIsInstance(r[5], float)
        self.assertEqual(r[6], 1.0 / 3)
        self.assertEqual(r[7], decimal.Decimal("-12.50"))      # scale from numeric(10,2)
        self.assertEqual(str(r[7]), "-12.50")
        self.assertEqual(r[8:11], ("text", "varchar", "ch  "))  # char(4) is blank-padded
        self.assertEqual(bytes(r[11]), b"\x00bytes\xff")
        self.assertEqual(r[12], datetime.date(1999, 12, 31))
        self.assertEqual(r[13], datetime.time(0, 0, 1))
        self.assertEqual(r[14], datetime.datetime(2000, 1, 1))
        self.assertEqual(r[15], datetime.datetime(2038, 1, 19, 3, 14, 7, tzinfo=datetime.timezone.utc))
        self.assertEqual(r[16], datetime.timedelta(days=-1, seconds=60))
        self.assertEqual(rows[1], (2,) + (None,) * 16)
        names = [c.name for c in desc]
        self.assertEqual(names, ["id", "b", "i2", "i4", "i8", "f4", "f8", "n", "tx", "vc", "ch", "by",
                                 "d", "tm", "ts", "tz", "iv"])
        codes = [c.type_code for c in desc]
        self.assertEqual(codes, [OID[k] for k in ("int4", "bool", "int2", "int4", "int8", "float4", "float8",
                                                  "numeric", "text", "varchar", "bpchar", "bytea", "date", "time",
                                                  "timestamp", "timestamptz", "interval")])
        # fixed type lengths (RowDescription's typlen) and numeric's precision/scale (typmod)
        self.assertEqual([desc[k].internal_size for k in (0, 1, 2, 4, 5, 6)], [4, 1, 2, 8, 4, 8])
        self.assertEqual(desc[8].internal_size, -1)
        self.assertEqual((desc[7].precision, desc[7].scale), (10, 2))

    def test_description_of_expressions(self):
        with self.conn.cursor() as cur:
            cur.execute("SELECT 1 AS a, 1::bigint AS b, 1.5 AS c, 'x' AS d, 'x'::varchar(3) AS e, true AS f, "
                        "NULL AS g, 1::float4 AS h, CURRENT_DATE AS i, 2 + 2, count(*)")
            self.assertEqual([(c.name, c.type_code) for c in cur.description],
                             [("a", OID["int4"]), ("b", OID["int8"]), ("c", OID["numeric"]), ("d", OID["text"]),
                              ("e", OID["varchar"]), ("f", OID["bool"]), ("g", OID["text"]), ("h", OID["float4"]),
                              ("i", OID["date"]), ("?column?", OID["int4"]), ("count", OID["int8"])])
            row = cur.fetchone()
            self.assertEqual(row[:8], (1, 1, decimal.Decimal("1.5"), "x", "x", True, None, 1.0))
            self.assertIsInstance(row[8], datetime.date)
            self.assertEqual(row[9:], (4, 1))
            # a statement without a result set has no description
            cur.execute("SET TIME ZONE 'UTC'")
            self.assertIsNone(cur.description)

    def test_special_values(self):
        row = self.one("SELECT %s, %s, %s, %s::numeric, %s, %s, %s",
                       (float("inf"), float("-inf"), -0.0, decimal.Decimal("NaN"), 2 ** 70, "", -1))
        self.assertEqual(row[0], float("inf"))
        self.assertEqual(row[1], float("-inf"))
        self.assertTrue(row[3].is_nan())
        self.assertEqual(row[4], 2 ** 70)
        self.assertEqual(row[5:], ("", -1))
        nan = self.one("SELECT %s", (float("nan"),))[0]
        self.assertNotEqual(nan, nan)
        # tuples adapt to IN lists
        self.assertEqual(self.one("SELECT 3 IN %s, 'z' IN %s", ((1, 2, 3), ("a", "b"))), (True, False))

    def test_quoting_and_injection_safety(self):
        t = self.table("t", "id int PRIMARY KEY, s text")
        tricky = ["O'Reilly", "back\\slash", "semi; DROP TABLE x; --", '"double"', "$$dollar$$", "%s %% percent",
                  "new\nline\ttab", "E'not an escape'", "\\x41"]
        with self.conn.cursor() as cur:
            for i, s in enumerate(tricky):
                cur.execute(f"INSERT INTO {t} VALUES (%s, %s)", (i, s))
            cur.execute(f"SELECT s FROM {t} ORDER BY id")
            self.assertEqual([r[0] for r in cur.fetchall()], tricky)
            cur.execute(f"SELECT id FROM {t} WHERE s = %s", ("O'Reilly",))
            self.assertEqual(cur.fetchall(), [(0,)])
            cur.execute(f"SELECT count(*) FROM {t} WHERE s LIKE %s", ("%\\%",))
            self.assertEqual(cur.fetchone(), (0,))
        self.conn.commit()

    def test_unicode_round_trip(self):
        t = self.table("t", "id int PRIMARY KEY, s text, v varchar(8), c char(3)")
        samples = ["héllo wörld", "日本語テキスト", "emoji 🎉🚀", "Ελληνικά", "עברית", "e\u0301 combining", "ß→SS?", ""]
        with self.conn.cursor() as cur:
            psycopg2.extras.execute_values(cur, f"INSERT INTO {t} (id, s) VALUES %s", list(enumerate(samples)))
            cur.execute(f"INSERT INTO {t} VALUES (%s, %s, %s, %s)", (100, "x", "ünïcödé!", "äö"))
            cur.execute(f"SELECT id, s, length(s), octet_length(s), upper(s) FROM {t} WHERE id < 100 ORDER BY id")
            rows = cur.fetchall()
            self.assertEqual([r[1] for r in rows], samples)
            self.assertEqual([r[2] for r in rows], [len(s) for s in samples])
            self.assertEqual([r[3] for r in rows], [len(s.encode("utf-8")) for s in samples])
            self.assertEqual(rows[0][4], "HÉLLO WÖRLD")
            cur.execute(f"SELECT v, c, length(v) FROM {t} WHERE id = 100")
            self.assertEqual(cur.fetchone(), ("ünïcödé!", "äö ", 8))
            cur.execute(f"SELECT id FROM {t} WHERE s = %s", ("日本語テキスト",))
            self.assertEqual(cur.fetchone(), (1,))
            cur.execute("SELECT %s AS \"naïve column ✓\"", ("✓",))
            self.assertEqual(cur.description[0].name, "naïve column ✓")
            self.assertEqual(cur.fetchone(), ("✓",))
            with self.assertRaises(psycopg2.errors.StringDataRightTruncation):
                cur.execute(f"INSERT INTO {t} (id, v) VALUES (101, %s)", ("ü" * 9,))
        self.conn.rollback()


class RowcountTest(WireTest):
    def test_rowcount_and_statusmessage(self):
        t = self.table("t", "id int PRIMARY KEY, v int")
        with self.conn.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1, 10), (2, 20), (3, 30)")
            self.assertEqual((cur.rowcount, cur.statusmessage), (3, "INSERT 0 3"))
            cur.execute(f"UPDATE {t} SET v = v + 1 WHERE id >= 2")
            self.assertEqual((cur.rowcount, cur.statusmessage), (2, "UPDATE 2"))
            cur.execute(f"UPDATE {t} SET v = 0 WHERE id = 99")
            self.assertEqual((cur.rowcount, cur.statusmessage), (0, "UPDATE 0"))
            cur.execute(f"SELECT * FROM {t} ORDER BY id")
            self.assertEqual((cur.rowcount, cur.statusmessage), (3, "SELECT 3"))
            self.assertEqual(cur.fetchall(), [(1, 10), (2, 21), (3, 31)])
            cur.execute(f"DELETE FROM {t} WHERE id = 1")
            self.assertEqual((cur.rowcount, cur.statusmessage), (1, "DELETE 1"))
            cur.execute(f"INSERT INTO {t} VALUES (4, 40), (5, 50) RETURNING id, v * 2")
            self.assertEqual((cur.rowcount, cur.statusmessage), (2, "INSERT 0 2"))
            self.assertEqual(cur.fetchall(), [(4, 80), (5, 100)])
            cur.execute(f"UPDATE {t} SET v = -v WHERE id = %s RETURNING v", (5,))
            self.assertEqual(cur.fetchone(), (-50,))
            cur.execute(f"INSERT INTO {t} VALUES (5, 0) ON CONFLICT (id) DO NOTHING")
            self.assertEqual((cur.rowcount, cur.statusmessage), (0, "INSERT 0 0"))
            cur.execute(f"DELETE FROM {t}")
            self.assertEqual((cur.rowcount, cur.statusmessage), (4, "DELETE 4"))
        self.conn.commit()

    def test_executemany(self):
        t = self.table("t", "id int PRIMARY KEY, name text, score numeric(5,1)")
        rows = [(i, f"name {i}", decimal.Decimal(i) / 2) for i in range(1, 51)]
        with self.conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", rows)
            self.assertEqual(cur.rowcount, 50)
            cur.executemany(f"UPDATE {t} SET score = score + %s WHERE id = %s", [(1, 1), (1, 2), (1, 999)])
            self.assertEqual(cur.rowcount, 2)
            psycopg2.extras.execute_batch(cur, f"INSERT INTO {t} VALUES (%s, %s, %s)",
                                          [(i, "batch", 0) for i in range(51, 61)], page_size=4)
            psycopg2.extras.execute_values(cur, f"INSERT INTO {t} VALUES %s",
                                           [(i, "values", 1) for i in range(61, 81)], page_size=7)
            cur.execute(f"SELECT count(*), sum(score), min(name), max(id) FROM {t}")
            self.assertEqual(cur.fetchone(), (80, decimal.Decimal("659.5"), "batch", 80))
            cur.execute(f"SELECT score FROM {t} WHERE id = 1")
            self.assertEqual(cur.fetchone(), (decimal.Decimal("1.5"),))
        self.conn.commit()

    def test_large_result(self):
        t = self.table("t", "id int PRIMARY KEY, label text, amount numeric(12,2), flag boolean")
        n = 5000
        with self.conn.cursor() as cur:
            psycopg2.extras.execute_values(
                cur, f"INSERT INTO {t} VALUES %s",
                [(i, f"row-{i:05d}-" + "x" * (i % 50), decimal.Decimal(i) / 4, i % 3 == 0) for i in range(n)],
                page_size=1000)
            self.conn.commit()
            cur.execute(f"SELECT id, label, amount, flag FROM {t} ORDER BY id")
            self.assertEqual(cur.rowcount, n)
            rows = cur.fetchall()
            self.assertEqual(len(rows), n)
            for i in (0, 1, 2, 777, 4998, 4999):
                self.assertEqual(rows[i], (i, f"row-{i:05d}-" + "x" * (i % 50), decimal.Decimal(i) / 4, i % 3 == 0))
            self.assertEqual([r[0] for r in rows], list(range(n)))
            # fetchone / fetchmany / iteration over the same buffered result
            cur.execute(f"SELECT id FROM {t} WHERE id < 10 ORDER BY id DESC")
            self.assertEqual(cur.fetchone(), (9,))
            self.assertEqual(cur.fetchmany(3), [(8,), (7,), (6,)])
            self.assertEqual([r[0] for r in cur], [5, 4, 3, 2, 1, 0])
            self.assertIsNone(cur.fetchone())
            cur.execute(f"SELECT count(*), sum(amount), count(*) FILTER (WHERE flag) FROM {t}")
            self.assertEqual(cur.fetchone(), (n, decimal.Decimal(n * (n - 1) // 2) / 4, 1667))
            cur.execute(f"SELECT a.id, b.id FROM {t} a JOIN {t} b ON b.id = a.id + 1 WHERE a.id % 100 = 0 ORDER BY a.id")
            self.assertEqual(cur.fetchall(), [(i, i + 1) for i in range(0, n - 1, 100)])
        self.conn.rollback()


class ErrorTest(WireTest):
    def assertPgError(self, cm, code, cls):
        self.assertEqual(cm.exception.pgcode, code)
        self.assertIsInstance(cm.exception, cls)
        self.assertEqual(cm.exception.diag.sqlstate, code)
        self.assertEqual(cm.exception.diag.severity, "ERROR")

    def test_unique_violation(self):
        t = self.table("t", "id int PRIMARY KEY, email text UNIQUE")
        with self.conn.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1, 'a@example.com')")
            self.conn.commit()
            with self.assertRaises(psycopg2.IntegrityError) as cm:
                cur.execute(f"INSERT INTO {t} VALUES (1, 'b@example.com')")
            self.assertPgError(cm, "23505", psycopg2.errors.UniqueViolation)
            self.assertEqual(cm.exception.diag.message_primary,
                             f'duplicate key value violates unique constraint "{t}_pkey"')
            self.assertEqual(cm.exception.diag.message_detail, "Key (id)=(1) already exists.")
            self.conn.rollback()
            with self.assertRaises(psycopg2.errors.UniqueViolation) as cm:
                cur.execute(f"INSERT INTO {t} VALUES (2, %s)", ("a@example.com",))
            self.assertEqual(cm.exception.diag.message_detail, "Key (email)=(a@example.com) already exists.")
            self.conn.rollback()
            with self.assertRaises(psycopg2.errors.NotNullViolation) as cm:
                cur.execute(f"INSERT INTO {t} VALUES (NULL, 'c')")
            self.assertEqual(cm.exception.pgcode, "23502")
            self.conn.rollback()
            cur.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cur.fetchone(), (1,))

    def test_undefined_table_syntax_error_division_by_zero(self):
        c = self.conn
        with c.cursor() as cur:
            with self.assertRaises(psycopg2.ProgrammingError) as cm:
                cur.execute(f"SELECT * FROM wt_py_no_such_table_{os.getpid()}")
            self.assertPgError(cm, "42P01", psycopg2.errors.UndefinedTable)
            self.assertEqual(cm.exception.diag.message_primary,
                             f'relation "wt_py_no_such_table_{os.getpid()}" does not exist')
            c.rollback()
            with self.assertRaises(psycopg2.ProgrammingError) as cm:
                cur.execute("SELEC 1")
            self.assertPgError(cm, "42601", psycopg2.errors.SyntaxError)
            self.assertEqual(cm.exception.diag.message_primary, 'syntax error at or near "SELEC"')
            c.rollback()
            with self.assertRaises(psycopg2.DataError) as cm:
                cur.execute("SELECT %s / %s", (1, 0))
            self.assertPgError(cm, "22012", psycopg2.errors.DivisionByZero)
            self.assertEqual(cm.exception.diag.message_primary, "division by zero")
            c.rollback()
            with self.assertRaises(psycopg2.errors.UndefinedColumn) as cm:
                cur.execute("SELECT no_such_column FROM (SELECT 1 AS a) s")
            self.assertEqual(cm.exception.pgcode, "42703")
            c.rollback()
            with self.assertRaises(psycopg2.errors.InvalidTextRepresentation) as cm:
                cur.execute("SELECT %s::int", ("abc",))
            self.assertEqual(cm.exception.pgcode, "22P02")
            c.rollback()
            with self.assertRaises(psycopg2.errors.NumericValueOutOfRange) as cm:
                cur.execute("SELECT %s::int + 1", (2147483647,))
            self.assertEqual(cm.exception.pgcode, "22003")
            c.rollback()
            cur.execute("SELECT 'recovered'")
            self.assertEqual(cur.fetchone(), ("recovered",))

    def test_in_failed_transaction_and_rollback(self):
        t = self.table("t", "id int PRIMARY KEY")
        c = self.conn
        with c.cursor() as cur:
            cur.execute(f"INSERT INTO {t} VALUES (1)")
            with self.assertRaises(psycopg2.errors.DivisionByZero):
                cur.execute("SELECT 1 / 0")
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_INERROR)
            with self.assertRaises(psycopg2.InternalError) as cm:
                cur.execute("SELECT 1")
            self.assertPgError(cm, "25P02", psycopg2.errors.InFailedSqlTransaction)
            self.assertEqual(cm.exception.diag.message_primary,
                             "current transaction is aborted, commands ignored until end of transaction block")
            c.rollback()
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_IDLE)
            cur.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cur.fetchone(), (0,))                  # the insert was rolled back
            # a savepoint limits the damage
            cur.execute(f"INSERT INTO {t} VALUES (1)")
            cur.execute("SAVEPOINT sp")
            with self.assertRaises(psycopg2.errors.UniqueViolation):
                cur.execute(f"INSERT INTO {t} VALUES (1)")
            cur.execute("ROLLBACK TO SAVEPOINT sp")
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_INTRANS)
            cur.execute(f"INSERT INTO {t} VALUES (2)")
            cur.execute("RELEASE SAVEPOINT sp")
            c.commit()
            cur.execute(f"SELECT id FROM {t} ORDER BY id")
            self.assertEqual(cur.fetchall(), [(1,), (2,)])
            # COMMIT of a failed transaction rolls it back
            cur.execute(f"INSERT INTO {t} VALUES (3)")
            with self.assertRaises(psycopg2.errors.DivisionByZero):
                cur.execute("SELECT 1 / 0")
            c.commit()
            cur.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cur.fetchone(), (2,))
            c.rollback()
        # errors in autocommit mode leave the session usable at once
        c.autocommit = True
        with c.cursor() as cur:
            with self.assertRaises(psycopg2.errors.UniqueViolation):
                cur.execute(f"INSERT INTO {t} VALUES (1)")
            self.assertEqual(c.get_transaction_status(), ext.TRANSACTION_STATUS_IDLE)
            cur.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cur.fetchone(), (2,))

    def test_error_in_multi_statement_query(self):
        # The statements of one simple Query run as one implicit transaction.
        t = self.table("t", "id int PRIMARY KEY")
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            with self.assertRaises(psycopg2.errors.DivisionByZero):
                cur.execute(f"INSERT INTO {t} VALUES (1); SELECT 1 / 0; INSERT INTO {t} VALUES (2)")
            cur.execute(f"SELECT count(*) FROM {t}")
            self.assertEqual(cur.fetchone(), (0,))


if __name__ == "__main__":
    unittest.main(verbosity=2)
