//! Rendering for the REPL: psql 15's default `aligned` table format (border 1, ASCII line
//! style), its expanded (`\x`) record format, and the message lines psql prints for errors,
//! notices and `\timing`.
//!
//! Design: everything here is a pure function from data to a `String`, so every layout rule is
//! unit-tested against output recorded from real psql 15. A [`Table`] is what psql's
//! `printTableContent` holds: an optional title, column headers with their alignment, cells
//! already converted to text, explicit footers, and whether the default `(N rows)` footer
//! applies. Query results ([`result_table`]) and the `\d` family (`meta.rs`) both build one.
//!
//! The layout follows `print_aligned_text` / `print_aligned_vertical` in psql's `print.c`:
//! widths are display widths (East Asian wide characters count 2, combining marks 0); a cell
//! with newlines spans several output lines with `+` marking each continued line; tabs expand
//! to the next multiple of 8, `\r` shows as `\r` and other control characters as `\xNN` (or
//! `\uNNNN` beyond ASCII), as psql's `pg_wcsformat` does. Left-aligned cells in the last
//! column are not padded; headers always are. Error positions are drawn as libpq's
//! `reportErrorPosition` draws them: a `LINE n:` excerpt of at most 60 columns and a caret.

use crate::sql::error::SqlError;
use crate::sql::result::{Notice, QueryResult};
use unicode_width::UnicodeWidthChar;

/// A table to print, as psql's printTableContent holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Printed above the table (centered in aligned mode).
    pub title: Option<String>,
    pub headers: Vec<String>,
    /// Per column: right-align (numeric types), else left-align.
    pub right_align: Vec<bool>,
    /// Cells as text; NULL is the empty string.
    pub rows: Vec<Vec<String>>,
    /// Lines printed after the table (`Indexes:` ...), each as-is.
    pub footers: Vec<String>,
    /// Print `(N rows)` when there are no explicit footers (aligned mode only).
    pub default_footer: bool,
}

impl Table {
    /// A table with left-aligned columns and the default footer.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            right_align: vec![false; headers.len()],
            default_footer: true,
            ..Table::default()
        }
    }

    fn is_right(&self, col: usize) -> bool {
        self.right_align.get(col).copied().unwrap_or(false)
    }

    fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// `(1 row)` / `(N rows)`.
pub fn row_count_footer(n: usize) -> String {
    if n == 1 {
        "(1 row)".to_string()
    } else {
        format!("({n} rows)")
    }
}

/// One display line of a cell: its text (control characters made visible) and its width.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    text: String,
    width: usize,
}

/// psql's `pg_wcsformat`: split a cell at newlines and make control characters visible.
fn cell_lines(s: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut cur = Line {
        text: String::new(),
        width: 0,
    };
    for c in s.chars() {
        match c {
            '\n' => lines.push(std::mem::replace(
                &mut cur,
                Line {
                    text: String::new(),
                    width: 0,
                },
            )),
            '\r' => {
                cur.text.push_str("\\r");
                cur.width += 2;
            }
            '\t' => loop {
                cur.text.push(' ');
                cur.width += 1;
                if cur.width.is_multiple_of(8) {
                    break;
                }
            },
            _ if c.is_control() && (c as u32) < 0x80 => {
                cur.text.push_str(&format!("\\x{:02X}", c as u32));
                cur.width += 4;
            }
            _ if c.is_control() => {
                cur.text.push_str(&format!("\\u{:04X}", c as u32));
                cur.width += 6;
            }
            _ => {
                cur.text.push(c);
                cur.width += c.width().unwrap_or(0);
            }
        }
    }
    lines.push(cur);
    lines
}

/// Display width of a single-line string (psql's pg_wcswidth, for titles and prompts).
pub fn display_width(s: &str) -> usize {
    cell_lines(s).iter().map(|l| l.width).max().unwrap_or(0)
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn dashes(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n('-', n));
}

/// psql's aligned format (the default `\pset format aligned`, `border 1`).
pub fn render_aligned(t: &Table) -> String {
    let mut out = String::new();
    let ncols = t.headers.len();
    if ncols == 0 {
        // psql prints a bare rule and the footer for a zero-column result (`SELECT;`).
        if let Some(title) = &t.title {
            out.push_str(title);
            out.push('\n');
        }
        out.push_str("--\n");
        push_footers(&mut out, t);
        out.push('\n');
        return out;
    }
    let headers: Vec<Vec<Line>> = t.headers.iter().map(|h| cell_lines(h)).collect();
    let cells: Vec<Vec<Vec<Line>>> = (0..t.rows.len())
        .map(|r| (0..ncols).map(|c| cell_lines(t.cell(r, c))).collect())
        .collect();
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|ls| ls.iter().map(|l| l.width).max().unwrap_or(0))
        .collect();
    for row in &cells {
        for (c, ls) in row.iter().enumerate() {
            for l in ls {
                widths[c] = widths[c].max(l.width);
            }
        }
    }

    if let Some(title) = &t.title {
        let total = ncols * 3 - 1 + widths.iter().sum::<usize>();
        let tw = display_width(title);
        if tw < total {
            pad(&mut out, (total - tw) / 2);
        }
        out.push_str(title);
        out.push('\n');
    }

    // Header lines: every line of every header, centered and padded.
    let header_height = headers.iter().map(Vec::len).max().unwrap_or(1);
    for i in 0..header_height {
        for (c, ls) in headers.iter().enumerate() {
            out.push(' ');
            match ls.get(i) {
                Some(l) => {
                    let space = widths[c] - l.width;
                    pad(&mut out, space / 2);
                    out.push_str(&l.text);
                    pad(&mut out, space.div_ceil(2));
                    out.push(if i + 1 < ls.len() { '+' } else { ' ' });
                }
                None => {
                    pad(&mut out, widths[c]);
                    out.push(' ');
                }
            }
            if c + 1 < ncols {
                out.push('|');
            }
        }
        out.push('\n');
    }

    // The rule under the header.
    for (c, w) in widths.iter().enumerate() {
        if c > 0 {
            out.push('+');
        }
        dashes(&mut out, w + 2);
    }
    out.push('\n');

    for row in &cells {
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for i in 0..height {
            for (c, ls) in row.iter().enumerate() {
                let last = c + 1 == ncols;
                out.push(' ');
                match ls.get(i) {
                    None => {
                        if !last {
                            pad(&mut out, widths[c] + 1);
                        }
                    }
                    Some(l) => {
                        let more = i + 1 < ls.len();
                        let space = widths[c] - l.width;
                        if t.is_right(c) {
                            pad(&mut out, space);
                            out.push_str(&l.text);
                        } else {
                            out.push_str(&l.text);
                            if !last || more {
                                pad(&mut out, space);
                            }
                        }
                        if more {
                            out.push('+');
                        } else if !last {
                            out.push(' ');
                        }
                    }
                }
                if !last {
                    out.push('|');
                }
            }
            out.push('\n');
        }
    }
    push_footers(&mut out, t);
    out.push('\n');
    out
}

fn push_footers(out: &mut String, t: &Table) {
    if !t.footers.is_empty() {
        for f in &t.footers {
            out.push_str(f);
            out.push('\n');
        }
    } else if t.default_footer {
        out.push_str(&row_count_footer(t.rows.len()));
        out.push('\n');
    }
}

/// psql's expanded format (`\x`), border 1.
pub fn render_expanded(t: &Table) -> String {
    let mut out = String::new();
    let ncols = t.headers.len();
    if ncols == 0 || t.rows.is_empty() {
        // No cells at all: psql prints just the footers (the default one included).
        push_footers(&mut out, t);
        out.push('\n');
        return out;
    }
    if let Some(title) = &t.title {
        out.push_str(title);
        out.push('\n');
    }
    let headers: Vec<Vec<Line>> = t.headers.iter().map(|h| cell_lines(h)).collect();
    let hwidth = headers
        .iter()
        .flat_map(|ls| ls.iter().map(|l| l.width))
        .max()
        .unwrap_or(0);
    let cells: Vec<Vec<Vec<Line>>> = (0..t.rows.len())
        .map(|r| (0..ncols).map(|c| cell_lines(t.cell(r, c))).collect())
        .collect();
    let dwidth = cells
        .iter()
        .flatten()
        .flat_map(|ls| ls.iter().map(|l| l.width))
        .max()
        .unwrap_or(0);

    for (r, row) in cells.iter().enumerate() {
        record_rule(&mut out, r + 1, hwidth, dwidth);
        for (c, data) in row.iter().enumerate() {
            let head = &headers[c];
            let (mut hline, mut dline) = (0, 0);
            let (mut hdone, mut ddone) = (false, false);
            while !hdone || !ddone {
                if !hdone {
                    let l = &head[hline];
                    out.push_str(&l.text);
                    pad(&mut out, hwidth - l.width);
                    if hline + 1 < head.len() {
                        out.push('+');
                        hline += 1;
                    } else {
                        out.push(' ');
                        hdone = true;
                    }
                } else {
                    pad(&mut out, hwidth + 1);
                }
                out.push('|');
                if !ddone {
                    let l = &data[dline];
                    out.push(' ');
                    out.push_str(&l.text);
                    if dline + 1 < data.len() {
                        pad(&mut out, dwidth - l.width);
                        out.push('+');
                        dline += 1;
                    } else {
                        ddone = true;
                    }
                }
                out.push('\n');
            }
        }
    }
    if !t.footers.is_empty() {
        out.push('\n');
        for f in &t.footers {
            out.push_str(f);
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

/// `-[ RECORD n ]-----+---` (psql's print_aligned_vertical_line, border 1).
fn record_rule(out: &mut String, record: usize, hwidth: usize, dwidth: usize) {
    out.push('-');
    let label = format!("[ RECORD {record} ]");
    out.push_str(&label);
    let mut reclen = label.len() as i64 + 1;
    for _ in reclen..hwidth as i64 {
        out.push('-');
    }
    reclen -= hwidth as i64;
    for ch in ['-', '+', '-'] {
        if reclen <= 0 {
            out.push(ch);
        }
        reclen -= 1;
    }
    let reclen = reclen.max(0);
    for _ in reclen..dwidth as i64 {
        out.push('-');
    }
    out.push('\n');
}

/// Aligned or expanded, as `\x` says.
pub fn render(t: &Table, expanded: bool) -> String {
    if expanded {
        render_expanded(t)
    } else {
        render_aligned(t)
    }
}

/// A row-returning result as a table: numeric columns right-aligned, NULL empty.
pub fn result_table(r: &QueryResult) -> Table {
    Table {
        title: None,
        headers: r.columns.iter().map(|c| c.name.clone()).collect(),
        right_align: r.columns.iter().map(|c| c.ty.is_numeric_family()).collect(),
        rows: r
            .rows
            .iter()
            .map(|row| {
                (0..r.columns.len())
                    .map(|i| row.get(i).and_then(|v| v.to_text()).unwrap_or_default())
                    .collect()
            })
            .collect(),
        footers: Vec::new(),
        default_footer: true,
    }
}

/// What psql prints on stdout for one statement's result: the rows (if any) and the command
/// tag (for statements without rows, and for INSERT/UPDATE/DELETE ... RETURNING).
pub fn render_result(r: &QueryResult, expanded: bool) -> String {
    let mut out = String::new();
    if r.returns_rows() {
        out.push_str(&render(&result_table(r), expanded));
        let dml = ["INSERT", "UPDATE", "DELETE"];
        if dml.iter().any(|k| r.tag.starts_with(k)) {
            out.push_str(&r.tag);
            out.push('\n');
        }
    } else if !r.tag.is_empty() {
        out.push_str(&r.tag);
        out.push('\n');
    }
    out
}

/// A notice as psql prints it at `VERBOSITY verbose` (without LOCATION):
/// `WARNING:  25P01: there is no transaction in progress`.
pub fn format_notice(n: &Notice) -> String {
    if n.code.is_empty() {
        format!("{}:  {}\n", n.severity, n.message)
    } else {
        format!("{}:  {}: {}\n", n.severity, n.code, n.message)
    }
}

/// An error as psql prints it at `VERBOSITY verbose` (without LOCATION): the SQLSTATE, the
/// message, the `LINE n:` excerpt with a caret when the error has a position in `query`,
/// then DETAIL and HINT.
pub fn format_error(e: &SqlError, query: Option<&str>) -> String {
    let mut out = format!("ERROR:  {}: {}\n", e.code, e.message);
    if let (Some(q), Some(pos)) = (query, e.position) {
        out.push_str(&error_position(q, pos as usize));
    }
    if let Some(d) = &e.detail {
        out.push_str(&format!("DETAIL:  {d}\n"));
    }
    if let Some(h) = &e.hint {
        out.push_str(&format!("HINT:  {h}\n"));
    }
    out
}

/// libpq's `reportErrorPosition`: `loc` is the 1-based character position in `query`.
/// Returns the `LINE n: ...` line and the caret line, or nothing when `loc` is out of range.
pub fn error_position(query: &str, loc: usize) -> String {
    const DISPLAY_SIZE: usize = 60;
    const MIN_RIGHT_CUT: usize = 10;
    if loc == 0 {
        return String::new();
    }
    let loc = loc - 1;
    let chars: Vec<char> = query
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    // scr[i]: the screen column where character i starts; scr[len] is the end.
    let mut scr = Vec::with_capacity(chars.len() + 1);
    let mut col = 0usize;
    let mut loc_line = 1;
    let mut ibeg = 0usize;
    let mut iend = None;
    for (cno, &ch) in chars.iter().enumerate() {
        scr.push(col);
        if ch == '\r' || ch == '\n' {
            if cno < loc {
                if ch == '\r' || cno == 0 || chars[cno - 1] != '\r' {
                    loc_line += 1;
                }
                ibeg = cno + 1;
            } else {
                iend = Some(cno);
                break;
            }
        }
        col += ch.width().filter(|w| *w > 0).unwrap_or(1);
    }
    let mut iend = match iend {
        Some(i) => i,
        None => {
            scr.push(col);
            chars.len()
        }
    };
    if loc > iend {
        return String::new();
    }
    let (mut beg_trunc, mut end_trunc) = (false, false);
    if scr[iend] - scr[ibeg] > DISPLAY_SIZE {
        if scr[ibeg] + DISPLAY_SIZE >= scr[loc] + MIN_RIGHT_CUT {
            while scr[iend] - scr[ibeg] > DISPLAY_SIZE {
                iend -= 1;
            }
            end_trunc = true;
        } else {
            while scr[loc] + MIN_RIGHT_CUT < scr[iend] {
                iend -= 1;
                end_trunc = true;
            }
            while scr[iend] - scr[ibeg] > DISPLAY_SIZE {
                ibeg += 1;
                beg_trunc = true;
            }
        }
    }
    let mut prefix = format!("LINE {loc_line}: ");
    if beg_trunc {
        prefix.push_str("...");
    }
    let mut out = prefix.clone();
    out.extend(&chars[ibeg..iend]);
    if end_trunc {
        out.push_str("...");
    }
    out.push('\n');
    pad(&mut out, prefix.len() + scr[loc] - scr[ibeg]);
    out.push_str("^\n");
    out
}

/// psql's `PrintTiming`: `Time: 0.123 ms`, with a clock reading from one second on.
pub fn format_timing(ms: f64) -> String {
    if ms < 1000.0 {
        return format!("Time: {ms:.3} ms\n");
    }
    let mut seconds = ms / 1000.0;
    let mut minutes = (seconds / 60.0).floor();
    seconds -= 60.0 * minutes;
    if minutes < 60.0 {
        return format!("Time: {ms:.3} ms ({:02}:{seconds:06.3})\n", minutes as i64);
    }
    let mut hours = (minutes / 60.0).floor();
    minutes -= 60.0 * hours;
    if hours < 24.0 {
        return format!(
            "Time: {ms:.3} ms ({:02}:{:02}:{seconds:06.3})\n",
            hours as i64, minutes as i64
        );
    }
    let days = (hours / 24.0).floor();
    hours -= 24.0 * days;
    format!(
        "Time: {ms:.3} ms ({days:.0} d {:02}:{:02}:{seconds:06.3})\n",
        hours as i64, minutes as i64
    )
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
