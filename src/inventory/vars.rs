//! Combining variable layers the way ansible's `combine_vars` does.

use crate::value::{Map, Value};

/// ansible's `hash_behaviour`: how a mapping in a higher layer meets a mapping
/// of the same name in a lower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashBehaviour {
    /// The higher layer's mapping replaces the lower one (the default).
    #[default]
    Replace,
    /// Mappings are merged recursively; other values still replace.
    Merge,
}

/// Layer `upper` over `lower` in place.
pub fn combine_into(lower: &mut Map, upper: &Map, how: HashBehaviour) {
    match how {
        HashBehaviour::Replace => {
            for (k, v) in upper {
                lower.insert(k.clone(), v.clone());
            }
        }
        HashBehaviour::Merge => merge_into(lower, upper),
    }
}

/// Recursive merge (`merge_hash` with `list_merge='replace'`): keys of `upper`
/// win, mappings present on both sides are merged.
pub fn merge_into(lower: &mut Map, upper: &Map) {
    for (k, v) in upper {
        match (lower.get_mut(k), v) {
            (Some(Value::Map(old)), Value::Map(new)) => merge_into(old, new),
            _ => {
                lower.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn replace_and_merge_differ_only_for_nested_maps() {
        let lower = map(&[
            ("d", Value::Map(map(&[("a", Value::Int(1))]))),
            ("x", Value::Int(1)),
        ]);
        let upper = map(&[
            ("d", Value::Map(map(&[("b", Value::Int(2))]))),
            ("x", Value::Int(2)),
        ]);

        let mut replaced = lower.clone();
        combine_into(&mut replaced, &upper, HashBehaviour::Replace);
        assert_eq!(replaced["d"], Value::Map(map(&[("b", Value::Int(2))])));

        let mut merged = lower;
        combine_into(&mut merged, &upper, HashBehaviour::Merge);
        assert_eq!(
            merged["d"],
            Value::Map(map(&[("a", Value::Int(1)), ("b", Value::Int(2))]))
        );
        assert_eq!(merged["x"], Value::Int(2));
    }
}
