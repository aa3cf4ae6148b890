//! Inventory: sources → hosts, groups and their variables; host patterns.

pub mod address;
pub mod constructed;
pub mod data;
pub mod error;
pub mod generator;
pub mod hostvars;
pub mod ini;
pub mod patterns;
pub mod plugin_config;
pub mod pyliteral;
pub mod ranges;
pub mod render;
pub mod script;
pub mod sources;
pub mod vars;
pub mod vars_files;
pub mod yaml_source;
