//! `PYTHON_MODULE_RLIMIT_NOFILE`: the open-files soft limit a task's Python
//! modules run under. ansible's module wrapper sets it in the module's
//! process; mitorun's agent sets it around the call (see
//! `agent/runner.py`), so commands a module starts inherit it as they do
//! under ansible.

use super::execute::TaskRun;
use super::report::TaskError;
use crate::templating::bridge::from_jinja;
use crate::templating::lazy::LazyVars;
use crate::value::Value;
use crate::vars::hostvars::OMIT_TOKEN;
use minijinja::value::Value as Jv;

/// The variable (over the config setting, which `cli::run` puts among the
/// connection defaults under the same name).
pub const RLIMIT_NOFILE_VAR: &str = "ansible_python_module_rlimit_nofile";

impl TaskRun<'_> {
    /// The soft limit for this task's modules (0: leave the limit alone),
    /// or the error ansible raises while building the module: the
    /// variable failed to template, or its value is not an integer.
    /// ansible reads it only for the Python modules it builds: `raw` and
    /// `script` run no module.
    pub(super) fn module_rlimit_nofile(
        &self,
        action: &str,
        context: &Jv,
    ) -> Result<i64, TaskError> {
        if matches!(super::actions::short_name(action), "raw" | "script") {
            return Ok(0);
        }
        let value = match context.get_attr(RLIMIT_NOFILE_VAR) {
            Ok(value) if !value.is_undefined() => from_jinja(&value),
            Ok(_) if LazyVars::holds(context, RLIMIT_NOFILE_VAR) => {
                // Defined by a template that reads an undefined value:
                // templating it again gives the error naming that value.
                let expression = Value::str(format!("{{{{ {RLIMIT_NOFILE_VAR} }}}}"));
                self.template_value(&expression, context)
                    .map_err(|message| self.variable_error(message))?
            }
            Ok(_) => match self.shared.connection_defaults.get(RLIMIT_NOFILE_VAR) {
                Some(setting) => setting.clone(),
                None => return Ok(0),
            },
            Err(e) => return Err(self.variable_error(e.to_string())),
        };
        python_int(&value).map_err(TaskError::new)
    }

    /// An error of the variable's template, pointing at its definition as
    /// ansible's report does.
    fn variable_error(&self, message: String) -> TaskError {
        let error = TaskError::new(message);
        match self.definition_of(RLIMIT_NOFILE_VAR) {
            Some(definition) => TaskError {
                origin: Some(definition),
                ..error
            },
            None => error,
        }
    }
}

/// Python's `int(value)` for a templated setting (`omit` reads as 0, as
/// ansible templates it with `value_for_omit=0`).
fn python_int(value: &Value) -> Result<i64, String> {
    match value {
        Value::Str(s) if s == OMIT_TOKEN => Ok(0),
        other => super::strategy::python_int(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_as_python_int_reads_them() {
        assert_eq!(python_int(&Value::str("123")), Ok(123));
        assert_eq!(python_int(&Value::str(" -5 ")), Ok(-5));
        assert_eq!(python_int(&Value::str("1_024")), Ok(1024));
        assert_eq!(python_int(&Value::Int(7)), Ok(7));
        assert_eq!(python_int(&Value::str(OMIT_TOKEN)), Ok(0));
        assert_eq!(
            python_int(&Value::str("abc")),
            Err("invalid literal for int() with base 10: 'abc'".to_string())
        );
        assert!(python_int(&Value::str("1__0")).is_err());
        assert!(python_int(&Value::str("")).is_err());
        assert!(python_int(&Value::Null).is_err());
    }
}
