//! YAML loading with the exact semantics of ansible-core 2.19's loader.
//!
//! Ansible parses YAML with libyaml (through PyYAML's `CParser`), resolves
//! plain scalars with PyYAML's YAML 1.1 resolvers, builds values with
//! PyYAML's `SafeConstructor`, and adds its own `!unsafe`/`!vault` tags and
//! duplicate-key warnings. This module does the same on top of the
//! `saphyr-parser` event parser, in three stages:
//!
//! 1. `compose`: events → a node graph with resolved tags, anchors and
//!    aliases (aliases share the anchored node);
//! 2. `construct`: node graph → [`Node`] tree, applying merge keys, tag
//!    constructors and the duplicate-key rules, with alias expansion bounded;
//! 3. [`Node::to_value`]: the tree as a plain [`Value`].
//!
//! Every [`Node`] keeps its [`Span`] for diagnostics. Errors are
//! [`YamlError`]s worded like ansible's "YAML parsing failed" messages.
//!
//! saphyr implements YAML 1.2, libyaml YAML 1.1. Where libyaml accepts text
//! saphyr rejects (a tab after `:`, quoted or flow continuation lines at any
//! indentation) the text is re-parsed with whitespace fixes (`patch`); where
//! libyaml rejects what saphyr accepts, or words an error differently,
//! `compose::libyaml` applies libyaml's rule. Those rules came from
//! comparing both on ~5000 real YAML files and ~12000 mutated ones.
//!
//! Known deviations (all rare in practice):
//! - values: timestamps become strings of their ISO 8601 text
//!   (`isoformat()`); integers beyond `i128` become floats; `!!binary` a
//!   (lossily decoded) string; `!!set` a list of its members (what ansible
//!   stores); recursive aliases (`&a [*a]`) are refused;
//! - syntax accepted here but not by libyaml: tabs after `- ` or on blank
//!   lines, `?x`/`:x` inside flow collections (plain scalars here), NEL/LS/PS
//!   characters (line breaks in YAML 1.1, content here);
//! - syntax refused here but accepted by libyaml: anchors directly followed
//!   by `:` (`- &a:`), a directive after a document not ended by `...`, a
//!   lone `?`, flow collections nested deeper than 255 (libyaml: 1000);
//! - some errors keep saphyr's wording or a nearby position.

mod compose;
mod construct;
mod error;
mod patch;
mod pyscalar;
mod resolve;
mod source;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::value::{Map, Value, python_float_repr};

use compose::{ComposeError, Composed};
use construct::Constructor;
use error::Failure;
pub use error::{YamlError, YamlErrorKind};
use patch::Patches;
pub use source::Source;

/// What a duplicate mapping key does: ansible's DUPLICATE_YAML_DICT_KEY.
/// Either way the last value wins; the setting only decides whether the
/// load warns, stays silent or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKeys {
    Warn,
    Error,
    Ignore,
}

impl DuplicateKeys {
    /// The setting's value (`warn`, `error`, `ignore`); `None` for others.
    pub fn from_setting(text: &str) -> Option<DuplicateKeys> {
        match text {
            "warn" => Some(DuplicateKeys::Warn),
            "error" => Some(DuplicateKeys::Error),
            "ignore" => Some(DuplicateKeys::Ignore),
            _ => None,
        }
    }
}

/// The mode every load uses. Process-wide because ansible reads the setting
/// in its YAML constructor, so it applies to every YAML text alike
/// (playbooks, roles, vars files, inventory, `from_yaml`), and loads happen
/// far from where the configuration is read.
static DUPLICATE_KEYS: AtomicU8 = AtomicU8::new(0);

/// Sets the duplicate-key mode for every later load (done once, after the
/// configuration is read).
pub fn set_duplicate_keys(mode: DuplicateKeys) {
    let code = match mode {
        DuplicateKeys::Warn => 0,
        DuplicateKeys::Error => 1,
        DuplicateKeys::Ignore => 2,
    };
    DUPLICATE_KEYS.store(code, Ordering::Relaxed);
}

fn duplicate_keys() -> DuplicateKeys {
    match DUPLICATE_KEYS.load(Ordering::Relaxed) {
        1 => DuplicateKeys::Error,
        2 => DuplicateKeys::Ignore,
        _ => DuplicateKeys::Warn,
    }
}

/// A region of the loaded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, in characters.
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar, already typed (`Int`, `Bool`, `Unsafe`, ...).
    Scalar(Value),
    Seq(Vec<Node>),
    /// Pairs in insertion order, duplicate keys already resolved the way a
    /// Python dict does: the first key keeps its place, the last value wins.
    /// Keys are scalars (PyYAML rejects unhashable keys).
    Map(Vec<(Node, Node)>),
}

/// A loaded YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// For an alias, the alias's position; its content carries the anchored
    /// node's spans.
    pub span: Span,
}

impl Node {
    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Scalar(v) => v.clone(),
            NodeKind::Seq(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    list.push(item.to_value());
                }
                Value::List(list)
            }
            NodeKind::Map(pairs) => {
                let mut map = Map::with_capacity(pairs.len());
                for (k, v) in pairs {
                    // Keys that differ in Python (1 and "1") can collide as
                    // strings; the later one wins, as it would in JSON.
                    map.insert(key_string(k), v.to_value());
                }
                Value::Map(map)
            }
        }
    }

    /// The value stored under `key` in a mapping node, comparing keys as
    /// [`Node::to_value`] turns them into strings.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let NodeKind::Map(pairs) = &self.kind else {
            return None;
        };
        pairs
            .iter()
            .rev()
            .find(|(k, _)| key_string(k) == key)
            .map(|(_, v)| v)
    }
}

/// A mapping key as text, the way Python's `json.dumps` writes dict keys.
fn key_string(key: &Node) -> String {
    match &key.kind {
        NodeKind::Scalar(value) => match value {
            Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => s.clone(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::BigInt(i) => i.to_string(),
            Value::Float(f) if f.is_nan() => "NaN".into(),
            Value::Float(f) if f.is_infinite() => {
                if *f > 0.0 {
                    "Infinity".into()
                } else {
                    "-Infinity".into()
                }
            }
            Value::Float(f) => python_float_repr(*f),
            other => other.python_str(),
        },
        // Not produced by the loader (unhashable keys are errors).
        _ => key.to_value().python_str(),
    }
}

/// Every document of a stream, and the warnings loading produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub documents: Vec<Node>,
    /// Warning texts as ansible prints them after `[WARNING]: `.
    pub warnings: Vec<String>,
}

/// Loads all documents of `src`; `path` is used in messages only.
pub fn parse(src: &str, path: &Path) -> Result<Loaded, YamlError> {
    parse_stream(src, path, duplicate_keys()).map_err(|e| *e)
}

fn parse_stream(src: &str, path: &Path, duplicates: DuplicateKeys) -> Result<Loaded, Failure> {
    let source = Source::new(src, path);
    let (composed, error) = compose(&source);
    let mut constructor = Constructor::new(&source, composed.node_count, duplicates);
    let mut documents = Vec::with_capacity(composed.documents.len());
    for doc in &composed.documents {
        documents.push(constructor.construct_document(&doc.root)?);
    }
    match error {
        Some(e) => Err(e),
        None => Ok(Loaded {
            documents,
            warnings: constructor.warnings,
        }),
    }
}

/// Loads the single document of `src` as ansible's `yaml.load` does: `None`
/// for a stream without documents (empty or only comments), an error if
/// there is more than one document. Warnings are dropped; see [`load_file`].
pub fn load_value(src: &str, path: &Path) -> Result<Option<Value>, YamlError> {
    load_single(src, path, duplicate_keys())
        .map(|(node, _)| node.map(|n| n.to_value()))
        .map_err(|e| *e)
}

/// As [`load_value`], but the node tree (keys keep their YAML types, every
/// node its span) and the warnings.
pub fn load_node(src: &str, path: &Path) -> Result<(Option<Node>, Vec<String>), YamlError> {
    load_single(src, path, duplicate_keys()).map_err(|e| *e)
}

/// Reads and loads a YAML file (single document, like [`load_value`]),
/// returning the warnings too. Unreadable or non-UTF-8 files are errors.
pub fn load_file(path: &Path) -> Result<(Option<Value>, Vec<String>), YamlError> {
    read_and_load(path)
        .map(|(node, warnings)| (node.map(|n| n.to_value()), warnings))
        .map_err(|e| *e)
}

fn read_and_load(path: &Path) -> Result<(Option<Node>, Vec<String>), Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| YamlError::io(path, format!("Could not read file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| YamlError::io(path, utf8_error_message(e.as_bytes(), e.utf8_error())))?;
    load_single(&text, path, duplicate_keys())
}

fn load_single(
    src: &str,
    path: &Path,
    duplicates: DuplicateKeys,
) -> Result<(Option<Node>, Vec<String>), Failure> {
    let source = Source::new(src, path);
    let (composed, error) = compose(&source);
    // PyYAML stops as soon as a second document starts.
    if let Some(second) = composed.starts.get(1) {
        return Err(YamlError::marked(
            &source,
            YamlErrorKind::Syntax,
            Some("expected a single document in the stream"),
            "but found another document",
            *second,
        ));
    }
    if let Some(e) = error {
        return Err(e);
    }
    let Some(doc) = composed.documents.first() else {
        return Ok((None, Vec::new()));
    };
    let mut constructor = Constructor::new(&source, composed.node_count, duplicates);
    let node = constructor.construct_document(&doc.root)?;
    Ok((Some(node), constructor.warnings))
}

/// How many whitespace fixes (see `patch`) may be tried; each one re-parses
/// the whole text.
const MAX_FIXES: usize = 10_000;

/// Composes the stream, re-parsing with whitespace fixes where saphyr
/// rejects what libyaml accepts (see `patch`).
fn compose(source: &Source<'_>) -> (Composed, Option<Failure>) {
    let mut patches = Patches::default();
    for _ in 0..MAX_FIXES {
        let text = if patches.is_empty() {
            Cow::Borrowed(source.text)
        } else {
            Cow::Owned(patches.apply(source.text))
        };
        match compose::compose_stream(source, &text, &patches) {
            (composed, None) => return (composed, None),
            (composed, Some(ComposeError::Yaml(e))) => return (composed, Some(e)),
            (composed, Some(ComposeError::Fixable { fix, error })) => {
                if !patches.add(fix, source) {
                    return (composed, Some(error));
                }
            }
        }
    }
    let at = source.span_at_byte(0);
    let error = YamlError::marked(
        source,
        YamlErrorKind::Syntax,
        None,
        "too many whitespace fixes",
        at,
    );
    (Composed::default(), Some(error))
}

/// What ansible reports for a file that is not UTF-8: it decodes with
/// `surrogateescape` and fails when the text is encoded again.
fn utf8_error_message(bytes: &[u8], error: std::str::Utf8Error) -> String {
    let valid = error.valid_up_to();
    let position = std::str::from_utf8(&bytes[..valid]).map_or(valid, |s| s.chars().count());
    let byte = bytes.get(valid).copied().unwrap_or(0);
    format!(
        "'utf-8' codec can't encode character '\\udc{byte:02x}' in position {position}: surrogates not allowed"
    )
}
