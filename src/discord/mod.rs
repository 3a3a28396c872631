//! The serenity adapter: the only module that knows Discord.
//!
//! It turns gateway events into calls on the pure core (catalogue, matcher,
//! session) and the store, and the core's answers into Discord messages.
//! One file per user-facing action:
//! - [`lookup`]: `/spotify-error lookup`, its autocomplete and "did you mean";
//! - [`buttons`]: the step buttons and selects under a card;
//! - [`free_text`]: pasted errors in the channels a moderator enabled;
//! - [`moderation`]: Mark as solution, `solved`, `stats`, `config`.
//!
//! Shared here: [`Data`] (catalogue, matcher, store and small caches), the
//! rule for answering an interaction within Discord's three seconds
//! ([`respond`]), and [`run`], which builds the client exactly as
//! `spotify-error-bot run` does.

mod buttons;
mod channels;
pub mod commands;
pub mod custom_id;
mod feedback;
mod free_text;
mod gaps;
mod lifecycle;
mod lookup;
mod moderation;
mod outage;
pub mod reply;
mod retry;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use serenity::all::{
    Command as DiscordCommand, Context, CreateInteractionResponse, EventHandler, GatewayIntents,
    Guild, GuildChannel, GuildId, Http, HttpBuilder, Interaction, InteractionId, Message,
    PartialGuildChannel, Ready, ThreadListSyncEvent,
};
use serenity::builder::Builder as _;

use crate::catalogue::Catalogue;
use crate::config::Config;
use crate::matcher::Matcher;
use crate::store::{GuildConfig, Store, StoreError};

pub use channels::ChannelInfo;
pub use gaps::draft_for;
use reply::Reply;

/// The catalogue and the matcher built from it, swapped together on reload.
pub struct Knowledge {
    pub catalogue: Arc<Catalogue>,
    pub matcher: Matcher,
}

impl Knowledge {
    pub fn new(catalogue: Arc<Catalogue>) -> Knowledge {
        Knowledge {
            matcher: Matcher::new(&catalogue),
            catalogue,
        }
    }
}

/// What every handler shares. Small on purpose: each feature keeps its own
/// state (cooldowns in [`free_text`], channels in [`channels`]).
pub struct Data {
    knowledge: ArcSwap<Knowledge>,
    /// Where the catalogue is reloaded from (SIGHUP).
    catalogue_dir: PathBuf,
    pub store: Arc<dyn Store>,
    channels: channels::Channels,
    guild_configs: Mutex<HashMap<u64, (GuildConfig, Instant)>>,
    cooldowns: free_text::Cooldowns,
    queue: free_text::ChannelQueue,
    /// Reads screenshots (off without the `ocr` feature or Tesseract).
    pub ocr: crate::ocr::Ocr,
    commands_registered: AtomicBool,
    bot_user_id: AtomicU64,
    /// The application's owner (or team members): who may reload.
    owners: Mutex<Vec<u64>>,
    /// Whether a shard is connected to the gateway (for `/healthz`).
    pub gateway: Arc<AtomicBool>,
    guild_id: Option<u64>,
    message_content: bool,
    /// When a burst of reports is an outage.
    outage: crate::outage::OutageConfig,
}

/// How long a guild's settings are trusted from memory. Other processes
/// (shards) may change them, so they are re-read now and then.
const CONFIG_TTL: Duration = Duration::from_secs(60);

impl Data {
    pub fn new(
        catalogue: Arc<Catalogue>,
        catalogue_dir: PathBuf,
        store: Arc<dyn Store>,
        config: &Config,
    ) -> Data {
        Data {
            knowledge: ArcSwap::from_pointee(Knowledge::new(catalogue)),
            catalogue_dir,
            store,
            channels: channels::Channels::default(),
            guild_configs: Mutex::new(HashMap::new()),
            cooldowns: free_text::Cooldowns::default(),
            queue: free_text::ChannelQueue::default(),
            ocr: crate::ocr::Ocr::new(crate::ocr::OcrConfig::default()),
            commands_registered: AtomicBool::new(false),
            bot_user_id: AtomicU64::new(0),
            gateway: Arc::new(AtomicBool::new(false)),
            owners: Mutex::new(Vec::new()),
            guild_id: config.guild_id,
            message_content: config.message_content,
            outage: config.outage,
        }
    }

    /// The catalogue and matcher in use now.
    pub fn kb(&self) -> Arc<Knowledge> {
        self.knowledge.load_full()
    }

    /// Loads the catalogue again from its folder. An invalid catalogue is
    /// rejected with every problem logged, and the one in use is kept.
    pub fn reload(&self) -> Result<usize, String> {
        match crate::catalogue::load_dir(&self.catalogue_dir) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    tracing::warn!(warning = %w, "catalogue warning");
                }
                let n = loaded.catalogue.len();
                self.knowledge
                    .store(Arc::new(Knowledge::new(Arc::new(loaded.catalogue))));
                tracing::info!(entries = n, dir = %self.catalogue_dir.display(), "catalogue reloaded");
                Ok(n)
            }
            Err(e) => {
                let text = e.to_string();
                tracing::error!(dir = %self.catalogue_dir.display(), problems = %text, "catalogue reload rejected; keeping the catalogue in use");
                Err(text)
            }
        }
    }

    fn is_owner(&self, user: u64) -> bool {
        self.owners.lock().is_ok_and(|o| o.contains(&user))
    }

    fn bot_user_id(&self) -> u64 {
        self.bot_user_id.load(Ordering::Relaxed)
    }

    /// The guild's settings, from memory when fresh.
    async fn guild_config(&self, guild_id: u64) -> Result<GuildConfig, StoreError> {
        if let Ok(map) = self.guild_configs.lock() {
            if let Some((c, at)) = map.get(&guild_id) {
                if at.elapsed() < CONFIG_TTL {
                    return Ok(c.clone());
                }
            }
        }
        let c = self.store.guild_config(guild_id).await?;
        if let Ok(mut map) = self.guild_configs.lock() {
            map.insert(guild_id, (c.clone(), Instant::now()));
        }
        Ok(c)
    }

    async fn save_guild_config(&self, c: &GuildConfig) -> Result<(), StoreError> {
        self.store.save_guild_config(c).await?;
        if let Ok(mut map) = self.guild_configs.lock() {
            map.insert(c.guild_id, (c.clone(), Instant::now()));
        }
        Ok(())
    }
}

/// Errors that stop the bot (not the ones a user causes: those are replies).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("could not connect to Discord: {0}")]
    Discord(#[from] serenity::Error),
}

/// The intents the bot asks for. Message Content is privileged: without it
/// the bot still answers slash commands, buttons and the context menu, but
/// cannot read pasted errors.
pub fn intents(message_content: bool) -> GatewayIntents {
    let mut i = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
    if message_content {
        i |= GatewayIntents::MESSAGE_CONTENT;
    }
    i
}

/// The HTTP client as `run` builds it. With `DISCORD_API_BASE` every request
/// goes to that base and serenity's ratelimiter is off (it would bypass the
/// base); [`retry`] then handles the 429s the proxy lets through.
pub fn http_client(config: &Config) -> Http {
    let b = HttpBuilder::new(config.token.expose());
    match &config.api_base {
        Some(base) => b.proxy(base.clone()).ratelimiter_disabled(true).build(),
        None => b.build(),
    }
}

/// Connects and serves until the gateway closes or `shutdown` resolves.
pub async fn run(
    config: Config,
    data: Arc<Data>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let http = http_client(&config);
    match data.ocr.status() {
        crate::ocr::OcrStatus::Ready { version } => {
            tracing::info!(%version, "screenshots are read (OCR on)")
        }
        crate::ocr::OcrStatus::Disabled { why } => {
            tracing::info!(%why, "OCR is off: attached screenshots are ignored")
        }
    }
    let handler = Handler { data: data.clone() };
    let mut client =
        serenity::all::ClientBuilder::new_with_http(http, intents(config.message_content))
            .event_handler(handler)
            .await?;
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: closing the gateway connections");
        shards.shutdown_all().await;
    });
    if let Some(addr) = config.admin_addr {
        let health = crate::admin::Health {
            gateway: data.gateway.clone(),
            store: data.store.clone(),
        };
        let handle = crate::admin::install_metrics();
        if let Err(e) = crate::admin::serve(addr, health, handle).await {
            tracing::error!(error = %e, %addr, "could not open the admin port");
        }
    }
    let sweep = tokio::spawn(housekeeping(
        client.http.clone(),
        data.clone(),
        config.session_idle,
        config.sweep_every,
    ));
    let reload = tokio::spawn(reload_on_hangup(data.clone()));
    let result = match config.shards {
        Some(s) => {
            tracing::info!(
                first = s.first,
                count = s.count,
                total = s.total,
                "starting shards"
            );
            client
                .start_shard_range(s.first..s.first + s.count - 1, s.total)
                .await
        }
        None => client.start_autosharded().await,
    };
    sweep.abort();
    reload.abort();
    data.store.close().await;
    result.map_err(RunError::from)
}

/// Reloads the catalogue on SIGHUP (`systemctl reload`).
async fn reload_on_hangup(data: Arc<Data>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; catalogue reload is off");
            return;
        };
        while hup.recv().await.is_some() {
            let d = data.clone();
            // Loading reads files: keep it off the event threads.
            let _ = tokio::task::spawn_blocking(move || d.reload()).await;
        }
    }
    #[cfg(not(unix))]
    let _ = data;
}

/// The periodic chores, every `every`: expire sessions nobody touched for
/// `idle`, remove unanswered questions, remind quiet askers and close
/// abandoned threads, end outages that died down, forget old texts.
async fn housekeeping(http: Arc<Http>, d: Arc<Data>, idle: Duration, every: Duration) {
    let idle_ms = i64::try_from(idle.as_millis()).unwrap_or(i64::MAX);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = crate::store::now_ms();
        // Gap examples and answer texts are kept for a month at most.
        if let Err(e) = d.store.prune_gap_texts(now - 30 * 24 * 3600 * 1000).await {
            tracing::warn!(error = %e, "could not prune old texts");
        }
        feedback::sweep(&http, &d, now).await;
        lifecycle::sweep(&http, &d, now).await;
        outage::sweep(&d, now).await;
        match d.store.expire_idle(idle_ms, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired idle sessions"),
            Err(e) => tracing::warn!(error = %e, "idle sweep failed"),
        }
    }
}

struct Handler {
    data: Arc<Data>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let d = &self.data;
        d.bot_user_id.store(ready.user.id.get(), Ordering::Relaxed);
        d.gateway.store(true, Ordering::Relaxed);
        tracing::info!(
            user = %ready.user.name,
            guilds = ready.guilds.len(),
            shard = ?ready.shard.map(|s| s.id.0),
            free_text = d.message_content,
            "connected to Discord{}",
            if d.message_content { "" } else { " (no Message Content intent: free-text answers are off)" }
        );
        if !d.commands_registered.swap(true, Ordering::SeqCst) {
            match retry::idempotent("application info", || {
                ctx.http.get_current_application_info()
            })
            .await
            {
                Ok(app) => {
                    let mut ids: Vec<u64> = app.owner.iter().map(|u| u.id.get()).collect();
                    if let Some(team) = &app.team {
                        ids.extend(team.members.iter().map(|m| m.user.id.get()));
                    }
                    if let Ok(mut o) = d.owners.lock() {
                        *o = ids;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not read the application's owner"),
            }
            let defs = commands::definitions();
            let result = match d.guild_id {
                Some(g) => {
                    retry::idempotent("register guild commands", || {
                        GuildId::new(g).set_commands(&ctx.http, defs.clone())
                    })
                    .await
                }
                None => {
                    retry::idempotent("register global commands", || {
                        DiscordCommand::set_global_commands(&ctx.http, defs.clone())
                    })
                    .await
                }
            };
            match result {
                Ok(c) => {
                    tracing::info!(commands = c.len(), guild = ?d.guild_id, "registered commands")
                }
                Err(e) => {
                    d.commands_registered.store(false, Ordering::SeqCst);
                    tracing::error!(error = %e, "could not register the commands");
                }
            }
        }
    }

    async fn resume(&self, _ctx: Context, _event: serenity::all::ResumedEvent) {
        self.data.gateway.store(true, Ordering::Relaxed);
    }

    async fn shard_stage_update(&self, _ctx: Context, event: serenity::all::ShardStageUpdateEvent) {
        let up = event.new == serenity::all::ConnectionStage::Connected;
        self.data.gateway.store(up, Ordering::Relaxed);
    }

    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        self.data.channels.add_guild(&guild);
    }

    async fn channel_create(&self, _ctx: Context, channel: GuildChannel) {
        self.data.channels.add(&channel);
    }

    async fn channel_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        self.data.channels.add(&new);
    }

    async fn thread_create(&self, ctx: Context, thread: GuildChannel) {
        self.data.channels.add(&thread);
        lifecycle::on_thread_create(&ctx, &self.data, &thread).await;
    }

    async fn thread_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        self.data.channels.add(&new);
    }

    async fn thread_delete(
        &self,
        _ctx: Context,
        thread: PartialGuildChannel,
        _full: Option<GuildChannel>,
    ) {
        self.data.channels.remove(thread.id.get());
    }

    async fn thread_list_sync(&self, _ctx: Context, sync: ThreadListSyncEvent) {
        for t in &sync.threads {
            self.data.channels.add(t);
        }
    }

    async fn message_delete(
        &self,
        _ctx: Context,
        _channel: serenity::all::ChannelId,
        message: serenity::all::MessageId,
        _guild: Option<GuildId>,
    ) {
        // Privacy: a deleted message's text leaves the gap examples.
        match self.data.store.forget_message(message.get()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(examples = n, "forgot a deleted message's text"),
            Err(e) => tracing::warn!(error = %e, "could not forget a deleted message"),
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        free_text::on_message(&ctx, &self.data, msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let d = &self.data;
        match interaction {
            Interaction::Command(c) => match c.data.name.as_str() {
                commands::NAME => lookup::on_command(&ctx, d, c).await,
                commands::MARK_SOLUTION => moderation::on_mark_solution(&ctx, d, c).await,
                commands::FIND_PRIVATE => lookup::on_find(&ctx, d, c, true).await,
                commands::FIND_PUBLIC => lookup::on_find(&ctx, d, c, false).await,
                other => tracing::debug!(command = other, "unknown command"),
            },
            Interaction::Autocomplete(a) => lookup::on_autocomplete(&ctx, d, a).await,
            Interaction::Component(c) => buttons::on_component(&ctx, d, c).await,
            _ => {}
        }
    }
}

/// How an interaction is answered: with a new message, or by updating the
/// message whose component was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Type 4, or type 5 then an edit of the original response.
    NewMessage { ephemeral_if_deferred: bool },
    /// Type 7, or type 6 then an edit; an ephemeral reply (a refusal)
    /// becomes a new ephemeral message instead of an update.
    UpdateMessage,
}

/// How long the work of an interaction may take before the bot defers.
/// Discord allows three seconds for the first response.
const DEFER_AFTER: Duration = Duration::from_millis(1500);

/// Answers an interaction with the reply `work` produces: at once when the
/// work is quick (one request), or by deferring first when it is slow (a
/// database under load), then editing the deferred response.
async fn respond(
    ctx: &Context,
    id: InteractionId,
    token: &str,
    how: Answer,
    work: impl Future<Output = Reply> + Send,
) {
    let started = Instant::now();
    let mut work = Box::pin(work);
    let quick = tokio::select! {
        r = &mut work => Some(r),
        _ = tokio::time::sleep(DEFER_AFTER) => None,
    };
    let http = ctx.http.as_ref();
    let deferred = quick.is_none();
    let result = match quick {
        Some(reply) => {
            let resp = match how {
                Answer::UpdateMessage if !reply.ephemeral => {
                    CreateInteractionResponse::UpdateMessage(reply.interaction_message())
                }
                _ => CreateInteractionResponse::Message(reply.interaction_message()),
            };
            retry::idempotent("interaction response", || {
                resp.clone().execute(http, (id, token))
            })
            .await
            .map(|_| ())
        }
        None => {
            let defer = match how {
                Answer::NewMessage {
                    ephemeral_if_deferred,
                } => CreateInteractionResponse::Defer(
                    serenity::all::CreateInteractionResponseMessage::new()
                        .ephemeral(ephemeral_if_deferred),
                ),
                Answer::UpdateMessage => CreateInteractionResponse::Acknowledge,
            };
            if let Err(e) =
                retry::idempotent("defer", || defer.clone().execute(http, (id, token))).await
            {
                tracing::warn!(error = %e, "could not defer an interaction");
                return;
            }
            let reply = work.await;
            if how == Answer::UpdateMessage && reply.ephemeral {
                let f = reply.followup();
                retry::create("follow-up", || f.clone().execute(http, (None, token)))
                    .await
                    .map(|_| ())
            } else {
                let e = reply.edit_response();
                retry::idempotent("edit response", || e.clone().execute(http, token))
                    .await
                    .map(|_| ())
            }
        }
    };
    metrics::histogram!(
        crate::admin::names::INTERACTION_SECONDS,
        "kind" => match how { Answer::NewMessage { .. } => "new", Answer::UpdateMessage => "update" },
        "deferred" => if deferred { "yes" } else { "no" }
    )
    .record(started.elapsed().as_secs_f64());
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not answer an interaction");
    }
}

/// Answers a command with a new message (see [`respond`]); a deferred
/// answer is ephemeral when `ephemeral_if_deferred`.
async fn answer_command(
    ctx: &Context,
    c: &serenity::all::CommandInteraction,
    ephemeral_if_deferred: bool,
    work: impl Future<Output = Reply> + Send,
) {
    respond(
        ctx,
        c.id,
        &c.token,
        Answer::NewMessage {
            ephemeral_if_deferred,
        },
        work,
    )
    .await;
}

/// The friendly text for a database failure, shown to the user.
fn store_trouble(e: &StoreError) -> String {
    tracing::error!(error = %e, "store error");
    metrics::counter!(crate::admin::names::STORE_ERRORS).increment(1);
    "⚠️ I couldn't reach my database just now, so your progress was not saved. Please try again in a minute.".to_string()
}
