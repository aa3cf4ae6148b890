//! mitorun: a Rust-native runner for Ansible projects. See ARCHITECTURE.md.

pub mod cli;
pub mod config;
pub mod errors;
pub mod inventory;
pub mod playbook;
pub mod pyhash;
pub mod pypath;
pub mod templating;
pub mod transport;
pub mod value;
pub mod vault;
