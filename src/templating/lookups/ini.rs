//! `ini`: values from INI files (or Java properties files), read with
//! Python's `configparser.ConfigParser` defaults as the lookup configures
//! it: `=`/`:` delimiters, full-line `#`/`;` comments, indented
//! continuation lines, a `DEFAULT` section inherited by all, keys
//! lower-cased unless `case_sensitive`, duplicates an error, `%(name)s`
//! interpolation unless `interpolation=False`.

use super::options::{BOOL, BOOLEAN, Default, Kind, OptionDef, Options, opt, py_strip};
use super::search::{find_file, read_bytes};
use super::{Call, Failure};
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::Value as Jv;

pub(super) static OPTIONS: &[OptionDef] = &[
    OptionDef {
        name: "type",
        kind: Kind::Raw,
        default: Default::Str("ini"),
        choices: &["ini", "properties"],
        aliases: &[],
    },
    opt("file", Kind::Raw, Default::Str("ansible.ini")),
    opt("section", Kind::Raw, Default::Str("global")),
    opt("re", BOOLEAN, Default::Bool(false)),
    opt("encoding", Kind::Raw, Default::Str("utf-8")),
    opt("default", Kind::Raw, Default::Str("")),
    opt("case_sensitive", Kind::Raw, Default::Bool(false)),
    OptionDef {
        name: "allow_no_value",
        kind: BOOL,
        default: Default::Bool(false),
        choices: &[],
        aliases: &["allow_none"],
    },
    opt("interpolation", BOOL, Default::Bool(true)),
];

/// The option names the inline `key k=v` form recognises, in the
/// documentation's order (`_terms` first, as ansible lists it).
const INLINE_KEYS: &[&str] = &[
    "_terms",
    "type",
    "file",
    "section",
    "re",
    "encoding",
    "default",
    "case_sensitive",
    "allow_no_value",
    "interpolation",
];

pub(crate) fn ini(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut options = Options::parse("ini", OPTIONS, kwargs)?;
    let mut parser = ConfigParser {
        allow_no_value: options.bool("allow_no_value"),
        interpolation: options.bool("interpolation"),
        case_sensitive: py::truthy(&options.get("case_sensitive")),
        sections: IndexMap::new(),
        defaults: IndexMap::new(),
    };
    let mut section_override: Option<String> = None;
    let mut out = Vec::new();
    for term in terms {
        let Some(text) = term.as_str() else {
            return Err(format!(
                "argument of type '{}' is not iterable",
                py::type_name(&term)
            ));
        };
        let mut key = text.to_string();
        if text.contains('=') || py_strip(text).contains(' ') {
            let params = split_inline(text);
            let mut updated_key = false;
            for param in &params {
                if param.contains('=') {
                    let parts: Vec<&str> = param.split('=').collect();
                    if parts.len() != 2 {
                        return Err(format!(
                            "Could not use {} from {}: too many values to unpack (expected 2)",
                            py::repr(&Jv::from(param.as_str())),
                            py::repr(&Jv::from(
                                params
                                    .iter()
                                    .map(|p| Jv::from(p.as_str()))
                                    .collect::<Vec<_>>()
                            ))
                        ));
                    }
                    if !INLINE_KEYS.contains(&parts[0]) {
                        return Err(format!(
                            "{} is not a valid option.",
                            py::repr(&Jv::from(parts[0]))
                        ));
                    }
                    options.set(parts[0], Jv::from(parts[1]))?;
                } else if key == text {
                    key = param.clone();
                    updated_key = true;
                }
            }
            if !updated_key {
                return Err(format!(
                    "No key to look up was provided as first term within string inline options: {text}"
                ));
            }
        }
        let file_name = options.get("file");
        let Some(path) = find_file(call, Some("files"), &file_name, false)? else {
            return Err("Invalid filename None.".into());
        };
        let mut contents = String::new();
        if options.text("type").as_deref() == Some("properties") {
            contents.push_str("[java_properties]\n");
            section_override = Some("java_properties".into());
        }
        let encoding = options.text("encoding").unwrap_or_else(|| "utf-8".into());
        contents.push_str(&decode(&read_bytes(call, &path)?, &encoding, &path)?);
        let shown_file = py::repr(&file_name);
        parser.read(&contents).map_err(|e| match e {
            ReadError::DuplicateOption(detail) => {
                format!("Duplicate option in {shown_file}: {detail}")
            }
            ReadError::Other(detail) => detail,
        })?;
        let section = section_override
            .clone()
            .or_else(|| options.text("section"))
            .unwrap_or_default();
        let no_section = || {
            format!(
                "No section {} in {shown_file}.",
                py::repr(&Jv::from(section.as_str()))
            )
        };
        if options.bool("re") {
            // `items()` interpolates every value before any is matched.
            let items = parser.items(&section).ok_or_else(no_section)?;
            let mut values = Vec::new();
            for (name, raw) in items {
                let value = match raw {
                    Some(raw) => parser.resolve(&section, &name, Some(raw))?.map(Jv::from),
                    // configparser's interpolation turns a missing value into ''.
                    None if parser.interpolation => Some(Jv::from("")),
                    None => None,
                };
                values.push((name, value.unwrap_or(Jv::from(()))));
            }
            let matcher = call
                .env
                .compile_expression("name is match(pattern)")
                .map_err(|e| e.to_string())?;
            for (name, value) in values {
                let hit = matcher
                    .eval(minijinja::context! { name => &name, pattern => &key })
                    .map_err(|e| e.detail().unwrap_or_default().to_string())?;
                if hit.is_true() {
                    out.push(value);
                }
            }
        } else {
            match parser.get(&section, &key) {
                Lookup::NoSection => return Err(no_section()),
                Lookup::NoOption => {
                    let default = options.get("default");
                    if !default.is_none() {
                        out.push(default);
                    }
                }
                Lookup::Found(raw) => {
                    if let Some(v) = parser.resolve(&section, &key, raw)? {
                        out.push(Jv::from(v));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// `_parse_params`: words of the term, a word with `name=` starting a new
/// parameter and other words continuing the current one.
fn split_inline(term: &str) -> Vec<String> {
    let mut params: IndexMap<&str, String> = IndexMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut current = "key";
    for (i, phrase) in term
        .split(py::is_space)
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        if phrase.contains('=') {
            for k in INLINE_KEYS {
                if phrase.contains(&format!("{k}=")) {
                    current = k;
                }
            }
        }
        let existing = params.get(current).filter(|v| !v.is_empty());
        if i == 0 || existing.is_none() {
            params.insert(current, phrase.to_string());
            order.push(current);
        } else if let Some(v) = params.get_mut(current) {
            v.push(' ');
            v.push_str(phrase);
        }
    }
    order
        .iter()
        .map(|k| params.get(k).cloned().unwrap_or_default())
        .collect()
}

/// Text of a file in one of the encodings we know (Python's codec names).
pub(crate) fn decode(bytes: &[u8], encoding: &str, path: &str) -> Result<String, Failure> {
    let normalized = encoding.to_ascii_lowercase().replace(['-', '_', ' '], "");
    match normalized.as_str() {
        "utf8" | "u8" | "utf" | "cp65001" => Ok(String::from_utf8_lossy(bytes).into_owned()),
        "utf8sig" => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            Ok(text
                .strip_prefix('\u{feff}')
                .map(str::to_string)
                .unwrap_or(text))
        }
        "latin1" | "latin" | "iso88591" | "l1" | "8859" | "cp819" => {
            Ok(bytes.iter().map(|&b| char::from(b)).collect())
        }
        "ascii" | "usascii" | "646" => match bytes.iter().position(|b| !b.is_ascii()) {
            None => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            Some(_) => Ok(bytes
                .iter()
                .map(|&b| {
                    if b.is_ascii() {
                        char::from(b)
                    } else {
                        '\u{fffd}'
                    }
                })
                .collect()),
        },
        _ => Err(format!(
            "mitorun cannot decode {} as {}: encodings other than UTF-8, Latin-1 and ASCII are not supported yet",
            py::repr(&Jv::from(path)),
            py::repr(&Jv::from(encoding))
        )),
    }
}

enum ReadError {
    DuplicateOption(String),
    Other(String),
}

enum Lookup {
    NoSection,
    NoOption,
    /// The raw value (`None` for a key without value).
    Found(Option<String>),
}

type Section = IndexMap<String, Option<String>>;

/// The parts of Python's `ConfigParser` the lookup uses.
struct ConfigParser {
    allow_no_value: bool,
    interpolation: bool,
    case_sensitive: bool,
    sections: IndexMap<String, Section>,
    defaults: Section,
}

const FPNAME: &str = "'<???>'";

impl ConfigParser {
    fn optionxform(&self, key: &str) -> String {
        if self.case_sensitive {
            key.to_string()
        } else {
            key.to_lowercase()
        }
    }

    /// `read_file`: add the sections and options of `text`.
    fn read(&mut self, text: &str) -> Result<(), ReadError> {
        // Values are lists of lines until the end, as configparser keeps them.
        let mut pending: IndexMap<Option<String>, IndexMap<String, Option<Vec<String>>>> =
            IndexMap::new();
        let mut added_sections: Vec<String> = Vec::new();
        let mut added_options: Vec<(String, String)> = Vec::new();
        let mut current: Option<Option<String>> = None;
        let mut option: Option<String> = None;
        let mut indent_level = 0usize;
        let mut errors: Vec<(usize, String)> = Vec::new();
        for (index, line) in text.split_inclusive('\n').enumerate() {
            let lineno = index + 1;
            let stripped = py_strip(line);
            let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
            let value = if is_comment { "" } else { stripped };
            if value.is_empty() {
                // Empty lines belong to a multi-line value (not comments).
                if !is_comment
                    && let (Some(sec), Some(opt)) = (&current, &option)
                    && let Some(Some(lines)) = pending.get_mut(sec).and_then(|s| s.get_mut(opt))
                {
                    lines.push(String::new());
                }
                continue;
            }
            let cur_indent = line.len() - line.trim_start_matches(py::is_space).len();
            if current.is_some() && option.is_some() && cur_indent > indent_level {
                if let (Some(sec), Some(opt)) = (&current, &option)
                    && let Some(Some(lines)) = pending.get_mut(sec).and_then(|s| s.get_mut(opt))
                {
                    lines.push(value.to_string());
                }
                continue;
            }
            indent_level = cur_indent;
            if let Some(header) = section_header(value) {
                let name = header.to_string();
                if name == "DEFAULT" {
                    current = Some(None);
                } else {
                    if (self.sections.contains_key(&name)
                        || pending.contains_key(&Some(name.clone())))
                        && added_sections.contains(&name)
                    {
                        return Err(ReadError::Other(format!(
                            "While reading from {FPNAME} [line {lineno:2}]: section {} already exists",
                            py::repr(&Jv::from(name.as_str()))
                        )));
                    }
                    added_sections.push(name.clone());
                    current = Some(Some(name));
                }
                pending.entry(current.clone().unwrap_or(None)).or_default();
                option = None;
                continue;
            }
            let Some(section) = current.clone() else {
                return Err(ReadError::Other(format!(
                    "File contains no section headers.\nfile: {FPNAME}, line: {lineno}\n{}",
                    py::repr(&Jv::from(line))
                )));
            };
            match self.split_option(value) {
                Some((name, val)) => {
                    if name.is_empty() {
                        errors.push((lineno, line.to_string()));
                    }
                    let name = self.optionxform(py_rstrip(name));
                    let section_name = section.clone().unwrap_or_else(|| "DEFAULT".into());
                    let key = (section_name.clone(), name.clone());
                    if added_options.contains(&key) {
                        return Err(ReadError::DuplicateOption(format!(
                            "While reading from {FPNAME} [line {lineno:2}]: option {} in section {} already exists",
                            py::repr(&Jv::from(name.as_str())),
                            py::repr(&Jv::from(section_name.as_str()))
                        )));
                    }
                    added_options.push(key);
                    pending
                        .entry(section)
                        .or_default()
                        .insert(name.clone(), val.map(|v| vec![py_strip(v).to_string()]));
                    option = Some(name);
                }
                None => errors.push((lineno, line.to_string())),
            }
        }
        for (section, options) in pending {
            let target = match section {
                None => &mut self.defaults,
                Some(name) => self.sections.entry(name).or_default(),
            };
            for (name, lines) in options {
                let joined = lines.map(|l| py_rstrip(&l.join("\n")).to_string());
                target.insert(name, joined);
            }
        }
        if !errors.is_empty() {
            let mut message = format!("Source contains parsing errors: {FPNAME}");
            for (lineno, line) in errors {
                message.push_str(&format!(
                    "\n\t[line {lineno:2}]: {}",
                    py::repr(&Jv::from(line.as_str()))
                ));
            }
            return Err(ReadError::Other(message));
        }
        Ok(())
    }

    /// configparser's option regex: the name is everything before the
    /// first `=` or `:` (spaces before it dropped); without a delimiter,
    /// a name without value when `allow_no_value`.
    fn split_option<'t>(&self, value: &'t str) -> Option<(&'t str, Option<&'t str>)> {
        match value.find(['=', ':']) {
            Some(i) => Some((py_rstrip_spaces(&value[..i]), Some(&value[i + 1..]))),
            None if self.allow_no_value => Some((value, None)),
            None => None,
        }
    }

    fn get(&self, section: &str, key: &str) -> Lookup {
        let key = self.optionxform(key);
        let own = if section == "DEFAULT" {
            None
        } else {
            match self.sections.get(section) {
                Some(s) => Some(s),
                None => return Lookup::NoSection,
            }
        };
        match own
            .and_then(|s| s.get(&key))
            .or_else(|| self.defaults.get(&key))
        {
            Some(v) => Lookup::Found(v.clone()),
            None => Lookup::NoOption,
        }
    }

    /// `items(section)`: the defaults then the section's own options.
    fn items(&self, section: &str) -> Option<Vec<(String, Option<String>)>> {
        let mut merged = self.defaults.clone();
        if section != "DEFAULT" {
            for (k, v) in self.sections.get(section)? {
                merged.insert(k.clone(), v.clone());
            }
        }
        Some(merged.into_iter().collect())
    }

    /// A raw value after interpolation (`BasicInterpolation.before_get`).
    fn resolve(
        &self,
        section: &str,
        option: &str,
        raw: Option<String>,
    ) -> Result<Option<String>, Failure> {
        match raw {
            Some(raw) if self.interpolation => {
                self.interpolate(section, option, &raw, &raw, 1).map(Some)
            }
            other => Ok(other),
        }
    }

    fn interpolate(
        &self,
        section: &str,
        option: &str,
        raw: &str,
        rest: &str,
        depth: usize,
    ) -> Result<String, Failure> {
        if depth > 10 {
            return Err(format!(
                "Recursion limit exceeded in value substitution: option {} in section {} contains an interpolation key which cannot be substituted in 10 steps. Raw value: {}",
                py::repr(&Jv::from(option)),
                py::repr(&Jv::from(section)),
                py::repr(&Jv::from(raw))
            ));
        }
        let mut out = String::new();
        let mut rest = rest;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos..];
            if let Some(after_percent) = after.strip_prefix("%%") {
                out.push('%');
                rest = after_percent;
            } else if let Some(body) = after.strip_prefix("%(") {
                // `%\(([^)]+)\)s`
                let name_end = body
                    .find(')')
                    .filter(|&i| i > 0 && body[i + 1..].starts_with('s'));
                let Some(close) = name_end else {
                    return Err(format!(
                        "bad interpolation variable reference {}",
                        py::repr(&Jv::from(after))
                    ));
                };
                let name = self.optionxform(&body[..close]);
                rest = &body[close + 2..];
                let value = match self.get(section, &name) {
                    Lookup::Found(Some(v)) => v,
                    _ => {
                        return Err(format!(
                            "Bad value substitution: option {} in section {} contains an interpolation key {} which is not a valid option name. Raw value: {}",
                            py::repr(&Jv::from(option)),
                            py::repr(&Jv::from(section)),
                            py::repr(&Jv::from(name.as_str())),
                            py::repr(&Jv::from(raw))
                        ));
                    }
                };
                if value.contains('%') {
                    out.push_str(&self.interpolate(section, &name, &value, &value, depth + 1)?);
                } else {
                    out.push_str(&value);
                }
            } else {
                return Err(format!(
                    "'%' must be followed by '%' or '(', found: {}",
                    py::repr(&Jv::from(after))
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `SECTCRE`: `\[(?P<header>.+)\]` matched at the start of the line.
fn section_header(value: &str) -> Option<&str> {
    let body = value.strip_prefix('[')?;
    let end = body.rfind(']')?;
    let header = &body[..end];
    (!header.is_empty()).then_some(header)
}

fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(py::is_space)
}

/// The `\s*` before a delimiter in configparser's regex.
fn py_rstrip_spaces(s: &str) -> &str {
    s.trim_end_matches(py::is_space)
}
