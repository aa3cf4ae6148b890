//! `-e`/`--extra-vars`: ansible-core 2.19's `load_extra_vars`.
//!
//! Each option is, in this order of checks:
//!
//! * empty: ignored;
//! * `@PATH`: a JSON or YAML file. Like ansible's option parser, the path
//!   has `$VARS` and `~` expanded, is made absolute against the working
//!   directory and has its symlinks resolved; the resolved form is what
//!   error messages quote;
//! * starting with `/` or `.`: an error asking for the `@`;
//! * starting with `{` or `[`: inline JSON, or YAML when it is not JSON;
//! * anything else: `k=v` words ([`parse_kv`] without `check_raw`), all
//!   values strings; words that are not `k=v` end up joined under
//!   `_raw_params`, exactly as ansible does (`-e foo` defines
//!   `_raw_params: foo`).
//!
//! The result of each option must be a mapping. Later options win: keys are
//! replaced (`a | b`), or merged recursively under `hash_behaviour=merge`.
//!
//! JSON is tried before YAML (ansible's `from_yaml`), with the rules of
//! Python's `json` module: `NaN`/`Infinity` are accepted, a repeated key
//! keeps its first position and its last value, and an object holding
//! `__ansible_unsafe` (a string) or `__ansible_vault` becomes that tagged
//! string. Text that is not such JSON goes to the YAML loader.

use super::pyjson;
use crate::pypath;
use std::path::Path;

use super::kv::{KvError, parse_kv};
use super::yaml::{self, YamlError, YamlErrorKind};
use crate::errors::Exit;
use crate::value::{Map, Value, python_str_repr};

/// Where ansible says an inline `-e` value came from.
pub const CLI_ORIGIN: &str = "<CLI option '-e'>";

/// A `-e` option ansible rejects, worded as ansible reports it after
/// `[ERROR]: `.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExtraVarsError {
    /// A path given without the `@` (exit code 5).
    #[error("Please prepend extra_vars filename '{0}' with '@'")]
    MissingAt(String),
    /// Data that is not a mapping (exit code 5). Holds the option as
    /// ansible quotes it (`@` and the resolved path for files).
    #[error("Invalid extra vars data supplied. '{0}' could not be made into a dictionary")]
    NotADict(String),
    /// `@PATH` does not exist (exit code 1).
    #[error(
        "Unable to retrieve file contents.\nCould not find or access '{path}' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option: [Errno 2] No such file or directory: {}",
        python_str_repr(path)
    )]
    NotFound { path: String },
    /// `@PATH` exists but cannot be read, e.g. a directory (exit code 4).
    #[error(
        "An error occurred while trying to read the file {}: [Errno {errno}] {reason}: {}",
        python_str_repr(path),
        python_str_repr(path)
    )]
    Unreadable {
        path: String,
        errno: i32,
        reason: String,
    },
    /// A vault-encrypted `@PATH` (not supported yet; exit code 1).
    #[error("Vault-encrypted extra vars files are not supported yet by mitorun: '{path}'")]
    Vault { path: String },
    /// Malformed YAML, inline or in a file (exit code 4). For inline
    /// values the origin is [`CLI_ORIGIN`] and, as in ansible, no source
    /// excerpt is shown.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(Box<YamlError>),
    /// Unbalanced quotes or Jinja2 blocks in `k=v` text (exit code 4).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Split(KvError),
    /// An escape Python cannot decode (`\U00110000`, an unknown
    /// `\N{...}`): ansible crashes with an unexpected exception (exit code
    /// 250).
    #[error("Unexpected Exception, this is probably a bug: {0}")]
    Escape(KvError),
}

impl ExtraVarsError {
    /// The exit code ansible-playbook ends with for this error.
    pub fn exit(&self) -> Exit {
        match self {
            ExtraVarsError::MissingAt(_) | ExtraVarsError::NotADict(_) => Exit::BadOptions,
            ExtraVarsError::NotFound { .. } | ExtraVarsError::Vault { .. } => Exit::Error,
            ExtraVarsError::Unreadable { .. }
            | ExtraVarsError::Yaml(_)
            | ExtraVarsError::Split(_) => Exit::PARSE_ERROR,
            ExtraVarsError::Escape(_) => Exit::Unexpected,
        }
    }

    /// The full text ansible prints after `[ERROR]: ` (YAML errors carry
    /// an origin line and possibly help text besides their message).
    pub fn ansible_report(&self) -> String {
        match self {
            ExtraVarsError::Yaml(e) => e.ansible_report(),
            other => other.to_string(),
        }
    }
}

impl From<KvError> for ExtraVarsError {
    fn from(e: KvError) -> Self {
        if e.is_unexpected() {
            ExtraVarsError::Escape(e)
        } else {
            ExtraVarsError::Split(e)
        }
    }
}

/// The extra vars of `items` (the `-e` options in command-line order),
/// relative paths resolved against `cwd`; `merge` is
/// `hash_behaviour == merge`. YAML warnings (duplicate keys) are dropped:
/// use [`load_extra_vars_with_warnings`] to show them.
pub fn load_extra_vars(items: &[String], cwd: &Path, merge: bool) -> Result<Map, ExtraVarsError> {
    load_extra_vars_with_warnings(items, cwd, merge).map(|(vars, _)| vars)
}

/// [`load_extra_vars`], also returning the warnings to print (texts after
/// `[WARNING]: `), in order.
pub fn load_extra_vars_with_warnings(
    items: &[String],
    cwd: &Path,
    merge: bool,
) -> Result<(Map, Vec<String>), ExtraVarsError> {
    let mut vars = Map::new();
    let mut warnings = Vec::new();
    for item in items {
        let Some(first) = item.chars().next() else {
            continue;
        };
        let (data, quoted) = if let Some(path) = item.strip_prefix('@') {
            let path = unfrack_path(path, cwd);
            let data = load_file(&path, &mut warnings)?;
            (data, format!("@{path}"))
        } else if first == '/' || first == '.' {
            return Err(ExtraVarsError::MissingAt(item.clone()));
        } else if first == '{' || first == '[' {
            (load_inline(item, &mut warnings)?, item.clone())
        } else {
            let pairs = parse_kv(item, false)?;
            (
                Some(Value::Map(
                    pairs.into_iter().map(|(k, v)| (k, Value::Str(v))).collect(),
                )),
                item.clone(),
            )
        };
        match data {
            Some(Value::Map(map)) => combine(&mut vars, map, merge),
            _ => return Err(ExtraVarsError::NotADict(quoted)),
        }
    }
    Ok((vars, warnings))
}

/// Where each top-level extra variable was named, as ansible tags the
/// keys (`origins::name_key`): a `k=v` item's names come from
/// "<CLI option '-e'>", a JSON/YAML item's from "<unknown>" (each shown
/// with the name as its text), a file's from their YAML positions. The
/// first item to name a variable keeps it, as a Python dict keeps its
/// first key. Items that do not load give none (the run has refused them
/// already).
pub fn name_origins(items: &[String], cwd: &Path) -> crate::vars::origins::VarOrigins {
    use crate::playbook::model::{Origin, SourceFile};
    let mut names = std::collections::HashMap::new();
    let synthetic = |source: &str, name: &str| {
        let file = std::sync::Arc::new(SourceFile {
            path: std::path::PathBuf::from(source),
            text: name.to_string(),
        });
        Origin::new(&file, crate::playbook::yaml::Span::default())
    };
    for item in items {
        let Some(first) = item.chars().next() else {
            continue;
        };
        if let Some(path) = item.strip_prefix('@') {
            let path = unfrack_path(path, cwd);
            if let Ok((_, origins, _)) =
                crate::playbook::loader::load_vars_file(Path::new(&path), None)
            {
                for (key, origin) in origins.iter() {
                    if *key
                        == crate::vars::origins::name_key(crate::vars::origins::variable_of(key))
                    {
                        names.entry(key.clone()).or_insert_with(|| origin.clone());
                    }
                }
            }
            continue;
        }
        let (source, loaded) = if first == '{' || first == '[' {
            (
                "<unknown>",
                load_inline(item, &mut Vec::new()).ok().flatten(),
            )
        } else {
            let pairs = parse_kv(item, false).ok().unwrap_or_default();
            (
                "<CLI option '-e'>",
                Some(Value::Map(
                    pairs.into_iter().map(|(k, v)| (k, Value::Str(v))).collect(),
                )),
            )
        };
        if let Some(Value::Map(map)) = loaded {
            for name in map.keys() {
                names
                    .entry(crate::vars::origins::name_key(name))
                    .or_insert_with(|| synthetic(source, name));
            }
        }
    }
    std::sync::Arc::new(names)
}

/// Layers `upper` over `lower` as `combine_vars` does.
fn combine(lower: &mut Map, upper: Map, merge: bool) {
    if merge {
        let merged = merge_hash(std::mem::take(lower), upper);
        *lower = merged;
    } else {
        lower.extend(upper);
    }
}

/// Ansible's `merge_hash` (recursive, lists replaced). When `lower` is
/// empty or equal to `upper` (Python equality, so order-insensitive) the
/// result is `upper` itself, keys in `upper`'s order.
fn merge_hash(mut lower: Map, upper: Map) -> Map {
    if lower.is_empty() || py_eq_maps(&lower, &upper) {
        return upper;
    }
    for (key, new) in upper {
        match (lower.get_mut(&key), new) {
            (Some(Value::Map(old)), Value::Map(new)) => {
                let old = std::mem::take(old);
                lower.insert(key, Value::Map(merge_hash(old, new)));
            }
            (_, new) => {
                lower.insert(key, new);
            }
        }
    }
    lower
}

/// Python `==` between values: numbers compare by value across int,
/// float and bool, tagged strings equal plain ones, dicts ignore order.
fn py_eq(a: &Value, b: &Value) -> bool {
    fn number(v: &Value) -> Option<f64> {
        match v {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Str(x) | Value::Unsafe(x), Value::Str(y) | Value::Unsafe(y)) => x == y,
        (Value::Vault(x), Value::Vault(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Map(x), Value::Map(y)) => py_eq_maps(x, y),
        _ => matches!((number(a), number(b)), (Some(x), Some(y)) if x == y),
    }
}

fn py_eq_maps(a: &Map, b: &Map) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| py_eq(v, w)))
}

// ---------------------------------------------------------------------------
// sources

/// An inline `{...}`/`[...]` value: JSON, else YAML.
fn load_inline(text: &str, warnings: &mut Vec<String>) -> Result<Option<Value>, ExtraVarsError> {
    if let Some(value) = pyjson::parse(text) {
        return Ok(Some(value));
    }
    let origin = Path::new(CLI_ORIGIN);
    let value = yaml::load_value(text, origin)
        .map_err(|e| ExtraVarsError::Yaml(Box::new(cli_yaml_error(e))))?;
    if let Ok(loaded) = yaml::parse(text, origin) {
        warnings.extend(loaded.warnings.iter().map(|w| cli_yaml_warning(w)));
    }
    Ok(value)
}

/// Ansible cannot show an excerpt of a command-line value: its error keeps
/// the position in the `Origin:` line and says why the source is missing.
fn cli_yaml_error(mut e: YamlError) -> YamlError {
    let mut context = format!("Origin: {CLI_ORIGIN}");
    if e.kind != YamlErrorKind::Value && e.line > 0 {
        context.push_str(&format!(":{}", e.line));
        if e.col > 0 {
            context.push_str(&format!(":{}", e.col));
        }
        context.push_str("\n\n(source not shown: TypeError)");
    }
    e.context = context;
    // Ansible's hints (with their help texts) need the source line too.
    e.help = None;
    e
}

/// A duplicate-key warning about YAML that is no file (a command-line
/// value, a string given to `from_yaml`): ansible shows the key itself
/// where a file would get an excerpt.
pub(crate) fn cli_yaml_warning(warning: &str) -> String {
    const TAIL: &str = "Using last defined value only.";
    let Some(header_end) = warning.find('\n') else {
        return warning.to_string();
    };
    let header = &warning[..header_end];
    let rest = &warning[header_end + 1..];
    let origin = rest.lines().next().unwrap_or("");
    let key = header
        .strip_prefix("Found duplicate mapping key ")
        .and_then(|k| k.strip_suffix('.'))
        .map(python_repr_to_str);
    match key {
        Some(key) if origin.starts_with("Origin: ") && warning.trim_end().ends_with(TAIL) => {
            format!("{header}\n{origin}\n\n{key}\n\n{TAIL}")
        }
        _ => warning.to_string(),
    }
}

/// `str(x)` from `repr(x)` for the keys duplicate-key warnings quote:
/// Python string literals lose their quotes and escapes, anything else
/// (numbers, `None`, ...) is shown as it is.
fn python_repr_to_str(repr: &str) -> String {
    let bytes = repr.as_bytes();
    let quoted =
        bytes.len() >= 2 && matches!(bytes[0], b'\'' | b'"') && bytes[bytes.len() - 1] == bytes[0];
    if !quoted {
        return repr.to_string();
    }
    let inner = &repr[1..repr.len() - 1];
    super::kv::decode_escapes(inner).unwrap_or_else(|_| inner.to_string())
}

/// `@PATH`: read errors as ansible words them, then JSON, else YAML.
fn load_file(path: &str, warnings: &mut Vec<String>) -> Result<Option<Value>, ExtraVarsError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ExtraVarsError::NotFound {
            path: path.to_string(),
        },
        _ => ExtraVarsError::Unreadable {
            path: path.to_string(),
            errno: e.raw_os_error().unwrap_or(0),
            reason: os_error_reason(&e),
        },
    })?;
    if bytes.starts_with(b"$ANSIBLE_VAULT") {
        return Err(ExtraVarsError::Vault {
            path: path.to_string(),
        });
    }
    if let Some(value) = std::str::from_utf8(&bytes).ok().and_then(pyjson::parse) {
        return Ok(Some(value));
    }
    let (value, file_warnings) =
        yaml::load_file(Path::new(path)).map_err(|e| ExtraVarsError::Yaml(Box::new(e)))?;
    warnings.extend(file_warnings);
    Ok(value)
}

/// `strerror(errno)`: the OS error text without Rust's `(os error N)`.
fn os_error_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

// ---------------------------------------------------------------------------
// paths

/// Ansible's `unfrackpath` (following symlinks), which its option parser
/// applies to `-e @PATH`: `$VARS`, then `~`, then absolute against `cwd`,
/// symlinks resolved, normalised.
pub fn unfrack_path(path: &str, cwd: &Path) -> String {
    let expanded = pypath::expanduser(&pypath::expandvars(path));
    let absolute = if expanded.starts_with('/') {
        expanded
    } else {
        pypath::join(&[&cwd.to_string_lossy(), &expanded])
    };
    pypath::realpath(&absolute)
}

#[cfg(test)]
mod tests {
    //! Expected values observed with ansible-core 2.19 (`ansible-inventory
    //! -i h, --host h -e ...` and `ansible-playbook -e ...`).
    use super::*;

    /// A scratch directory, removed when dropped.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("mitorun-extra-vars-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create scratch dir");
            // Error messages show resolved paths.
            Scratch(std::fs::canonicalize(&dir).expect("canonical scratch dir"))
        }

        fn file(&self, name: &str, content: &str) -> &Self {
            std::fs::write(self.0.join(name), content).expect("write scratch file");
            self
        }

        fn path(&self, name: &str) -> String {
            self.0.join(name).display().to_string()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn items(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn load(list: &[&str]) -> Result<Map, ExtraVarsError> {
        load_extra_vars(&items(list), Path::new("/"), false)
    }

    fn load_in(dir: &Scratch, list: &[&str]) -> Result<Map, ExtraVarsError> {
        load_extra_vars(&items(list), &dir.0, false)
    }

    fn map(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn s(text: &str) -> Value {
        Value::str(text)
    }

    #[test]
    fn key_value_options_are_strings() {
        assert_eq!(
            load(&["a=1 b=\"x y\""]).unwrap(),
            map(&[("a", s("1")), ("b", s("x y"))])
        );
        assert_eq!(
            load(&["flag=true n=1.5"]).unwrap(),
            map(&[("flag", s("true")), ("n", s("1.5"))])
        );
    }

    #[test]
    fn free_form_words_define_raw_params() {
        assert_eq!(load(&["foo"]).unwrap(), map(&[("_raw_params", s("foo"))]));
        assert_eq!(load(&[" "]).unwrap(), map(&[("_raw_params", s(" "))]));
        // Leading space: not JSON, so `k=v` parsing.
        assert_eq!(
            load(&["  {\"a\": 1}"]).unwrap(),
            map(&[("_raw_params", s("  {\"a\": 1}"))])
        );
    }

    #[test]
    fn empty_options_are_ignored() {
        assert_eq!(load(&[""]).unwrap(), Map::new());
        assert_eq!(load(&["", "a=1", ""]).unwrap(), map(&[("a", s("1"))]));
    }

    #[test]
    fn inline_json() {
        assert_eq!(
            load(&["{\"a\": 1, \"b\": [1,2]}"]).unwrap(),
            map(&[
                ("a", Value::Int(1)),
                ("b", Value::List(vec![Value::Int(1), Value::Int(2)]))
            ])
        );
        // JSON rules, not YAML's: 1e5 is a float, NaN is accepted.
        let vars = load(&["{\"a\": 1e5, \"b\": NaN, \"c\": -0, \"d\": 1E2}"]).unwrap();
        assert_eq!(vars["a"], Value::Float(100000.0));
        assert!(matches!(vars["b"], Value::Float(f) if f.is_nan()));
        assert_eq!(vars["c"], Value::Int(0));
        assert_eq!(vars["d"], Value::Float(100.0));
        // Trailing whitespace is fine.
        assert_eq!(load(&["{\"a\":1} "]).unwrap(), map(&[("a", Value::Int(1))]));
    }

    #[test]
    fn inline_json_tagged_strings() {
        assert_eq!(
            load(&["{\"a\": {\"__ansible_unsafe\": \"{{ x }}\", \"z\": 1}}"]).unwrap(),
            map(&[("a", Value::Unsafe("{{ x }}".into()))])
        );
        // Not a string: the JSON decoder fails and YAML reads a plain dict.
        assert_eq!(
            load(&["{\"a\": {\"__ansible_unsafe\": 5}}"]).unwrap(),
            map(&[("a", Value::Map(map(&[("__ansible_unsafe", Value::Int(5))])))])
        );
    }

    #[test]
    fn inline_yaml_when_not_json() {
        assert_eq!(
            load(&["{a: 1, b: yes, c: 1e5, d: 0o17, e: 017}"]).unwrap(),
            map(&[
                ("a", Value::Int(1)),
                ("b", Value::Bool(true)),
                ("c", s("1e5")),
                ("d", s("0o17")),
                ("e", Value::Int(15)),
            ])
        );
        // A trailing comma is invalid JSON but valid YAML.
        assert_eq!(
            load(&["{\"a\": 1,}"]).unwrap(),
            map(&[("a", Value::Int(1))])
        );
    }

    #[test]
    fn inline_yaml_errors_show_no_source() {
        let err = load(&["{"]).unwrap_err();
        assert_eq!(err.exit(), Exit::PARSE_ERROR);
        assert_eq!(
            err.ansible_report(),
            "YAML parsing failed: While parsing a flow node did not find expected node content.\n\
             Origin: <CLI option '-e'>:2:1\n\n(source not shown: TypeError)"
        );
        // Ansible: "YAML parsing failed: While parsing a flow mapping did
        // not find expected ',' or '}'." The YAML loader's line heuristics
        // (which ansible cannot apply to command-line text) currently
        // replace that message, so only the origin is checked here.
        let report = load(&["{a: b: c}"]).unwrap_err().ansible_report();
        assert!(
            report.ends_with("\nOrigin: <CLI option '-e'>:1:6\n\n(source not shown: TypeError)"),
            "{report}"
        );
        let err = load(&["{a: !!int x}"]).unwrap_err();
        assert_eq!(
            err.ansible_report(),
            "YAML parsing failed: invalid literal for int() with base 10: 'x'\nOrigin: <CLI option '-e'>"
        );
    }

    #[test]
    fn inline_duplicate_keys_warn_with_the_key() {
        let (vars, warnings) =
            load_extra_vars_with_warnings(&items(&["{a: 1, a: 2}"]), Path::new("/"), false)
                .unwrap();
        assert_eq!(vars, map(&[("a", Value::Int(2))]));
        assert_eq!(
            warnings,
            [
                "Found duplicate mapping key 'a'.\nOrigin: <CLI option '-e'>:1:8\n\na\n\nUsing last defined value only."
            ]
        );
        let (_, warnings) = load_extra_vars_with_warnings(
            &items(&["{'it''s': 1, \"it's\": 2}"]),
            Path::new("/"),
            false,
        )
        .unwrap();
        assert_eq!(
            warnings,
            [
                "Found duplicate mapping key \"it's\".\nOrigin: <CLI option '-e'>:1:14\n\nit's\n\nUsing last defined value only."
            ]
        );
    }

    #[test]
    fn non_mapping_data_is_rejected() {
        let err = load(&["[1,2]"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid extra vars data supplied. '[1,2]' could not be made into a dictionary"
        );
        assert_eq!(err.exit(), Exit::BadOptions);
    }

    #[test]
    fn paths_need_an_at_sign() {
        for item in ["/tmp/x.yml", "./x.yml", ".hidden"] {
            let err = load(&[item]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("Please prepend extra_vars filename '{item}' with '@'")
            );
            assert_eq!(err.exit(), Exit::BadOptions);
        }
    }

    #[test]
    fn yaml_and_json_files_relative_to_cwd() {
        let dir = Scratch::new("files");
        dir.file("f.yml", "a: 1\nb: [x, y]\nc: {d: e}\n")
            .file("f.json", "{\"j\": 1.5, \"k\": null, \"big\": 1e5}\n");
        let vars = load_in(&dir, &["@f.yml", "@f.json"]).unwrap();
        assert_eq!(
            vars,
            map(&[
                ("a", Value::Int(1)),
                ("b", Value::List(vec![s("x"), s("y")])),
                ("c", Value::Map(map(&[("d", s("e"))]))),
                ("j", Value::Float(1.5)),
                ("k", Value::Null),
                ("big", Value::Float(100000.0)),
            ])
        );
        // Absolute paths and `.`/`..` work too.
        assert_eq!(
            load(&[&format!("@{}/./sub/../f.yml", dir.0.display())]).unwrap()["a"],
            Value::Int(1)
        );
    }

    #[test]
    fn file_duplicate_keys_warn() {
        let dir = Scratch::new("dup");
        dir.file("dup.yml", "a: 1\na: 2\n")
            .file("dup.json", "{\"a\": 1, \"a\": 2}");
        let (vars, warnings) =
            load_extra_vars_with_warnings(&items(&["@dup.yml"]), &dir.0, false).unwrap();
        assert_eq!(vars, map(&[("a", Value::Int(2))]));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("Found duplicate mapping key 'a'."),
            "{warnings:?}"
        );
        // JSON is read first: last value wins silently.
        let (vars, warnings) =
            load_extra_vars_with_warnings(&items(&["@dup.json"]), &dir.0, false).unwrap();
        assert_eq!(vars, map(&[("a", Value::Int(2))]));
        assert!(warnings.is_empty());
    }

    #[test]
    fn missing_and_unreadable_files() {
        let dir = Scratch::new("missing");
        std::fs::create_dir(dir.0.join("d")).unwrap();
        let missing = dir.path("missing.yml");
        let err = load_in(&dir, &["@missing.yml"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unable to retrieve file contents.\nCould not find or access '{missing}' on the Ansible Controller.\n\
                 If you are using a module and expect the file to exist on the remote, see the remote_src option: \
                 [Errno 2] No such file or directory: '{missing}'"
            )
        );
        assert_eq!(err.exit(), Exit::Error);
        let d = dir.path("d");
        let err = load_in(&dir, &["@d"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "An error occurred while trying to read the file '{d}': [Errno 21] Is a directory: '{d}'"
            )
        );
        assert_eq!(err.exit(), Exit::PARSE_ERROR);
        // `@` alone is the working directory.
        assert!(matches!(
            load_in(&dir, &["@"]),
            Err(ExtraVarsError::Unreadable { errno: 21, .. })
        ));
    }

    #[test]
    fn empty_or_list_files_are_not_mappings() {
        let dir = Scratch::new("notdict");
        dir.file("empty.yml", "").file("list.yml", "- 1\n");
        for name in ["empty.yml", "list.yml"] {
            let err = load_in(&dir, &[&format!("@{name}")]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "Invalid extra vars data supplied. '@{}' could not be made into a dictionary",
                    dir.path(name)
                )
            );
        }
    }

    #[test]
    fn file_paths_are_resolved_like_ansibles_option_parser() {
        let dir = Scratch::new("links");
        dir.file("empty.yml", "");
        std::fs::create_dir_all(dir.0.join("d/sub")).unwrap();
        std::os::unix::fs::symlink("empty.yml", dir.0.join("elink")).unwrap();
        std::os::unix::fs::symlink("d", dir.0.join("dlink")).unwrap();
        std::os::unix::fs::symlink("../../empty.yml", dir.0.join("d/sub/rel")).unwrap();
        let expected = format!(
            "Invalid extra vars data supplied. '@{}' could not be made into a dictionary",
            dir.path("empty.yml")
        );
        for item in [
            "@elink",
            "@dlink/../empty.yml",
            "@dlink/sub/rel",
            "@nodir/../empty.yml",
        ] {
            assert_eq!(
                load_in(&dir, &[item]).unwrap_err().to_string(),
                expected,
                "{item}"
            );
        }
        // Unknown `$VARS` and `~user` stay as they are.
        let err = load_in(&dir, &["@$MITORUN_SURELY_UNSET/x"]).unwrap_err();
        assert!(
            matches!(&err, ExtraVarsError::NotFound { path } if *path == dir.path("$MITORUN_SURELY_UNSET/x"))
        );
        let err = load_in(&dir, &["@~mitorun-no-such-user/x"]).unwrap_err();
        assert!(
            matches!(&err, ExtraVarsError::NotFound { path } if *path == dir.path("~mitorun-no-such-user/x"))
        );
    }

    #[test]
    fn later_options_win() {
        assert_eq!(
            load(&["a=1", "a=2 b=3"]).unwrap(),
            map(&[("a", s("2")), ("b", s("3"))])
        );
        assert_eq!(
            load(&["d=1", "{\"d\": [1]}"]).unwrap(),
            map(&[("d", Value::List(vec![Value::Int(1)]))])
        );
    }

    #[test]
    fn replace_or_merge_nested_mappings() {
        let first = "{\"d\":{\"a\":1,\"b\":2,\"n\":{\"p\":1}}}";
        let second = "{\"d\":{\"b\":3,\"c\":4,\"n\":{\"q\":2}}}";
        let replaced = load_extra_vars(&items(&[first, second]), Path::new("/"), false).unwrap();
        assert_eq!(
            replaced.get("d").map(Value::python_repr).as_deref(),
            Some("{'b': 3, 'c': 4, 'n': {'q': 2}}")
        );
        let merged = load_extra_vars(&items(&[first, second]), Path::new("/"), true).unwrap();
        assert_eq!(
            merged.get("d").map(Value::python_repr).as_deref(),
            Some("{'a': 1, 'b': 3, 'n': {'p': 1, 'q': 2}, 'c': 4}")
        );
        // merge_hash returns the newer mapping itself when both are equal
        // (1 == 1.0 in Python), so its key order wins.
        let merged = load_extra_vars(
            &items(&[
                "{\"x\":1, \"d\":{\"a\":1,\"b\":2}}",
                "{\"x\": 1, \"d\":{\"b\":2,\"a\":1.0}, \"y\": 1}",
            ]),
            Path::new("/"),
            true,
        )
        .unwrap();
        assert_eq!(
            Value::Map(merged).python_repr(),
            "{'x': 1, 'd': {'b': 2, 'a': 1.0}, 'y': 1}"
        );
    }

    #[test]
    fn key_value_errors() {
        let err = load(&["a=\"unbalanced"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed at splitting arguments, either an unbalanced jinja2 block or quotes: a=\"unbalanced"
        );
        assert_eq!(err.exit(), Exit::PARSE_ERROR);
        let err = load(&["a=\\UFFFFFFFF"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unexpected Exception, this is probably a bug: 'unicodeescape' codec can't decode bytes in position 0-9: illegal Unicode character"
        );
        assert_eq!(err.exit(), Exit::Unexpected);
    }

    #[test]
    fn python_json_edge_cases() {
        assert_eq!(
            pyjson::parse("[\"\\ud83d\\ude00\", \"\\/\"]"),
            Some(Value::List(vec![s("😀"), s("/")]))
        );
        // Ansible's decoder refuses lone surrogates.
        assert_eq!(pyjson::parse("\"\\ud83d\""), None);
        assert_eq!(
            pyjson::parse("{\"a\": 1, \"a\": 2, \"b\": 3}"),
            Some(Value::Map(map(&[
                ("a", Value::Int(2)),
                ("b", Value::Int(3))
            ])))
        );
        assert_eq!(pyjson::parse("[01]"), None);
        assert_eq!(pyjson::parse("[1.]"), None);
        assert_eq!(pyjson::parse("\"a\tb\""), None);
        assert_eq!(pyjson::parse("\u{feff}{}"), None);
        assert_eq!(
            pyjson::parse(" -Infinity "),
            Some(Value::Float(f64::NEG_INFINITY))
        );
        assert_eq!(
            pyjson::parse("{\"v\": {\"__ansible_vault\": \"x\"}}"),
            Some(Value::Map(map(&[("v", Value::Vault("x".into()))])))
        );
        assert_eq!(pyjson::parse(&"[".repeat(5000)), None);
    }

    /// Garbage never panics.
    #[test]
    fn random_input_never_panics() {
        const FRAGMENTS: &[&str] = &[
            "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "'", "a", "=", "1", "-", ".5", "e5",
            "null", "NaN", "\\u00e9", "\\ud83d", "!!int", "&x", "*x", "@", "/", ".", "{{", "}}",
            "\t", "é", "#", "- ", "?", "|",
        ];
        let mut state: u64 = 0xD1B5_4A32_D192_ED03;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..500 {
            let len = (next() % 12) as usize;
            let text: String = (0..len)
                .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
                .collect();
            let _ = pyjson::parse(&text);
            // Keep `@` items away from the real file system.
            if !text.starts_with('@') {
                let _ = load(&[&text]);
            }
        }
    }
}
