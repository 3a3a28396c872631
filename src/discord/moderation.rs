//! What moderators do: **Mark as solution** (message context menu),
//! `/spotify-error solved`, `/spotify-error config`; and `/spotify-error
//! stats`, which everyone may read.
//!
//! Who is a moderator is decided here, by the bot, on every action: members
//! with Manage Threads, Manage Messages, Manage Server or Administrator in the
//! channel (as Discord computes them for the interaction), or with a role
//! the guild configured. Discord's command permissions are not relied on.

use std::fmt::Write as _;

use serenity::all::{
    Channel, ChannelId, CommandInteraction, Context, CreateEmbed, CreateEmbedFooter, EditThread,
    ForumTagId, Http, Member, Message, Permissions,
};

use super::commands::Invocation;
use super::custom_id::Action;
use super::lookup::{clip, session_reply};
use super::reply::Reply;
use super::{Data, answer_command, retry, store_trouble};
use crate::session::{Command, Session};
use crate::store::{self, GuildConfig, ReplyMode, UpdateError, now_ms};

const MODERATOR_PERMISSIONS: Permissions = Permissions::MANAGE_THREADS
    .union(Permissions::MANAGE_MESSAGES)
    .union(Permissions::MANAGE_GUILD)
    .union(Permissions::ADMINISTRATOR);

/// Whether `member` may act as a moderator in `guild`.
pub(super) async fn is_moderator(d: &Data, guild: Option<u64>, member: Option<&Member>) -> bool {
    let (Some(guild), Some(member)) = (guild, member) else {
        return false;
    };
    if member
        .permissions
        .is_some_and(|p| p.intersects(MODERATOR_PERMISSIONS))
    {
        return true;
    }
    if member.roles.is_empty() {
        return false;
    }
    match d.guild_config(guild).await {
        Ok(c) => member
            .roles
            .iter()
            .any(|r| c.moderator_roles.contains(&r.get())),
        Err(e) => {
            tracing::warn!(error = %e, "could not read moderator roles");
            false
        }
    }
}

pub(super) const NOT_A_MODERATOR: &str = "Only moderators can do that (Manage Threads or Manage Messages, or a moderator role set with `/spotify-error config`).";

/// The session a bot card belongs to and the catalogue step it showed, read
/// from the card's own buttons.
fn card_target(d: &Data, msg: &Message) -> Option<(u64, Option<usize>)> {
    if msg.author.id.get() != d.bot_user_id() {
        return None;
    }
    let mut key = None;
    let mut at = None;
    for row in &msg.components {
        for comp in &row.components {
            let id = match comp {
                serenity::all::ActionRowComponent::Button(b) => match &b.data {
                    serenity::all::ButtonKind::NonLink { custom_id, .. } => custom_id.as_str(),
                    _ => continue,
                },
                serenity::all::ActionRowComponent::SelectMenu(s) => match &s.custom_id {
                    Some(id) => id.as_str(),
                    None => continue,
                },
                _ => continue,
            };
            if let Ok(a) = Action::decode(id) {
                key = key.or(a.key());
                if let Action::Fixed { at: p, .. } = a {
                    at = Some(p);
                }
            }
        }
    }
    key.map(|k| (k, at))
}

pub(super) async fn on_mark_solution(ctx: &Context, d: &Data, c: CommandInteraction) {
    let guild = c.guild_id.map(|g| g.get());
    let thread = c.channel_id.get();
    let target = c
        .data
        .target_id
        .and_then(|t| c.data.resolved.messages.get(&t.to_message_id()))
        .cloned();
    let moderator = c.user.id.get();
    let lock_after = std::sync::Mutex::new(None);
    let work = async {
        if !is_moderator(d, guild, c.member.as_deref()).await {
            return Reply::private(NOT_A_MODERATOR);
        }
        let Some(target) = target else {
            return Reply::private("I could not see that message; try again.");
        };
        let (key, step_at, message_id) = match card_target(d, &target) {
            Some((key, at)) => (key, at, None),
            None => (thread, None, Some(target.id.get())),
        };
        let session = match d.store.load_session(key).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return mark_gap(ctx, d, thread, guild, moderator, &target).await;
            }
            Err(e) => return Reply::private(store_trouble(&e)),
        };
        let step = step_at.and_then(|at| session.order.get(at).copied());
        let link = message_id.map(|m| message_link(guild, thread, m));
        let note = link.clone();
        let reply = mark(ctx, d, key, moderator, step, message_id, note, guild).await;
        if reply.ephemeral {
            return reply;
        }
        if let Ok(mut l) = lock_after.lock() {
            *l = Some(key);
        }
        reply
    };
    answer_command(ctx, &c, false, work).await;
    let key = lock_after.lock().ok().and_then(|mut l| l.take());
    if let Some(key) = key {
        lock_if_configured(ctx, d, key, guild).await;
    }
}

pub(super) async fn on_solved(ctx: &Context, d: &Data, c: &CommandInteraction, inv: &Invocation) {
    let guild = c.guild_id.map(|g| g.get());
    let thread = c.channel_id.get();
    let note = inv.str("note").map(|n| clip(n.trim(), 300));
    let moderator = c.user.id.get();
    let marked = std::sync::Mutex::new(false);
    let work = async {
        if !is_moderator(d, guild, c.member.as_deref()).await {
            return Reply::private(NOT_A_MODERATOR);
        }
        let session = match d.store.load_session(thread).await {
            Ok(Some(s)) => s,
            Ok(None) => return Reply::private(no_session_here()),
            Err(e) => return Reply::private(store_trouble(&e)),
        };
        let step = session.current_step();
        let note = match (&note, step) {
            (None, None) => Some("Marked solved by a moderator.".to_string()),
            _ => note.clone(),
        };
        let reply = mark(ctx, d, thread, moderator, step, None, note, guild).await;
        if !reply.ephemeral {
            if let Ok(mut m) = marked.lock() {
                *m = true;
            }
        }
        reply
    };
    answer_command(ctx, c, false, work).await;
    if marked.lock().is_ok_and(|m| *m) {
        lock_if_configured(ctx, d, thread, guild).await;
    }
}

/// A solution marked in a thread whose error the catalogue does not know:
/// kept with the knowledge gap, for its draft entry.
async fn mark_gap(
    ctx: &Context,
    d: &Data,
    thread: u64,
    guild: Option<u64>,
    moderator: u64,
    target: &Message,
) -> Reply {
    let key = match d.store.gap_for_channel(thread).await {
        Ok(Some(k)) => k,
        Ok(None) => return Reply::private(no_session_here()),
        Err(e) => return Reply::private(store_trouble(&e)),
    };
    let link = message_link(guild, thread, target.id.get());
    let text = clip(target.content.trim(), 1000);
    if text.is_empty() {
        return Reply::private("That message has no text to keep as the fix.");
    }
    if let Err(e) = d.store.set_gap_solution(&key, &text, &link).await {
        return Reply::private(store_trouble(&e));
    }
    let tagged = close_thread(ctx, d, thread, guild).await;
    let label = key.split_once(':').map_or(key.as_str(), |(_, l)| l);
    let mut out = format!(
        "✅ <@{moderator}> marked [this message]({link}) as the fix for `{label}`, which the catalogue does not cover yet. Moderators can turn it into a draft entry with `/spotify-error draft`."
    );
    if tagged {
        out.push_str(" Tagged as solved.");
    }
    Reply::text(out)
}

fn no_session_here() -> String {
    "There is no troubleshooting session here to mark. Start one with `/spotify-error lookup`, then mark what fixed it.".to_string()
}

fn message_link(guild: Option<u64>, channel: u64, message: u64) -> String {
    let g = guild.map_or("@me".to_string(), |g| g.to_string());
    format!("https://discord.com/channels/{g}/{channel}/{message}")
}

/// Records the solution, tags the thread, updates the card; returns the
/// public confirmation (or a private refusal).
#[allow(clippy::too_many_arguments)]
async fn mark(
    ctx: &Context,
    d: &Data,
    key: u64,
    moderator: u64,
    step: Option<usize>,
    message_id: Option<u64>,
    note: Option<String>,
    guild: Option<u64>,
) -> Reply {
    let cmd = Command::MarkSolution {
        by_moderator: moderator,
        step,
        message_id,
        note,
    };
    let t = match store::apply_command(d.store.as_ref(), &*d.kb().catalogue, key, cmd, now_ms())
        .await
    {
        Ok(t) => t,
        Err(UpdateError::Refused(r)) => return Reply::private(r.to_string()),
        Err(UpdateError::Store(e)) => return Reply::private(store_trouble(&e)),
    };
    let s = t.session;
    metrics::counter!(crate::admin::names::SESSIONS_SOLVED, "by" => "moderator").increment(1);
    let tagged = close_thread(ctx, d, key, guild).await;
    refresh_card(&ctx.http, d, &s).await;
    Reply::text(confirmation(d, &s, moderator, tagged))
}

fn confirmation(d: &Data, s: &Session, moderator: u64, tagged: bool) -> String {
    let kb = d.kb();
    let entry = s.entry.as_deref().and_then(|id| kb.catalogue.get(id));
    let mut out = format!("✅ <@{moderator}> marked this as solved");
    if let Some(sol) = &s.solution {
        match (sol.step, entry) {
            (Some(i), Some(e)) => {
                if let Some(step) = e.steps.get(i) {
                    let _ = write!(out, ": step {} of `{}`, **{}**", i + 1, e.id, step.title);
                }
            }
            _ => {
                if let Some(e) = entry {
                    let _ = write!(out, " (`{}`)", e.id);
                }
                if let Some(m) = sol.message_id {
                    let _ = write!(
                        out,
                        ", by [this message]({})",
                        message_link(s.guild_id, s.thread_id, m)
                    );
                }
            }
        }
    }
    out.push('.');
    if tagged {
        out.push_str(" Tagged as solved.");
    }
    out.push_str(" It now counts towards the fixes offered first.");
    out
}

/// Re-renders the session's card message, when the bot knows which it is.
pub(super) async fn refresh_card(http: &Http, d: &Data, s: &Session) {
    let Some(message) = s.answer_message_id else {
        return;
    };
    let reply = session_reply(d, s, None).await;
    let edit = reply.edit_message();
    let channel = ChannelId::new(s.thread_id);
    if let Err(e) = retry::idempotent("refresh card", || {
        channel.edit_message(http, message, edit.clone())
    })
    .await
    {
        tracing::debug!(error = %e, "could not refresh a card");
    }
}

/// Applies the guild's "Solved" tag to a forum post. Returns whether the
/// tag is (now) on the post. Other channels are left alone.
pub(super) async fn close_thread(ctx: &Context, d: &Data, thread: u64, guild: Option<u64>) -> bool {
    let Some(guild) = guild else { return false };
    let config = match d.guild_config(guild).await {
        Ok(c) => c,
        Err(_) => GuildConfig::defaults(guild),
    };
    let Some(tag_name) = config.solved_tag.clone() else {
        return false;
    };
    let channel = ChannelId::new(thread);
    let Ok(Channel::Guild(post)) =
        retry::idempotent("get thread", || ctx.http.get_channel(channel)).await
    else {
        return false;
    };
    let Some(parent) = post.parent_id else {
        return false;
    };
    let Ok(Channel::Guild(forum)) =
        retry::idempotent("get forum", || ctx.http.get_channel(parent)).await
    else {
        return false;
    };
    let Some(tag) = forum
        .available_tags
        .iter()
        .find(|t| t.name.trim().eq_ignore_ascii_case(tag_name.trim()))
    else {
        return false;
    };
    if post.applied_tags.contains(&tag.id) {
        return true;
    }
    // Discord allows five tags on a post: the Solved tag takes precedence.
    let mut tags: Vec<ForumTagId> = post.applied_tags.iter().copied().take(4).collect();
    tags.push(tag.id);
    let edit = EditThread::new().applied_tags(tags);
    match retry::idempotent("tag solved", || {
        channel.edit_thread(&ctx.http, edit.clone())
    })
    .await
    {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, thread, "could not apply the solved tag");
            false
        }
    }
}

/// Locks and archives a solved forum post when the guild asked for it.
async fn lock_if_configured(ctx: &Context, d: &Data, thread: u64, guild: Option<u64>) {
    let Some(guild) = guild else { return };
    let Ok(config) = d.guild_config(guild).await else {
        return;
    };
    if !config.lock_on_solve {
        return;
    }
    let channel = ChannelId::new(thread);
    let edit = EditThread::new().locked(true).archived(true);
    if let Err(e) = retry::idempotent("lock thread", || {
        channel.edit_thread(&ctx.http, edit.clone())
    })
    .await
    {
        tracing::warn!(error = %e, thread, "could not lock a solved thread");
    }
}

pub(super) async fn on_stats(ctx: &Context, d: &Data, c: &CommandInteraction, inv: &Invocation) {
    let days = inv.int("days").unwrap_or(30).clamp(1, 365);
    let guild = c.guild_id.map(|g| g.get());
    let work = async move {
        let since = now_ms() - days * 24 * 3600 * 1000;
        let report = match d.store.stats(guild, since).await {
            Ok(r) => r,
            Err(e) => return Reply::private(store_trouble(&e)),
        };
        let title = |id: &str| {
            d.kb()
                .catalogue
                .get(id)
                .map(|e| format!("`{}` {}", e.id, e.title))
                .unwrap_or_else(|| format!("`{id}`"))
        };
        let or_none = |s: String| {
            if s.is_empty() {
                "None yet.".to_string()
            } else {
                clip(&s, 1024)
            }
        };
        let mut top = String::new();
        for t in report.top_errors.iter().take(5) {
            let _ = writeln!(top, "{} × {}", t.sessions, title(&t.entry));
        }
        let mut res = String::new();
        for r in report.resolution.iter().take(5) {
            let pct = (r.solved * 100).checked_div(r.total).unwrap_or(0);
            let _ = writeln!(res, "`{}`: {pct}% ({} of {})", r.entry, r.solved, r.total);
        }
        let mut best = String::new();
        for b in report.best_steps.iter().take(5) {
            let name = d
                .kb()
                .catalogue
                .get(&b.entry)
                .and_then(|e| e.steps.get(b.step))
                .map(|s| s.title.clone())
                .unwrap_or_else(|| format!("step {}", b.step + 1));
            let _ = writeln!(
                best,
                "`{}` {}: fixed {} of {}",
                b.entry,
                name,
                b.solved,
                b.tried.max(b.solved)
            );
        }
        let mut waiting = String::new();
        for w in report.waiting.iter().take(5) {
            let hours = (now_ms() - w.updated_at).max(0) / 3_600_000;
            let _ = writeln!(
                waiting,
                "<#{}> `{}` ({}, idle {hours} h)",
                w.thread_id,
                w.entry.as_deref().unwrap_or("?"),
                w.status
            );
        }
        let timings = match d.store.sessions_since(guild, since, 5000).await {
            Ok(list) => crate::lifecycle::Timings::of(&list),
            Err(e) => return Reply::private(store_trouble(&e)),
        };
        let median = |m: Option<i64>| {
            m.map(crate::lifecycle::human_duration)
                .unwrap_or_else(|| "n/a".into())
        };
        let mut threads = format!(
            "First answer: median {} ({} answered unprompted)\nSolved: median {} after the question ({} solved)\n",
            median(timings.first_answer_median_ms),
            timings.first_answer_n,
            median(timings.solved_median_ms),
            timings.solved,
        );
        match timings.abandonment_rate() {
            Some(r) => {
                let _ = write!(
                    threads,
                    "Abandoned: {:.0}% of {} finished threads",
                    r * 100.0,
                    timings.finished
                );
            }
            None => threads.push_str("Abandoned: n/a (no finished threads)"),
        }
        let embed = CreateEmbed::new()
            .title(format!("Spotify errors: the last {days} days"))
            .colour(0x1DB954)
            .field("Most frequent errors", or_none(top), false)
            .field("Resolution rates", or_none(res), false)
            .field("Steps that fixed it most", or_none(best), false)
            .field("Open threads", or_none(waiting), false)
            .field("How threads went", threads, false)
            .footer(CreateEmbedFooter::new("spotify-error-bot"));
        Reply {
            embeds: vec![embed],
            ephemeral: true,
            ..Reply::default()
        }
    };
    answer_command(ctx, c, true, work).await;
}

pub(super) async fn on_config(ctx: &Context, d: &Data, c: &CommandInteraction, inv: &Invocation) {
    let guild = c.guild_id.map(|g| g.get());
    let work = async {
        let Some(guild) = guild else {
            return Reply::private("Settings are per server; use this in a server.");
        };
        if !is_moderator(d, Some(guild), c.member.as_deref()).await {
            return Reply::private(NOT_A_MODERATOR);
        }
        let mut config = match d.store.guild_config(guild).await {
            Ok(c) => c,
            Err(e) => return Reply::private(store_trouble(&e)),
        };
        let mut changes = Vec::new();
        match (inv.channel("channel"), inv.bool("enabled")) {
            (Some(ch), enabled) => {
                if enabled.unwrap_or(true) {
                    config.enabled_channels.insert(ch);
                    changes.push(format!("free-text answers on in <#{ch}>"));
                } else {
                    config.enabled_channels.remove(&ch);
                    changes.push(format!("free-text answers off in <#{ch}>"));
                }
            }
            (None, Some(_)) => {
                return Reply::private("Say which channel: `channel:` with `enabled:`.");
            }
            (None, None) => {}
        }
        if let Some(mode) = inv.str("reply_mode").and_then(ReplyMode::parse) {
            config.reply_mode = mode;
            changes.push(format!("reply mode: {}", mode.as_str()));
        }
        if let Some(r) = inv.role("moderator_role") {
            config.moderator_roles.insert(r);
            changes.push(format!("<@&{r}> can moderate"));
        }
        if let Some(r) = inv.role("remove_moderator_role") {
            config.moderator_roles.remove(&r);
            changes.push(format!("<@&{r}> no longer moderates"));
        }
        if let Some(tag) = inv.str("solved_tag") {
            let tag = tag.trim();
            config.solved_tag = if tag.is_empty() || tag.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(clip(tag, 20))
            };
            changes.push(format!(
                "solved tag: {}",
                config.solved_tag.as_deref().unwrap_or("none")
            ));
        }
        if let Some(s) = inv.int("user_cooldown") {
            config.user_cooldown_secs = s.clamp(0, 3600) as u64;
            changes.push(format!("user cooldown: {} s", config.user_cooldown_secs));
        }
        if let Some(s) = inv.int("channel_cooldown") {
            config.channel_cooldown_secs = s.clamp(0, 3600) as u64;
            changes.push(format!(
                "channel cooldown: {} s",
                config.channel_cooldown_secs
            ));
        }
        if let Some(b) = inv.bool("gap_notice") {
            config.gap_notice = b;
            changes.push(format!(
                "unknown-code notice: {}",
                if b { "on" } else { "off" }
            ));
        }
        if let Some(b) = inv.bool("lock_on_solve") {
            config.lock_on_solve = b;
            changes.push(format!(
                "lock solved posts: {}",
                if b { "yes" } else { "no" }
            ));
        }
        let percent = |v: i64| u8::try_from(v.clamp(30, 100)).unwrap_or(60);
        if let Some(v) = inv.int("answer_at") {
            config.answer_at = percent(v);
            changes.push(format!("answer at {}%", config.answer_at));
        }
        if let Some(v) = inv.int("ask_at") {
            config.ask_at = percent(v);
            changes.push(format!("ask at {}%", config.ask_at));
        }
        if config.ask_at > config.answer_at {
            return Reply::private(format!(
                "`ask_at` ({}%) must not be above `answer_at` ({}%): the bot asks when it is less sure than when it answers.",
                config.ask_at, config.answer_at
            ));
        }
        if let Some(v) = inv.int("ask_timeout") {
            config.ask_timeout_mins = u32::try_from(v.clamp(1, 1440)).unwrap_or(10);
            changes.push(format!(
                "questions vanish after {} min",
                config.ask_timeout_mins
            ));
        }
        if let Some(b) = inv.bool("welcome") {
            config.welcome = b;
            changes.push(format!(
                "welcome new forum posts: {}",
                if b { "yes" } else { "no" }
            ));
        }
        let hours = |v: i64| u32::try_from(v.clamp(0, 720)).unwrap_or(0);
        if let Some(v) = inv.int("remind_after") {
            config.remind_after_hours = hours(v);
            changes.push(format!("remind after {} h", config.remind_after_hours));
        }
        if let Some(v) = inv.int("close_after") {
            config.close_after_hours = hours(v);
            changes.push(format!("archive {} h later", config.close_after_hours));
        }
        if !changes.is_empty() {
            if let Err(e) = d.save_guild_config(&config).await {
                return Reply::private(store_trouble(&e));
            }
        }
        let mut text = String::new();
        if !changes.is_empty() {
            let _ = writeln!(text, "**Saved:** {}\n", changes.join("; "));
        }
        text.push_str(&describe(d, &config));
        Reply::private(text)
    };
    answer_command(ctx, c, true, work).await;
}

/// The settings as moderators read them.
fn describe(d: &Data, c: &GuildConfig) -> String {
    let channels = if c.enabled_channels.is_empty() {
        "nowhere (slash commands and the context menu work everywhere)".to_string()
    } else {
        c.enabled_channels
            .iter()
            .map(|ch| format!("<#{ch}>"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let roles = if c.moderator_roles.is_empty() {
        "none (members with Manage Threads or Manage Messages moderate)".to_string()
    } else {
        c.moderator_roles
            .iter()
            .map(|r| format!("<@&{r}>"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let intent = if d.message_content {
        "on"
    } else {
        "off (the bot runs without the Message Content intent and cannot read pasted errors)"
    };
    let modes = if d.message_content {
        "pasted errors in enabled channels, @mentions, the context menu and `/spotify-error`"
    } else {
        "@mentions, the context menu and `/spotify-error` (free text is off without the Message Content intent)"
    };
    let ask = if c.ask_at >= c.answer_at {
        "never".to_string()
    } else {
        format!(
            "from {}% (the question vanishes after {} min)",
            c.ask_at, c.ask_timeout_mins
        )
    };
    let every = |h: u32, what: &str| {
        if h == 0 {
            "never".to_string()
        } else {
            format!("{what} {h} h")
        }
    };
    format!(
        "**Free-text answers in:** {channels}\n**Reply mode in plain channels:** {}\n**Moderator roles:** {roles}\n**Solved tag:** {}\n**Lock solved posts:** {}\n**Unknown-code notice:** {}\n**Cooldowns:** {} s per user, {} s per channel\n**Answers at:** {}% confidence; **asks \"Is this …?\"** {ask}\n**Welcome new forum posts:** {}\n**Remind a quiet asker:** {}; **archive:** {}\n**Reading messages:** {intent}\n**Active modes:** {modes}",
        c.reply_mode.as_str(),
        c.solved_tag.as_deref().unwrap_or("none"),
        if c.lock_on_solve { "yes" } else { "no" },
        if c.gap_notice { "on" } else { "off" },
        c.user_cooldown_secs,
        c.channel_cooldown_secs,
        c.answer_at,
        if c.welcome { "yes" } else { "no" },
        every(c.remind_after_hours, "after"),
        every(c.close_after_hours, "after a further"),
    )
}

/// `/spotify-error reload`: the application's owner reloads the catalogue
/// (as SIGHUP does); an invalid catalogue is rejected and the problems shown.
pub(super) async fn on_reload(ctx: &Context, d: &Data, c: &CommandInteraction) {
    let user = c.user.id.get();
    let work = async move {
        if !d.is_owner(user) {
            return Reply::private("Only the bot's owner can reload the catalogue.");
        }
        match tokio::task::block_in_place(|| d.reload()) {
            Ok(n) => Reply::private(format!("Catalogue reloaded: {n} entries.")),
            Err(problems) => Reply::private(format!(
                "The catalogue on disk is invalid, so the one in use is kept:\n```\n{}\n```",
                clip(&problems.replace('`', "'"), 1800)
            )),
        }
    };
    answer_command(ctx, c, true, work).await;
}
