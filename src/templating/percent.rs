//! Python's `%` operator in templates.
//!
//! Jinja2 hands `%` to Python, so `'%s-%d' % ('a', 4)` is printf-style
//! formatting and `7 % 3` is a modulo. minijinja's `%` only knows numbers
//! and offers no hook, so before compiling we rewrite every binary `%` into
//! a call of the `__py_mod` filter (see `printf.rs`), which does what Python
//! does for whatever operand types arrive at run time:
//!
//! `A % B`  becomes  `(A)|__py_mod(B)`
//!
//! The operands follow Jinja's grammar (minijinja's parser is the same):
//! `%` sits with `*`, `/`, `//` (left-associative), and each operand is a
//! power expression of unary expressions, where a unary expression is an
//! optional `-`, a primary, its postfix accesses and calls, and its chain
//! of filters and tests. So `'%s' % x | upper ~ '!'` is
//! `('%s')|__py_mod(x | upper) ~ '!'` and `a * b % c` is
//! `(a * b)|__py_mod(c)`. Parenthesising the left operand keeps its
//! meaning; the right operand becomes a filter argument, a full expression.
//!
//! Python's unary `+`, which minijinja cannot parse, is dropped the same
//! way (`[+2.5]` becomes `[2.5]`).
//!
//! The rewrite only touches `{{ }}` and `{% %}` blocks (not comments or
//! `{% raw %}` sections) and leaves a block alone if it cannot tokenize it
//! (minijinja then reports the syntax error on the original text).

use std::borrow::Cow;

/// The filter that implements `%` (registered by `printf::register`).
pub const FILTER: &str = "__py_mod";

/// A quick test that rules out most text: every edit needs one of these.
fn may_need_edits(text: &str) -> bool {
    text.contains(['%', '+'])
        || text.contains(FQCN_HINT)
        || CAPTURING_FILTERS.iter().any(|name| text.contains(name))
}

/// Rewrite `%` in every block of a template.
pub fn rewrite_template(text: &str) -> Cow<'_, str> {
    if !may_need_edits(text) {
        return Cow::Borrowed(text);
    }
    let mut edits = Vec::new();
    visit_blocks(text, |tokens, skip| {
        edits.extend(edits_for(text, tokens, skip).unwrap_or_default());
    });
    apply(text, edits)
}

/// A keyword argument given twice in one call (`f(a=1, a=2)`), which
/// Jinja2 refuses when it compiles the template.
pub fn repeated_keyword(text: &str) -> Option<String> {
    // Only a lone `=` can name a keyword (not `==`, `!=`, `<=`, `>=`):
    // most templates have none and are not tokenized.
    let bytes = text.as_bytes();
    let lone_equals = (0..bytes.len()).any(|i| {
        bytes[i] == b'='
            && !matches!(bytes.get(i + 1), Some(b'='))
            && !matches!(
                i.checked_sub(1).map(|p| bytes[p]),
                Some(b'=' | b'!' | b'<' | b'>')
            )
    });
    if !lone_equals {
        return None;
    }
    let mut found = None;
    visit_blocks(text, |tokens, _| {
        if found.is_none() {
            found = repeated_keyword_in(tokens);
        }
    });
    found
}

fn repeated_keyword_in(tokens: &[Token]) -> Option<String> {
    for (open, token) in tokens.iter().enumerate() {
        if token.kind != Kind::Open || token.text != "(" {
            continue;
        }
        let mut names: Vec<&str> = Vec::new();
        let mut i = open + 1;
        while i < token.partner {
            let t = &tokens[i];
            if t.kind == Kind::Open {
                i = t.partner + 1;
                continue;
            }
            let assigns = tokens
                .get(i + 1)
                .is_some_and(|n| n.kind == Kind::Op && n.text == "=");
            let starts_argument = i == open + 1 || tokens[i - 1].text == ",";
            if t.kind == Kind::Name && assigns && starts_argument {
                if names.contains(&t.text) {
                    return Some(t.text.to_string());
                }
                names.push(t.text);
            }
            i += 1;
        }
    }
    None
}

/// Calls `visit` with the tokens of every `{{ }}` and `{% %}` block (not
/// comments or `{% raw %}` sections) and how many leading tokens are
/// statement syntax; blocks that do not tokenize are skipped.
fn visit_blocks(text: &str, mut visit: impl FnMut(&[Token], usize)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let (a, b) = (bytes[i], bytes[i + 1]);
        if a == b'{' && b == b'#' {
            i = text[i + 2..]
                .find("#}")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
        } else if a == b'{' && (b == b'{' || b == b'%') {
            let statement = b == b'%';
            let mut start = i + 2;
            if matches!(bytes.get(start), Some(b'-' | b'+')) {
                start += 1;
            }
            if statement && is_raw(text, start) {
                i = end_of_raw(text, start);
                continue;
            }
            let end = if statement { b'%' } else { b'}' };
            match tokenize(text, start, Some(end)) {
                Some(tokens) => {
                    // A statement's first word (`set`, `if`, `for`, ...) is syntax.
                    let skip = usize::from(
                        statement
                            && matches!(tokens.tokens.first(), Some(t) if t.kind == Kind::Name),
                    );
                    visit(&tokens.tokens, skip);
                    i = tokens.end;
                }
                None => i = start,
            }
        } else {
            i += 1;
        }
    }
}

/// Rewrite `%` in a bare expression (a `when:` condition).
pub fn rewrite_expression(expr: &str) -> Cow<'_, str> {
    if !may_need_edits(expr) {
        return Cow::Borrowed(expr);
    }
    let Some(tokens) = tokenize(expr, 0, None) else {
        return Cow::Borrowed(expr);
    };
    match edits_for(expr, &tokens.tokens, 0) {
        Some(edits) => apply(expr, edits),
        None => Cow::Borrowed(expr),
    }
}

/// `{% raw %}` starting at `from` (after the `{%`)?
fn is_raw(text: &str, from: usize) -> bool {
    text[from..].split("%}").next().is_some_and(|body| {
        body.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "raw"
    })
}

/// Just past the `{% endraw %}` closing a raw section.
fn end_of_raw(text: &str, mut from: usize) -> usize {
    while let Some(open) = text[from..].find("{%") {
        let start = from + open + 2;
        let Some(close) = text[start..].find("%}") else {
            break;
        };
        let body = &text[start..start + close];
        if body.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "endraw" {
            return start + close + 2;
        }
        from = start + close + 2;
    }
    text.len()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Str,
    Num,
    Name,
    Op,
    Open,
    Close,
}

#[derive(Clone, Debug)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
    end: usize,
    /// For `Open`: the index of the matching `Close`.
    partner: usize,
}

struct Tokens<'a> {
    tokens: Vec<Token<'a>>,
    /// Just past the block's closing delimiter.
    end: usize,
}

/// Tokens of `text` from `start` up to the block end `{end}}` at bracket
/// depth 0 (or the end of text when `end` is `None`). `None` for text that
/// does not tokenize (unterminated strings, unbalanced brackets).
fn tokenize(text: &str, start: usize, end: Option<u8>) -> Option<Tokens<'_>> {
    let bytes = text.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut i = start;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return (end.is_none() && open.is_empty()).then_some(Tokens {
                tokens,
                end: bytes.len(),
            });
        }
        if let Some(close) = end
            && open.is_empty()
        {
            let rest = &bytes[i..];
            let at = |k: usize| rest.get(k).copied();
            let marker = matches!(at(0), Some(b'-' | b'+')) as usize;
            if at(marker) == Some(close) && at(marker + 1) == Some(b'}') {
                return Some(Tokens {
                    tokens,
                    end: i + marker + 2,
                });
            }
        }
        let c = bytes[i];
        let begin = i;
        let kind = match c {
            b'\'' | b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != c {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i >= bytes.len() {
                    return None;
                }
                i += 1;
                Kind::Str
            }
            b'0'..=b'9' => {
                while i < bytes.len() {
                    let d = bytes[i];
                    let exp_sign = matches!(d, b'+' | b'-')
                        && matches!(bytes[i - 1], b'e' | b'E')
                        && !text[begin..i].starts_with("0x");
                    let point = d == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                    if d.is_ascii_alphanumeric() || d == b'_' || point || exp_sign {
                        i += 1;
                    } else {
                        break;
                    }
                }
                Kind::Num
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Kind::Name
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                open.push(tokens.len());
                Kind::Open
            }
            b')' | b']' | b'}' => {
                i += 1;
                let opener = open.pop()?;
                let index = tokens.len();
                tokens[opener].partner = index;
                Kind::Close
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or("");
                i += if ["**", "//", "==", "!=", "<=", ">="].contains(&two) {
                    2
                } else {
                    // One character, whole (the text may hold any UTF-8).
                    text[i..].chars().next().map_or(1, char::len_utf8)
                };
                Kind::Op
            }
        };
        tokens.push(Token {
            kind,
            text: &text[begin..i],
            start: begin,
            end: i,
            partner: 0,
        });
    }
}

/// Text to insert before byte `at` (or, with `replace`, instead of the
/// bytes up to `replace`).
#[derive(Debug)]
struct Edit {
    at: usize,
    replace: usize,
    text: Cow<'static, str>,
    /// Closing parentheses sort before opening ones at the same place.
    order: u8,
}

fn apply(text: &str, mut edits: Vec<Edit>) -> Cow<'_, str> {
    if edits.is_empty() {
        return Cow::Borrowed(text);
    }
    edits.sort_by_key(|e| (e.at, e.order));
    let mut out = String::with_capacity(text.len() + edits.len() * 12);
    let mut pos = 0;
    for edit in edits {
        // An edit inside text an earlier one replaced only inserts.
        if let Some(kept) = text.get(pos..edit.at) {
            out.push_str(kept);
        }
        out.push_str(&edit.text);
        pos = pos.max(edit.replace.max(edit.at));
    }
    out.push_str(&text[pos..]);
    Cow::Owned(out)
}

/// Words that end an operand: they belong to lower-precedence syntax.
const KEYWORDS: &[&str] = &["and", "or", "not", "in", "is", "if", "else"];

struct Scanner<'t, 'a> {
    /// The text the tokens were read from.
    source: &'a str,
    tokens: &'t [Token<'a>],
    edits: Vec<Edit>,
}

/// Filters that see the error of a failing operand instead of failing
/// with it (ansible's error markers reach them as values).
const CAPTURING_FILTERS: &[&str] = &[
    "ansible._protomatter.dump_object",
    "unvault",
    "ansible.builtin.unvault",
];

/// The function a capturing filter's operand is handed to as source
/// text (`render::capture_expression`).
pub const CAPTURE_FUNCTION: &str = "__mitorun_capture";

/// The edits for a token list; `None` if the operands cannot be found.
fn edits_for(source: &str, tokens: &[Token], from: usize) -> Option<Vec<Edit>> {
    let mut unary_plus = unary_plus_edits(tokens, from);
    unary_plus.extend(builtin_prefix_edits(tokens, from));
    let modulo = tokens.iter().any(|t| t.kind == Kind::Op && t.text == "%");
    let capturing = tokens.iter().any(|t| {
        t.kind == Kind::Name
            && CAPTURING_FILTERS
                .iter()
                .any(|f| f.rsplit('.').next() == Some(t.text))
    });
    if !modulo && !capturing {
        return Some(unary_plus);
    }
    let mut scanner = Scanner {
        source,
        tokens,
        edits: unary_plus,
    };
    scanner.sequence(from, tokens.len())?;
    Some(scanner.edits)
}

/// Text every `ansible.builtin.` filter or test name has.
const FQCN_HINT: &str = "ansible.";

/// ansible's filters and tests (and Jinja2's) are also named
/// `ansible.builtin.NAME`; minijinja registers each under one name, so the
/// prefix is dropped where a filter or test is named: after `|`, `is` or
/// `is not`. (`ansible.legacy.NAME` names only a project's own plugins,
/// which are registered under that name too.)
fn builtin_prefix_edits(tokens: &[Token], from: usize) -> Vec<Edit> {
    let mut edits = Vec::new();
    for i in from..tokens.len() {
        let Some(parts) = tokens.get(i..i + 5) else {
            break;
        };
        let [first, dot, collection, dot2, name] = parts else {
            continue;
        };
        let dotted = first.kind == Kind::Name
            && first.text == "ansible"
            && dot.text == "."
            && collection.kind == Kind::Name
            && collection.text == "builtin"
            && dot2.text == "."
            && name.kind == Kind::Name
            && parts.windows(2).all(|w| w[0].end == w[1].start);
        if !dotted {
            continue;
        }
        let named_here = match i.checked_sub(1).filter(|&p| p >= from).map(|p| &tokens[p]) {
            Some(prev) if prev.kind == Kind::Op => prev.text == "|",
            Some(prev) if prev.kind == Kind::Name && prev.text == "is" => true,
            Some(prev) if prev.kind == Kind::Name && prev.text == "not" => i
                .checked_sub(2)
                .filter(|&p| p >= from)
                .is_some_and(|p| tokens[p].kind == Kind::Name && tokens[p].text == "is"),
            _ => false,
        };
        if named_here {
            edits.push(Edit {
                at: first.start,
                replace: name.start,
                text: Cow::Borrowed(""),
                order: 2,
            });
        }
    }
    edits
}

/// Python's unary `+` (`[-2.5, +2.5]`), which minijinja's parser lacks:
/// a `+` that does not follow an operand is dropped (it is the identity
/// on numbers, the only operands Jinja2 accepts it for).
fn unary_plus_edits(tokens: &[Token], from: usize) -> Vec<Edit> {
    let mut edits = Vec::new();
    for i in from..tokens.len() {
        let token = &tokens[i];
        if token.kind != Kind::Op || token.text != "+" {
            continue;
        }
        let unary = match i.checked_sub(1).filter(|&p| p >= from).map(|p| &tokens[p]) {
            None => true,
            Some(prev) => match prev.kind {
                Kind::Op | Kind::Open => true,
                Kind::Name => KEYWORDS.contains(&prev.text),
                Kind::Str | Kind::Num | Kind::Close => false,
            },
        };
        if unary {
            edits.push(Edit {
                at: token.start,
                replace: token.end,
                text: Cow::Borrowed(""),
                // After a `(` inserted at the same place.
                order: 2,
            });
        }
    }
    edits
}

impl Scanner<'_, '_> {
    fn kind(&self, i: usize, end: usize) -> Option<Kind> {
        (i < end).then(|| self.tokens[i].kind)
    }

    fn is(&self, i: usize, end: usize, kind: Kind, text: &str) -> bool {
        i < end && self.tokens[i].kind == kind && self.tokens[i].text == text
    }

    /// Any run of tokens: operands are found and rewritten, everything else
    /// (operators, keywords, commas) is passed over.
    fn sequence(&mut self, mut i: usize, end: usize) -> Option<()> {
        while i < end {
            // After an operand, `-` is subtraction, not a sign.
            let binary_minus = i > 0
                && self.is(i, end, Kind::Op, "-")
                && match self.tokens[i - 1].kind {
                    Kind::Str | Kind::Num | Kind::Close => true,
                    Kind::Name => !KEYWORDS.contains(&self.tokens[i - 1].text),
                    _ => false,
                };
            if !binary_minus && self.starts_operand(i, end) {
                i = self.multiplicative(i, end)?;
            } else {
                i += 1;
            }
        }
        Some(())
    }

    fn starts_operand(&self, i: usize, end: usize) -> bool {
        match self.kind(i, end) {
            Some(Kind::Str | Kind::Num | Kind::Open) => true,
            Some(Kind::Name) => !KEYWORDS.contains(&self.tokens[i].text),
            Some(Kind::Op) => self.tokens[i].text == "-",
            _ => false,
        }
    }

    /// `pow (('*' | '/' | '//' | '%') pow)*`, rewriting each `%`.
    fn multiplicative(&mut self, start: usize, end: usize) -> Option<usize> {
        let mut i = self.power(start, end)?;
        while i < end
            && self.tokens[i].kind == Kind::Op
            && matches!(self.tokens[i].text, "*" | "/" | "//" | "%")
        {
            let op = i;
            let right_end = self.power(op + 1, end)?;
            if self.tokens[op].text == "%" {
                let tokens = self.tokens;
                self.edits.push(Edit {
                    at: tokens[start].start,
                    replace: tokens[start].start,
                    text: Cow::Borrowed("("),
                    order: 1,
                });
                // The operator and the space around it.
                self.edits.push(Edit {
                    at: tokens[op - 1].end,
                    replace: tokens[op + 1].start,
                    text: Cow::Borrowed(concat!(")|", "__py_mod", "(")),
                    order: 1,
                });
                self.edits.push(Edit {
                    at: tokens[right_end - 1].end,
                    replace: tokens[right_end - 1].end,
                    text: Cow::Borrowed(")"),
                    order: 0,
                });
            }
            i = right_end;
        }
        Some(i)
    }

    /// `unary ('**' unary)*`.
    fn power(&mut self, start: usize, end: usize) -> Option<usize> {
        let mut i = self.unary(start, end)?;
        while self.is(i, end, Kind::Op, "**") {
            i = self.unary(i + 1, end)?;
        }
        Some(i)
    }

    /// `'-'* primary postfix* (filter | test)*`.
    fn unary(&mut self, start: usize, end: usize) -> Option<usize> {
        let mut i = self.unary_only(start, end)?;
        loop {
            if self.is(i, end, Kind::Op, "|") {
                let pipe = i;
                i = self.dotted_name(i + 1, end)?;
                let name = &self.source[self.tokens[pipe + 1].start..self.tokens[i - 1].end];
                if CAPTURING_FILTERS.contains(&name) {
                    self.capture(start, pipe);
                }
                if self.is(i, end, Kind::Open, "(") {
                    i = self.group(i)?;
                }
            } else if self.is(i, end, Kind::Name, "is") {
                i += 1;
                if self.is(i, end, Kind::Name, "not") {
                    i += 1;
                }
                i = self.dotted_name(i, end)?;
                if self.is(i, end, Kind::Open, "(") {
                    i = self.group(i)?;
                } else if self.bare_test_argument(i, end) {
                    i = self.unary_only(i, end)?;
                }
            } else {
                return Some(i);
            }
        }
    }

    /// The operand `tokens[start..pipe]` becomes a call of
    /// [`CAPTURE_FUNCTION`] with its text, which evaluates it and gives
    /// back its error as a value when it fails. Edits made inside it are
    /// dropped: the function rewrites the text itself.
    fn capture(&mut self, start: usize, pipe: usize) {
        let (from, to) = (self.tokens[start].start, self.tokens[pipe - 1].end);
        self.edits.retain(|e| e.at < from || e.at > to);
        let operand = &self.source[from..to];
        let literal = operand.replace('\\', "\\\\").replace('"', "\\\"");
        self.edits.push(Edit {
            at: from,
            replace: to,
            text: Cow::Owned(format!("{CAPTURE_FUNCTION}(\"{literal}\")")),
            // After a `(` an enclosing `%` puts at the same place.
            order: 2,
        });
    }

    /// minijinja (like Jinja2) takes one argument without parentheses
    /// after a test name: `x is divisibleby 3`.
    fn bare_test_argument(&self, i: usize, end: usize) -> bool {
        match self.kind(i, end) {
            Some(Kind::Str | Kind::Num) => true,
            Some(Kind::Name) => !["and", "or", "else", "is"].contains(&self.tokens[i].text),
            Some(Kind::Open) => self.tokens[i].text != "(",
            Some(Kind::Op) => matches!(self.tokens[i].text, "-" | "+"),
            _ => false,
        }
    }

    /// `'-'* primary postfix*`.
    fn unary_only(&mut self, start: usize, end: usize) -> Option<usize> {
        let mut i = start;
        while self.is(i, end, Kind::Op, "-") {
            i += 1;
        }
        i = self.primary(i, end)?;
        loop {
            if self.is(i, end, Kind::Op, ".") {
                match self.kind(i + 1, end) {
                    Some(Kind::Name | Kind::Num) => i += 2,
                    _ => return None,
                }
            } else if self.is(i, end, Kind::Open, "[") || self.is(i, end, Kind::Open, "(") {
                i = self.group(i)?;
            } else {
                return Some(i);
            }
        }
    }

    fn primary(&mut self, i: usize, end: usize) -> Option<usize> {
        match self.kind(i, end)? {
            // Adjacent string literals are one string.
            Kind::Str => {
                let mut j = i;
                while self.kind(j, end) == Some(Kind::Str) {
                    j += 1;
                }
                Some(j)
            }
            Kind::Num => Some(i + 1),
            Kind::Name if !KEYWORDS.contains(&self.tokens[i].text) => Some(i + 1),
            Kind::Open => self.group(i),
            _ => None,
        }
    }

    /// A bracketed group (its contents rewritten too); the index after it.
    fn group(&mut self, open: usize) -> Option<usize> {
        let close = self.tokens[open].partner;
        if close <= open {
            return None;
        }
        self.sequence(open + 1, close)?;
        Some(close + 1)
    }

    /// `name ('.' name)*` (filter and test names may be dotted).
    fn dotted_name(&self, mut i: usize, end: usize) -> Option<usize> {
        if self.kind(i, end) != Some(Kind::Name) {
            return None;
        }
        i += 1;
        while self.is(i, end, Kind::Op, ".") && self.kind(i + 1, end) == Some(Kind::Name) {
            i += 2;
        }
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unary_plus_is_dropped_binary_plus_kept() {
        let cases = [
            ("{{ [-2.5, +2.5, 1 + 2.5] }}", "{{ [-2.5, 2.5, 1 + 2.5] }}"),
            ("{{ +3 }}", "{{ 3 }}"),
            ("{{ 1 ++2 }}", "{{ 1 +2 }}"),
            ("{{ 'a' + 'b' }}", "{{ 'a' + 'b' }}"),
            ("{% if +1 > 0 %}y{% endif %}", "{% if 1 > 0 %}y{% endif %}"),
            ("{{ not +a % b }}", "{{ not (a)|__py_mod(b) }}"),
            ("{{ (+a) % b }}", "{{ ((a))|__py_mod(b) }}"),
        ];
        for (text, want) in cases {
            assert_eq!(rewrite_template(text), want, "{text}");
        }
        assert_eq!(rewrite_expression("+1 == 1"), "1 == 1");
    }

    #[test]
    fn operands_of_capturing_filters_become_source_text() {
        let cases = [
            (
                "{{ (x | ansible._protomatter.dump_object).exception }}",
                "{{ (__mitorun_capture(\"x\") | ansible._protomatter.dump_object).exception }}",
            ),
            (
                "{{ '{' | from_json | ansible._protomatter.dump_object }}",
                "{{ __mitorun_capture(\"'{' | from_json\") | ansible._protomatter.dump_object }}",
            ),
            (
                "{{ v | unvault(\"pw\") }}",
                "{{ __mitorun_capture(\"v\") | unvault(\"pw\") }}",
            ),
            // A `%` inside the operand is left for the function to rewrite.
            (
                "{{ '%s' % a | ansible.builtin.unvault('p') }}",
                "{{ ('%s')|__py_mod(__mitorun_capture(\"a\") | unvault('p')) }}",
            ),
            (
                "{{ lookup('unvault', 'f') }}",
                "{{ lookup('unvault', 'f') }}",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(rewrite_template(text), want, "{text}");
        }
    }

    #[test]
    fn repeated_keyword_arguments_are_found_in_any_call() {
        assert_eq!(
            repeated_keyword("{{ lookup('vars', 'v1', default='', default='') }}").as_deref(),
            Some("default")
        );
        assert_eq!(repeated_keyword("{{ f(a=1, b=(a==2), c=g(a=3)) }}"), None);
        assert_eq!(
            repeated_keyword("{{ x | replace('a', 'b', count=1, count=2) }}").as_deref(),
            Some("count")
        );
        assert_eq!(repeated_keyword("{{ a == b }}"), None);
        assert_eq!(repeated_keyword("{{ f(a>=1, a<=2, a!=3) }}"), None);
    }

    #[test]
    fn builtin_and_legacy_prefixes_are_dropped_where_a_filter_or_test_is_named() {
        assert_eq!(
            rewrite_template(
                "{{ x | ansible.builtin.to_json }} {{ y is ansible.builtin.match('a') }}"
            ),
            "{{ x | to_json }} {{ y is match('a') }}"
        );
        assert_eq!(
            rewrite_expression("x is not ansible.builtin.even and ansible.builtin.x"),
            "x is not even and ansible.builtin.x"
        );
        assert_eq!(
            rewrite_template("{{ x | ansible.legacy.min }}"),
            "{{ x | ansible.legacy.min }}"
        );
        assert_eq!(
            rewrite_template("{{ ansible.builtin.x }}"),
            "{{ ansible.builtin.x }}"
        );
    }

    #[test]
    fn rewrites_follow_jinja_precedence() {
        let cases = [
            ("{{ '%s' % x }}", "{{ ('%s')|__py_mod(x) }}"),
            (
                "{{ '%s-%d' % ('a', 4) }}",
                "{{ ('%s-%d')|__py_mod(('a', 4)) }}",
            ),
            ("{{ a * b % c }}", "{{ (a * b)|__py_mod(c) }}"),
            ("{{ a % b % c }}", "{{ ((a)|__py_mod(b))|__py_mod(c) }}"),
            ("{{ a + b % c }}", "{{ a + (b)|__py_mod(c) }}"),
            ("{{ a - b % c }}", "{{ a - (b)|__py_mod(c) }}"),
            ("{{ a-b%c }}", "{{ a-(b)|__py_mod(c) }}"),
            (
                "{{ '%s' % x | upper ~ '!' }}",
                "{{ ('%s')|__py_mod(x | upper) ~ '!' }}",
            ),
            ("{{ -a % b ** 2 }}", "{{ (-a)|__py_mod(b ** 2) }}"),
            (
                "{{ f('%d' % n, d['%'] % 2) }}",
                "{{ f(('%d')|__py_mod(n), (d['%'])|__py_mod(2)) }}",
            ),
            (
                "{{ x is divisibleby 3 % 2 }}",
                "{{ (x is divisibleby 3)|__py_mod(2) }}",
            ),
            ("{{ not a % b }}", "{{ not (a)|__py_mod(b) }}"),
            (
                "{{ 'y' if n % 2 else 'n' }}",
                "{{ 'y' if (n)|__py_mod(2) else 'n' }}",
            ),
            ("{% set x = n % 2 %}x", "{% set x = (n)|__py_mod(2) %}x"),
            (
                "{%- if n % 2 -%}y{% endif %}",
                "{%- if (n)|__py_mod(2) -%}y{% endif %}",
            ),
            (
                "{{ {'a': 1}['a'] % 1 }}",
                "{{ ({'a': 1}['a'])|__py_mod(1) }}",
            ),
            // Untouched: no operator, comments, raw sections, literals.
            ("100% {{ '%' }} {# a % b #}", "100% {{ '%' }} {# a % b #}"),
            (
                "{% raw %}{{ a % b }}{% endraw %}{{ c % d }}",
                "{% raw %}{{ a % b }}{% endraw %}{{ (c)|__py_mod(d) }}",
            ),
            ("{{ 'a %s' }}", "{{ 'a %s' }}"),
        ];
        for (input, want) in cases {
            assert_eq!(rewrite_template(input), want, "{input}");
        }
        assert_eq!(rewrite_expression("n % 2 == 1"), "(n)|__py_mod(2) == 1");
        // Text that does not tokenize is left for minijinja to report.
        assert_eq!(rewrite_template("{{ 'a % b }}"), "{{ 'a % b }}");
    }
}
