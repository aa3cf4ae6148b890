//! ansible's `tree` callback (ad hoc `-t/--tree DIR`, or
//! `callbacks_enabled = tree` with CALLBACK_TREE_DIR): every ok, failed
//! or unreachable result is written to DIR/<host>, replacing the host's
//! previous one, as the default callback would dump it.

use std::path::PathBuf;

pub struct TreeCallback {
    dir: PathBuf,
}

impl TreeCallback {
    pub fn new(dir: PathBuf) -> Self {
        TreeCallback { dir }
    }

    /// Writes a host's dumped result. Failures are warnings, as ansible's
    /// `error_as_warning`.
    pub fn write(&self, host: &str, dumped: &str) {
        if let Err(e) = std::fs::create_dir_all(&self.dir) {
            crate::cli::display::warning(&format!(
                "Unable to access or create the configured directory '{}'.: {e}",
                self.dir.display()
            ));
        }
        if let Err(e) = std::fs::write(self.dir.join(host), dumped) {
            crate::cli::display::warning(&format!("Unable to write to '{host}''s file.: {e}"));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_result_replaces_the_hosts_file() {
        let dir = std::env::temp_dir().join(format!("mitorun-tree-{}", std::process::id()));
        let tree = super::TreeCallback::new(dir.join("sub"));
        tree.write("h1", "{\"a\": 1}");
        tree.write("h1", "{\"b\": 2}");
        let text = std::fs::read_to_string(dir.join("sub/h1")).expect("written");
        assert_eq!(text, "{\"b\": 2}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
