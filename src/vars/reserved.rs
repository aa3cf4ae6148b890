//! Names ansible reserves (`ansible.vars.reserved`): the play, role, block
//! and task keywords plus the template globals (`lookup`, `q`, `range`
//! ...). A variable under one of them still works, but shadows what
//! ansible means by the name, so ansible 2.19 warns where it is defined:
//! "Found variable using reserved name 'x'." with the key's origin.

use crate::playbook::model::Origin;

/// ansible-core 2.19's `_RESERVED_NAMES`, sorted (binary search).
const RESERVED_NAMES: &[&str] = &[
    "action",
    "always",
    "any_errors_fatal",
    "args",
    "async",
    "async_val",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "block",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "cycler",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "dict",
    "diff",
    "environment",
    "fact_path",
    "failed_when",
    "force_handlers",
    "gather_facts",
    "gather_timeout",
    "handlers",
    "hosts",
    "ignore_errors",
    "ignore_unreachable",
    "joiner",
    "lipsum",
    "local_action",
    "lookup",
    "loop",
    "loop_control",
    "loop_with",
    "max_fail_percentage",
    "module_defaults",
    "name",
    "namespace",
    "no_log",
    "notify",
    "now",
    "omit",
    "order",
    "poll",
    "port",
    "post_tasks",
    "pre_tasks",
    "q",
    "query",
    "range",
    "register",
    "remote_user",
    "rescue",
    "retries",
    "roles",
    "run_once",
    "serial",
    "strategy",
    "tags",
    "tasks",
    "throttle",
    "timeout",
    "undef",
    "until",
    "vars",
    "vars_files",
    "vars_prompt",
    "when",
    "with_",
];

/// Does a variable under `name` draw ansible's warning? (`vars` is added
/// by ansible itself and never warned about.)
pub fn is_reserved(name: &str) -> bool {
    name != "vars" && RESERVED_NAMES.binary_search(&name).is_ok()
}

/// The warning's text, with the origin of the name when it is known.
pub fn warning_text(name: &str, origin: Option<&Origin>) -> String {
    let quoted = crate::value::Value::str(name).python_repr();
    let head = format!("Found variable using reserved name {quoted}.");
    match origin {
        Some(origin) => format!("{head}\n{}", origin.context()),
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_so_lookups_find_every_name() {
        assert!(RESERVED_NAMES.windows(2).all(|w| w[0] < w[1]));
        for name in RESERVED_NAMES.iter().filter(|n| **n != "vars") {
            assert!(is_reserved(name), "{name}");
        }
    }

    #[test]
    fn vars_and_ordinary_names_are_not_reserved() {
        assert!(!is_reserved("vars"));
        assert!(!is_reserved("http_port"));
        assert!(!is_reserved("Name"));
        assert_eq!(
            warning_text("q", None),
            "Found variable using reserved name 'q'."
        );
    }
}
