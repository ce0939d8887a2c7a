#!/usr/bin/env python3
"""Generate the README's anomaly matrix (isolation level x anomaly) from the anomaly suites.

Usage:
    python3 sqllogic/anomaly_matrix.py                    # print the Markdown table
    python3 sqllogic/anomaly_matrix.py --write README.md  # update README.md's matrix section
    python3 sqllogic/anomaly_matrix.py --check README.md  # exit 1 if that section is stale

The suites are sqllogic/isolation/<level>/<anomaly>.slt, one file per anomaly per level, the
same file names in every level. Each file's leading `#` comment block holds one line

    # outcome: prevented
    # outcome: allowed — <very short how>

(the part after the em dash is optional), which states what the file's records assert at
that level: `allowed` files show the anomaly happening, `prevented` files show how the level
stops it. This script reads those lines only; it does not run anything.

With --write / --check the table lives in the README between the lines
`<!-- anomaly-matrix:begin -->` and `<!-- anomaly-matrix:end -->`.

Exit status: 0 on success (and, with --check, an up-to-date README); 1 if --check finds the
section out of date; 2 on any error (a file without its outcome line, the level folders
disagreeing on their file set, missing markers, ...).
"""

import argparse
import difflib
import re
import sys
from pathlib import Path

ISOLATION = Path(__file__).resolve().parent / "isolation"
# Links in the table are relative to the repository root, where README.md is.
LINK_BASE = "sqllogic/isolation"

# (folder, column heading), in column order.
LEVELS = [
    ("read-committed", "Read committed"),
    ("snapshot", "Snapshot (REPEATABLE READ)"),
    ("serializable", "Serializable (SSI)"),
    ("serializable-2pl", "Serializable (2PL)"),
]

# (file stem, row name), in row order. Every suite file must be listed here.
ANOMALIES = [
    ("g0", "G0 (dirty write)"),
    ("g1a", "G1a (aborted read)"),
    ("g1b", "G1b (intermediate read)"),
    ("g1c", "G1c (circular information flow)"),
    ("otv", "OTV (observed transaction vanishes)"),
    ("pmp", "PMP (predicate-many-preceders)"),
    ("pmp-write", "PMP with write predicates"),
    ("p4", "P4 (lost update)"),
    ("g-single", "G-single (read skew)"),
    ("g-single-dependencies", "G-single with predicate dependencies"),
    ("g-single-write-1", "G-single with a write predicate, variant 1"),
    ("g-single-write-2", "G-single with a write predicate, variant 2"),
    ("g2-item", "G2-item (write skew)"),
    ("g2", "G2 (write skew on predicate reads)"),
    ("g2-two-edges", "G2 with two anti-dependency edges"),
    ("read-only-anomaly", "Read-only anomaly (Fekete et al.)"),
    ("write-skew", "Write skew"),
    ("receipt-report", "Receipt report (read-only anomaly)"),
    ("two-ids", "Two ids (read-only anomaly)"),
    ("classroom-scheduling", "Classroom scheduling (write skew on predicate reads)"),
    ("project-manager", "Project manager (write skew across tables)"),
    ("temporal-range", "Temporal range integrity (write skew across tables)"),
    ("total-cash", "Total cash (write skew)"),
    ("unique-insert-race", "Unique-key insert race (23505 rather than a retryable error)"),
]

BEGIN = "<!-- anomaly-matrix:begin -->"
END = "<!-- anomaly-matrix:end -->"

OUTCOME_LINE = re.compile(r"^#\s*outcome:")
OUTCOME = re.compile(r"^# outcome: (prevented|allowed)(?: \u2014 (\S.*))?$")
CELL = {"prevented": "prevented", "allowed": "**allowed**"}

SCRIPT = "python3 sqllogic/anomaly_matrix.py"


class MatrixError(Exception):
    pass


def read_outcome(path):
    """The outcome ('prevented' or 'allowed') stated in the file's leading comment block."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise MatrixError(f"cannot read {path}: {e}")
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    found = [line for line in header if OUTCOME_LINE.match(line)]
    rel = path.relative_to(ISOLATION.parent.parent)
    if not found:
        raise MatrixError(
            f"{rel}: no outcome line in its leading comment block; add one after the title, "
            f"e.g. '# outcome: prevented' or '# outcome: allowed \u2014 <very short how>'"
        )
    if len(found) > 1:
        raise MatrixError(f"{rel}: {len(found)} outcome lines in its leading comment block")
    m = OUTCOME.match(found[0])
    if not m:
        raise MatrixError(
            f"{rel}: malformed outcome line {found[0]!r}; expected '# outcome: prevented' or "
            f"'# outcome: allowed', optionally followed by ' \u2014 <very short how>'"
        )
    return m.group(1)


def collect():
    """{stem: {folder: outcome}} after checking that every level has the same files."""
    files = {}
    for folder, _ in LEVELS:
        d = ISOLATION / folder
        if not d.is_dir():
            raise MatrixError(f"missing suite folder {d}")
        files[folder] = {p.stem for p in d.glob("*.slt")}
    everything = set().union(*files.values())
    problems = []
    for folder, _ in LEVELS:
        missing = sorted(everything - files[folder])
        if missing:
            problems.append(
                f"  {LINK_BASE}/{folder}/ lacks " + ", ".join(f"{s}.slt" for s in missing)
            )
    if problems:
        raise MatrixError(
            "the level folders disagree on their file set (each anomaly needs a file in "
            "every level):\n" + "\n".join(problems)
        )
    known = [stem for stem, _ in ANOMALIES]
    unknown = sorted(everything - set(known))
    if unknown:
        raise MatrixError(
            "suite files not listed in ANOMALIES in sqllogic/anomaly_matrix.py (add a row "
            "name for each): " + ", ".join(f"{s}.slt" for s in unknown)
        )
    gone = [s for s in known if s not in everything]
    if gone:
        raise MatrixError(
            "ANOMALIES in sqllogic/anomaly_matrix.py lists files no level has: "
            + ", ".join(f"{s}.slt" for s in gone)
        )
    return {
        stem: {folder: read_outcome(ISOLATION / folder / f"{stem}.slt") for folder, _ in LEVELS}
        for stem in known
    }


def table():
    outcomes = collect()
    rows = [
        "| Anomaly | " + " | ".join(title for _, title in LEVELS) + " |",
        "|---|" + "---|" * len(LEVELS),
    ]
    first = LEVELS[0][0]
    for stem, name in ANOMALIES:
        link = f"[{name}]({LINK_BASE}/{first}/{stem}.slt)"
        cells = [CELL[outcomes[stem][folder]] for folder, _ in LEVELS]
        rows.append(f"| {link} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def section(text):
    return f"{BEGIN}\n\n{text}\n{END}"


def split_readme(path):
    """(before, current section, after) of the README, the section including its markers."""
    try:
        content = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise MatrixError(f"cannot read {path}: {e}")
    nb, ne = content.count(BEGIN), content.count(END)
    if nb != 1 or ne != 1:
        raise MatrixError(
            f"{path} must hold the markers {BEGIN} and {END} once each "
            f"(found {nb} and {ne})"
        )
    b = content.index(BEGIN)
    e = content.index(END) + len(END)
    if e < b:
        raise MatrixError(f"{path}: {END} comes before {BEGIN}")
    return content[:b], content[b:e], content[e:]


def main():
    ap = argparse.ArgumentParser(
        description="Generate the anomaly matrix from the # outcome: lines of "
        "sqllogic/isolation/<level>/*.slt."
    )
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--write", metavar="README", help="replace the matrix section of README")
    g.add_argument("--check", metavar="README", help="exit 1 if README's matrix is stale")
    args = ap.parse_args()
    try:
        text = table()
        wanted = section(text)
        if args.write:
            before, _, after = split_readme(args.write)
            Path(args.write).write_text(before + wanted + after, encoding="utf-8")
        elif args.check:
            _, current, _ = split_readme(args.check)
            if current != wanted:
                diff = difflib.unified_diff(
                    (current + "\n").splitlines(keepends=True),
                    (wanted + "\n").splitlines(keepends=True),
                    f"{args.check} (current)",
                    "generated from sqllogic/isolation/",
                )
                sys.stdout.writelines(diff)
                sys.stdout.flush()
                print(
                    f"anomaly_matrix: the anomaly matrix in {args.check} is out of date "
                    f"with the suites' '# outcome:' lines; run: {SCRIPT} --write {args.check}",
                    file=sys.stderr,
                )
                return 1
        else:
            sys.stdout.write(text)
    except MatrixError as e:
        print(f"anomaly_matrix: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
