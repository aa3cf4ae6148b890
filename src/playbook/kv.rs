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

use std::sync::LazyLock;

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
    match lookup_unicode_name(&body[..close]) {
        Some(c) => Ok(Some((Decoded::Char(c), len))),
        None => Err(KvError::Escape {
            last: len - 1,
            reason: "unknown Unicode character name",
        }),
    }
}

/// The character named `name` as Python's `\N{...}` resolves it: the
/// algorithmic names are matched case-sensitively, table names (and
/// aliases) case-insensitively.
pub fn lookup_unicode_name(name: &str) -> Option<char> {
    if let Some(syllable) = name.strip_prefix("HANGUL SYLLABLE ") {
        return hangul_syllable(syllable);
    }
    if let Some(hex) = name.strip_prefix("CJK UNIFIED IDEOGRAPH-") {
        let valid = matches!(hex.len(), 4 | 5)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        let code = u32::from_str_radix(hex, 16).ok().filter(|_| valid)?;
        return is_unified_ideograph(code)
            .then(|| char::from_u32(code))
            .flatten();
    }
    if !name.is_ascii() {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    let table = &*NAME_TABLE;
    table
        .binary_search_by(|(n, _)| (*n).cmp(upper.as_str()))
        .ok()
        .and_then(|i| char::from_u32(table[i].1))
}

fn is_unified_ideograph(code: u32) -> bool {
    const RANGES: [(u32, u32); 8] = [
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0x20000, 0x2A6DF),
        (0x2A700, 0x2B738),
        (0x2B740, 0x2B81D),
        (0x2B820, 0x2CEA1),
        (0x2CEB0, 0x2EBE0),
        (0x30000, 0x3134A),
    ];
    RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&code))
}

/// A Hangul syllable from its jamo short names (`GAG` → U+AC01). Each
/// part takes the longest matching short name, without backtracking, as
/// CPython does.
fn hangul_syllable(text: &str) -> Option<char> {
    const LEADS: [&str; 19] = [
        "G", "GG", "N", "D", "DD", "R", "M", "B", "BB", "S", "SS", "", "J", "JJ", "C", "K", "T",
        "P", "H",
    ];
    const VOWELS: [&str; 21] = [
        "A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE", "OE", "YO", "U", "WEO",
        "WE", "WI", "YU", "EU", "YI", "I",
    ];
    const TAILS: [&str; 28] = [
        "", "G", "GG", "GS", "N", "NJ", "NH", "D", "L", "LG", "LM", "LB", "LS", "LT", "LP", "LH",
        "M", "B", "BS", "S", "SS", "NG", "J", "C", "K", "T", "P", "H",
    ];
    fn longest(text: &str, names: &[&str]) -> Option<(usize, usize)> {
        names
            .iter()
            .enumerate()
            .filter(|(_, n)| text.starts_with(**n))
            .max_by_key(|(i, n)| (n.len(), std::cmp::Reverse(*i)))
            .map(|(i, n)| (i, n.len()))
    }
    let (lead, l_len) = longest(text, &LEADS)?;
    let rest = &text[l_len..];
    let (vowel, v_len) = longest(rest, &VOWELS)?;
    let rest = &rest[v_len..];
    let (tail, t_len) = longest(rest, &TAILS)?;
    if t_len != rest.len() {
        return None;
    }
    char::from_u32(0xAC00 + ((lead * 21 + vowel) * 28 + tail) as u32)
}

static NAME_TABLE: LazyLock<Vec<(&'static str, u32)>> = LazyLock::new(|| {
    NAMES
        .lines()
        .filter_map(|line| {
            let (name, hex) = line.split_once(';')?;
            Some((name, u32::from_str_radix(hex, 16).ok()?))
        })
        .collect()
});

/// `NAME;HEX` per line, sorted by name: Unicode 14.0 names and aliases
/// (those Python 3.11 accepts in `\N{}`) of U+0000–U+017F, U+0370–U+03FF,
/// U+2000–U+20C0, U+2100–U+214F, U+2190–U+22FF, U+25A0–U+27BF, U+FEFF and
/// U+FFFD.
const NAMES: &str = "\
ACCOUNT OF;2100
ACK;6
ACKNOWLEDGE;6
ACTIVATE ARABIC FORM SHAPING;206D
ACTIVATE SYMMETRIC SWAPPING;206B
ACUTE ACCENT;B4
ADDRESSED TO THE SUBJECT;2101
ADI SHAKTI;262C
AIRPLANE;2708
AKTIESELSKAB;214D
ALEF SYMBOL;2135
ALEMBIC;2697
ALERT;7
ALL EQUAL TO;224C
ALMOST EQUAL OR EQUAL TO;224A
ALMOST EQUAL TO;2248
ALTERNATE ONE-WAY LEFT WAY TRAFFIC;26D5
AMPERSAND;26
ANCHOR;2693
ANGLE;2220
ANGSTROM SIGN;212B
ANKH;2625
ANTICLOCKWISE CONTOUR INTEGRAL;2233
ANTICLOCKWISE OPEN CIRCLE ARROW;21BA
ANTICLOCKWISE TOP SEMICIRCLE ARROW;21B6
APC;9F
APOSTROPHE;27
APPLICATION PROGRAM COMMAND;9F
APPROACHES THE LIMIT;2250
APPROXIMATELY BUT NOT ACTUALLY EQUAL TO;2246
APPROXIMATELY EQUAL TO;2245
APPROXIMATELY EQUAL TO OR THE IMAGE OF;2252
AQUARIUS;2652
ARIES;2648
ASCENDING NODE;260A
ASSERTION;22A6
ASTERISK;2A
ASTERISK OPERATOR;2217
ASTERISM;2042
ASTRONOMICAL SYMBOL FOR URANUS;26E2
ASYMPTOTICALLY EQUAL TO;2243
ATOM SYMBOL;269B
AUSTRAL SIGN;20B3
BACK-TILTED SHADOWED WHITE RIGHTWARDS ARROW;27AB
BACKSPACE;8
BALLOON-SPOKED ASTERISK;2749
BALLOT BOX;2610
BALLOT BOX WITH CHECK;2611
BALLOT BOX WITH X;2612
BALLOT X;2717
BASEBALL;26BE
BEAMED EIGHTH NOTES;266B
BEAMED SIXTEENTH NOTES;266C
BECAUSE;2235
BEL;7
BET SYMBOL;2136
BETWEEN;226C
BIOHAZARD SIGN;2623
BITCOIN SIGN;20BF
BLACK CENTRE WHITE STAR;272C
BLACK CHESS BISHOP;265D
BLACK CHESS KING;265A
BLACK CHESS KNIGHT;265E
BLACK CHESS PAWN;265F
BLACK CHESS QUEEN;265B
BLACK CHESS ROOK;265C
BLACK CIRCLE;25CF
BLACK CIRCLE WITH TWO WHITE DOTS;2689
BLACK CIRCLE WITH WHITE DOT RIGHT;2688
BLACK CLUB SUIT;2663
BLACK CROSS ON SHIELD;26E8
BLACK DIAMOND;25C6
BLACK DIAMOND MINUS WHITE X;2756
BLACK DIAMOND SUIT;2666
BLACK DOWN-POINTING SMALL TRIANGLE;25BE
BLACK DOWN-POINTING TRIANGLE;25BC
BLACK DRAUGHTS KING;26C3
BLACK DRAUGHTS MAN;26C2
BLACK FLAG;2691
BLACK FLORETTE;273F
BLACK FOUR POINTED STAR;2726
BLACK HEART SUIT;2665
BLACK LEFT LANE MERGE;26D8
BLACK LEFT POINTING INDEX;261A
BLACK LEFT-POINTING POINTER;25C4
BLACK LEFT-POINTING SMALL TRIANGLE;25C2
BLACK LEFT-POINTING TRIANGLE;25C0
BLACK LEFTWARDS BULLET;204C
BLACK LOWER LEFT TRIANGLE;25E3
BLACK LOWER RIGHT TRIANGLE;25E2
BLACK MEDIUM SMALL SQUARE;25FE
BLACK MEDIUM SQUARE;25FC
BLACK MOON LILITH;26B8
BLACK NIB;2712
BLACK PARALLELOGRAM;25B0
BLACK QUESTION MARK ORNAMENT;2753
BLACK RECTANGLE;25AC
BLACK RIGHT POINTING INDEX;261B
BLACK RIGHT-POINTING POINTER;25BA
BLACK RIGHT-POINTING SMALL TRIANGLE;25B8
BLACK RIGHT-POINTING TRIANGLE;25B6
BLACK RIGHTWARDS ARROW;27A1
BLACK RIGHTWARDS ARROWHEAD;27A4
BLACK RIGHTWARDS BULLET;204D
BLACK SAFETY SCISSORS;2700
BLACK SCISSORS;2702
BLACK SHOGI PIECE;2617
BLACK SMALL SQUARE;25AA
BLACK SMILING FACE;263B
BLACK SNOWMAN;26C7
BLACK SPADE SUIT;2660
BLACK SQUARE;25A0
BLACK STAR;2605
BLACK SUN WITH RAYS;2600
BLACK TELEPHONE;260E
BLACK TRUCK;26DF
BLACK TWO-WAY LEFT WAY TRAFFIC;26D6
BLACK UNIVERSAL RECYCLING SYMBOL;267B
BLACK UP-POINTING SMALL TRIANGLE;25B4
BLACK UP-POINTING TRIANGLE;25B2
BLACK UPPER LEFT TRIANGLE;25E4
BLACK UPPER RIGHT TRIANGLE;25E5
BLACK VERTICAL RECTANGLE;25AE
BLACK-FEATHERED NORTH EAST ARROW;27B6
BLACK-FEATHERED RIGHTWARDS ARROW;27B5
BLACK-FEATHERED SOUTH EAST ARROW;27B4
BLACK-LETTER CAPITAL C;212D
BLACK-LETTER CAPITAL H;210C
BLACK-LETTER CAPITAL I;2111
BLACK-LETTER CAPITAL R;211C
BLACK-LETTER CAPITAL Z;2128
BOM;FEFF
BOWTIE;22C8
BPH;82
BREAK PERMITTED HERE;82
BROKEN BAR;A6
BS;8
BULLET;2022
BULLET OPERATOR;2219
BULLSEYE;25CE
BYTE ORDER MARK;FEFF
CADA UNA;2106
CADUCEUS;2624
CAN;18
CANCEL;18
CANCEL CHARACTER;94
CANCER;264B
CAPRICORN;2651
CAR SLIDING;26D0
CARE OF;2105
CARET;2038
CARET INSERTION POINT;2041
CARRIAGE RETURN;D
CASTLE;26EB
CAUTION SIGN;2621
CCH;94
CEDI SIGN;20B5
CEDILLA;B8
CENT SIGN;A2
CENTRE LINE SYMBOL;2104
CERES;26B3
CHAINS;26D3
CHARACTER TABULATION;9
CHARACTER TABULATION SET;88
CHARACTER TABULATION WITH JUSTIFICATION;89
CHARACTER TIE;2040
CHECK MARK;2713
CHI RHO;2627
CHIRON;26B7
CHURCH;26EA
CIRCLE WITH ALL BUT UPPER LEFT QUADRANT BLACK;25D5
CIRCLE WITH LEFT HALF BLACK;25D0
CIRCLE WITH LOWER HALF BLACK;25D2
CIRCLE WITH RIGHT HALF BLACK;25D1
CIRCLE WITH UPPER HALF BLACK;25D3
CIRCLE WITH UPPER RIGHT QUADRANT BLACK;25D4
CIRCLE WITH VERTICAL FILL;25CD
CIRCLED ASTERISK OPERATOR;229B
CIRCLED CROSSING LANES;26D2
CIRCLED DASH;229D
CIRCLED DIVISION SLASH;2298
CIRCLED DOT OPERATOR;2299
CIRCLED EQUALS;229C
CIRCLED HEAVY WHITE RIGHTWARDS ARROW;27B2
CIRCLED MINUS;2296
CIRCLED OPEN CENTRE EIGHT POINTED STAR;2742
CIRCLED PLUS;2295
CIRCLED RING OPERATOR;229A
CIRCLED TIMES;2297
CIRCLED WHITE STAR;272A
CIRCUMFLEX ACCENT;5E
CLOCKWISE CONTOUR INTEGRAL;2232
CLOCKWISE INTEGRAL;2231
CLOCKWISE OPEN CIRCLE ARROW;21BB
CLOCKWISE TOP SEMICIRCLE ARROW;21B7
CLOSE UP;2050
CLOUD;2601
COFFIN;26B0
COLON;3A
COLON EQUALS;2254
COLON SIGN;20A1
COMET;2604
COMMA;2C
COMMERCIAL AT;40
COMMERCIAL MINUS SIGN;2052
COMPLEMENT;2201
CONJUNCTION;260C
CONTAINS AS MEMBER;220B
CONTAINS AS NORMAL SUBGROUP;22B3
CONTAINS AS NORMAL SUBGROUP OR EQUAL TO;22B5
CONTAINS WITH LONG HORIZONTAL STROKE;22FA
CONTAINS WITH OVERBAR;22FD
CONTAINS WITH VERTICAL BAR AT END OF HORIZONTAL STROKE;22FB
CONTOUR INTEGRAL;222E
CONTROL SEQUENCE INTRODUCER;9B
COPTIC CAPITAL LETTER DEI;3EE
COPTIC CAPITAL LETTER FEI;3E4
COPTIC CAPITAL LETTER GANGIA;3EA
COPTIC CAPITAL LETTER HORI;3E8
COPTIC CAPITAL LETTER KHEI;3E6
COPTIC CAPITAL LETTER SHEI;3E2
COPTIC CAPITAL LETTER SHIMA;3EC
COPTIC SMALL LETTER DEI;3EF
COPTIC SMALL LETTER FEI;3E5
COPTIC SMALL LETTER GANGIA;3EB
COPTIC SMALL LETTER HORI;3E9
COPTIC SMALL LETTER KHEI;3E7
COPTIC SMALL LETTER SHEI;3E3
COPTIC SMALL LETTER SHIMA;3ED
COPYRIGHT SIGN;A9
CORRESPONDS TO;2258
CR;D
CROSS MARK;274C
CROSS OF JERUSALEM;2629
CROSS OF LORRAINE;2628
CROSSED SWORDS;2694
CROSSING LANES;26CC
CRUZEIRO SIGN;20A2
CSI;9B
CUBE ROOT;221B
CUP ON BLACK SQUARE;26FE
CURLY LOGICAL AND;22CF
CURLY LOGICAL OR;22CE
CURLY LOOP;27B0
CURRENCY SIGN;A4
CURVED STEM PARAGRAPH SIGN ORNAMENT;2761
DAGGER;2020
DALET SYMBOL;2138
DASHED TRIANGLE-HEADED RIGHTWARDS ARROW;279F
DATA LINK ESCAPE;10
DC1;11
DC2;12
DC3;13
DC4;14
DCS;90
DEGREE CELSIUS;2103
DEGREE FAHRENHEIT;2109
DEGREE SIGN;B0
DEL;7F
DELETE;7F
DELTA EQUAL TO;225C
DESCENDING NODE;260B
DEVICE CONTROL FOUR;14
DEVICE CONTROL ONE;11
DEVICE CONTROL STRING;90
DEVICE CONTROL THREE;13
DEVICE CONTROL TWO;12
DIAERESIS;A8
DIAMOND OPERATOR;22C4
DIE FACE-1;2680
DIE FACE-2;2681
DIE FACE-3;2682
DIE FACE-4;2683
DIE FACE-5;2684
DIE FACE-6;2685
DIFFERENCE BETWEEN;224F
DIGIT EIGHT;38
DIGIT FIVE;35
DIGIT FOUR;34
DIGIT NINE;39
DIGIT ONE;31
DIGIT SEVEN;37
DIGIT SIX;36
DIGIT THREE;33
DIGIT TWO;32
DIGIT ZERO;30
DIGRAM FOR GREATER YANG;268C
DIGRAM FOR GREATER YIN;268F
DIGRAM FOR LESSER YANG;268E
DIGRAM FOR LESSER YIN;268D
DINGBAT CIRCLED SANS-SERIF DIGIT EIGHT;2787
DINGBAT CIRCLED SANS-SERIF DIGIT FIVE;2784
DINGBAT CIRCLED SANS-SERIF DIGIT FOUR;2783
DINGBAT CIRCLED SANS-SERIF DIGIT NINE;2788
DINGBAT CIRCLED SANS-SERIF DIGIT ONE;2780
DINGBAT CIRCLED SANS-SERIF DIGIT SEVEN;2786
DINGBAT CIRCLED SANS-SERIF DIGIT SIX;2785
DINGBAT CIRCLED SANS-SERIF DIGIT THREE;2782
DINGBAT CIRCLED SANS-SERIF DIGIT TWO;2781
DINGBAT CIRCLED SANS-SERIF NUMBER TEN;2789
DINGBAT NEGATIVE CIRCLED DIGIT EIGHT;277D
DINGBAT NEGATIVE CIRCLED DIGIT FIVE;277A
DINGBAT NEGATIVE CIRCLED DIGIT FOUR;2779
DINGBAT NEGATIVE CIRCLED DIGIT NINE;277E
DINGBAT NEGATIVE CIRCLED DIGIT ONE;2776
DINGBAT NEGATIVE CIRCLED DIGIT SEVEN;277C
DINGBAT NEGATIVE CIRCLED DIGIT SIX;277B
DINGBAT NEGATIVE CIRCLED DIGIT THREE;2778
DINGBAT NEGATIVE CIRCLED DIGIT TWO;2777
DINGBAT NEGATIVE CIRCLED NUMBER TEN;277F
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT EIGHT;2791
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT FIVE;278E
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT FOUR;278D
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT NINE;2792
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT ONE;278A
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT SEVEN;2790
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT SIX;278F
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT THREE;278C
DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT TWO;278B
DINGBAT NEGATIVE CIRCLED SANS-SERIF NUMBER TEN;2793
DISABLED CAR;26CD
DIVIDES;2223
DIVISION SIGN;F7
DIVISION SLASH;2215
DIVISION TIMES;22C7
DIVORCE SYMBOL;26AE
DLE;10
DOES NOT CONTAIN AS MEMBER;220C
DOES NOT CONTAIN AS NORMAL SUBGROUP;22EB
DOES NOT CONTAIN AS NORMAL SUBGROUP OR EQUAL;22ED
DOES NOT DIVIDE;2224
DOES NOT FORCE;22AE
DOES NOT PRECEDE;2280
DOES NOT PRECEDE OR EQUAL;22E0
DOES NOT PROVE;22AC
DOES NOT SUCCEED;2281
DOES NOT SUCCEED OR EQUAL;22E1
DOLLAR SIGN;24
DONG SIGN;20AB
DOT MINUS;2238
DOT OPERATOR;22C5
DOT PLUS;2214
DOTTED CIRCLE;25CC
DOTTED CROSS;205C
DOUBLE CURLY LOOP;27BF
DOUBLE DAGGER;2021
DOUBLE EXCLAMATION MARK;203C
DOUBLE HIGH-REVERSED-9 QUOTATION MARK;201F
DOUBLE INTEGRAL;222C
DOUBLE INTERSECTION;22D2
DOUBLE LOW LINE;2017
DOUBLE LOW-9 QUOTATION MARK;201E
DOUBLE PRIME;2033
DOUBLE QUESTION MARK;2047
DOUBLE SUBSET;22D0
DOUBLE SUPERSET;22D1
DOUBLE UNION;22D3
DOUBLE VERTICAL BAR DOUBLE RIGHT TURNSTILE;22AB
DOUBLE VERTICAL LINE;2016
DOUBLE-STRUCK CAPITAL C;2102
DOUBLE-STRUCK CAPITAL GAMMA;213E
DOUBLE-STRUCK CAPITAL H;210D
DOUBLE-STRUCK CAPITAL N;2115
DOUBLE-STRUCK CAPITAL P;2119
DOUBLE-STRUCK CAPITAL PI;213F
DOUBLE-STRUCK CAPITAL Q;211A
DOUBLE-STRUCK CAPITAL R;211D
DOUBLE-STRUCK CAPITAL Z;2124
DOUBLE-STRUCK ITALIC CAPITAL D;2145
DOUBLE-STRUCK ITALIC SMALL D;2146
DOUBLE-STRUCK ITALIC SMALL E;2147
DOUBLE-STRUCK ITALIC SMALL I;2148
DOUBLE-STRUCK ITALIC SMALL J;2149
DOUBLE-STRUCK N-ARY SUMMATION;2140
DOUBLE-STRUCK SMALL GAMMA;213D
DOUBLE-STRUCK SMALL PI;213C
DOUBLED FEMALE SIGN;26A2
DOUBLED MALE SIGN;26A3
DOWN RIGHT DIAGONAL ELLIPSIS;22F1
DOWN TACK;22A4
DOWNWARDS ARROW;2193
DOWNWARDS ARROW FROM BAR;21A7
DOWNWARDS ARROW LEFTWARDS OF UPWARDS ARROW;21F5
DOWNWARDS ARROW WITH CORNER LEFTWARDS;21B5
DOWNWARDS ARROW WITH DOUBLE STROKE;21DF
DOWNWARDS ARROW WITH TIP LEFTWARDS;21B2
DOWNWARDS ARROW WITH TIP RIGHTWARDS;21B3
DOWNWARDS DASHED ARROW;21E3
DOWNWARDS DOUBLE ARROW;21D3
DOWNWARDS HARPOON WITH BARB LEFTWARDS;21C3
DOWNWARDS HARPOON WITH BARB RIGHTWARDS;21C2
DOWNWARDS PAIRED ARROWS;21CA
DOWNWARDS TWO HEADED ARROW;21A1
DOWNWARDS WHITE ARROW;21E9
DOWNWARDS ZIGZAG ARROW;21AF
DRACHMA SIGN;20AF
DRAFTING POINT RIGHTWARDS ARROW;279B
DRIVE SLOW SIGN;26DA
EARTH;2641
EAST SYRIAC CROSS;2671
EIGHT PETALLED OUTLINED BLACK FLORETTE;2741
EIGHT POINTED BLACK STAR;2734
EIGHT POINTED PINWHEEL STAR;2735
EIGHT POINTED RECTILINEAR BLACK STAR;2737
EIGHT SPOKED ASTERISK;2733
EIGHT TEARDROP-SPOKED PROPELLER ASTERISK;274A
EIGHTH NOTE;266A
ELEMENT OF;2208
ELEMENT OF WITH DOT ABOVE;22F5
ELEMENT OF WITH LONG HORIZONTAL STROKE;22F2
ELEMENT OF WITH OVERBAR;22F6
ELEMENT OF WITH TWO HORIZONTAL STROKES;22F9
ELEMENT OF WITH UNDERBAR;22F8
ELEMENT OF WITH VERTICAL BAR AT END OF HORIZONTAL STROKE;22F3
EM DASH;2014
EM QUAD;2001
EM SPACE;2003
EMPTY SET;2205
EN DASH;2013
EN QUAD;2000
EN SPACE;2002
END OF GUARDED AREA;97
END OF LINE;A
END OF MEDIUM;19
END OF PROOF;220E
END OF PROTECTED AREA;97
END OF SELECTED AREA;87
END OF TEXT;3
END OF TRANSMISSION;4
END OF TRANSMISSION BLOCK;17
ENQ;5
ENQUIRY;5
ENVELOPE;2709
EOL;A
EOM;19
EOT;4
EPA;97
EQUAL AND PARALLEL TO;22D5
EQUAL TO BY DEFINITION;225D
EQUAL TO OR GREATER-THAN;22DD
EQUAL TO OR LESS-THAN;22DC
EQUAL TO OR PRECEDES;22DE
EQUAL TO OR SUCCEEDS;22DF
EQUALS COLON;2255
EQUALS SIGN;3D
EQUIANGULAR TO;225A
EQUIVALENT TO;224D
ESA;87
ESC;1B
ESCAPE;1B
ESTIMATED SYMBOL;212E
ESTIMATES;2259
ETB;17
ETX;3
EULER CONSTANT;2107
EURO SIGN;20AC
EURO-CURRENCY SIGN;20A0
EXCESS;2239
EXCLAMATION MARK;21
EXCLAMATION QUESTION MARK;2049
FACSIMILE SIGN;213B
FALLING DIAGONAL IN WHITE CIRCLE IN BLACK SQUARE;26DE
FARSI SYMBOL;262B
FEMALE SIGN;2640
FEMININE ORDINAL INDICATOR;AA
FERRY;26F4
FF;C
FIGURE DASH;2012
FIGURE SPACE;2007
FILE SEPARATOR;1C
FIRST QUARTER MOON;263D
FIRST STRONG ISOLATE;2068
FISHEYE;25C9
FIVE DOT PUNCTUATION;2059
FLAG IN HOLE;26F3
FLEUR-DE-LIS;269C
FLORAL HEART;2766
FLOWER;2698
FLOWER PUNCTUATION MARK;2055
FOR ALL;2200
FORCES;22A9
FORM FEED;C
FOUNTAIN;26F2
FOUR BALLOON-SPOKED ASTERISK;2723
FOUR CLUB-SPOKED ASTERISK;2725
FOUR DOT MARK;205B
FOUR DOT PUNCTUATION;2058
FOUR TEARDROP-SPOKED ASTERISK;2722
FOUR-PER-EM SPACE;2005
FOURTH ROOT;221C
FRACTION SLASH;2044
FRENCH FRANC SIGN;20A3
FRONT-TILTED SHADOWED WHITE RIGHTWARDS ARROW;27AC
FS;1C
FSI;2068
FUEL PUMP;26FD
FULL STOP;2E
FUNCTION APPLICATION;2061
FUNERAL URN;26B1
GEAR;2699
GEAR WITH HANDLES;26EE
GEAR WITHOUT HUB;26ED
GEMINI;264A
GEOMETRIC PROPORTION;223A
GEOMETRICALLY EQUAL TO;2251
GEOMETRICALLY EQUIVALENT TO;224E
GERMAN PENNY SIGN;20B0
GIMEL SYMBOL;2137
GRAVE ACCENT;60
GREATER-THAN BUT NOT EQUAL TO;2269
GREATER-THAN BUT NOT EQUIVALENT TO;22E7
GREATER-THAN EQUAL TO OR LESS-THAN;22DB
GREATER-THAN OR EQUAL TO;2265
GREATER-THAN OR EQUIVALENT TO;2273
GREATER-THAN OR LESS-THAN;2277
GREATER-THAN OVER EQUAL TO;2267
GREATER-THAN SIGN;3E
GREATER-THAN WITH DOT;22D7
GREEK ANO TELEIA;387
GREEK BETA SYMBOL;3D0
GREEK CAPITAL DOTTED LUNATE SIGMA SYMBOL;3FE
GREEK CAPITAL KAI SYMBOL;3CF
GREEK CAPITAL LETTER ALPHA;391
GREEK CAPITAL LETTER ALPHA WITH TONOS;386
GREEK CAPITAL LETTER ARCHAIC SAMPI;372
GREEK CAPITAL LETTER BETA;392
GREEK CAPITAL LETTER CHI;3A7
GREEK CAPITAL LETTER DELTA;394
GREEK CAPITAL LETTER EPSILON;395
GREEK CAPITAL LETTER EPSILON WITH TONOS;388
GREEK CAPITAL LETTER ETA;397
GREEK CAPITAL LETTER ETA WITH TONOS;389
GREEK CAPITAL LETTER GAMMA;393
GREEK CAPITAL LETTER HETA;370
GREEK CAPITAL LETTER IOTA;399
GREEK CAPITAL LETTER IOTA WITH DIALYTIKA;3AA
GREEK CAPITAL LETTER IOTA WITH TONOS;38A
GREEK CAPITAL LETTER KAPPA;39A
GREEK CAPITAL LETTER LAMDA;39B
GREEK CAPITAL LETTER MU;39C
GREEK CAPITAL LETTER NU;39D
GREEK CAPITAL LETTER OMEGA;3A9
GREEK CAPITAL LETTER OMEGA WITH TONOS;38F
GREEK CAPITAL LETTER OMICRON;39F
GREEK CAPITAL LETTER OMICRON WITH TONOS;38C
GREEK CAPITAL LETTER PAMPHYLIAN DIGAMMA;376
GREEK CAPITAL LETTER PHI;3A6
GREEK CAPITAL LETTER PI;3A0
GREEK CAPITAL LETTER PSI;3A8
GREEK CAPITAL LETTER RHO;3A1
GREEK CAPITAL LETTER SAN;3FA
GREEK CAPITAL LETTER SHO;3F7
GREEK CAPITAL LETTER SIGMA;3A3
GREEK CAPITAL LETTER TAU;3A4
GREEK CAPITAL LETTER THETA;398
GREEK CAPITAL LETTER UPSILON;3A5
GREEK CAPITAL LETTER UPSILON WITH DIALYTIKA;3AB
GREEK CAPITAL LETTER UPSILON WITH TONOS;38E
GREEK CAPITAL LETTER XI;39E
GREEK CAPITAL LETTER YOT;37F
GREEK CAPITAL LETTER ZETA;396
GREEK CAPITAL LUNATE SIGMA SYMBOL;3F9
GREEK CAPITAL REVERSED DOTTED LUNATE SIGMA SYMBOL;3FF
GREEK CAPITAL REVERSED LUNATE SIGMA SYMBOL;3FD
GREEK CAPITAL THETA SYMBOL;3F4
GREEK DIALYTIKA TONOS;385
GREEK KAI SYMBOL;3D7
GREEK KAPPA SYMBOL;3F0
GREEK LETTER ARCHAIC KOPPA;3D8
GREEK LETTER DIGAMMA;3DC
GREEK LETTER KOPPA;3DE
GREEK LETTER SAMPI;3E0
GREEK LETTER STIGMA;3DA
GREEK LETTER YOT;3F3
GREEK LOWER NUMERAL SIGN;375
GREEK LUNATE EPSILON SYMBOL;3F5
GREEK LUNATE SIGMA SYMBOL;3F2
GREEK NUMERAL SIGN;374
GREEK PHI SYMBOL;3D5
GREEK PI SYMBOL;3D6
GREEK QUESTION MARK;37E
GREEK REVERSED LUNATE EPSILON SYMBOL;3F6
GREEK RHO SYMBOL;3F1
GREEK RHO WITH STROKE SYMBOL;3FC
GREEK SMALL DOTTED LUNATE SIGMA SYMBOL;37C
GREEK SMALL LETTER ALPHA;3B1
GREEK SMALL LETTER ALPHA WITH TONOS;3AC
GREEK SMALL LETTER ARCHAIC KOPPA;3D9
GREEK SMALL LETTER ARCHAIC SAMPI;373
GREEK SMALL LETTER BETA;3B2
GREEK SMALL LETTER CHI;3C7
GREEK SMALL LETTER DELTA;3B4
GREEK SMALL LETTER DIGAMMA;3DD
GREEK SMALL LETTER EPSILON;3B5
GREEK SMALL LETTER EPSILON WITH TONOS;3AD
GREEK SMALL LETTER ETA;3B7
GREEK SMALL LETTER ETA WITH TONOS;3AE
GREEK SMALL LETTER FINAL SIGMA;3C2
GREEK SMALL LETTER GAMMA;3B3
GREEK SMALL LETTER HETA;371
GREEK SMALL LETTER IOTA;3B9
GREEK SMALL LETTER IOTA WITH DIALYTIKA;3CA
GREEK SMALL LETTER IOTA WITH DIALYTIKA AND TONOS;390
GREEK SMALL LETTER IOTA WITH TONOS;3AF
GREEK SMALL LETTER KAPPA;3BA
GREEK SMALL LETTER KOPPA;3DF
GREEK SMALL LETTER LAMDA;3BB
GREEK SMALL LETTER MU;3BC
GREEK SMALL LETTER NU;3BD
GREEK SMALL LETTER OMEGA;3C9
GREEK SMALL LETTER OMEGA WITH TONOS;3CE
GREEK SMALL LETTER OMICRON;3BF
GREEK SMALL LETTER OMICRON WITH TONOS;3CC
GREEK SMALL LETTER PAMPHYLIAN DIGAMMA;377
GREEK SMALL LETTER PHI;3C6
GREEK SMALL LETTER PI;3C0
GREEK SMALL LETTER PSI;3C8
GREEK SMALL LETTER RHO;3C1
GREEK SMALL LETTER SAMPI;3E1
GREEK SMALL LETTER SAN;3FB
GREEK SMALL LETTER SHO;3F8
GREEK SMALL LETTER SIGMA;3C3
GREEK SMALL LETTER STIGMA;3DB
GREEK SMALL LETTER TAU;3C4
GREEK SMALL LETTER THETA;3B8
GREEK SMALL LETTER UPSILON;3C5
GREEK SMALL LETTER UPSILON WITH DIALYTIKA;3CB
GREEK SMALL LETTER UPSILON WITH DIALYTIKA AND TONOS;3B0
GREEK SMALL LETTER UPSILON WITH TONOS;3CD
GREEK SMALL LETTER XI;3BE
GREEK SMALL LETTER ZETA;3B6
GREEK SMALL REVERSED DOTTED LUNATE SIGMA SYMBOL;37D
GREEK SMALL REVERSED LUNATE SIGMA SYMBOL;37B
GREEK THETA SYMBOL;3D1
GREEK TONOS;384
GREEK UPSILON WITH ACUTE AND HOOK SYMBOL;3D3
GREEK UPSILON WITH DIAERESIS AND HOOK SYMBOL;3D4
GREEK UPSILON WITH HOOK SYMBOL;3D2
GREEK YPOGEGRAMMENI;37A
GROUP SEPARATOR;1D
GS;1D
GUARANI SIGN;20B2
HAIR SPACE;200A
HAMMER AND PICK;2692
HAMMER AND SICKLE;262D
HEADSTONE GRAVEYARD SYMBOL;26FC
HEAVY ASTERISK;2731
HEAVY BALLOT X;2718
HEAVY BLACK CURVED DOWNWARDS AND RIGHTWARDS ARROW;27A5
HEAVY BLACK CURVED UPWARDS AND RIGHTWARDS ARROW;27A6
HEAVY BLACK HEART;2764
HEAVY BLACK-FEATHERED NORTH EAST ARROW;27B9
HEAVY BLACK-FEATHERED RIGHTWARDS ARROW;27B8
HEAVY BLACK-FEATHERED SOUTH EAST ARROW;27B7
HEAVY CHECK MARK;2714
HEAVY CHEVRON SNOWFLAKE;2746
HEAVY CIRCLE WITH STROKE AND TWO DOTS ABOVE;26E3
HEAVY CONCAVE-POINTED BLACK RIGHTWARDS ARROW;27A8
HEAVY DASHED TRIANGLE-HEADED RIGHTWARDS ARROW;27A0
HEAVY DIVISION SIGN;2797
HEAVY DOUBLE COMMA QUOTATION MARK ORNAMENT;275E
HEAVY DOUBLE TURNED COMMA QUOTATION MARK ORNAMENT;275D
HEAVY EIGHT POINTED RECTILINEAR BLACK STAR;2738
HEAVY EIGHT TEARDROP-SPOKED PROPELLER ASTERISK;274B
HEAVY EXCLAMATION MARK ORNAMENT;2762
HEAVY EXCLAMATION MARK SYMBOL;2757
HEAVY FOUR BALLOON-SPOKED ASTERISK;2724
HEAVY GREEK CROSS;271A
HEAVY HEART EXCLAMATION MARK ORNAMENT;2763
HEAVY LEFT-POINTING ANGLE BRACKET ORNAMENT;2770
HEAVY LEFT-POINTING ANGLE QUOTATION MARK ORNAMENT;276E
HEAVY LOW DOUBLE COMMA QUOTATION MARK ORNAMENT;2760
HEAVY LOW SINGLE COMMA QUOTATION MARK ORNAMENT;275F
HEAVY LOWER RIGHT-SHADOWED WHITE RIGHTWARDS ARROW;27AD
HEAVY MINUS SIGN;2796
HEAVY MULTIPLICATION X;2716
HEAVY NORTH EAST ARROW;279A
HEAVY OPEN CENTRE CROSS;271C
HEAVY OUTLINED BLACK STAR;272E
HEAVY PLUS SIGN;2795
HEAVY RIGHT-POINTING ANGLE BRACKET ORNAMENT;2771
HEAVY RIGHT-POINTING ANGLE QUOTATION MARK ORNAMENT;276F
HEAVY RIGHTWARDS ARROW;2799
HEAVY ROUND-TIPPED RIGHTWARDS ARROW;279C
HEAVY SINGLE COMMA QUOTATION MARK ORNAMENT;275C
HEAVY SINGLE TURNED COMMA QUOTATION MARK ORNAMENT;275B
HEAVY SOUTH EAST ARROW;2798
HEAVY SPARKLE;2748
HEAVY TEARDROP-SHANKED RIGHTWARDS ARROW;27BB
HEAVY TEARDROP-SPOKED ASTERISK;273D
HEAVY TEARDROP-SPOKED PINWHEEL ASTERISK;2743
HEAVY TRIANGLE-HEADED RIGHTWARDS ARROW;279E
HEAVY UPPER RIGHT-SHADOWED WHITE RIGHTWARDS ARROW;27AE
HEAVY VERTICAL BAR;275A
HEAVY WEDGE-TAILED RIGHTWARDS ARROW;27BD
HEAVY WHITE DOWN-POINTING TRIANGLE;26DB
HEAVY WIDE-HEADED RIGHTWARDS ARROW;2794
HELMET WITH WHITE CROSS;26D1
HERMITIAN CONJUGATE MATRIX;22B9
HIGH OCTET PRESET;81
HIGH VOLTAGE SIGN;26A1
HISTORIC SITE;26EC
HOMOTHETIC;223B
HOP;81
HORIZONTAL BAR;2015
HORIZONTAL ELLIPSIS;2026
HORIZONTAL MALE WITH STROKE SIGN;26A9
HORIZONTAL TABULATION;9
HORIZONTAL TABULATION SET;88
HORIZONTAL TABULATION WITH JUSTIFICATION;89
HOT BEVERAGE;2615
HOT SPRINGS;2668
HRYVNIA SIGN;20B4
HT;9
HTJ;89
HTS;88
HYPHEN;2010
HYPHEN BULLET;2043
HYPHEN-MINUS;2D
HYPHENATION POINT;2027
ICE SKATE;26F8
IDENTICAL TO;2261
IMAGE OF;22B7
IMAGE OF OR APPROXIMATELY EQUAL TO;2253
INCREMENT;2206
IND;84
INDEX;84
INDIAN RUPEE SIGN;20B9
INFINITY;221E
INFORMATION SEPARATOR FOUR;1C
INFORMATION SEPARATOR ONE;1F
INFORMATION SEPARATOR THREE;1D
INFORMATION SEPARATOR TWO;1E
INFORMATION SOURCE;2139
INHIBIT ARABIC FORM SHAPING;206C
INHIBIT SYMMETRIC SWAPPING;206A
INTEGRAL;222B
INTERCALATE;22BA
INTERLOCKED FEMALE AND MALE SIGN;26A4
INTERROBANG;203D
INTERSECTION;2229
INVERSE BULLET;25D8
INVERSE WHITE CIRCLE;25D9
INVERTED EXCLAMATION MARK;A1
INVERTED LAZY S;223E
INVERTED OHM SIGN;2127
INVERTED PENTAGRAM;26E7
INVERTED QUESTION MARK;BF
INVERTED UNDERTIE;2054
INVISIBLE PLUS;2064
INVISIBLE SEPARATOR;2063
INVISIBLE TIMES;2062
JAPANESE BANK SYMBOL;26FB
JUNO;26B5
JUPITER;2643
KELVIN SIGN;212A
KIP SIGN;20AD
L B BAR SYMBOL;2114
LARGE CIRCLE;25EF
LARI SIGN;20BE
LAST QUARTER MOON;263E
LATIN CAPITAL LETTER A;41
LATIN CAPITAL LETTER A WITH ACUTE;C1
LATIN CAPITAL LETTER A WITH BREVE;102
LATIN CAPITAL LETTER A WITH CIRCUMFLEX;C2
LATIN CAPITAL LETTER A WITH DIAERESIS;C4
LATIN CAPITAL LETTER A WITH GRAVE;C0
LATIN CAPITAL LETTER A WITH MACRON;100
LATIN CAPITAL LETTER A WITH OGONEK;104
LATIN CAPITAL LETTER A WITH RING ABOVE;C5
LATIN CAPITAL LETTER A WITH TILDE;C3
LATIN CAPITAL LETTER AE;C6
LATIN CAPITAL LETTER B;42
LATIN CAPITAL LETTER C;43
LATIN CAPITAL LETTER C WITH ACUTE;106
LATIN CAPITAL LETTER C WITH CARON;10C
LATIN CAPITAL LETTER C WITH CEDILLA;C7
LATIN CAPITAL LETTER C WITH CIRCUMFLEX;108
LATIN CAPITAL LETTER C WITH DOT ABOVE;10A
LATIN CAPITAL LETTER D;44
LATIN CAPITAL LETTER D WITH CARON;10E
LATIN CAPITAL LETTER D WITH STROKE;110
LATIN CAPITAL LETTER E;45
LATIN CAPITAL LETTER E WITH ACUTE;C9
LATIN CAPITAL LETTER E WITH BREVE;114
LATIN CAPITAL LETTER E WITH CARON;11A
LATIN CAPITAL LETTER E WITH CIRCUMFLEX;CA
LATIN CAPITAL LETTER E WITH DIAERESIS;CB
LATIN CAPITAL LETTER E WITH DOT ABOVE;116
LATIN CAPITAL LETTER E WITH GRAVE;C8
LATIN CAPITAL LETTER E WITH MACRON;112
LATIN CAPITAL LETTER E WITH OGONEK;118
LATIN CAPITAL LETTER ENG;14A
LATIN CAPITAL LETTER ETH;D0
LATIN CAPITAL LETTER F;46
LATIN CAPITAL LETTER G;47
LATIN CAPITAL LETTER G WITH BREVE;11E
LATIN CAPITAL LETTER G WITH CEDILLA;122
LATIN CAPITAL LETTER G WITH CIRCUMFLEX;11C
LATIN CAPITAL LETTER G WITH DOT ABOVE;120
LATIN CAPITAL LETTER H;48
LATIN CAPITAL LETTER H WITH CIRCUMFLEX;124
LATIN CAPITAL LETTER H WITH STROKE;126
LATIN CAPITAL LETTER I;49
LATIN CAPITAL LETTER I WITH ACUTE;CD
LATIN CAPITAL LETTER I WITH BREVE;12C
LATIN CAPITAL LETTER I WITH CIRCUMFLEX;CE
LATIN CAPITAL LETTER I WITH DIAERESIS;CF
LATIN CAPITAL LETTER I WITH DOT ABOVE;130
LATIN CAPITAL LETTER I WITH GRAVE;CC
LATIN CAPITAL LETTER I WITH MACRON;12A
LATIN CAPITAL LETTER I WITH OGONEK;12E
LATIN CAPITAL LETTER I WITH TILDE;128
LATIN CAPITAL LETTER J;4A
LATIN CAPITAL LETTER J WITH CIRCUMFLEX;134
LATIN CAPITAL LETTER K;4B
LATIN CAPITAL LETTER K WITH CEDILLA;136
LATIN CAPITAL LETTER L;4C
LATIN CAPITAL LETTER L WITH ACUTE;139
LATIN CAPITAL LETTER L WITH CARON;13D
LATIN CAPITAL LETTER L WITH CEDILLA;13B
LATIN CAPITAL LETTER L WITH MIDDLE DOT;13F
LATIN CAPITAL LETTER L WITH STROKE;141
LATIN CAPITAL LETTER M;4D
LATIN CAPITAL LETTER N;4E
LATIN CAPITAL LETTER N WITH ACUTE;143
LATIN CAPITAL LETTER N WITH CARON;147
LATIN CAPITAL LETTER N WITH CEDILLA;145
LATIN CAPITAL LETTER N WITH TILDE;D1
LATIN CAPITAL LETTER O;4F
LATIN CAPITAL LETTER O WITH ACUTE;D3
LATIN CAPITAL LETTER O WITH BREVE;14E
LATIN CAPITAL LETTER O WITH CIRCUMFLEX;D4
LATIN CAPITAL LETTER O WITH DIAERESIS;D6
LATIN CAPITAL LETTER O WITH DOUBLE ACUTE;150
LATIN CAPITAL LETTER O WITH GRAVE;D2
LATIN CAPITAL LETTER O WITH MACRON;14C
LATIN CAPITAL LETTER O WITH STROKE;D8
LATIN CAPITAL LETTER O WITH TILDE;D5
LATIN CAPITAL LETTER P;50
LATIN CAPITAL LETTER Q;51
LATIN CAPITAL LETTER R;52
LATIN CAPITAL LETTER R WITH ACUTE;154
LATIN CAPITAL LETTER R WITH CARON;158
LATIN CAPITAL LETTER R WITH CEDILLA;156
LATIN CAPITAL LETTER S;53
LATIN CAPITAL LETTER S WITH ACUTE;15A
LATIN CAPITAL LETTER S WITH CARON;160
LATIN CAPITAL LETTER S WITH CEDILLA;15E
LATIN CAPITAL LETTER S WITH CIRCUMFLEX;15C
LATIN CAPITAL LETTER T;54
LATIN CAPITAL LETTER T WITH CARON;164
LATIN CAPITAL LETTER T WITH CEDILLA;162
LATIN CAPITAL LETTER T WITH STROKE;166
LATIN CAPITAL LETTER THORN;DE
LATIN CAPITAL LETTER U;55
LATIN CAPITAL LETTER U WITH ACUTE;DA
LATIN CAPITAL LETTER U WITH BREVE;16C
LATIN CAPITAL LETTER U WITH CIRCUMFLEX;DB
LATIN CAPITAL LETTER U WITH DIAERESIS;DC
LATIN CAPITAL LETTER U WITH DOUBLE ACUTE;170
LATIN CAPITAL LETTER U WITH GRAVE;D9
LATIN CAPITAL LETTER U WITH MACRON;16A
LATIN CAPITAL LETTER U WITH OGONEK;172
LATIN CAPITAL LETTER U WITH RING ABOVE;16E
LATIN CAPITAL LETTER U WITH TILDE;168
LATIN CAPITAL LETTER V;56
LATIN CAPITAL LETTER W;57
LATIN CAPITAL LETTER W WITH CIRCUMFLEX;174
LATIN CAPITAL LETTER X;58
LATIN CAPITAL LETTER Y;59
LATIN CAPITAL LETTER Y WITH ACUTE;DD
LATIN CAPITAL LETTER Y WITH CIRCUMFLEX;176
LATIN CAPITAL LETTER Y WITH DIAERESIS;178
LATIN CAPITAL LETTER Z;5A
LATIN CAPITAL LETTER Z WITH ACUTE;179
LATIN CAPITAL LETTER Z WITH CARON;17D
LATIN CAPITAL LETTER Z WITH DOT ABOVE;17B
LATIN CAPITAL LIGATURE IJ;132
LATIN CAPITAL LIGATURE OE;152
LATIN CROSS;271D
LATIN SMALL LETTER A;61
LATIN SMALL LETTER A WITH ACUTE;E1
LATIN SMALL LETTER A WITH BREVE;103
LATIN SMALL LETTER A WITH CIRCUMFLEX;E2
LATIN SMALL LETTER A WITH DIAERESIS;E4
LATIN SMALL LETTER A WITH GRAVE;E0
LATIN SMALL LETTER A WITH MACRON;101
LATIN SMALL LETTER A WITH OGONEK;105
LATIN SMALL LETTER A WITH RING ABOVE;E5
LATIN SMALL LETTER A WITH TILDE;E3
LATIN SMALL LETTER AE;E6
LATIN SMALL LETTER B;62
LATIN SMALL LETTER C;63
LATIN SMALL LETTER C WITH ACUTE;107
LATIN SMALL LETTER C WITH CARON;10D
LATIN SMALL LETTER C WITH CEDILLA;E7
LATIN SMALL LETTER C WITH CIRCUMFLEX;109
LATIN SMALL LETTER C WITH DOT ABOVE;10B
LATIN SMALL LETTER D;64
LATIN SMALL LETTER D WITH CARON;10F
LATIN SMALL LETTER D WITH STROKE;111
LATIN SMALL LETTER DOTLESS I;131
LATIN SMALL LETTER E;65
LATIN SMALL LETTER E WITH ACUTE;E9
LATIN SMALL LETTER E WITH BREVE;115
LATIN SMALL LETTER E WITH CARON;11B
LATIN SMALL LETTER E WITH CIRCUMFLEX;EA
LATIN SMALL LETTER E WITH DIAERESIS;EB
LATIN SMALL LETTER E WITH DOT ABOVE;117
LATIN SMALL LETTER E WITH GRAVE;E8
LATIN SMALL LETTER E WITH MACRON;113
LATIN SMALL LETTER E WITH OGONEK;119
LATIN SMALL LETTER ENG;14B
LATIN SMALL LETTER ETH;F0
LATIN SMALL LETTER F;66
LATIN SMALL LETTER G;67
LATIN SMALL LETTER G WITH BREVE;11F
LATIN SMALL LETTER G WITH CEDILLA;123
LATIN SMALL LETTER G WITH CIRCUMFLEX;11D
LATIN SMALL LETTER G WITH DOT ABOVE;121
LATIN SMALL LETTER H;68
LATIN SMALL LETTER H WITH CIRCUMFLEX;125
LATIN SMALL LETTER H WITH STROKE;127
LATIN SMALL LETTER I;69
LATIN SMALL LETTER I WITH ACUTE;ED
LATIN SMALL LETTER I WITH BREVE;12D
LATIN SMALL LETTER I WITH CIRCUMFLEX;EE
LATIN SMALL LETTER I WITH DIAERESIS;EF
LATIN SMALL LETTER I WITH GRAVE;EC
LATIN SMALL LETTER I WITH MACRON;12B
LATIN SMALL LETTER I WITH OGONEK;12F
LATIN SMALL LETTER I WITH TILDE;129
LATIN SMALL LETTER J;6A
LATIN SMALL LETTER J WITH CIRCUMFLEX;135
LATIN SMALL LETTER K;6B
LATIN SMALL LETTER K WITH CEDILLA;137
LATIN SMALL LETTER KRA;138
LATIN SMALL LETTER L;6C
LATIN SMALL LETTER L WITH ACUTE;13A
LATIN SMALL LETTER L WITH CARON;13E
LATIN SMALL LETTER L WITH CEDILLA;13C
LATIN SMALL LETTER L WITH MIDDLE DOT;140
LATIN SMALL LETTER L WITH STROKE;142
LATIN SMALL LETTER LONG S;17F
LATIN SMALL LETTER M;6D
LATIN SMALL LETTER N;6E
LATIN SMALL LETTER N PRECEDED BY APOSTROPHE;149
LATIN SMALL LETTER N WITH ACUTE;144
LATIN SMALL LETTER N WITH CARON;148
LATIN SMALL LETTER N WITH CEDILLA;146
LATIN SMALL LETTER N WITH TILDE;F1
LATIN SMALL LETTER O;6F
LATIN SMALL LETTER O WITH ACUTE;F3
LATIN SMALL LETTER O WITH BREVE;14F
LATIN SMALL LETTER O WITH CIRCUMFLEX;F4
LATIN SMALL LETTER O WITH DIAERESIS;F6
LATIN SMALL LETTER O WITH DOUBLE ACUTE;151
LATIN SMALL LETTER O WITH GRAVE;F2
LATIN SMALL LETTER O WITH MACRON;14D
LATIN SMALL LETTER O WITH STROKE;F8
LATIN SMALL LETTER O WITH TILDE;F5
LATIN SMALL LETTER P;70
LATIN SMALL LETTER Q;71
LATIN SMALL LETTER R;72
LATIN SMALL LETTER R WITH ACUTE;155
LATIN SMALL LETTER R WITH CARON;159
LATIN SMALL LETTER R WITH CEDILLA;157
LATIN SMALL LETTER S;73
LATIN SMALL LETTER S WITH ACUTE;15B
LATIN SMALL LETTER S WITH CARON;161
LATIN SMALL LETTER S WITH CEDILLA;15F
LATIN SMALL LETTER S WITH CIRCUMFLEX;15D
LATIN SMALL LETTER SHARP S;DF
LATIN SMALL LETTER T;74
LATIN SMALL LETTER T WITH CARON;165
LATIN SMALL LETTER T WITH CEDILLA;163
LATIN SMALL LETTER T WITH STROKE;167
LATIN SMALL LETTER THORN;FE
LATIN SMALL LETTER U;75
LATIN SMALL LETTER U WITH ACUTE;FA
LATIN SMALL LETTER U WITH BREVE;16D
LATIN SMALL LETTER U WITH CIRCUMFLEX;FB
LATIN SMALL LETTER U WITH DIAERESIS;FC
LATIN SMALL LETTER U WITH DOUBLE ACUTE;171
LATIN SMALL LETTER U WITH GRAVE;F9
LATIN SMALL LETTER U WITH MACRON;16B
LATIN SMALL LETTER U WITH OGONEK;173
LATIN SMALL LETTER U WITH RING ABOVE;16F
LATIN SMALL LETTER U WITH TILDE;169
LATIN SMALL LETTER V;76
LATIN SMALL LETTER W;77
LATIN SMALL LETTER W WITH CIRCUMFLEX;175
LATIN SMALL LETTER X;78
LATIN SMALL LETTER Y;79
LATIN SMALL LETTER Y WITH ACUTE;FD
LATIN SMALL LETTER Y WITH CIRCUMFLEX;177
LATIN SMALL LETTER Y WITH DIAERESIS;FF
LATIN SMALL LETTER Z;7A
LATIN SMALL LETTER Z WITH ACUTE;17A
LATIN SMALL LETTER Z WITH CARON;17E
LATIN SMALL LETTER Z WITH DOT ABOVE;17C
LATIN SMALL LIGATURE IJ;133
LATIN SMALL LIGATURE OE;153
LATIN SUBSCRIPT SMALL LETTER A;2090
LATIN SUBSCRIPT SMALL LETTER E;2091
LATIN SUBSCRIPT SMALL LETTER H;2095
LATIN SUBSCRIPT SMALL LETTER K;2096
LATIN SUBSCRIPT SMALL LETTER L;2097
LATIN SUBSCRIPT SMALL LETTER M;2098
LATIN SUBSCRIPT SMALL LETTER N;2099
LATIN SUBSCRIPT SMALL LETTER O;2092
LATIN SUBSCRIPT SMALL LETTER P;209A
LATIN SUBSCRIPT SMALL LETTER S;209B
LATIN SUBSCRIPT SMALL LETTER SCHWA;2094
LATIN SUBSCRIPT SMALL LETTER T;209C
LATIN SUBSCRIPT SMALL LETTER X;2093
LEFT CLOSED ENTRY;26DC
LEFT CURLY BRACKET;7B
LEFT DOUBLE QUOTATION MARK;201C
LEFT HALF BLACK CIRCLE;25D6
LEFT NORMAL FACTOR SEMIDIRECT PRODUCT;22C9
LEFT PARENTHESIS;28
LEFT RIGHT ARROW;2194
LEFT RIGHT ARROW WITH DOUBLE VERTICAL STROKE;21FC
LEFT RIGHT ARROW WITH STROKE;21AE
LEFT RIGHT ARROW WITH VERTICAL STROKE;21F9
LEFT RIGHT DOUBLE ARROW;21D4
LEFT RIGHT DOUBLE ARROW WITH STROKE;21CE
LEFT RIGHT OPEN-HEADED ARROW;21FF
LEFT RIGHT WAVE ARROW;21AD
LEFT SEMIDIRECT PRODUCT;22CB
LEFT SINGLE QUOTATION MARK;2018
LEFT SQUARE BRACKET;5B
LEFT SQUARE BRACKET WITH QUILL;2045
LEFT TACK;22A3
LEFT-HANDED INTERLACED PENTAGRAM;26E6
LEFT-POINTING DOUBLE ANGLE QUOTATION MARK;AB
LEFT-SHADED WHITE RIGHTWARDS ARROW;27AA
LEFT-TO-RIGHT EMBEDDING;202A
LEFT-TO-RIGHT ISOLATE;2066
LEFT-TO-RIGHT MARK;200E
LEFT-TO-RIGHT OVERRIDE;202D
LEFTWARDS ARROW;2190
LEFTWARDS ARROW FROM BAR;21A4
LEFTWARDS ARROW OVER RIGHTWARDS ARROW;21C6
LEFTWARDS ARROW TO BAR;21E4
LEFTWARDS ARROW TO BAR OVER RIGHTWARDS ARROW TO BAR;21B9
LEFTWARDS ARROW WITH DOUBLE VERTICAL STROKE;21FA
LEFTWARDS ARROW WITH HOOK;21A9
LEFTWARDS ARROW WITH LOOP;21AB
LEFTWARDS ARROW WITH STROKE;219A
LEFTWARDS ARROW WITH TAIL;21A2
LEFTWARDS ARROW WITH VERTICAL STROKE;21F7
LEFTWARDS DASHED ARROW;21E0
LEFTWARDS DOUBLE ARROW;21D0
LEFTWARDS DOUBLE ARROW WITH STROKE;21CD
LEFTWARDS HARPOON OVER RIGHTWARDS HARPOON;21CB
LEFTWARDS HARPOON WITH BARB DOWNWARDS;21BD
LEFTWARDS HARPOON WITH BARB UPWARDS;21BC
LEFTWARDS OPEN-HEADED ARROW;21FD
LEFTWARDS PAIRED ARROWS;21C7
LEFTWARDS SQUIGGLE ARROW;21DC
LEFTWARDS TRIPLE ARROW;21DA
LEFTWARDS TWO HEADED ARROW;219E
LEFTWARDS WAVE ARROW;219C
LEFTWARDS WHITE ARROW;21E6
LEO;264C
LESS-THAN BUT NOT EQUAL TO;2268
LESS-THAN BUT NOT EQUIVALENT TO;22E6
LESS-THAN EQUAL TO OR GREATER-THAN;22DA
LESS-THAN OR EQUAL TO;2264
LESS-THAN OR EQUIVALENT TO;2272
LESS-THAN OR GREATER-THAN;2276
LESS-THAN OVER EQUAL TO;2266
LESS-THAN SIGN;3C
LESS-THAN WITH DOT;22D6
LF;A
LIBRA;264E
LIGHT LEFT TORTOISE SHELL BRACKET ORNAMENT;2772
LIGHT RIGHT TORTOISE SHELL BRACKET ORNAMENT;2773
LIGHT VERTICAL BAR;2758
LIGHTNING;2607
LINE FEED;A
LINE SEPARATOR;2028
LINE TABULATION;B
LINE TABULATION SET;8A
LIRA SIGN;20A4
LIVRE TOURNOIS SIGN;20B6
LOCKING-SHIFT ONE;E
LOCKING-SHIFT ZERO;F
LOGICAL AND;2227
LOGICAL OR;2228
LOW ASTERISK;204E
LOW LINE;5F
LOWER BLADE SCISSORS;2703
LOWER HALF CIRCLE;25E1
LOWER HALF INVERSE WHITE CIRCLE;25DB
LOWER LEFT QUADRANT CIRCULAR ARC;25DF
LOWER LEFT TRIANGLE;25FA
LOWER RIGHT DROP-SHADOWED WHITE SQUARE;274F
LOWER RIGHT PENCIL;270E
LOWER RIGHT QUADRANT CIRCULAR ARC;25DE
LOWER RIGHT SHADOWED WHITE SQUARE;2751
LOWER RIGHT TRIANGLE;25FF
LOZENGE;25CA
LRE;202A
LRI;2066
LRM;200E
LRO;202D
MACRON;AF
MALE AND FEMALE SIGN;26A5
MALE SIGN;2642
MALE WITH STROKE AND MALE AND FEMALE SIGN;26A7
MALE WITH STROKE SIGN;26A6
MALTESE CROSS;2720
MANAT SIGN;20BC
MAP SYMBOL FOR LIGHTHOUSE;26EF
MARRIAGE SYMBOL;26AD
MASCULINE ORDINAL INDICATOR;BA
MEASURED ANGLE;2221
MEASURED BY;225E
MEDIUM BLACK CIRCLE;26AB
MEDIUM FLATTENED LEFT PARENTHESIS ORNAMENT;276A
MEDIUM FLATTENED RIGHT PARENTHESIS ORNAMENT;276B
MEDIUM LEFT CURLY BRACKET ORNAMENT;2774
MEDIUM LEFT PARENTHESIS ORNAMENT;2768
MEDIUM LEFT-POINTING ANGLE BRACKET ORNAMENT;276C
MEDIUM MATHEMATICAL SPACE;205F
MEDIUM RIGHT CURLY BRACKET ORNAMENT;2775
MEDIUM RIGHT PARENTHESIS ORNAMENT;2769
MEDIUM RIGHT-POINTING ANGLE BRACKET ORNAMENT;276D
MEDIUM SMALL WHITE CIRCLE;26AC
MEDIUM VERTICAL BAR;2759
MEDIUM WHITE CIRCLE;26AA
MERCURY;263F
MESSAGE WAITING;95
MICRO SIGN;B5
MIDDLE DOT;B7
MIDLINE HORIZONTAL ELLIPSIS;22EF
MILL SIGN;20A5
MINUS SIGN;2212
MINUS TILDE;2242
MINUS-OR-PLUS SIGN;2213
MMSP;205F
MODELS;22A7
MONOGRAM FOR YANG;268A
MONOGRAM FOR YIN;268B
MOUNTAIN;26F0
MUCH GREATER-THAN;226B
MUCH LESS-THAN;226A
MULTIMAP;22B8
MULTIPLICATION SIGN;D7
MULTIPLICATION X;2715
MULTISET;228C
MULTISET MULTIPLICATION;228D
MULTISET UNION;228E
MUSIC FLAT SIGN;266D
MUSIC NATURAL SIGN;266E
MUSIC SHARP SIGN;266F
MW;95
N-ARY COPRODUCT;2210
N-ARY INTERSECTION;22C2
N-ARY LOGICAL AND;22C0
N-ARY LOGICAL OR;22C1
N-ARY PRODUCT;220F
N-ARY SUMMATION;2211
N-ARY UNION;22C3
NABLA;2207
NAIRA SIGN;20A6
NAK;15
NAND;22BC
NARROW NO-BREAK SPACE;202F
NATIONAL DIGIT SHAPES;206E
NBH;83
NBSP;A0
NEGATED DOUBLE VERTICAL BAR DOUBLE RIGHT TURNSTILE;22AF
NEGATIVE ACKNOWLEDGE;15
NEGATIVE SQUARED CROSS MARK;274E
NEITHER A SUBSET OF NOR EQUAL TO;2288
NEITHER A SUPERSET OF NOR EQUAL TO;2289
NEITHER APPROXIMATELY NOR ACTUALLY EQUAL TO;2247
NEITHER GREATER-THAN NOR EQUAL TO;2271
NEITHER GREATER-THAN NOR EQUIVALENT TO;2275
NEITHER GREATER-THAN NOR LESS-THAN;2279
NEITHER LESS-THAN NOR EQUAL TO;2270
NEITHER LESS-THAN NOR EQUIVALENT TO;2274
NEITHER LESS-THAN NOR GREATER-THAN;2278
NEL;85
NEPTUNE;2646
NEUTER;26B2
NEW LINE;A
NEW SHEQEL SIGN;20AA
NEXT LINE;85
NL;A
NNBSP;202F
NO BREAK HERE;83
NO ENTRY;26D4
NO-BREAK SPACE;A0
NOMINAL DIGIT SHAPES;206F
NON-BREAKING HYPHEN;2011
NOR;22BD
NORDIC MARK SIGN;20BB
NORMAL SUBGROUP OF;22B2
NORMAL SUBGROUP OF OR EQUAL TO;22B4
NORTH EAST ARROW;2197
NORTH EAST DOUBLE ARROW;21D7
NORTH WEST ARROW;2196
NORTH WEST ARROW TO CORNER;21F1
NORTH WEST ARROW TO LONG BAR;21B8
NORTH WEST DOUBLE ARROW;21D6
NOT A SUBSET OF;2284
NOT A SUPERSET OF;2285
NOT ALMOST EQUAL TO;2249
NOT AN ELEMENT OF;2209
NOT ASYMPTOTICALLY EQUAL TO;2244
NOT EQUAL TO;2260
NOT EQUIVALENT TO;226D
NOT GREATER-THAN;226F
NOT IDENTICAL TO;2262
NOT LESS-THAN;226E
NOT NORMAL SUBGROUP OF;22EA
NOT NORMAL SUBGROUP OF OR EQUAL TO;22EC
NOT PARALLEL TO;2226
NOT SIGN;AC
NOT SQUARE IMAGE OF OR EQUAL TO;22E2
NOT SQUARE ORIGINAL OF OR EQUAL TO;22E3
NOT TILDE;2241
NOT TRUE;22AD
NOTCHED LOWER RIGHT-SHADOWED WHITE RIGHTWARDS ARROW;27AF
NOTCHED UPPER RIGHT-SHADOWED WHITE RIGHTWARDS ARROW;27B1
NUL;0
NULL;0
NUMBER SIGN;23
NUMERO SIGN;2116
OHM SIGN;2126
ONE DOT LEADER;2024
OPEN CENTRE ASTERISK;2732
OPEN CENTRE BLACK STAR;272B
OPEN CENTRE CROSS;271B
OPEN CENTRE TEARDROP-SPOKED ASTERISK;273C
OPEN-OUTLINED RIGHTWARDS ARROW;27BE
OPERATING SYSTEM COMMAND;9D
OPHIUCHUS;26CE
OPPOSITION;260D
ORIGINAL OF;22B6
ORTHODOX CROSS;2626
OSC;9D
OUNCE SIGN;2125
OUTLINED BLACK STAR;272D
OUTLINED GREEK CROSS;2719
OUTLINED LATIN CROSS;271F
OUTLINED WHITE STAR;269D
OVERLINE;203E
PAD;80
PADDING CHARACTER;80
PALLAS;26B4
PARAGRAPH SEPARATOR;2029
PARALLEL TO;2225
PARTIAL DIFFERENTIAL;2202
PARTIAL LINE BACKWARD;8C
PARTIAL LINE DOWN;8B
PARTIAL LINE FORWARD;8B
PARTIAL LINE UP;8C
PARTIALLY-RECYCLED PAPER SYMBOL;267D
PDF;202C
PDI;2069
PEACE SYMBOL;262E
PENCIL;270F
PENTAGRAM;26E4
PER MILLE SIGN;2030
PER SIGN;214C
PER TEN THOUSAND SIGN;2031
PERCENT SIGN;25
PERMANENT PAPER SIGN;267E
PERSON WITH BALL;26F9
PESETA SIGN;20A7
PESO SIGN;20B1
PICK;26CF
PILCROW SIGN;B6
PINWHEEL STAR;272F
PISCES;2653
PITCHFORK;22D4
PLANCK CONSTANT;210E
PLANCK CONSTANT OVER TWO PI;210F
PLD;8B
PLU;8C
PLUS SIGN;2B
PLUS-MINUS SIGN;B1
PLUTO;2647
PM;9E
POP DIRECTIONAL FORMATTING;202C
POP DIRECTIONAL ISOLATE;2069
POUND SIGN;A3
PRECEDES;227A
PRECEDES BUT NOT EQUIVALENT TO;22E8
PRECEDES OR EQUAL TO;227C
PRECEDES OR EQUIVALENT TO;227E
PRECEDES UNDER RELATION;22B0
PRESCRIPTION TAKE;211E
PRIME;2032
PRIVACY MESSAGE;9E
PRIVATE USE ONE;91
PRIVATE USE TWO;92
PRIVATE USE-1;91
PRIVATE USE-2;92
PROPERTY LINE;214A
PROPORTION;2237
PROPORTIONAL TO;221D
PU1;91
PU2;92
PUNCTUATION SPACE;2008
QUADRUPLE PRIME;2057
QUARTER NOTE;2669
QUESTION EXCLAMATION MARK;2048
QUESTION MARK;3F
QUESTIONED EQUAL TO;225F
QUINCUNX;26BB
QUOTATION MARK;22
RADIOACTIVE SIGN;2622
RAIN;26C6
RAISED FIST;270A
RAISED HAND;270B
RATIO;2236
RECORD SEPARATOR;1E
RECYCLED PAPER SYMBOL;267C
RECYCLING SYMBOL FOR GENERIC MATERIALS;267A
RECYCLING SYMBOL FOR TYPE-1 PLASTICS;2673
RECYCLING SYMBOL FOR TYPE-2 PLASTICS;2674
RECYCLING SYMBOL FOR TYPE-3 PLASTICS;2675
RECYCLING SYMBOL FOR TYPE-4 PLASTICS;2676
RECYCLING SYMBOL FOR TYPE-5 PLASTICS;2677
RECYCLING SYMBOL FOR TYPE-6 PLASTICS;2678
RECYCLING SYMBOL FOR TYPE-7 PLASTICS;2679
REFERENCE MARK;203B
REGISTERED SIGN;AE
REPLACEMENT CHARACTER;FFFD
RESPONSE;211F
RESTRICTED LEFT ENTRY-1;26E0
RESTRICTED LEFT ENTRY-2;26E1
REVERSE INDEX;8D
REVERSE LINE FEED;8D
REVERSE SOLIDUS;5C
REVERSED DOUBLE PRIME;2036
REVERSED PILCROW SIGN;204B
REVERSED PRIME;2035
REVERSED ROTATED FLORAL HEART BULLET;2619
REVERSED SANS-SERIF CAPITAL L;2143
REVERSED SEMICOLON;204F
REVERSED TILDE;223D
REVERSED TILDE EQUALS;22CD
REVERSED TRIPLE PRIME;2037
RI;8D
RIGHT ANGLE;221F
RIGHT ANGLE WITH ARC;22BE
RIGHT ARROW WITH SMALL CIRCLE;21F4
RIGHT CURLY BRACKET;7D
RIGHT DOUBLE QUOTATION MARK;201D
RIGHT HALF BLACK CIRCLE;25D7
RIGHT NORMAL FACTOR SEMIDIRECT PRODUCT;22CA
RIGHT PARENTHESIS;29
RIGHT SEMIDIRECT PRODUCT;22CC
RIGHT SINGLE QUOTATION MARK;2019
RIGHT SQUARE BRACKET;5D
RIGHT SQUARE BRACKET WITH QUILL;2046
RIGHT TACK;22A2
RIGHT TRIANGLE;22BF
RIGHT-HANDED INTERLACED PENTAGRAM;26E5
RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK;BB
RIGHT-SHADED WHITE RIGHTWARDS ARROW;27A9
RIGHT-TO-LEFT EMBEDDING;202B
RIGHT-TO-LEFT ISOLATE;2067
RIGHT-TO-LEFT MARK;200F
RIGHT-TO-LEFT OVERRIDE;202E
RIGHTWARDS ARROW;2192
RIGHTWARDS ARROW FROM BAR;21A6
RIGHTWARDS ARROW OVER LEFTWARDS ARROW;21C4
RIGHTWARDS ARROW TO BAR;21E5
RIGHTWARDS ARROW WITH CORNER DOWNWARDS;21B4
RIGHTWARDS ARROW WITH DOUBLE VERTICAL STROKE;21FB
RIGHTWARDS ARROW WITH HOOK;21AA
RIGHTWARDS ARROW WITH LOOP;21AC
RIGHTWARDS ARROW WITH STROKE;219B
RIGHTWARDS ARROW WITH TAIL;21A3
RIGHTWARDS ARROW WITH VERTICAL STROKE;21F8
RIGHTWARDS DASHED ARROW;21E2
RIGHTWARDS DOUBLE ARROW;21D2
RIGHTWARDS DOUBLE ARROW WITH STROKE;21CF
RIGHTWARDS HARPOON OVER LEFTWARDS HARPOON;21CC
RIGHTWARDS HARPOON WITH BARB DOWNWARDS;21C1
RIGHTWARDS HARPOON WITH BARB UPWARDS;21C0
RIGHTWARDS OPEN-HEADED ARROW;21FE
RIGHTWARDS PAIRED ARROWS;21C9
RIGHTWARDS SQUIGGLE ARROW;21DD
RIGHTWARDS TRIPLE ARROW;21DB
RIGHTWARDS TWO HEADED ARROW;21A0
RIGHTWARDS WAVE ARROW;219D
RIGHTWARDS WHITE ARROW;21E8
RIGHTWARDS WHITE ARROW FROM WALL;21F0
RING EQUAL TO;2257
RING IN EQUAL TO;2256
RING OPERATOR;2218
RLE;202B
RLI;2067
RLM;200F
RLO;202E
ROTATED CAPITAL Q;213A
ROTATED FLORAL HEART BULLET;2767
ROTATED HEAVY BLACK HEART BULLET;2765
RS;1E
RUBLE SIGN;20BD
RUPEE SIGN;20A8
SAGITTARIUS;2650
SAILBOAT;26F5
SALTIRE;2613
SATURN;2644
SCALES;2696
SCI;9A
SCORPIUS;264F
SCRIPT CAPITAL B;212C
SCRIPT CAPITAL E;2130
SCRIPT CAPITAL F;2131
SCRIPT CAPITAL H;210B
SCRIPT CAPITAL I;2110
SCRIPT CAPITAL L;2112
SCRIPT CAPITAL M;2133
SCRIPT CAPITAL P;2118
SCRIPT CAPITAL R;211B
SCRIPT SMALL E;212F
SCRIPT SMALL G;210A
SCRIPT SMALL L;2113
SCRIPT SMALL O;2134
SCRUPLE;2108
SECTION SIGN;A7
SEMICOLON;3B
SEMISEXTILE;26BA
SERVICE MARK;2120
SESQUIQUADRATE;26BC
SET MINUS;2216
SET TRANSMIT STATE;93
SEXTILE;26B9
SGC;99
SHADOWED WHITE CIRCLE;274D
SHADOWED WHITE LATIN CROSS;271E
SHADOWED WHITE STAR;2730
SHAMROCK;2618
SHIFT IN;F
SHIFT OUT;E
SHINTO SHRINE;26E9
SHY;AD
SI;F
SINE WAVE;223F
SINGLE CHARACTER INTRODUCER;9A
SINGLE GRAPHIC CHARACTER INTRODUCER;99
SINGLE HIGH-REVERSED-9 QUOTATION MARK;201B
SINGLE LEFT-POINTING ANGLE QUOTATION MARK;2039
SINGLE LOW-9 QUOTATION MARK;201A
SINGLE RIGHT-POINTING ANGLE QUOTATION MARK;203A
SINGLE SHIFT THREE;8F
SINGLE SHIFT TWO;8E
SINGLE-SHIFT-2;8E
SINGLE-SHIFT-3;8F
SIX PETALLED BLACK AND WHITE FLORETTE;273E
SIX POINTED BLACK STAR;2736
SIX-PER-EM SPACE;2006
SIXTEEN POINTED ASTERISK;273A
SKIER;26F7
SKULL AND CROSSBONES;2620
SMALL CONTAINS AS MEMBER;220D
SMALL CONTAINS WITH OVERBAR;22FE
SMALL CONTAINS WITH VERTICAL BAR AT END OF HORIZONTAL STROKE;22FC
SMALL ELEMENT OF;220A
SMALL ELEMENT OF WITH OVERBAR;22F7
SMALL ELEMENT OF WITH VERTICAL BAR AT END OF HORIZONTAL STROKE;22F4
SNOWFLAKE;2744
SNOWMAN;2603
SNOWMAN WITHOUT SNOW;26C4
SO;E
SOCCER BALL;26BD
SOFT HYPHEN;AD
SOH;1
SOLIDUS;2F
SOM SIGN;20C0
SOS;98
SOUND RECORDING COPYRIGHT;2117
SOUTH EAST ARROW;2198
SOUTH EAST ARROW TO CORNER;21F2
SOUTH EAST DOUBLE ARROW;21D8
SOUTH WEST ARROW;2199
SOUTH WEST DOUBLE ARROW;21D9
SP;20
SPA;96
SPACE;20
SPARKLE;2747
SPARKLES;2728
SPESMILO SIGN;20B7
SPHERICAL ANGLE;2222
SQUARE CAP;2293
SQUARE CUP;2294
SQUARE FOUR CORNERS;26F6
SQUARE IMAGE OF;228F
SQUARE IMAGE OF OR EQUAL TO;2291
SQUARE IMAGE OF OR NOT EQUAL TO;22E4
SQUARE ORIGINAL OF;2290
SQUARE ORIGINAL OF OR EQUAL TO;2292
SQUARE ORIGINAL OF OR NOT EQUAL TO;22E5
SQUARE ROOT;221A
SQUARE WITH DIAGONAL CROSSHATCH FILL;25A9
SQUARE WITH HORIZONTAL FILL;25A4
SQUARE WITH LEFT HALF BLACK;25E7
SQUARE WITH LOWER RIGHT DIAGONAL HALF BLACK;25EA
SQUARE WITH ORTHOGONAL CROSSHATCH FILL;25A6
SQUARE WITH RIGHT HALF BLACK;25E8
SQUARE WITH UPPER LEFT DIAGONAL HALF BLACK;25E9
SQUARE WITH UPPER LEFT TO LOWER RIGHT FILL;25A7
SQUARE WITH UPPER RIGHT TO LOWER LEFT FILL;25A8
SQUARE WITH VERTICAL FILL;25A5
SQUARED DOT OPERATOR;22A1
SQUARED KEY;26BF
SQUARED MINUS;229F
SQUARED PLUS;229E
SQUARED SALTIRE;26DD
SQUARED TIMES;22A0
SQUAT BLACK RIGHTWARDS ARROW;27A7
SS2;8E
SS3;8F
SSA;86
ST;9C
STAFF OF AESCULAPIUS;2695
STAFF OF HERMES;269A
STAR AND CRESCENT;262A
STAR EQUALS;225B
STAR OF DAVID;2721
STAR OPERATOR;22C6
START OF GUARDED AREA;96
START OF HEADING;1
START OF PROTECTED AREA;96
START OF SELECTED AREA;86
START OF STRING;98
START OF TEXT;2
STRESS OUTLINED WHITE STAR;2729
STRICTLY EQUIVALENT TO;2263
STRING TERMINATOR;9C
STS;93
STX;2
SUB;1A
SUBSCRIPT EIGHT;2088
SUBSCRIPT EQUALS SIGN;208C
SUBSCRIPT FIVE;2085
SUBSCRIPT FOUR;2084
SUBSCRIPT LEFT PARENTHESIS;208D
SUBSCRIPT MINUS;208B
SUBSCRIPT NINE;2089
SUBSCRIPT ONE;2081
SUBSCRIPT PLUS SIGN;208A
SUBSCRIPT RIGHT PARENTHESIS;208E
SUBSCRIPT SEVEN;2087
SUBSCRIPT SIX;2086
SUBSCRIPT THREE;2083
SUBSCRIPT TWO;2082
SUBSCRIPT ZERO;2080
SUBSET OF;2282
SUBSET OF OR EQUAL TO;2286
SUBSET OF WITH NOT EQUAL TO;228A
SUBSTITUTE;1A
SUCCEEDS;227B
SUCCEEDS BUT NOT EQUIVALENT TO;22E9
SUCCEEDS OR EQUAL TO;227D
SUCCEEDS OR EQUIVALENT TO;227F
SUCCEEDS UNDER RELATION;22B1
SUN;2609
SUN BEHIND CLOUD;26C5
SUPERSCRIPT EIGHT;2078
SUPERSCRIPT EQUALS SIGN;207C
SUPERSCRIPT FIVE;2075
SUPERSCRIPT FOUR;2074
SUPERSCRIPT LATIN SMALL LETTER I;2071
SUPERSCRIPT LATIN SMALL LETTER N;207F
SUPERSCRIPT LEFT PARENTHESIS;207D
SUPERSCRIPT MINUS;207B
SUPERSCRIPT NINE;2079
SUPERSCRIPT ONE;B9
SUPERSCRIPT PLUS SIGN;207A
SUPERSCRIPT RIGHT PARENTHESIS;207E
SUPERSCRIPT SEVEN;2077
SUPERSCRIPT SIX;2076
SUPERSCRIPT THREE;B3
SUPERSCRIPT TWO;B2
SUPERSCRIPT ZERO;2070
SUPERSET OF;2283
SUPERSET OF OR EQUAL TO;2287
SUPERSET OF WITH NOT EQUAL TO;228B
SURFACE INTEGRAL;222F
SWUNG DASH;2053
SYMBOL FOR SAMARITAN SOURCE;214F
SYN;16
SYNCHRONOUS IDLE;16
TAB;9
TAPE DRIVE;2707
TAURUS;2649
TEARDROP-BARBED RIGHTWARDS ARROW;27BA
TEARDROP-SPOKED ASTERISK;273B
TELEPHONE LOCATION SIGN;2706
TELEPHONE SIGN;2121
TENGE SIGN;20B8
TENT;26FA
THERE DOES NOT EXIST;2204
THERE EXISTS;2203
THEREFORE;2234
THIN SPACE;2009
THREE DOT PUNCTUATION;2056
THREE LINES CONVERGING LEFT;269F
THREE LINES CONVERGING RIGHT;269E
THREE RIGHTWARDS ARROWS;21F6
THREE-D BOTTOM-LIGHTED RIGHTWARDS ARROWHEAD;27A3
THREE-D TOP-LIGHTED RIGHTWARDS ARROWHEAD;27A2
THREE-PER-EM SPACE;2004
THUNDER CLOUD AND RAIN;26C8
THUNDERSTORM;2608
TIGHT TRIFOLIATE SNOWFLAKE;2745
TILDE;7E
TILDE OPERATOR;223C
TIRONIAN SIGN ET;204A
TRADE MARK SIGN;2122
TRIANGLE-HEADED RIGHTWARDS ARROW;279D
TRIANGULAR BULLET;2023
TRICOLON;205D
TRIGRAM FOR EARTH;2637
TRIGRAM FOR FIRE;2632
TRIGRAM FOR HEAVEN;2630
TRIGRAM FOR LAKE;2631
TRIGRAM FOR MOUNTAIN;2636
TRIGRAM FOR THUNDER;2633
TRIGRAM FOR WATER;2635
TRIGRAM FOR WIND;2634
TRIPLE INTEGRAL;222D
TRIPLE PRIME;2034
TRIPLE TILDE;224B
TRIPLE VERTICAL BAR RIGHT TURNSTILE;22AA
TRUE;22A8
TUGRIK SIGN;20AE
TURKISH LIRA SIGN;20BA
TURNED AMPERSAND;214B
TURNED BLACK SHOGI PIECE;26CA
TURNED CAPITAL F;2132
TURNED GREEK SMALL LETTER IOTA;2129
TURNED SANS-SERIF CAPITAL G;2141
TURNED SANS-SERIF CAPITAL L;2142
TURNED SANS-SERIF CAPITAL Y;2144
TURNED SMALL F;214E
TURNED WHITE SHOGI PIECE;26C9
TWELVE POINTED BLACK STAR;2739
TWO ASTERISKS ALIGNED VERTICALLY;2051
TWO DOT LEADER;2025
TWO DOT PUNCTUATION;205A
UMBRELLA;2602
UMBRELLA ON GROUND;26F1
UMBRELLA WITH RAIN DROPS;2614
UNDERTIE;203F
UNION;222A
UNIT SEPARATOR;1F
UNIVERSAL RECYCLING SYMBOL;2672
UNMARRIED PARTNERSHIP SYMBOL;26AF
UP DOWN ARROW;2195
UP DOWN ARROW WITH BASE;21A8
UP DOWN DOUBLE ARROW;21D5
UP DOWN WHITE ARROW;21F3
UP RIGHT DIAGONAL ELLIPSIS;22F0
UP TACK;22A5
UP-POINTING TRIANGLE WITH LEFT HALF BLACK;25ED
UP-POINTING TRIANGLE WITH RIGHT HALF BLACK;25EE
UPPER BLADE SCISSORS;2701
UPPER HALF CIRCLE;25E0
UPPER HALF INVERSE WHITE CIRCLE;25DA
UPPER LEFT QUADRANT CIRCULAR ARC;25DC
UPPER LEFT TRIANGLE;25F8
UPPER RIGHT DROP-SHADOWED WHITE SQUARE;2750
UPPER RIGHT PENCIL;2710
UPPER RIGHT QUADRANT CIRCULAR ARC;25DD
UPPER RIGHT SHADOWED WHITE SQUARE;2752
UPPER RIGHT TRIANGLE;25F9
UPWARDS ARROW;2191
UPWARDS ARROW FROM BAR;21A5
UPWARDS ARROW LEFTWARDS OF DOWNWARDS ARROW;21C5
UPWARDS ARROW WITH DOUBLE STROKE;21DE
UPWARDS ARROW WITH TIP LEFTWARDS;21B0
UPWARDS ARROW WITH TIP RIGHTWARDS;21B1
UPWARDS DASHED ARROW;21E1
UPWARDS DOUBLE ARROW;21D1
UPWARDS HARPOON WITH BARB LEFTWARDS;21BF
UPWARDS HARPOON WITH BARB RIGHTWARDS;21BE
UPWARDS PAIRED ARROWS;21C8
UPWARDS TWO HEADED ARROW;219F
UPWARDS WHITE ARROW;21E7
UPWARDS WHITE ARROW FROM BAR;21EA
UPWARDS WHITE ARROW ON PEDESTAL;21EB
UPWARDS WHITE ARROW ON PEDESTAL WITH HORIZONTAL BAR;21EC
UPWARDS WHITE ARROW ON PEDESTAL WITH VERTICAL BAR;21ED
UPWARDS WHITE DOUBLE ARROW;21EE
UPWARDS WHITE DOUBLE ARROW ON PEDESTAL;21EF
URANUS;2645
US;1F
VERSICLE;2123
VERTICAL ELLIPSIS;22EE
VERTICAL FOUR DOTS;205E
VERTICAL LINE;7C
VERTICAL MALE WITH STROKE SIGN;26A8
VERTICAL TABULATION;B
VERTICAL TABULATION SET;8A
VERY MUCH GREATER-THAN;22D9
VERY MUCH LESS-THAN;22D8
VESTA;26B6
VICTORY HAND;270C
VIRGO;264D
VOLUME INTEGRAL;2230
VT;B
VTS;8A
VULGAR FRACTION ONE HALF;BD
VULGAR FRACTION ONE QUARTER;BC
VULGAR FRACTION THREE QUARTERS;BE
WARNING SIGN;26A0
WEDGE-TAILED RIGHTWARDS ARROW;27BC
WEIERSTRASS ELLIPTIC FUNCTION;2118
WEST SYRIAC CROSS;2670
WHEEL OF DHARMA;2638
WHEELCHAIR SYMBOL;267F
WHITE BULLET;25E6
WHITE CHESS BISHOP;2657
WHITE CHESS KING;2654
WHITE CHESS KNIGHT;2658
WHITE CHESS PAWN;2659
WHITE CHESS QUEEN;2655
WHITE CHESS ROOK;2656
WHITE CIRCLE;25CB
WHITE CIRCLE WITH DOT RIGHT;2686
WHITE CIRCLE WITH LOWER LEFT QUADRANT;25F5
WHITE CIRCLE WITH LOWER RIGHT QUADRANT;25F6
WHITE CIRCLE WITH TWO DOTS;2687
WHITE CIRCLE WITH UPPER LEFT QUADRANT;25F4
WHITE CIRCLE WITH UPPER RIGHT QUADRANT;25F7
WHITE CLUB SUIT;2667
WHITE DIAMOND;25C7
WHITE DIAMOND CONTAINING BLACK SMALL DIAMOND;25C8
WHITE DIAMOND IN SQUARE;26CB
WHITE DIAMOND SUIT;2662
WHITE DOWN POINTING INDEX;261F
WHITE DOWN-POINTING SMALL TRIANGLE;25BF
WHITE DOWN-POINTING TRIANGLE;25BD
WHITE DRAUGHTS KING;26C1
WHITE DRAUGHTS MAN;26C0
WHITE EXCLAMATION MARK ORNAMENT;2755
WHITE FLAG;2690
WHITE FLAG WITH HORIZONTAL MIDDLE BLACK STRIPE;26FF
WHITE FLORETTE;2740
WHITE FOUR POINTED STAR;2727
WHITE FROWNING FACE;2639
WHITE HEART SUIT;2661
WHITE HEAVY CHECK MARK;2705
WHITE LEFT LANE MERGE;26D9
WHITE LEFT POINTING INDEX;261C
WHITE LEFT-POINTING POINTER;25C5
WHITE LEFT-POINTING SMALL TRIANGLE;25C3
WHITE LEFT-POINTING TRIANGLE;25C1
WHITE MEDIUM SMALL SQUARE;25FD
WHITE MEDIUM SQUARE;25FB
WHITE NIB;2711
WHITE PARALLELOGRAM;25B1
WHITE QUESTION MARK ORNAMENT;2754
WHITE RECTANGLE;25AD
WHITE RIGHT POINTING INDEX;261E
WHITE RIGHT-POINTING POINTER;25BB
WHITE RIGHT-POINTING SMALL TRIANGLE;25B9
WHITE RIGHT-POINTING TRIANGLE;25B7
WHITE SCISSORS;2704
WHITE SHOGI PIECE;2616
WHITE SMALL SQUARE;25AB
WHITE SMILING FACE;263A
WHITE SPADE SUIT;2664
WHITE SQUARE;25A1
WHITE SQUARE CONTAINING BLACK SMALL SQUARE;25A3
WHITE SQUARE WITH LOWER LEFT QUADRANT;25F1
WHITE SQUARE WITH LOWER RIGHT QUADRANT;25F2
WHITE SQUARE WITH ROUNDED CORNERS;25A2
WHITE SQUARE WITH UPPER LEFT QUADRANT;25F0
WHITE SQUARE WITH UPPER RIGHT QUADRANT;25F3
WHITE SQUARE WITH VERTICAL BISECTING LINE;25EB
WHITE STAR;2606
WHITE SUN WITH RAYS;263C
WHITE TELEPHONE;260F
WHITE TWO-WAY LEFT WAY TRAFFIC;26D7
WHITE UP POINTING INDEX;261D
WHITE UP-POINTING SMALL TRIANGLE;25B5
WHITE UP-POINTING TRIANGLE;25B3
WHITE UP-POINTING TRIANGLE WITH DOT;25EC
WHITE VERTICAL RECTANGLE;25AF
WHITE-FEATHERED RIGHTWARDS ARROW;27B3
WJ;2060
WON SIGN;20A9
WORD JOINER;2060
WREATH PRODUCT;2240
WRITING HAND;270D
XOR;22BB
YEN SIGN;A5
YIN YANG;262F
Z NOTATION BAG MEMBERSHIP;22FF
ZERO WIDTH JOINER;200D
ZERO WIDTH NO-BREAK SPACE;FEFF
ZERO WIDTH NON-JOINER;200C
ZERO WIDTH SPACE;200B
ZWJ;200D
ZWNBSP;FEFF
ZWNJ;200C
ZWSP;200B
";

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
