//! Allocation-free evaluation: with a warm, reused `Vm` and result vector,
//! path / `where` / `exists` expressions perform no heap allocation at all
//! per evaluation (a counting global allocator checks it, on this thread only).

use kiln_fhirpath::{CompileOptions, Document, EvalOptions, Expression, Vm};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards every call to the system allocator unchanged; the counter is a side effect only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed)
}

fn sample(name: &str) -> Vec<Document> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fhir")
        .join(name);
    let text = std::fs::read_to_string(path).expect("sample data");
    text.lines()
        .map(|l| Document::parse(l).expect("json"))
        .collect()
}

#[test]
fn warm_evaluations_do_not_allocate() {
    let patients = sample("patients.ndjson");
    let observations = sample("observations.ndjson");
    let cases: [(&str, &[Document]); 8] = [
        ("Patient.name.given", &patients),
        ("Patient.name.where(use = 'official').family", &patients),
        ("Patient.telecom.where(system = 'phone').value", &patients),
        (
            "Patient.telecom.exists(system = 'phone' and use = 'home')",
            &patients,
        ),
        ("Patient.birthDate < @1980-01-01", &patients),
        ("Patient.name.given.first()", &patients),
        (
            "Observation.code.coding.where(system = 'http://loinc.org').code",
            &observations,
        ),
        (
            "Observation.value.ofType(Quantity).where(value > 100).exists()",
            &observations,
        ),
    ];
    for (src, docs) in cases {
        let expr = Expression::compile(src, &CompileOptions::default()).expect("compiles");
        let mut vm = Vm::new();
        let mut out = Vec::new();
        let options = EvalOptions::default();
        // Warm up: buffers grow to their working size.
        for d in docs {
            out.clear();
            expr.evaluate(Some(d), &options, &mut vm, &mut out)
                .expect("evaluates");
        }
        let mut produced = 0;
        let n = allocations_during(|| {
            for d in docs {
                out.clear();
                expr.evaluate(Some(d), &options, &mut vm, &mut out)
                    .expect("evaluates");
                produced += out.len();
            }
        });
        assert_eq!(
            n,
            0,
            "{src}: {n} allocations over {} evaluations ({produced} items)",
            docs.len()
        );
    }
}
