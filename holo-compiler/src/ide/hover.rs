//! Hover (signatures, doc comments, the types of bindings and expressions) and inlay hints, and
//! how declarations are shown in them.

use super::index::{Visit, visit_item};
use super::resolve::{Target, idents_at, target_of};
use super::{FileCx, Hover, InlayHint, TextRange, locate_item};
use crate::ast::{ItemKind, PatKind, StmtKind, Visibility};
use crate::db::ItemKey;
use crate::ids::ItemId;
use crate::sema::builtins::{self, Builtin, Shape};
use crate::sema::{LocalKind, PVariant, Resolution, Ty, fn_signature, infer_body};

pub fn hover(cx: &FileCx<'_>, offset: u32) -> Option<Hover> {
    for found in idents_at(cx, offset) {
        if let Some(target) = target_of(cx.db, &found.key_id, &found.entry)
            && let Some(markdown) = describe(cx.db, &target)
        {
            return Some(Hover {
                range: found.range,
                markdown,
            });
        }
    }
    expression_type(cx, offset)
}

/// The type of the innermost typed expression or pattern under `offset`.
fn expression_type(cx: &FileCx<'_>, offset: u32) -> Option<Hover> {
    let index = cx.item_at(offset)?;
    let id = &cx.items[index].0;
    let body = infer_body(cx.db, ItemKey::new(cx.db, id.clone())).clone()?;
    let map = cx.map(index)?;
    let mut best: Option<(TextRange, &Ty)> = None;
    for (node, span) in map.spans.iter().enumerate() {
        if !(span.start <= offset && offset < span.end) {
            continue;
        }
        let Some(ty) = body.ty(crate::ast::NodeId(node as u32)) else {
            continue;
        };
        let range = TextRange::of(*span);
        if best.is_none_or(|(b, _)| range.end - range.start < b.end - b.start) {
            best = Some((range, ty));
        }
    }
    let (range, ty) = best?;
    if ty.references_error() {
        return None;
    }
    Some(Hover {
        range,
        markdown: code(&ty.to_string()),
    })
}

pub fn code(text: &str) -> String {
    format!("```holo\n{text}\n```")
}

/// The hover text of a target: its declaration in a code block, then its doc comment.
pub fn describe(db: &dyn salsa::Database, target: &Target) -> Option<String> {
    let (decl, doc) = match target {
        Target::Item(id) => (item_signature(db, id)?, item_doc(db, id)),
        Target::Field { owner, index } => {
            let info = crate::sema::struct_info(db, ItemKey::new(db, owner.clone()))?;
            let field = info.fields.get(*index as usize)?;
            (
                format!("{}\n{}: {}", owner.name, field.name, field.ty),
                None,
            )
        }
        Target::Variant { owner, index } => (variant_label(db, owner, *index)?, None),
        Target::Local { item, local } => {
            let body = infer_body(db, ItemKey::new(db, item.clone())).clone()?;
            let local = body.local(*local)?;
            let text = match local.kind {
                LocalKind::Param | LocalKind::SelfParam => format!("{}: {}", local.name, local.ty),
                _ if local.mutable => format!("let mut {}: {}", local.name, local.ty),
                _ => format!("let {}: {}", local.name, local.ty),
            };
            (text, None)
        }
        Target::Module(m) => (format!("mod {}", m.0), None),
        Target::Builtin(id) => (builtin_label(builtins::builtin(*id)).0, None),
        Target::PreludeVariant(v) => (prelude_variant_label(*v), None),
        Target::PreludeType(g) => (
            match g {
                crate::sema::Generic::Option => "enum Option<T> { None, Some(T) }",
                crate::sema::Generic::Result => "enum Result<T, E> { Ok(T), Err(E) }",
                crate::sema::Generic::Map => "struct Map<K, V>",
                crate::sema::Generic::Ordering => "enum Ordering { Less, Equal, Greater }",
            }
            .to_string(),
            None,
        ),
        Target::Primitive(p) => (p.to_string(), None),
    };
    Some(match doc {
        Some(doc) => format!("{}\n\n{doc}", code(&decl)),
        None => code(&decl),
    })
}

fn prelude_variant_label(v: PVariant) -> String {
    match v {
        PVariant::Some => "Option::Some(T)".to_string(),
        PVariant::None => "Option::None".to_string(),
        PVariant::Ok => "Result::Ok(T)".to_string(),
        PVariant::Err => "Result::Err(E)".to_string(),
        other => format!("Ordering::{}", other.name()),
    }
}

pub fn variant_label(db: &dyn salsa::Database, owner: &ItemId, index: u32) -> Option<String> {
    let info = crate::sema::enum_info(db, ItemKey::new(db, owner.clone()))?;
    let variant = info.variants.get(index as usize)?;
    let mut s = format!("{}::{}", owner.name, variant.name);
    if !variant.fields.is_empty() {
        let fields: Vec<String> = variant.fields.iter().map(Ty::to_string).collect();
        s.push_str(&format!("({})", fields.join(", ")));
    }
    Some(s)
}

/// A function's signature as one line, and the ranges of its parameters in it.
pub fn fn_label(db: &dyn salsa::Database, id: &ItemId) -> Option<(String, Vec<TextRange>)> {
    let (cx, index) = locate_item(db, id)?;
    let item = cx.items[index].1.interface(db);
    let func = match &item.kind {
        ItemKind::Fn(f) => f,
        ItemKind::Method(m) => &m.func,
        _ => return None,
    };
    let sig = fn_signature(db, ItemKey::new(db, id.clone()));
    let mut s = String::new();
    if item.vis == Visibility::Public {
        s.push_str("pub ");
    }
    s.push_str("fn ");
    s.push_str(&func.name.name);
    s.push('(');
    let mut ranges = Vec::new();
    let mut first = true;
    if let Some(p) = &func.self_param {
        s.push_str(if p.mutable { "mut self" } else { "self" });
        first = false;
    }
    for (i, param) in func.params.iter().enumerate() {
        if !first {
            s.push_str(", ");
        }
        first = false;
        let start = s.len() as u32;
        if param.mutable {
            s.push_str("mut ");
        }
        let ty = sig
            .as_ref()
            .and_then(|sig| sig.params.get(i))
            .map_or_else(|| "_".to_string(), Ty::to_string);
        s.push_str(&format!("{}: {ty}", param.name.name));
        ranges.push(TextRange::new(start, s.len() as u32));
    }
    s.push(')');
    if let Some(sig) = &sig
        && sig.ret != Ty::Unit
    {
        s.push_str(&format!(" -> {}", sig.ret));
    }
    Some((s, ranges))
}

/// A built-in's signature (`fn len(self) -> i64`, `T` and `V` for its generic types), and the
/// ranges of its parameters.
pub fn builtin_label(b: &Builtin) -> (String, Vec<TextRange>) {
    let mut s = format!("fn {}(", b.name);
    let mut ranges = Vec::new();
    if let Some(receiver) = b.receiver {
        s.push_str(if b.mutates_receiver {
            "mut self: "
        } else {
            "self: "
        });
        s.push_str(&shape(receiver));
    }
    for (i, p) in b.params.iter().enumerate() {
        if i > 0 || b.receiver.is_some() {
            s.push_str(", ");
        }
        let start = s.len() as u32;
        s.push_str(&shape(*p));
        ranges.push(TextRange::new(start, s.len() as u32));
    }
    s.push(')');
    if b.ret != Shape::Unit {
        s.push_str(&format!(" -> {}", shape(b.ret)));
    }
    (s, ranges)
}

fn shape(s: Shape) -> String {
    match s {
        Shape::I64 => "i64",
        Shape::F64 => "f64",
        Shape::Bool => "bool",
        Shape::Str => "str",
        Shape::Unit => "()",
        Shape::Never => "never",
        Shape::Elem => "T",
        Shape::ArrayOfElem => "[T]",
        Shape::ArrayOfStr => "[str]",
        Shape::Val => "V",
        Shape::ArrayOfVal => "[V]",
        Shape::OptionOfElem => "Option<T>",
        Shape::OptionOfVal => "Option<V>",
        Shape::ResultOfElemVal => "Result<T, V>",
        Shape::ResultI64Str => "Result<i64, str>",
        Shape::ResultF64Str => "Result<f64, str>",
        Shape::MapOfElemVal => "Map<T, V>",
        Shape::FnElemToVal => "fn(T) -> V",
        Shape::FnElemToBool => "fn(T) -> bool",
        Shape::FnCompare => "fn(T, T) -> Ordering",
        Shape::Ordering => "Ordering",
        Shape::ArrayOfPairs => "[(T, V)]",
    }
    .to_string()
}

/// How an item is declared, without its body.
pub fn item_signature(db: &dyn salsa::Database, id: &ItemId) -> Option<String> {
    let (cx, index) = locate_item(db, id)?;
    let item = cx.items[index].1.interface(db);
    let key = ItemKey::new(db, id.clone());
    let vis = if item.vis == Visibility::Public {
        "pub "
    } else {
        ""
    };
    // Declared as written; where it lives is the definition's business, not the hover's.
    let module = "";
    Some(match &item.kind {
        ItemKind::Fn(_) => format!("{module}{}", fn_label(db, id)?.0),
        ItemKind::Method(m) => format!("{module}impl {}\n{}", m.self_ty.name, fn_label(db, id)?.0),
        ItemKind::Struct(s) => {
            let info = crate::sema::struct_info(db, key);
            let mut out = format!("{module}{vis}struct {}", s.name.name);
            if s.fields.is_empty() {
                out.push_str(" {}");
            } else {
                out.push_str(" {\n");
                for (i, f) in s.fields.iter().enumerate() {
                    let ty = info
                        .as_ref()
                        .and_then(|info| info.fields.get(i))
                        .map_or_else(|| "_".to_string(), |f| f.ty.to_string());
                    let fvis = if f.vis == Visibility::Public {
                        "pub "
                    } else {
                        ""
                    };
                    out.push_str(&format!("    {fvis}{}: {ty},\n", f.name.name));
                }
                out.push('}');
            }
            out
        }
        ItemKind::Enum(e) => {
            let mut out = format!("{module}{vis}enum {}", e.name.name);
            if e.variants.is_empty() {
                out.push_str(" {}");
            } else {
                out.push_str(" {\n");
                for i in 0..e.variants.len() {
                    let label = variant_label(db, id, i as u32)?;
                    let short = label.split_once("::").map_or(label.as_str(), |x| x.1);
                    out.push_str(&format!("    {short},\n"));
                }
                out.push('}');
            }
            out
        }
        ItemKind::Const(c) => {
            let ty = crate::sema::const_info(db, key)
                .map_or_else(|| "_".to_string(), |info| info.ty.to_string());
            format!("{module}{vis}const {}: {ty}", c.name.name)
        }
        ItemKind::Use(_) => return None,
    })
}

/// The `///` comment lines right above an item (its attributes included), without the marks.
pub fn item_doc(db: &dyn salsa::Database, id: &ItemId) -> Option<String> {
    let (cx, index) = locate_item(db, id)?;
    let start = cx.map(index)?.item_span.start as usize;
    let before = cx.text.get(..start)?;
    let mut lines: Vec<&str> = Vec::new();
    // The item starts after its line's indentation; the doc lines are the ones above.
    let mut rest = before.trim_end_matches([' ', '\t']);
    rest = rest.strip_suffix('\n').unwrap_or(rest);
    rest = rest.strip_suffix('\r').unwrap_or(rest);
    for line in rest.rsplit('\n') {
        let trimmed = line.trim();
        match trimmed.strip_prefix("///") {
            Some(doc) => lines.push(doc.strip_prefix(' ').unwrap_or(doc).trim_end()),
            None => break,
        }
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

/// `: T` after every `let` binding written without a type (also in tuple and struct patterns).
pub fn inlay_hints(cx: &FileCx<'_>, range: Option<TextRange>) -> Vec<InlayHint> {
    let mut out = Vec::new();
    for (index, (id, input)) in cx.items.iter().enumerate() {
        let Some(map) = cx.map(index) else { continue };
        if let Some(r) = range
            && !TextRange::of(map.item_span).overlaps(r)
        {
            continue;
        }
        let item = input.full(cx.db);
        if !matches!(item.kind, ItemKind::Fn(_) | ItemKind::Method(_)) {
            continue;
        }
        let Some(body) = infer_body(cx.db, ItemKey::new(cx.db, id.clone())).clone() else {
            continue;
        };
        let mut names = Vec::new();
        visit_item(item, &mut |v| {
            if let Visit::Stmt(s) = v {
                match &s.kind {
                    StmtKind::Let { name, ty: None, .. } => names.push(name.id),
                    StmtKind::LetPat { pat, ty: None, .. } => bindings(pat, &mut names),
                    _ => {}
                }
            }
        });
        for node in names {
            let Some(Resolution::Local(local)) = body.resolution(node) else {
                continue;
            };
            let Some(local) = body.local(*local) else {
                continue;
            };
            if local.ty.references_error() {
                continue;
            }
            let span = cx.span(index, node);
            if range.is_some_and(|r| !(r.start <= span.end && span.end <= r.end)) {
                continue;
            }
            out.push(InlayHint {
                offset: span.end,
                label: format!(": {}", local.ty),
            });
        }
    }
    out.sort_by_key(|h| h.offset);
    out
}

fn bindings(pat: &crate::ast::Pat, out: &mut Vec<crate::ast::NodeId>) {
    match &pat.kind {
        PatKind::Bind { name, .. } => out.push(name.id),
        PatKind::Tuple(ps) | PatKind::Variant { fields: ps, .. } | PatKind::Or(ps) => {
            ps.iter().for_each(|p| bindings(p, out))
        }
        PatKind::Struct { fields, .. } => fields.iter().for_each(|f| bindings(&f.pat, out)),
        _ => {}
    }
}
