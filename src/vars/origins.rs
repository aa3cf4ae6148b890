//! Where variables were defined, so that an error raised while templating
//! a variable's value can point at its definition (ansible 2.19 keeps an
//! origin tag on each loaded value and prints it as the innermost
//! `<<< caused by >>>` level).
//!
//! Only layers whose loader knows the positions carry origins; a name whose
//! winning layer has none gets no extra level, as ansible prints none for
//! untagged values.

use std::collections::HashMap;
use std::sync::Arc;

use crate::playbook::model::{Origin, SourceFile};
use crate::playbook::yaml::{Node, NodeKind};
use crate::value::Value;

/// Origin of each variable of one layer, by name. Each origin is an Arc'd
/// file plus a span, so a layer costs one small entry per variable.
/// Entries inside a variable's value that are rendered when read
/// (templates, vaulted text) have an origin too, under their
/// [`entry_key`], so that a failed entry can be pointed at.
pub type VarOrigins = Arc<HashMap<String, Origin>>;

/// Joins the steps of an entry key: no variable name or YAML key a
/// template is written under uses it.
const STEP: char = '\u{1f}';

/// The key of entry `step` (a mapping key, or a list index as text) of
/// the value whose key is `parent`.
pub fn entry_key(parent: &str, step: &str) -> String {
    format!("{parent}{STEP}{step}")
}

/// The key under which a layer keeps where the variable `name` itself
/// (its key, not its value) was written: what ansible points at when it
/// warns about the name.
pub fn name_key(name: &str) -> String {
    entry_key(name, "\0name")
}

/// The variable an origin key belongs to.
pub fn variable_of(key: &str) -> &str {
    key.split(STEP).next().unwrap_or(key)
}

/// The origins of the values of a YAML mapping of variables (`vars:`);
/// empty for anything else. A later duplicate key wins, as in the value.
pub fn of_mapping(node: &Node, file: &Arc<SourceFile>) -> VarOrigins {
    let mut out = HashMap::new();
    if let NodeKind::Map(pairs) = &node.kind {
        for (key, value) in pairs {
            if let NodeKind::Scalar(name) = &key.kind {
                let name = name.python_str();
                add_entries(value, &name, file, &mut out, 0);
                out.insert(name_key(&name), Origin::new(file, key.span));
                out.insert(name, Origin::new(file, value.span));
            }
        }
    }
    Arc::new(out)
}

/// Origins of the entries under `node` that are rendered when read.
fn add_entries(
    node: &Node,
    key: &str,
    file: &Arc<SourceFile>,
    out: &mut HashMap<String, Origin>,
    depth: usize,
) {
    // Variables are never this deep; aliases must not make it costly.
    if depth > 32 {
        return;
    }
    let mut add = |child: &Node, step: String| {
        let child_key = entry_key(key, &step);
        if let NodeKind::Scalar(Value::Str(text)) = &child.kind
            && !crate::templating::render::is_template(text)
        {
            return;
        }
        if let NodeKind::Scalar(value) = &child.kind
            && !matches!(value, Value::Str(_) | Value::Vault(_))
        {
            return;
        }
        add_entries(child, &child_key, file, out, depth + 1);
        out.insert(child_key, Origin::new(file, child.span));
    };
    match &node.kind {
        NodeKind::Map(pairs) => {
            for (k, v) in pairs {
                if let NodeKind::Scalar(k) = &k.kind {
                    add(v, k.python_str());
                }
            }
        }
        NodeKind::Seq(items) => {
            for (index, item) in items.iter().enumerate() {
                add(item, index.to_string());
            }
        }
        NodeKind::Scalar(_) => {}
    }
}
