//! Per-guild settings, as moderators set them with `/spotify-error config`.
//!
//! Stored as one JSON document per guild so that a new setting is a new field
//! with a default, not a migration: a guild that never configured anything
//! (or configured it before a field existed) reads the defaults.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// How the bot answers a message it recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyMode {
    /// Open a thread on the message (the default: keeps channels readable).
    #[default]
    Thread,
    /// Reply in the channel.
    Reply,
    /// Only react; the asker presses the reaction or uses the slash command.
    Reaction,
}

impl ReplyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyMode::Thread => "thread",
            ReplyMode::Reply => "reply",
            ReplyMode::Reaction => "reaction",
        }
    }

    pub fn parse(s: &str) -> Option<ReplyMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "thread" => Some(ReplyMode::Thread),
            "reply" => Some(ReplyMode::Reply),
            "reaction" | "react" => Some(ReplyMode::Reaction),
            _ => None,
        }
    }
}

/// The default name of the forum tag applied when a thread is solved.
pub const DEFAULT_SOLVED_TAG: &str = "Solved";

/// One guild's settings. [`GuildConfig::defaults`] is what a guild gets until
/// a moderator changes something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuildConfig {
    pub guild_id: u64,
    /// Text channels and forums where the bot reads messages unprompted.
    /// Empty means nowhere: slash commands, the context menu and mentions
    /// still work everywhere, but the bot does not chime in uninvited.
    pub enabled_channels: BTreeSet<u64>,
    /// Roles whose members may mark solutions and change settings (besides
    /// members with Manage Server).
    pub moderator_roles: BTreeSet<u64>,
    pub reply_mode: ReplyMode,
    /// Minimum time between two unprompted answers to the same user.
    pub user_cooldown_secs: u64,
    /// Minimum time between two unprompted answers in the same channel.
    pub channel_cooldown_secs: u64,
    /// The forum tag applied on "solved"; None applies no tag.
    pub solved_tag: Option<String>,
    /// Lock (and archive) a forum thread when it is solved.
    pub lock_on_solve: bool,
    /// Say "I don't know auth:74 yet" when an unknown code is pasted
    /// (otherwise such messages get silence; the gap is recorded either way).
    pub gap_notice: bool,
}

impl GuildConfig {
    pub fn defaults(guild_id: u64) -> Self {
        GuildConfig {
            guild_id,
            enabled_channels: BTreeSet::new(),
            moderator_roles: BTreeSet::new(),
            reply_mode: ReplyMode::Thread,
            user_cooldown_secs: 30,
            channel_cooldown_secs: 10,
            solved_tag: Some(DEFAULT_SOLVED_TAG.to_string()),
            lock_on_solve: false,
            gap_notice: false,
        }
    }

    /// Whether the bot reads messages in `channel_id` (or in a thread whose
    /// parent is that channel or forum) unprompted.
    pub fn listens_in(&self, channel_id: u64, parent_id: Option<u64>) -> bool {
        self.enabled_channels.contains(&channel_id)
            || parent_id.is_some_and(|p| self.enabled_channels.contains(&p))
    }
}

impl Default for GuildConfig {
    fn default() -> Self {
        GuildConfig::defaults(0)
    }
}
