//! Measures the editor queries (hover, go to definition, completion) on a generated workload
//! right after a one-body edit, as the language server meets them: the edit is applied with
//! `Compiler::set_file`, then one query is timed, which includes re-inferring the edited body.
//! Run by `bench/ide.sh`; usage: `ide_latency WORKLOAD_DIR [RUNS]` where `WORKLOAD_DIR` is the
//! output of `holo-bench-gen` (its `holo/` package and `workload.json`).

use holo_compiler::{Compiler, PackageKind};

// The allocator of the `holo` binary, so that the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: ide_latency WORKLOAD_DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(31);
    let dir = std::path::Path::new(&dir);
    let workload = std::fs::read_to_string(dir.join("workload.json")).unwrap_or_else(|e| {
        fail(&format!(
            "cannot read workload.json in {}: {e}",
            dir.display()
        ))
    });
    let field = |name: &str| -> String {
        // workload.json is written by holo-bench-gen with one `"name": "value"` per key; the
        // holo edit is the last of the three languages' blocks.
        let at = workload
            .find("\"holo\": {")
            .and_then(|i| {
                workload[i..]
                    .find(&format!("\"{name}\": \""))
                    .map(|j| i + j)
            })
            .unwrap_or_else(|| fail(&format!("workload.json has no holo `{name}`")));
        let start = at + name.len() + 5;
        let end = workload[start..]
            .find('"')
            .map(|e| start + e)
            .unwrap_or(start);
        workload[start..end].to_string()
    };
    let (file, anchor, old, new) = (field("file"), field("anchor"), field("old"), field("new"));
    let root = dir.join("holo");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("src")).unwrap_or_else(|e| fail(&e.to_string())) {
        let path = entry.unwrap_or_else(|e| fail(&e.to_string())).path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&e.to_string()));
        files.push((format!("src/{name}"), text));
    }
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let original = files
        .iter()
        .find(|(p, _)| *p == file)
        .map(|(_, t)| t.clone())
        .unwrap_or_else(|| fail(&format!("the workload has no `{file}`")));
    let edited = original.replacen(&old, &new, 1);
    let mut compiler = Compiler::new(PackageKind::Bin);
    compiler.set_files(files);
    let start = Instant::now();
    let report = compiler.check();
    eprintln!(
        "{lines} lines, {} files, first check {:.0} ms, {} errors",
        report.files,
        start.elapsed().as_secs_f64() * 1e3,
        report.errors()
    );
    // Positions in the edited body (the last line, before and after the edit alike):
    // `acc.mean()` — hover on the local `acc`, definition and completion of `mean`.
    let line = original
        .find(&old)
        .unwrap_or_else(|| fail("the edit's old text is not in its file"));
    let acc = line + old.find("acc.").unwrap_or(0);
    let hover_at = acc as u32 + 1;
    let def_at = acc as u32 + 5;
    let complete_at = acc as u32 + 4;

    // What the measured queries answer, so that a reader can see they found what they should.
    eprintln!(
        "hover: {:?}",
        compiler.hover(&file, hover_at).map(|h| h.markdown)
    );
    eprintln!(
        "definition: {:?}",
        compiler
            .goto_definition(&file, def_at)
            .iter()
            .map(|t| format!("{} {}", t.path, t.name))
            .collect::<Vec<_>>()
    );
    let labels = |c: &Compiler, at: u32| -> Vec<String> {
        c.completions(&file, at)
            .into_iter()
            .map(|c| c.label)
            .collect()
    };
    eprintln!("completion after `.`: {:?}", labels(&compiler, complete_at));
    eprintln!("completion in scope: {:?}", labels(&compiler, hover_at));

    let mut flip = false;
    let mut edit = |compiler: &mut Compiler| {
        flip = !flip;
        compiler.set_file(&file, if flip { &edited } else { &original });
    };
    // The first edit of a body lowers its durability and re-validates the package once; the
    // steady state of an edit loop is what is measured.
    for _ in 0..2 {
        edit(&mut compiler);
        compiler.check();
    }
    let mut measure = |name: &str, query: &mut dyn FnMut(&Compiler) -> bool| {
        let mut after_edit = Vec::new();
        let mut unchanged = Vec::new();
        for _ in 0..runs {
            edit(&mut compiler);
            let t = Instant::now();
            let ok = query(&compiler);
            after_edit.push(t.elapsed());
            if !ok {
                fail(&format!("{name} found nothing at its position"));
            }
            let t = Instant::now();
            query(&compiler);
            unchanged.push(t.elapsed());
        }
        println!(
            "| {name} | {} | {} | {} |",
            ms(median(&mut after_edit)),
            ms(percentile(&mut after_edit, 90)),
            ms(median(&mut unchanged))
        );
    };
    println!(
        "| query ({lines} lines, {runs} runs) | after a one-body edit, p50 | p90 | nothing changed, p50 |"
    );
    println!("|---|---|---|---|");
    measure("hover", &mut |c| c.hover(&file, hover_at).is_some());
    measure("definition", &mut |c| {
        !c.goto_definition(&file, def_at).is_empty()
    });
    measure("completion after `.`", &mut |c| {
        !c.completions(&file, complete_at).is_empty()
    });
    measure("completion in scope", &mut |c| {
        !c.completions(&file, hover_at).is_empty()
    });
    measure("signature help", &mut |c| {
        let text = c.text(&file).unwrap_or_default();
        let body = text.find(&anchor).unwrap_or(0);
        let at = text[body..]
            .find("acc.add(")
            .map_or(0, |i| (body + i) as u32 + 8);
        c.signature_help(&file, at).is_some()
    });
    // Package-wide queries, for scale (no latency goal): every use of the edited function,
    // and a symbol search.
    let name_at = original
        .find(&anchor)
        .map_or(0, |i| i + anchor.find("fn ").unwrap_or(0) + 3) as u32;
    measure("references (package-wide)", &mut |c| {
        !c.references(&file, name_at, true).is_empty()
    });
    measure("workspace symbols `f1`", &mut |c| {
        !c.workspace_symbols("f1").is_empty()
    });
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn median(samples: &mut [Duration]) -> Duration {
    percentile(samples, 50)
}

fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() - 1) * p / 100]
}

fn fail(message: &str) -> ! {
    eprintln!("ide_latency: {message}");
    std::process::exit(1);
}
