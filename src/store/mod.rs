//! Persistence of sessions, statistics and guild settings.
//!
//! One [`Store`] trait says what the bot needs; [`SqliteStore`] (the embedded
//! default, one WAL-mode file) and [`PostgresStore`] (several bot processes
//! on one database) implement it with the same SQL and the same conversion
//! code (see `common`). Sessions are written with optimistic concurrency: a
//! save names the version it was computed from and fails with
//! [`StoreError::Conflict`] if somebody saved in between, and the helpers
//! here ([`update_session`], [`apply_command`], [`start_session`]) reload and
//! re-apply until the write lands. Each save is a single transaction holding
//! the new state, its events (an append-only log) and the step-statistics
//! changes those events imply, so two buttons pressed at once both end up in
//! the log and a crash leaves either the old state or the new one.

mod common;
mod config;
mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Entry, Platform};
use crate::session::{
    Command, Ctx, Entries, Event, Millis, Refusal, Reporter, Session, Start, StatDelta, StepStats,
    Transition, deltas_for,
};

pub use config::{DEFAULT_SOLVED_TAG, GuildConfig, ReplyMode};
pub use postgres::{PostgresStore, connect_postgres_with_schema, drop_postgres_schema};
pub use sqlite::SqliteStore;

/// Where the database lives when `DATABASE_URL` is unset.
pub const DEFAULT_SQLITE_PATH: &str = "data/spotify-error-bot.sqlite";

/// How many times the helpers re-apply a command after losing a race.
pub const MAX_ATTEMPTS: usize = 64;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Who has to act on a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blame {
    /// The person running the bot: a bad `DATABASE_URL`, a folder that cannot
    /// be created, a database that is down.
    Operator,
    /// Nobody: contention that a retry resolves.
    Transient,
    /// The bot: a query or stored data it cannot handle is a bug.
    Bot,
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATABASE_URL` (or a schema name) is not usable; the operator fixes it.
    #[error(
        "the database URL is not usable ({0}); use sqlite:PATH, postgres://... or leave DATABASE_URL unset"
    )]
    BadUrl(String),
    /// The SQLite folder could not be created.
    #[error("cannot create the database folder {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database cannot be reached (down, refusing connections, pool
    /// exhausted for too long).
    #[error("the database is unreachable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Somebody saved this session since it was loaded: reload and re-apply.
    #[error("the session of thread {thread_id} was changed concurrently")]
    Conflict { thread_id: u64 },
    /// Lock contention (SQLite busy, PostgreSQL deadlock or serialization
    /// failure): retrying resolves it.
    #[error("the database is busy: {0}")]
    Busy(#[source] sqlx::Error),
    #[error("no session for thread {thread_id}")]
    NotFound { thread_id: u64 },
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data does not parse: a bug or a manual edit.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Any other database error: a bug in a query.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// Whether reloading and trying again can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Conflict { .. } | StoreError::Busy(_))
    }

    pub fn blame(&self) -> Blame {
        match self {
            StoreError::BadUrl(_) | StoreError::Io { .. } | StoreError::Unavailable(_) => {
                Blame::Operator
            }
            StoreError::Conflict { .. } | StoreError::Busy(_) => Blame::Transient,
            StoreError::NotFound { .. }
            | StoreError::Migrate(_)
            | StoreError::Corrupt(_)
            | StoreError::Database(_) => Blame::Bot,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        common::classify(e)
    }
}

/// What the session helpers can fail with: the command was refused (tell the
/// person), or the store failed (log it, apologise).
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One event as stored, with the session version it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub version: i64,
    pub at: Millis,
    pub event: Event,
}

/// A recorded solution (for moderators promoting community fixes into the
/// catalogue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolutionRecord {
    pub thread_id: u64,
    pub guild_id: Option<u64>,
    pub entry: Option<String>,
    pub platform: Platform,
    pub step: Option<usize>,
    pub by: Reporter,
    pub message_id: Option<u64>,
    pub note: Option<String>,
    pub at: Millis,
}

/// An error people asked about, with the number of threads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopError {
    pub entry: String,
    pub sessions: u64,
}

/// Sessions of an entry started in the window, and how many are solved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub entry: String,
    pub solved: u64,
    pub total: u64,
}

/// A step that solved problems in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BestStep {
    pub entry: String,
    /// The catalogue index.
    pub step: usize,
    pub solved: u64,
    pub tried: u64,
}

/// A thread still waiting (open or escalated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub thread_id: u64,
    pub entry: Option<String>,
    pub status: crate::session::Status,
    pub updated_at: Millis,
}

/// What `/spotify-error stats` shows. Each list holds at most 10 rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsReport {
    pub since: Millis,
    /// Most asked-about errors since `since`, most first.
    pub top_errors: Vec<TopError>,
    /// Per entry: sessions started since `since` and how many are solved.
    pub resolution: Vec<Resolution>,
    /// Steps that solved the most problems since `since`.
    pub best_steps: Vec<BestStep>,
    /// Open threads, longest waiting first (regardless of `since`).
    pub waiting: Vec<Waiting>,
}

/// One sighting of a knowledge gap (never the author).
#[derive(Debug, Clone)]
pub struct GapSighting<'a> {
    pub gap: &'a crate::gaps::Gap,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub message_id: u64,
    /// The message text, kept with the example until forgotten.
    pub text: Option<&'a str>,
    pub at: Millis,
}

/// Where a gap stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapStatus {
    Open,
    /// Noise, not worth an entry.
    Dismissed,
    /// An entry was added for it.
    Added,
}

impl GapStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GapStatus::Open => "open",
            GapStatus::Dismissed => "dismissed",
            GapStatus::Added => "added",
        }
    }

    pub fn parse(s: &str) -> Option<GapStatus> {
        match s {
            "open" => Some(GapStatus::Open),
            "dismissed" => Some(GapStatus::Dismissed),
            "added" => Some(GapStatus::Added),
            _ => None,
        }
    }
}

/// An example message of a gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapExample {
    pub message_id: u64,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    /// `None` once forgotten (message deleted, or old).
    pub text: Option<String>,
    pub at: Millis,
}

/// A gap with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapRecord {
    pub key: String,
    pub kind: crate::gaps::GapKind,
    pub label: String,
    pub first_seen: Millis,
    pub last_seen: Millis,
    pub seen: u64,
    pub guilds: u64,
    pub status: GapStatus,
    /// A fix a moderator marked in one of its threads.
    pub solution: Option<String>,
    pub solution_link: Option<String>,
    /// Newest first, at most five.
    pub examples: Vec<GapExample>,
}

/// What an answer or a question was: see [`Feedback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    /// A high-confidence answer posted unprompted.
    Answer,
    /// A medium-confidence question ("Is this accesspoint:17?").
    Guess,
}

/// How people received an answer or a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nobody said anything (yet).
    Pending,
    /// "Yes" to a question.
    Confirmed,
    /// "No" to a question.
    Rejected,
    /// "Not my problem" on an answer.
    Wrong,
    /// A question nobody answered, removed after a while.
    Expired,
}

impl FeedbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Answer => "answer",
            FeedbackKind::Guess => "guess",
        }
    }

    pub fn parse(s: &str) -> Option<FeedbackKind> {
        [FeedbackKind::Answer, FeedbackKind::Guess]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Pending,
        Verdict::Confirmed,
        Verdict::Rejected,
        Verdict::Wrong,
        Verdict::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pending => "pending",
            Verdict::Confirmed => "confirmed",
            Verdict::Rejected => "rejected",
            Verdict::Wrong => "wrong",
            Verdict::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// An automatic answer or a medium-confidence question, keyed by the
/// member's message it responded to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub message_id: u64,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    /// Who wrote the message (the only member besides moderators whose
    /// buttons count).
    pub user_id: u64,
    pub kind: FeedbackKind,
    /// What the bot answered or asked about.
    pub entry: String,
    /// The matcher's candidates, best first.
    pub candidates: Vec<String>,
    /// The matcher's confidence, in percent.
    pub confidence: u8,
    /// The message text (cleared when deleted, or after a month).
    pub text: Option<String>,
    /// The bot's message (card or question).
    pub reply_channel: Option<u64>,
    pub reply_id: Option<u64>,
    /// The session the answer started, if any.
    pub session_key: Option<u64>,
    pub verdict: Verdict,
    pub at: Millis,
    pub decided_at: Option<Millis>,
}

impl Feedback {
    /// The record as a line of the matcher's test corpus
    /// (`tests/corpus/*.jsonl`): confirmed guesses say what the text is
    /// about; wrong answers and rejected guesses are false positives
    /// (`expect: null`, with the id the bot wrongly gave in `not`).
    /// Unconfirmed guesses stay unlabelled (`expect: null`, `kind:
    /// "unconfirmed"`) for a reviewer to fill in. `None` once the text is
    /// forgotten, or while nobody has decided.
    pub fn corpus_line(&self) -> Option<serde_json::Value> {
        let text = self.text.as_deref()?;
        let (expect, kind) = match self.verdict {
            Verdict::Pending => return None,
            Verdict::Confirmed => (Some(self.entry.as_str()), "confirmed"),
            Verdict::Rejected | Verdict::Wrong => (None, "false-positive"),
            Verdict::Expired => (None, "unconfirmed"),
        };
        let mut line = serde_json::json!({
            "text": text,
            "expect": expect,
            "kind": kind,
            "confidence": f64::from(self.confidence) / 100.0,
            "source": self.kind.as_str(),
        });
        if expect.is_none() {
            line["not"] = serde_json::Value::String(self.entry.clone());
        }
        Some(line)
    }
}

/// A moderator's note on an ongoing problem, shown above every answer
/// about `entry` (`*`: every answer) in one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub guild_id: u64,
    pub entry: String,
    pub note: String,
    pub by: u64,
    pub at: Millis,
}

/// The entry value of an incident about every error.
pub const ANY_ENTRY: &str = "*";

/// What the bot needs from a database.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    /// Succeeds when the database answers (for health checks).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Closes the pool (at shutdown).
    async fn close(&self);

    async fn load_session(&self, thread_id: u64) -> Result<Option<Session>, StoreError>;

    /// Writes `session` and appends `events`, in one transaction with the
    /// step-statistics and solution updates they imply. `session.version` is
    /// the version it was computed from (0 for a new session); returns the
    /// new version. Fails with [`StoreError::Conflict`] when the stored
    /// version differs (or a new session's thread already has one).
    async fn save_session(&self, session: &Session, events: &[Event]) -> Result<i64, StoreError>;

    /// The event log of a thread, oldest first.
    async fn events(&self, thread_id: u64) -> Result<Vec<StoredEvent>, StoreError>;

    /// The step counts of an entry for a platform bucket (see
    /// `Session::stats_platform`).
    async fn step_stats(&self, entry: &str, platform: Platform) -> Result<StepStats, StoreError>;

    /// Recomputes every step counter from the event log; returns the number
    /// of counter rows.
    async fn rebuild_step_stats(&self) -> Result<u64, StoreError>;

    /// Standing solutions of an entry, newest first.
    async fn solutions_for_entry(
        &self,
        entry: &str,
        limit: u32,
    ) -> Result<Vec<SolutionRecord>, StoreError>;

    /// The guild's settings, or the defaults when it has none.
    async fn guild_config(&self, guild_id: u64) -> Result<GuildConfig, StoreError>;

    async fn save_guild_config(&self, config: &GuildConfig) -> Result<(), StoreError>;

    /// `/spotify-error stats` for a guild (None: every guild and DMs).
    async fn stats(&self, guild_id: Option<u64>, since: Millis) -> Result<StatsReport, StoreError>;

    /// Open and escalated sessions, least recently active first (to resume
    /// after a restart).
    async fn open_sessions(&self) -> Result<Vec<Session>, StoreError>;

    /// Marks sessions idle for at least `idle_ms` as expired (through the
    /// state machine, so each gets its event); returns how many. Sessions
    /// are never deleted.
    async fn expire_idle(&self, idle_ms: i64, now: Millis) -> Result<u64, StoreError>;

    /// Counts a sighting of a gap (and keeps it as an example, up to five).
    async fn record_gap(&self, sighting: &GapSighting<'_>) -> Result<(), StoreError>;

    /// Open gaps seen since `since`, most seen first.
    async fn gaps(&self, since: Millis, limit: u32) -> Result<Vec<GapRecord>, StoreError>;

    async fn gap(&self, key: &str) -> Result<Option<GapRecord>, StoreError>;

    /// Returns whether the gap exists.
    async fn set_gap_status(&self, key: &str, status: GapStatus) -> Result<bool, StoreError>;

    /// Records the fix a moderator marked in a gap's thread.
    async fn set_gap_solution(
        &self,
        key: &str,
        solution: &str,
        link: &str,
    ) -> Result<(), StoreError>;

    /// Forgets the text of a deleted message (MESSAGE_DELETE); returns how
    /// many examples held it.
    async fn forget_message(&self, message_id: u64) -> Result<u64, StoreError>;

    /// Forgets example texts older than `before`.
    async fn prune_gap_texts(&self, before: Millis) -> Result<u64, StoreError>;

    /// The gap most recently seen in a channel (a help thread), if any.
    async fn gap_for_channel(&self, channel_id: u64) -> Result<Option<String>, StoreError>;

    /// Records an answer or a question; false when the message already
    /// has one (the first stays).
    async fn record_feedback(&self, f: &Feedback) -> Result<bool, StoreError>;

    async fn feedback(&self, message_id: u64) -> Result<Option<Feedback>, StoreError>;

    /// The latest answer or question that started the session `key`.
    async fn feedback_for_session(&self, key: u64) -> Result<Option<Feedback>, StoreError>;

    /// Where the bot's reply to `message_id` is, and the session it started.
    async fn set_feedback_reply(
        &self,
        message_id: u64,
        reply_channel: u64,
        reply_id: u64,
        session_key: Option<u64>,
    ) -> Result<(), StoreError>;

    /// Moves a verdict from `from` to `to`; false when it was no longer
    /// `from` (somebody else decided first).
    async fn decide_feedback(
        &self,
        message_id: u64,
        from: Verdict,
        to: Verdict,
        at: Millis,
    ) -> Result<bool, StoreError>;

    /// Questions still pending that were asked before `before`, oldest first.
    async fn pending_guesses(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<Feedback>, StoreError>;

    /// What moderators review, newest first: wrong answers, rejected and
    /// unconfirmed questions (in one guild, or everywhere).
    async fn review(&self, guild_id: Option<u64>, limit: u32) -> Result<Vec<Feedback>, StoreError>;

    /// Every decided answer and question since `since`, oldest first (for
    /// `review export`).
    async fn decided_feedback(&self, since: Millis) -> Result<Vec<Feedback>, StoreError>;

    /// One person asking about one error (for outage detection).
    async fn record_report(
        &self,
        entry: &str,
        guild_id: Option<u64>,
        user_id: u64,
        at: Millis,
    ) -> Result<(), StoreError>;

    /// Reports of `entry` at or after `since`.
    async fn report_window(
        &self,
        entry: &str,
        since: Millis,
    ) -> Result<crate::outage::WindowCounts, StoreError>;

    /// How many reports of `entry` fall in `[from, to)`.
    async fn report_total(&self, entry: &str, from: Millis, to: Millis) -> Result<u64, StoreError>;

    /// Deletes reports older than `before`.
    async fn prune_reports(&self, before: Millis) -> Result<u64, StoreError>;

    async fn outages(&self) -> Result<Vec<crate::outage::Outage>, StoreError>;

    async fn save_outage(&self, o: &crate::outage::Outage) -> Result<(), StoreError>;

    async fn clear_outage(&self, entry: &str) -> Result<(), StoreError>;

    /// A guild's incident notes.
    async fn incidents(&self, guild_id: u64) -> Result<Vec<Incident>, StoreError>;

    /// Posts (or replaces) a note.
    async fn set_incident(&self, i: &Incident) -> Result<(), StoreError>;

    /// Returns whether there was one.
    async fn clear_incident(&self, guild_id: u64, entry: &str) -> Result<bool, StoreError>;

    /// What the lifecycle sweep did in a thread.
    async fn thread_marks(&self, thread_id: u64) -> Result<crate::lifecycle::Marks, StoreError>;

    /// Claims the welcome of a new forum post; false when it was welcomed.
    async fn claim_welcome(&self, thread_id: u64, at: Millis) -> Result<bool, StoreError>;

    /// Claims the reminder of the quiet spell that began at `idle_since`;
    /// false when this spell already had one.
    async fn claim_reminder(
        &self,
        thread_id: u64,
        idle_since: Millis,
        at: Millis,
    ) -> Result<bool, StoreError>;

    /// Claims closing the thread for the quiet spell that began at
    /// `idle_since`; false when done already.
    async fn claim_close(
        &self,
        thread_id: u64,
        idle_since: Millis,
        at: Millis,
    ) -> Result<bool, StoreError>;

    /// Sessions created since `since` (in one guild, or everywhere), at
    /// most `limit`, newest first: the timings of `/spotify-error stats`.
    async fn sessions_since(
        &self,
        guild_id: Option<u64>,
        since: Millis,
        limit: u32,
    ) -> Result<Vec<Session>, StoreError>;
}

/// Opens the store `database_url` names and brings its schema up to date.
///
/// `None` (or empty) means SQLite at [`DEFAULT_SQLITE_PATH`], created with
/// its folder on first run; `sqlite:...` and `postgres://` /
/// `postgresql://` URLs pick the backend.
pub async fn connect(database_url: Option<&str>) -> Result<Arc<dyn Store>, StoreError> {
    match database_url.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(Arc::new(
            SqliteStore::open_path(Path::new(DEFAULT_SQLITE_PATH)).await?,
        )),
        Some(url) if url.starts_with("sqlite:") => Ok(Arc::new(SqliteStore::open_url(url).await?)),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Arc::new(PostgresStore::open_url(url).await?))
        }
        Some(url) => Err(StoreError::BadUrl(format!(
            "`{}` has an unknown scheme",
            url.split(':').next().unwrap_or(url)
        ))),
    }
}

/// The current time as stored (unix milliseconds).
pub fn now_ms() -> Millis {
    crate::clock::now_ms()
}

/// A short random pause that grows with the attempt number, so that writers
/// who collided do not collide again in lockstep.
async fn backoff(attempt: usize) {
    let cap = 1_u64 << attempt.min(6);
    let ms = {
        use rand::Rng as _;
        rand::thread_rng().gen_range(0..=cap)
    };
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Saves a transition; `Ok(None)` when it lost a race and should be retried.
async fn try_save<S: Store + ?Sized>(
    store: &S,
    mut t: Transition,
) -> Result<Option<Transition>, StoreError> {
    match store.save_session(&t.session, &t.events).await {
        Ok(version) => {
            t.session.version = version;
            Ok(Some(t))
        }
        Err(e) if e.is_retryable() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Loads the thread's session, lets `f` compute the transition (it gets
/// `None` when there is none), saves it, and on a conflict starts again from
/// the fresh state, up to [`MAX_ATTEMPTS`] times. Returns the saved
/// transition (its session carries the new version).
pub async fn update_session<S, F>(
    store: &S,
    thread_id: u64,
    mut f: F,
) -> Result<Transition, UpdateError>
where
    S: Store + ?Sized,
    F: FnMut(Option<&Session>) -> Result<Transition, Refusal> + Send,
{
    for attempt in 0..MAX_ATTEMPTS {
        let current = store.load_session(thread_id).await?;
        let t = f(current.as_ref())?;
        if let Some(saved) = try_save(store, t).await? {
            return Ok(saved);
        }
        backoff(attempt).await;
    }
    Err(StoreError::Conflict { thread_id }.into())
}

/// Applies a command to the thread's session with the step statistics it
/// ranks with (fetched fresh each attempt), and saves it; retried like
/// [`update_session`]. This is what a button press calls.
pub async fn apply_command<S>(
    store: &S,
    entries: &dyn Entries,
    thread_id: u64,
    cmd: Command,
    now: Millis,
) -> Result<Transition, UpdateError>
where
    S: Store + ?Sized,
{
    for attempt in 0..MAX_ATTEMPTS {
        let session = store
            .load_session(thread_id)
            .await?
            .ok_or(Refusal::NoSession)?;
        let mut ctx = Ctx::new(entries);
        if let Some((entry, platform)) = session.stats_key(&cmd, entries) {
            let stats = store.step_stats(&entry, platform).await?;
            ctx.add_stats(&entry, platform, stats);
        }
        let t = session.apply(cmd.clone(), &ctx, now)?;
        if let Some(saved) = try_save(store, t).await? {
            return Ok(saved);
        }
        backoff(attempt).await;
    }
    Err(StoreError::Conflict { thread_id }.into())
}

/// Starts a session in a thread: a new one, or a fresh one replacing a
/// finished session there. A thread whose session is still open or
/// escalated is refused with [`Refusal::AlreadyStarted`] (switch instead).
pub async fn start_session<S>(
    store: &S,
    entries: &dyn Entries,
    start: Start,
    now: Millis,
) -> Result<Transition, UpdateError>
where
    S: Store + ?Sized,
{
    let thread_id = start.thread_id;
    for attempt in 0..MAX_ATTEMPTS {
        let mut ctx = Ctx::new(entries);
        if let Some((entry, platform)) = start.stats_key(entries) {
            let stats = store.step_stats(&entry, platform).await?;
            ctx.add_stats(&entry, platform, stats);
        }
        let t = match store.load_session(thread_id).await? {
            Some(old) => old.start_over(start.clone(), &ctx, now)?,
            None => Session::start(start.clone(), &ctx, now)?,
        };
        if let Some(saved) = try_save(store, t).await? {
            return Ok(saved);
        }
        backoff(attempt).await;
    }
    Err(StoreError::Conflict { thread_id }.into())
}

/// Records which bot message shows a thread's card (no event).
pub async fn attach_answer<S>(
    store: &S,
    thread_id: u64,
    message_id: u64,
) -> Result<Transition, UpdateError>
where
    S: Store + ?Sized,
{
    update_session(store, thread_id, |s| {
        s.map(|s| s.attach_answer(message_id))
            .ok_or(Refusal::NoSession)
    })
    .await
}

static NO_ENTRIES: Vec<Entry> = Vec::new();

/// Expires each of `threads` that is still active and idle since `cutoff`;
/// a thread somebody touched in the meantime is left alone.
pub(crate) async fn expire_threads<S>(
    store: &S,
    threads: &[u64],
    cutoff: Millis,
    now: Millis,
) -> Result<u64, StoreError>
where
    S: Store + ?Sized,
{
    let ctx = Ctx::new(&NO_ENTRIES);
    let mut expired = 0;
    for &thread_id in threads {
        let result = update_session(store, thread_id, |s| match s {
            Some(s) if s.status.is_active() && s.updated_at <= cutoff => {
                s.apply(Command::Expire, &ctx, now)
            }
            Some(_) => Err(Refusal::NotClosed),
            None => Err(Refusal::NoSession),
        })
        .await;
        match result {
            Ok(_) => expired += 1,
            Err(UpdateError::Refused(_)) => {}
            Err(UpdateError::Store(e)) => return Err(e),
        }
    }
    Ok(expired)
}

/// The step counters an event log adds up to, applied event by event with
/// the same clamping as the live updates.
pub(crate) fn totals_from_events(events: &[Event]) -> Vec<StatDelta> {
    use std::collections::BTreeMap;
    let mut totals: BTreeMap<(String, Platform), StepStats> = BTreeMap::new();
    for event in events {
        for d in deltas_for(std::slice::from_ref(event)) {
            totals
                .entry((d.entry.clone(), d.platform))
                .or_default()
                .apply(&d);
        }
    }
    let mut out = Vec::new();
    for ((entry, platform), stats) in totals {
        for (step, c) in stats.steps {
            out.push(StatDelta {
                entry: entry.clone(),
                platform,
                step,
                tried: i64::try_from(c.tried).unwrap_or(i64::MAX),
                solved: i64::try_from(c.solved).unwrap_or(i64::MAX),
                moderator_solved: i64::try_from(c.moderator_solved).unwrap_or(i64::MAX),
            });
        }
    }
    out
}
