//! What the bot does with a message, decided once for every front end.
//!
//! The matcher says what a message is about; [`plan`] turns that into an
//! action (answer, ask, offer a choice, or stay silent with a reason). The
//! Discord adapter and the `ask` command both follow the same plan, so the
//! terminal shows exactly what the bot would do in a channel.

use std::fmt::Write as _;

use crate::catalogue::{Catalogue, Entry};
use crate::matcher::{MatchResult, ReasonKind, Tier};
use crate::view::{self, CardExtras, Progress};

/// The bot's move for one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan<'c> {
    /// Answer with the entry's card.
    Answer {
        entry: &'c Entry,
        /// What the message contained that matched ("accesspoint:l7").
        evidence: String,
    },
    /// Several entries fit equally: ask which code the user sees.
    Choose {
        entries: Vec<&'c Entry>,
        evidence: String,
    },
    /// Probably this entry, but not sure enough to answer: ask quietly.
    Confirm {
        entry: &'c Entry,
        others: Vec<&'c Entry>,
    },
    /// Say nothing.
    Silent { why: String },
}

/// Decides what to do with a match.
pub fn plan<'c>(catalogue: &'c Catalogue, m: &MatchResult) -> Plan<'c> {
    let Some(best) = m.best.as_deref().and_then(|id| catalogue.get(id)) else {
        let why = match (&m.unknown_code, m.candidates.first()) {
            (_, Some(c)) if m.resolved => format!(
                "the message tells of an error that is over (closest: {}), not one to fix",
                c.id
            ),
            (_, Some(c)) if m.discussed => format!(
                "the message talks about an error (closest: {}) rather than reports one",
                c.id
            ),
            (Some(code), _) => format!(
                "{code} looks like a Spotify error code, but the catalogue does not know it (a knowledge gap)"
            ),
            (None, Some(c)) => format!(
                "nothing matched confidently (closest: {} at {:.2}, below the threshold)",
                c.id, c.score
            ),
            (None, None) => "no Spotify error code or message in the text".to_string(),
        };
        return Plan::Silent { why };
    };
    let evidence = m
        .candidates
        .first()
        .map(|c| c.reason.excerpt.trim().to_string())
        .unwrap_or_default();
    let tied: Vec<&Entry> = m
        .candidates
        .iter()
        .filter(|c| c.score >= m.confidence - 0.04)
        .filter_map(|c| catalogue.get(&c.id))
        .collect();
    match m.tier {
        Tier::High if m.ambiguous && tied.len() > 1 => Plan::Choose {
            entries: tied,
            evidence,
        },
        Tier::High => Plan::Answer {
            entry: best,
            evidence,
        },
        Tier::Medium => Plan::Confirm {
            entry: best,
            others: m
                .candidates
                .iter()
                .skip(1)
                .filter_map(|c| catalogue.get(&c.id))
                .collect(),
        },
        Tier::Low => Plan::Silent {
            why: "confidence below the ask threshold".into(),
        },
    }
}

/// A terminal rendering of a plan, for `ask`.
pub fn plan_text(p: &Plan<'_>, m: &MatchResult) -> String {
    let mut out = String::new();
    let how = m
        .candidates
        .first()
        .map(|c| {
            let kind = match c.reason.kind {
                ReasonKind::Code => "code",
                ReasonKind::Message => "displayed message",
                ReasonKind::Phrase => "description",
                ReasonKind::Title => "title",
                ReasonKind::Description => "entry described by",
            };
            format!(
                "matched the {kind} {:?} in {:?}",
                c.reason.matched,
                c.reason.excerpt.trim()
            )
        })
        .unwrap_or_default();
    match p {
        Plan::Answer { entry, .. } => {
            let _ = writeln!(
                out,
                "The bot would answer with {} (confidence {:.2}; {how}):\n",
                entry.id, m.confidence
            );
            let total = entry.steps.len();
            let card = view::entry_card(
                entry,
                Progress::Step {
                    position: 0,
                    total,
                    step: 0,
                },
                &CardExtras::default(),
            );
            out.push_str(&view::card_text(&card));
            let _ = writeln!(
                out,
                "\n[✅ This fixed it] [➡️ Didn't work] [⬅️ Back] [💻 Change OS] [Not my problem]"
            );
        }
        Plan::Choose { entries, .. } => {
            let _ = writeln!(
                out,
                "The bot would ask which code you see (confidence {:.2}, several entries share this; {how}):",
                m.confidence
            );
            for e in entries {
                let _ = writeln!(out, "  • {}", view::option_label(e));
            }
        }
        Plan::Confirm { entry, .. } => {
            let _ = writeln!(
                out,
                "The bot would ask quietly: Is this **{}**? ({}) [Yes] [No] [Show all candidates]\n(confidence {:.2}; {how})",
                entry.id,
                entry.display_message(),
                m.confidence
            );
        }
        Plan::Silent { why } => {
            let _ = writeln!(out, "The bot would stay silent: {why}.");
        }
    }
    if m.truncated {
        let _ = writeln!(
            out,
            "(only the first {} characters were examined)",
            crate::matcher::MAX_SCAN_CHARS
        );
    }
    out
}

/// What a short reply in a help thread says about the step on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyIntent {
    /// "that fixed it!", "works now, thanks"
    Fixed,
    /// "still not working", "didn't work"
    NotFixed,
}

/// Reads a reply in a session's thread, only when it clearly says whether
/// the step worked: short, not a question, and free of the other reading
/// ("didn't fix it" is not "fixed it"). Anything else is `None`, and the bot
/// leaves the message to the humans.
pub fn reply_intent(text: &str) -> Option<ReplyIntent> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 80 || t.ends_with('?') {
        return None;
    }
    let norm: String = t
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '’' | '\'' => '\'',
            c if c.is_alphanumeric() || c.is_whitespace() => c,
            _ => ' ',
        })
        .collect();
    let words: Vec<&str> = norm.split_whitespace().collect();
    let s = format!(" {} ", words.join(" ")).replace('\'', "");
    const NOT_FIXED: &[&str] = &[
        " didnt work",
        " did not work",
        " didnt fix",
        " did not fix",
        " not working",
        " still not",
        " still doesnt",
        " still does not",
        " still getting",
        " still get ",
        " still the same",
        " still broken",
        " still happening",
        " still there",
        " no luck",
        " doesnt work",
        " does not work",
        " not fixed",
        " nope",
        " no change",
        " same error",
        " still shows",
        " still says",
        " didnt help",
        " did not help",
        " not work",
    ];
    const FIXED: &[&str] = &[
        " fixed it",
        " that fixed",
        " its fixed",
        " it is fixed",
        " it worked",
        " that worked",
        " this worked",
        " works now",
        " working now",
        " all good now",
        " solved it",
        " its solved",
        " problem solved",
        " worked thanks",
        " worked thank",
        " it works",
        " that did it",
        " that did the trick",
        " fixed thanks",
        " fixed thank",
    ];
    let negated = NOT_FIXED.iter().any(|p| s.contains(p));
    let fixed = FIXED.iter().any(|p| s.contains(p));
    match (fixed, negated) {
        (true, false) => Some(ReplyIntent::Fixed),
        (false, true) => Some(ReplyIntent::NotFixed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_replies_are_read_and_everything_else_is_left_alone() {
        for t in [
            "that fixed it!",
            "Works now, thanks",
            "it worked 🎉",
            "Fixed it, thank you so much",
        ] {
            assert_eq!(reply_intent(t), Some(ReplyIntent::Fixed), "{t}");
        }
        for t in [
            "still not working",
            "didn't work :(",
            "nope, same error",
            "That didn't fix it",
        ] {
            assert_eq!(reply_intent(t), Some(ReplyIntent::NotFixed), "{t}");
        }
        for t in [
            "did that fix it?",
            "which step should I try first",
            "it worked yesterday but now it doesn't work",
            "",
            "I tried flushing dns and then restarting the router and then reinstalling spotify and it worked for an hour",
        ] {
            assert_eq!(reply_intent(t), None, "{t}");
        }
    }
}
