//! Probable outages and moderators' incident notes, at the edge: every
//! answer about one error is a report (in the shared database, so every
//! process sees every report); the pure detector in [`crate::outage`]
//! decides, and answers during an outage lead with a banner and hold the
//! heavy steps back. `/spotify-error incident` posts or clears a note.

use std::fmt::Write as _;

use serenity::all::{CommandInteraction, Context};

use super::commands::Invocation;
use super::reply::Reply;
use super::{Data, answer_command, moderation, store_trouble};
use crate::outage::{Change, Notice, Outage};
use crate::store::{ANY_ENTRY, Incident, now_ms};

/// Counts `user` asking about `entry`, updates the entry's outage state,
/// and returns what answers about it should say. A database problem only
/// costs the banner: the answer goes out regardless.
pub(super) async fn report(d: &Data, entry: &str, guild: Option<u64>, user: u64) -> Notice {
    let now = now_ms();
    if let Err(e) = d.store.record_report(entry, guild, user, now).await {
        tracing::warn!(error = %e, "could not record a report");
    }
    let state = match current(d, entry).await {
        Ok(current) => assess(d, entry, current, now).await,
        Err(e) => Err(e),
    };
    let detected = match state {
        Ok(o) => o.is_some_and(|o| d.outage.holds(&o, now)),
        Err(e) => {
            tracing::warn!(error = %e, entry, "could not check for an outage");
            false
        }
    };
    Notice {
        detected,
        note: note_for(d, entry, guild).await,
    }
}

/// The stored outage of `entry`, if any.
async fn current(d: &Data, entry: &str) -> Result<Option<Outage>, crate::store::StoreError> {
    Ok(d.store
        .outages()
        .await?
        .into_iter()
        .find(|o| o.entry == entry))
}

/// Runs the detector for one entry from its stored state, writes what
/// changed, and returns the state now.
async fn assess(
    d: &Data,
    entry: &str,
    current: Option<Outage>,
    now: i64,
) -> Result<Option<Outage>, crate::store::StoreError> {
    let cfg = d.outage;
    let window_start = now - cfg.window_ms;
    let window = d.store.report_window(entry, window_start).await?;
    let baseline = d
        .store
        .report_total(entry, window_start - cfg.baseline_ms, window_start)
        .await?;
    match cfg.step(entry, current.as_ref(), window, baseline, now) {
        Change::None => Ok(current),
        Change::Upsert(o) => {
            if current.is_none() {
                tracing::warn!(
                    entry,
                    reports = window.reports,
                    users = window.users,
                    guilds = window.guilds,
                    "probable outage: many people report this error at once"
                );
                metrics::counter!(crate::admin::names::OUTAGES, "entry" => entry.to_string())
                    .increment(1);
            }
            d.store.save_outage(&o).await?;
            Ok(Some(o))
        }
        Change::Clear => {
            tracing::info!(entry, "outage over: reports are back to normal");
            d.store.clear_outage(entry).await?;
            Ok(None)
        }
    }
}

/// What answers about `entry` in `guild` should say now.
pub(super) async fn notice(d: &Data, entry: &str, guild: Option<u64>) -> Notice {
    let now = now_ms();
    let detected = match current(d, entry).await {
        Ok(o) => o.is_some_and(|o| d.outage.holds(&o, now)),
        Err(e) => {
            tracing::debug!(error = %e, "could not read outages");
            false
        }
    };
    Notice {
        detected,
        note: note_for(d, entry, guild).await,
    }
}

/// The moderators' note for `entry` in `guild`: one about this error wins
/// over a general one.
async fn note_for(d: &Data, entry: &str, guild: Option<u64>) -> Option<String> {
    let g = guild?;
    match d.store.incidents(g).await {
        Ok(list) => list
            .iter()
            .find(|i| i.entry == entry)
            .or_else(|| list.iter().find(|i| i.entry == ANY_ENTRY))
            .map(|i| i.note.clone()),
        Err(e) => {
            tracing::debug!(error = %e, "could not read incident notes");
            None
        }
    }
}

/// Ends outages whose reports died down (nobody asks about them any more,
/// so no answer runs the detector for them).
pub(super) async fn sweep(d: &Data, now: i64) {
    let list = match d.store.outages().await {
        Ok(l) => l,
        Err(e) => return tracing::warn!(error = %e, "could not read outages"),
    };
    for o in list {
        let entry = o.entry.clone();
        if let Err(e) = assess(d, &entry, Some(o), now).await {
            tracing::warn!(error = %e, entry = %entry, "could not re-check an outage");
        }
    }
    // Reports older than the baseline are no longer needed.
    let horizon = now - d.outage.baseline_ms - d.outage.window_ms;
    if let Err(e) = d.store.prune_reports(horizon).await {
        tracing::warn!(error = %e, "could not prune old reports");
    }
}

/// `/spotify-error incident [note] [code] [clear]`.
pub(super) async fn on_incident(ctx: &Context, d: &Data, c: &CommandInteraction, inv: &Invocation) {
    let guild = c.guild_id.map(|g| g.get());
    let user = c.user.id.get();
    let note = inv.str("note").map(|n| n.trim().to_string());
    let code = inv.str("code").map(|s| s.trim().to_string());
    let clear = inv.bool("clear").unwrap_or(false);
    let work = async move {
        let Some(guild) = guild else {
            return Reply::private("Incident notes are per server; use this in a server.");
        };
        if !moderation::is_moderator(d, Some(guild), c.member.as_deref()).await {
            return Reply::private(moderation::NOT_A_MODERATOR);
        }
        let entry = match code.as_deref().filter(|c| !c.is_empty()) {
            None => ANY_ENTRY.to_string(),
            Some(code) => match d.kb().catalogue.get(code) {
                Some(e) => e.id.clone(),
                None => {
                    return Reply::private(format!(
                        "I don't know `{}`; pick a code from the list.",
                        super::lookup::short(code)
                    ));
                }
            },
        };
        let scope = if entry == ANY_ENTRY {
            "every answer".to_string()
        } else {
            format!("answers about `{entry}`")
        };
        if clear {
            return match d.store.clear_incident(guild, &entry).await {
                Ok(true) => Reply::private(format!("Cleared the note on {scope}.")),
                Ok(false) => Reply::private(format!("There was no note on {scope}.")),
                Err(e) => Reply::private(store_trouble(&e)),
            };
        }
        if let Some(note) = note.filter(|n| !n.is_empty()) {
            let incident = Incident {
                guild_id: guild,
                entry,
                note: super::lookup::clip(&note, 300),
                by: user,
                at: now_ms(),
            };
            return match d.store.set_incident(&incident).await {
                Ok(()) => Reply::private(format!(
                    "Posted. {} now lead with:\n📢 **Moderator note:** {}\nClear it with `/spotify-error incident clear:true`{}.",
                    capitalise(&scope),
                    incident.note,
                    if incident.entry == ANY_ENTRY {
                        String::new()
                    } else {
                        format!(" code:{}", incident.entry)
                    }
                )),
                Err(e) => Reply::private(store_trouble(&e)),
            };
        }
        list(d, guild).await
    };
    answer_command(ctx, c, true, work).await;
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The notes of a server and the outages detected everywhere.
async fn list(d: &Data, guild: u64) -> Reply {
    let now = now_ms();
    let mut text = String::new();
    match d.store.incidents(guild).await {
        Ok(notes) if notes.is_empty() => text.push_str("**Incident notes:** none.\n"),
        Ok(notes) => {
            text.push_str("**Incident notes:**\n");
            for n in notes {
                let scope = if n.entry == ANY_ENTRY {
                    "every error".to_string()
                } else {
                    format!("`{}`", n.entry)
                };
                let _ = writeln!(
                    text,
                    "• {scope}: {} (by <@{}>, {} ago)",
                    n.note,
                    n.by,
                    crate::lifecycle::human_duration(now - n.at)
                );
            }
        }
        Err(e) => return Reply::private(store_trouble(&e)),
    }
    match d.store.outages().await {
        Ok(list) => {
            let active: Vec<_> = list.iter().filter(|o| d.outage.holds(o, now)).collect();
            if active.is_empty() {
                text.push_str("**Probable outages:** none detected.\n");
            } else {
                text.push_str("**Probable outages** (many reports at once):\n");
                for o in active {
                    let _ = writeln!(
                        text,
                        "• `{}` since {} ago, up to {} reports from {} servers in {} min",
                        o.entry,
                        crate::lifecycle::human_duration(now - o.started_at),
                        o.peak_reports,
                        o.peak_guilds,
                        d.outage.window_ms / 60_000
                    );
                }
            }
        }
        Err(e) => return Reply::private(store_trouble(&e)),
    }
    text.push_str("\nPost a note with `/spotify-error incident note:… [code:…]`.");
    Reply::private(text)
}
