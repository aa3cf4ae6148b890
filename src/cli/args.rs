//! Command-line flags of `ansible-playbook`, `ansible` and
//! `ansible-inventory`, with ansible's names, aliases and defaults
//! (ansible-core's `cli/arguments/option_helpers.py`). Parsing only: what each
//! flag does lives with the feature that uses it, and a flag whose feature is
//! missing is rejected by `unsupported_flags`, never ignored.

use clap::{ArgAction, Args, Parser};
use std::path::PathBuf;

#[derive(Debug, Clone, Args, Default)]
pub struct InventoryOpts {
    /// Inventory source: a file, a directory, a script or a comma-separated host list (repeatable).
    #[arg(short = 'i', long = "inventory", visible_alias = "inventory-file", action = ArgAction::Append, value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Further limit selected hosts to an additional pattern (`@file` reads patterns from a file).
    #[arg(short = 'l', long = "limit", value_name = "SUBSET")]
    pub limit: Option<String>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct VaultOpts {
    /// The vault identity to use (`label@source`); repeatable.
    #[arg(long = "vault-id", action = ArgAction::Append)]
    pub vault_ids: Vec<String>,
    /// Ask for the vault password.
    #[arg(
        short = 'J',
        long = "ask-vault-password",
        visible_alias = "ask-vault-pass"
    )]
    pub ask_vault_pass: bool,
    /// Vault password file (or executable); repeatable.
    #[arg(long = "vault-password-file", visible_alias = "vault-pass-file", action = ArgAction::Append)]
    pub vault_password_files: Vec<PathBuf>,
}

impl VaultOpts {
    pub fn is_used(&self) -> bool {
        !self.vault_ids.is_empty() || !self.vault_password_files.is_empty() || self.ask_vault_pass
    }
}

#[derive(Debug, Clone, Args, Default)]
pub struct ExtraVarsOpts {
    /// Set additional variables as key=value, YAML/JSON, or `@file`; repeatable.
    #[arg(short = 'e', long = "extra-vars", action = ArgAction::Append, value_name = "EXTRA_VARS")]
    pub extra_vars: Vec<String>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct ConnectionOpts {
    /// Use this file to authenticate the connection.
    #[arg(
        long = "private-key",
        visible_alias = "key-file",
        value_name = "PRIVATE_KEY_FILE"
    )]
    pub private_key_file: Option<PathBuf>,
    /// Connect as this user.
    #[arg(short = 'u', long = "user", value_name = "REMOTE_USER")]
    pub remote_user: Option<String>,
    /// Connection type to use.
    #[arg(short = 'c', long = "connection", value_name = "CONNECTION")]
    pub connection: Option<String>,
    /// Override the connection timeout in seconds.
    #[arg(short = 'T', long = "timeout", value_name = "TIMEOUT")]
    pub timeout: Option<i64>,
    /// Common arguments to pass to sftp/scp/ssh.
    #[arg(long = "ssh-common-args", allow_hyphen_values = true)]
    pub ssh_common_args: Option<String>,
    /// Extra arguments to pass only to sftp.
    #[arg(long = "sftp-extra-args", allow_hyphen_values = true)]
    pub sftp_extra_args: Option<String>,
    /// Extra arguments to pass only to scp.
    #[arg(long = "scp-extra-args", allow_hyphen_values = true)]
    pub scp_extra_args: Option<String>,
    /// Extra arguments to pass only to ssh.
    #[arg(long = "ssh-extra-args", allow_hyphen_values = true)]
    pub ssh_extra_args: Option<String>,
    /// Ask for the connection password.
    #[arg(short = 'k', long = "ask-pass")]
    pub ask_pass: bool,
    /// Connection password file.
    #[arg(long = "connection-password-file", visible_alias = "conn-pass-file")]
    pub connection_password_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct BecomeOpts {
    /// Run operations with become.
    #[arg(short = 'b', long = "become")]
    pub become_: bool,
    /// Privilege escalation method to use.
    #[arg(long = "become-method")]
    pub become_method: Option<String>,
    /// Run operations as this user.
    #[arg(long = "become-user")]
    pub become_user: Option<String>,
    /// Ask for the privilege escalation password.
    #[arg(short = 'K', long = "ask-become-pass")]
    pub become_ask_pass: bool,
    /// Become password file.
    #[arg(long = "become-password-file", visible_alias = "become-pass-file")]
    pub become_password_file: Option<PathBuf>,
}

/// Flags shared by playbook and ad hoc runs.
#[derive(Debug, Clone, Args, Default)]
pub struct RunOpts {
    #[command(flatten)]
    pub inventory: InventoryOpts,
    #[command(flatten)]
    pub vault: VaultOpts,
    #[command(flatten)]
    pub extra: ExtraVarsOpts,
    #[command(flatten)]
    pub connection: ConnectionOpts,
    #[command(flatten)]
    pub become_: BecomeOpts,
    /// Increase verbosity (-vvvvvv for the most).
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbosity: u8,
    /// Number of parallel processes to use.
    #[arg(short = 'f', long = "forks")]
    pub forks: Option<i64>,
    /// Prepend paths to the module library; repeatable.
    #[arg(short = 'M', long = "module-path", action = ArgAction::Append)]
    pub module_path: Vec<String>,
    /// Don't make any changes; predict some of the changes that may occur.
    #[arg(short = 'C', long = "check")]
    pub check: bool,
    /// Show the differences in files and templates changed.
    #[arg(short = 'D', long = "diff")]
    pub diff: bool,
    /// Perform a syntax check only.
    #[arg(long = "syntax-check")]
    pub syntax_check: bool,
    /// Outputs a list of matching hosts; does not execute anything else.
    #[arg(long = "list-hosts")]
    pub list_hosts: bool,
    /// Task timeout limit in seconds.
    #[arg(long = "task-timeout")]
    pub task_timeout: Option<i64>,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "mitorun",
    about = "Run Ansible playbooks, the Mitogen way.",
    disable_version_flag = true,
    infer_long_args = true,
    args_override_self = true
)]
pub struct PlaybookCli {
    #[command(flatten)]
    pub run: RunOpts,
    /// Only run plays and tasks tagged with these values; repeatable.
    #[arg(short = 't', long = "tags", action = ArgAction::Append)]
    pub tags: Vec<String>,
    /// Only run plays and tasks whose tags do not match these values; repeatable.
    #[arg(long = "skip-tags", action = ArgAction::Append)]
    pub skip_tags: Vec<String>,
    /// List all tasks that would be executed.
    #[arg(long = "list-tasks")]
    pub list_tasks: bool,
    /// List all available tags.
    #[arg(long = "list-tags")]
    pub list_tags: bool,
    /// One-step-at-a-time: confirm each task before running.
    #[arg(long = "step")]
    pub step: bool,
    /// Start the playbook at the task matching this name.
    #[arg(long = "start-at-task")]
    pub start_at_task: Option<String>,
    /// Clear the fact cache for every host in inventory.
    #[arg(long = "flush-cache")]
    pub flush_cache: bool,
    /// Run handlers even if a task fails.
    #[arg(long = "force-handlers")]
    pub force_handlers: bool,
    /// Show program's version number, config file location, module search path and exit.
    #[arg(long = "version")]
    pub version: bool,
    /// Playbook(s).
    #[arg(value_name = "PLAYBOOK")]
    pub playbooks: Vec<String>,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "mitorun",
    about = "Run a single task on a set of hosts (ad hoc).",
    disable_version_flag = true,
    infer_long_args = true,
    args_override_self = true
)]
pub struct AdhocCli {
    #[command(flatten)]
    pub run: RunOpts,
    /// The action's options in space separated k=v format or JSON.
    #[arg(short = 'a', long = "args", allow_hyphen_values = true)]
    pub module_args: Option<String>,
    /// Name of the action to execute.
    #[arg(short = 'm', long = "module-name")]
    pub module_name: Option<String>,
    /// Condense output.
    #[arg(short = 'o', long = "one-line")]
    pub one_line: bool,
    /// Log output to this directory.
    #[arg(short = 't', long = "tree")]
    pub tree: Option<PathBuf>,
    /// Set the poll interval if using -B.
    #[arg(short = 'P', long = "poll")]
    pub poll: Option<i64>,
    /// Run asynchronously, failing after X seconds.
    #[arg(short = 'B', long = "background")]
    pub background: Option<i64>,
    /// Substitute playbook directory.
    #[arg(long = "playbook-dir")]
    pub playbook_dir: Option<PathBuf>,
    /// Clear the fact cache for every host in inventory.
    #[arg(long = "flush-cache")]
    pub flush_cache: bool,
    /// Show program's version number, config file location, module search path and exit.
    #[arg(long = "version")]
    pub version: bool,
    /// Host pattern.
    #[arg(value_name = "PATTERN")]
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "mitorun inventory",
    about = "Show inventory information (like ansible-inventory).",
    disable_version_flag = true,
    infer_long_args = true,
    args_override_self = true
)]
pub struct InventoryCli {
    #[command(flatten)]
    pub inventory: InventoryOpts,
    #[command(flatten)]
    pub vault: VaultOpts,
    #[command(flatten)]
    pub extra: ExtraVarsOpts,
    /// Increase verbosity.
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbosity: u8,
    /// Substitute playbook directory (where group_vars/host_vars are also read).
    #[arg(long = "playbook-dir")]
    pub playbook_dir: Option<PathBuf>,
    /// Output all hosts info, works as inventory script.
    #[arg(long = "list")]
    pub list: bool,
    /// Output specific host info, works as inventory script.
    #[arg(long = "host")]
    pub host: Option<String>,
    /// Create inventory graph; a given pattern must be a group name.
    #[arg(long = "graph")]
    pub graph: bool,
    /// Use YAML format instead of JSON.
    #[arg(short = 'y', long = "yaml")]
    pub yaml: bool,
    /// Use TOML format instead of JSON.
    #[arg(long = "toml")]
    pub toml: bool,
    /// Add vars to graph display.
    #[arg(long = "vars")]
    pub show_vars: bool,
    /// With --list, represent vars as defined rather than as merged.
    #[arg(long = "export")]
    pub export: bool,
    /// With --list, write the inventory to this file.
    #[arg(long = "output")]
    pub output: Option<PathBuf>,
    /// Show program's version number and exit.
    #[arg(long = "version")]
    pub version: bool,
    /// A group name (for --graph).
    #[arg(value_name = "GROUP")]
    pub group: Option<String>,
}
