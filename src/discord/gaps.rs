//! Knowledge gaps on Discord: recording what the catalogue could not
//! answer, `/spotify-error gaps` and `/spotify-error draft` for moderators,
//! and forgetting the text of deleted messages.

use std::fmt::Write as _;

use serenity::all::{
    ButtonStyle, CommandInteraction, Context, CreateActionRow, CreateAttachment, CreateButton,
    CreateEmbed, CreateEmbedFooter,
};

use super::commands::Invocation;
use super::custom_id::{self, Action};
use super::lookup::clip;
use super::reply::Reply;
use super::{Data, answer_command, moderation, store_trouble};
use crate::catalogue::file_stem_for;
use crate::gaps::{DraftSource, Gap, GapKind, draft_toml};
use crate::store::{GapRecord, GapSighting, GapStatus, now_ms};

const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;

/// Counts a gap seen in a message (or a lookup); failures are only logged.
pub(super) async fn record(
    d: &Data,
    gap: &Gap,
    guild: Option<u64>,
    channel: u64,
    message: u64,
    text: Option<&str>,
) {
    let s = GapSighting {
        gap,
        guild_id: guild,
        channel_id: channel,
        message_id: message,
        text,
        at: now_ms(),
    };
    match d.store.record_gap(&s).await {
        Ok(()) => tracing::info!(gap = %gap.key, "knowledge gap recorded"),
        Err(e) => tracing::warn!(error = %e, "could not record a knowledge gap"),
    }
}

fn link(e: &crate::store::GapExample) -> String {
    let g = e.guild_id.map_or("@me".to_string(), |g| g.to_string());
    format!(
        "https://discord.com/channels/{g}/{}/{}",
        e.channel_id, e.message_id
    )
}

/// The gaps list moderators see, with buttons for the first five.
async fn list(d: &Data) -> Reply {
    let gaps = match d.store.gaps(now_ms() - WEEK_MS, 10).await {
        Ok(g) => g,
        Err(e) => return Reply::private(store_trouble(&e)),
    };
    if gaps.is_empty() {
        return Reply::private("No open knowledge gaps this week. 🎉");
    }
    let mut embed = CreateEmbed::new()
        .title("Knowledge gaps this week")
        .colour(0xF59E0B)
        .description(
            "What people asked about that the catalogue could not answer, most frequent first. \
             `/spotify-error draft code:…` gives a draft entry to review and send as a pull request.",
        )
        .footer(CreateEmbedFooter::new("spotify-error-bot"));
    let mut rows = Vec::new();
    for g in gaps.iter().take(10) {
        embed = embed.field(clip(&title(g), 256), clip(&details(g), 1024), false);
        if rows.len() < 5 {
            let noise = Action::Gap {
                added: false,
                gap: g.key.clone(),
            }
            .encode();
            let added = Action::Gap {
                added: true,
                gap: g.key.clone(),
            }
            .encode();
            if noise.len() <= custom_id::MAX_LEN && added.len() <= custom_id::MAX_LEN {
                rows.push(CreateActionRow::Buttons(vec![
                    CreateButton::new(noise)
                        .style(ButtonStyle::Secondary)
                        .label(clip(&format!("Noise: {}", g.label), 80)),
                    CreateButton::new(added)
                        .style(ButtonStyle::Success)
                        .label(clip(&format!("Added: {}", g.label), 80)),
                ]));
            }
        }
    }
    Reply {
        embeds: vec![embed],
        components: rows,
        ephemeral: true,
        ..Reply::default()
    }
}

fn title(g: &GapRecord) -> String {
    let kind = match g.kind {
        GapKind::Code => "code",
        GapKind::Text => "report",
    };
    format!(
        "{} ({kind}) · seen {} time(s) in {} server(s)",
        g.label, g.seen, g.guilds
    )
}

fn details(g: &GapRecord) -> String {
    let mut out = String::new();
    match &g.solution {
        Some(s) => {
            let _ = writeln!(out, "✅ a fix was marked: {}", clip(s, 200));
        }
        None => {
            let _ = writeln!(out, "No fix marked yet.");
        }
    }
    for e in g.examples.iter().take(3) {
        let _ = writeln!(out, "• {}", link(e));
    }
    out
}

pub(super) async fn on_gaps(ctx: &Context, d: &Data, c: &CommandInteraction) {
    let guild = c.guild_id.map(|g| g.get());
    let work = async {
        if !moderation::is_moderator(d, guild, c.member.as_deref()).await {
            return Reply::private(moderation::NOT_A_MODERATOR);
        }
        list(d).await
    };
    answer_command(ctx, c, true, work).await;
}

/// A Noise / Added button under the gaps list.
pub(super) async fn on_button(
    d: &Data,
    guild: Option<u64>,
    member: Option<&serenity::all::Member>,
    added: bool,
    key: &str,
) -> Reply {
    if !moderation::is_moderator(d, guild, member).await {
        return Reply::private(moderation::NOT_A_MODERATOR);
    }
    let status = if added {
        GapStatus::Added
    } else {
        GapStatus::Dismissed
    };
    match d.store.set_gap_status(key, status).await {
        Ok(_) => {
            let mut r = list(d).await;
            r.ephemeral = false; // an update of the (ephemeral) list
            r
        }
        Err(e) => Reply::private(store_trouble(&e)),
    }
}

pub(super) async fn on_draft(ctx: &Context, d: &Data, c: &CommandInteraction, inv: &Invocation) {
    let guild = c.guild_id.map(|g| g.get());
    let code = inv.str("code").unwrap_or("").trim().to_lowercase();
    let work = async {
        if !moderation::is_moderator(d, guild, c.member.as_deref()).await {
            return Reply::private(moderation::NOT_A_MODERATOR);
        }
        if d.kb().catalogue.get(&code).is_some() {
            return Reply::private(format!(
                "`{}` is already in the catalogue.",
                super::lookup::short(&code)
            ));
        }
        let gap = match d.store.gap(&format!("code:{code}")).await {
            Ok(Some(g)) => g,
            Ok(None) => {
                return Reply::private(format!(
                    "No knowledge gap `{}` has been recorded. `/spotify-error gaps` lists them.",
                    super::lookup::short(&code)
                ));
            }
            Err(e) => return Reply::private(store_trouble(&e)),
        };
        let toml = draft_for(&gap);
        let name = format!("{}.toml", file_stem_for(&gap.label));
        Reply {
            content: Some(format!(
                "Draft for `{}`: review it, remove the `draft` line and open a pull request adding it to `catalogue/`.",
                gap.label
            )),
            files: vec![CreateAttachment::bytes(toml.into_bytes(), name)],
            ephemeral: true,
            ..Reply::default()
        }
    };
    answer_command(ctx, c, true, work).await;
}

/// The draft entry for a recorded code gap.
pub fn draft_for(g: &GapRecord) -> String {
    let mut links: Vec<String> = g.solution_link.iter().cloned().collect();
    links.extend(g.examples.iter().map(link));
    links.dedup();
    draft_toml(&DraftSource {
        code: g.label.clone(),
        examples: g.examples.iter().filter_map(|e| e.text.clone()).collect(),
        solution: g.solution.clone(),
        links,
        times_seen: g.seen,
    })
}
