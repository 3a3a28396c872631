//! The life of a help thread in an enabled forum or channel: a welcome in
//! each new forum post, one reminder when the asker goes quiet, and
//! archiving (the session ends as abandoned) when they stay quiet. What is
//! due is decided by [`crate::lifecycle::Policy`]; every action is claimed
//! in the database first, so two processes (or a restart) never repeat it.

use std::time::Duration;

use serenity::all::{
    ChannelId, Context, CreateAllowedMentions, CreateMessage, EditThread, GuildChannel, Http,
    UserId,
};

use super::lookup::session_reply;
use super::reply::Reply;
use super::{Data, retry};
use crate::lifecycle::{Due, snowflake_ms};
use crate::session::{Command, Session};
use crate::store::{self, now_ms};

/// How long a new post's first message has to be answered before the
/// welcome would be noise.
const WELCOME_DELAY: Duration = Duration::from_secs(2);

/// A thread this old when its create event arrives is not new (the event
/// also fires when the bot is added to an existing private thread).
const NEW_THREAD_MS: i64 = 5 * 60_000;

/// THREAD_CREATE: welcomes a new post in an enabled forum, unless the bot
/// already answered its first message.
pub(super) async fn on_thread_create(ctx: &Context, d: &Data, thread: &GuildChannel) {
    let id = thread.id.get();
    let Some(parent) = thread.parent_id.map(|p| p.get()) else {
        return;
    };
    if (now_ms() - snowflake_ms(id)).abs() > NEW_THREAD_MS || thread.owner_id.is_none() {
        return;
    }
    if thread.owner_id.is_some_and(|o| o.get() == d.bot_user_id()) {
        return;
    }
    let is_forum = d
        .channels
        .info(ctx, parent)
        .await
        .is_some_and(|i| i.is_forum);
    if !is_forum {
        return;
    }
    let config = match d.guild_config(thread.guild_id.get()).await {
        Ok(c) => c,
        Err(e) => return tracing::warn!(error = %e, "could not read guild settings"),
    };
    if !config.welcome || !config.listens_in(id, Some(parent)) {
        return;
    }
    tokio::time::sleep(WELCOME_DELAY).await;
    let _turn = d.queue.turn(id).await;
    if let Ok(Some(_)) = d.store.load_session(id).await {
        return;
    }
    match d.store.claim_welcome(id, now_ms()).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return tracing::warn!(error = %e, "could not claim a welcome"),
    }
    let how = if d.message_content {
        "paste the exact error text here (for example `Error code: 17 / accesspoint:17`) or attach a screenshot of it"
    } else {
        "mention me with the exact error text (for example `@me accesspoint:17`), or right-click a message with the error → Apps → **Find the Spotify error**"
    };
    let text = format!(
        "👋 Welcome! If Spotify shows an error, {how}, and I'll walk you through the fixes step by step. You can also run `/spotify-error lookup` with the code."
    );
    if super::free_text::send(&ctx.http, id, Reply::text(text), None)
        .await
        .is_some()
    {
        metrics::counter!(crate::admin::names::LIFECYCLE, "action" => "welcome").increment(1);
    }
}

/// Reminds quiet askers and closes abandoned threads (called by the sweep).
/// Only threads this process knows (its shards' guilds) are looked at.
pub(super) async fn sweep(http: &Http, d: &Data, now: i64) {
    let sessions = match d.store.open_sessions().await {
        Ok(s) => s,
        Err(e) => return tracing::warn!(error = %e, "could not read open sessions"),
    };
    for s in sessions {
        let Some(info) = d.channels.get(s.thread_id) else {
            continue;
        };
        let Some(guild) = s.guild_id else {
            continue;
        };
        if !info.is_thread {
            continue;
        }
        let config = match d.guild_config(guild).await {
            Ok(c) => c,
            Err(_) => continue,
        };
        if !config.listens_in(s.thread_id, info.parent) {
            continue;
        }
        let marks = match d.store.thread_marks(s.thread_id).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a thread's marks");
                continue;
            }
        };
        match config.lifecycle().due(&s, marks, now) {
            Due::Nothing => {}
            Due::Remind => {
                if let Ok(true) = d.store.claim_reminder(s.thread_id, s.updated_at, now).await {
                    remind(http, d, &s).await;
                }
            }
            Due::Close => {
                if let Ok(true) = d.store.claim_close(s.thread_id, s.updated_at, now).await {
                    close(http, d, &s, now).await;
                }
            }
        }
    }
}

/// "@asker, did step 3 help?" with the walk's buttons. The one message
/// that pings: the asker, and nobody else.
async fn remind(http: &Http, d: &Data, s: &Session) {
    let kb = d.kb();
    let step = s
        .entry
        .as_deref()
        .and_then(|e| kb.catalogue.get(e))
        .zip(s.current_step())
        .and_then(|(e, i)| e.steps.get(i));
    let question = match step {
        Some(st) => format!(
            "did **step {}** ({}) help?",
            s.position + 1,
            super::lookup::short_n(&st.title, 80)
        ),
        None => "did you get any further?".to_string(),
    };
    let text = format!(
        "<@{}> {question} Press ✅ if it's fixed or ➡️ for the next step. I'll close this thread if there's no reply.",
        s.user_id
    );
    let card = session_reply(d, s, None).await;
    let m = CreateMessage::new()
        .content(text)
        .components(card.components)
        .allowed_mentions(
            CreateAllowedMentions::new()
                .everyone(false)
                .all_roles(false)
                .users(vec![UserId::new(s.user_id)]),
        );
    let channel = ChannelId::new(s.thread_id);
    match retry::create("remind", || channel.send_message(http, m.clone())).await {
        Ok(_) => {
            metrics::counter!(crate::admin::names::LIFECYCLE, "action" => "remind").increment(1);
            tracing::info!(thread = s.thread_id, "reminded a quiet asker");
        }
        Err(e) => tracing::warn!(error = %e, thread = s.thread_id, "could not remind"),
    }
}

/// Ends the walk as abandoned, says so, and archives the thread.
async fn close(http: &Http, d: &Data, s: &Session, now: i64) {
    let updated = store::apply_command(
        d.store.as_ref(),
        &*d.kb().catalogue,
        s.thread_id,
        Command::Abandon,
        now,
    )
    .await;
    let session = match updated {
        Ok(t) => t.session,
        Err(e) => return tracing::debug!(error = %e, "not closing a thread"),
    };
    super::moderation::refresh_card(http, d, &session).await;
    let channel = ChannelId::new(s.thread_id);
    let note = Reply::text(
        "🗄️ Closing this thread: no reply for a while. If the error comes back, press **Start again** on the card above or open a new post.",
    );
    super::free_text::send(http, s.thread_id, note, None).await;
    let edit = EditThread::new().archived(true);
    match retry::idempotent("archive", || channel.edit_thread(http, edit.clone())).await {
        Ok(_) => {
            metrics::counter!(crate::admin::names::LIFECYCLE, "action" => "close").increment(1);
            tracing::info!(thread = s.thread_id, "archived an abandoned thread");
        }
        Err(e) => tracing::warn!(error = %e, thread = s.thread_id, "could not archive"),
    }
}
