//! Function overload resolution: PostgreSQL's `func_get_detail` and
//! `func_select_candidate` over the catalog tables.
//!
//! Design: candidates are the catalog rows with the requested name and
//! arity (`VARIADIC "any"` rows take one or more extra arguments). An exact
//! match on the argument types (modifiers ignored) wins; otherwise the rows
//! whose parameters every argument implicitly coerces to (pg_cast context
//! 'i', binary coercions, unknown literals to anything) are narrowed in
//! PostgreSQL's order — most exact matches; most exact-or-preferred types
//! within each argument's category; for unknown arguments a common category
//! per position (the string category wins conflicts) and its preferred
//! type; finally "all known arguments have one type, assume the unknowns do
//! too". Zero survivors is 42883, several is 42725, both with PostgreSQL's
//! hints; a catalogued-but-unsupported row is 0A000.

use super::{FAMILIES, Op, P, Resolved, ScalarFn, Sig};
use crate::sql::error::SqlError;
use crate::sql::types::DataType;

/// Resolve `name(args)` as PostgreSQL's function lookup does. `name` is
/// already lower-cased; `DataType::Unknown` marks untyped literals and NULL.
pub fn resolve(name: &str, args: &[DataType]) -> Result<Resolved, SqlError> {
    // `pg_catalog.f` finds the same functions; messages keep the given name
    // (PostgreSQL's special syntaxes report `pg_catalog.extract(...)`).
    let lookup = name.strip_prefix("pg_catalog.").unwrap_or(name);
    let mut cands: Vec<Chosen> = Vec::new();
    for (f, fam) in FAMILIES.iter().enumerate() {
        for (i, s) in fam.iter().enumerate() {
            let arity_ok = if s.variadic_any {
                args.len() > s.args.len()
            } else {
                args.len() == s.args.len()
            };
            if s.name == lookup && arity_ok {
                cands.push((f as u8, i as u16, s));
            }
        }
    }
    let inputs: Vec<DataType> = args.iter().map(base).collect();
    let params = |s: &Sig| -> Vec<P> {
        let mut v = s.args.to_vec();
        v.resize(inputs.len(), P::AnyElement);
        v
    };
    let exact = cands.iter().find(|(_, _, s)| {
        params(s)
            .iter()
            .zip(&inputs)
            .all(|(p, t)| matches!(p, P::T(d) if d == t))
    });
    let chosen = match exact {
        Some(c) => Some(*c),
        None => {
            let ok: Vec<_> = cands
                .iter()
                .copied()
                .filter(|(_, _, s)| params(s).iter().zip(&inputs).all(|(p, t)| can_coerce(t, p)))
                .collect();
            match ok.len() {
                0 => None,
                1 => Some(ok[0]),
                _ => {
                    let typed: Vec<Cand> = ok.iter().map(|c| (params(c.2), *c)).collect();
                    match select_candidate(&inputs, typed) {
                        Some(c) => Some(c),
                        None => return Err(not_unique(name, args)),
                    }
                }
            }
        }
    };
    let Some((family, index, sig)) = chosen else {
        return Err(undefined_function(name, args));
    };
    if sig.op == Op::Unsupported {
        return Err(SqlError::feature_not_supported(format!(
            "function {}({}) is not supported",
            name,
            type_list(args)
        )));
    }
    let arg_types = params(sig)
        .iter()
        .zip(args)
        .map(|(p, a)| match p {
            P::T(t) => *t,
            P::AnyElement | P::Foreign(_) if *a == DataType::Unknown => DataType::Text,
            P::AnyElement | P::Foreign(_) => *a,
        })
        .collect();
    Ok(Resolved {
        func: ScalarFn { family, index },
        arg_types,
        ret: sig.ret,
    })
}

/// 42883 with PostgreSQL's message and hint.
pub fn undefined_function(name: &str, args: &[DataType]) -> SqlError {
    SqlError::new(
        "42883",
        format!("function {}({}) does not exist", name, type_list(args)),
    )
    .with_hint(
        "No function matches the given name and argument types. You might need to add explicit type casts.",
    )
}

fn not_unique(name: &str, args: &[DataType]) -> SqlError {
    SqlError::new(
        "42725",
        format!("function {}({}) is not unique", name, type_list(args)),
    )
    .with_hint(
        "Could not choose a best candidate function. You might need to add explicit type casts.",
    )
}

fn type_list(args: &[DataType]) -> String {
    let names: Vec<&str> = args.iter().map(|t| t.base_name()).collect();
    names.join(", ")
}

/// The type without modifiers.
fn base(t: &DataType) -> DataType {
    match t {
        DataType::Numeric { .. } => DataType::NUMERIC,
        DataType::Varchar(_) => DataType::Varchar(None),
        DataType::Char(_) => DataType::Char(None),
        other => *other,
    }
}

/// pg_type.typcategory and typispreferred.
fn category(p: &P) -> (char, bool) {
    let t = match p {
        P::T(t) => t,
        P::AnyElement => return ('P', false),
        P::Foreign(c) => return (*c, false),
    };
    match t {
        DataType::Bool => ('B', true),
        DataType::Int2 | DataType::Int4 | DataType::Int8 => ('N', false),
        DataType::Float4 | DataType::Numeric { .. } => ('N', false),
        DataType::Float8 => ('N', true),
        DataType::Text => ('S', true),
        DataType::Varchar(_) | DataType::Char(_) => ('S', false),
        DataType::Bytea => ('U', false),
        DataType::Date | DataType::Time | DataType::Timestamp => ('D', false),
        DataType::Timestamptz => ('D', true),
        DataType::Interval => ('T', true),
        DataType::Unknown => ('X', false),
    }
}

/// Whether an implicit cast (pg_cast context 'i') or binary coercion exists.
fn can_coerce(from: &DataType, to: &P) -> bool {
    use DataType as D;
    let to = match to {
        P::T(t) => t,
        P::AnyElement => return true,
        P::Foreign(_) => return *from == D::Unknown,
    };
    if from == to || *from == D::Unknown {
        return true;
    }
    matches!(
        (from, to),
        (
            D::Int2,
            D::Int4 | D::Int8 | D::Float4 | D::Float8 | D::Numeric { .. }
        ) | (D::Int4, D::Int8 | D::Float4 | D::Float8 | D::Numeric { .. })
            | (D::Int8, D::Float4 | D::Float8 | D::Numeric { .. })
            | (D::Numeric { .. }, D::Float4 | D::Float8)
            | (D::Float4, D::Float8)
            | (D::Text, D::Char(_) | D::Varchar(_))
            | (D::Varchar(_), D::Text | D::Char(_))
            | (D::Char(_), D::Text | D::Varchar(_))
            | (D::Date, D::Timestamp | D::Timestamptz)
            | (D::Timestamp, D::Timestamptz)
            | (D::Time, D::Interval)
    )
}

/// A catalog entry located by family and index.
type Chosen = (u8, u16, &'static Sig);
/// A candidate with its parameter list expanded to the call's arity.
type Cand = (Vec<P>, Chosen);

/// PostgreSQL's `func_select_candidate`.
fn select_candidate(inputs: &[DataType], mut cands: Vec<Cand>) -> Option<Chosen> {
    let unknown = |i: usize| inputs[i] == DataType::Unknown;
    let input_cat: Vec<char> = inputs.iter().map(|t| category(&P::T(*t)).0).collect();
    // Keep the candidates with the most exact matches (pass 0), then the
    // most exact-or-preferred-in-the-input's-category types (pass 1).
    let score = |pass: usize, ps: &[P]| -> usize {
        (0..inputs.len())
            .filter(|&i| {
                let (c, pref) = category(&ps[i]);
                let exact = ps[i] == P::T(inputs[i]);
                !unknown(i) && (exact || (pass == 1 && pref && c == input_cat[i]))
            })
            .count()
    };
    for pass in 0..2 {
        let best = cands.iter().map(|c| score(pass, &c.0)).max().unwrap_or(0);
        cands.retain(|c| score(pass, &c.0) == best);
        if cands.len() == 1 {
            return Some(cands[0].1);
        }
    }
    // Resolve the categories of unknown arguments.
    let mut resolved = true;
    let mut slot: Vec<Option<(char, bool)>> = vec![None; inputs.len()];
    for (i, s) in slot.iter_mut().enumerate() {
        if !unknown(i) {
            continue;
        }
        let mut conflict = false;
        let mut cur: Option<(char, bool)> = None;
        for c in &cands {
            let (cat, pref) = category(&c.0[i]);
            cur = match cur {
                None => Some((cat, pref)),
                Some((sc, sp)) if sc == cat => Some((sc, sp || pref)),
                Some(_) if cat == 'S' => Some((cat, pref)),
                Some(x) => {
                    conflict = true;
                    Some(x)
                }
            };
        }
        if conflict && cur.map(|c| c.0) != Some('S') {
            resolved = false;
            break;
        }
        *s = cur;
    }
    if resolved && inputs.contains(&DataType::Unknown) {
        let keep: Vec<Cand> = cands
            .iter()
            .filter(|c| {
                (0..inputs.len()).all(|i| match slot[i] {
                    None => true,
                    Some((cat, pref)) => {
                        let (cc, cp) = category(&c.0[i]);
                        cc == cat && (!pref || cp)
                    }
                })
            })
            .cloned()
            .collect();
        if !keep.is_empty() {
            cands = keep;
        }
        if cands.len() == 1 {
            return Some(cands[0].1);
        }
    }
    // Last gasp: all known inputs share one type; assume the unknowns too.
    let known: Vec<&DataType> = inputs.iter().filter(|t| **t != DataType::Unknown).collect();
    if !known.is_empty() && known.len() < inputs.len() && known.iter().all(|t| *t == known[0]) {
        let kt = *known[0];
        let ok: Vec<&Cand> = cands
            .iter()
            .filter(|c| c.0.iter().all(|p| can_coerce(&kt, p)))
            .collect();
        if ok.len() == 1 {
            return Some(ok[0].1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(name: &str, args: &[DataType]) -> String {
        match resolve(name, args) {
            Ok(r) => r.ret.name(),
            Err(e) => format!("{}: {}", e.code, e.message),
        }
    }

    #[test]
    fn resolution_follows_postgres() {
        use DataType as D;
        assert_eq!(ret("round", &[D::Int4]), "double precision");
        assert_eq!(ret("round", &[D::Unknown]), "double precision");
        assert_eq!(ret("round", &[D::NUMERIC, D::Int4]), "numeric");
        assert_eq!(ret("abs", &[D::Int4]), "integer");
        assert_eq!(ret("mod", &[D::Int4, D::Int8]), "bigint");
        assert_eq!(ret("power", &[D::Int4, D::Int4]), "double precision");
        assert_eq!(ret("length", &[D::Unknown]), "integer");
        assert_eq!(
            ret("date_trunc", &[D::Unknown, D::Date]),
            "timestamp with time zone"
        );
        assert_eq!(ret("log", &[D::Int4, D::Int4]), "numeric");
        let r = resolve("length", &[D::Varchar(Some(3))]).unwrap();
        assert_eq!(r.arg_types, vec![D::Text]);
        let r = resolve("concat", &[D::Unknown, D::Int4]).unwrap();
        assert_eq!(r.arg_types, vec![D::Text, D::Int4]);
        assert_eq!(
            ret("foo", &[D::Int4]),
            "42883: function foo(integer) does not exist"
        );
        assert_eq!(
            ret("concat", &[]),
            "42883: function concat() does not exist"
        );
        let e = resolve("abs", &[D::Bool]).unwrap_err();
        assert_eq!(
            e.hint.as_deref(),
            Some(
                "No function matches the given name and argument types. You might need to add explicit type casts."
            )
        );
    }

    #[test]
    fn flags() {
        let r = resolve("random", &[]).unwrap();
        assert!(r.func.is_volatile());
        assert_eq!(r.func.name(), "random");
        let c = resolve("concat", &[DataType::Text]).unwrap();
        assert!(!c.func.is_strict());
        assert!(resolve("now", &[]).unwrap().func.is_strict());
    }
}
