//! Asking when unsure, and learning when wrong.
//!
//! - A message the matcher recognises with medium confidence gets a quiet
//!   reply, "Is this **accesspoint:17**? (…)", with Yes / No / Show all
//!   candidates. Yes turns the question into the answer, No removes it, and
//!   an unanswered question removes itself after the guild's timeout.
//! - Every unprompted answer carries "Not my problem": the asker (or a
//!   moderator) collapses the answer, it is recorded as a false positive,
//!   and the other candidates are offered.
//! - `/spotify-error review` lists what went wrong for moderators, and
//!   `spotify-error-bot review export` writes it as corpus lines.

use std::fmt::Write as _;

use serenity::all::{
    ChannelId, CommandInteraction, ComponentInteraction, Context, CreateInteractionResponse, Http,
    Message, MessageId,
};
use serenity::builder::Builder as _;

use super::custom_id::GuessReply;
use super::lookup::{short_n, start_card};
use super::reply::{self, Reply};
use super::{Answer, Data, answer_command, moderation, respond, retry, store_trouble};
use crate::catalogue::{Entry, Platform};
use crate::matcher::MatchResult;
use crate::session::{Command, Origin, Session};
use crate::store::{self, Feedback, FeedbackKind, GuildConfig, Verdict, now_ms};

/// What the matcher said about a message, as recorded.
pub(super) struct Seen<'a> {
    pub msg: &'a Message,
    pub guild: u64,
    pub text: &'a str,
    pub m: &'a MatchResult,
}

impl Seen<'_> {
    fn record(&self, kind: FeedbackKind, entry: &str) -> Feedback {
        Feedback {
            message_id: self.msg.id.get(),
            guild_id: Some(self.guild),
            channel_id: self.msg.channel_id.get(),
            user_id: self.msg.author.id.get(),
            kind,
            entry: entry.to_string(),
            candidates: self.m.candidates.iter().map(|c| c.id.clone()).collect(),
            confidence: percent(self.m.confidence),
            text: Some(self.text.chars().take(2000).collect()),
            reply_channel: None,
            reply_id: None,
            session_key: None,
            verdict: Verdict::Pending,
            at: now_ms(),
            decided_at: None,
        }
    }
}

fn percent(confidence: f32) -> u8 {
    (confidence.clamp(0.0, 1.0) * 100.0).round() as u8
}

/// Records an unprompted answer, so "Not my problem" finds its text.
pub(super) async fn answered(d: &Data, seen: &Seen<'_>, entry: &str, reply: (u64, u64), key: u64) {
    let mut f = seen.record(FeedbackKind::Answer, entry);
    f.reply_channel = Some(reply.0);
    f.reply_id = Some(reply.1);
    f.session_key = Some(key);
    if let Err(e) = d.store.record_feedback(&f).await {
        tracing::debug!(error = %e, "could not record an answer");
    }
}

/// Asks "Is this …?" under the message.
pub(super) async fn ask(
    ctx: &Context,
    d: &Data,
    seen: &Seen<'_>,
    entry: &Entry,
    others: &[&Entry],
    config: &GuildConfig,
) {
    let f = seen.record(FeedbackKind::Guess, &entry.id);
    match d.store.record_feedback(&f).await {
        Ok(true) => {}
        // Already asked about this message (an edit, a redelivery).
        Ok(false) => return,
        // Without a record the buttons could not work: stay silent.
        Err(e) => return tracing::warn!(error = %e, "could not record a question"),
    }
    let text = format!(
        "🤔 Is this **{}**? ({})\n-# Only <@{}> or a moderator can answer; this goes away in {} min if not.",
        entry.id,
        short_n(entry.display_message(), 150),
        f.user_id,
        config.ask_timeout_mins
    );
    let mut r = Reply::text(text);
    r.components = reply::guess_buttons(f.message_id, !others.is_empty());
    let channel = seen.msg.channel_id.get();
    if let Some(sent) = super::free_text::send(&ctx.http, channel, r, Some(seen.msg.id)).await {
        metrics::counter!(crate::admin::names::FEEDBACK, "verdict" => "asked").increment(1);
        if let Err(e) = d
            .store
            .set_feedback_reply(f.message_id, channel, sent.get(), None)
            .await
        {
            tracing::debug!(error = %e, "could not remember the question");
        }
    }
}

/// Yes, No or Show all under a question.
pub(super) async fn on_guess(
    ctx: &Context,
    d: &Data,
    c: &ComponentInteraction,
    answer: GuessReply,
    message: u64,
) {
    let guild = c.guild_id.map(|g| g.get());
    let presser = c.user.id.get();
    let f = match d.store.feedback(message).await {
        Ok(Some(f)) if f.kind == FeedbackKind::Guess => f,
        Ok(_) => {
            return respond(ctx, c.id, &c.token, Answer::UpdateMessage, async {
                Reply::private("This question is no longer open.")
            })
            .await;
        }
        Err(e) => {
            let text = store_trouble(&e);
            return respond(ctx, c.id, &c.token, Answer::UpdateMessage, async {
                Reply::private(text)
            })
            .await;
        }
    };
    if f.user_id != presser && !moderation::is_moderator(d, guild, c.member.as_ref()).await {
        return respond(ctx, c.id, &c.token, Answer::UpdateMessage, async {
            Reply::private("Only the person who posted the error (or a moderator) can answer this.")
        })
        .await;
    }
    if answer == GuessReply::No {
        if let Err(e) = d
            .store
            .decide_feedback(message, Verdict::Pending, Verdict::Rejected, now_ms())
            .await
        {
            tracing::warn!(error = %e, "could not record a No");
        }
        metrics::counter!(crate::admin::names::FEEDBACK, "verdict" => "rejected").increment(1);
        // Acknowledge, then take the question away.
        let ack = CreateInteractionResponse::Acknowledge;
        if let Err(e) =
            retry::idempotent("ack", || ack.clone().execute(&ctx.http, (c.id, &c.token))).await
        {
            tracing::debug!(error = %e, "could not acknowledge");
        }
        delete(&ctx.http, c.channel_id.get(), c.message.id.get()).await;
        return;
    }
    let work = async {
        let (to, candidates) = match answer {
            GuessReply::Yes => (Verdict::Confirmed, vec![f.entry.clone()]),
            _ => {
                let mut all = vec![f.entry.clone()];
                all.extend(f.candidates.iter().filter(|c| **c != f.entry).cloned());
                all.truncate(25);
                (Verdict::Expired, all)
            }
        };
        match d
            .store
            .decide_feedback(message, Verdict::Pending, to, now_ms())
            .await
        {
            Ok(true) => {}
            Ok(false) => return Reply::private("This question was already answered."),
            Err(e) => return Reply::private(store_trouble(&e)),
        }
        metrics::counter!(crate::admin::names::FEEDBACK, "verdict" => to.as_str()).increment(1);
        // The walk belongs to the thread it is in, else to the message.
        let in_thread = d.channels.get(f.channel_id).is_some_and(|i| i.is_thread);
        let key = if in_thread {
            f.channel_id
        } else {
            f.message_id
        };
        let platform = f.text.as_deref().and_then(Platform::mentioned_in);
        let r = start_card(
            d,
            key,
            f.guild_id,
            f.user_id,
            Origin::Message,
            candidates,
            platform,
            None,
        )
        .await;
        if !r.ephemeral {
            if let Err(e) = d
                .store
                .set_feedback_reply(message, c.channel_id.get(), c.message.id.get(), Some(key))
                .await
            {
                tracing::debug!(error = %e, "could not link the answer");
            }
            if let Err(e) = store::attach_answer(d.store.as_ref(), key, c.message.id.get()).await {
                tracing::debug!(error = %e, "could not remember the card message");
            }
        }
        r
    };
    respond(ctx, c.id, &c.token, Answer::UpdateMessage, work).await;
}

/// "Not my problem" on an answer: the session ends, the answer is recorded
/// as wrong, and the card collapses into the other candidates.
pub(super) async fn on_wrong(d: &Data, session: &Session) -> Reply {
    let now = now_ms();
    let entry = session
        .entry
        .clone()
        .or_else(|| session.candidates.first().cloned())
        .unwrap_or_default();
    let record = match d.store.feedback_for_session(session.thread_id).await {
        Ok(r) => r,
        Err(e) => return Reply::private(store_trouble(&e)),
    };
    let others: Vec<String> = match &record {
        Some(f) => {
            let mut decided = false;
            for from in [Verdict::Pending, Verdict::Confirmed] {
                match d
                    .store
                    .decide_feedback(f.message_id, from, Verdict::Wrong, now)
                    .await
                {
                    Ok(true) => {
                        decided = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(e) => return Reply::private(store_trouble(&e)),
                }
            }
            if !decided && f.verdict != Verdict::Wrong {
                tracing::debug!(message = f.message_id, verdict = ?f.verdict, "answer already judged");
            }
            f.candidates
                .iter()
                .filter(|c| **c != entry)
                .cloned()
                .collect()
        }
        None => {
            // An answer the bot gave when asked (a mention, the context
            // menu): record it now, without text.
            let f = Feedback {
                message_id: session.thread_id,
                guild_id: session.guild_id,
                channel_id: session.thread_id,
                user_id: session.user_id,
                kind: FeedbackKind::Answer,
                entry: entry.clone(),
                candidates: vec![entry.clone()],
                confidence: 0,
                text: None,
                reply_channel: None,
                reply_id: session.answer_message_id,
                session_key: Some(session.thread_id),
                verdict: Verdict::Wrong,
                at: session.created_at,
                decided_at: Some(now),
            };
            if let Err(e) = d.store.record_feedback(&f).await {
                tracing::debug!(error = %e, "could not record a wrong answer");
            }
            Vec::new()
        }
    };
    metrics::counter!(crate::admin::names::FEEDBACK, "verdict" => "wrong").increment(1);
    let kb = d.kb();
    // Already closed (pressed twice): nothing more to end.
    let _ = store::apply_command(
        d.store.as_ref(),
        &*kb.catalogue,
        session.thread_id,
        Command::Abandon,
        now,
    )
    .await;
    let others: Vec<String> = others
        .into_iter()
        .filter(|id| kb.catalogue.get(id).is_some())
        .take(5)
        .collect();
    let mut text = format!(
        "🙅 Sorry, `{entry}` was the wrong guess. I've noted it so the moderators can improve my matching."
    );
    text.push_str(if others.is_empty() {
        "\nIf you know your error code, look it up with `/spotify-error lookup`."
    } else {
        "\nIs it one of these? Otherwise look your code up with `/spotify-error lookup`."
    });
    let mut r = Reply::text(text);
    r.components = reply::did_you_mean(session.user_id, &others);
    r
}

/// Deletes a bot message (a question nobody needs any more).
async fn delete(http: &Http, channel: u64, message: u64) {
    let (c, m) = (ChannelId::new(channel), MessageId::new(message));
    if let Err(e) = retry::idempotent("delete question", || c.delete_message(http, m)).await {
        tracing::debug!(error = %e, "could not delete a question");
    }
}

/// Removes questions nobody answered within their guild's timeout.
pub(super) async fn sweep(http: &Http, d: &Data, now: i64) {
    // The shortest timeout is one minute: nothing younger can be due.
    let due = match d.store.pending_guesses(now - 60_000, 200).await {
        Ok(list) => list,
        Err(e) => return tracing::warn!(error = %e, "could not read pending questions"),
    };
    for f in due {
        let timeout = match f.guild_id {
            Some(g) => match d.guild_config(g).await {
                Ok(c) => i64::from(c.ask_timeout_mins) * 60_000,
                Err(_) => continue,
            },
            None => 600_000,
        };
        if now - f.at < timeout {
            continue;
        }
        // Only the process that moves it to expired deletes it.
        match d
            .store
            .decide_feedback(f.message_id, Verdict::Pending, Verdict::Expired, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not expire a question");
                continue;
            }
        }
        metrics::counter!(crate::admin::names::FEEDBACK, "verdict" => "expired").increment(1);
        if let (Some(c), Some(m)) = (f.reply_channel, f.reply_id) {
            delete(http, c, m).await;
        }
    }
}

/// `/spotify-error review`: what moderators can learn from.
pub(super) async fn on_review(ctx: &Context, d: &Data, c: &CommandInteraction) {
    let guild = c.guild_id.map(|g| g.get());
    let work = async {
        if !moderation::is_moderator(d, guild, c.member.as_deref()).await {
            return Reply::private(moderation::NOT_A_MODERATOR);
        }
        let rows = match d.store.review(guild, 15).await {
            Ok(r) => r,
            Err(e) => return Reply::private(store_trouble(&e)),
        };
        if rows.is_empty() {
            return Reply::private(
                "Nothing to review: no wrong answers and no unconfirmed guesses.",
            );
        }
        let mut text = String::from(
            "**To review** (newest first): answers marked *Not my problem*, guesses answered *No*, and guesses nobody confirmed.\n",
        );
        for f in &rows {
            let what = match (f.kind, f.verdict) {
                (_, Verdict::Wrong) => "🙅 wrong answer",
                (_, Verdict::Rejected) => "❌ guess rejected",
                (_, Verdict::Expired) => "⌛ guess unconfirmed",
                _ => "❔ guess pending",
            };
            let link = match f.guild_id {
                Some(g) => format!(
                    " [message](https://discord.com/channels/{g}/{}/{})",
                    f.channel_id, f.message_id
                ),
                None => String::new(),
            };
            let said = f
                .text
                .as_deref()
                .map(|t| format!(" “{}”", short_n(&t.replace(['\n', '`'], " "), 80)))
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "• {what} `{}` ({}%){said}{link}",
                f.entry, f.confidence
            );
        }
        text.push_str(
            "\nExport them as labelled JSON Lines with `spotify-error-bot review export`.",
        );
        Reply::private(text)
    };
    answer_command(ctx, c, true, work).await;
}
