//! `ansible._protomatter`, ansible-core's internal test collection that its
//! own integration targets use to look at data tags. mitorun tracks two:
//! `TrustedAsTemplate`, held by strings that are not marked untrusted
//! (see `bridge::to_jinja`), and `VaultedValue`, held by vault plaintext.

use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};
use std::collections::BTreeMap;

const TRUSTED: &str = "TrustedAsTemplate";
/// Held by plaintext decrypted from a vault (`vaulted.rs`).
const VAULTED: &str = "VaultedValue";

pub fn register(env: &mut Environment<'static>) {
    env.add_test(
        "ansible._protomatter.tagged_with",
        |value: Jv, tag: String| tag_names(&value).contains(&tag.as_str()),
    );
    env.add_test("ansible._protomatter.tagged", |value: Jv| {
        !tag_names(&value).is_empty()
    });
    env.add_filter("ansible._protomatter.tag_names", |value: Jv| {
        Jv::from(
            tag_names(&value)
                .into_iter()
                .map(Jv::from)
                .collect::<Vec<_>>(),
        )
    });
    env.add_function(
        super::percent::CAPTURE_FUNCTION,
        |state: &minijinja::State, source: String| {
            super::render::capture_expression(state, &source)
        },
    );
    env.add_filter("ansible._protomatter.dump_object", dump_object);
    // Plain Python types already: finalizing changes nothing.
    env.add_filter(
        "ansible._protomatter.finalize",
        |value: Jv| -> Result<Jv, Error> { Ok(value) },
    );
}

/// A failed expression (an invalid value, which is what ansible's error
/// markers are here) as `{"exception": {"message": ...}}`; other values
/// as they are.
fn dump_object(value: Jv) -> Jv {
    match invalid_message(&value) {
        Some(message) => {
            let exception = BTreeMap::from([("message", Jv::from(message))]);
            Jv::from(BTreeMap::from([("exception", Jv::from(exception))]))
        }
        None => value,
    }
}

/// The message an invalid value carries.
fn invalid_message(value: &Jv) -> Option<String> {
    super::bridge::with_invalid_error(value, |e| e.detail().unwrap_or_default().to_string())
}

fn tag_names(value: &Jv) -> Vec<&'static str> {
    let mut names = Vec::new();
    if value.kind() == ValueKind::String && !value.is_safe() {
        names.push(TRUSTED);
    }
    if super::vaulted::is_decrypted(value) {
        names.push(VAULTED);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::ErrorKind;

    #[test]
    fn invalid_values_show_their_message() {
        let failed = Jv::from(Error::new(ErrorKind::InvalidOperation, "boom: it broke"));
        assert_eq!(invalid_message(&failed).as_deref(), Some("boom: it broke"));
        assert_eq!(invalid_message(&Jv::from("x")), None);
    }
}
