//! `url`: the bodies of URLs (ansible.builtin.url). The request is made
//! with Python's urllib in the controller's Python worker
//! (`agent/native_url_lookup.py`, over the handlers `native_net.py`
//! builds as ansible's `open_url` does): mitorun has no TLS of its own,
//! and urllib's behaviour (redirects, auth challenges, proxies from the
//! environment, `.netrc`) and error texts are what ansible shows.
//!
//! Options are read as ansible's config manager reads them for this
//! plugin: the call's keywords, then the `ansible_lookup_url_*` variables,
//! then `ANSIBLE_LOOKUP_URL_*`, then `[url_lookup]` in ansible.cfg, then
//! the documented default.

use super::options::{BOOLEAN, DICTIONARY, Default, FLOAT, Kind, OptionDef, Options, STRING, opt};
use super::{Call, Failure};
use crate::templating::bridge::{from_jinja, to_jinja};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use minijinja::value::Value as Jv;

pub(super) static OPTIONS: &[OptionDef] = &[
    opt("validate_certs", BOOLEAN, Default::Bool(true)),
    opt("split_lines", BOOLEAN, Default::Bool(true)),
    opt("use_proxy", BOOLEAN, Default::Bool(true)),
    opt("username", STRING, Default::None),
    opt("password", STRING, Default::None),
    opt("headers", DICTIONARY, Default::EmptyDict),
    opt("force", BOOLEAN, Default::Bool(false)),
    opt("timeout", FLOAT, Default::Float(10.0)),
    opt("http_agent", STRING, Default::Str("ansible-httpget")),
    opt("force_basic_auth", BOOLEAN, Default::Bool(false)),
    OptionDef {
        name: "follow_redirects",
        kind: STRING,
        default: Default::Str("urllib2"),
        // The url_redirect documentation fragment's choices.
        choices: &["all", "none", "safe", "urllib2", "no", "yes"],
        aliases: &[],
    },
    opt("use_gssapi", BOOLEAN, Default::Bool(false)),
    opt("use_netrc", BOOLEAN, Default::Bool(true)),
    opt("unix_socket", STRING, Default::None),
    opt("ca_path", STRING, Default::None),
    opt("unredirected_headers", Kind::List, Default::None),
    opt("ciphers", Kind::List, Default::None),
];

/// Where an option may be configured besides the call: its variable,
/// environment variable and key of ansible.cfg's `[url_lookup]` section.
/// (`validate_certs`, `split_lines`, `use_proxy`, `username`, `password`
/// and `headers` are only keywords.)
pub(super) const CONFIGURED: &[(&str, &str, &str, &str)] = &[
    (
        "force",
        "ansible_lookup_url_force",
        "ANSIBLE_LOOKUP_URL_FORCE",
        "force",
    ),
    (
        "timeout",
        "ansible_lookup_url_timeout",
        "ANSIBLE_LOOKUP_URL_TIMEOUT",
        "timeout",
    ),
    (
        "http_agent",
        "ansible_lookup_url_agent",
        "ANSIBLE_LOOKUP_URL_AGENT",
        "agent",
    ),
    (
        "force_basic_auth",
        "ansible_lookup_url_force_basic_auth",
        "ANSIBLE_LOOKUP_URL_FORCE_BASIC_AUTH",
        "force_basic_auth",
    ),
    (
        "follow_redirects",
        "ansible_lookup_url_follow_redirects",
        "ANSIBLE_LOOKUP_URL_FOLLOW_REDIRECTS",
        "follow_redirects",
    ),
    (
        "use_gssapi",
        "ansible_lookup_url_use_gssapi",
        "ANSIBLE_LOOKUP_URL_USE_GSSAPI",
        "use_gssapi",
    ),
    (
        "use_netrc",
        "ansible_lookup_url_use_netrc",
        "ANSIBLE_LOOKUP_URL_USE_NETRC",
        "use_netrc",
    ),
    (
        "unix_socket",
        "ansible_lookup_url_unix_socket",
        "ANSIBLE_LOOKUP_URL_UNIX_SOCKET",
        "unix_socket",
    ),
    (
        "ca_path",
        "ansible_lookup_url_ca_path",
        "ANSIBLE_LOOKUP_URL_CA_PATH",
        "ca_path",
    ),
    (
        "unredirected_headers",
        "ansible_lookup_url_unredir_headers",
        "ANSIBLE_LOOKUP_URL_UNREDIR_HEADERS",
        "unredirected_headers",
    ),
    (
        "ciphers",
        "ansible_lookup_url_ciphers",
        "ANSIBLE_LOOKUP_URL_CIPHERS",
        "ciphers",
    ),
];

pub(crate) fn url(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let options = Options::parse_with("url", OPTIONS, kwargs, |def| configured(call, def))?;
    let Some(worker) = call.services.controller_python.as_ref() else {
        return Err(
            "the 'url' lookup runs in Python on the controller, and this run has no Python worker"
                .into(),
        );
    };
    let mut request = Map::new();
    request.insert(
        "terms".into(),
        Value::List(terms.iter().map(from_jinja).collect()),
    );
    let mut chosen = Map::new();
    for def in OPTIONS {
        chosen.insert(def.name.to_string(), from_jinja(&options.get(def.name)));
    }
    request.insert("options".into(), Value::Map(chosen));
    let reply = worker
        .call_module(crate::transport::modules::URL_LOOKUP_MODULE, request)
        .map_err(|e| format!("the 'url' lookup needs Python on the controller: {e}"))?;
    if let Some(error) = reply.get("error") {
        let error = error.python_str();
        return Err(match reply.get("cause").map(Value::python_str) {
            // ansible shows an error urllib raised while handling another
            // as a level of its own below the lookup's.
            Some(cause) => {
                super::context::set_error_cause(&cause);
                format!("{error}: {cause}")
            }
            None => error,
        });
    }
    match reply.get("value") {
        Some(Value::List(items)) => Ok(items.iter().map(to_jinja).collect()),
        // The worker's own failure (the module raised).
        _ => Err(format!(
            "the 'url' lookup failed in the controller's Python worker: {}",
            reply
                .get("msg")
                .map(Value::python_str)
                .unwrap_or_else(|| "no result".into())
        )),
    }
}

/// The option's configured value when the call does not give it: the
/// variable, the environment, ansible.cfg (with ansible's origin names).
fn configured(call: &Call, def: &OptionDef) -> Option<(Jv, String)> {
    let (_, var, env, ini_key) = CONFIGURED.iter().find(|(name, ..)| *name == def.name)?;
    super::options::configured_value(call, &[var], &[env], &[("url_lookup", ini_key)])
}
