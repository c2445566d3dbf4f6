//! How values print (`print`, `println`, `to_str`, `assert_eq` messages), per PRODUCT.md §4.

/// An `f64` in its shortest form that reads back to the same value, without a trailing `.0`:
/// `6`, `0.1`, `2.5`, `-0`, `inf`, `-inf`, `NaN`. Rust's `Display` for `f64` is already the
/// shortest round-tripping decimal and never uses an exponent, so only integral values need care.
pub fn f64_to_string(value: f64) -> String {
    let s = value.to_string();
    match s.strip_suffix(".0") {
        Some(stripped) => stripped.to_string(),
        None => s,
    }
}

pub fn i64_to_string(value: i64) -> String {
    value.to_string()
}

pub fn bool_to_string(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_in_shortest_form() {
        assert_eq!(f64_to_string(6.0), "6");
        assert_eq!(f64_to_string(0.1), "0.1");
        assert_eq!(f64_to_string(2.5), "2.5");
        assert_eq!(f64_to_string(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f64_to_string(-0.0), "-0");
        assert_eq!(f64_to_string(1e21), "1000000000000000000000");
        assert_eq!(f64_to_string(f64::INFINITY), "inf");
        assert_eq!(f64_to_string(f64::NAN), "NaN");
        for v in [0.1, 1.0 / 3.0, 123456.789, 5e-324, f64::MAX] {
            assert_eq!(f64_to_string(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn integers_and_bools() {
        assert_eq!(i64_to_string(-42), "-42");
        assert_eq!(bool_to_string(true), "true");
    }
}
