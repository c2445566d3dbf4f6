//! [`SlotTable`]: the slot of every function a worker has been sent, by key, and the diff of a
//! new program version against what was sent.
//!
//! A program's function indices change from version to version (a function added in the
//! middle shifts the rest); compiled code calls through dispatch-table slots. The table keeps
//! one slot per function key for as long as the workers live: an unchanged function keeps its
//! slot and its compiled code; a new one gets the next slot; a removed one keeps its slot,
//! never called again.
//!
//! The table keeps only what tells a function's next version apart (its behaviour fingerprint,
//! position and links), not the functions themselves: a resident holo already holds the
//! program, and a second copy of a large one would cost as much memory again.

use super::ProgramPatch;
use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::{
    self, Block, Body, EnumLayout, FuncIndex, Function, Program, SelfMode, Site, StructLayout,
    Terminator, TestEntry, Ty,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::collections::{BTreeMap, HashMap};

#[derive(Default)]
pub struct SlotTable {
    by_key: HashMap<String, FuncIndex>,
    /// What the workers hold in each slot.
    held: Vec<Held>,
    /// The layouts the workers hold; `None`: nothing was sent yet.
    layouts: Option<(Vec<StructLayout>, Vec<EnumLayout>)>,
}

/// What tells a slot's next version apart.
struct Held {
    /// `None`: unknown (always sent again).
    fingerprint: Option<Fingerprint>,
    file: String,
    line: u32,
    sites: Vec<Site>,
    /// In slots.
    links: Vec<FuncIndex>,
}

/// How to bring the workers to a new version.
pub enum Update {
    /// Nothing was sent yet, or the change cannot be patched (a layout changed): workers must
    /// load the whole program afresh ([`SlotTable::encode_load`]).
    Load,
    /// Patch the program the workers hold.
    Patch(ProgramPatch),
}

impl SlotTable {
    /// The slot of each function of `program` (by index), and how to bring the workers to it.
    /// `fingerprints` are the functions' behaviour fingerprints by key (position-free, see
    /// `holo_compiler::cache::function_fingerprint`): a function whose fingerprint, position
    /// and links are those sent is unchanged, without comparing its code. Afterwards the table
    /// assumes the workers hold `program`.
    pub fn update(
        &mut self,
        program: &Program,
        fingerprints: &BTreeMap<String, Fingerprint>,
    ) -> (Vec<FuncIndex>, Update) {
        let layouts_differ = self
            .layouts
            .as_ref()
            .is_some_and(|(s, e)| *s != program.structs || *e != program.enums);
        if layouts_differ {
            *self = SlotTable::default();
        }
        let mut slot_of = Vec::with_capacity(program.functions.len());
        for f in &program.functions {
            let slot = match self.by_key.get(&f.key) {
                Some(&slot) => slot,
                None => {
                    let next = self.by_key.len() as FuncIndex;
                    self.by_key.insert(f.key.clone(), next);
                    next
                }
            };
            slot_of.push(slot);
        }
        let first = self.layouts.is_none();
        self.layouts = Some((program.structs.clone(), program.enums.clone()));
        // In slot order, so that new slots come one after the other.
        let mut order: Vec<usize> = (0..program.functions.len()).collect();
        order.sort_by_key(|&i| slot_of[i]);
        let mut changed = Vec::new();
        for i in order {
            let slot = slot_of[i] as usize;
            let new = &program.functions[i];
            let fingerprint = fingerprints.get(&new.key).copied();
            let unchanged = self.held.get(slot).is_some_and(|held| {
                fingerprint.is_some()
                    && held.fingerprint == fingerprint
                    && held.line == new.line
                    && held.file == new.file
                    && held.sites == new.body.sites
                    && held.links.len() == new.links.len()
                    && held
                        .links
                        .iter()
                        .zip(&new.links)
                        .all(|(o, n)| *o == slot_of[*n as usize])
            });
            if unchanged {
                continue;
            }
            let held = Held {
                fingerprint,
                file: new.file.clone(),
                line: new.line,
                sites: new.body.sites.clone(),
                links: new.links.iter().map(|&l| slot_of[l as usize]).collect(),
            };
            if slot < self.held.len() {
                self.held[slot] = held;
            } else {
                self.held.push(held);
            }
            if !first {
                let mut f = new.clone();
                f.links = self.held[slot].links.clone();
                changed.push((slot as FuncIndex, f));
            }
        }
        if first {
            return (slot_of, Update::Load);
        }
        let (tests, main) = in_slots_entries(program, &slot_of);
        let patch = ProgramPatch {
            functions: changed,
            structs: program.structs.clone(),
            enums: program.enums.clone(),
            tests,
            main,
        };
        (slot_of, Update::Patch(patch))
    }

    /// The `Load` program for a worker that starts now, encoded: `program` (the version of the
    /// last [`SlotTable::update`], whose `slot_of` it returned) in slot numbers, with a stub
    /// in each slot whose function is gone. Encoded straight from `program`, without a copy.
    pub fn encode_load(&self, program: &Program, slot_of: &[FuncIndex]) -> Result<Vec<u8>, String> {
        let mut by_slot: Vec<Option<&Function>> = vec![None; self.held.len()];
        for (i, f) in program.functions.iter().enumerate() {
            if let Some(place) = by_slot.get_mut(slot_of[i] as usize) {
                *place = Some(f);
            }
        }
        let stub = removed_stub();
        let (tests, main) = in_slots_entries(program, slot_of);
        let view = ProgramInSlots {
            functions: by_slot
                .into_iter()
                .map(|f| match f {
                    Some(f) => FunctionInSlots { f, slot_of },
                    None => FunctionInSlots {
                        f: &stub,
                        slot_of: &[],
                    },
                })
                .collect(),
            structs: &program.structs,
            enums: &program.enums,
            tests,
            main,
        };
        postcard::to_stdvec(&view).map_err(|e| format!("cannot encode the program: {e}"))
    }

    /// Takes `program`'s layouts as those the workers hold, without starting over: for a
    /// running program whose existing layouts were found unchanged (`live::plan`), when types
    /// were only added. Its next [`SlotTable::update`] is then a patch.
    pub fn accept_layouts(&mut self, program: &Program) {
        if self.layouts.is_some() {
            self.layouts = Some((program.structs.clone(), program.enums.clone()));
        }
    }

    /// Forgets what was sent: the next update loads the whole program (after the workers were
    /// replaced, or a patch failed).
    pub fn reset(&mut self) {
        *self = SlotTable::default();
    }
}

/// The tests and `main` of `program` in slot numbers.
fn in_slots_entries(
    program: &Program,
    slot_of: &[FuncIndex],
) -> (Vec<TestEntry>, Option<FuncIndex>) {
    let tests = program
        .tests
        .iter()
        .map(|t| TestEntry {
            func: slot_of[t.func as usize],
            ..t.clone()
        })
        .collect();
    (tests, program.main.map(|m| slot_of[m as usize]))
}

/// What stands in a slot whose function is gone: never called (nothing links to it).
fn removed_stub() -> Function {
    Function {
        key: String::new(),
        name: "<removed>".to_string(),
        file: String::new(),
        line: 0,
        body: Body {
            params: 0,
            self_mode: SelfMode::None,
            ret: Ty::Unit,
            locals: Vec::new(),
            blocks: vec![Block {
                insts: Vec::new(),
                term: Terminator::Return(ir::Operand::Const(ir::Const::Unit)),
            }],
            sites: Vec::new(),
            callees: Vec::new(),
        },
        links: Vec::new(),
    }
}

/// A [`Program`] in slot numbers, serialized exactly as a `Program` is (same fields, same
/// order), from borrowed parts.
struct ProgramInSlots<'a> {
    functions: Vec<FunctionInSlots<'a>>,
    structs: &'a [StructLayout],
    enums: &'a [EnumLayout],
    tests: Vec<TestEntry>,
    main: Option<FuncIndex>,
}

impl Serialize for ProgramInSlots<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Program", 5)?;
        st.serialize_field("functions", &self.functions)?;
        st.serialize_field("structs", self.structs)?;
        st.serialize_field("enums", self.enums)?;
        st.serialize_field("tests", &self.tests)?;
        st.serialize_field("main", &self.main)?;
        st.end()
    }
}

/// A [`Function`] with its links mapped to slots, serialized as the function itself is.
struct FunctionInSlots<'a> {
    f: &'a Function,
    slot_of: &'a [FuncIndex],
}

impl Serialize for FunctionInSlots<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let links: Vec<FuncIndex> = self
            .f
            .links
            .iter()
            .map(|&l| self.slot_of[l as usize])
            .collect();
        let mut st = s.serialize_struct("Function", 6)?;
        st.serialize_field("key", &self.f.key)?;
        st.serialize_field("name", &self.f.name)?;
        st.serialize_field("file", &self.f.file)?;
        st.serialize_field("line", &self.f.line)?;
        st.serialize_field("body", &self.f.body)?;
        st.serialize_field("links", &links)?;
        st.end()
    }
}

// The hand-written serializations above must follow the derived ones field for field.
const _: fn(ir::Program, ir::Function) = |p, f| {
    let Program {
        functions: _,
        structs: _,
        enums: _,
        tests: _,
        main: _,
    } = p;
    let Function {
        key: _,
        name: _,
        file: _,
        line: _,
        body: _,
        links: _,
    } = f;
};
