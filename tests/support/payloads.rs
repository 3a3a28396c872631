//! Builders for realistic Discord API v10 payloads (gateway dispatch `d` objects and the objects
//! the fake's HTTP API returns).
//!
//! Every builder's output is deserialized with serenity 0.12.5's own types in
//! `tests/fake_discord_selftest.rs`, so a field serenity requires cannot silently go missing
//! (serenity drops an undeserializable gateway event as `Unknown`, logged only at debug level).
//!
//! Style: small builder structs with sensible defaults, finished with `.build()`:
//!
//! ```ignore
//! let asker = Person::member();
//! let msg = Msg::new(ids::TEXT_CHANNEL, &asker).content("error 30 again").build();
//! fake.dispatch("MESSAGE_CREATE", msg)?;
//!
//! let ctx = Inter::new(ids::TEXT_CHANNEL, &Person::moderator());
//! fake.dispatch("INTERACTION_CREATE", interaction_slash(&ctx, "spotify", json!([opt_string("code", "30")])))?;
//! ```
//!
//! Defaults: messages and interactions are in guild [`ids::GUILD`] unless `.dm()` is called;
//! ids are fresh snowflakes; timestamps are "now".

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::fake_discord::{FakeChannel, FakeGuild, FakeMember, FakeRole, ids};

// ---------------------------------------------------------------------------------------------
// snowflakes, timestamps, permissions
// ---------------------------------------------------------------------------------------------

/// Discord's epoch (2015-01-01T00:00:00Z) in milliseconds.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

static LAST_SNOWFLAKE: AtomicU64 = AtomicU64::new(0);

/// A fresh, strictly increasing snowflake built from the current time (unique in the process).
pub fn next_snowflake() -> u64 {
    let now = now_ms().saturating_sub(DISCORD_EPOCH_MS) << 22;
    let mut last = LAST_SNOWFLAKE.load(Ordering::Relaxed);
    loop {
        let candidate = now.max(last + 1);
        match LAST_SNOWFLAKE.compare_exchange(last, candidate, Ordering::SeqCst, Ordering::Relaxed)
        {
            Ok(_) => return candidate,
            Err(actual) => last = actual,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Current time as Discord formats timestamps (`2025-01-31T12:34:56.789000+00:00`).
pub fn iso_now() -> String {
    iso8601(now_ms())
}

/// Formats Unix milliseconds as an ISO 8601 timestamp in Discord's style.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}000+00:00")
}

/// Permission bits used by the builders (see Discord's permission docs).
pub mod perms {
    pub const CREATE_INSTANT_INVITE: u64 = 1 << 0;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const USE_EXTERNAL_EMOJIS: u64 = 1 << 18;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub const MANAGE_THREADS: u64 = 1 << 34;
    pub const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

    /// What an ordinary member can do in a help channel.
    pub const MEMBER: u64 = CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS;
    /// A member plus MANAGE_MESSAGES and MANAGE_THREADS.
    pub const MODERATOR: u64 = MEMBER | MANAGE_MESSAGES | MANAGE_THREADS;
    /// What the fake bot is granted (`app_permissions`, bot role).
    pub const BOT: u64 = MODERATOR;
}

fn s(id: u64) -> Value {
    Value::String(id.to_string())
}

fn ids_json(ids: &[u64]) -> Value {
    Value::Array(ids.iter().map(|i| s(*i)).collect())
}

// ---------------------------------------------------------------------------------------------
// users, members, roles, channels, guilds, READY
// ---------------------------------------------------------------------------------------------

/// A user, with the guild membership details the builders need (roles, resolved permissions).
#[derive(Clone, Debug)]
pub struct Person {
    pub id: u64,
    pub name: String,
    pub global_name: Option<String>,
    pub bot: bool,
    /// Role ids in the guild (the @everyone role is implicit, as in Discord).
    pub roles: Vec<u64>,
    /// Resolved permission bits in the channel (sent as `member.permissions`).
    pub permissions: u64,
    pub nick: Option<String>,
    pub joined_at: String,
}

impl Person {
    /// An ordinary member (no roles, [`perms::MEMBER`]).
    pub fn new(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_string(),
            global_name: Some(name.to_string()),
            bot: false,
            roles: vec![],
            permissions: perms::MEMBER,
            nick: None,
            joined_at: "2024-03-01T10:00:00.000000+00:00".to_string(),
        }
    }
    /// The default asker: [`ids::USER`] "listener".
    pub fn member() -> Self {
        Self::new(ids::USER, "listener")
    }
    /// The default moderator: [`ids::MOD_USER`], role [`ids::MOD_ROLE`], [`perms::MODERATOR`].
    pub fn moderator() -> Self {
        Self::new(ids::MOD_USER, "modmin")
            .roles(&[ids::MOD_ROLE])
            .permissions(perms::MODERATOR)
    }
    /// Another bot (e.g. to check the bot ignores bots).
    pub fn other_bot() -> Self {
        Self::new(ids::OTHER_BOT, "otherbot").bot(true)
    }
    /// The fake's own bot user with the default ids.
    pub fn this_bot() -> Self {
        Self::new(ids::BOT_USER, "Spotify Helper")
            .bot(true)
            .roles(&[ids::BOT_ROLE])
            .permissions(perms::BOT)
    }
    pub fn bot(mut self, bot: bool) -> Self {
        self.bot = bot;
        if bot {
            self.global_name = None;
        }
        self
    }
    pub fn roles(mut self, roles: &[u64]) -> Self {
        self.roles = roles.to_vec();
        self
    }
    pub fn permissions(mut self, bits: u64) -> Self {
        self.permissions = bits;
        self
    }
    pub fn nick(mut self, nick: &str) -> Self {
        self.nick = Some(nick.to_string());
        self
    }
    /// The user object.
    pub fn user_json(&self) -> Value {
        user_json(self.id, &self.name, self.bot, self.global_name.as_deref())
    }
    /// The partial member as in MESSAGE_CREATE (`member` without `user`, without permissions).
    pub fn partial_member_json(&self) -> Value {
        let mut m = self.member_json(false);
        m.as_object_mut().map(|o| o.remove("permissions"));
        m
    }
    /// The member object; `with_user` adds `user`; always carries `permissions` (as sent in
    /// interactions).
    pub fn member_json(&self, with_user: bool) -> Value {
        let mut m = member_json(
            if with_user {
                Some(self.user_json())
            } else {
                None
            },
            &self.roles,
            &self.joined_at,
        );
        m["nick"] = self.nick.clone().map(Value::String).unwrap_or(Value::Null);
        m["permissions"] = Value::String(self.permissions.to_string());
        m
    }
}

/// A user object (`discriminator` "0", as for migrated usernames).
pub fn user_json(id: u64, username: &str, bot: bool, global_name: Option<&str>) -> Value {
    let mut u = json!({
        "id": s(id),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
        "collectibles": null,
        "primary_guild": null,
    });
    if bot {
        u["bot"] = Value::Bool(true);
    }
    u
}

/// A guild member object.
pub fn member_json(user: Option<Value>, roles: &[u64], joined_at: &str) -> Value {
    let mut m = json!({
        "roles": ids_json(roles),
        "joined_at": joined_at,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "nick": null,
        "avatar": null,
        "banner": null,
        "premium_since": null,
        "communication_disabled_until": null,
        "unusual_dm_activity_until": null,
    });
    if let Some(u) = user {
        m["user"] = u;
    }
    m
}

/// A role object (with the `colors` object serenity 0.12.5 requires).
pub fn role_json(r: &FakeRole) -> Value {
    json!({
        "id": s(r.id),
        "name": r.name,
        "description": null,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": null, "tertiary_color": null},
        "hoist": r.hoist,
        "icon": null,
        "unicode_emoji": null,
        "position": r.position,
        "permissions": r.permissions.to_string(),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
        "tags": if r.managed { json!({"bot_id": s(ids::BOT_USER)}) } else { json!({}) },
    })
}

/// A guild channel object (text 0, forum 15, threads 11/12, ...) from the fake's config.
pub fn channel_json(c: &FakeChannel, guild_id: u64) -> Value {
    let mut v = json!({
        "id": s(c.id),
        "type": c.kind,
        "guild_id": s(guild_id),
        "name": c.name,
        "parent_id": c.parent_id.map(s),
        "position": c.position,
        "permission_overwrites": [],
        "nsfw": false,
        "rate_limit_per_user": 0,
        "flags": c.flags,
        "last_message_id": null,
    });
    let o = v.as_object_mut().expect("object");
    match c.kind {
        10..=12 => {
            o.remove("position");
            o.remove("permission_overwrites");
            o.insert("owner_id".into(), c.owner_id.map(s).unwrap_or(Value::Null));
            o.insert("message_count".into(), json!(0));
            o.insert("member_count".into(), json!(1));
            o.insert("total_message_sent".into(), json!(0));
            o.insert("applied_tags".into(), ids_json(&c.applied_tags));
            o.insert(
                "thread_metadata".into(),
                json!({
                    "archived": c.archived,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2024-06-01T10:00:00.000000+00:00",
                    "locked": c.locked,
                    "create_timestamp": "2024-06-01T10:00:00.000000+00:00",
                }),
            );
        }
        15 | 16 => {
            o.insert(
                "topic".into(),
                c.topic.clone().map(Value::String).unwrap_or(Value::Null),
            );
            o.insert(
                "available_tags".into(),
                Value::Array(
                    c.available_tags
                        .iter()
                        .map(|t| {
                            json!({"id": s(t.id), "name": t.name, "moderated": t.moderated,
                                   "emoji_id": null, "emoji_name": t.emoji_name})
                        })
                        .collect(),
                ),
            );
            o.insert("default_reaction_emoji".into(), Value::Null);
            o.insert("default_thread_rate_limit_per_user".into(), json!(0));
            o.insert("default_sort_order".into(), Value::Null);
            o.insert("default_forum_layout".into(), json!(1));
            o.insert("default_auto_archive_duration".into(), json!(1440));
        }
        _ => {
            o.insert(
                "topic".into(),
                c.topic.clone().map(Value::String).unwrap_or(Value::Null),
            );
            o.insert("default_auto_archive_duration".into(), json!(1440));
        }
    }
    v
}

/// A guild object as in GUILD_CREATE (with `channels`, `threads`, `members`, ...).
/// `channels` and `threads` are channel objects (see [`channel_json`]).
pub fn guild_create_json(
    g: &FakeGuild,
    channels: Vec<Value>,
    threads: Vec<Value>,
    members: Vec<Value>,
) -> Value {
    let mut v = guild_rest_json(g);
    let o = v.as_object_mut().expect("object");
    let member_count = members.len().max(g.members.len());
    o.insert(
        "joined_at".into(),
        json!("2024-01-01T00:00:00.000000+00:00"),
    );
    o.insert("large".into(), json!(false));
    o.insert("unavailable".into(), json!(false));
    o.insert("member_count".into(), json!(member_count));
    o.insert("voice_states".into(), json!([]));
    o.insert("members".into(), Value::Array(members));
    o.insert("channels".into(), Value::Array(channels));
    o.insert("threads".into(), Value::Array(threads));
    o.insert("presences".into(), json!([]));
    o.insert("stage_instances".into(), json!([]));
    o.insert("guild_scheduled_events".into(), json!([]));
    o.insert("soundboard_sounds".into(), json!([]));
    v
}

/// A guild object as returned by `GET /guilds/{id}`.
pub fn guild_rest_json(g: &FakeGuild) -> Value {
    json!({
        "id": s(g.id),
        "name": g.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": s(g.owner_id),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": g.roles.iter().map(role_json).collect::<Vec<_>>(),
        "emojis": [],
        "features": ["COMMUNITY"],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    })
}

/// A guild member of the fake's config as a full member object (with `user`).
pub fn fake_member_json(m: &FakeMember) -> Value {
    member_json(
        Some(user_json(m.user_id, &m.username, m.bot, None)),
        &m.roles,
        "2024-01-01T00:00:00.000000+00:00",
    )
}

/// The READY payload: `guilds` are marked unavailable, as Discord does.
pub fn ready_json(
    bot_user: Value,
    guild_ids: &[u64],
    session_id: &str,
    resume_gateway_url: &str,
    shard: [u32; 2],
    application_id: u64,
) -> Value {
    json!({
        "v": 10,
        "user": bot_user,
        "guilds": guild_ids.iter().map(|g| json!({"id": s(*g), "unavailable": true})).collect::<Vec<_>>(),
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "shard": shard,
        "application": {"id": s(application_id), "flags": 0},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "user_settings": {},
        "geo_ordered_rtc_regions": ["rotterdam"],
        "_trace": ["[\"fake-discord\"]"],
    })
}

// ---------------------------------------------------------------------------------------------
// messages
// ---------------------------------------------------------------------------------------------

/// An attachment on a message (`url` and `proxy_url` point at the fake's CDN route when made
/// with [`FileAttachment::served`] / `fake.add_attachment`).
#[derive(Clone, Debug)]
pub struct FileAttachment {
    pub id: u64,
    pub filename: String,
    pub url: String,
    pub content_type: Option<String>,
    pub size: u32,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub description: Option<String>,
}

impl FileAttachment {
    /// An attachment at `url`; the content type is guessed from the file extension; images get
    /// 1280x720 as default dimensions.
    pub fn new(filename: &str, url: &str) -> Self {
        let ct = guess_content_type(filename);
        let is_image = ct.as_deref().is_some_and(|c| c.starts_with("image/"));
        Self {
            id: next_snowflake(),
            filename: filename.to_string(),
            url: url.to_string(),
            content_type: ct,
            size: 123_456,
            width: is_image.then_some(1280),
            height: is_image.then_some(720),
            description: None,
        }
    }
    pub fn content_type(mut self, ct: &str) -> Self {
        self.content_type = Some(ct.to_string());
        self
    }
    pub fn size(mut self, size: u32) -> Self {
        self.size = size;
        self
    }
    /// Sets width and height (`None` for non-images).
    pub fn dims(mut self, dims: Option<(u32, u32)>) -> Self {
        self.width = dims.map(|d| d.0);
        self.height = dims.map(|d| d.1);
        self
    }
    pub fn description(mut self, d: &str) -> Self {
        self.description = Some(d.to_string());
        self
    }
    pub fn build(&self) -> Value {
        let mut a = json!({
            "id": s(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "content_scan_version": 0,
        });
        if let (Some(w), Some(h)) = (self.width, self.height) {
            a["width"] = json!(w);
            a["height"] = json!(h);
            a["placeholder"] = json!("ABAKBwCKaIiHeHh/h3eHeIiHd3V6V3A=");
            a["placeholder_version"] = json!(1);
        }
        if let Some(d) = &self.description {
            a["description"] = json!(d);
        }
        a
    }
}

/// Content type from a file name's extension.
pub fn guess_content_type(filename: &str) -> Option<String> {
    let ext = filename.rsplit('.').next()?.to_ascii_lowercase();
    Some(
        match ext.as_str() {
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "webp" => "image/webp",
            "txt" | "log" => "text/plain; charset=utf-8",
            "json" => "application/json",
            "zip" => "application/zip",
            _ => return None,
        }
        .to_string(),
    )
}

/// A message object (MESSAGE_CREATE `d`, a referenced message, a component's message, ...).
#[derive(Clone, Debug)]
pub struct Msg {
    pub id: u64,
    pub channel_id: u64,
    pub guild_id: Option<u64>,
    pub author: Person,
    pub content: String,
    pub attachments: Vec<Value>,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub mentions: Vec<Person>,
    pub mention_roles: Vec<u64>,
    pub referenced: Option<Value>,
    pub timestamp: String,
    pub edited_timestamp: Option<String>,
    pub kind: Option<u8>,
    pub flags: u64,
    pub webhook_id: Option<u64>,
    pub application_id: Option<u64>,
    pub with_member: bool,
    pub extra: Map<String, Value>,
}

impl Msg {
    /// A default (type 0) message by `author` in `channel_id` of guild [`ids::GUILD`], with a
    /// fresh id, empty content and the author's partial `member`.
    pub fn new(channel_id: u64, author: &Person) -> Self {
        Self {
            id: next_snowflake(),
            channel_id,
            guild_id: Some(ids::GUILD),
            author: author.clone(),
            content: String::new(),
            attachments: vec![],
            embeds: vec![],
            components: vec![],
            mentions: vec![],
            mention_roles: vec![],
            referenced: None,
            timestamp: iso_now(),
            edited_timestamp: None,
            kind: None,
            flags: 0,
            webhook_id: None,
            application_id: None,
            with_member: true,
            extra: Map::new(),
        }
    }
    /// A message authored by the fake's bot (as the bot posted it: no `member`).
    pub fn from_bot(channel_id: u64) -> Self {
        let mut m = Self::new(channel_id, &Person::this_bot());
        m.with_member = false;
        m
    }
    pub fn id(mut self, id: u64) -> Self {
        self.id = id;
        self
    }
    pub fn content(mut self, content: &str) -> Self {
        self.content = content.to_string();
        self
    }
    pub fn in_guild(mut self, guild_id: u64) -> Self {
        self.guild_id = Some(guild_id);
        self
    }
    /// A direct message: no `guild_id`, no `member`.
    pub fn dm(mut self) -> Self {
        self.guild_id = None;
        self.with_member = false;
        self
    }
    pub fn attachment(mut self, a: &FileAttachment) -> Self {
        self.attachments.push(a.build());
        self
    }
    /// Adds an image attachment at `url` (content type from the name's extension).
    pub fn image(self, filename: &str, url: &str) -> Self {
        let a = FileAttachment::new(filename, url);
        self.attachment(&a)
    }
    pub fn embed(mut self, e: Value) -> Self {
        self.embeds.push(e);
        self
    }
    pub fn components(mut self, rows: Value) -> Self {
        self.components = rows.as_array().cloned().unwrap_or_default();
        self
    }
    /// Adds a user mention (`mentions` carry the user with a partial `member`).
    pub fn mention(mut self, p: &Person) -> Self {
        self.content = format!("{} <@{}>", self.content, p.id).trim().to_string();
        self.mentions.push(p.clone());
        self
    }
    pub fn mention_role(mut self, role: u64) -> Self {
        self.mention_roles.push(role);
        self
    }
    /// Makes this a reply (type 19) to `target` (a message object, e.g. another `Msg::build()`):
    /// sets `message_reference` and `referenced_message`.
    pub fn reply_to(mut self, target: &Value) -> Self {
        self.referenced = Some(target.clone());
        self
    }
    pub fn kind(mut self, kind: u8) -> Self {
        self.kind = Some(kind);
        self
    }
    pub fn flags(mut self, flags: u64) -> Self {
        self.flags = flags;
        self
    }
    pub fn edited(mut self) -> Self {
        self.edited_timestamp = Some(iso_now());
        self
    }
    pub fn timestamp(mut self, ts: &str) -> Self {
        self.timestamp = ts.to_string();
        self
    }
    /// Marks it as sent by an application (interaction response / webhook).
    pub fn application(mut self, application_id: u64) -> Self {
        self.application_id = Some(application_id);
        self.webhook_id = Some(application_id);
        self
    }
    /// Any other top-level field.
    pub fn field(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }
    pub fn build(&self) -> Value {
        let kind = self
            .kind
            .unwrap_or(if self.referenced.is_some() { 19 } else { 0 });
        let mut m = json!({
            "id": s(self.id),
            "channel_id": s(self.channel_id),
            "author": self.author.user_json(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": false,
            "mention_everyone": false,
            "mentions": self.mentions.iter().map(|p| {
                let mut u = p.user_json();
                if self.guild_id.is_some() { u["member"] = p.partial_member_json(); }
                u
            }).collect::<Vec<_>>(),
            "mention_roles": ids_json(&self.mention_roles),
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": false,
            "type": kind,
            "flags": self.flags,
        });
        let o = m.as_object_mut().expect("object");
        if let Some(g) = self.guild_id {
            o.insert("guild_id".into(), s(g));
            if self.with_member {
                o.insert("member".into(), self.author.partial_member_json());
            }
        }
        if let Some(r) = &self.referenced {
            let mut reference = json!({
                "type": 0,
                "message_id": r.get("id").cloned().unwrap_or(Value::Null),
                "channel_id": r.get("channel_id").cloned().unwrap_or(s(self.channel_id)),
            });
            if let Some(g) = self.guild_id {
                reference["guild_id"] = s(g);
            }
            o.insert("message_reference".into(), reference);
            o.insert("referenced_message".into(), r.clone());
        }
        if let Some(w) = self.webhook_id {
            o.insert("webhook_id".into(), s(w));
        }
        if let Some(a) = self.application_id {
            o.insert("application_id".into(), s(a));
        }
        for (k, v) in &self.extra {
            o.insert(k.clone(), v.clone());
        }
        m
    }
}

/// Shortcut: MESSAGE_CREATE `d` for `content` by `author` in `channel_id` (guild [`ids::GUILD`]).
pub fn message_create(channel_id: u64, author: &Person, content: &str) -> Value {
    Msg::new(channel_id, author).content(content).build()
}

/// MESSAGE_DELETE `d`.
pub fn message_delete(message_id: u64, channel_id: u64, guild_id: Option<u64>) -> Value {
    let mut d = json!({"id": s(message_id), "channel_id": s(channel_id)});
    if let Some(g) = guild_id {
        d["guild_id"] = s(g);
    }
    d
}

/// MESSAGE_UPDATE `d`: Discord sends the full message; pass an (edited) message object.
pub fn message_update(message: &Value) -> Value {
    let mut m = message.clone();
    if m.get("edited_timestamp").is_none_or(Value::is_null) {
        m["edited_timestamp"] = json!(iso_now());
    }
    m
}

// ---------------------------------------------------------------------------------------------
// threads
// ---------------------------------------------------------------------------------------------

/// A thread channel (type 11 public by default), e.g. a forum post in [`ids::FORUM_CHANNEL`].
#[derive(Clone, Debug)]
pub struct Thread {
    pub id: u64,
    pub guild_id: u64,
    pub parent_id: u64,
    pub owner_id: u64,
    pub name: String,
    pub kind: u8,
    pub applied_tags: Vec<u64>,
    pub archived: bool,
    pub locked: bool,
    pub message_count: u32,
    pub newly_created: bool,
}

impl Thread {
    /// A new public thread in `parent_id` (guild [`ids::GUILD`]) owned by [`ids::USER`].
    pub fn new(parent_id: u64, name: &str) -> Self {
        Self {
            id: next_snowflake(),
            guild_id: ids::GUILD,
            parent_id,
            owner_id: ids::USER,
            name: name.to_string(),
            kind: 11,
            applied_tags: vec![],
            archived: false,
            locked: false,
            message_count: 0,
            newly_created: true,
        }
    }
    pub fn id(mut self, id: u64) -> Self {
        self.id = id;
        self
    }
    pub fn owner(mut self, owner_id: u64) -> Self {
        self.owner_id = owner_id;
        self
    }
    pub fn in_guild(mut self, guild_id: u64) -> Self {
        self.guild_id = guild_id;
        self
    }
    pub fn tags(mut self, tags: &[u64]) -> Self {
        self.applied_tags = tags.to_vec();
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
    pub fn private(mut self) -> Self {
        self.kind = 12;
        self
    }
    pub fn newly_created(mut self, yes: bool) -> Self {
        self.newly_created = yes;
        self
    }
    /// The channel object (for THREAD_CREATE use [`thread_create`]).
    pub fn build(&self) -> Value {
        let now = iso_now();
        json!({
            "id": s(self.id),
            "type": self.kind,
            "guild_id": s(self.guild_id),
            "parent_id": s(self.parent_id),
            "owner_id": s(self.owner_id),
            "name": self.name,
            "last_message_id": null,
            "rate_limit_per_user": 0,
            "flags": 0,
            "message_count": self.message_count,
            "member_count": 1,
            "total_message_sent": self.message_count,
            "applied_tags": ids_json(&self.applied_tags),
            "thread_metadata": {
                "archived": self.archived,
                "auto_archive_duration": 4320,
                "archive_timestamp": now,
                "locked": self.locked,
                "create_timestamp": now,
            },
        })
    }
}

/// THREAD_CREATE `d` (the thread channel plus `newly_created`).
pub fn thread_create(t: &Thread) -> Value {
    let mut v = t.build();
    if t.newly_created {
        v["newly_created"] = json!(true);
    }
    v
}

// ---------------------------------------------------------------------------------------------
// interactions
// ---------------------------------------------------------------------------------------------

/// Where and by whom an interaction happens; shared by all `interaction_*` builders.
#[derive(Clone, Debug)]
pub struct Inter {
    pub id: u64,
    pub application_id: u64,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    /// The partial channel object sent as `channel`.
    pub channel: Value,
    pub user: Person,
    pub token: String,
    pub locale: String,
    pub guild_locale: String,
    pub app_permissions: u64,
    pub command_id: u64,
    pub attachment_size_limit: u64,
}

impl Inter {
    /// An interaction by `user` in text channel `channel_id` of guild [`ids::GUILD`], with the
    /// default application, fresh id and token, locale en-US, app permissions [`perms::BOT`].
    pub fn new(channel_id: u64, user: &Person) -> Self {
        let id = next_snowflake();
        Self {
            id,
            application_id: ids::APPLICATION,
            guild_id: Some(ids::GUILD),
            channel_id,
            channel: json!({
                "id": s(channel_id), "type": 0, "name": "help", "guild_id": s(ids::GUILD),
                "parent_id": null, "flags": 0, "nsfw": false, "position": 0,
                "rate_limit_per_user": 0, "topic": null, "last_message_id": null,
                "permissions": user.permissions.to_string(),
            }),
            user: user.clone(),
            token: format!("aW50ZXJhY3Rpb246{id}:fake-interaction-token"),
            locale: "en-US".into(),
            guild_locale: "en-US".into(),
            app_permissions: perms::BOT,
            command_id: ids::COMMAND,
            attachment_size_limit: 10 * 1024 * 1024,
        }
    }
    /// Uses a thread (e.g. a forum post) as the channel.
    pub fn in_thread(mut self, thread: &Value) -> Self {
        let mut c = thread.clone();
        if let Some(id) = c
            .get("id")
            .and_then(Value::as_str)
            .and_then(|x| x.parse().ok())
        {
            self.channel_id = id;
        }
        c["permissions"] = json!(self.user.permissions.to_string());
        self.channel = c;
        self
    }
    /// Uses any channel object as `channel` (its `id` becomes `channel_id`).
    pub fn channel(self, channel: &Value) -> Self {
        self.in_thread(channel)
    }
    pub fn in_guild(mut self, guild_id: u64) -> Self {
        self.guild_id = Some(guild_id);
        self.channel["guild_id"] = s(guild_id);
        self
    }
    /// In the bot's DM channel: no `guild_id`/`member`, `user` instead, context 1.
    pub fn dm(mut self) -> Self {
        self.guild_id = None;
        self.channel = json!({
            "id": s(self.channel_id), "type": 1, "flags": 0, "last_message_id": null,
            "recipients": [self.user.user_json()],
        });
        self
    }
    pub fn id(mut self, id: u64) -> Self {
        self.id = id;
        self
    }
    pub fn token(mut self, token: &str) -> Self {
        self.token = token.to_string();
        self
    }
    pub fn locale(mut self, locale: &str) -> Self {
        self.locale = locale.to_string();
        self
    }
    pub fn app_permissions(mut self, bits: u64) -> Self {
        self.app_permissions = bits;
        self
    }
    pub fn application(mut self, application_id: u64) -> Self {
        self.application_id = application_id;
        self
    }
    pub fn command_id(mut self, id: u64) -> Self {
        self.command_id = id;
        self
    }

    /// The full interaction object of type `kind` with `data`.
    pub fn payload(&self, kind: u8, data: Value) -> Value {
        let mut v = json!({
            "id": s(self.id),
            "application_id": s(self.application_id),
            "type": kind,
            "data": data,
            "channel": self.channel,
            "channel_id": s(self.channel_id),
            "token": self.token,
            "version": 1,
            "locale": self.locale,
            "app_permissions": self.app_permissions.to_string(),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
        });
        match self.guild_id {
            Some(g) => {
                v["guild_id"] = s(g);
                v["guild"] =
                    json!({"id": s(g), "locale": self.guild_locale, "features": ["COMMUNITY"]});
                v["guild_locale"] = json!(self.guild_locale);
                v["member"] = self.user.member_json(true);
                v["authorizing_integration_owners"] = json!({"0": s(g)});
                v["context"] = json!(0);
            }
            None => {
                v["user"] = self.user.user_json();
                v["authorizing_integration_owners"] = json!({"0": "0"});
                v["context"] = json!(1);
            }
        }
        v
    }
}

/// INTERACTION_CREATE `d` for a slash command (type 2, data.type 1). `options` is the
/// `data.options` array, e.g. `json!([opt_string("code", "30")])` or a subcommand
/// `json!([opt_subcommand("lookup", json!([opt_string("code", "30")]))])`.
pub fn interaction_slash(ctx: &Inter, name: &str, options: Value) -> Value {
    let mut data = json!({"id": s(ctx.command_id), "name": name, "type": 1});
    if !options.is_null() {
        data["options"] = options;
    }
    ctx.payload(2, data)
}

/// INTERACTION_CREATE `d` for autocomplete (type 4): `options` must contain one option with
/// `"focused": true` (see [`opt_focused`]).
pub fn interaction_autocomplete(ctx: &Inter, name: &str, options: Value) -> Value {
    ctx.payload(
        4,
        json!({"id": s(ctx.command_id), "name": name, "type": 1, "options": options}),
    )
}

/// INTERACTION_CREATE `d` for a message component (type 3): `component_type` 2 button,
/// 3 string select (then `values` are the chosen values), 5-8 other selects. `message` is the
/// message the component is on (e.g. `Msg::from_bot(ch).components(...).build()`).
pub fn interaction_component(
    ctx: &Inter,
    custom_id: &str,
    component_type: u8,
    values: &[&str],
    message: Value,
) -> Value {
    let mut data = json!({"custom_id": custom_id, "component_type": component_type});
    if component_type != 2 {
        data["values"] = json!(values);
    }
    if (5..=8).contains(&component_type) {
        data["resolved"] = json!({});
    }
    let mut v = ctx.payload(3, data);
    v["message"] = message;
    v
}

/// INTERACTION_CREATE `d` for a message context-menu command (type 2, data.type 3) on
/// `target_message` (a message object; it is put into `data.resolved.messages`).
pub fn interaction_message_context(
    ctx: &Inter,
    command_name: &str,
    target_message: Value,
) -> Value {
    let target_id = target_message.get("id").cloned().unwrap_or(Value::Null);
    let key = target_id.as_str().unwrap_or("0").to_string();
    let mut messages = Map::new();
    messages.insert(key, target_message);
    ctx.payload(
        2,
        json!({
            "id": s(ctx.command_id),
            "name": command_name,
            "type": 3,
            "target_id": target_id,
            "resolved": {"messages": messages},
        }),
    )
}

/// INTERACTION_CREATE `d` for a modal submit (type 5) with text inputs `(custom_id, value)`.
pub fn interaction_modal_submit(
    ctx: &Inter,
    custom_id: &str,
    fields: &[(&str, &str)],
    message: Option<Value>,
) -> Value {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
        .collect();
    let mut v = ctx.payload(5, json!({"custom_id": custom_id, "components": rows}));
    if let Some(m) = message {
        v["message"] = m;
    }
    v
}

/// A string option (type 3).
pub fn opt_string(name: &str, value: &str) -> Value {
    json!({"name": name, "type": 3, "value": value})
}
/// An integer option (type 4).
pub fn opt_int(name: &str, value: i64) -> Value {
    json!({"name": name, "type": 4, "value": value})
}
/// A boolean option (type 5).
pub fn opt_bool(name: &str, value: bool) -> Value {
    json!({"name": name, "type": 5, "value": value})
}
/// A user option (type 6; the id as string). Add the user to `data.resolved` yourself if needed.
pub fn opt_user(name: &str, user_id: u64) -> Value {
    json!({"name": name, "type": 6, "value": user_id.to_string()})
}
/// A subcommand (type 1) with its options.
pub fn opt_subcommand(name: &str, options: Value) -> Value {
    json!({"name": name, "type": 1, "options": options})
}
/// A subcommand group (type 2) containing subcommands.
pub fn opt_subcommand_group(name: &str, subcommands: Value) -> Value {
    json!({"name": name, "type": 2, "options": subcommands})
}
/// The focused string option of an autocomplete interaction (partial user input).
pub fn opt_focused(name: &str, partial: &str) -> Value {
    json!({"name": name, "type": 3, "value": partial, "focused": true})
}

/// An action row with buttons `(custom_id, label, style)`, as the bot would have sent them.
pub fn button_row(buttons: &[(&str, &str, u8)]) -> Value {
    json!({"type": 1, "components": buttons.iter().map(|(id, label, style)| json!({
        "type": 2, "custom_id": id, "label": label, "style": style, "disabled": false
    })).collect::<Vec<_>>()})
}

/// An action row with one string select `custom_id` and options `(value, label)`.
pub fn select_row(custom_id: &str, options: &[(&str, &str)]) -> Value {
    json!({"type": 1, "components": [{
        "type": 3, "custom_id": custom_id, "min_values": 1, "max_values": 1, "disabled": false,
        "options": options.iter().map(|(v, l)| json!({"value": v, "label": l, "default": false})).collect::<Vec<_>>()
    }]})
}
