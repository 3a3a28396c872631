-- Troubleshooting sessions, their append-only event log, step statistics,
-- solutions and per-guild settings (SQLite).
-- Discord ids are stored as INTEGER (the u64 reinterpreted as i64), times as
-- unix milliseconds.

-- The current state of each thread's session. The columns are what queries
-- filter on; `state` (JSON) holds the rest of the session.
CREATE TABLE sessions (
    thread_id  INTEGER PRIMARY KEY,
    guild_id   INTEGER,
    user_id    INTEGER NOT NULL,
    entry      TEXT,
    status     TEXT    NOT NULL CHECK (status IN ('open', 'solved', 'escalated', 'abandoned', 'expired')),
    version    INTEGER NOT NULL CHECK (version > 0),
    state      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX sessions_status_updated ON sessions (status, updated_at);
CREATE INDEX sessions_guild_created ON sessions (guild_id, created_at);

-- Everything that happened, never updated or deleted: statistics can be
-- rebuilt from it. `version` is the session version the event produced.
CREATE TABLE session_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id INTEGER NOT NULL,
    guild_id  INTEGER,
    user_id   INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    entry     TEXT,
    kind      TEXT    NOT NULL,
    step      INTEGER,
    platform  TEXT,
    payload   TEXT    NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX session_events_thread ON session_events (thread_id, id);
CREATE INDEX session_events_guild_at ON session_events (guild_id, at);
CREATE INDEX session_events_at ON session_events (at);

CREATE TRIGGER session_events_no_update BEFORE UPDATE ON session_events
BEGIN
    SELECT RAISE(ABORT, 'session_events is append-only');
END;
CREATE TRIGGER session_events_no_delete BEFORE DELETE ON session_events
BEGIN
    SELECT RAISE(ABORT, 'session_events is append-only');
END;

-- Per entry, platform bucket and catalogue step: raw counts. The weights
-- (a moderator mark counts 3x) are applied when ranking, so they can change
-- without rewriting these rows.
CREATE TABLE step_stats (
    entry            TEXT    NOT NULL,
    platform         TEXT    NOT NULL,
    step             INTEGER NOT NULL,
    tried            INTEGER NOT NULL DEFAULT 0 CHECK (tried >= 0),
    solved           INTEGER NOT NULL DEFAULT 0 CHECK (solved >= 0),
    moderator_solved INTEGER NOT NULL DEFAULT 0 CHECK (moderator_solved >= 0),
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (entry, platform, step)
);

-- What fixed it, per thread: a step, a message in the thread (a community
-- fix not in the catalogue yet), or both. Rows are retracted, not deleted,
-- when a session is reopened or a moderator replaces the solution.
CREATE TABLE solutions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id    INTEGER NOT NULL,
    guild_id     INTEGER,
    entry        TEXT,
    platform     TEXT    NOT NULL,
    step         INTEGER,
    by_moderator INTEGER,
    message_id   INTEGER,
    note         TEXT,
    at           INTEGER NOT NULL,
    retracted_at INTEGER
);
CREATE INDEX solutions_thread ON solutions (thread_id);
CREATE INDEX solutions_entry ON solutions (entry, at);

-- One JSON document per guild (see store::GuildConfig).
CREATE TABLE guild_config (
    guild_id   INTEGER PRIMARY KEY,
    config     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
