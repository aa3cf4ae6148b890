//! Reading ansible.cfg with the rules of Python's `configparser` as ansible
//! configures it (`inline_comment_prefixes=(';',)`, basic `%` interpolation):
//! `[section]` headers, `key = value` or `key: value`, full-line `#`/`;`
//! comments, indented continuation lines, keys lower-cased, duplicates an error.

use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// One value as written, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct CfgEntry {
    pub value: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct CfgFile {
    pub path: PathBuf,
    pub text: String,
    pub sections: IndexMap<String, IndexMap<String, CfgEntry>>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CfgSyntaxError {
    pub message: String,
    pub line: usize,
}

impl CfgFile {
    pub fn get(&self, section: &str, key: &str) -> Option<&CfgEntry> {
        self.sections.get(section)?.get(key)
    }

    pub fn parse(path: &Path, text: &str) -> Result<CfgFile, CfgSyntaxError> {
        let mut file = CfgFile {
            path: path.to_path_buf(),
            text: text.to_string(),
            ..Default::default()
        };
        let mut section: Option<String> = None;
        // The option a continuation line extends: (section, key).
        let mut last_key: Option<(String, String)> = None;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (idx, raw) in text.lines().enumerate() {
            let lineno = idx + 1;
            let line = raw.trim_end_matches('\r');
            let stripped = line.trim();
            if stripped.is_empty() || stripped.starts_with('#') || stripped.starts_with(';') {
                // Blank lines end a continuation in configparser only when
                // followed by an unindented line; treat them as separators.
                if stripped.is_empty() {
                    last_key = None;
                }
                continue;
            }
            let indented = line.starts_with(' ') || line.starts_with('\t');
            if indented && let Some((sec, key)) = &last_key {
                let value = strip_inline_comment(stripped);
                if let Some(entry) = file.sections.get_mut(sec).and_then(|s| s.get_mut(key)) {
                    entry.value.push('\n');
                    entry.value.push_str(value);
                }
                continue;
            }
            if stripped.starts_with('[') {
                let Some(end) = stripped.find(']') else {
                    return Err(CfgSyntaxError {
                        message: format!(
                            "File contains parsing errors: {}\n\t[line {lineno:2}]: {line:?}",
                            path.display()
                        ),
                        line: lineno,
                    });
                };
                let name = stripped[1..end].to_string();
                if file.sections.contains_key(&name) {
                    return Err(CfgSyntaxError {
                        message: format!(
                            "While reading from {:?} [line {lineno:2}]: section {name:?} already exists",
                            path.display().to_string()
                        ),
                        line: lineno,
                    });
                }
                file.sections.insert(name.clone(), IndexMap::new());
                section = Some(name);
                last_key = None;
                continue;
            }
            let Some(sec) = &section else {
                return Err(CfgSyntaxError {
                    message: format!(
                        "File contains no section headers.\nfile: {:?}, line: {lineno}\n{line:?}",
                        path.display().to_string()
                    ),
                    line: lineno,
                });
            };
            let split_at = stripped.find(['=', ':']);
            let (key, value) = match split_at {
                Some(pos) => (
                    stripped[..pos].trim(),
                    strip_inline_comment(stripped[pos + 1..].trim()),
                ),
                // configparser's allow_no_value is off: a bare key is an error.
                None => {
                    return Err(CfgSyntaxError {
                        message: format!(
                            "Source contains parsing errors: {:?}\n\t[line {lineno:2}]: {line:?}",
                            path.display().to_string()
                        ),
                        line: lineno,
                    });
                }
            };
            let key = key.to_lowercase();
            let options = file.sections.entry(sec.clone()).or_default();
            if options.contains_key(&key) {
                return Err(CfgSyntaxError {
                    message: format!(
                        "While reading from {:?} [line {lineno:2}]: option {key:?} in section {sec:?} already exists",
                        path.display().to_string()
                    ),
                    line: lineno,
                });
            }
            options.insert(
                key.clone(),
                CfgEntry {
                    value: value.to_string(),
                    line: lineno,
                },
            );
            last_key = Some((sec.clone(), key));
        }
        Ok(file)
    }
}

/// configparser strips `;` comments only when preceded by whitespace.
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b';' && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value
}

/// configparser's BasicInterpolation for the only form ansible.cfg files use
/// in practice: `%%` is a literal `%`.
pub fn interpolate(value: &str) -> String {
    value.replace("%%", "%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_keys_comments_and_continuations() {
        let text = "# top\n[defaults]\nForks = 10 ; ten\ninventory: ./hosts\nroles_path = a\n  b\n\n[ssh_connection]\npipelining=True\n";
        let f = CfgFile::parse(Path::new("ansible.cfg"), text).unwrap();
        assert_eq!(f.get("defaults", "forks").unwrap().value, "10");
        assert_eq!(f.get("defaults", "forks").unwrap().line, 3);
        assert_eq!(f.get("defaults", "inventory").unwrap().value, "./hosts");
        assert_eq!(f.get("defaults", "roles_path").unwrap().value, "a\nb");
        assert_eq!(f.get("ssh_connection", "pipelining").unwrap().value, "True");
    }

    #[test]
    fn duplicate_keys_and_missing_headers_are_errors() {
        assert_eq!(
            CfgFile::parse(Path::new("x"), "[a]\nk=1\nk=2\n")
                .unwrap_err()
                .line,
            3
        );
        assert_eq!(CfgFile::parse(Path::new("x"), "k=1\n").unwrap_err().line, 1);
        assert_eq!(
            CfgFile::parse(Path::new("x"), "[a]\njunk\n")
                .unwrap_err()
                .line,
            2
        );
    }
}
