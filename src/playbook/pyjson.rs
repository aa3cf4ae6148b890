//! `json.loads` as Python's json module with ansible's legacy decoder
//! parses it: what ansible tries first on every data file and `-e` value
//! before falling back to YAML.

use crate::value::Value;

/// `json.loads(text)` with ansible's legacy decoder, as `from_yaml` tries it
/// first; `None` wherever Python would raise (ansible then tries YAML).
/// Integers beyond `i128` become floats.
pub fn parse(text: &str) -> Option<Value> {
    python_json::parse(text, true)
}

/// `json.loads(text)` with the standard decoder: objects stay objects,
/// whatever keys they have (`__ansible_type` markers included), for
/// formats that give those keys their own meaning (the fact cache).
pub fn parse_plain(text: &str) -> Option<Value> {
    python_json::parse(text, false)
}

mod python_json {
    use crate::value::{Map, Value};

    /// Python's C scanner gives up (RecursionError) around here.
    const MAX_DEPTH: usize = 900;

    pub fn parse(text: &str, legacy: bool) -> Option<Value> {
        let mut parser = Parser {
            text: text.as_bytes(),
            pos: 0,
            depth: 0,
            legacy,
        };
        parser.skip_ws();
        let value = parser.value()?;
        parser.skip_ws();
        (parser.pos == parser.text.len()).then_some(value)
    }

    struct Parser<'a> {
        text: &'a [u8],
        pos: usize,
        depth: usize,
        /// Apply ansible's legacy object hook (tagged strings).
        legacy: bool,
    }

    impl Parser<'_> {
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

        fn value(&mut self) -> Option<Value> {
            match self.text.get(self.pos)? {
                b'"' => self.string().map(Value::Str),
                b'{' => self.nested(Self::object),
                b'[' => self.nested(Self::array),
                b'n' if self.eat("null") => Some(Value::Null),
                b't' if self.eat("true") => Some(Value::Bool(true)),
                b'f' if self.eat("false") => Some(Value::Bool(false)),
                b'N' if self.eat("NaN") => Some(Value::Float(f64::NAN)),
                b'I' if self.eat("Infinity") => Some(Value::Float(f64::INFINITY)),
                b'-' if self.eat("-Infinity") => Some(Value::Float(f64::NEG_INFINITY)),
                b'-' | b'0'..=b'9' => self.number(),
                _ => None,
            }
        }

        fn nested(&mut self, parse: fn(&mut Self) -> Option<Value>) -> Option<Value> {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return None;
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

        fn number(&mut self) -> Option<Value> {
            let start = self.pos;
            self.eat("-");
            match self.text.get(self.pos)? {
                b'0' => self.pos += 1,
                b'1'..=b'9' => {
                    self.digits();
                }
                _ => return None,
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

        fn string(&mut self) -> Option<String> {
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
                out.push_str(std::str::from_utf8(&self.text[start..self.pos]).ok()?);
                match self.text.get(self.pos)? {
                    b'"' => {
                        self.pos += 1;
                        return Some(out);
                    }
                    b'\\' => {
                        self.pos += 1;
                        self.escape(&mut out)?;
                    }
                    // A raw control character (strict mode).
                    _ => return None,
                }
            }
        }

        fn escape(&mut self, out: &mut String) -> Option<()> {
            let c = *self.text.get(self.pos)?;
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
                    return Some(());
                }
                _ => return None,
            };
            out.push(simple);
            Some(())
        }

        /// Joins a high surrogate with an immediately following `\u` low
        /// surrogate. Python keeps lone surrogates, but ansible's decoder
        /// then refuses the string (not valid UTF-8), so they fail here.
        fn code_point(&mut self, unit: u32) -> Option<char> {
            if (0xD800..=0xDBFF).contains(&unit) && self.text[self.pos..].starts_with(b"\\u") {
                self.pos += 2;
                let low = self.hex4()?;
                if (0xDC00..=0xDFFF).contains(&low) {
                    return char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                }
                return None;
            }
            char::from_u32(unit)
        }

        fn hex4(&mut self) -> Option<u32> {
            let hex = self.text.get(self.pos..self.pos + 4)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            self.pos += 4;
            u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
        }

        fn array(&mut self) -> Option<Value> {
            self.pos += 1;
            let mut items = Vec::new();
            self.skip_ws();
            if self.eat("]") {
                return Some(Value::List(items));
            }
            loop {
                self.skip_ws();
                items.push(self.value()?);
                self.skip_ws();
                if self.eat("]") {
                    return Some(Value::List(items));
                }
                if !self.eat(",") {
                    return None;
                }
            }
        }

        fn object(&mut self) -> Option<Value> {
            self.pos += 1;
            let mut map = Map::new();
            self.skip_ws();
            if !self.eat("}") {
                loop {
                    self.skip_ws();
                    if self.text.get(self.pos) != Some(&b'"') {
                        return None;
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if !self.eat(":") {
                        return None;
                    }
                    self.skip_ws();
                    let value = self.value()?;
                    map.insert(key, value);
                    self.skip_ws();
                    if self.eat("}") {
                        break;
                    }
                    if !self.eat(",") {
                        return None;
                    }
                }
            }
            if self.legacy {
                legacy_object(map)
            } else {
                Some(Value::Map(map))
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
