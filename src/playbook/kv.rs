//! Ansible's `k=v` argument strings: `split_args`, `parse_kv`, `unquote`.
//!
//! These follow ansible-core 2.19's `ansible.parsing.splitter` and
//! `ansible.parsing.quoting` exactly, quirks included, because the same
//! strings must produce the same arguments:
//!
//! * splitting happens on single spaces and newlines only (tabs stay inside
//!   a word); runs of spaces are kept on the previous word, so
//!   `"a=1  b=2"` splits into `["a=1 ", "b=2"]`;
//! * quotes and Jinja2 `{{ }}`, `{% %}`, `{# #}` blocks glue words back
//!   together; a quote preceded by a backslash does not count, even when the
//!   backslash is itself escaped;
//! * escapes (`\n`, `\x41`, `\u00e9`, `\U0001F600`, `\N{BULLET}`, ...) are
//!   decoded in the whole word *before* it is cut at its first unescaped `=`
//!   (one that is not the word's first character), so `a\x3db` is `a=b`;
//! * keys and values are stripped with Python's notion of whitespace and
//!   values (not keys) lose one pair of matching outer quotes;
//! * words without `=` are joined into `_raw_params` even when `check_raw`
//!   is off; with `check_raw` on, every `k=v` word except the
//!   command/shell options listed in [`RAW_OPTION_KEYS`] goes there too,
//!   undecoded.
//!
//! Deviation: Python strings may hold lone UTF-16 surrogates (`\ud800`);
//! Rust strings cannot. A `\uD8xx\uDCxx` pair of escapes becomes the
//! character it encodes; a lone surrogate becomes U+FFFD. `\N{...}` knows
//! the algorithmic names (Hangul syllables, CJK unified ideographs) and a
//! built-in table covering Latin-1, Latin Extended-A, Greek, punctuation,
//! currency, letterlike symbols, arrows, mathematical operators, geometric
//! shapes, miscellaneous symbols and dingbats (with their aliases); other
//! valid names are reported as unknown.

use indexmap::IndexMap;

/// A failure of [`split_args`] or [`parse_kv`], worded as ansible words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum KvError {
    /// Quotes or a Jinja2 block left open at the end of the string
    /// (ansible's `AnsibleParserError`). Ansible strips the message, so
    /// trailing whitespace of `args` does not show.
    #[error(
        "failed at splitting arguments, either an unbalanced jinja2 block or quotes: {}",
        args.trim_end_matches(is_py_space)
    )]
    Unbalanced { args: String },
    /// An escape sequence Python's `unicode-escape` codec rejects. Ansible
    /// does not catch this `UnicodeDecodeError`: it reports it as an
    /// unexpected exception (exit code 250).
    #[error("'unicodeescape' codec can't decode bytes in position 0-{last}: {reason}")]
    Escape {
        /// Index of the escape's last byte (its UTF-8 length minus one).
        last: usize,
        /// `illegal Unicode character` or `unknown Unicode character name`.
        reason: &'static str,
    },
}

impl KvError {
    /// Whether ansible would report this as an unexpected (internal)
    /// exception rather than a parser error.
    pub fn is_unexpected(&self) -> bool {
        matches!(self, KvError::Escape { .. })
    }
}

/// The options of `command`/`shell` that stay `k=v` pairs when
/// [`parse_kv`] is called with `check_raw` (any other `k=v` word is part
/// of the command line).
pub const RAW_OPTION_KEYS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// The key free-form words are collected under.
pub const RAW_PARAMS: &str = "_raw_params";

// ---------------------------------------------------------------------------
// split_args

/// The Jinja2 delimiters that glue words together, as (open, close).
const BLOCKS: [(&str, &str); 3] = [("{{", "}}"), ("{%", "%}"), ("{#", "#}")];

#[derive(Default)]
struct Splitter {
    params: Vec<String>,
    /// The quote character of an open quoted section.
    quote: Option<char>,
    /// Nesting depth per entry of [`BLOCKS`].
    depth: [usize; 3],
}

impl Splitter {
    fn in_block(&self) -> bool {
        self.depth.iter().any(|&d| d > 0)
    }

    /// The word being built; ansible creates an empty one when whitespace
    /// comes before any word.
    fn current(&mut self) -> &mut String {
        if self.params.is_empty() {
            self.params.push(String::new());
        }
        let last = self.params.len() - 1;
        &mut self.params[last]
    }

    /// Feeds one line (without its newline); returns whether it ended in a
    /// line continuation (a lone backslash word outside quotes).
    fn line(&mut self, line: &str) -> bool {
        let mut continued = false;
        for (idx, token) in line.split(' ').enumerate() {
            if token.is_empty() && idx > 0 {
                // One of several consecutive spaces: kept on the last word.
                self.current().push(' ');
                continue;
            }
            if token == "\\" && self.quote.is_none() {
                continued = true;
                continue;
            }
            self.token(idx, token);
        }
        continued
    }

    fn token(&mut self, idx: usize, token: &str) {
        let was_quoted = self.quote.is_some();
        self.quote = quote_state(token, self.quote);
        let quoted = self.quote.is_some();

        let mut placed = false;
        if quoted && !was_quoted && !self.in_block() {
            self.params.push(token.to_string());
            placed = true;
        } else if self.in_block() || quoted || was_quoted {
            let current = self.current();
            if idx > 0 {
                current.push(' ');
            }
            current.push_str(token);
            placed = true;
        }

        for (slot, (open, close)) in BLOCKS.iter().enumerate() {
            let before = self.depth[slot];
            let opened = token.matches(open).count();
            let closed = token.matches(close).count();
            if opened != closed {
                self.depth[slot] = (before + opened).saturating_sub(closed);
            }
            if self.depth[slot] != before && !placed {
                self.params.push(token.to_string());
                placed = true;
            }
        }

        if !placed && !self.in_block() && !quoted && !token.is_empty() {
            self.params.push(token.to_string());
        }
    }
}

/// The quoting state after `token`, given the state before it. A quote
/// character counts unless the character before it (in this token) is a
/// backslash.
fn quote_state(token: &str, mut quote: Option<char>) -> Option<char> {
    let mut prev = None;
    for c in token.chars() {
        if (c == '"' || c == '\'') && prev != Some('\\') {
            match quote {
                Some(open) if open == c => quote = None,
                Some(_) => {}
                None => quote = Some(c),
            }
        }
        prev = Some(c);
    }
    quote
}

/// Splits `args` into words the way ansible's `split_args` does: on spaces
/// and newlines, but never inside quotes or Jinja2 blocks. Newlines are
/// kept at the end of the word they follow (except after a `\`
/// continuation), extra spaces likewise.
pub fn split_args(args: &str) -> Result<Vec<String>, KvError> {
    if args.is_empty() {
        return Ok(Vec::new());
    }
    let mut splitter = Splitter::default();
    let lines: Vec<&str> = args.split('\n').collect();
    let last = lines.len() - 1;
    for (i, line) in lines.iter().enumerate() {
        let continued = splitter.line(line);
        if i != last && !continued {
            splitter.current().push('\n');
        }
    }
    if splitter.in_block() || splitter.quote.is_some() {
        return Err(KvError::Unbalanced {
            args: args.to_string(),
        });
    }
    Ok(splitter.params)
}

/// Joins words produced by [`split_args`] back into one string: a space
/// between words, none after a word ending in a newline.
pub fn join_args<S: AsRef<str>>(words: &[S]) -> String {
    let mut out = String::new();
    for word in words {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        out.push_str(word.as_ref());
    }
    out
}

// ---------------------------------------------------------------------------
// parse_kv

/// Parses `k=v` words into an ordered map, as ansible's `parse_kv` does.
///
/// Words without `=` are joined (with [`join_args`]) into `_raw_params`;
/// with `check_raw`, so are `k=v` words whose key is not one of
/// [`RAW_OPTION_KEYS`]. A repeated key keeps its first position and takes
/// the last value.
pub fn parse_kv(args: &str, check_raw: bool) -> Result<IndexMap<String, String>, KvError> {
    let mut options = IndexMap::new();
    let mut raw: Vec<String> = Vec::new();
    for word in split_args(args)? {
        let decoded = decode_escapes(&word)?;
        if !decoded.contains('=') {
            raw.push(word);
            continue;
        }
        let Some(pos) = key_value_separator(&decoded) else {
            // Only escaped `=` (or one in first position): free-form text.
            raw.push(decoded.replace("\\=", "="));
            continue;
        };
        let key = &decoded[..pos];
        let value = &decoded[pos + 1..];
        if check_raw && !RAW_OPTION_KEYS.contains(&key) {
            raw.push(word);
        } else {
            options.insert(
                py_strip(key).to_string(),
                unquote(py_strip(value)).to_string(),
            );
        }
    }
    if !raw.is_empty() {
        options.insert(RAW_PARAMS.to_string(), join_args(&raw));
    }
    Ok(options)
}

/// Byte index of the first `=` after the first character that is not
/// preceded by a backslash.
fn key_value_separator(word: &str) -> Option<usize> {
    let bytes = word.as_bytes();
    (1..bytes.len()).find(|&i| bytes[i] == b'=' && bytes[i - 1] != b'\\')
}

/// Python's `str.isspace()`.
fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{0b}'
            | '\u{0c}'
            | '\r'
            | '\u{1c}'..='\u{1f}'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Python's `str.strip()` without arguments.
fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Ansible's `is_quoted`: at least two characters, the same quote at both
/// ends, and the closing one not escaped by a backslash.
pub fn is_quoted(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() > 1
        && matches!(bytes[0], b'"' | b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
        && bytes[bytes.len() - 2] != b'\\'
}

/// Ansible's `unquote`: drops one pair of matching outer quotes.
pub fn unquote(s: &str) -> &str {
    if is_quoted(s) { &s[1..s.len() - 1] } else { s }
}

// ---------------------------------------------------------------------------
// escapes

/// Decodes the escapes ansible recognises in `k=v` words (its
/// `_decode_escapes`): `\\ \' \" \a \b \f \n \r \t \v`, `\xHH`, `\uHHHH`,
/// `\UHHHHHHHH` and `\N{NAME}`. Any other backslash is left as it is.
pub fn decode_escapes(s: &str) -> Result<String, KvError> {
    if !s.contains('\\') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    // A `\uD8xx` escape waiting for a low surrogate escape to pair with.
    let mut pending_high: Option<u32> = None;
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        let (before, from_backslash) = rest.split_at(at);
        if !before.is_empty() {
            flush_surrogate(&mut out, &mut pending_high);
            out.push_str(before);
        }
        match escape_at(from_backslash)? {
            Some((Decoded::Char(c), len)) => {
                flush_surrogate(&mut out, &mut pending_high);
                out.push(c);
                rest = &from_backslash[len..];
            }
            Some((Decoded::Surrogate(unit), len)) => {
                match pending_high.take() {
                    Some(high) if (0xDC00..=0xDFFF).contains(&unit) => {
                        let code = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                        out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    Some(_) => {
                        out.push(char::REPLACEMENT_CHARACTER);
                        pending_high = Some(unit);
                    }
                    None => pending_high = Some(unit),
                }
                if !(0xD800..=0xDBFF).contains(&unit) {
                    flush_surrogate(&mut out, &mut pending_high);
                }
                rest = &from_backslash[len..];
            }
            None => {
                flush_surrogate(&mut out, &mut pending_high);
                out.push('\\');
                rest = &from_backslash[1..];
            }
        }
    }
    flush_surrogate(&mut out, &mut pending_high);
    out.push_str(rest);
    Ok(out)
}

fn flush_surrogate(out: &mut String, pending: &mut Option<u32>) {
    if pending.take().is_some() {
        out.push(char::REPLACEMENT_CHARACTER);
    }
}

enum Decoded {
    Char(char),
    /// A UTF-16 surrogate code unit, which Rust cannot hold as a `char`.
    Surrogate(u32),
}

/// The escape at the start of `s` (which starts with a backslash) and its
/// length in bytes, or `None` when the backslash starts no escape.
fn escape_at(s: &str) -> Result<Option<(Decoded, usize)>, KvError> {
    let bytes = s.as_bytes();
    let Some(&kind) = bytes.get(1) else {
        return Ok(None);
    };
    let simple = match kind {
        b'\\' => Some('\\'),
        b'\'' => Some('\''),
        b'"' => Some('"'),
        b'a' => Some('\u{07}'),
        b'b' => Some('\u{08}'),
        b'f' => Some('\u{0c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        b'v' => Some('\u{0b}'),
        _ => None,
    };
    if let Some(c) = simple {
        return Ok(Some((Decoded::Char(c), 2)));
    }
    let digits = match kind {
        b'x' => 2,
        b'u' => 4,
        b'U' => 8,
        b'N' => return named_escape(s),
        _ => return Ok(None),
    };
    let Some(hex) = s
        .get(2..2 + digits)
        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Ok(None);
    };
    let code = u32::from_str_radix(hex, 16).map_err(|_| KvError::Escape {
        last: digits + 1,
        reason: "illegal Unicode character",
    })?;
    let decoded = match char::from_u32(code) {
        Some(c) => Decoded::Char(c),
        None if (0xD800..=0xDFFF).contains(&code) => Decoded::Surrogate(code),
        None => {
            return Err(KvError::Escape {
                last: digits + 1,
                reason: "illegal Unicode character",
            });
        }
    };
    Ok(Some((decoded, digits + 2)))
}

/// `\N{NAME}` at the start of `s`.
fn named_escape(s: &str) -> Result<Option<(Decoded, usize)>, KvError> {
    let Some(body) = s.strip_prefix("\\N{") else {
        return Ok(None);
    };
    let Some(close) = body.find('}') else {
        return Ok(None);
    };
    if close == 0 {
        return Ok(None);
    }
    let len = 3 + close + 1;
    match super::unicode_names::lookup_unicode_name(&body[..close]) {
        Some(c) => Ok(Some((Decoded::Char(c), len))),
        None => Err(KvError::Escape {
            last: len - 1,
            reason: "unknown Unicode character name",
        }),
    }
}

#[cfg(test)]
mod tests {
    //! Expected values observed with ansible-core 2.19
    //! (`ansible.parsing.splitter` / `ansible.parsing.quoting`).
    use super::*;

    fn split(args: &str) -> Vec<String> {
        split_args(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn kv(args: &str, check_raw: bool) -> Vec<(String, String)> {
        parse_kv(args, check_raw)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .into_iter()
            .collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const UNBALANCED: &str =
        "failed at splitting arguments, either an unbalanced jinja2 block or quotes: ";

    #[test]
    fn split_plain_and_quoted_words() {
        assert_eq!(split("a=b c=\"foo bar\""), ["a=b", "c=\"foo bar\""]);
        assert_eq!(split("k=\"a b\" c='d'"), ["k=\"a b\"", "c='d'"]);
        assert_eq!(split("x=\"'\""), ["x=\"'\""]);
        assert_eq!(split("a='b\\'c'"), ["a='b\\'c'"]);
        assert_eq!(split("\"a b\""), ["\"a b\""]);
    }

    #[test]
    fn split_keeps_jinja_blocks_whole() {
        assert_eq!(
            split("msg={{ x | default(\"a b\") }}"),
            ["msg={{ x | default(\"a b\") }}"]
        );
        assert_eq!(
            split("{% if x %} y {% endif %}"),
            ["{% if x %}", "y", "{% endif %}"]
        );
        assert_eq!(split("{{ a }} {{ b }}"), ["{{ a }}", "{{ b }}"]);
        assert_eq!(split("{# c #}"), ["{# c #}"]);
        assert_eq!(split("a={{ b }}c d"), ["a={{ b }}c", "d"]);
        assert_eq!(
            split("cmd=\"echo {{ x }}\" chdir=/tmp"),
            ["cmd=\"echo {{ x }}\"", "chdir=/tmp"]
        );
    }

    #[test]
    fn split_keeps_extra_spaces_on_the_previous_word() {
        assert_eq!(split("  a=1   b=2  "), [" ", "a=1  ", "b=2  "]);
        assert_eq!(split(" "), [" "]);
        assert_eq!(split(""), Vec::<String>::new());
    }

    #[test]
    fn split_newlines_and_continuations() {
        assert_eq!(split("foo\nbar"), ["foo\n", "bar"]);
        assert_eq!(split("a=1\r\nb=2"), ["a=1\r\n", "b=2"]);
        assert_eq!(split("a=\"1\n2\""), ["a=\"1\n2\""]);
        // A lone backslash word joins lines; one glued to a word does not.
        assert_eq!(split("a=1 \\\n b=2"), ["a=1", "b=2"]);
        assert_eq!(split("a=b\\\n c=d"), ["a=b\\\n", "c=d"]);
        assert_eq!(split("\\"), Vec::<String>::new());
    }

    #[test]
    fn split_rejects_unbalanced_quotes_and_blocks() {
        for args in ["a=\"unbalanced", "{{ foo", "'a\"", "\"a\\\""] {
            let err = split_args(args).unwrap_err();
            assert_eq!(err.to_string(), format!("{UNBALANCED}{args}"));
            assert!(!err.is_unexpected());
            assert_eq!(parse_kv(args, false).unwrap_err(), err);
        }
        // Ansible strips its messages, so trailing whitespace disappears.
        assert_eq!(
            split_args("=x\" \t").unwrap_err().to_string(),
            format!("{UNBALANCED}=x\"")
        );
    }

    #[test]
    fn kv_quoted_values_lose_their_quotes() {
        assert_eq!(
            kv("a=b c=\"foo bar\"", false),
            pairs(&[("a", "b"), ("c", "foo bar")])
        );
        assert_eq!(
            kv("k=\"a b\" c='d'", false),
            pairs(&[("k", "a b"), ("c", "d")])
        );
        assert_eq!(
            kv("k=\"v\" k2=\"\"", false),
            pairs(&[("k", "v"), ("k2", "")])
        );
        assert_eq!(kv("x=\"'\"", false), pairs(&[("x", "'")]));
        assert_eq!(kv("a='b\\'c'", false), pairs(&[("a", "b'c")]));
        assert_eq!(kv("a=\"b\\\"c\"", false), pairs(&[("a", "b\"c")]));
        // Escaped quotes are decoded first, then unquoted.
        assert_eq!(kv("a=\\\"b\\\"", false), pairs(&[("a", "b")]));
        // Keys keep their quotes.
        assert_eq!(kv("\"a b\"=c", false), pairs(&[("\"a b\"", "c")]));
        assert_eq!(
            kv("x=1 \"quoted words\" y='it''s'", false),
            pairs(&[
                ("x", "1"),
                ("y", "it''s"),
                ("_raw_params", "\"quoted words\"")
            ])
        );
    }

    #[test]
    fn kv_templates_are_kept_verbatim() {
        assert_eq!(
            kv("msg={{ x | default(\"a b\") }}", false),
            pairs(&[("msg", "{{ x | default(\"a b\") }}")])
        );
        assert_eq!(
            kv("a=\"{{ 'x y' }}\"", false),
            pairs(&[("a", "{{ 'x y' }}")])
        );
        assert_eq!(
            kv("a=\"{% if x %}y{% endif %}\"", false),
            pairs(&[("a", "{% if x %}y{% endif %}")])
        );
        assert_eq!(
            kv("{{ x }}={{ y }}", false),
            pairs(&[("{{ x }}", "{{ y }}")])
        );
    }

    #[test]
    fn kv_equals_signs() {
        assert_eq!(kv("a==b", false), pairs(&[("a", "=b")]));
        assert_eq!(kv("a=b=c", false), pairs(&[("a", "b=c")]));
        assert_eq!(kv("a=", false), pairs(&[("a", "")]));
        // An `=` in first position does not separate.
        assert_eq!(kv("=a", false), pairs(&[("_raw_params", "=a")]));
        // Only escaped `=`: free-form, unescaped.
        assert_eq!(kv("a\\=b", false), pairs(&[("_raw_params", "a=b")]));
        assert_eq!(kv("a\\\\=b", false), pairs(&[("_raw_params", "a=b")]));
        assert_eq!(kv("a\\=b=c", false), pairs(&[("a\\=b", "c")]));
        assert_eq!(kv("a=\\\\=b", false), pairs(&[("a", "\\=b")]));
    }

    #[test]
    fn kv_escapes_are_decoded_before_splitting_at_equals() {
        assert_eq!(
            kv("a=\\u00e9 b=\\x41 c=\\N{BULLET}", false),
            pairs(&[("a", "é"), ("b", "A"), ("c", "•")])
        );
        assert_eq!(kv("a\\x3db", false), pairs(&[("a", "b")]));
        assert_eq!(kv("a='x\\ny'", false), pairs(&[("a", "x\ny")]));
        // The decoded newline/tab are then stripped.
        assert_eq!(kv("a=\\n", false), pairs(&[("a", "")]));
        assert_eq!(
            kv("a=\\t\\\\ b=\\q", false),
            pairs(&[("a", "\\"), ("b", "\\q")])
        );
        assert_eq!(kv("path=C:\\\\temp", false), pairs(&[("path", "C:\\temp")]));
        assert_eq!(kv("a='\\u00e9'", false), pairs(&[("a", "é")]));
        assert_eq!(
            kv(
                "a=\"\\N{bullet}\\N{LATIN SMALL LETTER A}\\N{HANGUL SYLLABLE GA}\\N{CJK UNIFIED IDEOGRAPH-4E00}\\N{latin small letter a}\\N{LINE FEED}\\N{BYTE ORDER MARK}\"",
                false
            ),
            pairs(&[("a", "•a가一a\n\u{feff}")])
        );
    }

    #[test]
    fn kv_undecodable_escapes_are_unexpected_errors() {
        let err = parse_kv("a=\\U00110000", false).unwrap_err();
        assert!(err.is_unexpected());
        assert_eq!(
            err.to_string(),
            "'unicodeescape' codec can't decode bytes in position 0-9: illegal Unicode character"
        );
        assert_eq!(
            parse_kv("a=\\N{NOPE}", false).unwrap_err().to_string(),
            "'unicodeescape' codec can't decode bytes in position 0-7: unknown Unicode character name"
        );
        // Positions count UTF-8 bytes.
        assert_eq!(
            parse_kv("a=\"\\N{é}\"", false).unwrap_err().to_string(),
            "'unicodeescape' codec can't decode bytes in position 0-5: unknown Unicode character name"
        );
        // Algorithmic names are case-sensitive.
        assert!(parse_kv("a=\"\\N{hangul syllable ga}\"", false).is_err());
        assert!(parse_kv("a=\"\\N{CJK UNIFIED IDEOGRAPH-4e00}\"", false).is_err());
        assert!(parse_kv("a=\"\\N{CJK UNIFIED IDEOGRAPH-3134B}\"", false).is_err());
    }

    #[test]
    fn kv_surrogate_escapes() {
        // Python keeps two surrogates; we join the pair (see module docs).
        assert_eq!(kv("a=\"\\ud83d\\ude00\"", false), pairs(&[("a", "😀")]));
        assert_eq!(kv("a=\\ud800x", false), pairs(&[("a", "\u{fffd}x")]));
    }

    #[test]
    fn kv_unicode_and_whitespace() {
        assert_eq!(kv("ünï=cödé", false), pairs(&[("ünï", "cödé")]));
        assert_eq!(
            kv("  a=1   b=2  ", false),
            pairs(&[("a", "1"), ("b", "2"), ("_raw_params", " ")])
        );
        assert_eq!(kv("a=1\nb=2", false), pairs(&[("a", "1"), ("b", "2")]));
        assert_eq!(kv("a=1 \\\n b=2", false), pairs(&[("a", "1"), ("b", "2")]));
        assert_eq!(kv("a=\"1\n2\"", false), pairs(&[("a", "1\n2")]));
        assert_eq!(kv("a=b\\\n c=d", false), pairs(&[("a", "b\\"), ("c", "d")]));
        // Python's whitespace: U+3000 and U+001C are stripped too.
        assert_eq!(kv("a=\u{3000}x\u{1c}", false), pairs(&[("a", "x")]));
        assert_eq!(kv("", false), pairs(&[]));
        assert_eq!(kv(" ", false), pairs(&[("_raw_params", " ")]));
    }

    #[test]
    fn kv_free_form_words_become_raw_params_even_without_check_raw() {
        assert_eq!(kv("foo bar", false), pairs(&[("_raw_params", "foo bar")]));
        assert_eq!(kv("foo\nbar", false), pairs(&[("_raw_params", "foo\nbar")]));
        assert_eq!(
            kv("key=value with spaces", false),
            pairs(&[("key", "value"), ("_raw_params", "with spaces")])
        );
        assert_eq!(
            kv("a={{ b }}c d", false),
            pairs(&[("a", "{{ b }}c"), ("_raw_params", "d")])
        );
        assert_eq!(
            kv("{% if x %} y {% endif %}", false),
            pairs(&[("_raw_params", "{% if x %} y {% endif %}")])
        );
        assert_eq!(kv("'a'", false), pairs(&[("_raw_params", "'a'")]));
    }

    #[test]
    fn kv_repeated_keys_keep_first_position_last_value() {
        assert_eq!(kv("a=1 b=0 a=2", false), pairs(&[("a", "2"), ("b", "0")]));
        // Free-form words overwrite an explicit `_raw_params`.
        assert_eq!(kv("_raw_params=x y", false), pairs(&[("_raw_params", "y")]));
    }

    #[test]
    fn kv_check_raw_keeps_only_command_options() {
        assert_eq!(
            kv("echo hi creates=/tmp/x chdir=/ foo=bar", false),
            pairs(&[
                ("creates", "/tmp/x"),
                ("chdir", "/"),
                ("foo", "bar"),
                ("_raw_params", "echo hi")
            ])
        );
        assert_eq!(
            kv("echo hi creates=/tmp/x chdir=/ foo=bar", true),
            pairs(&[
                ("creates", "/tmp/x"),
                ("chdir", "/"),
                ("_raw_params", "echo hi foo=bar")
            ])
        );
        // `argv` is not one of them.
        assert_eq!(
            kv("stdin=foo warn=no argv=x", true),
            pairs(&[("stdin", "foo"), ("warn", "no"), ("_raw_params", "argv=x")])
        );
        // Raw words stay undecoded and are joined like the original.
        assert_eq!(
            kv("a=\\u00e9 b=\\x41", true),
            pairs(&[("_raw_params", "a=\\u00e9 b=\\x41")])
        );
        assert_eq!(kv("a=1\nb=2", true), pairs(&[("_raw_params", "a=1\nb=2")]));
        assert_eq!(
            kv("cmd=\"echo {{ x }}\" chdir=/tmp", true),
            pairs(&[("chdir", "/tmp"), ("_raw_params", "cmd=\"echo {{ x }}\"")])
        );
        // The key is compared before stripping: a tab makes it free-form.
        assert_eq!(
            kv("\tcreates=x", true),
            pairs(&[("_raw_params", "\tcreates=x")])
        );
        assert_eq!(kv("\tcreates=x", false), pairs(&[("creates", "x")]));
        assert_eq!(kv("a\\=b", true), pairs(&[("_raw_params", "a=b")]));
    }

    #[test]
    fn unquote_matches_ansible() {
        assert_eq!(unquote("'a'"), "a");
        assert_eq!(unquote("\"a\""), "a");
        assert_eq!(unquote("\"\""), "");
        assert_eq!(unquote("'a\""), "'a\"");
        assert_eq!(unquote("\"a\\\""), "\"a\\\"");
        assert_eq!(unquote("\""), "\"");
        assert_eq!(unquote("a=\"b\""), "a=\"b\"");
        assert_eq!(unquote("'é'"), "é");
    }

    #[test]
    fn join_args_restores_newlines() {
        assert_eq!(join_args(&["a=1\n", "b=2", "c"]), "a=1\nb=2 c");
        assert_eq!(join_args::<&str>(&[]), "");
    }

    /// Garbage never panics, and `parse_kv` only fails where `split_args`
    /// does or on an undecodable escape.
    #[test]
    fn random_input_never_panics() {
        const FRAGMENTS: &[&str] = &[
            " ",
            " ",
            "\n",
            "\"",
            "'",
            "\\",
            "=",
            "{{",
            "}}",
            "{%",
            "%}",
            "{#",
            "#}",
            "a",
            "k=",
            "\t",
            "é",
            "\\n",
            "\\x4",
            "\\u00e9",
            "\\N{BULLET}",
            "\\N{",
            "\\N{}",
            "\\ud83d",
            "\\ude00",
            "\\U00110000",
            "\\U0001F600",
            "creates=",
            "\r",
            "{",
            "}",
            "\\=",
            "\\\\",
            "\u{3000}",
            "\u{1c}",
            "😀",
            "\\N{HANGUL SYLLABLE ",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = (next() % 16) as usize;
            let text: String = (0..len)
                .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
                .collect();
            let split = split_args(&text);
            for check_raw in [false, true] {
                match (&split, parse_kv(&text, check_raw)) {
                    (Ok(_), Ok(_)) => {}
                    (Ok(_), Err(e)) => assert!(e.is_unexpected(), "{text:?}: {e}"),
                    (Err(a), Err(b)) => assert_eq!(a, &b),
                    (Err(e), Ok(_)) => panic!("{text:?}: split failed ({e}) but parse_kv did not"),
                }
            }
            let _ = unquote(&text);
            let _ = decode_escapes(&text);
            if let Ok(words) = split {
                let _ = join_args(&words);
            }
        }
    }
}
