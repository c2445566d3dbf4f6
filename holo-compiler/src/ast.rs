//! The syntax tree of one holo source file: position-free nodes plus a side table of spans.
//!
//! Every node carries a [`NodeId`] that is local to its [`Item`] (numbered in the order the parser
//! creates nodes, starting at 0 for each item). Spans are *not* stored in the nodes: they live in
//! the item's [`ItemSourceMap`], indexed by `NodeId`. This split is what gives holo its early
//! cutoff: a whitespace or comment edit changes the source map but leaves every `Item` equal, so
//! salsa stops right after parsing; an edit inside one function body changes that item only.
//! The checker therefore never sees a byte offset: it reports diagnostics against `NodeId`s and the
//! diagnostics query maps them back to spans through the current source map.
//!
//! `impl` blocks are flattened by the parser: each method becomes its own [`Item`] of kind
//! [`ItemKind::Method`], with its own `NodeId` space, so editing one method never disturbs another.

use crate::span::Span;
use smol_str::SmolStr;

/// A name as written in the source (identifiers, field names, …). Cheap to clone.
pub type Name = SmolStr;

/// The identity of a syntax node within its item; index into [`ItemSourceMap::spans`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct NodeId(pub u32);

/// An identifier with its node (so that it can be pointed at by diagnostics).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub id: NodeId,
    pub name: Name,
}

/// The result of parsing one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedFile {
    /// Top-level items in source order, with `impl` methods flattened into [`ItemKind::Method`].
    pub items: Vec<Item>,
    /// `source_maps[i]` belongs to `items[i]`.
    pub source_maps: Vec<ItemSourceMap>,
    /// Lexical and syntax errors, in source order. The items above are still as complete as
    /// error recovery could make them.
    pub errors: Vec<crate::diagnostic::Diagnostic>,
    /// Error recovery read the layout of lines (indentation, line breaks) to decide where a
    /// broken construct ends. Only a file with syntax errors is read this way; in every other
    /// file the same tokens give the same items whatever the whitespace and comments.
    pub read_layout: bool,
}

/// Where the nodes of one item are in the source text.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ItemSourceMap {
    /// Byte span of every node of the item, indexed by `NodeId.0`.
    pub spans: Vec<Span>,
    /// The whole item, including attributes, `pub` and (for methods) not the enclosing `impl`.
    pub item_span: Span,
}

impl ItemSourceMap {
    pub fn span(&self, id: NodeId) -> Span {
        self.spans
            .get(id.0 as usize)
            .copied()
            .unwrap_or(self.item_span)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    Private,
    Public,
}

/// `#[name]` — only `#[test]` has a meaning today; others are reported by the checker.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attr {
    pub id: NodeId,
    pub name: Ident,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    /// The node of the whole item (always `NodeId(0)`).
    pub id: NodeId,
    pub attrs: Vec<Attr>,
    pub vis: Visibility,
    pub kind: ItemKind,
}

impl Item {
    /// The declared name, if the item has one (`use` declarations do not).
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            ItemKind::Fn(f) => Some(&f.name),
            ItemKind::Method(m) => Some(&m.func.name),
            ItemKind::Struct(s) => Some(&s.name),
            ItemKind::Enum(e) => Some(&e.name),
            ItemKind::Const(c) => Some(&c.name),
            ItemKind::Use(_) => None,
        }
    }

    pub fn is_test(&self) -> bool {
        self.attrs.iter().any(|a| a.name.name == "test")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Fn(FnDef),
    /// A function inside `impl Type { … }`.
    Method(MethodDef),
    Struct(StructDef),
    Enum(EnumDef),
    Const(ConstDef),
    Use(UseDecl),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnDef {
    pub name: Ident,
    /// `self` / `mut self` as the first parameter (only meaningful in methods).
    pub self_param: Option<SelfParam>,
    pub params: Vec<Param>,
    /// `None` means `()`.
    pub ret: Option<TypeRef>,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SelfParam {
    pub id: NodeId,
    /// `mut self`: the method may change its receiver and the change is written back to the
    /// caller's place (which must itself be mutable).
    pub mutable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub id: NodeId,
    pub mutable: bool,
    pub name: Ident,
    pub ty: TypeRef,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MethodDef {
    /// The type named in `impl Type`.
    pub self_ty: Ident,
    pub func: FnDef,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StructDef {
    pub name: Ident,
    pub fields: Vec<FieldDef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldDef {
    pub id: NodeId,
    pub vis: Visibility,
    pub name: Ident,
    pub ty: TypeRef,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumDef {
    pub name: Ident,
    pub variants: Vec<VariantDef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VariantDef {
    pub id: NodeId,
    pub name: Ident,
    /// Payload types of `Variant(T, U)`; empty for a unit variant.
    pub fields: Vec<TypeRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConstDef {
    pub name: Ident,
    pub ty: TypeRef,
    pub value: Expr,
}

/// `use a::b::{c, d as e};`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UseDecl {
    pub tree: UseTree,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UseTree {
    pub id: NodeId,
    /// The segments before the final part (`a::b` in `a::b::{c, d}`).
    pub prefix: Vec<Ident>,
    pub kind: UseTreeKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UseTreeKind {
    /// `a::b::c` or `a::b::c as d`: the last segment is the imported name (`prefix` holds the rest).
    Single { name: Ident, alias: Option<Ident> },
    /// `a::b::{…}`
    Group(Vec<UseTree>),
    /// `a::b::*`
    Glob,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeRef {
    pub id: NodeId,
    pub kind: TypeRefKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeRefKind {
    /// `i64`, `str`, `Point`, `geometry::Point`.
    Path(Path),
    /// `[T]`
    Array(Box<TypeRef>),
    /// `()`
    Unit,
    /// `(A, B)` — two or more elements (`(A)` is `A`, `()` is [`TypeRefKind::Unit`]).
    Tuple(Vec<TypeRef>),
    /// `Option<T>`, `Result<T, E>`, `Map<K, V>`: a path with type arguments.
    Generic { path: Path, args: Vec<TypeRef> },
    /// `fn(i64, str) -> bool`
    Fn {
        params: Vec<TypeRef>,
        ret: Option<Box<TypeRef>>,
    },
    /// Produced by error recovery; the parser has already reported it.
    Error,
}

/// `a::b::c` — at least one segment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Path {
    pub id: NodeId,
    pub segments: Vec<Ident>,
}

impl Path {
    /// The path as written: `a::b::c`.
    pub fn display(&self) -> String {
        self.segments
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join("::")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    pub id: NodeId,
    pub stmts: Vec<Stmt>,
    /// The final expression without `;`, which is the block's value.
    pub tail: Option<Box<Expr>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stmt {
    pub id: NodeId,
    pub kind: StmtKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StmtKind {
    /// `let [mut] name [: T] [= init];` (`name` may be `_`).
    Let {
        mutable: bool,
        name: Ident,
        ty: Option<TypeRef>,
        init: Option<Expr>,
    },
    /// `let (a, b) = init;` or `let Point { x, y } = init;`: a destructuring `let`, whose
    /// pattern must be irrefutable. A plain name is always [`StmtKind::Let`].
    LetPat {
        pat: Box<Pat>,
        ty: Option<TypeRef>,
        init: Expr,
    },
    /// An expression statement. `semi` is false for block-like expressions (`if`, `while`, …)
    /// written without `;` in the middle of a block.
    Expr { expr: Expr, semi: bool },
    /// A stray `;`.
    Empty,
}

/// (Patterns inside expressions and statements are boxed: an `Expr` is one of the most
/// numerous values the compiler keeps, and a test below holds its size.)
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub id: NodeId,
    pub kind: ExprKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    Int(i64),
    /// The bits of an `f64`, so that literals can be compared and hashed exactly.
    Float(u64),
    Str(SmolStr),
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    Lit(Literal),
    /// A variable, constant, function, unit enum variant or `Type::function`.
    Path(Path),
    /// `self` inside a method.
    SelfValue,
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `target = value`, or a compound assignment such as `target += value` (`op: Some(Add)`).
    Assign {
        op: Option<BinOp>,
        target: Box<Expr>,
        value: Box<Expr>,
    },
    /// `callee(args)`: functions, `Type::function(…)`, tuple-like enum variants, fn values.
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `receiver.method(args)`
    MethodCall {
        receiver: Box<Expr>,
        method: Ident,
        args: Vec<Expr>,
    },
    Field {
        base: Box<Expr>,
        name: Ident,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `Point { x: 1, y }` — a shorthand field `y` is stored as `y: y` (a path expression).
    StructLit {
        path: Path,
        fields: Vec<FieldInit>,
    },
    /// `[a, b, c]`, `[]`
    Array(Vec<Expr>),
    /// `(a, b)` — two or more elements, or one with a trailing comma: `(a,)`.
    Tuple(Vec<Expr>),
    /// `expr?`: the `Some`/`Ok` value, or an early return of `None`/`Err(e)`.
    Try(Box<Expr>),
    /// `|a, b: i64| body` or `|x| -> T { … }`.
    Closure(Box<Closure>),
    /// `a..b`, only meaningful as the iterable of a `for` loop.
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
    },
    Block(Block),
    /// `if cond { … } else …` — `else_branch` is a `Block` or another `If`.
    If {
        cond: Box<Expr>,
        then_branch: Block,
        else_branch: Option<Box<Expr>>,
    },
    While {
        cond: Box<Expr>,
        body: Block,
    },
    Loop {
        body: Block,
    },
    /// `if let pat = scrutinee { … } else …`
    IfLet {
        pat: Box<Pat>,
        scrutinee: Box<Expr>,
        then_branch: Block,
        else_branch: Option<Box<Expr>>,
    },
    /// `while let pat = scrutinee { … }`
    WhileLet {
        pat: Box<Pat>,
        scrutinee: Box<Expr>,
        body: Block,
    },
    /// `for pat in iterable { … }` (`pat` is irrefutable: a name, `_`, a tuple or struct
    /// pattern).
    For {
        pat: Box<Pat>,
        iterable: Box<Expr>,
        body: Block,
    },
    Break,
    Continue,
    Return(Option<Box<Expr>>),
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `(e)` is represented by `e` itself; this variant is produced by error recovery only.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Closure {
    pub params: Vec<ClosureParam>,
    /// `-> T` (then the body is a block).
    pub ret: Option<TypeRef>,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClosureParam {
    pub id: NodeId,
    pub name: Ident,
    pub ty: Option<TypeRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldInit {
    pub id: NodeId,
    pub name: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MatchArm {
    pub id: NodeId,
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pat {
    pub id: NodeId,
    pub kind: PatKind,
}

/// `name: pat` in a struct pattern (`name` alone is stored as `name: name`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldPat {
    pub id: NodeId,
    pub name: Ident,
    pub pat: Pat,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PatKind {
    /// `_`
    Wild,
    /// `name` or `mut name` — a single identifier always binds.
    Bind { mutable: bool, name: Ident },
    /// `1`, `-1`, `"x"`, `true`, `2.5`
    Lit(Literal),
    /// `Token::Plus` (a path of two or more segments naming a unit variant or a constant).
    Path(Path),
    /// `Token::Num(n)`
    Variant { path: Path, fields: Vec<Pat> },
    /// `a | b`
    Or(Vec<Pat>),
    /// `(a, b)`
    Tuple(Vec<Pat>),
    /// `Point { x, y: 0, .. }` — `rest` is the `..` that allows unnamed fields.
    Struct {
        path: Path,
        fields: Vec<FieldPat>,
        rest: bool,
    },
    /// Produced by error recovery only.
    Error,
}

#[cfg(test)]
mod tests {
    /// Every syntax node of every item is kept (twice: interface and full tree), so their size
    /// is memory and copying on the check path.
    #[test]
    fn syntax_nodes_stay_small() {
        assert!(std::mem::size_of::<super::Expr>() <= 80);
        assert!(std::mem::size_of::<super::Stmt>() <= 240);
    }
}
