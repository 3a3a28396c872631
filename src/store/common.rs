//! What the SQLite and PostgreSQL stores share: the SQL (written once, with
//! `$N` placeholders both drivers accept), the row <-> [`Session`] conversion,
//! the classification of driver errors, and the [`impl_store!`] macro that
//! implements [`Store`](super::Store) for a pool type. The two backends
//! differ only in how they connect and begin a write transaction.

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::catalogue::Platform;
use crate::session::{Attempt, Event, Origin, Session, Solution, Status};

/// The longest list any statistics query returns.
pub(crate) const STATS_LIMIT: i64 = 10;

/// How many sessions one sweep expires at most (the next sweep does the rest).
pub(crate) const SWEEP_LIMIT: i64 = 500;

/// How many events the statistics rebuild reads at a time.
pub(crate) const REBUILD_PAGE: i64 = 1000;

pub(crate) mod sql {
    pub const PING: &str = "SELECT 1";

    pub const UPSERT_GAP: &str = "INSERT INTO gaps (key, kind, label, first_seen, last_seen, seen, status) \
         VALUES ($1, $2, $3, $4, $4, 1, 'open') \
         ON CONFLICT (key) DO UPDATE SET last_seen = $4, seen = gaps.seen + 1";
    pub const INSERT_GAP_GUILD: &str = "INSERT INTO gap_guilds (key, guild_id) VALUES ($1, $2) ON CONFLICT (key, guild_id) DO NOTHING";
    /// At most five examples per gap.
    pub const INSERT_GAP_EXAMPLE: &str = "INSERT INTO gap_examples (key, message_id, guild_id, channel_id, text, at) \
         SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT COUNT(*) FROM gap_examples WHERE key = $1) < 5 \
         ON CONFLICT (key, message_id) DO NOTHING";
    pub const LIST_GAPS: &str = "SELECT g.key, g.kind, g.label, g.first_seen, g.last_seen, g.seen, g.status, g.solution, g.solution_link, \
         (SELECT COUNT(*) FROM gap_guilds gg WHERE gg.key = g.key) AS guilds \
         FROM gaps g WHERE g.status = 'open' AND g.last_seen >= $1 ORDER BY g.seen DESC, g.last_seen DESC LIMIT $2";
    pub const GAP: &str = "SELECT g.key, g.kind, g.label, g.first_seen, g.last_seen, g.seen, g.status, g.solution, g.solution_link, \
         (SELECT COUNT(*) FROM gap_guilds gg WHERE gg.key = g.key) AS guilds \
         FROM gaps g WHERE g.key = $1";
    pub const GAP_EXAMPLES: &str = "SELECT message_id, guild_id, channel_id, text, at FROM gap_examples WHERE key = $1 ORDER BY at DESC";
    pub const SET_GAP_STATUS: &str = "UPDATE gaps SET status = $2 WHERE key = $1";
    pub const SET_GAP_SOLUTION: &str =
        "UPDATE gaps SET solution = $2, solution_link = $3 WHERE key = $1";
    pub const FORGET_MESSAGE: &str =
        "UPDATE gap_examples SET text = NULL WHERE message_id = $1 AND text IS NOT NULL";
    pub const PRUNE_GAP_TEXTS: &str =
        "UPDATE gap_examples SET text = NULL WHERE at < $1 AND text IS NOT NULL";
    pub const GAP_FOR_CHANNEL: &str =
        "SELECT key FROM gap_examples WHERE channel_id = $1 ORDER BY at DESC LIMIT 1";

    pub const LOAD_SESSION: &str = "SELECT thread_id, guild_id, user_id, entry, status, version, state, created_at, updated_at \
         FROM sessions WHERE thread_id = $1";

    /// A new session; `DO NOTHING` turns a concurrent insert into "0 rows",
    /// which the store reports as a conflict (no aborted transaction on
    /// PostgreSQL, no driver-specific error code to recognise).
    pub const INSERT_SESSION: &str = "INSERT INTO sessions (thread_id, guild_id, user_id, entry, status, version, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (thread_id) DO NOTHING";

    /// The optimistic write: only if nobody saved since we loaded.
    pub const UPDATE_SESSION: &str = "UPDATE sessions SET guild_id = $2, user_id = $3, entry = $4, status = $5, version = $6, \
         state = $7, created_at = $8, updated_at = $9 WHERE thread_id = $1 AND version = $10";

    pub const INSERT_EVENT: &str = "INSERT INTO session_events (thread_id, guild_id, user_id, version, entry, kind, step, platform, payload, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

    /// Adds a delta to a counter row, never going below zero. The key order
    /// of the deltas is fixed (see `deltas_for`) so concurrent writers lock
    /// rows in the same order.
    pub const UPSERT_STAT: &str = "INSERT INTO step_stats (entry, platform, step, tried, solved, moderator_solved, updated_at) \
         VALUES ($1, $2, $3, CASE WHEN $4 < 0 THEN 0 ELSE $4 END, CASE WHEN $5 < 0 THEN 0 ELSE $5 END, \
                 CASE WHEN $6 < 0 THEN 0 ELSE $6 END, $7) \
         ON CONFLICT (entry, platform, step) DO UPDATE SET \
         tried = CASE WHEN step_stats.tried + $4 < 0 THEN 0 ELSE step_stats.tried + $4 END, \
         solved = CASE WHEN step_stats.solved + $5 < 0 THEN 0 ELSE step_stats.solved + $5 END, \
         moderator_solved = CASE WHEN step_stats.moderator_solved + $6 < 0 THEN 0 ELSE step_stats.moderator_solved + $6 END, \
         updated_at = $7";

    pub const STEP_STATS: &str = "SELECT step, tried, solved, moderator_solved FROM step_stats WHERE entry = $1 AND platform = $2";

    pub const INSERT_SOLUTION: &str = "INSERT INTO solutions (thread_id, guild_id, entry, platform, step, by_moderator, message_id, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

    pub const RETRACT_SOLUTIONS: &str =
        "UPDATE solutions SET retracted_at = $2 WHERE thread_id = $1 AND retracted_at IS NULL";

    pub const SOLUTIONS_FOR_ENTRY: &str = "SELECT thread_id, guild_id, entry, platform, step, by_moderator, message_id, note, at \
         FROM solutions WHERE entry = $1 AND retracted_at IS NULL ORDER BY at DESC, id DESC LIMIT $2";

    pub const GUILD_CONFIG: &str = "SELECT config FROM guild_config WHERE guild_id = $1";

    pub const SAVE_GUILD_CONFIG: &str = "INSERT INTO guild_config (guild_id, config, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (guild_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at";

    pub const OPEN_SESSIONS: &str = "SELECT thread_id, guild_id, user_id, entry, status, version, state, created_at, updated_at \
         FROM sessions WHERE status IN ('open', 'escalated') ORDER BY updated_at, thread_id";

    pub const IDLE_SESSIONS: &str = "SELECT thread_id FROM sessions WHERE status IN ('open', 'escalated') AND updated_at <= $1 \
         ORDER BY updated_at, thread_id LIMIT $2";

    pub const EVENTS: &str =
        "SELECT id, version, at, payload FROM session_events WHERE thread_id = $1 ORDER BY id";

    pub const EVENTS_PAGE: &str =
        "SELECT id, payload FROM session_events WHERE id > $1 ORDER BY id LIMIT $2";

    pub const CLEAR_STATS: &str = "DELETE FROM step_stats";

    /// Errors people asked about in the window: distinct threads per entry.
    pub const TOP_ERRORS: &str = "SELECT entry, COUNT(DISTINCT thread_id) AS n FROM session_events \
         WHERE entry IS NOT NULL AND kind IN ('started', 'entry_picked', 'switched') AND at >= $1 \
         AND ($2 IS NULL OR guild_id = $2) GROUP BY entry ORDER BY n DESC, entry LIMIT $3";

    /// Sessions started in the window, per entry, and how many are solved.
    pub const RESOLUTION: &str = "SELECT entry, CAST(SUM(CASE WHEN status = 'solved' THEN 1 ELSE 0 END) AS BIGINT) AS solved, \
         COUNT(*) AS total FROM sessions WHERE entry IS NOT NULL AND created_at >= $1 \
         AND ($2 IS NULL OR guild_id = $2) GROUP BY entry ORDER BY total DESC, entry LIMIT $3";

    /// Steps that solved problems in the window, with how often they were tried.
    pub const BEST_STEPS: &str = "SELECT entry, step, \
         CAST(SUM(CASE WHEN kind = 'solved' THEN 1 ELSE 0 END) AS BIGINT) AS solved, \
         CAST(SUM(CASE WHEN kind = 'step_tried' THEN 1 ELSE 0 END) AS BIGINT) AS tried \
         FROM session_events WHERE entry IS NOT NULL AND step IS NOT NULL AND at >= $1 \
         AND ($2 IS NULL OR guild_id = $2) GROUP BY entry, step \
         HAVING SUM(CASE WHEN kind = 'solved' THEN 1 ELSE 0 END) > 0 \
         ORDER BY solved DESC, tried, entry, step LIMIT $3";

    pub const FORGET_FEEDBACK_TEXT: &str =
        "UPDATE feedback SET text = NULL WHERE message_id = $1 AND text IS NOT NULL";
    pub const PRUNE_FEEDBACK_TEXTS: &str =
        "UPDATE feedback SET text = NULL WHERE at < $1 AND text IS NOT NULL";

    pub const INSERT_FEEDBACK: &str = "INSERT INTO feedback (message_id, guild_id, channel_id, user_id, kind, entry, candidates, \
         confidence, text, reply_channel, reply_id, session_key, verdict, at, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (message_id) DO NOTHING";
    /// `SELECT` every feedback column, then `$rest`.
    macro_rules! select_feedback {
        ($rest:literal) => {
            concat!(
                "SELECT message_id, guild_id, channel_id, user_id, kind, entry, candidates, confidence, text, \
                 reply_channel, reply_id, session_key, verdict, at, decided_at FROM feedback ",
                $rest
            )
        };
    }
    pub const FEEDBACK: &str = select_feedback!("WHERE message_id = $1");
    pub const FEEDBACK_FOR_SESSION: &str =
        select_feedback!("WHERE session_key = $1 ORDER BY at DESC LIMIT 1");
    pub const SET_FEEDBACK_REPLY: &str = "UPDATE feedback SET reply_channel = $2, reply_id = $3, session_key = $4 WHERE message_id = $1";
    pub const DECIDE_FEEDBACK: &str =
        "UPDATE feedback SET verdict = $3, decided_at = $4 WHERE message_id = $1 AND verdict = $2";
    pub const PENDING_GUESSES: &str = select_feedback!(
        "WHERE verdict = 'pending' AND kind = 'guess' AND at < $1 ORDER BY at LIMIT $2"
    );
    pub const REVIEW: &str = select_feedback!(
        "WHERE (verdict IN ('wrong', 'rejected') OR (kind = 'guess' AND verdict IN ('pending', 'expired'))) \
         AND ($1 IS NULL OR guild_id = $1) ORDER BY at DESC LIMIT $2"
    );
    pub const DECIDED_FEEDBACK: &str =
        select_feedback!("WHERE verdict <> 'pending' AND at >= $1 ORDER BY at, message_id");

    pub const INSERT_REPORT: &str =
        "INSERT INTO reports (entry, guild_id, user_id, at) VALUES ($1, $2, $3, $4)";
    pub const REPORT_WINDOW: &str = "SELECT COUNT(*) AS reports, COUNT(DISTINCT user_id) AS users, \
         COUNT(DISTINCT guild_id) AS guilds FROM reports WHERE entry = $1 AND at >= $2";
    pub const REPORT_TOTAL: &str =
        "SELECT COUNT(*) AS n FROM reports WHERE entry = $1 AND at >= $2 AND at < $3";
    pub const PRUNE_REPORTS: &str = "DELETE FROM reports WHERE at < $1";
    pub const OUTAGES: &str = "SELECT entry, started_at, last_spike_at, peak_reports, peak_guilds FROM outages ORDER BY entry";
    pub const SAVE_OUTAGE: &str = "INSERT INTO outages (entry, started_at, last_spike_at, peak_reports, peak_guilds) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (entry) DO UPDATE SET last_spike_at = excluded.last_spike_at, \
         peak_reports = excluded.peak_reports, peak_guilds = excluded.peak_guilds";
    pub const CLEAR_OUTAGE: &str = "DELETE FROM outages WHERE entry = $1";
    pub const INCIDENTS: &str = "SELECT guild_id, entry, note, by_user, at FROM incidents WHERE guild_id = $1 ORDER BY entry";
    pub const SET_INCIDENT: &str = "INSERT INTO incidents (guild_id, entry, note, by_user, at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (guild_id, entry) DO UPDATE SET note = excluded.note, by_user = excluded.by_user, at = excluded.at";
    pub const CLEAR_INCIDENT: &str = "DELETE FROM incidents WHERE guild_id = $1 AND entry = $2";

    pub const THREAD_MARKS: &str = "SELECT reminded_at FROM thread_marks WHERE thread_id = $1";
    pub const CLAIM_WELCOME: &str = "INSERT INTO thread_marks (thread_id, welcomed_at) VALUES ($1, $2) \
         ON CONFLICT (thread_id) DO UPDATE SET welcomed_at = excluded.welcomed_at WHERE thread_marks.welcomed_at IS NULL";
    /// Only one reminder per quiet spell (a spell begins at the session's
    /// last activity, `$3`).
    pub const CLAIM_REMINDER: &str = "INSERT INTO thread_marks (thread_id, reminded_at) VALUES ($1, $2) \
         ON CONFLICT (thread_id) DO UPDATE SET reminded_at = excluded.reminded_at \
         WHERE thread_marks.reminded_at IS NULL OR thread_marks.reminded_at < $3";
    pub const CLAIM_CLOSE: &str = "INSERT INTO thread_marks (thread_id, closed_at) VALUES ($1, $2) \
         ON CONFLICT (thread_id) DO UPDATE SET closed_at = excluded.closed_at \
         WHERE thread_marks.closed_at IS NULL OR thread_marks.closed_at < $3";
    pub const SESSIONS_SINCE: &str = "SELECT thread_id, guild_id, user_id, entry, status, version, state, created_at, updated_at \
         FROM sessions WHERE created_at >= $1 AND ($2 IS NULL OR guild_id = $2) ORDER BY created_at DESC LIMIT $3";

    /// Open and escalated threads, longest waiting first.
    pub const WAITING: &str = "SELECT thread_id, entry, status, updated_at FROM sessions \
         WHERE status IN ('open', 'escalated') AND ($1 IS NULL OR guild_id = $1) \
         ORDER BY updated_at, thread_id LIMIT $2";
}

/// Discord ids are u64 but both databases have signed 64-bit integers: the
/// bits are stored as they are (`as` round-trips exactly).
pub(crate) fn to_db(id: u64) -> i64 {
    id as i64
}

pub(crate) fn from_db(id: i64) -> u64 {
    id as u64
}

pub(crate) fn step_to_db(step: usize) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

pub(crate) fn step_from_db(step: i64) -> Result<usize, StoreError> {
    usize::try_from(step).map_err(|_| StoreError::Corrupt(format!("negative step index {step}")))
}

pub(crate) fn count_from_db(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) fn platform_from_db(s: &str) -> Result<Platform, StoreError> {
    Platform::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown platform `{s}`")))
}

/// The part of a session that is not a column: stored as JSON in `state`.
/// Fields carry defaults so that a field added later reads old rows.
#[derive(Serialize, Deserialize)]
struct State {
    origin: Origin,
    #[serde(default)]
    candidates: Vec<String>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    platform_matters: bool,
    #[serde(default)]
    order: Vec<usize>,
    #[serde(default)]
    position: usize,
    #[serde(default)]
    attempts: Vec<Attempt>,
    #[serde(default)]
    solution: Option<Solution>,
    #[serde(default)]
    answer_message_id: Option<u64>,
    #[serde(default)]
    hold_back_heavy: bool,
}

/// One `sessions` row, as both drivers read and write it.
#[derive(Debug, Clone)]
pub(crate) struct SessionRow {
    pub thread_id: i64,
    pub guild_id: Option<i64>,
    pub user_id: i64,
    pub entry: Option<String>,
    pub status: String,
    pub version: i64,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl SessionRow {
    /// The row to write for `s` (with `s.version`; the store sets the new one).
    pub fn from_session(s: &Session) -> Result<SessionRow, StoreError> {
        let state = State {
            origin: s.origin,
            candidates: s.candidates.clone(),
            platform: s.platform,
            platform_matters: s.platform_matters,
            order: s.order.clone(),
            position: s.position,
            attempts: s.attempts.clone(),
            solution: s.solution.clone(),
            answer_message_id: s.answer_message_id,
            hold_back_heavy: s.hold_back_heavy,
        };
        let state = serde_json::to_string(&state)
            .map_err(|e| StoreError::Corrupt(format!("cannot encode session state: {e}")))?;
        Ok(SessionRow {
            thread_id: to_db(s.thread_id),
            guild_id: s.guild_id.map(to_db),
            user_id: to_db(s.user_id),
            entry: s.entry.clone(),
            status: s.status.as_str().to_string(),
            version: s.version,
            state,
            created_at: s.created_at,
            updated_at: s.updated_at,
        })
    }

    pub fn into_session(self) -> Result<Session, StoreError> {
        let state: State = serde_json::from_str(&self.state).map_err(|e| {
            StoreError::Corrupt(format!(
                "session {}: bad state JSON: {e}",
                from_db(self.thread_id)
            ))
        })?;
        let status = Status::parse(&self.status).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "session {}: unknown status `{}`",
                from_db(self.thread_id),
                self.status
            ))
        })?;
        Ok(Session {
            thread_id: from_db(self.thread_id),
            guild_id: self.guild_id.map(from_db),
            user_id: from_db(self.user_id),
            origin: state.origin,
            entry: self.entry,
            candidates: state.candidates,
            platform: state.platform,
            platform_matters: state.platform_matters,
            order: state.order,
            position: state.position,
            attempts: state.attempts,
            status,
            solution: state.solution,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            answer_message_id: state.answer_message_id,
            hold_back_heavy: state.hold_back_heavy,
        })
    }
}

/// One `session_events` row to append.
pub(crate) struct EventRow {
    pub thread_id: i64,
    pub guild_id: Option<i64>,
    pub user_id: i64,
    pub version: i64,
    pub entry: Option<String>,
    pub kind: &'static str,
    pub step: Option<i64>,
    pub platform: Option<&'static str>,
    pub payload: String,
    pub at: i64,
}

impl EventRow {
    /// The row for `event`, produced by the save that gives `s` `version`.
    pub fn new(s: &Session, version: i64, event: &Event) -> Result<EventRow, StoreError> {
        let payload = serde_json::to_string(event)
            .map_err(|e| StoreError::Corrupt(format!("cannot encode event: {e}")))?;
        Ok(EventRow {
            thread_id: to_db(s.thread_id),
            guild_id: s.guild_id.map(to_db),
            user_id: to_db(s.user_id),
            version,
            entry: s.entry.clone(),
            kind: event.kind(),
            step: event.step().map(step_to_db),
            platform: event.platform().map(Platform::as_str),
            payload,
            at: s.updated_at,
        })
    }
}

pub(crate) fn event_from_payload(payload: &str) -> Result<Event, StoreError> {
    serde_json::from_str(payload).map_err(|e| StoreError::Corrupt(format!("bad event JSON: {e}")))
}

/// A `solutions` row to insert, or the retraction of a thread's solutions,
/// as implied by one event.
pub(crate) enum SolutionWrite {
    Retract,
    Insert {
        entry: Option<String>,
        platform: &'static str,
        step: Option<i64>,
        by_moderator: Option<i64>,
        message_id: Option<i64>,
        note: Option<String>,
    },
}

/// The solution-table writes an event implies, in order.
pub(crate) fn solution_writes(event: &Event) -> Vec<SolutionWrite> {
    match event {
        Event::Solved {
            by,
            entry,
            platform,
            step,
            message_id,
            note,
            replaced,
        } => {
            let mut w = Vec::new();
            if replaced.is_some() {
                w.push(SolutionWrite::Retract);
            }
            w.push(SolutionWrite::Insert {
                entry: entry.clone(),
                platform: platform.as_str(),
                step: step.map(step_to_db),
                by_moderator: match by {
                    crate::session::Reporter::Asker => None,
                    crate::session::Reporter::Moderator(m) => Some(to_db(*m)),
                },
                message_id: message_id.map(to_db),
                note: note.clone(),
            });
            w
        }
        Event::Reopened {
            previous: Some(_), ..
        } => vec![SolutionWrite::Retract],
        _ => Vec::new(),
    }
}

/// Sorts a driver error into what it means for the bot.
/// A `gaps` row (with its `guilds` count), examples not yet attached.
pub(crate) fn gap_from_row<R>(r: &R) -> Result<super::GapRecord, StoreError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    Ok(super::GapRecord {
        key: r.try_get("key")?,
        kind: crate::gaps::GapKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("gap kind {kind:?}")))?,
        label: r.try_get("label")?,
        first_seen: r.try_get("first_seen")?,
        last_seen: r.try_get("last_seen")?,
        seen: count_from_db(r.try_get("seen")?),
        guilds: count_from_db(r.try_get("guilds")?),
        status: super::GapStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("gap status {status:?}")))?,
        solution: r.try_get("solution")?,
        solution_link: r.try_get("solution_link")?,
        examples: Vec::new(),
    })
}

/// A `feedback` row.
pub(crate) fn feedback_from_row<R>(r: &R) -> Result<super::Feedback, StoreError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let message_id = from_db(r.try_get("message_id")?);
    let corrupt = |what: &str| StoreError::Corrupt(format!("feedback {message_id}: {what}"));
    let kind: String = r.try_get("kind")?;
    let verdict: String = r.try_get("verdict")?;
    let candidates: String = r.try_get("candidates")?;
    let confidence: i64 = r.try_get("confidence")?;
    Ok(super::Feedback {
        message_id,
        guild_id: r.try_get::<Option<i64>, _>("guild_id")?.map(from_db),
        channel_id: from_db(r.try_get("channel_id")?),
        user_id: from_db(r.try_get("user_id")?),
        kind: super::FeedbackKind::parse(&kind)
            .ok_or_else(|| corrupt(&format!("kind {kind:?}")))?,
        entry: r.try_get("entry")?,
        candidates: serde_json::from_str(&candidates)
            .map_err(|e| corrupt(&format!("candidates: {e}")))?,
        confidence: u8::try_from(confidence.clamp(0, 100)).unwrap_or(0),
        text: r.try_get("text")?,
        reply_channel: r.try_get::<Option<i64>, _>("reply_channel")?.map(from_db),
        reply_id: r.try_get::<Option<i64>, _>("reply_id")?.map(from_db),
        session_key: r.try_get::<Option<i64>, _>("session_key")?.map(from_db),
        verdict: super::Verdict::parse(&verdict)
            .ok_or_else(|| corrupt(&format!("verdict {verdict:?}")))?,
        at: r.try_get("at")?,
        decided_at: r.try_get("decided_at")?,
    })
}

pub(crate) fn classify(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e),
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if is_busy(&code) {
                StoreError::Busy(e)
            } else if is_unreachable(&code) {
                StoreError::Unavailable(e)
            } else {
                StoreError::Database(e)
            }
        }
        _ => StoreError::Database(e),
    }
}

/// Lock contention a retry fixes: SQLite BUSY/LOCKED (any extended code),
/// PostgreSQL serialization failures and deadlocks.
fn is_busy(code: &str) -> bool {
    if let Ok(n) = code.parse::<i32>() {
        return matches!(n & 0xff, 5 | 6);
    }
    matches!(code, "40001" | "40P01" | "55P03")
}

/// The database cannot be reached or refuses connections: SQLite CANTOPEN,
/// PostgreSQL connection exceptions, shutdowns and too many connections.
fn is_unreachable(code: &str) -> bool {
    if let Ok(n) = code.parse::<i32>() {
        return n & 0xff == 14;
    }
    code.starts_with("08") || code.starts_with("57P") || code == "53300"
}

/// Implements [`Store`](crate::store::Store) for a struct with a `pool`
/// field and an async `begin()` returning a write transaction (with a guard
/// to hold while it runs). The body is
/// the same for every backend; only the row type differs.
macro_rules! impl_store {
    ($store:ty, $row:ty, $backend:expr) => {
        impl $store {
            async fn gap_examples(
                &self,
                key: &str,
            ) -> Result<Vec<$crate::store::GapExample>, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let rows = sqlx::query(sql::GAP_EXAMPLES)
                    .bind(key)
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push($crate::store::GapExample {
                        message_id: from_db(r.try_get("message_id")?),
                        guild_id: r.try_get::<Option<i64>, _>("guild_id")?.map(from_db),
                        channel_id: from_db(r.try_get("channel_id")?),
                        text: r.try_get("text")?,
                        at: r.try_get("at")?,
                    });
                }
                Ok(out)
            }

            /// Runs a `thread_marks` claim (`$1` thread, `$2` now, `$3`
            /// the start of the quiet spell); true when this caller won it.
            async fn claim_mark(
                &self,
                query: &'static str,
                thread_id: u64,
                idle_since: $crate::session::Millis,
                at: $crate::session::Millis,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(query)
                    .bind(to_db(thread_id))
                    .bind(at)
                    .bind(idle_since)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            fn session_row(row: &$row) -> Result<$crate::store::common::SessionRow, sqlx::Error> {
                use sqlx::Row as _;
                Ok($crate::store::common::SessionRow {
                    thread_id: row.try_get("thread_id")?,
                    guild_id: row.try_get("guild_id")?,
                    user_id: row.try_get("user_id")?,
                    entry: row.try_get("entry")?,
                    status: row.try_get("status")?,
                    version: row.try_get("version")?,
                    state: row.try_get("state")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query($crate::store::common::sql::PING)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn load_session(
                &self,
                thread_id: u64,
            ) -> Result<Option<$crate::session::Session>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let row = sqlx::query(sql::LOAD_SESSION)
                    .bind(to_db(thread_id))
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    Some(r) => Ok(Some(Self::session_row(&r)?.into_session()?)),
                    None => Ok(None),
                }
            }

            async fn save_session(
                &self,
                session: &$crate::session::Session,
                events: &[$crate::session::Event],
            ) -> Result<i64, $crate::store::StoreError> {
                use $crate::store::StoreError;
                use $crate::store::common::*;
                let row = SessionRow::from_session(session)?;
                let new_version = session.version + 1;
                let (_writer, mut tx) = self.begin().await?;
                let insert = session.version == 0;
                let mut query = sqlx::query(if insert {
                    sql::INSERT_SESSION
                } else {
                    sql::UPDATE_SESSION
                })
                .bind(row.thread_id)
                .bind(row.guild_id)
                .bind(row.user_id)
                .bind(row.entry.clone())
                .bind(row.status.clone())
                .bind(new_version)
                .bind(row.state.clone())
                .bind(row.created_at)
                .bind(row.updated_at);
                if !insert {
                    query = query.bind(session.version);
                }
                let affected = query.execute(&mut *tx).await?.rows_affected();
                if affected != 1 {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict {
                        thread_id: session.thread_id,
                    });
                }
                for event in events {
                    let e = EventRow::new(session, new_version, event)?;
                    sqlx::query(sql::INSERT_EVENT)
                        .bind(e.thread_id)
                        .bind(e.guild_id)
                        .bind(e.user_id)
                        .bind(e.version)
                        .bind(e.entry)
                        .bind(e.kind)
                        .bind(e.step)
                        .bind(e.platform)
                        .bind(e.payload)
                        .bind(e.at)
                        .execute(&mut *tx)
                        .await?;
                    for w in solution_writes(event) {
                        match w {
                            SolutionWrite::Retract => {
                                sqlx::query(sql::RETRACT_SOLUTIONS)
                                    .bind(row.thread_id)
                                    .bind(row.updated_at)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            SolutionWrite::Insert {
                                entry,
                                platform,
                                step,
                                by_moderator,
                                message_id,
                                note,
                            } => {
                                sqlx::query(sql::INSERT_SOLUTION)
                                    .bind(row.thread_id)
                                    .bind(row.guild_id)
                                    .bind(entry)
                                    .bind(platform)
                                    .bind(step)
                                    .bind(by_moderator)
                                    .bind(message_id)
                                    .bind(note)
                                    .bind(row.updated_at)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                    }
                }
                for d in $crate::session::deltas_for(events) {
                    sqlx::query(sql::UPSERT_STAT)
                        .bind(d.entry)
                        .bind(d.platform.as_str())
                        .bind(step_to_db(d.step))
                        .bind(d.tried)
                        .bind(d.solved)
                        .bind(d.moderator_solved)
                        .bind(row.updated_at)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(new_version)
            }

            async fn events(
                &self,
                thread_id: u64,
            ) -> Result<Vec<$crate::store::StoredEvent>, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let rows = sqlx::query(sql::EVENTS)
                    .bind(to_db(thread_id))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let payload: String = r.try_get("payload")?;
                    out.push($crate::store::StoredEvent {
                        id: r.try_get("id")?,
                        version: r.try_get("version")?,
                        at: r.try_get("at")?,
                        event: event_from_payload(&payload)?,
                    });
                }
                Ok(out)
            }

            async fn step_stats(
                &self,
                entry: &str,
                platform: $crate::catalogue::Platform,
            ) -> Result<$crate::session::StepStats, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let rows = sqlx::query(sql::STEP_STATS)
                    .bind(entry)
                    .bind(platform.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                let mut stats = $crate::session::StepStats::default();
                for r in rows {
                    let step = step_from_db(r.try_get("step")?)?;
                    stats.steps.insert(
                        step,
                        $crate::session::StepCount {
                            tried: count_from_db(r.try_get("tried")?),
                            solved: count_from_db(r.try_get("solved")?),
                            moderator_solved: count_from_db(r.try_get("moderator_solved")?),
                        },
                    );
                }
                Ok(stats)
            }

            async fn rebuild_step_stats(&self) -> Result<u64, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                // Read the whole log first (outside the write transaction),
                // then replace the counters in one transaction.
                let mut events = Vec::new();
                let mut after = 0_i64;
                loop {
                    let rows = sqlx::query(sql::EVENTS_PAGE)
                        .bind(after)
                        .bind(REBUILD_PAGE)
                        .fetch_all(&self.pool)
                        .await?;
                    if rows.is_empty() {
                        break;
                    }
                    for r in &rows {
                        after = r.try_get("id")?;
                        let payload: String = r.try_get("payload")?;
                        events.push(event_from_payload(&payload)?);
                    }
                }
                let totals = $crate::store::totals_from_events(&events);
                let now = $crate::store::now_ms();
                let (_writer, mut tx) = self.begin().await?;
                sqlx::query(sql::CLEAR_STATS).execute(&mut *tx).await?;
                for d in &totals {
                    sqlx::query(sql::UPSERT_STAT)
                        .bind(d.entry.clone())
                        .bind(d.platform.as_str())
                        .bind(step_to_db(d.step))
                        .bind(d.tried)
                        .bind(d.solved)
                        .bind(d.moderator_solved)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(totals.len() as u64)
            }

            async fn solutions_for_entry(
                &self,
                entry: &str,
                limit: u32,
            ) -> Result<Vec<$crate::store::SolutionRecord>, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let rows = sqlx::query(sql::SOLUTIONS_FOR_ENTRY)
                    .bind(entry)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let platform: String = r.try_get("platform")?;
                    let step: Option<i64> = r.try_get("step")?;
                    let by: Option<i64> = r.try_get("by_moderator")?;
                    let guild: Option<i64> = r.try_get("guild_id")?;
                    let message: Option<i64> = r.try_get("message_id")?;
                    out.push($crate::store::SolutionRecord {
                        thread_id: from_db(r.try_get("thread_id")?),
                        guild_id: guild.map(from_db),
                        entry: r.try_get("entry")?,
                        platform: platform_from_db(&platform)?,
                        step: step.map(step_from_db).transpose()?,
                        by: match by {
                            Some(m) => $crate::session::Reporter::Moderator(from_db(m)),
                            None => $crate::session::Reporter::Asker,
                        },
                        message_id: message.map(from_db),
                        note: r.try_get("note")?,
                        at: r.try_get("at")?,
                    });
                }
                Ok(out)
            }

            async fn guild_config(
                &self,
                guild_id: u64,
            ) -> Result<$crate::store::GuildConfig, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let row = sqlx::query(sql::GUILD_CONFIG)
                    .bind(to_db(guild_id))
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    None => Ok($crate::store::GuildConfig::defaults(guild_id)),
                    Some(r) => {
                        let text: String = r.try_get("config")?;
                        let mut c: $crate::store::GuildConfig = serde_json::from_str(&text)
                            .map_err(|e| {
                                $crate::store::StoreError::Corrupt(format!(
                                    "guild {guild_id}: bad config JSON: {e}"
                                ))
                            })?;
                        c.guild_id = guild_id;
                        Ok(c)
                    }
                }
            }

            async fn save_guild_config(
                &self,
                config: &$crate::store::GuildConfig,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                let text = serde_json::to_string(config).map_err(|e| {
                    $crate::store::StoreError::Corrupt(format!("cannot encode guild config: {e}"))
                })?;
                sqlx::query(sql::SAVE_GUILD_CONFIG)
                    .bind(to_db(config.guild_id))
                    .bind(text)
                    .bind($crate::store::now_ms())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn stats(
                &self,
                guild_id: Option<u64>,
                since: $crate::session::Millis,
            ) -> Result<$crate::store::StatsReport, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                use $crate::store::{BestStep, Resolution, TopError, Waiting};
                let guild = guild_id.map(to_db);

                let mut top_errors = Vec::new();
                for r in sqlx::query(sql::TOP_ERRORS)
                    .bind(since)
                    .bind(guild)
                    .bind(STATS_LIMIT)
                    .fetch_all(&self.pool)
                    .await?
                {
                    top_errors.push(TopError {
                        entry: r.try_get("entry")?,
                        sessions: count_from_db(r.try_get("n")?),
                    });
                }

                let mut resolution = Vec::new();
                for r in sqlx::query(sql::RESOLUTION)
                    .bind(since)
                    .bind(guild)
                    .bind(STATS_LIMIT)
                    .fetch_all(&self.pool)
                    .await?
                {
                    resolution.push(Resolution {
                        entry: r.try_get("entry")?,
                        solved: count_from_db(r.try_get("solved")?),
                        total: count_from_db(r.try_get("total")?),
                    });
                }

                let mut best_steps = Vec::new();
                for r in sqlx::query(sql::BEST_STEPS)
                    .bind(since)
                    .bind(guild)
                    .bind(STATS_LIMIT)
                    .fetch_all(&self.pool)
                    .await?
                {
                    best_steps.push(BestStep {
                        entry: r.try_get("entry")?,
                        step: step_from_db(r.try_get("step")?)?,
                        solved: count_from_db(r.try_get("solved")?),
                        tried: count_from_db(r.try_get("tried")?),
                    });
                }

                let mut waiting = Vec::new();
                for r in sqlx::query(sql::WAITING)
                    .bind(guild)
                    .bind(STATS_LIMIT)
                    .fetch_all(&self.pool)
                    .await?
                {
                    let status: String = r.try_get("status")?;
                    let thread: i64 = r.try_get("thread_id")?;
                    waiting.push(Waiting {
                        thread_id: from_db(thread),
                        entry: r.try_get("entry")?,
                        status: $crate::session::Status::parse(&status).ok_or_else(|| {
                            $crate::store::StoreError::Corrupt(format!("unknown status `{status}`"))
                        })?,
                        updated_at: r.try_get("updated_at")?,
                    });
                }

                Ok($crate::store::StatsReport {
                    since,
                    top_errors,
                    resolution,
                    best_steps,
                    waiting,
                })
            }

            async fn open_sessions(
                &self,
            ) -> Result<Vec<$crate::session::Session>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let rows = sqlx::query(sql::OPEN_SESSIONS)
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(Self::session_row(r)?.into_session()?);
                }
                Ok(out)
            }

            async fn record_gap(
                &self,
                s: &$crate::store::GapSighting<'_>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                // One sighting is one change: readers never see the count
                // without its server or example.
                let (_writer, mut tx) = self.begin().await?;
                sqlx::query(sql::UPSERT_GAP)
                    .bind(&s.gap.key)
                    .bind(s.gap.kind.as_str())
                    .bind(&s.gap.label)
                    .bind(s.at)
                    .execute(&mut *tx)
                    .await?;
                if let Some(g) = s.guild_id {
                    sqlx::query(sql::INSERT_GAP_GUILD)
                        .bind(&s.gap.key)
                        .bind(to_db(g))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(sql::INSERT_GAP_EXAMPLE)
                    .bind(&s.gap.key)
                    .bind(to_db(s.message_id))
                    .bind(s.guild_id.map(to_db))
                    .bind(to_db(s.channel_id))
                    .bind(s.text.map(|t| t.chars().take(1000).collect::<String>()))
                    .bind(s.at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn gaps(
                &self,
                since: $crate::session::Millis,
                limit: u32,
            ) -> Result<Vec<$crate::store::GapRecord>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let rows = sqlx::query(sql::LIST_GAPS)
                    .bind(since)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut g = gap_from_row(r)?;
                    g.examples = self.gap_examples(&g.key).await?;
                    out.push(g);
                }
                Ok(out)
            }

            async fn gap(
                &self,
                key: &str,
            ) -> Result<Option<$crate::store::GapRecord>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let row = sqlx::query(sql::GAP)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let mut g = gap_from_row(&r)?;
                        g.examples = self.gap_examples(&g.key).await?;
                        Ok(Some(g))
                    }
                }
            }

            async fn set_gap_status(
                &self,
                key: &str,
                status: $crate::store::GapStatus,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(sql::SET_GAP_STATUS)
                    .bind(key)
                    .bind(status.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn set_gap_solution(
                &self,
                key: &str,
                solution: &str,
                link: &str,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                sqlx::query(sql::SET_GAP_SOLUTION)
                    .bind(key)
                    .bind(solution)
                    .bind(link)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn forget_message(
                &self,
                message_id: u64,
            ) -> Result<u64, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(sql::FORGET_MESSAGE)
                    .bind(to_db(message_id))
                    .execute(&self.pool)
                    .await?;
                let f = sqlx::query(sql::FORGET_FEEDBACK_TEXT)
                    .bind(to_db(message_id))
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() + f.rows_affected())
            }

            async fn prune_gap_texts(
                &self,
                before: $crate::session::Millis,
            ) -> Result<u64, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(sql::PRUNE_GAP_TEXTS)
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                let f = sqlx::query(sql::PRUNE_FEEDBACK_TEXTS)
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() + f.rows_affected())
            }

            async fn gap_for_channel(
                &self,
                channel_id: u64,
            ) -> Result<Option<String>, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let row = sqlx::query(sql::GAP_FOR_CHANNEL)
                    .bind(to_db(channel_id))
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get("key")?),
                    None => None,
                })
            }

            async fn record_feedback(
                &self,
                f: &$crate::store::Feedback,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::common::*;
                let candidates = serde_json::to_string(&f.candidates)
                    .map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))?;
                let r = sqlx::query(sql::INSERT_FEEDBACK)
                    .bind(to_db(f.message_id))
                    .bind(f.guild_id.map(to_db))
                    .bind(to_db(f.channel_id))
                    .bind(to_db(f.user_id))
                    .bind(f.kind.as_str())
                    .bind(&f.entry)
                    .bind(candidates)
                    .bind(i64::from(f.confidence))
                    .bind(
                        f.text
                            .as_ref()
                            .map(|t| t.chars().take(2000).collect::<String>()),
                    )
                    .bind(f.reply_channel.map(to_db))
                    .bind(f.reply_id.map(to_db))
                    .bind(f.session_key.map(to_db))
                    .bind(f.verdict.as_str())
                    .bind(f.at)
                    .bind(f.decided_at)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn feedback(
                &self,
                message_id: u64,
            ) -> Result<Option<$crate::store::Feedback>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let row = sqlx::query(sql::FEEDBACK)
                    .bind(to_db(message_id))
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(feedback_from_row).transpose()
            }

            async fn feedback_for_session(
                &self,
                key: u64,
            ) -> Result<Option<$crate::store::Feedback>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let row = sqlx::query(sql::FEEDBACK_FOR_SESSION)
                    .bind(to_db(key))
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(feedback_from_row).transpose()
            }

            async fn set_feedback_reply(
                &self,
                message_id: u64,
                reply_channel: u64,
                reply_id: u64,
                session_key: Option<u64>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                sqlx::query(sql::SET_FEEDBACK_REPLY)
                    .bind(to_db(message_id))
                    .bind(to_db(reply_channel))
                    .bind(to_db(reply_id))
                    .bind(session_key.map(to_db))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn decide_feedback(
                &self,
                message_id: u64,
                from: $crate::store::Verdict,
                to: $crate::store::Verdict,
                at: $crate::session::Millis,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(sql::DECIDE_FEEDBACK)
                    .bind(to_db(message_id))
                    .bind(from.as_str())
                    .bind(to.as_str())
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn pending_guesses(
                &self,
                before: $crate::session::Millis,
                limit: u32,
            ) -> Result<Vec<$crate::store::Feedback>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let rows = sqlx::query(sql::PENDING_GUESSES)
                    .bind(before)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(feedback_from_row).collect()
            }

            async fn review(
                &self,
                guild_id: Option<u64>,
                limit: u32,
            ) -> Result<Vec<$crate::store::Feedback>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let rows = sqlx::query(sql::REVIEW)
                    .bind(guild_id.map(to_db))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(feedback_from_row).collect()
            }

            async fn decided_feedback(
                &self,
                since: $crate::session::Millis,
            ) -> Result<Vec<$crate::store::Feedback>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let rows = sqlx::query(sql::DECIDED_FEEDBACK)
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(feedback_from_row).collect()
            }

            async fn record_report(
                &self,
                entry: &str,
                guild_id: Option<u64>,
                user_id: u64,
                at: $crate::session::Millis,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                sqlx::query(sql::INSERT_REPORT)
                    .bind(entry)
                    .bind(guild_id.map(to_db))
                    .bind(to_db(user_id))
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn report_window(
                &self,
                entry: &str,
                since: $crate::session::Millis,
            ) -> Result<$crate::outage::WindowCounts, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let r = sqlx::query(sql::REPORT_WINDOW)
                    .bind(entry)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                Ok($crate::outage::WindowCounts {
                    reports: count_from_db(r.try_get("reports")?),
                    users: count_from_db(r.try_get("users")?),
                    guilds: count_from_db(r.try_get("guilds")?),
                })
            }

            async fn report_total(
                &self,
                entry: &str,
                from: $crate::session::Millis,
                to: $crate::session::Millis,
            ) -> Result<u64, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let r = sqlx::query(sql::REPORT_TOTAL)
                    .bind(entry)
                    .bind(from)
                    .bind(to)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(count_from_db(r.try_get("n")?))
            }

            async fn prune_reports(
                &self,
                before: $crate::session::Millis,
            ) -> Result<u64, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(sql::PRUNE_REPORTS)
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected())
            }

            async fn outages(
                &self,
            ) -> Result<Vec<$crate::outage::Outage>, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let rows = sqlx::query(sql::OUTAGES).fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push($crate::outage::Outage {
                        entry: r.try_get("entry")?,
                        started_at: r.try_get("started_at")?,
                        last_spike_at: r.try_get("last_spike_at")?,
                        peak_reports: count_from_db(r.try_get("peak_reports")?),
                        peak_guilds: count_from_db(r.try_get("peak_guilds")?),
                    });
                }
                Ok(out)
            }

            async fn save_outage(
                &self,
                o: &$crate::outage::Outage,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                sqlx::query(sql::SAVE_OUTAGE)
                    .bind(&o.entry)
                    .bind(o.started_at)
                    .bind(o.last_spike_at)
                    .bind(i64::try_from(o.peak_reports).unwrap_or(i64::MAX))
                    .bind(i64::try_from(o.peak_guilds).unwrap_or(i64::MAX))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn clear_outage(&self, entry: &str) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                sqlx::query(sql::CLEAR_OUTAGE)
                    .bind(entry)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn incidents(
                &self,
                guild_id: u64,
            ) -> Result<Vec<$crate::store::Incident>, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let rows = sqlx::query(sql::INCIDENTS)
                    .bind(to_db(guild_id))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push($crate::store::Incident {
                        guild_id: from_db(r.try_get("guild_id")?),
                        entry: r.try_get("entry")?,
                        note: r.try_get("note")?,
                        by: from_db(r.try_get("by_user")?),
                        at: r.try_get("at")?,
                    });
                }
                Ok(out)
            }

            async fn set_incident(
                &self,
                i: &$crate::store::Incident,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::common::*;
                sqlx::query(sql::SET_INCIDENT)
                    .bind(to_db(i.guild_id))
                    .bind(&i.entry)
                    .bind(&i.note)
                    .bind(to_db(i.by))
                    .bind(i.at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn clear_incident(
                &self,
                guild_id: u64,
                entry: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(sql::CLEAR_INCIDENT)
                    .bind(to_db(guild_id))
                    .bind(entry)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn thread_marks(
                &self,
                thread_id: u64,
            ) -> Result<$crate::lifecycle::Marks, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let row = sqlx::query(sql::THREAD_MARKS)
                    .bind(to_db(thread_id))
                    .fetch_optional(&self.pool)
                    .await?;
                Ok($crate::lifecycle::Marks {
                    reminded_at: match row {
                        Some(r) => r.try_get("reminded_at")?,
                        None => None,
                    },
                })
            }

            async fn claim_welcome(
                &self,
                thread_id: u64,
                at: $crate::session::Millis,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::common::*;
                let r = sqlx::query(sql::CLAIM_WELCOME)
                    .bind(to_db(thread_id))
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn claim_reminder(
                &self,
                thread_id: u64,
                idle_since: $crate::session::Millis,
                at: $crate::session::Millis,
            ) -> Result<bool, $crate::store::StoreError> {
                self.claim_mark(
                    $crate::store::common::sql::CLAIM_REMINDER,
                    thread_id,
                    idle_since,
                    at,
                )
                .await
            }

            async fn claim_close(
                &self,
                thread_id: u64,
                idle_since: $crate::session::Millis,
                at: $crate::session::Millis,
            ) -> Result<bool, $crate::store::StoreError> {
                self.claim_mark(
                    $crate::store::common::sql::CLAIM_CLOSE,
                    thread_id,
                    idle_since,
                    at,
                )
                .await
            }

            async fn sessions_since(
                &self,
                guild_id: Option<u64>,
                since: $crate::session::Millis,
                limit: u32,
            ) -> Result<Vec<$crate::session::Session>, $crate::store::StoreError> {
                use $crate::store::common::*;
                let rows = sqlx::query(sql::SESSIONS_SINCE)
                    .bind(since)
                    .bind(guild_id.map(to_db))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(Self::session_row(r)?.into_session()?);
                }
                Ok(out)
            }

            async fn expire_idle(
                &self,
                idle_ms: i64,
                now: $crate::session::Millis,
            ) -> Result<u64, $crate::store::StoreError> {
                use sqlx::Row as _;
                use $crate::store::common::*;
                let cutoff = now.saturating_sub(idle_ms);
                let rows = sqlx::query(sql::IDLE_SESSIONS)
                    .bind(cutoff)
                    .bind(SWEEP_LIMIT)
                    .fetch_all(&self.pool)
                    .await?;
                let mut threads = Vec::with_capacity(rows.len());
                for r in &rows {
                    let t: i64 = r.try_get("thread_id")?;
                    threads.push(from_db(t));
                }
                $crate::store::expire_threads(self, &threads, cutoff, now).await
            }
        }
    };
}

pub(crate) use impl_store;
