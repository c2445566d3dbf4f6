//! Semantic types: plain, hashable data with no salsa lifetimes, so that they can live in query
//! results, fingerprints and (later) the code generator's input.

use crate::ids::ItemId;
use std::fmt;
use std::sync::Arc;

/// The type of a value.
///
/// Structs and enums are named by the [`ItemId`] of their declaration (behind an `Arc`, so that
/// cloning a `Ty` never copies strings). [`Ty::Var`] only exists while a body is being inferred;
/// an [`super::InferenceResult`] never contains one (unsolved variables become [`Ty::Error`]
/// after E0282 is reported).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    I64,
    F64,
    Bool,
    Str,
    /// `()`
    Unit,
    /// The type of expressions that never produce a value (`return`, `break`, `panic(..)`, a
    /// `loop` without `break`). It coerces to every type.
    Never,
    /// `[T]`
    Array(Arc<Ty>),
    Struct(Arc<ItemId>),
    Enum(Arc<ItemId>),
    /// `fn(T, U) -> R`: the type of a function item or associated function used as a value.
    Fn(Arc<FnTy>),
    /// An inference variable of the body being checked (index into its variable table).
    Var(u32),
    /// The type of something already reported as wrong. It unifies with everything and an
    /// expression of this type never causes another diagnostic (it is "poison").
    Error,
}

/// The parameter and return types of a function type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnTy {
    pub params: Vec<Ty>,
    pub ret: Ty,
}

impl Ty {
    pub fn array(elem: Ty) -> Ty {
        Ty::Array(Arc::new(elem))
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Ty::Error)
    }

    pub fn is_never(&self) -> bool {
        matches!(self, Ty::Never)
    }

    /// Whether the type mentions [`Ty::Error`] anywhere (such types are never reported again).
    pub fn references_error(&self) -> bool {
        match self {
            Ty::Error => true,
            Ty::Array(elem) => elem.references_error(),
            Ty::Fn(f) => f.ret.references_error() || f.params.iter().any(Ty::references_error),
            _ => false,
        }
    }

    /// The struct or enum this type names, if any.
    pub fn adt(&self) -> Option<&ItemId> {
        match self {
            Ty::Struct(id) | Ty::Enum(id) => Some(id),
            _ => None,
        }
    }

    /// Whether `print`/`println` accept values of this type.
    pub fn is_printable(&self) -> bool {
        matches!(self, Ty::I64 | Ty::F64 | Ty::Bool | Ty::Str)
    }

    /// Whether `<`, `<=`, `>`, `>=` (and `sort`) apply to this type.
    pub fn is_ordered(&self) -> bool {
        matches!(self, Ty::I64 | Ty::F64 | Ty::Str)
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::I64 => f.write_str("i64"),
            Ty::F64 => f.write_str("f64"),
            Ty::Bool => f.write_str("bool"),
            Ty::Str => f.write_str("str"),
            Ty::Unit => f.write_str("()"),
            Ty::Never => f.write_str("never"),
            Ty::Array(elem) => write!(f, "[{elem}]"),
            Ty::Struct(id) | Ty::Enum(id) => f.write_str(&id.name),
            Ty::Fn(func) => {
                f.write_str("fn(")?;
                for (i, p) in func.params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                f.write_str(")")?;
                if func.ret != Ty::Unit {
                    write!(f, " -> {}", func.ret)?;
                }
                Ok(())
            }
            Ty::Var(_) => f.write_str("_"),
            Ty::Error => f.write_str("{error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ModulePath;

    #[test]
    fn types_display_as_written() {
        let point = Ty::Struct(Arc::new(ItemId::new(ModulePath::root(), "Point")));
        assert_eq!(Ty::array(Ty::array(Ty::I64)).to_string(), "[[i64]]");
        assert_eq!(point.to_string(), "Point");
        let f = Ty::Fn(Arc::new(FnTy {
            params: vec![Ty::I64, Ty::Str],
            ret: Ty::Bool,
        }));
        assert_eq!(f.to_string(), "fn(i64, str) -> bool");
        let g = Ty::Fn(Arc::new(FnTy {
            params: vec![],
            ret: Ty::Unit,
        }));
        assert_eq!(g.to_string(), "fn()");
    }
}
