//! Parity: `mitorun inventory ...` must print exactly what `ansible-inventory ...` prints
//! (stdout byte for byte, same exit code) for every case under tests/fixtures/inventory/.
//! See tests/common/mod.rs for the case format and the knobs (MITORUN_PARITY_FILTER, ...).

mod common;

use common::Suite;

#[test]
fn inventory_parity() {
    common::run_suite(Suite::Inventory);
}

/// Checks the corpus itself (case.json syntax, exec bits) without running anything, so a
/// broken fixture is reported even where the reference is not installed.
#[test]
fn inventory_corpus_is_well_formed() {
    match common::load_suite_filtered(Suite::Inventory, None) {
        Ok(jobs) => assert!(
            jobs.len() >= 100,
            "suspiciously few inventory commands: {}",
            jobs.len()
        ),
        Err(errs) => panic!("broken inventory parity corpus:\n  {}", errs.join("\n  ")),
    }
}
