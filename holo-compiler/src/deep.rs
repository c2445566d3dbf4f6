//! The threads that check and lower: deep syntax trees need deep stacks.
//!
//! Checking and lowering recurse once per level of an expression tree. The parser bounds real
//! nesting at [`crate::syntax::MAX_DEPTH`] levels, but a long operator chain (`1 + 1 + …`) or
//! `else if` chain is a deep tree too, up to [`crate::syntax::MAX_TREE_DEPTH`] levels, and a
//! debug build spends several KiB of stack per level: far more than the 2 MiB of an ordinary
//! thread. Work that walks item trees therefore runs on this pool, whose threads reserve
//! [`STACK_BYTES`] of address space each; only the pages a deep tree reaches are ever touched.

use std::sync::OnceLock;

/// The stack of each thread of the pool: enough for [`crate::syntax::MAX_TREE_DEPTH`] levels
/// of every pass in a debug build, with room to spare (`tests/lang/syntax/long_chains.holo`
/// and the robustness test check the deepest trees the parser accepts).
pub(crate) const STACK_BYTES: usize = 64 << 20;

/// Runs `f` on the pool, where rayon's parallel iterators inside it run too. Falls back to the
/// current thread if the pool's threads could not be started.
pub(crate) fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("holo-check-{i}"))
            .stack_size(STACK_BYTES)
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(f),
        None => f(),
    }
}
