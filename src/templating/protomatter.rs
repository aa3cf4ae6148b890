//! `ansible._protomatter`, ansible-core's internal test collection that its
//! own integration targets use to look at data tags. mitorun tracks one
//! tag: `TrustedAsTemplate`, held by strings that are not marked untrusted
//! (see `bridge::to_jinja`).

use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};

const TRUSTED: &str = "TrustedAsTemplate";

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
    // Plain Python types already: finalizing changes nothing.
    env.add_filter(
        "ansible._protomatter.finalize",
        |value: Jv| -> Result<Jv, Error> { Ok(value) },
    );
}

fn tag_names(value: &Jv) -> Vec<&'static str> {
    if value.kind() == ValueKind::String && !value.is_safe() {
        vec![TRUSTED]
    } else {
        Vec::new()
    }
}
