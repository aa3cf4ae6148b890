//! Python methods on str/list/dict values (`'a-b'.rsplit('-', 1)`,
//! `'7'.zfill(3)`, `lst.index(x)`, ...) and the `dict()` global, as Jinja2
//! exposes them: Jinja2 calls the Python objects' own methods.
//! minijinja-contrib's pycompat covers the common ones; the rest are
//! written here, and anything else falls through to pycompat.

use super::filters::core::{Num, py_repr, py_str, type_name};
use super::printf::RENDER_ERROR;
use minijinja::value::{Kwargs, Rest, Value as Jv, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

pub fn register(env: &mut Environment<'static>) {
    env.set_unknown_method_callback(call_method);
    env.add_function("dict", dict);
}

fn call_method(state: &mut State, value: &Jv, method: &str, args: &[Jv]) -> Result<Jv, Error> {
    let handled = match value.kind() {
        ValueKind::String => str_method(value.as_str().unwrap_or_default(), method, args),
        ValueKind::Seq => seq_method(value, method, args),
        ValueKind::Map => map_method(value, method, args),
        _ => None,
    };
    match handled {
        Some(result) => result.map_err(|m| Error::new(ErrorKind::InvalidOperation, m)),
        None => minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args),
    }
}

/// A Python exception raised while rendering, as ansible words it.
fn raised(message: impl std::fmt::Display) -> String {
    format!("{RENDER_ERROR}{message}")
}

fn arg_str(args: &[Jv], i: usize, method: &str) -> Result<Option<String>, String> {
    match args.get(i) {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => match v.as_str().filter(|_| v.kind() == ValueKind::String) {
            Some(s) => Ok(Some(s.to_string())),
            None => Err(raised(format!(
                "{method}() argument {} must be str, not {}",
                i + 1,
                type_name(v)
            ))),
        },
    }
}

fn arg_int(args: &[Jv], i: usize) -> Result<Option<i128>, String> {
    match args.get(i) {
        None => Ok(None),
        Some(v) => match Num::of(v) {
            Some(Num::Int(n)) => Ok(Some(n)),
            _ => Err(raised(format!(
                "'{}' object cannot be interpreted as an integer",
                type_name(v)
            ))),
        },
    }
}

fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn strings(items: Vec<String>) -> Jv {
    Jv::from(items.into_iter().map(Jv::from).collect::<Vec<_>>())
}

/// Python's `str.ljust`/`rjust`/`center` padding.
fn justify(s: &str, args: &[Jv], method: &str) -> Result<Jv, String> {
    let width = arg_int(args, 0)?
        .ok_or_else(|| raised(format!("{method}() takes at least 1 argument (0 given)")))?;
    let fill = match arg_str(args, 1, method)? {
        None => ' ',
        Some(f) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
        Some(_) => {
            return Err(raised(
                "The fill character must be exactly one character long",
            ));
        }
    };
    let len = s.chars().count() as i128;
    let pad = |n: i128| {
        fill.to_string()
            .repeat(usize::try_from(n.max(0)).unwrap_or(0))
    };
    Ok(Jv::from(match method {
        "ljust" => format!("{s}{}", pad(width - len)),
        "rjust" => format!("{}{s}", pad(width - len)),
        _ => super::filters::core::py_center(s, width, fill),
    }))
}

fn str_method(s: &str, method: &str, args: &[Jv]) -> Option<Result<Jv, String>> {
    let result = match method {
        "rsplit" => rsplit(s, args),
        "zfill" => arg_int(args, 0).map(|w| {
            let width = usize::try_from(w.unwrap_or(0)).unwrap_or(0);
            let len = s.chars().count();
            if width <= len {
                return Jv::from(s);
            }
            let (sign, digits) = match s.chars().next() {
                Some(c @ ('+' | '-')) => (c.to_string(), &s[1..]),
                _ => (String::new(), s),
            };
            Jv::from(format!("{sign}{}{digits}", "0".repeat(width - len)))
        }),
        "ljust" | "rjust" | "center" => justify(s, args, method),
        "partition" | "rpartition" => arg_str(args, 0, method).and_then(|sep| {
            let sep = sep.ok_or_else(|| raised("must be str, not NoneType"))?;
            if sep.is_empty() {
                return Err(raised("empty separator"));
            }
            let found = if method == "partition" {
                s.find(&sep)
            } else {
                s.rfind(&sep)
            };
            let parts = match found {
                Some(at) => [&s[..at], sep.as_str(), &s[at + sep.len()..]],
                None if method == "partition" => [s, "", ""],
                None => ["", "", s],
            };
            Ok(Jv::from_iter(parts.iter().map(|p| Jv::from(*p))))
        }),
        "index" | "rindex" => arg_str(args, 0, method).and_then(|sub| {
            let sub = sub.unwrap_or_default();
            let found = if method == "index" {
                s.find(&sub)
            } else {
                s.rfind(&sub)
            };
            found
                .map(|at| Jv::from(s[..at].chars().count()))
                .ok_or_else(|| raised("substring not found"))
        }),
        "swapcase" => Ok(Jv::from(
            s.chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<Vec<_>>()
                    } else {
                        c.to_uppercase().collect::<Vec<_>>()
                    }
                })
                .collect::<String>(),
        )),
        "casefold" => Ok(Jv::from(s.to_lowercase().replace('ß', "ss"))),
        "removeprefix" => arg_str(args, 0, method)
            .map(|p| Jv::from(s.strip_prefix(p.unwrap_or_default().as_str()).unwrap_or(s))),
        "removesuffix" => arg_str(args, 0, method)
            .map(|p| Jv::from(s.strip_suffix(p.unwrap_or_default().as_str()).unwrap_or(s))),
        "istitle" => Ok(Jv::from(istitle(s))),
        "isdecimal" => Ok(Jv::from(
            !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()),
        )),
        "isidentifier" => Ok(Jv::from(
            s.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && s.chars().all(|c| c.is_alphanumeric() || c == '_'),
        )),
        "expandtabs" => arg_int(args, 0).map(|t| Jv::from(expandtabs(s, t.unwrap_or(8)))),
        _ => return None,
    };
    Some(result)
}

/// Python's `str.rsplit(sep=None, maxsplit=-1)`.
fn rsplit(s: &str, args: &[Jv]) -> Result<Jv, String> {
    let sep = arg_str(args, 0, "rsplit")?;
    let max = arg_int(args, 1)?.unwrap_or(-1);
    let limit = usize::try_from(max).ok();
    let mut parts: Vec<String> = Vec::new();
    match sep {
        Some(sep) if sep.is_empty() => return Err(raised("empty separator")),
        Some(sep) => {
            let mut rest = s;
            while let Some(at) = rest.rfind(&sep) {
                if limit.is_some_and(|n| parts.len() >= n) {
                    break;
                }
                parts.push(rest[at + sep.len()..].to_string());
                rest = &rest[..at];
            }
            parts.push(rest.to_string());
        }
        None => {
            let mut rest = s.trim_end_matches(is_py_space);
            while !rest.is_empty() {
                if limit.is_some_and(|n| parts.len() >= n) {
                    parts.push(rest.to_string());
                    break;
                }
                let start = rest.rfind(is_py_space).map_or(0, |i| {
                    i + rest[i..].chars().next().map_or(1, char::len_utf8)
                });
                parts.push(rest[start..].to_string());
                rest = rest[..start].trim_end_matches(is_py_space);
            }
        }
    }
    parts.reverse();
    Ok(strings(parts))
}

fn istitle(s: &str) -> bool {
    let mut cased = false;
    let mut previous_cased = false;
    for c in s.chars() {
        if c.is_uppercase() {
            if previous_cased {
                return false;
            }
            previous_cased = true;
            cased = true;
        } else if c.is_lowercase() {
            if !previous_cased {
                return false;
            }
            previous_cased = true;
            cased = true;
        } else {
            previous_cased = false;
        }
    }
    cased
}

fn expandtabs(s: &str, tab: i128) -> String {
    let tab = usize::try_from(tab).unwrap_or(0);
    let mut out = String::with_capacity(s.len());
    let mut column = 0;
    for c in s.chars() {
        match c {
            '\t' => {
                if tab > 0 {
                    let n = tab - column % tab;
                    out.push_str(&" ".repeat(n));
                    column += n;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            _ => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

fn seq_method(value: &Jv, method: &str, args: &[Jv]) -> Option<Result<Jv, String>> {
    let items = || {
        value
            .try_iter()
            .map(Iterator::collect::<Vec<Jv>>)
            .unwrap_or_default()
    };
    let result = match method {
        "index" => {
            let wanted = args.first().cloned().unwrap_or_default();
            items()
                .iter()
                .position(|v| *v == wanted)
                .map(Jv::from)
                .ok_or_else(|| raised(format!("{} is not in list", py_repr(&wanted))))
        }
        "copy" => Ok(Jv::from(items())),
        _ => return None,
    };
    Some(result)
}

fn map_method(value: &Jv, method: &str, args: &[Jv]) -> Option<Result<Jv, String>> {
    match method {
        // Python's dict views have a length (`d.keys() | length`); as
        // lists they keep it, where pycompat gives iterators.
        "keys" | "values" | "items" if args.is_empty() => {
            let keys: Vec<Jv> = value.try_iter().map(Iterator::collect).unwrap_or_default();
            let out: Vec<Jv> = keys
                .into_iter()
                .map(|k| {
                    let v = value.get_item(&k).unwrap_or_default();
                    match method {
                        "keys" => k,
                        "values" => v,
                        _ => Jv::from(vec![k, v]),
                    }
                })
                .collect();
            Some(Ok(Jv::from(out)))
        }
        "copy" => {
            let keys = value
                .try_iter()
                .map(Iterator::collect::<Vec<Jv>>)
                .unwrap_or_default();
            let map: indexmap::IndexMap<Jv, Jv> = keys
                .into_iter()
                .map(|k| {
                    let v = value.get_item(&k).unwrap_or_default();
                    (k, v)
                })
                .collect();
            Some(Ok(Jv::from_object(map)))
        }
        _ => None,
    }
}

/// Python's `dict(mapping_or_pairs=(), **kwargs)`.
fn dict(args: Rest<Jv>, kwargs: Kwargs) -> Result<Jv, Error> {
    let fail = |m: String| Error::new(ErrorKind::InvalidOperation, raised(m));
    let mut out: indexmap::IndexMap<Jv, Jv> = indexmap::IndexMap::new();
    if args.len() > 1 {
        return Err(fail(format!(
            "dict expected at most 1 argument, got {}",
            args.len()
        )));
    }
    if let Some(source) = args.first() {
        match source.kind() {
            ValueKind::Map => {
                for key in source.try_iter()? {
                    let v = source.get_item(&key)?;
                    out.insert(key, v);
                }
            }
            ValueKind::None | ValueKind::Undefined | ValueKind::Bool | ValueKind::Number => {
                return Err(fail(format!(
                    "'{}' object is not iterable",
                    type_name(source)
                )));
            }
            _ => {
                for (i, item) in source.try_iter()?.enumerate() {
                    let pair: Vec<Jv> = match item.kind() {
                        ValueKind::String => py_str(&item).chars().map(Jv::from).collect(),
                        ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => {
                            item.try_iter()?.collect()
                        }
                        _ => {
                            return Err(fail(format!(
                                "cannot convert dictionary update sequence element #{i} to a sequence"
                            )));
                        }
                    };
                    if pair.len() != 2 {
                        return Err(fail(format!(
                            "dictionary update sequence element #{i} has length {}; 2 is required",
                            pair.len()
                        )));
                    }
                    out.insert(pair[0].clone(), pair[1].clone());
                }
            }
        }
    }
    for key in kwargs.args() {
        out.insert(Jv::from(key), kwargs.get::<Jv>(key)?);
    }
    kwargs.assert_all_used()?;
    Ok(Jv::from_object(out))
}
