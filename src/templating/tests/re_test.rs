//! The `match`/`search`/`regex` tests: `re.compile(pattern, flags)` (by
//! `crate::pyre`), then the `re.Pattern` method named by `match_type`.

use crate::pyre;

/// `bool(getattr(re.compile(pattern, flags), how)(text))`.
pub(super) fn test(
    text: &str,
    pattern: &str,
    ignorecase: bool,
    multiline: bool,
    how: &str,
) -> Result<bool, String> {
    let flags = pyre::Flags {
        ignorecase,
        multiline,
        ..pyre::Flags::default()
    };
    let re = pyre::compile(pattern, flags)?;
    match how {
        "match" => Ok(re.match_start(text)?.is_some()),
        "fullmatch" => re.is_fullmatch(text),
        // findall's list is true when there is a match.
        "search" | "findall" => re.is_search(text),
        // An iterator, a list with at least the whole string, an object:
        // always true.
        "finditer" | "split" | "scanner" => Ok(true),
        "sub" | "subn" => Err(format!(
            "{how}() missing required argument 'string' (pos 2)"
        )),
        "pattern" => Err("'str' object is not callable".into()),
        "groupindex" => Err("'mappingproxy' object is not callable".into()),
        "flags" | "groups" => Err("'int' object is not callable".into()),
        _ => Err("'str' object is not callable".into()),
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn anchoring_follows_python() {
        assert_eq!(test("abc", "b", false, false, "match"), Ok(false));
        assert_eq!(test("abc", "b", false, false, "search"), Ok(true));
        assert_eq!(test("abc", "abc", false, false, "fullmatch"), Ok(true));
        assert_eq!(test("abc\n", "abc$", false, false, "match"), Ok(true));
        assert_eq!(test("abc\n", "abc$", false, false, "fullmatch"), Ok(false));
        assert_eq!(test("x\nabc", "^abc", false, true, "search"), Ok(true));
        assert_eq!(test("x\nabc", "^abc", false, false, "search"), Ok(false));
        assert_eq!(test("ABC", "a", true, false, "match"), Ok(true));
    }

    #[test]
    fn lookaround_and_backreferences() {
        assert_eq!(test("a-a", r"(\w)-\1", false, false, "search"), Ok(true));
        assert_eq!(test("a-b", r"(\w)-\1", false, false, "search"), Ok(false));
        assert_eq!(
            test("qz_2", "^qz_.+(?<!_2)$", false, false, "search"),
            Ok(false)
        );
        assert_eq!(test("ab", "a(?=b)", false, false, "match"), Ok(true));
        assert!(test("aa", r"(a)\2", false, false, "search").is_err());
        assert!(test("abc", "(", false, false, "search").is_err());
    }

    #[test]
    fn the_pattern_is_compiled_before_the_method_is_looked_up() {
        assert_eq!(
            test("abc", "(", false, false, "nope"),
            Err("missing ), unterminated subpattern at position 0".into())
        );
        assert_eq!(
            test("abc", "b", false, false, "nope"),
            Err("'str' object is not callable".into())
        );
    }
}
