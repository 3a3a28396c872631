//! The matcher against labelled, realistic messages.
//!
//! `tests/corpus/dev.jsonl` is the set the matcher is tuned on;
//! `tests/corpus/holdout.jsonl` was written independently and is never
//! tuned on: it measures how the matcher generalises (its misses have been
//! read, so it is no longer blind). `tests/corpus/fresh.jsonl` was written
//! blind from the public reference alone, by someone who had not seen the
//! catalogue or the other sets; it first measured 139/150 on reports and
//! 3 false positives in 80, before its misses were read.
//! `tests/corpus/blind.jsonl` is twelve more sets written the same way, each
//! by someone who saw none of the others, with more and more "near misses"
//! (error words in chatter: jokes quoting a message, other apps' errors,
//! errors fixed long ago). First measured, in order: 100/120 and 1/80,
//! 122/130 and 2/100, 109/120 and 5/100, 103/120 and 17/100; the matcher
//! was then changed where their misses showed a general rule. The fifth,
//! written after those changes, first measured 114/120 and 5/100. Three
//! more followed in a later session: two measured before that session
//! changed anything (117/125 and 12/100, 126/131 and 12/100) and one
//! after most of its changes (119/128 and 12/102). The ninth, in the
//! session after, first measured 130/135 and 14/100; the tenth, written
//! with many more near misses and measured after most of that session's
//! changes, 136/141 and 28/102 (its 31 near misses raise the sets'
//! false-positive rate, and their floor). The eleventh, in the session
//! after, first measured 137/142 and 17/117 (12 of them among its 20 near
//! misses, 4 in its 16 thanks). The twelfth, of everyday reports and
//! chatter, written after most of that session's changes, first measured
//! 130/140 and 3 answers in 90. Most of their false
//! positives are near misses. Their labels are the writers' own; a few
//! are judgement calls between close entries. Each line is
//! `{"text", "expect": id | null, "kind", "alternatives"?: [ids]}`.
//!
//! Targets (issue 3): top-1 accuracy ≥ 0.97 on error reports, and a
//! false-positive rate ≤ 0.01 on everything that must stay silent. A
//! "false positive" is any reply: an answer, or the medium tier's
//! "Is this …?" question.
//!
//! dev meets both targets; the sets written blind do not yet (their near
//! misses above all). The assertions are floors just under what the
//! matcher measures today, so a change that makes it worse fails here, and
//! every run prints how far it is from the target; raise a floor whenever
//! the matcher gets better.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use spotify_error_bot::catalogue::{self, Catalogue};
use spotify_error_bot::matcher::{Matcher, Tier};

#[derive(Deserialize)]
struct Case {
    text: String,
    expect: Option<String>,
    kind: String,
    #[serde(default)]
    alternatives: Vec<String>,
}

fn catalogue() -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue");
    catalogue::load_dir(&dir)
        .expect("the catalogue loads")
        .catalogue
}

fn read(name: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("corpus file exists");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1)))
        .collect()
}

#[derive(Default)]
struct Tally {
    total: usize,
    good: usize,
}

struct Report {
    accuracy: f64,
    false_positive_rate: f64,
    reports: usize,
    silent: usize,
    failures: Vec<String>,
}

fn evaluate(name: &str, matcher: &Matcher, cat: &Catalogue) -> Report {
    let cases = read(name);
    let mut by_kind: BTreeMap<String, Tally> = BTreeMap::new();
    let (mut reports, mut correct, mut silent, mut fps) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for c in &cases {
        let m = matcher.match_text(&c.text);
        let tally = by_kind.entry(c.kind.clone()).or_default();
        tally.total += 1;
        match &c.expect {
            Some(expect) => {
                assert!(cat.get(expect).is_some(), "{name}: unknown id {expect}");
                reports += 1;
                let ok = m
                    .answer()
                    .is_some_and(|id| id == expect || c.alternatives.iter().any(|a| a == id));
                if ok {
                    correct += 1;
                    tally.good += 1;
                } else {
                    failures.push(format!(
                        "MISS [{}] {:?}: expected {expect}, got {:?} ({:?} {:.2})",
                        c.kind, c.text, m.best, m.tier, m.confidence
                    ));
                }
            }
            None => {
                silent += 1;
                if m.tier == Tier::Low {
                    tally.good += 1;
                } else {
                    fps += 1;
                    failures.push(format!(
                        "FALSE POSITIVE [{}] {:?}: {:?} ({:?} {:.2}, {:?})",
                        c.kind,
                        c.text,
                        m.best,
                        m.tier,
                        m.confidence,
                        m.candidates.first().map(|c| &c.reason.matched)
                    ));
                }
            }
        }
    }
    println!("== {name}: {} messages", cases.len());
    for (kind, t) in &by_kind {
        println!(
            "  {kind:<16} {:>4}/{:<4} {:.3}",
            t.good,
            t.total,
            t.good as f64 / t.total.max(1) as f64
        );
    }
    let accuracy = correct as f64 / reports.max(1) as f64;
    let false_positive_rate = fps as f64 / silent.max(1) as f64;
    println!(
        "  top-1 accuracy on error reports: {accuracy:.3} ({correct}/{reports}); false-positive rate: {false_positive_rate:.3} ({fps}/{silent})"
    );
    Report {
        accuracy,
        false_positive_rate,
        reports,
        silent,
        failures,
    }
}

/// The targets.
const TARGET_ACCURACY: f64 = 0.97;
const TARGET_FALSE_POSITIVES: f64 = 0.01;

/// `min_accuracy` and `max_false_positives` are the regression floors.
fn check(name: &str, min_accuracy: f64, max_false_positives: f64) {
    let cat = catalogue();
    let matcher = Matcher::new(&cat);
    let r = evaluate(name, &matcher, &cat);
    for f in &r.failures {
        println!("  {f}");
    }
    if r.accuracy < TARGET_ACCURACY || r.false_positive_rate > TARGET_FALSE_POSITIVES {
        println!(
            "  {name}: below the target (accuracy ≥ {TARGET_ACCURACY}, false positives ≤ {TARGET_FALSE_POSITIVES})"
        );
    }
    assert!(r.reports >= 100 && r.silent >= 50, "{name} is too small");
    assert!(
        r.accuracy >= min_accuracy,
        "{name}: top-1 accuracy {:.3} fell below {min_accuracy}",
        r.accuracy
    );
    assert!(
        r.false_positive_rate <= max_false_positives,
        "{name}: false-positive rate {:.3} rose above {max_false_positives}",
        r.false_positive_rate
    );
}

#[test]
fn dev_corpus_accuracy_and_silence_do_not_regress() {
    check("dev.jsonl", 0.975, TARGET_FALSE_POSITIVES);
}

#[test]
fn holdout_corpus_accuracy_and_silence_do_not_regress() {
    check("holdout.jsonl", 0.96, TARGET_FALSE_POSITIVES);
}

#[test]
fn fresh_corpus_accuracy_and_silence_do_not_regress() {
    check("fresh.jsonl", 0.975, TARGET_FALSE_POSITIVES);
}

#[test]
fn blind_corpus_accuracy_and_silence_do_not_regress() {
    check("blind.jsonl", 0.96, 0.048);
}

#[test]
fn corpus_reaches_every_entry_by_code_and_by_description() {
    let cat = catalogue();
    let cases = read("dev.jsonl");
    for e in cat.entries() {
        for kind in ["code", "description"] {
            assert!(
                cases
                    .iter()
                    .any(|c| c.kind == kind && c.expect.as_deref() == Some(e.id.as_str())),
                "dev corpus has no {kind} line for {}",
                e.id
            );
        }
    }
    let silent = cases.iter().filter(|c| c.expect.is_none()).count();
    assert!(silent >= 150, "only {silent} must-not-match lines");
    assert!(cases.len() >= 400, "only {} lines", cases.len());
}
