//! Serialisation filters: `to_json`, `to_nice_json`, `from_json`,
//! `to_yaml`, `to_nice_yaml`, `from_yaml`, `from_yaml_all`.

use super::{Args, Num, add, map_entries, py_repr, py_str, type_name};
use crate::playbook::yaml_dump::{DumpOptions, dump};
use crate::templating::bridge::{from_jinja, to_jinja};
use crate::value::{python_float_repr, write_json_string, write_json_string_ascii};
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};
use std::path::Path;

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "to_json", to_json);
    add(env, "to_nice_json", to_nice_json);
    add(env, "from_json", from_json);
    add(env, "to_yaml", to_yaml);
    add(env, "to_nice_yaml", to_nice_yaml);
    add(env, "from_yaml", from_yaml);
    add(env, "from_yaml_all", from_yaml_all);
}

/// The `json.dumps` keyword arguments that change the text.
pub(crate) struct JsonOptions {
    pub indent: Option<String>,
    pub item_separator: String,
    pub key_separator: String,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub allow_nan: bool,
    pub skipkeys: bool,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            indent: None,
            item_separator: ", ".into(),
            key_separator: ": ".into(),
            sort_keys: false,
            ensure_ascii: true,
            allow_nan: true,
            skipkeys: false,
        }
    }
}

/// Python's `float.__repr__` in JSON, with the JavaScript names for the
/// non-finite values.
fn json_float(f: f64, opts: &JsonOptions) -> Result<String, String> {
    if f.is_finite() {
        return Ok(python_float_repr(f));
    }
    if !opts.allow_nan {
        return Err("Out of range float values are not JSON compliant".into());
    }
    Ok(if f.is_nan() {
        "NaN".into()
    } else if f > 0.0 {
        "Infinity".into()
    } else {
        "-Infinity".into()
    })
}

/// Marks a serialisation error that is an invalid value's own error (not
/// the filter's failure).
const INVALID: &str = "\u{0}invalid:";

/// The error an invalid value carries, as minijinja displays it
/// (`<invalid value: KIND: DETAIL>`), without the wrapping.
fn invalid_detail(v: &Jv) -> String {
    let shown = v.to_string();
    let inner = shown
        .strip_prefix("<invalid value: ")
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(&shown);
    inner
        .strip_prefix("invalid operation: ")
        .unwrap_or(inner)
        .to_string()
}

/// A serialisation error as the filter reports it: an invalid value's own
/// error as is, anything else as the filter's failure.
fn serial_error(args: &Args, e: String) -> Error {
    match e.strip_prefix(INVALID) {
        Some(detail) => Error::new(minijinja::ErrorKind::InvalidOperation, detail.to_string()),
        None => args.fail(e),
    }
}

/// `json.dumps(value, cls=<ansible's tagless encoder>, **opts)`.
pub(crate) fn dumps(value: &Jv, opts: &JsonOptions) -> Result<String, String> {
    let mut out = String::new();
    write_json(value, opts, 0, &mut out)?;
    Ok(out)
}

fn string(out: &mut String, s: &str, opts: &JsonOptions) {
    if opts.ensure_ascii {
        write_json_string_ascii(out, s);
    } else {
        write_json_string(out, s);
    }
}

fn newline(out: &mut String, opts: &JsonOptions, depth: usize) {
    if let Some(indent) = &opts.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

fn write_json(v: &Jv, opts: &JsonOptions, depth: usize, out: &mut String) -> Result<(), String> {
    if depth > 900 {
        return Err("maximum recursion depth exceeded while encoding a JSON object".into());
    }
    match v.kind() {
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if v.is_true() { "true" } else { "false" }),
        ValueKind::Number => match Num::of(v) {
            Some(Num::Int(i)) => out.push_str(&i.to_string()),
            Some(Num::Float(f)) => out.push_str(&json_float(f, opts)?),
            None => out.push_str(&v.to_string()),
        },
        ValueKind::String => string(out, v.as_str().unwrap_or_default(), opts),
        ValueKind::Seq | ValueKind::Iterable => {
            let items = super::items(v);
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item_separator);
                }
                newline(out, opts, depth + 1);
                write_json(item, opts, depth + 1, out)?;
            }
            newline(out, opts, depth);
            out.push(']');
        }
        ValueKind::Map => {
            let mut entries = Vec::new();
            for (k, item) in map_entries(v) {
                let key = match k.kind() {
                    ValueKind::String => k.as_str().unwrap_or_default().to_string(),
                    ValueKind::None => "null".into(),
                    ValueKind::Bool => if k.is_true() { "true" } else { "false" }.into(),
                    ValueKind::Number => match Num::of(&k) {
                        Some(Num::Float(f)) => json_float(f, opts)?,
                        _ => py_str(&k),
                    },
                    _ if opts.skipkeys => continue,
                    _ => py_str(&k),
                };
                entries.push((key, item));
            }
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            if opts.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item_separator);
                }
                newline(out, opts, depth + 1);
                string(out, key, opts);
                out.push_str(&opts.key_separator);
                write_json(item, opts, depth + 1, out)?;
            }
            newline(out, opts, depth);
            out.push('}');
        }
        // A value whose making failed (an undecryptable vault value) fails
        // the serialisation with its own error.
        ValueKind::Invalid => return Err(format!("{INVALID}{}", invalid_detail(v))),
        _ => match v.downcast_object_ref::<super::DateTime>() {
            Some(dt) => string(out, &dt.isoformat("T"), opts),
            None => {
                return Err(format!(
                    "Object of type {} is not JSON serializable",
                    type_name(v)
                ));
            }
        },
    }
    Ok(())
}

/// Reads `json.dumps` keyword arguments into `opts`.
fn json_options(args: &mut Args, mut opts: JsonOptions) -> Result<JsonOptions, Error> {
    let kwargs = args.all_keywords();
    let mut indent_given = opts.indent.is_some();
    let mut separators_given = false;
    for (key, value) in kwargs {
        match key.as_str() {
            "indent" => {
                indent_given = true;
                opts.indent = indent_text(&value);
            }
            "separators" => {
                let parts = super::items(&value);
                if value.is_none() {
                    continue;
                }
                if parts.len() != 2 {
                    return Err(args.fail(format!(
                        "not enough values to unpack (expected 2, got {})",
                        parts.len()
                    )));
                }
                separators_given = true;
                opts.item_separator = py_str(&parts[0]);
                opts.key_separator = py_str(&parts[1]);
            }
            "sort_keys" => opts.sort_keys = value.is_true(),
            "ensure_ascii" => opts.ensure_ascii = value.is_true(),
            "allow_nan" => opts.allow_nan = value.is_true(),
            "skipkeys" => opts.skipkeys = value.is_true(),
            "check_circular" | "vault_to_text" | "preprocess_unsafe" | "profile" => {}
            _ => {
                return Err(args.fail(format!(
                    "JSONEncoder.__init__() got an unexpected keyword argument '{key}'"
                )));
            }
        }
    }
    if indent_given && opts.indent.is_some() && !separators_given {
        opts.item_separator = ",".into();
    }
    Ok(opts)
}

/// `indent` of `json.dumps`: a number of spaces or the text itself.
fn indent_text(value: &Jv) -> Option<String> {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => None,
        ValueKind::String => Some(value.as_str().unwrap_or_default().to_string()),
        _ => match Num::of(value) {
            Some(Num::Int(n)) => Some(" ".repeat(n.clamp(0, 1000) as usize)),
            _ => Some(py_str(value)),
        },
    }
}

fn check_profile(args: &mut Args, profile: Option<Jv>) -> Result<(), Error> {
    match profile.as_ref().and_then(|p| p.as_str()) {
        None | Some("tagless") => Ok(()),
        Some(other) => Err(args.fail(format!(
            "mitorun supports only the default ('tagless') JSON profile, not '{other}'"
        ))),
    }
}

fn to_json(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let profile = args.opt(0, "profile");
    check_profile(args, profile)?;
    let opts = json_options(args, JsonOptions::default())?;
    dumps(&value, &opts)
        .map(Jv::from)
        .map_err(|e| serial_error(args, e))
}

fn to_nice_json(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let indent = args.get(0, "indent");
    let sort_keys = args.get(1, "sort_keys");
    let profile = args.kw("profile");
    check_profile(args, profile)?;
    let mut opts = JsonOptions {
        indent: Some("    ".into()),
        sort_keys: true,
        ..JsonOptions::default()
    };
    if let Some(i) = indent {
        opts.indent = indent_text(&i);
    }
    if let Some(s) = sort_keys {
        opts.sort_keys = s.is_true();
    }
    let mut opts = json_options(args, opts)?;
    // to_nice_json always uses these separators.
    opts.item_separator = ",".into();
    opts.key_separator = ": ".into();
    dumps(&value, &opts)
        .map(Jv::from)
        .map_err(|e| serial_error(args, e))
}

fn from_json(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let profile = args.opt(0, "profile");
    // The decoder reads `__ansible_unsafe`/`__ansible_vault` objects as
    // tagged text, which is what the legacy profiles decode (ansible-
    // inventory's output is `inventory_legacy`).
    let legacy = matches!(
        profile.as_ref().and_then(|p| p.as_str()),
        Some("legacy" | "inventory_legacy")
    );
    if !legacy {
        check_profile(args, profile)?;
    }
    let _ = args.all_keywords();
    let text = match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        ValueKind::Bytes => {
            String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned()
        }
        _ => {
            return Err(args.fail(format!(
                "the JSON object must be str, bytes or bytearray, not {}",
                type_name(&value)
            )));
        }
    };
    crate::playbook::pyjson::parse_or_error(&text)
        .map(|v| to_jinja(&v))
        .map_err(|message| args.fail(message))
}

/// The text of a YAML error as PyYAML's exception shows it.
fn yaml_error(e: &crate::playbook::yaml::YamlError) -> String {
    if e.line == 0 {
        return e.message.clone();
    }
    format!(
        "{}\n  in \"<unicode string>\", line {}, column {}",
        e.message, e.line, e.col
    )
}

fn from_yaml(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    match value.kind() {
        ValueKind::None => Ok(Jv::from(())),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            match crate::playbook::yaml::load_node(text, Path::new("<unicode string>")) {
                Ok((node, warnings)) => {
                    show_yaml_warnings(&warnings);
                    Ok(node.map_or(Jv::from(()), |n| to_jinja(&n.to_value())))
                }
                Err(e) => Err(args.fail(yaml_error(&e))),
            }
        }
        // ansible warns (deprecated) and returns non-string input as is.
        _ => Ok(value),
    }
}

fn from_yaml_all(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    match value.kind() {
        ValueKind::None => Ok(Jv::from(Vec::<Jv>::new())),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            match crate::playbook::yaml::parse(text, Path::new("<unicode string>")) {
                Ok(loaded) => Ok(Jv::from({
                    show_yaml_warnings(&loaded.warnings);
                    loaded
                        .documents
                        .iter()
                        .map(|d| to_jinja(&d.to_value()))
                        .collect::<Vec<_>>()
                })),
                Err(e) => Err(args.fail(yaml_error(&e))),
            }
        }
        _ => Ok(value),
    }
}

/// Duplicate-key warnings of YAML a filter loaded: ansible shows them on
/// the controller as the filter runs, once per text.
/// The text has no origin ansible knows: `<unknown>` with the position,
/// and the key instead of an excerpt.
fn show_yaml_warnings(warnings: &[String]) {
    for warning in warnings {
        let unknown = warning.replacen("Origin: <unicode string>", "Origin: <unknown>", 1);
        crate::cli::display::warning(&crate::playbook::extra_vars::cli_yaml_warning(&unknown));
    }
}

/// Applies `yaml.dump` keyword arguments to `opts`.
fn yaml_options(args: &mut Args, mut opts: DumpOptions) -> Result<DumpOptions, Error> {
    for (key, value) in args.all_keywords() {
        let int = || match Num::of(&value) {
            Some(Num::Int(n)) => Some(n.clamp(0, 1 << 20) as usize),
            _ => None,
        };
        match key.as_str() {
            "default_flow_style" => {
                opts.default_flow_style = if value.is_none() {
                    None
                } else {
                    Some(value.is_true())
                }
            }
            "indent" => {
                if let Some(n) = int() {
                    opts.indent = n;
                }
            }
            "width" => {
                opts.width = match int() {
                    Some(n) => n,
                    None => usize::MAX,
                }
            }
            "allow_unicode" => opts.allow_unicode = value.is_true(),
            "sort_keys" => opts.sort_keys = value.is_true(),
            "explicit_start" => opts.explicit_start = value.is_true(),
            "explicit_end" => opts.explicit_end = value.is_true(),
            "default_style" => {
                use crate::playbook::yaml_dump::ScalarStyle;
                opts.default_style = match value.as_str() {
                    Some("'") => Some(ScalarStyle::SingleQuoted),
                    Some("\"") => Some(ScalarStyle::DoubleQuoted),
                    Some("|") => Some(ScalarStyle::Literal),
                    Some(">") => {
                        return Err(args.fail(
                            "default_style='>' (folded scalars) is not supported by mitorun yet",
                        ));
                    }
                    // libyaml lets the emitter choose for anything else.
                    _ => None,
                };
            }
            // Options this emitter does not implement: accepted when they
            // leave the text as yaml.dump's defaults do, refused otherwise
            // rather than silently ignored.
            "canonical" => opts.canonical = value.is_true(),
            "line_break" | "version" | "tags" | "encoding" if value.is_none() => {}
            "line_break" if value.as_str() == Some("\n") => {}
            "line_break" | "version" | "tags" | "encoding" => {
                return Err(args.fail(format!(
                    "the yaml.dump option {key}={} is not supported by mitorun yet",
                    py_repr(&value)
                )));
            }
            _ => {
                return Err(args.fail(format!(
                    "dump_all() got an unexpected keyword argument '{key}'"
                )));
            }
        }
    }
    Ok(opts)
}

fn to_yaml(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let opts = yaml_options(args, DumpOptions::to_yaml())?;
    Ok(Jv::from(dump(&from_jinja(&value), &opts)))
}

fn to_nice_yaml(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let mut opts = DumpOptions::to_nice_yaml(4);
    if let Some(indent) = args.get(0, "indent")
        && let Some(Num::Int(n)) = Num::of(&indent)
    {
        opts.indent = n.clamp(0, 1 << 20) as usize;
    }
    let opts = yaml_options(args, opts)?;
    Ok(Jv::from(dump(&from_jinja(&value), &opts)))
}
