//! ssh command-line arguments as ansible builds them: its `*_args`
//! strings split the way Python's `shlex.split` does, then read the way
//! OpenSSH's `ssh` reads its argv (getopt flags, `-o Key=Value`).

use super::error::SshError;

/// One `Keyword value` setting in ssh_config terms, from the command line.
/// The keyword is lowercased (ssh_config keywords are case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshOption {
    pub keyword: String,
    pub value: String,
}

/// What an ssh argv (without destination and command) asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshCommandLine {
    /// Settings in command-line order; for most keywords ssh uses the
    /// first one given.
    pub options: Vec<SshOption>,
    /// `-F FILE`: the ssh_config to read instead of ~/.ssh/config.
    pub config_file: Option<String>,
}

/// Python's `shlex.split(text)` (POSIX mode, no comments) followed by
/// ansible's `_split_ssh_args` clean-up: words stripped, empty ones dropped.
pub fn split_ansible_args(text: &str) -> Result<Vec<String>, SshError> {
    let words = python_shlex_split(text).map_err(|reason| SshError::Config {
        message: format!("cannot split ssh arguments {text:?}: {reason}"),
    })?;
    Ok(words
        .into_iter()
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect())
}

/// `shlex.split(text)` with Python's defaults (`posix=True`,
/// `comments=False`): `#` is an ordinary character.
fn python_shlex_split(text: &str) -> Result<Vec<String>, &'static str> {
    #[derive(Clone, Copy)]
    enum State {
        Between,
        Word,
        Quoted(char),
        Escaped { in_double_quotes: bool },
    }
    let mut words = Vec::new();
    let mut word = String::new();
    // A word made only of quotes ("") is still a word.
    let mut has_word = false;
    let mut state = State::Between;
    for c in text.chars() {
        state = match (state, c) {
            (State::Between, c) if is_shlex_space(c) => State::Between,
            (State::Word, c) if is_shlex_space(c) => {
                words.push(std::mem::take(&mut word));
                has_word = false;
                State::Between
            }
            (State::Between | State::Word, '\\') => {
                has_word = true;
                State::Escaped {
                    in_double_quotes: false,
                }
            }
            (State::Between | State::Word, q @ ('\'' | '"')) => {
                has_word = true;
                State::Quoted(q)
            }
            (State::Between | State::Word, c) => {
                has_word = true;
                word.push(c);
                State::Word
            }
            (State::Quoted(q), c) if c == q => State::Word,
            (State::Quoted('"'), '\\') => State::Escaped {
                in_double_quotes: true,
            },
            (State::Quoted(q), c) => {
                word.push(c);
                State::Quoted(q)
            }
            (State::Escaped { in_double_quotes }, c) => {
                if in_double_quotes && c != '"' && c != '\\' {
                    word.push('\\');
                }
                word.push(c);
                if in_double_quotes {
                    State::Quoted('"')
                } else {
                    State::Word
                }
            }
        };
    }
    match state {
        State::Quoted(_) => Err("No closing quotation"),
        State::Escaped { .. } => Err("No escaped character"),
        State::Between | State::Word => {
            if has_word {
                words.push(word);
            }
            Ok(words)
        }
    }
}

fn is_shlex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// ssh flags that take an argument (OpenSSH 9's getopt string
/// `1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy`).
const FLAGS_WITH_ARGUMENT: &str = "bceilmopBDEFIJLOPQRSwW";
const FLAGS_WITHOUT_ARGUMENT: &str = "12346afgkqnstvxyACGKMNTVXY";

/// Reads ssh's command-line options the way `ssh` does (clustered flags,
/// attached or separate arguments), translating each flag into the
/// ssh_config setting it stands for. Flags that only change what ssh does
/// locally (-v, -q, -T, ...) are accepted and dropped.
pub fn parse_ssh_command_line(args: &[String]) -> Result<SshCommandLine, SshError> {
    let mut line = SshCommandLine::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            if let Some(extra) = rest.next() {
                return Err(unexpected_argument(extra));
            }
            break;
        }
        let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
            return Err(unexpected_argument(arg));
        };
        for (at, flag) in flags.char_indices() {
            if FLAGS_WITH_ARGUMENT.contains(flag) {
                let attached = &flags[at + flag.len_utf8()..];
                let value = if attached.is_empty() {
                    rest.next().cloned().ok_or_else(|| SshError::Config {
                        message: format!("ssh option -{flag} requires an argument"),
                    })?
                } else {
                    attached.to_string()
                };
                apply_flag(&mut line, flag, value)?;
                break;
            } else if FLAGS_WITHOUT_ARGUMENT.contains(flag) {
                apply_switch(&mut line, flag);
            } else {
                return Err(SshError::Config {
                    message: format!("unknown ssh option -{flag} in {arg:?}"),
                });
            }
        }
    }
    Ok(line)
}

fn unexpected_argument(arg: &str) -> SshError {
    SshError::Config {
        message: format!(
            "unexpected argument {arg:?} in the ssh arguments (only options are allowed there)"
        ),
    }
}

fn push(line: &mut SshCommandLine, keyword: &str, value: impl Into<String>) {
    line.options.push(SshOption {
        keyword: keyword.to_string(),
        value: value.into(),
    });
}

fn apply_flag(line: &mut SshCommandLine, flag: char, value: String) -> Result<(), SshError> {
    match flag {
        'o' => {
            let option = parse_config_line(&value)?;
            line.options.push(option);
        }
        'F' => {
            // ssh keeps the last -F (`config = optarg` each time).
            line.config_file = Some(value);
        }
        'i' => push(line, "identityfile", value),
        'l' => push(line, "user", value),
        'p' => push(line, "port", value),
        'J' => push(line, "proxyjump", value),
        'I' => push(line, "pkcs11provider", value),
        'L' => push(line, "localforward", value),
        'R' => push(line, "remoteforward", value),
        'D' => push(line, "dynamicforward", value),
        'S' => push(line, "controlpath", value),
        'c' => push(line, "ciphers", value),
        'm' => push(line, "macs", value),
        'b' => push(line, "bindaddress", value),
        'B' => push(line, "bindinterface", value),
        'W' => push(line, "stdioforward", value),
        'w' => push(line, "tunneldevice", value),
        'O' => {
            return Err(SshError::Config {
                message: format!(
                    "ssh -O {value} (control commands) cannot be used for a connection"
                ),
            });
        }
        'Q' => {
            return Err(SshError::Config {
                message: format!("ssh -Q {value} (queries) cannot be used for a connection"),
            });
        }
        // -E log file, -e escape char, -P tag: nothing to do for us.
        _ => {}
    }
    Ok(())
}

fn apply_switch(line: &mut SshCommandLine, flag: char) {
    match flag {
        '4' => push(line, "addressfamily", "inet"),
        '6' => push(line, "addressfamily", "inet6"),
        'A' => push(line, "forwardagent", "yes"),
        'a' => push(line, "forwardagent", "no"),
        'C' => push(line, "compression", "yes"),
        'K' => push(line, "gssapiauthentication", "yes"),
        'M' => push(line, "controlmaster", "yes"),
        'X' | 'Y' => push(line, "forwardx11", "yes"),
        'x' => push(line, "forwardx11", "no"),
        _ => {}
    }
}

/// One ssh_config line (`Keyword value`, `Keyword=value`, `Keyword = value`)
/// as `-o` takes it: the keyword ends at whitespace or the first `=`.
pub fn parse_config_line(text: &str) -> Result<SshOption, SshError> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(text.len());
    let keyword = &text[..end];
    let mut value = text[end..].trim_start();
    if let Some(after_equals) = value.strip_prefix('=') {
        value = after_equals.trim_start();
    }
    if keyword.is_empty() {
        return Err(SshError::Config {
            message: format!("bad ssh option {text:?}: no keyword"),
        });
    }
    Ok(SshOption {
        keyword: keyword.to_ascii_lowercase(),
        value: value.trim_end().to_string(),
    })
}

/// The words of an ssh_config value as OpenSSH's `argv_split` reads them:
/// whitespace-separated, with '...' and "..." quoting and `\` escapes.
pub fn config_words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                in_word = true;
                match chars.next() {
                    Some(next) => word.push(next),
                    None => word.push('\\'),
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_like_python_shlex_without_comments() {
        let split = |s: &str| split_ansible_args(s).unwrap_or_default();
        assert_eq!(
            split(r#"-o ProxyCommand="nc %h %p # x" -i '/a b/key'"#),
            strings(&["-o", "ProxyCommand=nc %h %p # x", "-i", "/a b/key"])
        );
        assert_eq!(
            split(r#"-o "StrictHostKeyChecking no""#),
            strings(&["-o", "StrictHostKeyChecking no"])
        );
        assert_eq!(split(r#"a\ b "c\d" """#), strings(&["a b", r"c\d"]));
        assert!(split_ansible_args("-o 'unclosed").is_err());
        assert!(split_ansible_args("trailing\\").is_err());
    }

    #[test]
    fn reads_flags_like_ssh_getopt() {
        let line = parse_ssh_command_line(&strings(&[
            "-4Cp2222",
            "-o",
            "User=alice",
            "-oStrictHostKeyChecking no",
            "-i",
            "/k1",
            "-l",
            "bob",
            "-F",
            "/cfg",
            "-vvv",
        ]))
        .unwrap_or_default();
        let got: Vec<(&str, &str)> = line
            .options
            .iter()
            .map(|o| (o.keyword.as_str(), o.value.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("addressfamily", "inet"),
                ("compression", "yes"),
                ("port", "2222"),
                ("user", "alice"),
                ("stricthostkeychecking", "no"),
                ("identityfile", "/k1"),
                ("user", "bob"),
            ]
        );
        assert_eq!(line.config_file.as_deref(), Some("/cfg"));
    }

    #[test]
    fn rejects_what_ssh_would_not_take_here() {
        assert!(parse_ssh_command_line(&strings(&["-p"])).is_err());
        assert!(parse_ssh_command_line(&strings(&["-Z"])).is_err());
        assert!(parse_ssh_command_line(&strings(&["somehost"])).is_err());
        assert!(parse_ssh_command_line(&strings(&["-o", "=x"])).is_err());
        assert!(parse_ssh_command_line(&strings(&["-O", "exit"])).is_err());
    }

    #[test]
    fn config_lines_and_words() {
        let option = parse_config_line("UserKnownHostsFile = \"/a b/kh\" /c/kh").ok();
        assert_eq!(
            option,
            Some(SshOption {
                keyword: "userknownhostsfile".into(),
                value: "\"/a b/kh\" /c/kh".into()
            })
        );
        assert_eq!(
            config_words("\"/a b/kh\" /c/kh"),
            strings(&["/a b/kh", "/c/kh"])
        );
        assert_eq!(config_words("  "), Vec::<String>::new());
    }
}
