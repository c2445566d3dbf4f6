//! `i64` arithmetic with holo's semantics: overflow is a runtime error, never a wrap; `/`
//! truncates toward zero and `%` takes the sign of the dividend.

use crate::error::RuntimeErrorKind;

fn overflow(op: &'static str, lhs: i64, rhs: i64) -> RuntimeErrorKind {
    RuntimeErrorKind::Overflow {
        op,
        lhs,
        rhs: Some(rhs),
    }
}

pub fn add(lhs: i64, rhs: i64) -> Result<i64, RuntimeErrorKind> {
    lhs.checked_add(rhs).ok_or_else(|| overflow("+", lhs, rhs))
}

pub fn sub(lhs: i64, rhs: i64) -> Result<i64, RuntimeErrorKind> {
    lhs.checked_sub(rhs).ok_or_else(|| overflow("-", lhs, rhs))
}

pub fn mul(lhs: i64, rhs: i64) -> Result<i64, RuntimeErrorKind> {
    lhs.checked_mul(rhs).ok_or_else(|| overflow("*", lhs, rhs))
}

pub fn div(lhs: i64, rhs: i64) -> Result<i64, RuntimeErrorKind> {
    if rhs == 0 {
        return Err(RuntimeErrorKind::DivisionByZero);
    }
    lhs.checked_div(rhs).ok_or_else(|| overflow("/", lhs, rhs))
}

pub fn rem(lhs: i64, rhs: i64) -> Result<i64, RuntimeErrorKind> {
    if rhs == 0 {
        return Err(RuntimeErrorKind::DivisionByZero);
    }
    // i64::MIN % -1 is mathematically 0 but overflows in hardware; holo defines it as 0.
    Ok(lhs.checked_rem(rhs).unwrap_or(0))
}

pub fn neg(value: i64) -> Result<i64, RuntimeErrorKind> {
    value.checked_neg().ok_or(RuntimeErrorKind::Overflow {
        op: "-",
        lhs: value,
        rhs: None,
    })
}

/// `base.pow(exp)`: a negative exponent is an invalid operation, a result out of range an overflow.
pub fn pow(base: i64, exp: i64) -> Result<i64, RuntimeErrorKind> {
    let e = u32::try_from(exp).map_err(|_| {
        RuntimeErrorKind::InvalidOperation(format!(
            "invalid exponent: {base}.pow({exp}) needs an exponent between 0 and {}",
            u32::MAX
        ))
    })?;
    base.checked_pow(e).ok_or_else(|| overflow("**", base, exp))
}

/// `x.to_i64()`: the integer part of `x`, truncated toward zero. NaN and numbers whose integer part
/// is outside the range of `i64` are invalid operations (never a saturated or zero result), so
/// that a wrong number is not carried on silently.
pub fn f64_to_i64(x: f64) -> Result<i64, RuntimeErrorKind> {
    // -2^63 and 2^63 are exact floats; every float in between truncates to an i64. NaN fails both.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        return Ok(x as i64);
    }
    let shown = if x.is_nan() {
        return Err(RuntimeErrorKind::InvalidOperation(
            "cannot convert NaN to i64: the value is not a number (check it with `x == x` first)"
                .to_string(),
        ));
    } else if x.is_infinite() {
        crate::format::f64_to_string(x)
    } else {
        // Shortest form in scientific notation: `1e300`, not 301 digits.
        format!("{x:e}")
    };
    Err(RuntimeErrorKind::InvalidOperation(format!(
        "cannot convert {shown} to i64: it is outside the range of i64 \
         (-9223372036854775808 to 9223372036854775807); compare it with the bounds first, \
         or clamp it with `min` and `max`"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_to_integer_truncates_in_range_and_fails_outside() {
        assert_eq!(f64_to_i64(2.7), Ok(2));
        assert_eq!(f64_to_i64(-2.7), Ok(-2));
        assert_eq!(f64_to_i64(-0.5), Ok(0));
        assert_eq!(f64_to_i64(-9_223_372_036_854_775_808.0), Ok(i64::MIN));
        // The largest float below 2^63.
        assert_eq!(
            f64_to_i64(9_223_372_036_854_774_784.0),
            Ok(9_223_372_036_854_774_784)
        );
        for bad in [
            9_223_372_036_854_775_808.0,
            -9.3e18,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            assert!(
                matches!(f64_to_i64(bad), Err(RuntimeErrorKind::InvalidOperation(_))),
                "{bad} converted"
            );
        }
    }

    #[test]
    fn division_truncates_and_remainder_follows_the_dividend() {
        assert_eq!(div(7, 2), Ok(3));
        assert_eq!(div(-7, 2), Ok(-3));
        assert_eq!(rem(-7, 2), Ok(-1));
        assert_eq!(rem(7, -2), Ok(1));
        assert_eq!(rem(i64::MIN, -1), Ok(0));
    }

    #[test]
    fn overflow_and_zero_division_are_errors() {
        assert!(add(i64::MAX, 1).is_err());
        assert!(sub(i64::MIN, 1).is_err());
        assert!(mul(i64::MAX, 2).is_err());
        assert!(div(i64::MIN, -1).is_err());
        assert!(neg(i64::MIN).is_err());
        assert_eq!(div(1, 0), Err(RuntimeErrorKind::DivisionByZero));
        assert_eq!(rem(1, 0), Err(RuntimeErrorKind::DivisionByZero));
        assert_eq!(pow(2, 10), Ok(1024));
        assert!(pow(2, 64).is_err());
        assert!(pow(2, -1).is_err());
    }

    #[test]
    fn overflow_message_names_the_operation() {
        let e = add(i64::MAX, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "integer overflow: 9223372036854775807 + 1 does not fit in i64"
        );
    }
}
