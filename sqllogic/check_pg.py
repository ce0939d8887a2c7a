#!/usr/bin/env python3
"""Run isodb's sqllogictest suites against a real PostgreSQL, to prove that every
expectation in them is PostgreSQL's own answer.

Usage:
    pip install psycopg2-binary
    python3 sqllogic/check_pg.py [-v] FILE.slt [FILE.slt ...]
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

Exit status 0 when every file passes. The last line is `N passed, M failed` (in files).
"""

import argparse
import os
import re
import sys

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


def run_file(path, dsn, verbose):
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
    conns = {}
    failures = []
    run = skipped_n = 0
    sortmode_default = None

    def session(n):
        if n not in conns:
            c = psycopg2.connect(dsn + " dbname=" + db)
            c.autocommit = True
            conns[n] = c
        return conns[n]

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
            cur = session(r.conn).cursor()
            rows = None
            err = None
            count = 0
            try:
                cur.execute(r.sql)
                if cur.description is not None:
                    rows = [[render(v) for v in row] for row in cur.fetchall()]
                    count = len(rows)
                else:
                    count = cur.rowcount if cur.rowcount >= 0 else 0
            except psycopg2.Error as e:
                err = err_text(e)
            finally:
                cur.close()

            kind, val = r.expect
            problem = None
            if r.kind == "statement":
                if kind == "error":
                    if err is None:
                        problem = "expected an error, statement succeeded"
                    elif not err_matches(val, *err):
                        problem = "error mismatch:\n  expected: %s\n  actual:   %s" % (
                            val[1].pattern if val[0] == "regex" else val[1], err[1])
                elif err is not None:
                    problem = "statement failed: %s" % err[1]
                elif kind == "count" and count != val:
                    problem = "expected count %d, got %d" % (val, count)
            else:
                if kind == "error":
                    if err is None:
                        problem = "expected an error, query succeeded"
                    elif not err_matches(val, *err):
                        problem = "error mismatch:\n  expected: %s\n  actual:   %s" % (
                            val[1].pattern if val[0] == "regex" else val[1], err[1])
                elif err is not None:
                    problem = "query failed: %s" % err[1]
                elif rows is None:
                    if val:
                        problem = "query returned no result set, expected rows"
                else:
                    mode = r.sortmode or sortmode_default
                    if mode == "rowsort":
                        rows.sort()
                    elif mode == "valuesort":
                        rows = sorted([v] for row in rows for v in row)
                    actual = [" ".join(normalize(v) for v in row) for row in rows]
                    expected = [normalize(x) for x in val]
                    if actual != expected:
                        problem = "result mismatch:\n  expected:\n    %s\n  actual:\n    %s" % (
                            "\n    ".join(val), "\n    ".join(actual))
            if problem:
                failures.append("%s:%d: %s\n  sql: %s" % (path, r.line, problem,
                                                          r.sql.replace("\n", "\n       ")))
    finally:
        for c in conns.values():
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
    a = ap.parse_args()
    passed = failed = 0
    for p in a.files:
        run, sk, fails = run_file(p, a.dsn, a.verbose)
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
