//! Evaluation of constant initializers at compile time.
//!
//! A constant's initializer is a constant expression (literals, other constants, operators,
//! array literals; the checker rejects anything else with E0015), so its value is computed once
//! here, with holo's runtime semantics (checked `i64` arithmetic, truncating division), and code
//! that names the constant uses the value directly. An initializer that fails (an overflow, a
//! division by zero) becomes a runtime error wherever the constant is used.

use super::ir_ty;
use crate::ast::{BinOp, Expr, ExprKind, ItemKind, Literal, UnOp};
use crate::db::{self, ItemKey};
use crate::ir::{Const, TrapKind};
use crate::sema::{self, InferenceResult, Resolution};

/// The value of a constant item (`None` if the item is not a constant or has no value).
#[salsa::tracked(returns(ref))]
pub fn const_value<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Result<Const, TrapKind>> {
    let ast = db::item_ast(db, item)?;
    let ItemKind::Const(def) = &ast.kind else {
        return None;
    };
    let infer = sema::infer_body(db, item).clone()?;
    Some(eval(db, &infer, &def.value))
}

fn overflow(op: &str, lhs: i64, rhs: Option<i64>) -> TrapKind {
    TrapKind::Overflow {
        op: op.to_string(),
        lhs,
        rhs,
    }
}

fn eval(db: &dyn salsa::Database, infer: &InferenceResult, e: &Expr) -> Result<Const, TrapKind> {
    match &e.kind {
        ExprKind::Lit(lit) => Ok(literal(lit)),
        ExprKind::Path(_) => match infer.resolution(e.id) {
            Some(Resolution::Const(id)) => {
                match const_value(db, ItemKey::new(db, (**id).clone())) {
                    Some(value) => value.clone(),
                    None => Ok(Const::Unit),
                }
            }
            Some(Resolution::ConstValue(v)) => Ok(Const::I64(*v)),
            _ => Ok(Const::Unit),
        },
        ExprKind::Unary(op, inner) => {
            // `-9223372036854775808` is a negated literal whose literal is stored wrapped.
            if let (UnOp::Neg, ExprKind::Lit(Literal::Int(v))) = (op, &inner.kind) {
                return Ok(Const::I64(v.wrapping_neg()));
            }
            match (op, eval(db, infer, inner)?) {
                (UnOp::Neg, Const::I64(v)) => v
                    .checked_neg()
                    .map(Const::I64)
                    .ok_or_else(|| overflow("-", v, None)),
                (UnOp::Neg, Const::F64(bits)) => Ok(Const::F64((-f64::from_bits(bits)).to_bits())),
                (UnOp::Not, Const::Bool(b)) => Ok(Const::Bool(!b)),
                (_, other) => Ok(other),
            }
        }
        ExprKind::Binary(op, l, r) => {
            let lhs = eval(db, infer, l)?;
            if let (BinOp::And, Const::Bool(false)) | (BinOp::Or, Const::Bool(true)) = (op, &lhs) {
                return Ok(lhs);
            }
            let rhs = eval(db, infer, r)?;
            binary(*op, lhs, rhs)
        }
        ExprKind::Array(items) => {
            let elem = match infer.ty(e.id).map(ir_ty) {
                Some(crate::ir::Ty::Array(elem)) => *elem,
                _ => crate::ir::Ty::Unit,
            };
            let items = items
                .iter()
                .map(|i| eval(db, infer, i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Const::Array { elem, items })
        }
        _ => Ok(Const::Unit),
    }
}

pub(crate) fn literal(lit: &Literal) -> Const {
    match lit {
        Literal::Int(v) => Const::I64(*v),
        Literal::Float(bits) => Const::F64(*bits),
        Literal::Str(s) => Const::Str(s.to_string()),
        Literal::Bool(b) => Const::Bool(*b),
    }
}

fn binary(op: BinOp, lhs: Const, rhs: Const) -> Result<Const, TrapKind> {
    use std::cmp::Ordering;
    let ordering = |o: Option<Ordering>| match op {
        BinOp::Eq => o == Some(Ordering::Equal),
        BinOp::Ne => o != Some(Ordering::Equal),
        BinOp::Lt => o == Some(Ordering::Less),
        BinOp::Le => matches!(o, Some(Ordering::Less | Ordering::Equal)),
        BinOp::Gt => o == Some(Ordering::Greater),
        BinOp::Ge => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
        _ => false,
    };
    let is_comparison = matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    );
    match (lhs, rhs) {
        (Const::I64(a), Const::I64(b)) => {
            if is_comparison {
                return Ok(Const::Bool(ordering(Some(a.cmp(&b)))));
            }
            let s = op.as_str();
            match op {
                BinOp::Add => a.checked_add(b).ok_or_else(|| overflow(s, a, Some(b))),
                BinOp::Sub => a.checked_sub(b).ok_or_else(|| overflow(s, a, Some(b))),
                BinOp::Mul => a.checked_mul(b).ok_or_else(|| overflow(s, a, Some(b))),
                BinOp::Div if b == 0 => Err(TrapKind::DivisionByZero),
                BinOp::Div => a.checked_div(b).ok_or_else(|| overflow(s, a, Some(b))),
                BinOp::Rem if b == 0 => Err(TrapKind::DivisionByZero),
                BinOp::Rem => Ok(a.checked_rem(b).unwrap_or(0)),
                BinOp::BitAnd => Ok(a & b),
                BinOp::BitOr => Ok(a | b),
                BinOp::BitXor => Ok(a ^ b),
                // The amount is taken modulo 64, as at run time.
                BinOp::Shl => Ok(a.wrapping_shl((b & 63) as u32)),
                BinOp::Shr => Ok(a.wrapping_shr((b & 63) as u32)),
                _ => Ok(a),
            }
            .map(Const::I64)
        }
        (Const::F64(a), Const::F64(b)) => {
            let (x, y) = (f64::from_bits(a), f64::from_bits(b));
            if is_comparison {
                return Ok(Const::Bool(ordering(x.partial_cmp(&y))));
            }
            let v = match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                BinOp::Rem => x % y,
                _ => x,
            };
            Ok(Const::F64(v.to_bits()))
        }
        (Const::Str(a), Const::Str(b)) => {
            if is_comparison {
                return Ok(Const::Bool(ordering(Some(a.as_bytes().cmp(b.as_bytes())))));
            }
            Ok(Const::Str(a + &b))
        }
        (Const::Bool(a), Const::Bool(b)) => Ok(Const::Bool(match op {
            BinOp::And => a && b,
            BinOp::Or => a || b,
            BinOp::Eq => a == b,
            BinOp::Ne => a != b,
            BinOp::BitAnd => a & b,
            BinOp::BitOr => a | b,
            BinOp::BitXor => a ^ b,
            _ => a,
        })),
        (a @ Const::Array { .. }, b @ Const::Array { .. }) => match op {
            BinOp::Eq => Ok(Const::Bool(a == b)),
            BinOp::Ne => Ok(Const::Bool(a != b)),
            _ => Ok(a),
        },
        (a, _) => Ok(a),
    }
}
