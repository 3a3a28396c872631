//! The catalogue loader and validator: each kind of mistake a contributor
//! can make is caught, located and reported together with the others; the
//! real catalogue is complete and fits Discord.

use std::path::{Path, PathBuf};

use spotify_error_bot::catalogue::{self, Level, LoadError};

const VALID: &str = r#"
id = "auth:1"
title = "Service temporarily unavailable"
severity = "error"
category = "auth"
platforms = ["windows"]
messages = ["Service is temporarily unavailable, please try again later."]
cause_chain = ["App start", "Auth servers", "Timeout"]
causes = ["The login servers are down"]
escalate = "Contact Spotify support."
sources = ["https://0iy.github.io/spotify-error-ref/"]

[[steps]]
title = "Wait and retry"
text = "Try again in a few minutes."
"#;

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    dir
}

fn errors(files: &[(&str, &str)]) -> LoadError {
    let dir = folder(files);
    match catalogue::load_dir(dir.path()) {
        Ok(_) => panic!("expected the catalogue to be rejected"),
        Err(e) => e,
    }
}

fn with_id(text: &str, id: &str) -> String {
    text.replace("id = \"auth:1\"", &format!("id = \"{id}\""))
}

#[test]
fn a_valid_entry_loads() {
    let dir = folder(&[("auth-1.toml", VALID)]);
    let loaded = catalogue::load_dir(dir.path()).expect("valid");
    assert_eq!(loaded.catalogue.len(), 1);
    assert!(
        loaded.catalogue.get("AUTH:1").is_some(),
        "ids match case-insensitively"
    );
}

#[test]
fn a_syntax_error_is_reported_with_its_line() {
    let broken = VALID.replace("severity = \"error\"", "severity = \"error");
    let e = errors(&[("auth-1.toml", &broken)]);
    let p = &e.problems[0];
    assert!(p.message.contains("not valid TOML"), "{p}");
    assert_eq!(p.line, Some(4), "{p}");
    assert!(p.file.ends_with("auth-1.toml"));
}

#[test]
fn a_missing_field_is_named() {
    let broken = VALID.replace("title = \"Service temporarily unavailable\"\n", "");
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("title") && p.message.contains("missing")),
        "{e}"
    );
}

#[test]
fn an_unknown_field_is_caught_with_a_suggestion() {
    let broken = VALID.replace("causes =", "cuases =");
    let e = errors(&[("auth-1.toml", &broken)]);
    let p = e
        .problems
        .iter()
        .find(|p| p.field.as_deref() == Some("cuases"))
        .expect("unknown field reported");
    assert!(p.message.contains("did you mean `causes`"), "{p}");
    assert_eq!(p.line, Some(9));
}

#[test]
fn an_unknown_step_field_is_caught() {
    let broken = VALID.replace("text = \"Try again", "windwos = \"x\"\ntext = \"Try again");
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("steps[0].windwos")),
        "{e}"
    );
}

#[test]
fn duplicate_ids_and_codes_across_files_are_caught() {
    let dup_also = with_id(VALID, "auth:2").replacen("title =", "also = [\"AUTH:1\"]\ntitle =", 1);
    let e = errors(&[("auth-1.toml", VALID), ("auth-2.toml", &dup_also)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.message.contains("code auth:1 is already used by auth:1")),
        "{e}"
    );
}

#[test]
fn two_leads_for_one_shared_message_are_caught_and_a_lone_lead_is_a_warning() {
    let lead = |text: &str| text.replacen("cause_chain =", "lead = true\ncause_chain =", 1);
    // auth:2 shows auth:1's message with a code suffix: one shared message.
    let second = with_id(VALID, "auth:2").replace("later.\"]", "later. (Error code: auth:2)\"]");
    let e = errors(&[
        ("auth-1.toml", &lead(VALID)),
        ("auth-2.toml", &lead(&second)),
    ]);
    let leads: Vec<_> = e
        .problems
        .iter()
        .filter(|p| p.field.as_deref() == Some("lead") && p.level == Level::Error)
        .collect();
    assert_eq!(leads.len(), 2, "{e}");
    assert!(
        leads[0]
            .message
            .contains("more than one lead: auth:1, auth:2"),
        "{e}"
    );

    let dir = folder(&[("auth-1.toml", &lead(VALID))]);
    let loaded = catalogue::load_dir(dir.path()).expect("a lone lead only warns");
    assert!(
        loaded
            .warnings
            .iter()
            .any(|p| p.field.as_deref() == Some("lead") && p.message.contains("does nothing")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn a_related_id_that_does_not_exist_is_caught() {
    let broken = VALID.replace("escalate =", "related = [\"auth:999\"]\nescalate =");
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("related") && p.message.contains("auth:999")),
        "{e}"
    );
}

#[test]
fn an_entry_without_steps_is_caught() {
    let broken = VALID
        .split("[[steps]]")
        .next()
        .unwrap_or_default()
        .to_string();
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("steps")),
        "{e}"
    );
}

#[test]
fn an_empty_step_text_is_caught() {
    let broken = VALID.replace("text = \"Try again in a few minutes.\"", "text = \"  \"");
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("steps[0].text") && p.message.contains("empty")),
        "{e}"
    );
}

#[test]
fn text_that_cannot_fit_a_discord_embed_is_an_error_not_a_truncation() {
    let long = "x".repeat(1100);
    let broken = VALID.replace("Try again in a few minutes.", &long);
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("steps[0]")
                && p.message.contains("Discord allows 1024")),
        "{e}"
    );

    let long_title = "t".repeat(300);
    let broken = VALID.replace("Service temporarily unavailable", &long_title);
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.message.contains("Discord allows 256")),
        "{e}"
    );

    // Many fields each under 1024 but together over 6000.
    let causes: Vec<String> = (0..6)
        .map(|i| format!("\"{i}{}\"", "c".repeat(160)))
        .collect();
    let chain: Vec<String> = (0..9)
        .map(|i| format!("\"{i}{}\"", "n".repeat(100)))
        .collect();
    let msgs: Vec<String> = (0..3)
        .map(|i| format!("\"{i}{}\"", "m".repeat(1200)))
        .collect();
    let broken = VALID
        .replace(
            "causes = [\"The login servers are down\"]",
            &format!("causes = [{}]", causes.join(", ")),
        )
        .replace(
            "cause_chain = [\"App start\", \"Auth servers\", \"Timeout\"]",
            &format!("cause_chain = [{}]", chain.join(", ")),
        )
        .replace(
            "messages = [\"Service is temporarily unavailable, please try again later.\"]",
            &format!("messages = [{}]", msgs.join(", ")),
        );
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.message.contains("Discord allows 6000")),
        "{e}"
    );
}

#[test]
fn a_file_not_named_after_its_id_is_caught() {
    let e = errors(&[("auth-one.toml", VALID)]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.message.contains("should be named auth-1.toml")),
        "{e}"
    );
}

#[test]
fn placeholder_text_is_caught() {
    let broken = VALID.replace("Contact Spotify support.", "TODO");
    let e = errors(&[("auth-1.toml", &broken)]);
    assert!(
        e.problems.iter().any(|p| p.message.contains("placeholder")),
        "{e}"
    );
}

#[test]
fn every_problem_in_every_file_is_reported_at_once() {
    let a = VALID.replace("causes =", "cuases =");
    let b = with_id(VALID, "auth:2").replace("severity = \"error\"", "severity = \"oops\"");
    let c = with_id(VALID, "auth:3").replace("title = \"Service temporarily unavailable\"\n", "");
    let e = errors(&[
        ("auth-1.toml", &a),
        ("auth-2.toml", &b),
        ("auth-3.toml", &c),
    ]);
    let files: std::collections::BTreeSet<PathBuf> =
        e.problems.iter().map(|p| p.file.clone()).collect();
    assert_eq!(files.len(), 3, "{e}");
}

#[test]
fn a_draft_is_a_warning_and_still_loads() {
    let draft = VALID.replace("escalate =", "draft = true\nescalate =");
    let dir = folder(&[("auth-1.toml", &draft)]);
    let loaded = catalogue::load_dir(dir.path()).expect("a draft still loads");
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(loaded.warnings[0].level, Level::Warning);
    assert!(loaded.warnings[0].message.contains("draft"));
}

fn real_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue")
}

#[test]
fn the_real_catalogue_loads_without_problems_and_fits_discord() {
    let loaded = catalogue::load_dir(&real_dir()).unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    for e in loaded.catalogue.entries() {
        assert!(catalogue::check_limits(e).is_empty(), "{}", e.id);
        assert!(!e.steps.is_empty() && !e.causes.is_empty() && !e.escalate.is_empty());
    }
}

#[test]
fn the_real_catalogue_has_every_public_id() {
    let tsv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/catalogue-ids.tsv");
    let Ok(text) = std::fs::read_to_string(&tsv) else {
        println!("skipping: {} is absent", tsv.display());
        return;
    };
    let cat = catalogue::load_dir(&real_dir()).expect("loads").catalogue;
    let mut n = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let id = cols[0];
        let e = cat.get(id).unwrap_or_else(|| panic!("{id} is missing"));
        assert_eq!(e.id, id, "ids are used exactly as published");
        let also: Vec<&str> = cols
            .get(1)
            .map_or(vec![], |a| a.split_whitespace().collect());
        for a in also {
            assert!(
                e.also.iter().any(|x| x == a),
                "{id} should also answer to {a}"
            );
        }
        assert_eq!(
            cols.get(2).copied(),
            Some(e.category.as_str()),
            "{id} category"
        );
        n += 1;
    }
    assert_eq!(n, 65);
    assert_eq!(cat.len(), 65);
}

#[test]
fn error_2026_keeps_its_per_os_steps() {
    let cat = catalogue::load_dir(&real_dir()).expect("loads").catalogue;
    let e = cat.get("error:2026").expect("error:2026");
    let dns = e
        .steps
        .iter()
        .find(|s| s.title.to_lowercase().contains("flush"))
        .expect("a DNS flush step");
    use spotify_error_bot::catalogue::Platform;
    assert!(dns.variants[&Platform::Windows].contains("ipconfig /flushdns"));
    assert!(dns.variants[&Platform::Macos].contains("dscacheutil -flushcache"));
}

#[test]
fn a_phrase_that_names_the_entrys_own_code_is_caught() {
    // Without its number the phrase reads "spotify says service down",
    // which fits any outage.
    let with =
        |phrase: &str| VALID.replace("escalate =", &format!("phrases = [{phrase:?}]\nescalate ="));
    let e = errors(&[("auth-1.toml", &with("spotify says service down, auth 1"))]);
    assert!(
        e.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("phrases[0]") && p.message.contains("code (1)")),
        "{e}"
    );
    // Other numbers in a phrase are fine.
    let dir = folder(&[("auth-1.toml", &with("waited 10 min and it is still down"))]);
    assert!(catalogue::load_dir(dir.path()).is_ok());
}
