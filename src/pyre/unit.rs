//! The shared Python-pattern matcher: what each engine is chosen for and
//! what Python answers (the expectations are what CPython 3.11's `re`
//! returns for the same calls).

use super::*;

fn re(pattern: &str) -> Regex {
    compile(pattern, Flags::default()).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

fn search_text(pattern: &str, subject: &str) -> Option<String> {
    let found = re(pattern).search(subject).expect("search runs");
    found.and_then(|caps| caps.text(0, subject).map(str::to_string))
}

fn sub(pattern: &str, replacement: &str, subject: &str) -> String {
    let re = re(pattern);
    let template = Template::parse(replacement, &re).expect("template");
    re.substitute(subject, &template, 0).expect("sub runs").0
}

#[test]
fn plain_patterns_use_the_fast_engine() {
    assert!(!re(r"^qz_\w+[0-9]{2,}(?P<x>a|b)(?i:c)").needs_backtracking());
    // `$` needs the exact twin only for subjects ending in a newline.
    assert!(!re("abc$").needs_backtracking());
    assert_eq!(search_text("b", "abc").as_deref(), Some("b"));
}

#[test]
fn lookahead() {
    let r = re(r"foo(?=bar)");
    assert!(r.needs_backtracking());
    assert_eq!(
        search_text(r"foo(?=bar)", "foobaz foobar"),
        Some("foo".into())
    );
    let found = r.search("foobaz foobar").expect("runs").expect("found");
    assert_eq!(found.whole(), (7, 10));
    assert_eq!(
        search_text(r"\d+(?!px)\b", "12px 34 em").as_deref(),
        Some("34")
    );
}

#[test]
fn lookbehind() {
    // lookup_varnames' pattern: names not ending in `_2`.
    let r = re(r"^qz_.+(?<!_2)$");
    assert!(r.needs_backtracking());
    assert_eq!(r.is_search("qz_1"), Ok(true));
    assert_eq!(r.is_search("qz_12"), Ok(true));
    assert_eq!(r.is_search("qz_2"), Ok(false));
    assert_eq!(r.is_search("qz_x_2"), Ok(false));
    assert_eq!(
        search_text(r"(?<=\$)\d+", "cost: $42").as_deref(),
        Some("42")
    );
    // Lookbehind sees text before the search position.
    let r = re(r"(?<=a)b");
    assert_eq!(
        r.search_from("ab", 1).expect("runs").map(|c| c.whole()),
        Some((1, 2))
    );
}

#[test]
fn backreferences() {
    let r = re(r"(\w)\1");
    assert!(r.needs_backtracking());
    assert_eq!(search_text(r"(\w)\1", "abccd").as_deref(), Some("cc"));
    // A digit after a backreference stays a literal.
    assert_eq!(search_text(r"(a)\1 0", "aa 0").as_deref(), Some("aa 0"));
    assert_eq!(
        search_text(r"(?P<q>['\x22]).*?(?P=q)", r#"x 'a"b' y"#).as_deref(),
        Some("'a\"b'")
    );
    assert_eq!(re(r"(?P<w>\w+)-(?P=w)").is_fullmatch("ab-ab"), Ok(true));
    assert_eq!(re(r"(?P<w>\w+)-(?P=w)").is_fullmatch("ab-ac"), Ok(false));
    let ci = compile(
        r"(a)\1",
        Flags {
            ignorecase: true,
            ..Flags::default()
        },
    )
    .expect("compiles");
    assert_eq!(ci.is_search("aA"), Ok(true));
}

#[test]
fn replace_with_backreference_in_a_backtracking_pattern() {
    assert_eq!(sub(r"(\w)\1", r"<\1>", "aabcc"), "<a>b<c>");
    assert_eq!(sub(r"(?P<c>\w)(?P=c)", r"[\g<c>\g<1>]", "xxyy"), "[xx][yy]");
    assert_eq!(
        sub(r"(?<=-)(\d)", r"\g<0>\g<1>", "a-1 b-2 3"),
        "a-11 b-22 3"
    );
}

#[test]
fn python_dollar_matches_before_a_final_newline() {
    assert_eq!(search_text("abc$", "abc\n").as_deref(), Some("abc"));
    assert_eq!(search_text("abc$", "abc"), Some("abc".into()));
    assert_eq!(search_text("abc$", "abc\n\n"), None);
    assert_eq!(re("abc$").is_fullmatch("abc\n"), Ok(false));
    assert_eq!(sub("$", "!", "a\n"), "a!\n!");
    let ml = compile(
        "^b$",
        Flags {
            multiline: true,
            ..Flags::default()
        },
    )
    .expect("compiles");
    assert_eq!(ml.is_search("a\nb\nc"), Ok(true));
    // Scoped MULTILINE ends with its group.
    assert_eq!(re("(?m:a$)\nb$").is_search("a\nb\n"), Ok(true));
}

#[test]
fn match_and_fullmatch_anchor_like_python() {
    let r = re("a|ab");
    assert_eq!(r.match_start("xab").expect("runs"), None);
    assert_eq!(
        r.match_start("ab").expect("runs").map(|c| c.whole()),
        Some((0, 1))
    );
    // fullmatch backtracks into the second alternative.
    assert_eq!(r.is_fullmatch("ab"), Ok(true));
}

#[test]
fn findall_shapes_and_groups() {
    let r = re(r"(\w)(\d)?");
    assert_eq!(
        r.find_all_texts("a1b").expect("runs"),
        vec![
            vec!["a".to_string(), "1".to_string()],
            vec!["b".to_string(), String::new()]
        ]
    );
    assert_eq!(r.group_count(), 2);
    assert_eq!(re(r"(?P<n>x)").group_index("n"), Some(1));
}

#[test]
fn invalid_patterns_report_python_errors() {
    let error = |p: &str| compile(p, Flags::default()).expect_err(p);
    assert_eq!(
        error("("),
        "missing ), unterminated subpattern at position 0"
    );
    assert_eq!(error(r"(a)\2"), "invalid group reference 2 at position 4");
    assert_eq!(
        error(r"(a\1)"),
        "cannot refer to an open group at position 2"
    );
    assert_eq!(error("(?P=n)"), "unknown group name 'n' at position 4");
    assert_eq!(error("a**"), "multiple repeat at position 2");
    assert_eq!(error("^*"), "nothing to repeat at position 1");
    assert_eq!(error(r"\b+"), "nothing to repeat at position 2");
    assert_eq!(error("(?Q)"), "unknown extension ?Q at position 1");
    assert_eq!(
        error("a(?i)"),
        "global flags not at the start of the expression at position 1"
    );
    assert_eq!(error(r"[\8]"), r"bad escape \8 at position 1");
}

#[test]
fn possessive_atomic_and_conditional_need_backtracking() {
    assert_eq!(re("a++b").is_search("aab"), Ok(true));
    assert_eq!(re("a*+a").is_search("aaa"), Ok(false));
    assert_eq!(re("(?>a+)b").is_search("aab"), Ok(true));
    let cond = re(r"(<)?\w+(?(1)>)");
    assert!(cond.needs_backtracking());
    assert_eq!(cond.is_fullmatch("<a>"), Ok(true));
    assert_eq!(cond.is_fullmatch("<a"), Ok(false));
}

#[test]
fn octal_and_class_escapes() {
    assert_eq!(search_text(r"[\1]", "a\u{1}").as_deref(), Some("\u{1}"));
    assert_eq!(search_text(r"\101", "zA").as_deref(), Some("A"));
    assert_eq!(search_text("a{b", "a{b").as_deref(), Some("a{b"));
    assert_eq!(search_text("[[]", "x[").as_deref(), Some("["));
    assert_eq!(escape("a.b*c"), r"a\.b\*c");
}
