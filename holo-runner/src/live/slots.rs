//! [`SlotTable`]: the slot of every function a worker has been sent, by key, and the diff of a
//! new program version against what was sent.
//!
//! A program's function indices change from version to version (a function added in the
//! middle shifts the rest); compiled code calls through dispatch-table slots. The table keeps
//! one slot per function key for as long as the workers live: an unchanged function keeps its
//! slot and its compiled code; a new one gets the next slot; a removed one keeps its slot,
//! never called again.

use super::ProgramPatch;
use holo_compiler::ir::{FuncIndex, Program};
use std::collections::HashMap;

#[derive(Default)]
pub struct SlotTable {
    by_key: HashMap<String, FuncIndex>,
    /// The program as the workers hold it: `functions[slot]`, links in slots.
    sent: Option<Program>,
}

/// How to bring the workers to a new version.
pub enum Update {
    /// Nothing was sent yet, or the change cannot be patched (a layout changed): start from
    /// this whole program, in slot numbers.
    Load(Program),
    /// Patch the program the workers hold.
    Patch(ProgramPatch),
}

impl SlotTable {
    /// The slot of each function of `program` (by index), and how to bring the workers to it.
    /// Afterwards the table assumes the workers hold `program`.
    pub fn update(&mut self, program: &Program) -> (Vec<FuncIndex>, Update) {
        let layouts_differ = self
            .sent
            .as_ref()
            .is_some_and(|s| s.structs != program.structs || s.enums != program.enums);
        if layouts_differ {
            *self = SlotTable::default();
        }
        let mut slot_of = Vec::with_capacity(program.functions.len());
        for f in &program.functions {
            let next = self.by_key.len() as FuncIndex;
            slot_of.push(*self.by_key.entry(f.key.clone()).or_insert(next));
        }
        let in_slots = |f: &holo_compiler::ir::Function| {
            let mut f = f.clone();
            for link in &mut f.links {
                *link = slot_of[*link as usize];
            }
            f
        };
        let tests: Vec<_> = program
            .tests
            .iter()
            .map(|t| holo_compiler::ir::TestEntry {
                func: slot_of[t.func as usize],
                ..t.clone()
            })
            .collect();
        let main = program.main.map(|m| slot_of[m as usize]);
        let update = match &mut self.sent {
            None => {
                let mut functions = vec![None; self.by_key.len()];
                for (i, f) in program.functions.iter().enumerate() {
                    functions[slot_of[i] as usize] = Some(in_slots(f));
                }
                let sent = Program {
                    functions: functions.into_iter().flatten().collect(),
                    structs: program.structs.clone(),
                    enums: program.enums.clone(),
                    tests,
                    main,
                };
                self.sent = Some(sent.clone());
                Update::Load(sent)
            }
            Some(sent) => {
                let mut changed = Vec::new();
                // In slot order, so that new slots come one after the other.
                let mut order: Vec<usize> = (0..program.functions.len()).collect();
                order.sort_by_key(|&i| slot_of[i]);
                for i in order {
                    let slot = slot_of[i] as usize;
                    let new = &program.functions[i];
                    match sent.functions.get(slot) {
                        // Compared in place: cloning every function of a large program on
                        // every save would cost more than the rest of the update.
                        Some(old) if same_in_slots(old, new, &slot_of) => {}
                        Some(_) => {
                            let f = in_slots(new);
                            sent.functions[slot] = f.clone();
                            changed.push((slot as FuncIndex, f));
                        }
                        None => {
                            let f = in_slots(new);
                            sent.functions.push(f.clone());
                            changed.push((slot as FuncIndex, f));
                        }
                    }
                }
                sent.tests = tests.clone();
                sent.main = main;
                Update::Patch(ProgramPatch {
                    functions: changed,
                    structs: program.structs.clone(),
                    enums: program.enums.clone(),
                    tests,
                    main,
                })
            }
        };
        (slot_of, update)
    }

    /// Encodes the program the workers hold, for a worker that starts now.
    pub fn encode_sent(&self) -> Result<Vec<u8>, String> {
        match &self.sent {
            Some(program) => crate::exec::encode_program(program),
            None => Err("no program was sent to the workers yet".to_string()),
        }
    }

    /// Forgets what was sent: the next update loads the whole program (after the workers were
    /// replaced, or a patch failed).
    pub fn reset(&mut self) {
        *self = SlotTable::default();
    }

    /// The program the workers hold, in slot numbers.
    pub fn sent(&self) -> Option<&Program> {
        self.sent.as_ref()
    }
}

/// Whether `old` (links in slots) is `new` (links in `new`'s program's indices) once `new`'s
/// links are mapped to slots.
fn same_in_slots(
    old: &holo_compiler::ir::Function,
    new: &holo_compiler::ir::Function,
    slot_of: &[FuncIndex],
) -> bool {
    old.key == new.key
        && old.line == new.line
        && old.name == new.name
        && old.file == new.file
        && old.links.len() == new.links.len()
        && old
            .links
            .iter()
            .zip(&new.links)
            .all(|(o, n)| *o == slot_of[*n as usize])
        && old.body == new.body
}
