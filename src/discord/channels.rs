//! What the bot knows of the guilds' channels: which are threads, and their
//! parent (a forum or a text channel), so it can tell whether a message was
//! written where a moderator enabled free-text answers.
//!
//! Filled from GUILD_CREATE and the channel and thread events; a channel it
//! has not seen (a thread created while the bot was offline) is fetched once
//! over HTTP and remembered.

use std::collections::HashMap;
use std::sync::Mutex;

use serenity::all::{Channel, ChannelId, ChannelType, Context, Guild, GuildChannel};

use super::retry;

/// One channel, as far as answering is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelInfo {
    pub is_thread: bool,
    pub is_forum: bool,
    /// For a thread: the channel or forum it belongs to.
    pub parent: Option<u64>,
}

impl ChannelInfo {
    pub fn of(c: &GuildChannel) -> ChannelInfo {
        ChannelInfo {
            is_thread: matches!(
                c.kind,
                ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
            ),
            is_forum: c.kind == ChannelType::Forum,
            parent: c.parent_id.map(|p| p.get()),
        }
    }
}

/// Bounded: a bot in many guilds must not grow without limit.
const MAX_CHANNELS: usize = 200_000;

#[derive(Default)]
pub struct Channels {
    map: Mutex<HashMap<u64, ChannelInfo>>,
}

impl Channels {
    pub fn add(&self, c: &GuildChannel) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= MAX_CHANNELS {
                m.clear();
            }
            m.insert(c.id.get(), ChannelInfo::of(c));
        }
    }

    pub fn add_guild(&self, g: &Guild) {
        for c in g.channels.values().chain(g.threads.iter()) {
            self.add(c);
        }
    }

    pub fn remove(&self, id: u64) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(&id);
        }
    }

    pub fn get(&self, id: u64) -> Option<ChannelInfo> {
        self.map.lock().ok()?.get(&id).copied()
    }

    /// The channel's info, fetched over HTTP when unknown.
    pub async fn info(&self, ctx: &Context, id: u64) -> Option<ChannelInfo> {
        if let Some(i) = self.get(id) {
            return Some(i);
        }
        let fetched =
            retry::idempotent("get channel", || ctx.http.get_channel(ChannelId::new(id))).await;
        match fetched {
            Ok(Channel::Guild(c)) => {
                self.add(&c);
                Some(ChannelInfo::of(&c))
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(channel = id, error = %e, "could not look up a channel");
                None
            }
        }
    }
}
