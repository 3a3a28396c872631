-- Troubleshooting sessions, their append-only event log, step statistics,
-- solutions and per-guild settings (PostgreSQL).
-- Discord ids are stored as BIGINT (the u64 reinterpreted as i64), times as
-- unix milliseconds. JSON is stored as TEXT so that the SQL the bot runs is
-- the same on SQLite and PostgreSQL; cast to jsonb in ad-hoc queries.

-- The current state of each thread's session. The columns are what queries
-- filter on; `state` (JSON) holds the rest of the session.
CREATE TABLE sessions (
    thread_id  BIGINT PRIMARY KEY,
    guild_id   BIGINT,
    user_id    BIGINT NOT NULL,
    entry      TEXT,
    status     TEXT   NOT NULL CHECK (status IN ('open', 'solved', 'escalated', 'abandoned', 'expired')),
    version    BIGINT NOT NULL CHECK (version > 0),
    state      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sessions_status_updated ON sessions (status, updated_at);
CREATE INDEX sessions_guild_created ON sessions (guild_id, created_at);

-- Everything that happened, never updated or deleted: statistics can be
-- rebuilt from it. `version` is the session version the event produced.
CREATE TABLE session_events (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id BIGINT NOT NULL,
    guild_id  BIGINT,
    user_id   BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    entry     TEXT,
    kind      TEXT   NOT NULL,
    step      BIGINT,
    platform  TEXT,
    payload   TEXT   NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX session_events_thread ON session_events (thread_id, id);
CREATE INDEX session_events_guild_at ON session_events (guild_id, at);
CREATE INDEX session_events_at ON session_events (at);

CREATE FUNCTION session_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'session_events is append-only';
END
$$;
CREATE TRIGGER session_events_append_only BEFORE UPDATE OR DELETE ON session_events
    FOR EACH ROW EXECUTE FUNCTION session_events_append_only();

-- Per entry, platform bucket and catalogue step: raw counts. The weights
-- (a moderator mark counts 3x) are applied when ranking, so they can change
-- without rewriting these rows.
CREATE TABLE step_stats (
    entry            TEXT   NOT NULL,
    platform         TEXT   NOT NULL,
    step             BIGINT NOT NULL,
    tried            BIGINT NOT NULL DEFAULT 0 CHECK (tried >= 0),
    solved           BIGINT NOT NULL DEFAULT 0 CHECK (solved >= 0),
    moderator_solved BIGINT NOT NULL DEFAULT 0 CHECK (moderator_solved >= 0),
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (entry, platform, step)
);

-- What fixed it, per thread: a step, a message in the thread (a community
-- fix not in the catalogue yet), or both. Rows are retracted, not deleted,
-- when a session is reopened or a moderator replaces the solution.
CREATE TABLE solutions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id    BIGINT NOT NULL,
    guild_id     BIGINT,
    entry        TEXT,
    platform     TEXT   NOT NULL,
    step         BIGINT,
    by_moderator BIGINT,
    message_id   BIGINT,
    note         TEXT,
    at           BIGINT NOT NULL,
    retracted_at BIGINT
);
CREATE INDEX solutions_thread ON solutions (thread_id);
CREATE INDEX solutions_entry ON solutions (entry, at);

-- One JSON document per guild (see store::GuildConfig).
CREATE TABLE guild_config (
    guild_id   BIGINT PRIMARY KEY,
    config     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
