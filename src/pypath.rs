//! Python's `os.path` (posixpath) as ansible relies on it: `expanduser`,
//! `expandvars`, `normpath`, `join`, `abspath`, `realpath`. One copy, used by
//! the path filters, `-e @file`, vault password files and config paths.

pub fn basename(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

pub fn dirname(p: &str) -> String {
    let head = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    if !head.is_empty() && !head.chars().all(|c| c == '/') {
        head.trim_end_matches('/').to_string()
    } else {
        head.to_string()
    }
}

/// `posixpath.join(a, *p)`.
pub fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 || part.starts_with('/') {
            out = part.to_string();
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(part);
        } else {
            out.push('/');
            out.push_str(part);
        }
    }
    out
}

/// `posixpath.normpath`.
pub fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let initial = if p.starts_with('/') {
        if p.starts_with("//") && !p.starts_with("///") {
            2
        } else {
            1
        }
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && parts.is_empty()) || parts.last() == Some(&"..") {
            parts.push(comp);
        } else if !parts.is_empty() {
            parts.pop();
        }
    }
    let out = format!("{}{}", "/".repeat(initial), parts.join("/"));
    if out.is_empty() { ".".into() } else { out }
}

pub fn cwd() -> String {
    std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into())
}

/// `posixpath.abspath`.
pub fn abspath(p: &str) -> String {
    if p.starts_with('/') {
        normpath(p)
    } else {
        normpath(&join(&[&cwd(), p]))
    }
}

/// `posixpath.expanduser`.
pub fn expanduser(p: &str) -> String {
    if !p.starts_with('~') {
        return p.to_string();
    }
    let end = p.find('/').unwrap_or(p.len());
    let user = &p[1..end];
    let home = if user.is_empty() {
        match std::env::var("HOME") {
            Ok(h) => Some(h),
            Err(_) => passwd_home(None),
        }
    } else {
        passwd_home(Some(user))
    };
    match home {
        Some(home) => {
            let home = home.trim_end_matches('/');
            let out = format!("{home}{}", &p[end..]);
            if out.is_empty() { "/".into() } else { out }
        }
        None => p.to_string(),
    }
}

/// A user's home directory from /etc/passwd (the current user's for `None`).
fn passwd_home(user: Option<&str>) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let uid = match user {
        Some(_) => None,
        None => std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .and_then(|l| l.split_whitespace().next().map(String::from))
            }),
    };
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 6 {
            return None;
        }
        let hit = match user {
            Some(u) => f[0] == u,
            None => uid.as_deref() == Some(f[2]),
        };
        hit.then(|| f[5].to_string())
    })
}

/// `posixpath.expandvars`: `$name` and `${name}` of set variables.
pub fn expandvars(p: &str) -> String {
    if !p.contains('$') {
        return p.to_string();
    }
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, len) = if let Some(body) = after.strip_prefix('{') {
            match body.find('}') {
                Some(end) => (&body[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (!name.is_empty())
            .then(|| std::env::var(name).ok())
            .flatten()
        {
            Some(value) => {
                out.push_str(&value);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `os.path.realpath(p)` (non-strict): symlinks resolved where they exist.
pub fn realpath(p: &str) -> String {
    let abs = if p.starts_with('/') {
        p.to_string()
    } else {
        join(&[&cwd(), p])
    };
    let mut resolved = String::from("/");
    let mut pending: Vec<String> = abs.split('/').rev().map(String::from).collect();
    let mut hops = 0;
    while let Some(comp) = pending.pop() {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp == ".." {
            resolved = dirname(&resolved);
            if resolved.is_empty() {
                resolved = "/".into();
            }
            continue;
        }
        let candidate = join(&[&resolved, &comp]);
        match std::fs::read_link(&candidate) {
            Ok(target) if hops < 40 => {
                hops += 1;
                let target = target.to_string_lossy().into_owned();
                if target.starts_with('/') {
                    resolved = "/".into();
                }
                pending.extend(target.split('/').rev().map(String::from));
            }
            _ => resolved = candidate,
        }
    }
    resolved
}

/// `os.path.relpath(path, start)` for absolute or cwd-relative paths.
pub fn relpath(path: &str, start: &str) -> String {
    let path = abspath(path);
    let start = abspath(start);
    let parts = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (p, s) = (parts(&path), parts(&start));
    let common = p.iter().zip(&s).take_while(|(a, b)| a == b).count();
    let mut out: Vec<String> = vec!["..".to_string(); s.len() - common];
    out.extend(p[common..].iter().cloned());
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}
