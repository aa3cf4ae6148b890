//! Vault secrets and where they come from: `--vault-id [LABEL@]SOURCE`,
//! `--vault-password-file FILE`, `--ask-vault-pass` and the configured
//! defaults, with ansible's ordering, labels and error texts.
//!
//! A source is `prompt` / `prompt_ask_vault_pass` (ask on the terminal, via
//! an injected function so tests need no TTY), or a path: a plain file
//! (its content, trimmed), an executable (its stdout, without surrounding
//! CR/LF) or an executable named `*-client` / `*-client.EXT` (run with
//! `--vault-id LABEL`, exit code 2 meaning "unknown label").
//!
//! A failing file source is a warning and is skipped; only when no source
//! at all produced a secret does the last such failure end the run. A
//! failing prompt is a warning and an error at once.

use super::VaultError;
use super::format::{is_encrypted, trim_ascii_ws, trim_with};
use crate::pypath;
use crate::value::python_str_repr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One labelled vault password.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultSecret {
    /// The vault-id label (`default` unless given as `LABEL@SOURCE`).
    pub label: String,
    /// The password bytes, already trimmed as ansible trims them.
    pub bytes: Vec<u8>,
}

impl VaultSecret {
    pub fn new(label: impl Into<String>, bytes: impl Into<Vec<u8>>) -> VaultSecret {
        VaultSecret {
            label: label.into(),
            bytes: bytes.into(),
        }
    }
}

/// Never prints the password.
impl std::fmt::Debug for VaultSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultSecret")
            .field("label", &self.label)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// Asks the user for a password, showing the given prompt, without echo,
/// and returns the answer without its line terminator (as `getpass` does:
/// an empty answer is refused before the answer is trimmed). End of input
/// (Ctrl-D) is `io::ErrorKind::UnexpectedEof`.
pub type PromptFn<'a> = &'a dyn Fn(&str) -> io::Result<String>;

/// The label ansible uses when none is given (`DEFAULT_VAULT_IDENTITY`).
pub const DEFAULT_IDENTITY: &str = "default";

/// The two source names that mean "ask": `prompt` shows the label in the
/// prompt, `prompt_ask_vault_pass` (what `--ask-vault-pass` becomes) does not.
const PROMPT: &str = "prompt";
const PROMPT_ASK_VAULT_PASS: &str = "prompt_ask_vault_pass";

/// Everything that decides the vault secrets of a run.
#[derive(Debug, Clone)]
pub struct SecretOptions {
    /// `--vault-id` values, in command-line order.
    pub vault_ids: Vec<String>,
    /// `--vault-password-file` values, in command-line order.
    pub password_files: Vec<PathBuf>,
    /// `--ask-vault-pass` (or `DEFAULT_ASK_VAULT_PASS`).
    pub ask_vault_pass: bool,
    /// `DEFAULT_VAULT_IDENTITY_LIST`: tried before the `--vault-id`s.
    pub default_identity_list: Vec<String>,
    /// `DEFAULT_VAULT_PASSWORD_FILE`: tried after the `--vault-password-file`s.
    pub default_password_file: Option<PathBuf>,
    /// `DEFAULT_VAULT_IDENTITY`: the label of unlabelled sources.
    pub default_identity: String,
    /// `DEFAULT_VAULT_ID_MATCH`, used when a password file is itself
    /// vaulted and is decrypted with the secrets read before it.
    pub id_match: bool,
    /// Ask twice ("New vault password") as ansible-vault's encrypt/create do.
    pub create_new_password: bool,
    /// Prompt when no source is given at all (ansible-vault: yes;
    /// ansible-playbook: no).
    pub auto_prompt: bool,
    /// Directory relative paths are resolved against (default: the
    /// process's current directory).
    pub cwd: Option<PathBuf>,
}

impl Default for SecretOptions {
    fn default() -> SecretOptions {
        SecretOptions {
            vault_ids: Vec::new(),
            password_files: Vec::new(),
            ask_vault_pass: false,
            default_identity_list: Vec::new(),
            default_password_file: None,
            default_identity: DEFAULT_IDENTITY.to_string(),
            id_match: false,
            create_new_password: false,
            auto_prompt: false,
            cwd: None,
        }
    }
}

/// The secrets of an `ansible-playbook` run (no automatic prompt), with
/// ansible's warnings for skipped sources printed as `[WARNING]: ...`.
/// Use [`SecretOptions::load`] to choose every setting and receive the
/// warnings instead.
pub fn load_secrets(
    vault_ids: &[String],
    password_files: &[PathBuf],
    ask: bool,
    default_identity_list: &[String],
    prompt: PromptFn<'_>,
) -> Result<Vec<VaultSecret>, VaultError> {
    let options = SecretOptions {
        vault_ids: vault_ids.to_vec(),
        password_files: password_files.to_vec(),
        ask_vault_pass: ask,
        default_identity_list: default_identity_list.to_vec(),
        ..SecretOptions::default()
    };
    options.load(prompt, &mut |msg| crate::cli::display::warning(msg))
}

/// `LABEL@SOURCE` split at the first `@`; no `@` means no label.
pub fn split_vault_id(slug: &str) -> (Option<&str>, &str) {
    match slug.split_once('@') {
        Some((label, source)) => (Some(label), source),
        None => (None, slug),
    }
}

/// Python's `%s` of an optional label: `None` when absent.
fn label_text(label: Option<&str>) -> &str {
    label.unwrap_or("None")
}

impl SecretOptions {
    /// The `LABEL@SOURCE` list ansible builds: configured identities, then
    /// `--vault-id`s, then password files (labelled with the default
    /// identity), then the `--ask-vault-pass` prompt.
    pub fn slugs(&self) -> Vec<String> {
        let mut slugs: Vec<String> = self.default_identity_list.clone();
        slugs.extend(self.vault_ids.iter().cloned());
        let files = self
            .password_files
            .iter()
            .chain(self.default_password_file.as_ref());
        for file in files {
            slugs.push(format!(
                "{}@{}",
                self.default_identity,
                file.to_string_lossy()
            ));
        }
        if self.ask_vault_pass || (slugs.is_empty() && self.auto_prompt) {
            slugs.push(format!("{}@{PROMPT_ASK_VAULT_PASS}", self.default_identity));
        }
        slugs
    }

    /// Read every source in order. `warn` receives ansible's warning texts
    /// (without `[WARNING]: `) for sources that fail.
    pub fn load(
        &self,
        prompt: PromptFn<'_>,
        warn: &mut dyn FnMut(&str),
    ) -> Result<Vec<VaultSecret>, VaultError> {
        let mut secrets: Vec<VaultSecret> = Vec::new();
        let mut last_error: Option<VaultError> = None;
        let mut found_any = false;
        for slug in self.slugs() {
            let (name, source) = split_vault_id(&slug);
            if source == PROMPT || source == PROMPT_ASK_VAULT_PASS {
                let label = match name {
                    Some(n) if !n.is_empty() => n.to_string(),
                    _ => self.default_identity.clone(),
                };
                let formats = self.prompt_formats(source == PROMPT);
                match ask_password(&formats, &label, prompt) {
                    Ok(bytes) => {
                        found_any = true;
                        secrets.push(VaultSecret::new(label, bytes));
                    }
                    Err(e) => {
                        warn(&format!(
                            "Error in vault password prompt ({}): {e}",
                            label_text(name)
                        ));
                        return Err(e);
                    }
                }
                continue;
            }
            let located = match self.locate(source, name) {
                Ok(located) => located,
                Err(e) => {
                    warn(&format!(
                        "Error getting vault password file ({}): {e}",
                        label_text(name)
                    ));
                    last_error = Some(e);
                    continue;
                }
            };
            match located.read(self, &secrets) {
                Ok(bytes) => {
                    found_any = true;
                    let label = match name {
                        Some(n) if !n.is_empty() => n.to_string(),
                        _ => self.default_identity.clone(),
                    };
                    secrets.push(VaultSecret::new(label, bytes));
                }
                Err(e) => {
                    warn(&format!(
                        "Error in vault password file loading ({}): {e}",
                        label_text(name)
                    ));
                    last_error = Some(e);
                }
            }
        }
        match last_error {
            Some(e) if !found_any => Err(e),
            _ => Ok(secrets),
        }
    }

    fn prompt_formats(&self, with_label: bool) -> Vec<&'static str> {
        match (self.create_new_password, with_label) {
            (false, true) => vec!["Vault password ({}): "],
            (false, false) => vec!["Vault password: "],
            (true, true) => vec![
                "New vault password ({}): ",
                "Confirm new vault password ({}): ",
            ],
            (true, false) => vec!["New Vault password: ", "Confirm New Vault password: "],
        }
    }

    /// Find the file behind a source and decide how to read it.
    fn locate(&self, source: &str, name: Option<&str>) -> Result<Located, VaultError> {
        let cwd = match &self.cwd {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        };
        let path = unfrack_path(source, &cwd);
        let shown = path.to_string_lossy().into_owned();
        if !path.exists() {
            return Err(VaultError::PasswordFileNotFound { path: shown });
        }
        if path.is_dir() {
            return Err(VaultError::PasswordFileIsDirectory { path: shown });
        }
        let kind = if !is_executable(&path) {
            SourceKind::File
        } else if is_client_script_name(source) {
            SourceKind::ClientScript {
                vault_id: name.map(str::to_string),
            }
        } else {
            SourceKind::Script
        };
        Ok(Located { path, shown, kind })
    }
}

/// Ask with each prompt in turn; all answers must agree.
fn ask_password(
    formats: &[&str],
    label: &str,
    prompt: PromptFn<'_>,
) -> Result<Vec<u8>, VaultError> {
    let mut answers: Vec<Vec<u8>> = Vec::new();
    for format in formats {
        let text = format.replace("{}", label);
        let answer = match prompt(&text) {
            Ok(answer) => answer,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(VaultError::PromptEof {
                    vault_id: label.to_string(),
                });
            }
            Err(e) => {
                return Err(VaultError::Prompt {
                    detail: e.to_string(),
                });
            }
        };
        if answer.is_empty() {
            return Err(VaultError::EmptyPassword);
        }
        answers.push(trim_ascii_ws(answer.as_bytes()).to_vec());
    }
    if answers.iter().any(|a| a != &answers[0]) {
        return Err(VaultError::PasswordsDoNotMatch);
    }
    Ok(answers.into_iter().next().unwrap_or_default())
}

enum SourceKind {
    File,
    Script,
    ClientScript { vault_id: Option<String> },
}

struct Located {
    path: PathBuf,
    /// The path as ansible prints it.
    shown: String,
    kind: SourceKind,
}

impl Located {
    fn read(
        &self,
        options: &SecretOptions,
        earlier: &[VaultSecret],
    ) -> Result<Vec<u8>, VaultError> {
        match &self.kind {
            SourceKind::File => self.read_file(options, earlier),
            SourceKind::Script => self.run_script(None, false),
            SourceKind::ClientScript { vault_id } => self.run_script(vault_id.as_deref(), true),
        }
    }

    /// File content trimmed; a vaulted password file is decrypted with the
    /// secrets read so far.
    fn read_file(
        &self,
        options: &SecretOptions,
        earlier: &[VaultSecret],
    ) -> Result<Vec<u8>, VaultError> {
        let content =
            std::fs::read(&self.path).map_err(|e| VaultError::PasswordFileUnreadable {
                path: self.shown.clone(),
                detail: python_os_error(&e, &self.shown),
            })?;
        let mut password = trim_ascii_ws(&content).to_vec();
        if is_encrypted(&password) {
            // ansible's loader has no secret list at all until the first
            // source succeeded, which it reports differently from an empty one.
            if earlier.is_empty() {
                return Err(VaultError::NoVaultPassword { origin: None });
            }
            let vault = super::Vault::new(earlier.to_vec())
                .with_id_match(options.id_match)
                .with_default_identity(options.default_identity.clone());
            password = vault.decrypt_bytes(&password, "")?;
        }
        let password = trim_with(&password, |b| b == b'\r' || b == b'\n').to_vec();
        if password.is_empty() {
            return Err(VaultError::EmptyPasswordFile {
                path: self.shown.clone(),
            });
        }
        Ok(password)
    }

    /// Run the script; its stdout without surrounding CR/LF is the password.
    /// Only client scripts have their stderr captured (for the error text);
    /// others share the terminal so they can prompt.
    fn run_script(&self, vault_id: Option<&str>, client: bool) -> Result<Vec<u8>, VaultError> {
        let mut command = Command::new(&self.path);
        if let Some(id) = vault_id.filter(|id| !id.is_empty()) {
            command.args(["--vault-id", id]);
        }
        command
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(if client {
                Stdio::piped()
            } else {
                Stdio::inherit()
            });
        let output = command
            .output()
            .map_err(|e| VaultError::ScriptNotRunnable {
                path: self.shown.clone(),
                detail: python_os_error(&e, &self.shown),
                client,
            })?;
        let code = exit_code(&output.status);
        if client {
            let stderr = python_bytes_repr(&output.stderr);
            let vault_id = label_text(vault_id).to_string();
            if code == 2 {
                return Err(VaultError::ClientScriptUnknownId {
                    path: self.shown.clone(),
                    vault_id,
                    stderr,
                });
            }
            if code != 0 {
                return Err(VaultError::ClientScriptFailed {
                    path: self.shown.clone(),
                    code,
                    vault_id,
                    stderr,
                });
            }
        } else if code != 0 {
            return Err(VaultError::ScriptFailed {
                path: self.shown.clone(),
                code,
            });
        }
        let password = trim_with(&output.stdout, |b| b == b'\r' || b == b'\n').to_vec();
        if password.is_empty() {
            return Err(VaultError::EmptyPasswordScript {
                path: self.shown.clone(),
            });
        }
        Ok(password)
    }
}

/// Python's `returncode`: the exit status, or minus the killing signal.
fn exit_code(status: &std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return -signal;
        }
    }
    -1
}

/// ansible's test: any execute bit set (whoever may actually run it).
fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// `something-client` or `something-client.EXT`: the name without its
/// last extension (Python's `os.path.splitext`) ends in `-client`.
pub fn is_client_script_name(source: &str) -> bool {
    let base_start = source.rfind('/').map_or(0, |i| i + 1);
    let base = &source[base_start..];
    // splitext ignores leading dots of the last component.
    let stem = match base.rfind('.') {
        Some(dot) if base[..dot].bytes().any(|b| b != b'.') => &base[..dot],
        _ => base,
    };
    stem.ends_with("-client")
}

/// Python's text of an `OSError` about a file:
/// `[Errno 13] Permission denied: '/path'`.
fn python_os_error(e: &io::Error, path: &str) -> String {
    let text = e.to_string();
    let reason = match text.rfind(" (os error ") {
        Some(at) => &text[..at],
        None => &text,
    };
    match e.raw_os_error() {
        Some(errno) => format!("[Errno {errno}] {reason}: {}", python_str_repr(path)),
        None => reason.to_string(),
    }
}

/// Python's `repr(bytes)`: `b'...'`.
pub fn python_bytes_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(char::from(quote));
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(char::from(quote));
    out
}

/// ansible's `unfrackpath(path, follow=False)`: `$VARS`, then `~`, then
/// absolute against `cwd`, then normalised without touching the disk.
pub fn unfrack_path(path: &str, cwd: &Path) -> PathBuf {
    let expanded = pypath::expanduser(&pypath::expandvars(path));
    let joined = if expanded.starts_with('/') {
        expanded
    } else {
        let base = cwd.to_string_lossy();
        if base.ends_with('/') {
            format!("{base}{expanded}")
        } else {
            format!("{base}/{expanded}")
        }
    };
    PathBuf::from(pypath::normpath(&joined))
}
