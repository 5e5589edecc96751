//! Fuzz target: any text interpreted by a Forth system (file and block
//! words sandboxed in a scratch directory, output captured, tight fuel,
//! depth and heap limits) ends in a result or an error, never a panic or a
//! hang; the system stays usable afterwards.
#![no_main]
use kiln_core::Limits;
use kiln_forth::{Forth, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let dir = std::env::temp_dir().join("kiln-fuzz-forth");
    let _ = std::fs::create_dir_all(&dir);
    let mut f = Forth::with_options(Options {
        memory: 1 << 20,
        capture_output: true,
        input: Some(b"input line\n".to_vec()),
        cwd: Some(dir.clone()),
        block_file: Some(dir.join("blocks.fb")),
        limits: Limits { fuel: 2_000_000, max_depth: 32, max_memory: 1 << 22 },
        ..Options::default()
    });
    let _ = f.interpret("<fuzz>", &src);
    let _ = f.finish();
    let _ = f.take_output();
    let _ = f.interpret("<fuzz>", "1 2 + DROP");
});
