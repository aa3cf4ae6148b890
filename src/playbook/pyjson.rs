//! `json.loads` as Python's json module with ansible's legacy decoder
//! parses it: what ansible tries first on every data file and `-e` value
//! before falling back to YAML.

use crate::value::Value;

/// `json.loads(text)` with ansible's legacy decoder, as `from_yaml` tries it
/// first; `None` wherever Python would raise (ansible then tries YAML).
/// Integers beyond `i128` become floats.
pub fn parse(text: &str) -> Option<Value> {
    python_json::parse(text, true).ok()
}

/// [`parse`], failing with the message Python's `json.loads` raises:
/// "Expecting value: line 1 column 1 (char 0)".
pub fn parse_or_error(text: &str) -> Result<Value, String> {
    python_json::parse(text, true).map_err(|failure| {
        // Python counts characters, not bytes.
        let before = text.get(..failure.pos).unwrap_or(text);
        let pos = before.chars().count();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        format!(
            "{}: line {line} column {column} (char {pos})",
            failure.message
        )
    })
}

/// `json.loads(text)` with the standard decoder: objects stay objects,
/// whatever keys they have (`__ansible_type` markers included), for
/// formats that give those keys their own meaning (the fact cache).
pub fn parse_plain(text: &str) -> Option<Value> {
    python_json::parse(text, false).ok()
}

mod python_json {
    use crate::value::{Map, Value};

    /// Python's C scanner gives up (RecursionError) around here.
    const MAX_DEPTH: usize = 900;

    /// Where and why Python's decoder would stop (`pos` is a byte offset).
    pub struct Failure {
        pub message: &'static str,
        pub pos: usize,
    }

    type Parsed<T> = Result<T, Failure>;

    pub fn parse(text: &str, legacy: bool) -> Parsed<Value> {
        if text.starts_with('\u{feff}') {
            return Err(Failure {
                message: "Unexpected UTF-8 BOM (decode using utf-8-sig)",
                pos: 0,
            });
        }
        let mut parser = Parser {
            text: text.as_bytes(),
            pos: 0,
            depth: 0,
            legacy,
        };
        parser.skip_ws();
        let value = parser.value()?;
        parser.skip_ws();
        if parser.pos == parser.text.len() {
            Ok(value)
        } else {
            Err(parser.fail_here("Extra data"))
        }
    }

    struct Parser<'a> {
        text: &'a [u8],
        pos: usize,
        depth: usize,
        /// Apply ansible's legacy object hook (tagged strings).
        legacy: bool,
    }

    impl Parser<'_> {
        fn fail_here(&self, message: &'static str) -> Failure {
            Failure {
                message,
                pos: self.pos,
            }
        }

        fn skip_ws(&mut self) {
            while matches!(self.text.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.pos += 1;
            }
        }

        fn eat(&mut self, word: &str) -> bool {
            if self.text[self.pos..].starts_with(word.as_bytes()) {
                self.pos += word.len();
                true
            } else {
                false
            }
        }

        fn value(&mut self) -> Parsed<Value> {
            let expecting = self.fail_here("Expecting value");
            let Some(&first) = self.text.get(self.pos) else {
                return Err(expecting);
            };
            match first {
                b'"' => self.string().map(Value::Str),
                b'{' => self.nested(Self::object),
                b'[' => self.nested(Self::array),
                b'n' if self.eat("null") => Ok(Value::Null),
                b't' if self.eat("true") => Ok(Value::Bool(true)),
                b'f' if self.eat("false") => Ok(Value::Bool(false)),
                b'N' if self.eat("NaN") => Ok(Value::Float(f64::NAN)),
                b'I' if self.eat("Infinity") => Ok(Value::Float(f64::INFINITY)),
                b'-' if self.eat("-Infinity") => Ok(Value::Float(f64::NEG_INFINITY)),
                b'-' | b'0'..=b'9' => self.number().ok_or(expecting),
                _ => Err(expecting),
            }
        }

        fn nested(&mut self, parse: fn(&mut Self) -> Parsed<Value>) -> Parsed<Value> {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.fail_here("maximum recursion depth exceeded"));
            }
            let value = parse(self);
            self.depth -= 1;
            value
        }

        fn digits(&mut self) -> usize {
            let start = self.pos;
            while self.text.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
            self.pos - start
        }

        /// `None` (with the position unchanged) when no number starts here.
        fn number(&mut self) -> Option<Value> {
            let start = self.pos;
            self.eat("-");
            match self.text.get(self.pos) {
                Some(b'0') => self.pos += 1,
                Some(b'1'..=b'9') => {
                    self.digits();
                }
                _ => {
                    self.pos = start;
                    return None;
                }
            }
            let mut float = false;
            if self.text.get(self.pos) == Some(&b'.')
                && self.text.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
            {
                self.pos += 1;
                self.digits();
                float = true;
            }
            if matches!(self.text.get(self.pos), Some(b'e' | b'E')) {
                let mark = self.pos;
                self.pos += 1;
                if matches!(self.text.get(self.pos), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if self.digits() == 0 {
                    self.pos = mark;
                } else {
                    float = true;
                }
            }
            let literal = std::str::from_utf8(&self.text[start..self.pos]).ok()?;
            if !float && let Ok(i) = literal.parse::<i128>() {
                return Some(Value::int(i));
            }
            // Integers beyond i128 become floats, as in the YAML loader.
            literal.parse::<f64>().ok().map(Value::Float)
        }

        fn string(&mut self) -> Parsed<String> {
            let opening = self.fail_here("Unterminated string starting at");
            self.pos += 1;
            let mut out = String::new();
            loop {
                let start = self.pos;
                while let Some(&b) = self.text.get(self.pos) {
                    if b == b'"' || b == b'\\' || b < 0x20 {
                        break;
                    }
                    self.pos += 1;
                }
                // The input is a &str and the run stops only at ASCII bytes.
                out.push_str(&String::from_utf8_lossy(&self.text[start..self.pos]));
                match self.text.get(self.pos) {
                    None => return Err(opening),
                    Some(b'"') => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    Some(b'\\') => {
                        self.pos += 1;
                        if self.pos >= self.text.len() {
                            return Err(opening);
                        }
                        self.escape(&mut out)?;
                    }
                    // A raw control character (strict mode).
                    Some(_) => return Err(self.fail_here("Invalid control character at")),
                }
            }
        }

        fn escape(&mut self, out: &mut String) -> Parsed<()> {
            let backslash = Failure {
                message: "Invalid \\escape",
                pos: self.pos - 1,
            };
            let c = self.text[self.pos];
            self.pos += 1;
            let simple = match c {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{08}',
                b'f' => '\u{0c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let unit = self.hex4()?;
                    out.push(self.code_point(unit)?);
                    return Ok(());
                }
                _ => return Err(backslash),
            };
            out.push(simple);
            Ok(())
        }

        /// Joins a high surrogate with an immediately following `\u` low
        /// surrogate. Python keeps lone surrogates, but ansible's decoder
        /// then refuses the string (not valid UTF-8), so they fail here.
        fn code_point(&mut self, unit: u32) -> Parsed<char> {
            let lone = self.fail_here("Invalid \\uXXXX escape");
            if (0xD800..=0xDBFF).contains(&unit) && self.text[self.pos..].starts_with(b"\\u") {
                self.pos += 2;
                let low = self.hex4()?;
                if (0xDC00..=0xDFFF).contains(&low) {
                    return char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        .ok_or(lone);
                }
                return Err(lone);
            }
            char::from_u32(unit).ok_or(lone)
        }

        /// The four hex digits after `\u` (Python reports the escape at
        /// its `u`).
        fn hex4(&mut self) -> Parsed<u32> {
            let bad = Failure {
                message: "Invalid \\uXXXX escape",
                pos: self.pos - 1,
            };
            let Some(hex) = self.text.get(self.pos..self.pos + 4) else {
                return Err(bad);
            };
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return Err(bad);
            }
            self.pos += 4;
            std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .ok_or(bad)
        }

        fn array(&mut self) -> Parsed<Value> {
            self.pos += 1;
            let mut items = Vec::new();
            self.skip_ws();
            if self.eat("]") {
                return Ok(Value::List(items));
            }
            loop {
                items.push(self.value()?);
                self.skip_ws();
                if self.eat("]") {
                    return Ok(Value::List(items));
                }
                if !self.eat(",") {
                    return Err(self.fail_here("Expecting ',' delimiter"));
                }
                self.skip_ws();
            }
        }

        fn object(&mut self) -> Parsed<Value> {
            let opening = self.pos;
            self.pos += 1;
            let mut map = Map::new();
            self.skip_ws();
            if !self.eat("}") {
                loop {
                    if self.text.get(self.pos) != Some(&b'"') {
                        return Err(
                            self.fail_here("Expecting property name enclosed in double quotes")
                        );
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if !self.eat(":") {
                        return Err(self.fail_here("Expecting ':' delimiter"));
                    }
                    self.skip_ws();
                    let value = self.value()?;
                    map.insert(key, value);
                    self.skip_ws();
                    if self.eat("}") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(self.fail_here("Expecting ',' delimiter"));
                    }
                    self.skip_ws();
                }
            }
            if self.legacy {
                legacy_object(map).ok_or(Failure {
                    message: "Invalid tagged value",
                    pos: opening,
                })
            } else {
                Ok(Value::Map(map))
            }
        }
    }

    /// The legacy profile's object hook: tagged strings, and a refusal of
    /// serialized Ansible types (which ansible's decoder cannot rebuild
    /// from command-line data either).
    fn legacy_object(map: Map) -> Option<Value> {
        if let Some(value) = map.get("__ansible_unsafe") {
            return match value {
                Value::Str(s) => Some(Value::Unsafe(s.clone())),
                _ => None,
            };
        }
        if let Some(value) = map.get("__ansible_vault") {
            return match value {
                Value::Str(s) => Some(Value::Vault(s.clone())),
                _ => None,
            };
        }
        if map.contains_key("__ansible_type") {
            return None;
        }
        Some(Value::Map(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages recorded from Python 3.11's `json.loads` on each input.
    #[test]
    fn errors_read_as_pythons_json_errors() {
        let cases = [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            (" ", "Expecting value: line 1 column 2 (char 1)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                "{\"a\"",
                "Expecting ':' delimiter: line 1 column 5 (char 4)",
            ),
            ("{\"a\":", "Expecting value: line 1 column 6 (char 5)"),
            (
                "{\"a\":1",
                "Expecting ',' delimiter: line 1 column 7 (char 6)",
            ),
            (
                "{\"a\":1,}",
                "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)",
            ),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            (
                "\"abc",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            ("\"a\\qb\"", "Invalid \\escape: line 1 column 3 (char 2)"),
            (
                "\"a\\u12\"",
                "Invalid \\uXXXX escape: line 1 column 4 (char 3)",
            ),
            (
                "\"a\u{1}b\"",
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            ("1 2", "Extra data: line 1 column 3 (char 2)"),
            ("-x", "Expecting value: line 1 column 1 (char 0)"),
            (
                "\n\n  {\"x\": [1,\n  2,, 3]}",
                "Expecting value: line 4 column 5 (char 18)",
            ),
            ("[\"é\", x]", "Expecting value: line 1 column 7 (char 6)"),
            (
                "\"\\",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            ("01", "Extra data: line 1 column 2 (char 1)"),
            (
                "\u{feff}1",
                "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_or_error(text).err().as_deref(),
                Some(want),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_or_error(" [1, {\"a\": null}] "),
            Ok(crate::value::Value::List(vec![
                crate::value::Value::Int(1),
                parse("{\"a\": null}").unwrap_or(crate::value::Value::Null),
            ]))
        );
    }
}
