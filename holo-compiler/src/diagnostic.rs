//! Diagnostics as plain values: a stable code, a one-line message, labelled locations and a hint.
//!
//! The checker reports against [`Loc::Node`] (an item and a node inside it) so that its results
//! do not depend on byte positions and survive whitespace edits unchanged; the diagnostics query
//! resolves every location to [`Loc::File`] before anything leaves the compiler. Rendering
//! (terminal or JSON) is the CLI's job.

use crate::ast::{Name, NodeId};
use crate::ids::ItemId;
use crate::span::Span;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Where a label points.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Loc {
    /// A node of an item (resolved through that item's source map).
    Node { item: ItemId, node: NodeId },
    /// A byte span in the file being reported on (used by the lexer and parser).
    Span(Span),
    /// A byte span in a given file (path relative to the package root); every label has this
    /// form once diagnostics leave the compiler.
    File { path: Name, span: Span },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Label {
    pub loc: Loc,
    /// May be empty for the primary label when the message says it all.
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    /// One line, lower case, no final period (rustc style): "mismatched types".
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// A full sentence telling the user what to do, when one is known.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, loc: Loc) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                loc,
                message: String::new(),
            },
            secondary: Vec::new(),
            hint: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, loc: Loc) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, loc)
        }
    }

    /// Sets the text of the primary label.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, loc: Loc, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            loc,
            message: message.into(),
        });
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

/// The catalogue of diagnostic codes. Codes are stable: tools and agents match on them, so a code
/// is never reused for another meaning. Where rustc has an error for the same mistake, holo uses
/// rustc's number so that the code is familiar; holo's own syntax codes are `E00xx`; warnings are
/// `W0xxx`.
pub mod codes {
    /// (code, one-line summary) for every code; `holo explain`-style documentation and the book's
    /// table are generated from this list.
    pub const ALL: &[(&str, &str)] = &[
        (SYNTAX, "the parser expected something else here"),
        (
            INTERNAL,
            "the compiler itself failed while checking an item (a bug in holo)",
        ),
        (UNTERMINATED_STRING, "a string literal has no closing quote"),
        (UNKNOWN_CHAR, "a character that cannot start any token"),
        (INT_TOO_LARGE, "an integer literal does not fit in i64"),
        (BAD_ESCAPE, "an unknown escape sequence in a string literal"),
        (TOO_DEEP, "expressions or blocks nested too deeply"),
        (UNTERMINATED_COMMENT, "a block comment has no closing */"),
        (UNKNOWN_ATTRIBUTE, "an attribute holo does not know"),
        (
            BAD_TEST_FN,
            "a #[test] function that takes parameters or returns a value",
        ),
        (
            BAD_MODULE_NAME,
            "a source file whose path is not a valid module path",
        ),
        (NO_MAIN, "a program package has no `main` function"),
        (BAD_MAIN, "`main` takes parameters or returns a value"),
        (
            BAD_SELF,
            "`self` used outside a method or in the wrong place",
        ),
        (WRONG_ARG_COUNT, "a call with the wrong number of arguments"),
        (
            MISSING_FIELDS,
            "a struct literal without all of the struct's fields",
        ),
        (
            DUPLICATE_FIELD_INIT,
            "a field given twice in a struct literal",
        ),
        (NON_EXHAUSTIVE, "a match that does not cover every value"),
        (
            PATTERN_ARITY,
            "a variant pattern with the wrong number of fields",
        ),
        (
            DUPLICATE_FIELD_DEF,
            "two fields or variants with the same name",
        ),
        (BREAK_OUTSIDE_LOOP, "`break` or `continue` outside a loop"),
        (TYPE_NEEDED, "the type of a value cannot be inferred"),
        (
            INVALID_ASSIGN_TARGET,
            "assignment to something that is not a place",
        ),
        (ASSIGN_IMMUTABLE, "assignment to an immutable variable"),
        (DUPLICATE_PARAM, "two parameters with the same name"),
        (UNRESOLVED_NAME, "a name that is not defined"),
        (
            DUPLICATE_DEFINITION,
            "two items with the same name in one module",
        ),
        (UNRESOLVED_TYPE, "a type that is not defined"),
        (UNRESOLVED_IMPORT, "a `use` that names nothing"),
        (
            UNRESOLVED_PATH,
            "a path whose module or type does not exist",
        ),
        (MISMATCHED_TYPES, "a value of the wrong type"),
        (
            BINARY_OP,
            "a binary operator applied to types it does not support",
        ),
        (
            UNKNOWN_FIELD_INIT,
            "a struct literal names a field the struct does not have",
        ),
        (
            MUTATE_IMMUTABLE,
            "a mutating method or `mut` argument on an immutable value",
        ),
        (NO_METHOD, "no method of that name on the type"),
        (
            UNARY_OP,
            "a unary operator applied to a type it does not support",
        ),
        (
            PRIVATE_ITEM,
            "an item used outside its module without `pub`",
        ),
        (NO_INDEX, "indexing something that is not an array"),
        (NO_FIELD, "no field of that name on the type"),
        (PRIVATE_FIELD, "a private field used outside its module"),
        (NOT_CALLABLE, "a call of something that is not a function"),
        (BAD_RANGE, "a range `a..b` outside a `for` loop"),
        (
            NOT_A_VALUE,
            "a type or module used where a value is expected",
        ),
        (
            NOT_A_TYPE,
            "a value or module used where a type is expected",
        ),
        (
            NO_VALUE_RETURNED,
            "a function that must return a value may end without one",
        ),
        (
            BAD_IMPL,
            "`impl` of something that is not a struct or enum of this module",
        ),
        (UNUSED_VARIABLE, "a variable that is never read"),
        (UNREACHABLE_CODE, "code that can never run"),
        (UNUSED_MUT, "a `let mut` variable that is never changed"),
        (UNUSED_IMPORT, "an import that is never used"),
        (UNREACHABLE_PATTERN, "a match arm that can never match"),
        (
            LOST_MUT_PARAM,
            "a `mut` parameter that is changed but never read: the change is lost",
        ),
        (
            NOT_CONSTANT,
            "a non-constant expression in a `const` initializer",
        ),
        (
            CONST_CYCLE,
            "constants whose values depend on each other in a cycle",
        ),
        (
            OR_PATTERN_BINDING,
            "alternatives of an or-pattern that bind different variables",
        ),
        (DUPLICATE_BINDING, "a name bound twice in one pattern"),
        (
            PATTERN_NOT_VARIANT,
            "a pattern path that names neither an enum variant nor a constant",
        ),
        (
            WRONG_TYPE_ARGS,
            "a generic type with the wrong number of type arguments",
        ),
        (
            REFUTABLE_PATTERN,
            "a pattern in `let` or `for` that some values do not match",
        ),
        (
            BAD_TRY,
            "`?` on a value that is not an `Option` or `Result`, or in a function that does not return one",
        ),
        (
            ASSIGN_CAPTURED,
            "assignment to a variable captured by a closure",
        ),
        (
            DEPENDENCY_COLLISION,
            "a module of the package has the name of a dependency",
        ),
    ];

    pub const SYNTAX: &str = "E0001";
    pub const INTERNAL: &str = "E9001";
    pub const UNTERMINATED_STRING: &str = "E0002";
    pub const UNKNOWN_CHAR: &str = "E0003";
    pub const INT_TOO_LARGE: &str = "E0005";
    pub const BAD_ESCAPE: &str = "E0006";
    pub const TOO_DEEP: &str = "E0007";
    pub const UNTERMINATED_COMMENT: &str = "E0008";
    pub const UNKNOWN_ATTRIBUTE: &str = "E0009";
    pub const BAD_TEST_FN: &str = "E0010";
    pub const BAD_MODULE_NAME: &str = "E0011";
    pub const NO_MAIN: &str = "E0601";
    pub const BAD_MAIN: &str = "E0131";
    pub const BAD_SELF: &str = "E0424";
    pub const WRONG_ARG_COUNT: &str = "E0061";
    pub const MISSING_FIELDS: &str = "E0063";
    pub const DUPLICATE_FIELD_INIT: &str = "E0062";
    pub const NON_EXHAUSTIVE: &str = "E0004";
    pub const PATTERN_ARITY: &str = "E0023";
    pub const DUPLICATE_FIELD_DEF: &str = "E0124";
    pub const BREAK_OUTSIDE_LOOP: &str = "E0268";
    pub const TYPE_NEEDED: &str = "E0282";
    pub const INVALID_ASSIGN_TARGET: &str = "E0070";
    pub const ASSIGN_IMMUTABLE: &str = "E0384";
    pub const DUPLICATE_PARAM: &str = "E0415";
    pub const UNRESOLVED_NAME: &str = "E0425";
    pub const DUPLICATE_DEFINITION: &str = "E0428";
    pub const UNRESOLVED_TYPE: &str = "E0412";
    pub const UNRESOLVED_IMPORT: &str = "E0432";
    pub const UNRESOLVED_PATH: &str = "E0433";
    pub const MISMATCHED_TYPES: &str = "E0308";
    pub const BINARY_OP: &str = "E0369";
    pub const UNKNOWN_FIELD_INIT: &str = "E0560";
    pub const MUTATE_IMMUTABLE: &str = "E0596";
    pub const NO_METHOD: &str = "E0599";
    pub const UNARY_OP: &str = "E0600";
    pub const PRIVATE_ITEM: &str = "E0603";
    pub const NO_INDEX: &str = "E0608";
    pub const NO_FIELD: &str = "E0609";
    pub const PRIVATE_FIELD: &str = "E0616";
    pub const NOT_CALLABLE: &str = "E0618";
    pub const BAD_RANGE: &str = "E0658";
    pub const NOT_A_VALUE: &str = "E0423";
    pub const NOT_A_TYPE: &str = "E0573";
    pub const NO_VALUE_RETURNED: &str = "E0317";
    pub const BAD_IMPL: &str = "E0116";
    pub const UNUSED_VARIABLE: &str = "W0001";
    pub const UNREACHABLE_CODE: &str = "W0002";
    pub const UNUSED_MUT: &str = "W0003";
    pub const UNUSED_IMPORT: &str = "W0004";
    pub const UNREACHABLE_PATTERN: &str = "W0005";
    pub const LOST_MUT_PARAM: &str = "W0006";
    pub const NOT_CONSTANT: &str = "E0015";
    pub const CONST_CYCLE: &str = "E0391";
    pub const OR_PATTERN_BINDING: &str = "E0408";
    pub const DUPLICATE_BINDING: &str = "E0416";
    pub const PATTERN_NOT_VARIANT: &str = "E0532";
    pub const WRONG_TYPE_ARGS: &str = "E0107";
    pub const REFUTABLE_PATTERN: &str = "E0012";
    pub const BAD_TRY: &str = "E0277";
    pub const ASSIGN_CAPTURED: &str = "E0594";
    pub const DEPENDENCY_COLLISION: &str = "E0013";

    /// Errors about what the package declares — names, fields, variants, methods, parameters,
    /// `main` — and unused imports, which are not reported while any file has a syntax error.
    /// Recovery from a syntax error may drop an item or part of one (a struct's fields after a
    /// lost `{`, the methods of an `impl` whose `{` is missing), and every use of what was
    /// dropped would light up, often in other files, with errors that point away from the one
    /// mistake. Fixing the syntax error brings the real ones of these back.
    pub const HIDDEN_BY_SYNTAX_ERRORS: &[&str] = &[
        NO_MAIN,
        BAD_SELF,
        WRONG_ARG_COUNT,
        MISSING_FIELDS,
        PATTERN_ARITY,
        TYPE_NEEDED,
        UNRESOLVED_NAME,
        DUPLICATE_DEFINITION,
        UNRESOLVED_TYPE,
        UNRESOLVED_IMPORT,
        UNRESOLVED_PATH,
        UNKNOWN_FIELD_INIT,
        NO_METHOD,
        NO_FIELD,
        NOT_A_VALUE,
        NOT_A_TYPE,
        PATTERN_NOT_VARIANT,
        // The item that used the import may be the broken one.
        UNUSED_IMPORT,
    ];

    /// Whether a diagnostic with `code` comes from the lexer or the parser.
    pub fn is_syntax(code: &str) -> bool {
        matches!(
            code,
            SYNTAX
                | UNTERMINATED_STRING
                | UNKNOWN_CHAR
                | INT_TOO_LARGE
                | BAD_ESCAPE
                | TOO_DEEP
                | UNTERMINATED_COMMENT
        )
    }
}

#[cfg(test)]
mod tests {
    use super::codes;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for (code, summary) in codes::ALL {
            assert!(seen.insert(*code), "code {code} is listed twice");
            assert!(code.len() == 5 && (code.starts_with('E') || code.starts_with('W')));
            assert!(!summary.is_empty());
        }
    }
}

/// A diagnostic as stored between processes: like [`Diagnostic`], with the code by name.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StoredDiagnostic {
    code: String,
    severity: Severity,
    message: String,
    primary: Label,
    secondary: Vec<Label>,
    hint: Option<String>,
}

impl From<&Diagnostic> for StoredDiagnostic {
    fn from(d: &Diagnostic) -> StoredDiagnostic {
        StoredDiagnostic {
            code: d.code.to_owned(),
            severity: d.severity,
            message: d.message.clone(),
            primary: d.primary.clone(),
            secondary: d.secondary.clone(),
            hint: d.hint.clone(),
        }
    }
}

impl StoredDiagnostic {
    /// The diagnostic back, or `None` if its code is not one this build knows (a stored value
    /// from another toolchain is never shown with a made-up code).
    pub fn restore(self) -> Option<Diagnostic> {
        let code = codes::ALL
            .iter()
            .map(|(code, _)| *code)
            .find(|code| *code == self.code)?;
        Some(Diagnostic {
            code,
            severity: self.severity,
            message: self.message,
            primary: self.primary,
            secondary: self.secondary,
            hint: self.hint,
        })
    }
}
