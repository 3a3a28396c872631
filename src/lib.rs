//! spotify-error-bot: recognise Spotify error codes and walk people through the fixes.
//!
//! The crate is a pure core with adapters at its edges:
//! - [`catalogue`]: the reviewed error entries, loaded and validated from `catalogue/`;
//! - [`matcher`]: finds which entry a free-text message (or OCR text) is about;
//! - [`session`]: the troubleshooting state machine of one help thread;
//! - [`view`]: what an entry looks like, shared by Discord and the terminal;
//! - [`outage`] and [`lifecycle`]: spotting outages, and what idle threads need;
//! - [`store`]: sessions, statistics and guild settings on SQLite or PostgreSQL (sqlx);
//! - [`discord`]: the serenity adapter, the only module that knows Discord.
//!
//! The core modules (`catalogue`, `matcher`, `session`, `view`, `outage`,
//! `lifecycle`) import
//! neither serenity nor sqlx.

pub mod admin;
pub mod answer;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod discord;
pub mod gaps;
pub mod lifecycle;
pub mod matcher;
pub mod ocr;
pub mod outage;
pub mod session;
pub mod store;
pub mod view;
