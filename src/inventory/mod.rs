//! Inventory: sources → hosts, groups and their variables; host patterns.

pub mod address;
pub mod data;
pub mod error;
pub mod hostvars;
pub mod ini;
pub mod patterns;
pub mod pyliteral;
pub mod ranges;
pub mod render;
pub mod script;
pub mod sources;
pub mod vars;
pub mod vars_files;
pub mod yaml_source;
