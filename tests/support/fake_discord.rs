//! A fake Discord: HTTP API v10 + gateway WebSocket on 127.0.0.1, for testing the real serenity
//! 0.12.5 adapter.
//!
//! ```ignore
//! let fake = FakeDiscord::start(FakeConfig::default()).await;
//! ```
//!
//! # Pointing serenity at the fake
//!
//! There are two ways, because serenity 0.12.5's ratelimiter ignores `HttpBuilder::proxy`
//! (`Ratelimiter::perform` builds every request with `proxy = None`, so with the ratelimiter on,
//! requests go to the real `https://discord.com`):
//!
//! 1. **Proxy mode** (what a `DISCORD_API_BASE` env var gives):
//!    `HttpBuilder::new(token).proxy(fake.api_base()).ratelimiter_disabled(true).build()`, where
//!    `fake.api_base()` is exactly `http://127.0.0.1:PORT` (no trailing slash, no `/api/v10`:
//!    serenity replaces the `https://discord.com` prefix of `https://discord.com/api/v10/...`).
//!    The ratelimiter MUST be disabled. A 429 is then returned to the caller as
//!    `Error::Http(HttpError::UnsuccessfulRequest(ErrorResponse { status_code: 429, .. }))`,
//!    not retried. See [`FakeDiscord::serenity_http_proxy`].
//! 2. **Ratelimited mode** (429s are retried like in production): keep the ratelimiter on and
//!    give serenity a reqwest client that resolves `discord.com` to the fake's TLS listener
//!    (self-signed certificate, accepted by that client only):
//!    `HttpBuilder::new(token).client(fake.reqwest_client()).build()`. See
//!    [`FakeDiscord::serenity_http`].
//!
//! Both listeners share one state; every request is recorded ([`Recorded::via_tls`] tells which).
//! The gateway URL served by `GET /gateway(/bot)` is always `ws://127.0.0.1:PORT/gateway`.
//!
//! # What is modelled
//!
//! Channels (text, forum with tags, threads) and messages are kept in state: created by the
//! config, by REST calls and by [`FakeDiscord::dispatch`]ed / [`FakeDiscord::apply_event`]ed
//! events; unknown channel / message / member ids get Discord's 404 errors (10003 / 10008 /
//! 10007). Some Discord rules answer like Discord: empty message (50006), content > 2000
//! (50035), posting in a forum (50008), posting in an archived + locked thread (50083; archived
//! only: the thread is unarchived), tags not in the parent forum or more than 5 (50035), a second
//! thread on a message (160004), editing someone else's message (50005), a second interaction
//! callback (40060), follow-ups before the callback (10015). Gateway: per-shard guilds by
//! `(guild_id >> 22) % count`, intents (events the shard did not ask for are refused by
//! `dispatch`; no MESSAGE_CONTENT strips content), heartbeats, RESUME of known sessions
//! (op 9 otherwise).
//!
//! # Not modelled
//!
//! Permissions and permission overwrites (every REST call is allowed; `member.permissions` in
//! payloads is whatever the test says), real rate limits (headers are constant: limit 5,
//! remaining 4; only injected failures return 429), global 429s, gateway compression, zlib
//! streams and payload size limits, identify rate limiting / `max_concurrency`, session replay on
//! RESUME (missed events are not re-sent), guild member chunking, presences, voice, DMs beyond
//! `POST /users/@me/channels`, mention parsing (`mentions` in created messages stay empty),
//! `allowed_mentions` semantics (checked by `openapi::check_discord_limits` instead), message
//! history pagination (`before` / `after`), pins, webhooks other than interaction follow-ups,
//! audit-log reasons, and CDN image resizing.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::payloads::{
    self, channel_json, fake_member_json, guild_create_json, guild_rest_json, iso_now,
    next_snowflake, perms, ready_json, role_json, user_json,
};

/// A syntactically valid (but fake) bot token: serenity checks for three dot-separated parts.
pub const TOKEN: &str = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.GfAkEd.ZmFrZS1kaXNjb3JkLXRva2VuLWZvci10ZXN0cw";

/// Default ids of the fake world (realistic snowflakes).
pub mod ids {
    /// The application; the bot user has the same id, as for modern Discord apps.
    pub const APPLICATION: u64 = 1_300_000_000_000_000_001;
    pub const BOT_USER: u64 = APPLICATION;
    pub const GUILD: u64 = 1_300_000_000_000_000_100;
    /// Text channel "help".
    pub const TEXT_CHANNEL: u64 = 1_300_000_000_000_000_200;
    /// Forum channel "spotify-help" with tags [`TAG_SOLVED`], [`TAG_HELP`], [`TAG_WINDOWS`].
    pub const FORUM_CHANNEL: u64 = 1_300_000_000_000_000_300;
    pub const TAG_SOLVED: u64 = 1_300_000_000_000_000_310;
    pub const TAG_HELP: u64 = 1_300_000_000_000_000_311;
    pub const TAG_WINDOWS: u64 = 1_300_000_000_000_000_312;
    /// An existing forum post (thread, type 11) in the forum, tagged [`TAG_HELP`], owned by [`USER`].
    pub const THREAD: u64 = 1_300_000_000_000_000_400;
    /// @everyone has the guild's id.
    pub const EVERYONE_ROLE: u64 = GUILD;
    pub const MOD_ROLE: u64 = 1_300_000_000_000_000_500;
    pub const BOT_ROLE: u64 = 1_300_000_000_000_000_501;
    /// An ordinary member, the guild owner, a moderator, another bot.
    pub const USER: u64 = 1_300_000_000_000_000_600;
    pub const MOD_USER: u64 = 1_300_000_000_000_000_601;
    pub const OWNER: u64 = 1_300_000_000_000_000_602;
    pub const OTHER_BOT: u64 = 1_300_000_000_000_000_603;
    /// Default command id used in interaction payloads.
    pub const COMMAND: u64 = 1_300_000_000_000_000_700;

    /// The shard (of `count`) owning `guild_id`: `(guild_id >> 22) % count`.
    pub fn shard_of(guild_id: u64, count: u32) -> u32 {
        ((guild_id >> 22) % u64::from(count.max(1))) as u32
    }

    /// A guild id owned by `shard` of `count` (`n` distinguishes several such ids).
    pub fn guild_for_shard(shard: u32, count: u32, n: u64) -> u64 {
        let count = u64::from(count.max(1));
        let mut ts = (GUILD >> 22) + n * count * 7;
        ts = ts - ts % count + u64::from(shard) % count;
        (ts << 22) | (n & 0x3f_ffff)
    }
}

// ---------------------------------------------------------------------------------------------
// configuration
// ---------------------------------------------------------------------------------------------

/// Configuration of the fake. `FakeConfig::default()`: one guild [`ids::GUILD`] with text
/// channel "help", forum "spotify-help" (tags Solved, Help, Windows), an open forum post
/// [`ids::THREAD`], roles @everyone / Moderator / bot role; one shard advertised.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    pub application_id: u64,
    pub bot_user_id: u64,
    pub bot_name: String,
    pub guilds: Vec<FakeGuild>,
    /// Shard count advertised by `GET /gateway/bot` (the gateway accepts any `[id, count]`).
    pub shard_count: u32,
    pub heartbeat_interval_ms: u64,
    /// Echo the bot's own REST actions as gateway events (MESSAGE_CREATE for its messages,
    /// THREAD_CREATE, THREAD_UPDATE / CHANNEL_UPDATE, MESSAGE_UPDATE, MESSAGE_DELETE), as Discord
    /// does. Off by default.
    pub echo_own_events: bool,
    /// Refuse (return Err from `dispatch`) events the shard did not ask for with its intents,
    /// and strip content / embeds / attachments / components from MESSAGE_CREATE/UPDATE when
    /// MESSAGE_CONTENT is missing (except DMs, mentions of the bot, the bot's own messages).
    /// On by default.
    pub enforce_intents: bool,
    /// Append every request as one JSON line `{"method","path","body"}` to this file. Default:
    /// the `FAKE_DISCORD_LOG` environment variable.
    pub log_path: Option<PathBuf>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            application_id: ids::APPLICATION,
            bot_user_id: ids::BOT_USER,
            bot_name: "Spotify Helper".into(),
            guilds: vec![FakeGuild::default_guild()],
            shard_count: 1,
            heartbeat_interval_ms: 41_250,
            echo_own_events: false,
            enforce_intents: true,
            log_path: std::env::var_os("FAKE_DISCORD_LOG").map(PathBuf::from),
        }
    }
}

impl FakeConfig {
    /// No guilds at all.
    pub fn empty() -> Self {
        Self {
            guilds: vec![],
            ..Self::default()
        }
    }
    pub fn with_guild(mut self, g: FakeGuild) -> Self {
        self.guilds.push(g);
        self
    }
    pub fn shards(mut self, n: u32) -> Self {
        self.shard_count = n;
        self
    }
    pub fn echo_own_events(mut self, yes: bool) -> Self {
        self.echo_own_events = yes;
        self
    }
}

/// A guild of the fake world.
#[derive(Clone, Debug)]
pub struct FakeGuild {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    /// Channels and threads (threads: kind 11/12 with a `parent_id`).
    pub channels: Vec<FakeChannel>,
    pub roles: Vec<FakeRole>,
    /// Members sent in GUILD_CREATE and served by `GET /guilds/{id}/members/{user}` (the bot
    /// and the default users are added by [`FakeGuild::new`]).
    pub members: Vec<FakeMember>,
}

impl FakeGuild {
    /// A guild with roles @everyone (its own id), "Moderator" ([`ids::MOD_ROLE`]) and the bot's
    /// managed role ([`ids::BOT_ROLE`]); members: the bot, [`ids::USER`], [`ids::MOD_USER`],
    /// [`ids::OWNER`] (owner). No channels.
    pub fn new(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.into(),
            owner_id: ids::OWNER,
            channels: vec![],
            roles: vec![
                FakeRole::new(id, "@everyone", perms::MEMBER).position(0),
                FakeRole::new(ids::MOD_ROLE, "Moderator", perms::MODERATOR)
                    .position(2)
                    .color(0x1DB954)
                    .hoist(true),
                FakeRole {
                    managed: true,
                    ..FakeRole::new(ids::BOT_ROLE, "Spotify Helper", perms::BOT).position(1)
                },
            ],
            members: vec![
                FakeMember::new(ids::BOT_USER, "Spotify Helper", &[ids::BOT_ROLE]).bot(),
                FakeMember::new(ids::USER, "listener", &[]),
                FakeMember::new(ids::MOD_USER, "modmin", &[ids::MOD_ROLE]),
                FakeMember::new(ids::OWNER, "owner", &[]),
            ],
        }
    }
    /// The default guild (see [`FakeConfig::default`]).
    pub fn default_guild() -> Self {
        Self::new(ids::GUILD, "Spotify Help Desk")
            .channel(FakeChannel::text(ids::TEXT_CHANNEL, "help"))
            .channel(FakeChannel::forum(
                ids::FORUM_CHANNEL,
                "spotify-help",
                vec![
                    FakeTag::new(ids::TAG_SOLVED, "Solved").emoji("✅"),
                    FakeTag::new(ids::TAG_HELP, "Help"),
                    FakeTag::new(ids::TAG_WINDOWS, "Windows"),
                ],
            ))
            .channel(
                FakeChannel::thread(
                    ids::THREAD,
                    ids::FORUM_CHANNEL,
                    "Spotify says error 30",
                    ids::USER,
                )
                .tags(&[ids::TAG_HELP]),
            )
    }
    pub fn channel(mut self, c: FakeChannel) -> Self {
        self.channels.push(c);
        self
    }
    pub fn role(mut self, r: FakeRole) -> Self {
        self.roles.push(r);
        self
    }
    pub fn member(mut self, m: FakeMember) -> Self {
        self.members.push(m);
        self
    }
}

/// A channel or thread of a [`FakeGuild`].
#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub id: u64,
    /// 0 text, 5 announcement, 11 public thread, 12 private thread, 15 forum, 16 media.
    pub kind: u8,
    pub name: String,
    pub parent_id: Option<u64>,
    pub position: u16,
    pub topic: Option<String>,
    pub flags: u64,
    /// Forum tags (forum / media channels).
    pub available_tags: Vec<FakeTag>,
    /// Applied tag ids (threads in a forum).
    pub applied_tags: Vec<u64>,
    pub archived: bool,
    pub locked: bool,
    pub owner_id: Option<u64>,
}

impl FakeChannel {
    pub fn text(id: u64, name: &str) -> Self {
        Self {
            id,
            kind: 0,
            name: name.into(),
            parent_id: None,
            position: 0,
            topic: None,
            flags: 0,
            available_tags: vec![],
            applied_tags: vec![],
            archived: false,
            locked: false,
            owner_id: None,
        }
    }
    pub fn forum(id: u64, name: &str, tags: Vec<FakeTag>) -> Self {
        Self {
            kind: 15,
            available_tags: tags,
            position: 1,
            ..Self::text(id, name)
        }
    }
    /// A public thread (type 11) in `parent_id` owned by `owner_id`.
    pub fn thread(id: u64, parent_id: u64, name: &str, owner_id: u64) -> Self {
        Self {
            kind: 11,
            parent_id: Some(parent_id),
            owner_id: Some(owner_id),
            ..Self::text(id, name)
        }
    }
    pub fn tags(mut self, applied: &[u64]) -> Self {
        self.applied_tags = applied.to_vec();
        self
    }
    pub fn archived(mut self, archived: bool) -> Self {
        self.archived = archived;
        self
    }
    pub fn locked(mut self, locked: bool) -> Self {
        self.locked = locked;
        self
    }
    pub fn topic(mut self, topic: &str) -> Self {
        self.topic = Some(topic.into());
        self
    }
    pub fn parent(mut self, parent_id: u64) -> Self {
        self.parent_id = Some(parent_id);
        self
    }
    pub fn is_thread(&self) -> bool {
        matches!(self.kind, 10..=12)
    }
}

/// A forum tag.
#[derive(Clone, Debug)]
pub struct FakeTag {
    pub id: u64,
    pub name: String,
    pub moderated: bool,
    pub emoji_name: Option<String>,
}

impl FakeTag {
    pub fn new(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.into(),
            moderated: false,
            emoji_name: None,
        }
    }
    pub fn emoji(mut self, e: &str) -> Self {
        self.emoji_name = Some(e.into());
        self
    }
    pub fn moderated(mut self) -> Self {
        self.moderated = true;
        self
    }
}

/// A guild role.
#[derive(Clone, Debug)]
pub struct FakeRole {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub position: u16,
    pub color: u32,
    pub hoist: bool,
    pub mentionable: bool,
    pub managed: bool,
}

impl FakeRole {
    pub fn new(id: u64, name: &str, permissions: u64) -> Self {
        Self {
            id,
            name: name.into(),
            permissions,
            position: 1,
            color: 0,
            hoist: false,
            mentionable: false,
            managed: false,
        }
    }
    pub fn position(mut self, p: u16) -> Self {
        self.position = p;
        self
    }
    pub fn color(mut self, c: u32) -> Self {
        self.color = c;
        self
    }
    pub fn hoist(mut self, h: bool) -> Self {
        self.hoist = h;
        self
    }
}

/// A guild member.
#[derive(Clone, Debug)]
pub struct FakeMember {
    pub user_id: u64,
    pub username: String,
    pub roles: Vec<u64>,
    pub bot: bool,
}

impl FakeMember {
    pub fn new(user_id: u64, username: &str, roles: &[u64]) -> Self {
        Self {
            user_id,
            username: username.into(),
            roles: roles.to_vec(),
            bot: false,
        }
    }
    pub fn bot(mut self) -> Self {
        self.bot = true;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// recorded requests
// ---------------------------------------------------------------------------------------------

/// One part of a multipart/form-data body.
#[derive(Clone, Debug)]
pub struct MultipartPart {
    /// The form field name (`payload_json`, `files[0]`, ...).
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// A request the fake received (HTTP API, CDN or gateway upgrade), in arrival order.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Position in the record (0-based, not reset by `clear_requests`).
    pub seq: usize,
    pub method: String,
    /// Path without the `/api/v10` prefix (e.g. `/channels/123/messages`), percent-decoding not
    /// applied; for non-API requests the raw path.
    pub path: String,
    /// The path as received (e.g. `/api/v10/channels/123/messages`).
    pub raw_path: String,
    /// The query string without `?` (serenity sends e.g. `&limit=50`).
    pub query: Option<String>,
    /// Request headers, lower-case names; `authorization` is redacted.
    pub headers: Vec<(String, String)>,
    /// The JSON body; for multipart requests the parsed `payload_json` part.
    pub body: Option<Value>,
    /// The raw body bytes.
    pub raw_body: Vec<u8>,
    /// The parts of a multipart body (empty otherwise).
    pub multipart: Vec<MultipartPart>,
    /// Status code the fake answered with.
    pub status: u16,
    /// The JSON the fake answered with, if any.
    pub response: Option<Value>,
    /// True for `/api/v10/...` requests.
    pub api: bool,
    /// True when it came through the TLS listener (ratelimited mode).
    pub via_tls: bool,
}

impl Recorded {
    /// Case-insensitive header lookup.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// `method` equals (or is `*`) and `pattern` matches `path` segment by segment, where a `*`
    /// or `{...}` segment matches any one segment: `r.matches("POST", "/channels/*/messages")`.
    pub fn matches(&self, method: &str, pattern: &str) -> bool {
        (method == "*" || self.method.eq_ignore_ascii_case(method))
            && path_matches(pattern, &self.path)
    }
    /// The JSON body field at a JSON pointer (`"/embeds/0/title"`).
    pub fn body_at(&self, pointer: &str) -> Option<&Value> {
        self.body.as_ref()?.pointer(pointer)
    }
    /// True if the body is multipart/form-data.
    pub fn is_multipart(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"))
    }
}

/// Segment-wise match of a path against a pattern with `*` / `{name}` wildcards.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let a: Vec<&str> = path.trim_matches('/').split('/').collect();
    p.len() == a.len()
        && p.iter()
            .zip(&a)
            .all(|(p, a)| *p == "*" || (p.starts_with('{') && p.ends_with('}')) || p == a)
}

/// A gateway frame received from a client (IDENTIFY / RESUME have their token redacted).
#[derive(Clone, Debug)]
pub struct GatewayFrame {
    pub conn_id: u64,
    pub op: i64,
    pub payload: Value,
}

// ---------------------------------------------------------------------------------------------
// state
// ---------------------------------------------------------------------------------------------

struct Failure {
    method: String,
    path_substring: String,
    status: u16,
    retry_after: f64,
    remaining: u32,
}

#[derive(Clone, Debug)]
struct InterInfo {
    id: u64,
    kind: u64,
    user: Value,
    owners: Value,
    channel_id: u64,
    guild_id: Option<u64>,
    message_id: Option<u64>,
    acked: bool,
    original: Option<u64>,
}

enum Outbound {
    Text(String),
    Close(u16, String),
}

struct Conn {
    tx: mpsc::UnboundedSender<Outbound>,
    shard: Option<[u32; 2]>,
    session: Option<String>,
}

struct Session {
    shard: [u32; 2],
    seq: u64,
    intents: u64,
}

#[derive(Default)]
struct Data {
    requests: Vec<Recorded>,
    cleared: usize,
    failures: Vec<Failure>,
    channels: BTreeMap<u64, Value>,
    messages: BTreeMap<u64, Value>,
    members: HashMap<(u64, u64), Value>,
    attachments: HashMap<String, (Vec<u8>, String)>,
    interactions: HashMap<String, InterInfo>,
    global_commands: Vec<Value>,
    guild_commands: HashMap<u64, Vec<Value>>,
    conns: BTreeMap<u64, Conn>,
    next_conn: u64,
    sessions: HashMap<String, Session>,
    identifies: HashMap<u32, Value>,
    identify_count: HashMap<u32, u32>,
    gateway_frames: Vec<GatewayFrame>,
}

struct Inner {
    config: FakeConfig,
    http_addr: SocketAddr,
    tls_addr: SocketAddr,
    log_path: Option<PathBuf>,
    data: Mutex<Data>,
    requests_changed: watch::Sender<u64>,
    gateway_changed: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
}

/// The running fake. Dropping it (or [`FakeDiscord::shutdown`]) stops both listeners and closes
/// gateway connections.
pub struct FakeDiscord {
    inner: Arc<Inner>,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Clone)]
struct AppState {
    inner: Arc<Inner>,
    tls: bool,
}

fn lock(m: &Mutex<Data>) -> MutexGuard<'_, Data> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn sf(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn s(id: u64) -> Value {
    Value::String(id.to_string())
}

impl FakeDiscord {
    /// Starts the fake: a plain HTTP listener (API, `/gateway` WebSocket, `/attachments` CDN) and
    /// a TLS listener (the same API, for [`FakeDiscord::reqwest_client`]), both on 127.0.0.1 with
    /// OS-assigned ports. Panics only if it cannot bind.
    pub async fn start(config: FakeConfig) -> FakeDiscord {
        let http_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake discord http");
        let tls_tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake discord tls");
        let http_addr = http_listener.local_addr().expect("local addr");
        let tls_addr = tls_tcp.local_addr().expect("local addr");

        let mut data = Data::default();
        for g in &config.guilds {
            for c in &g.channels {
                data.channels.insert(c.id, channel_json(c, g.id));
            }
            for m in &g.members {
                data.members.insert((g.id, m.user_id), fake_member_json(m));
            }
        }
        let (shutdown, _) = watch::channel(false);
        let log_path = config.log_path.clone();
        let inner = Arc::new(Inner {
            config,
            http_addr,
            tls_addr,
            log_path,
            data: Mutex::new(data),
            requests_changed: watch::channel(0).0,
            gateway_changed: watch::channel(0).0,
            shutdown,
        });

        let router = |tls: bool| {
            Router::new()
                .route("/gateway", any(gateway_entry))
                .fallback(http_entry)
                .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
                .with_state(AppState {
                    inner: inner.clone(),
                    tls,
                })
        };

        let mut tasks = Vec::new();
        let mut stop = inner.shutdown.subscribe();
        let app = router(false);
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(http_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        }));

        let (tls_listener, accept_task) = tls::listener(tls_tcp, tls_addr);
        tasks.push(accept_task);
        let mut stop = inner.shutdown.subscribe();
        let app = router(true);
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(tls_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        }));

        FakeDiscord { inner, tasks }
    }

    // ---- addresses and clients ----

    /// The API base to give serenity's `HttpBuilder::proxy` / a `DISCORD_API_BASE` variable:
    /// exactly `http://127.0.0.1:PORT` (serenity appends `/api/v10/...` itself).
    pub fn api_base(&self) -> String {
        format!("http://{}", self.inner.http_addr)
    }
    /// `ws://127.0.0.1:PORT/gateway` (what `GET /gateway` returns).
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.inner.http_addr)
    }
    /// Address of the plain HTTP listener.
    pub fn addr(&self) -> SocketAddr {
        self.inner.http_addr
    }
    /// Address of the TLS listener that [`FakeDiscord::reqwest_client`] resolves `discord.com` to.
    pub fn tls_addr(&self) -> SocketAddr {
        self.inner.tls_addr
    }
    pub fn config(&self) -> &FakeConfig {
        &self.inner.config
    }

    /// A reqwest client that sends `https://discord.com/...` to the fake's TLS listener
    /// (DNS override + the fake's self-signed certificate accepted; no env proxies). Give it to
    /// `serenity::http::HttpBuilder::client` to keep serenity's ratelimiter ON.
    pub fn reqwest_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .danger_accept_invalid_certs(true)
            .resolve("discord.com", self.inner.tls_addr)
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build reqwest client for the fake")
    }

    /// serenity `Http` with the ratelimiter ON (429s retried), through [`Self::reqwest_client`],
    /// token [`TOKEN`] and the configured application id.
    pub fn serenity_http(&self) -> serenity::http::Http {
        serenity::http::HttpBuilder::new(TOKEN)
            .client(self.reqwest_client())
            .application_id(self.inner.config.application_id.into())
            .build()
    }

    /// serenity `Http` in proxy mode, as a `DISCORD_API_BASE` setting would build it:
    /// `.proxy(api_base()).ratelimiter_disabled(true)` (429s are returned as errors).
    pub fn serenity_http_proxy(&self) -> serenity::http::Http {
        serenity::http::HttpBuilder::new(TOKEN)
            .proxy(self.api_base())
            .ratelimiter_disabled(true)
            .application_id(self.inner.config.application_id.into())
            .build()
    }

    // ---- recorded requests ----

    /// All requests recorded since the last [`Self::clear_requests`], in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        let d = lock(&self.inner.data);
        d.requests[d.cleared..].to_vec()
    }
    /// Recorded `/api/v10` requests only.
    pub fn api_requests(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.api).collect()
    }
    /// Recorded requests matching `method` and a path pattern (see [`Recorded::matches`]).
    pub fn requests_matching(&self, method: &str, pattern: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.matches(method, pattern))
            .collect()
    }
    /// Forgets the recorded requests (later waits only see new ones).
    pub fn clear_requests(&self) {
        let mut d = lock(&self.inner.data);
        d.cleared = d.requests.len();
    }
    /// Waits until a recorded request (since the last clear) satisfies `pred`; returns the first
    /// one, or `None` after `timeout`.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Option<Recorded> {
        self.wait_for_requests(pred, 1, timeout)
            .await
            .into_iter()
            .next()
    }
    /// Waits until at least `n` recorded requests satisfy `pred`; returns those found (possibly
    /// fewer than `n` after `timeout`).
    pub async fn wait_for_requests(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        n: usize,
        timeout: Duration,
    ) -> Vec<Recorded> {
        let mut rx = self.inner.requests_changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found: Vec<Recorded> = self.requests().into_iter().filter(|r| pred(r)).collect();
            if found.len() >= n {
                return found;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => return self.requests().into_iter().filter(|r| pred(r)).collect(),
            }
        }
    }

    // ---- failure injection ----

    /// The next request whose method equals `method` (or `"*"`) and whose path (without
    /// `/api/v10`) contains `path_substring` gets `status` instead of its normal answer:
    /// 429 looks like Discord's (`retry-after` header, `x-ratelimit-*` with remaining 0,
    /// scope `user`, body `{"message": "You are being rate limited.", "retry_after": x,
    /// "global": false}`), 500 gives `{"message": "500: Internal Server Error", "code": 0}`,
    /// others a generic Discord error body. Later requests succeed normally.
    pub fn fail_next(
        &self,
        method: &str,
        path_substring: &str,
        status: u16,
        retry_after_secs: f64,
    ) {
        self.fail_times(method, path_substring, status, retry_after_secs, 1);
    }
    /// Like [`Self::fail_next`] for the next `times` matching requests.
    pub fn fail_times(
        &self,
        method: &str,
        path_substring: &str,
        status: u16,
        retry_after_secs: f64,
        times: u32,
    ) {
        lock(&self.inner.data).failures.push(Failure {
            method: method.to_string(),
            path_substring: path_substring.to_string(),
            status,
            retry_after: retry_after_secs,
            remaining: times,
        });
    }

    // ---- CDN ----

    /// Serves `bytes` at `http://127.0.0.1:PORT/attachments/{id}/{id}/{name}` (the returned URL)
    /// with `content_type`.
    pub fn add_attachment(&self, name: &str, bytes: Vec<u8>, content_type: &str) -> String {
        let path = format!(
            "/attachments/{}/{}/{}",
            payloads::next_snowflake(),
            payloads::next_snowflake(),
            url_encode(name)
        );
        lock(&self.inner.data)
            .attachments
            .insert(path.clone(), (bytes, content_type.to_string()));
        format!("{}{}", self.api_base(), path)
    }

    // ---- world state ----

    /// Current state of a channel / thread.
    pub fn channel(&self, id: u64) -> Option<Value> {
        lock(&self.inner.data).channels.get(&id).cloned()
    }
    /// Adds or replaces a channel object (must carry `id`; `guild_id` recommended).
    pub fn add_channel(&self, channel: Value) {
        if let Some(id) = channel.get("id").and_then(sf) {
            lock(&self.inner.data).channels.insert(id, channel);
        }
    }
    /// Threads whose parent is `parent_id`.
    pub fn threads_in(&self, parent_id: u64) -> Vec<Value> {
        lock(&self.inner.data)
            .channels
            .values()
            .filter(|c| c.get("parent_id").and_then(sf) == Some(parent_id) && is_thread(c))
            .cloned()
            .collect()
    }
    /// A stored message (created over REST or dispatched).
    pub fn message(&self, id: u64) -> Option<Value> {
        lock(&self.inner.data).messages.get(&id).cloned()
    }
    /// Stores a message object (so the bot can fetch / reply to / react to it).
    pub fn add_message(&self, message: Value) {
        if let Some(id) = message.get("id").and_then(sf) {
            lock(&self.inner.data).messages.insert(id, message);
        }
    }
    /// Messages of a channel, oldest first.
    pub fn messages_in(&self, channel_id: u64) -> Vec<Value> {
        lock(&self.inner.data)
            .messages
            .values()
            .filter(|m| m.get("channel_id").and_then(sf) == Some(channel_id))
            .cloned()
            .collect()
    }
    /// Commands registered globally (PUT/POST `/applications/{app}/commands`).
    pub fn global_commands(&self) -> Vec<Value> {
        lock(&self.inner.data).global_commands.clone()
    }
    /// Commands registered in a guild.
    pub fn guild_commands(&self, guild_id: u64) -> Vec<Value> {
        lock(&self.inner.data)
            .guild_commands
            .get(&guild_id)
            .cloned()
            .unwrap_or_default()
    }
    /// The original response message of an interaction (by token), if one exists.
    pub fn original_response(&self, interaction_token: &str) -> Option<Value> {
        let d = lock(&self.inner.data);
        let id = d.interactions.get(interaction_token)?.original?;
        d.messages.get(&id).cloned()
    }

    // ---- gateway ----

    /// Waits until shard `shard_id` has an identified (or resumed) live connection that got its
    /// READY and GUILD_CREATEs. False after `timeout`.
    pub async fn wait_for_shard_ready(&self, shard_id: u32, timeout: Duration) -> bool {
        let mut rx = self.inner.gateway_changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.identified_shards().contains(&shard_id) {
                return true;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => return self.identified_shards().contains(&shard_id),
            }
        }
    }
    /// Shard ids with a live, identified (or resumed) connection, sorted.
    pub fn identified_shards(&self) -> Vec<u32> {
        let d = lock(&self.inner.data);
        let mut v: Vec<u32> = d
            .conns
            .values()
            .filter(|c| c.session.is_some())
            .filter_map(|c| c.shard.map(|s| s[0]))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
    /// The last IDENTIFY `d` of a shard (token redacted): `intents`, `shard`, `properties`, ...
    pub fn identify_payload(&self, shard_id: u32) -> Option<Value> {
        lock(&self.inner.data).identifies.get(&shard_id).cloned()
    }
    /// The intents bits the shard identified with.
    pub fn intents(&self, shard_id: u32) -> Option<u64> {
        self.identify_payload(shard_id)?.get("intents")?.as_u64()
    }
    /// How many times the shard sent IDENTIFY (resumes not counted).
    pub fn identify_count(&self, shard_id: u32) -> u32 {
        lock(&self.inner.data)
            .identify_count
            .get(&shard_id)
            .copied()
            .unwrap_or(0)
    }
    /// Every frame clients sent on the gateway (heartbeats included), in order.
    pub fn gateway_frames(&self) -> Vec<GatewayFrame> {
        lock(&self.inner.data).gateway_frames.clone()
    }
    /// The shard owning `guild_id` given the shard count clients identified with (or the
    /// advertised one when none is connected).
    pub fn shard_for_guild(&self, guild_id: u64) -> u32 {
        let d = lock(&self.inner.data);
        ids::shard_of(guild_id, self.inner.current_count(&d))
    }

    /// Sends `{op: 0, t: event_type, s, d: data}` to the shard owning `data.guild_id` (shard 0
    /// without guild). Also updates the fake's state (MESSAGE_CREATE/UPDATE store the message,
    /// MESSAGE_DELETE removes it, THREAD_*/CHANNEL_* store the channel, INTERACTION_CREATE
    /// registers the token so callbacks / webhooks know their channel). Returns the shard id, or
    /// Err if no shard owning it is connected or (with `enforce_intents`) the shard did not ask
    /// for the event's intent.
    pub fn dispatch(&self, event_type: &str, data: Value) -> Result<u32, String> {
        let mut d = lock(&self.inner.data);
        self.inner
            .dispatch_locked(&mut d, event_type, data, None, true)
    }
    /// Like [`Self::dispatch`] but to an explicit shard, without intent checks or content
    /// stripping (state is still updated).
    pub fn dispatch_to_shard(
        &self,
        shard_id: u32,
        event_type: &str,
        data: Value,
    ) -> Result<u32, String> {
        let mut d = lock(&self.inner.data);
        self.inner
            .dispatch_locked(&mut d, event_type, data, Some(shard_id), false)
    }
    /// Applies an event's effect on the fake's state WITHOUT sending it over the gateway (e.g.
    /// `fake.apply_event("INTERACTION_CREATE", &payload)` before answering an interaction with
    /// serenity's REST methods in a test without a gateway client): stores messages / channels /
    /// members and registers interaction tokens, as [`Self::dispatch`] does.
    pub fn apply_event(&self, event_type: &str, data: &Value) {
        let mut d = lock(&self.inner.data);
        self.inner.apply_event_state(&mut d, event_type, data);
    }

    /// Sends a raw gateway frame (any op) to a shard's connection.
    pub fn send_raw(&self, shard_id: u32, frame: Value) -> Result<(), String> {
        let d = lock(&self.inner.data);
        let (_, conn) =
            Inner::shard_conn(&d, shard_id).ok_or(format!("shard {shard_id} is not connected"))?;
        conn.tx
            .send(Outbound::Text(frame.to_string()))
            .map_err(|_| "connection gone".to_string())
    }
    /// Closes every gateway connection with close code 4000 ("unknown error", resumable); the
    /// server keeps running. Serenity then reconnects and RESUMEs (sessions are kept; use
    /// [`Self::forget_sessions`] first to force a new IDENTIFY).
    pub fn disconnect_all(&self) {
        self.close_all(4000, "fake: disconnect_all");
    }
    /// Closes every gateway connection with `code` (e.g. 4004 authentication failed, 4014
    /// disallowed intents).
    pub fn close_all(&self, code: u16, reason: &str) {
        let mut d = lock(&self.inner.data);
        for c in d.conns.values() {
            let _ = c.tx.send(Outbound::Close(code, reason.to_string()));
        }
        for c in d.conns.values_mut() {
            c.session = None;
        }
        drop(d);
        self.inner.gateway_changed.send_modify(|v| *v += 1);
    }
    /// Forgets all gateway sessions: a later RESUME gets op 9 (invalid session, not resumable).
    pub fn forget_sessions(&self) {
        lock(&self.inner.data).sessions.clear();
    }

    /// Stops the listeners and closes gateway connections (also done on drop).
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown.send(true);
        {
            let d = lock(&self.inner.data);
            for c in d.conns.values() {
                let _ =
                    c.tx.send(Outbound::Close(1001, "fake discord shutting down".into()));
            }
        }
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn is_thread(c: &Value) -> bool {
    matches!(c.get("type").and_then(Value::as_u64), Some(10..=12))
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Inner {
    fn bot_user(&self) -> Value {
        let mut u = user_json(self.config.bot_user_id, &self.config.bot_name, true, None);
        u["verified"] = json!(true);
        u["mfa_enabled"] = json!(false);
        u["email"] = Value::Null;
        u
    }

    fn current_count(&self, d: &Data) -> u32 {
        d.conns
            .values()
            .filter(|c| c.session.is_some())
            .find_map(|c| c.shard.map(|s| s[1]))
            .unwrap_or(self.config.shard_count)
            .max(1)
    }
}

// The server is split by concern; the child modules see this module's private state.
mod gateway;
mod http;
mod rest;
mod tls;

use self::gateway::gateway_entry;
use self::http::http_entry;
