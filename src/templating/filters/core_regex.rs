//! `regex_replace`, `regex_search`, `regex_findall`, `regex_escape` with
//! Python `re` patterns, compiled and run by `crate::pyre`.

use super::{Args, Num, add, py_str, tuple};
use crate::pyre;
use minijinja::value::Value as Jv;
use minijinja::{Environment, Error};

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "regex_replace", regex_replace);
    add(env, "regex_search", regex_search);
    add(env, "regex_findall", regex_findall);
    add(env, "regex_escape", regex_escape);
}

/// Python's `re.compile(pattern, flags)`.
fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<pyre::Regex, String> {
    pyre::compile(
        pattern,
        pyre::Flags {
            ignorecase,
            multiline,
            ..pyre::Flags::default()
        },
    )
}

/// `to_text(value, nonstring='simplerepr')`.
fn subject(value: &Jv) -> String {
    py_str(value)
}

fn regex_replace(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let pattern = args.string(0, "pattern", "");
    let replacement = args.string(1, "replacement", "");
    let ignorecase = args.flag(2, "ignorecase");
    let multiline = args.flag(3, "multiline");
    let count = args
        .get(4, "count")
        .and_then(|c| Num::of(&c))
        .map_or(0, |n| match n {
            Num::Int(i) => i,
            Num::Float(f) => f as i128,
        });
    let mandatory = args
        .get(5, "mandatory_count")
        .and_then(|c| Num::of(&c))
        .map_or(0, |n| match n {
            Num::Int(i) => i,
            Num::Float(f) => f as i128,
        });
    let re = compile(&pattern, ignorecase, multiline).map_err(|e| args.fail(e))?;
    let template = pyre::Template::parse(&replacement, &re).map_err(|e| args.fail(e))?;
    // Python's count: 0 or less replaces all.
    let limit = if count <= 0 {
        0
    } else {
        usize::try_from(count).unwrap_or(usize::MAX)
    };
    let (out, subs) = re
        .substitute(&text, &template, limit)
        .map_err(|e| args.fail(e))?;
    let subs = subs as i128;
    if mandatory != 0 && mandatory != subs {
        // ansible reports `count` (the argument) where it means the matches.
        return Err(args.fail(format!(
            "{} should match {mandatory} times, but matches {count} times in {}",
            crate::value::python_str_repr(&pattern),
            crate::value::python_str_repr(&text)
        )));
    }
    Ok(Jv::from(out))
}

fn regex_findall(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let pattern = args.string(0, "regex", "");
    let multiline = args.flag(1, "multiline");
    let ignorecase = args.flag(2, "ignorecase");
    let re = compile(&pattern, ignorecase, multiline).map_err(|e| args.fail(e))?;
    let single = re.group_count() <= 1;
    let out: Vec<Jv> = re
        .find_all_texts(&text)
        .map_err(|e| args.fail(e))?
        .into_iter()
        .map(|groups| {
            let mut texts = groups.into_iter().map(Jv::from);
            if single {
                texts.next().unwrap_or_else(|| Jv::from(""))
            } else {
                tuple(texts.collect())
            }
        })
        .collect();
    Ok(Jv::from(out))
}

/// A group named by a `regex_search` argument: `\N` or `\g<name>`.
enum GroupRef {
    Index(usize),
    Name(String),
}

fn regex_search(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let pattern = args.string(0, "regex", "");
    let mut refs = Vec::new();
    for arg in args.rest(1) {
        let arg = py_str(&arg);
        if let Some(rest) = arg.strip_prefix("\\g") {
            let name = rest
                .strip_prefix('<')
                .and_then(|r| r.split_once('>'))
                .map(|(n, _)| n)
                .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace));
            match name {
                Some(n) => refs.push(GroupRef::Name(n.to_string())),
                None => return Err(args.fail("'NoneType' object has no attribute 'group'")),
            }
        } else if let Some(rest) = arg.strip_prefix('\\') {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<usize>() {
                Ok(n) => refs.push(GroupRef::Index(n)),
                Err(_) => return Err(args.fail("'NoneType' object has no attribute 'group'")),
            }
        } else {
            return Err(args.fail("Unknown argument"));
        }
    }
    let ignorecase = args.kw("ignorecase").is_some_and(|v| v.is_true());
    let multiline = args.kw("multiline").is_some_and(|v| v.is_true());
    let _ = args.all_keywords();
    let re = compile(&pattern, ignorecase, multiline).map_err(|e| args.fail(e))?;
    let Some(caps) = re.search(&text).map_err(|e| args.fail(e))? else {
        return Ok(Jv::from(()));
    };
    if refs.is_empty() {
        return Ok(Jv::from(caps.text(0, &text).unwrap_or("")));
    }
    let mut out = Vec::new();
    for r in refs {
        let index = match r {
            GroupRef::Index(i) if i <= re.group_count() => i,
            GroupRef::Name(n) => match re.group_index(&n) {
                Some(i) => i,
                None => return Err(args.fail("no such group")),
            },
            GroupRef::Index(_) => return Err(args.fail("no such group")),
        };
        out.push(caps.text(index, &text).map_or(Jv::from(()), Jv::from));
    }
    Ok(Jv::from(out))
}

fn regex_escape(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let kind = args.string(0, "re_type", "python");
    match kind.as_str() {
        "python" => Ok(Jv::from(pyre::escape(&text))),
        "posix_basic" => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if "].[^$*\\".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            Ok(Jv::from(out))
        }
        "posix_extended" => Err(args.fail(format!("Regex type ({kind}) not yet implemented"))),
        _ => Err(args.fail(format!("Invalid regex type ({kind})"))),
    }
}
