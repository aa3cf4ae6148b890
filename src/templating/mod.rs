//! Templating: a minijinja environment configured like ansible's Jinja2,
//! with ansible's filters, tests and lookups (written here; no crate has
//! them). See ARCHITECTURE.md for how undefined values and native results
//! are handled.

pub mod bridge;
pub mod errors;
pub mod filters;
pub mod lazy;
pub mod lookups;
pub mod macro_scope;
pub mod methods;
pub mod omit;
pub mod passthrough;
pub mod percent;
pub mod printf;
pub mod protomatter;
pub mod python_plugins;
pub mod render;
pub mod tests;
pub mod vaulted;

use minijinja::Environment;
use std::sync::Arc;

/// An environment with ansible's settings and every filter, test and
/// lookup (the lookups without vault, searching the current directory;
/// `Templar::with_services` gives them the run's services).
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // ansible's Jinja2 environment: trim_blocks on, lstrip_blocks off.
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    minijinja_contrib::add_to_environment(&mut env);
    methods::register(&mut env);
    passthrough::register(&mut env);
    filters::register(&mut env);
    tests::register(&mut env);
    protomatter::register(&mut env);
    lookups::register(&mut env, Arc::new(lookups::LookupServices::default()));
    printf::register(&mut env);
    env.add_global("omit", omit::value());
    env
}
