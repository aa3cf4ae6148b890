//! A play's `vars_prompt` (ansible's PlaybookExecutor + Display.
//! do_var_prompt): before the play starts, each entry not given as an extra
//! var is asked on the terminal and becomes a play var. Without a terminal
//! on stdin nothing is asked: ansible warns once per entry and uses the
//! `default` (the text `None` without one). Answers are text; `encrypt`
//! hashes them as the `password_hash` filter does, `unsafe` keeps them from
//! being templated.

use std::io::{BufRead, IsTerminal, Write};

use crate::templating::render::Templar;
use crate::value::{Map, Value};

/// Where answers come from.
pub trait Terminal {
    /// Whether stdin is a terminal (ansible's `sys.__stdin__.isatty()`).
    fn interactive(&self) -> bool;
    /// Ask with `msg`; `private` answers are not echoed (getpass).
    fn ask(&mut self, msg: &str, private: bool) -> std::io::Result<String>;
    /// A line of ansible's `display.display` (stdout).
    fn say(&mut self, line: &str);
    fn warn(&mut self, msg: &str);
}

/// The process's terminal: getpass's `/dev/tty` for private answers,
/// `input()`'s stdout and stdin for the others.
pub struct ProcessTerminal;

impl Terminal for ProcessTerminal {
    fn interactive(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn ask(&mut self, msg: &str, private: bool) -> std::io::Result<String> {
        if private {
            return crate::cli::setup::prompt_no_echo(msg);
        }
        let mut out = std::io::stdout();
        write!(out, "{msg}")?;
        out.flush()?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "EOF when reading a line",
            ));
        }
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }

    fn say(&mut self, line: &str) {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn warn(&mut self, msg: &str) {
        // ansible's Display shows a warning text once per process; this
        // is the only one vars_prompt gives.
        if !NOT_PROMPTING_SHOWN.swap(true, std::sync::atomic::Ordering::SeqCst) {
            crate::cli::display::warning(msg);
        }
    }
}

static NOT_PROMPTING_SHOWN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// One entry of `vars_prompt`, templated.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptEntry {
    pub name: String,
    pub prompt: Value,
    pub default: Option<Value>,
    pub private: bool,
    pub confirm: bool,
    pub encrypt: Option<Value>,
    pub salt_size: Option<Value>,
    pub salt: Option<Value>,
    pub unsafe_: bool,
}

/// The keys an entry may have (ansible's `Play._load_vars_prompt`).
pub const KEYS: [&str; 9] = [
    "name",
    "prompt",
    "default",
    "private",
    "confirm",
    "encrypt",
    "salt_size",
    "salt",
    "unsafe",
];

impl PromptEntry {
    /// An entry from its templated mapping; `None` when it is not one (the
    /// loader has refused such entries already).
    pub fn from_map(map: &Map) -> Option<PromptEntry> {
        let name = map.get("name")?.python_str();
        let given = |key: &str| map.get(key).filter(|v| !matches!(v, Value::Null)).cloned();
        let flag =
            |key: &str, default: bool| given(key).and_then(|v| v.ansible_bool()).unwrap_or(default);
        Some(PromptEntry {
            prompt: map
                .get("prompt")
                .cloned()
                .unwrap_or_else(|| Value::str(name.as_str())),
            name,
            // `var.get("default", None)`: an explicit null is no default.
            default: given("default"),
            private: flag("private", true),
            confirm: flag("confirm", false),
            encrypt: given("encrypt"),
            salt_size: given("salt_size"),
            salt: given("salt"),
            unsafe_: flag("unsafe", false),
        })
    }

    /// The question as do_var_prompt words it.
    fn message(&self) -> String {
        if self.prompt.is_truthy() {
            match &self.default {
                Some(default) => {
                    format!("{} [{}]: ", self.prompt.python_str(), default.python_str())
                }
                None => format!("{}: ", self.prompt.python_str()),
            }
        } else {
            format!("input for {}: ", self.name)
        }
    }
}

/// The entries of a templated `vars_prompt` value (a mapping alone counts
/// as a list of one, as ansible's `preprocess_vars` makes it).
pub fn entries(value: &Value) -> Vec<PromptEntry> {
    let items: Vec<&Value> = match value {
        Value::Null => Vec::new(),
        Value::List(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|item| item.as_map().and_then(PromptEntry::from_map))
        .collect()
}

/// The value of one entry: asked (twice with `confirm`, until both agree)
/// on a terminal, else the default; then hashed with `encrypt`.
pub fn answer(
    entry: &PromptEntry,
    terminal: &mut dyn Terminal,
    templar: &Templar,
) -> Result<Value, String> {
    let mut result: Option<String> = None;
    if terminal.interactive() {
        let msg = entry.message();
        let ask = |terminal: &mut dyn Terminal, msg: &str| {
            terminal.ask(msg, entry.private).map_err(|e| format!("{e}"))
        };
        if entry.confirm {
            loop {
                let first = ask(terminal, &msg)?;
                let second = ask(terminal, &format!("confirm {msg}"))?;
                if first == second {
                    result = Some(first);
                    break;
                }
                terminal.say("***** VALUES ENTERED DO NOT MATCH ****");
            }
        } else {
            result = Some(ask(terminal, &msg)?);
        }
    } else {
        terminal.warn("Not prompting as we are not in interactive mode");
    }
    // `if not result and default is not None: result = default`
    let mut value: Value = match result {
        Some(text) if !text.is_empty() => Value::str(text),
        _ => match &entry.default {
            Some(default) => default.clone(),
            None => match result {
                Some(text) => Value::str(text),
                None => Value::Null,
            },
        },
    };
    if let Some(hash) = entry.encrypt.as_ref().filter(|e| e.is_truthy()) {
        value = encrypt(&value, hash, entry, templar)?;
    }
    // `to_text(result)`: always text (`None` for no answer and no default).
    let text = value.python_str();
    Ok(if entry.unsafe_ {
        Value::Unsafe(text)
    } else {
        Value::str(text)
    })
}

/// `do_encrypt`: the `password_hash` filter with the entry's salt options.
fn encrypt(
    value: &Value,
    hash: &Value,
    entry: &PromptEntry,
    templar: &Templar,
) -> Result<Value, String> {
    let mut vars = Map::new();
    vars.insert("secret".into(), value.clone());
    vars.insert("hashtype".into(), hash.clone());
    vars.insert("salt".into(), entry.salt.clone().unwrap_or(Value::Null));
    vars.insert(
        "salt_size".into(),
        entry.salt_size.clone().unwrap_or(Value::Null),
    );
    templar
        .template(
            "{{ secret | password_hash(hashtype, salt, salt_size) }}",
            &vars,
        )
        .map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scripted {
        interactive: bool,
        answers: Vec<String>,
        asked: Vec<(String, bool)>,
        said: Vec<String>,
        warned: Vec<String>,
    }

    impl Scripted {
        fn new(interactive: bool, answers: &[&str]) -> Scripted {
            Scripted {
                interactive,
                answers: answers.iter().rev().map(|s| s.to_string()).collect(),
                asked: Vec::new(),
                said: Vec::new(),
                warned: Vec::new(),
            }
        }
    }

    impl Terminal for Scripted {
        fn interactive(&self) -> bool {
            self.interactive
        }
        fn ask(&mut self, msg: &str, private: bool) -> std::io::Result<String> {
            self.asked.push((msg.to_string(), private));
            self.answers
                .pop()
                .ok_or_else(|| std::io::Error::other("no more answers"))
        }
        fn say(&mut self, line: &str) {
            self.said.push(line.to_string());
        }
        fn warn(&mut self, msg: &str) {
            self.warned.push(msg.to_string());
        }
    }

    fn entry(yaml: &str) -> PromptEntry {
        let value = crate::playbook::yaml::load_value(yaml, std::path::Path::new("t.yml"))
            .ok()
            .flatten()
            .unwrap_or(Value::Null);
        entries(&value).into_iter().next().expect("one entry")
    }

    #[test]
    fn without_a_terminal_the_default_or_none_text() {
        let templar = Templar::new();
        let mut t = Scripted::new(false, &[]);
        let e = entry("{name: a, default: 5}");
        assert_eq!(answer(&e, &mut t, &templar), Ok(Value::str("5")));
        let e = entry("{name: b}");
        assert_eq!(answer(&e, &mut t, &templar), Ok(Value::str("None")));
        assert_eq!(t.warned.len(), 2);
        assert!(t.asked.is_empty());
    }

    #[test]
    fn messages_and_privacy_as_do_var_prompt() {
        let templar = Templar::new();
        let mut t = Scripted::new(true, &["", "typed", "x"]);
        let e = entry("{name: a, prompt: Your name, default: bob, private: no}");
        assert_eq!(answer(&e, &mut t, &templar), Ok(Value::str("bob")));
        let e = entry("{name: b}");
        assert_eq!(answer(&e, &mut t, &templar), Ok(Value::str("typed")));
        let e = entry("{name: c, prompt: '', unsafe: yes}");
        assert_eq!(answer(&e, &mut t, &templar), Ok(Value::Unsafe("x".into())));
        assert_eq!(
            t.asked,
            vec![
                ("Your name [bob]: ".to_string(), false),
                ("b: ".to_string(), true),
                ("input for c: ".to_string(), true),
            ]
        );
    }

    #[test]
    fn confirm_asks_again_until_both_agree() {
        let templar = Templar::new();
        let mut t = Scripted::new(true, &["one", "two", "same", "same"]);
        let e = entry("{name: p, prompt: Password, confirm: true}");
        assert_eq!(answer(&e, &mut t, &templar), Ok(Value::str("same")));
        assert_eq!(t.asked.len(), 4);
        assert_eq!(t.asked[1].0, "confirm Password: ");
        assert_eq!(t.said, vec!["***** VALUES ENTERED DO NOT MATCH ****"]);
    }

    #[test]
    fn encrypt_hashes_like_password_hash() {
        // CPython's crypt.crypt (glibc) of "password" with "$1$saltsalt$",
        // as the filter's own tests have it.
        let templar = Templar::new();
        let mut t = Scripted::new(false, &[]);
        let e = entry("{name: p, default: password, encrypt: md5_crypt, salt: saltsalt}");
        assert_eq!(
            answer(&e, &mut t, &templar),
            Ok(Value::str("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"))
        );
    }
}
