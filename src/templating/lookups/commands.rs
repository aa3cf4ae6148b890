//! Lookups that run shell commands on the controller: `pipe` (the output,
//! right-stripped) and `lines` (the output's lines). Commands run with
//! `/bin/sh -c` in the loader's base directory, stdin an empty pipe and
//! stderr inherited, as ansible's `subprocess.Popen(shell=True)` does.

use super::{Call, Failure};
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::Value as Jv;
use std::process::{Command, Stdio};

/// Run `command`; its stdout, or the exit status it failed with (as
/// Python's `returncode`: negative for a signal).
fn run_shell(call: &Call, command: &str) -> Result<Vec<u8>, i32> {
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .current_dir(&call.services.base_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(_) => return Err(127),
    };
    if output.status.success() {
        return Ok(output.stdout);
    }
    Err(exit_code(&output.status))
}

fn exit_code(status: &std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => -signal,
        (None, None) => 1,
    }
}

/// `pipe`: each command's output, decoded and right-stripped.
pub(crate) fn pipe(
    call: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut out = Vec::new();
    for term in terms {
        let command = py::to_str(&term);
        match run_shell(call, &command) {
            Ok(stdout) => {
                let text = String::from_utf8(stdout).map_err(|e| {
                    format!(
                        "'utf-8' codec can't decode byte 0x{:02x} in position {}: invalid start byte",
                        e.as_bytes().get(e.utf8_error().valid_up_to()).copied().unwrap_or(0),
                        e.utf8_error().valid_up_to()
                    )
                })?;
                out.push(Jv::from(text.trim_end_matches(py::is_space)));
            }
            Err(code) => return Err(format!("lookup_plugin.pipe({command}) returned {code}")),
        }
    }
    Ok(out)
}

/// `lines`: each command's output lines.
pub(crate) fn lines(
    call: &Call,
    terms: Vec<Jv>,
    _: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut out = Vec::new();
    for term in terms {
        let Some(command) = term.as_str() else {
            return Err(format!(
                "expected str, bytes or os.PathLike object, not {}",
                py::type_name(&term)
            ));
        };
        match run_shell(call, command) {
            Ok(stdout) => out.extend(split_lines(&stdout).into_iter().map(Jv::from)),
            Err(code) => return Err(format!("lookup_plugin.lines({command}) returned {code}")),
        }
    }
    Ok(out)
}

/// `bytes.splitlines()` (on `\n`, `\r` and `\r\n`), each line as text.
fn split_lines(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\n' => {
                out.push(String::from_utf8_lossy(&data[start..i]).into_owned());
                i += 1;
                start = i;
            }
            b'\r' => {
                out.push(String::from_utf8_lossy(&data[start..i]).into_owned());
                i += if data.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < data.len() {
        out.push(String::from_utf8_lossy(&data[start..]).into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split_lines;

    #[test]
    fn lines_split_like_python_bytes() {
        assert_eq!(split_lines(b"a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines(b"a\n\n"), ["a", ""]);
        assert!(split_lines(b"").is_empty());
    }
}
