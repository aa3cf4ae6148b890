//! The `constructed` inventory plugin: a YAML config (`plugin:
//! constructed`) that adds variables (`compose`) and groups (`groups`,
//! `keyed_groups`) to the hosts the sources before it produced, from Jinja2
//! expressions over each host's inventory variables.

use super::data::{HostId, InventoryData};
use super::error::SourceError;
use super::hostvars::InventoryVars;
use super::sources::LoadOptions;
use super::vars::combine_into;
use crate::templating::bridge::from_jinja;
use crate::templating::lazy::LazyVars;
use crate::templating::render::Templar;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;
use std::path::Path;
use std::sync::Arc;

/// The names a config's `plugin:` may give this plugin.
pub const NAMES: [&str; 2] = ["constructed", "ansible.builtin.constructed"];

/// The plugin's options, read from its config file.
struct Options {
    strict: bool,
    compose: Map,
    groups: Map,
    keyed_groups: Vec<Value>,
    leading_separator: bool,
    use_extra_vars: bool,
    use_vars_plugins: bool,
}

impl Options {
    fn from_config(config: &Map) -> Result<Options, String> {
        // ansible names the plugin as the config's `plugin:` loaded it.
        let plugin = match config.get("plugin").and_then(Value::as_str) {
            Some("constructed") => "constructed",
            _ => "ansible_collections.ansible.builtin.plugins.inventory.constructed",
        };
        let typed = super::plugin_config::Options { config, plugin };
        Ok(Options {
            strict: typed.bool("strict", false),
            compose: typed.dict("compose")?,
            groups: typed.dict("groups")?,
            keyed_groups: typed.list("keyed_groups")?,
            leading_separator: typed.bool("leading_separator", true),
            use_extra_vars: typed.bool("use_extra_vars", false),
            use_vars_plugins: typed.bool("use_vars_plugins", false),
        })
    }
}

/// Parse the config at `path` and apply it to every host so far.
pub fn parse(inv: &mut InventoryData, path: &Path, opts: &LoadOptions) -> Result<(), SourceError> {
    let shown = path.display().to_string();
    let config = super::plugin_config::read(path, opts, &NAMES)?;
    let options = Options::from_config(&config).map_err(SourceError::new)?;
    let construct = Constructor {
        options: &options,
        templar: Arc::new(Templar::new()),
        load: opts,
    };
    let hosts: Vec<HostId> = inv.host_ids().filter(|h| !inv.host(*h).implicit).collect();
    for hid in hosts {
        construct.host(inv, hid).map_err(|failure| match failure {
            Failure::Wrapped(cause) => {
                SourceError::new(format!("Failed to parse {}.", python_repr(&shown)))
                    .caused_by(cause)
            }
            Failure::Raised(message) => SourceError::new(format!(
                "Failed to parse {}: {}",
                python_repr(&shown),
                message.trim_end()
            )),
        })?;
    }
    Ok(())
}

/// Why constructing a host failed: an error the plugin raised itself
/// (ansible's report joins it to "Failed to parse ..." on one line), or
/// one wrapping a template's error (a "caused by" level of its own).
enum Failure {
    Raised(String),
    Wrapped(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Raised(message)
    }
}

struct Constructor<'a> {
    options: &'a Options,
    templar: Arc<Templar>,
    load: &'a LoadOptions,
}

impl Constructor<'_> {
    /// `compose`, then `groups`, then `keyed_groups` for one host, each
    /// reading the variables the one before set.
    fn host(&self, inv: &mut InventoryData, hid: HostId) -> Result<(), Failure> {
        let name = inv.host(hid).name.clone();
        let vars = self.host_vars(inv, hid)?;
        for (var, expression) in &self.options.compose {
            match self.compose(expression, &vars) {
                Ok(value) => inv.set_host_var(hid, var, value),
                Err(e) if self.options.strict => {
                    return Err(Failure::Wrapped(format!(
                        "Could not set {var} for host {name}: {e}"
                    )));
                }
                Err(_) => {}
            }
        }
        let vars = self.host_vars(inv, hid)?;
        let context = self.context(vars.clone(), false);
        for (group, conditional) in &self.options.groups {
            let group = super::data::force_safe_group_name(group);
            match crate::exec::conditional::holds(&self.templar, conditional, &context, None) {
                Ok(true) => add_to_group(inv, &group, hid)?,
                Ok(false) => {}
                Err(e) if self.options.strict => {
                    return Err(Failure::Wrapped(format!(
                        "Could not add host {name} to group {group}: {}",
                        e.message
                    )));
                }
                Err(_) => {}
            }
        }
        for entry in &self.options.keyed_groups {
            self.keyed_group(inv, hid, &name, entry, &vars)?;
        }
        Ok(())
    }

    /// ansible's `_add_host_to_keyed_groups` for one entry.
    fn keyed_group(
        &self,
        inv: &mut InventoryData,
        hid: HostId,
        host: &str,
        entry: &Value,
        vars: &Map,
    ) -> Result<(), Failure> {
        let entry = match entry {
            Value::Map(entry) if !entry.is_empty() => entry,
            other => {
                return Err(format!(
                    "Invalid keyed group entry, it must be a dictionary: {} ",
                    other.python_str()
                )
                .into());
            }
        };
        let key_expression = entry.get("key").cloned().unwrap_or(Value::Null);
        let key = match self.compose(&key_expression, vars) {
            Ok(key) => key,
            Err(e) if self.options.strict => {
                return Err(Failure::Wrapped(format!(
                    "Could not generate group for host {host} from {} entry: {e}",
                    key_expression.python_str()
                )));
            }
            Err(_) => return Ok(()),
        };
        let default_value = entry
            .get("default_value")
            .filter(|v| !matches!(v, Value::Null));
        let trailing_separator = entry
            .get("trailing_separator")
            .filter(|v| !matches!(v, Value::Null));
        if default_value.is_some() && trailing_separator.is_some() {
            return Err(Failure::Raised(
                "parameters are mutually exclusive for keyed groups: default_value|trailing_separator"
                    .into(),
            ));
        }
        let is_blank = |v: &Value| matches!(v, Value::Null) || v.as_str() == Some("");
        let use_default = is_blank(&key) && default_value.is_some();
        if !(key.is_truthy() || use_default) {
            // An empty list or mapping is a valid key that makes no group.
            let empty = matches!(&key, Value::List(l) if l.is_empty())
                || matches!(&key, Value::Map(m) if m.is_empty());
            if self.options.strict && !empty {
                return Err(format!(
                    "No key or key resulted empty for {} in host {host}, invalid entry",
                    key_expression.python_str()
                )
                .into());
            }
            return Ok(());
        }
        let prefix = entry
            .get("prefix")
            .map(Value::python_str)
            .unwrap_or_default();
        let mut separator = entry
            .get("separator")
            .map(Value::python_str)
            .unwrap_or_else(|| "_".to_string());
        let parent = match entry
            .get("parent_group")
            .filter(|v| !matches!(v, Value::Null))
        {
            None => None,
            Some(raw) => match self.template(raw, vars) {
                Ok(Some(parent)) => Some(parent),
                Ok(None) => None,
                Err(e) if self.options.strict => {
                    return Err(Failure::Wrapped(format!(
                        "Could not generate parent group {} for group {}: {e}",
                        raw.python_repr(),
                        key.python_repr()
                    )));
                }
                Err(_) => return Ok(()),
            },
        };
        let default_name = default_value.map(Value::python_str);
        let mut names: Vec<String> = Vec::new();
        if use_default {
            names.extend(default_name.clone());
        } else {
            match &key {
                Value::Str(s) | Value::Unsafe(s) => names.push(s.clone()),
                Value::List(items) => {
                    for item in items {
                        match (&default_name, is_blank(item)) {
                            (Some(default), true) => names.push(default.clone()),
                            _ => names.push(item.python_str()),
                        }
                    }
                }
                Value::Map(pairs) => {
                    for (name, value) in pairs {
                        let mut bare = format!("{name}{separator}{}", value.python_str());
                        if is_blank(value) {
                            if let Some(default) = &default_name {
                                bare = format!("{name}{separator}{default}");
                            } else if matches!(trailing_separator, Some(Value::Bool(false))) {
                                bare = name.clone();
                            }
                        }
                        names.push(bare);
                    }
                }
                other => {
                    return Err(format!(
                        "Invalid group name format, expected a string or a list of them or dictionary, got: <class '{}'>",
                        // A composed value carries ansible's origin tag.
                        super::yaml_source::loaded_class(other)
                    ).into());
                }
            }
        }
        for bare in names {
            if prefix.is_empty() && !self.options.leading_separator {
                separator.clear();
            }
            let group = super::data::force_safe_group_name(&format!("{prefix}{separator}{bare}"));
            add_to_group(inv, &group, hid)?;
            if let Some(parent) = &parent {
                let parent = super::data::force_safe_group_name(parent);
                inv.add_group(&parent).map_err(|e| e.to_string())?;
                inv.add_child(&parent, &group).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// `Host.get_vars()` over its groups' vars (and, with
    /// `use_vars_plugins`, the host_vars/group_vars beside the sources
    /// parsed so far).
    fn host_vars(&self, inv: &InventoryData, hid: HostId) -> Result<Map, String> {
        let sources: &[String] = if self.options.use_vars_plugins {
            &inv.processed_sources
        } else {
            &[]
        };
        let mut vars = InventoryVars::new(
            inv,
            sources,
            &self.load.yaml_extensions,
            self.load.vault.clone(),
        );
        vars.hash = self.load.hash_behaviour;
        vars.host_vars(hid).map_err(|e| e.to_string())
    }

    /// The variables templates see: the host's, with the extra vars on
    /// top when the config asks for them.
    fn context(&self, mut vars: Map, with_extra_vars: bool) -> Jv {
        if with_extra_vars {
            combine_into(&mut vars, &self.load.extra_vars, self.load.hash_behaviour);
        }
        LazyVars::context(vars, Arc::clone(&self.templar), self.load.vault.clone())
    }

    /// ansible's `_compose`: `expression` evaluated as a Jinja2 expression.
    /// Text the expression made is untrusted (ansible shows it so in
    /// `ansible-inventory --list`); a variable passed on keeps its own
    /// trust. (An expression mixing both, `[os, 'b']`, comes back wholly
    /// untrusted: mitorun does not track trust per item.)
    fn compose(&self, expression: &Value, vars: &Map) -> Result<Value, String> {
        let Some(text) = expression.as_str() else {
            return Ok(expression.clone());
        };
        let context = self.context(vars.clone(), self.options.use_extra_vars);
        let value = self
            .templar
            .evaluate(text, &context)
            .map(|value| from_jinja(&value))
            .map_err(|e| e.message)?;
        Ok(if crate::exec::conditional::is_variable_path(text.trim()) {
            value
        } else {
            value.into_data()
        })
    }

    /// A templated option value; `None` when it is omitted.
    fn template(&self, raw: &Value, vars: &Map) -> Result<Option<String>, String> {
        let Some(text) = raw.as_str() else {
            return Ok(Some(raw.python_str()));
        };
        let context = self.context(vars.clone(), self.options.use_extra_vars);
        let value = self
            .templar
            .template_in(text, &context)
            .map_err(|e| e.message)?;
        if value.as_str() == Some(crate::vars::hostvars::OMIT_TOKEN) {
            return Ok(None);
        }
        Ok(Some(value.python_str()).filter(|s| !s.is_empty()))
    }
}

fn add_to_group(inv: &mut InventoryData, group: &str, hid: HostId) -> Result<(), String> {
    let gid = inv.add_group(group).map_err(|e| e.to_string())?;
    inv.add_host_to_group(gid, hid);
    Ok(())
}

fn python_repr(text: &str) -> String {
    Value::str(text).python_repr()
}
