//! INI inventory sources, read the way ansible's `ini` inventory plugin
//! reads them.
//!
//! The file is a sequence of `[group]`, `[group:vars]` and
//! `[group:children]` sections; lines before the first section are hosts
//! of `ungrouped`. Host lines are split with POSIX shell rules and may carry
//! `key=value` variables; values (also in `:vars` sections) are typed with
//! Python's `ast.literal_eval` and fall back to the raw text.
//!
//! Like ansible, the inventory is changed as lines are read: when a line
//! fails, what came before it stays in the inventory.

use super::data::InventoryData;
use super::error::SourceError;
use super::pyliteral::{
    LiteralError, is_py_space, is_py_word_char, py_splitlines, py_strip, try_literal_eval,
};
use super::ranges::expand_host_pattern;
use crate::value::{Value, python_str_repr};
use indexmap::IndexMap;
use std::path::Path;

/// Add the hosts, groups and variables of an INI source to `inv`. The
/// caller sets `inv.current_source`; `_path` is not needed to parse (ansible
/// uses it only to label errors, which the caller does).
pub fn parse_ini(inv: &mut InventoryData, _path: &Path, text: &str) -> Result<(), SourceError> {
    IniParser::new(inv).parse(text)
}

/// What the lines of the current section define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    Hosts,
    Children,
    Vars,
}

/// A group referenced before any `[group]`/`[group:children]` header
/// declared it. ansible accepts forward references and checks at the end.
#[derive(Debug, Clone)]
enum Pending {
    /// `[group:vars]` came first; the line of that header.
    Vars { line: usize },
    /// Listed in `[parent:children]`; the line of the first listing and
    /// every parent it was listed under.
    Children { line: usize, parents: Vec<String> },
}

struct IniParser<'a> {
    inv: &'a mut InventoryData,
    group: String,
    kind: SectionKind,
    pending: IndexMap<String, Pending>,
    line_no: usize,
}

impl<'a> IniParser<'a> {
    fn new(inv: &'a mut InventoryData) -> Self {
        // Lines before any header behave as if under `[ungrouped]`.
        IniParser {
            inv,
            group: "ungrouped".into(),
            kind: SectionKind::Hosts,
            pending: IndexMap::new(),
            line_no: 0,
        }
    }

    fn parse(mut self, text: &str) -> Result<(), SourceError> {
        // No BOM handling: ansible keeps U+FEFF as part of the first line.
        for raw in py_splitlines(text) {
            self.line_no += 1;
            let line = py_strip(raw);
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            self.parse_line(line)
                .map_err(|message| error_at(&message, self.line_no))?;
        }
        self.check_unresolved()
    }

    fn parse_line(&mut self, line: &str) -> Result<(), String> {
        if let Some((name, tag)) = match_section_header(line) {
            return self.enter_section(name, tag);
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(format!(
                "Invalid section entry: '{line}'. Please make sure that there are no spaces in the section entry, \
                 and that there are no other invalid characters"
            ));
        }
        match self.kind {
            SectionKind::Hosts => self.host_line(line),
            SectionKind::Vars => self.variable_line(line),
            SectionKind::Children => self.child_line(line),
        }
    }

    fn enter_section(&mut self, written: &str, tag: Option<&str>) -> Result<(), String> {
        // ansible makes the group name safe (and warns) before it checks
        // the type; the section then names the safe group.
        let safe = self.inv.safe_group_name(written);
        let name = safe.as_str();
        let kind = match tag {
            None | Some("hosts") => SectionKind::Hosts,
            Some("children") => SectionKind::Children,
            Some("vars") => SectionKind::Vars,
            Some(other) => {
                return Err(format!(
                    "Section [{written}:{other}] has unknown type: {other}"
                ));
            }
        };
        self.group = name.to_string();
        self.kind = kind;
        if self.inv.group_id(name).is_none() {
            // `[g:vars]` alone does not declare `g`; remember to check. A group
            // already pending as a child keeps that (stricter) record.
            if kind == SectionKind::Vars && !self.pending.contains_key(name) {
                self.pending
                    .insert(name.to_string(), Pending::Vars { line: self.line_no });
            }
            self.inv.add_group(name).map_err(|e| e.to_string())?;
        }
        if kind != SectionKind::Vars {
            match self.pending.get(name) {
                Some(Pending::Children { .. }) => self.resolve_pending_children(name)?,
                Some(Pending::Vars { .. }) => {
                    self.pending.shift_remove(name);
                }
                None => {}
            }
        }
        Ok(())
    }

    /// `group` is now declared: attach it to every parent that listed it.
    fn resolve_pending_children(&mut self, group: &str) -> Result<(), String> {
        let Some(Pending::Children { parents, .. }) = self.pending.get(group).cloned() else {
            return Ok(());
        };
        for parent in &parents {
            self.inv
                .add_child(parent, group)
                .map_err(|e| e.to_string())?;
            if matches!(self.pending.get(parent), Some(Pending::Children { .. })) {
                self.resolve_pending_children(parent)?;
            }
        }
        self.pending.shift_remove(group);
        Ok(())
    }

    /// `host-pattern [key=value ...]`
    fn host_line(&mut self, line: &str) -> Result<(), String> {
        let tokens = shlex_split(line)
            .map_err(|e| format!("Error parsing host definition '{line}': {e}"))?;
        let (pattern, assignments) = tokens.split_first().ok_or("list index out of range")?;
        let (hosts, port) = expand_ini_host_pattern(pattern)?;
        let mut variables: IndexMap<String, Value> = IndexMap::new();
        for token in assignments {
            let (key, raw) = token.split_once('=').ok_or_else(|| {
                format!("Expected key=value host variable assignment, got: {token}")
            })?;
            variables.insert(key.to_string(), parse_value(raw)?);
        }
        // ansible only sets ansible_port for a truthy port, so `host:0` has none.
        let port = port.filter(|p| *p != 0);
        for host in hosts {
            self.inv
                .add_host(&host, Some(&self.group), port)
                .map_err(|e| e.to_string())?;
            for (key, value) in &variables {
                // By name, so a group sharing the host's name gets the
                // variable instead, exactly as in ansible.
                self.inv
                    .set_variable(&host, key, value.clone())
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// `key = value`: one assignment per line, the value may hold spaces.
    fn variable_line(&mut self, line: &str) -> Result<(), String> {
        let (key, raw) = line
            .split_once('=')
            .ok_or_else(|| format!("Expected key=value, got: {line}"))?;
        let value = parse_value(py_strip(raw))?;
        self.inv
            .set_variable(&self.group, py_strip(key), value)
            .map_err(|e| e.to_string())
    }

    /// A child group name; groups not declared yet are resolved later.
    fn child_line(&mut self, line: &str) -> Result<(), String> {
        let child =
            match_group_name(line).ok_or_else(|| format!("Expected group name, got: {line}"))?;
        if self.inv.group_id(child).is_some() {
            return self
                .inv
                .add_child(&self.group, child)
                .map(|_| ())
                .map_err(|e| e.to_string());
        }
        match self.pending.get_mut(child) {
            Some(Pending::Children { parents, .. }) => parents.push(self.group.clone()),
            // Unreachable in practice (a pending `vars` group always exists),
            // but this is the KeyError ansible would raise.
            Some(Pending::Vars { .. }) => return Err("'parents'".into()),
            None => {
                let pending = Pending::Children {
                    line: self.line_no,
                    parents: vec![self.group.clone()],
                };
                self.pending.insert(child.to_string(), pending);
            }
        }
        Ok(())
    }

    /// ansible reports only the first unresolved reference, at its line.
    fn check_unresolved(&self) -> Result<(), SourceError> {
        let Some((name, pending)) = self.pending.first() else {
            return Ok(());
        };
        let quoted = python_str_repr(name);
        Err(match pending {
            Pending::Vars { line } => error_at(
                &format!("Section [{name}:vars] not valid for undefined group {quoted}."),
                *line,
            ),
            Pending::Children { line, parents } => {
                let parent = parents.last().map(String::as_str).unwrap_or_default();
                error_at(
                    &format!("Section [{parent}:children] includes undefined group {quoted}."),
                    *line,
                )
            }
        })
    }
}

/// ansible prints error messages stripped of surrounding whitespace.
fn error_at(message: &str, line: usize) -> SourceError {
    SourceError {
        message: py_strip(message).to_string(),
        line: Some(line),
        col: None,
        causes: Vec::new(),
    }
}

/// A value from the file: a Python literal when it is one, else the text.
fn parse_value(raw: &str) -> Result<Value, String> {
    match try_literal_eval(raw) {
        Ok(value) => Ok(value),
        Err(LiteralError::NotALiteral) => Ok(Value::str(raw)),
        Err(LiteralError::Fatal(message)) => Err(message),
    }
}

/// The INI plugin's extra checks on top of the shared pattern expansion.
fn expand_ini_host_pattern(pattern: &str) -> Result<(Vec<String>, Option<i64>), String> {
    let (hosts, port) = expand_host_pattern(pattern).map_err(|e| e.message)?;
    if py_strip(pattern).ends_with(':') && port.is_none() {
        return Err(format!(
            "Invalid host pattern '{pattern}' supplied, ending in ':' is not allowed, \
             this character is reserved to provide a port."
        ));
    }
    if hosts.iter().any(|h| py_strip(h) == "---") {
        return Err(format!(
            "Invalid host pattern '{pattern}' supplied, '---' is normally a sign this is a YAML file."
        ));
    }
    Ok((hosts, port))
}

/// `^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:\#.*)?$`: the group name and the
/// optional tag of a section header.
fn match_section_header(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('[')?;
    let name_len = rest
        .find(|c: char| c == ':' || c == ']' || is_py_space(c))
        .unwrap_or(rest.len());
    let name = rest.get(..name_len).filter(|n| !n.is_empty())?;
    let mut after = rest.get(name_len..)?;
    let mut tag = None;
    if let Some(tail) = after.strip_prefix(':') {
        let tag_len = tail
            .find(|c: char| !is_py_word_char(c))
            .unwrap_or(tail.len());
        tag = Some(tail.get(..tag_len).filter(|t| !t.is_empty())?);
        after = tail.get(tag_len..)?;
    }
    let after = after.strip_prefix(']')?.trim_start_matches(is_py_space);
    (after.is_empty() || after.starts_with('#')).then_some((name, tag))
}

/// `^([^:\]\s]+)\s*(?:\#.*)?$`. The name may itself contain `#`, so like the
/// regex engine we try the longest name first and then shorter ones that
/// leave a `#` comment behind.
fn match_group_name(line: &str) -> Option<&str> {
    let run_end = line
        .find(|c: char| c == ':' || c == ']' || is_py_space(c))
        .unwrap_or(line.len());
    let shorter = line
        .char_indices()
        .map(|(i, _)| i)
        .filter(|&i| i > 0 && i < run_end);
    let ends: Vec<usize> = shorter.chain([run_end]).filter(|&i| i > 0).collect();
    ends.into_iter().rev().find_map(|end| {
        let rest = line.get(end..)?.trim_start_matches(is_py_space);
        (rest.is_empty() || rest.starts_with('#'))
            .then(|| line.get(..end))
            .flatten()
    })
}

fn finish_word(words: &mut Vec<String>, word: &mut String, quoted: &mut bool) {
    // An empty word still counts when it was written as quotes ('').
    if !word.is_empty() || *quoted {
        words.push(std::mem::take(word));
    }
    *quoted = false;
}

/// Characters Python's `shlex` treats as separators.
fn is_shlex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[derive(Debug, Clone, Copy)]
enum ShlexState {
    Between,
    Word,
    Quoted(char),
    /// After a backslash; where to return once the next character is taken.
    Escaped {
        in_double_quotes: bool,
    },
}

/// `shlex.split(line, comments=True)` (POSIX mode): whitespace separates
/// words, quotes group, backslash escapes (inside double quotes only before
/// `"` or `\`), and `#` starts a comment even in the middle of a word.
fn shlex_split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut state = ShlexState::Between;
    let mut chars = line.chars();
    loop {
        let next = chars.next();
        state = match (state, next) {
            (ShlexState::Between, None | Some('#')) => break,
            (ShlexState::Between, Some(c)) if is_shlex_space(c) => ShlexState::Between,
            // A comment or the end of the line ends the last word.
            (ShlexState::Word, None | Some('#')) => {
                finish_word(&mut words, &mut word, &mut quoted);
                break;
            }
            (ShlexState::Word, Some(c)) if is_shlex_space(c) => {
                finish_word(&mut words, &mut word, &mut quoted);
                ShlexState::Between
            }
            (ShlexState::Between | ShlexState::Word, Some('\\')) => ShlexState::Escaped {
                in_double_quotes: false,
            },
            (ShlexState::Between | ShlexState::Word, Some(c @ ('\'' | '"'))) => {
                ShlexState::Quoted(c)
            }
            (ShlexState::Between | ShlexState::Word, Some(c)) => {
                word.push(c);
                ShlexState::Word
            }
            (ShlexState::Quoted(_), None) => return Err("No closing quotation"),
            (ShlexState::Quoted(q), Some(c)) => {
                quoted = true;
                if c == q {
                    ShlexState::Word
                } else if q == '"' && c == '\\' {
                    ShlexState::Escaped {
                        in_double_quotes: true,
                    }
                } else {
                    word.push(c);
                    ShlexState::Quoted(q)
                }
            }
            (ShlexState::Escaped { .. }, None) => return Err("No escaped character"),
            (ShlexState::Escaped { in_double_quotes }, Some(c)) => {
                if in_double_quotes && c != '"' && c != '\\' {
                    word.push('\\');
                }
                word.push(c);
                if in_double_quotes {
                    ShlexState::Quoted('"')
                } else {
                    ShlexState::Word
                }
            }
        };
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::data::Notice;
    use crate::inventory::pyliteral::tests::python_json;
    use crate::value::Map;

    fn names<I: IntoIterator<Item = String>>(items: I) -> Value {
        Value::List(items.into_iter().map(Value::Str).collect())
    }

    /// Vars without the bookkeeping ansible adds for new hosts.
    fn plain_vars(vars: &Map) -> Value {
        let mut out = vars.clone();
        out.shift_remove("inventory_file");
        out.shift_remove("inventory_dir");
        Value::Map(out)
    }

    /// The inventory (or error) in the shape the expectations were
    /// recorded in: groups as [name, hosts, children, vars, priority] and
    /// hosts as [name, groups, vars], in creation order.
    fn summarize(text: &str) -> String {
        let mut inv = InventoryData::new();
        let mut top = Map::new();
        if let Err(e) = parse_ini(&mut inv, Path::new("/tmp/inv.ini"), text) {
            top.insert("error".into(), Value::Str(e.message));
            top.insert(
                "line".into(),
                e.line.map_or(Value::Null, |l| Value::Int(l as i64)),
            );
            return python_json(&Value::Map(top));
        }
        let groups = inv
            .group_ids()
            .map(|gid| {
                let g = inv.group(gid);
                Value::List(vec![
                    Value::Str(g.name.clone()),
                    names(g.hosts.iter().map(|h| inv.host(*h).name.clone())),
                    names(g.children.iter().map(|c| inv.group(*c).name.clone())),
                    plain_vars(&g.vars),
                    Value::Int(g.priority),
                ])
            })
            .collect();
        let hosts = inv
            .host_ids()
            .map(|hid| {
                let h = inv.host(hid);
                Value::List(vec![
                    Value::Str(h.name.clone()),
                    names(h.groups.iter().map(|g| inv.group(*g).name.clone())),
                    plain_vars(&h.vars),
                ])
            })
            .collect();
        top.insert("groups".into(), Value::List(groups));
        top.insert("hosts".into(), Value::List(hosts));
        python_json(&Value::Map(top))
    }

    /// (name, file, result) recorded by running ansible-core 2.19's INI
    /// plugin on each file (before the manager's reconcile step).
    #[rustfmt::skip]
    const OBSERVED: &[(&str, &str, &str)] = &[
        ("basic_sections", "h0\n[web]\nw1\nw2 a=1\n[db]\nd1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [\"h0\"], [], {}, 1], [\"web\", [\"w1\", \"w2\"], [], {}, 1], [\"db\", [\"d1\"], [], {}, 1]], \"hosts\": [[\"h0\", [\"all\", \"ungrouped\"], {}], [\"w1\", [\"web\"], {}], [\"w2\", [\"web\"], {\"a\": 1}], [\"d1\", [\"db\"], {}]]}"),
        ("vars_typed", "[web]\nw1\n[web:vars]\nnum=3\ns = hello world \nc = 1 # c\nd = foo # c\ne=\nflag = True\nl=[1, 2]\nq = \"quoted\"\nf = 1.5\nn = None\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"num\": 3, \"s\": \"hello world\", \"c\": 1, \"d\": \"foo # c\", \"e\": \"\", \"flag\": true, \"l\": [1, 2], \"q\": \"quoted\", \"f\": 1.5, \"n\": null}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("host_vars_typed", "[web]\nw1 z=True l=\"[1,2]\" s='a b' a=1#comment\nw2 q='1' r=\"'1'\" t=\"{'a': 1}\" u=x y=\"\"\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\", \"w2\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"z\": true, \"l\": [1, 2], \"s\": \"a b\", \"a\": 1}], [\"w2\", [\"web\"], {\"q\": 1, \"r\": \"1\", \"t\": {\"a\": 1}, \"u\": \"x\", \"y\": \"\"}]]}"),
        ("unknown_section_type", "[web]\nw1\n[g:foo]\nx\n", "{\"error\": \"Section [g:foo] has unknown type: foo\", \"line\": 3}"),
        ("invalid_section_entry", "[web]\nw1\n[g:]\n", "{\"error\": \"Invalid section entry: '[g:]'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters\", \"line\": 3}"),
        ("invalid_section_spaces", "[my group]\n", "{\"error\": \"Invalid section entry: '[my group]'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters\", \"line\": 1}"),
        ("section_semicolon_comment", "[web] ; comment\n", "{\"error\": \"host range must be begin:end or begin:end:step\", \"line\": 1}"),
        ("section_hash_comment", "[web]   # comment\nw1\n[web:vars] #c\na=1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"a\": 1}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("vars_without_equals", "[web]\nw1\n[web:vars]\nfoo\n", "{\"error\": \"Expected key=value, got: foo\", \"line\": 4}"),
        ("host_token_without_equals", "[web]\nw1 a=1 foo\n", "{\"error\": \"Expected key=value host variable assignment, got: foo\", \"line\": 2}"),
        ("unbalanced_quote", "[web]\nw1 a=\"b\n", "{\"error\": \"Error parsing host definition 'w1 a=\\\"b': No closing quotation\", \"line\": 2}"),
        ("trailing_backslash", "[web]\nw1 a=b\\\n", "{\"error\": \"Error parsing host definition 'w1 a=b\\\\': No escaped character\", \"line\": 2}"),
        ("ranges_numeric", "[web]\nweb[01:03] x=1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"web01\", \"web02\", \"web03\"], [], {}, 1]], \"hosts\": [[\"web01\", [\"web\"], {\"x\": 1}], [\"web02\", [\"web\"], {\"x\": 1}], [\"web03\", [\"web\"], {\"x\": 1}]]}"),
        ("ranges_alpha_step", "[web]\ndb[a:c]\nx[0:10:5]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"dba\", \"dbb\", \"dbc\", \"x0\", \"x5\", \"x10\"], [], {}, 1]], \"hosts\": [[\"dba\", [\"web\"], {}], [\"dbb\", [\"web\"], {}], [\"dbc\", [\"web\"], {}], [\"x0\", [\"web\"], {}], [\"x5\", [\"web\"], {}], [\"x10\", [\"web\"], {}]]}"),
        ("ranges_multi", "[web]\na[1:2]b[x:y]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"a1bx\", \"a1by\", \"a2bx\", \"a2by\"], [], {}, 1]], \"hosts\": [[\"a1bx\", [\"web\"], {}], [\"a1by\", [\"web\"], {}], [\"a2bx\", [\"web\"], {}], [\"a2by\", [\"web\"], {}]]}"),
        ("ports", "[web]\nh1:22\n[::1]:2222\nfe80::1\nweb[01:02].example.com:2222\nh0:0\nh2:0022\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"h1\", \"::1\", \"fe80::1\", \"web01.example.com\", \"web02.example.com\", \"h0\", \"h2\"], [], {}, 1]], \"hosts\": [[\"h1\", [\"web\"], {\"ansible_port\": 22}], [\"::1\", [\"web\"], {\"ansible_port\": 2222}], [\"fe80::1\", [\"web\"], {}], [\"web01.example.com\", [\"web\"], {\"ansible_port\": 2222}], [\"web02.example.com\", [\"web\"], {\"ansible_port\": 2222}], [\"h0\", [\"web\"], {}], [\"h2\", [\"web\"], {\"ansible_port\": 22}]]}"),
        ("port_existing_host", "[a]\nh1:22\n[b]\nh1:33\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"a\", [\"h1\"], [], {}, 1], [\"b\", [\"h1\"], [], {}, 1]], \"hosts\": [[\"h1\", [\"a\", \"b\"], {\"ansible_port\": 22}]]}"),
        ("trailing_colon", "[web]\nh:\n", "{\"error\": \"Invalid host pattern 'h:' supplied, ending in ':' is not allowed, this character is reserved to provide a port.\", \"line\": 2}"),
        ("yaml_marker", "---\nall:\n", "{\"error\": \"Invalid host pattern '---' supplied, '---' is normally a sign this is a YAML file.\", \"line\": 1}"),
        ("children_before_group", "[parent:children]\nchild\n[child]\nc1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"parent\", [], [\"child\"], {}, 1], [\"child\", [\"c1\"], [], {}, 1]], \"hosts\": [[\"c1\", [\"parent\", \"child\"], {}]]}"),
        ("undefined_child", "[parent:children]\nchild\nother\n[x]\n", "{\"error\": \"Section [parent:children] includes undefined group 'child'.\", \"line\": 2}"),
        ("vars_undefined_group", "[web:vars]\na=1\n[db]\nd1\n", "{\"error\": \"Section [web:vars] not valid for undefined group 'web'.\", \"line\": 1}"),
        ("vars_before_group_then_defined", "[web:vars]\na=1\n[web]\nw1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"a\": 1}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("all_vars_ungrouped", "[all:vars]\nx=1\n[ungrouped]\nu1\n[all]\na1\n", "{\"groups\": [[\"all\", [\"a1\"], [\"ungrouped\"], {\"x\": 1}, 1], [\"ungrouped\", [\"u1\"], [], {}, 1]], \"hosts\": [[\"u1\", [\"all\", \"ungrouped\"], {}], [\"a1\", [\"all\"], {}]]}"),
        ("bom", "\u{feff}[web]\nw1\n", "{\"error\": \"host range must be begin:end or begin:end:step\", \"line\": 1}"),
        ("bom_host", "\u{feff}h1\n[web]\nw1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [\"\\ufeffh1\"], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"\\ufeffh1\", [\"all\", \"ungrouped\"], {}], [\"w1\", [\"web\"], {}]]}"),
        ("crlf", "[web]\r\nw1 a=1\r\n[web:vars]\r\nb = 2\r\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"b\": 2}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"a\": 1}]]}"),
        ("duplicate_vars", "[web]\nw1 a=1 a=2 b=1\nw1 b=3\n[web:vars]\nx=1\nx=2\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"x\": 2}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"a\": 2, \"b\": 3}]]}"),
        ("invalid_hostname_port", "[web]\nwe$b:22\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"we$b:22\"], [], {}, 1]], \"hosts\": [[\"we$b:22\", [\"web\"], {}]]}"),
        ("double_port", "[web]\n[host:22]:33\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"host\"], [], {}, 1]], \"hosts\": [[\"host\", [\"web\"], {\"ansible_port\": 22}]]}"),
        ("empty_host", "[web]\n\"\" a=1\n", "{\"error\": \"Invalid empty host name provided:\", \"line\": 2}"),
        ("child_is_host", "[web]\nh1\n[g:children]\nh1\n", "{\"error\": \"Section [g:children] includes undefined group 'h1'.\", \"line\": 4}"),
        ("self_child", "[a:children]\na\n", "{\"error\": \"can't add group to itself\", \"line\": 2}"),
        ("child_loop", "[a:children]\nb\n[b:children]\na\n", "{\"error\": \"Adding group 'a' as child to 'b' creates a recursive dependency loop.\", \"line\": 4}"),
        ("child_only_vars", "[a:children]\nb\n[b:vars]\nx=1\n", "{\"error\": \"Section [a:children] includes undefined group 'b'.\", \"line\": 2}"),
        ("invalid_group_chars", "[web-servers]\nw1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web-servers\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web-servers\"], {}]]}"),
        ("group_priority", "[web]\nw1\n[web:vars]\nansible_group_priority=5\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 5]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("value_with_equals", "[web]\nw1 a=b=c\n[web:vars]\nk = v=w\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"k\": \"v=w\"}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"a\": \"b=c\"}]]}"),
        ("empty_key", "[web]\nw1 =5 x=\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"\": 5, \"x\": \"\"}]]}"),
        ("set_complex_ellipsis_bytes", "[web]\nw1 s={3,1,2} c=1+2j e=... b=b'abc' t=(1,2) n=-2j\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"s\": [1, 2, 3], \"c\": \"(1+2j)\", \"e\": \"...\", \"b\": \"babc\", \"t\": [1, 2], \"n\": \"(-0-2j)\"}]]}"),
        ("children_comment_and_extra", "[g:children]\nweb # comment\n[web]\n[h:children]\nweb extra\n", "{\"error\": \"Expected group name, got: web extra\", \"line\": 5}"),
        ("unicode_separators", "[web]\nw1\u{85}w2\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\", \"w2\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}], [\"w2\", [\"web\"], {}]]}"),
        ("range_errors_end", "[web]\nweb[1:]\n", "{\"error\": \"host range must specify end value\", \"line\": 2}"),
        ("range_errors_equal_len", "[web]\nweb[01:5]\n", "{\"error\": \"host range must specify equal-length begin and end formats\", \"line\": 2}"),
        ("range_errors_begin_gt_end", "[web]\nweb[c:a]\n", "{\"error\": \"host range must have begin <= end\", \"line\": 2}"),
        ("range_errors_parts", "[web]\nweb[1:2:3:4]\n", "{\"error\": \"host range must be begin:end or begin:end:step\", \"line\": 2}"),
        ("range_numeric_reverse", "[web]\nweb[3:1]\nx\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"x\"], [], {}, 1]], \"hosts\": [[\"x\", [\"web\"], {}]]}"),
        ("range_step_zero", "[web]\nweb[1:3:0]\n", "{\"error\": \"range() arg 3 must not be zero\", \"line\": 2}"),
        ("range_multichar_alpha", "[web]\nw[ab:cd]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"wa\", \"wb\", \"wc\"], [], {}, 1]], \"hosts\": [[\"wa\", [\"web\"], {}], [\"wb\", [\"web\"], {}], [\"wc\", [\"web\"], {}]]}"),
        ("range_begin_default", "[web]\nw[:2]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w0\", \"w1\", \"w2\"], [], {}, 1]], \"hosts\": [[\"w0\", [\"web\"], {}], [\"w1\", [\"web\"], {}], [\"w2\", [\"web\"], {}]]}"),
        ("range_port", "[web]\nweb[1:3]:22\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"web1\", \"web2\", \"web3\"], [], {}, 1]], \"hosts\": [[\"web1\", [\"web\"], {\"ansible_port\": 22}], [\"web2\", [\"web\"], {\"ansible_port\": 22}], [\"web3\", [\"web\"], {\"ansible_port\": 22}]]}"),
        ("comment_lines", "# top\n; semi\n  # indented\n[web]\nw1 # trailing\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("children_recursive_pending", "[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\n[mid]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"top\", [], [\"mid\"], {}, 1], [\"mid\", [], [\"leaf\"], {}, 1], [\"leaf\", [], [], {}, 1]], \"hosts\": []}"),
        ("host_in_many_groups", "[a]\nh1\n[b]\nh1\n[a:children]\nb\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"a\", [\"h1\"], [\"b\"], {}, 1], [\"b\", [\"h1\"], [], {}, 1]], \"hosts\": [[\"h1\", [\"a\", \"b\"], {}]]}"),
        ("undefined_child_multi_parents", "[p1:children]\nc\n[p2:children]\nc\n", "{\"error\": \"Section [p2:children] includes undefined group 'c'.\", \"line\": 2}"),
        ("vars_value_spaces_quotes", "[web]\nw1\n[web:vars]\nmsg = 'hello world' \nraw = hello 'x'\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"msg\": \"hello world\", \"raw\": \"hello 'x'\"}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("gap_in_section", "[web]\n\n\nw1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("group_named_like_host", "[h1]\nh1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"h1\", [\"h1\"], [], {}, 1]], \"hosts\": [[\"h1\", [\"h1\"], {}]]}"),
        ("ungrouped_first", "a1 v=1\na2\n[g]\na1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [\"a1\", \"a2\"], [], {}, 1], [\"g\", [\"a1\"], [], {}, 1]], \"hosts\": [[\"a1\", [\"all\", \"ungrouped\", \"g\"], {\"v\": 1}], [\"a2\", [\"all\", \"ungrouped\"], {}]]}"),
        ("host_line_quoted_host", "[web]\n'w 1' a=1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w 1\"], [], {}, 1]], \"hosts\": [[\"w 1\", [\"web\"], {\"a\": 1}]]}"),
        ("var_key_spaces", "[web]\nw1\n[web:vars]\n  spaced key   =   val  \n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {\"spaced key\": \"val\"}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("int_key_dict", "[web]\nw1 d=\"{1: 'a', True: 'b', None: 2, 1.5: 3}\"\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"d\": {\"1\": \"b\", \"null\": 2, \"1.5\": 3}}]]}"),
        ("bad_set_unhashable", "[web]\nw1 s=\"{1, [2]}\"\n", "{\"error\": \"unhashable type: 'list'\", \"line\": 2}"),
        ("tab_separated", "[web]\nw1\ta=1\t b=2\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"a\": 1, \"b\": 2}]]}"),
        ("section_unclosed", "[web\n", "{\"error\": \"not enough values to unpack (expected 3, got 2)\", \"line\": 1}"),
        ("stray_close_bracket", "[web]\n]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"]\"], [], {}, 1]], \"hosts\": [[\"]\", [\"web\"], {}]]}"),
        ("section_text_after", "[a]b\n", "{\"error\": \"host range must be begin:end or begin:end:step\", \"line\": 1}"),
        ("children_colon", "[g:children]\nchild:2\n", "{\"error\": \"Expected group name, got: child:2\", \"line\": 2}"),
        ("children_hash_in_name", "[web]\n[g:children]\nweb#x\nweb# c\n[web#x]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [], [], {}, 1], [\"g\", [], [\"web\", \"web#x\"], {}, 1], [\"web#x\", [], [], {}, 1]], \"hosts\": []}"),
        ("children_existing", "[web]\nw1\n[all:children]\nweb\n", "{\"groups\": [[\"all\", [], [\"ungrouped\", \"web\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\", \"all\"], {}]]}"),
        ("section_explicit_hosts", "[web:hosts]\nw1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}]]}"),
        ("section_tag_case", "[web:VARS]\n", "{\"error\": \"Section [web:VARS] has unknown type: VARS\", \"line\": 1}"),
        ("section_brackets_in_name", "[[web]\nw1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"[web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"[web\"], {}]]}"),
        ("vars_in_ungrouped_header", "[ungrouped:vars]\nx=1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {\"x\": 1}, 1]], \"hosts\": []}"),
        ("host_nbsp", "[web]\nw1\u{a0}a=1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\\u00a0a=1\"], [], {}, 1]], \"hosts\": [[\"w1\\u00a0a=1\", [\"web\"], {}]]}"),
        ("host_escapes", "[web]\nw1 a=\"x\\\"y\" b='c\\d' c=e\\ f d=\"\\q\"\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {\"a\": \"x\\\"y\", \"b\": \"c\\\\d\", \"c\": \"e f\", \"d\": \"\\\\q\"}]]}"),
        ("host_hash_in_word", "[web]\nw#1 a=1\nw2 a=b#c\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w\", \"w2\"], [], {}, 1]], \"hosts\": [[\"w\", [\"web\"], {}], [\"w2\", [\"web\"], {\"a\": \"b\"}]]}"),
        ("host_empty_quoted_value", "[web]\nw1 a='' b=\"\" c\n", "{\"error\": \"Expected key=value host variable assignment, got: c\", \"line\": 2}"),
        ("vars_types_mixed", "[all:vars]\ni=0x10\nf=1e3\nt=(1,2)\nd={'a': [1, {'b': None}]}\nset={3,1,2}\ncx=1+2j\nbig=99999999999999999999\nbad={[1]: 2}\n", "{\"error\": \"unhashable type: 'list'\", \"line\": 9}"),
        ("ipv6_ranges", "[v6]\n[fe80::[1:2]]:22\n10.0.[1:2].1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"v6\", [\"fe80::1\", \"fe80::2\", \"10.0.1.1\", \"10.0.2.1\"], [], {}, 1]], \"hosts\": [[\"fe80::1\", [\"v6\"], {\"ansible_port\": 22}], [\"fe80::2\", [\"v6\"], {\"ansible_port\": 22}], [\"10.0.1.1\", [\"v6\"], {}], [\"10.0.2.1\", [\"v6\"], {}]]}"),
        ("duplicate_localhost", "[a]\nlocalhost\n127.0.0.1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"a\", [\"localhost\", \"127.0.0.1\"], [], {}, 1]], \"hosts\": [[\"localhost\", [\"a\"], {}], [\"127.0.0.1\", [\"a\"], {}]]}"),
        ("pending_then_defined_by_children_header", "[p:children]\nc\n[c:children]\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"p\", [], [\"c\"], {}, 1], [\"c\", [], [], {}, 1]], \"hosts\": []}"),
        ("vars_then_children_pending_mix", "[c:vars]\nx=1\n[p:children]\nc\n", "{\"error\": \"Section [c:vars] not valid for undefined group 'c'.\", \"line\": 1}"),
        ("only_comments", "# nothing\n; here\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1]], \"hosts\": []}"),
        ("empty_file", "", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1]], \"hosts\": []}"),
        ("cr_only", "[web]\rw1\rw2 a=1\r", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\", \"w2\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}], [\"w2\", [\"web\"], {\"a\": 1}]]}"),
        ("ff_vt_separators", "[web]\u{b}w1\u{c}w2\u{1c}w3\u{2028}w4\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"w1\", \"w2\", \"w3\", \"w4\"], [], {}, 1]], \"hosts\": [[\"w1\", [\"web\"], {}], [\"w2\", [\"web\"], {}], [\"w3\", [\"web\"], {}], [\"w4\", [\"web\"], {}]]}"),
        ("unicode_host", "[web]\n\u{e9}t\u{e9} a=\u{e9}\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"\\u00e9t\\u00e9\"], [], {}, 1]], \"hosts\": [[\"\\u00e9t\\u00e9\", [\"web\"], {\"a\": \"\\u00e9\"}]]}"),
        ("host_port_and_vars_order", "[web]\nh[1:2]:2222 a=1 b=2\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"h1\", \"h2\"], [], {}, 1]], \"hosts\": [[\"h1\", [\"web\"], {\"ansible_port\": 2222, \"a\": 1, \"b\": 2}], [\"h2\", [\"web\"], {\"ansible_port\": 2222, \"a\": 1, \"b\": 2}]]}"),
        ("host_repeated_across_lines", "[web]\nh1 a=1\nh1 b=2\n[web:vars]\na=0\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"h1\"], [], {\"a\": 0}, 1]], \"hosts\": [[\"h1\", [\"web\"], {\"a\": 1, \"b\": 2}]]}"),
        ("group_var_vs_host_var_dict", "[web]\nh1 d=\"{'x': 1}\"\nh1 d=\"{'y': 2}\"\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"web\", [\"h1\"], [], {}, 1]], \"hosts\": [[\"h1\", [\"web\"], {\"d\": {\"y\": 2}}]]}"),
        ("range_leading_zero_alpha", "[web]\nw[00:a]\n", "{\"error\": \"host range must specify equal-length begin and end formats\", \"line\": 2}"),
        ("range_too_many_pipes", "[web]\na|b[1:2]\n", "{\"error\": \"too many values to unpack (expected 3)\", \"line\": 2}"),
        ("yaml_like", "all:\n  hosts:\n    h1:\n", "{\"error\": \"Invalid host pattern 'all:' supplied, ending in ':' is not allowed, this character is reserved to provide a port.\", \"line\": 1}"),
        ("vars_types_ok", "[all:vars]\ni=0x10\nf=1e3\nt=(1,2)\nd={'a': [1, {'b': None}]}\ns={3,1,2}\ncx=1+2j\nq='quoted' # c\nu=unquoted # c\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {\"i\": 16, \"f\": 1000.0, \"t\": [1, 2], \"d\": {\"a\": [1, {\"b\": null}]}, \"s\": [1, 2, 3], \"cx\": \"(1+2j)\", \"q\": \"quoted\", \"u\": \"unquoted # c\"}, 1], [\"ungrouped\", [], [], {}, 1]], \"hosts\": []}"),
        ("host_var_to_same_named_group", "[h1]\nh1 a=1\n", "{\"groups\": [[\"all\", [], [\"ungrouped\"], {}, 1], [\"ungrouped\", [], [], {}, 1], [\"h1\", [\"h1\"], [], {\"a\": 1}, 1]], \"hosts\": [[\"h1\", [\"h1\"], {}]]}"),
    ];

    #[test]
    fn ini_matches_observed_ansible() {
        let mut failures = Vec::new();
        for (name, text, expected) in OBSERVED {
            let got = summarize(text);
            if got != *expected {
                failures.push(format!("{name}:\n  expected {expected}\n  got      {got}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn partial_inventory_survives_an_error() {
        let mut inv = InventoryData::new();
        let result = parse_ini(&mut inv, Path::new("x"), "[web]\nw1 a=1\n[g:foo]\n");
        assert_eq!(
            result.map_err(|e| (e.message, e.line)),
            Err(("Section [g:foo] has unknown type: foo".into(), Some(3)))
        );
        assert!(inv.host_id("w1").is_some());
        assert!(inv.group_id("g").is_none());
    }

    #[test]
    fn invalid_group_characters_warn() {
        let mut inv = InventoryData::new();
        assert!(parse_ini(&mut inv, Path::new("x"), "[web-servers]\nw1\n").is_ok());
        let expected = "Invalid characters were found in group names but not replaced, use -vvvv to see details";
        assert_eq!(inv.warnings, [Notice::Warning(expected.into())]);
        let mut inv = InventoryData::new();
        assert!(parse_ini(&mut inv, Path::new("x"), "[bad-name:foo]\n").is_err());
        assert_eq!(inv.warnings.len(), 1);
    }

    #[test]
    fn shlex_follows_python() {
        let split = |s: &str| shlex_split(s).map_err(str::to_string);
        assert_eq!(
            split("a 'b c' \"d\\\"e\" f\\ g"),
            Ok(vec!["a".into(), "b c".into(), "d\"e".into(), "f g".into()])
        );
        assert_eq!(split("a '' b"), Ok(vec!["a".into(), "".into(), "b".into()]));
        assert_eq!(split("a#b c"), Ok(vec!["a".into()]));
        assert_eq!(split("\"\\n\""), Ok(vec!["\\n".into()]));
        assert_eq!(split("'unclosed"), Err("No closing quotation".into()));
        assert_eq!(split("trailing\\"), Err("No escaped character".into()));
    }

    #[test]
    fn group_name_lines() {
        assert_eq!(match_group_name("web"), Some("web"));
        assert_eq!(match_group_name("web # c"), Some("web"));
        assert_eq!(match_group_name("web#x"), Some("web#x"));
        assert_eq!(match_group_name("a#b#c d"), Some("a#b"));
        assert_eq!(match_group_name("a#b#c #d"), Some("a#b#c"));
        assert_eq!(match_group_name("a#b# d"), Some("a#b"));
        assert_eq!(match_group_name(":x"), None);
    }

    /// Tiny deterministic generator (xorshift) so the fuzz inputs are
    /// reproducible without extra crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            let i = (self.next() % items.len() as u64) as usize;
            items.get(i).copied().unwrap_or_default()
        }
    }

    const FRAGMENTS: &[&str] = &[
        "[",
        "]",
        ":",
        "=",
        "'",
        "\"",
        "\\",
        "#",
        ";",
        " ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\u{85}",
        "\u{feff}",
        "\u{a0}",
        "é",
        "\u{212a}",
        "\0",
        "a",
        "Z",
        "_",
        "-",
        "+",
        ".",
        "...",
        ",",
        "(",
        ")",
        "{",
        "}",
        "1",
        "0",
        "9",
        "0x",
        "0o",
        "0b",
        "e",
        "j",
        "b'",
        "r'",
        "f'",
        "'''",
        "\"\"\"",
        "u",
        "set",
        "True",
        "None",
        "|",
        "web",
        "children",
        "vars",
        "hosts",
        "all",
        "ungrouped",
        "[1:3]",
        "[a:c]",
        "[01:03]",
        "[1:2:0]",
        "::",
        "[::1]:22",
        "h:22",
        "x=1",
        "---",
        "\\x4",
        "\\N{",
        "\\u12",
        "\\U",
        "[g:children]",
        "[g:vars]",
    ];

    fn random_text(rng: &mut Rng) -> String {
        let len = (rng.next() % 24) as usize;
        (0..len).map(|_| rng.pick(FRAGMENTS)).collect()
    }

    /// Every prefix of every recorded case, plus random fragment soup, fed
    /// to all four parsers: none of them may panic.
    #[test]
    fn parsers_never_panic() {
        let mut inputs: Vec<String> = Vec::new();
        for (_, text, _) in OBSERVED {
            inputs.extend(
                text.char_indices()
                    .map(|(i, _)| text.get(..i).unwrap_or_default().to_string()),
            );
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..600 {
            inputs.push(random_text(&mut rng));
        }
        for input in &inputs {
            let _ = parse_ini(&mut InventoryData::new(), Path::new("fuzz.ini"), input);
            let _ = try_literal_eval(input);
            let _ = crate::inventory::ranges::expand_host_pattern(input);
            let _ = crate::inventory::address::parse_address(input, true);
            let _ = crate::inventory::address::parse_address(input, false);
            // The same text as a group variable, a child line and a host variable.
            let wrapped = [
                format!("[g:vars]\nk={input}\n"),
                format!("[g:children]\n{input}\n"),
                format!("h k={input}\n"),
            ];
            for text in &wrapped {
                let _ = parse_ini(&mut InventoryData::new(), Path::new("fuzz.ini"), text);
            }
        }
        assert!(inputs.len() > 600);
    }
}
