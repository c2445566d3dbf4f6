//! Match exhaustiveness and arm reachability, by the usefulness algorithm over constructors
//! (Maranget, "Warnings for pattern matching", 2007).
//!
//! A pattern vector is *useful* with respect to a matrix of earlier rows if some value matches
//! it and none of the rows. An arm is unreachable if its pattern is not useful against the
//! unguarded arms above it; a match is exhaustive if the wildcard is not useful against all its
//! unguarded arms. Computing usefulness also yields *witnesses*: values no arm matches, which
//! become the "patterns `Token::Plus` and `Token::Word(_)` not covered" of E0004.
//!
//! Constructors: enum variants (with their payloads, recursively) and `true`/`false` form finite
//! sets; integer, float and string literals come from infinite sets, so only a wildcard or
//! binding covers those types. A constant pattern (`m::LIMIT`) is opaque: its value is not known
//! here, so it covers nothing but itself.

use super::items::EnumInfo;
use super::ty::{Generic, PVariant, Ty};
use crate::ast::Name;
use crate::ids::ItemId;
use std::sync::Arc;

/// A constructor of values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ctor {
    /// The enum variant with this index.
    Variant(u32),
    Bool(bool),
    Int(i64),
    /// The bits of an `f64` literal.
    Float(u64),
    Str(Name),
    /// A constant pattern, identified by its node: equal only to itself.
    Opaque(u32),
    /// The one constructor of a tuple or struct (its fields are the payload).
    Single,
}

/// A pattern, reduced to what matters for usefulness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pat {
    /// `_` or a binding.
    Wild,
    Ctor(Ctor, Vec<Pat>),
    Or(Vec<Pat>),
}

/// Where the checker learns the variants of an enum.
pub trait Variants {
    fn variants(&mut self, enum_id: &ItemId) -> Option<Arc<EnumInfo>>;
    /// The field types of a struct, in declaration order.
    fn struct_fields(&mut self, struct_id: &ItemId) -> Option<Vec<Ty>>;
}

/// The findings about one `match`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Indices of arms that can never match (W0005).
    pub unreachable: Vec<usize>,
    /// Some values no arm matches, printed as patterns (at most [`MAX_WITNESSES`]).
    pub missing: Vec<String>,
    /// How many missing patterns were found (0: the match is exhaustive).
    pub missing_total: usize,
}

/// At most this many missing patterns are computed.
pub const MAX_WITNESSES: usize = 32;

/// Work limit: beyond it (pathological matches) the checker gives up and reports nothing rather
/// than take long.
const MAX_STEPS: usize = 200_000;

static WILD: Pat = Pat::Wild;

/// Checks the arms (pattern, has a guard) of a match on a value of type `scrut`.
pub fn check(variants: &mut dyn Variants, scrut: &Ty, arms: &[(Pat, bool)]) -> Outcome {
    let mut cx = Cx {
        variants,
        steps: 0,
        limit: 1,
    };
    let tys = [scrut.clone()];
    let mut rows: Vec<Vec<&Pat>> = Vec::with_capacity(arms.len());
    let mut unreachable = Vec::new();
    for (i, (pat, guarded)) in arms.iter().enumerate() {
        cx.limit = 1;
        if cx.useful(&rows, &[pat], &tys).is_empty() {
            unreachable.push(i);
        }
        if !guarded {
            rows.push(vec![pat]);
        }
    }
    cx.limit = MAX_WITNESSES;
    let witnesses = cx.useful(&rows, &[&WILD], &tys);
    if cx.steps > MAX_STEPS {
        return Outcome::default();
    }
    let missing: Vec<String> = witnesses
        .iter()
        .filter_map(|w| w.first().map(|p| cx.show(p, scrut)))
        .collect();
    Outcome {
        unreachable,
        missing_total: missing.len(),
        missing,
    }
}

/// The constructors of a type, when there are finitely many.
enum CtorSet {
    /// Each constructor with its payload types.
    Finite(Vec<(Ctor, Vec<Ty>)>),
    Infinite,
}

struct Cx<'v> {
    variants: &'v mut dyn Variants,
    steps: usize,
    /// Stop collecting witnesses after this many.
    limit: usize,
}

impl Cx<'_> {
    fn ctor_set(&mut self, ty: &Ty) -> CtorSet {
        match ty {
            Ty::Bool => CtorSet::Finite(vec![
                (Ctor::Bool(false), Vec::new()),
                (Ctor::Bool(true), Vec::new()),
            ]),
            Ty::Never => CtorSet::Finite(Vec::new()),
            Ty::Enum(id) => match self.variants.variants(id) {
                Some(info) => CtorSet::Finite(
                    info.variants
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (Ctor::Variant(i as u32), v.fields.clone()))
                        .collect(),
                ),
                None => CtorSet::Infinite,
            },
            Ty::Tuple(elems) => CtorSet::Finite(vec![(Ctor::Single, elems.to_vec())]),
            Ty::Struct(id) => match self.variants.struct_fields(id) {
                Some(fields) => CtorSet::Finite(vec![(Ctor::Single, fields)]),
                None => CtorSet::Infinite,
            },
            Ty::App(g, args) if g.is_enum() => CtorSet::Finite(
                PVariant::of(*g)
                    .iter()
                    .map(|v| (Ctor::Variant(v.index()), v.payload(args)))
                    .collect(),
            ),
            _ => CtorSet::Infinite,
        }
    }

    /// The payload types of `ctor` in type `ty`.
    fn fields(&mut self, ty: &Ty, ctor: &Ctor) -> Vec<Ty> {
        match (ty, ctor) {
            (Ty::Enum(id), Ctor::Variant(i)) => self
                .variants
                .variants(id)
                .and_then(|info| info.variants.get(*i as usize).map(|v| v.fields.clone()))
                .unwrap_or_default(),
            (Ty::App(g, args), Ctor::Variant(i)) => PVariant::of(*g)
                .get(*i as usize)
                .map(|v| v.payload(args))
                .unwrap_or_default(),
            (Ty::Tuple(elems), Ctor::Single) => elems.to_vec(),
            (Ty::Struct(id), Ctor::Single) => self.variants.struct_fields(id).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Witnesses that `v` is useful with respect to `rows` (empty: not useful). Each witness
    /// is a vector of patterns as long as `v`.
    fn useful(&mut self, rows: &[Vec<&Pat>], v: &[&Pat], tys: &[Ty]) -> Vec<Vec<Pat>> {
        self.steps += 1 + rows.len();
        if self.steps > MAX_STEPS {
            return Vec::new();
        }
        let Some((head, rest)) = v.split_first() else {
            return if rows.is_empty() {
                vec![Vec::new()]
            } else {
                Vec::new()
            };
        };
        let (ty, rest_tys) = match tys.split_first() {
            Some((t, r)) => (t.clone(), r),
            None => (Ty::Error, &[][..]),
        };
        match head {
            Pat::Or(alts) => {
                let mut out = Vec::new();
                for alt in alts {
                    let mut nv = Vec::with_capacity(v.len());
                    nv.push(alt);
                    nv.extend_from_slice(rest);
                    for w in self.useful(rows, &nv, tys) {
                        if out.len() < self.limit && !out.contains(&w) {
                            out.push(w);
                        }
                    }
                    if out.len() >= self.limit {
                        break;
                    }
                }
                out
            }
            Pat::Ctor(ctor, subs) => {
                let field_tys = self.fields(&ty, ctor);
                let arity = field_tys.len();
                let specialized = specialize(rows, ctor, arity);
                let mut nv: Vec<&Pat> = Vec::with_capacity(arity + rest.len());
                nv.extend((0..arity).map(|i| subs.get(i).unwrap_or(&WILD)));
                nv.extend_from_slice(rest);
                let mut ntys = field_tys;
                ntys.extend_from_slice(rest_tys);
                self.useful(&specialized, &nv, &ntys)
                    .into_iter()
                    .map(|w| reconstruct(ctor, arity, w))
                    .collect()
            }
            Pat::Wild => {
                let mut heads = Vec::new();
                for row in rows {
                    if let Some(h) = row.first() {
                        collect_heads(h, &mut heads);
                    }
                }
                let set = self.ctor_set(&ty);
                if let CtorSet::Finite(all) = &set
                    && all.iter().all(|(c, _)| heads.contains(&c))
                {
                    let mut out = Vec::new();
                    for (ctor, field_tys) in all {
                        let arity = field_tys.len();
                        let specialized = specialize(rows, ctor, arity);
                        let mut nv: Vec<&Pat> = vec![&WILD; arity];
                        nv.extend_from_slice(rest);
                        let mut ntys = field_tys.clone();
                        ntys.extend_from_slice(rest_tys);
                        for w in self.useful(&specialized, &nv, &ntys) {
                            if out.len() < self.limit {
                                out.push(reconstruct(ctor, arity, w));
                            }
                        }
                        if out.len() >= self.limit {
                            break;
                        }
                    }
                    return out;
                }
                let defaulted = default_rows(rows);
                let ws = self.useful(&defaulted, rest, rest_tys);
                if ws.is_empty() {
                    return ws;
                }
                let missing: Vec<(Ctor, usize)> = match set {
                    CtorSet::Finite(all) => all
                        .into_iter()
                        .filter(|(c, _)| !heads.contains(&c))
                        .map(|(c, f)| (c, f.len()))
                        .collect(),
                    CtorSet::Infinite => Vec::new(),
                };
                let mut out = Vec::new();
                for w in ws {
                    if missing.is_empty() {
                        let mut full = Vec::with_capacity(w.len() + 1);
                        full.push(Pat::Wild);
                        full.extend(w);
                        out.push(full);
                    } else {
                        for (ctor, arity) in &missing {
                            let mut full = Vec::with_capacity(w.len() + 1);
                            full.push(Pat::Ctor(ctor.clone(), vec![Pat::Wild; *arity]));
                            full.extend(w.iter().cloned());
                            out.push(full);
                        }
                    }
                    if out.len() >= self.limit {
                        out.truncate(self.limit);
                        break;
                    }
                }
                out
            }
        }
    }

    /// A witness pattern as users write it.
    fn show(&mut self, pat: &Pat, ty: &Ty) -> String {
        match pat {
            Pat::Wild | Pat::Or(_) => "_".to_string(),
            Pat::Ctor(Ctor::Bool(b), _) => b.to_string(),
            Pat::Ctor(Ctor::Single, subs) => {
                let tys = self.fields(ty, &Ctor::Single);
                let parts: Vec<String> = tys
                    .iter()
                    .enumerate()
                    .map(|(k, t)| self.show(subs.get(k).unwrap_or(&WILD), t))
                    .collect();
                match ty {
                    Ty::Struct(id) => {
                        if subs.iter().all(|p| *p == Pat::Wild) {
                            format!("{} {{ .. }}", id.name)
                        } else {
                            format!("{} {{ {} }}", id.name, parts.join(", "))
                        }
                    }
                    _ => format!("({})", parts.join(", ")),
                }
            }
            Pat::Ctor(Ctor::Variant(i), subs) if matches!(ty, Ty::App(..)) => {
                let Ty::App(g, args) = ty else {
                    return "_".to_string();
                };
                let Some(v) = PVariant::of(*g).get(*i as usize) else {
                    return "_".to_string();
                };
                let payload = v.payload(args);
                let prefix = if *g == Generic::Ordering {
                    "Ordering::"
                } else {
                    ""
                };
                if payload.is_empty() {
                    return format!("{prefix}{}", v.name());
                }
                let sub = self.show(subs.first().unwrap_or(&WILD), &payload[0]);
                format!("{prefix}{}({sub})", v.name())
            }
            Pat::Ctor(Ctor::Variant(i), subs) => {
                let Ty::Enum(id) = ty else {
                    return "_".to_string();
                };
                let info = self.variants.variants(id);
                let Some(variant) = info
                    .as_ref()
                    .and_then(|info| info.variants.get(*i as usize))
                else {
                    return "_".to_string();
                };
                let mut s = format!("{}::{}", id.name, variant.name);
                if !variant.fields.is_empty() {
                    s.push('(');
                    for (k, field_ty) in variant.fields.iter().enumerate() {
                        if k > 0 {
                            s.push_str(", ");
                        }
                        let sub = subs.get(k).unwrap_or(&WILD);
                        s.push_str(&self.show(sub, field_ty));
                    }
                    s.push(')');
                }
                s
            }
            Pat::Ctor(_, _) => "_".to_string(),
        }
    }
}

fn collect_heads<'p>(pat: &'p Pat, out: &mut Vec<&'p Ctor>) {
    match pat {
        Pat::Wild => {}
        Pat::Ctor(c, _) => {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Pat::Or(alts) => {
            for alt in alts {
                collect_heads(alt, out);
            }
        }
    }
}

/// The rows that match constructor `ctor`, with its `arity` payload patterns in front.
fn specialize<'p>(rows: &[Vec<&'p Pat>], ctor: &Ctor, arity: usize) -> Vec<Vec<&'p Pat>> {
    let mut out = Vec::new();
    for row in rows {
        specialize_row(row, ctor, arity, &mut out);
    }
    out
}

fn specialize_row<'p>(row: &[&'p Pat], ctor: &Ctor, arity: usize, out: &mut Vec<Vec<&'p Pat>>) {
    let Some((head, rest)) = row.split_first() else {
        return;
    };
    match head {
        Pat::Wild => {
            let mut r: Vec<&Pat> = vec![&WILD; arity];
            r.extend_from_slice(rest);
            out.push(r);
        }
        Pat::Ctor(c, subs) if c == ctor => {
            let mut r: Vec<&Pat> = (0..arity).map(|i| subs.get(i).unwrap_or(&WILD)).collect();
            r.extend_from_slice(rest);
            out.push(r);
        }
        Pat::Ctor(_, _) => {}
        Pat::Or(alts) => {
            for alt in alts {
                let mut r = Vec::with_capacity(row.len());
                r.push(alt);
                r.extend_from_slice(rest);
                specialize_row(&r, ctor, arity, out);
            }
        }
    }
}

/// The rows whose first pattern matches anything, without it.
fn default_rows<'p>(rows: &[Vec<&'p Pat>]) -> Vec<Vec<&'p Pat>> {
    let mut out = Vec::new();
    for row in rows {
        default_row(row, &mut out);
    }
    out
}

fn default_row<'p>(row: &[&'p Pat], out: &mut Vec<Vec<&'p Pat>>) {
    let Some((head, rest)) = row.split_first() else {
        return;
    };
    match head {
        Pat::Wild => out.push(rest.to_vec()),
        Pat::Ctor(_, _) => {}
        Pat::Or(alts) => {
            for alt in alts {
                let mut r = Vec::with_capacity(row.len());
                r.push(alt);
                r.extend_from_slice(rest);
                default_row(&r, out);
            }
        }
    }
}

/// Rebuilds `ctor(w[..arity])` followed by the rest of the witness.
fn reconstruct(ctor: &Ctor, arity: usize, w: Vec<Pat>) -> Vec<Pat> {
    let mut w = w.into_iter();
    let subs: Vec<Pat> = w.by_ref().take(arity).collect();
    let mut out = vec![Pat::Ctor(ctor.clone(), subs)];
    out.extend(w);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::NodeId;
    use crate::ids::ModulePath;
    use crate::sema::items::VariantInfo;

    struct Fixed(Arc<EnumInfo>);

    impl Variants for Fixed {
        fn variants(&mut self, _: &ItemId) -> Option<Arc<EnumInfo>> {
            Some(self.0.clone())
        }

        fn struct_fields(&mut self, _: &ItemId) -> Option<Vec<Ty>> {
            None
        }
    }

    fn token() -> (Fixed, Ty) {
        let variant = |name: &str, fields: Vec<Ty>| VariantInfo {
            name: name.into(),
            fields,
            node: NodeId(0),
        };
        let id = ItemId::new(ModulePath::root(), "Token");
        let ty = Ty::Enum(Arc::new(id));
        let info = EnumInfo {
            name_node: NodeId(0),
            vis: crate::ast::Visibility::Private,
            variants: vec![
                variant("Num", vec![Ty::I64]),
                variant("Plus", vec![]),
                variant("Word", vec![Ty::Str]),
            ],
        };
        (Fixed(Arc::new(info)), ty)
    }

    fn v(i: u32, subs: Vec<Pat>) -> Pat {
        Pat::Ctor(Ctor::Variant(i), subs)
    }

    #[test]
    fn reports_missing_variants() {
        let (mut fixed, ty) = token();
        let arms = vec![(v(0, vec![Pat::Wild]), false)];
        let out = check(&mut fixed, &ty, &arms);
        assert_eq!(out.missing, vec!["Token::Plus", "Token::Word(_)"]);
        assert!(out.unreachable.is_empty());
    }

    #[test]
    fn guards_do_not_count_and_wildcards_cover() {
        let (mut fixed, ty) = token();
        let arms = vec![(Pat::Wild, true), (v(1, vec![]), false)];
        let out = check(&mut fixed, &ty, &arms);
        assert_eq!(out.missing_total, 2);
        let arms = vec![
            (v(1, vec![]), false),
            (Pat::Wild, false),
            (v(0, vec![Pat::Wild]), false),
        ];
        let out = check(&mut fixed, &ty, &arms);
        assert_eq!(out.missing_total, 0);
        assert_eq!(out.unreachable, vec![2]);
    }

    #[test]
    fn literals_need_a_wildcard_and_or_patterns_expand() {
        let (mut fixed, ty) = token();
        let lit = |i| Pat::Ctor(Ctor::Int(i), vec![]);
        let arms = vec![
            (v(0, vec![lit(1)]), false),
            (Pat::Or(vec![v(1, vec![]), v(2, vec![Pat::Wild])]), false),
        ];
        let out = check(&mut fixed, &ty, &arms);
        assert_eq!(out.missing, vec!["Token::Num(_)"]);
        let bools = vec![
            (Pat::Ctor(Ctor::Bool(true), vec![]), false),
            (Pat::Ctor(Ctor::Bool(false), vec![]), false),
            (Pat::Ctor(Ctor::Bool(true), vec![]), false),
        ];
        let out = check(&mut fixed, &Ty::Bool, &bools);
        assert_eq!(out.missing_total, 0);
        assert_eq!(out.unreachable, vec![2]);
    }
}
