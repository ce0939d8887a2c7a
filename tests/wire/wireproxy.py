#!/usr/bin/env python3
"""A logging PostgreSQL wire-protocol proxy, for seeing what a client sends and what the
server answers (used to find the statements psql, pgbench and psycopg2 send on their own).

    python3 tests/wire/wireproxy.py LISTEN_PORT SERVER_PORT LOGFILE [--server-host H] [--rows]
                                    [--strip NAME,NAME]

Clients connect to 127.0.0.1:LISTEN_PORT; every frontend message (startup parameters, Query,
Parse with its text and parameter OIDs, Bind with its values, ...) and every backend message
(RowDescription with type OIDs and typmods, CommandComplete tags, errors with SQLSTATE,
ParameterStatus, ReadyForQuery status; DataRow only with --rows) goes to LOGFILE, one line
each, prefixed by a connection number. The proxy answers SSLRequest/GSSENCRequest with 'N'
itself so the traffic stays readable. --strip drops the named ParameterStatus messages, to
see how a client behaves when a server does not report them.
"""
import argparse
import itertools
import socket
import struct
import threading

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("listen_port", type=int)
ap.add_argument("server_port", type=int)
ap.add_argument("logfile")
ap.add_argument("--server-host", default="127.0.0.1")
ap.add_argument("--rows", action="store_true", help="log DataRow messages too")
ap.add_argument("--strip", default="", help="comma-separated ParameterStatus names to drop")
ARGS = ap.parse_args()
LPORT, UPORT, LOGFILE = ARGS.listen_port, ARGS.server_port, ARGS.logfile
STRIP = set(filter(None, ARGS.strip.split(",")))
lock = threading.Lock()
counter = itertools.count(1)
logf = open(LOGFILE, "a", buffering=1)


def log(cid, s):
    with lock:
        logf.write(f"[{cid}] {s}\n")


def recvn(sock, n):
    buf = b""
    while len(buf) < n:
        c = sock.recv(n - len(buf))
        if not c:
            raise EOFError
        buf += c
    return buf


def cstrs(b):
    return [x.decode("utf-8", "replace") for x in b.split(b"\0")]


def fe_desc(t, body):
    if t == b"Q":
        return "Query " + repr(body[:-1].decode("utf-8", "replace"))
    if t == b"P":
        name, rest = body.split(b"\0", 1)
        q, rest = rest.split(b"\0", 1)
        n = struct.unpack("!h", rest[:2])[0]
        oids = struct.unpack("!%dI" % n, rest[2:2 + 4 * n])
        return f"Parse name={name.decode()!r} query={q.decode('utf-8','replace')!r} param_oids={list(oids)}"
    if t == b"B":
        portal, rest = body.split(b"\0", 1)
        stmt, rest = rest.split(b"\0", 1)
        nf = struct.unpack("!h", rest[:2])[0]; rest = rest[2:]
        fmts = struct.unpack("!%dh" % nf, rest[:2 * nf]); rest = rest[2 * nf:]
        np_ = struct.unpack("!h", rest[:2])[0]; rest = rest[2:]
        vals = []
        for _ in range(np_):
            ln = struct.unpack("!i", rest[:4])[0]; rest = rest[4:]
            if ln < 0:
                vals.append(None)
            else:
                vals.append(rest[:ln]); rest = rest[ln:]
        nr = struct.unpack("!h", rest[:2])[0]; rest = rest[2:]
        rf = struct.unpack("!%dh" % nr, rest[:2 * nr])
        return f"Bind portal={portal.decode()!r} stmt={stmt.decode()!r} param_formats={list(fmts)} params={vals} result_formats={list(rf)}"
    if t == b"D":
        return f"Describe {chr(body[0])} {body[1:-1].decode()!r}"
    if t == b"E":
        portal, rest = body.split(b"\0", 1)
        return f"Execute portal={portal.decode()!r} maxrows={struct.unpack('!i', rest[:4])[0]}"
    if t == b"C":
        return f"Close {chr(body[0])} {body[1:-1].decode()!r}"
    if t == b"S":
        return "Sync"
    if t == b"H":
        return "Flush"
    if t == b"X":
        return "Terminate"
    if t == b"p":
        return f"PasswordMessage/SASL ({len(body)} bytes)"
    return f"{t!r} {body[:80]!r}"


def be_desc(t, body):
    if t == b"R":
        return f"Authentication code={struct.unpack('!i', body[:4])[0]}"
    if t == b"S":
        return "ParameterStatus " + "=".join(cstrs(body)[:2])
    if t == b"E" or t == b"N":
        fields = {}
        for f in body.split(b"\0"):
            if f:
                fields[chr(f[0])] = f[1:].decode("utf-8", "replace")
        return ("Error" if t == b"E" else "Notice") + f" {fields.get('C')} {fields.get('M')!r}"
    if t == b"Z":
        return f"ReadyForQuery {body.decode()}"
    if t == b"C":
        return f"CommandComplete {body[:-1].decode()!r}"
    if t == b"T":
        n = struct.unpack("!h", body[:2])[0]
        rest = body[2:]
        cols = []
        for _ in range(n):
            name, rest = rest.split(b"\0", 1)
            tbl, att, typ, sz, mod, fmt = struct.unpack("!IhIhih", rest[:18]); rest = rest[18:]
            cols.append(f"{name.decode()}:oid{typ}/len{sz}/mod{mod}/fmt{fmt}/tbl{tbl}/att{att}")
        return "RowDescription " + ", ".join(cols)
    if t == b"t":
        n = struct.unpack("!h", body[:2])[0]
        return f"ParameterDescription {list(struct.unpack('!%dI' % n, body[2:2 + 4 * n]))}"
    names = {b"1": "ParseComplete", b"2": "BindComplete", b"3": "CloseComplete", b"n": "NoData",
             b"I": "EmptyQueryResponse", b"s": "PortalSuspended", b"K": "BackendKeyData", b"D": "DataRow"}
    if t == b"D":
        n = struct.unpack("!h", body[:2])[0]
        rest, vals = body[2:], []
        for _ in range(n):
            ln = struct.unpack("!i", rest[:4])[0]; rest = rest[4:]
            if ln < 0:
                vals.append(None)
            else:
                vals.append(rest[:ln]); rest = rest[ln:]
        return f"DataRow {vals}"
    return names.get(t, repr(t))


def pump_be(cid, up, down, quiet_rows):
    try:
        while True:
            t = recvn(up, 1)
            ln = struct.unpack("!i", recvn(up, 4))[0]
            body = recvn(up, ln - 4)
            if t == b"S" and body.split(b"\0")[0].decode() in STRIP:
                log(cid, "  <- (stripped) " + be_desc(t, body))
                continue
            down.sendall(t + struct.pack("!i", ln) + body)
            if t == b"D" and quiet_rows:
                continue
            log(cid, "  <- " + be_desc(t, body))
    except (EOFError, OSError):
        pass
    finally:
        try: down.shutdown(socket.SHUT_WR)
        except OSError: pass


def handle(cli):
    cid = next(counter)
    up = None
    try:
        while True:
            ln = struct.unpack("!i", recvn(cli, 4))[0]
            body = recvn(cli, ln - 4)
            code = struct.unpack("!i", body[:4])[0]
            if code in (80877103, 80877104):
                log(cid, "-> " + ("SSLRequest" if code == 80877103 else "GSSENCRequest") + " (proxy answered N)")
                cli.sendall(b"N")
                continue
            if code == 80877102:
                log(cid, "-> CancelRequest")
                up = socket.create_connection((ARGS.server_host, UPORT))
                up.sendall(struct.pack("!i", ln) + body)
                return
            params = cstrs(body[4:])
            kv = dict(zip(params[0::2], params[1::2]))
            kv.pop("", None)
            log(cid, f"-> StartupMessage protocol={code >> 16}.{code & 0xffff} params={kv}")
            up = socket.create_connection((ARGS.server_host, UPORT))
            up.sendall(struct.pack("!i", ln) + body)
            break
        threading.Thread(target=pump_be, args=(cid, up, cli, not ARGS.rows), daemon=True).start()
        while True:
            t = recvn(cli, 1)
            ln = struct.unpack("!i", recvn(cli, 4))[0]
            body = recvn(cli, ln - 4)
            log(cid, "-> " + fe_desc(t, body))
            up.sendall(t + struct.pack("!i", ln) + body)
    except (EOFError, OSError):
        pass
    finally:
        log(cid, "-- closed")
        try:
            if up: up.shutdown(socket.SHUT_WR)
        except OSError:
            pass


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", LPORT))
print(f"wireproxy: 127.0.0.1:{LPORT} -> {ARGS.server_host}:{UPORT}, logging to {LOGFILE}", flush=True)
srv.listen(64)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
