//! ansible's data-structure and miscellaneous `core.py` filters:
//! `ternary`, `mandatory`, `combine`, `extract`, `flatten`, `dict2items`,
//! `items2dict`, `subelements`, `comment`, `type_debug`, `bool`.

use super::{
    Args, Num, add, as_int, fail, getitem, is_list, is_map, is_sequence, is_tuple, items, iterate,
    make_map, map_entries, num_repr, py_eq, py_repr, py_str, tuple, type_name,
};
use crate::value::python_str_repr;
use indexmap::IndexMap;
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "ternary", ternary);
    add(env, "mandatory", mandatory);
    add(env, "combine", combine);
    add(env, "extract", extract);
    add(env, "flatten", flatten_filter);
    add(env, "dict2items", dict2items);
    add(env, "items2dict", items2dict);
    add(env, "subelements", subelements);
    add(env, "comment", comment);
    add(env, "type_debug", type_debug);
    add(env, "bool", to_bool);
}

fn ternary(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let true_val = args.get(0, "true_val").unwrap_or_default();
    let false_val = args.get(1, "false_val").unwrap_or_default();
    let none_val = args.get(2, "none_val").filter(|v| !v.is_none());
    args.positional_limit(3);
    if value.is_none()
        && let Some(none_val) = none_val
    {
        return Ok(none_val);
    }
    Ok(if value.is_true() { true_val } else { false_val })
}

fn mandatory(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let msg = args.opt(0, "msg");
    if value.is_undefined() {
        // minijinja does not tell filters the expression of their input:
        // errors::message names the variable (as ansible does) from the
        // template's source.
        return Err(args.fail(match msg {
            Some(msg) => py_str(&msg),
            None => crate::templating::errors::NAMELESS_MANDATORY.to_string(),
        }));
    }
    Ok(value)
}

/// ansible's `flatten` (the filter and `combine`'s use of it).
fn flatten(items: &[Jv], levels: Option<i128>, skip_nulls: bool) -> Vec<Jv> {
    let mut out = Vec::new();
    for element in items {
        if skip_nulls && (element.is_none() || matches!(element.as_str(), Some("None" | "null"))) {
            continue;
        }
        if is_sequence(element) {
            match levels {
                None => out.extend(flatten(&super::items(element), None, skip_nulls)),
                Some(l) if l >= 1 => {
                    out.extend(flatten(&super::items(element), Some(l - 1), skip_nulls))
                }
                Some(_) => out.push(element.clone()),
            }
        } else {
            out.push(element.clone());
        }
    }
    out
}

fn flatten_filter(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let levels = match args.opt(0, "levels") {
        Some(l) => Some(
            as_int(&l)
                .ok_or_else(|| args.fail(format!("invalid literal for int(): {}", py_repr(&l))))?,
        ),
        None => None,
    };
    let skip_nulls = args.get(1, "skip_nulls").is_none_or(|v| v.is_true());
    let list = iterate(&value).map_err(|e| args.fail(e))?;
    Ok(Jv::from(flatten(&list, levels, skip_nulls)))
}

const LIST_MERGE: [&str; 6] = [
    "replace",
    "keep",
    "append",
    "prepend",
    "append_rp",
    "prepend_rp",
];

fn combine(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let recursive = args.kw("recursive").is_some_and(|v| v.is_true());
    let list_merge = args
        .kw("list_merge")
        .map(|v| py_str(&v))
        .unwrap_or_else(|| "replace".into());
    let extra: Vec<String> = args
        .all_keywords()
        .into_keys()
        .filter(|k| k != "recursive" && k != "list_merge")
        .collect();
    if !extra.is_empty() {
        return Err(args.fail("'recursive' and 'list_merge' are the only valid keyword arguments"));
    }
    let mut terms = vec![value];
    terms.extend(args.rest(0));
    let dicts = flatten(&terms, Some(1), true);
    let mut iter = dicts.into_iter().rev();
    let Some(mut result) = iter.next() else {
        return Ok(make_map(Vec::new()));
    };
    for dict in iter {
        result = merge_hash(&dict, &result, recursive, &list_merge).map_err(|e| args.fail(e))?;
    }
    Ok(result)
}

/// ansible's `merge_hash(x, y, recursive, list_merge)`: `y` wins.
fn merge_hash(x: &Jv, y: &Jv, recursive: bool, list_merge: &str) -> Result<Jv, String> {
    if !LIST_MERGE.contains(&list_merge) {
        return Err(
            "merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', \
                    'append', 'prepend', 'append_rp' or 'prepend_rp'"
                .into(),
        );
    }
    if !is_map(x) || !is_map(y) {
        return Err(format!(
            "failed to combine variables, expected dicts but got a '{}' and a '{}'.",
            type_name(x),
            type_name(y)
        ));
    }
    let xs = map_entries(x);
    let ys = map_entries(y);
    if xs.is_empty() || py_eq(x, y) {
        return Ok(make_map(ys));
    }
    if ys.is_empty() {
        return Ok(x.clone());
    }
    let mut out: IndexMap<Jv, Jv> = xs.into_iter().collect();
    for (key, y_value) in ys {
        let Some(x_value) = out.get(&key).cloned() else {
            out.insert(key, y_value);
            continue;
        };
        let merged = if is_map(&x_value) && is_map(&y_value) {
            if recursive {
                merge_hash(&x_value, &y_value, recursive, list_merge)?
            } else {
                y_value
            }
        } else if is_list(&x_value) && is_list(&y_value) {
            let xl = items(&x_value);
            let yl = items(&y_value);
            let not_in_y = || -> Vec<Jv> {
                xl.iter()
                    .filter(|z| !yl.iter().any(|w| py_eq(z, w)))
                    .cloned()
                    .collect()
            };
            match list_merge {
                "append" => Jv::from([xl.clone(), yl].concat()),
                "prepend" => Jv::from([yl, xl.clone()].concat()),
                "append_rp" => Jv::from([not_in_y(), yl].concat()),
                "prepend_rp" => Jv::from([yl.clone(), not_in_y()].concat()),
                "keep" => x_value,
                _ => y_value,
            }
        } else {
            y_value
        };
        out.insert(key, merged);
    }
    Ok(Jv::from_object(out))
}

fn extract(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let container = args.get(0, "container").unwrap_or_default();
    let mut keys = vec![value];
    match args.opt(1, "morekeys") {
        None => {}
        Some(more) if is_list(&more) => keys.extend(items(&more)),
        Some(more) => keys.push(more),
    }
    let mut out = container;
    for key in keys {
        out = getitem(&out, &key);
    }
    Ok(out)
}

fn dict2items(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let key_name = args.get(0, "key_name").unwrap_or(Jv::from("key"));
    let value_name = args.get(1, "value_name").unwrap_or(Jv::from("value"));
    if !is_map(&value) {
        return Err(args.fail(format!(
            "dict2items requires a dictionary, got <class '{}'> instead.",
            type_name(&value)
        )));
    }
    let out: Vec<Jv> = map_entries(&value)
        .into_iter()
        .map(|(k, v)| make_map(vec![(key_name.clone(), k), (value_name.clone(), v)]))
        .collect();
    Ok(Jv::from(out))
}

fn items2dict(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let key_name = args.get(0, "key_name").unwrap_or(Jv::from("key"));
    let value_name = args.get(1, "value_name").unwrap_or(Jv::from("value"));
    if !is_sequence(&value) {
        return Err(args.fail(format!(
            "items2dict requires a list, got <class '{}'> instead.",
            type_name(&value)
        )));
    }
    let mut entries = Vec::new();
    for item in items(&value) {
        let (k, v) = if is_map(&item) {
            match (item.get_item(&key_name), item.get_item(&value_name)) {
                (Ok(k), Ok(v)) if !k.is_undefined() && !v.is_undefined() => (k, v),
                _ => {
                    return Err(args.fail(format!(
                        "items2dict requires each dictionary in the list to contain the keys \
                         '{}' and '{}', got {} instead.",
                        py_str(&key_name),
                        py_str(&value_name),
                        py_repr(&value)
                    )));
                }
            }
        } else {
            return Err(args.fail(format!(
                "items2dict requires a list of dictionaries, got {} instead.",
                py_repr(&value)
            )));
        };
        if matches!(k.kind(), ValueKind::Seq | ValueKind::Map) && !is_tuple(&k) {
            return Err(args.fail(format!(
                "items2dict requires a list of dictionaries, got {} instead.",
                py_repr(&value)
            )));
        }
        entries.push((k, v));
    }
    Ok(make_map(entries))
}

fn subelements(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let path = args.get(0, "subelements").unwrap_or_default();
    let skip_missing = args.flag(1, "skip_missing");
    let elements = if is_map(&value) {
        map_entries(&value).into_iter().map(|(_, v)| v).collect()
    } else if is_list(&value) {
        items(&value)
    } else {
        return Err(args.fail("obj must be a list of dicts or a nested dict"));
    };
    let keys: Vec<Jv> = if is_list(&path) {
        items(&path)
    } else if let Some(s) = path.as_str() {
        s.split('.').map(Jv::from).collect()
    } else {
        return Err(args.fail("subelements must be a list or a string"));
    };
    let mut out = Vec::new();
    for element in elements {
        let mut values = element.clone();
        let mut skipped = false;
        for key in &keys {
            match subscript(&values, key) {
                Ok(Some(v)) => values = v,
                Ok(None) if skip_missing => {
                    values = Jv::from(Vec::<Jv>::new());
                    skipped = true;
                }
                Ok(None) => {
                    return Err(args.fail(format!(
                        "could not find {} key in iterated item {}",
                        py_repr(key),
                        py_repr(&values)
                    )));
                }
                Err(e) => {
                    return Err(args.fail(format!(
                        "the key {} should point to a dictionary, got '{}': {e}",
                        py_str(key),
                        py_str(&values)
                    )));
                }
            }
            if skipped {
                break;
            }
        }
        if !is_list(&values) {
            return Err(args.fail(format!(
                "the key {} should point to a list, got {}",
                py_repr(&path),
                py_repr(&values)
            )));
        }
        for v in items(&values) {
            out.push(tuple(vec![element.clone(), v]));
        }
    }
    Ok(Jv::from(out))
}

/// Python `obj[key]`: `Ok(None)` for a KeyError, `Err` for a TypeError.
fn subscript(obj: &Jv, key: &Jv) -> Result<Option<Jv>, String> {
    match obj.kind() {
        ValueKind::Map => Ok(obj.get_item(key).ok().filter(|v| !v.is_undefined())),
        ValueKind::Seq => match Num::of(key) {
            Some(Num::Int(_)) => {
                let v = getitem(obj, key);
                if v.is_undefined() {
                    Err(format!("{} index out of range", type_name(obj)))
                } else {
                    Ok(Some(v))
                }
            }
            _ => Err(format!(
                "{} indices must be integers or slices, not {}",
                type_name(obj),
                type_name(key)
            )),
        },
        ValueKind::String => Err(format!(
            "string indices must be integers, not '{}'",
            type_name(key)
        )),
        _ => Err(format!("'{}' object is not subscriptable", type_name(obj))),
    }
}

fn comment(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = py_str(&value);
    let style = args.string(0, "style", "plain");
    let (beginning, decoration, end) = match style.as_str() {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        _ => {
            return Err(args.fail(format!("Invalid style {}.", python_str_repr(&style))));
        }
    };
    let kw = args.all_keywords();
    let get = |key: &str, default: &str| -> String {
        kw.get(key)
            .map(py_str)
            .unwrap_or_else(|| default.to_string())
    };
    let prepostfix = get("decoration", decoration);
    let count = |key: &str| -> Result<usize, Error> {
        match kw.get(key) {
            None => Ok(1),
            Some(v) => as_int(v)
                .map(|n| n.clamp(0, 10_000) as usize)
                .ok_or_else(|| {
                    fail(
                        "comment",
                        format!("invalid literal for int() with base 10: {}", py_repr(v)),
                    )
                }),
        }
    };
    let newline = get("newline", "\n");
    let beginning = get("beginning", beginning);
    let prefix = get("prefix", prepostfix.trim_end());
    let prefix_count = count("prefix_count")?;
    let decoration = if kw.contains_key("decoration") {
        prepostfix.clone()
    } else {
        decoration.to_string()
    };
    let postfix = get("postfix", prepostfix.trim_end());
    let postfix_count = count("postfix_count")?;
    let end = get("end", end);

    let mut out = String::new();
    if !beginning.is_empty() {
        out.push_str(&beginning);
        out.push_str(&newline);
    }
    if !prefix.is_empty() {
        let unit = if prefix != newline {
            format!("{prefix}{newline}")
        } else {
            newline.clone()
        };
        out.push_str(&unit.repeat(prefix_count));
    }
    let body = if newline.is_empty() {
        format!("{decoration}{text}")
    } else {
        format!(
            "{decoration}{}",
            text.replace(&newline, &format!("{newline}{decoration}"))
        )
    };
    let trailing = format!("{decoration}{newline}");
    let body = if trailing.is_empty() {
        body
    } else {
        body.replace(&trailing, &format!("{}{newline}", decoration.trim_end()))
    };
    out.push_str(&body);
    for _ in 0..postfix_count {
        out.push_str(&newline);
        out.push_str(&postfix);
    }
    if !end.is_empty() {
        out.push_str(&newline);
        out.push_str(&end);
    }
    Ok(Jv::from(out))
}

fn type_debug(value: Jv, _args: &mut Args) -> Result<Jv, Error> {
    Ok(Jv::from(type_name(&value)))
}

/// ansible's `bool` filter.
fn to_bool(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    args.positional_limit(0);
    let text = match value.kind() {
        ValueKind::String => Some(value.as_str().unwrap_or_default().to_lowercase()),
        ValueKind::Bool => Some(if value.is_true() { "true" } else { "false" }.to_string()),
        ValueKind::Number if value.is_integer() => Some(num_repr(&value)),
        _ => None,
    };
    if let Some(text) = text {
        match text.as_str() {
            "yes" | "on" | "true" | "1" => return Ok(Jv::from(true)),
            "no" | "off" | "false" | "0" => return Ok(Jv::from(false)),
            _ => {}
        }
        // ansible compares the text with 1, and says it will stop.
        coerced_bool_deprecation(&value, false);
        return Ok(Jv::from(false));
    }
    // Other values: `value == 1` (so 1.0 is true), with the same warning.
    let result = py_eq(&value, &Jv::from(1));
    coerced_bool_deprecation(&value, result);
    Ok(Jv::from(result))
}

fn coerced_bool_deprecation(value: &Jv, result: bool) {
    let shown = crate::templating::bridge::from_jinja(value);
    crate::cli::display::deprecated(&format!(
        "The `bool` filter coerced invalid value {} ({}) to {}. This feature will be removed from ansible-core version 2.23.",
        shown.python_repr(),
        type_name(value),
        if result { "True" } else { "False" }
    ));
}
