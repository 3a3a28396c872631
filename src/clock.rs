//! The bot's clock: wall-clock time in unix milliseconds.
//!
//! Everything that compares times (cooldowns, idle reminders, outage
//! windows, expiry) reads it through [`now_ms`]. For end-to-end tests of
//! what happens after hours of silence, `CLOCK_OFFSET_FILE` names a file
//! holding a number of milliseconds to add: the test writes a new offset
//! and the running bot's clock jumps. Unset (always, in production) it
//! costs nothing.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::session::Millis;

/// The environment variable naming the offset file (testing only).
pub const OFFSET_FILE_VAR: &str = "CLOCK_OFFSET_FILE";

fn offset_file() -> Option<&'static PathBuf> {
    static FILE: OnceLock<Option<PathBuf>> = OnceLock::new();
    FILE.get_or_init(|| {
        std::env::var_os(OFFSET_FILE_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .as_ref()
}

/// The offset in the file; 0 when the file is missing or unreadable.
fn offset() -> Millis {
    offset_file()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|s| s.trim().parse::<Millis>().ok())
        .unwrap_or(0)
}

/// The current time (unix milliseconds).
pub fn now_ms() -> Millis {
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    if offset_file().is_some() {
        wall.saturating_add(offset())
    } else {
        wall
    }
}
