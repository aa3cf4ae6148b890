//! Ad hoc mode (`ansible PATTERN -m MODULE -a ARGS`). Host selection and
//! `--list-hosts` work; running modules arrives with the executor.

use super::args::AdhocCli;
use super::setup;
use crate::errors::{Exit, Fatal};
use crate::inventory::patterns::{ADHOC_NO_HOSTS_MATCHED, HostSelector, PatternError};

pub fn run(cli: AdhocCli) -> Result<Exit, Fatal> {
    if cli.version {
        println!("mitorun {}", env!("CARGO_PKG_VERSION"));
        return Ok(Exit::Ok);
    }
    let Some(pattern) = cli.pattern.clone() else {
        eprintln!(
            "usage: ansible [-h] [--version] [-v] [-b] [--become-method BECOME_METHOD] ... pattern"
        );
        eprintln!("ansible: error: the following arguments are required: pattern");
        return Err(Fatal::silent(Exit::HostFailed));
    };
    if cli.run.connection.ask_pass || cli.run.become_.become_ask_pass {
        return Err(Fatal::unsupported("password prompts (-k, -K)"));
    }
    if !cli.run.list_hosts {
        return Err(Fatal::unsupported(
            "running ad hoc tasks (only --list-hosts works so far)",
        ));
    }
    let config = setup::load_config_verbose(cli.run.verbosity)?;
    let cwd = setup::cwd();
    let sources = setup::inventory_sources(&cli.run.inventory.inventory, &config, &cwd);
    let vault = setup::vault(&cli.run.vault, &config, &cwd)?;
    let mut loaded = setup::load_inventory(&sources, &config, Some(vault))?;
    let inv = &mut loaded.data;
    let limit = cli.run.inventory.limit.as_deref();
    let mut selector =
        HostSelector::new(setup::mismatch_policy(&config), setup::controller_python());
    let selected = selector.get_host_list(inv, limit, &pattern, config.bool("LOCALHOST_WARNING"));
    setup::flush_notices(inv);
    // As ansible: with a limit any selection error is fatal; without one it
    // becomes a warning and an empty host list.
    let hosts = match selected {
        Ok(hosts) => hosts,
        Err(e) if limit.is_some_and(|l| !l.is_empty()) => return Err(pattern_fatal(e)),
        Err(_) => {
            super::display::warning(ADHOC_NO_HOSTS_MATCHED);
            Vec::new()
        }
    };
    let mut out = format!("  hosts ({}):\n", hosts.len());
    for h in &hosts {
        out.push_str(&format!("    {h}\n"));
    }
    print!("{out}");
    Ok(Exit::Ok)
}

/// ansible exits 250 where it crashes on a pattern, 1 otherwise.
pub fn pattern_fatal(e: PatternError) -> Fatal {
    let exit = if e.is_unexpected() {
        Exit::Unexpected
    } else {
        Exit::Error
    };
    Fatal::msg(exit, e)
}
