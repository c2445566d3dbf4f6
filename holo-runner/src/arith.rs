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

#[cfg(test)]
mod tests {
    use super::*;

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
