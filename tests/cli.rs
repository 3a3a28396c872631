//! The command line as a user (or another tool) drives it.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spotify-error-bot"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("CATALOGUE_DIR");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn catalogue_check_passes_with_a_one_line_summary() {
    let o = run(&["catalogue", "check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("ok: 65 entries"), "{out}");
}

#[test]
fn catalogue_check_fails_listing_every_problem() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("a-1.toml"), "id = \"a:1\"\n").expect("write");
    std::fs::write(dir.path().join("b-1.toml"), "id = [\n").expect("write");
    let o = run(&[
        "catalogue",
        "check",
        dir.path().to_str().expect("utf8 path"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("a-1.toml") && err.contains("b-1.toml"),
        "{err}"
    );
    assert!(err.contains("title") && err.contains("is missing"), "{err}");
}

#[test]
fn catalogue_list_json_has_the_documented_fields() {
    let o = run(&["catalogue", "list", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let list = v.as_array().expect("array");
    assert_eq!(list.len(), 65);
    for item in list {
        for k in [
            "id",
            "also",
            "title",
            "severity",
            "category",
            "platforms",
            "messages",
        ] {
            assert!(item.get(k).is_some(), "{k} missing in {item}");
        }
    }
    let a53 = list
        .iter()
        .find(|i| i["id"] == "accounts:53")
        .expect("accounts:53");
    assert_eq!(
        a53["also"],
        serde_json::json!(["accounts:54", "accounts:55"])
    );
}

#[test]
fn show_prints_the_entry_with_platform_specific_steps() {
    let o = run(&["show", "error:2026", "--platform", "macos"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("error:2026"));
    assert!(out.contains("Cause chain"));
    assert!(out.contains("sudo dscacheutil -flushcache"), "{out}");
    assert!(
        !out.contains("ipconfig /flushdns"),
        "no Windows wording on macOS"
    );
}

#[test]
fn show_accepts_codes_in_any_case_and_also_codes() {
    let o = run(&["show", "ACCOUNTS:55"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("accounts:53"));
}

#[test]
fn show_suggests_the_closest_id_for_an_unknown_one() {
    let o = run(&["show", "accesspoint:18"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("did you mean") && err.contains("accesspoint:17"),
        "{err}"
    );
}

#[test]
fn ask_shows_the_answer_for_a_pasted_error() {
    let o = run(&[
        "ask",
        "Spotify says: A firewall may be blocking Spotify. (Error code: accesspoint:l7)",
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("would answer with accesspoint:17"), "{out}");
    assert!(out.contains("Step 1 of"), "{out}");
}

#[test]
fn ask_stays_silent_on_chatter_and_says_why() {
    let o = run(&["ask", "anyone got lofi playlist recs?"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("would stay silent"));
}

#[test]
fn match_answers_one_line_per_input_line_and_survives_bad_lines() {
    let mut child = bin()
        .arg("match")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let input = "{\"text\": \"auth:73\"}\nnot json\n{\"text\": 5}\n{\"text\": \"thanks all\"}\n";
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success());
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], "auth:73");
    assert!(lines[0]["confidence"].as_f64().is_some_and(|c| c > 0.9));
    assert_eq!(lines[0]["ambiguous"], false);
    assert_eq!(lines[0]["candidates"][0]["id"], "auth:73");
    assert!(lines[1]["error"].is_string());
    assert!(lines[2]["error"].is_string());
    assert!(lines[3]["id"].is_null());
}
