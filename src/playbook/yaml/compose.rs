//! Event stream → node graph: PyYAML's `Composer`.
//!
//! Tags are resolved here as PyYAML's composer does (an untagged plain
//! scalar, or any scalar with the non-specific tag `!`, goes through the
//! implicit resolvers; other untagged scalars are strings), anchors are
//! checked for duplicates per document, and aliases become shared references
//! to the anchored node, so merge-key identity and alias expansion can be
//! decided later exactly as PyYAML decides them.
//!
//! The event parser (saphyr) implements YAML 1.2 while ansible uses libyaml,
//! a YAML 1.1 parser; libyaml's rules that saphyr lacks (anchor characters,
//! the nesting limit, `...` before a bare document, block scalars at the end
//! of a text) are applied here and in `libyaml`, which also rewords saphyr's
//! errors as libyaml's and requests the whitespace fixes of `patch`.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use super::Span;
use super::error::{Failure, YamlError, YamlErrorKind};
use super::patch::{Fix, Patches};
use super::resolve::{TAG_MAP, TAG_SEQ, TAG_STR, resolve_implicit};
use super::source::Source;

mod libyaml;

/// A composed node. Aliases share the anchored node (`Rc`), so one node can
/// appear in many places; `id` identifies it across all of them.
#[derive(Debug)]
pub(super) struct RawNode {
    pub id: usize,
    /// The resolved tag, e.g. `tag:yaml.org,2002:int` or `!unsafe`.
    pub tag: String,
    pub span: Span,
    pub body: RawBody,
}

#[derive(Debug)]
pub(super) enum RawBody {
    Scalar(String),
    Seq(Vec<Rc<RawNode>>),
    Map(Vec<(Rc<RawNode>, Rc<RawNode>)>),
    /// An alias occurrence: its own span, the anchored node's content.
    Alias(Rc<RawNode>),
}

impl RawNode {
    /// The node an alias stands for (the node itself otherwise).
    pub fn target(&self) -> &RawNode {
        match &self.body {
            RawBody::Alias(target) => target,
            _ => self,
        }
    }

    /// PyYAML's `node.id`, used in error messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.target().body {
            RawBody::Scalar(_) => "scalar",
            RawBody::Seq(_) => "sequence",
            RawBody::Map(_) | RawBody::Alias(_) => "mapping",
        }
    }
}

pub(super) struct Document {
    pub root: Rc<RawNode>,
}

/// The documents composed before the end of the stream or an error.
#[derive(Default)]
pub(super) struct Composed {
    pub documents: Vec<Document>,
    /// Where each document started (its `---`, or its first token),
    /// including one the parser stopped in.
    pub starts: Vec<Span>,
    /// How many nodes the text itself spells out (aliases count once).
    pub node_count: usize,
}

/// libyaml refuses to nest collections deeper than this.
const MAX_NESTING: usize = 1000;

/// Why composing stopped.
pub(super) enum ComposeError {
    Yaml(Failure),
    /// saphyr rejected whitespace libyaml accepts; retry with `fix` applied,
    /// or report `error` if the fix changes nothing.
    Fixable {
        fix: Fix,
        error: Failure,
    },
}

impl From<Failure> for ComposeError {
    fn from(e: Failure) -> Self {
        ComposeError::Yaml(e)
    }
}

/// Composes every document of `text`: the loaded text with `patches`
/// applied. Positions are reported in the original text. On an error, the
/// documents completed before it are returned with it: PyYAML constructs
/// (and may fail on) each document before parsing the next.
pub(super) fn compose_stream(
    source: &Source<'_>,
    text: &str,
    patches: &Patches,
) -> (Composed, Option<ComposeError>) {
    let mut composer = Composer::new(source);
    let error = composer.run(text, patches).err();
    let composed = Composed {
        documents: composer.documents,
        starts: composer.starts,
        node_count: composer.next_id,
    };
    (composed, error)
}

impl Composer<'_> {
    fn run(&mut self, text: &str, patches: &Patches) -> Result<(), ComposeError> {
        let source = self.source;
        let mut parser = Parser::new_from_str(text);
        loop {
            // The parser asserts internal invariants; a broken one must not take
            // the program down, so it becomes an ordinary syntax error.
            let next = catch_unwind(AssertUnwindSafe(|| parser.next_event()));
            let (event, span) = match next {
                Ok(None) => break,
                Ok(Some(Ok(item))) => item,
                Ok(Some(Err(e))) => {
                    // saphyr rejects content after a finished document at once;
                    // libyaml first ends the document, which PyYAML constructs
                    // (and may fail on) before it reads on.
                    if e.info() == "did not find expected <document start>"
                        && self.frames.is_empty()
                        && let Some(root) = self.root.take()
                    {
                        self.documents.push(Document { root });
                    }
                    return Err(self.scan_error(&e, patches.to_original(*e.marker())));
                }
                Err(_) => {
                    let at = Span {
                        line: 1,
                        col: 1,
                        ..Span::default()
                    };
                    return Err(YamlError::marked(
                        source,
                        YamlErrorKind::Syntax,
                        None,
                        "internal YAML parser error",
                        at,
                    )
                    .into());
                }
            };
            let span = source.span(
                patches.to_original(span.start),
                patches.to_original(span.end),
            );
            if self.event(event, span)? {
                break;
            }
        }
        Ok(())
    }
}

/// A collection being composed.
struct Frame {
    start: Span,
    anchor: Option<Anchor>,
    tag: String,
    /// Counts toward libyaml's nesting limit (flow, or block level).
    nesting: Nesting,
    content: FrameContent,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Nesting {
    Block,
    Flow,
    /// `[a: b]`: a single-pair mapping inside a flow sequence, no level.
    None,
}

enum FrameContent {
    Seq(Vec<Rc<RawNode>>),
    Map {
        pairs: Vec<(Rc<RawNode>, Rc<RawNode>)>,
        key: Option<Rc<RawNode>>,
    },
}

struct Anchor {
    /// saphyr's id for it; aliases refer to this.
    id: usize,
}

struct Composer<'s> {
    source: &'s Source<'s>,
    /// The original text (properties and names are read from it).
    text: &'s str,
    documents: Vec<Document>,
    frames: Vec<Frame>,
    root: Option<Rc<RawNode>>,
    starts: Vec<Span>,
    /// The last document ended with an explicit `...`.
    after_document_end_marker: bool,
    /// Completed anchored nodes of the current document, by saphyr's id.
    anchors: HashMap<usize, Rc<RawNode>>,
    /// Anchor names defined so far in the current document.
    anchor_names: HashSet<String>,
    next_id: usize,
}

impl<'s> Composer<'s> {
    fn new(source: &'s Source<'s>) -> Self {
        Composer {
            source,
            text: source.text,
            documents: Vec::new(),
            frames: Vec::new(),
            root: None,
            starts: Vec::new(),
            after_document_end_marker: false,
            anchors: HashMap::new(),
            anchor_names: HashSet::new(),
            next_id: 0,
        }
    }

    /// Handles one event; `true` at the end of the stream.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, ComposeError> {
        match event {
            Event::StreamEnd => return Ok(true),
            Event::Nothing | Event::StreamStart => {}
            Event::DocumentStart(explicit) => {
                // YAML 1.2 allows a bare document after `...`; libyaml wants `---`.
                if !explicit && self.after_document_end_marker {
                    return Err(YamlError::marked(
                        self.source,
                        YamlErrorKind::Syntax,
                        None,
                        "did not find expected <document start>",
                        Span { len: 0, ..span },
                    )
                    .into());
                }
                self.anchors.clear();
                self.anchor_names.clear();
                self.starts.push(span);
            }
            Event::DocumentEnd => {
                self.after_document_end_marker = self
                    .text
                    .get(span.start..span.start + span.len)
                    .is_some_and(|t| t.starts_with("..."));
                if let Some(root) = self.root.take() {
                    self.documents.push(Document { root });
                }
            }
            Event::Scalar(text, style, anchor_id, tag) => {
                let anchor = self.anchor(anchor_id, span)?;
                let mut text = text.into_owned();
                let mut span = span;
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && let Some(header) = self.block_scalar_header(span)
                {
                    self.block_scalar_at_eof(&mut text, span, header);
                    span = self.span_from(header.min(span.start), span);
                }
                if text.is_empty() && anchor.is_none() && tag.is_none() {
                    self.check_empty_key(span)?;
                }
                let tag = scalar_tag(&text, style, tag.as_deref());
                let node = self.new_node(tag, span, RawBody::Scalar(text));
                self.finish(node, anchor);
            }
            Event::SequenceStart(anchor_id, tag) => {
                let anchor = self.anchor(anchor_id, span)?;
                let tag = collection_tag(tag.as_deref(), TAG_SEQ);
                self.open(span, anchor, tag, FrameContent::Seq(Vec::new()))?;
            }
            Event::MappingStart(anchor_id, tag) => {
                let anchor = self.anchor(anchor_id, span)?;
                let tag = collection_tag(tag.as_deref(), TAG_MAP);
                self.open(
                    span,
                    anchor,
                    tag,
                    FrameContent::Map {
                        pairs: Vec::new(),
                        key: None,
                    },
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => {
                let target = self.alias_target(id, span)?;
                let node = self.new_node(target.tag.clone(), span, RawBody::Alias(target));
                self.attach(node);
            }
        }
        Ok(false)
    }

    fn new_node(&mut self, tag: String, span: Span, body: RawBody) -> Rc<RawNode> {
        let id = self.next_id;
        self.next_id += 1;
        Rc::new(RawNode {
            id,
            tag,
            span,
            body,
        })
    }

    fn open(
        &mut self,
        start: Span,
        anchor: Option<Anchor>,
        tag: String,
        content: FrameContent,
    ) -> Result<(), Failure> {
        let in_flow = self.frames.iter().any(|f| f.nesting == Nesting::Flow);
        let nesting = match self.first_content_char(start) {
            Some('[' | '{') => Nesting::Flow,
            _ if in_flow => Nesting::None,
            _ => Nesting::Block,
        };
        let depth = 1 + self
            .frames
            .iter()
            .filter(|f| f.nesting != Nesting::None)
            .count();
        // libyaml's block check counts one level more than its flow check.
        let too_deep = match nesting {
            Nesting::Block => depth >= MAX_NESTING,
            Nesting::Flow => depth > MAX_NESTING,
            Nesting::None => false,
        };
        if too_deep {
            let context = if nesting == Nesting::Flow {
                "while increasing flow level"
            } else {
                "while increasing block level"
            };
            return Err(YamlError::marked(
                self.source,
                YamlErrorKind::Syntax,
                Some(context),
                "exceeded maximum nesting depth",
                start,
            ));
        }
        self.frames.push(Frame {
            start,
            anchor,
            tag,
            nesting,
            content,
        });
        Ok(())
    }

    fn close(&mut self, end: Span) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        let mut span = frame.start;
        span.len = (end.start + end.len).saturating_sub(span.start);
        let body = match frame.content {
            FrameContent::Seq(items) => RawBody::Seq(items),
            FrameContent::Map { pairs, .. } => RawBody::Map(pairs),
        };
        let node = self.new_node(frame.tag, span, body);
        self.finish(node, frame.anchor);
    }

    /// Registers a completed node under its anchor and attaches it.
    fn finish(&mut self, node: Rc<RawNode>, anchor: Option<Anchor>) {
        if let Some(anchor) = anchor {
            self.anchors.insert(anchor.id, Rc::clone(&node));
        }
        self.attach(node);
    }

    fn attach(&mut self, node: Rc<RawNode>) {
        match self.frames.last_mut() {
            None => self.root = Some(node),
            Some(frame) => match &mut frame.content {
                FrameContent::Seq(items) => items.push(node),
                FrameContent::Map { pairs, key } => match key.take() {
                    None => *key = Some(node),
                    Some(k) => pairs.push((k, node)),
                },
            },
        }
    }

    /// Reads and checks the anchor a node declares. PyYAML rejects an anchor
    /// name used twice in one document; libyaml only allows `[0-9A-Za-z_-]`.
    fn anchor(&mut self, anchor_id: usize, span: Span) -> Result<Option<Anchor>, Failure> {
        if anchor_id == 0 {
            return Ok(None);
        }
        let Some((name, name_start)) = property_anchor(self.text, span.start) else {
            return Ok(Some(Anchor { id: anchor_id }));
        };
        self.check_name_chars(name, name_start, "while scanning an anchor")?;
        if !self.anchor_names.insert(name.to_string()) {
            return Err(YamlError::marked(
                self.source,
                YamlErrorKind::Syntax,
                Some("found duplicate anchor; first occurrence"),
                "second occurrence",
                Span { len: 0, ..span },
            ));
        }
        Ok(Some(Anchor { id: anchor_id }))
    }

    fn alias_target(&self, id: usize, span: Span) -> Result<Rc<RawNode>, Failure> {
        let name = self
            .text
            .get(span.start..span.start + span.len)
            .and_then(|s| s.strip_prefix('*'));
        if let Some(name) = name {
            self.check_name_chars(name, span.start + 1, "while scanning an alias")?;
        }
        if let Some(target) = self.anchors.get(&id) {
            return Ok(Rc::clone(target));
        }
        // PyYAML would build a self-referencing structure; our values are
        // trees, so an alias inside its own anchor is refused.
        let recursive = name.is_some_and(|n| self.anchor_names.contains(n));
        let problem = if recursive {
            "found recursive alias (unsupported)"
        } else {
            "found undefined alias"
        };
        Err(YamlError::marked(
            self.source,
            YamlErrorKind::Syntax,
            None,
            problem,
            span,
        ))
    }

    fn check_name_chars(
        &self,
        name: &str,
        name_start: usize,
        context: &str,
    ) -> Result<(), Failure> {
        let bad = name
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
        let Some((offset, _)) = bad else {
            return Ok(());
        };
        let at = self.source.span_at_byte(name_start + offset);
        Err(YamlError::marked(
            self.source,
            YamlErrorKind::Syntax,
            Some(context),
            "did not find expected alphabetic or numeric character",
            at,
        ))
    }

    /// The first character of a collection after its properties (anchor,
    /// tag): `[` or `{` for flow collections.
    fn first_content_char(&self, start: Span) -> Option<char> {
        let rest = self.text.get(start.start..)?;
        skip_properties(rest).chars().next()
    }
}

/// Skips node properties (`&anchor`, `!tag`) and the whitespace/comments
/// between them.
fn skip_properties(mut rest: &str) -> &str {
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        if rest.starts_with('#') {
            rest = rest.find(['\n', '\r']).map_or("", |i| &rest[i..]);
            continue;
        }
        if rest.starts_with('&') || rest.starts_with('!') {
            rest = rest.find(is_property_end).map_or("", |i| &rest[i..]);
            continue;
        }
        return rest;
    }
}

fn is_property_end(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | ',' | '[' | ']' | '{' | '}')
}

/// The anchor name among the properties starting at byte `from`, with the
/// byte offset where the name starts.
fn property_anchor(text: &str, from: usize) -> Option<(&str, usize)> {
    let mut offset = from;
    loop {
        let rest = text.get(offset..)?;
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        offset += rest.len() - trimmed.len();
        let token_len = trimmed.find(is_property_end).unwrap_or(trimmed.len());
        match trimmed.chars().next()? {
            '&' => {
                let name = trimmed.get(1..token_len)?;
                return Some((name, offset + 1));
            }
            '!' => offset += token_len,
            '#' => offset += trimmed.find(['\n', '\r']).unwrap_or(trimmed.len()),
            _ => return None,
        }
    }
}

fn full_tag(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// PyYAML's composer: untagged plain scalars and scalars tagged `!` are
/// resolved implicitly (libyaml marks `!` as plain-implicit whatever the
/// style); other untagged scalars are strings.
fn scalar_tag(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> String {
    match tag.map(full_tag) {
        Some(t) if t != "!" => t,
        Some(_) => resolve_implicit(text).to_string(),
        None if style == ScalarStyle::Plain => resolve_implicit(text).to_string(),
        None => TAG_STR.to_string(),
    }
}

fn collection_tag(tag: Option<&Tag>, default: &str) -> String {
    match tag.map(full_tag) {
        Some(t) if t != "!" => t,
        _ => default.to_string(),
    }
}
