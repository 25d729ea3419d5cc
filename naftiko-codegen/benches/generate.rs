//! Compile time of specs in-process, from text to formatted files: the Logto spec (60 operations) and synthetic
//! specs of 600 and 6,000 operations (each exposed over REST and MCP), to show how generation scales.

use std::fmt::Write;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A spec with `n` consumed operations in the Logto spec's shape: a GET with query parameters, and a PATCH with a
/// body, on resources with path parameters; every operation exposed as a REST route and an MCP tool.
fn synthetic_spec(n: usize) -> String {
    let mut s = String::from(
        "naftiko: 1.0.0-alpha2\ninfo:\n  label: Synthetic\n  description: A synthetic spec for benchmarks.\ncapability:\n  consumes:\n    - type: http\n      namespace: api\n      baseUri: https://[tenant].example.com\n      authentication:\n        type: bearer\n        token: '{{TOKEN}}'\n      resources:\n",
    );
    for r in 0..n / 2 {
        let _ = write!(
            s,
            "        - name: res{r}\n          path: /api/res{r}/{{id}}/items\n          operations:\n            - name: list{r}\n              method: GET\n              description: List items of resource {r}.\n              inputParameters:\n                - name: id\n                  in: path\n                - name: page\n                  in: query\n                  type: integer\n                  description: Page number.\n                - name: search_params\n                  in: query\n                  type: object\n              outputParameters:\n                - name: result\n                  type: object\n                  value: $.\n            - name: update{r}\n              method: PATCH\n              description: Update items of resource {r}.\n              inputParameters:\n                - name: id\n                  in: path\n"
        );
    }
    s.push_str("  exposes:\n    - type: rest\n      port: 8080\n      namespace: api-rest\n      resources:\n");
    for r in 0..n / 2 {
        let _ = write!(
            s,
            "        - path: /api/res{r}/{{id}}/items\n          operations:\n            - method: GET\n              name: list{r}\n              call: api.list{r}\n              outputParameters:\n                - type: object\n                  mapping: $.\n            - method: PATCH\n              name: update{r}\n              call: api.update{r}\n"
        );
    }
    s.push_str("    - type: mcp\n      port: 9090\n      namespace: api-mcp\n      tools:\n");
    for r in 0..n / 2 {
        let _ = write!(
            s,
            "        - name: list{r}\n          description: List items of resource {r}.\n          hints:\n            readOnly: true\n          call: api.list{r}\n        - name: update{r}\n          description: Update items of resource {r}.\n          call: api.update{r}\n"
        );
    }
    s.push_str("  binds:\n    - namespace: env\n      keys:\n        TOKEN: TOKEN\n");
    s
}

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

    let mut group = c.benchmark_group("generate synthetic");
    group.sample_size(10);
    for n in [600usize, 6000] {
        let text = synthetic_spec(n);
        // The synthetic spec must compile cleanly, or the figure means nothing.
        match naftiko_codegen::Config::new("synthetic.yaml").generate_from_source(&text) {
            Ok(out) if out.diagnostics.is_empty() => {}
            Ok(out) => eprintln!(
                "synthetic spec of {n} operations has warnings:\n{}",
                out.rendered
            ),
            Err(e) => {
                eprintln!("synthetic spec of {n} operations does not compile:\n{e}");
                continue;
            }
        }
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            let config = naftiko_codegen::Config::new("synthetic.yaml");
            b.iter(|| {
                config
                    .generate_from_source(std::hint::black_box(text))
                    .map(|o| o.files.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
