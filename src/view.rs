//! One place that decides what an entry looks like.
//!
//! A [`Card`] is a pure view model (title, colour, description, fields,
//! footer) that the Discord adapter turns into an embed and the terminal
//! commands print as text. Keeping both on one model means `show` and `ask`
//! print exactly what the bot would post, and the catalogue validator can
//! check Discord's size limits on the real rendering.

use std::fmt::Write as _;

use crate::catalogue::{Entry, Platform};
use crate::session::{Entries, Origin, Session, Status};

/// A titled block of text inside a card (an embed field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// What the bot shows for an entry at some point of a troubleshooting walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub colour: u32,
    pub description: String,
    pub fields: Vec<Field>,
    pub footer: String,
}

/// Where the user is in the walk through an entry's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Showing the step at `position` (0-based) of the offered order, which
    /// is catalogue step number `step`.
    Step {
        position: usize,
        total: usize,
        step: usize,
    },
    /// Every step was tried: show the escalation advice.
    Escalated,
    /// Solved, at a catalogue step if one fixed it.
    Solved { step: Option<usize> },
    /// The steps differ per operating system and none is chosen yet.
    ChoosePlatform,
}

/// How often a step has worked, for the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRecord {
    pub solved: u64,
    pub tried: u64,
}

impl StepRecord {
    /// "fixed it for 63% of 41 users", once there is something to say.
    pub fn line(&self) -> Option<String> {
        if self.tried == 0 {
            return None;
        }
        let pct = (self.solved as f64 * 100.0 / self.tried as f64).round() as u64;
        let who = if self.tried == 1 { "user" } else { "users" };
        Some(format!("fixed it for {pct}% of {} {who}", self.tried))
    }
}

/// Extra context a card may carry.
#[derive(Debug, Clone, Default)]
pub struct CardExtras {
    pub platform: Option<Platform>,
    pub record: Option<StepRecord>,
    /// A line shown first, e.g. an outage notice or "read from your screenshot".
    pub banner: Option<String>,
}

/// Joins the cause chain the way the reference draws it.
pub fn cause_chain(entry: &Entry) -> String {
    entry.cause_chain.join(" → ")
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("• {c}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The displayed message(s), quoted, and the severity line.
fn description(entry: &Entry, extras: &CardExtras) -> String {
    let mut d = String::new();
    if let Some(b) = &extras.banner {
        let _ = writeln!(d, "{b}\n");
    }
    if entry.messages.is_empty() {
        if let Some(note) = &entry.message_note {
            let _ = writeln!(d, "*{note}*");
        }
    } else {
        for m in &entry.messages {
            let _ = writeln!(d, "> {m}");
        }
    }
    let platforms: Vec<&str> = entry.platforms.iter().map(|p| p.label()).collect();
    let _ = write!(
        d,
        "\n**Severity:** {} · **Seen on:** {}",
        entry.severity,
        platforms.join(", ")
    );
    d
}

/// The card for `entry` at `progress`.
pub fn entry_card(entry: &Entry, progress: Progress, extras: &CardExtras) -> Card {
    let mut fields = vec![
        Field {
            name: "Cause chain".into(),
            value: cause_chain(entry),
        },
        Field {
            name: "Likely causes".into(),
            value: bullets(&entry.causes),
        },
    ];
    let platform_label = extras
        .platform
        .map(|p| format!(" ({})", p.label()))
        .unwrap_or_default();
    match progress {
        Progress::Step {
            position,
            total,
            step,
        } => {
            if let Some(s) = entry.steps.get(step) {
                let kind = if s.diagnostic { " · check" } else { "" };
                fields.push(Field {
                    name: format!(
                        "Step {} of {total}{platform_label}{kind}: {}",
                        position + 1,
                        s.title
                    ),
                    value: step_text(entry, step, extras.platform),
                });
            }
        }
        Progress::Escalated => fields.push(Field {
            name: "Still stuck? Next stop".into(),
            value: entry.escalate.clone(),
        }),
        Progress::ChoosePlatform => fields.push(Field {
            name: "Which operating system?".into(),
            value: "The steps differ between Windows, macOS and Linux: pick yours below.".into(),
        }),
        Progress::Solved { step } => {
            let what = step
                .and_then(|i| entry.steps.get(i))
                .map(|s| format!("Solved by: {}", s.title))
                .unwrap_or_else(|| "Marked as solved.".into());
            fields.push(Field {
                name: "✅ Solved".into(),
                value: what,
            });
        }
    }
    let mut footer = entry.id.clone();
    if let Some(line) = extras.record.and_then(|r| r.line()) {
        let _ = write!(footer, " · this step {line}");
    }
    Card {
        title: format!("{} · {}", entry.id, entry.title),
        colour: entry.severity.colour(),
        description: description(entry, extras),
        fields,
        footer,
    }
}

/// A step's text for a platform. With no platform chosen and per-platform
/// wording present, every platform's wording is listed, labelled.
pub fn step_text(entry: &Entry, step: usize, platform: Option<Platform>) -> String {
    let Some(s) = entry.steps.get(step) else {
        return String::new();
    };
    match platform {
        Some(p) if s.variants.contains_key(&p) => s.text_for(Some(p)),
        Some(_) => s.text.clone(),
        None if s.variants.is_empty() => s.text.clone(),
        None => {
            let mut t = s.text.clone();
            for (p, v) in &s.variants {
                let _ = write!(t, "\n**{}:** {v}", p.label());
            }
            t
        }
    }
}

/// A card as plain text for a terminal.
pub fn card_text(card: &Card) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", card.title);
    let _ = writeln!(out, "{}", "=".repeat(card.title.chars().count().min(80)));
    let _ = writeln!(out, "{}\n", card.description);
    for f in &card.fields {
        let _ = writeln!(out, "## {}\n{}\n", f.name, f.value);
    }
    let _ = writeln!(out, "-- {}", card.footer);
    out
}

/// An entry in full, for `show`: the card's content with every step of the
/// walk, then the background, FAQ, escalation and sources.
pub fn entry_text(entry: &Entry, platform: Option<Platform>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} · {}", entry.id, entry.title);
    let _ = writeln!(
        out,
        "{}",
        "=".repeat((entry.id.chars().count() + entry.title.chars().count() + 3).min(80))
    );
    if !entry.also.is_empty() {
        let _ = writeln!(out, "Also answers to: {}", entry.also.join(", "));
    }
    let extras = CardExtras {
        platform,
        ..CardExtras::default()
    };
    let _ = writeln!(out, "{}\n", description(entry, &extras));
    let _ = writeln!(out, "## Cause chain\n{}\n", cause_chain(entry));
    let _ = writeln!(out, "## Likely causes\n{}\n", bullets(&entry.causes));
    let label = platform
        .map(|p| format!(" ({})", p.label()))
        .unwrap_or_default();
    let _ = writeln!(out, "## Steps{label}");
    for (i, s) in entry.steps.iter().enumerate() {
        let kind = if s.diagnostic { " [check]" } else { "" };
        let _ = writeln!(out, "{}. {}{kind}", i + 1, s.title);
        for line in step_text(entry, i, platform).lines() {
            let _ = writeln!(out, "   {line}");
        }
    }
    let _ = writeln!(out, "\n## Still stuck?\n{}", entry.escalate);
    if let Some(n) = &entry.notes {
        let _ = writeln!(out, "\n## Background\n{n}");
    }
    if !entry.faq.is_empty() {
        let _ = writeln!(out, "\n## FAQ");
        for f in &entry.faq {
            let _ = writeln!(out, "Q: {}\nA: {}\n", f.q, f.a);
        }
    }
    if !entry.related.is_empty() {
        let _ = writeln!(out, "\nRelated: {}", entry.related.join(", "));
    }
    let _ = writeln!(out, "Sources: {}", entry.sources.join(" · "));
    out
}

/// The label of an entry in a select menu or an autocomplete list.
pub fn option_label(entry: &Entry) -> String {
    format!("{} · {}", entry.id, entry.title)
}

/// A control under a card, before an adapter turns it into a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// ✅ This fixed it · ➡️ Didn't work · ⬅️ Back, for the card at `position`.
    Steps {
        position: usize,
        can_go_back: bool,
        last: bool,
    },
    /// ⬅️ Back from the escalation advice to the last step.
    BackFromEscalation { position: usize },
    /// 💻 Pick or change the operating system.
    Platform {
        current: Option<Platform>,
        choices: Vec<Platform>,
    },
    /// "Which code do you see?": (id, label) of each candidate.
    Candidates(Vec<(String, String)>),
    /// Start the walk again (a closed or finished session).
    Reopen,
    /// "Not my problem" under an answer the bot gave unprompted.
    NotMine,
}

/// A session as shown: its card and the controls under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub card: Card,
    pub controls: Vec<Control>,
}

/// The platforms a person can pick for an entry: those its steps have
/// wording for, else the three desktop systems.
fn platform_choices(entry: &Entry) -> Vec<Platform> {
    let v = entry.variant_platforms();
    if v.is_empty() {
        vec![Platform::Windows, Platform::Macos, Platform::Linux]
    } else {
        v
    }
}

/// The card and controls for `session`. `record` is how often the current
/// step worked for others; `banner` a line shown first. Returns `None` only
/// when the session's entry is no longer in the catalogue.
pub fn session_view(
    entries: &dyn Entries,
    session: &Session,
    record: Option<StepRecord>,
    banner: Option<String>,
) -> Option<SessionView> {
    let mut view = session_view_inner(entries, session, record, banner)?;
    // An answer nobody asked for by code may be wrong: let them say so.
    if session.status.is_active() && session.origin != Origin::Slash {
        view.controls.push(Control::NotMine);
    }
    Some(view)
}

fn session_view_inner(
    entries: &dyn Entries,
    session: &Session,
    record: Option<StepRecord>,
    banner: Option<String>,
) -> Option<SessionView> {
    let Some(id) = session.entry.as_deref() else {
        return Some(candidates_view(entries, &session.candidates, banner));
    };
    let entry = entries.entry(id)?;
    let extras = CardExtras {
        platform: session.platform,
        record,
        banner,
    };
    let platform_control = || Control::Platform {
        current: session.platform,
        choices: platform_choices(entry),
    };
    let total = session.order.len();
    let view = match session.status {
        Status::Solved => SessionView {
            card: entry_card(
                entry,
                Progress::Solved {
                    step: session.solution.as_ref().and_then(|s| s.step),
                },
                &extras,
            ),
            controls: vec![],
        },
        Status::Abandoned | Status::Expired => {
            let mut extras = extras;
            extras.banner = Some(format!(
                "*This session was {}. Press Start again to pick it up.*",
                session.status
            ));
            let card = match session.current_step() {
                Some(step) => entry_card(
                    entry,
                    Progress::Step {
                        position: session.position,
                        total,
                        step,
                    },
                    &extras,
                ),
                None => entry_card(entry, Progress::Escalated, &extras),
            };
            SessionView {
                card,
                controls: vec![Control::Reopen],
            }
        }
        Status::Open | Status::Escalated if session.awaiting_platform() => SessionView {
            card: entry_card(entry, Progress::ChoosePlatform, &extras),
            controls: vec![platform_control()],
        },
        Status::Open | Status::Escalated => match session.current_step() {
            Some(step) => {
                let mut controls = vec![Control::Steps {
                    position: session.position,
                    can_go_back: session.position > 0,
                    last: session.at_last_step(),
                }];
                if session.platform_matters {
                    controls.push(platform_control());
                }
                SessionView {
                    card: entry_card(
                        entry,
                        Progress::Step {
                            position: session.position,
                            total,
                            step,
                        },
                        &extras,
                    ),
                    controls,
                }
            }
            None => SessionView {
                card: entry_card(entry, Progress::Escalated, &extras),
                controls: vec![Control::BackFromEscalation {
                    position: session.position,
                }],
            },
        },
    };
    Some(view)
}

/// "Which code do you see?" for entries that share what was pasted.
pub fn candidates_view(
    entries: &dyn Entries,
    ids: &[String],
    banner: Option<String>,
) -> SessionView {
    let found: Vec<&Entry> = ids
        .iter()
        .filter_map(|id| entries.entry(id))
        .take(25)
        .collect();
    let mut description = String::new();
    if let Some(b) = banner {
        let _ = writeln!(description, "{b}\n");
    }
    let shared = found
        .first()
        .map(|e| e.display_message().to_string())
        .filter(|m| !m.is_empty() && found.iter().all(|e| e.messages.iter().any(|x| x == m)));
    if let Some(m) = shared {
        let _ = writeln!(description, "> {m}\n");
        description.push_str("Several errors show this message. ");
    } else {
        description.push_str("This could be one of several errors. ");
    }
    description.push_str(
        "Pick the code Spotify shows after the message, e.g. `(Error code: 17 / accesspoint:17)`.",
    );
    let fields = found
        .iter()
        .take(10)
        .map(|e| Field {
            name: option_label(e),
            value: e.cause_chain.join(" → "),
        })
        .collect();
    SessionView {
        card: Card {
            title: "Which error do you see?".into(),
            colour: found
                .first()
                .map(|e| e.severity.colour())
                .unwrap_or(0x1DB954),
            description,
            fields,
            footer: "spotify-error-bot".into(),
        },
        controls: vec![Control::Candidates(
            found
                .iter()
                .map(|e| (e.id.clone(), option_label(e)))
                .collect(),
        )],
    }
}
