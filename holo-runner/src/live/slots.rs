//! [`SlotTable`]: the slot of every function a worker has been sent, by key, and the diff of a
//! new program version against what was sent.
//!
//! A program's function indices change from version to version (a function added in the
//! middle shifts the rest); compiled code calls through dispatch-table slots. The table keeps
//! one slot per function key for as long as the workers live: an unchanged function keeps its
//! slot and its compiled code; a new one gets the next slot; a removed one keeps its slot,
//! never called again.

use super::ProgramPatch;
use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::{FuncIndex, Program};
use std::collections::{BTreeMap, HashMap};

#[derive(Default)]
pub struct SlotTable {
    by_key: HashMap<String, FuncIndex>,
    /// The program as the workers hold it: `functions[slot]`, links in slots.
    sent: Option<Program>,
    /// The behaviour fingerprint of each slot's function as sent (`None`: unknown).
    fingerprints: Vec<Option<Fingerprint>>,
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
            .sent
            .as_ref()
            .is_some_and(|s| s.structs != program.structs || s.enums != program.enums);
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
        let fingerprint_of = |f: &holo_compiler::ir::Function| fingerprints.get(&f.key).copied();
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
                self.fingerprints = sent
                    .functions
                    .iter()
                    .map(|f| fingerprints.get(&f.key).copied())
                    .collect();
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
                    let fingerprint = fingerprint_of(new);
                    match sent.functions.get(slot) {
                        // Compared by fingerprint and in place: comparing or cloning every
                        // function's code on every save would cost more than all the rest.
                        Some(old)
                            if fingerprint.is_some()
                                && self.fingerprints[slot] == fingerprint
                                && same_place_and_links(old, new, &slot_of) => {}
                        Some(_) => {
                            let f = in_slots(new);
                            sent.functions[slot] = f.clone();
                            self.fingerprints[slot] = fingerprint;
                            changed.push((slot as FuncIndex, f));
                        }
                        None => {
                            let f = in_slots(new);
                            sent.functions.push(f.clone());
                            self.fingerprints.push(fingerprint);
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

/// Whether `old` (links in slots) has `new`'s positions and, once `new`'s links are mapped to
/// slots, its links: what a behaviour fingerprint leaves out.
fn same_place_and_links(
    old: &holo_compiler::ir::Function,
    new: &holo_compiler::ir::Function,
    slot_of: &[FuncIndex],
) -> bool {
    old.line == new.line
        && old.file == new.file
        && old.body.sites == new.body.sites
        && old.links.len() == new.links.len()
        && old
            .links
            .iter()
            .zip(&new.links)
            .all(|(o, n)| *o == slot_of[*n as usize])
}
