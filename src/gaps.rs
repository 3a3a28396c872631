//! Knowledge gaps: what people ask about that the catalogue cannot answer,
//! and the draft entries that close them.
//!
//! A gap is keyed by what was missing: an unknown code in a known shape
//! (`code:auth:74`, from the matcher's `unknown_code`), or, for an error
//! report that matched nothing, its first few significant words
//! (`text:spotify keeps crashing startup`). The bot never answers such a
//! message in the channel; it counts it, so moderators see which gaps are
//! worth an entry, and it turns a marked community fix into a draft file
//! that the catalogue validator accepts once a person has reviewed it and
//! removed `draft = true`.
//!
//! Pure: no Discord, no SQL.

use std::fmt::Write as _;

use crate::matcher::MatchResult;

/// What kind of thing was missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapKind {
    /// An unknown code in a known shape (`auth:74`, `error code 1009`).
    Code,
    /// An error report whose wording matched nothing.
    Text,
}

impl GapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::Code => "code",
            GapKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<GapKind> {
        match s {
            "code" => Some(GapKind::Code),
            "text" => Some(GapKind::Text),
            _ => None,
        }
    }
}

/// One gap, as detected in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// `code:<code>` or `text:<words>`; the store's key.
    pub key: String,
    pub kind: GapKind,
    /// The code or words, for people.
    pub label: String,
}

/// Words that make a message an error report rather than chatter.
const REPORT_WORDS: &[&str] = &[
    "error", "code", "cant", "can't", "cannot", "wont", "won't", "doesnt", "doesn't", "fails",
    "failed", "failing", "crash", "crashes", "crashing", "broken", "stuck",
];

const STOP: &[&str] = &[
    "the", "a", "an", "my", "it", "is", "i", "me", "to", "and", "of", "on", "in", "with", "for",
    "this", "that", "when", "at", "says", "say", "keeps", "just", "so", "but", "its", "it's", "im",
    "i'm", "pls", "please", "help", "hi", "hey", "anyone", "spotify",
];

/// The gap a message reveals, if it is one: the matcher found an unknown code
/// in a known shape, or the message reads as a Spotify error report and
/// nothing matched. Ordinary chatter, and messages about other software (the
/// matcher leaves `unknown_code` empty for those), are not gaps.
pub fn detect(text: &str, m: &MatchResult) -> Option<Gap> {
    if let Some(code) = &m.unknown_code {
        let code = code.trim().to_lowercase();
        if !code.is_empty() {
            return Some(Gap {
                key: format!("code:{code}"),
                kind: GapKind::Code,
                label: code,
            });
        }
    }
    if m.best.is_some() || !m.candidates.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    if lower.chars().count() > 600 || !lower.contains("spotify") {
        return None;
    }
    let words: Vec<String> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if !words.iter().any(|w| REPORT_WORDS.contains(&w.as_str())) {
        return None;
    }
    let significant: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !STOP.contains(w) && w.len() > 1)
        .take(6)
        .collect();
    if significant.len() < 2 {
        return None;
    }
    let label = significant.join(" ");
    Some(Gap {
        key: format!("text:{label}"),
        kind: GapKind::Text,
        label,
    })
}

/// What a draft is made from.
#[derive(Debug, Clone, Default)]
pub struct DraftSource {
    /// The code (for a code gap), e.g. `auth:74`.
    pub code: String,
    /// Message texts seen with the code (newest first), to find the
    /// displayed message.
    pub examples: Vec<String>,
    /// The fix a moderator marked, if any.
    pub solution: Option<String>,
    /// Links to the threads it came from.
    pub links: Vec<String>,
    pub times_seen: u64,
}

fn toml_str(s: &str) -> String {
    // A TOML basic string: escape backslashes, quotes and control characters.
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars()
            .take(max)
            .collect::<String>()
            .trim_end()
            .to_string()
    }
}

/// The line of an example that carries the code (the displayed message, as
/// far as the example shows it).
fn message_line(code: &str, examples: &[String]) -> Option<String> {
    let needle = code.to_lowercase();
    examples.iter().find_map(|e| {
        e.lines()
            .find(|l| l.to_lowercase().contains(&needle))
            .map(|l| clip(l, 300))
            .filter(|l| !l.is_empty())
    })
}

/// A catalogue file for a code gap, marked `draft = true`. Everything the
/// validator requires is filled from what the bot saw, worded so a reviewer
/// sees what to check; once reviewed and the draft line removed it passes
/// `catalogue check`.
pub fn draft_toml(src: &DraftSource) -> String {
    let code = src.code.trim().to_lowercase();
    let namespace = code.split(':').next().unwrap_or("spotify").to_string();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Draft generated by spotify-error-bot from a knowledge gap seen {} time(s).\n# Review every field against the threads in `sources`, then delete the `draft` line.",
        src.times_seen
    );
    let _ = writeln!(t, "draft = true");
    let _ = writeln!(t, "id = {}", toml_str(&code));
    let _ = writeln!(t, "also = []");
    let _ = writeln!(
        t,
        "title = {}",
        toml_str(&format!("Error {code} (reported by users)"))
    );
    let _ = writeln!(t, "severity = \"error\"");
    let category = match namespace.as_str() {
        n if n.starts_with("auth")
            || n.starts_with("account")
            || n.contains("login")
            || n == "session" =>
        {
            "auth"
        }
        n if n.starts_with("access") || n == "connect" => "network",
        n if n.contains("install") => "installer",
        "webapi" => "webapi",
        _ => "client",
    };
    let _ = writeln!(t, "category = {}", toml_str(category));
    let _ = writeln!(t, "platforms = [\"any\"]");
    match message_line(&code, &src.examples) {
        Some(m) => {
            let _ = writeln!(t, "messages = [{}]", toml_str(&m));
        }
        None => {
            let _ = writeln!(t, "messages = []");
            let _ = writeln!(
                t,
                "message_note = {}",
                toml_str(&format!(
                    "People report error code {code}; the exact wording of the dialog has not been recorded."
                ))
            );
        }
    }
    let _ = writeln!(
        t,
        "cause_chain = [\"Spotify app\", {}, {}]",
        toml_str(&format!("{namespace} service")),
        toml_str(&format!("Error {code}"))
    );
    let _ = writeln!(
        t,
        "causes = [{}]",
        toml_str("Not documented by Spotify; the fix below is what worked in the linked threads")
    );
    let _ = writeln!(t, "related = []");
    let _ = writeln!(
        t,
        "escalate = {}",
        toml_str(
            "If the fix does not help, contact Spotify support at support.spotify.com and mention the error code."
        )
    );
    let links: Vec<String> = if src.links.is_empty() {
        vec!["https://support.spotify.com/".to_string()]
    } else {
        src.links.clone()
    };
    let _ = writeln!(
        t,
        "sources = [{}]",
        links
            .iter()
            .map(|l| toml_str(l))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let fix = src
        .solution
        .as_deref()
        .map(|s| clip(s, 900))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            "Quit Spotify completely, start it again and sign in once more.".to_string()
        });
    let _ = writeln!(t, "\n[[steps]]");
    let _ = writeln!(
        t,
        "title = {}",
        toml_str("What fixed it in the community thread")
    );
    let _ = writeln!(t, "text = {}", toml_str(&fix));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{MatchResult, Tier};

    fn nothing() -> MatchResult {
        MatchResult {
            best: None,
            confidence: 0.0,
            ambiguous: false,
            tier: Tier::Low,
            candidates: vec![],
            unknown_code: None,
            resolved: false,
            discussed: false,
            truncated: false,
        }
    }

    #[test]
    fn unknown_codes_and_unanswered_reports_are_gaps_chatter_is_not() {
        let mut m = nothing();
        m.unknown_code = Some("AUTH:74".into());
        assert_eq!(detect("auth:74 help", &m).unwrap().key, "code:auth:74");
        let g = detect(
            "spotify keeps crashing at startup since the update",
            &nothing(),
        )
        .unwrap();
        assert_eq!(g.kind, GapKind::Text);
        assert_eq!(g.key, "text:crashing startup since update");
        for chatter in [
            "anyone got lofi playlist recs?",
            "spotify wrapped was so good this year",
            "my python script throws error 404",
        ] {
            assert_eq!(detect(chatter, &nothing()), None, "{chatter}");
        }
    }

    #[test]
    fn drafts_quote_safely() {
        let d = draft_toml(&DraftSource {
            code: "auth:74".into(),
            examples: vec!["Spotify\nLogin failed \"oops\" (Error code: auth:74)\nClose".into()],
            solution: Some("Sign out everywhere\\then back in".into()),
            links: vec!["https://discord.com/channels/1/2/3".into()],
            times_seen: 3,
        });
        let v: toml::Value = toml::from_str(&d).expect("valid TOML");
        assert_eq!(v["id"].as_str(), Some("auth:74"));
        assert_eq!(
            v["messages"][0].as_str(),
            Some("Login failed \"oops\" (Error code: auth:74)")
        );
        assert_eq!(v["draft"].as_bool(), Some(true));
    }
}
