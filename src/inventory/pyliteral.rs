//! Python literal evaluation for INI inventory values.
//!
//! ansible's INI plugin runs every `key=value` value through Python's
//! `ast.literal_eval` and, when that succeeds, converts the result the way
//! ansible does (tuples and sets become lists, bytes become text, complex
//! numbers and `...` become their `str()`). We reproduce that pipeline here:
//! a tokenizer for the subset of Python source a literal can contain, a parser
//! that builds the same tree shapes `ast.parse` would, an evaluator with
//! `literal_eval`'s acceptance rules, and the final conversion to [`Value`].
//!
//! Python objects that `Value` cannot hold are approximated (documented on
//! each case): integers beyond `i64` become floats, `\N{...}` escapes and lone
//! surrogates are treated as "not a literal".

use crate::pyhash::{fix_minus_one, hash_int};
use crate::value::{Map, Value, python_float_repr, python_str_repr};

/// Why a text is not turned into a typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralError {
    /// Python raised `SyntaxError` or `ValueError`: ansible keeps the raw text.
    NotALiteral,
    /// Python raised something ansible does not catch (for instance
    /// `TypeError: unhashable type: 'list'`): the whole source fails.
    Fatal(String),
}

/// `ast.literal_eval(text)` followed by ansible's INI type coercion.
/// Every failure, recoverable or not, is reported as `Err(())`; use
/// [`try_literal_eval`] to tell them apart.
#[allow(clippy::result_unit_err)] // the unit error is the agreed interface
pub fn literal_eval(text: &str) -> Result<Value, ()> {
    try_literal_eval(text).map_err(|_| ())
}

/// Like [`literal_eval`], but tells recoverable failures (ansible falls back
/// to the raw string) from fatal ones (ansible aborts the source).
pub fn try_literal_eval(text: &str) -> Result<Value, LiteralError> {
    // literal_eval strips only leading spaces and tabs, to avoid an
    // "unexpected indent" on input such as " 1".
    let source = text.trim_start_matches([' ', '\t']);
    let tokens = Lexer::new(source)
        .tokenize()
        .ok_or(LiteralError::NotALiteral)?;
    let node = Parser::new(tokens)
        .parse_eval_input()
        .ok_or(LiteralError::NotALiteral)?;
    let object = evaluate(&node)?;
    to_value(object).map_err(LiteralError::Fatal)
}

// ---------------------------------------------------------------------------
// Python text semantics shared by the inventory parsers.

/// Python's `str.isspace()` for one character. Rust's `char::is_whitespace`
/// misses the four ASCII information separators Python counts as spaces.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `\w` in text patterns: alphanumerics and the underscore.
/// (Rust's alphanumerics also include combining marks that are
/// `Other_Alphabetic`, which Python's `isalnum` excludes.)
pub(crate) fn is_py_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Python's `str.strip()` with no arguments.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `str.splitlines()`: every Unicode line boundary ends a line,
/// `\r\n` counts once, and a final terminator adds no empty line.
pub(crate) fn py_splitlines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        lines.push(text.get(start..i).unwrap_or_default());
        let mut end = i + c.len_utf8();
        if c == '\r'
            && let Some(&(j, '\n')) = chars.peek()
        {
            chars.next();
            end = j + 1;
        }
        start = end;
    }
    if start < text.len() {
        lines.push(text.get(start..).unwrap_or_default());
    }
    lines
}

// ---------------------------------------------------------------------------
// Tokens.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(PyObj),
    /// One string literal; adjacent ones are joined by the parser.
    Str(StrLit),
    Name(String),
    Ellipsis,
    Op(char),
    Newline,
}

#[derive(Debug, Clone, PartialEq)]
enum StrLit {
    Text(String),
    Bytes(Vec<u8>),
    /// f-strings parse to `JoinedStr`, which literal_eval rejects.
    Formatted,
}

/// The tokenizer's nesting limit (CPython's MAXLEVEL): deeper input is a
/// `SyntaxError: too many nested parentheses`.
const MAX_NESTING: usize = 200;

/// Python 3.11 refuses to convert decimal literals longer than this.
const MAX_INT_DIGITS: usize = 4300;

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    tokens: Vec<Token>,
}

impl Lexer {
    fn new(source: &str) -> Self {
        Lexer {
            chars: source.chars().collect(),
            pos: 0,
            depth: 0,
            tokens: Vec::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// Tokenize the whole source; `None` where Python raises `SyntaxError`.
    fn tokenize(mut self) -> Option<Vec<Token>> {
        let mut at_line_start = true;
        loop {
            if at_line_start && self.depth == 0 {
                if !self.skip_blank_lines_and_check_indent()? {
                    break;
                }
                at_line_start = false;
            }
            let Some(c) = self.peek() else { break };
            match c {
                ' ' | '\t' | '\u{c}' => self.pos += 1,
                '#' => self.skip_comment(),
                '\n' | '\r' => {
                    self.consume_newline();
                    if self.depth == 0 {
                        self.tokens.push(Token::Newline);
                        at_line_start = true;
                    }
                }
                '\\' => {
                    // Explicit line joining: only a newline may follow.
                    self.pos += 1;
                    if !matches!(self.peek(), Some('\n' | '\r')) {
                        return None;
                    }
                    self.consume_newline();
                }
                '\0' => return None,
                '0'..='9' => {
                    let number = self.number()?;
                    self.tokens.push(Token::Number(number));
                }
                '.' => {
                    if matches!(self.peek_at(1), Some('0'..='9')) {
                        let number = self.number()?;
                        self.tokens.push(Token::Number(number));
                    } else if self.peek_at(1) == Some('.') && self.peek_at(2) == Some('.') {
                        self.pos += 3;
                        self.tokens.push(Token::Ellipsis);
                    } else {
                        return None;
                    }
                }
                '\'' | '"' => {
                    let lit = self.string(Prefix::default())?;
                    self.tokens.push(Token::Str(lit));
                }
                '(' | '[' | '{' => {
                    if self.depth >= MAX_NESTING {
                        return None;
                    }
                    self.depth += 1;
                    self.pos += 1;
                    self.tokens.push(Token::Op(c));
                }
                ')' | ']' | '}' => {
                    self.depth = self.depth.checked_sub(1)?;
                    self.pos += 1;
                    self.tokens.push(Token::Op(c));
                }
                ',' | ':' | '+' | '-' => {
                    self.pos += 1;
                    self.tokens.push(Token::Op(c));
                }
                c if is_identifier_char(c) => self.name_or_prefixed_string()?,
                _ => return None,
            }
        }
        if self.depth != 0 {
            return None;
        }
        Some(self.tokens)
    }

    /// At the start of a logical line: skip blank and comment-only lines and
    /// reject indentation. Returns `false` at the end of input.
    fn skip_blank_lines_and_check_indent(&mut self) -> Option<bool> {
        loop {
            let mut column = 0usize;
            while let Some(c) = self.peek() {
                match c {
                    ' ' | '\t' => column += 1,
                    // A form feed resets the indentation count.
                    '\u{c}' => column = 0,
                    _ => break,
                }
                self.pos += 1;
            }
            match self.peek() {
                // Trailing indentation on a last, empty line is still an
                // "unexpected indent" for CPython.
                None => return if column > 0 { None } else { Some(false) },
                Some('#') => self.skip_comment(),
                Some('\n' | '\r') => self.consume_newline(),
                Some(_) if column > 0 => return None,
                // A second statement in eval mode is a syntax error.
                Some(_) if !self.tokens.is_empty() => return None,
                Some(_) => return Some(true),
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                break;
            }
            self.pos += 1;
        }
    }

    fn consume_newline(&mut self) {
        if self.peek() == Some('\r') && self.peek_at(1) == Some('\n') {
            self.pos += 1;
        }
        self.pos += 1;
    }

    /// A run of digits where single underscores may separate digits.
    fn digit_part(&mut self, is_digit: impl Fn(char) -> bool) -> Option<String> {
        let mut digits = String::new();
        match self.peek() {
            Some(c) if is_digit(c) => digits.push(c),
            _ => return None,
        }
        self.pos += 1;
        loop {
            match self.peek() {
                Some(c) if is_digit(c) => digits.push(c),
                Some('_') => match self.peek_at(1) {
                    Some(c) if is_digit(c) => {
                        digits.push(c);
                        self.pos += 1;
                    }
                    _ => return None,
                },
                _ => break,
            }
            self.pos += 1;
        }
        Some(digits)
    }

    fn number(&mut self) -> Option<PyObj> {
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some('0'), Some('x' | 'X')) => Some(16),
            (Some('0'), Some('o' | 'O')) => Some(8),
            (Some('0'), Some('b' | 'B')) => Some(2),
            _ => None,
        };
        let value = match radix {
            Some(radix) => self.prefixed_int(radix)?,
            None => self.decimal_number()?,
        };
        // "1x", "0b12", "1_" and the like are invalid literals.
        if self
            .peek()
            .is_some_and(|c| is_identifier_char(c) || c.is_ascii_digit())
        {
            return None;
        }
        Some(value)
    }

    fn prefixed_int(&mut self, radix: u32) -> Option<PyObj> {
        self.pos += 2;
        // An underscore may follow the prefix directly: 0x_ff.
        if self.peek() == Some('_') {
            self.pos += 1;
        }
        let digits = self.digit_part(|c| c.is_digit(radix))?;
        Some(int_from_digits(&digits, radix))
    }

    fn decimal_number(&mut self) -> Option<PyObj> {
        let integer = if self.peek() == Some('.') {
            String::new()
        } else {
            self.digit_part(|c| c.is_ascii_digit())?
        };
        let mut text = integer.clone();
        let mut is_float = false;
        if self.peek() == Some('.') {
            is_float = true;
            self.pos += 1;
            text.push('.');
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                text.push_str(&self.digit_part(|c| c.is_ascii_digit())?);
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            is_float = true;
            self.pos += 1;
            text.push('e');
            if let Some(sign @ ('+' | '-')) = self.peek() {
                text.push(sign);
                self.pos += 1;
            }
            text.push_str(&self.digit_part(|c| c.is_ascii_digit())?);
        }
        if matches!(self.peek(), Some('j' | 'J')) {
            self.pos += 1;
            return Some(PyObj::Complex(0.0, parse_float(&text)?));
        }
        if is_float {
            return Some(PyObj::Float(parse_float(&text)?));
        }
        // "00" is zero, but "01" is refused ("leading zeros ... not permitted").
        if integer.starts_with('0') && integer.chars().any(|c| c != '0') {
            return None;
        }
        if integer.len() > MAX_INT_DIGITS {
            return None;
        }
        Some(int_from_digits(&integer, 10))
    }

    /// An identifier, or a string literal with a prefix such as `r` or `b`.
    fn name_or_prefixed_string(&mut self) -> Option<()> {
        let start = self.pos;
        while self.peek().is_some_and(is_identifier_char) {
            self.pos += 1;
        }
        let word: String = self.chars.get(start..self.pos)?.iter().collect();
        if matches!(self.peek(), Some('\'' | '"'))
            && let Some(prefix) = Prefix::parse(&word)
        {
            let lit = self.string(prefix)?;
            self.tokens.push(Token::Str(lit));
            return Some(());
        }
        self.tokens.push(Token::Name(word));
        Some(())
    }

    /// Scan a quoted literal starting at the opening quote and decode it.
    fn string(&mut self, prefix: Prefix) -> Option<StrLit> {
        let quote = self.peek()?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let mut body: Vec<char> = Vec::new();
        loop {
            let c = self.peek()?;
            if c == '\0' {
                return None;
            }
            if c == '\\' {
                let next = self.peek_at(1)?;
                self.pos += 2;
                body.push('\\');
                if next == '\r' {
                    // Source newlines are normalised to "\n" before decoding.
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                    body.push('\n');
                } else {
                    body.push(next);
                }
                continue;
            }
            if c == quote
                && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote)))
            {
                self.pos += if triple { 3 } else { 1 };
                break;
            }
            if c == '\n' || c == '\r' {
                if !triple {
                    return None;
                }
                self.consume_newline();
                body.push('\n');
                continue;
            }
            body.push(c);
            self.pos += 1;
        }
        if prefix.formatted {
            return Some(StrLit::Formatted);
        }
        if prefix.bytes {
            if body.iter().any(|c| !c.is_ascii()) {
                return None;
            }
            return Some(StrLit::Bytes(decode_bytes_body(&body, prefix.raw)?));
        }
        if prefix.raw {
            return Some(StrLit::Text(body.iter().collect()));
        }
        decode_text_body(&body).map(StrLit::Text)
    }
}

fn is_identifier_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[derive(Debug, Clone, Copy, Default)]
struct Prefix {
    raw: bool,
    bytes: bool,
    formatted: bool,
}

impl Prefix {
    /// The string prefixes Python accepts (case-insensitive, any order).
    fn parse(word: &str) -> Option<Prefix> {
        let lower = word.to_ascii_lowercase();
        let prefix = match lower.as_str() {
            "r" => Prefix {
                raw: true,
                ..Prefix::default()
            },
            "u" => Prefix::default(),
            "b" => Prefix {
                bytes: true,
                ..Prefix::default()
            },
            "br" | "rb" => Prefix {
                raw: true,
                bytes: true,
                ..Prefix::default()
            },
            "f" => Prefix {
                formatted: true,
                ..Prefix::default()
            },
            "fr" | "rf" => Prefix {
                raw: true,
                formatted: true,
                ..Prefix::default()
            },
            _ => return None,
        };
        Some(prefix)
    }
}

/// The value of `count` hex digits at `body[at..]`, if they are all there.
fn hex_escape(body: &[char], at: usize, count: usize) -> Option<u32> {
    let digits = body.get(at..at + count)?;
    digits
        .iter()
        .try_fold(0u32, |acc, c| Some(acc * 16 + c.to_digit(16)?))
}

/// Up to three octal digits starting at `body[at]`: (value, digits used).
fn octal_escape(body: &[char], at: usize) -> (u32, usize) {
    let mut value = 0;
    let mut used = 0;
    while used < 3 {
        match body.get(at + used).and_then(|c| c.to_digit(8)) {
            Some(d) => value = value * 8 + d,
            None => break,
        }
        used += 1;
    }
    (value, used)
}

/// The single-character escapes shared by text and bytes literals.
fn simple_escape(c: char) -> Option<char> {
    Some(match c {
        '\\' => '\\',
        '\'' => '\'',
        '"' => '"',
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        _ => return None,
    })
}

/// Decode the escapes of a non-raw text literal.
fn decode_text_body(body: &[char]) -> Option<String> {
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = body.get(i) {
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let next = *body.get(i + 1)?;
        i += 2;
        if next == '\n' {
            continue;
        }
        if let Some(e) = simple_escape(next) {
            out.push(e);
            continue;
        }
        let code = match next {
            '0'..='7' => {
                let (value, used) = octal_escape(body, i - 1);
                i += used - 1;
                value
            }
            'x' | 'u' | 'U' => {
                let width = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let value = hex_escape(body, i, width)?;
                i += width;
                value
            }
            // `\N{name}` needs the Unicode name table, which we do not carry;
            // treating it as "not a literal" keeps the raw text instead.
            'N' => return None,
            other => {
                // Unknown escapes stay as written (Python only warns).
                out.push('\\');
                out.push(other);
                continue;
            }
        };
        // Lone surrogates cannot live in a Rust string; out-of-range code
        // points are a SyntaxError in Python too.
        out.push(char::from_u32(code)?);
    }
    Some(out)
}

/// Decode a bytes literal body (ASCII only, checked by the caller).
fn decode_bytes_body(body: &[char], raw: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    let push_char = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    while let Some(&c) = body.get(i) {
        if raw || c != '\\' {
            push_char(&mut out, c);
            i += 1;
            continue;
        }
        let next = *body.get(i + 1)?;
        i += 2;
        if next == '\n' {
            continue;
        }
        if let Some(e) = simple_escape(next) {
            push_char(&mut out, e);
            continue;
        }
        match next {
            '0'..='7' => {
                let (value, used) = octal_escape(body, i - 1);
                i += used - 1;
                // CPython keeps the low eight bits of "\777".
                out.push((value & 0xff) as u8);
            }
            'x' => {
                let value = hex_escape(body, i, 2)?;
                i += 2;
                out.push(value as u8);
            }
            other => {
                push_char(&mut out, '\\');
                push_char(&mut out, other);
            }
        }
    }
    Some(out)
}

fn parse_float(text: &str) -> Option<f64> {
    // Rust's parser rounds like Python's and overflows to infinity as
    // Python does ("1e400" is inf).
    text.parse::<f64>().ok()
}

/// An integer literal's value; beyond `i128` we keep a float approximation.
fn int_from_digits(digits: &str, radix: u32) -> PyObj {
    let mut exact: Option<i128> = Some(0);
    let mut approx = 0f64;
    for d in digits.chars().filter_map(|c| c.to_digit(radix)) {
        exact = exact.and_then(|v| v.checked_mul(i128::from(radix))?.checked_add(i128::from(d)));
        approx = approx * f64::from(radix) + f64::from(d);
    }
    match exact {
        Some(v) => PyObj::Int(v),
        None if radix == 10 => PyObj::BigInt(digits.parse::<f64>().unwrap_or(approx)),
        None => PyObj::BigInt(approx),
    }
}

// ---------------------------------------------------------------------------
// Parser: the tree shapes `ast.parse(mode="eval")` produces for our subset.

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Const(PyObj),
    Name(String),
    Tuple(Vec<Node>),
    List(Vec<Node>),
    Set(Vec<Node>),
    Dict(Vec<(Node, Node)>),
    Unary {
        negate: bool,
        operand: Box<Node>,
    },
    Binary {
        left: Box<Node>,
        subtract: bool,
        right: Box<Node>,
    },
    /// A call with no arguments; literal_eval accepts only `set()`.
    EmptyCall(Box<Node>),
    /// Valid syntax that literal_eval rejects whatever it contains (an
    /// f-string, `--1`, `1+2j+3j`, `set()()`). Keeping it as a leaf instead
    /// of a tree bounds recursion, and it still fails only when evaluated,
    /// after earlier siblings, as Python's does.
    Malformed,
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn new(tokens: Vec<Token>) -> Self {
        Parser { tokens, pos: 0 }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn eat_op(&mut self, op: char) -> bool {
        if self.peek() == Some(&Token::Op(op)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: char) -> Option<()> {
        self.eat_op(op).then_some(())
    }

    /// `expressions NEWLINE* ENDMARKER`.
    fn parse_eval_input(mut self) -> Option<Node> {
        let node = self.expressions()?;
        while self.peek() == Some(&Token::Newline) {
            self.pos += 1;
        }
        if self.pos != self.tokens.len() {
            return None;
        }
        Some(node)
    }

    /// `expr (',' expr)* [',']`, a tuple when a comma is present.
    fn expressions(&mut self) -> Option<Node> {
        let first = self.expression()?;
        if !self.eat_op(',') {
            return Some(first);
        }
        let mut items = vec![first];
        while self.at_expression_start() {
            items.push(self.expression()?);
            if !self.eat_op(',') {
                break;
            }
        }
        Some(Node::Tuple(items))
    }

    fn at_expression_start(&self) -> bool {
        match self.peek() {
            None | Some(Token::Newline) => false,
            Some(Token::Op(c)) => matches!(c, '(' | '[' | '{' | '+' | '-'),
            Some(_) => true,
        }
    }

    fn sign(&self) -> Option<bool> {
        match self.peek() {
            Some(Token::Op('+')) => Some(false),
            Some(Token::Op('-')) => Some(true),
            _ => None,
        }
    }

    /// Binary `+`/`-` chains, left associative. Only a single operation can
    /// be a literal, so longer chains collapse into `Malformed`.
    fn expression(&mut self) -> Option<Node> {
        let mut left = self.unary()?;
        let mut operations = 0;
        while let Some(subtract) = self.sign() {
            self.pos += 1;
            let right = self.unary()?;
            operations += 1;
            left = if operations == 1 {
                Node::Binary {
                    left: Box::new(left),
                    subtract,
                    right: Box::new(right),
                }
            } else {
                Node::Malformed
            };
        }
        Some(left)
    }

    /// Prefix signs; more than one can never be a literal.
    fn unary(&mut self) -> Option<Node> {
        let mut signs = Vec::new();
        while let Some(negate) = self.sign() {
            self.pos += 1;
            signs.push(negate);
        }
        let operand = self.primary()?;
        Some(match signs.as_slice() {
            [] => operand,
            [negate] => Node::Unary {
                negate: *negate,
                operand: Box::new(operand),
            },
            _ => Node::Malformed,
        })
    }

    /// An atom with optional empty-call trailers (`set()`).
    fn primary(&mut self) -> Option<Node> {
        let mut node = self.atom()?;
        while self.eat_op('(') {
            self.expect_op(')')?;
            node = match node {
                Node::EmptyCall(_) | Node::Malformed => Node::Malformed,
                callee => Node::EmptyCall(Box::new(callee)),
            };
        }
        // Subscripts would make a non-literal; refuse them here.
        if self.peek() == Some(&Token::Op('[')) {
            return None;
        }
        Some(node)
    }

    fn atom(&mut self) -> Option<Node> {
        match self.next()? {
            Token::Number(n) => Some(Node::Const(n)),
            Token::Ellipsis => Some(Node::Const(PyObj::Ellipsis)),
            Token::Name(name) => Some(match name.as_str() {
                "True" => Node::Const(PyObj::Bool(true)),
                "False" => Node::Const(PyObj::Bool(false)),
                "None" => Node::Const(PyObj::None),
                _ => Node::Name(name),
            }),
            Token::Str(first) => self.string_concatenation(first),
            Token::Op('(') => self.parenthesized(),
            Token::Op('[') => self.list(),
            Token::Op('{') => self.dict_or_set(),
            _ => None,
        }
    }

    /// Adjacent literals join into one constant; text and bytes may not mix.
    fn string_concatenation(&mut self, first: StrLit) -> Option<Node> {
        let mut parts = vec![first];
        while let Some(Token::Str(_)) = self.peek() {
            if let Some(Token::Str(lit)) = self.next() {
                parts.push(lit);
            }
        }
        let any_bytes = parts.iter().any(|p| matches!(p, StrLit::Bytes(_)));
        let any_text = parts.iter().any(|p| !matches!(p, StrLit::Bytes(_)));
        if any_bytes && any_text {
            return None;
        }
        if parts.iter().any(|p| matches!(p, StrLit::Formatted)) {
            // A JoinedStr node: syntactically fine, rejected by literal_eval.
            return Some(Node::Malformed);
        }
        if any_bytes {
            let mut bytes = Vec::new();
            for part in parts {
                if let StrLit::Bytes(b) = part {
                    bytes.extend(b);
                }
            }
            return Some(Node::Const(PyObj::Bytes(bytes)));
        }
        let mut text = String::new();
        for part in parts {
            if let StrLit::Text(t) = part {
                text.push_str(&t);
            }
        }
        Some(Node::Const(PyObj::Str(text)))
    }

    fn parenthesized(&mut self) -> Option<Node> {
        if self.eat_op(')') {
            return Some(Node::Tuple(Vec::new()));
        }
        let node = self.expressions()?;
        self.expect_op(')')?;
        Some(node)
    }

    fn list(&mut self) -> Option<Node> {
        let items = self.comma_items(']')?;
        Some(Node::List(items))
    }

    /// `[expr (',' expr)* [',']] close`.
    fn comma_items(&mut self, close: char) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        loop {
            if self.eat_op(close) {
                return Some(items);
            }
            items.push(self.expression()?);
            if !self.eat_op(',') {
                self.expect_op(close)?;
                return Some(items);
            }
        }
    }

    fn dict_or_set(&mut self) -> Option<Node> {
        if self.eat_op('}') {
            return Some(Node::Dict(Vec::new()));
        }
        let first = self.expression()?;
        if !self.eat_op(':') {
            let mut items = vec![first];
            if self.eat_op(',') {
                items.extend(self.comma_items('}')?);
            } else {
                self.expect_op('}')?;
            }
            return Some(Node::Set(items));
        }
        let mut pairs = vec![(first, self.expression()?)];
        loop {
            if self.eat_op('}') {
                return Some(Node::Dict(pairs));
            }
            self.expect_op(',')?;
            if self.eat_op('}') {
                return Some(Node::Dict(pairs));
            }
            let key = self.expression()?;
            self.expect_op(':')?;
            pairs.push((key, self.expression()?));
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation with literal_eval's rules.

/// The Python objects a literal can produce, before ansible's coercion.
#[derive(Debug, Clone, PartialEq)]
enum PyObj {
    None,
    Bool(bool),
    Int(i128),
    /// An integer too large for `i128`, approximated.
    BigInt(f64),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    Bytes(Vec<u8>),
    Ellipsis,
    Tuple(Vec<PyObj>),
    List(Vec<PyObj>),
    /// Members in Python's iteration order.
    Set(Vec<PyObj>),
    Dict(Vec<(PyObj, PyObj)>),
}

fn evaluate(node: &Node) -> Result<PyObj, LiteralError> {
    match node {
        Node::Const(obj) => Ok(obj.clone()),
        Node::Tuple(items) => Ok(PyObj::Tuple(evaluate_all(items)?)),
        Node::List(items) => Ok(PyObj::List(evaluate_all(items)?)),
        Node::Set(items) => evaluate_set(items),
        Node::Dict(pairs) => evaluate_dict(pairs),
        Node::EmptyCall(func) if **func == Node::Name("set".into()) => Ok(PyObj::Set(Vec::new())),
        Node::Binary {
            left,
            subtract,
            right,
        } => evaluate_complex_sum(left, *subtract, right),
        _ => signed_number(node),
    }
}

fn evaluate_all(items: &[Node]) -> Result<Vec<PyObj>, LiteralError> {
    items.iter().map(evaluate).collect()
}

/// Python builds the set one member at a time, hashing each as it goes, so
/// an unhashable member fails before later members are even looked at.
fn evaluate_set(items: &[Node]) -> Result<PyObj, LiteralError> {
    let mut members: Vec<PyObj> = Vec::new();
    let mut hashes: Vec<Option<i64>> = Vec::new();
    for item in items {
        let value = evaluate(item)?;
        let hash = py_hash(&value).map_err(unhashable)?;
        if !members.iter().any(|m| py_eq(m, &value)) {
            members.push(value);
            hashes.push(hash);
        }
    }
    let known: Option<Vec<i64>> = hashes.into_iter().collect();
    Ok(PyObj::Set(match known {
        Some(hashes) => set_iteration_order(members, &hashes),
        // Text hashes are randomised per process in Python, so no order is
        // reproducible; keep the written order.
        None => members,
    }))
}

fn evaluate_dict(pairs: &[(Node, Node)]) -> Result<PyObj, LiteralError> {
    let mut entries: Vec<(PyObj, PyObj)> = Vec::new();
    for (key_node, value_node) in pairs {
        let key = evaluate(key_node)?;
        let value = evaluate(value_node)?;
        py_hash(&key).map_err(unhashable)?;
        // An equal key keeps its first spelling and position; the value is
        // replaced ({1: 'a', True: 'b'} is {1: 'b'}).
        match entries.iter_mut().find(|(k, _)| py_eq(k, &key)) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
    Ok(PyObj::Dict(entries))
}

fn unhashable(type_name: &'static str) -> LiteralError {
    LiteralError::Fatal(format!("unhashable type: '{type_name}'"))
}

/// `a + bj` / `a - bj`: the only binary operation literal_eval allows, with
/// a real (optionally signed) number on the left and an imaginary literal
/// on the right.
fn evaluate_complex_sum(left: &Node, subtract: bool, right: &Node) -> Result<PyObj, LiteralError> {
    let left = signed_number(left)?;
    let right = number(right)?;
    let real = match left {
        PyObj::Int(i) => i as f64,
        PyObj::BigInt(f) | PyObj::Float(f) => f,
        _ => return Err(LiteralError::NotALiteral),
    };
    let PyObj::Complex(re, im) = right else {
        return Err(LiteralError::NotALiteral);
    };
    // Python widens the real operand to complex(real, 0.0) first.
    Ok(if subtract {
        PyObj::Complex(real - re, 0.0 - im)
    } else {
        PyObj::Complex(real + re, 0.0 + im)
    })
}

/// A numeric constant, optionally under one unary `+` or `-`.
fn signed_number(node: &Node) -> Result<PyObj, LiteralError> {
    let Node::Unary { negate, operand } = node else {
        return number(node);
    };
    let value = number(operand)?;
    if !negate {
        return Ok(value);
    }
    Ok(match value {
        PyObj::Int(i) => PyObj::Int(-i),
        PyObj::BigInt(f) => PyObj::BigInt(-f),
        PyObj::Float(f) => PyObj::Float(-f),
        PyObj::Complex(re, im) => PyObj::Complex(-re, -im),
        _ => return Err(LiteralError::NotALiteral),
    })
}

/// A bare int, float or complex constant (not a bool).
fn number(node: &Node) -> Result<PyObj, LiteralError> {
    match node {
        Node::Const(
            obj @ (PyObj::Int(_) | PyObj::BigInt(_) | PyObj::Float(_) | PyObj::Complex(..)),
        ) => Ok(obj.clone()),
        _ => Err(LiteralError::NotALiteral),
    }
}

// ---------------------------------------------------------------------------
// Python equality and hashing, needed for set/dict de-duplication and for
// the iteration order of sets of numbers.

/// Numeric view used for cross-type equality (1 == 1.0 == True == 1+0j).
fn as_number(obj: &PyObj) -> Option<(f64, f64, Option<i128>)> {
    match obj {
        PyObj::Bool(b) => Some((f64::from(u8::from(*b)), 0.0, Some(i128::from(*b)))),
        PyObj::Int(i) => Some((*i as f64, 0.0, Some(*i))),
        PyObj::BigInt(f) | PyObj::Float(f) => Some((*f, 0.0, None)),
        PyObj::Complex(re, im) => Some((*re, *im, None)),
        _ => None,
    }
}

fn py_eq(a: &PyObj, b: &PyObj) -> bool {
    if let (Some(x), Some(y)) = (as_number(a), as_number(b)) {
        return match (x.2, y.2) {
            (Some(i), Some(j)) => i == j,
            (Some(i), None) => y.1 == 0.0 && float_equals_int(y.0, i),
            (None, Some(j)) => x.1 == 0.0 && float_equals_int(x.0, j),
            (None, None) => x.0 == y.0 && x.1 == y.1,
        };
    }
    match (a, b) {
        (PyObj::None, PyObj::None) | (PyObj::Ellipsis, PyObj::Ellipsis) => true,
        (PyObj::Str(x), PyObj::Str(y)) => x == y,
        (PyObj::Bytes(x), PyObj::Bytes(y)) => x == y,
        (PyObj::Tuple(x), PyObj::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        _ => false,
    }
}

/// Python compares int and float exactly, not by converting the int.
fn float_equals_int(f: f64, i: i128) -> bool {
    f.fract() == 0.0 && f.abs() < 1.7e38 && f as i128 == i
}

const HASH_IMAG: u64 = 1_000_003;

/// `_Py_HashDouble`; NaN hashes by identity in CPython, which literals
/// cannot produce.
fn hash_float(v: f64) -> i64 {
    crate::pyhash::hash_float(v).unwrap_or(0)
}

/// CPython's `hash()`: `Err(type name)` for unhashable values, `Ok(None)`
/// when the hash is not reproducible (randomised text hashes, identity
/// hashes of `None` and `...`).
fn py_hash(obj: &PyObj) -> Result<Option<i64>, &'static str> {
    Ok(match obj {
        PyObj::List(_) => return Err("list"),
        PyObj::Dict(_) => return Err("dict"),
        PyObj::Set(_) => return Err("set"),
        PyObj::Bool(b) => Some(i64::from(*b)),
        PyObj::Int(i) => Some(hash_int(*i)),
        PyObj::Float(f) => Some(hash_float(*f)),
        PyObj::Complex(re, im) => {
            let combined = (hash_float(*re) as u64)
                .wrapping_add(HASH_IMAG.wrapping_mul(hash_float(*im) as u64));
            Some(fix_minus_one(combined as i64))
        }
        PyObj::Tuple(items) => hash_tuple(items)?,
        PyObj::BigInt(_) | PyObj::None | PyObj::Ellipsis | PyObj::Str(_) | PyObj::Bytes(_) => None,
    })
}

/// CPython 3.8+ tuple hash (an xxHash variant).
fn hash_tuple(items: &[PyObj]) -> Result<Option<i64>, &'static str> {
    const PRIME_1: u64 = 11_400_714_785_074_694_791;
    const PRIME_2: u64 = 14_029_467_366_897_019_727;
    const PRIME_5: u64 = 2_870_177_450_012_600_261;
    let mut acc = PRIME_5;
    let mut reproducible = true;
    for item in items {
        // Every member is hashed even after an unreproducible one, because
        // an unhashable member later on must still raise.
        match py_hash(item)? {
            Some(lane) => {
                acc = acc.wrapping_add((lane as u64).wrapping_mul(PRIME_2));
                acc = acc.rotate_left(31);
                acc = acc.wrapping_mul(PRIME_1);
            }
            None => reproducible = false,
        }
    }
    if !reproducible {
        return Ok(None);
    }
    acc = acc.wrapping_add((items.len() as u64) ^ (PRIME_5 ^ 3_527_539));
    Ok(Some(if acc == u64::MAX {
        1_546_275_796
    } else {
        acc as i64
    }))
}

/// Where CPython 3.11's set places each member: members are inserted one
/// by one into an open-addressing table (8 slots, grown 4x when 3/5 full,
/// linear probing of 9 slots then perturbed jumps); iteration walks slots.
fn set_iteration_order(members: Vec<PyObj>, hashes: &[i64]) -> Vec<PyObj> {
    const LINEAR_PROBES: usize = 9;
    const PERTURB_SHIFT: u32 = 5;

    fn free_slot(table: &[Option<usize>], hash: i64) -> usize {
        let mask = table.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in i..=i + probes {
                if table.get(j).is_some_and(Option::is_none) {
                    return j;
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    let mut table: Vec<Option<usize>> = vec![None; 8];
    for (index, &hash) in hashes.iter().enumerate() {
        let slot = free_slot(&table, hash);
        if let Some(entry) = table.get_mut(slot) {
            *entry = Some(index);
        }
        let used = index + 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let wanted = if used > 50_000 { used * 2 } else { used * 4 };
            let mut size = 8;
            while size <= wanted {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for member in old.into_iter().flatten() {
                let slot = free_slot(&table, hashes.get(member).copied().unwrap_or(0));
                if let Some(entry) = table.get_mut(slot) {
                    *entry = Some(member);
                }
            }
        }
    }
    let mut slots: Vec<Option<PyObj>> = members.into_iter().map(Some).collect();
    table
        .into_iter()
        .flatten()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

// ---------------------------------------------------------------------------
// ansible's coercion of the literal into an inventory value.

/// Convert as ansible's INI plugin does: containers become lists/maps,
/// bytes are decoded, complex numbers and `...` become their `str()`.
fn to_value(obj: PyObj) -> Result<Value, String> {
    Ok(match obj {
        PyObj::None => Value::Null,
        PyObj::Bool(b) => Value::Bool(b),
        // Integers beyond i128 have degraded to floats already.
        PyObj::Int(i) => Value::int(i),
        PyObj::BigInt(f) | PyObj::Float(f) => Value::Float(f),
        PyObj::Complex(re, im) => Value::Str(complex_repr(re, im)),
        PyObj::Ellipsis => Value::str("..."),
        PyObj::Str(s) => Value::Str(s),
        // Python decodes with surrogateescape; invalid UTF-8 cannot be kept
        // in a Rust string, so it is replaced.
        PyObj::Bytes(b) => Value::Str(String::from_utf8_lossy(&b).into_owned()),
        PyObj::Tuple(items) | PyObj::List(items) | PyObj::Set(items) => {
            Value::List(items.into_iter().map(to_value).collect::<Result<_, _>>()?)
        }
        PyObj::Dict(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let key = key_string(&key)?;
                map.insert(key, to_value(value)?);
            }
            Value::Map(map)
        }
    })
}

/// Mapping keys stay Python objects in ansible; its JSON output turns them
/// into text, which is what we store. Keys ansible cannot tag fail the source.
fn key_string(key: &PyObj) -> Result<String, String> {
    Ok(match key {
        PyObj::Str(s) => s.clone(),
        PyObj::Int(i) => i.to_string(),
        PyObj::Bool(b) => b.to_string(),
        PyObj::None => "null".into(),
        PyObj::BigInt(f) | PyObj::Float(f) => json_float_key(*f),
        PyObj::Complex(..) => return Err("<class 'complex'> is not taggable".into()),
        PyObj::Ellipsis => return Err("<class 'ellipsis'> is not taggable".into()),
        // ansible accepts these but cannot serialise them; use their repr.
        other => py_repr(other),
    })
}

fn json_float_key(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        python_float_repr(f)
    }
}

/// `repr()` of a float inside a complex: like `repr(float)` without ".0".
fn complex_part_repr(f: f64) -> String {
    let text = python_float_repr(f);
    match text.strip_suffix(".0") {
        Some(short) => short.to_string(),
        None => text,
    }
}

/// CPython's `repr(complex)`.
fn complex_repr(re: f64, im: f64) -> String {
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", complex_part_repr(im));
    }
    let imag = complex_part_repr(im);
    let sign = if imag.starts_with('-') { "" } else { "+" };
    format!("({}{sign}{imag}j)", complex_part_repr(re))
}

fn py_repr(obj: &PyObj) -> String {
    match obj {
        PyObj::None => "None".into(),
        PyObj::Bool(true) => "True".into(),
        PyObj::Bool(false) => "False".into(),
        PyObj::Int(i) => i.to_string(),
        PyObj::BigInt(f) | PyObj::Float(f) => python_float_repr(*f),
        PyObj::Complex(re, im) => complex_repr(*re, *im),
        PyObj::Str(s) => python_str_repr(s),
        PyObj::Bytes(b) => format!("b{}", python_str_repr(&String::from_utf8_lossy(b))),
        PyObj::Ellipsis => "Ellipsis".into(),
        PyObj::Tuple(items) if items.len() == 1 => {
            format!("({},)", items.iter().map(py_repr).collect::<String>())
        }
        PyObj::Tuple(items) => format!("({})", join_reprs(items)),
        PyObj::List(items) => format!("[{}]", join_reprs(items)),
        PyObj::Set(items) => format!("{{{}}}", join_reprs(items)),
        PyObj::Dict(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn join_reprs(items: &[PyObj]) -> String {
    items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::value::write_json_string_ascii as write_json_string;

    /// `json.dumps(value)` with Python's default separators, keys unsorted:
    /// the format the expectations were recorded in.
    pub(crate) fn python_json(value: &Value) -> String {
        let mut out = String::new();
        write_python_json(value, &mut out);
        out
    }

    fn write_python_json(value: &Value, out: &mut String) {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::BigInt(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&json_float_key(*f)),
            Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => write_json_string(out, s),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_python_json(item, out);
                }
                out.push(']');
            }
            Value::Map(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_json_string(out, k);
                    out.push_str(": ");
                    write_python_json(v, out);
                }
                out.push('}');
            }
        }
    }

    fn describe(text: &str) -> String {
        match try_literal_eval(text) {
            Ok(value) => python_json(&value),
            Err(LiteralError::NotALiteral) => "NOT_LITERAL".into(),
            Err(LiteralError::Fatal(message)) => format!("FATAL: {message}"),
        }
    }

    /// (input, expected) pairs recorded from ansible-core 2.19's Python
    /// (`ast.literal_eval` + the INI plugin's coercion, then `json.dumps`).
    #[rustfmt::skip]
    const OBSERVED: &[(&str, &str)] = &[
        ("1", "1"),
        ("-1", "-1"),
        ("+1", "1"),
        ("0", "0"),
        ("00", "0"),
        ("0_0", "0"),
        ("01", "NOT_LITERAL"),
        ("1_000", "1000"),
        ("1__0", "NOT_LITERAL"),
        ("1_", "NOT_LITERAL"),
        ("0x1F", "31"),
        ("0X_1f", "31"),
        ("0o17", "15"),
        ("0b101", "5"),
        ("0b2", "NOT_LITERAL"),
        ("0x", "NOT_LITERAL"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775807", "9223372036854775807"),
        // Python keeps the exact integer; `Value` has no big ints (documented).
        ("99999999999999999999", "99999999999999999999"),
        ("1.5", "1.5"),
        (".5", "0.5"),
        ("5.", "5.0"),
        ("1e5", "100000.0"),
        ("1E-5", "1e-05"),
        ("1.e5", "100000.0"),
        ("1_000.5_5", "1000.55"),
        ("09.5", "9.5"),
        ("1e400", "Infinity"),
        ("-0.0", "-0.0"),
        ("1e", "NOT_LITERAL"),
        ("1.5.5", "NOT_LITERAL"),
        ("inf", "NOT_LITERAL"),
        ("nan", "NOT_LITERAL"),
        ("True", "true"),
        ("False", "false"),
        ("None", "null"),
        ("true", "NOT_LITERAL"),
        ("'a'", "\"a\""),
        ("\"a\"", "\"a\""),
        ("'''a\"b'''", "\"a\\\"b\""),
        ("\"\"\"x\ny\"\"\"", "\"x\\ny\""),
        ("'a' 'b'", "\"ab\""),
        ("'a' b'b'", "NOT_LITERAL"),
        ("b'abc'", "\"abc\""),
        ("b'\\xc3\\xa9'", "\"\\u00e9\""),
        ("B'\\x41'", "\"A\""),
        ("rb'\\x41'", "\"\\\\x41\""),
        ("r'\\n'", "\"\\\\n\""),
        ("u'x'", "\"x\""),
        ("ur'x'", "NOT_LITERAL"),
        ("f'x'", "NOT_LITERAL"),
        ("'\\n\\t\\\\\\'\\\"'", "\"\\n\\t\\\\'\\\"\""),
        ("'\\x41\\101\\0'", "\"AA\\u0000\""),
        ("'\\u00e9'", "\"\\u00e9\""),
        ("'\\U0001F600'", "\"\\ud83d\\ude00\""),
        ("'\\U00110000'", "NOT_LITERAL"),
        ("'\\xZZ'", "NOT_LITERAL"),
        ("'\\d'", "\"\\\\d\""),
        ("'\\777'", "\"\\u01ff\""),
        // Python keeps a lone surrogate (surrogateescape); we substitute U+FFFD.
        ("b'\\777'", "\"\\ufffd\""),
        ("b'\\u1234'", "\"\\\\u1234\""),
        ("'\u{e9}'", "\"\\u00e9\""),
        ("b'\u{e9}'", "NOT_LITERAL"),
        ("'unterminated", "NOT_LITERAL"),
        ("''", "\"\""),
        ("'a", "NOT_LITERAL"),
        ("[1, 2]", "[1, 2]"),
        ("[1, [2, [3]]]", "[1, [2, [3]]]"),
        ("[]", "[]"),
        ("[1,2,]", "[1, 2]"),
        ("[,]", "NOT_LITERAL"),
        ("[1 2]", "NOT_LITERAL"),
        ("(1, 2)", "[1, 2]"),
        ("(1,)", "[1]"),
        ("()", "[]"),
        ("(1)", "1"),
        ("1,2", "[1, 2]"),
        ("1,", "[1]"),
        ("{'a': 1, 'b': [1, 2]}", "{\"a\": 1, \"b\": [1, 2]}"),
        ("{}", "{}"),
        ("{1: 'a', True: 'b', 1.0: 'c'}", "{\"1\": \"c\"}"),
        ("{None: 1, 2.5: 2, False: 3}", "{\"null\": 1, \"2.5\": 2, \"false\": 3}"),
        ("{'a': 1, 'a': 2}", "{\"a\": 2}"),
        ("{1:}", "NOT_LITERAL"),
        ("{**{}}", "NOT_LITERAL"),
        ("{3, 1, 2}", "[1, 2, 3]"),
        ("{100, 5, 33, 17}", "[33, 100, 5, 17]"),
        ("{-1, -2, 8, 16, 0}", "[0, 8, 16, -2, -1]"),
        ("{1.5, 2.5, 0.5}", "[0.5, 1.5, 2.5]"),
        ("{(1, 2), (3, 4)}", "[[1, 2], [3, 4]]"),
        ("{1j, 2}", "[2, \"1j\"]"),
        ("{True, 1}", "[true]"),
        ("{1.0, 1}", "[1.0]"),
        ("{9,8,7,6,5,4,3,2,1,0}", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"),
        ("{1000, 2000, 3000, 4000, 5000, 6000}", "[4000, 1000, 5000, 2000, 6000, 3000]"),
        ("{0.1, 0.2, 0.3, 1e100, -2.5}", "[0.1, 0.3, 0.2, 1e+100, -2.5]"),
        ("set()", "[]"),
        ("set( )", "[]"),
        ("(set)()", "[]"),
        ("set(1)", "NOT_LITERAL"),
        ("set()()", "NOT_LITERAL"),
        ("{1, [2]}", "FATAL: unhashable type: 'list'"),
        ("{[1]: 2}", "FATAL: unhashable type: 'list'"),
        ("{(1, [2]): 3}", "FATAL: unhashable type: 'list'"),
        ("{'a': {1: [1, {2, 3}]}}", "{\"a\": {\"1\": [1, [2, 3]]}}"),
        ("[{[1]: 2}, x]", "FATAL: unhashable type: 'list'"),
        ("[x, {[1]: 2}]", "NOT_LITERAL"),
        ("{1j: 2}", "FATAL: <class 'complex'> is not taggable"),
        ("{...: 1}", "FATAL: <class 'ellipsis'> is not taggable"),
        ("...", "\"...\""),
        ("[..., 1]", "[\"...\", 1]"),
        ("1+2j", "\"(1+2j)\""),
        ("1-2j", "\"(1-2j)\""),
        ("-2j", "\"(-0-2j)\""),
        ("2j", "\"2j\""),
        ("0-0j", "\"0j\""),
        ("1.5+0.5j", "\"(1.5+0.5j)\""),
        ("-1e400+1e400j", "\"(-inf+infj)\""),
        ("1+2j+3j", "NOT_LITERAL"),
        ("2j+1", "NOT_LITERAL"),
        ("1+-2j", "NOT_LITERAL"),
        ("-(1)+2j", "\"(-1+2j)\""),
        ("--1", "NOT_LITERAL"),
        ("-(1)", "-1"),
        ("-(1,)", "NOT_LITERAL"),
        ("-True", "NOT_LITERAL"),
        ("+'a'", "NOT_LITERAL"),
        ("1 # comment", "1"),
        ("hello # comment", "NOT_LITERAL"),
        (" 1", "1"),
        ("\t1", "1"),
        ("1 ", "1"),
        ("x", "NOT_LITERAL"),
        ("hello world", "NOT_LITERAL"),
        ("a=b", "NOT_LITERAL"),
        ("1;", "NOT_LITERAL"),
        ("[1][0]", "NOT_LITERAL"),
        ("1 if 1 else 2", "NOT_LITERAL"),
        ("{'k': 'v', 'n': None, 'l': (1, 2.5, 'x')}", "{\"k\": \"v\", \"n\": null, \"l\": [1, 2.5, \"x\"]}"),
        ("[[[[[[[[[[1]]]]]]]]]]", "[[[[[[[[[[1]]]]]]]]]]"),
    ];

    #[test]
    fn literal_eval_matches_observed_python() {
        let mut failures = Vec::new();
        for (input, expected) in OBSERVED {
            let got = describe(input);
            if got != *expected {
                failures.push(format!("{input:?}: expected {expected}, got {got}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn literal_eval_collapses_errors() {
        assert_eq!(
            literal_eval("[1, 2]"),
            Ok(Value::List(vec![Value::Int(1), Value::Int(2)]))
        );
        assert_eq!(literal_eval("{[1]: 2}"), Err(()));
        assert_eq!(literal_eval("hello"), Err(()));
    }

    #[test]
    fn source_layout_rules() {
        // Newlines appear only in multi-line input, but the rules are
        // Python's: blank and comment lines are fine, a second statement or
        // an indented line is not, brackets join lines.
        for (input, expected) in [
            ("\n\n1", "1"),
            ("1\n# c\n", "1"),
            ("1\n2", "NOT_LITERAL"),
            ("\n 1", "NOT_LITERAL"),
            ("1\n ", "NOT_LITERAL"),
            ("[1,\n2]", "[1, 2]"),
            ("[1,\r2]", "[1, 2]"),
            ("1 \\\n+2j", "\"(1+2j)\""),
            ("1 \\", "NOT_LITERAL"),
            ("'a\\\nb'", "\"ab\""),
            ("'a\nb'", "NOT_LITERAL"),
            ("'''a\r\nb'''", "\"a\\nb\""),
            ("\u{c}1", "1"),
            ("\u{c} 1", "NOT_LITERAL"),
            ("\u{a0}1", "NOT_LITERAL"),
            ("'\0'", "NOT_LITERAL"),
        ] {
            assert_eq!(describe(input), expected, "{input:?}");
        }
    }

    #[test]
    fn nesting_limit_is_cpythons() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(try_literal_eval(&nested(200)).is_ok());
        assert_eq!(
            try_literal_eval(&nested(201)),
            Err(LiteralError::NotALiteral)
        );
    }

    #[test]
    fn long_operator_chains_do_not_recurse() {
        let chain = format!("1{}", "+1".repeat(100_000));
        assert_eq!(try_literal_eval(&chain), Err(LiteralError::NotALiteral));
        let signs = format!("{}1", "-".repeat(100_000));
        assert_eq!(try_literal_eval(&signs), Err(LiteralError::NotALiteral));
        let calls = format!("set{}", "()".repeat(100_000));
        assert_eq!(try_literal_eval(&calls), Err(LiteralError::NotALiteral));
    }

    #[test]
    fn python_text_helpers() {
        assert_eq!(py_strip("\u{1f} a \u{a0}"), "a");
        assert_eq!(py_strip("\u{feff}a"), "\u{feff}a");
        assert_eq!(
            py_splitlines("a\r\nb\rc\nd\u{85}e\n"),
            ["a", "b", "c", "d", "e"]
        );
        assert_eq!(py_splitlines("a\n\nb"), ["a", "", "b"]);
        assert!(py_splitlines("").is_empty());
    }

    #[test]
    fn float_hash_matches_cpython() {
        // hash() values printed by CPython 3.11.
        assert_eq!(hash_float(1.5), 1_152_921_504_606_846_977);
        assert_eq!(hash_float(0.1), 230_584_300_921_369_408);
        assert_eq!(hash_float(-2.5), -1_152_921_504_606_846_978);
        assert_eq!(hash_float(2.0), 2);
        assert_eq!(hash_int(-1), -2);
    }
}
