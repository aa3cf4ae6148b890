//! ansible 2.19 hands an undefined argument of a filter straight back
//! (its "marker" short-circuit) instead of calling the filter, so
//! `undefined_thing | upper` fails later as "'undefined_thing' is
//! undefined" where Jinja2 (and minijinja) would print an empty string.
//! Our own filters do this in `filters::core::add`; minijinja's builtins
//! that we keep are re-registered here behind the same check.
//!
//! `map(attribute=...)` also reports a missing attribute as ansible does
//! instead of yielding undefined items.

use super::filters::core::{py_repr, type_name};
use minijinja::value::{Enumerator, Object, ObjectRepr, Rest, Value as Jv, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind, State, filters};
use std::sync::Arc;

/// The first undefined top-level argument, which a filter returns as is.
pub fn first_undefined(args: &[Jv]) -> Option<Jv> {
    args.iter().find(|v| v.is_undefined()).cloned()
}

pub fn register(env: &mut Environment<'static>) {
    let builtins: [(&str, Jv); 26] = [
        ("upper", Jv::from_function(filters::upper)),
        ("lower", Jv::from_function(filters::lower)),
        ("title", Jv::from_function(filters::title)),
        ("capitalize", Jv::from_function(filters::capitalize)),
        ("replace", Jv::from_function(filters::replace)),
        ("items", Jv::from_function(filters::items)),
        ("reverse", Jv::from_function(filters::reverse)),
        ("trim", Jv::from_function(filters::trim)),
        ("lines", Jv::from_function(filters::lines)),
        ("abs", Jv::from_function(filters::abs)),
        ("sum", Jv::from_function(filters::sum)),
        ("attr", Jv::from_function(filters::attr)),
        ("round", Jv::from_function(filters::round)),
        ("first", Jv::from_function(filters::first)),
        ("last", Jv::from_function(filters::last)),
        ("list", Jv::from_function(filters::list)),
        ("slice", Jv::from_function(filters::slice)),
        ("batch", Jv::from_function(filters::batch)),
        ("indent", Jv::from_function(filters::indent)),
        ("select", Jv::from_function(filters::select)),
        ("selectattr", Jv::from_function(filters::selectattr)),
        ("reject", Jv::from_function(filters::reject)),
        ("rejectattr", Jv::from_function(filters::rejectattr)),
        ("chain", Jv::from_function(filters::chain)),
        ("pprint", Jv::from_function(filters::pprint)),
        ("tojson", Jv::from_function(filters::tojson)),
    ];
    for (name, filter) in builtins {
        env.add_filter(
            name,
            move |state: &mut State, args: Rest<ValueOrKwargs>| -> Result<Jv, Error> {
                let args = args.into_values();
                if let Some(undefined) = first_undefined(&args) {
                    return Ok(undefined);
                }
                filter.call(state, &args)
            },
        );
    }
    let groupby = Jv::from_function(filters::groupby);
    env.add_filter(
        "groupby",
        move |state: &mut State, args: Rest<ValueOrKwargs>| -> Result<Jv, Error> {
            let args = args.into_values();
            if let Some(undefined) = first_undefined(&args) {
                return Ok(undefined);
            }
            let groups = groupby.call(state, &args)?;
            Ok(groups
                .try_iter()?
                .map(|group| {
                    let grouper = group.get_item(&Jv::from(0)).unwrap_or_default();
                    let list = group
                        .get_item(&Jv::from(1))
                        .and_then(|l| l.try_iter().map(Iterator::collect))
                        .unwrap_or_default();
                    Jv::from_object(GroupTuple { grouper, list })
                })
                .collect())
        },
    );
    let map = Jv::from_function(filters::map);
    env.add_filter(
        "map",
        move |state: &mut State, args: Rest<ValueOrKwargs>| -> Result<Jv, Error> {
            let args = args.into_values();
            if let Some(undefined) = first_undefined(&args) {
                return Ok(undefined);
            }
            check_map_attribute(&args)?;
            map.call(state, &args)
        },
    );
}

/// `map(attribute='a.b')` without `default`: every item must have it
/// (ansible: "object of type 'int' has no attribute 'nope'").
fn check_map_attribute(args: &[Jv]) -> Result<(), Error> {
    let Some(kwargs) = args.iter().find(|v| v.is_kwargs()) else {
        return Ok(());
    };
    let Ok(attribute) = kwargs.get_attr("attribute") else {
        return Ok(());
    };
    if attribute.is_undefined() || kwargs.get_attr("default").is_ok_and(|d| !d.is_undefined()) {
        return Ok(());
    }
    let Some(items) = args.first().and_then(|v| v.try_iter().ok()) else {
        return Ok(());
    };
    for item in items {
        let mut current = item;
        let path = attribute
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| attribute.to_string());
        for part in path.split('.') {
            let key = part
                .parse::<i64>()
                .map(Jv::from)
                .unwrap_or_else(|_| Jv::from(part));
            let next = current.get_item(&key).unwrap_or_default();
            if next.is_undefined() {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "object of type '{}' has no attribute {}",
                        type_name(&current),
                        py_repr(&key)
                    ),
                ));
            }
            current = next;
        }
    }
    Ok(())
}

/// One group of `groupby`: Python's `(grouper, list)` named tuple, so it
/// indexes, unpacks and prints as a tuple and has `.grouper`/`.list`.
#[derive(Debug)]
pub struct GroupTuple {
    grouper: Jv,
    list: Vec<Jv>,
}

impl Object for GroupTuple {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Jv) -> Option<Jv> {
        match (key.as_i64(), key.as_str()) {
            (Some(0 | -2), None) | (None, Some("grouper")) => Some(self.grouper.clone()),
            (Some(1 | -1), None) | (None, Some("list")) => Some(Jv::from(self.list.clone())),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(2)
    }
}
