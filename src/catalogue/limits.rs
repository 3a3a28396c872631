//! Discord's size limits, checked against every card an entry renders to.
//!
//! An entry that cannot fit is a catalogue error, never a silent truncation:
//! the check renders the real cards (each step, each platform, escalation,
//! solved) with the longest footer the bot can add.

use super::model::Entry;
use crate::view::{self, Card, CardExtras, Progress, StepRecord};

/// The limits Discord enforces on what the bot sends.
pub struct DiscordLimits;

impl DiscordLimits {
    pub const EMBED_TITLE: usize = 256;
    pub const EMBED_DESCRIPTION: usize = 4096;
    pub const EMBED_FIELDS: usize = 25;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    pub const EMBED_TOTAL: usize = 6000;
    pub const SELECT_LABEL: usize = 100;
    pub const SELECT_DESCRIPTION: usize = 100;
    pub const AUTOCOMPLETE_NAME: usize = 100;
    pub const AUTOCOMPLETE_CHOICES: usize = 25;
    pub const CUSTOM_ID: usize = 100;
    pub const ACTION_ROWS: usize = 5;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const MESSAGE_CONTENT: usize = 2000;
}

/// Room kept for what the bot adds around an entry's own text at run time
/// (an outage or "read from your screenshot" banner).
const BANNER_ROOM: usize = 300;

fn len(s: &str) -> usize {
    s.chars().count()
}

/// Problems with one card, as (field, message).
pub fn check_card(card: &Card, what: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut over = |field: &str, n: usize, max: usize| {
        if n > max {
            out.push((
                field.to_string(),
                format!("{what}: {n} characters, Discord allows {max}"),
            ));
        }
    };
    over("title", len(&card.title), DiscordLimits::EMBED_TITLE);
    over(
        "messages",
        len(&card.description) + BANNER_ROOM,
        DiscordLimits::EMBED_DESCRIPTION,
    );
    over("footer", len(&card.footer), DiscordLimits::FOOTER);
    for f in &card.fields {
        over(&f.name, len(&f.name), DiscordLimits::FIELD_NAME);
        over(&f.name, len(&f.value), DiscordLimits::FIELD_VALUE);
    }
    if card.fields.len() > DiscordLimits::EMBED_FIELDS {
        out.push((
            "steps".into(),
            format!("{what}: {} fields, Discord allows 25", card.fields.len()),
        ));
    }
    let total = len(&card.title)
        + len(&card.description)
        + BANNER_ROOM
        + len(&card.footer)
        + card
            .fields
            .iter()
            .map(|f| len(&f.name) + len(&f.value))
            .sum::<usize>();
    if total > DiscordLimits::EMBED_TOTAL {
        out.push((
            "entry".into(),
            format!(
                "{what}: the embed totals {total} characters, Discord allows {}",
                DiscordLimits::EMBED_TOTAL
            ),
        ));
    }
    out
}

/// Every limit problem of an entry, as (field, message).
pub fn check_entry(entry: &Entry) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let record = Some(StepRecord {
        solved: 999_999,
        tried: 1_000_000,
    });
    let mut platforms = vec![None];
    platforms.extend(entry.variant_platforms().into_iter().map(Some));
    let total = entry.steps.len();
    for platform in platforms {
        let extras = CardExtras {
            platform,
            record,
            banner: None,
        };
        let on = platform
            .map(|p| format!(" on {}", p.label()))
            .unwrap_or_default();
        for step in 0..total {
            let card = view::entry_card(
                entry,
                Progress::Step {
                    position: step,
                    total,
                    step,
                },
                &extras,
            );
            for (field, msg) in check_card(&card, &format!("step {}{on}", step + 1)) {
                let field = if field.starts_with("Step ") {
                    format!("steps[{step}]")
                } else {
                    field
                };
                out.push((field, msg));
            }
        }
        for progress in [Progress::Escalated, Progress::Solved { step: None }] {
            let card = view::entry_card(entry, progress, &extras);
            for (field, msg) in check_card(&card, &format!("{progress:?}{on}")) {
                let field = if field.starts_with("Still stuck") {
                    "escalate".into()
                } else {
                    field
                };
                out.push((field, msg));
            }
        }
    }
    let label = view::option_label(entry);
    if len(&label) > DiscordLimits::SELECT_LABEL {
        out.push((
            "title".into(),
            format!(
                "the menu label {label:?} is {} characters, Discord allows {}",
                len(&label),
                DiscordLimits::SELECT_LABEL
            ),
        ));
    }
    out.sort();
    out.dedup();
    out
}
