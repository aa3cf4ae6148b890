//! How the default and minimal callbacks write a result or a structured
//! diff: ansible's `result_format` (json or yaml) and `pretty_results`
//! options (ANSIBLE_CALLBACK_RESULT_FORMAT / `callback_result_format`,
//! ANSIBLE_CALLBACK_FORMAT_PRETTY / `callback_format_pretty`), as
//! `CallbackBase._dump_results` and `_serialize_diff` apply them.

use crate::playbook::yaml_dump;
use crate::value::{Map, Value};

/// What writes a result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Dumper {
    #[default]
    Json,
    /// `result_format=yaml`.
    Yaml,
    /// community.general's `yaml` stdout callback: a `changed=... `
    /// header, two-space indents, no folding, its own block clean-up.
    CommunityGeneralYaml,
    /// ansible.posix's `debug` stdout callback (`DefaultCallback` writes it:
    /// it splits the result).
    PosixDebug,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResultFormat {
    pub dumper: Dumper,
    /// `pretty_results`: unset, true or false.
    pub pretty: Option<bool>,
}

impl ResultFormat {
    /// A callback that does not declare the options (oneline): json, with
    /// `pretty_results` unset.
    pub const JSON: ResultFormat = ResultFormat {
        dumper: Dumper::Json,
        pretty: None,
    };

    fn yaml(&self) -> bool {
        self.dumper == Dumper::Yaml
    }

    /// `_dump_results`' indent: what the caller asked for, else 4 when the
    /// result is always verbose, the format is yaml without an explicit
    /// `pretty_results`, `pretty_results` is on, or at -vvv; never any
    /// when `pretty_results` is off.
    fn indent(&self, asked: Option<usize>, verbose_always: bool, verbosity: u8) -> Option<usize> {
        if self.pretty == Some(false) {
            return None;
        }
        let pretty_by_default = self.pretty.is_none() && self.yaml();
        match asked {
            Some(n) if n > 0 => Some(n),
            _ if verbose_always
                || pretty_by_default
                || self.pretty == Some(true)
                || verbosity > 2 =>
            {
                Some(4)
            }
            // `indent=0` asked and nothing else applies: json.dumps(indent=0).
            Some(_) => Some(0),
            None => None,
        }
    }

    /// The text of an abridged result (internal keys and hidden entries
    /// already gone). `asked` is the indent the callback passes (minimal:
    /// 4, oneline: 0, default: none).
    pub fn dump(
        &self,
        mut abridged: Map,
        asked: Option<usize>,
        verbose_always: bool,
        verbosity: u8,
    ) -> String {
        if self.dumper == Dumper::CommunityGeneralYaml {
            return community_general_dump(abridged);
        }
        let indent = self.indent(asked, verbose_always, verbosity);
        if !self.yaml() {
            let value = Value::Map(abridged);
            return value.to_json_as(&crate::value::JsonFormat {
                indent,
                ascii: false,
                tag_unsafe: false,
            });
        }
        // Lossy yaml trades exactness for reading: the `_lines` twins of
        // stdout and stderr say nothing new.
        let lossy = self.pretty != Some(false);
        if lossy {
            for key in ["stdout", "stderr"] {
                let lines = format!("{key}_lines");
                if abridged.contains_key(key) && abridged.contains_key(&lines) {
                    abridged.insert(lines, Value::str("<omitted>"));
                }
            }
        }
        let text = yaml_dump::dump_callback(&Value::Map(abridged), indent, lossy);
        format!("\n{}", indent_lines(&text, indent.unwrap_or(4)))
    }

    /// `_serialize_diff`: a mapping on one side of a diff, as a "file".
    pub fn serialize_diff(&self, side: &Value) -> String {
        if self.yaml() {
            let text = yaml_dump::dump_callback(side, Some(4), self.pretty != Some(false));
            format!("{}\n", indent_lines(&text, 4))
        } else {
            format!("{}\n", side.to_python_json())
        }
    }
}

/// community.general.yaml's `_dump_results` of an abridged result (its
/// `exception` gone too): `changed=` and `skipped=` first on the result's
/// line, the rest as YAML with every line after the first indented by two
/// spaces (blank ones included), trailing whitespace cut.
fn community_general_dump(mut abridged: Map) -> String {
    let mut dumped = String::new();
    for key in ["changed", "skipped"] {
        if let Some(v) = abridged.shift_remove(key) {
            dumped.push_str(&format!("{key}={} ", v.python_str().to_lowercase()));
        }
    }
    for key in ["stdout", "stderr"] {
        let lines = format!("{key}_lines");
        if abridged.contains_key(key) && abridged.contains_key(&lines) {
            abridged.insert(lines, Value::str("<omitted>"));
        }
    }
    if !abridged.is_empty() {
        dumped.push('\n');
        dumped.push_str(&yaml_dump::dump_community_general(&Value::Map(abridged)));
    }
    dumped
        .split('\n')
        .collect::<Vec<_>>()
        .join("\n  ")
        .trim_end()
        .to_string()
}

/// `textwrap.indent(text, ' ' * n)`: every line that is not only
/// whitespace gets the prefix; line ends are kept.
fn indent_lines(text: &str, n: usize) -> String {
    let prefix = " ".repeat(n);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        if !line.trim().is_empty() {
            out.push_str(&prefix);
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> Map {
        let mut m = Map::new();
        m.insert("changed".into(), Value::Bool(true));
        m.insert("stdout".into(), Value::str("a\nb"));
        m.insert(
            "stdout_lines".into(),
            Value::List(vec![Value::str("a"), Value::str("b")]),
        );
        m.insert("cmd".into(), Value::List(vec![Value::str("printf")]));
        m
    }

    #[test]
    fn yaml_is_indented_block_text_with_the_line_lists_omitted() {
        let f = ResultFormat {
            dumper: Dumper::Yaml,
            pretty: None,
        };
        assert_eq!(
            f.dump(result(), None, false, 0),
            "\n    changed: true\n    cmd:\n    - printf\n    stdout: |-\n        a\n        b\n    stdout_lines: <omitted>\n"
        );
    }

    #[test]
    fn yaml_not_pretty_keeps_everything_at_pyyaml_indent() {
        let f = ResultFormat {
            dumper: Dumper::Yaml,
            pretty: Some(false),
        };
        assert_eq!(
            f.dump(result(), None, false, 3),
            "\n    changed: true\n    cmd:\n    - printf\n    stdout: |-\n      a\n      b\n    stdout_lines:\n    - a\n    - b\n"
        );
    }

    #[test]
    fn json_pretty_follows_the_option_over_verbosity() {
        let on = ResultFormat {
            dumper: Dumper::Json,
            pretty: Some(true),
        };
        assert!(on.dump(result(), None, false, 0).starts_with("{\n    \""));
        let off = ResultFormat {
            dumper: Dumper::Json,
            pretty: Some(false),
        };
        assert!(
            off.dump(result(), None, true, 4)
                .starts_with("{\"changed\": true, ")
        );
        assert_eq!(
            ResultFormat::JSON.dump(result(), Some(0), false, 0),
            "{\n\"changed\": true,\n\"cmd\": [\n\"printf\"\n],\n\"stdout\": \"a\\nb\",\n\"stdout_lines\": [\n\"a\",\n\"b\"\n]\n}"
        );
    }
}
