//! Parity: `mitorun -i SRC PATTERN --list-hosts [...]` must print exactly what
//! `ansible -i SRC PATTERN --list-hosts [...]` prints (ad hoc mode; stdout byte for byte, same
//! exit code) for every case under tests/fixtures/patterns/.
//! See tests/common/mod.rs for the case format and the knobs (MITORUN_PARITY_FILTER, ...).

mod common;

use common::Suite;

#[test]
fn pattern_parity() {
    common::run_suite(Suite::Patterns);
}

/// Checks the corpus itself without running anything.
#[test]
fn pattern_corpus_is_well_formed() {
    match common::load_suite_filtered(Suite::Patterns, None) {
        Ok(jobs) => assert!(
            jobs.len() >= 40,
            "suspiciously few pattern commands: {}",
            jobs.len()
        ),
        Err(errs) => panic!("broken pattern parity corpus:\n  {}", errs.join("\n  ")),
    }
}
