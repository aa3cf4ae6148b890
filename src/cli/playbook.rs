//! Playbook mode (`ansible-playbook`). Arrives with the playbook and executor
//! layers; until then it says so instead of pretending.

use super::args::PlaybookCli;
use crate::errors::{Exit, Fatal};

pub fn run(cli: PlaybookCli) -> Result<Exit, Fatal> {
    if cli.version {
        println!("mitorun {}", env!("CARGO_PKG_VERSION"));
        return Ok(Exit::Ok);
    }
    if cli.playbooks.is_empty() {
        eprintln!("usage: ansible-playbook [-h] [--version] [-v] ... playbook [playbook ...]");
        eprintln!("ansible-playbook: error: the following arguments are required: playbook");
        return Err(Fatal::silent(Exit::HostFailed));
    }
    for pb in &cli.playbooks {
        let path = std::path::Path::new(pb);
        if !path.exists() {
            return Err(Fatal::msg(
                Exit::Error,
                format!("the playbook: {pb} could not be found"),
            ));
        }
        if !path.is_file() {
            return Err(Fatal::msg(
                Exit::Error,
                format!("the playbook: {pb} does not appear to be a file"),
            ));
        }
    }
    Err(Fatal::unsupported("running playbooks"))
}
