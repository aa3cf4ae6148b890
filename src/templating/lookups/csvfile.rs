//! `csvfile`: the value in column `col` of the first row whose column
//! `keycol` is the search key, read with Python's `csv` module rules
//! (excel dialect: `"` quotes, doubled quotes inside, lenient parsing).

use super::ini::decode;
use super::options::{Default, INT, Kind, OptionDef, Options, opt};
use super::search::find_file;
use super::{Call, Failure};
use crate::playbook::kv::{RAW_PARAMS, parse_kv};
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::Value as Jv;

pub(super) static OPTIONS: &[OptionDef] = &[
    opt("col", INT, Default::Int(1)),
    opt("keycol", INT, Default::Int(0)),
    opt("default", Kind::Raw, Default::None),
    opt("delimiter", Kind::Raw, Default::Str("TAB")),
    opt("file", Kind::Raw, Default::Str("ansible.csv")),
    opt("encoding", Kind::Raw, Default::Str("utf-8")),
];

pub(crate) fn csvfile(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut options = Options::parse("csvfile", OPTIONS, kwargs)?;
    if terms.is_empty() {
        return Err("Search key is required but was not found".into());
    }
    let mut out = Vec::new();
    for term in terms {
        let Some(text) = term.as_str() else {
            return Err(format!(
                "'{}' object has no attribute 'strip'",
                py::type_name(&term)
            ));
        };
        let kv = parse_kv(text, false).map_err(|e| e.to_string())?;
        let Some(key) = kv.get(RAW_PARAMS).cloned() else {
            return Err("Search key is required but was not found".into());
        };
        for (name, value) in &kv {
            if name == RAW_PARAMS {
                continue;
            }
            if !OPTIONS.iter().any(|d| d.name == name) {
                return Err(format!(
                    "{} is not a valid option",
                    py::repr(&Jv::from(name.as_str()))
                ));
            }
            options.set(name, Jv::from(value.as_str()))?;
        }
        let mut delimiter = options.text("delimiter").unwrap_or_default();
        if delimiter == "TAB" {
            delimiter = "\t".into();
        }
        let file = find_file(call, Some("files"), &options.get("file"), false)?;
        let value = read_csv(
            file.as_deref(),
            &key,
            &delimiter,
            &options.text("encoding").unwrap_or_else(|| "utf-8".into()),
            options.int("col").unwrap_or(1),
            options.int("keycol").unwrap_or(0),
        )?;
        match value {
            Some(v) => out.push(Jv::from(v)),
            None => {
                let default = options.get("default");
                if default.kind() == minijinja::value::ValueKind::Seq {
                    // A list default contributes its items (`ret.extend`).
                    if let Ok(items) = default.try_iter() {
                        out.extend(items);
                    }
                } else if !default.is_none() {
                    out.push(default);
                }
            }
        }
    }
    Ok(out)
}

/// `read_csv`: the value, or `None` when no row has the key.
fn read_csv(
    file: Option<&str>,
    key: &str,
    delimiter: &str,
    encoding: &str,
    col: i128,
    keycol: i128,
) -> Result<Option<String>, Failure> {
    let Some(file) = file else {
        return Err("expected str, bytes or os.PathLike object, not NoneType".into());
    };
    let mut chars = delimiter.chars();
    let (Some(delim), None) = (chars.next(), chars.next()) else {
        return Err("\"delimiter\" must be a 1-character string".into());
    };
    let bytes = std::fs::read(file).map_err(|e| super::search::os_error(&e, file))?;
    // `open()` in text mode: universal newlines.
    let text = decode(&bytes, encoding, file)?
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    for row in CsvReader::new(&text, delim) {
        if row.is_empty() {
            continue;
        }
        if py_index(&row, keycol)? == key {
            return Ok(Some(py_index(&row, col)?.to_string()));
        }
    }
    Ok(None)
}

/// `row[i]` with Python's negative indexes.
fn py_index(row: &[String], i: i128) -> Result<&str, Failure> {
    let len = row.len() as i128;
    let index = if i < 0 { len + i } else { i };
    if index < 0 || index >= len {
        return Err("list index out of range".into());
    }
    Ok(&row[index as usize])
}

/// Rows of CSV text, as `csv.reader(f, dialect=csv.excel, delimiter=d)`
/// yields them from a file opened with universal newlines.
struct CsvReader<'t> {
    lines: std::str::SplitInclusive<'t, char>,
    delimiter: char,
}

impl<'t> CsvReader<'t> {
    fn new(text: &'t str, delimiter: char) -> Self {
        CsvReader {
            lines: text.split_inclusive('\n'),
            delimiter,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuotedField,
    QuoteInQuotedField,
}

impl Iterator for CsvReader<'_> {
    type Item = Vec<String>;

    fn next(&mut self) -> Option<Vec<String>> {
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut state = State::StartRecord;
        loop {
            let Some(line) = self.lines.next() else {
                // End of data: a record in progress is yielded.
                if state == State::StartRecord {
                    return None;
                }
                fields.push(field);
                return Some(fields);
            };
            for c in line.chars() {
                match state {
                    State::StartRecord => {
                        if c == '\n' {
                            return Some(fields);
                        }
                        state = State::StartField;
                        self.start_field(c, &mut state, &mut field, &mut fields);
                    }
                    State::StartField => self.start_field(c, &mut state, &mut field, &mut fields),
                    State::InField => {
                        if c == '\n' {
                            fields.push(std::mem::take(&mut field));
                            return Some(fields);
                        } else if c == self.delimiter {
                            fields.push(std::mem::take(&mut field));
                            state = State::StartField;
                        } else {
                            field.push(c);
                        }
                    }
                    State::InQuotedField => {
                        if c == '"' {
                            state = State::QuoteInQuotedField;
                        } else {
                            field.push(c);
                        }
                    }
                    State::QuoteInQuotedField => {
                        if c == '"' {
                            field.push('"');
                            state = State::InQuotedField;
                        } else if c == self.delimiter {
                            fields.push(std::mem::take(&mut field));
                            state = State::StartField;
                        } else if c == '\n' {
                            fields.push(std::mem::take(&mut field));
                            return Some(fields);
                        } else {
                            field.push(c);
                            state = State::InField;
                        }
                    }
                }
            }
            // A line without its newline is the end of the data.
            if !line.ends_with('\n') {
                match state {
                    State::StartRecord => return Some(fields),
                    _ => {
                        fields.push(field);
                        return Some(fields);
                    }
                }
            }
        }
    }
}

impl CsvReader<'_> {
    fn start_field(
        &self,
        c: char,
        state: &mut State,
        field: &mut String,
        fields: &mut Vec<String>,
    ) {
        if c == '\n' {
            fields.push(std::mem::take(field));
            *state = State::StartRecord;
        } else if c == '"' {
            *state = State::InQuotedField;
        } else if c == self.delimiter {
            fields.push(std::mem::take(field));
        } else {
            field.push(c);
            *state = State::InField;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CsvReader;

    fn rows(text: &str, d: char) -> Vec<Vec<String>> {
        CsvReader::new(text, d).collect()
    }

    /// Expected rows printed by CPython 3.11's `csv.reader`.
    #[test]
    fn rows_follow_python_csv() {
        assert_eq!(rows("a,b\nc,d\n", ','), [["a", "b"], ["c", "d"]]);
        assert_eq!(rows("\"a,b\",c\n", ','), [["a,b", "c"]]);
        assert_eq!(rows("\"a\"\"b\"x,c\n", ','), [["a\"bx", "c"]]);
        assert_eq!(rows("a,\"b\nc\",d\n", ','), [vec!["a", "b\nc", "d"]]);
        assert_eq!(rows("\n", ','), [Vec::<String>::new()]);
        assert_eq!(rows("a,", ','), [["a", ""]]);
        assert_eq!(rows("a\tb", '\t'), [["a", "b"]]);
        assert_eq!(rows("x\"y,z\n", ','), [["x\"y", "z"]]);
    }
}
