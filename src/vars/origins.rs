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

/// Origin of each variable of one layer, by name. Each origin is an Arc'd
/// file plus a span, so a layer costs one small entry per variable.
pub type VarOrigins = Arc<HashMap<String, Origin>>;

/// The origins of the values of a YAML mapping of variables (`vars:`);
/// empty for anything else. A later duplicate key wins, as in the value.
pub fn of_mapping(node: &Node, file: &Arc<SourceFile>) -> VarOrigins {
    let mut out = HashMap::new();
    if let NodeKind::Map(pairs) = &node.kind {
        for (key, value) in pairs {
            if let NodeKind::Scalar(name) = &key.kind {
                out.insert(name.python_str(), Origin::new(file, value.span));
            }
        }
    }
    Arc::new(out)
}
