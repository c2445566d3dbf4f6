//! The real engine of worker processes and of `holo run`'s child: programs compiled to native
//! code by [`crate::jit::Jit`], run with a [`RunContext`].

use super::protocol::{Failure, LoadOptions};
use super::worker::{Engine, on_execution_stack, worker_main};
use crate::jit::{Jit, Tier};
use crate::rt::RunContext;
use holo_compiler::ir::FuncIndex;
use std::ffi::OsString;
use std::io::Write;

/// The random seed of test runs: a test that uses `random_int` sees the same numbers every
/// time, so its outcome does not change from run to run.
const TEST_SEED: u64 = 0x5eed;

/// A program loaded into a worker, with the code compiled so far.
pub struct JitEngine {
    jit: Jit,
}

impl Engine for JitEngine {
    fn load(bytes: &[u8], options: &LoadOptions) -> Result<Self, String> {
        let program = super::decode_program(bytes)?;
        let mut jit = Jit::with_tier(program, options.tier).map_err(|e| e.to_string())?;
        jit.set_threads(options.threads as usize)
            .map_err(|e| e.to_string())?;
        Ok(JitEngine { jit })
    }

    fn function_count(&self) -> u32 {
        self.jit.program().functions.len() as u32
    }

    fn compile(&mut self, roots: Option<&[u32]>) -> Result<u32, String> {
        let all: Vec<FuncIndex>;
        let roots = match roots {
            Some(roots) => roots,
            None => {
                all = (0..self.function_count()).collect();
                &all
            }
        };
        if let Some(bad) = roots.iter().find(|&&f| f >= self.function_count()) {
            return Err(format!(
                "the program has no function {bad} (it has {})",
                self.function_count()
            ));
        }
        self.jit
            .compile_reachable(roots)
            .map(|stats| stats.compiled as u32)
            .map_err(|e| e.to_string())
    }

    fn patch(&mut self, patch: crate::live::ProgramPatch) -> Result<u32, String> {
        self.jit
            .patch(patch)
            .map(|stale| stale as u32)
            .map_err(|e| e.to_string())
    }

    fn run_test(&mut self, func: u32, stdout: Box<dyn Write + Send>) -> Result<(), Failure> {
        let mut ctx = RunContext::new()
            .with_stdout(stdout)
            .with_input("")
            .with_seed(TEST_SEED);
        self.jit
            .run_function(func, &mut ctx)
            .map_err(|e| Failure::from_runtime_error(&e))
    }
}

/// Serves worker requests on stdin and stdout with the JIT (`holo __worker`).
pub fn serve_stdio() -> Result<(), String> {
    worker_main::<JitEngine>()
}

/// Why `holo run`'s child did not finish normally.
#[derive(Debug)]
pub enum ChildError {
    /// The program could not be read, decoded or compiled (a problem of holo, not of the
    /// program).
    Setup(String),
    /// The program stopped with a runtime error.
    Runtime(Failure),
}

/// Runs `main` of the program `holo run` sends (see [`super::run`]) with this process's stdin
/// and stdout and the given arguments; returns `main`'s exit code, or `None` when `holo run`
/// stopped without sending a program. The program's values may take at most `memory` bytes.
pub fn run_child(args: Vec<OsString>, memory: Option<u64>) -> Result<Option<i64>, ChildError> {
    let Some(bytes) = super::run::receive_program().map_err(ChildError::Setup)? else {
        return Ok(None);
    };
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    super::worker::exit_with_parent();
    on_execution_stack(move || {
        let program = super::decode_program(&bytes).map_err(ChildError::Setup)?;
        let Some(main) = program.main else {
            return Err(ChildError::Setup(
                "the program has no `main` function".to_string(),
            ));
        };
        let setup = |e: crate::jit::JitError| ChildError::Setup(e.to_string());
        let mut jit = Jit::with_tier(program, Tier::Optimized).map_err(setup)?;
        jit.compile_reachable(&[main]).map_err(setup)?;
        // Line by line on a terminal, in blocks into a pipe or file (as C's stdio does) —
        // unless a front-end that may stop the program reads the pipe.
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout())
            || std::env::var_os(super::run::LINE_BUFFERED_ENV).is_some_and(|v| v == "1");
        let mut ctx = RunContext::new()
            .with_stdout(Box::new(ExitOnBrokenPipe(std::io::stdout())))
            .with_line_buffering(terminal)
            .with_args(args);
        // The program's memory, unlike holo's own, may come as huge pages (see the function).
        super::process::allow_huge_pages(true);
        crate::rt::heap::set_memory_limit(memory);
        let result = jit.run_main(&mut ctx);
        // Everything the program printed comes before the error report.
        let _ = ctx.stdout.flush();
        match result {
            Ok(code) => Ok(Some(code)),
            // `exit(code)` ends the program with that code, like a return from `main`.
            Err(e) => match e.kind {
                crate::error::RuntimeErrorKind::Exit(code) => Ok(Some(code)),
                _ => Err(ChildError::Runtime(Failure::from_runtime_error(&e))),
            },
        }
    })
    .map_err(ChildError::Setup)?
}

/// The exit status of a program whose output was closed by its reader, as shells report a
/// process killed by SIGPIPE (128 + 13).
const EXIT_BROKEN_PIPE: i32 = 141;

/// The program's stdout. When the reader goes away (`holo run | head -1`), the program ends,
/// as Unix programs do on SIGPIPE; Rust ignores SIGPIPE, so without this a program printing in
/// a loop would run forever, its every write failing.
struct ExitOnBrokenPipe(std::io::Stdout);

impl ExitOnBrokenPipe {
    fn check<T>(result: std::io::Result<T>) -> std::io::Result<T> {
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                std::process::exit(EXIT_BROKEN_PIPE)
            }
            other => other,
        }
    }
}

impl Write for ExitOnBrokenPipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Self::check(self.0.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Self::check(self.0.flush())
    }
}
