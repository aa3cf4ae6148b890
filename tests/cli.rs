//! The command line as a user meets it: program selection, exit codes,
//! "not supported yet" refusals, configuration errors with file:line, and
//! shell completions. Exit codes are ansible-core 2.19's (see src/errors.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mitorun(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args(args)
        .current_dir(cwd)
        .env_remove("ANSIBLE_CONFIG")
        .env("HOME", cwd)
        .output()
        .expect("mitorun runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mitorun-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn usage_errors_exit_2_like_argparse() {
    let dir = scratch("usage");
    let out = mitorun(&["--no-such-flag", "site.yml"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn missing_playbook_exits_1() {
    let dir = scratch("missing");
    let out = mitorun(&["site.yml"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the playbook: site.yml could not be found"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unimplemented_features_are_refused_with_exit_5() {
    let dir = scratch("unsupported");
    std::fs::write(dir.join("site.yml"), "- hosts: all\n  tasks: []\n").unwrap();
    std::fs::write(dir.join("pw"), "secret\n").unwrap();
    std::fs::write(dir.join("hosts"), "h1\n").unwrap();
    for args in [
        vec![
            "-i",
            "hosts",
            "all",
            "-m",
            "ping",
            "--become-password-file",
            "pw",
        ],
        vec![
            "-i",
            "hosts",
            "site.yml",
            "--connection-password-file",
            "pw",
        ],
        vec!["inventory", "-i", "hosts", "--list", "--toml"],
    ] {
        let out = mitorun(&args, &dir);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not supported yet"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn adhoc_mode_is_chosen_by_a_non_file_positional() {
    let dir = scratch("adhoc");
    std::fs::write(dir.join("hosts"), "[web]\nw1\nw2\n").unwrap();
    let out = mitorun(&["-i", "hosts", "web", "--list-hosts"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "  hosts (2):\n    w1\n    w2\n"
    );
}

#[test]
fn argv0_selects_the_program() {
    let dir = scratch("argv0");
    std::fs::write(dir.join("hosts"), "[web]\nw1\n").unwrap();
    let link = dir.join("ansible-inventory");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mitorun"), &link).unwrap();
    let out = Command::new(&link)
        .args(["-i", "hosts", "--graph"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "@all:\n  |--@ungrouped:\n  |--@web:\n  |  |--w1\n"
    );
}

#[test]
fn bad_config_value_names_file_and_line_and_exits_5() {
    let dir = scratch("config");
    std::fs::write(dir.join("ansible.cfg"), "[defaults]\n\nforks = lots\n").unwrap();
    std::fs::write(dir.join("hosts"), "h1\n").unwrap();
    let out = mitorun(&["inventory", "-i", "hosts", "--list"], &dir);
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    assert!(err.contains("DEFAULT_FORKS"), "{err}");
    assert!(err.contains("ansible.cfg:3:1"), "{err}");
}

#[test]
fn config_file_settings_apply_and_env_overrides_them() {
    let dir = scratch("precedence");
    std::fs::write(
        dir.join("ansible.cfg"),
        "[defaults]\ninventory = from_cfg\n",
    )
    .unwrap();
    std::fs::write(dir.join("from_cfg"), "cfg_host\n").unwrap();
    std::fs::write(dir.join("from_env"), "env_host\n").unwrap();
    let out = mitorun(&["inventory", "--graph"], &dir);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cfg_host"),
        "{}",
        stderr(&out)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args(["inventory", "--graph"])
        .current_dir(&dir)
        .env("HOME", &dir)
        .env("ANSIBLE_INVENTORY", "from_env")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("env_host"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_are_generated() {
    let dir = scratch("completions");
    let out = mitorun(&["completions", "bash"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--inventory"));
}

#[test]
fn missing_vault_password_file_is_an_error() {
    let dir = scratch("vaultpw");
    std::fs::write(dir.join("hosts"), "h1\n").unwrap();
    let out = mitorun(
        &[
            "inventory",
            "-i",
            "hosts",
            "--list",
            "--vault-password-file",
            "nope",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("was not found"), "{}", stderr(&out));
}

/// MITOGEN_DUMP_THREAD_STACKS=<secs>: while a task hangs, the agent logs
/// every thread's stack and the controller lists the requests still
/// waiting, on stderr; the callback's stdout is untouched.
#[test]
fn dump_thread_stacks_reports_where_a_task_waits() {
    let dir = scratch("dump-stacks");
    std::fs::write(
        dir.join("wait.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - command: sleep 1.6\n",
    )
    .expect("playbook");
    let out = Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args([
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
            "wait.yml",
        ])
        .current_dir(&dir)
        .env_remove("ANSIBLE_CONFIG")
        .env("HOME", &dir)
        .env("MITOGEN_DUMP_THREAD_STACKS", "0.5")
        .output()
        .expect("mitorun runs");
    let err = stderr(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{err}");
    assert!(stdout.contains("changed: [localhost]"), "{stdout}");
    assert!(!stdout.contains("thread stacks"), "{stdout}");
    // The agent's module thread is seen waiting for the command.
    assert!(err.contains("thread stacks of pid"), "{err}");
    assert!(err.contains("in run_command"), "{err}");
    assert!(
        err.contains("request(s) waiting for a reply") && err.contains("'run_module command'"),
        "{err}"
    );
    let quiet = mitorun(
        &[
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
            "wait.yml",
        ],
        &dir,
    );
    assert!(
        !stderr(&quiet).contains("thread stacks"),
        "{}",
        stderr(&quiet)
    );
}

/// ansible runs a local connection's commands and modules in the
/// playbook's dir, wherever ansible-playbook was started: relative paths
/// in `raw`, `command`, `shell` and `script` name files beside the playbook.
#[test]
fn local_connection_works_in_the_playbook_dir() {
    let dir = scratch("local-cwd");
    let project = dir.join("project");
    std::fs::create_dir_all(&project).expect("project dir");
    std::fs::write(project.join("marker.txt"), "beside the playbook\n").expect("marker");
    std::fs::write(
        project.join("site.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - raw: cat marker.txt\n      register: by_raw\n\
         \x20   - command: cat marker.txt\n      register: by_command\n\
         \x20   - shell: pwd\n      register: by_shell\n\
         \x20   - assert:\n        that:\n\
         \x20         - by_raw.stdout == 'beside the playbook\\n'\n\
         \x20         - by_command.stdout == 'beside the playbook'\n\
         \x20         - by_shell.stdout == playbook_dir\n",
    )
    .expect("playbook");
    let out = mitorun(
        &[
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
            "project/site.yml",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", stderr(&out));
    assert!(stdout.contains("All assertions passed"), "{stdout}");
}

/// A run's deprecations (here the `bool` filter's) come after ansible's
/// hint, each distinct text once; DEPRECATION_WARNINGS=False hides them.
#[test]
fn deprecations_are_shown_once_after_the_hint() {
    let dir = scratch("deprecations");
    std::fs::write(
        dir.join("p.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - debug:\n        msg: \"{{ 'maybe' | bool }} {{ 'maybe' | bool }} {{ [1] | bool }}\"\n",
    )
    .expect("playbook");
    let out = mitorun(&["p.yml"], &dir);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let hint = "[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.";
    assert_eq!(err.matches(hint).count(), 1, "{err}");
    let maybe = "[DEPRECATION WARNING]: The `bool` filter coerced invalid value 'maybe' (str) to False. This feature will be removed from ansible-core version 2.23.";
    assert_eq!(err.matches(maybe).count(), 1, "{err}");
    assert!(err.contains("invalid value [1] (list) to False"), "{err}");
    assert!(err.find(hint) < err.find(maybe), "{err}");
    std::fs::write(
        dir.join("ansible.cfg"),
        "[defaults]\ndeprecation_warnings = False\n",
    )
    .expect("config");
    let quiet = mitorun(&["p.yml"], &dir);
    assert!(
        !stderr(&quiet).contains("DEPRECATION"),
        "{}",
        stderr(&quiet)
    );
}

/// A conditional written as a template is deprecated in 2.19: shown once
/// per place it was written (a loop does not repeat it), with its origin;
/// a warning repeated with the same text is shown once.
#[test]
fn delimited_conditionals_are_deprecated_where_written() {
    let dir = scratch("delimited-conditionals");
    std::fs::write(
        dir.join("p.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - debug: msg=x\n      when: '{{ true }}'\n      loop: [1, 2]\n\
         \x20   - debug: msg=y\n      when: item\n      loop: [true]\n",
    )
    .expect("playbook");
    let out = mitorun(&["p.yml"], &dir);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let deprecation = "[DEPRECATION WARNING]: Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}. This feature will be removed from ansible-core version 2.23.\nOrigin: ";
    assert_eq!(err.matches(deprecation).count(), 1, "{err}");
    assert!(err.contains("p.yml:5:13"), "{err}");
}

/// Collection modules are found under ansible.cfg's `collections_path`,
/// as collection roles are.
#[test]
fn collection_modules_are_found_under_the_configured_collections_path() {
    let dir = scratch("collections-path");
    let modules = dir.join("colls/ansible_collections/acme/tools/plugins/modules");
    std::fs::create_dir_all(&modules).expect("collection dir");
    std::fs::write(
        modules.join("hello.py"),
        "#!/usr/bin/python3\n# WANT_JSON\nimport json\nprint(json.dumps({'changed': False, 'greeting': 'hello from acme'}))\n",
    )
    .expect("module");
    std::fs::write(
        dir.join("ansible.cfg"),
        format!(
            "[defaults]\ncollections_path = {}\n",
            dir.join("colls").display()
        ),
    )
    .expect("config");
    std::fs::write(
        dir.join("p.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - acme.tools.hello:\n      register: r\n\
         \x20   - assert:\n        that: r.greeting == 'hello from acme'\n",
    )
    .expect("playbook");
    let out = mitorun(
        &["-e", "ansible_python_interpreter=/usr/bin/python3", "p.yml"],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", stderr(&out));
    // A playbook's own `collections/` dir is searched too, without config.
    std::fs::remove_file(dir.join("ansible.cfg")).expect("config removed");
    std::fs::rename(dir.join("colls"), dir.join("collections")).expect("collections dir");
    let out = mitorun(
        &["-e", "ansible_python_interpreter=/usr/bin/python3", "p.yml"],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", stderr(&out));
}
