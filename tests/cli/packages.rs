//! Holo sources shared by the tests. They use only the pinned core of the language (PRODUCT.md
//! §4) and the diagnostic codes of LANGUAGE.md, so they mean the same in every version.

/// A program with no errors or warnings.
pub const GOOD_MAIN: &str = r#"fn double(x: i64) -> i64 {
    x * 2
}

fn main() {
    println(double(21));
}

#[test]
fn doubles() {
    assert_eq(double(2), 4);
}
"#;

/// A second module for [`GOOD_MAIN`]'s package.
pub const GOOD_MODULE: &str = r#"pub fn triple(x: i64) -> i64 {
    x * 3
}
"#;

/// One E0308 (mismatched types) on line 2: a `str` where an `i64` was declared. The variable
/// is used, so that no unused-variable warning is added.
pub const TYPE_ERROR_MAIN: &str = r#"fn main() {
    let x: i64 = "a";
    println(x);
}
"#;

/// One E0001 (syntax error) on line 1.
pub const SYNTAX_ERROR_MAIN: &str = "fn main( {\n}\n";

/// One W0001 (unused variable) and no error.
pub const WARNING_MAIN: &str = r#"fn main() {
    let unused = 1;
    println("hi");
}
"#;
