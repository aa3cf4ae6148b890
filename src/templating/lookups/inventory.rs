//! `inventory_hostnames`: host names matching host patterns, over the
//! inventory the `groups` variable describes (as ansible rebuilds it: each
//! group, then its hosts, in the variable's order). Patterns follow
//! `inventory::patterns`; an invalid pattern gives no hosts.

use super::{Call, Failure};
use crate::inventory::data::{InventoryData, Notice};
use crate::inventory::patterns::{HostOrder, HostSelector, MismatchPolicy};
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::{Value as Jv, ValueKind};

pub(crate) fn inventory_hostnames(
    call: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let Some(groups) = call.vars.get("groups") else {
        return Err("'groups'".into());
    };
    if groups.kind() != ValueKind::Map {
        return Err(format!(
            "'{}' object has no attribute 'items'",
            py::type_name(&groups)
        ));
    }
    let mut inv = InventoryData::new();
    for group in groups.try_iter().map_err(|e| e.to_string())? {
        let name = py::to_str(&group);
        if inv.add_group(&name).is_err() {
            return Err(format!("Invalid empty/false group name provided: {name}"));
        }
        let hosts = groups.get_item(&group).unwrap_or_default();
        let hosts: Vec<Jv> = match hosts.kind() {
            ValueKind::String => hosts
                .as_str()
                .unwrap_or_default()
                .chars()
                .map(|c| Jv::from(c.to_string()))
                .collect(),
            _ => hosts.try_iter().map(|i| i.collect()).unwrap_or_default(),
        };
        for host in hosts {
            // ansible's errors while adding hosts are not caught.
            inv.add_host(&py::to_str(&host), Some(&name), None)
                .map_err(|e| e.to_string())?;
        }
    }
    let patterns: Vec<String> = terms.iter().map(py::to_str).collect();
    let selector = HostSelector::new(MismatchPolicy::Warning, String::new());
    let hosts =
        match selector.get_hosts_from(&mut inv, &patterns, HostOrder::Inventory, false, false) {
            Ok(hosts) => hosts,
            Err(_) => return Ok(Vec::new()),
        };
    for notice in &inv.warnings {
        if let Notice::Warning(text) = notice {
            call.services.warn(text.clone());
        }
    }
    Ok(hosts
        .into_iter()
        .map(|h| Jv::from(inv.host(h).name.as_str()))
        .collect())
}
