//! What the parity corpus (`tests/lookup_parity.rs`) cannot reach: the
//! `with_<lookup>` API, nondeterministic lookups (checked by their
//! properties), files the password lookup writes, lazy variables, and
//! inputs that must not panic.

use super::*;
use crate::templating::lazy::LazyVars;
use std::path::Path;

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("mitorun-lookups-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn path(&self, rel: &str) -> String {
        self.0.join(rel).to_string_lossy().into_owned()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("fixture dir");
        }
        std::fs::write(path, text).expect("fixture file");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn templar_in(dir: &Path) -> Templar {
    Templar::with_services(Arc::new(LookupServices::new(None, None, dir.to_path_buf())))
}

fn strs(items: &[&str]) -> Vec<Value> {
    items.iter().map(|s| Value::str(*s)).collect()
}

/// A `with_` context: the variables plus `ansible_search_path`, as the
/// executor sets it.
fn loop_context(dir: &Scratch, vars: &[(&str, Value)]) -> Jv {
    let mut map = Map::new();
    map.insert(
        "ansible_search_path".into(),
        Value::List(vec![Value::str(dir.path(""))]),
    );
    for (k, v) in vars {
        map.insert(k.to_string(), v.clone());
    }
    to_jinja(&Value::Map(map))
}

/// Observed with ansible-playbook 2.19 (tasks in a play whose directory
/// holds `files/only_f.txt`, `templates/only_t.j2`, `vars/only_v.yml`):
/// `with_first_found` searches `files/` for most actions, `templates/` for
/// `template`, `vars/` for `include_vars`, and drops undefined terms.
#[test]
fn with_first_found_searches_by_action() {
    let dir = Scratch::new("ff");
    dir.write("files/only_f.txt", "f\n");
    dir.write("templates/only_t.j2", "t\n");
    dir.write("vars/only_v.yml", "a: 1\n");
    let templar = templar_in(&dir.0);
    let ctx = loop_context(&dir, &[]);
    let run = |terms: Vec<Value>, action: &str| {
        run_lookup(
            &templar,
            "first_found",
            Value::List(terms),
            &Map::new(),
            &ctx,
            Some(action),
        )
    };
    let f = dir.path("files/only_f.txt");
    assert_eq!(
        run(strs(&["only_f.txt", "only_t.j2"]), "debug"),
        Ok(vec![Value::str(f.clone())])
    );
    assert_eq!(
        run(strs(&["only_f.txt", "only_t.j2"]), "template"),
        Ok(vec![Value::str(dir.path("templates/only_t.j2"))])
    );
    assert_eq!(
        run(strs(&["only_t.j2", "only_v.yml"]), "include_vars"),
        Ok(vec![Value::str(dir.path("vars/only_v.yml"))])
    );
    assert_eq!(
        run(strs(&["{{ undefined_x }}", "only_f.txt"]), "debug"),
        Ok(vec![Value::str(f)])
    );
}

/// Observed with ansible-playbook 2.19, `l: [1, [2, 3]]`: `with_items:
/// "{{ l }}"` loops over 1, 2, 3; `with_items: [a, "{{ l }}"]` over a, 1,
/// [2, 3]; `with_sequence: start=1 end=3 format=n%d` over n1, n2, n3.
#[test]
fn with_loops_template_their_terms() {
    let dir = Scratch::new("with");
    let templar = templar_in(&dir.0);
    let l = Value::List(vec![
        Value::Int(1),
        Value::List(vec![Value::Int(2), Value::Int(3)]),
    ]);
    let ctx = loop_context(&dir, &[("l", l)]);
    let items =
        |terms: Value| run_lookup(&templar, "items", terms, &Map::new(), &ctx, Some("debug"));
    assert_eq!(
        items(Value::str("{{ l }}")),
        Ok(vec![Value::Int(1), Value::Int(2), Value::Int(3)])
    );
    assert_eq!(
        items(Value::List(strs(&["a", "{{ l }}"]))),
        Ok(vec![
            Value::str("a"),
            Value::Int(1),
            Value::List(vec![Value::Int(2), Value::Int(3)])
        ])
    );
    assert_eq!(
        run_lookup(
            &templar,
            "sequence",
            Value::str("start=1 end=3 format=n%d"),
            &Map::new(),
            &ctx,
            Some("debug")
        ),
        Ok(strs(&["n1", "n2", "n3"]))
    );
    assert_eq!(
        run_lookup(
            &templar,
            "nope",
            Value::List(vec![]),
            &Map::new(),
            &ctx,
            None
        ),
        Err(LookupError::NotFound {
            name: "'nope'".into()
        })
    );
    assert_eq!(
        run_lookup(
            &templar,
            "file",
            Value::List(strs(&["x"])),
            &Map::new(),
            &ctx,
            None
        )
        .map_err(|e| e.to_string()),
        Err(
            "The lookup plugin 'file' failed: Unable to access the file 'x': File not found. \
             Use -vvvvv to see paths searched."
                .to_string()
        )
    );
    for terms in [Value::str("{{ nope }}"), Value::List(strs(&["{{ nope }}"]))] {
        assert_eq!(
            items(terms),
            Err(LookupError::Undefined {
                message: "'nope' is undefined".into()
            })
        );
    }
    // As in ansible: "No variable named 'nope' was found." fails the task.
    assert_eq!(
        run_lookup(
            &templar,
            "vars",
            Value::List(strs(&["nope"])),
            &Map::new(),
            &ctx,
            None
        ),
        Err(LookupError::Undefined {
            message: "No variable named 'nope' was found.".into()
        })
    );
}

#[test]
fn lookups_read_lazy_variables() {
    let dir = Scratch::new("lazy");
    dir.write("files/host.txt", "web\n");
    let templar = Arc::new(templar_in(&dir.0));
    let mut raw = Map::new();
    raw.insert("name".into(), Value::str("host"));
    raw.insert("file_name".into(), Value::str("{{ name }}.txt"));
    raw.insert(
        "content".into(),
        Value::str("{{ lookup('file', file_name) }}"),
    );
    let ctx = LazyVars::context(raw, Arc::clone(&templar), None);
    assert_eq!(
        templar.template_in("{{ content }}", &ctx),
        Ok(Value::str("web"))
    );
    assert_eq!(
        templar.template_in("{{ lookup('vars', 'file_name') }}", &ctx),
        Ok(Value::str("host.txt"))
    );
    assert_eq!(
        templar.template_in("{{ query('varnames', '^file') }}", &ctx),
        Ok(Value::List(strs(&["file_name"])))
    );
}

#[test]
fn errors_warn_is_collected_once_taken() {
    let dir = Scratch::new("warn");
    let templar = templar_in(&dir.0);
    let out = templar.template("{{ lookup('file', 'gone', errors='warn') }}", &Map::new());
    assert_eq!(out, Ok(Value::Null));
    assert_eq!(
        templar.services().take_warnings(),
        vec![
            "An error occurred while running the lookup plugin 'file': Unable to access the \
             file 'gone': File not found. Use -vvvvv to see paths searched."
                .to_string()
        ]
    );
    assert!(templar.services().take_warnings().is_empty());
}

#[test]
fn random_choice_picks_each_term_over_many_draws() {
    let templar = Templar::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..400 {
        let out = templar.template("{{ lookup('random_choice', 'a', 'b', 'c') }}", &Map::new());
        let Ok(Value::Str(choice)) = out else {
            panic!("random_choice gave {out:?}");
        };
        assert!(["a", "b", "c"].contains(&choice.as_str()), "{choice}");
        seen.insert(choice);
    }
    assert_eq!(seen.len(), 3, "400 draws from 3 terms missed one: {seen:?}");
    assert_eq!(
        templar.template("{{ query('random_choice', [1, 2]) }}", &Map::new()),
        Ok(Value::List(vec![Value::List(vec![
            Value::Int(1),
            Value::Int(2)
        ])]))
    );
}

/// The behaviour of ansible's `password` lookup that depends on chance:
/// a new password has the asked length and characters, is stored (mode
/// 0600, directories created) and read back; with `encrypt` a salt is
/// stored too and the result is the crypt hash of the stored password.
#[test]
fn password_files_are_created_then_reused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::new("pw");
    let templar = templar_in(&dir.0);
    let t = |expr: &str| templar.template(&format!("{{{{ {expr} }}}}"), &Map::new());
    let Ok(Value::Str(first)) = t("lookup('password', 'creds/app length=12 chars=digits')") else {
        panic!("no password");
    };
    assert_eq!(first.len(), 12);
    assert!(first.chars().all(|c| c.is_ascii_digit()), "{first}");
    let stored = dir.0.join("creds/app");
    assert_eq!(
        std::fs::read_to_string(&stored).ok(),
        Some(format!("{first}\n"))
    );
    let mode = std::fs::metadata(&stored).map(|m| m.permissions().mode() & 0o777);
    assert_eq!(mode.ok(), Some(0o600));
    assert_eq!(
        t("lookup('password', 'creds/app length=3')"),
        Ok(Value::str(first.clone()))
    );
    // No lock file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.0.join("creds"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");

    let Ok(Value::Str(default_chars)) = t("lookup('password', '/dev/null')") else {
        panic!("no password");
    };
    assert_eq!(default_chars.len(), 20);
    assert!(
        default_chars
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".,:-_".contains(c))
    );

    let Ok(Value::Str(hashed)) = t("lookup('password', 'creds/app encrypt=md5_crypt')") else {
        panic!("no hash");
    };
    let content = std::fs::read_to_string(&stored).unwrap_or_default();
    let salt = content
        .trim_end()
        .strip_prefix(&format!("{first} salt="))
        .map(str::to_string)
        .unwrap_or_default();
    assert_eq!(salt.len(), 8, "stored: {content:?}");
    let mut vars = Map::new();
    vars.insert("pw".into(), Value::str(first));
    vars.insert("salt".into(), Value::str(salt));
    assert_eq!(
        templar.template("{{ pw | password_hash('md5_crypt', salt) }}", &vars),
        Ok(Value::str(hashed.clone()))
    );
    assert!(hashed.starts_with("$1$"), "{hashed}");
}

/// Hostile arguments give errors, never panics.
#[test]
fn hostile_inputs_do_not_panic() {
    let dir = Scratch::new("hostile");
    dir.write("files/x.ini", "[s]\n%(a)s = %(b)s\nb = %(a)s\na = %(b)s\n");
    dir.write("files/x.csv", "\"unterminated,x\n");
    let templar = templar_in(&dir.0);
    let exprs = [
        "lookup('sequence', 'start=1 end=170141183460469231731687303715884105727')",
        "lookup('sequence', 'count=99999999999999999999999999999999999 stride=99999999')",
        "lookup('sequence', 'start=-5 end=5 stride=100000000000000000000000000000000000')",
        "lookup('sequence', 'end=3 format=%999999999d')",
        "lookup('sequence', 'end=1 format=%.99999999f')",
        "lookup('sequence', '1e38')",
        "lookup('sequence', 'end=1e99999')",
        "lookup('ini', 'a', file='x.ini', section='s')",
        "lookup('ini', '.*', file='x.ini', section='s', re=True)",
        "lookup('ini', '(', file='x.ini', section='s', re=True)",
        "lookup('csvfile', 'x', file='x.csv', delimiter=',', col=-99)",
        "lookup('csvfile', 'x', file='x.csv', delimiter='')",
        "lookup('password', '/dev/null length=-5')",
        "lookup('password', '/dev/null length=99999999999999999999')",
        "lookup('password', '/dev/null chars=,, length=2')",
        "lookup('fileglob', '[[[[')",
        "lookup('fileglob', '*/*/*/*/*')",
        "lookup('first_found', {'files': none})",
        "lookup('first_found', [[[[]]]])",
        "lookup('subelements', [{'a': {'b': 1}}], '....')",
        "lookup('subelements', {}, '')",
        "lookup('nested', [], [], [])",
        "lookup('together', '', [])",
        "lookup('varnames', '(?P<')",
        "lookup('env', ' ')",
        "lookup('template', none)",
        "lookup('template', '')",
        "lookup('dict', none)",
        "lookup('indexed_items')",
        "lookup('inventory_hostnames', '[')",
        "lookup('config', none)",
        "lookup('url', 'http://x')",
        "lookup('unvault', '/')",
        "lookup('lines', none)",
        "lookup(none)",
        "lookup('items', errors=none, wantlist=none)",
    ];
    for expr in exprs {
        let _ = templar.template(&format!("{{{{ {expr} }}}}"), &Map::new());
    }
    let mut groups = Map::new();
    groups.insert("g".into(), Value::str("abc"));
    groups.insert("".into(), Value::List(vec![Value::Null]));
    let mut vars = Map::new();
    vars.insert("groups".into(), Value::Map(groups));
    let _ = templar.template("{{ query('inventory_hostnames', 'all') }}", &vars);
}

/// Observed with `ansible localhost -m debug` (no vault options) in
/// `tests/fixtures/lookups`.
#[test]
fn vaulted_files_without_secrets_fail_like_ansible() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lookups");
    let out = templar_in(&fixture).template("{{ lookup('file', 'vaulted.txt') }}", &Map::new());
    assert_eq!(
        out.map_err(|e| e.message),
        Err(
            "The lookup plugin 'file' failed: Unable to access the file 'vaulted.txt': \
             Attempting to decrypt but no vault secrets found."
                .to_string()
        )
    );
}

/// Observed with ansible-core 2.19's Templar: a template that looks
/// itself up ends in "Recursive loop detected in template: maximum
/// recursion depth exceeded".
#[test]
fn self_including_templates_stop() {
    let dir = Scratch::new("selftpl");
    dir.write("templates/self.j2", "{{ lookup('template', 'self.j2') }}");
    let out = templar_in(&dir.0).template("{{ lookup('template', 'self.j2') }}", &Map::new());
    assert_eq!(
        out.map_err(|e| e.message),
        Err("Recursive loop detected in template: maximum recursion depth exceeded".to_string())
    );
}

/// A stand-in for the controller's Python worker: records the `url`
/// lookup's requests and answers with `reply` (or fails to start).
struct RecordingWorker {
    reply: Result<Map, String>,
    requests: std::sync::Mutex<Vec<(String, Map)>>,
}

impl super::super::python_plugins::PluginWorker for RecordingWorker {
    fn call(&self, args: Map) -> Result<Map, String> {
        self.call_module("mitorun_python_plugin", args)
    }

    fn call_module(&self, module: &str, args: Map) -> Result<Map, String> {
        if let Ok(mut seen) = self.requests.lock() {
            seen.push((module.to_string(), args));
        }
        self.reply.clone()
    }
}

fn url_templar(reply: Result<Map, String>) -> (Templar, Arc<RecordingWorker>) {
    let worker = Arc::new(RecordingWorker {
        reply,
        requests: std::sync::Mutex::new(Vec::new()),
    });
    let mut services = LookupServices::new(None, None, std::env::temp_dir());
    services.controller_python = Some(worker.clone());
    (Templar::with_services(Arc::new(services)), worker)
}

fn reply(pairs: &[(&str, Value)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn url_without_a_python_worker_fails_clearly() {
    let out = Templar::new().template("{{ lookup('url', 'https://example.com') }}", &Map::new());
    assert_eq!(
        out.map_err(|e| e.message),
        Err(
            "The lookup plugin 'url' failed: the 'url' lookup runs in Python on the controller, \
             and this run has no Python worker"
                .to_string()
        )
    );
    let (templar, _) = url_templar(Err("cannot start Python on the controller: no".into()));
    let out = templar.template("{{ lookup('url', 'http://x/') }}", &Map::new());
    assert_eq!(
        out.map_err(|e| e.message),
        Err(
            "The lookup plugin 'url' failed: the 'url' lookup needs Python on the controller: \
             cannot start Python on the controller: no"
                .to_string()
        )
    );
}

/// The request carries every option typed as ansible types it: defaults,
/// keywords, and `ansible_lookup_url_*` variables below keywords.
#[test]
fn url_sends_typed_options_to_the_worker() {
    let lines = Value::List(strs(&["a", "b"]));
    let (templar, worker) = url_templar(Ok(reply(&[("value", lines)])));
    let mut vars = Map::new();
    vars.insert("ansible_lookup_url_agent".into(), Value::str("from-var"));
    vars.insert("ansible_lookup_url_timeout".into(), Value::str("2.5"));
    vars.insert("ansible_lookup_url_force".into(), Value::str("yes"));
    let out = templar
        .template(
            "{{ lookup('url', 'http://h/1', 'http://h/2', split_lines='no', \
             headers={'X': 1}, ciphers='A, B', force=False) }}",
            &vars,
        )
        .map_err(|e| e.message);
    assert_eq!(out, Ok(Value::str("a,b")));
    let seen = worker
        .requests
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    assert_eq!(seen.len(), 1);
    let (module, request) = &seen[0];
    assert_eq!(module, "mitorun_url_lookup");
    assert_eq!(
        request.get("terms"),
        Some(&Value::List(strs(&["http://h/1", "http://h/2"])))
    );
    let Some(Value::Map(options)) = request.get("options") else {
        panic!("no options in {request:?}");
    };
    let option = |name: &str| {
        options
            .get(name)
            .cloned()
            .unwrap_or(Value::str("<missing>"))
    };
    assert_eq!(option("split_lines"), Value::Bool(false));
    assert_eq!(option("validate_certs"), Value::Bool(true));
    assert_eq!(option("use_netrc"), Value::Bool(true));
    assert_eq!(option("http_agent"), Value::str("from-var"));
    assert_eq!(option("timeout"), Value::Float(2.5));
    // The keyword wins over the variable.
    assert_eq!(option("force"), Value::Bool(false));
    assert_eq!(option("follow_redirects"), Value::str("urllib2"));
    assert_eq!(option("ciphers"), Value::List(strs(&["A", "B"])));
    assert_eq!(option("username"), Value::Null);
    let mut headers = Map::new();
    headers.insert("X".into(), Value::Int(1));
    assert_eq!(option("headers"), Value::Map(headers));
}

/// Observed with ansible-core 2.19 (`lookup('url', ..., timeout='soon')`,
/// `follow_redirects='bogus'`).
#[test]
fn url_refuses_bad_options_before_fetching() {
    let (templar, worker) = url_templar(Ok(Map::new()));
    let out = templar.template(
        "{{ lookup('url', 'http://h/', timeout='soon') }}",
        &Map::new(),
    );
    assert_eq!(
        out.map_err(|e| e.message),
        Err(
            "The lookup plugin 'url' failed: Config 'timeout' for 'url' lookup plugin from \
             'Direct' has an invalid value: Invalid value provided for 'float': 'soon'"
                .to_string()
        )
    );
    let out = templar.template(
        "{{ lookup('url', 'http://h/', follow_redirects='bogus') }}",
        &Map::new(),
    );
    assert_eq!(
        out.map_err(|e| e.message),
        Err(
            "The lookup plugin 'url' failed: Invalid value 'bogus' for config \
             'follow_redirects' for 'url' lookup plugin."
                .to_string()
        )
    );
    // ansible shows the choices as help text of that error's own level.
    assert_eq!(
        take_error_cause().and_then(|c| c.help),
        Some("Valid values are: all, none, safe, urllib2, no, yes".to_string())
    );
    let out = templar.template("{{ lookup('url', 'http://h/', headers='x') }}", &Map::new());
    assert_eq!(
        out.map_err(|e| e.message),
        Err(
            "The lookup plugin 'url' failed: Config 'headers' for 'url' lookup plugin from \
             'Direct' has an invalid value: Invalid value provided for 'dictionary': 'x'"
                .to_string()
        )
    );
    assert!(
        worker
            .requests
            .lock()
            .map(|s| s.is_empty())
            .unwrap_or(false)
    );
}

/// A failure the worker reports with a cause ends with it, and the cause
/// is recorded for the task error's last level; `errors='ignore'`
/// forgets it.
#[test]
fn url_failures_carry_their_cause() {
    let failure = reply(&[
        ("error", Value::str("Failed lookup url for http://h/")),
        ("cause", Value::str("<urlopen error refused>")),
    ]);
    let (templar, _) = url_templar(Ok(failure));
    take_error_cause();
    let out = templar.template("{{ lookup('url', 'http://h/') }}", &Map::new());
    assert_eq!(
        out.map_err(|e| e.message),
        Err(
            "The lookup plugin 'url' failed: Failed lookup url for http://h/: \
             <urlopen error refused>"
                .to_string()
        )
    );
    assert_eq!(
        take_error_cause(),
        Some(ErrorCause {
            message: "<urlopen error refused>".into(),
            help: None
        })
    );
    let out = templar.template(
        "{{ lookup('url', 'http://h/', errors='ignore') }}",
        &Map::new(),
    );
    assert_eq!(out.map_err(|e| e.message), Ok(Value::Null));
    assert_eq!(take_error_cause(), None);
}

/// csvfile's list default contributes its items, so `lookup()` joins them
/// (ansible's `ret.extend(default)`).
#[test]
fn csvfile_list_default_is_spread() {
    let dir = Scratch::new("csvdefault");
    dir.write("files/people.csv", "name,age\nbob,3\n");
    let templar = templar_in(&dir.0);
    let out = templar.template(
        "{{ lookup('csvfile', 'nobody', file='people.csv', delimiter=',', default=['a', 'b']) }}|{{ query('csvfile', 'nobody', file='people.csv', delimiter=',', default=['a', 'b']) | length }}|{{ lookup('csvfile', 'bob', file='people.csv', delimiter=',', default=['a']) }}",
        &Map::new(),
    );
    assert_eq!(out.map_err(|e| e.message), Ok(Value::str("a,b|2|3")));
}
