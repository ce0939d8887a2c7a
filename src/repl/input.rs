//! Input scanning for the REPL: splitting typed or piped lines into SQL statements and
//! backslash commands, the way psql's lexer (`psqlscan.l`) and main loop (`mainloop.c`) do.
//!
//! Design: a [`Scanner`] owns the query buffer and the lexical state that survives from one
//! line to the next: inside a `'...'` string (with backslash escapes for `E'...'`), a `"..."`
//! identifier, a `$tag$...$tag$` dollar quote or a (nested) `/* */` comment, and the
//! parenthesis depth. A `;` ends a statement only outside all of these and outside parentheses.
//! The caller feeds one line with [`Scanner::start_line`], then calls [`Scanner::scan`] until it
//! returns `None`, acting on each [`Event`] before scanning on, because a backslash command
//! (`\g`, `\r`, `\x`) can change what the rest of the line means.
//!
//! psql's buffer rules are kept: whitespace and `--` comments are not added to an empty buffer,
//! empty lines outside quotes are ignored, lines are joined with `\n` (dropped again when the
//! line turns out to hold only a backslash command), the statement text keeps its `;`, and
//! `\;` adds a semicolon without ending the statement. The text of a statement is what is
//! sent, so error positions index into it. [`Scanner::prompt_char`] is psql's `%R`.

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A `;` ended a statement: the query buffer, `;` included (the buffer is now empty).
    /// `blank` when it holds only whitespace, comments and semicolons: psql would send it
    /// and get an empty response, so the REPL sends nothing.
    Statement { sql: String, blank: bool },
    /// A backslash command. The query buffer is left as it was.
    Meta(Meta),
}

/// A backslash command: its name (after the `\`, e.g. `d+`, `x`, `?`) and its arguments as
/// psql lexes them (single quotes removed with escapes applied, double quotes kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub name: String,
    pub args: Vec<String>,
    /// Nothing from this input line went into the buffer before the command (psql then keeps
    /// earlier lines and the command apart in the history).
    pub line_start: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lex {
    Normal,
    /// In a string literal; `escapes` for `E'...'`, `escaped` right after a backslash there.
    Quote {
        escapes: bool,
        escaped: bool,
    },
    Ident,
    /// In a dollar-quoted string; the full delimiter, e.g. `$fn$`.
    Dollar(String),
    /// In a `/* */` comment, at this nesting depth.
    Comment(u32),
}

/// The query buffer and lexical state carried between lines.
#[derive(Debug, Clone)]
pub struct Scanner {
    buf: String,
    lex: Lex,
    parens: u32,
    /// The buffer holds something besides whitespace, comments and semicolons.
    content: bool,
    /// Where this line's joining newline was added, to drop it if only a backslash command
    /// follows.
    added_nl: Option<usize>,
    /// The buffer's length when this line started (before its joining newline).
    line_start: usize,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

fn is_dollar_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            buf: String::new(),
            lex: Lex::Normal,
            parens: 0,
            content: false,
            added_nl: None,
            line_start: 0,
        }
    }

    /// The current query buffer.
    pub fn buffer(&self) -> &str {
        &self.buf
    }

    /// Whether the buffer holds anything but whitespace, comments and semicolons.
    pub fn has_content(&self) -> bool {
        self.content
    }

    /// Inside a string, quoted identifier, dollar quote or comment.
    pub fn in_quote(&self) -> bool {
        self.lex != Lex::Normal
    }

    /// Clear the buffer and all lexical state (`\r`, Ctrl-C).
    pub fn reset(&mut self) {
        *self = Scanner::new();
    }

    /// Take the buffer (for `\g` or end of input) and reset the lexical state.
    /// Returns the text and whether it is blank (nothing worth sending).
    pub fn take(&mut self) -> (String, bool) {
        let sql = std::mem::take(&mut self.buf);
        let blank = !self.content;
        self.reset();
        (sql, blank)
    }

    /// psql's `%R` prompt character: `=` ready for a new statement, `-` continuing one,
    /// `'` `"` `$` inside a string, identifier or dollar quote, `*` in a comment, `(` inside
    /// parentheses.
    pub fn prompt_char(&self) -> char {
        match self.lex {
            Lex::Quote { .. } => '\'',
            Lex::Ident => '"',
            Lex::Dollar(_) => '$',
            Lex::Comment(_) => '*',
            Lex::Normal if self.parens > 0 => '(',
            Lex::Normal if self.buf.is_empty() => '=',
            Lex::Normal => '-',
        }
    }

    /// Begin a new input line (without its line terminator). Returns false when psql would
    /// ignore the line (empty, outside any quote); then do not call [`Scanner::scan`] for it.
    pub fn start_line(&mut self, line: &str) -> bool {
        if line.is_empty() && !self.in_quote() {
            return false;
        }
        self.line_start = self.buf.len();
        if self.buf.is_empty() {
            self.added_nl = None;
        } else {
            self.buf.push('\n');
            self.added_nl = Some(self.buf.len());
            if let Lex::Quote { escaped, .. } = &mut self.lex {
                // The newline is the character a trailing backslash escaped.
                *escaped = false;
            }
        }
        true
    }

    fn push(&mut self, c: char) {
        self.buf.push(c);
    }

    /// Scan `line` from byte offset `*pos` until a statement ends, a backslash command is
    /// found or the line ends (`None`). `*pos` is advanced past what was consumed.
    pub fn scan(&mut self, line: &str, pos: &mut usize) -> Option<Event> {
        while *pos < line.len() {
            let rest = &line[*pos..];
            let Some(c) = rest.chars().next() else {
                break;
            };
            let next = rest[c.len_utf8()..].chars().next();
            match self.lex.clone() {
                Lex::Normal => {
                    if let Some(ev) = self.scan_normal(line, pos, c, next) {
                        return Some(ev);
                    }
                    continue;
                }
                Lex::Quote { escapes, escaped } => {
                    self.push(c);
                    *pos += c.len_utf8();
                    if escaped {
                        self.lex = Lex::Quote {
                            escapes,
                            escaped: false,
                        };
                    } else if escapes && c == '\\' {
                        self.lex = Lex::Quote {
                            escapes,
                            escaped: true,
                        };
                    } else if c == '\'' {
                        if next == Some('\'') {
                            self.push('\'');
                            *pos += 1;
                        } else {
                            self.lex = Lex::Normal;
                        }
                    }
                }
                Lex::Ident => {
                    self.push(c);
                    *pos += c.len_utf8();
                    if c == '"' {
                        if next == Some('"') {
                            self.push('"');
                            *pos += 1;
                        } else {
                            self.lex = Lex::Normal;
                        }
                    }
                }
                Lex::Dollar(tag) => {
                    if rest.starts_with(tag.as_str()) {
                        self.buf.push_str(&tag);
                        *pos += tag.len();
                        self.lex = Lex::Normal;
                    } else {
                        self.push(c);
                        *pos += c.len_utf8();
                    }
                }
                Lex::Comment(depth) => {
                    if c == '/' && next == Some('*') {
                        self.buf.push_str("/*");
                        *pos += 2;
                        self.lex = Lex::Comment(depth + 1);
                    } else if c == '*' && next == Some('/') {
                        self.buf.push_str("*/");
                        *pos += 2;
                        self.lex = if depth <= 1 {
                            Lex::Normal
                        } else {
                            Lex::Comment(depth - 1)
                        };
                    } else {
                        self.push(c);
                        *pos += c.len_utf8();
                    }
                }
            }
        }
        None
    }

    /// One step outside quotes and comments. Returns an event when a statement ends or a
    /// backslash command starts.
    fn scan_normal(
        &mut self,
        line: &str,
        pos: &mut usize,
        c: char,
        next: Option<char>,
    ) -> Option<Event> {
        let rest = &line[*pos..];
        match c {
            '-' if next == Some('-') => {
                // A comment to the end of the line; kept only inside a statement.
                if !self.buf.is_empty() {
                    self.buf.push_str(rest);
                }
                *pos = line.len();
            }
            '/' if next == Some('*') => {
                self.buf.push_str("/*");
                *pos += 2;
                self.lex = Lex::Comment(1);
            }
            '\'' => {
                let mut prev = self.buf.chars().rev();
                let escapes = matches!(prev.next(), Some('e' | 'E'))
                    && !prev.next().is_some_and(is_ident_char);
                self.push(c);
                *pos += 1;
                self.content = true;
                self.lex = Lex::Quote {
                    escapes,
                    escaped: false,
                };
            }
            '"' => {
                self.push(c);
                *pos += 1;
                self.content = true;
                self.lex = Lex::Ident;
            }
            '$' => {
                self.content = true;
                let after_ident = self.buf.chars().next_back().is_some_and(is_ident_char);
                match dollar_tag(rest) {
                    Some(tag) if !after_ident => {
                        self.buf.push_str(tag);
                        *pos += tag.len();
                        self.lex = Lex::Dollar(tag.to_string());
                    }
                    _ => {
                        self.push(c);
                        *pos += 1;
                    }
                }
            }
            '(' | ')' => {
                if c == '(' {
                    self.parens += 1;
                } else {
                    self.parens = self.parens.saturating_sub(1);
                }
                self.push(c);
                *pos += 1;
                self.content = true;
            }
            ';' => {
                self.push(c);
                *pos += 1;
                if self.parens == 0 {
                    let sql = std::mem::take(&mut self.buf);
                    let blank = !self.content;
                    self.content = false;
                    self.added_nl = None;
                    self.line_start = 0;
                    return Some(Event::Statement { sql, blank });
                }
            }
            '\\' if matches!(next, Some(';' | ':')) => {
                // `\;` and `\:` put the character itself into the buffer.
                if let Some(ch) = next {
                    self.push(ch);
                }
                *pos += 2;
            }
            '\\' => {
                if self.added_nl.is_some_and(|at| at == self.buf.len()) {
                    self.buf.pop();
                }
                self.added_nl = None;
                let fresh = self.buf.len() == self.line_start;
                let (mut meta, consumed) = lex_meta(rest);
                meta.line_start = fresh;
                *pos += consumed;
                return Some(Event::Meta(meta));
            }
            _ if c.is_whitespace() => {
                if !self.buf.is_empty() {
                    self.push(c);
                }
                *pos += c.len_utf8();
            }
            _ => {
                self.push(c);
                *pos += c.len_utf8();
                self.content = true;
            }
        }
        None
    }
}

/// Whether `sql` holds nothing to run: only whitespace, comments and semicolons.
pub fn is_blank(sql: &str) -> bool {
    let mut sc = Scanner::new();
    for line in sql.split('\n') {
        if !sc.start_line(line) {
            continue;
        }
        let mut pos = 0;
        while let Some(ev) = sc.scan(line, &mut pos) {
            match ev {
                Event::Statement { blank: true, .. } => {}
                Event::Statement { .. } | Event::Meta(_) => return false,
            }
        }
    }
    !sc.has_content()
}

/// The dollar-quote delimiter at the start of `s` (`$$`, `$tag$`), if there is one.
fn dollar_tag(s: &str) -> Option<&str> {
    let body = s.strip_prefix('$')?;
    for (i, ch) in body.char_indices() {
        if ch == '$' {
            return Some(&s[..i + 2]);
        }
        if !(is_dollar_start(ch) || (i > 0 && ch.is_ascii_digit())) {
            return None;
        }
    }
    None
}

/// Lex a backslash command starting at `s` (which begins with `\`). Returns the command and
/// how many bytes it used: up to the end of the line, up to (not including) a following
/// backslash command, or past a `\\` separator after which SQL resumes.
pub fn lex_meta(s: &str) -> (Meta, usize) {
    let mut chars = s.char_indices().skip(1).peekable();
    let mut name = String::new();
    let mut end = s.len();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() || c == '\\' {
            end = i;
            break;
        }
        name.push(c);
        chars.next();
    }
    if chars.peek().is_none() {
        end = s.len();
    }
    let mut args = Vec::new();
    let mut pos = end;
    loop {
        let rest = &s[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if trimmed.is_empty() {
            return (meta(name, args), s.len());
        }
        if trimmed.starts_with("\\\\") {
            return (meta(name, args), pos + 2);
        }
        if trimmed.starts_with('\\') {
            return (meta(name, args), pos);
        }
        let (arg, used) = lex_arg(trimmed);
        args.push(arg);
        pos += used;
    }
}

fn meta(name: String, args: Vec<String>) -> Meta {
    Meta {
        name,
        args,
        line_start: false,
    }
}

/// One argument of a backslash command: unquoted text, `'...'` (quotes removed, `''` and
/// backslash escapes applied) and `"..."` (kept verbatim, for name patterns), up to
/// whitespace or an unquoted backslash.
fn lex_arg(s: &str) -> (String, usize) {
    let mut out = String::new();
    let mut it = s.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        if c.is_whitespace() || c == '\\' {
            return (out, i);
        }
        it.next();
        match c {
            '\'' => loop {
                match it.next() {
                    None => return (out, s.len()),
                    Some((_, '\'')) => {
                        if it.peek().is_some_and(|&(_, n)| n == '\'') {
                            it.next();
                            out.push('\'');
                        } else {
                            break;
                        }
                    }
                    Some((_, '\\')) => match it.next() {
                        None => return (out, s.len()),
                        Some((_, e)) => out.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            'b' => '\u{8}',
                            'f' => '\u{c}',
                            other => other,
                        }),
                    },
                    Some((_, ch)) => out.push(ch),
                }
            },
            '"' => {
                out.push('"');
                loop {
                    match it.next() {
                        None => return (out, s.len()),
                        Some((_, '"')) => {
                            out.push('"');
                            if it.peek().is_some_and(|&(_, n)| n == '"') {
                                it.next();
                                out.push('"');
                            } else {
                                break;
                            }
                        }
                        Some((_, ch)) => out.push(ch),
                    }
                }
            }
            _ => out.push(c),
        }
    }
    (out, s.len())
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
