//! Package names: the rules a name must follow, and errors that say how to fix a bad one.
//!
//! A package name is used in source code (`use name::item;`), with `-` read as `_` (`my-lib` is
//! `my_lib` in code, as in Cargo), so it follows the language's identifier rules once `-` is
//! mapped: ASCII letters, digits, `_` and `-`, starting with a letter or `_`, not `_` alone, and
//! not a keyword.

/// The language's reserved words. This list duplicates `holo_compiler::syntax::KEYWORDS` because
/// this crate must not depend on the compiler; a test in `tests/` checks that the two agree.
pub const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mut", "pub", "return", "self", "struct", "true", "use", "while",
];

/// Why a package name was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// What is wrong, as a sentence fragment naming the package: "`my-app` is not a valid package name: …".
    pub message: String,
    /// What to do instead, as a full sentence (often with a suggested name).
    pub hint: String,
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NameError {}

/// Checks that `name` can be a package name.
pub fn validate_package_name(name: &str) -> Result<(), NameError> {
    let problem = if name.is_empty() {
        Some("it is empty".to_string())
    } else if name == "_" {
        Some("`_` alone is the wildcard, not a name".to_string())
    } else if KEYWORDS.contains(&name.replace('-', "_").as_str()) {
        Some(format!("`{name}` is a keyword of the language"))
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        Some("it starts with a digit".to_string())
    } else if name.starts_with('-') {
        Some("it starts with `-`".to_string())
    } else {
        name.chars()
            .find(|&c| !(c == '_' || c == '-' || c.is_ascii_alphanumeric()))
            .map(|c| format!("it contains the character {c:?}"))
    };
    let Some(problem) = problem else {
        return Ok(());
    };
    let suggestion = suggest(name);
    let hint = match suggestion {
        Some(s) => format!(
            "Package names are ASCII letters, digits, `_` and `-` (read as `_` in code), starting with a letter or `_`, and not a keyword. Try `{s}`."
        ),
        None => "Package names are ASCII letters, digits, `_` and `-` (read as `_` in code), starting with a letter or `_`, and not a keyword.".to_string(),
    };
    Err(NameError {
        message: format!("`{name}` is not a valid package name: {problem}"),
        hint,
    })
}

/// A valid name close to `name`, if there is an obvious one (`my-app` → `my_app`).
fn suggest(name: &str) -> Option<String> {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    let valid = !s.is_empty() && s != "_" && s.chars().any(|c| c != '_') && s != name;
    valid.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::validate_package_name;

    #[test]
    fn accepts_identifiers() {
        for name in [
            "hello", "my_app", "_private", "app2", "A", "my-app", "a-b-c",
        ] {
            assert_eq!(validate_package_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_non_identifiers_with_a_suggestion() {
        let err = validate_package_name("my app").unwrap_err();
        assert_eq!(
            err.message,
            "`my app` is not a valid package name: it contains the character ' '"
        );
        assert!(err.hint.ends_with("Try `my_app`."), "{}", err.hint);

        let err = validate_package_name("-app").unwrap_err();
        assert!(
            err.message.ends_with("it starts with `-`"),
            "{}",
            err.message
        );

        let err = validate_package_name("2fast").unwrap_err();
        assert!(err.message.ends_with("it starts with a digit"));
        assert!(err.hint.ends_with("Try `_2fast`."));

        let err = validate_package_name("fn").unwrap_err();
        assert!(err.message.ends_with("`fn` is a keyword of the language"));
        assert!(err.hint.ends_with("Try `fn_`."));

        assert!(validate_package_name("").is_err());
        assert!(validate_package_name("_").is_err());
        assert!(validate_package_name("café").is_err());
    }
}
