//! `template`: files from `templates/` rendered with the current
//! variables plus ansible's `template_*` variables and `template_vars`.
//!
//! As ansible: the delimiters and `trim_blocks` can be changed per call;
//! `{% include %}` searches the template's directory, then each search
//! path entry's `templates/` and the entry itself; a file that is a lone
//! `{{ expr }}` gives the native value; trailing newlines are kept; an
//! undefined variable makes the result undefined.
//! `convert_data` and `jinja2_native` are accepted and ignored (ansible
//! 2.19 deprecates them and ignores them too).
//! `template_mtime` and `template_run_date` are text in UTC here, where
//! ansible gives local `datetime` objects.

use super::context::{TemplateDepth, set_undefined_reason};
use super::options::{BOOL, DICT, Default, OptionDef, Options, STR, opt};
use super::search::{find_file, read_text, search_paths};
use super::{Call, Failure};
use crate::pypath;
use crate::templating::filters::math::py;
use crate::templating::lazy::RECURSION_MESSAGE;
use crate::templating::macro_scope;
use crate::templating::render::template_file_text;
use indexmap::IndexMap;
use minijinja::value::{Value as Jv, ValueKind};
use std::os::unix::fs::MetadataExt;
use std::time::{SystemTime, UNIX_EPOCH};

pub(super) static OPTIONS: &[OptionDef] = &[
    opt("convert_data", BOOL, Default::Bool(true)),
    opt("variable_start_string", STR, Default::Str("{{")),
    opt("variable_end_string", STR, Default::Str("}}")),
    opt("jinja2_native", BOOL, Default::Bool(true)),
    opt("template_vars", DICT, Default::EmptyDict),
    opt("comment_start_string", STR, Default::Str("{#")),
    opt("comment_end_string", STR, Default::Str("#}")),
    opt("trim_blocks", BOOL, Default::Bool(true)),
];

pub(crate) fn template(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let options = Options::parse("template", OPTIONS, kwargs)?;
    let text_option =
        |name: &str, fallback: &str| options.text(name).unwrap_or_else(|| fallback.to_string());
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax
        .variable_delimiters(
            text_option("variable_start_string", "{{"),
            text_option("variable_end_string", "}}"),
        )
        .comment_delimiters(
            text_option("comment_start_string", "{#"),
            text_option("comment_end_string", "#}"),
        )
        .trim_blocks(options.bool("trim_blocks"));
    let syntax = syntax.build().map_err(|e| e.to_string())?;
    let template_vars = options.get("template_vars");
    let mut out = Vec::new();
    for term in terms {
        let Some(found) = find_file(call, Some("templates"), &term, false)? else {
            return Err(format!(
                "the template file {} could not be found for the lookup",
                py::to_str(&term)
            ));
        };
        let source = read_text(call, &found)?;
        let mut env = call.env.clone();
        env.set_syntax(syntax.clone());
        env.set_loader(include_loader(include_dirs(call, &found)));
        let mut extra = ansible_template_vars(call, &term, &found);
        if template_vars.kind() == ValueKind::Map
            && let Ok(keys) = template_vars.try_iter()
        {
            for k in keys {
                let v = template_vars.get_item(&k).unwrap_or_default();
                extra.insert(py::to_str(&k), v);
            }
        }
        let context = call.vars.context_with(extra);
        let Some(_depth) = TemplateDepth::enter() else {
            return Err(format!(
                "{RECURSION_MESSAGE}: maximum recursion depth exceeded"
            ));
        };
        match template_file_text(&env, &source, &context) {
            Ok(result) => out.push(result),
            // An undefined value is the lookup's result (ansible reports it
            // when the value is used), not the lookup's failure.
            Err((e, true)) => {
                set_undefined_reason(&e.message);
                out.push(Jv::UNDEFINED);
            }
            Err((e, false)) => return Err(e.message),
        }
    }
    Ok(out)
}

/// Where `{% include %}` looks: the template's directory, then each
/// search path entry's `templates/` and the entry.
fn include_dirs(call: &Call, found: &str) -> Vec<String> {
    let mut dirs = vec![pypath::dirname(found)];
    if call.vars.get("ansible_search_path").is_some() {
        for p in search_paths(call) {
            dirs.push(pypath::join(&[&p, "templates"]));
            dirs.push(p);
        }
    }
    dirs
}

fn include_loader(
    dirs: Vec<String>,
) -> impl Fn(&str) -> Result<Option<String>, minijinja::Error> + Send + Sync + 'static {
    move |name: &str| {
        for dir in &dirs {
            let path = pypath::join(&[dir, name]);
            if std::path::Path::new(&path).is_file() {
                return std::fs::read_to_string(&path)
                    .map(|text| Some(macro_scope::enclose_template_names(&text).into_owned()))
                    .map_err(|e| {
                        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                    });
            }
        }
        Ok(None)
    }
}

/// `generate_ansible_template_vars(path=term, fullpath=found)`.
fn ansible_template_vars(call: &Call, term: &Jv, found: &str) -> IndexMap<String, Jv> {
    let meta = std::fs::metadata(found).ok();
    let mtime = meta.as_ref().map_or(0, |m| m.mtime());
    let uid = meta.as_ref().map_or(0, |m| m.uid());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut vars = IndexMap::new();
    vars.insert("template_host".into(), Jv::from(host_name()));
    vars.insert("template_path".into(), term.clone());
    vars.insert("template_mtime".into(), Jv::from(utc_text(mtime)));
    vars.insert(
        "template_uid".into(),
        user_name(uid).map_or(Jv::from(uid), Jv::from),
    );
    vars.insert("template_run_date".into(), Jv::from(utc_text(now)));
    vars.insert("template_destpath".into(), Jv::from(()));
    vars.insert("template_fullpath".into(), Jv::from(found));
    if call.vars.get("ansible_managed").is_none() {
        let managed = call
            .services
            .config
            .as_deref()
            .and_then(|c| c.str("DEFAULT_MANAGED_STR").map(str::to_string))
            .unwrap_or_else(|| "Ansible managed".into());
        vars.insert("ansible_managed".into(), Jv::from(managed));
    }
    vars
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim_end().to_string())
        .unwrap_or_default()
}

/// The login name of `uid` from /etc/passwd.
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2] == uid.to_string()).then(|| fields[0].to_string())
    })
}

/// `YYYY-MM-DD HH:MM:SS` of a Unix time, in UTC.
fn utc_text(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_text_is_civil_time() {
        assert_eq!(super::utc_text(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc_text(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(super::utc_text(1_700_000_000), "2023-11-14 22:13:20");
    }
}
