//! The buttons and selects under a card: each press becomes a session
//! [`Command`], applied through the store, and the card is updated in place.
//!
//! Presses on an old card, a finished session or someone else's walk are
//! answered ephemerally with the reason; nothing is changed.

use serenity::all::{ComponentInteraction, ComponentInteractionDataKind, Context};

use super::custom_id::{Action, DecodeError};
use super::lookup::{session_reply, start_card};
use super::reply::Reply;
use super::{Answer, Data, moderation, respond, store_trouble};
use crate::catalogue::Platform;
use crate::session::{Command, Origin, Refusal, Status};
use crate::store::{self, UpdateError, now_ms};

pub(super) async fn on_component(ctx: &Context, d: &Data, c: ComponentInteraction) {
    let action = match Action::decode(&c.data.custom_id) {
        Ok(a) => a,
        // Another bot's or app's component: not ours to answer.
        Err(DecodeError::Foreign) => return,
        Err(e) => {
            let text = format!("{e}: start again with `/spotify-error lookup`.");
            return respond(ctx, c.id, &c.token, Answer::UpdateMessage, async {
                Reply::private(text)
            })
            .await;
        }
    };
    if let Action::Guess { reply, message } = action {
        return super::feedback::on_guess(ctx, d, &c, reply, message).await;
    }
    let work = handle(ctx, d, &c, action);
    respond(ctx, c.id, &c.token, Answer::UpdateMessage, work).await;
}

fn selected(c: &ComponentInteraction) -> Option<&str> {
    match &c.data.kind {
        ComponentInteractionDataKind::StringSelect { values } => values.first().map(String::as_str),
        _ => None,
    }
}

async fn handle(ctx: &Context, d: &Data, c: &ComponentInteraction, action: Action) -> Reply {
    let presser = c.user.id.get();
    let guild = c.guild_id.map(|g| g.get());
    if let Action::Open { user, entry } = &action {
        if *user != presser && !moderation::is_moderator(d, guild, c.member.as_ref()).await {
            return Reply::private(not_yours());
        }
        // The "did you mean" message becomes the walk's card.
        return start_card(
            d,
            c.message.id.get(),
            guild,
            *user,
            Origin::Slash,
            vec![entry.clone()],
            None,
            None,
        )
        .await;
    }
    if let Action::Gap { added, gap } = &action {
        return super::gaps::on_button(d, guild, c.member.as_ref(), *added, gap).await;
    }
    let Some(key) = action.key() else {
        return Reply::private("That button does nothing any more.");
    };
    let session = match d.store.load_session(key).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Reply::private(
                "This session is no longer available. Start a new one with `/spotify-error lookup`.",
            );
        }
        Err(e) => return Reply::private(store_trouble(&e)),
    };
    if session.user_id != presser && !moderation::is_moderator(d, guild, c.member.as_ref()).await {
        return Reply::private(not_yours());
    }
    if let Action::Wrong { .. } = action {
        return super::feedback::on_wrong(d, &session).await;
    }
    let cmd = match action {
        Action::Fixed { at, .. } => Command::Fixed { at },
        Action::Next { at, .. } => Command::Next { at },
        Action::Back { at, .. } => Command::Back { at },
        Action::Reopen { .. } => Command::Reopen,
        Action::Platform { .. } => match selected(c).and_then(Platform::parse) {
            Some(p) if p != Platform::Any => Command::ChoosePlatform(p),
            _ => return Reply::private(Refusal::NotAPlatform.to_string()),
        },
        Action::Pick { .. } => match selected(c) {
            Some(id) => Command::PickEntry(id.to_string()),
            None => return Reply::private(Refusal::NoEntryYet.to_string()),
        },
        Action::Open { .. } | Action::Gap { .. } | Action::Wrong { .. } | Action::Guess { .. } => {
            return Reply::private("That button does nothing any more.");
        }
    };
    let solving = matches!(cmd, Command::Fixed { .. });
    match store::apply_command(d.store.as_ref(), &*d.kb().catalogue, key, cmd, now_ms()).await {
        Ok(t) => {
            let s = t.session;
            if solving && s.status == Status::Solved {
                metrics::counter!(crate::admin::names::SESSIONS_SOLVED, "by" => "asker")
                    .increment(1);
            }
            if solving && s.status == Status::Solved && c.channel_id.get() == key {
                // The asker's own "this fixed it" in a help thread closes it
                // like a moderator's mark does.
                moderation::close_thread(ctx, d, key, guild).await;
            }
            session_reply(d, &s, None).await
        }
        Err(UpdateError::Refused(r)) => Reply::private(r.to_string()),
        Err(UpdateError::Store(e)) => Reply::private(store_trouble(&e)),
    }
}

fn not_yours() -> String {
    "These buttons belong to someone else's troubleshooting session. Start your own with `/spotify-error lookup`.".to_string()
}
