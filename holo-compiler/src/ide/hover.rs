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

/// Keywords that are not an expression of their own: hovering them says nothing (rather than
/// the type of the block around them).
const DECLARING_KEYWORDS: &[&str] = &[
    "as", "const", "else", "enum", "fn", "for", "impl", "in", "let", "mut", "pub", "struct", "use",
    "while",
];

/// Whether `offset` is on whitespace, in a line comment or on a declaring keyword.
fn nothing_to_show(text: &str, offset: u32) -> bool {
    let at = offset as usize;
    let bytes = text.as_bytes();
    if bytes.get(at).is_none_or(|b| b.is_ascii_whitespace()) {
        return true;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..at];
    if line.contains("//") && line.matches('"').count().is_multiple_of(2) {
        return true;
    }
    let is_word = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    let mut start = at;
    while start > 0 && is_word(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = at;
    while end < bytes.len() && is_word(bytes[end]) {
        end += 1;
    }
    DECLARING_KEYWORDS.contains(&&text[start..end])
}

/// The type of the innermost typed expression or pattern under `offset`.
fn expression_type(cx: &FileCx<'_>, offset: u32) -> Option<Hover> {
    if nothing_to_show(&cx.text, offset) {
        return None;
    }
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
    // `self` and other expressions that name a variable show the variable.
    if let Some((node, _)) = map
        .spans
        .iter()
        .enumerate()
        .find(|(_, span)| TextRange::of(**span) == range)
        && let Some(Resolution::Local(local)) = body.resolution(crate::ast::NodeId(node as u32))
        && let Some(markdown) = describe(
            cx.db,
            &Target::Local {
                item: id.clone(),
                local: *local,
            },
        )
    {
        return Some(Hover { range, markdown });
    }
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
            // A type the checker could not find (an error is reported) is not shown.
            let ty = if local.ty.references_error() {
                String::new()
            } else {
                format!(": {}", local.ty)
            };
            let text = match local.kind {
                LocalKind::Param | LocalKind::SelfParam => format!("{}{ty}", local.name),
                _ if local.mutable => format!("let mut {}{ty}", local.name),
                _ => format!("let {}{ty}", local.name),
            };
            (text, None)
        }
        Target::Module(m) => (format!("mod {}", m.0), None),
        Target::Builtin(id) => (builtin_label(builtins::builtin(*id)).0, None),
        Target::BuiltinMethod(id, receiver) => (
            builtin_label_on(builtins::builtin(*id), Some(receiver)).0,
            None,
        ),
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
    builtin_label_on(b, None)
}

/// A built-in's signature with its generic types replaced by those of `receiver` (the value a
/// method is called on: `[i64]` makes `T` `i64`; a `Map<str, i64>` makes `T` `str` and `V`
/// `i64`); a type not known from the receiver stays `T` or `V`.
pub fn builtin_label_on(b: &Builtin, receiver: Option<&Ty>) -> (String, Vec<TextRange>) {
    let (elem, val) = match receiver {
        Some(Ty::Array(e)) => (Some((**e).clone()), None),
        Some(Ty::App(_, args)) => (args.first().cloned(), args.get(1).cloned()),
        _ => (None, None),
    };
    let shape = |s: Shape| shape_on(s, elem.as_ref(), val.as_ref());
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

/// A shape as a type, when the generic types it mentions are known.
fn shape_on(s: Shape, elem: Option<&Ty>, val: Option<&Ty>) -> String {
    let uses_elem = matches!(
        s,
        Shape::Elem
            | Shape::ArrayOfElem
            | Shape::OptionOfElem
            | Shape::ResultOfElemVal
            | Shape::MapOfElemVal
            | Shape::FnElemToVal
            | Shape::FnElemToBool
            | Shape::FnCompare
            | Shape::ArrayOfPairs
    );
    let uses_val = matches!(
        s,
        Shape::Val
            | Shape::ArrayOfVal
            | Shape::OptionOfVal
            | Shape::ResultOfElemVal
            | Shape::MapOfElemVal
            | Shape::FnElemToVal
            | Shape::ArrayOfPairs
    );
    match (elem, val) {
        (Some(e), _) if uses_elem && !uses_val => {
            builtins::instantiate(s, e, &Ty::Error).to_string()
        }
        (Some(e), Some(v)) if uses_elem => builtins::instantiate(s, e, v).to_string(),
        (_, Some(v)) if uses_val && !uses_elem => {
            builtins::instantiate(s, &Ty::Error, v).to_string()
        }
        _ => shape(s),
    }
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
