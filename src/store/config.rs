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
    /// Confidence (percent) at or above which the bot answers unprompted.
    pub answer_at: u8,
    /// Confidence (percent) at or above which, below `answer_at`, the bot
    /// asks a quiet "Is this …?" instead of staying silent. Equal to
    /// `answer_at`: never ask.
    pub ask_at: u8,
    /// Minutes before an unanswered "Is this …?" removes itself.
    pub ask_timeout_mins: u32,
    /// Post a short welcome in each new post of an enabled forum.
    pub welcome: bool,
    /// Hours of silence from the asker before one reminder (0: never).
    pub remind_after_hours: u32,
    /// Hours after the reminder (or of silence, without reminders) before
    /// the thread is archived and its session marked abandoned (0: never).
    pub close_after_hours: u32,
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
            answer_at: 52,
            ask_at: 45,
            ask_timeout_mins: 10,
            welcome: true,
            remind_after_hours: 24,
            close_after_hours: 24,
        }
    }

    /// The matcher thresholds this guild answers and asks at.
    pub fn thresholds(&self) -> crate::matcher::Thresholds {
        let answer = f32::from(self.answer_at.min(100)) / 100.0;
        let ask = f32::from(self.ask_at.min(self.answer_at).min(100)) / 100.0;
        crate::matcher::Thresholds { answer, ask }
    }

    /// The idle policy of this guild's help threads.
    pub fn lifecycle(&self) -> crate::lifecycle::Policy {
        let hours = |h: u32| (h > 0).then(|| i64::from(h) * 3_600_000);
        crate::lifecycle::Policy {
            remind_after_ms: hours(self.remind_after_hours),
            close_after_ms: hours(self.close_after_hours),
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
