//! Host patterns: turning `web:&prod:!web3`, `db[0:2]`, `~w.*` or a
//! `--limit @file` into an ordered list of inventory hosts.
//!
//! The rules follow ansible-core's `InventoryManager` (2.19), including its
//! accidents, because users see them: `:` only separates patterns when the
//! whole string is not a valid address (`web:80` is one pattern), plain
//! patterns run before `&` and `!` ones, subscripts index into a list that is
//! not deduplicated yet (`*[9]` can reach past the end of `all`), a range
//! ending in `0` selects a single host, and a subscript ansible does not
//! recognise (`web[:2]`) is an ordinary glob character class.

use crate::inventory::data::{HostId, InventoryData, LOCALHOST_NAMES};
use regex::Regex;
use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

/// What to do when a pattern matches no host and no group
/// (`host_pattern_mismatch` / `ANSIBLE_HOST_PATTERN_MISMATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MismatchPolicy {
    #[default]
    Warning,
    Error,
    Ignore,
}

impl MismatchPolicy {
    /// The configuration value (`warning`, `error`, `ignore`).
    pub fn parse(value: &str) -> Option<MismatchPolicy> {
        match value {
            "warning" => Some(MismatchPolicy::Warning),
            "error" => Some(MismatchPolicy::Error),
            "ignore" => Some(MismatchPolicy::Ignore),
            _ => None,
        }
    }
}

/// A play's `order`: how the matched hosts are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostOrder {
    #[default]
    Inventory,
    ReverseInventory,
    Sorted,
    ReverseSorted,
    Shuffle,
}

impl HostOrder {
    /// The play keyword value; anything unknown is ansible's options error.
    pub fn parse(value: &str) -> Result<HostOrder, PatternError> {
        match value {
            "inventory" => Ok(HostOrder::Inventory),
            "reverse_inventory" => Ok(HostOrder::ReverseInventory),
            "sorted" => Ok(HostOrder::Sorted),
            "reverse_sorted" => Ok(HostOrder::ReverseSorted),
            "shuffle" => Ok(HostOrder::Shuffle),
            other => Err(PatternError::new(format!(
                "Invalid 'order' specified for inventory hosts: {other}"
            ))),
        }
    }
}

/// A pattern or limit ansible rejects; `message` is ansible's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PatternError {
    pub message: String,
}

/// Prefix of the message ansible prints when a Python exception escapes
/// (exit code 250 instead of 1).
const UNEXPECTED: &str = "Unexpected Exception, this is probably a bug: ";

impl PatternError {
    pub fn new(message: impl Into<String>) -> Self {
        PatternError {
            message: message.into(),
        }
    }

    fn unexpected(detail: &str) -> Self {
        PatternError::new(format!("{UNEXPECTED}{detail}"))
    }

    /// True when ansible would have crashed with a Python exception rather
    /// than reporting an error (its CLI exits 250 for those, 1 otherwise).
    pub fn is_unexpected(&self) -> bool {
        self.message.starts_with(UNEXPECTED)
    }
}

/// Printed by the CLI (not the inventory) when the inventory has no hosts and
/// the pattern is not a localhost name; see [`empty_inventory_warning`].
pub const EMPTY_INVENTORY_WARNING: &str = "provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'";

/// The CLI's error when hosts existed but the pattern and limit left none.
pub const NO_HOSTS_TO_TARGET: &str =
    "Specified inventory, host pattern and/or --limit leaves us with no hosts to target.";

/// `ansible` (ad-hoc) warns this instead of failing when host selection
/// raised an error and no `--limit` was given.
pub const ADHOC_NO_HOSTS_MATCHED: &str = "No hosts matched, nothing to do";

const DASH_SUBSCRIPT_WARNING: &str =
    "Use [x:y] inclusive subscripts instead of [x-y] which has been removed";

/// The warning the CLI prints before selecting hosts when the inventory holds
/// no hosts at all (the implicit localhost never counts), unless `pattern`
/// is itself a localhost name. Callers also honour `LOCALHOST_WARNING`.
pub fn empty_inventory_warning(inv: &InventoryData, pattern: &str) -> Option<&'static str> {
    if inv.group_hosts(inv.all()).is_empty() && !LOCALHOST_NAMES.contains(&pattern) {
        Some(EMPTY_INVENTORY_WARNING)
    } else {
        None
    }
}

/// Python's `str.isspace()` for one character.
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// Split a host pattern string into single patterns, as ansible does: on
/// commas when there is one; otherwise the whole string when it parses as a
/// host address (so `::1`, `web[1:3]` and `host:22` stay whole); otherwise
/// on colons and whitespace, keeping `[...]` groups intact.
pub fn split_host_pattern(pattern: &str) -> Vec<String> {
    static COLON_SEPARATED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:[^\s\x1c-\x1f:\[\]]|\[[^\]]*\])+").unwrap());
    let pieces: Vec<&str> = if pattern.contains(',') {
        pattern.split(',').collect()
    } else if is_host_address(pattern) {
        vec![pattern]
    } else {
        COLON_SEPARATED
            .find_iter(pattern)
            .map(|m| m.as_str())
            .collect()
    };
    pieces
        .into_iter()
        .map(py_strip)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// [`split_host_pattern`] over a list of patterns (a play's `hosts` list).
pub fn split_host_patterns<S: AsRef<str>>(patterns: &[S]) -> Vec<String> {
    patterns
        .iter()
        .flat_map(|p| split_host_pattern(p.as_ref()))
        .collect()
}

/// Plain patterns first, then `&` intersections, then `!` exclusions; when
/// there is no plain pattern, `all` stands in for one. Empty ones are dropped.
pub fn order_patterns<S: AsRef<str>>(patterns: &[S]) -> Vec<String> {
    let mut regular = Vec::new();
    let mut intersect = Vec::new();
    let mut exclude = Vec::new();
    for p in patterns.iter().map(AsRef::as_ref) {
        if p.starts_with('!') {
            exclude.push(p.to_string());
        } else if p.starts_with('&') {
            intersect.push(p.to_string());
        } else if !p.is_empty() {
            regular.push(p.to_string());
        }
    }
    if regular.is_empty() {
        regular.push("all".to_string());
    }
    regular.extend(intersect);
    regular.extend(exclude);
    regular
}

/// Python's `$` without MULTILINE also matches before one final newline.
fn strip_final_newline(s: &str) -> &str {
    s.strip_suffix('\n').unwrap_or(s)
}

/// Whether ansible's `parse_address(s, allow_ranges=True)` accepts `s`: an
/// optional `:port` (or `[host]:port`), then an IPv4 or IPv6 address or a
/// host name, any of them possibly holding `[x:y]` ranges.
fn is_host_address(s: &str) -> bool {
    static BRACKETED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\A\[(.+)\]:([0-9]+)\n?\z").unwrap());
    static HOSTPORT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\A((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)\n?\z").unwrap());
    static IPV4: LazyLock<Regex> = LazyLock::new(|| {
        let part = r"(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\])";
        Regex::new(&format!(r"(?i)\A(?:{part}\.){{3}}{part}\z")).unwrap()
    });
    static IPV6: LazyLock<Regex> = LazyLock::new(|| {
        let c = r"(?:[0-9a-f]{1,4}|\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\])";
        let alternatives = [
            format!("(?:{c}:){{7}}{c}"),
            format!("(?:{c}:){{1,6}}:"),
            format!("(?:{c}:)(?::{c}){{1,6}}"),
            format!("(?:{c}:){{2}}(?::{c}){{1,5}}"),
            format!("(?:{c}:){{3}}(?::{c}){{1,4}}"),
            format!("(?:{c}:){{4}}(?::{c}){{1,3}}"),
            format!("(?:{c}:){{5}}(?::{c}){{1,2}}"),
            format!("(?:{c}:){{6}}(?::{c})"),
            format!(":(?::{c}){{1,6}}"),
            format!("{c}?::"),
            format!(r"(?:0:){{6}}(?:{c}\.){{3}}{c}"),
            format!(r"::(?:ffff:)?(?:{c}\.){{3}}{c}"),
            format!(r"(?:0:){{5}}ffff:(?:{c}\.){{3}}{c}"),
        ];
        Regex::new(&format!(r"(?i)\A(?:{})\z", alternatives.join("|"))).unwrap()
    });
    // A label: word characters, `-` and alphanumeric ranges, not starting
    // with `-`; "not ending in `_` or `-`" is checked by hand (no lookbehind).
    static HOSTNAME: LazyLock<Regex> = LazyLock::new(|| {
        let range = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";
        let label = format!(r"(?:\w|{range})(?:[\w-]|{range})*");
        Regex::new(&format!(r"(?i)\A{label}(?:\.{label})*\z")).unwrap()
    });

    let mut address = s;
    if let Some(c) = BRACKETED.captures(address) {
        address = c.get(1).map_or("", |m| m.as_str());
    }
    if let Some(c) = HOSTPORT.captures(address) {
        address = c.get(1).map_or("", |m| m.as_str());
    }
    if address.is_empty() {
        return false;
    }
    let bare = strip_final_newline(address);
    IPV4.is_match(bare)
        || IPV6.is_match(bare)
        || (HOSTNAME.is_match(bare) && bare.split('.').all(|l| !l.ends_with(['_', '-'])))
}

/// A `[n]` or `[a:b]` suffix: `(start, end)` as ansible stores it, where an
/// open end is -1 and a single index has no end.
type Subscript = (i128, Option<i128>);

/// Python `int()` of an optionally signed digit string, saturating (any
/// value this large is out of range for a host list anyway).
fn parse_index(s: &str) -> i128 {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let magnitude = digits.bytes().fold(0i128, |acc, b| {
        acc.saturating_mul(10)
            .saturating_add(i128::from(b - b'0'))
            .min(1 << 100)
    });
    if negative { -magnitude } else { magnitude }
}

/// Split `expr[subscript]`; regexes (`~...`) never carry one. The flag says
/// the deprecated `[x-y]` form was used.
fn split_subscript(pattern: &str) -> (&str, Option<Subscript>, bool) {
    static WITH_SUBSCRIPT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\A(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]\z").unwrap());
    if pattern.starts_with('~') {
        return (pattern, None, false);
    }
    let Some(c) = WITH_SUBSCRIPT.captures(pattern) else {
        return (pattern, None, false);
    };
    let expr = c.get(1).map_or("", |m| m.as_str());
    if let Some(idx) = c.get(2) {
        return (expr, Some((parse_index(idx.as_str()), None)), false);
    }
    let start = parse_index(c.get(3).map_or("0", |m| m.as_str()));
    let end = match c.get(5).map_or("", |m| m.as_str()) {
        "" => -1,
        digits => parse_index(digits),
    };
    let dash = c.get(4).is_some_and(|m| m.as_str() == "-");
    (expr, Some((start, Some(end))), dash)
}

/// Select by subscript; `None` when a single index is out of range. Ranges
/// include their end; a range whose end is 0 behaves as a single index.
fn apply_subscript(hosts: Vec<HostId>, subscript: Option<Subscript>) -> Option<Vec<HostId>> {
    let Some((start, end)) = subscript else {
        return Some(hosts);
    };
    if hosts.is_empty() {
        return Some(hosts);
    }
    let len = hosts.len() as i128;
    match end {
        Some(end) if end != 0 => {
            let end = if end == -1 { len - 1 } else { end };
            let from = start.clamp(0, len);
            let to = (end + 1).clamp(0, len);
            Some(if from < to {
                hosts[from as usize..to as usize].to_vec()
            } else {
                Vec::new()
            })
        }
        _ => {
            let index = if start < 0 { start + len } else { start };
            (0..len)
                .contains(&index)
                .then(|| vec![hosts[index as usize]])
        }
    }
}

/// One position of a shell glob, as Python's `fnmatch.translate` reads it.
#[derive(Debug, Clone, PartialEq)]
enum GlobToken {
    Star,
    Any,
    Never,
    Literal(char),
    Class {
        negated: bool,
        chars: Vec<char>,
        ranges: Vec<(char, char)>,
    },
}

impl GlobToken {
    fn matches(&self, c: char) -> bool {
        match self {
            GlobToken::Star | GlobToken::Any => true,
            GlobToken::Never => false,
            GlobToken::Literal(l) => *l == c,
            GlobToken::Class {
                negated,
                chars,
                ranges,
            } => {
                let inside =
                    chars.contains(&c) || ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c));
                inside != *negated
            }
        }
    }
}

/// Parse the `[...]` body `stuff` (between the brackets) the way
/// `fnmatch.translate` does, including its removal of reversed ranges.
fn glob_class(stuff: &[char]) -> GlobToken {
    let chunks: Vec<Vec<char>> = if !stuff.contains(&'-') {
        vec![stuff.to_vec()]
    } else {
        let mut chunks: Vec<Vec<char>> = Vec::new();
        let mut from = 0;
        let mut search = if stuff[0] == '!' { 2 } else { 1 };
        while let Some(dash) = (search..stuff.len()).find(|&k| stuff[k] == '-') {
            chunks.push(stuff[from..dash].to_vec());
            from = dash + 1;
            search = dash + 3;
        }
        let rest = stuff[from..].to_vec();
        if !rest.is_empty() {
            chunks.push(rest);
        } else if let Some(last) = chunks.last_mut() {
            last.push('-');
        }
        for k in (1..chunks.len()).rev() {
            let (Some(&prev_end), Some(&next_start)) = (chunks[k - 1].last(), chunks[k].first())
            else {
                continue;
            };
            if prev_end > next_start {
                let next = chunks.remove(k);
                chunks[k - 1].pop();
                chunks[k - 1].extend_from_slice(&next[1..]);
            }
        }
        chunks
    };
    if chunks.is_empty() || (chunks.len() == 1 && chunks[0].is_empty()) {
        return GlobToken::Never;
    }
    if chunks.len() == 1 && chunks[0] == ['!'] {
        return GlobToken::Any;
    }
    let negated = chunks[0].first() == Some(&'!');
    let mut chars = Vec::new();
    let mut ranges = Vec::new();
    let mut previous_end: Option<char> = None;
    for (i, chunk) in chunks.iter().enumerate() {
        let body = if i == 0 && negated {
            &chunk[1..]
        } else {
            &chunk[..]
        };
        if i > 0 {
            match (previous_end, body.first()) {
                (Some(lo), Some(&hi)) => ranges.push((lo, hi)),
                // A join after an empty chunk is a literal hyphen.
                _ => chars.push('-'),
            }
        }
        chars.extend_from_slice(body);
        previous_end = body.last().copied();
    }
    GlobToken::Class {
        negated,
        chars,
        ranges,
    }
}

fn compile_glob(pattern: &str) -> Vec<GlobToken> {
    let p: Vec<char> = pattern.chars().collect();
    let n = p.len();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < n {
        let c = p[i];
        i += 1;
        match c {
            '*' => {
                if tokens.last() != Some(&GlobToken::Star) {
                    tokens.push(GlobToken::Star);
                }
            }
            '?' => tokens.push(GlobToken::Any),
            '[' => {
                let mut j = i;
                if j < n && p[j] == '!' {
                    j += 1;
                }
                if j < n && p[j] == ']' {
                    j += 1;
                }
                while j < n && p[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    tokens.push(GlobToken::Literal('['));
                } else {
                    tokens.push(glob_class(&p[i..j]));
                    i = j + 1;
                }
            }
            other => tokens.push(GlobToken::Literal(other)),
        }
    }
    tokens
}

/// Whole-string glob match (every token but `*` consumes one character).
fn glob_match(tokens: &[GlobToken], name: &str) -> bool {
    let s: Vec<char> = name.chars().collect();
    let (mut t, mut i) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while i < s.len() {
        if t < tokens.len() {
            if tokens[t] == GlobToken::Star {
                backtrack = Some((t, i));
                t += 1;
                continue;
            }
            if tokens[t].matches(s[i]) {
                t += 1;
                i += 1;
                continue;
            }
        }
        match backtrack {
            Some((star, from)) => {
                t = star + 1;
                i = from + 1;
                backtrack = Some((star, from + 1));
            }
            None => return false,
        }
    }
    tokens[t..].iter().all(|tok| *tok == GlobToken::Star)
}

/// A compiled single pattern: a `~regex` (matched at the start only, like
/// Python's `re.match`) or a shell glob (matched against the whole name).
enum NameMatcher {
    Regex(Box<crate::pyre::Regex>),
    Glob(Vec<GlobToken>),
}

impl NameMatcher {
    fn compile(pattern: &str) -> Result<NameMatcher, PatternError> {
        match pattern.strip_prefix('~') {
            Some(re) => crate::pyre::compile(re, crate::pyre::Flags::default())
                .map(|re| NameMatcher::Regex(Box::new(re)))
                .map_err(|_| PatternError::new(format!("Invalid host list pattern: {pattern}"))),
            None => Ok(NameMatcher::Glob(compile_glob(pattern))),
        }
    }

    fn is_match(&self, name: &str) -> Result<bool, PatternError> {
        match self {
            NameMatcher::Regex(re) => re
                .match_start(name)
                .map(|found| found.is_some())
                .map_err(PatternError::new),
            NameMatcher::Glob(tokens) => Ok(glob_match(tokens, name)),
        }
    }
}

/// Python's `repr()` of a bytes object, as ansible's limit-file errors show
/// the path (`b'hosts.txt'`).
fn py_bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = format!("b{quote}");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote as u8 => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

/// Host selection state: the `--limit` subset, an optional restriction to
/// named hosts, and how unmatched patterns are reported.
#[derive(Debug, Clone)]
pub struct HostSelector {
    policy: MismatchPolicy,
    controller_python: String,
    subset: Option<Vec<String>>,
    restriction: Option<Vec<String>>,
}

impl HostSelector {
    /// `controller_python` becomes the implicit localhost's interpreter.
    pub fn new(policy: MismatchPolicy, controller_python: String) -> Self {
        HostSelector {
            policy,
            controller_python,
            subset: None,
            restriction: None,
        }
    }

    pub fn policy(&self) -> MismatchPolicy {
        self.policy
    }

    /// Set (or clear) `--limit`. The value is split like any host pattern;
    /// each `@path` piece is replaced by the file's lines (stripped, one
    /// pattern each, not split further). A limit with no patterns at all
    /// (`''`, `','`) limits nothing.
    pub fn set_limit(&mut self, limit: Option<&str>) -> Result<(), PatternError> {
        let Some(limit) = limit else {
            self.subset = None;
            return Ok(());
        };
        let mut patterns = Vec::new();
        for piece in split_host_pattern(limit) {
            let Some(path) = piece.strip_prefix('@') else {
                patterns.push(piece);
                continue;
            };
            let shown = py_bytes_repr(path.as_bytes());
            let file = Path::new(path);
            if path.is_empty() || !file.exists() {
                return Err(PatternError::new(format!(
                    "Unable to find limit file {shown}"
                )));
            }
            if !file.is_file() {
                return Err(PatternError::new(format!(
                    "Limit starting with \"@\" must be a file, not a directory: {shown}"
                )));
            }
            let bytes = std::fs::read(file).map_err(|e| {
                let errno = e.raw_os_error().unwrap_or(0);
                let reason = match e.kind() {
                    std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
                    _ => e.to_string(),
                };
                PatternError::unexpected(&format!("[Errno {errno}] {reason}: {shown}"))
            })?;
            // Text mode: universal newlines, then one pattern per line.
            let text = String::from_utf8_lossy(&bytes)
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            patterns.extend(text.split('\n').map(|line| py_strip(line).to_string()));
        }
        self.subset = Some(patterns);
        Ok(())
    }

    /// The active limit patterns, if any.
    pub fn limit(&self) -> Option<&[String]> {
        self.subset.as_deref().filter(|s| !s.is_empty())
    }

    /// Only hosts with these names are returned (serial batches, failed
    /// hosts) until [`HostSelector::remove_restriction`]. An empty list
    /// restricts nothing, as in ansible.
    pub fn restrict_to_hosts(&mut self, names: Vec<String>) {
        self.restriction = Some(names);
    }

    pub fn remove_restriction(&mut self) {
        self.restriction = None;
    }

    /// ansible's `get_hosts(pattern, ignore_limits=not apply_limit, order=order)`,
    /// with any restriction applied.
    pub fn get_hosts(
        &self,
        inv: &mut InventoryData,
        pattern: &str,
        order: HostOrder,
        apply_limit: bool,
    ) -> Result<Vec<HostId>, PatternError> {
        self.get_hosts_from(inv, &[pattern], order, apply_limit, true)
    }

    /// `get_hosts` for a list of patterns (a play's `hosts:` list), with
    /// both the limit and the restriction optional. An empty list selects
    /// nothing (an empty *string* selects `all`).
    pub fn get_hosts_from<S: AsRef<str>>(
        &self,
        inv: &mut InventoryData,
        patterns: &[S],
        order: HostOrder,
        apply_limit: bool,
        apply_restriction: bool,
    ) -> Result<Vec<HostId>, PatternError> {
        if patterns.is_empty() {
            return Ok(Vec::new());
        }
        let mut hosts = self.evaluate(inv, &split_host_patterns(patterns))?;
        if apply_limit && let Some(subset) = self.limit() {
            let allowed: HashSet<HostId> = self.evaluate(inv, subset)?.into_iter().collect();
            hosts.retain(|h| allowed.contains(h));
        }
        if apply_restriction
            && let Some(names) = self.restriction.as_ref().filter(|r| !r.is_empty())
        {
            let names: HashSet<&str> = names.iter().map(String::as_str).collect();
            hosts.retain(|h| names.contains(inv.host(*h).name.as_str()));
        }
        let mut seen = HashSet::new();
        hosts.retain(|h| seen.insert(*h));
        match order {
            HostOrder::Inventory => {}
            HostOrder::ReverseInventory => hosts.reverse(),
            HostOrder::Sorted => hosts.sort_by(|a, b| inv.host(*a).name.cmp(&inv.host(*b).name)),
            HostOrder::ReverseSorted => {
                hosts.sort_by(|a, b| inv.host(*b).name.cmp(&inv.host(*a).name))
            }
            HostOrder::Shuffle => shuffle(&mut hosts),
        }
        Ok(hosts)
    }

    /// ansible's `list_hosts(pattern)`: host names, where a localhost name
    /// that selected nothing (e.g. limited away) still lists itself.
    pub fn list_hosts(
        &self,
        inv: &mut InventoryData,
        pattern: &str,
    ) -> Result<Vec<String>, PatternError> {
        let hosts = self.get_hosts(inv, pattern, HostOrder::Inventory, true)?;
        if hosts.is_empty() && LOCALHOST_NAMES.contains(&pattern) {
            return Ok(vec![pattern.to_string()]);
        }
        Ok(hosts
            .into_iter()
            .map(|h| inv.host(h).name.clone())
            .collect())
    }

    /// The CLI's `get_host_list(inventory, subset, pattern)`: warns
    /// [`EMPTY_INVENTORY_WARNING`] (when `localhost_warning`) if the inventory
    /// has no hosts, applies `limit`, selects `pattern`, and fails with
    /// [`NO_HOSTS_TO_TARGET`] when that is empty although hosts existed.
    /// Warnings go to `inv.warn` in ansible's order.
    pub fn get_host_list(
        &mut self,
        inv: &mut InventoryData,
        limit: Option<&str>,
        pattern: &str,
        localhost_warning: bool,
    ) -> Result<Vec<String>, PatternError> {
        let no_hosts = self.list_hosts(inv, "all")?.is_empty();
        if no_hosts && localhost_warning && !LOCALHOST_NAMES.contains(&pattern) {
            inv.warn(EMPTY_INVENTORY_WARNING);
        }
        self.set_limit(limit)?;
        let hosts = self.list_hosts(inv, pattern)?;
        if hosts.is_empty() && !no_hosts {
            return Err(PatternError::new(NO_HOSTS_TO_TARGET));
        }
        Ok(hosts)
    }

    /// Apply patterns in ansible's order; duplicates are kept (callers
    /// deduplicate), exactly as ansible's intermediate list.
    fn evaluate(
        &self,
        inv: &mut InventoryData,
        patterns: &[String],
    ) -> Result<Vec<HostId>, PatternError> {
        let mut hosts: Vec<HostId> = Vec::new();
        for pattern in order_patterns(patterns) {
            if let Some(h) = inv.host_id(&pattern) {
                hosts.push(h);
                continue;
            }
            let matched = self.match_one(inv, &pattern)?;
            if pattern.starts_with('!') {
                let drop: HashSet<HostId> = matched.into_iter().collect();
                hosts.retain(|h| !drop.contains(h));
            } else if pattern.starts_with('&') {
                let keep: HashSet<HostId> = matched.into_iter().collect();
                hosts.retain(|h| keep.contains(h));
            } else {
                let existing: HashSet<HostId> = hosts.iter().copied().collect();
                hosts.extend(matched.into_iter().filter(|h| !existing.contains(h)));
            }
        }
        Ok(hosts)
    }

    /// One pattern, its `&`/`!` prefix ignored, subscript applied.
    fn match_one(
        &self,
        inv: &mut InventoryData,
        pattern: &str,
    ) -> Result<Vec<HostId>, PatternError> {
        let pattern = pattern.strip_prefix(['&', '!']).unwrap_or(pattern);
        if pattern.is_empty() {
            // ansible indexes the empty string and crashes.
            return Err(PatternError::unexpected("string index out of range"));
        }
        let (expr, subscript, dash) = split_subscript(pattern);
        if dash {
            inv.warn(DASH_SUBSCRIPT_WARNING);
        }
        let hosts = self.enumerate(inv, expr)?;
        apply_subscript(hosts, subscript).ok_or_else(|| {
            PatternError::new(format!(
                "No hosts matched the subscripted pattern '{pattern}'"
            ))
        })
    }

    /// Hosts of every group whose name matches, then (when no group matched,
    /// or the pattern is a regex or has `.?*[`) every host whose name does.
    /// The list is not deduplicated: subscripts index into it as it is.
    fn enumerate(
        &self,
        inv: &mut InventoryData,
        pattern: &str,
    ) -> Result<Vec<HostId>, PatternError> {
        let matcher = NameMatcher::compile(pattern)?;
        let mut results = Vec::new();
        let mut groups = Vec::new();
        for g in inv.group_ids() {
            if matcher.is_match(&inv.group(g).name)? {
                groups.push(g);
            }
        }
        for gid in &groups {
            results.extend(inv.group_hosts(*gid));
        }
        let look_at_hosts =
            groups.is_empty() || pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']);
        if look_at_hosts {
            for h in inv.host_ids() {
                if matcher.is_match(&inv.host(h).name)? {
                    results.push(h);
                }
            }
        }
        if results.is_empty()
            && LOCALHOST_NAMES.contains(&pattern)
            && let Some(h) = inv.get_or_implicit_host(pattern, &self.controller_python)
        {
            results.push(h);
        }
        if results.is_empty() && groups.is_empty() && pattern != "all" {
            let msg = format!("Could not match supplied host pattern, ignoring: {pattern}");
            match self.policy {
                MismatchPolicy::Warning => inv.warn(&msg),
                MismatchPolicy::Error => return Err(PatternError::new(msg)),
                MismatchPolicy::Ignore => {}
            }
        }
        Ok(results)
    }
}

/// Fisher–Yates with a per-call random seed from the standard library.
fn shuffle(hosts: &mut [HostId]) {
    use std::hash::{BuildHasher, Hasher};
    let mut state = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        | 1;
    for i in (1..hosts.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = (state % (i as u64 + 1)) as usize;
        hosts.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    //! Expected values were observed with ansible-core 2.19 on the same
    //! inventories written as INI (`ansible -i x.ini PATTERN --list-hosts`,
    //! or `InventoryManager.get_hosts` directly where the ad-hoc CLI hides
    //! errors).
    use super::*;
    use crate::inventory::data::Notice;

    /// ```ini
    /// lonely
    /// [web]
    /// web1
    /// web2
    /// web3
    /// [db]
    /// db1
    /// web2
    /// [prod:children]
    /// web
    /// [prod]
    /// p1
    /// [stage]
    /// s1
    /// db1
    /// ```
    fn inv_a() -> InventoryData {
        let mut inv = InventoryData::new();
        inv.add_host("lonely", Some("ungrouped"), None).unwrap();
        inv.add_group("web").unwrap();
        for h in ["web1", "web2", "web3"] {
            inv.add_host(h, Some("web"), None).unwrap();
        }
        inv.add_group("db").unwrap();
        inv.add_host("db1", Some("db"), None).unwrap();
        inv.add_host("web2", Some("db"), None).unwrap();
        inv.add_group("prod").unwrap();
        inv.add_child("prod", "web").unwrap();
        inv.add_host("p1", Some("prod"), None).unwrap();
        inv.add_group("stage").unwrap();
        inv.add_host("s1", Some("stage"), None).unwrap();
        inv.add_host("db1", Some("stage"), None).unwrap();
        inv.reconcile();
        inv.warnings.clear();
        inv
    }

    /// ```ini
    /// localhost
    /// 10.0.0.1
    /// 10.0.0.2
    /// [web]
    /// web
    /// w1
    /// [dup]
    /// web
    /// [empty]
    /// [leaf]
    /// l1
    /// [mid:children]
    /// leaf
    /// [mid]
    /// m1
    /// [top:children]
    /// mid
    /// web
    /// [top]
    /// t1
    /// [ünï]
    /// ü1
    /// ```
    fn inv_b() -> InventoryData {
        let mut inv = InventoryData::new();
        for h in ["localhost", "10.0.0.1", "10.0.0.2"] {
            inv.add_host(h, Some("ungrouped"), None).unwrap();
        }
        inv.add_group("web").unwrap();
        inv.add_host("web", Some("web"), None).unwrap();
        inv.add_host("w1", Some("web"), None).unwrap();
        inv.add_group("dup").unwrap();
        inv.add_host("web", Some("dup"), None).unwrap();
        inv.add_group("empty").unwrap();
        inv.add_group("leaf").unwrap();
        inv.add_host("l1", Some("leaf"), None).unwrap();
        inv.add_group("mid").unwrap();
        inv.add_child("mid", "leaf").unwrap();
        inv.add_host("m1", Some("mid"), None).unwrap();
        inv.add_group("top").unwrap();
        inv.add_child("top", "mid").unwrap();
        inv.add_child("top", "web").unwrap();
        inv.add_host("t1", Some("top"), None).unwrap();
        inv.add_group("ünï").unwrap();
        inv.add_host("ü1", Some("ünï"), None).unwrap();
        inv.reconcile();
        inv.warnings.clear();
        inv
    }

    fn selector(policy: MismatchPolicy) -> HostSelector {
        HostSelector::new(policy, "/usr/bin/python3".to_string())
    }

    fn names(inv: &InventoryData, ids: &[HostId]) -> Vec<String> {
        ids.iter().map(|h| inv.host(*h).name.clone()).collect()
    }

    fn warnings(inv: &InventoryData) -> Vec<String> {
        inv.warnings
            .iter()
            .filter_map(|n| match n {
                Notice::Warning(w) => Some(w.clone()),
                Notice::Deprecation(_) | Notice::Verbose(..) => None,
            })
            .collect()
    }

    /// Hosts for `pattern` on a fresh copy of `inv` (warning policy), or
    /// the error message.
    fn select(inv: &InventoryData, pattern: &str) -> Result<Vec<String>, String> {
        select_with(inv, pattern, None, MismatchPolicy::Warning).0
    }

    fn select_with(
        inv: &InventoryData,
        pattern: &str,
        limit: Option<&str>,
        policy: MismatchPolicy,
    ) -> (Result<Vec<String>, String>, Vec<String>) {
        let mut inv = inv.clone();
        let mut sel = selector(policy);
        let result = sel
            .set_limit(limit)
            .and_then(|_| sel.get_hosts(&mut inv, pattern, HostOrder::Inventory, true))
            .map(|ids| names(&inv, &ids))
            .map_err(|e| e.message);
        (result, warnings(&inv))
    }

    fn ok(list: &[&str]) -> Result<Vec<String>, String> {
        Ok(list.iter().map(|s| s.to_string()).collect())
    }

    fn err(msg: &str) -> Result<Vec<String>, String> {
        Err(msg.to_string())
    }

    const ALL_A: [&str; 7] = ["lonely", "db1", "web2", "p1", "s1", "web1", "web3"];

    #[test]
    fn all_and_star_follow_group_tree_order() {
        let inv = inv_a();
        assert_eq!(select(&inv, "all"), ok(&ALL_A));
        assert_eq!(select(&inv, "*"), ok(&ALL_A));
        assert_eq!(select(&inv, "**"), ok(&ALL_A));
        assert_eq!(select(&inv, "al*"), ok(&ALL_A));
        assert_eq!(select(&inv, "~"), ok(&ALL_A));
    }

    #[test]
    fn empty_and_separator_only_patterns_mean_all() {
        let inv = inv_a();
        for p in ["", ",,,", ":::", " "] {
            assert_eq!(select(&inv, p), ok(&ALL_A), "{p:?}");
        }
    }

    #[test]
    fn groups_hosts_and_children() {
        let inv = inv_a();
        assert_eq!(select(&inv, "web"), ok(&["web1", "web2", "web3"]));
        assert_eq!(select(&inv, "prod"), ok(&["p1", "web1", "web2", "web3"]));
        assert_eq!(select(&inv, "ungrouped"), ok(&["lonely"]));
        assert_eq!(select(&inv, "ungr*"), ok(&["lonely"]));
        assert_eq!(select(&inv, "db1"), ok(&["db1"]));
    }

    #[test]
    fn subscripts() {
        let inv = inv_a();
        assert_eq!(select(&inv, "web[0]"), ok(&["web1"]));
        assert_eq!(select(&inv, "web[-1]"), ok(&["web3"]));
        assert_eq!(select(&inv, "web[-3]"), ok(&["web1"]));
        assert_eq!(select(&inv, "web[1:]"), ok(&["web2", "web3"]));
        // End inclusive.
        assert_eq!(select(&inv, "web[0:1]"), ok(&["web1", "web2"]));
        assert_eq!(select(&inv, "web[1:3]"), ok(&["web2", "web3"]));
        // An end of 0 selects the start alone; a reversed range is empty.
        assert_eq!(select(&inv, "web[1:0]"), ok(&["web2"]));
        assert_eq!(select(&inv, "web[0:0]"), ok(&["web1"]));
        assert_eq!(select(&inv, "web[2:1]"), ok(&[]));
        assert_eq!(select(&inv, "web[3:]"), ok(&[]));
        assert_eq!(select(&inv, "web[5:]"), ok(&[]));
        assert_eq!(
            select(&inv, "web[1:99999999999999999999]"),
            ok(&["web2", "web3"])
        );
        assert_eq!(select(&inv, "prod[-2]"), ok(&["web2"]));
        assert_eq!(select(&inv, "all[0]"), ok(&["lonely"]));
        assert_eq!(select(&inv, "w*[0]"), ok(&["web1"]));
        assert_eq!(select(&inv, "web[0],web[-1]"), ok(&["web1", "web3"]));
        assert_eq!(select(&inv, "web[1:2]:db[0]"), ok(&["web2", "web3", "db1"]));
        assert_eq!(
            select(&inv, "!web[0]"),
            ok(&["lonely", "db1", "web2", "p1", "s1", "web3"])
        );
        assert_eq!(select(&inv, "&web[1:]"), ok(&["web2", "web3"]));
    }

    #[test]
    fn out_of_range_index_is_an_error() {
        let inv = inv_a();
        for p in [
            "web[5]",
            "web[-4]",
            "web[12]",
            "web[5:0]",
            "all[99999999999999999999]",
        ] {
            assert_eq!(
                select(&inv, p),
                err(&format!("No hosts matched the subscripted pattern '{p}'"))
            );
        }
        // Via `!`/`&` the message names the pattern without its prefix.
        assert_eq!(
            select(&inv, "!web[9]"),
            err("No hosts matched the subscripted pattern 'web[9]'")
        );
        // A subscript on nothing is not an error.
        let (r, w) = select_with(&inv, "nope[0]", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&[]));
        assert_eq!(w, ["Could not match supplied host pattern, ignoring: nope"]);
    }

    #[test]
    fn subscripts_index_the_undeduplicated_match_list() {
        let inv = inv_a();
        // `*` matches every group (all, ungrouped, web, db, …) and then every
        // host; the subscript indexes that concatenation.
        assert_eq!(select(&inv, "*[5]"), ok(&["web1"]));
        assert_eq!(select(&inv, "*[9]"), ok(&["web2"]));
        assert_eq!(select(&inv, "*[12]"), ok(&["web2"]));
        assert_eq!(select(&inv, "*[13]"), ok(&["p1"]));
        assert_eq!(select(&inv, "*[-1]"), ok(&["s1"]));
    }

    #[test]
    fn unrecognised_subscripts_are_glob_classes() {
        let inv = inv_a();
        // `[:2]` is not a subscript: the class matches ':' or '2'.
        assert_eq!(select(&inv, "web[:2]"), ok(&["web2"]));
        assert_eq!(select(&inv, "web[!1]"), ok(&["web2", "web3"]));
        let (r, w) = select_with(&inv, "web[x]", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&[]));
        assert_eq!(
            w,
            ["Could not match supplied host pattern, ignoring: web[x]"]
        );
    }

    #[test]
    fn dash_subscript_still_works_with_a_warning() {
        let inv = inv_a();
        let (r, w) = select_with(&inv, "web[1-2]", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&["web2", "web3"]));
        assert_eq!(w, [DASH_SUBSCRIPT_WARNING]);
        let (r, _) = select_with(&inv, "web[0-1]", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&["web1", "web2"]));
    }

    #[test]
    fn globs_over_hosts_and_groups() {
        let inv = inv_a();
        assert_eq!(select(&inv, "w*"), ok(&["web1", "web2", "web3"]));
        assert_eq!(select(&inv, "w?b*"), ok(&["web1", "web2", "web3"]));
        assert_eq!(select(&inv, "db?"), ok(&["db1"]));
        assert_eq!(select(&inv, "*1"), ok(&["web1", "db1", "p1", "s1"]));
        assert_eq!(select(&inv, "????"), ok(&["p1", "web1", "web2", "web3"]));
        assert_eq!(select(&inv, "[w]eb1"), ok(&["web1"]));
        assert_eq!(select(&inv, "w[d-f]b1"), ok(&["web1"]));
        assert_eq!(select(&inv, "w[!a-d]b1"), ok(&["web1"]));
        assert_eq!(select(&inv, "[-w]eb1"), ok(&["web1"]));
        // fnmatch drops reversed ranges: `[z-a]` never matches, `[!z-a]` is any.
        assert_eq!(select(&inv, "[!z-a]eb1"), ok(&["web1"]));
        assert_eq!(select(&inv, "[z-a]eb1"), ok(&[]));
        assert_eq!(select(&inv, "[!w]eb1"), ok(&[]));
    }

    #[test]
    fn regex_patterns_match_at_start_only() {
        let inv = inv_a();
        assert_eq!(select(&inv, "~web"), ok(&["web1", "web2", "web3"]));
        assert_eq!(select(&inv, "~w.*2"), ok(&["web2"]));
        assert_eq!(select(&inv, "~.*3"), ok(&["web3"]));
        assert_eq!(select(&inv, "~3"), ok(&[]));
        assert_eq!(select(&inv, "~^web[13]$"), ok(&["web1", "web3"]));
        assert_eq!(select(&inv, "~web1|db1"), ok(&["web1", "db1"]));
        assert_eq!(select(&inv, "~\\w+1$"), ok(&["web1", "db1", "p1", "s1"]));
        assert_eq!(select(&inv, "~(?P<x>web)2"), ok(&["web2"]));
        assert_eq!(select(&inv, "~\\x77eb1"), ok(&["web1"]));
        assert_eq!(select(&inv, "~\\167eb1"), ok(&["web1"]));
        assert_eq!(select(&inv, "~(?#c)web1"), ok(&["web1"]));
        // Python's `\Z`; the regex matches the group name `web` too.
        assert_eq!(select(&inv, "~web\\Z"), ok(&["web1", "web2", "web3"]));
        // Case sensitive unless asked.
        assert_eq!(select(&inv, "~WEB1"), ok(&[]));
        assert_eq!(select(&inv, "~(?i)WEB1"), ok(&["web1"]));
        // Python reads a brace that starts no repeat as a literal.
        assert_eq!(select(&inv, "~a{"), ok(&[]));
        assert_eq!(select(&inv, "!~"), ok(&[]));
    }

    #[test]
    fn invalid_regexes() {
        let inv = inv_a();
        for p in ["~(", "~a**", "~a{2}{3}", "~{2}", "~^*", "~web\\1", "~\\e"] {
            assert_eq!(
                select(&inv, p),
                err(&format!("Invalid host list pattern: {p}")),
                "{p}"
            );
        }
        // The colon splits the pattern first.
        assert_eq!(
            select(&inv, "~(?i:WEB)2"),
            err("Invalid host list pattern: ~(?i")
        );
    }

    #[test]
    fn union_intersection_exclusion_and_their_order() {
        let inv = inv_a();
        assert_eq!(select(&inv, "web,db"), ok(&["web1", "web2", "web3", "db1"]));
        assert_eq!(select(&inv, "web:db"), ok(&["web1", "web2", "web3", "db1"]));
        assert_eq!(select(&inv, "db:web"), ok(&["db1", "web2", "web1", "web3"]));
        assert_eq!(select(&inv, "web:!db"), ok(&["web1", "web3"]));
        assert_eq!(select(&inv, "web:&db"), ok(&["web2"]));
        assert_eq!(select(&inv, "web:&prod"), ok(&["web1", "web2", "web3"]));
        // Exclusions and intersections run after all plain patterns.
        assert_eq!(select(&inv, "!db:web"), ok(&["web1", "web3"]));
        assert_eq!(select(&inv, "&db,web"), ok(&["web2"]));
        assert_eq!(select(&inv, "!web,web1"), ok(&[]));
        assert_eq!(select(&inv, "web1,!web1"), ok(&[]));
        // Only `!`/`&` patterns imply `all` first.
        assert_eq!(select(&inv, "!web"), ok(&["lonely", "db1", "p1", "s1"]));
        assert_eq!(select(&inv, "&web"), ok(&["web2", "web1", "web3"]));
        assert_eq!(select(&inv, "web,,,"), ok(&["web1", "web2", "web3"]));
        assert_eq!(
            select(&inv, " web , db "),
            ok(&["web1", "web2", "web3", "db1"])
        );
        assert_eq!(select(&inv, "web db"), ok(&["web1", "web2", "web3", "db1"]));
    }

    #[test]
    fn prefix_alone_is_ansibles_crash() {
        let inv = inv_a();
        for p in ["!", "&", "web:&"] {
            let e = select(&inv, p).unwrap_err();
            assert_eq!(
                e,
                "Unexpected Exception, this is probably a bug: string index out of range"
            );
        }
        let mut inv = inv_a();
        let e = selector(MismatchPolicy::Warning)
            .get_hosts(&mut inv, "!", HostOrder::Inventory, true)
            .unwrap_err();
        assert!(e.is_unexpected());
    }

    #[test]
    fn implicit_localhost() {
        let inv = inv_a();
        assert_eq!(select(&inv, "localhost"), ok(&["localhost"]));
        assert_eq!(select(&inv, "127.0.0.1"), ok(&["127.0.0.1"]));
        assert_eq!(select(&inv, "::1"), ok(&["::1"]));
        assert_eq!(select(&inv, "localhost,web1"), ok(&["localhost", "web1"]));
        // `all` never includes the implicit localhost.
        assert_eq!(select(&inv, "localhost:&all"), ok(&[]));
        let mut inv = inv_a();
        let sel = selector(MismatchPolicy::Warning);
        let ids = sel
            .get_hosts(&mut inv, "localhost", HostOrder::Inventory, true)
            .unwrap();
        let host = inv.host(ids[0]);
        assert!(host.implicit);
        assert_eq!(
            host.vars.get("ansible_connection").and_then(|v| v.as_str()),
            Some("local")
        );
        assert!(warnings(&inv).is_empty());
    }

    #[test]
    fn explicit_localhost_answers_every_alias() {
        let inv = inv_b();
        assert_eq!(select(&inv, "127.0.0.1"), ok(&["localhost"]));
        assert_eq!(select(&inv, "::1"), ok(&["localhost"]));
        assert_eq!(select(&inv, "localhost:&all"), ok(&["localhost"]));
        assert_eq!(select(&inv, "localhost[0]"), ok(&["localhost"]));
    }

    #[test]
    fn host_named_like_a_group_wins_only_as_a_plain_pattern() {
        let inv = inv_b();
        // A plain pattern naming a host short-circuits group matching...
        assert_eq!(select(&inv, "web"), ok(&["web"]));
        assert_eq!(select(&inv, "dup"), ok(&["web"]));
        // ...but with `!`/`&` (or a glob) the group is what matches.
        assert_eq!(select(&inv, "&web"), ok(&["web", "w1"]));
        assert_eq!(
            select(&inv, "!web"),
            ok(&["localhost", "10.0.0.1", "10.0.0.2", "t1", "ü1", "m1", "l1"])
        );
        assert_eq!(select(&inv, "web*"), ok(&["web", "w1"]));
        assert_eq!(select(&inv, "web:!web"), ok(&[]));
    }

    #[test]
    fn nested_groups_empty_groups_and_unicode() {
        let inv = inv_b();
        assert_eq!(select(&inv, "top"), ok(&["t1", "m1", "web", "w1", "l1"]));
        assert_eq!(select(&inv, "top[1:3]"), ok(&["m1", "web", "w1"]));
        assert_eq!(select(&inv, "top[-1]"), ok(&["l1"]));
        assert_eq!(select(&inv, "top:!mid"), ok(&["t1", "web", "w1"]));
        assert_eq!(select(&inv, "top:&web:!w1"), ok(&["web"]));
        assert_eq!(select(&inv, "leaf:&mid"), ok(&["l1"]));
        // An existing empty group is a match: no warning, no subscript error.
        let (r, w) = select_with(&inv, "empty", None, MismatchPolicy::Error);
        assert_eq!((r, w.len()), (ok(&[]), 0));
        assert_eq!(select(&inv, "empty[0]"), ok(&[]));
        assert_eq!(select(&inv, "empty:web"), ok(&["web"]));
        assert_eq!(select(&inv, "ü*"), ok(&["ü1"]));
        assert_eq!(select(&inv, "ünï"), ok(&["ü1"]));
        assert_eq!(select(&inv, "10.0.0.*"), ok(&["10.0.0.1", "10.0.0.2"]));
        assert_eq!(select(&inv, "~10\\.0"), ok(&["10.0.0.1", "10.0.0.2"]));
    }

    #[test]
    fn address_like_patterns_are_not_split_on_colons() {
        let inv = inv_a();
        let (r, w) = select_with(&inv, "web1:80", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&[]));
        assert_eq!(
            w,
            ["Could not match supplied host pattern, ignoring: web1:80"]
        );
        let (r, w) = select_with(&inv, "db1:db2", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&["db1"]));
        assert_eq!(w, ["Could not match supplied host pattern, ignoring: db2"]);
        let (_, w) = select_with(&inv, "g[1:", None, MismatchPolicy::Warning);
        assert_eq!(
            w,
            [
                "Could not match supplied host pattern, ignoring: g",
                "Could not match supplied host pattern, ignoring: 1"
            ]
        );
    }

    #[test]
    fn mismatch_policies() {
        let inv = inv_a();
        let (r, w) = select_with(&inv, "web:&nope", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&[]));
        assert_eq!(w, ["Could not match supplied host pattern, ignoring: nope"]);
        let (r, w) = select_with(&inv, "!nope", None, MismatchPolicy::Warning);
        assert_eq!(r, ok(&ALL_A));
        assert_eq!(w, ["Could not match supplied host pattern, ignoring: nope"]);
        let (r, w) = select_with(&inv, "web:nope", None, MismatchPolicy::Error);
        assert_eq!(
            r,
            err("Could not match supplied host pattern, ignoring: nope")
        );
        assert!(w.is_empty());
        let (r, w) = select_with(&inv, "web:nope", None, MismatchPolicy::Ignore);
        assert_eq!(r, ok(&["web1", "web2", "web3"]));
        assert!(w.is_empty());
        // The regex's text is reported with its `~`.
        let (_, w) = select_with(&inv, "~WEB1", None, MismatchPolicy::Warning);
        assert_eq!(
            w,
            ["Could not match supplied host pattern, ignoring: ~WEB1"]
        );
        // `all` on an empty inventory is not a mismatch.
        let (r, w) = select_with(&InventoryData::new(), "all", None, MismatchPolicy::Error);
        assert_eq!((r, w.len()), (ok(&[]), 0));
        assert_eq!(MismatchPolicy::parse("error"), Some(MismatchPolicy::Error));
        assert_eq!(MismatchPolicy::parse("loud"), None);
    }

    fn temp_file(name: &str, contents: &str) -> String {
        let path =
            std::env::temp_dir().join(format!("mitorun-patterns-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn limit_patterns() {
        let inv = inv_a();
        let run = |pattern: &str, limit: &str| {
            select_with(&inv, pattern, Some(limit), MismatchPolicy::Warning)
        };
        assert_eq!(run("web", "db").0, ok(&["web2"]));
        assert_eq!(run("all", "!web").0, ok(&["lonely", "db1", "p1", "s1"]));
        assert_eq!(run("all", "web[0]").0, ok(&["web1"]));
        assert_eq!(run("all", "&web:&db").0, ok(&["web2"]));
        assert_eq!(run("web", "web1:p1").0, ok(&["web1"]));
        // An empty limit limits nothing.
        assert_eq!(run("all", "").0, ok(&ALL_A));
        assert_eq!(run("all", ",").0, ok(&ALL_A));
        // Limit mismatches warn (after the pattern's own) and empty the result.
        let (r, w) = run("nope", "nope2");
        assert_eq!(r, ok(&[]));
        assert_eq!(
            w,
            [
                "Could not match supplied host pattern, ignoring: nope",
                "Could not match supplied host pattern, ignoring: nope2"
            ]
        );
        assert_eq!(
            run("all", "!").0,
            err("Unexpected Exception, this is probably a bug: string index out of range")
        );
        assert_eq!(
            run("web[9]", "web").0,
            err("No hosts matched the subscripted pattern 'web[9]'")
        );
        // The implicit localhost is outside `all`, so it survives only a
        // limit that names it.
        assert_eq!(run("localhost", "all").0, ok(&[]));
        assert_eq!(run("localhost", "localhost").0, ok(&["localhost"]));
        assert_eq!(run("127.0.0.1", "localhost").0, ok(&["127.0.0.1"]));
        // Without the limit, the same selector still sees everything.
        let mut inv = inv_a();
        let mut sel = selector(MismatchPolicy::Warning);
        sel.set_limit(Some("db")).unwrap();
        assert_eq!(sel.limit(), Some(&["db".to_string()][..]));
        let ids = sel
            .get_hosts(&mut inv, "all", HostOrder::Inventory, false)
            .unwrap();
        assert_eq!(names(&inv, &ids), ALL_A);
        sel.set_limit(None).unwrap();
        assert_eq!(sel.limit(), None);
    }

    #[test]
    fn limit_files() {
        let inv = inv_a();
        // Lines are stripped and not split further; empty lines are ignored.
        let lim1 = temp_file("lim1", "web1\n\n!web2\n  db1  \nweb,db\n");
        let (r, w) = select_with(
            &inv,
            "all",
            Some(&format!("@{lim1}")),
            MismatchPolicy::Warning,
        );
        assert_eq!(r, ok(&["db1", "web1"]));
        assert_eq!(
            w,
            ["Could not match supplied host pattern, ignoring: web,db"]
        );
        let (r, _) = select_with(
            &inv,
            "all",
            Some(&format!("@{lim1},p1")),
            MismatchPolicy::Warning,
        );
        assert_eq!(r, ok(&["db1", "p1", "web1"]));
        // An empty file is a limit of `all` (the implicit localhost is out).
        let empty = temp_file("empty", "");
        assert_eq!(
            select_with(
                &inv,
                "all",
                Some(&format!("@{empty}")),
                MismatchPolicy::Warning
            )
            .0,
            ok(&ALL_A)
        );
        assert_eq!(
            select_with(
                &inv,
                "localhost",
                Some(&format!("@{empty}")),
                MismatchPolicy::Warning
            )
            .0,
            ok(&[])
        );
        // Universal newlines.
        let crlf = temp_file("crlf", "web1\r\nweb3\rp1\n");
        assert_eq!(
            select_with(
                &inv,
                "all",
                Some(&format!("@{crlf}")),
                MismatchPolicy::Warning
            )
            .0,
            ok(&["p1", "web1", "web3"])
        );
        let regexes = temp_file("regexes", "# comment\n~db\n&prod\n");
        let (r, w) = select_with(
            &inv,
            "all",
            Some(&format!("@{regexes}")),
            MismatchPolicy::Warning,
        );
        assert_eq!(r, ok(&["web2"]));
        assert_eq!(
            w,
            ["Could not match supplied host pattern, ignoring: # comment"]
        );
        for f in [lim1, empty, crlf, regexes] {
            let _ = std::fs::remove_file(f);
        }
    }

    #[test]
    fn limit_file_errors() {
        let mut sel = selector(MismatchPolicy::Warning);
        let e =
            |sel: &mut HostSelector, limit: &str| sel.set_limit(Some(limit)).unwrap_err().message;
        assert_eq!(
            e(&mut sel, "@nofile.txt"),
            "Unable to find limit file b'nofile.txt'"
        );
        assert_eq!(e(&mut sel, "@"), "Unable to find limit file b''");
        assert_eq!(
            e(&mut sel, "@nofile's.txt"),
            "Unable to find limit file b\"nofile's.txt\""
        );
        assert_eq!(
            e(&mut sel, "@no\"file's.txt"),
            "Unable to find limit file b'no\"file\\'s.txt'"
        );
        assert_eq!(
            e(&mut sel, "@ünï"),
            "Unable to find limit file b'\\xc3\\xbcn\\xc3\\xaf'"
        );
        // Whitespace splits the limit before `@` is looked at.
        assert_eq!(
            e(&mut sel, "@tab\there"),
            "Unable to find limit file b'tab'"
        );
        let dir = std::env::temp_dir();
        let dir = dir.to_string_lossy();
        assert_eq!(
            e(&mut sel, &format!("@{dir}")),
            format!("Limit starting with \"@\" must be a file, not a directory: b'{dir}'")
        );
    }

    #[test]
    fn host_order() {
        let mut inv = inv_a();
        let sel = selector(MismatchPolicy::Warning);
        let mut run = |pattern: &str, order: HostOrder| {
            let ids = sel.get_hosts(&mut inv, pattern, order, true).unwrap();
            names(&inv, &ids)
        };
        assert_eq!(
            run("all", HostOrder::Sorted),
            ["db1", "lonely", "p1", "s1", "web1", "web2", "web3"]
        );
        assert_eq!(
            run("all", HostOrder::ReverseSorted),
            ["web3", "web2", "web1", "s1", "p1", "lonely", "db1"]
        );
        // Reverses the selection, not the inventory.
        assert_eq!(
            run("all", HostOrder::ReverseInventory),
            ["web3", "web1", "s1", "p1", "web2", "db1", "lonely"]
        );
        assert_eq!(
            run("!web", HostOrder::ReverseSorted),
            ["s1", "p1", "lonely", "db1"]
        );
        let mut shuffled = run("all", HostOrder::Shuffle);
        shuffled.sort();
        assert_eq!(
            shuffled,
            ["db1", "lonely", "p1", "s1", "web1", "web2", "web3"]
        );
        assert_eq!(
            HostOrder::parse("reverse_inventory"),
            Ok(HostOrder::ReverseInventory)
        );
        assert_eq!(
            HostOrder::parse("bogus").unwrap_err().message,
            "Invalid 'order' specified for inventory hosts: bogus"
        );
    }

    #[test]
    fn restriction_and_pattern_lists() {
        let mut inv = inv_a();
        let mut sel = selector(MismatchPolicy::Warning);
        sel.restrict_to_hosts(vec!["web3".into(), "db1".into()]);
        let ids = sel
            .get_hosts(&mut inv, "web:db", HostOrder::Inventory, true)
            .unwrap();
        assert_eq!(names(&inv, &ids), ["web3", "db1"]);
        let ids = sel
            .get_hosts_from(&mut inv, &["web", "db"], HostOrder::Inventory, true, false)
            .unwrap();
        assert_eq!(names(&inv, &ids), ["web1", "web2", "web3", "db1"]);
        sel.restrict_to_hosts(Vec::new());
        let ids = sel
            .get_hosts(&mut inv, "web", HostOrder::Inventory, true)
            .unwrap();
        assert_eq!(names(&inv, &ids).len(), 3);
        sel.remove_restriction();
        let none: [&str; 0] = [];
        assert!(
            sel.get_hosts_from(&mut inv, &none, HostOrder::Inventory, true, true)
                .unwrap()
                .is_empty()
        );
        let ids = sel
            .get_hosts_from(
                &mut inv,
                &["web[0]:db", "!web2"],
                HostOrder::Inventory,
                true,
                true,
            )
            .unwrap();
        assert_eq!(names(&inv, &ids), ["web1", "db1"]);
    }

    #[test]
    fn cli_host_list() {
        // Empty inventory: warn, no error, and the implicit localhost listed.
        let mut inv = InventoryData::new();
        let mut sel = selector(MismatchPolicy::Warning);
        assert_eq!(sel.get_host_list(&mut inv, None, "all", true), Ok(vec![]));
        assert_eq!(warnings(&inv), [EMPTY_INVENTORY_WARNING]);
        let mut inv = InventoryData::new();
        assert_eq!(
            sel.get_host_list(&mut inv, None, "localhost", true),
            Ok(vec!["localhost".to_string()])
        );
        assert!(warnings(&inv).is_empty());
        let mut inv = InventoryData::new();
        assert_eq!(sel.get_host_list(&mut inv, None, "all", false), Ok(vec![]));
        assert!(warnings(&inv).is_empty());
        // A limited-away localhost name still lists itself.
        let mut inv = InventoryData::new();
        let mut sel = selector(MismatchPolicy::Warning);
        assert_eq!(
            sel.get_host_list(&mut inv, Some("nope"), "localhost", true),
            Ok(vec!["localhost".into()])
        );
        assert_eq!(
            warnings(&inv),
            ["Could not match supplied host pattern, ignoring: nope"]
        );
        let mut inv = inv_a();
        let mut sel = selector(MismatchPolicy::Warning);
        assert_eq!(
            sel.get_host_list(&mut inv, Some("web"), "127.0.0.1", true),
            Ok(vec!["127.0.0.1".into()])
        );
        // Hosts exist but none selected.
        let mut inv = inv_a();
        let mut sel = selector(MismatchPolicy::Warning);
        assert_eq!(
            sel.get_host_list(&mut inv, Some("nope"), "all", true)
                .unwrap_err()
                .message,
            NO_HOSTS_TO_TARGET
        );
        assert_eq!(
            warnings(&inv),
            ["Could not match supplied host pattern, ignoring: nope"]
        );
        let mut inv = inv_a();
        let mut sel = selector(MismatchPolicy::Warning);
        assert_eq!(
            sel.get_host_list(&mut inv, Some("db"), "web", true),
            Ok(vec!["web2".to_string()])
        );
        assert_eq!(
            sel.get_host_list(&mut inv, Some("@/nonexistent/x"), "web", true)
                .unwrap_err()
                .message,
            "Unable to find limit file b'/nonexistent/x'"
        );
        // The standalone helper.
        assert_eq!(
            empty_inventory_warning(&InventoryData::new(), "all"),
            Some(EMPTY_INVENTORY_WARNING)
        );
        assert_eq!(empty_inventory_warning(&InventoryData::new(), "::1"), None);
        assert_eq!(empty_inventory_warning(&inv_a(), "all"), None);
    }

    #[test]
    fn splitting() {
        let split = |p: &str| split_host_pattern(p);
        assert_eq!(split("a,b[1], c[2:3] , d"), ["a", "b[1]", "c[2:3]", "d"]);
        assert_eq!(split("web:&prod:!web3"), ["web", "&prod", "!web3"]);
        assert_eq!(split("web[1:3]"), ["web[1:3]"]);
        assert_eq!(split("web[1:3]:db"), ["web[1:3]", "db"]);
        assert_eq!(split("::1"), ["::1"]);
        assert_eq!(split("fe80::1"), ["fe80::1"]);
        assert_eq!(split("a::b"), ["a::b"]);
        assert_eq!(split("[::1]:22"), ["[::1]:22"]);
        assert_eq!(split("web:80"), ["web:80"]);
        assert_eq!(split("web:db"), ["web", "db"]);
        assert_eq!(split("1.2.3.4:22"), ["1.2.3.4:22"]);
        assert_eq!(split("10.0.0.[1:3]"), ["10.0.0.[1:3]"]);
        assert_eq!(split("web-"), ["web-"]);
        assert_eq!(split("web-:db"), ["web-", "db"]);
        assert_eq!(split("w[a:c]:x"), ["w[a:c]", "x"]);
        assert_eq!(split("g[1:"), ["g", "1"]);
        assert_eq!(split("a[1: 2]:b"), ["a[1: 2]", "b"]);
        assert_eq!(split("web db\tx"), ["web", "db", "x"]);
        assert_eq!(split("web:80\n"), ["web:80"]);
        assert_eq!(split(",,"), Vec::<String>::new());
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("~(?i:WEB)2"), ["~(?i", "WEB)2"]);
        assert_eq!(
            order_patterns(&["!a", "&b", "c", "", "d"]),
            ["c", "d", "&b", "!a"]
        );
        assert_eq!(order_patterns(&["!a"]), ["all", "!a"]);
    }

    #[test]
    fn glob_translation_matches_fnmatch() {
        let m = |p: &str, s: &str| glob_match(&compile_glob(p), s);
        assert!(m("a[]]b", "a]b"));
        assert!(m("a[!]]b", "axb") && !m("a[!]]b", "a]b"));
        assert!(m("[a-]", "-") && m("[a-]", "a"));
        assert!(m("[!-a]", "b") && !m("[!-a]", "-"));
        assert!(m("a[b", "a[b"));
        assert!(m("[a-b-c]", "-") && m("[a-b-c]", "c") && !m("[a-b-c]", "b-"));
        assert!(m("[a-mm-z]", "q"));
        assert!(m("*a*b*", "xaxbx") && !m("*a*b*", "xbxa"));
        assert!(m("?", "\n"));
        assert!(!m("[z-a]", "m") && m("[!z-a]", "m"));
    }

    /// Deterministic pseudo-random patterns: nothing may panic.
    #[test]
    fn fuzz_does_not_panic() {
        let atoms = [
            "web",
            "db",
            "1",
            "-1",
            "[",
            "]",
            ":",
            "-",
            "!",
            "&",
            "~",
            "*",
            "?",
            ".",
            ",",
            " ",
            "^",
            "$",
            "(",
            ")",
            "{",
            "}",
            "\\",
            "|",
            "+",
            "localhost",
            "[0]",
            "[1:]",
            "[-1]",
            "[1-2]",
            "::",
            "all",
            "@",
            "ü",
            "\n",
            "[!",
            "(?",
            "(?P=",
            "{,",
            "\\x",
            "\\U",
            "\\0",
            "\\9",
            "[^",
            "99999999999999999999999999999999999999999",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for fixed in [
            "g[", "g[1:", "g[x]", "~(", "", ",,,", ":::", "!", "&", "~", "[", "]", "[]", "[!]", "@",
        ] {
            for policy in [
                MismatchPolicy::Warning,
                MismatchPolicy::Error,
                MismatchPolicy::Ignore,
            ] {
                let _ = select_with(&inv_a(), fixed, Some(fixed), policy);
            }
        }
        let base = inv_a();
        for _ in 0..600 {
            let len = (next() % 8) as usize;
            let pattern: String = (0..len)
                .map(|_| atoms[(next() % atoms.len() as u64) as usize])
                .collect();
            let policy = match next() % 3 {
                0 => MismatchPolicy::Warning,
                1 => MismatchPolicy::Error,
                _ => MismatchPolicy::Ignore,
            };
            let _ = select_with(&base, &pattern, None, policy);
            let _ = select_with(&base, "all", Some(&pattern), policy);
            let _ = split_host_pattern(&pattern);
        }
    }
}
