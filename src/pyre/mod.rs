//! Python `re` patterns, compiled once for every caller (the regex filters
//! and tests, include_vars, assemble, `~` host patterns, and the lookups
//! that use them).
//!
//! `translate.rs` turns Python syntax into the crates' syntax and reports
//! Python's `re.error` messages; this module runs the result on the
//! `regex` crate when the pattern allows it and on `fancy-regex` (a
//! backtracking engine that delegates the plain parts to `regex`) only when
//! it needs lookaround, backreferences, atomic groups, possessive
//! quantifiers or conditionals. `template.rs` is `re.sub`'s replacement
//! syntax.
//!
//! Python's `$` without MULTILINE also matches before a final newline; the
//! `regex` crate cannot say that, so such a pattern keeps a `fancy-regex`
//! twin that runs on subjects ending in a newline (elsewhere both agree).
//!
//! Known gaps: VERBOSE is not offered (no caller has it); `(?a)` does not
//! make `\w`/`\d` ASCII; Python rejects variable-width lookbehind, which
//! `fancy-regex` may accept; a backtracking pattern stops with an error
//! after `fancy-regex`'s backtrack limit where Python would go on.

mod template;
mod translate;
#[cfg(test)]
mod unit;

use std::sync::OnceLock;

pub use template::Template;

/// Python's compile flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub ignorecase: bool,
    pub multiline: bool,
    pub dotall: bool,
}

/// The regex crates' program size limit (Python has none; this keeps a
/// hostile `a{99999999}` from eating the memory).
const SIZE_LIMIT: usize = 1 << 24;

/// One compiled form of a pattern.
#[derive(Debug)]
enum Engine {
    Fast(regex::Regex),
    Backtracking(Box<fancy_regex::Regex>),
}

/// The spans of one match's groups (group 0 is the whole match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captures {
    spans: Vec<Option<(usize, usize)>>,
}

impl Captures {
    /// Byte range of group `index`, when it took part in the match.
    pub fn span(&self, index: usize) -> Option<(usize, usize)> {
        self.spans.get(index).copied().flatten()
    }

    /// Text of group `index` in `subject` (the text that was searched).
    pub fn text<'t>(&self, index: usize, subject: &'t str) -> Option<&'t str> {
        self.span(index).and_then(|(s, e)| subject.get(s..e))
    }

    /// Start and end of the whole match.
    pub fn whole(&self) -> (usize, usize) {
        self.span(0).unwrap_or((0, 0))
    }
}

/// The forms one anchoring of a pattern compiles to.
#[derive(Debug)]
struct Compiled {
    /// Used for subjects not ending in a newline, or for all when `exact`
    /// is absent.
    main: Engine,
    /// Python's meaning where `main` reads `$` as `\z`: for subjects
    /// ending in a newline.
    exact: Option<Engine>,
}

impl Compiled {
    fn engine_for(&self, subject: &str) -> &Engine {
        match &self.exact {
            Some(exact) if subject.ends_with('\n') => exact,
            _ => &self.main,
        }
    }
}

/// A compiled Python pattern.
#[derive(Debug)]
pub struct Regex {
    pattern: String,
    flags: Flags,
    search: Compiled,
    /// `\A(?:...)` and `\A(?:...)\z`, compiled when first needed.
    at_start: OnceLock<Result<Compiled, String>>,
    full: OnceLock<Result<Compiled, String>>,
    /// Group names by number (index 0 is the whole match).
    names: Vec<Option<String>>,
}

/// `re.compile(pattern, flags)`.
pub fn compile(pattern: &str, flags: Flags) -> Result<Regex, String> {
    let search = compile_anchored(pattern, flags, Anchoring::Search)?;
    let names = match &search.main {
        Engine::Fast(re) => re.capture_names().map(|n| n.map(str::to_string)).collect(),
        Engine::Backtracking(re) => re.capture_names().map(|n| n.map(str::to_string)).collect(),
    };
    Ok(Regex {
        pattern: pattern.to_string(),
        flags,
        search,
        at_start: OnceLock::new(),
        full: OnceLock::new(),
        names,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Anchoring {
    Search,
    Start,
    Full,
}

fn compile_anchored(pattern: &str, flags: Flags, anchoring: Anchoring) -> Result<Compiled, String> {
    let t = translate::translate(pattern, flags.multiline)?;
    let wrap = |body: &str| match anchoring {
        Anchoring::Search => body.to_string(),
        Anchoring::Start => format!("\\A(?:{body})"),
        Anchoring::Full => format!("\\A(?:{body})\\z"),
    };
    if t.needs_backtracking {
        return Ok(Compiled {
            main: backtracking(&wrap(&t.exact), flags)?,
            exact: None,
        });
    }
    let main = fast(&wrap(&t.fast), flags)?;
    let exact = if t.has_end_dollar {
        Some(backtracking(&wrap(&t.exact), flags)?)
    } else {
        None
    };
    Ok(Compiled { main, exact })
}

fn fast(text: &str, flags: Flags) -> Result<Engine, String> {
    regex::RegexBuilder::new(text)
        .case_insensitive(flags.ignorecase)
        .multi_line(flags.multiline)
        .dot_matches_new_line(flags.dotall)
        .size_limit(SIZE_LIMIT)
        .build()
        .map(Engine::Fast)
        .map_err(|e| e.to_string())
}

fn backtracking(text: &str, flags: Flags) -> Result<Engine, String> {
    fancy_regex::RegexBuilder::new(text)
        .case_insensitive(flags.ignorecase)
        .multi_line(flags.multiline)
        .dot_matches_new_line(flags.dotall)
        .delegate_size_limit(SIZE_LIMIT)
        .build()
        .map(|re| Engine::Backtracking(Box::new(re)))
        .map_err(|e| e.to_string())
}

fn captures_at(engine: &Engine, subject: &str, pos: usize) -> Result<Option<Captures>, String> {
    match engine {
        Engine::Fast(re) => Ok(re.captures_at(subject, pos).map(|caps| Captures {
            spans: (0..caps.len())
                .map(|g| caps.get(g).map(|m| (m.start(), m.end())))
                .collect(),
        })),
        Engine::Backtracking(re) => re
            .captures_from_pos(subject, pos)
            .map(|found| {
                found.map(|caps| Captures {
                    spans: (0..caps.len())
                        .map(|g| caps.get(g).map(|m| (m.start(), m.end())))
                        .collect(),
                })
            })
            .map_err(|e| e.to_string()),
    }
}

fn is_match(engine: &Engine, subject: &str) -> Result<bool, String> {
    match engine {
        Engine::Fast(re) => Ok(re.is_match(subject)),
        Engine::Backtracking(re) => re.is_match(subject).map_err(|e| e.to_string()),
    }
}

impl Regex {
    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Does it run on the backtracking engine (for every subject)?
    pub fn needs_backtracking(&self) -> bool {
        matches!(self.search.main, Engine::Backtracking(_))
    }

    /// Number of capturing groups (`re.groups`).
    pub fn group_count(&self) -> usize {
        self.names.len().saturating_sub(1)
    }

    /// The number of the group called `name`.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.as_deref() == Some(name))
    }

    /// `bool(re.search(subject))`.
    pub fn is_search(&self, subject: &str) -> Result<bool, String> {
        is_match(self.search.engine_for(subject), subject)
    }

    /// `re.search(subject)`.
    pub fn search(&self, subject: &str) -> Result<Option<Captures>, String> {
        self.search_from(subject, 0)
    }

    /// The first match starting at or after byte `pos`; what comes before
    /// `pos` still counts for lookbehind, `\b` and `^`.
    pub fn search_from(&self, subject: &str, pos: usize) -> Result<Option<Captures>, String> {
        captures_at(self.search.engine_for(subject), subject, pos)
    }

    /// `re.match(subject)`: a match starting at the beginning.
    pub fn match_start(&self, subject: &str) -> Result<Option<Captures>, String> {
        let compiled = self
            .at_start
            .get_or_init(|| compile_anchored(&self.pattern, self.flags, Anchoring::Start))
            .as_ref()
            .map_err(Clone::clone)?;
        captures_at(compiled.engine_for(subject), subject, 0)
    }

    /// `bool(re.fullmatch(subject))`.
    pub fn is_fullmatch(&self, subject: &str) -> Result<bool, String> {
        let compiled = self
            .full
            .get_or_init(|| compile_anchored(&self.pattern, self.flags, Anchoring::Full))
            .as_ref()
            .map_err(Clone::clone)?;
        is_match(compiled.engine_for(subject), subject)
    }

    /// The matches `re.finditer` (and so `findall` and `sub`) visits, at
    /// most `limit`: like Python 3.7+, an empty match right after a
    /// non-empty one counts, and after an empty match the search moves
    /// on. (When a lazy pattern could match both empty and non-empty at
    /// one place, Python retries for the non-empty match there; we move
    /// one character on instead.)
    pub fn find_all(&self, subject: &str, limit: usize) -> Result<Vec<Captures>, String> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut must_advance = false;
        while pos <= subject.len() && out.len() < limit {
            let Some(caps) = self.search_from(subject, pos)? else {
                break;
            };
            let (start, end) = caps.whole();
            if must_advance && start == end && start == pos {
                match subject[pos..].chars().next() {
                    Some(c) => pos += c.len_utf8(),
                    None => break,
                }
                must_advance = false;
                continue;
            }
            must_advance = start == end;
            pos = end;
            out.push(caps);
        }
        Ok(out)
    }

    /// `re.findall(subject)`: the whole match without groups, the group
    /// with one, all groups with more (an absent group is "").
    pub fn find_all_texts(&self, subject: &str) -> Result<Vec<Vec<String>>, String> {
        let groups = self.group_count();
        let picked: Vec<usize> = if groups == 0 {
            vec![0]
        } else {
            (1..=groups).collect()
        };
        Ok(self
            .find_all(subject, usize::MAX)?
            .iter()
            .map(|caps| {
                picked
                    .iter()
                    .map(|&g| caps.text(g, subject).unwrap_or("").to_string())
                    .collect()
            })
            .collect())
    }

    /// `re.subn(template, subject, count)` (`count` 0: all): the new text
    /// and how many replacements were made.
    pub fn substitute(
        &self,
        subject: &str,
        template: &Template,
        count: usize,
    ) -> Result<(String, usize), String> {
        let limit = if count == 0 { usize::MAX } else { count };
        let mut out = String::with_capacity(subject.len());
        let mut last = 0;
        let mut made = 0;
        for caps in self.find_all(subject, limit)? {
            let (start, end) = caps.whole();
            out.push_str(subject.get(last..start).unwrap_or(""));
            template.expand(&caps, subject, &mut out);
            last = end;
            made += 1;
        }
        out.push_str(subject.get(last..).unwrap_or(""));
        Ok((out, made))
    }
}

/// Python's `re.escape`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
