//! `kiln forth gen`: verified words from JSON specifications — argument
//! plumbing (spec files, directories, rkyv stores), printing and exit
//! codes. The generator is `kiln_forth::wordgen`.
//!
//! Exit status: 0 every word generated and verified (each printed on
//! stdout); 1 a spec or store that cannot be read or is invalid; 4 a
//! generated word's inferred stack effect disagrees with its spec (or no
//! pattern fits); 5 a test case fails. With several specs, the largest
//! status wins; every failure is reported on stderr.

use crate::exit;
use clap::Args;
use kiln_forth::wordgen::store::{self, StoreBytes};
use kiln_forth::wordgen::{Generated, Generator, Spec};
use std::path::{Path, PathBuf};

/// Arguments of `kiln forth gen`.
#[derive(Args, Debug)]
pub struct GenArgs {
    /// Specification files, or directories whose `*.json` files are read (sorted by name).
    specs: Vec<PathBuf>,
    /// Also generate every specification archived in this rkyv store.
    #[arg(long, value_name = "FILE")]
    store: Vec<PathBuf>,
    /// Validate the specifications and archive them into FILE (rkyv) instead of generating.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["store", "compose"])]
    write_store: Option<PathBuf>,
    /// Compose exactly two specifications: the first word's outputs feed the second's inputs.
    #[arg(long)]
    compose: bool,
    /// Name of the composed word (default `first-second`).
    #[arg(long, requires = "compose")]
    name: Option<String>,
    /// Print only the definitions (no comment lines); for stores, nothing but failures.
    #[arg(long, short)]
    quiet: bool,
}

/// Reads the spec files named (directories expand to their `*.json`).
fn read_specs(paths: &[PathBuf]) -> Result<Vec<(String, Spec)>, u8> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "json"))
                    .collect(),
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", p.display());
                    return Err(exit::INPUT);
                }
            };
            v.sort();
            files.extend(v);
        } else {
            files.push(p.clone());
        }
    }
    let mut out = Vec::new();
    let mut status = exit::OK;
    for f in files {
        match read_spec(&f) {
            Ok(s) => out.push((f.display().to_string(), s)),
            Err(()) => status = exit::INPUT,
        }
    }
    if status == exit::OK {
        Ok(out)
    } else {
        Err(status)
    }
}

fn read_spec(f: &Path) -> Result<Spec, ()> {
    let meta =
        std::fs::metadata(f).map_err(|e| eprintln!("error: cannot read {}: {e}", f.display()))?;
    if meta.len() > kiln_forth::wordgen::spec::MAX_SPEC_BYTES as u64 {
        eprintln!(
            "error: {}: {} bytes; specifications are at most {}",
            f.display(),
            meta.len(),
            kiln_forth::wordgen::spec::MAX_SPEC_BYTES
        );
        return Err(());
    }
    let text = std::fs::read_to_string(f)
        .map_err(|e| eprintln!("error: cannot read {}: {e}", f.display()))?;
    Spec::from_json(&text).map_err(|e| {
        let sep = if e.line_col.is_some() { ":" } else { ": " };
        eprintln!("error: {}{sep}{e}", f.display());
    })
}

fn print_word(g: &Generated, spec: &Spec, quiet: bool) {
    if !quiet {
        let params: Vec<String> = g.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let params = if params.is_empty() {
            String::new()
        } else {
            format!(" {}", params.join(" "))
        };
        let desc = if spec.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", spec.description.replace('\n', " "))
        };
        println!(
            "\\ {}{desc}\n\\ pattern {}{params}; effect {}; {} test case(s) passed",
            g.word, g.pattern, g.effect, g.cases
        );
        for p in &spec.properties {
            println!("\\ property: {}", p.replace('\n', " "));
        }
    }
    println!("{}", g.source());
}

/// Generates one word: prints it (`print`: `None` prints nothing,
/// `Some(quiet)` prints it) or reports the failure; returns the status.
fn report(generator: &mut Generator, label: &str, spec: &Spec, print: Option<bool>) -> u8 {
    match generator.generate(spec) {
        Ok(g) => {
            if let Some(quiet) = print {
                print_word(&g, spec, quiet);
            }
            exit::OK
        }
        Err(e) => {
            let text = e.to_string();
            eprint!("error: {label}: {text}");
            if !text.ends_with('\n') {
                eprintln!();
            }
            e.status()
        }
    }
}

/// Runs `kiln forth gen …` and returns the exit status.
pub fn run(args: GenArgs) -> u8 {
    if args.specs.is_empty() && args.store.is_empty() {
        eprintln!("error: give specification files or directories, or --store FILE");
        return exit::USAGE;
    }
    let specs = match read_specs(&args.specs) {
        Ok(s) => s,
        Err(status) => return status,
    };
    if let Some(out) = &args.write_store {
        let list: Vec<Spec> = specs.into_iter().map(|(_, s)| s).collect();
        return match store::write(out, &list) {
            Ok(()) => {
                println!(
                    "archived {} specification(s) to {}",
                    list.len(),
                    out.display()
                );
                exit::OK
            }
            Err(e) => {
                eprintln!("error: {}: {e}", out.display());
                exit::INPUT
            }
        };
    }
    let mut generator = Generator::new();
    if args.compose {
        let [(fa, a), (fb, b)] = &specs[..] else {
            eprintln!("error: --compose takes exactly two specifications");
            return exit::USAGE;
        };
        return match generator.compose(a, b, args.name.as_deref()) {
            Ok(c) => {
                print_word(&c.first, a, args.quiet);
                print_word(&c.second, b, args.quiet);
                let mut spec = a.clone();
                spec.description = format!("'{}' then '{}'", a.word, b.word);
                print_word(&c.word, &spec, args.quiet);
                exit::OK
            }
            Err(e) => {
                eprint!("error: {fa} + {fb}: {e}");
                if !e.to_string().ends_with('\n') {
                    eprintln!();
                }
                e.status()
            }
        };
    }
    let mut status = exit::OK;
    for (label, spec) in &specs {
        status = status.max(report(&mut generator, label, spec, Some(args.quiet)));
    }
    for path in &args.store {
        let bytes = match StoreBytes::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return exit::INPUT;
            }
        };
        let st = match bytes.access() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return exit::INPUT;
            }
        };
        let (mut ok, mut failed) = (0usize, 0usize);
        for i in 0..st.len() {
            let label = format!("{}[{i}]", path.display());
            match st.spec(i) {
                Ok(spec) => {
                    match report(&mut generator, &label, &spec, (!args.quiet).then_some(true)) {
                        exit::OK => ok += 1,
                        s => {
                            failed += 1;
                            status = status.max(s);
                        }
                    }
                }
                Err(e) => {
                    eprintln!("error: {label}: {e}");
                    failed += 1;
                    status = status.max(exit::INPUT);
                }
            }
        }
        if failed > 0 || !args.quiet {
            eprintln!(
                "{}: {ok} word(s) generated and verified, {failed} failed",
                path.display()
            );
        }
    }
    status
}
