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
    /// `fn(T, U) -> R`: the type of a function item, associated function or closure used as a
    /// value.
    Fn(Arc<FnTy>),
    /// `(A, B, …)`, two or more elements.
    Tuple(Arc<Vec<Ty>>),
    /// A type of the prelude applied to its arguments: `Option<T>`, `Result<T, E>`,
    /// `Map<K, V>`, `Ordering` (no arguments). User-defined generics will be a sibling of this
    /// variant (an item applied to arguments), which is why the arguments are a list.
    App(Generic, Arc<Vec<Ty>>),
    /// An inference variable of the body being checked (index into its variable table).
    Var(u32),
    /// The type of something already reported as wrong. It unifies with everything and an
    /// expression of this type never causes another diagnostic (it is "poison").
    Error,
}

/// The generic types of the prelude.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Generic {
    Option,
    Result,
    Map,
    Ordering,
}

impl Generic {
    pub fn name(self) -> &'static str {
        match self {
            Generic::Option => "Option",
            Generic::Result => "Result",
            Generic::Map => "Map",
            Generic::Ordering => "Ordering",
        }
    }

    /// How many type arguments the type takes.
    pub fn arity(self) -> usize {
        match self {
            Generic::Option => 1,
            Generic::Result | Generic::Map => 2,
            Generic::Ordering => 0,
        }
    }

    pub fn by_name(name: &str) -> Option<Generic> {
        Some(match name {
            "Option" => Generic::Option,
            "Result" => Generic::Result,
            "Map" => Generic::Map,
            "Ordering" => Generic::Ordering,
            _ => return None,
        })
    }

    /// Whether the type is an enum (its values are matched with variant patterns).
    pub fn is_enum(self) -> bool {
        !matches!(self, Generic::Map)
    }
}

/// A variant of an enum of the prelude. The variant index (its tag at run time) is its
/// position in [`PVariant::of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PVariant {
    None,
    Some,
    Ok,
    Err,
    Less,
    Equal,
    Greater,
}

impl PVariant {
    pub fn name(self) -> &'static str {
        match self {
            PVariant::None => "None",
            PVariant::Some => "Some",
            PVariant::Ok => "Ok",
            PVariant::Err => "Err",
            PVariant::Less => "Less",
            PVariant::Equal => "Equal",
            PVariant::Greater => "Greater",
        }
    }

    /// The variants of a prelude enum, in tag order.
    pub fn of(g: Generic) -> &'static [PVariant] {
        match g {
            Generic::Option => &[PVariant::None, PVariant::Some],
            Generic::Result => &[PVariant::Ok, PVariant::Err],
            Generic::Ordering => &[PVariant::Less, PVariant::Equal, PVariant::Greater],
            Generic::Map => &[],
        }
    }

    pub fn generic(self) -> Generic {
        match self {
            PVariant::None | PVariant::Some => Generic::Option,
            PVariant::Ok | PVariant::Err => Generic::Result,
            PVariant::Less | PVariant::Equal | PVariant::Greater => Generic::Ordering,
        }
    }

    /// The tag of the variant.
    pub fn index(self) -> u32 {
        PVariant::of(self.generic())
            .iter()
            .position(|v| *v == self)
            .unwrap_or(0) as u32
    }

    /// The variants usable without a path: `Some(x)`, `None`, `Ok(v)`, `Err(e)`.
    pub fn bare(name: &str) -> Option<PVariant> {
        Some(match name {
            "None" => PVariant::None,
            "Some" => PVariant::Some,
            "Ok" => PVariant::Ok,
            "Err" => PVariant::Err,
            _ => return None,
        })
    }

    /// `Generic::name` → the variant.
    pub fn member(g: Generic, name: &str) -> Option<PVariant> {
        PVariant::of(g).iter().copied().find(|v| v.name() == name)
    }

    /// The payload types of the variant in a value of type `g<args>`.
    pub fn payload(self, args: &[Ty]) -> Vec<Ty> {
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Ty::Error);
        match self {
            PVariant::Some | PVariant::Ok => vec![arg(0)],
            PVariant::Err => vec![arg(1)],
            _ => Vec::new(),
        }
    }
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

    pub fn option(inner: Ty) -> Ty {
        Ty::App(Generic::Option, Arc::new(vec![inner]))
    }

    pub fn result(ok: Ty, err: Ty) -> Ty {
        Ty::App(Generic::Result, Arc::new(vec![ok, err]))
    }

    pub fn ordering() -> Ty {
        Ty::App(Generic::Ordering, Arc::new(Vec::new()))
    }

    /// The same type with `f` applied to each directly contained type (array elements,
    /// function parameters and result, tuple elements, type arguments).
    pub fn map_children(&self, mut f: impl FnMut(&Ty) -> Ty) -> Ty {
        match self {
            Ty::Array(elem) => Ty::array(f(elem)),
            Ty::Fn(func) => Ty::Fn(Arc::new(FnTy {
                params: func.params.iter().map(&mut f).collect(),
                ret: f(&func.ret),
            })),
            Ty::Tuple(elems) => Ty::Tuple(Arc::new(elems.iter().map(f).collect())),
            Ty::App(g, args) => Ty::App(*g, Arc::new(args.iter().map(f).collect())),
            other => other.clone(),
        }
    }

    /// Whether `f` holds for some directly contained type.
    pub fn any_child(&self, mut f: impl FnMut(&Ty) -> bool) -> bool {
        match self {
            Ty::Array(elem) => f(elem),
            Ty::Fn(func) => func.params.iter().any(&mut f) || f(&func.ret),
            Ty::Tuple(elems) | Ty::App(_, elems) => elems.iter().any(f),
            _ => false,
        }
    }

    /// The type's arguments if it is the prelude type `g`.
    ///
    /// (Lists of types are `Arc<Vec<Ty>>`, a thin pointer, so that a `Ty` stays 16 bytes: the
    /// checker keeps one per syntax node.)
    pub fn app_args(&self, g: Generic) -> Option<&[Ty]> {
        match self {
            Ty::App(h, args) if *h == g => Some(args),
            _ => None,
        }
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
            Ty::Tuple(elems) | Ty::App(_, elems) => elems.iter().any(Ty::references_error),
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
            Ty::Tuple(elems) => {
                f.write_str("(")?;
                for (i, e) in elems.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str(")")
            }
            Ty::App(g, args) => {
                f.write_str(g.name())?;
                if !args.is_empty() {
                    f.write_str("<")?;
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str(">")?;
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
    fn a_type_is_two_words() {
        assert_eq!(std::mem::size_of::<Ty>(), 16);
    }

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
