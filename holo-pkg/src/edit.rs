//! Editing `holo.toml`'s `[dependencies]` for `holo add` and `holo remove` line by line, so that
//! everything else in the file — comments, blank lines, key order, quoting — stays exactly as
//! the user wrote it. (`toml_edit` is not in the dependency tree; the edits needed are one line
//! each.)

/// The key of a `key = value` line, if the line is one.
fn line_key(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let (key, _) = t.split_once('=')?;
    let key = key.trim();
    Some(key.trim_matches('"').trim_matches('\''))
}

fn is_header(line: &str) -> bool {
    line.trim_start().starts_with('[')
}

fn is_dependencies_header(line: &str) -> bool {
    let t = line.trim();
    let t = t.split('#').next().unwrap_or("").trim();
    t == "[dependencies]"
}

/// The range of lines `[start, end)` of the `[dependencies]` table's body.
fn section(lines: &[&str]) -> Option<(usize, usize)> {
    let header = lines.iter().position(|l| is_dependencies_header(l))?;
    let end = lines[header + 1..]
        .iter()
        .position(|l| is_header(l))
        .map_or(lines.len(), |i| header + 1 + i);
    Some((header + 1, end))
}

fn join(lines: &[String]) -> String {
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `text` with `name = value` set in `[dependencies]`: the entry's line replaced if there is
/// one, else added after the table's last entry (the table is appended when missing).
pub fn set_dependency(text: &str, name: &str, value: &str) -> String {
    let entry = format!("{name} = {value}");
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match section(&lines) {
        Some((start, end)) => {
            if let Some(i) = (start..end).find(|&i| line_key(lines[i]) == Some(name)) {
                out[i] = entry;
            } else {
                // After the last non-blank line of the table, so the entries stay together.
                let at = (start..end)
                    .rev()
                    .find(|&i| !lines[i].trim().is_empty())
                    .map_or(start, |i| i + 1);
                out.insert(at, entry);
            }
        }
        None => {
            if out.last().is_some_and(|l| !l.trim().is_empty()) {
                out.push(String::new());
            }
            out.push("[dependencies]".into());
            out.push(entry);
        }
    }
    join(&out)
}

/// `text` without the `name` entry of `[dependencies]`; `None` when there is no such entry.
pub fn remove_dependency(text: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let (start, end) = section(&lines)?;
    let i = (start..end).find(|&i| line_key(lines[i]) == Some(name))?;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.remove(i);
    Some(join(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[package]\nname = \"app\" # mine\n\n[dependencies]\n# geometry helpers\ngeo = \"1\"\n\n[run]\nmemory = \"1GiB\"\n";

    #[test]
    fn adding_keeps_everything_else() {
        let t = set_dependency(BASE, "mathx", "\"0.1.2\"");
        assert_eq!(
            t,
            "[package]\nname = \"app\" # mine\n\n[dependencies]\n# geometry helpers\ngeo = \"1\"\nmathx = \"0.1.2\"\n\n[run]\nmemory = \"1GiB\"\n"
        );
        let t = set_dependency(&t, "geo", "{ path = \"../geo\" }");
        assert!(
            t.contains("# geometry helpers\ngeo = { path = \"../geo\" }\nmathx"),
            "{t}"
        );
        let t = set_dependency("[package]\nname = \"a\"", "m", "\"1\"");
        assert_eq!(t, "[package]\nname = \"a\"\n\n[dependencies]\nm = \"1\"\n");
        let t = set_dependency("[package]\nname = \"a\"\n[dependencies]\n", "m", "\"1\"");
        assert_eq!(t, "[package]\nname = \"a\"\n[dependencies]\nm = \"1\"\n");
    }

    #[test]
    fn removing_takes_one_line() {
        assert_eq!(
            remove_dependency(BASE, "geo").unwrap(),
            "[package]\nname = \"app\" # mine\n\n[dependencies]\n# geometry helpers\n\n[run]\nmemory = \"1GiB\"\n"
        );
        assert_eq!(remove_dependency(BASE, "memory"), None);
        assert_eq!(remove_dependency(BASE, "name"), None);
    }

    #[test]
    fn edits_give_valid_manifests() {
        let t = set_dependency(
            BASE,
            "mathx",
            "{ version = \"^1.2\", registry = \"http://h:1\" }",
        );
        let m = crate::Manifest::parse(&t, std::path::Path::new("holo.toml")).unwrap();
        assert_eq!(m.dependencies.len(), 2);
    }
}
