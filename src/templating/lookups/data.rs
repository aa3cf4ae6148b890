//! Lookups that reshape their terms or read variables: `items`, `list`,
//! `dict`, `indexed_items`, `nested`, `together`, `subelements`,
//! `random_choice`, `vars`, `varnames`, `env`.

use super::context::set_undefined_reason;
use super::options::{Default, Kind, OptionDef, Options, boolean, opt};
use super::{Call, Failure};
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::{Tuple, Value as Jv, ValueKind};

fn is_list(v: &Jv) -> bool {
    v.kind() == ValueKind::Seq
}

fn is_map(v: &Jv) -> bool {
    v.kind() == ValueKind::Map
}

/// Iterate a value as Python's `for x in value` would.
fn iterate(v: &Jv) -> Result<Vec<Jv>, Failure> {
    match v.kind() {
        ValueKind::String => Ok(v
            .as_str()
            .unwrap_or_default()
            .chars()
            .map(|c| Jv::from(c.to_string()))
            .collect()),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
            Ok(v.try_iter().map(|i| i.collect()).unwrap_or_default())
        }
        _ => Err(format!("'{}' object is not iterable", py::type_name(v))),
    }
}

/// `LookupBase._flatten`: lists (and tuples) are spliced in, one level.
fn flatten(terms: &[Jv]) -> Vec<Jv> {
    let mut out = Vec::new();
    for term in terms {
        if is_list(term) {
            out.extend(
                term.try_iter()
                    .map(|i| i.collect::<Vec<_>>())
                    .unwrap_or_default(),
            );
        } else {
            out.push(term.clone());
        }
    }
    out
}

fn items_of_map(v: &Jv) -> Vec<(Jv, Jv)> {
    v.try_iter()
        .map(|keys| {
            keys.map(|k| {
                let value = v.get_item(&k).unwrap_or_default();
                (k, value)
            })
            .collect()
        })
        .unwrap_or_default()
}

/// `items`: the terms, lists flattened one level.
pub(crate) fn items(
    _: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    Ok(flatten(&terms))
}

/// `list`: the terms as they are.
pub(crate) fn list(_: &Call, terms: Vec<Jv>, _: &IndexMap<String, Jv>) -> Result<Vec<Jv>, Failure> {
    Ok(terms)
}

/// `dict`: `{key, value}` items of each mapping.
pub(crate) fn dict(_: &Call, terms: Vec<Jv>, _: &IndexMap<String, Jv>) -> Result<Vec<Jv>, Failure> {
    let mut out = Vec::new();
    for term in &terms {
        if !is_map(term) {
            return Err(format!(
                "the 'dict' lookup plugin expects a dictionary, got '{}' of type <class '{}'>)",
                py::to_str(term),
                py::type_name(term)
            ));
        }
        for (k, v) in items_of_map(term) {
            let mut item = IndexMap::new();
            item.insert(Jv::from("key"), k);
            item.insert(Jv::from("value"), v);
            out.push(Jv::from_object(item));
        }
    }
    Ok(out)
}

/// `indexed_items`: `(index, item)` pairs of the flattened terms.
pub(crate) fn indexed_items(
    _: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    Ok(flatten(&terms)
        .into_iter()
        .enumerate()
        .map(|(i, item)| Jv::from_object(Tuple::from(vec![Jv::from(i), item])))
        .collect())
}

/// `nested`: the product of the lists, each combination flattened.
pub(crate) fn nested(
    _: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut lists = terms.into_iter();
    let Some(first) = lists.next() else {
        return Err("with_nested requires at least one element in the nested list".into());
    };
    let mut result = iterate(&first)?;
    for next in lists {
        let next = iterate(&next)?;
        let mut combined = Vec::new();
        for x in &result {
            for y in &next {
                combined.push(Jv::from(flatten(&[x.clone(), y.clone()])));
            }
        }
        result = combined;
    }
    result
        .iter()
        .map(|x| Ok(Jv::from(flatten(&iterate(x)?))))
        .collect()
}

/// `together`: the lists transposed, short ones padded with `None`.
pub(crate) fn together(
    _: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    if terms.is_empty() {
        return Err("with_together requires at least one element in each list".into());
    }
    let lists: Vec<Vec<Jv>> = terms.iter().map(iterate).collect::<Result<_, _>>()?;
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok((0..longest)
        .map(|i| {
            let row: Vec<Jv> = lists
                .iter()
                .map(|l| l.get(i).cloned().unwrap_or(Jv::from(())))
                .collect();
            Jv::from(flatten(&row))
        })
        .collect())
}

/// `subelements`: `(item, subitem)` pairs for the list under a (dotted)
/// key of each item.
pub(crate) fn subelements(
    _: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let terms_error =
        |msg: &str| format!("subelements lookup expects a list of two or three items, {msg}");
    if !(2..=3).contains(&terms.len()) {
        return Err(terms_error(""));
    }
    if !(is_list(&terms[0]) || is_map(&terms[0])) || terms[1].kind() != ValueKind::String {
        return Err(terms_error(
            "first a dict or a list, second a string pointing to the subkey",
        ));
    }
    let path: Vec<&str> = terms[1].as_str().unwrap_or_default().split('.').collect();
    let elements: Vec<Jv> = if is_map(&terms[0]) {
        if skipped(&terms[0]) {
            return Ok(Vec::new());
        }
        items_of_map(&terms[0])
            .into_iter()
            .map(|(_, v)| v)
            .collect()
    } else {
        terms[0].try_iter().map(|i| i.collect()).unwrap_or_default()
    };
    let flags = terms
        .get(2)
        .cloned()
        .unwrap_or_else(|| Jv::from_object(IndexMap::<Jv, Jv>::new()));
    if !is_map(&flags) {
        let keys = iterate(&flags).map_err(|_| terms_error(""))?;
        if !keys.iter().all(|k| k.as_str() == Some("skip_missing")) {
            return Err(terms_error(
                "the optional third item must be a dict with flags skip_missing",
            ));
        }
    }
    let skip_missing = is_map(&flags)
        && flags
            .get_item(&Jv::from("skip_missing"))
            .ok()
            .filter(|v| !v.is_undefined())
            .is_some_and(|v| boolean(&v));
    let mut out = Vec::new();
    for item in elements {
        if !is_map(&item) {
            return Err(format!(
                "subelements lookup expects a dictionary, got '{}'",
                py::to_str(&item)
            ));
        }
        if skipped(&item) {
            continue;
        }
        let mut value = item.clone();
        let mut sublist: Vec<Jv> = Vec::new();
        // The item as ansible hands it out: the last key is popped from
        // the (sub)mapping that holds it.
        let mut shown = item.clone();
        for (depth, key) in path.iter().enumerate() {
            let last = *key == path[path.len() - 1];
            let Some(found) = get_key(&value, key) else {
                if skip_missing {
                    continue;
                }
                return Err(format!(
                    "could not find '{key}' key in iterated item '{}'",
                    py::to_str(&value)
                ));
            };
            if !last {
                if !is_map(&found) {
                    if skip_missing {
                        continue;
                    }
                    return Err(format!(
                        "the key {key} should point to a dictionary, got '{}'",
                        py::to_str(&found)
                    ));
                }
                value = found;
            } else {
                if !is_list(&found) {
                    return Err(format!(
                        "the key {key} should point to a list, got '{}'",
                        py::to_str(&found)
                    ));
                }
                sublist = found.try_iter().map(|i| i.collect()).unwrap_or_default();
                shown = without_key(&item, &path[..depth], key);
            }
        }
        for sub in sublist {
            out.push(Jv::from_object(Tuple::from(vec![shown.clone(), sub])));
        }
    }
    Ok(out)
}

fn get_key(map: &Jv, key: &str) -> Option<Jv> {
    items_of_map(map)
        .into_iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// A copy of `item` where the mapping at `parents` lacks `key`.
fn without_key(item: &Jv, parents: &[&str], key: &str) -> Jv {
    let mut map = IndexMap::new();
    for (k, v) in items_of_map(item) {
        match (parents.first(), k.as_str()) {
            (None, Some(name)) if name == key => continue,
            (Some(first), Some(name)) if name == *first => {
                map.insert(k, without_key(&v, &parents[1..], key));
            }
            _ => {
                map.insert(k, v);
            }
        }
    }
    Jv::from_object(map)
}

/// `item.get('skipped', False) is not False`.
fn skipped(item: &Jv) -> bool {
    match get_key(item, "skipped") {
        None => false,
        Some(v) => v.kind() != ValueKind::Bool || v.is_true(),
    }
}

/// `random_choice`: one of the terms, chosen by the OS's generator.
pub(crate) fn random_choice(
    _: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    if terms.is_empty() {
        return Ok(terms);
    }
    let index = random_below(terms.len());
    Ok(vec![terms[index].clone()])
}

/// A uniformly random index below `n` (> 0), from the OS.
pub(crate) fn random_below(n: usize) -> usize {
    let n = n as u64;
    // Rejection sampling keeps the choice uniform.
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let mut buf = [0u8; 8];
        let _ = getrandom::fill(&mut buf);
        let r = u64::from_le_bytes(buf);
        if r < zone {
            return (r % n) as usize;
        }
    }
}

pub(super) static VARS_OPTIONS: &[OptionDef] = &[opt("default", Kind::Raw, Default::None)];

/// `vars`: the values of the named variables.
pub(crate) fn vars(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let options = Options::parse("vars", VARS_OPTIONS, kwargs)?;
    let default = options.get("default");
    let mut out = Vec::new();
    for term in terms {
        let Some(name) = term.as_str() else {
            return Err(format!(
                "Variable name must be 'str' not '{}'.",
                py::type_name(&term)
            ));
        };
        match call.vars.get(name) {
            Some(v) => out.push(v),
            None if !default.is_none() => out.push(default.clone()),
            None => {
                set_undefined_reason(&format!("No variable named '{name}' was found."));
                out.push(Jv::UNDEFINED);
            }
        }
    }
    Ok(out)
}

/// `varnames`: names of variables matching each regular expression.
pub(crate) fn varnames(
    call: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let names = call.vars.names();
    let mut out = Vec::new();
    // Python's `re.search`, through the environment's `search` test.
    let search = call
        .env
        .compile_expression("name is search(pattern)")
        .map_err(|e| e.to_string())?;
    for term in terms {
        let Some(pattern) = term.as_str() else {
            return Err(format!(
                "Invalid setting identifier, \"{}\" is not a string, it is a <class '{}'>",
                py::to_str(&term),
                py::type_name(&term)
            ));
        };
        let probe = search.eval(minijinja::context! { name => "", pattern => pattern });
        if let Err(e) = probe {
            let detail = e.detail().unwrap_or_default();
            let reason = detail.rsplit_once("failed: ").map_or(detail, |(_, r)| r);
            return Err(format!(
                "Unable to use \"{pattern}\" as a search parameter: {reason}"
            ));
        }
        for name in &names {
            let hit = search
                .eval(minijinja::context! { name => name, pattern => pattern })
                .is_ok_and(|v| v.is_true());
            if hit {
                out.push(Jv::from(name.as_str()));
            }
        }
    }
    Ok(out)
}

/// `env`: environment variables of the controller (the first word of each
/// term), with `default` for unset ones.
pub(crate) fn env(
    _: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let default = match kwargs.get("default") {
        Some(d) if d.is_undefined() => Jv::UNDEFINED,
        Some(d) if !d.is_none() => d.clone(),
        _ => Jv::from(""),
    };
    let mut out = Vec::new();
    for term in terms {
        if term.is_undefined() {
            return Ok(vec![Jv::UNDEFINED]);
        }
        let Some(text) = term.as_str() else {
            return Err(format!(
                "'{}' object has no attribute 'split'",
                py::type_name(&term)
            ));
        };
        let Some(name) = text.split(py::is_space).find(|w| !w.is_empty()) else {
            return Err("list index out of range".into());
        };
        match std::env::var_os(name) {
            Some(value) => out.push(Jv::from(value.to_string_lossy().into_owned())),
            None => out.push(default.clone()),
        }
    }
    Ok(out)
}
