//! Entry point: decide which of ansible's three programs the user means,
//! parse its flags, run it, and turn the outcome into ansible's exit code.
//!
//! The mode rule (also in README.md):
//! - argv[0] named `ansible-playbook`, `ansible` or `ansible-inventory`
//!   selects that program (so mitorun can stand in for them via symlinks);
//! - `mitorun inventory ...` is ansible-inventory, `mitorun completions SHELL`
//!   prints shell completions;
//! - otherwise `-m`/`-a` means ad hoc, and so does a single positional that is
//!   neither an existing file nor named like a playbook (`*.yml`, `*.yaml`,
//!   `*.json`); anything else runs playbooks.

pub mod adhoc;
pub mod args;
pub mod display;
pub mod inventory_cmd;
pub mod playbook;
pub mod run;
pub mod setup;

use crate::errors::{Exit, Fatal};
use clap::{CommandFactory, Parser};
use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Playbook,
    Adhoc,
    Inventory,
    Completions,
}

/// Run mitorun with the process arguments.
pub fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    run(argv).into()
}

pub fn run(argv: Vec<OsString>) -> Exit {
    let program = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rest: Vec<OsString> = argv.iter().skip(1).cloned().collect();
    let (mode, args) = choose_mode(&program, rest);
    let result = match mode {
        Mode::Inventory => {
            parse::<args::InventoryCli>("mitorun inventory", &args).and_then(inventory_cmd::run)
        }
        Mode::Adhoc => parse::<args::AdhocCli>("mitorun", &args).and_then(adhoc::run),
        Mode::Playbook => parse::<args::PlaybookCli>("mitorun", &args).and_then(playbook::run),
        Mode::Completions => completions(&args),
    };
    match result {
        Ok(exit) => exit,
        Err(fatal) => {
            if let Some(report) = &fatal.report {
                display::error(report);
            }
            fatal.exit
        }
    }
}

fn choose_mode(program: &str, args: Vec<OsString>) -> (Mode, Vec<OsString>) {
    match program {
        "ansible-playbook" => return (Mode::Playbook, args),
        "ansible" => return (Mode::Adhoc, args),
        "ansible-inventory" => return (Mode::Inventory, args),
        _ => {}
    }
    match args.first().and_then(|a| a.to_str()) {
        Some("inventory") => return (Mode::Inventory, args[1..].to_vec()),
        Some("completions") => return (Mode::Completions, args[1..].to_vec()),
        _ => {}
    }
    if looks_adhoc(&args) {
        (Mode::Adhoc, args)
    } else {
        (Mode::Playbook, args)
    }
}

fn looks_adhoc(args: &[OsString]) -> bool {
    let module_flag = args.iter().filter_map(|a| a.to_str()).any(|a| {
        // `-m x`, `-mx`, `--module-name[=x]`, and the same for -a/--args.
        a.starts_with("-m")
            || a.starts_with("-a")
            || a.starts_with("--module-name")
            || a.starts_with("--args")
    });
    if module_flag {
        return true;
    }
    let with_name = |a: &[OsString]| {
        std::iter::once(OsString::from("mitorun"))
            .chain(a.iter().cloned())
            .collect::<Vec<_>>()
    };
    // Without -m/-a, decide on the positionals the playbook parser sees.
    match args::PlaybookCli::try_parse_from(with_name(args)) {
        Ok(cli) => match cli.playbooks.as_slice() {
            [single] => !Path::new(single).exists() && !has_playbook_extension(single),
            _ => false,
        },
        // Flags only ad hoc knows (-o, -B, -P, --tree) make it ad hoc.
        Err(_) => args::AdhocCli::try_parse_from(with_name(args)).is_ok(),
    }
}

fn has_playbook_extension(name: &str) -> bool {
    [".yml", ".yaml", ".json"].iter().any(|e| name.ends_with(e))
}

fn parse<T: Parser>(name: &str, args: &[OsString]) -> Result<T, Fatal> {
    let argv = std::iter::once(OsString::from(name)).chain(args.iter().cloned());
    T::try_parse_from(argv).map_err(|e| {
        use clap::error::ErrorKind;
        let _ = e.print();
        match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Fatal::silent(Exit::Ok),
            // argparse exits 2 on usage errors; so does ansible.
            _ => Fatal::silent(Exit::HostFailed),
        }
    })
}

fn completions(args: &[OsString]) -> Result<Exit, Fatal> {
    use clap_complete::Shell;
    let shell = args.first().and_then(|a| a.to_str()).unwrap_or("");
    let shell: Shell = shell.parse().map_err(|_| {
        Fatal::msg(
            Exit::BadOptions,
            format!("unknown shell '{shell}': use bash, zsh, fish, elvish or powershell"),
        )
    })?;
    let mut cmd = args::PlaybookCli::command();
    clap_complete::generate(shell, &mut cmd, "mitorun", &mut std::io::stdout());
    Ok(Exit::Ok)
}
