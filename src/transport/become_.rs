//! become command lines with mitogen's Flag Emulation: `become_flags` are
//! parsed with sudo's option rules so unsupported or conflicting flags are
//! reported instead of being pasted between us and sudo.

use super::bootstrap::shell_join;
use super::error::SpecError;
use super::spec::{BecomeMethod, BecomeSpec};

/// The prompt we ask sudo for, so we recognise it in any locale.
pub const SUDO_PROMPT: &str = "mitorun-password-prompt:";

/// The argv that runs `boot` as `b.user`. With a password the agent gives
/// the child a pty and types the password when the prompt appears;
/// without one, `-n` makes sudo/doas fail at once instead of prompting.
pub fn become_argv(b: &BecomeSpec, boot: &[String]) -> Result<Vec<String>, SpecError> {
    match b.method {
        BecomeMethod::Sudo => sudo_argv(b, boot),
        BecomeMethod::Su => {
            let mut argv = vec![b.exe.clone().unwrap_or_else(|| "su".into())];
            for f in &b.flags {
                match f.as_str() {
                    "-" | "-l" | "--login" | "-m" | "-p" | "--preserve-environment" => {
                        argv.push(f.clone())
                    }
                    other => {
                        return Err(SpecError(format!(
                            "su: unsupported option {other:?} in become_flags"
                        )));
                    }
                }
            }
            argv.push(b.user.clone());
            argv.push("-c".into());
            argv.push(shell_join(boot));
            Ok(argv)
        }
        BecomeMethod::Doas => {
            let mut argv = vec![b.exe.clone().unwrap_or_else(|| "doas".into())];
            for f in &b.flags {
                match f.as_str() {
                    "-n" | "-s" => {}
                    other => {
                        return Err(SpecError(format!(
                            "doas: unsupported option {other:?} in become_flags"
                        )));
                    }
                }
            }
            if b.password.is_none() {
                argv.push("-n".into());
            }
            argv.push("-u".into());
            argv.push(b.user.clone());
            argv.push("--".into());
            argv.extend(boot.iter().cloned());
            Ok(argv)
        }
    }
}

/// sudo's argv: the flags sudo would accept from `become_flags`, in the
/// order given (so `-H -S -n` reads as ansible's `sudo -H -S -n`), where
/// `-S`/`-n` stay only without a password: with one, the agent types it at
/// our own `-p` prompt on a pty instead. Without a password `-n` is always
/// there, so sudo fails at once rather than waiting for an answer.
fn sudo_argv(b: &BecomeSpec, boot: &[String]) -> Result<Vec<String>, SpecError> {
    let with_password = b.password.is_some();
    let mut user = b.user.clone();
    let mut flags: Vec<String> = Vec::new();
    fn push_once(flags: &mut Vec<String>, flag: &str) {
        if !flags.iter().any(|f| f == flag) {
            flags.push(flag.to_string());
        }
    }
    let mut it = b.flags.iter();
    while let Some(f) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| SpecError(format!("sudo: option {name} requires an argument")))
        };
        match f.as_str() {
            "-H" | "--set-home" => push_once(&mut flags, "-H"),
            "-E" | "--preserve-env" => push_once(&mut flags, "-E"),
            "-i" | "--login" => push_once(&mut flags, "-i"),
            "-S" | "--stdin" if !with_password => push_once(&mut flags, "-S"),
            "-n" | "--non-interactive" if !with_password => push_once(&mut flags, "-n"),
            // With a password, the pty replaces them.
            "-S" | "--stdin" | "-n" | "--non-interactive" => {}
            "-u" | "--user" => user = value(f)?,
            "-r" | "--role" => {
                let role = value(f)?;
                flags.extend(["-r".into(), role]);
            }
            "-t" | "--type" => {
                let typ = value(f)?;
                flags.extend(["-t".into(), typ]);
            }
            s if s.starts_with("--user=") => user = s["--user=".len()..].to_string(),
            // Combined short flags, e.g. -HSn.
            s if s.starts_with('-') && !s.starts_with("--") && s.len() > 2 => {
                for c in s[1..].chars() {
                    match c {
                        'H' => push_once(&mut flags, "-H"),
                        'E' => push_once(&mut flags, "-E"),
                        'i' => push_once(&mut flags, "-i"),
                        'S' if !with_password => push_once(&mut flags, "-S"),
                        'n' if !with_password => push_once(&mut flags, "-n"),
                        'S' | 'n' => {}
                        other => {
                            return Err(SpecError(format!(
                                "sudo: unsupported option -{other} in become_flags"
                            )));
                        }
                    }
                }
            }
            other => {
                return Err(SpecError(format!(
                    "sudo: unsupported option {other:?} in become_flags"
                )));
            }
        }
    }
    let mut argv = vec![b.exe.clone().unwrap_or_else(|| "sudo".into())];
    argv.extend(flags.iter().cloned());
    if with_password {
        argv.push("-p".into());
        argv.push(SUDO_PROMPT.into());
    } else if !flags.iter().any(|f| f == "-n") {
        argv.push("-n".into());
    }
    argv.extend(["-u".into(), user, "--".into()]);
    argv.extend(boot.iter().cloned());
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(flags: &[&str], password: Option<&str>) -> BecomeSpec {
        BecomeSpec {
            method: BecomeMethod::Sudo,
            user: "root".into(),
            password: password.map(String::from),
            flags: flags.iter().map(|s| s.to_string()).collect(),
            exe: None,
        }
    }

    #[test]
    fn sudo_flags_are_emulated() {
        let boot = vec!["python3".to_string()];
        assert_eq!(
            sudo_argv(&b(&["-H", "-S", "-n"], None), &boot).unwrap(),
            ["sudo", "-H", "-S", "-n", "-u", "root", "--", "python3"]
        );
        assert_eq!(
            sudo_argv(&b(&["-E"], None), &boot).unwrap(),
            ["sudo", "-E", "-n", "-u", "root", "--", "python3"]
        );
        assert_eq!(
            sudo_argv(&b(&["-HSn", "-r", "r1"], Some("pw")), &boot).unwrap(),
            [
                "sudo",
                "-H",
                "-r",
                "r1",
                "-p",
                SUDO_PROMPT,
                "-u",
                "root",
                "--",
                "python3"
            ]
        );
        assert_eq!(
            sudo_argv(&b(&["-HE", "-u", "bob"], Some("pw")), &boot).unwrap(),
            [
                "sudo",
                "-H",
                "-E",
                "-p",
                SUDO_PROMPT,
                "-u",
                "bob",
                "--",
                "python3"
            ]
        );
        assert!(sudo_argv(&b(&["--bogus"], None), &boot).is_err());
        assert!(sudo_argv(&b(&["-u"], None), &boot).is_err());
    }
}
