//! The `generator` inventory plugin: a YAML config whose `layers` (lists of
//! values by name) are combined in every way (their Cartesian product); each
//! combination templates `hosts.name` into a host and its `parents` (with
//! their own `parents` and `vars`) into the groups above it.

use super::data::InventoryData;
use super::error::SourceError;
use super::sources::LoadOptions;
use crate::templating::lazy::LazyVars;
use crate::templating::render::Templar;
use crate::value::{Map, Value};
use std::path::Path;
use std::sync::Arc;

/// The names a config's `plugin:` may give this plugin.
pub const NAMES: [&str; 2] = ["generator", "ansible.builtin.generator"];

pub fn parse(inv: &mut InventoryData, path: &Path, opts: &LoadOptions) -> Result<(), SourceError> {
    let config = super::plugin_config::read(path, opts, &NAMES)?;
    let layers = match config.get("layers") {
        Some(Value::Map(layers)) => layers.clone(),
        _ => return Err(SourceError::new("'layers'")),
    };
    let hosts = match config.get("hosts") {
        Some(Value::Map(hosts)) => hosts.clone(),
        _ => return Err(SourceError::new("'hosts'")),
    };
    let generator = Generator {
        templar: Arc::new(Templar::new()),
        vault: opts.vault.clone(),
    };
    for combination in product(&layers) {
        let name = hosts.get("name").cloned().unwrap_or(Value::Null);
        let host = generator.template(&name, &combination)?.python_str();
        inv.add_host(&host, None, None)
            .map_err(|e| SourceError::new(e.to_string()))?;
        let parents = list_of(hosts.get("parents"));
        generator.add_parents(inv, &host, &parents, &combination)?;
    }
    Ok(())
}

struct Generator {
    templar: Arc<Templar>,
    vault: Option<Arc<crate::vault::Vault>>,
}

impl Generator {
    /// Text templated with the combination's values; anything else passes
    /// through as it is (templated later, where it is used).
    fn template(&self, pattern: &Value, vars: &Map) -> Result<Value, SourceError> {
        let Some(text) = pattern.as_str() else {
            return Ok(pattern.clone());
        };
        let context =
            LazyVars::context(vars.clone(), Arc::clone(&self.templar), self.vault.clone());
        self.templar
            .template_in(text, &context)
            .map_err(|e| SourceError::new(e.message))
    }

    /// Each parent as a group holding `child` (a host or group), with its
    /// vars, and its own parents above it.
    fn add_parents(
        &self,
        inv: &mut InventoryData,
        child: &str,
        parents: &[Value],
        vars: &Map,
    ) -> Result<(), SourceError> {
        for parent in parents {
            let entry = match parent {
                Value::Map(entry) => entry.clone(),
                _ => Map::new(),
            };
            let name = entry.get("name").cloned().unwrap_or(Value::Null);
            let group = self.template(&name, vars)?;
            if !group.is_truthy() {
                return Err(SourceError::new(format!(
                    "Element {child} has a parent with no name."
                )));
            }
            let group = group.python_str();
            let gid = inv
                .add_group(&group)
                .map_err(|e| SourceError::new(e.to_string()))?;
            let group = inv.group(gid).name.clone();
            if let Some(Value::Map(group_vars)) = entry.get("vars") {
                for (key, value) in group_vars {
                    let value = self.template(value, vars)?;
                    inv.set_group_var(gid, key, value);
                }
            }
            inv.add_child(&group, child)
                .map_err(|e| SourceError::new(e.to_string()))?;
            self.add_parents(inv, &group, &list_of(entry.get("parents")), vars)?;
        }
        Ok(())
    }
}

fn list_of(value: Option<&Value>) -> Vec<Value> {
    match value {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    }
}

/// `itertools.product` over the layers' values, in order: each
/// combination maps every layer's name to one of its values; the last
/// layer varies fastest.
fn product(layers: &Map) -> Vec<Map> {
    let mut combinations = vec![Map::new()];
    for (name, values) in layers {
        let values = list_of(Some(values));
        let mut next = Vec::with_capacity(combinations.len() * values.len());
        for combination in &combinations {
            for value in &values {
                let mut extended = combination.clone();
                extended.insert(name.clone(), value.clone());
                next.push(extended);
            }
        }
        combinations = next;
    }
    combinations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_combine_as_itertools_product_does() {
        let mut layers = Map::new();
        layers.insert(
            "a".into(),
            Value::List(vec![Value::str("x"), Value::str("y")]),
        );
        layers.insert("b".into(), Value::List(vec![Value::Int(1), Value::Int(2)]));
        let shown: Vec<String> = product(&layers)
            .iter()
            .map(|c| format!("{}{}", c["a"].python_str(), c["b"].python_str()))
            .collect();
        assert_eq!(shown, ["x1", "x2", "y1", "y2"]);
        layers.insert("c".into(), Value::List(Vec::new()));
        assert!(product(&layers).is_empty());
    }
}
