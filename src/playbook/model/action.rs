//! Finding a task's action and arguments among its keys, as ansible's
//! `ModuleArgsParser` does: `action:`/`local_action:` strings or mappings,
//! a module name used as a key (short, `ansible.builtin.`, `ansible.legacy.`
//! or a collection's name), free-form `k=v` strings, and `args:` merged in.

use indexmap::IndexMap;

use super::error::{Origin, ParseError, Result};
use super::keywords;
use super::modules::{self, ActionResolver};
use crate::errors::Exit;
use crate::playbook::kv::{self, KvError};
use crate::playbook::yaml::{Node, NodeKind, Span};
use crate::value::Value;

/// The outcome of parsing a task's keys.
#[derive(Debug, Clone)]
pub struct ParsedAction {
    /// Where the arguments were written: a mapping, or free-form text
    /// after the module's key (none for text after `action:`).
    pub args_span: Option<Span>,
    /// Where each argument's value was written (for error origins).
    pub arg_spans: IndexMap<String, Span>,
    pub action: String,
    pub args: IndexMap<String, Value>,
    pub delegate_to: Option<Value>,
    /// The fully qualified name, when the action was resolved.
    pub resolved: Option<String>,
}

/// Actions that are always known, whatever the plugin paths.
const BUILTIN_TASKS: &[&str] = &[
    "meta",
    "include_tasks",
    "include_role",
    "import_tasks",
    "import_role",
];

/// Whether `key` is a task keyword for the parser (Task and Handler
/// keywords plus `local_action` and `static`).
pub fn is_task_attribute(key: &str) -> bool {
    keywords::TASK.contains(&key)
        || keywords::HANDLER.contains(&key)
        || key == "local_action"
        || key == "static"
}

/// What ansible shows as a Python type in messages.
pub fn python_class(node: &Node) -> &'static str {
    match &node.kind {
        NodeKind::Map(_) => "<class 'dict'>",
        NodeKind::Seq(_) => "<class 'list'>",
        NodeKind::Scalar(v) => match v {
            Value::Null => "<class 'NoneType'>",
            Value::Bool(_) => "<class 'bool'>",
            Value::Int(_) | Value::BigInt(_) => "<class 'int'>",
            Value::Float(_) => "<class 'float'>",
            _ => "<class 'str'>",
        },
    }
}

fn kv_error(e: KvError, origin: &Origin) -> ParseError {
    let exit = if e.is_unexpected() {
        Exit::Unexpected
    } else {
        Exit::PARSE_ERROR
    };
    ParseError::at(exit, e.to_string(), origin)
}

fn parse_kv(s: &str, check_raw: bool, origin: &Origin) -> Result<IndexMap<String, Value>> {
    Ok(kv::parse_kv(s, check_raw)
        .map_err(|e| kv_error(e, origin))?
        .into_iter()
        .map(|(k, v)| (k, Value::Str(v)))
        .collect())
}

fn split_module_string(s: &str, origin: &Origin) -> Result<(String, String)> {
    let tokens = kv::split_args(s).map_err(|e| kv_error(e, origin))?;
    match tokens.split_first() {
        Some((first, rest)) => Ok((first.trim().to_string(), rest.join(" "))),
        None => Err(ParseError::at(
            Exit::Unexpected,
            "Unexpected Exception, this is probably a bug: list index out of range",
            origin,
        )),
    }
}

/// A string that is one Jinja expression (`{{ ... }}`) and nothing else.
fn is_possibly_all_template(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("{{") && t.ends_with("}}")
}

/// The parser over one task's key/value pairs.
pub struct ArgsParser<'a> {
    pub pairs: &'a [(String, &'a Node)],
    /// The whole task, for error positions.
    pub origin: &'a Origin,
    pub file: &'a std::sync::Arc<super::error::SourceFile>,
}

/// Spans of the arguments written in `node`: the value of each key of a
/// mapping, or the `key=` token of a one-line `k=v` string.
fn arg_spans(node: &Node) -> IndexMap<String, Span> {
    arg_spans_of(node)
}

fn arg_spans_of(node: &Node) -> IndexMap<String, Span> {
    let mut out = IndexMap::new();
    match &node.kind {
        NodeKind::Map(pairs) => {
            for (k, v) in pairs {
                if let NodeKind::Scalar(key) = &k.kind {
                    let name = key.python_str();
                    // Where the argument is named: set_fact's variables.
                    out.insert(crate::vars::origins::name_key(&name), k.span);
                    out.insert(name, v.span);
                }
            }
        }
        NodeKind::Scalar(Value::Str(s) | Value::Unsafe(s)) if !s.contains('\n') => {
            for token in kv::split_args(s).unwrap_or_default() {
                let Some((key, _)) = token.split_once('=') else {
                    continue;
                };
                if let Some(offset) = s.find(&token) {
                    let chars = s[..offset].chars().count();
                    let mut span = node.span;
                    span.col += chars;
                    span.start += offset;
                    span.len = token.len();
                    out.insert(key.to_string(), span);
                }
            }
        }
        _ => {}
    }
    out
}

impl ArgsParser<'_> {
    fn get(&self, key: &str) -> Option<&Node> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
    }

    fn origin_of(&self, node: &Node) -> Origin {
        Origin::new(self.file, node.span)
    }

    /// Parses the task. Without a resolver every non-keyword key counts as
    /// an action (ansible's `skip_action_validation`).
    pub fn parse(&self, resolver: Option<(&ActionResolver, &[String])>) -> Result<ParsedAction> {
        let mut action: Option<String> = None;
        let mut args = IndexMap::new();
        let mut resolved = None;
        let mut args_node: Option<&Node> = None;
        let mut delegate_to = self.get("delegate_to").map(Node::to_value);
        let additional = self.get("args");
        if let Some(thing) = self.get("action") {
            let (a, r) = self.normalize(thing, None, additional)?;
            action = a;
            args = r;
            args_node = Some(thing);
        }
        if let Some(thing) = self.get("local_action") {
            if action.is_some() {
                return Err(ParseError::parser_at(
                    "action and local_action are mutually exclusive",
                    self.origin,
                ));
            }
            delegate_to = Some(Value::str("localhost"));
            let (a, r) = self.normalize(thing, None, additional)?;
            action = a;
            args = r;
            args_node = Some(thing);
        }
        let non_task: Vec<&(String, &Node)> = self
            .pairs
            .iter()
            .filter(|(k, _)| !is_task_attribute(k) && !k.starts_with("with_"))
            .collect();
        for (item, value) in &non_task {
            let candidate = if modules::is_builtin_one_of(item, BUILTIN_TASKS) {
                true
            } else if let Some((resolver, collections)) = resolver {
                if modules::short_builtin(item) == Some("include") {
                    return Err(ParseError::general_at(
                        "The 'ansible.builtin.include' action plugin has been removed. Use include_tasks or \
                         import_tasks instead. This feature was removed from ansible-core in a release after 2023-05-16.",
                        self.origin,
                    ));
                }
                match resolver.resolve(item, collections) {
                    Some(fqcn) => {
                        resolved = Some(fqcn);
                        true
                    }
                    None => false,
                }
            } else {
                true
            };
            if candidate {
                if let Some(prev) = &action {
                    return Err(ParseError::parser_at(
                        format!("conflicting action statements: {prev}, {item}"),
                        self.origin,
                    ));
                }
                let (_, r) = self.normalize(value, Some(item), additional)?;
                action = Some(item.clone());
                args = r;
                args_node = Some(value);
            }
        }
        let Some(action) = action else {
            return Err(match non_task.first() {
                Some((bad, _)) => ParseError::parser_at(
                    format!(
                        "couldn't resolve module/action '{bad}'. This often indicates a misspelling, \
                         missing collection, or incorrect module path."
                    ),
                    self.origin,
                ),
                None => ParseError::parser_at("no module/action detected in task.", self.origin),
            });
        };
        if resolved.is_none()
            && let Some((resolver, collections)) = resolver
        {
            resolved = resolver.resolve(&action, collections);
        }
        let mut arg_spans = args_node.map(arg_spans).unwrap_or_default();
        if let Some(extra) = additional {
            for (k, span) in arg_spans_of(extra) {
                arg_spans.entry(k).or_insert(span);
            }
            // `args: '{{ mapping }}'` is pointed at by its errors.
            if args.contains_key("_variable_params") {
                arg_spans.insert("_variable_params".into(), extra.span);
            }
        }
        // Free-form arguments after the module's own key (`raw: echo x`)
        // have the stage level of a mapping, and `_raw_params` starts
        // where the text does; after `action:`/`local_action:` the text
        // also names the module and ansible reports it in one level.
        let module_key_text = args_node.is_some_and(|n| {
            matches!(n.kind, NodeKind::Scalar(Value::Str(_) | Value::Unsafe(_)))
                && !self
                    .pairs
                    .iter()
                    .any(|(k, _)| k == "action" || k == "local_action")
        });
        if module_key_text
            && let Some(node) = args_node
            && args.contains_key("_raw_params")
        {
            arg_spans
                .entry("_raw_params".to_string())
                .or_insert(node.span);
        }
        let args_span = args_node
            .filter(|n| matches!(n.kind, NodeKind::Map(_)) || module_key_text)
            .map(|n| n.span);
        Ok(ParsedAction {
            args_span,
            arg_spans,
            action,
            args,
            delegate_to,
            resolved,
        })
    }

    /// ansible's `_normalize_parameters`.
    fn normalize(
        &self,
        thing: &Node,
        action: Option<&str>,
        additional: Option<&Node>,
    ) -> Result<(Option<String>, IndexMap<String, Value>)> {
        let mut final_args: IndexMap<String, Value> = IndexMap::new();
        if let Some(extra) = additional {
            match &extra.kind {
                NodeKind::Scalar(Value::Str(s)) | NodeKind::Scalar(Value::Unsafe(s))
                    if is_possibly_all_template(s) =>
                {
                    final_args.insert("_variable_params".into(), Value::Str(s.clone()));
                }
                NodeKind::Map(_) => {
                    if let Value::Map(m) = extra.to_value() {
                        final_args.extend(m);
                    }
                }
                NodeKind::Scalar(Value::Null) => {}
                _ => {
                    return Err(ParseError::parser_at(
                        "The value of the task `args` keyword is invalid.",
                        &self.origin_of(extra),
                    ));
                }
            }
        }
        let (action, args) = match action {
            Some(action) => (
                action.to_string(),
                self.new_style_args(thing, action)?.unwrap_or_default(),
            ),
            None => {
                let (action, mut args) = self.old_style_args(thing)?;
                if let Some(inner) = args.shift_remove("args") {
                    match inner {
                        Value::Str(s) => args.extend(parse_kv(&s, false, self.origin)?),
                        Value::Map(m) => args.extend(m),
                        _ => {}
                    }
                }
                match action {
                    Some(a) => (a, args),
                    None => return Ok((None, args)),
                }
            }
        };
        if !modules::is_freeform(&action)
            && let Some(bad) = args.keys().find(|k| k.starts_with("_ansible_"))
        {
            return Err(ParseError::plain(
                Exit::Error,
                format!(
                    "Invalid parameter specified beginning with keyword '_ansible_' for action '{action}': '{bad}'. \
                     The prefix '_ansible_' is reserved for internal use only."
                ),
            ));
        }
        final_args.extend(args);
        Ok((Some(action), final_args))
    }

    fn new_style_args(
        &self,
        thing: &Node,
        action: &str,
    ) -> Result<Option<IndexMap<String, Value>>> {
        match &thing.kind {
            NodeKind::Map(_) => Ok(thing.to_value().as_map().cloned()),
            NodeKind::Scalar(Value::Str(s)) | NodeKind::Scalar(Value::Unsafe(s)) => Ok(Some(
                parse_kv(s, modules::is_freeform(action), self.origin)?,
            )),
            NodeKind::Scalar(Value::Vault(s)) => {
                let mut m = IndexMap::new();
                m.insert("_raw_params".to_string(), Value::Vault(s.clone()));
                Ok(Some(m))
            }
            NodeKind::Scalar(Value::Null) => Ok(None),
            _ => Err(ParseError::parser_at(
                format!(
                    "unexpected parameter type in action: {}",
                    python_class(thing)
                ),
                self.origin,
            )),
        }
    }

    fn old_style_args(&self, thing: &Node) -> Result<(Option<String>, IndexMap<String, Value>)> {
        match &thing.kind {
            NodeKind::Map(_) => {
                let mut map = thing.to_value().as_map().cloned().unwrap_or_default();
                let Some(module) = map.shift_remove("module") else {
                    return Ok((None, map));
                };
                let module = module.python_str();
                let (action, rest) = split_module_string(&module, self.origin)?;
                let parsed = parse_kv(&rest, modules::is_freeform(&action), self.origin)?;
                map.extend(parsed);
                Ok((Some(action), map))
            }
            NodeKind::Scalar(Value::Str(s)) | NodeKind::Scalar(Value::Unsafe(s)) => {
                let (action, rest) = split_module_string(s, self.origin)?;
                let args = parse_kv(&rest, modules::is_freeform(&action), self.origin)?;
                Ok((Some(action), args))
            }
            _ => Err(ParseError::parser_at(
                format!(
                    "unexpected parameter type in action: {}",
                    python_class(thing)
                ),
                self.origin,
            )),
        }
    }
}
