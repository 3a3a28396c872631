-- Knowledge gaps: codes and error reports the catalogue could not answer.
-- No author is ever stored; example texts are cleared when the message is
-- deleted or after a while (see the store's forget_message / prune).
CREATE TABLE gaps (
    key           TEXT PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('code', 'text')),
    label         TEXT    NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    seen          INTEGER NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'added')),
    solution      TEXT,
    solution_link TEXT
);
CREATE INDEX gaps_status_seen ON gaps (status, last_seen);

-- Which guilds reported a gap (for "in how many guilds").
CREATE TABLE gap_guilds (
    key      TEXT    NOT NULL,
    guild_id INTEGER NOT NULL,
    PRIMARY KEY (key, guild_id)
);

-- A few example messages per gap (links; text only until forgotten).
CREATE TABLE gap_examples (
    key        TEXT    NOT NULL,
    message_id INTEGER NOT NULL,
    guild_id   INTEGER,
    channel_id INTEGER NOT NULL,
    text       TEXT,
    at         INTEGER NOT NULL,
    PRIMARY KEY (key, message_id)
);
CREATE INDEX gap_examples_message ON gap_examples (message_id);
CREATE INDEX gap_examples_channel ON gap_examples (channel_id, at);
