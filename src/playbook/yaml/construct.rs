//! Node graph → `Node` tree: PyYAML's `SafeConstructor` with ansible's
//! `AnsibleConstructor` on top.
//!
//! What this reproduces, and why it is not obvious:
//! - Merge keys (`<<`) follow PyYAML 6.0.4's `flatten_mapping`: merged pairs
//!   come first, in merge order, then the mapping's own pairs, and the
//!   mapping is filled in that order with "last assignment wins". A merged
//!   pair is skipped when an earlier merged pair had the *identical key
//!   object* — the same key node, or (a CPython artefact PyYAML's check
//!   relies on) a key whose text is empty or one Latin-1 character, because
//!   CPython caches those strings. So `<<: [*a, *b]` lets `*a` win for the key
//!   `x` but `*b` win for the key `xx`, with a duplicate-key warning.
//! - Ansible warns about duplicate keys after flattening, so a key given both
//!   by a merge and explicitly is reported too. Keys compare with Python
//!   equality (`1 == 1.0 == True`); the first key's position is kept, the last
//!   value wins, as in a Python dict.
//! - Each node is constructed once in PyYAML; an aliased mapping does not
//!   repeat its warnings.
//! - Containers are filled breadth first, as PyYAML's deferred generators
//!   do, which decides which error is reported first and the warning order.
//! - `!unsafe` re-resolves its node as if it were plain and untagged (so
//!   `!unsafe '12'` is the integer 12) and marks every string built beneath
//!   it; `!vault` re-resolves the same way and requires a string.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::value::{Value, python_str_repr};

use super::compose::{RawBody, RawNode};
use super::error::{Failure, YamlError, YamlErrorKind};
use super::pyscalar::{DictKey, PyScalar};
use super::resolve::{
    self, TAG_BINARY, TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_MAP, TAG_MERGE, TAG_NULL, TAG_OMAP,
    TAG_PAIRS, TAG_PYTHON_DICT, TAG_PYTHON_UNICODE, TAG_SEQ, TAG_SET, TAG_STR, TAG_TIMESTAMP,
    TAG_VALUE,
};
use super::source::Source;
use super::{DuplicateKeys, Node, NodeKind, Span};

/// How many nodes alias expansion may add on top of the ones written in the
/// text. Each expanded node costs around a hundred bytes twice over (node and
/// value), so this bounds a "billion laughs" document to a few hundred MB.
pub(super) const ALIAS_EXPANSION_LIMIT: usize = 2_000_000;

/// Deepest nesting of constructed values (aliases can nest deeper than the
/// text does); beyond it recursion would risk the stack.
const MAX_DEPTH: usize = 2000;

/// Deepest chain of merges resolved recursively (`<<` of a mapping that
/// itself merges, not yet flattened); realistic files stay far below.
const MAX_MERGE_DEPTH: usize = 200;

/// Deepest nesting constructed recursively under `!unsafe`/`!vault` (PyYAML
/// builds those subtrees depth first).
const MAX_DEEP_CONSTRUCTION: usize = 500;

type Pair = (Rc<RawNode>, Rc<RawNode>);

/// What PyYAML's merge deduplication compares: the identity of the key's
/// value object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyIdentity {
    Node(usize),
    /// CPython shares one object for "" and for each Latin-1 character.
    CachedString(Option<char>),
}

fn key_identity(key: &RawNode) -> KeyIdentity {
    let key = key.target();
    if let RawBody::Scalar(text) = &key.body {
        let mut chars = text.chars();
        let first = chars.next();
        if chars.next().is_none() && first.is_none_or(|c| u32::from(c) < 256) {
            return KeyIdentity::CachedString(first);
        }
    }
    KeyIdentity::Node(key.id)
}

/// A constructed object. Containers refer to their children by slot, so a
/// node constructed once can be shared by every alias of it, exactly like
/// the Python objects PyYAML hands out.
#[derive(Debug)]
enum Slot {
    Scalar(PyScalar),
    Seq(Vec<Ref>),
    /// Duplicates already resolved.
    Map(Vec<(Ref, Ref)>),
}

/// One occurrence of a constructed object: its slot and where it was written.
#[derive(Debug, Clone, Copy)]
struct Ref {
    slot: usize,
    span: Span,
}

/// A container whose filling PyYAML defers (its constructor is a
/// generator): it is filled after everything already queued.
struct Task {
    slot: usize,
    node: Rc<RawNode>,
    fill: Fill,
    deep: bool,
    in_unsafe: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    Seq,
    Map,
    Set,
}

pub(super) struct Constructor<'s> {
    source: &'s Source<'s>,
    pub warnings: Vec<String>,
    /// What a duplicate mapping key does (DUPLICATE_YAML_DICT_KEY).
    duplicate_keys: DuplicateKeys,
    /// Nodes (and merged pairs) that may still be produced.
    budget: usize,
    /// Counter to tell NaN keys apart.
    distinct: usize,
    // Per-document state, as PyYAML's constructor resets it per document.
    slots: Vec<Slot>,
    /// Slot of each constructed node, by node id (`constructed_objects`).
    cache: HashMap<usize, usize>,
    /// `flatten_mapping` results by node id.
    flattened: HashMap<usize, Rc<Vec<Pair>>>,
    /// Deferred containers (`state_generators`).
    queue: Vec<Task>,
    /// Recursion depth of deep construction and assembly.
    depth: usize,
}

impl<'s> Constructor<'s> {
    pub fn new(
        source: &'s Source<'s>,
        written_nodes: usize,
        duplicate_keys: DuplicateKeys,
    ) -> Self {
        Constructor {
            source,
            warnings: Vec::new(),
            duplicate_keys,
            budget: written_nodes.saturating_add(ALIAS_EXPANSION_LIMIT),
            distinct: 0,
            slots: Vec::new(),
            cache: HashMap::new(),
            flattened: HashMap::new(),
            queue: Vec::new(),
            depth: 0,
        }
    }

    /// `construct_document`: the root is constructed, then deferred
    /// containers are filled round by round (breadth first), which decides
    /// which error is reported first and the order of warnings.
    pub fn construct_document(&mut self, root: &Rc<RawNode>) -> Result<Node, Failure> {
        self.slots.clear();
        self.cache.clear();
        self.flattened.clear();
        self.queue.clear();
        let root = self.object(root, false, false)?;
        while !self.queue.is_empty() {
            for task in std::mem::take(&mut self.queue) {
                self.fill(&task)?;
            }
        }
        self.assemble(root)
    }

    fn spend(&mut self, amount: usize, at: Span) -> Result<(), Failure> {
        self.budget = self.budget.checked_sub(amount).ok_or_else(|| {
            YamlError::limit(
                self.source,
                format!(
                    "Alias expansion exceeds the limit of {ALIAS_EXPANSION_LIMIT} nodes (a \"billion laughs\" document?)."
                ),
                at,
            )
        })?;
        Ok(())
    }

    fn enter(&mut self, at: Span) -> Result<(), Failure> {
        if self.depth >= MAX_DEEP_CONSTRUCTION {
            return Err(YamlError::limit(
                self.source,
                "Exceeded maximum nesting depth.".into(),
                at,
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn push_slot(&mut self, slot: Slot) -> usize {
        self.slots.push(slot);
        self.slots.len() - 1
    }

    /// `construct_object`: each node is constructed once; later occurrences
    /// (aliases, merged pairs) share the result.
    fn object(&mut self, raw: &Rc<RawNode>, deep: bool, in_unsafe: bool) -> Result<Ref, Failure> {
        let target = match &raw.body {
            RawBody::Alias(target) => Rc::clone(target),
            _ => Rc::clone(raw),
        };
        if let Some(&slot) = self.cache.get(&target.id) {
            return Ok(Ref {
                slot,
                span: raw.span,
            });
        }
        let slot = self.construct_tagged(&target, &target.tag, deep, in_unsafe)?;
        self.cache.insert(target.id, slot);
        Ok(Ref {
            slot,
            span: raw.span,
        })
    }

    /// The constructor registered for `tag`.
    fn construct_tagged(
        &mut self,
        node: &Rc<RawNode>,
        tag: &str,
        deep: bool,
        in_unsafe: bool,
    ) -> Result<usize, Failure> {
        let at = node.span;
        let scalar = match tag {
            TAG_STR | TAG_PYTHON_UNICODE => {
                let text = self.scalar_text(node)?;
                if in_unsafe {
                    PyScalar::Unsafe(text)
                } else {
                    PyScalar::Str(text)
                }
            }
            TAG_NULL => {
                self.scalar_text(node)?;
                PyScalar::Null
            }
            TAG_BOOL => {
                let text = self.scalar_text(node)?;
                PyScalar::Bool(
                    resolve::construct_bool(&text).map_err(|e| self.python_error(e, at))?,
                )
            }
            TAG_INT => {
                let text = self.scalar_text(node)?;
                PyScalar::Int(resolve::construct_int(&text).map_err(|e| self.python_error(e, at))?)
            }
            TAG_FLOAT => {
                let text = self.scalar_text(node)?;
                PyScalar::Float(
                    resolve::construct_float(&text).map_err(|e| self.python_error(e, at))?,
                )
            }
            TAG_TIMESTAMP => {
                let text = self.scalar_text(node)?;
                PyScalar::Timestamp(
                    resolve::construct_timestamp(&text).map_err(|e| self.python_error(e, at))?,
                )
            }
            TAG_BINARY => {
                let text = self.scalar_text(node)?;
                PyScalar::Bytes(
                    resolve::construct_binary(&text)
                        .map_err(|e| self.constructor_error(None, &e, at))?,
                )
            }
            TAG_SEQ | TAG_MAP | TAG_PYTHON_DICT | TAG_SET => {
                let (fill, empty) = match tag {
                    TAG_SEQ => (Fill::Seq, Slot::Seq(Vec::new())),
                    TAG_SET => (Fill::Set, Slot::Seq(Vec::new())),
                    _ => (Fill::Map, Slot::Map(Vec::new())),
                };
                let slot = self.push_slot(empty);
                let task = Task {
                    slot,
                    node: Rc::clone(node),
                    fill,
                    deep,
                    in_unsafe,
                };
                if deep {
                    self.enter(at)?;
                    let filled = self.fill(&task);
                    self.depth -= 1;
                    filled?;
                } else {
                    self.queue.push(task);
                }
                return Ok(slot);
            }
            TAG_OMAP | TAG_PAIRS => return self.construct_pairs(node, tag, deep, in_unsafe),
            "!unsafe" => return self.construct_tagged(node, plain_resolution(node), true, true),
            "!vault" | "!vault-encrypted" => return self.construct_vault(node, tag, in_unsafe),
            _ => {
                let problem = format!(
                    "could not determine a constructor for the tag {}",
                    python_str_repr(tag)
                );
                return Err(self.constructor_error(None, &problem, at));
            }
        };
        Ok(self.push_slot(Slot::Scalar(scalar)))
    }

    /// `construct_scalar`: the text of a scalar node, or an error naming what
    /// was found instead.
    fn scalar_text(&self, node: &RawNode) -> Result<String, Failure> {
        match &node.body {
            RawBody::Scalar(text) => Ok(text.clone()),
            _ => {
                let problem = format!("expected a scalar node, but found {}", node.kind_name());
                Err(self.constructor_error(None, &problem, node.span))
            }
        }
    }

    fn construct_vault(
        &mut self,
        node: &Rc<RawNode>,
        tag: &str,
        in_unsafe: bool,
    ) -> Result<usize, Failure> {
        if tag == "!vault-encrypted" {
            self.deprecation(
                "Use of the YAML `!vault-encrypted` tag is deprecated.",
                "Use the `!vault` tag instead.",
                node.span,
            );
        }
        let slot = self.construct_tagged(node, plain_resolution(node), true, in_unsafe)?;
        let text = match self.slots.get(slot) {
            Some(Slot::Scalar(PyScalar::Str(text) | PyScalar::Unsafe(text))) => text.clone(),
            _ => {
                let problem = format!("the {} tag requires a string value", python_str_repr(tag));
                let kind = YamlErrorKind::AnsibleConstructor;
                return Err(YamlError::marked(
                    self.source,
                    kind,
                    None,
                    &problem,
                    node.span,
                ));
            }
        };
        if let Some(built) = self.slots.get_mut(slot) {
            *built = Slot::Scalar(PyScalar::Vault(text));
        }
        Ok(slot)
    }

    /// `!!omap` / `!!pairs`: a sequence of one-pair mappings, kept as a list
    /// of `[key, value]` lists (tuples in Python). No merge-key handling.
    fn construct_pairs(
        &mut self,
        node: &Rc<RawNode>,
        tag: &str,
        deep: bool,
        in_unsafe: bool,
    ) -> Result<usize, Failure> {
        let at = node.span;
        let (name, context, help) = if tag == TAG_OMAP {
            (
                "!!omap",
                "while constructing an ordered map",
                "Use a standard mapping instead, as key order is always preserved.",
            )
        } else {
            (
                "!!pairs",
                "while constructing pairs",
                "Use a standard mapping instead.",
            )
        };
        self.deprecation(
            &format!("Use of the YAML `{name}` tag is deprecated."),
            help,
            at,
        );
        let RawBody::Seq(items) = &node.body else {
            let problem = format!("expected a sequence, but found {}", node.kind_name());
            return Err(self.constructor_error(Some(context), &problem, at));
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let item_node = item.target();
            let RawBody::Map(pairs) = &item_node.body else {
                let problem = format!(
                    "expected a mapping of length 1, but found {}",
                    item.kind_name()
                );
                return Err(self.constructor_error(Some(context), &problem, item_node.span));
            };
            let [(key, value)] = pairs.as_slice() else {
                let problem = format!(
                    "expected a single mapping item, but found {} items",
                    pairs.len()
                );
                return Err(self.constructor_error(Some(context), &problem, item_node.span));
            };
            let key = self.object(key, deep, in_unsafe)?;
            let value = self.object(value, deep, in_unsafe)?;
            let pair = self.push_slot(Slot::Seq(vec![key, value]));
            out.push(Ref {
                slot: pair,
                span: item.span,
            });
        }
        Ok(self.push_slot(Slot::Seq(out)))
    }

    /// Runs a deferred container constructor.
    fn fill(&mut self, task: &Task) -> Result<(), Failure> {
        let node = &task.node;
        let filled = match task.fill {
            Fill::Seq => {
                let RawBody::Seq(items) = &node.body else {
                    let problem =
                        format!("expected a sequence node, but found {}", node.kind_name());
                    return Err(self.constructor_error(None, &problem, node.span));
                };
                let mut refs = Vec::with_capacity(items.len());
                for item in items {
                    refs.push(self.object(item, task.deep, task.in_unsafe)?);
                }
                Slot::Seq(refs)
            }
            Fill::Map => Slot::Map(self.construct_mapping(node, task.deep, task.in_unsafe)?),
            // A Python set; ansible stores it as a list of its members.
            Fill::Set => Slot::Seq(
                self.construct_mapping(node, task.deep, task.in_unsafe)?
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect(),
            ),
        };
        if let Some(slot) = self.slots.get_mut(task.slot) {
            *slot = filled;
        }
        Ok(())
    }

    fn slot_scalar(&self, r: Ref) -> Option<&PyScalar> {
        match self.slots.get(r.slot) {
            Some(Slot::Scalar(s)) => Some(s),
            _ => None,
        }
    }

    /// `construct_mapping` plus ansible's duplicate-key check.
    fn construct_mapping(
        &mut self,
        node: &RawNode,
        deep: bool,
        in_unsafe: bool,
    ) -> Result<Vec<(Ref, Ref)>, Failure> {
        if !matches!(node.body, RawBody::Map(_)) {
            let problem = format!("expected a mapping node, but found {}", node.kind_name());
            return Err(self.constructor_error(None, &problem, node.span));
        }
        let pairs = self.flatten(node, 0)?;
        let mut out: Vec<(Ref, Ref)> = Vec::with_capacity(pairs.len());
        let mut index: HashMap<DictKey, usize> = HashMap::with_capacity(pairs.len());
        let mut duplicates: Vec<(PyScalar, Span)> = Vec::new();
        for (key_node, value_node) in pairs.iter() {
            let key = self.object(key_node, deep, in_unsafe)?;
            let Some(key_scalar) = self.slot_scalar(key).cloned() else {
                return Err(self.constructor_error(
                    Some("while constructing a mapping"),
                    "found unhashable key",
                    key_node.target().span,
                ));
            };
            let value = self.object(value_node, deep, in_unsafe)?;
            self.distinct += 1;
            match index.entry(key_scalar.dict_key(self.distinct)) {
                std::collections::hash_map::Entry::Occupied(slot) => {
                    if let Some(pair) = out.get_mut(*slot.get()) {
                        pair.1 = value;
                    }
                    duplicates.push((key_scalar, key_node.target().span));
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(out.len());
                    out.push((key, value));
                }
            }
        }
        // Ansible checks for duplicates once the mapping is built.
        for (key, at) in duplicates {
            match self.duplicate_keys {
                DuplicateKeys::Warn => self.warn_duplicate(&key, at),
                DuplicateKeys::Ignore => {}
                DuplicateKeys::Error => {
                    // Ansible's own error: its line heuristics do not apply.
                    let problem = format!("Found duplicate mapping key {}.", key.python_repr());
                    let kind = YamlErrorKind::AnsibleConstructor;
                    return Err(YamlError::marked(self.source, kind, None, &problem, at));
                }
            }
        }
        Ok(out)
    }

    /// PyYAML's `flatten_mapping`: the pairs a mapping is filled from, merged
    /// pairs first. Memoized per node, as PyYAML flattens a node in place.
    fn flatten(&mut self, map: &RawNode, depth: usize) -> Result<Rc<Vec<Pair>>, Failure> {
        if let Some(done) = self.flattened.get(&map.id) {
            return Ok(Rc::clone(done));
        }
        if depth >= MAX_MERGE_DEPTH {
            return Err(YamlError::limit(
                self.source,
                "Exceeded maximum merge depth.".into(),
                map.span,
            ));
        }
        let RawBody::Map(pairs) = &map.body else {
            return Ok(Rc::new(Vec::new()));
        };
        let mut merged: Vec<Pair> = Vec::new();
        let mut own: Vec<Pair> = Vec::with_capacity(pairs.len());
        let mut seen: HashSet<KeyIdentity> = HashSet::new();
        for (key, value) in pairs {
            match key.target().tag.as_str() {
                TAG_MERGE => {
                    for source in self.merge_sources(value)? {
                        let sub = self.flatten(source, depth + 1)?;
                        self.spend(sub.len(), map.span)?;
                        for pair in sub.iter() {
                            if seen.insert(key_identity(&pair.0)) {
                                merged.push(pair.clone());
                            }
                        }
                    }
                }
                // The YAML 1.1 "value key" `=` is an ordinary string as a key.
                TAG_VALUE => own.push((retag(key, TAG_STR), Rc::clone(value))),
                _ => own.push((Rc::clone(key), Rc::clone(value))),
            }
        }
        merged.extend(own);
        let result = Rc::new(merged);
        self.flattened.insert(map.id, Rc::clone(&result));
        Ok(result)
    }

    /// The mappings a `<<` value merges: one mapping or a list of them.
    fn merge_sources<'n>(&self, value: &'n RawNode) -> Result<Vec<&'n RawNode>, Failure> {
        const CONTEXT: Option<&str> = Some("while constructing a mapping");
        match &value.target().body {
            RawBody::Map(_) => Ok(vec![value.target()]),
            RawBody::Seq(items) => items
                .iter()
                .map(|item| {
                    let item = item.target();
                    if matches!(item.body, RawBody::Map(_)) {
                        Ok(item)
                    } else {
                        let problem = format!(
                            "expected a mapping for merging, but found {}",
                            item.kind_name()
                        );
                        Err(self.constructor_error(CONTEXT, &problem, item.span))
                    }
                })
                .collect(),
            _ => {
                let problem = format!(
                    "expected a mapping or list of mappings for merging, but found {}",
                    value.kind_name()
                );
                Err(self.constructor_error(CONTEXT, &problem, value.target().span))
            }
        }
    }

    /// Builds the `Node` tree for `root`, copying shared objects at each of
    /// their occurrences (this is where alias expansion costs memory).
    /// Iterative, so deep documents cannot exhaust the stack.
    fn assemble(&mut self, root: Ref) -> Result<Node, Failure> {
        enum Work {
            Visit(Ref, usize),
            Seq(Span, usize),
            Map(Span, usize),
        }
        let mut work = vec![Work::Visit(root, 1)];
        let mut done: Vec<Node> = Vec::new();
        while let Some(item) = work.pop() {
            match item {
                Work::Visit(r, depth) => {
                    self.spend(1, r.span)?;
                    if depth > MAX_DEPTH {
                        return Err(YamlError::limit(
                            self.source,
                            "Exceeded maximum nesting depth.".into(),
                            r.span,
                        ));
                    }
                    match self.slots.get(r.slot) {
                        Some(Slot::Scalar(s)) => done.push(Node {
                            kind: NodeKind::Scalar(s.clone().into_value()),
                            span: r.span,
                        }),
                        Some(Slot::Seq(items)) => {
                            work.push(Work::Seq(r.span, items.len()));
                            work.extend(
                                items.iter().rev().map(|item| Work::Visit(*item, depth + 1)),
                            );
                        }
                        Some(Slot::Map(pairs)) => {
                            work.push(Work::Map(r.span, pairs.len()));
                            for (k, v) in pairs.iter().rev() {
                                work.push(Work::Visit(*v, depth + 1));
                                work.push(Work::Visit(*k, depth + 1));
                            }
                        }
                        None => done.push(Node {
                            kind: NodeKind::Scalar(Value::Null),
                            span: r.span,
                        }),
                    }
                }
                Work::Seq(span, n) => {
                    let items = done.split_off(done.len().saturating_sub(n));
                    done.push(Node {
                        kind: NodeKind::Seq(items),
                        span,
                    });
                }
                Work::Map(span, n) => {
                    let flat = done.split_off(done.len().saturating_sub(2 * n));
                    let mut pairs = Vec::with_capacity(n);
                    let mut flat = flat.into_iter();
                    while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
                        pairs.push((k, v));
                    }
                    done.push(Node {
                        kind: NodeKind::Map(pairs),
                        span,
                    });
                }
            }
        }
        Ok(done.pop().unwrap_or(Node {
            kind: NodeKind::Scalar(Value::Null),
            span: root.span,
        }))
    }

    fn warn_duplicate(&mut self, key: &PyScalar, at: Span) {
        let message = format!("Found duplicate mapping key {}.", key.python_repr());
        const HELP: &str = "Using last defined value only.";
        // Ansible locates the warning through the key object's origin; bools
        // and None carry none, so it shows the value or nothing at all.
        let text = match key {
            PyScalar::Null => format!("{message} {HELP}"),
            PyScalar::Bool(_) => format!(
                "{message}\nOrigin: <unknown>\n\n{}\n\n{HELP}",
                key.python_repr()
            ),
            _ => format!(
                "{message}\n{}\n\n{HELP}",
                self.source.context(at.line, at.col)
            ),
        };
        self.warnings.push(text);
    }

    fn deprecation(&mut self, message: &str, help: &str, at: Span) {
        self.warnings.push(format!(
            "{message} This feature will be removed from ansible-core version 2.23.\n{}\n\n{help}",
            self.source.context(at.line, at.col)
        ));
    }

    fn constructor_error(&self, context: Option<&str>, problem: &str, at: Span) -> Failure {
        YamlError::marked(
            self.source,
            YamlErrorKind::Constructor,
            context,
            problem,
            at,
        )
    }

    fn python_error(&self, message: String, at: Span) -> Failure {
        YamlError::python(self.source, message, at)
    }
}

/// The tag `resolve(kind, value, (True, False))` gives: what the node would
/// be if it were untagged and plain. Used by `!unsafe` and `!vault`.
fn plain_resolution(node: &RawNode) -> &'static str {
    match &node.target().body {
        RawBody::Scalar(text) => resolve::resolve_implicit(text),
        RawBody::Seq(_) => TAG_SEQ,
        RawBody::Map(_) | RawBody::Alias(_) => TAG_MAP,
    }
}

/// A copy of a scalar key node with another tag, keeping its identity.
fn retag(node: &RawNode, tag: &str) -> Rc<RawNode> {
    let target = node.target();
    let body = match &target.body {
        RawBody::Scalar(text) => RawBody::Scalar(text.clone()),
        // Only scalars resolve to the value tag.
        _ => RawBody::Seq(Vec::new()),
    };
    Rc::new(RawNode {
        id: target.id,
        tag: tag.to_string(),
        span: node.span,
        body,
    })
}
