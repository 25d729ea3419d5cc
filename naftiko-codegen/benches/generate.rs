//! Time to compile a spec in-process, from text to formatted files.

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/logto.naftiko.yaml");
    let source = std::fs::read_to_string(spec).unwrap_or_default();
    let config = naftiko_codegen::Config::new(spec).display_name("spec/logto.naftiko.yaml");
    c.bench_function("generate logto spec", |b| {
        b.iter(|| {
            config
                .generate_from_source(std::hint::black_box(&source))
                .map(|o| o.files.len())
        })
    });
    c.bench_function("check logto spec", |b| {
        b.iter(|| {
            naftiko_codegen::compile(std::hint::black_box(&source))
                .diagnostics
                .len()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
