//! Reading Ansible's files: the YAML 1.1 loader, ansible's JSON-then-YAML
//! data loader, `k=v` argument parsing and `-e` extra vars.

pub mod extra_vars;
pub mod kv;
pub mod loader;
pub mod model;
pub mod pyjson;
pub mod unicode_names;
pub mod yaml;
pub mod yaml_dump;
