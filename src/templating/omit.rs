//! ansible's `omit`: a sentinel object, not a string. Templates see an
//! object (`omit is string` is false, `omit ~ 'x'` is `<<Omit>>x`, as in
//! ansible); a template result that is the sentinel comes back from the
//! bridge as `OMIT_TOKEN`, which the executor drops from task arguments.

use minijinja::value::{Object, ObjectRepr, Value as Jv};
use std::sync::Arc;

/// What an omitted value is once a template result leaves minijinja: a
/// task argument that is exactly this string is dropped before the action
/// runs.
pub const OMIT_TOKEN: &str = "__omit_place_holder__6b8c7f4b1e2a9d3c5f0e7a1b2c3d4e5f6a7b8c9d";

#[derive(Debug)]
pub struct Omit;

impl Object for Omit {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // str() of ansible's _OmitType.
        f.write_str("<<Omit>>")
    }
}

/// The `omit` value templates see.
pub fn value() -> Jv {
    Jv::from_object(Omit)
}

pub fn is_omit(value: &Jv) -> bool {
    value.downcast_object_ref::<Omit>().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templating::bridge::from_jinja;
    use crate::templating::render::Templar;
    use crate::value::{Map, Value};

    /// Templates see an object (observed in ansible: `omit is string` is
    /// false, `omit ~ 'x'` is `<<Omit>>x`); results carry the token the
    /// executor drops.
    #[test]
    fn omit_is_an_object_in_templates_and_the_token_outside() {
        let t = Templar::new();
        let vars = Map::new();
        assert_eq!(
            t.template("{{ omit is string }}", &vars),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            t.template("{{ omit ~ 'x' }}", &vars),
            Ok(Value::str("<<Omit>>x"))
        );
        assert_eq!(
            t.template("{{ nothing | default(omit) }}", &vars),
            Ok(Value::str(OMIT_TOKEN))
        );
        assert_eq!(from_jinja(&value()), Value::str(OMIT_TOKEN));
    }
}
