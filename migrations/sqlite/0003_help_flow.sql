-- The help flow around answers: how answers were received, error reports
-- for outage detection, moderators' incident notes, and what the idle sweep
-- did in each thread.

-- Every automatic answer and every medium-confidence question ("Is this
-- accesspoint:17?"), keyed by the member's message, with its verdict:
-- pending, confirmed (Yes), rejected (No), wrong ("Not my problem") or
-- expired (the question went unanswered). The text is kept for review and
-- cleared when the message is deleted or after a month.
CREATE TABLE feedback (
    message_id    INTEGER PRIMARY KEY,
    guild_id      INTEGER,
    channel_id    INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    kind          TEXT   NOT NULL CHECK (kind IN ('answer', 'guess')),
    entry         TEXT   NOT NULL,
    candidates    TEXT   NOT NULL,
    confidence    INTEGER NOT NULL,
    text          TEXT,
    reply_channel INTEGER,
    reply_id      INTEGER,
    session_key   INTEGER,
    verdict       TEXT   NOT NULL DEFAULT 'pending'
                  CHECK (verdict IN ('pending', 'confirmed', 'rejected', 'wrong', 'expired')),
    at            INTEGER NOT NULL,
    decided_at    INTEGER
);
CREATE INDEX feedback_verdict_at ON feedback (verdict, at);
CREATE INDEX feedback_session ON feedback (session_key);

-- One row per error someone asked about (answers, lookups): the outage
-- detector counts them over sliding windows. Pruned after the baseline.
CREATE TABLE reports (
    entry    TEXT   NOT NULL,
    guild_id INTEGER,
    user_id  INTEGER NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX reports_entry_at ON reports (entry, at);
CREATE INDEX reports_at ON reports (at);

-- Probable outages the detector declared, shared by every process.
CREATE TABLE outages (
    entry         TEXT   PRIMARY KEY,
    started_at    INTEGER NOT NULL,
    last_spike_at INTEGER NOT NULL,
    peak_reports  INTEGER NOT NULL,
    peak_guilds   INTEGER NOT NULL
);

-- Moderators' incident notes, per server; entry '*' covers every error.
CREATE TABLE incidents (
    guild_id INTEGER NOT NULL,
    entry    TEXT   NOT NULL,
    note     TEXT   NOT NULL,
    by_user  INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, entry)
);

-- What the lifecycle sweep did in a thread (claimed with conditional
-- writes, so two processes never both remind).
CREATE TABLE thread_marks (
    thread_id   INTEGER PRIMARY KEY,
    welcomed_at INTEGER,
    reminded_at INTEGER,
    closed_at   INTEGER
);
