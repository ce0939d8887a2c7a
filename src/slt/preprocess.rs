//! Source fixes applied to a test file before the `sqllogictest` crate parses it.
//!
//! The crate's parser follows sqllogictest-rs conventions; SQLite's corpus was written for
//! SQLite's C runner. This module bridges the text-level differences (see
//! `shared/sqlite-slt/README.md`):
//!
//! - CRLF line endings become LF (most corpus files use CRLF).
//! - A trailing `# comment` on a `skipif`/`onlyif` line (`skipif mysql # not compatible`) is
//!   dropped; the crate rejects it as an invalid line.
//! - The label of a `skipif`/`onlyif` line is lowercased, because the C runner compares labels
//!   case-insensitively and the crate compares them exactly (our labels are lowercase too).
//! - A conditional `halt` (`onlyif mssql` then `halt`) is resolved here against our labels: the
//!   crate ignores the conditions in front of a `halt` (it halts unconditionally and then attaches
//!   the stale conditions to the next record). If the conditions select us, the condition lines
//!   become comments and the `halt` stays; otherwise the condition lines and the `halt` become
//!   comments. Lines are never added or removed, so reported line numbers stay those of the file.
//!
//! The two remaining differences are not textual and are applied by the runner in corpus mode:
//! the C runner's hash threshold of 8 ([`CORPUS_HASH_THRESHOLD`]) and one value per line
//! ([`CORPUS_PRELUDE`], `control resultmode valuewise`).

/// The C runner's default hash threshold: results with more values are compared by MD5 hash.
pub const CORPUS_HASH_THRESHOLD: usize = 8;

/// Records run before every corpus file: the C runner lists one value per line.
pub const CORPUS_PRELUDE: &str = "control resultmode valuewise\n";

/// A `skipif`/`onlyif` line, split up.
struct ConditionLine<'a> {
    only_if: bool,
    label: &'a str,
}

fn condition(line: &str) -> Option<ConditionLine<'_>> {
    let body = line.split('#').next().unwrap_or("");
    let mut words = body.split_whitespace();
    let only_if = match words.next()? {
        "skipif" => false,
        "onlyif" => true,
        _ => return None,
    };
    let label = words.next()?;
    if words.next().is_some() {
        return None;
    }
    Some(ConditionLine { only_if, label })
}

/// Whether a record guarded by `conds` is skipped for an engine answering to `labels`
/// (lowercase), by the C runner's rule: any `skipif` that matches or any `onlyif` that does not.
fn skipped(conds: &[ConditionLine<'_>], labels: &[String]) -> bool {
    conds.iter().any(|c| {
        let matches = labels.iter().any(|l| l.eq_ignore_ascii_case(c.label));
        if c.only_if { !matches } else { matches }
    })
}

/// Apply the source fixes to `script` for an engine answering to `labels`.
pub fn preprocess(script: &str, labels: &[String]) -> String {
    let text = script.replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let Some(first) = condition(lines[i]) else {
            out.push(lines[i].trim_end_matches('\r').to_string());
            i += 1;
            continue;
        };
        // A run of condition lines, then the record they guard.
        let start = i;
        let mut conds = vec![first];
        i += 1;
        while let Some(c) = lines.get(i).and_then(|l| condition(l)) {
            conds.push(c);
            i += 1;
        }
        let is_halt = lines
            .get(i)
            .is_some_and(|l| l.split_whitespace().eq(["halt"]));
        if is_halt {
            let skip = skipped(&conds, labels);
            for line in &lines[start..i] {
                out.push(format!("# {}", line.trim_end()));
            }
            out.push(if skip {
                format!("# {} (not for this engine)", lines[i].trim())
            } else {
                "halt".to_string()
            });
            i += 1;
        } else {
            for c in &conds {
                let word = if c.only_if { "onlyif" } else { "skipif" };
                out.push(format!("{word} {}", c.label.to_ascii_lowercase()));
            }
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg() -> Vec<String> {
        vec!["postgresql".to_string()]
    }

    #[test]
    fn strips_comments_and_crlf() {
        let s = "skipif mysql # not compatible\r\nquery I\r\nSELECT 1\r\n----\r\n1\r\n";
        assert_eq!(
            preprocess(s, &pg()),
            "skipif mysql\nquery I\nSELECT 1\n----\n1\n"
        );
    }

    #[test]
    fn conditional_halt() {
        let s = "onlyif mssql\nhalt\n\nonlyif PostgreSQL\nhalt\n";
        let out = preprocess(s, &pg());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with('#') && lines[1].starts_with('#'));
        assert!(lines[3].starts_with('#'));
        assert_eq!(lines[4], "halt");
        let s = "skipif sqlite\nhalt\n";
        assert_eq!(preprocess(s, &pg()).lines().nth(1), Some("halt"));
    }

    #[test]
    fn labels_are_lowercased() {
        assert_eq!(
            preprocess("onlyif MySQL\nstatement ok\nSELECT 1", &pg()),
            "onlyif mysql\nstatement ok\nSELECT 1"
        );
    }
}
