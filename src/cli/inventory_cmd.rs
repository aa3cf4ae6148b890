//! `mitorun inventory` (ansible-inventory): `--list`, `--graph`, `--host`.

use super::args::InventoryCli;
use super::setup;
use crate::errors::{Exit, Fatal};
use crate::inventory::hostvars::InventoryVars;
use crate::inventory::patterns::HostOrder;
use crate::inventory::render::{self, DumpOptions};
use crate::vault::Vault;
use std::sync::Arc;

pub fn run(cli: InventoryCli) -> Result<Exit, Fatal> {
    if cli.version {
        println!("mitorun inventory {}", env!("CARGO_PKG_VERSION"));
        return Ok(Exit::Ok);
    }
    let actions = [cli.list, cli.host.is_some(), cli.graph]
        .iter()
        .filter(|a| **a)
        .count();
    if actions == 0 {
        return Err(Fatal::msg(
            Exit::BadOptions,
            "No action selected, at least one of --host, --graph or --list needs to be specified.",
        ));
    }
    if actions > 1 {
        return Err(Fatal::msg(
            Exit::BadOptions,
            "Conflicting options used, only one of --host, --graph or --list can be used at the same time.",
        ));
    }
    if cli.toml && !cli.graph {
        return Err(Fatal::unsupported("--toml output"));
    }

    let config = setup::load_config_verbose(cli.verbosity)?;
    let cwd = setup::cwd();
    let sources = setup::inventory_sources(&cli.inventory.inventory, &config, &cwd);
    let vault = setup::vault(&cli.vault, &config, &cwd)?;
    let basedir = cli
        .playbook_dir
        .clone()
        .or_else(|| config.path("PLAYBOOK_DIR").map(|p| p.to_path_buf()));
    let export = cli.export || config.bool("INVENTORY_EXPORT");
    let merge = config.str("DEFAULT_HASH_BEHAVIOUR") == Some("merge");
    let extra_vars = setup::extra_vars(&cli.extra.extra_vars, &cwd, merge)?;
    let mut loaded =
        setup::load_inventory(&sources, &config, Some(Arc::clone(&vault)), &extra_vars)?;

    let output = if let Some(host) = &cli.host {
        // --host ignores --limit.
        let selector = setup::host_selector(&config, None)?;
        let hosts = selector
            .get_hosts(&mut loaded.data, host, HostOrder::Inventory, false)
            .map_err(super::adhoc::pattern_fatal)?;
        setup::flush_notices(&mut loaded.data);
        let [hid] = hosts.as_slice() else {
            return Err(Fatal::msg(
                Exit::BadOptions,
                "You must pass a single valid host to --host parameter",
            ));
        };
        let mut vars = inventory_vars(&loaded, &config, basedir.as_deref(), &cwd, &vault);
        vars.extra_vars = extra_vars.clone();
        let opts = DumpOptions {
            export,
            basedir: basedir.as_deref(),
        };
        if cli.yaml {
            render::host_yaml(&mut vars, *hid, &opts)
        } else {
            render::host_json(&mut vars, *hid, &opts)
        }
    } else if cli.graph {
        let group = cli.group.as_deref().unwrap_or("all");
        let Some(gid) = loaded.data.group_id(group) else {
            return Err(Fatal::msg(
                Exit::BadOptions,
                "Pattern must be valid group name when using --graph",
            ));
        };
        let mut vars = inventory_vars(&loaded, &config, basedir.as_deref(), &cwd, &vault);
        vars.extra_vars = extra_vars.clone();
        render::graph(&mut vars, gid, cli.show_vars, basedir.as_deref())
    } else {
        let selector = setup::host_selector(&config, cli.inventory.limit.as_deref())?;
        let hosts = selector
            .get_hosts(&mut loaded.data, "all", HostOrder::Inventory, true)
            .map_err(super::adhoc::pattern_fatal)?;
        setup::flush_notices(&mut loaded.data);
        let mut vars = inventory_vars(&loaded, &config, basedir.as_deref(), &cwd, &vault);
        vars.extra_vars = extra_vars.clone();
        let opts = DumpOptions {
            export,
            basedir: basedir.as_deref(),
        };
        if cli.yaml {
            render::list_yaml(&mut vars, &hosts, &opts)
        } else {
            render::list_json(&mut vars, &hosts, &opts)
        }
    };
    let output = output.map_err(|e| Fatal::new(Exit::Error, e))?;
    match &cli.output {
        Some(path) => std::fs::write(path, output.as_bytes()).map_err(|e| {
            Fatal::msg(
                Exit::Error,
                format!(
                    "Unable to write to destination file '{}': {e}",
                    path.display()
                ),
            )
        })?,
        // ansible's display adds a newline unless the text ends with one.
        None if output.ends_with('\n') => print!("{output}"),
        None => println!("{output}"),
    }
    Ok(Exit::Ok)
}

fn inventory_vars<'a>(
    loaded: &'a crate::inventory::sources::Loaded,
    config: &crate::config::Config,
    basedir: Option<&std::path::Path>,
    cwd: &std::path::Path,
    vault: &Arc<Vault>,
) -> InventoryVars<'a> {
    let mut vars = InventoryVars::new(
        &loaded.data,
        &loaded.sources,
        &config.list("YAML_FILENAME_EXTENSIONS"),
        Some(Arc::clone(vault)),
    );
    vars.playbook_dirs = vec![
        basedir
            .map(|b| b.to_path_buf())
            .unwrap_or_else(|| cwd.to_path_buf()),
    ];
    vars.hash = config.hash_behaviour();
    vars.precedence = config.list("VARIABLE_PRECEDENCE");
    vars
}
