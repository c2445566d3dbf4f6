//! Lowering of checked programs to holo's IR ([`crate::ir`]).
//!
//! Each function is lowered on its own by the salsa query [`lower_function`], which reads only
//! that item's syntax tree and inference result, the layouts and constants it names, and its
//! file's positions; so a later stage can cache lowered functions per item. [`lower_program`]
//! assembles the package: it lowers every function, numbers them (sorted by key, so numbering is
//! deterministic), links each body's callee table to those numbers, and adds the struct and enum
//! layouts, the tests and `main`.
//!
//! Lowering assumes an error-free package: [`crate::Compiler::lower`] checks that first.

mod body;
mod consts;

pub use consts::const_value;

use crate::ast::ItemKind;
use crate::db::{self, ItemKey, Package, PackageKind, SourceFile};
use crate::ids::{ItemId, ModulePath};
use crate::ir::{self, FuncIndex, Program, item_key};
use crate::sema;
use std::sync::Arc;

/// Why a package could not be lowered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LowerError {
    /// The package has errors; `holo check` shows them.
    HasErrors { errors: usize },
    /// Something the lowering did not expect in a checked program (a compiler bug).
    Internal(String),
}

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LowerError::HasErrors { errors } => write!(
                f,
                "the package has {errors} error{} and cannot be compiled; run `holo check` to see {}",
                if *errors == 1 { "" } else { "s" },
                if *errors == 1 { "it" } else { "them" }
            ),
            LowerError::Internal(message) => write!(
                f,
                "internal compiler error while lowering: {message}; please report this as a bug"
            ),
        }
    }
}

impl std::error::Error for LowerError {}

/// The start offset of every line of a file (for 1-based line and column numbers).
#[salsa::tracked(returns(ref))]
pub fn line_starts(db: &dyn salsa::Database, file: SourceFile) -> Arc<Vec<u32>> {
    let text = file.text(db);
    let mut starts = vec![0u32];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i as u32 + 1),
    );
    Arc::new(starts)
}

/// 1-based `(line, column)` of a byte offset, columns counting characters.
pub(crate) fn line_col(text: &str, starts: &[u32], offset: u32) -> (u32, u32) {
    let offset = offset.min(text.len() as u32);
    let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
    let start = starts.get(line).copied().unwrap_or(0) as usize;
    let mut end = offset as usize;
    while end > start && !text.is_char_boundary(end) {
        end -= 1;
    }
    let col = text.get(start..end).map_or(0, |s| s.chars().count()) as u32 + 1;
    (line as u32 + 1, col)
}

/// One function lowered on its own, with its callee table unlinked (`links` empty), followed
/// by the functions made for its closures.
///
/// `lru`: a resident host keeps the whole program it lowered (`cache::ProgramMemo`), so these
/// results are read again only when their module changes; keeping every one would hold a
/// second copy of the program.
#[salsa::tracked(returns(ref), lru = 2048)]
pub fn lower_function<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<Result<Vec<ir::Function>, LowerError>>> {
    let ast = db::item_ast(db, item)?;
    if !matches!(ast.kind, ItemKind::Fn(_) | ItemKind::Method(_)) {
        return None;
    }
    Some(Arc::new(body::lower(db, item, &ast)))
}

/// The IR type of a checked type.
pub(crate) fn ir_ty(ty: &sema::Ty) -> ir::Ty {
    match ty {
        sema::Ty::I64 => ir::Ty::I64,
        sema::Ty::F64 => ir::Ty::F64,
        sema::Ty::Bool => ir::Ty::Bool,
        sema::Ty::Str => ir::Ty::Str,
        sema::Ty::Array(elem) => ir::Ty::Array(Box::new(ir_ty(elem))),
        sema::Ty::Struct(id) => ir::Ty::Struct(item_key(id)),
        sema::Ty::Enum(id) => ir::Ty::Enum(item_key(id)),
        sema::Ty::Fn(f) => ir::Ty::Fn(Box::new(ir::FnTy {
            params: f.params.iter().map(ir_ty).collect(),
            ret: ir_ty(&f.ret),
        })),
        sema::Ty::Tuple(elems) => ir::Ty::Tuple(elems.iter().map(ir_ty).collect()),
        sema::Ty::App(g, args) => {
            let arg = |i: usize| Box::new(args.get(i).map_or(ir::Ty::Unit, ir_ty));
            match g {
                sema::Generic::Option => ir::Ty::Option(arg(0)),
                sema::Generic::Result => ir::Ty::Result(arg(0), arg(1)),
                sema::Generic::Map => ir::Ty::Map(arg(0), arg(1)),
                sema::Generic::Ordering => ir::Ty::Ordering,
            }
        }
        // `never` values do not exist, and checked programs have no error types: `()` is as
        // good a representation as any for the locals that nominally have them.
        sema::Ty::Unit | sema::Ty::Never | sema::Ty::Var(_) | sema::Ty::Error => ir::Ty::Unit,
    }
}

/// The file and line of an item's name.
pub(crate) fn item_position(
    db: &dyn salsa::Database,
    id: &ItemId,
    name_node: crate::ast::NodeId,
) -> (String, u32) {
    let Some(file) = db::module_file(db, &id.module) else {
        return (String::new(), 0);
    };
    let path = file.path(db).to_string();
    let index = file.items(db).iter().position(|(i, _)| i == id);
    let parsed = db::parse(db, file);
    let span = index
        .and_then(|i| parsed.source_maps.get(i))
        .map(|m| m.span(name_node))
        .unwrap_or_default();
    let (line, _) = line_col(file.text(db), line_starts(db, file), span.start);
    (path, line)
}

/// Every function, method and associated function of the package.
pub fn function_items(db: &dyn salsa::Database) -> Vec<ItemId> {
    let mut out = Vec::new();
    for file in db::module_map(db).values() {
        for (id, input) in file.items(db).iter() {
            if matches!(
                input.interface(db).kind,
                ItemKind::Fn(_) | ItemKind::Method(_)
            ) {
                out.push(id.clone());
            }
        }
    }
    out
}

/// The functions of one file, lowered (callee tables unlinked), in source order.
pub fn lower_file_functions(
    db: &dyn salsa::Database,
    file: SourceFile,
) -> Result<Vec<ir::Function>, LowerError> {
    let mut out = Vec::new();
    for (id, input) in file.items(db).iter() {
        if matches!(
            input.interface(db).kind,
            ItemKind::Fn(_) | ItemKind::Method(_)
        ) {
            match lower_function(db, ItemKey::new(db, id.clone())) {
                Some(result) => out.extend((**result).clone()?),
                None => return Err(LowerError::Internal(format!("`{id}` is not a function"))),
            }
        }
    }
    Ok(out)
}

/// Lowers the whole package. The package must be free of errors. Function bodies already
/// lowered (for example in parallel by [`crate::Compiler::lower`]) are reused.
pub fn lower_program(db: &dyn salsa::Database) -> Result<Program, LowerError> {
    let mut functions = Vec::new();
    for file in db::module_map(db).values() {
        functions.extend(lower_file_functions(db, *file)?);
    }
    link_program(db, functions)
}

/// Assembles a program from every function of the package (lowered now or read from a store):
/// numbers the functions (sorted by key, so numbering is deterministic), links each body's
/// callee table to those numbers, and adds the struct and enum layouts, the tests and `main`.
pub fn link_program(
    db: &dyn salsa::Database,
    mut functions: Vec<ir::Function>,
) -> Result<Program, LowerError> {
    let (structs, enums) = layouts(db)?;
    let indices = number_and_link(&mut functions)?;
    let (tests, main) = tests_and_main(db, &functions, &indices)?;
    Ok(Program {
        functions,
        structs,
        enums,
        tests,
        main,
    })
}

/// Numbers the functions by sorted key (so numbering is deterministic) and links each body's
/// callee table to those numbers; returns the numbers by key.
fn number_and_link(
    functions: &mut [ir::Function],
) -> Result<std::collections::HashMap<String, FuncIndex>, LowerError> {
    functions.sort_by(|a, b| a.key.cmp(&b.key));
    let indices: std::collections::HashMap<String, FuncIndex> = functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.key.clone(), i as FuncIndex))
        .collect();
    for f in functions.iter_mut() {
        f.links = links_of(f, &indices)?;
    }
    Ok(indices)
}

/// The layout of every struct and enum of the package, sorted by key.
pub(crate) fn layouts(
    db: &dyn salsa::Database,
) -> Result<(Vec<ir::StructLayout>, Vec<ir::EnumLayout>), LowerError> {
    package_layouts(db).clone()
}

/// [`layouts`], memoized: it reads only the items' structure and interfaces, so a body edit
/// (a change of a low-durability input only) does not even re-validate it — a resident host
/// relinking after such an edit pays nothing for the layouts of a large package.
#[salsa::tracked(returns(ref))]
fn package_layouts(
    db: &dyn salsa::Database,
) -> Result<(Vec<ir::StructLayout>, Vec<ir::EnumLayout>), LowerError> {
    let mut structs: Vec<ir::StructLayout> = Vec::new();
    let mut enums: Vec<ir::EnumLayout> = Vec::new();
    for file in db::module_map(db).values() {
        let (s, e) = file_layouts(db, *file)?;
        structs.extend(s);
        enums.extend(e);
    }
    structs.sort_by(|a, b| a.key.cmp(&b.key));
    enums.sort_by(|a, b| a.key.cmp(&b.key));
    Ok((structs, enums))
}

/// The layouts of the structs and enums of one module file, in source order (part of what a
/// module's stored lowering holds, so that a program can be linked without the database).
pub(crate) fn file_layouts(
    db: &dyn salsa::Database,
    file: SourceFile,
) -> Result<(Vec<ir::StructLayout>, Vec<ir::EnumLayout>), LowerError> {
    let mut structs: Vec<ir::StructLayout> = Vec::new();
    let mut enums: Vec<ir::EnumLayout> = Vec::new();
    for (id, input) in file.items(db).iter() {
        let key = ItemKey::new(db, id.clone());
        match &input.interface(db).kind {
            ItemKind::Struct(_) => {
                let info = sema::struct_info(db, key).ok_or_else(|| {
                    LowerError::Internal(format!("struct `{id}` has no field information"))
                })?;
                structs.push(ir::StructLayout {
                    key: item_key(id),
                    name: id.name.to_string(),
                    fields: info
                        .fields
                        .iter()
                        .map(|f| (f.name.to_string(), ir_ty(&f.ty)))
                        .collect(),
                });
            }
            ItemKind::Enum(_) => {
                let info = sema::enum_info(db, key).ok_or_else(|| {
                    LowerError::Internal(format!("enum `{id}` has no variant information"))
                })?;
                enums.push(ir::EnumLayout {
                    key: item_key(id),
                    name: id.name.to_string(),
                    variants: info
                        .variants
                        .iter()
                        .map(|v| ir::VariantLayout {
                            name: v.name.to_string(),
                            fields: v.fields.iter().map(ir_ty).collect(),
                        })
                        .collect(),
                });
            }
            ItemKind::Fn(_) | ItemKind::Method(_) | ItemKind::Const(_) | ItemKind::Use(_) => {}
        }
    }
    Ok((structs, enums))
}

/// The `#[test]` functions of one module file in source order, as (function key, test name);
/// none for a dependency's module (its tests are its own).
pub(crate) fn file_tests(db: &dyn salsa::Database, file: SourceFile) -> Vec<(String, String)> {
    let module = db::module_path_of(db, file);
    if db::dependency_root(db, &module).is_some() {
        return Vec::new();
    }
    let scope = sema::scope::module_scope(db, db::ModuleKey::new(db, module));
    scope
        .tests
        .iter()
        .map(|id| (item_key(id), id.display_path()))
        .collect()
}

/// One module's part of a program, as lowered (or read from a store): what
/// [`link_parts`] assembles without the database.
pub struct ModulePart {
    pub module: ModulePath,
    pub functions: Vec<ir::Function>,
    pub structs: Vec<ir::StructLayout>,
    pub enums: Vec<ir::EnumLayout>,
    /// (function key, test name) in source order.
    pub tests: Vec<(String, String)>,
}

/// Assembles a program from every module's part, exactly as [`link_program`] does from the
/// database: functions numbered by sorted key, layouts sorted by key, tests by module path and
/// then source order, and `main` for a program.
pub fn link_parts(mut parts: Vec<ModulePart>, kind: PackageKind) -> Result<Program, LowerError> {
    parts.sort_by(|a, b| a.module.cmp(&b.module));
    let mut functions = Vec::new();
    let mut structs = Vec::new();
    let mut enums = Vec::new();
    let mut test_keys = Vec::new();
    for part in parts {
        functions.extend(part.functions);
        structs.extend(part.structs);
        enums.extend(part.enums);
        test_keys.extend(part.tests);
    }
    structs.sort_by(|a: &ir::StructLayout, b| a.key.cmp(&b.key));
    enums.sort_by(|a: &ir::EnumLayout, b| a.key.cmp(&b.key));
    let indices = number_and_link(&mut functions)?;
    let mut tests = Vec::with_capacity(test_keys.len());
    for (key, name) in test_keys {
        let func = index_in(&indices, &key)?;
        let f = &functions[func as usize];
        tests.push(ir::TestEntry {
            name,
            func,
            file: f.file.clone(),
            line: f.line,
        });
    }
    let main = match kind {
        PackageKind::Bin => Some(index_in(
            &indices,
            &item_key(&ItemId::new(ModulePath::root(), "main")),
        )?),
        PackageKind::Lib => None,
    };
    Ok(Program {
        functions,
        structs,
        enums,
        tests,
        main,
    })
}

/// `f`'s callee table as indices of the program whose functions are numbered by `indices`.
pub(crate) fn links_of(
    f: &ir::Function,
    indices: &std::collections::HashMap<String, FuncIndex>,
) -> Result<Vec<FuncIndex>, LowerError> {
    f.body
        .callees
        .iter()
        .map(|c| index_in(indices, c))
        .collect()
}

fn index_in(
    indices: &std::collections::HashMap<String, FuncIndex>,
    key: &str,
) -> Result<FuncIndex, LowerError> {
    indices
        .get(key)
        .copied()
        .ok_or_else(|| LowerError::Internal(format!("no function with key `{key}`")))
}

/// The tests (in `sema::tests` order) and `main` of the program whose functions are
/// `functions`, numbered by `indices`.
pub(crate) fn tests_and_main(
    db: &dyn salsa::Database,
    functions: &[ir::Function],
    indices: &std::collections::HashMap<String, FuncIndex>,
) -> Result<(Vec<ir::TestEntry>, Option<FuncIndex>), LowerError> {
    let mut tests = Vec::new();
    for test in sema::tests(db) {
        let func = index_in(indices, &item_key(&test))?;
        let f = &functions[func as usize];
        tests.push(ir::TestEntry {
            name: test.display_path(),
            func,
            file: f.file.clone(),
            line: f.line,
        });
    }
    let main = if *Package::get(db).kind(db) == PackageKind::Bin {
        Some(index_in(
            indices,
            &item_key(&ItemId::new(ModulePath::root(), "main")),
        )?)
    } else {
        None
    };
    Ok((tests, main))
}

impl crate::Compiler {
    /// Lowers the package to holo's IR for code generation. Fails if the package has errors
    /// (checking first, which reuses everything still valid from earlier checks). Function
    /// bodies are lowered in parallel, each by its own query.
    pub fn lower(&self) -> Result<Program, LowerError> {
        let report = self.check();
        if report.errors() > 0 {
            return Err(LowerError::HasErrors {
                errors: report.errors(),
            });
        }
        let db: &dyn salsa::Database = self.db();
        let items = function_items(db);
        {
            use rayon::prelude::*;
            let handle = self.db().clone();
            crate::deep::install(|| {
                items.par_iter().for_each_with(handle, |db, id| {
                    lower_function(db, ItemKey::new(db, id.clone()));
                });
            });
        }
        lower_program(db)
    }
}
