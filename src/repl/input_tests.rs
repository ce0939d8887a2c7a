//! Unit tests for `input.rs`: statement splitting and buffer rules as psql 15 applies them
//! (each case was checked against psql reading the same lines from a pipe).

use super::*;

/// Feed `lines` and collect what the scanner reports, with the buffer left at the end.
fn feed(sc: &mut Scanner, lines: &[&str]) -> Vec<Event> {
    let mut out = Vec::new();
    for line in lines {
        if !sc.start_line(line) {
            continue;
        }
        let mut pos = 0;
        while let Some(ev) = sc.scan(line, &mut pos) {
            out.push(ev);
        }
    }
    out
}

fn statements(lines: &[&str]) -> Vec<String> {
    let mut sc = Scanner::new();
    feed(&mut sc, lines)
        .into_iter()
        .filter_map(|e| match e {
            Event::Statement { sql, .. } => Some(sql),
            Event::Meta(_) => None,
        })
        .collect()
}

fn meta(name: &str, args: &[&str], line_start: bool) -> Event {
    Event::Meta(Meta {
        name: name.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        line_start,
    })
}

fn stmt(sql: &str) -> Event {
    Event::Statement {
        sql: sql.to_string(),
        blank: false,
    }
}

#[test]
fn semicolons_split_statements_on_one_line() {
    assert_eq!(
        statements(&["select 1; select 2;"]),
        ["select 1;", "select 2;"]
    );
}

#[test]
fn lines_join_with_newlines_and_empty_lines_are_dropped() {
    assert_eq!(statements(&["select", "", "", "x;"]), ["select\nx;"]);
    assert_eq!(
        statements(&["select 1", "   ", "+ 1;"]),
        ["select 1\n   \n+ 1;"]
    );
}

#[test]
fn leading_whitespace_and_line_comments_are_not_buffered() {
    assert_eq!(
        statements(&["   -- leading comment", "  select", "  1, -- inner", "  x;"]),
        ["select\n  1, -- inner\n  x;"]
    );
    // A block comment is kept, as psql keeps it.
    assert_eq!(
        statements(&["/* block */ select y;"]),
        ["/* block */ select y;"]
    );
    assert_eq!(statements(&["select 1; -- trailing"]), ["select 1;"]);
}

#[test]
fn semicolons_inside_quotes_comments_and_parens_do_not_split() {
    assert_eq!(statements(&["select ';' as x;"]), ["select ';' as x;"]);
    assert_eq!(statements(&["select 'it''s;';"]), ["select 'it''s;';"]);
    assert_eq!(statements(&["select E'a\\';b';"]), ["select E'a\\';b';"]);
    assert_eq!(statements(&["select e'\\\\'; x"]), ["select e'\\\\';"]);
    assert_eq!(statements(&["select 'a\\';"]), ["select 'a\\';"]);
    assert_eq!(
        statements(&["select 1 as \"a;b\";"]),
        ["select 1 as \"a;b\";"]
    );
    assert_eq!(
        statements(&["select 1 as \"a\"\";b\";"]),
        ["select 1 as \"a\"\";b\";"]
    );
    assert_eq!(statements(&["select $$a;b$$;"]), ["select $$a;b$$;"]);
    assert_eq!(
        statements(&["select $fn$ $$ ; $x$ $fn$;"]),
        ["select $fn$ $$ ; $x$ $fn$;"]
    );
    assert_eq!(
        statements(&["/* a /* b */ ; */ select 1;"]),
        ["/* a /* b */ ; */ select 1;"]
    );
    assert_eq!(statements(&["select (1;", ");"]), ["select (1;\n);"]);
    assert_eq!(statements(&["select 'é;日本';"]), ["select 'é;日本';"]);
}

#[test]
fn dollar_signs_that_are_not_quotes() {
    // A parameter, and `$` inside an identifier.
    assert_eq!(
        statements(&["select $1; select 2;"]),
        ["select $1;", "select 2;"]
    );
    assert_eq!(statements(&["select a$b$; x;"]), ["select a$b$;", "x;"]);
}

#[test]
fn quotes_span_lines_and_keep_empty_lines() {
    assert_eq!(statements(&["select 'a", "", "b';"]), ["select 'a\n\nb';"]);
    assert_eq!(statements(&["select E'a\\", "b';"]), ["select E'a\\\nb';"]);
    assert_eq!(
        statements(&["select $$", ";", "$$;"]),
        ["select $$\n;\n$$;"]
    );
}

#[test]
fn prompt_characters() {
    let mut sc = Scanner::new();
    assert_eq!(sc.prompt_char(), '=');
    for (line, want) in [
        ("select", '-'),
        ("'a", '\''),
        ("b' \"x", '"'),
        ("\" $q$", '$'),
        ("$q$ /* c", '*'),
        ("*/ (", '('),
        (");", '='),
    ] {
        feed(&mut sc, &[line]);
        assert_eq!(sc.prompt_char(), want, "after {line:?}");
    }
    // A block comment alone leaves a non-empty buffer: psql shows the continuation prompt.
    feed(&mut sc, &["/* c */"]);
    assert_eq!(sc.prompt_char(), '-');
    // A line comment alone does not.
    let mut sc = Scanner::new();
    feed(&mut sc, &["-- c"]);
    assert_eq!(sc.prompt_char(), '=');
}

#[test]
fn backslash_commands() {
    let mut sc = Scanner::new();
    assert_eq!(feed(&mut sc, &["\\d t"]), [meta("d", &["t"], true)]);
    assert_eq!(feed(&mut sc, &["\\dt+"]), [meta("dt+", &[], true)]);
    assert_eq!(
        feed(&mut sc, &["\\x \\timing on"]),
        [meta("x", &[], true), meta("timing", &["on"], true)]
    );
    assert_eq!(feed(&mut sc, &["select 1 \\g"]), [meta("g", &[], false)]);
    assert_eq!(sc.buffer(), "select 1 ");
}

#[test]
fn a_line_with_only_a_backslash_command_leaves_the_buffer_alone() {
    let mut sc = Scanner::new();
    feed(&mut sc, &["select 5", "\\p"]);
    assert_eq!(sc.buffer(), "select 5");
    // Leading whitespace is buffered once the buffer is non-empty, so it stays (as in psql).
    assert_eq!(feed(&mut sc, &["  \\p"]), [meta("p", &[], false)]);
    assert_eq!(sc.buffer(), "select 5\n  ");
    assert_eq!(statements(&["select 5", "\\p", "+ y;"]), ["select 5\n+ y;"]);
}

#[test]
fn double_backslash_resumes_sql() {
    let mut sc = Scanner::new();
    let events = feed(&mut sc, &["select 2 as b \\x \\\\ select 3 as c;"]);
    assert_eq!(
        events,
        [meta("x", &[], false), stmt("select 2 as b  select 3 as c;")]
    );
    let mut sc = Scanner::new();
    let events = feed(&mut sc, &["\\x \\\\ select 3;"]);
    assert_eq!(events, [meta("x", &[], true), stmt("select 3;")]);
}

#[test]
fn escaped_semicolon_stays_in_the_statement() {
    assert_eq!(
        statements(&["select 1 \\; select 2;"]),
        ["select 1 ; select 2;"]
    );
}

#[test]
fn backslash_inside_quotes_is_sql() {
    assert_eq!(statements(&["select '\\d';"]), ["select '\\d';"]);
    assert_eq!(statements(&["select $$\\x$$;"]), ["select $$\\x$$;"]);
}

#[test]
fn meta_arguments() {
    let (m, used) = lex_meta("\\echo 'a  b' \"C d\" it''s 'it''s' 'x\\ty' plain");
    assert_eq!(m.args, ["a  b", "\"C d\"", "its", "it's", "x\ty", "plain"]);
    assert_eq!(m.name, "echo");
    assert_eq!(
        used,
        "\\echo 'a  b' \"C d\" it''s 'it''s' 'x\\ty' plain".len()
    );
    let (m, used) = lex_meta("\\d \"My Table\"\\x");
    assert_eq!(m.args, ["\"My Table\""]);
    assert_eq!(used, "\\d \"My Table\"".len());
    let (m, _) = lex_meta("\\");
    assert_eq!(m.name, "");
    let (m, _) = lex_meta("\\echo 'unterminated");
    assert_eq!(m.args, ["unterminated"]);
}

#[test]
fn blank_statements() {
    let mut sc = Scanner::new();
    assert_eq!(
        feed(&mut sc, &[";", "/* x */ ;"]),
        [
            Event::Statement {
                sql: ";".to_string(),
                blank: true
            },
            Event::Statement {
                sql: "/* x */ ;".to_string(),
                blank: true
            }
        ]
    );
    assert!(is_blank(""));
    assert!(is_blank("  -- only a comment\n;\n/* and */"));
    assert!(!is_blank("select 1"));
    assert!(!is_blank("; select 1;"));
    assert!(!is_blank("'"));
}

#[test]
fn take_returns_an_unterminated_statement() {
    let mut sc = Scanner::new();
    feed(&mut sc, &["select 1 as"]);
    assert_eq!(sc.take(), ("select 1 as".to_string(), false));
    assert_eq!(sc.buffer(), "");
    feed(&mut sc, &["select (1, '"]);
    sc.reset();
    assert_eq!(sc.prompt_char(), '=');
    assert_eq!(statements(&["select 1;"]), ["select 1;"]);
}

/// Deterministic pseudo-random lines over the characters that matter to the lexer: the
/// scanner must never panic, every statement must end in `;`, and scanning must consume
/// each line.
#[test]
fn random_input_never_panics() {
    let alphabet: Vec<char> = "ab $q;'\"\\-/*()Ee\t\n日;:x".chars().collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut sc = Scanner::new();
    for _ in 0..3000 {
        let len = next() % 12;
        let line: String = (0..len)
            .map(|_| alphabet[next() % alphabet.len()])
            .filter(|c| *c != '\n')
            .collect();
        let _ = sc.prompt_char();
        if !sc.start_line(&line) {
            continue;
        }
        let mut pos = 0;
        let mut guard = 0;
        while let Some(ev) = sc.scan(&line, &mut pos) {
            if let Event::Statement { sql, .. } = ev {
                assert!(sql.ends_with(';'), "{sql:?}");
            }
            guard += 1;
            assert!(guard <= line.len() + 1, "no progress on {line:?}");
        }
        assert_eq!(pos, line.len(), "{line:?}");
        if next() % 50 == 0 {
            let _ = sc.take();
        }
        let _ = is_blank(&line);
    }
}
