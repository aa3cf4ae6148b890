//! mitorun: a Rust-native runner for Ansible projects. See ARCHITECTURE.md.

pub mod cli;
pub mod config;
pub mod errors;
pub mod exec;
pub mod inventory;
pub mod output;
pub mod playbook;
pub mod pyhash;
pub mod pypath;
pub mod pyre;
pub mod templating;
pub mod transport;
pub mod value;
pub mod vars;
pub mod vault;
