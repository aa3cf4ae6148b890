//! ansible-core's filter plugins, grouped as ansible groups them.

pub mod core;
pub mod math;
pub mod urls;

use minijinja::Environment;

/// Register every filter (later registrations override minijinja's
/// builtins where ansible's Jinja2 behaves differently).
pub fn register(env: &mut Environment<'static>) {
    core::register(env);
    math::register(env);
    urls::register(env);
}
