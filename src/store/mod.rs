//! Persistence of sessions, statistics and guild settings.
