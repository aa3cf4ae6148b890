//! Commands on a target that has no agent: ansible's `raw` works before
//! the target has Python (it is how Python gets installed there), so when
//! the agent cannot start for want of an interpreter, raw's command line
//! runs straight over the transport, as ansible's connection
//! `exec_command` runs it: one command, its output and exit code.

use super::backend::{Backend, Spawned};
use super::become_::become_argv;
use super::context::ExecResult;
use super::error::{Unreachable, UnreachableKind};
use super::spec::{BecomeMethod, ConnectionSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The argv that runs `cmd` with `shell -c` as the target's user (through
/// the spec's become), and what to write to its stdin. sudo reads a
/// password on stdin (`-S`); su and doas read one only from a terminal,
/// which a command without an agent does not have.
pub fn command_argv(
    spec: &ConnectionSpec,
    shell: &str,
    cmd: &str,
) -> Result<(Vec<String>, Vec<u8>), Unreachable> {
    let base = vec![shell.to_string(), "-c".to_string(), cmd.to_string()];
    let Some(b) = &spec.become_ else {
        return Ok((base, Vec::new()));
    };
    let mut argv =
        become_argv(b, &base).map_err(|e| Unreachable::new(UnreachableKind::Become, e.0))?;
    let Some(password) = &b.password else {
        return Ok((argv, Vec::new()));
    };
    if b.method != BecomeMethod::Sudo {
        return Err(Unreachable::new(
            UnreachableKind::Become,
            format!(
                "{} needs a terminal to read the become password, and the target has no \
                 Python for mitorun to give it one",
                become_method_name(&b.method)
            ),
        ));
    }
    // become_argv gives sudo our own `-p` prompt; `-S` reads the answer
    // from stdin.
    argv.insert(1, "-S".to_string());
    Ok((argv, format!("{password}\n").into_bytes()))
}

fn become_method_name(method: &BecomeMethod) -> &'static str {
    match method {
        BecomeMethod::Sudo => "sudo",
        BecomeMethod::Su => "su",
        BecomeMethod::Doas => "doas",
    }
}

/// Runs `argv` over the spec's transport with `stdin` written to it, and
/// waits for its output and exit code.
pub async fn run(
    backend: &dyn Backend,
    spec: &ConnectionSpec,
    argv: &[String],
    stdin: Vec<u8>,
) -> Result<ExecResult, Unreachable> {
    let Spawned {
        stdin: mut input,
        mut stdout,
        mut stderr,
        mut guard,
        name,
    } = backend.spawn(spec, argv).await?;
    let feed = async move {
        // A command that never reads its stdin may exit first: its
        // output still counts.
        let _ = input.write_all(&stdin).await;
        let _ = input.shutdown().await;
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    let (_, read_out, read_err) = tokio::join!(
        feed,
        stdout.read_to_end(&mut out),
        stderr.read_to_end(&mut err)
    );
    if let Err(e) = read_out.and(read_err) {
        return Err(Unreachable::new(
            UnreachableKind::Disconnected,
            format!("{name}: {e}"),
        ));
    }
    let Some(rc) = guard.wait().await else {
        return Err(Unreachable::new(
            UnreachableKind::Disconnected,
            format!("the {name} command ended without an exit status"),
        )
        .with_stderr(String::from_utf8_lossy(&err).into_owned()));
    };
    Ok(ExecResult {
        rc: i64::from(rc),
        stdout: out,
        stderr: strip_sudo_prompt(err),
    })
}

/// sudo writes our prompt to stderr before it reads the password; it is
/// not the command's output.
fn strip_sudo_prompt(stderr: Vec<u8>) -> Vec<u8> {
    let prompt = super::become_::SUDO_PROMPT.as_bytes();
    match stderr.strip_prefix(prompt) {
        Some(rest) => rest.to_vec(),
        None => stderr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::spec::BecomeSpec;
    use crate::value::Map;

    fn spec(become_: Option<BecomeSpec>) -> ConnectionSpec {
        let mut spec = ConnectionSpec::from_vars("h", &Map::new()).expect("default spec");
        spec.become_ = become_;
        spec
    }

    fn become_as(method: BecomeMethod, password: Option<&str>) -> BecomeSpec {
        BecomeSpec {
            method,
            user: "root".into(),
            password: password.map(String::from),
            flags: vec!["-H".into(), "-S".into(), "-n".into()],
            exe: None,
        }
    }

    #[test]
    fn plain_command_runs_in_the_shell() {
        let (argv, stdin) = command_argv(&spec(None), "/bin/sh", "echo hi").expect("argv");
        assert_eq!(argv, ["/bin/sh", "-c", "echo hi"]);
        assert!(stdin.is_empty());
    }

    #[test]
    fn sudo_without_password_is_non_interactive() {
        let b = become_as(BecomeMethod::Sudo, None);
        let (argv, stdin) = command_argv(&spec(Some(b)), "/bin/sh", "id").expect("argv");
        assert_eq!(
            argv,
            [
                "sudo", "-H", "-S", "-n", "-u", "root", "--", "/bin/sh", "-c", "id"
            ]
        );
        assert!(stdin.is_empty());
    }

    #[test]
    fn sudo_password_goes_to_stdin() {
        let b = become_as(BecomeMethod::Sudo, Some("pw"));
        let (argv, stdin) = command_argv(&spec(Some(b)), "/bin/sh", "id").expect("argv");
        assert_eq!(argv[..2], ["sudo", "-S"]);
        assert!(argv.iter().any(|a| a == super::super::become_::SUDO_PROMPT));
        assert_eq!(stdin, b"pw\n");
    }

    #[test]
    fn su_password_needs_a_terminal() {
        let b = become_as(BecomeMethod::Su, Some("pw"));
        let b = BecomeSpec { flags: vec![], ..b };
        let e = command_argv(&spec(Some(b)), "/bin/sh", "id").expect_err("su password");
        assert_eq!(e.kind, UnreachableKind::Become);
    }

    #[test]
    fn only_the_leading_prompt_is_stripped() {
        let prompt = super::super::become_::SUDO_PROMPT;
        assert_eq!(
            strip_sudo_prompt(format!("{prompt}oops\n{prompt}").into_bytes()),
            format!("oops\n{prompt}").into_bytes()
        );
        assert_eq!(strip_sudo_prompt(b"plain".to_vec()), b"plain");
    }
}
