//! ansible-core's URL filters: `urldecode` (`urllib.parse.unquote_plus`),
//! `urlsplit` (`urllib.parse.urlsplit` as a dict), and Jinja2's
//! `urlencode`, whose rules (`str()` of non-strings, `+` for spaces in
//! query pairs) differ from minijinja's. The `uri`/`url`/`urn` tests use
//! the same parser.

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error};

use super::math::py::{self, bind, require_defined};

/// Register `urldecode`, `urlencode` and `urlsplit`.
pub fn register(env: &mut Environment<'static>) {
    py::add_filter(env, "urldecode", urldecode);
    py::add_filter(env, "urlencode", urlencode);
    py::add_filter(env, "urlsplit", urlsplit_filter);
}

// ---------------------------------------------------------------- decoding

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `urllib.parse.unquote_to_bytes` for an ASCII run.
fn unquote_to_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// `urllib.parse.unquote` (UTF-8, errors replaced): only ASCII runs are
/// decoded, each on its own.
pub(crate) fn unquote(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut run_start = 0;
    let mut in_ascii = true;
    for (i, c) in s.char_indices() {
        if c.is_ascii() != in_ascii {
            push_run(&mut out, &s[run_start..i], in_ascii);
            run_start = i;
            in_ascii = c.is_ascii();
        }
    }
    push_run(&mut out, &s[run_start..], in_ascii);
    out
}

fn push_run(out: &mut String, run: &str, ascii: bool) {
    if ascii {
        out.push_str(&String::from_utf8_lossy(&unquote_to_bytes(run)));
    } else {
        out.push_str(run);
    }
}

fn urldecode(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    let args = bind("unquote_plus", &rest, &kwargs, &["encoding", "errors"])?;
    if args.iter().any(Option::is_some) {
        return Err(py::error(
            "urldecode: only the default encoding and error handling are supported",
        ));
    }
    match value.as_str() {
        Some(s) if value.kind() == ValueKind::String => {
            Ok(Value::from(unquote(&s.replace('+', " "))))
        }
        _ => Err(py::error(format!(
            "'{}' object has no attribute 'replace'",
            py::type_name(&value)
        ))),
    }
}

// ---------------------------------------------------------------- encoding

/// `urllib.parse.quote_from_bytes` with `safe` (always-safe characters are
/// `A-Za-z0-9_.-~`).
fn quote(text: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Jinja2's `url_quote`: `str()` of non-strings, `/` safe outside query
/// strings, `+` for spaces inside them.
fn url_quote(value: &Value, for_qs: bool) -> String {
    let text = py::to_str(value);
    if for_qs {
        quote(&text, b"").replace("%20", "+")
    } else {
        quote(&text, b"/")
    }
}

fn urlencode(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    bind("urlencode", &rest, &kwargs, &[])?;
    let pairs: Vec<(Value, Value)> = match value.kind() {
        ValueKind::String | ValueKind::None | ValueKind::Bool | ValueKind::Number => {
            return Ok(Value::from(url_quote(&value, false)));
        }
        ValueKind::Map => value
            .try_iter()?
            .map(|k| {
                let v = value.get_item(&k).unwrap_or_default();
                (k, v)
            })
            .collect(),
        ValueKind::Seq | ValueKind::Iterable => {
            let mut pairs = Vec::new();
            for item in value.try_iter()? {
                let parts = match item.kind() {
                    ValueKind::String
                    | ValueKind::Seq
                    | ValueKind::Map
                    | ValueKind::Iterable
                    | ValueKind::Bytes => py::iterate(&item)?,
                    _ => {
                        return Err(py::error(format!(
                            "cannot unpack non-iterable {} object",
                            py::type_name(&item)
                        )));
                    }
                };
                match <[Value; 2]>::try_from(parts) {
                    Ok([k, v]) => pairs.push((k, v)),
                    Err(parts) if parts.len() > 2 => {
                        return Err(py::error("too many values to unpack (expected 2)"));
                    }
                    Err(parts) => {
                        return Err(py::error(format!(
                            "not enough values to unpack (expected 2, got {})",
                            parts.len()
                        )));
                    }
                }
            }
            pairs
        }
        _ => return Ok(Value::from(url_quote(&value, false))),
    };
    Ok(Value::from(
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", url_quote(k, true), url_quote(v, true)))
            .collect::<Vec<_>>()
            .join("&"),
    ))
}

// ---------------------------------------------------------------- splitting

/// `urllib.parse.SplitResult`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SplitResult {
    pub scheme: String,
    pub netloc: String,
    pub path: String,
    pub query: String,
    pub fragment: String,
}

fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
}

/// Characters whose NFKC form contains one of `/?#@:` (Unicode 14, as in
/// Python 3.11's `unicodedata`).
const NFKC_URL_DELIMITERS: [u32; 19] = [
    0x2047, 0x2048, 0x2049, 0x2100, 0x2101, 0x2105, 0x2106, 0x2a74, 0xfe13, 0xfe16, 0xfe55, 0xfe56,
    0xfe5f, 0xfe6b, 0xff03, 0xff0f, 0xff1a, 0xff1f, 0xff20,
];

/// `urllib.parse._checknetloc`.
fn check_netloc(netloc: &str) -> Result<(), String> {
    if netloc.is_ascii() {
        return Ok(());
    }
    if netloc
        .chars()
        .any(|c| NFKC_URL_DELIMITERS.contains(&(c as u32)))
    {
        return Err(format!(
            "netloc '{netloc}' contains invalid characters under NFKC normalization"
        ));
    }
    Ok(())
}

/// Python's `ipaddress.IPv4Address` syntax.
fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Python's `ipaddress.IPv6Address` syntax (with an optional `%scope`).
fn is_ipv6(s: &str) -> bool {
    let (addr, scope) = match s.split_once('%') {
        Some((a, scope)) => {
            if scope.is_empty() || scope.contains('%') {
                return false;
            }
            (a, Some(scope))
        }
        None => (s, None),
    };
    let _ = scope;
    addr.is_ascii() && addr.parse::<std::net::Ipv6Addr>().is_ok()
}

/// `urllib.parse._check_bracketed_host`.
fn check_bracketed_host(host: &str) -> Result<(), String> {
    if let Some(rest) = host.strip_prefix('v') {
        let hexlen = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        let after = &rest[hexlen..];
        let ok =
            hexlen > 0 && after.starts_with('.') && after.len() > 1 && !after[1..].contains('\n');
        return if ok {
            Ok(())
        } else {
            Err("IPvFuture address is invalid".into())
        };
    }
    if is_ipv4(host) {
        return Err("An IPv4 address cannot be in brackets".into());
    }
    if is_ipv6(host) {
        return Ok(());
    }
    Err(format!(
        "{} does not appear to be an IPv4 or IPv6 address",
        crate::value::python_str_repr(host)
    ))
}

/// `urllib.parse.urlsplit(url)` (Python 3.11).
pub(crate) fn urlsplit(url: &str) -> Result<SplitResult, String> {
    let url = url.trim_start_matches(|c: char| c <= ' ');
    let url: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut scheme = String::new();
    let mut rest: &str = &url;
    if let Some(i) = url.find(':')
        && i > 0
        && url.as_bytes()[0].is_ascii_alphabetic()
        && url[..i].chars().all(is_scheme_char)
    {
        scheme = url[..i].to_ascii_lowercase();
        rest = &url[i + 1..];
    }
    let mut netloc = String::new();
    if rest.starts_with("//") {
        let delim = rest[2..]
            .find(['/', '?', '#'])
            .map_or(rest.len(), |d| d + 2);
        netloc = rest[2..delim].to_string();
        rest = &rest[delim..];
        let open = netloc.contains('[');
        let close = netloc.contains(']');
        if open != close {
            return Err("Invalid IPv6 URL".into());
        }
        if open {
            let after_open = netloc.split_once('[').map_or("", |(_, a)| a);
            let host = after_open.split_once(']').map_or(after_open, |(h, _)| h);
            check_bracketed_host(host)?;
        }
    }
    let mut fragment = String::new();
    if let Some((before, after)) = rest.split_once('#') {
        fragment = after.to_string();
        rest = before;
    }
    let mut query = String::new();
    if let Some((before, after)) = rest.split_once('?') {
        query = after.to_string();
        rest = before;
    }
    check_netloc(&netloc)?;
    Ok(SplitResult {
        scheme,
        netloc,
        path: rest.to_string(),
        query,
        fragment,
    })
}

impl SplitResult {
    fn userinfo(&self) -> (Option<String>, Option<String>) {
        match self.netloc.rsplit_once('@') {
            Some((userinfo, _)) => match userinfo.split_once(':') {
                Some((user, password)) => (Some(user.to_string()), Some(password.to_string())),
                None => (Some(userinfo.to_string()), None),
            },
            None => (None, None),
        }
    }

    fn hostinfo(&self) -> (String, Option<String>) {
        let hostinfo = self
            .netloc
            .rsplit_once('@')
            .map_or(self.netloc.as_str(), |(_, h)| h);
        let (hostname, port) = match hostinfo.split_once('[') {
            Some((_, bracketed)) => {
                let (host, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
                let port = after.split_once(':').map_or("", |(_, p)| p);
                (host, port)
            }
            None => hostinfo.split_once(':').unwrap_or((hostinfo, "")),
        };
        let port = (!port.is_empty()).then(|| port.to_string());
        (hostname.to_string(), port)
    }

    pub(crate) fn hostname(&self) -> Option<String> {
        let (host, _) = self.hostinfo();
        if host.is_empty() {
            return None;
        }
        Some(match host.split_once('%') {
            Some((h, zone)) => format!("{}%{zone}", h.to_lowercase()),
            None => host.to_lowercase(),
        })
    }

    pub(crate) fn port(&self) -> Result<Option<u16>, String> {
        let (_, port) = self.hostinfo();
        let Some(port) = port else {
            return Ok(None);
        };
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "Port could not be cast to integer value as {}",
                crate::value::python_str_repr(&port)
            ));
        }
        let digits = port.trim_start_matches('0');
        match digits.parse::<u32>() {
            Ok(n) if n <= 65535 => Ok(Some(n as u16)),
            _ if digits.is_empty() => Ok(Some(0)),
            _ => Err("Port out of range 0-65535".into()),
        }
    }
}

fn opt(s: Option<String>) -> Value {
    s.map_or_else(|| Value::from(()), Value::from)
}

/// ansible's `urlsplit` result: every public attribute of the
/// `SplitResult`, in `dir()` order.
fn split_dict(parts: &SplitResult) -> Result<Vec<(&'static str, Value)>, String> {
    let (username, password) = parts.userinfo();
    let port = parts.port()?;
    Ok(vec![
        ("fragment", Value::from(parts.fragment.as_str())),
        ("hostname", opt(parts.hostname())),
        ("netloc", Value::from(parts.netloc.as_str())),
        ("password", opt(password)),
        ("path", Value::from(parts.path.as_str())),
        ("port", port.map_or_else(|| Value::from(()), Value::from)),
        ("query", Value::from(parts.query.as_str())),
        ("scheme", Value::from(parts.scheme.as_str())),
        ("username", opt(username)),
    ])
}

fn urlsplit_filter(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    let args = bind("split_url", &rest, &kwargs, &["query", "alias"])?;
    let alias = match &args[1] {
        Some(a) => py::to_str(a),
        None => "urlsplit".to_string(),
    };
    let text = match value.as_str() {
        Some(s) if value.kind() == ValueKind::String => s.to_string(),
        _ => {
            return Err(py::error(if py::truthy(&value) {
                format!(
                    "'{}' object has no attribute 'decode'",
                    py::type_name(&value)
                )
            } else {
                // Python would split b'' and return bytes; nothing useful.
                format!(
                    "{alias}: expected a string, got '{}'",
                    py::type_name(&value)
                )
            }));
        }
    };
    let parts = urlsplit(&text).map_err(py::error)?;
    let fields = split_dict(&parts).map_err(py::error)?;
    match &args[0] {
        Some(q) if py::truthy(q) => {
            let found = fields
                .iter()
                .find(|(name, _)| q.kind() == ValueKind::String && q.as_str() == Some(*name));
            match found {
                Some((_, v)) => Ok(v.clone()),
                None => Err(py::error(format!(
                    "{alias}: unknown URL component: {}",
                    py::to_str(q)
                ))),
            }
        }
        _ => Ok(Value::from_object(
            fields
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect::<indexmap::IndexMap<Value, Value>>(),
        )),
    }
}

// ---------------------------------------------------------------- uri tests

/// `urlparse(value)` as ansible's `uri` test calls it: `Ok(scheme, netloc)`
/// or `Err` when Python raises. Falsy non-strings parse as `''`.
pub(crate) fn urlparse_parts(value: &Value) -> Result<(String, String), ()> {
    let text = match value.as_str() {
        Some(s) if value.kind() == ValueKind::String => s.to_string(),
        _ if !py::truthy(value) => String::new(),
        _ => return Err(()),
    };
    let parts = urlsplit(&text).map_err(|_| ())?;
    Ok((parts.scheme, parts.netloc))
}

/// ansible's `uri` test.
pub(crate) fn is_uri(value: &Value, schemes: Option<&Value>) -> bool {
    let Ok((scheme, _)) = urlparse_parts(value) else {
        return false;
    };
    match schemes {
        Some(s) if py::truthy(s) => py::contains(s, &Value::from(scheme)).unwrap_or(false),
        _ => true,
    }
}

/// ansible's `url` test.
pub(crate) fn is_url(value: &Value, schemes: Option<&Value>) -> bool {
    if !is_uri(value, schemes) {
        return false;
    }
    match urlparse_parts(value) {
        Ok((scheme, netloc)) => !netloc.is_empty() || scheme == "file",
        Err(()) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_decodes_ascii_runs_only() {
        assert_eq!(unquote("a%20b"), "a b");
        assert_eq!(unquote("%E2%82%AC%zz"), "€%zz");
        assert_eq!(unquote("%ff"), "\u{fffd}");
        assert_eq!(unquote("é%41"), "éA");
    }

    #[test]
    fn split_keeps_python_fields() {
        let p = urlsplit("HTTP://u:p@[::1]:80/a;b?q#f").unwrap();
        assert_eq!(p.scheme, "http");
        assert_eq!(p.netloc, "u:p@[::1]:80");
        assert_eq!(p.path, "/a;b");
        assert_eq!(p.hostname().as_deref(), Some("::1"));
        assert_eq!(p.port(), Ok(Some(80)));
        assert!(urlsplit("http://[::1/").is_err());
        assert!(urlsplit("http://[1.2.3.4]/").is_err());
    }
}
