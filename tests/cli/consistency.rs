//! Facts that two crates must agree on but cannot share without breaking the layering.

/// `holo-pkg` validates package names without depending on the compiler, so it keeps its own
/// copy of the keyword list; it must be the compiler's.
#[test]
fn package_names_and_identifiers_agree_on_keywords() {
    let mut pkg: Vec<&str> = holo_pkg::name::KEYWORDS.to_vec();
    let mut compiler: Vec<&str> = holo_compiler::syntax::KEYWORDS.to_vec();
    pkg.sort_unstable();
    compiler.sort_unstable();
    assert_eq!(pkg, compiler);
    for keyword in compiler {
        assert!(
            holo_pkg::validate_package_name(keyword).is_err(),
            "{keyword}"
        );
        assert!(!holo_compiler::ids::is_identifier(keyword), "{keyword}");
    }
}
