//! Matcher throughput: `cargo bench --bench matcher`.
//!
//! Reports messages per second for chatter and for error reports with the
//! real catalogue, the same with a synthetic catalogue of 5,000 entries
//! (how cost grows with the catalogue), and, as the floor, a bare
//! aho-corasick scan of the same messages for the catalogue's codes.
//! Targets (issue 3): ≥ 100,000 chatter messages/s on one core, an error
//! message in under 50 µs, within 10× of the bare scan.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use aho_corasick::AhoCorasick;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spotify_error_bot::catalogue::{self, Catalogue, Entry};
use spotify_error_bot::matcher::Matcher;

fn corpus() -> (Vec<String>, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/dev.jsonl");
    let text = std::fs::read_to_string(path).expect("tests/corpus/dev.jsonl");
    let (mut chatter, mut errors) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("corpus line");
        let t = v["text"].as_str().unwrap_or_default().to_string();
        if v["expect"].is_null() {
            chatter.push(t);
        } else {
            errors.push(t);
        }
    }
    (chatter, errors)
}

/// 5,000 entries: the real ones, then variants with new codes and reworded
/// messages drawn from the real vocabulary.
fn synthetic(real: &Catalogue, n: usize) -> Catalogue {
    let words: Vec<String> = real
        .entries()
        .iter()
        .flat_map(|e| e.messages.iter().chain(&e.phrases))
        .flat_map(|m| m.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let mut entries: Vec<Entry> = real.entries().to_vec();
    let mut k = 0usize;
    while entries.len() < n {
        let base = &real.entries()[k % real.len()];
        let mut e = base.clone();
        e.id = format!("synth{}:{}", k % 40, 1000 + k);
        e.also.clear();
        let pick = |j: usize| words[(k * 7919 + j * 104_729) % words.len()].clone();
        e.messages = vec![(0..8).map(pick).collect::<Vec<_>>().join(" ")];
        e.phrases = vec![(8..14).map(pick).collect::<Vec<_>>().join(" ")];
        e.related.clear();
        entries.push(e);
        k += 1;
    }
    Catalogue::from_entries(entries)
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue");
    let real = catalogue::load_dir(&dir).expect("catalogue").catalogue;
    let (chatter, errors) = corpus();
    let big = synthetic(&real, 5000);
    let full = Matcher::new(&real);
    let large = Matcher::new(&big);
    let codes: Vec<String> = real
        .entries()
        .iter()
        .flat_map(|e| e.codes().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&codes)
        .expect("automaton");

    for (name, msgs) in [("chatter", &chatter), ("errors", &errors)] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(msgs.len() as u64));
        g.measurement_time(Duration::from_secs(4));
        g.bench_function("matcher/real-catalogue", |b| {
            b.iter(|| {
                for m in msgs {
                    black_box(full.match_text(black_box(m)));
                }
            })
        });
        g.bench_function("matcher/5000-entries", |b| {
            b.iter(|| {
                for m in msgs {
                    black_box(large.match_text(black_box(m)));
                }
            })
        });
        g.bench_function("aho-corasick/bare-scan", |b| {
            b.iter(|| {
                for m in msgs {
                    black_box(ac.find_iter(black_box(m.as_str())).count());
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
