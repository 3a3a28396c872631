//! Pasted errors in the channels and forums a moderator enabled.
//!
//! The rule is silence: the bot answers only a message the matcher
//! recognises with high confidence, never a bot (or itself), never outside
//! enabled channels, once per error per thread, and not again for the same
//! user or channel within the guild's cooldowns. In a thread whose walk is
//! running, a short clear reply from the asker ("that fixed it!", "still
//! not working") moves the walk on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serenity::all::{
    AutoArchiveDuration, ChannelId, Context, CreateThread, Http, Message, MessageId, MessageType,
    ReactionType,
};

use super::lookup::{clip, session_reply, start_card};
use super::reply::Reply;
use super::{Data, retry};
use crate::answer::{Plan, ReplyIntent, plan, reply_intent};
use crate::catalogue::Platform;
use crate::session::{Command, Origin};
use crate::store::{self, GuildConfig, ReplyMode, now_ms};

/// Text attachments larger than this are not read.
const MAX_TEXT_ATTACHMENT: u32 = 64 * 1024;
/// At most this many text attachments per message are read.
const MAX_TEXT_ATTACHMENTS: usize = 3;
/// At most this many images per message are read, each of at most
/// [`crate::ocr::OcrConfig::max_bytes`].
const MAX_IMAGES: usize = 2;
/// Downloading one attachment may take this long.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Last unprompted answer per user and per channel, and where each error
/// was last answered in a channel.
#[derive(Default)]
pub struct Cooldowns {
    users: Mutex<HashMap<u64, i64>>,
    channels: Mutex<HashMap<u64, i64>>,
    answered: Mutex<HashMap<(u64, String), (String, i64)>>,
}

const MAX_COOLDOWN_ENTRIES: usize = 100_000;

/// One queue per channel. Serenity hands each event to its own task, so
/// without this a reply typed right after the bot's answer could be read
/// before the walk that answer started is saved.
#[derive(Default)]
pub struct ChannelQueue(Mutex<HashMap<u64, Weak<tokio::sync::Mutex<()>>>>);

impl ChannelQueue {
    /// Waits for `channel`'s turn; the turn ends when the guard drops.
    pub async fn turn(&self, channel: u64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() >= 4096 {
                map.retain(|_, w| w.strong_count() > 0);
            }
            match map.get(&channel).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(channel, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

impl Cooldowns {
    /// Whether an answer may go out now; if so, the clocks start.
    fn take(&self, user: u64, channel: u64, c: &GuildConfig, now: i64) -> bool {
        let (Ok(mut users), Ok(mut channels)) = (self.users.lock(), self.channels.lock()) else {
            return true;
        };
        let user_ms = i64::try_from(c.user_cooldown_secs).unwrap_or(0) * 1000;
        let channel_ms = i64::try_from(c.channel_cooldown_secs).unwrap_or(0) * 1000;
        let busy = |map: &HashMap<u64, i64>, k: u64, window: i64| {
            map.get(&k).is_some_and(|&t| now - t < window)
        };
        if busy(&users, user, user_ms) || busy(&channels, channel, channel_ms) {
            return false;
        }
        for map in [&mut *users, &mut *channels] {
            if map.len() >= MAX_COOLDOWN_ENTRIES {
                let horizon = now - 3_600_000;
                map.retain(|_, t| *t > horizon);
            }
        }
        users.insert(user, now);
        channels.insert(channel, now);
        true
    }

    /// Where `entry` was answered in `channel` within the channel cooldown.
    fn recent_answer(
        &self,
        channel: u64,
        entry: &str,
        c: &GuildConfig,
        now: i64,
    ) -> Option<String> {
        let window = i64::try_from(c.channel_cooldown_secs).unwrap_or(0) * 1000;
        let map = self.answered.lock().ok()?;
        let (link, at) = map.get(&(channel, entry.to_string()))?;
        (now - at < window).then(|| link.clone())
    }

    fn remember_answer(&self, channel: u64, entry: &str, link: String, now: i64) {
        if let Ok(mut map) = self.answered.lock() {
            if map.len() >= MAX_COOLDOWN_ENTRIES {
                map.clear();
            }
            map.insert((channel, entry.to_string()), (link, now));
        }
    }
}

/// "Solved before here: #thread, #thread": the two most recent solved
/// threads of this guild for the entry (only threads the bot knows exist).
async fn solved_before(d: &Data, guild: u64, here: u64, candidates: &[String]) -> Option<String> {
    let [id] = candidates else {
        return None;
    };
    let list = d.store.solutions_for_entry(id, 20).await.ok()?;
    let mut threads: Vec<u64> = Vec::new();
    for s in list {
        if s.guild_id == Some(guild)
            && s.thread_id != here
            && !threads.contains(&s.thread_id)
            && d.channels.get(s.thread_id).is_some()
        {
            threads.push(s.thread_id);
        }
        if threads.len() == 2 {
            break;
        }
    }
    if threads.is_empty() {
        return None;
    }
    let links: Vec<String> = threads.iter().map(|t| format!("<#{t}>")).collect();
    Some(format!(
        "💡 Solved before in this server: {}",
        links.join(", ")
    ))
}

pub(super) async fn on_message(ctx: &Context, d: &Data, msg: Message) {
    if msg.author.bot
        || msg.author.id.get() == d.bot_user_id()
        || msg.webhook_id.is_some()
        || !matches!(msg.kind, MessageType::Regular | MessageType::InlineReply)
    {
        return;
    }
    let Some(guild) = msg.guild_id.map(|g| g.get()) else {
        return;
    };
    metrics::counter!(crate::admin::names::MESSAGES_SEEN).increment(1);
    let _turn = d.queue.turn(msg.channel_id.get()).await;
    let config = match d.guild_config(guild).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "could not read guild settings; staying silent");
            return;
        }
    };
    let bot = d.bot_user_id();
    if bot != 0 && msg.mentions.iter().any(|u| u.id.get() == bot) {
        return on_mention(ctx, d, &msg, guild, &config).await;
    }
    if config.enabled_channels.is_empty() {
        return;
    }
    let channel = msg.channel_id.get();
    let info = d.channels.info(ctx, channel).await;
    let parent = info.and_then(|i| i.parent);
    if !config.listens_in(channel, parent) {
        return;
    }
    let in_thread = info.is_some_and(|i| i.is_thread);
    let reading = read_message(ctx, d, &msg, true).await;
    let text = reading.text.as_str();
    if text.trim().is_empty() {
        return;
    }
    let kb = d.kb();
    let m = kb.matcher.match_with(text, config.thresholds());
    let seen = super::feedback::Seen {
        msg: &msg,
        guild,
        text,
        m: &m,
    };
    let candidates: Vec<String> = match plan(&kb.catalogue, &m) {
        Plan::Answer { entry, .. } => vec![entry.id.clone()],
        Plan::Choose { entries, .. } => entries.iter().map(|e| e.id.clone()).collect(),
        Plan::Confirm { entry, others } if !busy_thread(d, channel, in_thread).await => {
            // Not sure enough to answer: ask quietly, unless the cooldowns
            // say the bot has spoken here just now.
            if d.cooldowns
                .take(msg.author.id.get(), channel, &config, now_ms())
            {
                super::feedback::ask(ctx, d, &seen, entry, &others, &config).await;
            }
            return;
        }
        Plan::Confirm { .. } | Plan::Silent { .. } => {
            if let Some(gap) = crate::gaps::detect(text, &m) {
                super::gaps::record(d, &gap, Some(guild), channel, msg.id.get(), Some(text)).await;
                if config.gap_notice
                    && gap.kind == crate::gaps::GapKind::Code
                    && d.cooldowns
                        .take(msg.author.id.get(), channel, &config, now_ms())
                {
                    let note = format!(
                        "I don't know `{}` yet; I've noted it for the moderators.",
                        super::lookup::short(&gap.label)
                    );
                    send(&ctx.http, channel, Reply::text(note), Some(msg.id)).await;
                }
                return;
            }
            if in_thread {
                follow_reply(ctx, d, &msg, text).await;
            }
            return;
        }
    };
    for id in &candidates {
        metrics::counter!(crate::admin::names::MATCHES, "entry" => id.clone()).increment(1);
    }
    tracing::info!(
        guild,
        channel,
        entry = %candidates.join(","),
        confidence = m.confidence,
        "recognised a pasted error"
    );
    let user = msg.author.id.get();
    let platform = Platform::mentioned_in(text);

    if in_thread {
        // One walk per error per thread: a second paste points to it.
        if let Ok(Some(s)) = d.store.load_session(channel).await {
            let same = s.status.is_active()
                && candidates.len() == 1
                && s.entry.as_deref() == Some(candidates[0].as_str());
            if same {
                if !d.cooldowns.take(user, channel, &config, now_ms()) {
                    return;
                }
                let mut text = format!(
                    "This thread is already walking through `{}`.",
                    candidates[0]
                );
                if let Some(card) = s.answer_message_id {
                    text.push_str(&format!(
                        " Continue from [the steps above](https://discord.com/channels/{guild}/{channel}/{card})."
                    ));
                }
                send(&ctx.http, channel, Reply::text(text), Some(msg.id)).await;
                return;
            }
        }
    }
    if !in_thread && candidates.len() == 1 {
        // The same error was just answered here: point to it.
        if let Some(link) = d
            .cooldowns
            .recent_answer(channel, &candidates[0], &config, now_ms())
        {
            let zero = GuildConfig {
                channel_cooldown_secs: 0,
                ..config.clone()
            };
            if d.cooldowns.take(user, channel, &zero, now_ms()) {
                let text = format!("`{}` was just answered here: {link}", candidates[0]);
                send(&ctx.http, channel, Reply::text(text), Some(msg.id)).await;
            }
            return;
        }
    }
    if !d.cooldowns.take(user, channel, &config, now_ms()) {
        tracing::debug!(user, channel, "cooldown: not answering");
        return;
    }

    let (key, post_in, reference) = if in_thread {
        (channel, channel, Some(msg.id))
    } else {
        match config.reply_mode {
            ReplyMode::Reaction => {
                let r = ReactionType::Unicode("🔎".into());
                let _ = retry::idempotent("react", || {
                    msg.channel_id.create_reaction(&ctx.http, msg.id, r.clone())
                })
                .await;
                return;
            }
            ReplyMode::Reply => (msg.id.get(), channel, Some(msg.id)),
            ReplyMode::Thread => {
                let name = thread_name(d, &candidates);
                let builder =
                    CreateThread::new(name).auto_archive_duration(AutoArchiveDuration::OneDay);
                match retry::create("open thread", || {
                    msg.channel_id
                        .create_thread_from_message(&ctx.http, msg.id, builder.clone())
                })
                .await
                {
                    Ok(t) => {
                        d.channels.add(&t);
                        (t.id.get(), t.id.get(), None)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not open a thread; replying instead");
                        (msg.id.get(), channel, Some(msg.id))
                    }
                }
            }
        }
    };
    let banner = join_banners(
        reading.banner(),
        solved_before(d, guild, key, &candidates).await,
    );
    let first = candidates.first().cloned();
    let reply = start_card(
        d,
        key,
        Some(guild),
        user,
        reading.origin(Origin::Message),
        candidates,
        platform,
        banner,
    )
    .await;
    if reply.ephemeral {
        // A refusal meant for one person: in a channel, silence is better.
        tracing::debug!(content = ?reply.content, "not answering");
        return;
    }
    if let Some(sent) = send(&ctx.http, post_in, reply, reference).await {
        metrics::counter!(crate::admin::names::ANSWERS_SENT, "via" => "free_text").increment(1);
        if let Some(entry) = &first {
            super::feedback::answered(d, &seen, entry, (post_in, sent.get()), key).await;
        }
        if let (false, Some(entry)) = (in_thread, first) {
            let link = format!(
                "https://discord.com/channels/{guild}/{post_in}/{}",
                sent.get()
            );
            d.cooldowns.remember_answer(channel, &entry, link, now_ms());
        }
        if let Err(e) = store::attach_answer(d.store.as_ref(), key, sent.get()).await {
            tracing::debug!(error = %e, "could not remember the card message");
        }
    }
}

/// Whether a walk is running in this thread: a half-sure match there is
/// more likely a reply about it than a new error.
async fn busy_thread(d: &Data, channel: u64, in_thread: bool) -> bool {
    in_thread
        && d.store
            .load_session(channel)
            .await
            .map_or(true, |s| s.is_some_and(|s| s.status.is_active()))
}

/// "accesspoint:17 · A firewall may be blocking Spotify", within Discord's
/// 100 characters for thread names.
fn thread_name(d: &Data, candidates: &[String]) -> String {
    let name = match candidates {
        [one] => d
            .kb()
            .catalogue
            .get(one)
            .map(|e| format!("{} · {}", e.id, e.title))
            .unwrap_or_else(|| one.clone()),
        _ => "Spotify error: which code?".to_string(),
    };
    clip(&name, 100)
}

/// Sends `reply` in `channel` (as a reply to `reference` when given).
pub(super) async fn send(
    http: &Http,
    channel: u64,
    reply: Reply,
    reference: Option<MessageId>,
) -> Option<MessageId> {
    let channel = ChannelId::new(channel);
    let mut m = reply.message();
    if let Some(r) = reference {
        m = m.reference_message((channel, r));
    }
    match retry::create("send answer", || channel.send_message(http, m.clone())).await {
        Ok(sent) => Some(sent.id),
        Err(e) => {
            tracing::warn!(error = %e, "could not send an answer");
            None
        }
    }
}

/// The message text plus the text files attached to it (logs people paste
/// as `message.txt` when the text is too long for Discord).
pub(super) async fn gather_text(msg: &Message) -> String {
    let mut text = msg.content.clone();
    let files = msg
        .attachments
        .iter()
        .filter(|a| {
            a.size <= MAX_TEXT_ATTACHMENT
                && (a
                    .content_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("text/plain"))
                    || a.filename.to_ascii_lowercase().ends_with(".txt")
                    || a.filename.to_ascii_lowercase().ends_with(".log"))
        })
        .take(MAX_TEXT_ATTACHMENTS);
    for a in files {
        match tokio::time::timeout(DOWNLOAD_TIMEOUT, a.download()).await {
            Ok(Ok(bytes)) => {
                let cut = &bytes[..bytes.len().min(MAX_TEXT_ATTACHMENT as usize)];
                text.push('\n');
                text.push_str(&String::from_utf8_lossy(cut));
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, file = %a.filename, "could not read an attachment")
            }
            Err(_) => tracing::debug!(file = %a.filename, "reading an attachment timed out"),
        }
    }
    text
}

/// What a message says: its text and text files and, when they hold no
/// error the bot would answer, what its screenshots show.
pub(super) struct Reading {
    pub text: String,
    /// The recognised line of the screenshot the answer rests on.
    pub screenshot_line: Option<String>,
}

impl Reading {
    pub fn origin(&self, otherwise: Origin) -> Origin {
        if self.screenshot_line.is_some() {
            Origin::Screenshot
        } else {
            otherwise
        }
    }

    /// "📷 Read from your screenshot: `…`", above the card.
    pub fn banner(&self) -> Option<String> {
        self.screenshot_line.as_ref().map(|line| {
            format!(
                "📷 Read from your screenshot: `{}`",
                super::lookup::short_n(line, 120)
            )
        })
    }
}

/// `typing`: show *typing…* in the message's channel while reading (not for
/// a private context-menu request, which is deferred instead).
pub(super) async fn read_message(ctx: &Context, d: &Data, msg: &Message, typing: bool) -> Reading {
    let text = gather_text(msg).await;
    let plain = Reading {
        text,
        screenshot_line: None,
    };
    if super::lookup::recognise(d, &plain.text).is_some() || !d.ocr.is_ready() {
        return plain;
    }
    let max = d.ocr.max_bytes();
    let images: Vec<_> = msg
        .attachments
        .iter()
        .filter(|a| is_image(a.content_type.as_deref(), &a.filename))
        .take(MAX_IMAGES)
        .collect();
    if images.is_empty() {
        return plain;
    }
    // Reading takes a second or two: show that the bot is on it.
    if typing {
        let _ = msg.channel_id.broadcast_typing(&ctx.http).await;
    }
    let kb = d.kb();
    for a in images {
        if usize::try_from(a.size).unwrap_or(usize::MAX) > max {
            tracing::info!(file = %a.filename, size = a.size, "skipping an image over the size limit");
            continue;
        }
        let bytes = match tokio::time::timeout(DOWNLOAD_TIMEOUT, a.download()).await {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                tracing::info!(error = %e, file = %a.filename, "could not download an image");
                continue;
            }
            Err(_) => {
                tracing::info!(file = %a.filename, "downloading an image timed out");
                continue;
            }
        };
        let started = std::time::Instant::now();
        let result = d.ocr.read_error(&kb.matcher, &bytes).await;
        metrics::histogram!(crate::admin::names::OCR_SECONDS)
            .record(started.elapsed().as_secs_f64());
        let (read, m) = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(error = %e, file = %a.filename, "could not read an image");
                continue;
            }
        };
        tracing::debug!(file = %a.filename, variant = read.variant, ms = read.millis, "read a screenshot");
        let line = m
            .candidates
            .first()
            .and_then(|c| read.line_at(c.reason.start))
            .map(str::to_string);
        let text = format!("{}\n{}", plain.text, read.text);
        if super::lookup::recognise(d, &text).is_some() {
            return Reading {
                text,
                screenshot_line: line.or_else(|| Some(a.filename.clone())),
            };
        }
    }
    plain
}

/// Two lines above a card, either or both.
pub(super) fn join_banners(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
        (a, b) => a.or(b),
    }
}

/// Whether an attachment is a picture worth reading.
fn is_image(content_type: Option<&str>, filename: &str) -> bool {
    if let Some(t) = content_type {
        return t.starts_with("image/") && !t.starts_with("image/svg");
    }
    let name = filename.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// A reply in a thread whose walk is running: the asker saying the step on
/// screen worked or not moves the walk on and updates the card in place.
async fn follow_reply(ctx: &Context, d: &Data, msg: &Message, text: &str) {
    let Some(intent) = reply_intent(text) else {
        return;
    };
    let thread = msg.channel_id.get();
    let Ok(Some(s)) = d.store.load_session(thread).await else {
        return;
    };
    if !s.status.is_active() || s.user_id != msg.author.id.get() || s.current_step().is_none() {
        return;
    }
    let at = s.position;
    let cmd = match intent {
        ReplyIntent::Fixed => Command::Fixed { at },
        ReplyIntent::NotFixed => Command::Next { at },
    };
    let Ok(t) =
        store::apply_command(d.store.as_ref(), &*d.kb().catalogue, thread, cmd, now_ms()).await
    else {
        return;
    };
    let s = t.session;
    let reply = session_reply(d, &s, None).await;
    let channel = msg.channel_id;
    match s.answer_message_id {
        Some(card) => {
            let edit = reply.edit_message();
            let _ = retry::idempotent("update card", || {
                channel.edit_message(&ctx.http, MessageId::new(card), edit.clone())
            })
            .await;
        }
        None => {
            if let Some(sent) = send(&ctx.http, thread, reply, Some(msg.id)).await {
                let _ = store::attach_answer(d.store.as_ref(), thread, sent.get()).await;
            }
        }
    }
    let emoji = match intent {
        ReplyIntent::Fixed => "✅",
        ReplyIntent::NotFixed => "👍",
    };
    let r = ReactionType::Unicode(emoji.into());
    let _ = retry::idempotent("react", || {
        channel.create_reaction(&ctx.http, msg.id, r.clone())
    })
    .await;
    if intent == ReplyIntent::Fixed {
        super::moderation::close_thread(ctx, d, thread, msg.guild_id.map(|g| g.get())).await;
    }
}

/// `@bot <pasted error>`, or `@bot` in a reply to the message with the
/// error: answered anywhere (the bot was asked), as a reply. Discord sends
/// the content of messages that mention the bot even without the Message
/// Content intent, so this works for bots that do not have it.
async fn on_mention(ctx: &Context, d: &Data, msg: &Message, guild: u64, config: &GuildConfig) {
    let bot = d.bot_user_id();
    let mut own = read_message(ctx, d, msg, true).await;
    own.text = own
        .text
        .replace(&format!("<@{bot}>"), " ")
        .replace(&format!("<@!{bot}>"), " ");
    let mut found = super::lookup::recognise(d, &own.text).map(|c| (c, msg.author.id.get(), own));
    if found.is_none() {
        if let Some(referenced) = msg.referenced_message.as_deref() {
            let theirs = read_message(ctx, d, referenced, true).await;
            found = super::lookup::recognise(d, &theirs.text)
                .map(|c| (c, referenced.author.id.get(), theirs));
        }
    }
    let channel = msg.channel_id.get();
    if !d.cooldowns.take(
        msg.author.id.get(),
        channel,
        &GuildConfig {
            channel_cooldown_secs: 0,
            ..config.clone()
        },
        now_ms(),
    ) {
        return;
    }
    let reply = match found {
        Some((candidates, owner, reading)) => {
            let r = start_card(
                d,
                msg.id.get(),
                Some(guild),
                owner,
                reading.origin(Origin::Mention),
                candidates,
                Platform::mentioned_in(&reading.text),
                reading.banner(),
            )
            .await;
            if r.ephemeral {
                return;
            }
            r
        }
        None => Reply::text(
            "I couldn't find a Spotify error in that message. Paste the error text (or reply to the message with it and mention me), or try `/spotify-error lookup`.",
        ),
    };
    if let Some(sent) = send(&ctx.http, channel, reply, Some(msg.id)).await {
        metrics::counter!(crate::admin::names::ANSWERS_SENT, "via" => "mention").increment(1);
        let _ = store::attach_answer(d.store.as_ref(), msg.id.get(), sent.get()).await;
    }
}
