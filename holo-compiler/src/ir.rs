//! holo's own intermediate representation: what the compiler hands to the runner.
//!
//! A [`Program`] is plain, serializable data (no cranelift types, no salsa handles), so that it
//! can be sent to a worker process and cached on disk. Every name is resolved: calls name their
//! callee through the body's [`Body::callees`] table (linked to global indices by
//! [`Function::links`]), fields are indices, variants are tags, and every local and operation is
//! typed. Control flow is a graph of basic blocks over typed locals, which code generation maps
//! onto SSA variables.
//!
//! # Ownership
//!
//! Strings, arrays, structs and enums are reference-counted heap values with value semantics
//! (copy on write). The IR makes ownership explicit so that code generation inserts reference
//! counting without analysis of its own:
//!
//! - An *owned* local ([`LocalDecl::owned`]) holds one reference of its own. It starts out empty;
//!   assigning to it releases the value it held; every owned local still holding a value is
//!   released when the function returns normally.
//! - A *borrowed* local (`owned: false`) aliases a value owned elsewhere (a parameter not
//!   declared `mut`, or a temporary read of a place used only in a borrowing position); it is
//!   never retained or released.
//! - In an *owning* position (the value of [`Rvalue::Use`], a stored value, an aggregate's
//!   fields, a returned value, an element handed to `push`), [`Operand::Copy`] adds a reference
//!   and [`Operand::Move`] takes the local's reference and leaves the local empty. In a
//!   *borrowing* position (call arguments, operator operands, receivers) both just read.
//! - Calls borrow their arguments and return an owned result.
//! - A `mut self` method and a mutating built-in receive their receiver as an owned value in a
//!   slot and leave the (possibly new) value there; see [`Inst::CallMut`].
//!
//! After a runtime error nothing is released: the run is over.

use serde::{Deserialize, Serialize};

/// The index of a function in [`Program::functions`] (and of its dispatch-table slot).
pub type FuncIndex = u32;
/// The index of a local in [`Body::locals`].
pub type LocalId = u32;
/// The index of a block in [`Body::blocks`]; block 0 is the entry.
pub type BlockId = u32;
/// The index of a source position in [`Body::sites`].
pub type SiteId = u32;

/// A whole package, ready for code generation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Every function, method and associated function of the package, sorted by [`Function::key`].
    pub functions: Vec<Function>,
    pub structs: Vec<StructLayout>,
    pub enums: Vec<EnumLayout>,
    /// Every `#[test]` function, by module path then source order.
    pub tests: Vec<TestEntry>,
    /// `fn main` of a program package.
    pub main: Option<FuncIndex>,
}

impl Program {
    /// The function with the given key.
    pub fn function_by_key(&self, key: &str) -> Option<FuncIndex> {
        self.functions
            .binary_search_by(|f| f.key.as_str().cmp(key))
            .ok()
            .map(|i| i as FuncIndex)
    }

    pub fn struct_layout(&self, key: &str) -> Option<&StructLayout> {
        self.structs.iter().find(|s| s.key == key)
    }

    pub fn enum_layout(&self, key: &str) -> Option<&EnumLayout> {
        self.enums.iter().find(|e| e.key == key)
    }

    /// The type of field `i` of a struct or tuple type (without copying its layout).
    pub fn field_ty(&self, ty: &Ty, i: usize) -> Option<Ty> {
        match ty {
            Ty::Struct(key) => self
                .struct_layout(key)?
                .fields
                .get(i)
                .map(|(_, t)| t.clone()),
            Ty::Tuple(elems) => elems.get(i).cloned(),
            _ => None,
        }
    }

    /// The type of payload value `field` of variant `variant` of an enum type.
    pub fn payload_ty(&self, ty: &Ty, variant: usize, field: usize) -> Option<Ty> {
        match ty {
            Ty::Enum(key) => self
                .enum_layout(key)?
                .variants
                .get(variant)?
                .fields
                .get(field)
                .cloned(),
            Ty::Option(t) => (variant == 1 && field == 0).then(|| (**t).clone()),
            Ty::Result(t, e) => match (variant, field) {
                (0, 0) => Some((**t).clone()),
                (1, 0) => Some((**e).clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The fields (name, type) of a struct or tuple type.
    pub fn fields_of(&self, ty: &Ty) -> Option<Vec<(String, Ty)>> {
        match ty {
            Ty::Struct(key) => self.struct_layout(key).map(|s| s.fields.clone()),
            Ty::Tuple(elems) => Some(
                elems
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (i.to_string(), t.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The variants (name, payload types) of an enum type, user-defined or of the prelude.
    pub fn variants_of(&self, ty: &Ty) -> Option<Vec<(String, Vec<Ty>)>> {
        match ty {
            Ty::Enum(key) => self.enum_layout(key).map(|e| {
                e.variants
                    .iter()
                    .map(|v| (v.name.clone(), v.fields.clone()))
                    .collect()
            }),
            _ => ty.prelude_variants(),
        }
    }

    /// The global index of the `callee`-th entry of `func`'s callee table.
    pub fn link(&self, func: FuncIndex, callee: u32) -> Option<FuncIndex> {
        self.functions
            .get(func as usize)?
            .links
            .get(callee as usize)
            .copied()
    }
}

/// A `#[test]` function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestEntry {
    /// The module path users see: `geometry::area_of_unit_square` (root-module tests have no
    /// prefix).
    pub name: String,
    pub func: FuncIndex,
    /// The file, relative to the package root: `src/geometry.holo`.
    pub file: String,
    /// The line of the function's name.
    pub line: u32,
}

/// One function, method or associated function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// A stable, unique key built from the item's identity (see [`item_key`]).
    pub key: String,
    /// The name shown in stack traces: `main`, `Counter::new`, `geometry::area`.
    pub name: String,
    /// The file that declares it, relative to the package root.
    pub file: String,
    /// The line of the function's name.
    pub line: u32,
    pub body: Body,
    /// `links[i]` is the global index of `body.callees[i]`.
    pub links: Vec<FuncIndex>,
}

/// How a method receives `self`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SelfMode {
    /// A free or associated function: no receiver.
    None,
    /// `self`: an ordinary (borrowed) first parameter.
    Value,
    /// `mut self`: the first parameter is the address of a slot holding the receiver, owned by
    /// the callee while it runs; the callee leaves the receiver's new value in the slot when it
    /// returns normally.
    Mut,
    /// A closure (or the wrapper that lets a function be used as a value): the first
    /// parameter is the closure object (borrowed; see [`Rvalue::Closure`]), and every
    /// parameter and the result are passed as 8-byte words, so that any `fn` value of a given
    /// arity can be called the same way — by generated code and by the runtime (`sort_by`).
    Env,
}

/// The code of one function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// `locals[..params]` are the parameters, in order (`self` first in methods).
    pub params: u32,
    pub self_mode: SelfMode,
    pub ret: Ty,
    pub locals: Vec<LocalDecl>,
    /// `blocks[0]` is the entry block.
    pub blocks: Vec<Block>,
    /// Source positions of everything that can fail and of every call.
    pub sites: Vec<Site>,
    /// The functions this body calls or uses as values, by [`Function::key`].
    pub callees: Vec<String>,
}

/// A local variable or temporary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDecl {
    pub ty: Ty,
    /// Whether the local holds a reference of its own (see the module documentation). Only
    /// meaningful for [heap types](Ty::is_heap).
    pub owned: bool,
    /// The variable's name in the source; `None` for temporaries.
    pub name: Option<String>,
}

/// A 1-based source position in the function's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Site {
    pub line: u32,
    pub col: u32,
}

/// A basic block: straight-line instructions, then a terminator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub insts: Vec<Inst>,
    pub term: Terminator,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Inst {
    /// `dst = value`. If `dst` is owned, the value it held is released (after `value` has been
    /// computed). `site` locates failures of `value`.
    Assign {
        dst: LocalId,
        value: Rvalue,
        site: SiteId,
    },
    /// `place = value` (an owning position). Every heap value on the path to the place is made
    /// unique first (copy on write); the old value at the place is released.
    Store {
        place: Place,
        value: Operand,
        site: SiteId,
    },
    /// Releases an owned local and leaves it empty.
    Drop(LocalId),
    /// A call that changes its receiver: a `mut self` method or a mutating built-in. The path
    /// to `receiver` is made unique, the receiver's value is moved into a slot, the callee gets
    /// the slot's address and leaves the receiver's new value there, and that value is stored
    /// back into the place.
    CallMut {
        dst: Option<LocalId>,
        callee: Callee,
        receiver: Place,
        args: Vec<Operand>,
        site: SiteId,
    },
    /// Fails at run time (for example a constant whose value overflows).
    Trap { error: TrapKind, site: SiteId },
    /// Gives up the owned local `src`'s reference *without freeing* the value (its count may
    /// reach 0), copies the value into the borrowed local `dst`, and leaves `src` empty. Only
    /// emitted right before a direct call that passes `dst` to a `mut` parameter, which takes a
    /// reference of its own on entry: in `xs = sort(xs)`, the callee then holds the array alone
    /// and changes it in place instead of copying it.
    Disown { dst: LocalId, src: LocalId },
}

/// A runtime error known when lowering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrapKind {
    Overflow {
        op: String,
        lhs: i64,
        rhs: Option<i64>,
    },
    DivisionByZero,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Terminator {
    Goto(BlockId),
    /// `cond` is a `bool`.
    Branch {
        cond: Operand,
        then_block: BlockId,
        else_block: BlockId,
    },
    /// Jumps to `targets[value]` for an `i64` value in range, else to `default`.
    Switch {
        value: Operand,
        targets: Vec<BlockId>,
        default: BlockId,
    },
    /// Returns the value (an owning position; `Operand::Const(Const::Unit)` for `()`).
    Return(Operand),
    /// Cannot be reached (the code before it always fails, for example `panic`).
    Unreachable,
}

/// A value read by an instruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operand {
    Copy(LocalId),
    Move(LocalId),
    Const(Const),
}

/// A constant. Strings and arrays become immortal heap objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Const {
    I64(i64),
    /// The bits of an `f64`.
    F64(u64),
    Bool(bool),
    Unit,
    Str(String),
    Array {
        elem: Ty,
        items: Vec<Const>,
    },
}

/// A memory location: a local, then fields, elements and enum payloads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub local: LocalId,
    pub proj: Vec<Proj>,
}

impl Place {
    pub fn local(local: LocalId) -> Place {
        Place {
            local,
            proj: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Proj {
    /// A field of a struct.
    Field(u32),
    /// An element of an array (bounds-checked; the operand is an `i64`).
    Index(Operand),
    /// A payload value of an enum known to be `variant` (read only).
    Payload { variant: u32, field: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rvalue {
    Use(Operand),
    /// The value at a place (an owned destination gets a new reference; a borrowed one aliases).
    Read(Place),
    Unary {
        op: UnOp,
        ty: Ty,
        operand: Operand,
    },
    /// `ty` is the operands' type (both sides have it).
    Binary {
        op: BinOp,
        ty: Ty,
        lhs: Operand,
        rhs: Operand,
    },
    Call {
        callee: Callee,
        args: Vec<Operand>,
    },
    /// A new struct value; the fields are owning positions.
    Struct {
        key: String,
        fields: Vec<Operand>,
    },
    /// A new enum value; the payload is in owning positions.
    Variant {
        key: String,
        variant: u32,
        fields: Vec<Operand>,
    },
    /// A new array; the elements are owning positions.
    Array {
        elem: Ty,
        items: Vec<Operand>,
    },
    /// The variant index of an enum value, as an `i64`.
    Tag(Operand),
    /// A new closure object: a value of a `fn` type. `env` is its layout, a tuple of the
    /// function's number (an `i64` made from `body.callees[func]` when linked) and the
    /// captured values (owning positions), in that order; the function (whose self mode is
    /// [`SelfMode::Env`]) reads the captures from it.
    Closure {
        func: u32,
        env: Ty,
        captures: Vec<Operand>,
    },
    /// A new tuple of the destination's type; the elements are owning positions.
    Tuple(Vec<Operand>),
    /// A new value of a prelude enum (`Option`, `Result`, `Ordering`) of the destination's
    /// type; the payload is in owning positions.
    PreludeVariant {
        variant: u32,
        fields: Vec<Operand>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callee {
    /// `body.callees[i]`, called through its dispatch-table slot.
    Func(u32),
    /// A value of a `fn` type (a closure object; see [`SelfMode::Env`] for how it is called).
    Indirect(Operand),
    /// A built-in: `id` is [`crate::sema::builtins::BuiltinId`] as a number (its index in
    /// `BUILTINS`); `elem` the generic element type for generic built-ins (the printed type of
    /// `println`, the compared type of `assert_eq`, the element type of array methods).
    Builtin { id: u16, elem: Option<Ty> },
}

impl Callee {
    pub fn builtin(id: crate::sema::builtins::BuiltinId, elem: Option<Ty>) -> Callee {
        Callee::Builtin {
            id: id as u16,
            elem,
        }
    }

    /// The built-in table entry of a built-in callee.
    pub fn builtin_entry(&self) -> Option<&'static crate::sema::builtins::Builtin> {
        match self {
            Callee::Builtin { id, .. } => crate::sema::builtins::BUILTINS.get(*id as usize),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnOp {
    /// `-x` on `i64` (checked) or `f64`.
    Neg,
    /// `!b`
    Not,
}

/// Binary operators; `&&` and `||` are lowered to control flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinOp {
    /// `i64` (checked), `f64`, or `str` (joining).
    Add,
    Sub,
    Mul,
    /// `i64`: truncating, checked for zero and overflow.
    Div,
    /// `i64`: sign of the dividend, checked for zero.
    Rem,
    /// Structural equality on every type but `fn`.
    Eq,
    Ne,
    /// Ordering on `i64`, `f64` and `str`.
    Lt,
    Le,
    Gt,
    Ge,
    /// Bitwise on `i64`, logical (without short-circuit) on `bool`.
    BitAnd,
    BitOr,
    BitXor,
    /// `i64` shifts (arithmetic to the right); the amount is taken modulo 64.
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
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

/// The type of a local or value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ty {
    I64,
    F64,
    Bool,
    Unit,
    Str,
    Array(Box<Ty>),
    /// A struct, by [`StructLayout::key`].
    Struct(String),
    /// An enum, by [`EnumLayout::key`].
    Enum(String),
    Fn(Box<FnTy>),
    /// `(A, B)`: laid out as a struct whose fields are named `0`, `1`, …
    Tuple(Vec<Ty>),
    /// `Option<T>`: an enum with the variants `None`, `Some(T)`.
    Option(Box<Ty>),
    /// `Result<T, E>`: an enum with the variants `Ok(T)`, `Err(E)`.
    Result(Box<Ty>, Box<Ty>),
    /// `Ordering`: an enum with the variants `Less`, `Equal`, `Greater`.
    Ordering,
    /// `Map<K, V>`: a runtime hash map in insertion order.
    Map(Box<Ty>, Box<Ty>),
}

impl Ty {
    /// Whether values of the type are reference-counted heap objects.
    pub fn is_heap(&self) -> bool {
        matches!(
            self,
            Ty::Str
                | Ty::Array(_)
                | Ty::Struct(_)
                | Ty::Enum(_)
                | Ty::Tuple(_)
                | Ty::Option(_)
                | Ty::Result(..)
                | Ty::Ordering
                | Ty::Map(..)
                | Ty::Fn(_)
        )
    }

    /// Whether values are laid out as enums (a tag and a payload).
    pub fn is_enum_like(&self) -> bool {
        matches!(
            self,
            Ty::Enum(_) | Ty::Option(_) | Ty::Result(..) | Ty::Ordering
        )
    }

    /// The variants of a prelude enum type, in tag order.
    pub fn prelude_variants(&self) -> Option<Vec<(String, Vec<Ty>)>> {
        Some(match self {
            Ty::Option(t) => vec![
                ("None".to_string(), Vec::new()),
                ("Some".to_string(), vec![(**t).clone()]),
            ],
            Ty::Result(t, e) => vec![
                ("Ok".to_string(), vec![(**t).clone()]),
                ("Err".to_string(), vec![(**e).clone()]),
            ],
            Ty::Ordering => vec![
                ("Less".to_string(), Vec::new()),
                ("Equal".to_string(), Vec::new()),
                ("Greater".to_string(), Vec::new()),
            ],
            _ => return None,
        })
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::I64 => f.write_str("i64"),
            Ty::F64 => f.write_str("f64"),
            Ty::Bool => f.write_str("bool"),
            Ty::Unit => f.write_str("()"),
            Ty::Str => f.write_str("str"),
            Ty::Array(elem) => write!(f, "[{elem}]"),
            Ty::Struct(key) | Ty::Enum(key) => f.write_str(display_of_key(key)),
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
            Ty::Option(t) => write!(f, "Option<{t}>"),
            Ty::Result(t, e) => write!(f, "Result<{t}, {e}>"),
            Ty::Ordering => f.write_str("Ordering"),
            Ty::Map(k, v) => write!(f, "Map<{k}, {v}>"),
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
        }
    }
}

/// The name part of an item key (`Point` for `geometry::Point`).
fn display_of_key(key: &str) -> &str {
    let name = key.rsplit("::").next().unwrap_or(key);
    name.split('#').next().unwrap_or(name)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FnTy {
    pub params: Vec<Ty>,
    pub ret: Ty,
}

/// The fields of a struct, in declaration order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructLayout {
    pub key: String,
    /// The name users see (`Point`).
    pub name: String,
    pub fields: Vec<(String, Ty)>,
}

/// The variants of an enum, in declaration order (the tag is the index).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumLayout {
    pub key: String,
    pub name: String,
    pub variants: Vec<VariantLayout>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantLayout {
    pub name: String,
    pub fields: Vec<Ty>,
}

/// The stable key of an item: `crate::main`, `geometry::Point`, `crate::Counter.new`, with
/// `#N` for the N-th duplicate (which only exists in programs with errors).
pub fn item_key(id: &crate::ids::ItemId) -> String {
    let mut key = format!("{}::{}", id.module, id.name);
    if let Some(member) = &id.member {
        key.push('.');
        key.push_str(member);
    }
    if id.disambiguator > 0 {
        key.push_str(&format!("#{}", id.disambiguator));
    }
    key
}
