-- The help flow around answers: how answers were received, error reports
-- for outage detection, moderators' incident notes, and what the idle sweep
-- did in each thread.

-- Every automatic answer and every medium-confidence question ("Is this
-- accesspoint:17?"), keyed by the member's message, with its verdict:
-- pending, confirmed (Yes), rejected (No), wrong ("Not my problem") or
-- expired (the question went unanswered). The text is kept for review and
-- cleared when the message is deleted or after a month.
CREATE TABLE feedback (
    message_id    BIGINT PRIMARY KEY,
    guild_id      BIGINT,
    channel_id    BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    kind          TEXT   NOT NULL CHECK (kind IN ('answer', 'guess')),
    entry         TEXT   NOT NULL,
    candidates    TEXT   NOT NULL,
    confidence    BIGINT NOT NULL,
    text          TEXT,
    reply_channel BIGINT,
    reply_id      BIGINT,
    session_key   BIGINT,
    verdict       TEXT   NOT NULL DEFAULT 'pending'
                  CHECK (verdict IN ('pending', 'confirmed', 'rejected', 'wrong', 'expired')),
    at            BIGINT NOT NULL,
    decided_at    BIGINT
);
CREATE INDEX feedback_verdict_at ON feedback (verdict, at);
CREATE INDEX feedback_session ON feedback (session_key);

-- One row per error someone asked about (answers, lookups): the outage
-- detector counts them over sliding windows. Pruned after the baseline.
CREATE TABLE reports (
    entry    TEXT   NOT NULL,
    guild_id BIGINT,
    user_id  BIGINT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX reports_entry_at ON reports (entry, at);
CREATE INDEX reports_at ON reports (at);

-- Probable outages the detector declared, shared by every process.
CREATE TABLE outages (
    entry         TEXT   PRIMARY KEY,
    started_at    BIGINT NOT NULL,
    last_spike_at BIGINT NOT NULL,
    peak_reports  BIGINT NOT NULL,
    peak_guilds   BIGINT NOT NULL
);

-- Moderators' incident notes, per server; entry '*' covers every error.
CREATE TABLE incidents (
    guild_id BIGINT NOT NULL,
    entry    TEXT   NOT NULL,
    note     TEXT   NOT NULL,
    by_user  BIGINT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (guild_id, entry)
);

-- What the lifecycle sweep did in a thread (claimed with conditional
-- writes, so two processes never both remind).
CREATE TABLE thread_marks (
    thread_id   BIGINT PRIMARY KEY,
    welcomed_at BIGINT,
    reminded_at BIGINT,
    closed_at   BIGINT
);
