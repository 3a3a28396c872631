//! `/spotify-error lookup code:…`, its autocomplete, and the session
//! plumbing every way of starting a walk shares ([`start_card`],
//! [`session_reply`]).

use serenity::all::{
    AutocompleteChoice, ChannelType, CommandInteraction, Context, CreateAutocompleteResponse,
    CreateInteractionResponse,
};
use serenity::builder::Builder as _;

use super::commands::Invocation;
use super::reply::{self, Reply};
use super::{Data, answer_command, moderation, retry, store_trouble};
use crate::answer::{Plan, plan};
use crate::catalogue::Platform;
use crate::session::{Command, Ctx, Origin, Refusal, Session, Start};
use crate::store::{self, UpdateError, now_ms};
use crate::view::{self, CardExtras, Progress, StepRecord};

/// Discord's limit on autocomplete choices.
const MAX_CHOICES: usize = 25;

pub(super) async fn on_command(ctx: &Context, d: &Data, c: CommandInteraction) {
    let inv = Invocation::parse(&c.data.options);
    match inv.sub.as_deref() {
        Some("solved") => return moderation::on_solved(ctx, d, &c, &inv).await,
        Some("stats") => return moderation::on_stats(ctx, d, &c, &inv).await,
        Some("config") => return moderation::on_config(ctx, d, &c, &inv).await,
        Some("reload") => return moderation::on_reload(ctx, d, &c).await,
        Some("gaps") => return super::gaps::on_gaps(ctx, d, &c).await,
        Some("draft") => return super::gaps::on_draft(ctx, d, &c, &inv).await,
        Some("review") => return super::feedback::on_review(ctx, d, &c).await,
        Some("incident") => return super::outage::on_incident(ctx, d, &c, &inv).await,
        _ => {}
    }
    let code = inv.str("code").unwrap_or("").trim().to_string();
    let platform = inv.str("platform").and_then(Platform::parse);
    let user = c.user.id.get();
    let guild = c.guild_id.map(|g| g.get());
    let in_thread = c.channel.as_ref().is_some_and(|ch| {
        matches!(
            ch.kind,
            ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
        )
    });
    let thread = in_thread.then(|| c.channel_id.get());
    let channel = c.channel_id.get();
    let interaction = c.id.get();
    let work = async move {
        if code.is_empty() {
            return Reply::private(
                "Give a code, e.g. `/spotify-error lookup code:accesspoint:17`.",
            );
        }
        let candidates = match resolve(d, &code) {
            Resolved::Entries(ids) => ids,
            Resolved::Unknown(close) => {
                tracing::info!(code = %short(&code), "lookup of an unknown code");
                let m = d.kb().matcher.match_text(&code);
                if let Some(gap) = crate::gaps::detect(&code, &m) {
                    super::gaps::record(d, &gap, guild, channel, interaction, None).await;
                }
                let shown = short(&code);
                let mut r = Reply::text(if close.is_empty() {
                    format!(
                        "I don't know `{shown}`. Check the code in the brackets after Spotify's message, e.g. `(Error code: 17 / accesspoint:17)`."
                    )
                } else {
                    format!("I don't know `{shown}`. Did you mean one of these?")
                });
                r.components = reply::did_you_mean(user, &close);
                return r;
            }
        };
        // In a thread, the walk belongs to the thread, unless someone else's
        // walk is running there: then this one is the caller's own.
        let key = match thread {
            Some(t) => match d.store.load_session(t).await {
                Ok(Some(s)) if s.status.is_active() && s.user_id != user => interaction,
                Ok(_) => t,
                Err(e) => return Reply::private(store_trouble(&e)),
            },
            None => interaction,
        };
        start_card(
            d,
            key,
            guild,
            user,
            Origin::Slash,
            candidates,
            platform,
            None,
        )
        .await
    };
    answer_command(ctx, &c, false, work).await;
}

pub(super) async fn on_autocomplete(ctx: &Context, d: &Data, a: CommandInteraction) {
    let query = a
        .data
        .autocomplete()
        .filter(|o| o.name == "code")
        .map(|o| o.value.to_string())
        .unwrap_or_default();
    let kb = d.kb();
    let choices: Vec<AutocompleteChoice> = kb
        .matcher
        .suggest(&kb.catalogue, &query, MAX_CHOICES)
        .into_iter()
        .take(MAX_CHOICES)
        .map(|s| AutocompleteChoice::new(clip(&s.label, 100), s.id))
        .collect();
    let resp = CreateInteractionResponse::Autocomplete(
        CreateAutocompleteResponse::new().set_choices(choices),
    );
    let http = ctx.http.as_ref();
    if let Err(e) = retry::idempotent("autocomplete", || {
        resp.clone().execute(http, (a.id, &a.token))
    })
    .await
    {
        tracing::debug!(error = %e, "autocomplete answer failed");
    }
}

/// What a typed code stands for.
enum Resolved {
    /// One entry, or several that share what was typed (best first).
    Entries(Vec<String>),
    /// Nothing: the closest ids, for "did you mean".
    Unknown(Vec<String>),
}

fn resolve(d: &Data, code: &str) -> Resolved {
    let kb = d.kb();
    if let Some(e) = kb.catalogue.get(code) {
        return Resolved::Entries(vec![e.id.clone()]);
    }
    let m = kb.matcher.match_text(code);
    match plan(&kb.catalogue, &m) {
        Plan::Answer { entry, .. } => Resolved::Entries(vec![entry.id.clone()]),
        Plan::Choose { entries, .. } => {
            Resolved::Entries(entries.iter().map(|e| e.id.clone()).collect())
        }
        Plan::Confirm { entry, others } => {
            // Someone asked explicitly: a medium-confidence guess is worth
            // offering as the first suggestion.
            let mut ids = vec![entry.id.clone()];
            ids.extend(others.iter().map(|e| e.id.clone()));
            ids.truncate(5);
            Resolved::Unknown(ids)
        }
        Plan::Silent { .. } => Resolved::Unknown(
            kb.catalogue
                .closest(code, 5)
                .into_iter()
                .map(|e| e.id.clone())
                .collect(),
        ),
    }
}

/// Starts the walk for `candidates` under `key` and renders it. An active
/// walk under the same key is shown again (same entry) or switched to the
/// new entry. When the database is unreachable the entry is still shown,
/// without buttons, with a warning: answers never depend on the database.
#[allow(clippy::too_many_arguments)]
pub(super) async fn start_card(
    d: &Data,
    key: u64,
    guild: Option<u64>,
    user: u64,
    origin: Origin,
    candidates: Vec<String>,
    platform: Option<Platform>,
    banner: Option<String>,
) -> Reply {
    // One error asked about: a report for the outage detector, and an
    // outage (or a moderator's note) leads the answer.
    let single = match candidates.as_slice() {
        [one] => d.kb().catalogue.get(one).map(|e| e.id.clone()),
        _ => None,
    };
    let notice = match &single {
        Some(id) => super::outage::report(d, id, guild, user).await,
        None => crate::outage::Notice::default(),
    };
    let banner = super::free_text::join_banners(notice.banner(), banner);
    let start = Start {
        thread_id: key,
        guild_id: guild,
        user_id: user,
        origin,
        candidates: candidates.clone(),
        platform,
        // Only a detected outage: a moderator's note may well recommend
        // reinstalling (a broken update).
        hold_back_heavy: notice.detected,
    };
    let now = now_ms();
    let result =
        store::start_session(d.store.as_ref(), &*d.kb().catalogue, start.clone(), now).await;
    let session = match result {
        Ok(t) => {
            metrics::counter!(crate::admin::names::SESSIONS_STARTED, "origin" => format!("{origin:?}").to_lowercase()).increment(1);
            t.session
        }
        Err(UpdateError::Refused(Refusal::AlreadyStarted { .. })) => {
            match continue_existing(d, key, &candidates, now).await {
                Ok(s) => s,
                Err(r) => return r,
            }
        }
        Err(UpdateError::Refused(r)) => return Reply::private(r.to_string()),
        Err(UpdateError::Store(e)) => {
            let warning = store_trouble(&e);
            return offline_card(d, start, banner).with_content(warning);
        }
    };
    session_reply(d, &session, banner).await
}

/// A walk is already running under this key: show it, or switch it to the
/// entry asked for now.
async fn continue_existing(
    d: &Data,
    key: u64,
    candidates: &[String],
    now: i64,
) -> Result<Session, Reply> {
    let current = match d.store.load_session(key).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(Reply::private(Refusal::NoSession.to_string())),
        Err(e) => return Err(Reply::private(store_trouble(&e))),
    };
    let kb = d.kb();
    let wanted = candidates
        .first()
        .and_then(|c| kb.catalogue.get(c))
        .map(|e| e.id.clone());
    match wanted {
        Some(id) if candidates.len() == 1 && current.entry.as_deref() != Some(id.as_str()) => {
            match store::apply_command(
                d.store.as_ref(),
                &*d.kb().catalogue,
                key,
                Command::Switch(id),
                now,
            )
            .await
            {
                Ok(t) => Ok(t.session),
                Err(UpdateError::Refused(r)) => Err(Reply::private(r.to_string())),
                Err(UpdateError::Store(e)) => Err(Reply::private(store_trouble(&e))),
            }
        }
        _ => Ok(current),
    }
}

/// The card of a walk that could not be saved: the first step, no buttons.
fn offline_card(d: &Data, start: Start, banner: Option<String>) -> Reply {
    let kb = d.kb();
    let ctx = Ctx::new(&*kb.catalogue);
    match Session::start(start, &ctx, now_ms()) {
        Ok(t) => {
            let s = t.session;
            let view = view::session_view(&*d.kb().catalogue, &s, None, banner);
            match view {
                Some(mut v) => {
                    v.controls.clear();
                    if let Some(e) = s.entry.as_deref().and_then(|id| kb.catalogue.get(id)) {
                        // Without buttons, show every step at once.
                        v.card = view::entry_card(e, Progress::Escalated, &CardExtras::default());
                        v.card.fields.pop();
                        v.card.fields.push(view::Field {
                            name: "Steps".into(),
                            value: clip(
                                &e.steps
                                    .iter()
                                    .enumerate()
                                    .map(|(i, st)| format!("{}. {}", i + 1, st.title))
                                    .collect::<Vec<_>>()
                                    .join("\n"),
                                1024,
                            ),
                        });
                    }
                    Reply::card(&v, 0)
                }
                None => Reply::text("That entry is no longer in the catalogue."),
            }
        }
        Err(r) => Reply::private(r.to_string()),
    }
}

/// Renders a stored session as a card with its controls, with how often the
/// current step worked for others in the footer.
pub(super) async fn session_reply(d: &Data, s: &Session, banner: Option<String>) -> Reply {
    // A walk started during an outage keeps its banner while it lasts.
    let banner = match (banner, s.hold_back_heavy, s.entry.as_deref()) {
        (None, true, Some(entry)) if s.status.is_active() => {
            super::outage::notice(d, entry, s.guild_id).await.banner()
        }
        (b, _, _) => b,
    };
    let record = match (s.entry.as_deref(), s.current_step()) {
        (Some(entry), Some(step)) => d
            .store
            .step_stats(entry, s.stats_platform())
            .await
            .ok()
            .map(|stats| {
                let (solved, tried) = stats.success_record(step);
                StepRecord { solved, tried }
            }),
        _ => None,
    };
    match view::session_view(&*d.kb().catalogue, s, record, banner) {
        Some(v) => Reply::card(&v, s.thread_id),
        None => Reply::private(
            "The error this session was about is no longer in the catalogue. Start a new one with /spotify-error.",
        ),
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub(super) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A user's text, made safe to quote inside backticks in a reply.
pub(super) fn short(s: &str) -> String {
    short_n(s, 60)
}

/// [`short`], at most `max` characters.
pub(super) fn short_n(s: &str, max: usize) -> String {
    clip(
        &s.chars()
            .filter(|c| !c.is_control() && *c != '`')
            .collect::<String>(),
        max,
    )
}

/// "Find the Spotify error" / "Answer this Spotify error" on a message: works
/// without the Message Content intent, because Discord sends the target
/// message's content with the command.
pub(super) async fn on_find(ctx: &Context, d: &Data, c: CommandInteraction, private: bool) {
    let target = c
        .data
        .target_id
        .and_then(|t| c.data.resolved.messages.get(&t.to_message_id()))
        .cloned();
    let user = c.user.id.get();
    let guild = c.guild_id.map(|g| g.get());
    let key = c.id.get();
    let work = async move {
        let Some(target) = target else {
            return Reply::private("I could not see that message; try again.");
        };
        let reading = super::free_text::read_message(ctx, d, &target, false).await;
        let text = &reading.text;
        let reply = match recognise(d, text) {
            Some(candidates) => {
                let platform = Platform::mentioned_in(text);
                // The walk belongs to the person who wrote the error, unless
                // someone asked privately for themselves.
                let owner = if private {
                    user
                } else {
                    target.author.id.get()
                };
                start_card(
                    d,
                    key,
                    guild,
                    owner,
                    reading.origin(Origin::ContextMenu),
                    candidates,
                    platform,
                    reading.banner(),
                )
                .await
            }
            None => Reply::private(
                "I couldn't find a Spotify error in that message. If you know the code, try `/spotify-error lookup`.",
            ),
        };
        let private = private || reply.ephemeral;
        reply.ephemeral(private)
    };
    answer_command(ctx, &c, private, work).await;
}

/// The entries a message is about, when the matcher is confident enough to
/// answer (one entry, or several that share the pasted text).
pub(super) fn recognise(d: &Data, text: &str) -> Option<Vec<String>> {
    let kb = d.kb();
    let m = kb.matcher.match_text(text);
    match plan(&kb.catalogue, &m) {
        Plan::Answer { entry, .. } => Some(vec![entry.id.clone()]),
        Plan::Choose { entries, .. } => Some(entries.iter().map(|e| e.id.clone()).collect()),
        Plan::Confirm { .. } | Plan::Silent { .. } => None,
    }
}
