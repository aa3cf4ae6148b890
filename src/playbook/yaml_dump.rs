//! YAML output as ansible writes it.
//!
//! ansible serialises to YAML with `yaml.dump(data, Dumper=AnsibleDumper, ...)`
//! in `ansible-inventory --list --yaml`, the `to_yaml`/`to_nice_yaml` filters
//! and the `result_format=yaml` callback output. `AnsibleDumper` is PyYAML's
//! `SafeRepresenter` on top of libyaml's C emitter (`CSafeDumper`), so the
//! text we must reproduce is libyaml's, not the pure-Python emitter's (the
//! visible difference: libyaml does not close a document whose root is a
//! plain scalar with `...`).
//!
//! The work happens in two passes, as in PyYAML:
//!
//! 1. *Representing* turns a [`Value`] into a node tree: scalar text, the
//!    style the representer asks for, whether the text would read back as the
//!    same type without quotes (YAML 1.1 implicit resolution), key order and
//!    flow-versus-block choice for collections.
//! 2. *Emitting* writes the nodes, tracking the output column and the
//!    indentation state so that quoting, line folding at `width`, and the
//!    placement of `-`, `?` and `:` indicators come out the way libyaml
//!    writes them.

use crate::value::{Value, python_float_repr};
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The keyword arguments of `yaml.dump` that change the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpOptions {
    /// `Some(false)`: block collections; `Some(true)`: flow collections;
    /// `None`: flow only for collections holding nothing but plain scalars.
    pub default_flow_style: Option<bool>,
    /// Spaces per nesting level; libyaml replaces values outside 2..=9 by 2.
    pub indent: usize,
    /// Preferred line width for folding long scalars; values up to twice the
    /// indent mean 80, `usize::MAX` means never fold.
    pub width: usize,
    /// Write non-ASCII printable characters as they are rather than escaped.
    pub allow_unicode: bool,
    /// Sort mapping keys (PyYAML's default) instead of keeping insertion order.
    pub sort_keys: bool,
    /// Start the document with `---`.
    pub explicit_start: bool,
    /// End the document with `...`.
    pub explicit_end: bool,
    /// `default_style`: the style every scalar asks for (keys included),
    /// `None` to let the emitter choose.
    pub default_style: Option<ScalarStyle>,
    /// `canonical=True`: every node tagged, collections in flow style with
    /// one entry per line, scalars double-quoted, keys after `?`.
    pub canonical: bool,
}

/// The scalar styles `default_style` can ask for. (`>`, folded, is not
/// written by this emitter.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

impl Default for DumpOptions {
    /// `yaml.dump`'s own defaults.
    fn default() -> Self {
        DumpOptions {
            default_flow_style: Some(false),
            indent: 2,
            width: 80,
            allow_unicode: false,
            sort_keys: true,
            explicit_start: false,
            explicit_end: false,
            default_style: None,
            canonical: false,
        }
    }
}

impl DumpOptions {
    /// `ansible-inventory --list --yaml`.
    pub fn inventory() -> Self {
        DumpOptions {
            default_flow_style: Some(false),
            allow_unicode: true,
            ..DumpOptions::default()
        }
    }

    /// The `to_yaml` filter with no extra arguments.
    pub fn to_yaml() -> Self {
        DumpOptions {
            default_flow_style: None,
            allow_unicode: true,
            ..DumpOptions::default()
        }
    }

    /// The `to_nice_yaml` filter (`indent` defaults to 4 there).
    pub fn to_nice_yaml(indent: usize) -> Self {
        DumpOptions {
            default_flow_style: Some(false),
            indent,
            allow_unicode: true,
            ..DumpOptions::default()
        }
    }
}

/// `yaml.dump(value, Dumper=AnsibleDumper, **opts)`.
pub fn dump(value: &Value, opts: &DumpOptions) -> String {
    dump_with(value, opts, StrBlocks::Never)
}

/// The YAML text of the callback `result_format=yaml` output, before the
/// callback indents it: `yaml.dump(result, Dumper=_AnsibleCallbackDumper,
/// allow_unicode=True, default_flow_style=False, indent=indent)`.
///
/// That dumper writes every string containing a line break as a literal
/// block; with `lossy` (the default `pretty_results`) it first strips
/// trailing whitespace, expands tabs, drops characters YAML cannot print and
/// spaces before line breaks, so that the block style is usable.
/// `indent` is the value `_dump_results` settled on (usually 4 for YAML;
/// `None` means PyYAML's 2).
pub fn dump_callback(value: &Value, indent: Option<usize>, lossy: bool) -> String {
    let opts = DumpOptions {
        default_flow_style: Some(false),
        indent: indent.unwrap_or(2),
        allow_unicode: true,
        ..DumpOptions::default()
    };
    dump_with(value, &opts, StrBlocks::Callback { lossy })
}

/// The YAML of community.general's `yaml` stdout callback: `yaml.dump(result,
/// Dumper=MyDumper, allow_unicode=True, width=1000, default_flow_style=False)`
/// where `MyDumper` writes text holding a line break (its own, longer list)
/// as a literal block after its clean-up (`adjust_str_value_for_block`).
pub fn dump_community_general(value: &Value) -> String {
    let opts = DumpOptions {
        default_flow_style: Some(false),
        width: 1000,
        allow_unicode: true,
        ..DumpOptions::default()
    };
    dump_with(value, &opts, StrBlocks::CommunityGeneral)
}

/// When a string representer asks for a literal block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrBlocks {
    /// PyYAML's own: never (the emitter decides).
    Never,
    /// ansible's callback dumper (`_AnsibleCallbackDumper`).
    Callback { lossy: bool },
    /// community.general.yaml's `MyDumper`.
    CommunityGeneral,
}

fn dump_with(value: &Value, opts: &DumpOptions, blocks: StrBlocks) -> String {
    let representer = Representer {
        default_flow_style: opts.default_flow_style,
        sort_keys: opts.sort_keys,
        blocks,
    };
    let mut root = representer.represent(value);
    if let Some(style) = opts.default_style {
        let style = match style {
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
        };
        apply_default_style(&mut root, style, opts.default_flow_style);
    }
    let mut emitter = Emitter::new(opts);
    emitter.emit_document(&root, opts.explicit_start, opts.explicit_end);
    emitter.out
}

/// PyYAML's representer gives every scalar it makes `default_style`; the
/// collections' flow/block choice was already made without it, so it is
/// redone (a styled scalar never makes a collection "best" in flow).
fn apply_default_style(node: &mut Node<'_>, style: Style, default_flow_style: Option<bool>) {
    match node {
        Node::Scalar(scalar) => {
            scalar.style.get_or_insert(style);
        }
        Node::Seq { items, flow } => {
            for item in items.iter_mut() {
                apply_default_style(item, style, default_flow_style);
            }
            *flow = default_flow_style.unwrap_or(items.is_empty());
        }
        Node::Map { pairs, flow } => {
            for (k, v) in pairs.iter_mut() {
                apply_default_style(k, style, default_flow_style);
                apply_default_style(v, style, default_flow_style);
            }
            *flow = default_flow_style.unwrap_or(pairs.is_empty());
        }
    }
}

// ---------------------------------------------------------------------------
// Implicit type resolution (PyYAML's YAML 1.1 resolver).

/// The type a plain scalar's text reads back as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolved {
    Str,
    Bool,
    Int,
    Float,
    Null,
    /// Merge keys, timestamps and `=`: anything that is not text.
    Other,
}

/// Python's `$` also matches just before a final newline; `\n?\z` is that.
static BOOL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?\z",
    )
    .expect("bool pattern")
});
static FLOAT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?",
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)",
        r"|\.(?:nan|NaN|NAN))\n?\z",
    ))
    .expect("float pattern")
});
static INT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[-+]?0b[0-1_]+",
        r"|[-+]?0[0-7_]+",
        r"|[-+]?(?:0|[1-9][0-9_]*)",
        r"|[-+]?0x[0-9a-fA-F_]+",
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\n?\z",
    ))
    .expect("int pattern")
});
static NULL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:~|null|Null|NULL|)\n?\z").expect("null pattern"));
static TIMESTAMP_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
        r"(?:[Tt]|[ \t]+)[0-9][0-9]?",
        r":[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\n?\z",
    ))
    .expect("timestamp pattern")
});
static OTHER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:<<|=)\n?\z").expect("merge/value pattern"));

/// What `Resolver.resolve(ScalarNode, text, (True, False))` would pick.
fn resolve_plain(text: &str) -> Resolved {
    // The resolver only tries the patterns registered for the first
    // character; every pattern also demands that character, so trying them
    // all is the same.
    if BOOL_RE.is_match(text) {
        Resolved::Bool
    } else if FLOAT_RE.is_match(text) {
        Resolved::Float
    } else if INT_RE.is_match(text) {
        Resolved::Int
    } else if NULL_RE.is_match(text) {
        Resolved::Null
    } else if TIMESTAMP_RE.is_match(text) || OTHER_RE.is_match(text) {
        Resolved::Other
    } else {
        Resolved::Str
    }
}

// ---------------------------------------------------------------------------
// Representing.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

#[derive(Debug)]
struct Scalar<'a> {
    text: Cow<'a, str>,
    /// The node's tag, written only when neither implicit flag holds
    /// (`!vault` always is).
    tag: Option<&'static str>,
    /// The style the representer asked for; `None` lets the emitter choose.
    style: Option<Style>,
    /// Written plain, the text reads back as this node's type.
    plain_implicit: bool,
    /// Written quoted, the text reads back as this node's type (strings).
    quoted_implicit: bool,
}

#[derive(Debug)]
enum Node<'a> {
    Scalar(Scalar<'a>),
    Seq {
        items: Vec<Node<'a>>,
        flow: bool,
    },
    Map {
        pairs: Vec<(Node<'a>, Node<'a>)>,
        flow: bool,
    },
}

impl Node<'_> {
    /// A scalar without a requested style: what PyYAML's "best style" for
    /// `default_flow_style=None` accepts inside a flow collection.
    fn is_unstyled_scalar(&self) -> bool {
        matches!(self, Node::Scalar(s) if s.style.is_none())
    }
}

struct Representer {
    default_flow_style: Option<bool>,
    sort_keys: bool,
    /// Which strings the representer writes as literal blocks.
    blocks: StrBlocks,
}

impl Representer {
    fn represent<'a>(&self, value: &'a Value) -> Node<'a> {
        match value {
            Value::Null => typed_scalar("null".into(), Resolved::Null, "tag:yaml.org,2002:null"),
            Value::Bool(b) => typed_scalar(
                if *b { "true" } else { "false" }.into(),
                Resolved::Bool,
                "tag:yaml.org,2002:bool",
            ),
            Value::Int(i) => typed_scalar(i.to_string().into(), Resolved::Int, INT_TAG),
            Value::BigInt(i) => typed_scalar(i.to_string().into(), Resolved::Int, INT_TAG),
            Value::Float(f) => typed_scalar(
                float_text(*f).into(),
                Resolved::Float,
                "tag:yaml.org,2002:float",
            ),
            Value::Str(s) | Value::Unsafe(s) => self.represent_str(s),
            Value::Vault(ciphertext) => Node::Scalar(Scalar {
                text: Cow::Borrowed(ciphertext),
                tag: Some("!vault"),
                style: Some(Style::Literal),
                plain_implicit: false,
                quoted_implicit: false,
            }),
            Value::List(items) => {
                let items: Vec<Node<'a>> = items.iter().map(|v| self.represent(v)).collect();
                let best = items.iter().all(Node::is_unstyled_scalar);
                Node::Seq {
                    items,
                    flow: self.default_flow_style.unwrap_or(best),
                }
            }
            Value::Map(map) => {
                let mut entries: Vec<(&'a String, &'a Value)> = map.iter().collect();
                if self.sort_keys {
                    // Python compares str by code point, as UTF-8 bytes do.
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                }
                let pairs: Vec<(Node<'a>, Node<'a>)> = entries
                    .into_iter()
                    .map(|(k, v)| (self.represent_str(k), self.represent(v)))
                    .collect();
                let best = pairs
                    .iter()
                    .all(|(k, v)| k.is_unstyled_scalar() && v.is_unstyled_scalar());
                Node::Map {
                    pairs,
                    flow: self.default_flow_style.unwrap_or(best),
                }
            }
        }
    }

    fn represent_str<'a>(&self, text: &'a str) -> Node<'a> {
        let (text, style) = match self.blocks {
            // The callback's own list of line breaks leaves out `\r`.
            StrBlocks::Callback { lossy }
                if text.contains(['\n', '\u{85}', '\u{2028}', '\u{2029}']) =>
            {
                let text = if lossy {
                    Cow::Owned(munge_for_block(text))
                } else {
                    Cow::Borrowed(text)
                };
                (text, Some(Style::Literal))
            }
            StrBlocks::CommunityGeneral
                if text.contains([
                    '\n', '\r', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
                ]) =>
            {
                (Cow::Owned(adjust_for_block(text)), Some(Style::Literal))
            }
            _ => (Cow::Borrowed(text), None),
        };
        let plain_implicit = resolve_plain(&text) == Resolved::Str;
        Node::Scalar(Scalar {
            text,
            tag: None,
            style,
            plain_implicit,
            quoted_implicit: true,
        })
    }
}

const INT_TAG: &str = "tag:yaml.org,2002:int";
const STR_TAG: &str = "tag:yaml.org,2002:str";
const SEQ_TAG: &str = "tag:yaml.org,2002:seq";
const MAP_TAG: &str = "tag:yaml.org,2002:map";

/// A non-string scalar: never implicit when quoted, so libyaml writes its tag
/// should the text ever fail to read back as its type.
fn typed_scalar<'a>(text: Cow<'a, str>, kind: Resolved, tag: &'static str) -> Node<'a> {
    let plain_implicit = resolve_plain(&text) == kind;
    Node::Scalar(Scalar {
        text,
        tag: Some(tag),
        style: None,
        plain_implicit,
        quoted_implicit: false,
    })
}

/// `SafeRepresenter.represent_float`: `repr()` in lower case, with `.0`
/// added to a mantissa without a point so the text still reads as a float.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let text = python_float_repr(f);
    if !text.contains('.') && text.contains('e') {
        text.replacen('e', ".0e", 1)
    } else {
        text
    }
}

/// The callback dumper's lossy clean-up of multi-line text so libyaml
/// accepts it as a literal block.
fn munge_for_block(text: &str) -> String {
    let stripped = text.trim_end_matches(is_python_space);
    let expanded = expand_tabs(stripped);
    let filtered: String = expanded.chars().filter(|&c| survives_filter(c)).collect();
    SPACE_BEFORE_BREAK_RE
        .replace_all(&filtered, "$1")
        .into_owned()
}

/// community.general.yaml's `adjust_str_value_for_block`: no trailing
/// whitespace, only `string.printable` ASCII and characters from U+00A0 up,
/// tabs expanded, vertical tab, form feed and CR dropped, no spaces before
/// a newline.
fn adjust_for_block(text: &str) -> String {
    let stripped = text.trim_end_matches(is_python_space);
    let printable: String = stripped
        .chars()
        .filter(|&c| {
            (c.is_ascii() && (c.is_ascii_graphic() || " \t\n\r\x0b\x0c".contains(c)))
                || c >= '\u{a0}'
        })
        .collect();
    let expanded = expand_tabs(&printable);
    let dropped: String = expanded
        .chars()
        .filter(|c| !matches!(c, '\x0b' | '\x0c' | '\r'))
        .collect();
    SPACES_BEFORE_NEWLINE_RE
        .replace_all(&dropped, "\n")
        .into_owned()
}

static SPACES_BEFORE_NEWLINE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(" +\n").expect("spaces-newline pattern"));

static SPACE_BEFORE_BREAK_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(" +([\n\u{85}\u{2028}\u{2029}])").expect("space-break pattern"));

/// Python's `str.isspace()`.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.expandtabs()` with the default tab size of 8.
fn expand_tabs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut column = 0usize;
    for c in text.chars() {
        match c {
            '\t' => {
                let pad = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', pad));
                column += pad;
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            _ => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// The characters the callback's filter keeps.
fn survives_filter(c: char) -> bool {
    let cp = c as u32;
    (cp == 10
        || (32..=126).contains(&cp)
        || cp == 133
        || (160..=55295).contains(&cp)
        || (57344..=65533).contains(&cp)
        || (65536..1_114_111).contains(&cp))
        && cp != 65279
}

// ---------------------------------------------------------------------------
// Character classes as libyaml sees them.

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Blank, break, or NUL (libyaml's strings are NUL-terminated, so the end of
/// the text counts too; callers pass `None` for it).
fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => matches!(c, ' ' | '\t' | '\0') || is_break(c),
    }
}

fn is_printable(c: char) -> bool {
    let cp = c as u32;
    cp == 0x0A
        || (0x20..=0x7E).contains(&cp)
        || (0xA0..=0xD7FF).contains(&cp)
        || ((0xE000..=0xFFFD).contains(&cp) && cp != 0xFEFF)
}

/// Characters a tag may hold unescaped.
fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_;/?:@&=+$,.~*'()[]".contains(c)
}

// ---------------------------------------------------------------------------
// Emitting.

/// Which styles a scalar's text permits.
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(chars: &[char], unicode: bool) -> Analysis {
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    if chars.starts_with(&['-', '-', '-']) || chars.starts_with(&['.', '.', '.']) {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut line_breaks = false;
    let mut special = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;
    let last = chars.len() - 1;

    for (i, &c) in chars.iter().enumerate() {
        let followed_by_blank = is_blankz(chars.get(i + 1).copied());
        let preceded_by_blank = i == 0 || is_blankz(Some(chars[i - 1]));
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_indicators = true;
                block_indicators = true;
            }
            if c == '?' || c == ':' {
                flow_indicators = true;
                if followed_by_blank {
                    block_indicators = true;
                }
            }
            if c == '-' && followed_by_blank {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_indicators = true;
            }
            if c == ':' {
                flow_indicators = true;
                if followed_by_blank {
                    block_indicators = true;
                }
            }
            if c == '#' && preceded_by_blank {
                flow_indicators = true;
                block_indicators = true;
            }
        }
        if !is_printable(c) || (!c.is_ascii() && !unicode) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
    }

    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The context a node is written in.
#[derive(Clone, Copy, Default)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

struct Emitter {
    out: String,
    best_indent: usize,
    best_width: usize,
    unicode: bool,
    canonical: bool,
    /// Current indentation; `None` before the root collection sets it.
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    flow_level: usize,
    /// Characters on the current line.
    column: usize,
    /// The last thing written was whitespace (no separating space needed).
    whitespace: bool,
    /// Only indentation (and indicators that count as such) on this line.
    indention: bool,
    /// 2 when the last block scalar kept trailing blank lines (`|+`), which
    /// makes the stream end with `...`.
    open_ended: u8,
    ctx: Context,
}

impl Emitter {
    fn new(opts: &DumpOptions) -> Self {
        let best_indent = if (2..=9).contains(&opts.indent) {
            opts.indent
        } else {
            2
        };
        let best_width = if opts.width <= best_indent * 2 {
            80
        } else {
            opts.width
        };
        Emitter {
            out: String::new(),
            best_indent,
            best_width,
            unicode: opts.allow_unicode,
            canonical: opts.canonical,
            indent: None,
            indents: Vec::new(),
            flow_level: 0,
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: 0,
            ctx: Context::default(),
        }
    }

    fn emit_document(&mut self, root: &Node<'_>, explicit_start: bool, explicit_end: bool) {
        if explicit_start || self.canonical {
            self.write_indent();
            self.write_indicator("---", true, false, false);
            if self.canonical {
                self.write_indent();
            }
        }
        self.open_ended = 0;
        self.emit_node(root, Context::default());
        self.write_indent();
        if explicit_end {
            self.write_indicator("...", true, false, false);
            self.open_ended = 0;
            self.write_indent();
        }
        if self.open_ended == 2 {
            self.write_indicator("...", true, false, false);
            self.open_ended = 0;
            self.write_indent();
        }
    }

    // -- low-level writers --------------------------------------------------

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Writes a line break character from scalar text.
    fn write_break(&mut self, c: char) {
        self.out.push(c);
        self.column = 0;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None => Some(if flow { self.best_indent } else { 0 }),
            Some(i) if !indentless => Some(i + self.best_indent),
            Some(i) => Some(i),
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    // -- nodes ----------------------------------------------------------------

    fn emit_node(&mut self, node: &Node<'_>, ctx: Context) {
        self.ctx = ctx;
        match node {
            Node::Scalar(scalar) => self.emit_scalar(scalar),
            Node::Seq { items, flow } => {
                if self.canonical {
                    self.write_tag(SEQ_TAG);
                }
                if self.flow_level > 0 || self.canonical || *flow || items.is_empty() {
                    self.emit_flow_sequence(items);
                } else {
                    self.emit_block_sequence(items);
                }
            }
            Node::Map { pairs, flow } => {
                if self.canonical {
                    self.write_tag(MAP_TAG);
                }
                if self.flow_level > 0 || self.canonical || *flow || pairs.is_empty() {
                    self.emit_flow_mapping(pairs);
                } else {
                    self.emit_block_mapping(pairs);
                }
            }
        }
    }

    fn emit_flow_sequence(&mut self, items: &[Node<'_>]) {
        self.write_indicator("[", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.canonical || self.column > self.best_width {
                self.write_indent();
            }
            self.emit_node(item, Context::default());
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.close_canonical_flow(!items.is_empty());
        self.write_indicator("]", false, false, false);
    }

    fn emit_flow_mapping(&mut self, pairs: &[(Node<'_>, Node<'_>)]) {
        let key_ctx = Context {
            mapping: true,
            simple_key: true,
        };
        let value_ctx = Context {
            mapping: true,
            ..Context::default()
        };
        self.write_indicator("{", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.canonical || self.column > self.best_width {
                self.write_indent();
            }
            if !self.canonical && self.is_simple_key(key) {
                self.emit_node(key, key_ctx);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, false);
                self.emit_node(key, value_ctx);
                if self.canonical || self.column > self.best_width {
                    self.write_indent();
                }
                self.write_indicator(":", true, false, false);
            }
            self.emit_node(value, value_ctx);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.close_canonical_flow(!pairs.is_empty());
        self.write_indicator("}", false, false, false);
    }

    /// Canonical output ends a non-empty flow collection's last entry with a
    /// comma and puts the closing bracket on its own line.
    fn close_canonical_flow(&mut self, had_entries: bool) {
        if self.canonical && had_entries {
            self.write_indicator(",", false, false, false);
            self.write_indent();
        }
    }

    fn emit_block_sequence(&mut self, items: &[Node<'_>]) {
        let indentless = self.ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, Context::default());
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, pairs: &[(Node<'_>, Node<'_>)]) {
        let key_ctx = Context {
            mapping: true,
            simple_key: true,
        };
        let value_ctx = Context {
            mapping: true,
            ..Context::default()
        };
        self.increase_indent(false, false);
        for (key, value) in pairs {
            self.write_indent();
            if self.is_simple_key(key) {
                self.emit_node(key, key_ctx);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_node(key, value_ctx);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(value, value_ctx);
        }
        self.pop_indent();
    }

    /// Whether a key fits on one line before its `:` (libyaml caps simple
    /// keys at 128 bytes, tag included).
    fn is_simple_key(&self, key: &Node<'_>) -> bool {
        match key {
            Node::Scalar(scalar) => {
                if scalar.text.chars().any(is_break) {
                    return false;
                }
                let tag_len = match scalar.tag {
                    Some(tag) if !scalar.plain_implicit && !scalar.quoted_implicit => {
                        let (handle, suffix) = split_tag(tag);
                        handle.map_or(0, str::len) + suffix.len()
                    }
                    _ => 0,
                };
                tag_len + scalar.text.len() <= 128
            }
            Node::Seq { items, .. } => items.is_empty(),
            Node::Map { pairs, .. } => pairs.is_empty(),
        }
    }

    // -- scalars --------------------------------------------------------------

    fn emit_scalar(&mut self, scalar: &Scalar<'_>) {
        let chars: Vec<char> = scalar.text.chars().collect();
        let analysis = analyze(&chars, self.unicode);
        let explicit_tag = self.canonical || (!scalar.plain_implicit && !scalar.quoted_implicit);
        let mut tag = if explicit_tag {
            // The representer leaves strings untagged: they are implicit.
            Some(scalar.tag.unwrap_or(STR_TAG))
        } else {
            None
        };
        let style = self.select_style(scalar, &analysis, tag.is_some(), chars.is_empty());
        if tag.is_none() && !scalar.quoted_implicit && style != Style::Plain {
            // libyaml marks a quoted non-string with the non-specific tag.
            tag = Some("!");
        }
        if let Some(tag) = tag {
            self.write_tag(tag);
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(&chars, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(&chars, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(&chars, allow_breaks),
            Style::Literal => self.write_literal(&chars),
        }
        self.pop_indent();
    }

    fn select_style(&self, scalar: &Scalar<'_>, a: &Analysis, has_tag: bool, empty: bool) -> Style {
        let mut style = scalar.style.unwrap_or(Style::Plain);
        if self.canonical {
            style = Style::DoubleQuoted;
        }
        if self.ctx.simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            let in_flow = self.flow_level > 0;
            if (in_flow && !a.flow_plain_allowed) || (!in_flow && !a.block_plain_allowed) {
                style = Style::SingleQuoted;
            }
            if empty && (in_flow || self.ctx.simple_key) {
                style = Style::SingleQuoted;
            }
            if !has_tag && !scalar.plain_implicit {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.ctx.simple_key)
        {
            style = Style::DoubleQuoted;
        }
        style
    }

    /// Writes `!suffix` for a local tag or `!!suffix` for a YAML one; any
    /// other tag verbatim as `!<tag>`.
    fn write_tag(&mut self, tag: &str) {
        let (handle, suffix) = split_tag(tag);
        match handle {
            Some(handle) => {
                if !self.whitespace {
                    self.put(' ');
                }
                for c in handle.chars() {
                    self.put(c);
                }
                self.write_tag_content(suffix);
            }
            None => {
                self.write_indicator("!<", true, false, false);
                self.write_tag_content(suffix);
                self.write_indicator(">", false, false, false);
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_tag_content(&mut self, text: &str) {
        for c in text.chars() {
            if is_tag_char(c) {
                self.put(c);
            } else {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    self.put('%');
                    self.put(hex_digit(byte >> 4));
                    self.put(hex_digit(byte & 0x0F));
                }
            }
        }
    }

    fn write_plain(&mut self, chars: &[char], allow_breaks: bool) {
        if !self.whitespace && (!chars.is_empty() || self.flow_level > 0) {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, chars: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let last = chars.len().saturating_sub(1);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i != 0
                    && i != last
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent();
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, chars: &[char], allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let mut spaces = false;
        let last = chars.len().saturating_sub(1);
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c)
                || (!self.unicode && !c.is_ascii())
                || c == '\u{FEFF}'
                || is_break(c)
                || c == '"'
                || c == '\\'
            {
                self.write_escape(c);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i != 0 && i != last {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_escape(&mut self, c: char) {
        self.put('\\');
        let short = match c {
            '\0' => Some('0'),
            '\u{07}' => Some('a'),
            '\u{08}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{0B}' => Some('v'),
            '\u{0C}' => Some('f'),
            '\r' => Some('r'),
            '\u{1B}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{A0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(letter) = short {
            self.put(letter);
            return;
        }
        let cp = c as u32;
        let (letter, digits) = if cp <= 0xFF {
            ('x', 2)
        } else if cp <= 0xFFFF {
            ('u', 4)
        } else {
            ('U', 8)
        };
        self.put(letter);
        for k in (0..digits).rev() {
            // Each nibble is below 16, so the cast cannot truncate.
            self.put(hex_digit(((cp >> (k * 4)) & 0x0F) as u8));
        }
    }

    fn write_block_hints(&mut self, chars: &[char]) {
        if let Some(&first) = chars.first()
            && (first == ' ' || is_break(first))
        {
            let hint = char::from_digit(self.best_indent as u32, 10).unwrap_or('2');
            self.write_indicator(hint.encode_utf8(&mut [0u8; 4]), false, false, false);
        }
        self.open_ended = 0;
        let chomp = match chars {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => {
                self.open_ended = 2;
                Some("+")
            }
            [.., before, _] if is_break(*before) => {
                self.open_ended = 2;
                Some("+")
            }
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
    }

    fn write_literal(&mut self, chars: &[char]) {
        self.write_indicator("|", true, false, false);
        self.write_block_hints(chars);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// A tag as libyaml writes it: the handle of the default `%TAG` directive
/// whose prefix it extends (`!` → `!`, `tag:yaml.org,2002:` → `!!`), and the
/// rest. The bare `!` is the non-specific tag libyaml adds itself.
fn split_tag(tag: &str) -> (Option<&'static str>, &str) {
    const YAML_PREFIX: &str = "tag:yaml.org,2002:";
    if tag == "!" {
        (Some("!"), "")
    } else if let Some(suffix) = tag.strip_prefix('!').filter(|s| !s.is_empty()) {
        (Some("!"), suffix)
    } else if let Some(suffix) = tag.strip_prefix(YAML_PREFIX).filter(|s| !s.is_empty()) {
        (Some("!!"), suffix)
    } else {
        (None, tag)
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16)
        .unwrap_or('0')
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON test input: objects with the single key `$vault`, `$float`,
    /// `$bigint` or `$unsafe` stand for the values JSON cannot spell.
    fn decode(j: &serde_json::Value) -> Value {
        if let serde_json::Value::Object(o) = j
            && o.len() == 1
            && let Some((k, serde_json::Value::String(text))) = o.iter().next()
        {
            match k.as_str() {
                "$vault" => return Value::Vault(text.clone()),
                "$unsafe" => return Value::Unsafe(text.clone()),
                "$float" => return Value::Float(text.parse().expect("float")),
                "$bigint" => return Value::BigInt(text.parse().expect("bigint")),
                _ => {}
            }
        }
        match j {
            serde_json::Value::Array(a) => Value::List(a.iter().map(decode).collect()),
            serde_json::Value::Object(o) => {
                Value::Map(o.iter().map(|(k, v)| (k.clone(), decode(v))).collect())
            }
            other => Value::from_json(other),
        }
    }

    /// How to dump: a `yaml.dump` option set, or the callback dumper.
    enum How {
        Dump(DumpOptions),
        Callback(Option<usize>, bool),
    }

    fn preset(name: &str) -> How {
        let inv = DumpOptions::inventory();
        How::Dump(match name {
            "inv" => inv,
            "to_yaml" => DumpOptions::to_yaml(),
            "nice" => DumpOptions::to_nice_yaml(4),
            "nice2" => DumpOptions::to_nice_yaml(2),
            "default" => DumpOptions::default(),
            "ascii_flow" => DumpOptions {
                default_flow_style: None,
                ..DumpOptions::default()
            },
            "flow" => DumpOptions {
                default_flow_style: Some(true),
                ..inv
            },
            "narrow" => DumpOptions {
                width: 30,
                ..DumpOptions::to_yaml()
            },
            "nowrap" => DumpOptions {
                width: usize::MAX,
                ..inv
            },
            "start_end" => DumpOptions {
                explicit_start: true,
                explicit_end: true,
                ..inv
            },
            "nosort" => DumpOptions {
                sort_keys: false,
                ..inv
            },
            "canon" => DumpOptions {
                canonical: true,
                ..DumpOptions::to_yaml()
            },
            "canon_ascii" => DumpOptions {
                canonical: true,
                width: 40,
                ..DumpOptions::default()
            },
            "cb" => return How::Callback(None, true),
            "cb4" => return How::Callback(Some(4), true),
            "cbx" => return How::Callback(None, false),
            other => panic!("unknown preset {other}"),
        })
    }

    /// Options spelled as in the corpus generator (`yaml.dump` keywords).
    fn options(o: &serde_json::Value) -> How {
        let indent = o.get("indent").and_then(serde_json::Value::as_u64);
        let indent = indent.map(|i| usize::try_from(i).expect("indent"));
        if let Some(cb) = o.get("cb").and_then(serde_json::Value::as_str) {
            return How::Callback(indent, cb == "lossy");
        }
        let flag = |k: &str, d: bool| o.get(k).and_then(serde_json::Value::as_bool).unwrap_or(d);
        How::Dump(DumpOptions {
            default_flow_style: match o.get("dfs") {
                Some(serde_json::Value::Bool(b)) => Some(*b),
                Some(serde_json::Value::Null) => None,
                _ => Some(false),
            },
            indent: indent.unwrap_or(2),
            width: match o.get("width").and_then(serde_json::Value::as_i64) {
                None => 80,
                Some(w) => usize::try_from(w).unwrap_or(usize::MAX),
            },
            allow_unicode: flag("unicode", false),
            sort_keys: flag("sort", true),
            explicit_start: flag("start", false),
            explicit_end: flag("end", false),
            default_style: None,
            canonical: flag("canonical", false),
        })
    }

    fn run(value: &Value, how: &How) -> String {
        match how {
            How::Dump(opts) => dump(value, opts),
            How::Callback(indent, lossy) => dump_callback(value, *indent, *lossy),
        }
    }

    /// (input JSON, preset, text written by PyYAML 6.0.4 + libyaml with
    /// ansible-core 2.19's `AnsibleDumper`).
    #[rustfmt::skip]
    const CASES: &[(&str, &str, &str)] = &[
        ("\"abc\"", "inv", "abc\n"),
        ("1", "inv", "1\n"),
        ("null", "inv", "null\n"),
        ("true", "inv", "true\n"),
        ("false", "to_yaml", "false\n"),
        ("\"\"", "inv", "''\n"),
        ("-17", "inv", "-17\n"),
        ("{\"$bigint\": \"123456789012345678901234567890\"}", "inv", "123456789012345678901234567890\n"),
        ("{\"$bigint\": \"-170141183460469231731687303715884105728\"}", "to_yaml", "-170141183460469231731687303715884105728\n"),
        ("1.5", "inv", "1.5\n"),
        ("{\"$float\": \"1e20\"}", "inv", "1.0e+20\n"),
        ("{\"$float\": \"1e-05\"}", "inv", "1.0e-05\n"),
        ("{\"$float\": \"inf\"}", "inv", ".inf\n"),
        ("{\"$float\": \"-inf\"}", "to_yaml", "-.inf\n"),
        ("{\"$float\": \"nan\"}", "inv", ".nan\n"),
        ("{\"$float\": \"-0.0\"}", "inv", "-0.0\n"),
        ("{\"$float\": \"1e16\"}", "inv", "1.0e+16\n"),
        ("{\"$float\": \"123456789.125\"}", "inv", "123456789.125\n"),
        ("{\"$float\": \"0.0001\"}", "inv", "0.0001\n"),
        ("{\"$float\": \"2.5e-300\"}", "inv", "2.5e-300\n"),
        ("[{\"$float\": \"1682801408316077.25\"}, {\"$float\": \"27406429834703.0625\"}, {\"$float\": \"-13295052349012.5625\"}]", "to_yaml", "[1682801408316077.2, 27406429834703.062, -13295052349012.562]\n"),
        ("[\"yes\", \"No\", \"ON\", \"off\", \"y\", \"n\", \"True\", \"FALSE\"]", "inv", "- 'yes'\n- 'No'\n- 'ON'\n- 'off'\n- y\n- n\n- 'True'\n- 'FALSE'\n"),
        ("[\"null\", \"Null\", \"NULL\", \"~\", \"nULL\"]", "inv", "- 'null'\n- 'Null'\n- 'NULL'\n- '~'\n- nULL\n"),
        ("[\"1.0\", \"1\", \"0644\", \"0x1F\", \"0b101\", \"1_000\", \"+12\", \"-0\", \"1:30\", \"1:30.5\", \".5\", \"1e5\", \"1.0e+5\", \".inf\", \"-.Inf\", \".NaN\", \"0o17\"]", "inv", "- '1.0'\n- '1'\n- '0644'\n- '0x1F'\n- '0b101'\n- '1_000'\n- '+12'\n- '-0'\n- '1:30'\n- '1:30.5'\n- '.5'\n- 1e5\n- '1.0e+5'\n- '.inf'\n- '-.Inf'\n- '.NaN'\n- 0o17\n"),
        ("[\"2001-12-14\", \"2001-12-14t21:59:43.10-05:00\", \"2001-12-14 21:59:43.10 -5\", \"2001-1-1\"]", "inv", "- '2001-12-14'\n- '2001-12-14t21:59:43.10-05:00'\n- '2001-12-14 21:59:43.10 -5'\n- 2001-1-1\n"),
        ("[\"<<\", \"=\", \"==\", \"<\"]", "inv", "- '<<'\n- '='\n- ==\n- <\n"),
        ("[\"- a\", \"-a\", \"-\", \"--\", \"---\", \"--- a\", \"...\", \"..x\", \"? a\", \"?a\", \": a\", \":a\", \"a:\", \"a: b\", \"a:b\"]", "inv", "- '- a'\n- -a\n- '-'\n- --\n- '---'\n- '--- a'\n- '...'\n- ..x\n- '? a'\n- ?a\n- ': a'\n- :a\n- 'a:'\n- 'a: b'\n- a:b\n"),
        ("[\"#x\", \"a #b\", \"a#b\", \"a # b\", \",a\", \"[a\", \"]a\", \"{a\", \"}a\", \"&a\", \"*a\", \"!a\", \"|a\", \">a\", \"'a\", \"\\\"a\", \"%a\", \"@a\", \"`a\"]", "inv", "- '#x'\n- 'a #b'\n- a#b\n- 'a # b'\n- ',a'\n- '[a'\n- ']a'\n- '{a'\n- '}a'\n- '&a'\n- '*a'\n- '!a'\n- '|a'\n- '>a'\n- '''a'\n- '\"a'\n- '%a'\n- '@a'\n- '`a'\n"),
        ("[\"a,b\", \"a[b\", \"a]b\", \"a{b}\", \"a?b\", \"a!b\", \"a&b\", \"a'b\", \"a\\\"b\", \"a|b\"]", "to_yaml", "['a,b', 'a[b', 'a]b', 'a{b}', 'a?b', a!b, a&b, a'b, a\"b, a|b]\n"),
        ("[\"a,b\", \"a[b\", \"a{b}\", \"a?b\", \"a: b\", \"a:b\"]", "inv", "- a,b\n- a[b\n- a{b}\n- a?b\n- 'a: b'\n- a:b\n"),
        ("[\"a,b\", \"a:b\", \"a?\"]", "flow", "['a,b', 'a:b', 'a?']\n"),
        ("[\" a\", \"a \", \" \", \"  \", \"a  b\", \"a\\tb\", \"\\ta\"]", "inv", "- ' a'\n- 'a '\n- ' '\n- '  '\n- a  b\n- \"a\\tb\"\n- \"\\ta\"\n"),
        ("\"a\\nb\"", "inv", "'a\n\n  b'\n"),
        ("\"a\\nb\\n\"", "inv", "'a\n\n  b\n\n  '\n"),
        ("\"a\\n\\nb\"", "inv", "'a\n\n\n  b'\n"),
        ("\"\\na\"", "inv", "'\n\n  a'\n"),
        ("\"a \\nb\"", "inv", "\"a \\nb\"\n"),
        ("\"a\\n b\"", "inv", "\"a\\n b\"\n"),
        ("\"a\\n\\n\"", "inv", "'a\n\n\n  '\n"),
        ("{\"k\": \"line1\\nline2\\n\"}", "inv", "k: 'line1\n\n  line2\n\n  '\n"),
        ("{\"k\": \"line1\\nline2\\n\"}", "nice", "k: 'line1\n\n    line2\n\n    '\n"),
        ("[\"x\\ny\", \"p\\n\\nq\"]", "to_yaml", "['x\n\n    y', 'p\n\n\n    q']\n"),
        ("\"a\\r\\nb\"", "inv", "\"a\\r\\nb\"\n"),
        ("\"a\u{2028}b\"", "inv", "'a\u{2028}  b'\n"),
        ("\"a\u{85}b\"", "inv", "\"a\\Nb\"\n"),
        ("\"\\u0000\\u0007\\b\\u000b\\f\\u001b\u{7f}\"", "inv", "\"\\0\\a\\b\\v\\f\\e\\x7F\"\n"),
        ("\"\\u0001\\u001f\"", "inv", "\"\\x01\\x1F\"\n"),
        ("\"say \\\"hi\\\" \\\\ there\"", "inv", "say \"hi\" \\ there\n"),
        ("\"it's\"", "inv", "it's\n"),
        ("\"it's\"", "to_yaml", "it's\n"),
        ("\"\u{feff}bom\"", "inv", "\"\\uFEFFbom\"\n"),
        ("\"\u{fffe}\"", "inv", "\"\\uFFFE\"\n"),
        ("\"nb sp\"", "default", "\"nb\\_sp\"\n"),
        ("\"nb sp\"", "inv", "nb sp\n"),
        ("\"café\"", "inv", "café\n"),
        ("\"café\"", "default", "\"caf\\xE9\"\n"),
        ("\"中文\"", "inv", "中文\n"),
        ("\"中文\"", "default", "\"\\u4E2D\\u6587\"\n"),
        ("\"smile 😀\"", "inv", "\"smile \\U0001F600\"\n"),
        ("{\"café\": \"ü\"}", "default", "\"caf\\xE9\": \"\\xFC\"\n"),
        ("\"퟿\"", "inv", "퟿\n"),
        ("\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"", "inv", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n  ut labore et dolore magna aliqua.\n"),
        ("\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"", "inv", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n  ut labore et dolore magna aliqua. Lorem ipsum dolor sit amet, consectetur adipiscing\n  elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\n"),
        ("{\"key\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"}", "nice", "key: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n    incididunt ut labore et dolore magna aliqua. Lorem ipsum dolor sit amet, consectetur\n    adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\n"),
        ("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"", "inv", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"),
        ("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx  yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy z\"", "inv", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx  yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n  z\n"),
        ("\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. it's\"", "inv", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n  ut labore et dolore magna aliqua. it's\n"),
        ("\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. 'quoted'\"", "to_yaml", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n  ut labore et dolore magna aliqua. 'quoted'\n"),
        ("\"'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.'\"", "inv", "'''Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n  incididunt ut labore et dolore magna aliqua.'''\n"),
        ("\"\\tLorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"", "inv", "\"\\tLorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n  incididunt ut labore et dolore magna aliqua.\"\n"),
        ("\"\\tLorem  ipsum  dolor  sit  amet,  consectetur  adipiscing  elit,  sed  do  eiusmod  tempor  incididunt  ut  labore  et  dolore  magna  aliqua.\"", "inv", "\"\\tLorem  ipsum  dolor  sit  amet,  consectetur  adipiscing  elit,  sed  do  eiusmod\n  \\ tempor  incididunt  ut  labore  et  dolore  magna  aliqua.\"\n"),
        ("\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\\nLorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"", "inv", "'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n  ut labore et dolore magna aliqua.\n\n  Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n  ut labore et dolore magna aliqua.'\n"),
        ("\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"", "narrow", "Lorem ipsum dolor sit amet, consectetur\n  adipiscing elit, sed do eiusmod\n  tempor incididunt ut labore et\n  dolore magna aliqua.\n"),
        ("[\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\", \"short\"]", "to_yaml", "['Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n    ut labore et dolore magna aliqua.', short]\n"),
        ("{\"k\": [\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"]}", "nice", "k:\n- Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\n    ut labore et dolore magna aliqua.\n"),
        ("\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"", "nowrap", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\n"),
        ("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\"}", "inv", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: Lorem ipsum dolor sit amet, consectetur\n  adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\n"),
        ("[]", "inv", "[]\n"),
        ("{}", "inv", "{}\n"),
        ("[[]]", "inv", "- []\n"),
        ("{\"a\": {}}", "inv", "a: {}\n"),
        ("{\"a\": []}", "to_yaml", "a: []\n"),
        ("[1, [2, 3], {\"a\": 1}]", "inv", "- 1\n- - 2\n  - 3\n- a: 1\n"),
        ("[1, [2, 3], {\"a\": 1}]", "to_yaml", "- 1\n- [2, 3]\n- {a: 1}\n"),
        ("[1, [2, 3], {\"a\": 1}]", "nice", "- 1\n-   - 2\n    - 3\n-   a: 1\n"),
        ("{\"a\": [1, 2], \"b\": {\"c\": 1}}", "inv", "a:\n- 1\n- 2\nb:\n  c: 1\n"),
        ("{\"a\": [1, 2], \"b\": {\"c\": 1}}", "to_yaml", "a: [1, 2]\nb: {c: 1}\n"),
        ("{\"a\": [1, 2], \"b\": {\"c\": 1}}", "nice", "a:\n- 1\n- 2\nb:\n    c: 1\n"),
        ("[[1, [2, [3]]]]", "inv", "- - 1\n  - - 2\n    - - 3\n"),
        ("[[1, [2, [3]]]]", "nice", "-   - 1\n    -   - 2\n        -   - 3\n"),
        ("[{\"a\": [{\"b\": [1]}]}]", "inv", "- a:\n  - b:\n    - 1\n"),
        ("[{\"a\": [{\"b\": [1]}]}]", "nice", "-   a:\n    -   b:\n        - 1\n"),
        ("{\"z\": 1, \"a\": 2, \"m\": {\"y\": 1, \"b\": 2}}", "inv", "a: 2\nm:\n  b: 2\n  y: 1\nz: 1\n"),
        ("{\"z\": 1, \"a\": 2, \"m\": {\"y\": 1, \"b\": 2}}", "nosort", "z: 1\na: 2\nm:\n  y: 1\n  b: 2\n"),
        ("{\"b\": 1, \"B\": 2, \"_\": 3, \"é\": 4, \"a\": 5, \"10\": 6, \"9\": 7}", "inv", "'10': 6\n'9': 7\nB: 2\n_: 3\na: 5\nb: 1\né: 4\n"),
        ("{\"a\": [{\"b\": 1, \"c\": [1, 2]}, [3, 4]]}", "to_yaml", "a:\n- b: 1\n  c: [1, 2]\n- [3, 4]\n"),
        ("{\"x\": [1, \"two\", null, true, 1.5]}", "to_yaml", "x: [1, two, null, true, 1.5]\n"),
        ("[{\"a\": 1}, {\"b\": 2}]", "to_yaml", "- {a: 1}\n- {b: 2}\n"),
        ("{\"a\": {\"b\": {\"c\": {\"d\": 1}}}}", "to_yaml", "a:\n  b:\n    c: {d: 1}\n"),
        ("{\"a\": {\"b\": {\"c\": {\"d\": 1}}}}", "nice", "a:\n    b:\n        c:\n            d: 1\n"),
        ("{\"list\": [[], {}, [[]]]}", "inv", "list:\n- []\n- {}\n- - []\n"),
        ("[1, 2]", "flow", "[1, 2]\n"),
        ("{\"a\": [1, {\"b\": [2]}]}", "flow", "{a: [1, {b: [2]}]}\n"),
        ("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]", "to_yaml", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n  23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]\n"),
        ("{\"k0\": \"value number 0\", \"k1\": \"value number 1\", \"k2\": \"value number 2\", \"k3\": \"value number 3\", \"k4\": \"value number 4\", \"k5\": \"value number 5\", \"k6\": \"value number 6\", \"k7\": \"value number 7\"}", "to_yaml", "{k0: value number 0, k1: value number 1, k2: value number 2, k3: value number 3, k4: value\n    number 4, k5: value number 5, k6: value number 6, k7: value number 7}\n"),
        ("[\"word 0\", \"word 1\", \"word 2\", \"word 3\", \"word 4\", \"word 5\", \"word 6\", \"word 7\", \"word 8\", \"word 9\", \"word 10\", \"word 11\", \"word 12\", \"word 13\", \"word 14\", \"word 15\", \"word 16\", \"word 17\", \"word 18\", \"word 19\"]", "narrow", "[word 0, word 1, word 2, word 3,\n  word 4, word 5, word 6, word 7,\n  word 8, word 9, word 10, word\n    11, word 12, word 13, word 14,\n  word 15, word 16, word 17, word\n    18, word 19]\n"),
        ("{\"\": 1}", "inv", "'': 1\n"),
        ("{\"yes\": 1, \"1\": 2, \"null\": 3}", "inv", "'1': 2\n'null': 3\n'yes': 1\n"),
        ("{\"a b\": 1, \"a: b\": 2, \"- x\": 3, \"#c\": 4}", "inv", "'#c': 4\n'- x': 3\na b: 1\n'a: b': 2\n"),
        ("{\"multi\\nline\": 1}", "inv", "? 'multi\n\n  line'\n: 1\n"),
        ("{\"multi\\nline\": [1, 2]}", "inv", "? 'multi\n\n  line'\n: - 1\n  - 2\n"),
        ("{\"multi\\nline\": {\"a\": 1}}", "inv", "? 'multi\n\n  line'\n: a: 1\n"),
        ("{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": 1}", "inv", "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: 1\n"),
        ("{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": 1}", "inv", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 1\n"),
        ("{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {\"a\": [1]}}", "inv", "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: a:\n  - 1\n"),
        ("{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": 1}", "to_yaml", "{? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : 1}\n"),
        ("{\"ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\": 1}", "inv", "? ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\n: 1\n"),
        ("{\"multi\\nline\": 1, \"b\": 2}", "to_yaml", "{b: 2, ? 'multi\n\n    line' : 1}\n"),
        ("{\"\": \"\"}", "to_yaml", "{'': ''}\n"),
        ("{\"tab\\tkey\": 1}", "inv", "\"tab\\tkey\": 1\n"),
        ("{\"$vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n35643966323137323763336563396666313763626636346535303338346565303139\\n3366\\n\"}", "inv", "!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  35643966323137323763336563396666313763626636346535303338346565303139\n  3366\n"),
        ("{\"secret\": {\"$vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n35643966323137323763336563396666313763626636346535303338346565303139\\n3366\\n\"}}", "inv", "secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  35643966323137323763336563396666313763626636346535303338346565303139\n  3366\n"),
        ("{\"secret\": {\"$vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n35643966323137323763336563396666313763626636346535303338346565303139\\n3366\\n\"}}", "nice", "secret: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n    35643966323137323763336563396666313763626636346535303338346565303139\n    3366\n"),
        ("{\"secret\": {\"$vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n35643966323137323763336563396666313763626636346535303338346565303139\\n3366\\n\"}}", "to_yaml", "secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  35643966323137323763336563396666313763626636346535303338346565303139\n  3366\n"),
        ("[{\"$vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n35643966323137323763336563396666313763626636346535303338346565303139\\n3366\\n\"}, \"x\"]", "to_yaml", "- !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  35643966323137323763336563396666313763626636346535303338346565303139\n  3366\n- x\n"),
        ("{\"s\": {\"$vault\": \"abc\"}}", "inv", "s: !vault |-\n  abc\n"),
        ("{\"s\": {\"$vault\": \" lead\\n\"}}", "inv", "s: !vault |2\n   lead\n"),
        ("{\"s\": {\"$unsafe\": \"{{ x }}\"}}", "inv", "s: '{{ x }}'\n"),
        ("{\"s\": [{\"$unsafe\": \"{{ x }}\"}]}", "to_yaml", "s: ['{{ x }}']\n"),
        ("\"abc\"", "start_end", "--- abc\n...\n"),
        ("{\"a\": 1}", "start_end", "---\na: 1\n...\n"),
        ("[]", "start_end", "--- []\n...\n"),
        ("\"a\\nb\"", "start_end", "--- 'a\n\n  b'\n...\n"),
        ("{\"msg\": \"line1\\nline2\\n\", \"rc\": 0}", "cb", "msg: |-\n  line1\n  line2\nrc: 0\n"),
        ("{\"msg\": \"line1\\nline2\\n\", \"rc\": 0}", "cb4", "msg: |-\n    line1\n    line2\nrc: 0\n"),
        ("{\"stdout\": \"a  \\n\\tb\\u0001c \\nd\\r\\n\"}", "cb", "stdout: |-\n  a\n          bc\n  d\n"),
        ("{\"stdout\": \"a  \\n\\tb\\u0001c \\nd\\r\\n\"}", "cbx", "stdout: \"a  \\n\\tb\\x01c \\nd\\r\\n\"\n"),
        ("{\"x\": \"single line\"}", "cb", "x: single line\n"),
        ("{\"x\": \"x\\n\\n\"}", "cbx", "x: |+\n  x\n\n...\n"),
        ("\"x\\n\\n\"", "cbx", "|+\n  x\n\n...\n"),
        ("{\"lines\": [\"a\\nb\", \"c\"]}", "cb", "lines:\n- |-\n  a\n  b\n- c\n"),
        ("{\"multi\\nkey\": 1}", "cbx", "? |-\n  multi\n  key\n: 1\n"),
        ("{\"e\": \"emoji 😀\\nnext\"}", "cb", "e: \"emoji \\U0001F600\\nnext\"\n"),
        ("{\"s\": \" lead\\ntrail\"}", "cbx", "s: |2-\n   lead\n  trail\n"),
        ("{\"s\": \"\\n\\nx\"}", "cbx", "s: |2-\n\n\n  x\n"),
        ("{\"u\": \"a\u{2028}b\"}", "cb", "u: |-\n  a\u{2028}  b\n"),
        ("{\"s\": {\"$vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n35643966323137323763336563396666313763626636346535303338346565303139\\n3366\\n\"}}", "cb", "s: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  35643966323137323763336563396666313763626636346535303338346565303139\n  3366\n"),
        ("\"thing\"", "canon", "---\n!!str \"thing\"\n"),
        ("{\"a\": [1, \"x\", null, true, 1.5, {}], \"b\": {\"c\": \"d e\\n\\\"q\\\\\"}}", "canon", "---\n!!map {\n  ? !!str \"a\"\n  : !!seq [\n    !!int \"1\",\n    !!str \"x\",\n    !!null \"null\",\n    !!bool \"true\",\n    !!float \"1.5\",\n    !!map {},\n  ],\n  ? !!str \"b\"\n  : !!map {\n    ? !!str \"c\"\n    : !!str \"d e\\n\\\"q\\\\\",\n  },\n}\n"),
        ("[]", "canon", "---\n!!seq []\n"),
        ("{}", "canon", "---\n!!map {}\n"),
        ("[[1, [2]]]", "canon", "---\n!!seq [\n  !!seq [\n    !!int \"1\",\n    !!seq [\n      !!int \"2\",\n    ],\n  ],\n]\n"),
        ("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx long words long words long words long words long words long words long words long words long words long words\"", "canon_ascii", "---\n!!str \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n  long words long words long words long words\n  long words long words long words long words\n  long words long words\"\n"),
        ("\"\u{e9}\u{2028}\\t\"", "canon_ascii", "---\n!!str \"\\xE9\\L\\t\"\n"),
        ("\"\u{e9}\u{2028}\\t\"", "canon", "---\n!!str \"\u{e9}\\L\\t\"\n"),
        ("{\"multi\\nkey\": \"\", \"\": []}", "canon", "---\n!!map {\n  ? !!str \"\"\n  : !!seq [],\n  ? !!str \"multi\\nkey\"\n  : !!str \"\",\n}\n"),
        ("[\"yes\", \"0644\", \"\"]", "canon", "---\n!!seq [\n  !!str \"yes\",\n  !!str \"0644\",\n  !!str \"\",\n]\n"),
    ];

    #[test]
    fn matches_pyyaml_table() {
        let mut failures = Vec::new();
        for (i, (input, how, expected)) in CASES.iter().enumerate() {
            let value = decode(&serde_json::from_str(input).expect("case json"));
            let got = run(&value, &preset(how));
            if got != *expected {
                failures.push(format!(
                    "case {i} {input} [{how}]\n  want {expected:?}\n  got  {got:?}"
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(CASES.len() >= 80);
    }

    /// Every code point, alone and in context, in every preset: no panics,
    /// and the text always ends with a newline.
    #[test]
    fn any_character_dumps() {
        let presets = [
            "inv",
            "to_yaml",
            "nice",
            "default",
            "flow",
            "narrow",
            "start_end",
            "canon",
            "cb",
            "cbx",
        ];
        let hows: Vec<How> = presets.iter().map(|p| preset(p)).collect();
        for cp in (0..0x11_0000u32)
            .step_by(331)
            .chain(0..0x100)
            .chain(0xFFF0..0x1_0010)
        {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let text = format!("{c}x {c}\n{c}");
            let mut map = crate::value::Map::new();
            map.insert(c.to_string(), Value::List(vec![Value::Str(text.clone())]));
            map.insert(text.clone(), Value::Vault(text.clone()));
            for value in [Value::Str(c.to_string()), Value::Map(map)] {
                for how in &hows {
                    assert!(run(&value, how).ends_with('\n'), "U+{cp:04X}");
                }
            }
        }
    }

    /// Differential check against a corpus written by PyYAML: set
    /// `YAML_DUMP_CORPUS` to a JSON-lines file of `{"v": input, "o": options,
    /// "e": expected}` and run with `--ignored`.
    #[test]
    #[ignore]
    fn matches_pyyaml_corpus() {
        let Ok(path) = std::env::var("YAML_DUMP_CORPUS") else {
            return;
        };
        let text = std::fs::read_to_string(&path).expect("corpus");
        let mut failures = 0;
        let mut total = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: serde_json::Value = serde_json::from_str(line).expect("corpus line");
            let value = decode(&case["v"]);
            let expected = case["e"].as_str().expect("expected text");
            let got = run(&value, &options(&case["o"]));
            total += 1;
            if got != expected {
                failures += 1;
                if failures <= 3 {
                    eprintln!("MISMATCH {line}\n  got {got:?}");
                }
                if let Ok(out) = std::env::var("YAML_DUMP_FAILURES") {
                    let mut record = case.clone();
                    record["g"] = serde_json::Value::String(got);
                    let mut text = std::fs::read_to_string(&out).unwrap_or_default();
                    text.push_str(&record.to_string());
                    text.push('\n');
                    std::fs::write(&out, text).expect("failure log");
                }
            }
        }
        eprintln!("{total} cases, {failures} mismatches");
        assert_eq!(failures, 0);
    }
}
