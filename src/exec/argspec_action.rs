//! The `validate_argument_spec` action (ansible's action plugin of that
//! name): the arguments of a role entry point (or any `argument_spec` a
//! playbook gives) checked against the spec on the controller. Roles with
//! `meta/argument_specs` get such a task first (`playbook/model/load.rs`).
//!
//! The values checked are the task variables named in the spec (templated)
//! under `provided_arguments`. The validation itself is ansible's
//! ArgumentSpecValidator; mitorun has it once, in the agent
//! (`agent/argspec.py`), so this action runs it in a controller-local agent
//! (the connection implicit localhost uses): the task's host is never
//! contacted, as ansible's action needs no connection.

use super::execute::{Outcome, TaskRun};
use super::report::{TaskError, failed_result_report};
use super::{ModuleRequest, TIMED_OUT};
use crate::templating::bridge::from_jinja;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

impl TaskRun<'_> {
    pub(super) fn validate_argument_spec_action(&self, args: Map, context: &Jv) -> Outcome {
        let mut result = Map::new();
        result.insert(
            "validate_args_context".into(),
            args.get("validate_args_context")
                .cloned()
                .unwrap_or_else(|| Value::Map(Map::new())),
        );
        // An error the action raises replaces its result.
        let fail =
            |message: String| Outcome::from_error(&TaskError::new(message), &self.task.origin);
        let Some(spec) = args.get("argument_spec") else {
            return fail(format!(
                "\"argument_spec\" arg is required in args: {}",
                Value::Map(args.clone()).python_repr()
            ));
        };
        let provided = args
            .get("provided_arguments")
            .cloned()
            .unwrap_or_else(|| Value::Map(Map::new()));
        let Value::Map(spec_map) = spec else {
            return fail(format!(
                "Incorrect type for argument_spec, expected dict and got <class '{}'>",
                self.arg_class("argument_spec", spec)
            ));
        };
        let Value::Map(provided) = provided else {
            return fail(format!(
                "Incorrect type for provided_arguments, expected dict and got <class '{}'>",
                self.arg_class("provided_arguments", &provided)
            ));
        };
        // `get_args_from_task_vars`: the spec's names that are variables,
        // templated; the provided arguments win (`combine_vars`).
        let mut parameters = Map::new();
        for name in spec_map.keys() {
            let Ok(value) = context.get_attr(name) else {
                continue;
            };
            if value.is_undefined() {
                continue;
            }
            match self.template_value(&from_jinja(&value), context) {
                Ok(value) => {
                    parameters.insert(name.clone(), value);
                }
                Err(message) => return fail(message),
            }
        }
        parameters.extend(provided);
        let errors = match self.run_validator(spec, parameters, context) {
            Ok(errors) => errors,
            Err(message) => return fail(message),
        };
        if errors.is_empty() {
            result.insert("changed".into(), Value::Bool(false));
            result.insert("msg".into(), Value::str("The arg spec validation passed"));
            return Outcome::plain(result);
        }
        let lines: Vec<String> = errors.iter().map(Value::python_str).collect();
        let msg = format!("Validation of arguments failed:\n{}", lines.join("\n"));
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::str(msg.as_str()));
        result.insert("argument_spec_data".into(), spec.clone());
        result.insert("argument_errors".into(), Value::List(errors));
        Outcome {
            result,
            error: Some(failed_result_report("Action", &msg, &self.task.origin)),
        }
    }

    /// The Python class ansible names for an argument's value: a value
    /// written in the playbook carries its origin, so ansible 2.19 sees one
    /// of its tagged types (`None` and `bool` cannot be tagged); a
    /// template's result is a plain one.
    fn arg_class(&self, name: &str, value: &Value) -> String {
        let plain = value.python_type_name();
        let templated = match self.task.args.get(name) {
            Some(Value::Str(text)) => crate::templating::render::is_template(text),
            _ => false,
        };
        let tagged = match value {
            Value::Str(_) | Value::Unsafe(_) => "_AnsibleTaggedStr",
            Value::List(_) => "_AnsibleTaggedList",
            Value::Map(_) => "_AnsibleTaggedDict",
            Value::Int(_) => "_AnsibleTaggedInt",
            Value::Float(_) => "_AnsibleTaggedFloat",
            _ => return plain.to_string(),
        };
        if templated || self.task.args.get(name).is_none() {
            return plain.to_string();
        }
        format!("ansible.module_utils._internal._datatag.{tagged}")
    }

    /// ArgumentSpecValidator's error messages for `parameters`, from the
    /// controller-local agent.
    fn run_validator(
        &self,
        spec: &Value,
        parameters: Map,
        context: &Jv,
    ) -> Result<Vec<Value>, String> {
        let mut connection = Map::new();
        connection.insert("ansible_connection".into(), Value::str("local"));
        if let Ok(python) = context.get_attr("ansible_playbook_python")
            && let Some(python) = python.as_str()
        {
            connection.insert("ansible_python_interpreter".into(), Value::str(python));
        }
        let mut args = Map::new();
        args.insert("argument_spec".into(), spec.clone());
        args.insert("provided_arguments".into(), Value::Map(parameters));
        let request = ModuleRequest {
            host: "localhost".into(),
            action: "ansible.builtin.validate_argument_spec".into(),
            args,
            connection,
            via: Vec::new(),
            check_mode: false,
            diff: false,
            no_log: false,
            verbosity: self.shared.verbosity,
            environment: Map::new(),
            library_dirs: Vec::new(),
            module_utils_dirs: Vec::new(),
            fork: false,
            interpreters: Vec::new(),
            report_interpreter: false,
            uploads: Vec::new(),
            async_job: None,
            deadline: None,
            rlimit_nofile: 0,
        };
        let reply = self.shared.modules.run(request);
        match reply.get("argument_errors") {
            Some(Value::List(errors)) if !reply.contains_key(TIMED_OUT) => Ok(errors.clone()),
            _ => Err(format!(
                "the argument validator could not run on the controller: {}",
                reply
                    .get("msg")
                    .map(Value::python_str)
                    .unwrap_or_else(|| Value::Map(reply.clone()).python_repr())
            )),
        }
    }
}
