//! Runtime type descriptors: what the runtime needs to know about a value's type to free, copy,
//! compare and print it. Heap objects point at their descriptor (structs and enums) or at their
//! elements' descriptor (arrays).

use holo_compiler::ir::{self, Program, Ty};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    I64,
    F64,
    Bool,
    Unit,
    Fn,
    Str,
    Array,
    Struct,
    Enum,
    Map,
}

impl Kind {
    /// Whether values of this kind are reference-counted heap objects.
    pub fn is_heap(self) -> bool {
        matches!(
            self,
            Kind::Str | Kind::Array | Kind::Struct | Kind::Enum | Kind::Map | Kind::Fn
        )
    }
}

/// The descriptor of one type. Descriptors live as long as the [`Descs`] that made them and
/// never move, so heap objects and generated code can hold their addresses.
#[derive(Debug)]
pub struct TypeDesc {
    pub kind: Kind,
    /// The type as written (`[Point]`, `Token`).
    pub name: String,
    /// Arrays: the elements' descriptor.
    pub elem: *const TypeDesc,
    /// Structs: the fields' names and descriptors.
    pub fields: Vec<(String, *const TypeDesc)>,
    /// Enums: the variants' names and payload descriptors.
    pub variants: Vec<(String, Vec<*const TypeDesc>)>,
    /// A tuple (a struct whose fields are numbered): printed as `(a, b)`.
    pub tuple: bool,
    /// An enum of the prelude (`Option`, `Result`, `Ordering`): its variants print without the
    /// type's name (`Some(1)`, `Less`).
    pub prelude: bool,
}

impl TypeDesc {
    /// The descriptor behind a pointer held by a heap object or generated code.
    ///
    /// # Safety
    /// `ptr` must come from a live [`Descs`].
    pub unsafe fn get<'a>(ptr: *const TypeDesc) -> &'a TypeDesc {
        // SAFETY: the caller guarantees the pointer is a live descriptor; descriptors are
        // never mutated after construction.
        unsafe { &*ptr }
    }
}

/// Every descriptor a program needs, by IR type.
#[derive(Default)]
pub struct Descs {
    by_ty: HashMap<Ty, *const TypeDesc>,
    /// Boxed so that each descriptor keeps its address while the vector grows.
    #[allow(clippy::vec_box)]
    storage: Vec<Box<TypeDesc>>,
}

// SAFETY: the descriptors are immutable once built, and the raw pointers only point into
// `storage`, which the `Descs` owns.
unsafe impl Send for Descs {}
// SAFETY: as above; nothing is mutated through a shared reference.
unsafe impl Sync for Descs {}

impl Descs {
    /// The descriptors of every type the program mentions.
    pub fn build(program: &Program) -> Descs {
        let mut descs = Descs::default();
        for s in &program.structs {
            descs.intern(program, &Ty::Struct(s.key.clone()));
        }
        for e in &program.enums {
            descs.intern(program, &Ty::Enum(e.key.clone()));
        }
        for i in 0..program.functions.len() {
            descs.add_function(program, i);
        }
        descs
    }

    /// Adds the descriptors function `index` of `program` needs (a patch brings new code that
    /// may mention types no earlier function did).
    pub fn add_function(&mut self, program: &Program, index: usize) {
        let f = &program.functions[index];
        for local in &f.body.locals {
            self.intern(program, &local.ty);
        }
        for block in &f.body.blocks {
            for inst in &block.insts {
                self.intern_inst(program, inst);
            }
        }
    }

    fn intern_inst(&mut self, program: &Program, inst: &ir::Inst) {
        let mut operands: Vec<&ir::Operand> = Vec::new();
        let mut elem_types: Vec<&Ty> = Vec::new();
        match inst {
            ir::Inst::Assign { value, .. } => match value {
                ir::Rvalue::Use(op) => operands.push(op),
                ir::Rvalue::Array { elem, items } => {
                    self.intern(program, &Ty::Array(Box::new(elem.clone())));
                    operands.extend(items);
                }
                ir::Rvalue::Binary { ty, lhs, rhs, .. } => {
                    self.intern(program, ty);
                    operands.push(lhs);
                    operands.push(rhs);
                }
                ir::Rvalue::Call { callee, args } => {
                    if let ir::Callee::Builtin { elem: Some(t), .. } = callee {
                        elem_types.push(t);
                    }
                    operands.extend(args);
                }
                ir::Rvalue::Struct { fields, .. }
                | ir::Rvalue::Variant { fields, .. }
                | ir::Rvalue::Tuple(fields)
                | ir::Rvalue::PreludeVariant { fields, .. } => {
                    operands.extend(fields);
                }
                ir::Rvalue::Closure { env, captures, .. } => {
                    self.intern(program, env);
                    operands.extend(captures);
                }
                _ => {}
            },
            ir::Inst::Store { value, .. } => operands.push(value),
            ir::Inst::CallMut { callee, args, .. } => {
                if let ir::Callee::Builtin { elem: Some(t), .. } = callee {
                    elem_types.push(t);
                }
                operands.extend(args);
            }
            _ => {}
        }
        for t in elem_types {
            self.intern(program, t);
            self.intern(program, &Ty::Array(Box::new(t.clone())));
        }
        for op in operands {
            if let ir::Operand::Const(c) = op {
                self.intern_const(program, c);
            }
        }
    }

    fn intern_const(&mut self, program: &Program, c: &ir::Const) {
        if let ir::Const::Array { elem, items } = c {
            self.intern(program, &Ty::Array(Box::new(elem.clone())));
            for item in items {
                self.intern_const(program, item);
            }
        }
    }

    /// The descriptor of a type, made if needed.
    pub fn intern(&mut self, program: &Program, ty: &Ty) -> *const TypeDesc {
        if let Some(&d) = self.by_ty.get(ty) {
            return d;
        }
        let kind = match ty {
            Ty::I64 => Kind::I64,
            Ty::F64 => Kind::F64,
            Ty::Bool => Kind::Bool,
            Ty::Unit => Kind::Unit,
            Ty::Fn(_) => Kind::Fn,
            Ty::Str => Kind::Str,
            Ty::Array(_) => Kind::Array,
            Ty::Struct(_) | Ty::Tuple(_) => Kind::Struct,
            Ty::Enum(_) | Ty::Option(_) | Ty::Result(..) | Ty::Ordering => Kind::Enum,
            Ty::Map(..) => Kind::Map,
        };
        let name = match ty {
            Ty::Struct(key) => program
                .struct_layout(key)
                .map_or_else(|| ty.to_string(), |s| s.name.clone()),
            Ty::Enum(key) => program
                .enum_layout(key)
                .map_or_else(|| ty.to_string(), |e| e.name.clone()),
            _ => ty.to_string(),
        };
        let boxed = Box::new(TypeDesc {
            kind,
            name,
            elem: std::ptr::null(),
            fields: Vec::new(),
            variants: Vec::new(),
            tuple: matches!(ty, Ty::Tuple(_)),
            prelude: matches!(ty, Ty::Option(_) | Ty::Result(..) | Ty::Ordering),
        });
        let ptr: *const TypeDesc = &*boxed;
        let index = self.storage.len();
        self.storage.push(boxed);
        self.by_ty.insert(ty.clone(), ptr);
        // Components are interned after the type itself is registered, so recursive types
        // (a struct holding an array of itself) terminate.
        let elem = match ty {
            Ty::Array(elem) => self.intern(program, elem),
            _ => std::ptr::null(),
        };
        let fields: Vec<(String, *const TypeDesc)> = match ty {
            Ty::Map(k, v) => vec![
                ("key".to_string(), self.intern(program, k)),
                ("value".to_string(), self.intern(program, v)),
            ],
            _ => program
                .fields_of(ty)
                .unwrap_or_default()
                .iter()
                .map(|(n, t)| (n.clone(), self.intern(program, t)))
                .collect(),
        };
        let variants: Vec<(String, Vec<*const TypeDesc>)> = program
            .variants_of(ty)
            .unwrap_or_default()
            .iter()
            .map(|(name, payload)| {
                (
                    name.clone(),
                    payload.iter().map(|t| self.intern(program, t)).collect(),
                )
            })
            .collect();
        let slot = &mut self.storage[index];
        slot.elem = elem;
        slot.fields = fields;
        slot.variants = variants;
        ptr
    }

    /// The descriptor of a type the program mentions.
    pub fn get(&self, ty: &Ty) -> Option<*const TypeDesc> {
        self.by_ty.get(ty).copied()
    }
}
