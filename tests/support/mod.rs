//! Test support: a fake Discord (HTTP API + gateway) for driving the real serenity adapter.
//!
//! Use from any integration test with `mod support;`, then e.g.
//!
//! ```ignore
//! use support::fake_discord::{FakeConfig, FakeDiscord, ids};
//! use support::payloads::{Msg, Person};
//!
//! let fake = FakeDiscord::start(FakeConfig::default()).await;
//! let http = fake.serenity_http();            // ratelimiter ON, 429s are retried
//! // or: HttpBuilder::new(TOKEN).proxy(fake.api_base()).ratelimiter_disabled(true)
//! // ... start the bot / a serenity Client with that Http ...
//! assert!(fake.wait_for_shard_ready(0, Duration::from_secs(10)).await);
//! fake.dispatch("MESSAGE_CREATE", Msg::new(ids::TEXT_CHANNEL, &Person::member()).content("hi").build()).unwrap();
//! let post = fake.wait_for_request(|r| r.matches("POST", "/channels/*/messages"), Duration::from_secs(10)).await;
//! support::openapi::assert_valid_traffic(&fake);
//! ```
//!
//! Modules:
//! - [`fake_discord`]: the server ([`fake_discord::FakeDiscord`]), its configuration and ids;
//! - [`payloads`]: builders for gateway dispatch payloads (messages, threads, interactions, ...);
//! - [`openapi`]: validation of recorded traffic against Discord's OpenAPI spec and limits.
#![allow(dead_code)]

pub mod bot;
pub mod fake_discord;
pub mod openapi;
pub mod payloads;
