//! Backslash commands: `\d` and its relatives, `\x`, `\timing`, `\g`, `\p`, `\r`, `\echo`,
//! `\conninfo`, `\?` and `\q`, with psql 15's wording and layouts.
//!
//! Design: [`run`] dispatches on the command name and reports a [`Status`] to the main loop
//! (which owns sending the query buffer for `\g`). The `\d` family reads the catalog through
//! `Session::relations` and builds [`Table`]s with pure functions ([`list_relations`],
//! [`describe_relation`], [`describe_index`]) so they can be tested against psql's output.
//! Everything lives in schema `public` and is owned by `isodb`. Name patterns follow psql's
//! `processSQLNamePattern`: unquoted letters fold to lower case, `*` and `?` are wildcards,
//! double quotes keep case and make wildcards literal, and `schema.name` matches the schema
//! part against `public`. As in psql, `\d NAME` always prints in aligned form, even under
//! `\x`, and arguments a command does not take are reported as ignored.

use super::Shell;
use super::format::{self, Table};
use super::input::Meta;
use crate::sql::result::{IndexInfo, RelationInfo, RelationKind};

/// What the main loop does after a backslash command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    Error,
    Quit,
    /// Send the query buffer (or the previous one if it is empty); `expanded` for `\gx`.
    Send {
        expanded: bool,
    },
}

/// The owner shown by `\d`.
const OWNER: &str = "isodb";
const SCHEMA: &str = "public";

/// Run one backslash command.
pub(crate) fn run(shell: &mut Shell, m: &Meta) -> Status {
    let name = m.name.as_str();
    let arg = m.args.first().map(String::as_str);
    let (status, used) = match name {
        "q" | "quit" => (Status::Quit, m.args.len()),
        "?" => {
            let text = help_text(shell.expanded, shell.timing);
            shell.print(&text);
            (Status::Ok, 1)
        }
        "x" => (set_expanded(shell, arg), 1),
        "timing" => (set_timing(shell, arg), 1),
        "g" | "gx" => {
            if m.args.is_empty() {
                (
                    Status::Send {
                        expanded: name == "gx",
                    },
                    0,
                )
            } else {
                shell.diag(&format!(
                    "\\{name}: sending query results to a file or pipe is not supported"
                ));
                (Status::Error, m.args.len())
            }
        }
        "r" | "reset" => {
            shell.scanner.reset();
            shell.print("Query buffer reset (cleared).\n");
            (Status::Ok, 0)
        }
        "p" | "print" => {
            let text = if !shell.scanner.buffer().is_empty() {
                format!("{}\n", shell.scanner.buffer())
            } else if !shell.previous.is_empty() {
                format!("{}\n", shell.previous)
            } else {
                "Query buffer is empty.\n".to_string()
            };
            shell.print(&text);
            (Status::Ok, 0)
        }
        "echo" | "warn" => {
            let (newline, words) = match m.args.split_first() {
                Some((first, rest)) if first == "-n" => (false, rest),
                _ => (true, &m.args[..]),
            };
            let mut text = words.join(" ");
            if newline {
                text.push('\n');
            }
            if name == "echo" {
                shell.print(&text);
            } else if !text.is_empty() {
                shell.diag(&text);
            }
            (Status::Ok, m.args.len())
        }
        "conninfo" => {
            shell.print(
                "You are connected to database \"isodb\" as user \"isodb\" \
                 (an embedded database in this process).\n",
            );
            (Status::Ok, 0)
        }
        _ => match parse_describe(name) {
            Some(d) => (describe(shell, d, arg), 1),
            None => {
                shell.diag(&format!("invalid command \\{name}"));
                if shell.interactive {
                    shell.diag("Try \\? for help.");
                }
                (Status::Error, m.args.len())
            }
        },
    };
    for extra in m.args.iter().skip(used) {
        shell.diag(&format!("\\{name}: extra argument \"{extra}\" ignored"));
    }
    status
}

/// psql's ParseVariableBool: unique prefixes of true/false/yes/no, `on`/`off` (at least two
/// letters), `1`/`0`, case-insensitive.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    let v = value.to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| v.len() >= min && word.starts_with(v.as_str());
    if prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || v == "1" {
        Some(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || v == "0" {
        Some(false)
    } else {
        None
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn set_expanded(shell: &mut Shell, arg: Option<&str>) -> Status {
    let value = match arg {
        None => !shell.expanded,
        Some(a) => match parse_bool(a) {
            Some(b) => b,
            None => {
                shell.diag(&format!(
                    "unrecognized value \"{a}\" for \"expanded\"\nAvailable values are: on, off."
                ));
                return Status::Error;
            }
        },
    };
    shell.expanded = value;
    shell.print(&format!("Expanded display is {}.\n", on_off(value)));
    Status::Ok
}

fn set_timing(shell: &mut Shell, arg: Option<&str>) -> Status {
    let value = match arg {
        None => !shell.timing,
        Some(a) => match parse_bool(a) {
            Some(b) => b,
            None => {
                shell.diag(&format!(
                    "unrecognized value \"{a}\" for \"\\timing\": Boolean expected"
                ));
                return Status::Error;
            }
        },
    };
    shell.timing = value;
    shell.print(&format!("Timing is {}.\n", on_off(value)));
    Status::Ok
}

/// `\?`.
pub(crate) fn help_text(expanded: bool, timing: bool) -> String {
    let lines: &[(&str, &str)] = &[
        ("General", ""),
        (
            "\\g",
            "execute query (like a semicolon; an empty buffer runs the last one)",
        ),
        ("\\gx", "as \\g, but forces expanded output mode"),
        ("\\q", "quit isodb"),
        ("", ""),
        ("Help", ""),
        ("\\?", "show help on backslash commands"),
        ("", ""),
        ("Query Buffer", ""),
        ("\\p", "show the contents of the query buffer"),
        ("\\r", "reset (clear) the query buffer"),
        ("", ""),
        ("Input/Output", ""),
        (
            "\\echo [-n] [STRING]",
            "write string to standard output (-n for no newline)",
        ),
        (
            "\\warn [-n] [STRING]",
            "write string to standard error (-n for no newline)",
        ),
        ("", ""),
        ("Informational", ""),
        (
            "  (options: S = show system objects, + = additional detail)",
            "",
        ),
        ("\\d[S+]", "list tables and views"),
        ("\\d[S+]  NAME", "describe table, view, or index"),
        ("\\di[S+] [PATTERN]", "list indexes"),
        ("\\dt[S+] [PATTERN]", "list tables"),
        ("\\dv[S+] [PATTERN]", "list views"),
        ("", ""),
        ("Formatting", ""),
        ("\\x [on|off]", "toggle expanded output (currently %x)"),
        ("", ""),
        ("Connection", ""),
        ("\\conninfo", "display information about current connection"),
        ("", ""),
        ("Operating System", ""),
        (
            "\\timing [on|off]",
            "toggle timing of commands (currently %t)",
        ),
    ];
    let mut out = String::new();
    for (cmd, what) in lines {
        if what.is_empty() {
            out.push_str(cmd);
        } else {
            let what = what
                .replace("%x", on_off(expanded))
                .replace("%t", on_off(timing));
            out.push_str(&format!("  {cmd:<23}{what}"));
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Which relations a `\d` variant is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Kinds {
    pub tables: bool,
    pub views: bool,
    pub indexes: bool,
    /// Plain `\d`: with a pattern it describes; without, it lists tables and views.
    pub plain: bool,
}

/// `d`, `d+`, `dt`, `dti+`, `dvS` ...: the kinds asked for, or `None` if not a `\d` command
/// this shell knows. `S` and `+` are accepted and change nothing.
pub(crate) fn parse_describe(name: &str) -> Option<Kinds> {
    let rest = name.strip_prefix('d')?;
    let types: String = rest.chars().take_while(|c| "tivmsE".contains(*c)).collect();
    let flags = &rest[types.len()..];
    if !flags.chars().all(|c| c == 'S' || c == '+') {
        return None;
    }
    let mut k = Kinds {
        plain: types.is_empty(),
        ..Kinds::default()
    };
    if types.is_empty() {
        k.tables = true;
        k.views = true;
    }
    for c in types.chars() {
        match c {
            't' => k.tables = true,
            'v' => k.views = true,
            'i' => k.indexes = true,
            _ => {}
        }
    }
    Some(k)
}

fn describe(shell: &mut Shell, kinds: Kinds, pattern: Option<&str>) -> Status {
    let pat = match pattern.map(Pattern::parse).transpose() {
        Ok(p) => p,
        Err(msg) => {
            shell.diag(&msg);
            return Status::Error;
        }
    };
    let rels = match shell.session.relations() {
        Ok(r) => r,
        Err(e) => {
            shell.diag(&format::format_error(&e, None));
            return Status::Error;
        }
    };
    let not_found = match pattern {
        Some(p) => format!("Did not find any relation named \"{p}\"."),
        None => "Did not find any relations.".to_string(),
    };
    if kinds.plain
        && let Some(pat) = &pat
    {
        let tables = describe_matching(&rels, pat);
        if tables.is_empty() {
            shell.diag(&not_found);
            return Status::Error;
        }
        for t in tables {
            shell.print(&format::render_aligned(&t));
        }
        return Status::Ok;
    }
    let table = list_relations(&rels, kinds, pat.as_ref());
    if table.rows.is_empty() {
        shell.diag(&not_found);
    } else {
        let text = format::render(&table, shell.expanded);
        shell.print(&text);
    }
    Status::Ok
}

/// `\d`, `\dt`, `\di`, `\dv`: psql's "List of relations".
pub(crate) fn list_relations(rels: &[RelationInfo], kinds: Kinds, pat: Option<&Pattern>) -> Table {
    let matches = |name: &str| pat.is_none_or(|p| p.matches(name));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in rels {
        let wanted = match r.kind {
            RelationKind::Table => kinds.tables,
            RelationKind::View => kinds.views,
        };
        if wanted && matches(&r.name) {
            rows.push(vec![
                r.name.clone(),
                r.kind.name().to_string(),
                String::new(),
            ]);
        }
        if kinds.indexes {
            for ix in r.indexes.iter().filter(|ix| matches(&ix.name)) {
                rows.push(vec![ix.name.clone(), "index".to_string(), ix.table.clone()]);
            }
        }
    }
    rows.sort();
    let mut headers = vec!["Schema", "Name", "Type", "Owner"];
    if kinds.indexes {
        headers.push("Table");
    }
    let mut t = Table::new(&headers);
    t.title = Some("List of relations".to_string());
    t.rows = rows
        .into_iter()
        .map(|r| {
            let mut row = vec![SCHEMA.to_string(), r[0].clone(), r[1].clone()];
            row.push(OWNER.to_string());
            if kinds.indexes {
                row.push(r[2].clone());
            }
            row
        })
        .collect();
    t
}

/// `\d PATTERN`: a description of every matching table, view and index, by name.
pub(crate) fn describe_matching(rels: &[RelationInfo], pat: &Pattern) -> Vec<Table> {
    let mut found: Vec<(&str, Table)> = Vec::new();
    for r in rels {
        if pat.matches(&r.name) {
            found.push((&r.name, describe_relation(r)));
        }
        for ix in r.indexes.iter().filter(|ix| pat.matches(&ix.name)) {
            found.push((&ix.name, describe_index(ix, Some(r))));
        }
    }
    found.sort_by(|a, b| a.0.cmp(b.0));
    found.into_iter().map(|(_, t)| t).collect()
}

/// `\d TABLE` / `\d VIEW`: psql's column table with indexes, checks or the view's query.
pub(crate) fn describe_relation(r: &RelationInfo) -> Table {
    let word = match r.kind {
        RelationKind::Table => "Table",
        RelationKind::View => "View",
    };
    let mut t = Table::new(&["Column", "Type", "Collation", "Nullable", "Default"]);
    t.title = Some(format!("{word} \"{SCHEMA}.{}\"", r.name));
    t.default_footer = false;
    t.rows = r
        .columns
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.type_name.clone(),
                String::new(),
                if c.not_null { "not null" } else { "" }.to_string(),
                c.default.clone().unwrap_or_default(),
            ]
        })
        .collect();
    if !r.indexes.is_empty() {
        let mut ixs: Vec<&IndexInfo> = r.indexes.iter().collect();
        ixs.sort_by(|a, b| b.primary.cmp(&a.primary).then(a.name.cmp(&b.name)));
        t.footers.push("Indexes:".to_string());
        for ix in ixs {
            t.footers.push(format!(
                "    \"{}\" {}btree ({})",
                ix.name,
                index_kind(ix),
                ix.columns.join(", ")
            ));
        }
    }
    if !r.checks.is_empty() {
        let mut checks: Vec<&(String, String)> = r.checks.iter().collect();
        checks.sort();
        t.footers.push("Check constraints:".to_string());
        for (name, expr) in checks {
            let expr = expr.trim();
            let def = if expr
                .get(..5)
                .is_some_and(|w| w.eq_ignore_ascii_case("check"))
            {
                expr.to_string()
            } else {
                format!("CHECK ({expr})")
            };
            t.footers.push(format!("    \"{name}\" {def}"));
        }
    }
    if let Some(sql) = &r.view_sql {
        let body = sql.trim().trim_end_matches(';').trim_end();
        t.footers.push("View definition:".to_string());
        t.footers.push(format!(" {body};"));
    }
    t
}

/// `PRIMARY KEY, ` / `UNIQUE CONSTRAINT, ` / `UNIQUE, ` / nothing, as psql's index lines say.
/// A unique index is taken for a UNIQUE constraint's when it has the name PostgreSQL gives
/// those (`table_col1_col2_key`), since the catalog does not say.
fn index_kind(ix: &IndexInfo) -> &'static str {
    if ix.primary {
        return "PRIMARY KEY, ";
    }
    if !ix.unique {
        return "";
    }
    let cols: Vec<&str> = ix.columns.iter().map(|c| bare_column(c)).collect();
    if ix.name == format!("{}_{}_key", ix.table, cols.join("_")) {
        "UNIQUE CONSTRAINT, "
    } else {
        "UNIQUE, "
    }
}

/// A column name without its ` DESC` / ` ASC` suffix.
fn bare_column(c: &str) -> &str {
    c.strip_suffix(" DESC")
        .or_else(|| c.strip_suffix(" ASC"))
        .unwrap_or(c)
}

/// `\d INDEX`: its columns and what it is for.
pub(crate) fn describe_index(ix: &IndexInfo, table: Option<&RelationInfo>) -> Table {
    let mut t = Table::new(&["Column", "Type", "Key?", "Definition"]);
    t.title = Some(format!("Index \"{SCHEMA}.{}\"", ix.name));
    t.default_footer = false;
    t.rows = ix
        .columns
        .iter()
        .map(|c| {
            let col = bare_column(c);
            let ty = table
                .and_then(|r| r.columns.iter().find(|rc| rc.name == col))
                .map(|rc| rc.type_name.clone())
                .unwrap_or_default();
            vec![col.to_string(), ty, "yes".to_string(), col.to_string()]
        })
        .collect();
    let what = if ix.primary {
        "primary key, "
    } else if ix.unique {
        "unique, "
    } else {
        ""
    };
    t.footers
        .push(format!("{what}btree, for table \"{SCHEMA}.{}\"", ix.table));
    t
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Any,
    One,
}

/// A psql name pattern (`t*`, `"MyTable"`, `public.t?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    schema: Option<Vec<Tok>>,
    name: Vec<Tok>,
}

impl Pattern {
    pub(crate) fn parse(p: &str) -> Result<Pattern, String> {
        let mut parts: Vec<Vec<Tok>> = Vec::new();
        let mut cur: Vec<Tok> = Vec::new();
        let mut quoted = false;
        let mut chars = p.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push(Tok::Lit('"'));
                }
                '"' => quoted = !quoted,
                _ if quoted => cur.push(Tok::Lit(c)),
                '.' => parts.push(std::mem::take(&mut cur)),
                '*' => cur.push(Tok::Any),
                '?' => cur.push(Tok::One),
                _ => cur.push(Tok::Lit(c.to_ascii_lowercase())),
            }
        }
        parts.push(cur);
        let db_matches = |toks: &Vec<Tok>| glob(toks, &"isodb".chars().collect::<Vec<_>>());
        match parts.len() {
            1 => Ok(Pattern {
                schema: None,
                name: parts.remove(0),
            }),
            2 | 3 => {
                if parts.len() == 3 && !db_matches(&parts[0]) {
                    return Err(format!(
                        "cross-database references are not implemented: {p}"
                    ));
                }
                let name = parts.pop().unwrap_or_default();
                let schema = parts.pop();
                Ok(Pattern { schema, name })
            }
            _ => Err(format!(
                "improper qualified name (too many dotted names): {p}"
            )),
        }
    }

    pub(crate) fn matches(&self, name: &str) -> bool {
        if let Some(s) = &self.schema
            && !s.is_empty()
            && !glob(s, &SCHEMA.chars().collect::<Vec<_>>())
        {
            return false;
        }
        self.name.is_empty() || glob(&self.name, &name.chars().collect::<Vec<_>>())
    }
}

/// Whole-string wildcard match.
fn glob(toks: &[Tok], s: &[char]) -> bool {
    // reach[j]: the tokens so far can match s[..j].
    let mut reach = vec![false; s.len() + 1];
    reach[0] = true;
    for t in toks {
        let mut next = vec![false; s.len() + 1];
        for j in 0..=s.len() {
            match t {
                Tok::Any => next[j] = reach[j] || (j > 0 && next[j - 1]),
                Tok::One => next[j] = j > 0 && reach[j - 1],
                Tok::Lit(c) => next[j] = j > 0 && reach[j - 1] && s[j - 1] == *c,
            }
        }
        reach = next;
    }
    reach[s.len()]
}

#[cfg(test)]
#[path = "meta_tests.rs"]
mod tests;
