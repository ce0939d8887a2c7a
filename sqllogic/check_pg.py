#!/usr/bin/env python3
"""Run isodb's sqllogictest suites against a real PostgreSQL, to prove that every
expectation in them is PostgreSQL's own answer.

Usage:
    pip install psycopg2-binary
    python3 sqllogic/check_pg.py [-v] [-e] FILE.slt [FILE.slt ...]
        [--dsn "host=127.0.0.1 port=5432 user=postgres password=postgres"]

Each file runs in a scratch database of its own (`slt_<file stem>`, created fresh from
template0 with encoding UTF8, collation and ctype C.UTF-8 (byte order, as isodb compares text)
and TimeZone UTC, dropped afterwards), one session per `connection` name (records without a
`connection` line use the session `default`), all in autocommit mode so that the file's own
BEGIN/COMMIT/ROLLBACK drive the transactions.

The rules are those of isodb's runner (src/slt/runner.rs over the sqllogictest 0.29 crate):
- values are PostgreSQL's text output, NULL as `NULL`, the empty string as `(empty)`;
- a row is its values joined by one space; expected lines and values are compared after
  trimming and collapsing ASCII whitespace;
- `rowsort` sorts the actual rows (as lists of strings), `valuesort` sorts all values;
  the expected lines are not sorted;
- `statement ok` accepts a row-returning statement; `statement count N` compares the
  affected rows (or the returned rows);
- `statement error <regex>` / `query error <regex>` search the regex in
  `SQLSTATE: message` followed by `\\nDETAIL: ...` and `\\nHINT: ...` when present;
  `error (XXXXX)` compares the SQLSTATE alone; an empty regex accepts any error; a
  `----` block after an error record is compared exactly (trimmed);
- `skipif`/`onlyif` answer to the label `postgresql`; `halt` stops the file.

Blocking statements (the isolation suites, sqllogic/isolation/): a marker written as the
first line of a record's SQL text.
- `-- blocks` (the record must be `statement ok`): the SQL after the marker line starts in
  the background on the record's session (a thread). The checker then waits, at most 10 s,
  until either PostgreSQL shows that session's backend blocked
  (`cardinality(pg_blocking_pids(pid)) > 0 or cardinality(pg_safe_snapshot_blocking_pids(pid))
  > 0`, asked on a separate monitor connection, with the pid that `pg_backend_pid()` gave when
  the session opened) or the statement finishes. Blocked: the record passes and the statement
  stays pending on that session. Finished without blocking, or 10 s passed (the statement is
  then cancelled): the record fails ("expected to block but ...").
- `-- await` (a record whose SQL is only the marker line; any expectation: `statement ok`,
  `statement count N`, `statement error ...`, `query ...` with a `----` block, `query error
  ...`): waits, at most 10 s (then cancels it and fails), for the session's pending statement
  and checks ITS outcome against this record's expectation by the rules above.
- Any other record on a session with a pending statement fails ("await first") without
  running; `-- await` with nothing pending fails. At end of file a pending statement is
  cancelled and reported as a failure.

`-e` prints each error that an error record matched (SQLSTATE, message, DETAIL, HINT), e.g.
to see which serialization failure reason PostgreSQL gave.

Exit status 0 when every file passes. The last line is `N passed, M failed` (in files).
"""

import argparse
import os
import re
import sys
import threading
import time

import psycopg2
import psycopg2.extensions as ext

LABELS = {"postgresql"}
ASCII_WS = re.compile(r"[ \t\n\r\x0c]+")


def _raw(value, _cur):
    return value


# Every value as PostgreSQL's text output: replace all of psycopg2's typecasters.
for _oid in list(ext.string_types.keys()):
    ext.register_type(ext.new_type((_oid,), "RAW%d" % _oid, _raw))
ext.register_type(ext.new_type((17,), "RAWBYTEA", _raw))  # bytea: keep the \x text


def normalize(s):
    return " ".join(t for t in ASCII_WS.split(s.strip()) if t)


def render(v):
    if v is None:
        return "NULL"
    if isinstance(v, bytes):
        v = v.decode("utf-8")
    if v == "":
        return "(empty)"
    return str(v)


class Record:
    def __init__(self, kind, line, sql, conn, conds, **kw):
        self.kind = kind  # 'statement' | 'query' | 'halt' | 'control'
        self.line = line
        self.sql = sql
        self.conn = conn
        self.conds = conds
        self.__dict__.update(kw)


def parse(text, name):
    lines = text.replace("\r\n", "\n").split("\n")
    recs = []
    i = 0
    conds = []
    conn = "default"

    def read_sql(i, delim=True):
        out = [lines[i]]
        i += 1
        found = False
        while i < len(lines):
            ln = lines[i]
            i += 1
            if ln == "":
                break
            if delim and ln == "----":
                found = True
                break
            out.append(ln)
        return "\n".join(out), found, i

    def read_results(i):
        res = []
        while i < len(lines):
            ln = lines[i]
            i += 1
            if ln == "":
                break
            res.append(ln)
        return res, i

    def read_multiline(i):
        buf = []
        while i < len(lines):
            ln = lines[i]
            i += 1
            nxt_empty = i >= len(lines) or lines[i] == ""
            if ln == "" and nxt_empty:
                i += 1
                break
            buf.append(ln)
        return "\n".join(buf).strip(), i

    def parse_error(tokens, lineno):
        joined = " ".join(tokens)
        m = re.fullmatch(r"\(([0-9A-Z]{5})\)", joined)
        if m:
            return ("sqlstate", m.group(1))
        if joined == "":
            return ("empty", None)
        try:
            return ("regex", re.compile(joined))
        except re.error as e:
            raise SystemExit("%s:%d: invalid regex %r: %s" % (name, lineno, joined, e))

    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        i += 1
        if line.startswith("#") or line == "":
            continue
        toks = line.split()
        if not toks:
            continue
        head = toks[0]
        if head in ("skipif", "onlyif"):
            conds.append((head, toks[1].lower()))
            continue
        if head == "connection":
            conn = toks[1]
            continue
        if head == "halt":
            recs.append(Record("halt", lineno, None, conn, conds))
            conds, conn = [], "default"
            continue
        if head == "control":
            if toks[1] == "sortmode":
                recs.append(Record("control", lineno, None, conn, conds, sortmode=toks[2]))
            continue
        if head == "hash-threshold":
            recs.append(Record("control", lineno, None, conn, conds, hash=int(toks[1])))
            continue
        if head == "statement":
            if toks[1] == "ok":
                exp = ("ok", None)
            elif toks[1] == "count":
                exp = ("count", int(toks[2]))
            elif toks[1] == "error":
                exp = ("error", parse_error(toks[2:], lineno))
            else:
                raise SystemExit("%s:%d: bad statement line" % (name, lineno))
            sql, found, i = read_sql(i, delim=(exp[0] == "error"))
            if found:
                if exp[1][0] != "empty":
                    raise SystemExit("%s:%d: duplicated error message" % (name, lineno))
                text_, i = read_multiline(i)
                exp = ("error", ("multiline", text_))
            recs.append(Record("statement", lineno, sql, conn, conds, expect=exp))
            conds, conn = [], "default"
            continue
        if head == "query":
            sortmode = None
            if len(toks) > 1 and toks[1] == "error":
                exp = ("error", parse_error(toks[2:], lineno))
            else:
                if len(toks) > 2 and toks[2] in ("nosort", "rowsort", "valuesort"):
                    sortmode = toks[2]
                exp = ("results", [])
            sql, found, i = read_sql(i)
            if found:
                if exp[0] == "results":
                    res, i = read_results(i)
                    exp = ("results", res)
                else:
                    if exp[1][0] != "empty":
                        raise SystemExit("%s:%d: duplicated error message" % (name, lineno))
                    text_, i = read_multiline(i)
                    exp = ("error", ("multiline", text_))
            recs.append(Record("query", lineno, sql, conn, conds, expect=exp, sortmode=sortmode))
            conds, conn = [], "default"
            continue
        if head in ("include", "subtest", "sleep", "system"):
            raise SystemExit("%s:%d: %s is not supported by this checker" % (name, lineno, head))
        raise SystemExit("%s:%d: invalid line %r" % (name, lineno, line))
    return recs


def skipped(conds):
    for kind, label in conds:
        m = label in LABELS
        if (kind == "skipif" and m) or (kind == "onlyif" and not m):
            return True
    return False


def err_text(e):
    code = e.pgcode or "XX000"
    d = e.diag
    msg = d.message_primary if d.message_primary is not None else str(e).strip()
    s = "%s: %s" % (code, msg)
    if d.message_detail:
        s += "\nDETAIL: " + d.message_detail
    if d.message_hint:
        s += "\nHINT: " + d.message_hint
    return code, s


def err_matches(spec, code, text):
    kind, val = spec
    if kind == "empty":
        return True
    if kind == "sqlstate":
        return code == val
    if kind == "regex":
        return val.search(text) is not None
    return val.strip() == text.strip()


BLOCKS = "-- blocks"
AWAIT = "-- await"
WAIT_LIMIT = 10.0  # seconds a `-- blocks` or `-- await` record waits at most
POLL = 0.005  # seconds between two looks at the blocked backend


def marker(sql):
    """`-- blocks` or `-- await` when the record's SQL text starts with that line."""
    first, _, rest = sql.partition("\n")
    first = first.strip()
    if first in (BLOCKS, AWAIT):
        return first, rest
    return None, sql


def execute(conn, sql):
    """Run one statement; return (rows or None, affected count, (sqlstate, text) or None)."""
    cur = conn.cursor()
    rows = None
    err = None
    count = 0
    try:
        cur.execute(sql)
        if cur.description is not None:
            rows = [[render(v) for v in row] for row in cur.fetchall()]
            count = len(rows)
        else:
            count = cur.rowcount if cur.rowcount >= 0 else 0
    except psycopg2.Error as e:
        err = err_text(e)
    finally:
        try:
            cur.close()
        except psycopg2.Error:
            pass
    return rows, count, err


def error_problem(val, err, what):
    """The problem with an outcome against an expected error `val`, or None."""
    if err is None:
        return "expected an error, %s succeeded" % what
    if not err_matches(val, *err):
        return "error mismatch:\n  expected: %s\n  actual:   %s" % (
            val[1].pattern if val[0] == "regex" else val[1], err[1])
    return None


def check(r, rows, count, err, sortmode_default):
    """The problem with an outcome against record r's expectation, or None."""
    kind, val = r.expect
    if r.kind == "statement":
        if kind == "error":
            return error_problem(val, err, "statement")
        elif err is not None:
            return "statement failed: %s" % err[1]
        elif kind == "count" and count != val:
            return "expected count %d, got %d" % (val, count)
        return None
    if kind == "error":
        return error_problem(val, err, "query")
    if err is not None:
        return "query failed: %s" % err[1]
    if rows is None:
        return "query returned no result set, expected rows" if val else None
    mode = r.sortmode or sortmode_default
    if mode == "rowsort":
        rows = sorted(rows)
    elif mode == "valuesort":
        rows = sorted([v] for row in rows for v in row)
    actual = [" ".join(normalize(v) for v in row) for row in rows]
    expected = [normalize(x) for x in val]
    if actual != expected:
        return "result mismatch:\n  expected:\n    %s\n  actual:\n    %s" % (
            "\n    ".join(val), "\n    ".join(actual))
    return None


def outcome_text(rows, count, err):
    if err is not None:
        return "error %s" % err[1].replace("\n", " ")
    if rows is not None:
        return "ok, %d row(s)" % len(rows)
    return "ok, %d row(s) affected" % count


class Session:
    """One named connection, its backend pid, and at most one background statement."""

    def __init__(self, conn):
        self.conn = conn
        with conn.cursor() as c:
            c.execute("select pg_backend_pid()")
            self.pid = int(c.fetchone()[0])  # text: every typecaster is replaced
        self.bg = None  # (thread, result list, start line) of an un-awaited `-- blocks`


def start_background(sess, sql):
    result = []

    def work():
        result.append(execute(sess.conn, sql))

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return t, result


def is_blocked(monitor, pid):
    with monitor.cursor() as c:
        c.execute("select cardinality(pg_blocking_pids(%s)) > 0 "
                  "or cardinality(pg_safe_snapshot_blocking_pids(%s)) > 0", (pid, pid))
        return c.fetchone()[0] in (True, "t")  # PostgreSQL's text output


def cancel_background(sess):
    """Cancel a background statement still running and wait for it to end."""
    t, _result, _line = sess.bg
    sess.bg = None
    if t.is_alive():
        try:
            sess.conn.cancel()
        except psycopg2.Error:
            pass
        t.join(WAIT_LIMIT)


def run_file(path, dsn, verbose, show_errors=False):
    name = os.path.basename(path)
    stem = re.sub(r"[^a-z0-9_]", "_", os.path.splitext(name)[0].lower())
    db = "slt_" + stem
    admin = psycopg2.connect(dsn + " dbname=postgres")
    admin.autocommit = True
    with admin.cursor() as c:
        c.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        c.execute('CREATE DATABASE "%s" TEMPLATE template0 ENCODING \'UTF8\' '
                  'LC_COLLATE \'C.UTF-8\' LC_CTYPE \'C.UTF-8\'' % db)
        c.execute('ALTER DATABASE "%s" SET TimeZone TO \'UTC\'' % db)
    with open(path, encoding="utf-8") as f:
        recs = parse(f.read(), name)
    sessions = {}
    monitor = []
    failures = []
    run = skipped_n = 0
    sortmode_default = None

    def connect():
        c = psycopg2.connect(dsn + " dbname=" + db)
        c.autocommit = True
        return c

    def session(n):
        if n not in sessions:
            sessions[n] = Session(connect())
        return sessions[n]

    def monitor_conn():
        if not monitor:
            monitor.append(connect())
        return monitor[0]

    def fail(r, problem, sql=None):
        sql = r.sql if sql is None else sql
        failures.append("%s:%d: %s\n  sql: %s" % (path, r.line, problem,
                                                  sql.replace("\n", "\n       ")))

    try:
        for r in recs:
            if r.kind == "halt":
                if skipped(r.conds):
                    continue
                break
            if r.kind == "control":
                if getattr(r, "sortmode", None):
                    sortmode_default = r.sortmode
                continue
            if skipped(r.conds):
                skipped_n += 1
                continue
            run += 1
            sess = session(r.conn)
            mark, sql = marker(r.sql)

            if mark == AWAIT:
                if sess.bg is None:
                    fail(r, "nothing to await on connection %s" % r.conn)
                    continue
                t, result, bline = sess.bg
                t.join(WAIT_LIMIT)
                if t.is_alive():
                    cancel_background(sess)
                    fail(r, "the background statement of line %d did not finish within %gs "
                         "(cancelled)" % (bline, WAIT_LIMIT))
                    continue
                sess.bg = None
                rows, count, err = result[0]
                problem = check(r, rows, count, err, sortmode_default)
                if problem:
                    fail(r, problem + " (background statement of line %d)" % bline)
                elif err is not None and show_errors:
                    print("  %s:%d: %s" % (path, r.line, err[1].replace("\n", "\n      ")))
                continue

            if sess.bg is not None:
                fail(r, "await first: connection %s has the background statement of line %d "
                     "running" % (r.conn, sess.bg[2]))
                continue

            if mark == BLOCKS:
                if r.kind != "statement" or r.expect[0] != "ok":
                    fail(r, "a `-- blocks` record must be `statement ok`")
                    continue
                t, result = start_background(sess, sql)
                mon = monitor_conn()
                deadline = time.monotonic() + WAIT_LIMIT
                blocked = False
                while True:
                    if not t.is_alive():
                        break
                    if is_blocked(mon, sess.pid):
                        blocked = True
                        break
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(POLL)
                if blocked:
                    sess.bg = (t, result, r.line)
                elif not t.is_alive():
                    t.join()
                    fail(r, "expected to block but it finished: %s" % outcome_text(*result[0]),
                         sql)
                else:
                    sess.bg = (t, result, r.line)
                    cancel_background(sess)
                    fail(r, "expected to block but it neither blocked nor finished within %gs "
                         "(cancelled)" % WAIT_LIMIT, sql)
                continue

            rows, count, err = execute(sess.conn, r.sql)
            problem = check(r, rows, count, err, sortmode_default)
            if problem:
                fail(r, problem)
            elif err is not None and show_errors:
                print("  %s:%d: %s" % (path, r.line, err[1].replace("\n", "\n      ")))
        for n, sess in sorted(sessions.items()):
            if sess.bg is not None:
                line = sess.bg[2]
                cancel_background(sess)
                failures.append("%s:%d: the background statement on connection %s was never "
                                "awaited (cancelled at end of file)" % (path, line, n))
    finally:
        for sess in sessions.values():
            if sess.bg is not None:
                cancel_background(sess)
        for c in [s.conn for s in sessions.values()] + monitor:
            try:
                c.close()
            except Exception:
                pass
        with admin.cursor() as c:
            c.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        admin.close()
    return run, skipped_n, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--dsn", default=os.environ.get(
        "PG_DSN", "host=127.0.0.1 port=5432 user=postgres password=postgres"))
    ap.add_argument("-v", "--verbose", action="store_true", help="print every failure")
    ap.add_argument("-e", "--errors", action="store_true",
                    help="print every error an error record matched, with its DETAIL")
    a = ap.parse_args()
    passed = failed = 0
    for p in a.files:
        run, sk, fails = run_file(p, a.dsn, a.verbose, a.errors)
        if fails:
            failed += 1
            print("FAIL %s: %d of %d records failed" % (p, len(fails), run))
            for f in (fails if a.verbose else fails[:5]):
                print("  " + f.replace("\n", "\n  "))
        else:
            passed += 1
            print("PASS %s (%d records, %d skipped)" % (p, run, sk))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
