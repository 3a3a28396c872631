//! The store: one suite, run against SQLite (always) and PostgreSQL (when
//! `TEST_DATABASE_URL` is set; `.ci/run` sets it, so CI always runs both).
//!
//! Every test gets its own database: a temporary SQLite file, or a fresh
//! PostgreSQL schema (dropped at the end), so the tests run in parallel.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng as _;
use spotify_error_bot::catalogue::{Entry, Platform, parse_entry};
use spotify_error_bot::session::{
    Command, Ctx, Entries, Event, Origin, Refusal, Reporter, Session, Start, Status, StepCount,
};
use spotify_error_bot::store::{
    self, Backend, Blame, GuildConfig, ReplyMode, Store, StoreError, UpdateError, apply_command,
    connect_postgres_with_schema, drop_postgres_schema, start_session, update_session,
};

// --- fixtures ------------------------------------------------------------------

const NET_1: &str = r#"
id = "net:1"
title = "Fixture network error"
severity = "error"
category = "network"
platforms = ["windows", "macos"]
messages = ["Fixture network error 1"]
cause_chain = ["App", "Network"]
causes = ["Something blocks the connection"]
escalate = "Contact support with the steps you tried."
sources = ["fixture"]

[[steps]]
title = "Check the internet"
text = "Open a website."
diagnostic = true

[[steps]]
title = "Restart the router"
text = "Unplug it for a minute."

[[steps]]
title = "Quit and reopen"
text = "Quit the app completely."
windows = "Use Task Manager."
macos = "Use Activity Monitor."
"#;

const AUTH_2: &str = r#"
id = "auth:2"
also = ["auth:22"]
title = "Fixture login error"
severity = "warn"
category = "auth"
platforms = ["windows", "macos", "linux"]
messages = ["Fixture login error 2"]
cause_chain = ["App", "Login"]
causes = ["The saved login is stale"]
escalate = "Reset your password."
sources = ["fixture"]

[[steps]]
title = "Log out and in"
text = "Log out, then log in."

[[steps]]
title = "Reset the password"
text = "Use the reset link."

[[steps]]
title = "Clear the cache"
text = "Delete the cache folder."
"#;

const AUTH_3: &str = r#"
id = "auth:3"
title = "Fixture third error"
severity = "info"
category = "auth"
platforms = ["any"]
messages = ["Fixture error 3"]
cause_chain = ["App", "Login"]
causes = ["Something else"]
escalate = "Ask a moderator."
sources = ["fixture"]

[[steps]]
title = "First"
text = "Do the first thing."

[[steps]]
title = "Second"
text = "Do the second thing."
"#;

fn entries() -> Vec<Entry> {
    [
        ("net-1.toml", NET_1),
        ("auth-2.toml", AUTH_2),
        ("auth-3.toml", AUTH_3),
    ]
    .into_iter()
    .map(|(file, src)| match parse_entry(Path::new(file), src) {
        Ok((e, _)) => e,
        Err(e) => panic!("fixture {file} does not load: {e}"),
    })
    .collect()
}

const T0: i64 = 1_700_000_000_000;
const GUILD_A: u64 = 900_000_000_000_000_001;
const GUILD_B: u64 = 900_000_000_000_000_002;
const ASKER: u64 = 4242;
const MOD: u64 = 7777;

fn start(
    thread_id: u64,
    guild: Option<u64>,
    candidates: &[&str],
    platform: Option<Platform>,
) -> Start {
    Start {
        thread_id,
        guild_id: guild,
        user_id: ASKER,
        origin: Origin::Slash,
        candidates: candidates.iter().map(|c| c.to_string()).collect(),
        platform,
        hold_back_heavy: false,
    }
}

async fn begin(
    s: &dyn Store,
    es: &dyn Entries,
    thread_id: u64,
    guild: Option<u64>,
    entry: &str,
    at: i64,
) -> Session {
    match start_session(s, es, start(thread_id, guild, &[entry], None), at).await {
        Ok(t) => t.session,
        Err(e) => panic!("start {thread_id}: {e}"),
    }
}

async fn run(s: &dyn Store, es: &dyn Entries, thread_id: u64, cmd: Command, at: i64) -> Session {
    match apply_command(s, es, thread_id, cmd.clone(), at).await {
        Ok(t) => t.session,
        Err(e) => panic!("{cmd:?} on {thread_id}: {e}"),
    }
}

fn mark(step: Option<usize>, message_id: Option<u64>) -> Command {
    Command::MarkSolution {
        by_moderator: MOD,
        step,
        message_id,
        note: None,
    }
}

// --- one database per test ------------------------------------------------------

enum Db {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        url: String,
        schema: String,
    },
}

impl Db {
    fn sqlite() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested").join("bot.sqlite");
        Db::Sqlite { _dir: dir, path }
    }

    fn postgres(test: &str) -> Option<Db> {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!("skipping PostgreSQL half: TEST_DATABASE_URL is unset");
            return None;
        };
        let name: String = test.chars().take(40).collect();
        let schema = format!("t_{name}_{:08x}", rand::thread_rng().r#gen::<u32>());
        Some(Db::Postgres { url, schema })
    }

    fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// A new store (a new pool) on this test's database.
    async fn open(&self) -> Arc<dyn Store> {
        match self {
            Db::Sqlite { path, .. } => {
                let url = format!("sqlite:{}", path.display());
                store::connect(Some(&url)).await.expect("open SQLite")
            }
            Db::Postgres { url, schema } => Arc::new(
                connect_postgres_with_schema(url, schema)
                    .await
                    .expect("PostgreSQL at TEST_DATABASE_URL must be reachable"),
            ),
        }
    }

    /// Runs raw SQL on this test's database, outside the store.
    async fn exec(&self, sql: &str) {
        use sqlx::Connection as _;
        match self {
            Db::Sqlite { path, .. } => {
                let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
                let mut c = sqlx::SqliteConnection::connect_with(&opts)
                    .await
                    .expect("raw SQLite");
                sqlx::raw_sql(sql).execute(&mut c).await.expect("raw SQL");
            }
            Db::Postgres { url, schema } => {
                let opts: sqlx::postgres::PgConnectOptions = url.parse().expect("url");
                let opts = opts.options([("search_path", schema.as_str())]);
                let mut c = sqlx::PgConnection::connect_with(&opts)
                    .await
                    .expect("raw PostgreSQL");
                sqlx::raw_sql(sql).execute(&mut c).await.expect("raw SQL");
            }
        }
    }

    async fn finish(self) {
        if let Db::Postgres { url, schema } = &self {
            drop_postgres_schema(url, schema)
                .await
                .expect("drop the test schema");
        }
    }
}

/// Runs each listed `async fn name(db: &Db)` once on SQLite and once on
/// PostgreSQL.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let db = super::Db::sqlite();
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(db) = super::Db::postgres(stringify!($name)) else {
                        return;
                    };
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

suite!(
    connects_migrates_and_answers,
    a_session_round_trips,
    ids_keep_all_64_bits,
    a_second_start_on_a_new_thread_conflicts,
    a_stale_save_conflicts_and_writes_nothing,
    a_stale_button_gets_a_refusal,
    commands_without_a_session_are_refused,
    starting_again_replaces_only_finished_sessions,
    events_are_logged_in_order_with_versions,
    step_stats_follow_the_events,
    rebuilding_step_stats_gives_the_live_counts,
    stored_stats_rank_the_next_session,
    solutions_are_recorded_and_retracted,
    guild_config_defaults_and_round_trip,
    stats_report_for_a_guild,
    the_sweep_expires_idle_sessions_only,
    the_answer_message_is_kept,
    a_failed_write_leaves_the_previous_state,
    fifty_tasks_on_one_session_lose_nothing,
    a_restart_continues_every_open_session,
    gaps_are_counted_listed_and_forgotten,
    feedback_is_decided_once_reviewed_and_forgotten,
    reports_count_people_and_outages_are_shared,
    incident_notes_are_per_guild_and_entry,
    reminders_and_closes_are_claimed_once_per_quiet_spell,
);

async fn feedback_is_decided_once_reviewed_and_forgotten(db: &Db) {
    use spotify_error_bot::store::{Feedback, FeedbackKind, Verdict};
    let s = db.open().await;
    let f = |message_id: u64, kind, at| Feedback {
        message_id,
        guild_id: Some(GUILD_A),
        channel_id: 5,
        user_id: ASKER,
        kind,
        entry: "accesspoint:17".into(),
        candidates: vec!["accesspoint:17".into(), "error:30".into()],
        confidence: 57,
        text: Some(format!("error 17 again ({message_id})")),
        reply_channel: None,
        reply_id: None,
        session_key: None,
        verdict: Verdict::Pending,
        at,
        decided_at: None,
    };
    assert!(
        s.record_feedback(&f(u64::MAX, FeedbackKind::Guess, T0))
            .await
            .unwrap()
    );
    assert!(
        !s.record_feedback(&f(u64::MAX, FeedbackKind::Guess, T0))
            .await
            .unwrap(),
        "once per message"
    );
    s.record_feedback(&f(2, FeedbackKind::Answer, T0 + 1))
        .await
        .unwrap();
    s.set_feedback_reply(2, 5, 99, Some(777)).await.unwrap();
    let got = s.feedback(u64::MAX).await.unwrap().unwrap();
    assert_eq!(
        got,
        f(u64::MAX, FeedbackKind::Guess, T0),
        "round trip, all 64 bits"
    );
    assert_eq!(
        s.feedback_for_session(777)
            .await
            .unwrap()
            .unwrap()
            .message_id,
        2
    );

    // Only one of two racing decisions wins.
    assert_eq!(s.pending_guesses(T0 + 10, 10).await.unwrap().len(), 1);
    assert!(
        s.decide_feedback(u64::MAX, Verdict::Pending, Verdict::Expired, T0 + 5)
            .await
            .unwrap()
    );
    assert!(
        !s.decide_feedback(u64::MAX, Verdict::Pending, Verdict::Confirmed, T0 + 6)
            .await
            .unwrap()
    );
    assert!(s.pending_guesses(T0 + 10, 10).await.unwrap().is_empty());
    // A pending answer is not for review; a wrong one is.
    assert_eq!(s.review(Some(GUILD_A), 10).await.unwrap().len(), 1);
    s.decide_feedback(2, Verdict::Pending, Verdict::Wrong, T0 + 7)
        .await
        .unwrap();
    let review = s.review(Some(GUILD_A), 10).await.unwrap();
    assert_eq!(
        review.iter().map(|f| f.message_id).collect::<Vec<_>>(),
        vec![2, u64::MAX],
        "newest first"
    );
    assert!(
        s.review(Some(GUILD_B), 10).await.unwrap().is_empty(),
        "per guild"
    );
    let lines: Vec<_> = s
        .decided_feedback(0)
        .await
        .unwrap()
        .iter()
        .filter_map(Feedback::corpus_line)
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["kind"], "false-positive");

    // Deleting the message forgets its text; old texts are pruned.
    s.forget_message(2).await.unwrap();
    assert_eq!(s.feedback(2).await.unwrap().unwrap().text, None);
    s.prune_gap_texts(T0 + 100).await.unwrap();
    assert_eq!(s.feedback(u64::MAX).await.unwrap().unwrap().text, None);
    assert!(
        s.decided_feedback(0)
            .await
            .unwrap()
            .iter()
            .all(|f| f.corpus_line().is_none())
    );
}

async fn reports_count_people_and_outages_are_shared(db: &Db) {
    use spotify_error_bot::outage::Outage;
    let s = db.open().await;
    for (guild, user, at) in [
        (Some(1), 10, T0),
        (Some(1), 10, T0 + 1),
        (Some(2), 11, T0 + 2),
        (None, 12, T0 + 3),
    ] {
        s.record_report("accesspoint:17", guild, user, at)
            .await
            .unwrap();
    }
    s.record_report("error:30", Some(1), 10, T0).await.unwrap();
    let w = s.report_window("accesspoint:17", T0).await.unwrap();
    assert_eq!((w.reports, w.users, w.guilds), (4, 3, 2));
    assert_eq!(
        s.report_total("accesspoint:17", T0 + 1, T0 + 3)
            .await
            .unwrap(),
        2
    );
    assert_eq!(s.prune_reports(T0 + 2).await.unwrap(), 3);
    assert_eq!(
        s.report_window("accesspoint:17", 0).await.unwrap().reports,
        2
    );

    let o = Outage {
        entry: "accesspoint:17".into(),
        started_at: T0,
        last_spike_at: T0,
        peak_reports: 9,
        peak_guilds: 4,
    };
    s.save_outage(&o).await.unwrap();
    // Another process sees it, and extends it.
    let other = db.open().await;
    assert_eq!(other.outages().await.unwrap(), vec![o.clone()]);
    other
        .save_outage(&Outage {
            last_spike_at: T0 + 60_000,
            peak_reports: 12,
            ..o.clone()
        })
        .await
        .unwrap();
    let now = s.outages().await.unwrap();
    assert_eq!(
        (now[0].started_at, now[0].last_spike_at, now[0].peak_reports),
        (T0, T0 + 60_000, 12)
    );
    s.clear_outage("accesspoint:17").await.unwrap();
    assert!(other.outages().await.unwrap().is_empty());
}

async fn incident_notes_are_per_guild_and_entry(db: &Db) {
    use spotify_error_bot::store::{ANY_ENTRY, Incident};
    let s = db.open().await;
    let note = |entry: &str, text: &str| Incident {
        guild_id: GUILD_A,
        entry: entry.into(),
        note: text.into(),
        by: MOD,
        at: T0,
    };
    s.set_incident(&note(ANY_ENTRY, "login outage"))
        .await
        .unwrap();
    s.set_incident(&note("auth:1", "first")).await.unwrap();
    s.set_incident(&note("auth:1", "replaced")).await.unwrap();
    let list = s.incidents(GUILD_A).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|i| (i.entry.as_str(), i.note.as_str()))
            .collect::<Vec<_>>(),
        vec![("*", "login outage"), ("auth:1", "replaced")]
    );
    assert!(s.incidents(GUILD_B).await.unwrap().is_empty());
    assert!(s.clear_incident(GUILD_A, "auth:1").await.unwrap());
    assert!(!s.clear_incident(GUILD_A, "auth:1").await.unwrap());
    assert_eq!(s.incidents(GUILD_A).await.unwrap().len(), 1);
}

async fn reminders_and_closes_are_claimed_once_per_quiet_spell(db: &Db) {
    let s = db.open().await;
    let other = db.open().await;
    let thread = u64::MAX - 1;
    assert_eq!(s.thread_marks(thread).await.unwrap().reminded_at, None);
    assert!(s.claim_welcome(thread, T0).await.unwrap());
    assert!(
        !other.claim_welcome(thread, T0 + 1).await.unwrap(),
        "welcomed once"
    );
    // Quiet since T0: one reminder, whoever claims first.
    assert!(s.claim_reminder(thread, T0, T0 + 10).await.unwrap());
    assert!(!other.claim_reminder(thread, T0, T0 + 11).await.unwrap());
    assert_eq!(
        other.thread_marks(thread).await.unwrap().reminded_at,
        Some(T0 + 10)
    );
    // The asker spoke at T0 + 20: a new spell, a new reminder.
    assert!(
        other
            .claim_reminder(thread, T0 + 20, T0 + 30)
            .await
            .unwrap()
    );
    assert!(s.claim_close(thread, T0 + 20, T0 + 40).await.unwrap());
    assert!(
        !other.claim_close(thread, T0 + 20, T0 + 41).await.unwrap(),
        "closed once"
    );
    // Without any reminder, a thread can still be closed (reminders off).
    assert!(s.claim_close(7, T0, T0 + 50).await.unwrap());
}

async fn gaps_are_counted_listed_and_forgotten(db: &Db) {
    use spotify_error_bot::gaps::{Gap, GapKind};
    use spotify_error_bot::store::{GapSighting, GapStatus};
    let s = db.open().await;
    let gap = Gap {
        key: "code:auth:74".into(),
        kind: GapKind::Code,
        label: "auth:74".into(),
    };
    for (i, guild) in [
        (1u64, 10u64),
        (2, 10),
        (3, 11),
        (4, 12),
        (5, 12),
        (6, 12),
        (7, 13),
    ] {
        s.record_gap(&GapSighting {
            gap: &gap,
            guild_id: Some(guild),
            channel_id: 100 + i,
            message_id: u64::MAX - i,
            text: Some("Login failed (Error code: auth:74)"),
            at: 1_000 + i as i64,
        })
        .await
        .unwrap();
    }
    let other = Gap {
        key: "code:accesspoint:99".into(),
        kind: GapKind::Code,
        label: "accesspoint:99".into(),
    };
    s.record_gap(&GapSighting {
        gap: &other,
        guild_id: None,
        channel_id: 5,
        message_id: 6,
        text: None,
        at: 2_000,
    })
    .await
    .unwrap();
    let list = s.gaps(0, 10).await.unwrap();
    assert_eq!(list.len(), 2);
    let g = &list[0];
    assert_eq!((g.key.as_str(), g.seen, g.guilds), ("code:auth:74", 7, 4));
    assert_eq!(g.examples.len(), 5, "at most five examples");
    assert_eq!((g.first_seen, g.last_seen), (1_001, 1_007));
    assert_eq!(
        s.gap_for_channel(103).await.unwrap().as_deref(),
        Some("code:auth:74")
    );

    // Deleting a message forgets its text, and nothing else.
    assert_eq!(s.forget_message(u64::MAX - 1).await.unwrap(), 1);
    let g = s.gap("code:auth:74").await.unwrap().unwrap();
    let forgotten = g
        .examples
        .iter()
        .find(|e| e.message_id == u64::MAX - 1)
        .unwrap();
    assert_eq!(forgotten.text, None);
    assert_eq!(g.seen, 7);

    s.set_gap_solution("code:auth:74", "sign out everywhere", "https://x/1")
        .await
        .unwrap();
    assert!(
        s.set_gap_status("code:accesspoint:99", GapStatus::Dismissed)
            .await
            .unwrap()
    );
    let list = s.gaps(0, 10).await.unwrap();
    assert_eq!(list.len(), 1, "dismissed gaps leave the list");
    assert_eq!(list[0].solution.as_deref(), Some("sign out everywhere"));
    assert_eq!(s.prune_gap_texts(i64::MAX).await.unwrap(), 4);
}

// --- the suite --------------------------------------------------------------------

async fn connects_migrates_and_answers(db: &Db) {
    let s = db.open().await;
    s.ping().await.expect("ping");
    assert_eq!(s.backend(), db.backend());
    // Opening again runs the migrations again: nothing to do, no error.
    let again = db.open().await;
    again.ping().await.expect("ping");
    assert!(s.load_session(1).await.expect("load").is_none());
}

async fn a_session_round_trips(db: &Db) {
    let s = db.open().await;
    let es = entries();
    let t = start_session(
        &*s,
        &es,
        start(10, Some(GUILD_A), &["net:1"], Some(Platform::Macos)),
        T0,
    )
    .await
    .expect("start");
    assert_eq!(t.session.version, 1);
    let loaded = s.load_session(10).await.expect("load").expect("some");
    assert_eq!(loaded, t.session);
    run(&*s, &es, 10, Command::Next { at: 0 }, T0 + 1).await;
    let after = run(&*s, &es, 10, Command::Fixed { at: 1 }, T0 + 2).await;
    assert_eq!(after.version, 3);
    let loaded = s.load_session(10).await.expect("load").expect("some");
    assert_eq!(loaded, after);
    assert_eq!(loaded.status, Status::Solved);
    assert_eq!(loaded.attempts.len(), 2);
    assert_eq!(loaded.platform, Some(Platform::Macos));
    assert_eq!(loaded.updated_at, T0 + 2);
    assert_eq!(loaded.created_at, T0);
}

async fn ids_keep_all_64_bits(db: &Db) {
    let s = db.open().await;
    let es = entries();
    let thread = u64::MAX - 5;
    let guild = u64::MAX - 1;
    begin(&*s, &es, thread, Some(guild), "auth:2", T0).await;
    let t = run(&*s, &es, thread, mark(Some(1), Some(u64::MAX)), T0 + 1).await;
    let loaded = s.load_session(thread).await.expect("load").expect("some");
    assert_eq!(loaded, t);
    assert_eq!(loaded.guild_id, Some(guild));
    let sols = s
        .solutions_for_entry("auth:2", 10)
        .await
        .expect("solutions");
    assert_eq!(sols[0].thread_id, thread);
    assert_eq!(sols[0].message_id, Some(u64::MAX));
    assert_eq!(sols[0].by, Reporter::Moderator(MOD));
    let report = s.stats(Some(guild), T0 - 1).await.expect("stats");
    assert_eq!(report.top_errors.len(), 1);
}

async fn a_second_start_on_a_new_thread_conflicts(db: &Db) {
    let s = db.open().await;
    let es = entries();
    let a = Session::start(start(11, None, &["auth:2"], None), &Ctx::new(&es), T0).expect("a");
    let b = Session::start(start(11, None, &["auth:3"], None), &Ctx::new(&es), T0).expect("b");
    s.save_session(&a.session, &a.events)
        .await
        .expect("first insert");
    let err = s.save_session(&b.session, &b.events).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { thread_id: 11 }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.blame(), Blame::Transient);
    assert_eq!(s.events(11).await.expect("events").len(), 1);
    let loaded = s.load_session(11).await.expect("load").expect("some");
    assert_eq!(loaded.entry.as_deref(), Some("auth:2"));
}

async fn a_stale_save_conflicts_and_writes_nothing(db: &Db) {
    let s = db.open().await;
    let es = entries();
    let v1 = begin(&*s, &es, 12, None, "auth:2", T0).await;
    let ctx = Ctx::new(&es);
    let next = v1
        .apply(Command::Next { at: 0 }, &ctx, T0 + 1)
        .expect("next");
    assert_eq!(
        s.save_session(&next.session, &next.events)
            .await
            .expect("save"),
        2
    );
    // A second writer computed from v1 too.
    let fixed = v1
        .apply(Command::Fixed { at: 0 }, &ctx, T0 + 2)
        .expect("fixed");
    let err = s
        .save_session(&fixed.session, &fixed.events)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    let loaded = s.load_session(12).await.expect("load").expect("some");
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.status, Status::Open);
    assert_eq!(s.events(12).await.expect("events").len(), 2);
    let stats = s.step_stats("auth:2", Platform::Any).await.expect("stats");
    assert_eq!(
        stats.get(0),
        StepCount {
            tried: 1,
            solved: 0,
            moderator_solved: 0
        }
    );
    assert!(
        s.solutions_for_entry("auth:2", 10)
            .await
            .expect("sol")
            .is_empty()
    );
}

async fn a_stale_button_gets_a_refusal(db: &Db) {
    let s = db.open().await;
    let es = entries();
    begin(&*s, &es, 13, None, "auth:2", T0).await;
    // Two presses of the same "didn't work" button at once: one moves the
    // session on, the other is told its card is out of date.
    let (a, b) = tokio::join!(
        apply_command(&*s, &es, 13, Command::Next { at: 0 }, T0 + 1),
        apply_command(&*s, &es, 13, Command::Next { at: 0 }, T0 + 1),
    );
    let results = [a, b];
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(
        r,
        Err(UpdateError::Refused(Refusal::StaleStep {
            current: 1,
            pressed: 0
        }))
    )));
    let loaded = s.load_session(13).await.expect("load").expect("some");
    assert_eq!((loaded.position, loaded.version), (1, 2));
}

async fn commands_without_a_session_are_refused(db: &Db) {
    let s = db.open().await;
    let es = entries();
    let r = apply_command(&*s, &es, 14, Command::Next { at: 0 }, T0).await;
    assert!(
        matches!(r, Err(UpdateError::Refused(Refusal::NoSession))),
        "{r:?}"
    );
    let r = store::attach_answer(&*s, 14, 5).await;
    assert!(
        matches!(r, Err(UpdateError::Refused(Refusal::NoSession))),
        "{r:?}"
    );
    assert!(s.events(14).await.expect("events").is_empty());
}

async fn starting_again_replaces_only_finished_sessions(db: &Db) {
    let s = db.open().await;
    let es = entries();
    begin(&*s, &es, 15, Some(GUILD_A), "auth:2", T0).await;
    let r = start_session(
        &*s,
        &es,
        start(15, Some(GUILD_A), &["auth:3"], None),
        T0 + 1,
    )
    .await;
    assert!(
        matches!(
            r,
            Err(UpdateError::Refused(Refusal::AlreadyStarted {
                status: Status::Open
            }))
        ),
        "{r:?}"
    );
    run(&*s, &es, 15, Command::Fixed { at: 0 }, T0 + 2).await;
    let t = start_session(
        &*s,
        &es,
        start(15, Some(GUILD_A), &["auth:3"], None),
        T0 + 3,
    )
    .await
    .expect("start over");
    assert_eq!(t.session.version, 3);
    assert_eq!(t.session.entry.as_deref(), Some("auth:3"));
    assert_eq!(t.session.created_at, T0 + 3);
    let kinds: Vec<&str> = s
        .events(15)
        .await
        .expect("events")
        .iter()
        .map(|e| e.event.kind())
        .collect();
    assert_eq!(kinds, ["started", "step_tried", "solved", "started"]);
}

async fn events_are_logged_in_order_with_versions(db: &Db) {
    let s = db.open().await;
    let es = entries();
    let t = start_session(
        &*s,
        &es,
        start(16, Some(GUILD_A), &["auth:2", "net:1"], None),
        T0,
    )
    .await
    .expect("start");
    assert!(t.session.awaiting_entry());
    run(&*s, &es, 16, Command::PickEntry("net:1".into()), T0 + 1).await;
    run(
        &*s,
        &es,
        16,
        Command::ChoosePlatform(Platform::Windows),
        T0 + 2,
    )
    .await;
    run(&*s, &es, 16, Command::Next { at: 0 }, T0 + 3).await;
    run(&*s, &es, 16, Command::Back { at: 1 }, T0 + 4).await;
    run(&*s, &es, 16, Command::Switch("auth:22".into()), T0 + 5).await;
    run(&*s, &es, 16, Command::Abandon, T0 + 6).await;
    run(&*s, &es, 16, Command::Reopen, T0 + 7).await;
    let log = s.events(16).await.expect("events");
    let kinds: Vec<&str> = log.iter().map(|e| e.event.kind()).collect();
    assert_eq!(
        kinds,
        [
            "started",
            "entry_picked",
            "platform_chosen",
            "step_tried",
            "back",
            "switched",
            "abandoned",
            "reopened"
        ]
    );
    let versions: Vec<i64> = log.iter().map(|e| e.version).collect();
    assert_eq!(versions, (1..=8).collect::<Vec<_>>());
    let times: Vec<i64> = log.iter().map(|e| e.at).collect();
    assert_eq!(times, (0..8).map(|i| T0 + i).collect::<Vec<_>>());
    assert!(log.windows(2).all(|w| w[0].id < w[1].id));
    assert!(matches!(
        &log[5].event,
        Event::Switched { from: Some(f), to, .. } if f == "net:1" && to == "auth:2"
    ));
}

async fn step_stats_follow_the_events(db: &Db) {
    let s = db.open().await;
    let es = entries();
    // Thread 20: step 0 fails, step 1 fixes it (Windows).
    s.save_session(
        &Session::start(
            start(20, None, &["net:1"], Some(Platform::Windows)),
            &Ctx::new(&es),
            T0,
        )
        .expect("start")
        .session,
        &[],
    )
    .await
    .expect("save");
    run(&*s, &es, 20, Command::Next { at: 0 }, T0 + 1).await;
    run(&*s, &es, 20, Command::Fixed { at: 1 }, T0 + 2).await;
    // Thread 21: a moderator marks step 2 on macOS.
    start_session(
        &*s,
        &es,
        start(21, None, &["net:1"], Some(Platform::Macos)),
        T0,
    )
    .await
    .expect("start");
    run(&*s, &es, 21, mark(Some(2), None), T0 + 3).await;
    // Thread 22: Windows, back and forth on step 0, then a fix that is
    // taken back when the problem returns.
    start_session(
        &*s,
        &es,
        start(22, None, &["net:1"], Some(Platform::Windows)),
        T0,
    )
    .await
    .expect("start");
    run(&*s, &es, 22, Command::Next { at: 0 }, T0 + 1).await;
    run(&*s, &es, 22, Command::Back { at: 1 }, T0 + 2).await;
    run(&*s, &es, 22, Command::Next { at: 0 }, T0 + 3).await;
    run(&*s, &es, 22, Command::Fixed { at: 1 }, T0 + 4).await;
    run(&*s, &es, 22, Command::Reopen, T0 + 5).await;

    let win = s.step_stats("net:1", Platform::Windows).await.expect("win");
    assert_eq!(
        win.get(0),
        StepCount {
            tried: 2,
            solved: 0,
            moderator_solved: 0
        }
    );
    assert_eq!(
        win.get(1),
        StepCount {
            tried: 2,
            solved: 1,
            moderator_solved: 0
        }
    );
    assert_eq!(win.success_record(1), (1, 2));
    let mac = s.step_stats("net:1", Platform::Macos).await.expect("mac");
    assert_eq!(
        mac.get(2),
        StepCount {
            tried: 0,
            solved: 0,
            moderator_solved: 1
        }
    );
    assert!(
        s.step_stats("net:1", Platform::Any)
            .await
            .expect("any")
            .steps
            .is_empty()
    );
}

async fn rebuilding_step_stats_gives_the_live_counts(db: &Db) {
    let s = db.open().await;
    let es = entries();
    for (i, entry) in ["auth:2", "auth:2", "auth:3", "net:1"]
        .into_iter()
        .enumerate()
    {
        let thread = 30 + i as u64;
        begin(&*s, &es, thread, None, entry, T0).await;
        if entry == "net:1" {
            run(
                &*s,
                &es,
                thread,
                Command::ChoosePlatform(Platform::Macos),
                T0 + 1,
            )
            .await;
        }
        run(&*s, &es, thread, Command::Next { at: 0 }, T0 + 2).await;
        run(&*s, &es, thread, Command::Fixed { at: 1 }, T0 + 3).await;
        if i % 2 == 0 {
            run(&*s, &es, thread, mark(Some(0), None), T0 + 4).await;
        }
    }
    let keys = [
        ("auth:2", Platform::Any),
        ("auth:3", Platform::Any),
        ("net:1", Platform::Macos),
    ];
    let mut live = Vec::new();
    for (e, p) in keys {
        live.push(s.step_stats(e, p).await.expect("stats"));
    }
    assert!(live.iter().all(|l| !l.steps.is_empty()));
    let rows = s.rebuild_step_stats().await.expect("rebuild");
    assert!(rows >= 5, "{rows}");
    for ((e, p), before) in keys.into_iter().zip(live) {
        assert_eq!(
            s.step_stats(e, p).await.expect("stats"),
            before,
            "{e} {p:?}"
        );
    }
}

async fn stored_stats_rank_the_next_session(db: &Db) {
    let s = db.open().await;
    let es = entries();
    // Twenty people: whatever order they are offered, only step 2 fixes it.
    // The first ones see the catalogue order; once enough have reported,
    // step 2 is offered first.
    let mut first_offered = Vec::new();
    for t in 0..20 {
        let thread = 100 + t;
        let mut cur = begin(&*s, &es, thread, None, "auth:2", T0).await;
        first_offered.push(cur.order[0]);
        while cur.status == Status::Open {
            let at = cur.position;
            let cmd = if cur.current_step() == Some(2) {
                Command::Fixed { at }
            } else {
                Command::Next { at }
            };
            cur = run(&*s, &es, thread, cmd, T0 + 1).await;
        }
        assert_eq!(cur.status, Status::Solved);
    }
    assert_eq!(first_offered[0], 0);
    assert_eq!(first_offered[19], 2, "{first_offered:?}");
    let fresh = begin(&*s, &es, 200, None, "auth:2", T0 + 10).await;
    assert_eq!(fresh.order[0], 2, "{:?}", fresh.order);
    assert_eq!(fresh.current_step(), Some(2));
    let stats = s.step_stats("auth:2", Platform::Any).await.expect("stats");
    assert_eq!(stats.success_record(2), (20, 20));
}

async fn solutions_are_recorded_and_retracted(db: &Db) {
    let s = db.open().await;
    let es = entries();
    begin(&*s, &es, 40, Some(GUILD_A), "auth:2", T0).await;
    run(&*s, &es, 40, Command::Fixed { at: 0 }, T0 + 1).await;
    let sols = s.solutions_for_entry("auth:2", 10).await.expect("sol");
    assert_eq!(sols.len(), 1);
    assert_eq!((sols[0].by, sols[0].step), (Reporter::Asker, Some(0)));
    // A moderator points at a community fix instead.
    run(
        &*s,
        &es,
        40,
        Command::MarkSolution {
            by_moderator: MOD,
            step: None,
            message_id: Some(555),
            note: Some("disable the VPN".into()),
        },
        T0 + 2,
    )
    .await;
    let sols = s.solutions_for_entry("auth:2", 10).await.expect("sol");
    assert_eq!(sols.len(), 1, "the asker's solution was replaced");
    assert_eq!(sols[0].message_id, Some(555));
    assert_eq!(sols[0].note.as_deref(), Some("disable the VPN"));
    assert_eq!(sols[0].guild_id, Some(GUILD_A));
    assert_eq!(sols[0].at, T0 + 2);
    run(&*s, &es, 40, Command::Reopen, T0 + 3).await;
    assert!(
        s.solutions_for_entry("auth:2", 10)
            .await
            .expect("sol")
            .is_empty()
    );
}

async fn guild_config_defaults_and_round_trip(db: &Db) {
    let s = db.open().await;
    let c = s.guild_config(GUILD_A).await.expect("config");
    assert_eq!(c, GuildConfig::defaults(GUILD_A));
    assert_eq!(c.solved_tag.as_deref(), Some("Solved"));
    let mut c = c;
    c.enabled_channels.extend([1, u64::MAX]);
    c.moderator_roles.insert(77);
    c.reply_mode = ReplyMode::Reaction;
    c.user_cooldown_secs = 120;
    c.channel_cooldown_secs = 5;
    c.solved_tag = None;
    c.lock_on_solve = true;
    s.save_guild_config(&c).await.expect("save");
    assert_eq!(s.guild_config(GUILD_A).await.expect("config"), c);
    c.reply_mode = ReplyMode::Reply;
    s.save_guild_config(&c).await.expect("save again");
    assert_eq!(s.guild_config(GUILD_A).await.expect("config"), c);
    assert_eq!(
        s.guild_config(GUILD_B).await.expect("other"),
        GuildConfig::defaults(GUILD_B)
    );
    assert!(c.listens_in(5, Some(u64::MAX)));
    assert!(!c.listens_in(5, None));
}

async fn stats_report_for_a_guild(db: &Db) {
    let s = db.open().await;
    let es = entries();
    let now = T0 + 1_000_000;
    let since = now - 10_000;
    // An old session, before the window, still open.
    begin(&*s, &es, 50, Some(GUILD_A), "auth:3", T0).await;
    // This week in guild A.
    begin(&*s, &es, 51, Some(GUILD_A), "auth:2", now).await;
    run(&*s, &es, 51, Command::Fixed { at: 0 }, now + 1).await;
    begin(&*s, &es, 52, Some(GUILD_A), "auth:2", now + 2).await;
    let net = start(53, Some(GUILD_A), &["net:1"], Some(Platform::Windows));
    start_session(&*s, &es, net, now + 3).await.expect("start");
    run(&*s, &es, 53, Command::Next { at: 0 }, now + 4).await;
    run(&*s, &es, 53, Command::Next { at: 1 }, now + 5).await;
    run(&*s, &es, 53, Command::Next { at: 2 }, now + 6).await;
    begin(&*s, &es, 54, Some(GUILD_A), "auth:3", now + 7).await;
    run(&*s, &es, 54, mark(Some(1), None), now + 8).await;
    // Guild B and a DM.
    begin(&*s, &es, 55, Some(GUILD_B), "net:1", now).await;
    begin(&*s, &es, 56, None, "net:1", now).await;

    let r = s.stats(Some(GUILD_A), since).await.expect("stats");
    assert_eq!(r.since, since);
    let top: Vec<(&str, u64)> = r
        .top_errors
        .iter()
        .map(|t| (t.entry.as_str(), t.sessions))
        .collect();
    assert_eq!(top, [("auth:2", 2), ("auth:3", 1), ("net:1", 1)]);
    let res: Vec<(&str, u64, u64)> = r
        .resolution
        .iter()
        .map(|x| (x.entry.as_str(), x.solved, x.total))
        .collect();
    assert_eq!(res, [("auth:2", 1, 2), ("auth:3", 1, 1), ("net:1", 0, 1)]);
    let best: Vec<(&str, usize, u64, u64)> = r
        .best_steps
        .iter()
        .map(|b| (b.entry.as_str(), b.step, b.solved, b.tried))
        .collect();
    assert_eq!(best, [("auth:3", 1, 1, 0), ("auth:2", 0, 1, 1)]);
    let waiting: Vec<(u64, Status)> = r.waiting.iter().map(|w| (w.thread_id, w.status)).collect();
    assert_eq!(
        waiting,
        [
            (50, Status::Open),
            (52, Status::Open),
            (53, Status::Escalated)
        ]
    );
    assert_eq!(r.waiting[0].entry.as_deref(), Some("auth:3"));

    let all = s.stats(None, since).await.expect("stats");
    assert_eq!(all.top_errors[0].entry, "net:1");
    assert_eq!(all.top_errors[0].sessions, 3);
    assert_eq!(all.waiting.len(), 5);
}

async fn the_sweep_expires_idle_sessions_only(db: &Db) {
    let s = db.open().await;
    let es = entries();
    begin(&*s, &es, 60, None, "auth:2", T0).await; // idle, open
    begin(&*s, &es, 61, None, "auth:2", T0 + 50).await; // recent
    begin(&*s, &es, 62, None, "auth:2", T0).await;
    run(&*s, &es, 62, Command::Fixed { at: 0 }, T0).await; // solved
    begin(&*s, &es, 63, None, "auth:3", T0).await;
    run(&*s, &es, 63, Command::Next { at: 0 }, T0).await;
    run(&*s, &es, 63, Command::Next { at: 1 }, T0).await; // escalated, idle
    let n = s.expire_idle(100, T0 + 120).await.expect("sweep");
    assert_eq!(n, 2);
    let status = |t: u64| {
        let s = s.clone();
        async move { s.load_session(t).await.expect("load").expect("kept").status }
    };
    assert_eq!(status(60).await, Status::Expired);
    assert_eq!(status(61).await, Status::Open);
    assert_eq!(status(62).await, Status::Solved);
    assert_eq!(status(63).await, Status::Expired);
    let last = s.events(63).await.expect("events").pop().expect("event");
    assert_eq!(
        last.event,
        Event::Expired {
            from: Status::Escalated
        }
    );
    assert_eq!(last.at, T0 + 120);
    assert_eq!(s.expire_idle(100, T0 + 120).await.expect("sweep"), 0);
    assert_eq!(s.expire_idle(100, T0 + 200).await.expect("sweep"), 1);
    let open = s.open_sessions().await.expect("open");
    assert!(open.is_empty(), "{open:?}");
}

async fn the_answer_message_is_kept(db: &Db) {
    let s = db.open().await;
    let es = entries();
    begin(&*s, &es, 70, None, "auth:2", T0).await;
    let t = store::attach_answer(&*s, 70, 123_456)
        .await
        .expect("attach");
    assert_eq!(t.session.version, 2);
    let loaded = s.load_session(70).await.expect("load").expect("some");
    assert_eq!(loaded.answer_message_id, Some(123_456));
    assert_eq!(
        loaded.updated_at, T0,
        "attaching does not reset the idle clock"
    );
    assert_eq!(s.events(70).await.expect("events").len(), 1);
}

/// A write that fails after the session row was updated (here: a trigger
/// rejects the step-statistics update) leaves the previous state whole:
/// no new version, no event, no solution.
async fn a_failed_write_leaves_the_previous_state(db: &Db) {
    let s = db.open().await;
    let es = entries();
    begin(&*s, &es, 80, None, "auth:3", T0).await;
    match db {
        Db::Sqlite { .. } => {
            db.exec(
                "CREATE TRIGGER fail_stats BEFORE INSERT ON step_stats WHEN NEW.entry = 'auth:3' \
                 BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
            )
            .await
        }
        Db::Postgres { .. } => {
            db.exec(
                "CREATE FUNCTION fail_stats() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.entry = 'auth:3' THEN RAISE EXCEPTION 'simulated crash'; END IF; \
                 RETURN NEW; END $$; \
                 CREATE TRIGGER fail_stats BEFORE INSERT ON step_stats \
                 FOR EACH ROW EXECUTE FUNCTION fail_stats();",
            )
            .await
        }
    }
    let r = apply_command(&*s, &es, 80, Command::Fixed { at: 0 }, T0 + 1).await;
    assert!(matches!(r, Err(UpdateError::Store(_))), "{r:?}");
    let loaded = s.load_session(80).await.expect("load").expect("some");
    assert_eq!((loaded.version, loaded.status), (1, Status::Open));
    assert_eq!(s.events(80).await.expect("events").len(), 1);
    assert!(
        s.solutions_for_entry("auth:3", 5)
            .await
            .expect("sol")
            .is_empty()
    );
    // The next start (a new pool) continues from there.
    match db {
        Db::Sqlite { .. } => db.exec("DROP TRIGGER fail_stats;").await,
        Db::Postgres { .. } => {
            db.exec("DROP TRIGGER fail_stats ON step_stats; DROP FUNCTION fail_stats();")
                .await
        }
    }
    let s = db.open().await;
    let after = run(&*s, &es, 80, Command::Fixed { at: 0 }, T0 + 2).await;
    assert_eq!((after.version, after.status), (2, Status::Solved));
}

/// 50 tasks on two pools press buttons on one thread at once: fresh-state
/// presses (always valid) and random, often stale, ones. Every accepted press is in the log exactly
/// once, in version order, and the final state is consistent with the log.
async fn fifty_tasks_on_one_session_lose_nothing(db: &Db) {
    const TASKS: u64 = 50;
    const FRESH: u64 = 4;
    const RANDOM: u64 = 2;
    // Two pools on one database, as two bot processes would be.
    let s = db.open().await;
    let other = db.open().await;
    let es = Arc::new(entries());
    let thread = 90;
    begin(&*s, &es, thread, Some(GUILD_A), "auth:2", T0).await;
    let accepted = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let pool = if task % 2 == 0 { &s } else { &other };
        let (s, es, accepted) = (pool.clone(), es.clone(), accepted.clone());
        handles.push(tokio::spawn(async move {
            let ctx_entries = es.clone();
            for i in 0..FRESH {
                let now = T0 + (task * 100 + i) as i64;
                let t = update_session(&*s, thread, |cur| {
                    let cur = cur.ok_or(Refusal::NoSession)?;
                    let cmd = match (cur.status, cur.position) {
                        (Status::Open, 0) => Command::Next { at: 0 },
                        (_, p) => Command::Back { at: p },
                    };
                    cur.apply(cmd, &Ctx::new(&*ctx_entries), now)
                })
                .await;
                match t {
                    Ok(_) => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => panic!("task {task}: a valid press failed: {e}"),
                }
            }
            for i in 0..RANDOM {
                let at = rand::thread_rng().gen_range(0..=3);
                let cmd = if rand::thread_rng().r#gen::<bool>() {
                    Command::Next { at }
                } else {
                    Command::Back { at }
                };
                let now = T0 + (task * 100 + 50 + i) as i64;
                match apply_command(&*s, &*es, thread, cmd, now).await {
                    Ok(_) => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(UpdateError::Refused(
                        Refusal::StaleStep { .. }
                        | Refusal::NoPreviousStep
                        | Refusal::AlreadyEscalated,
                    )) => {}
                    Err(e) => panic!("task {task}: unexpected {e}"),
                }
            }
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    let accepted = accepted.load(Ordering::SeqCst);
    assert!(accepted >= TASKS * FRESH);
    let final_state = s.load_session(thread).await.expect("load").expect("some");
    let log = s.events(thread).await.expect("events");
    assert_eq!(final_state.version as u64, 1 + accepted);
    // Each accepted press produced its events under its own version.
    let mut versions: Vec<i64> = log.iter().map(|e| e.version).collect();
    versions.dedup();
    assert_eq!(versions, (1..=final_state.version).collect::<Vec<_>>());
    // The state agrees with the log.
    let tried = log
        .iter()
        .filter(|e| matches!(e.event, Event::StepTried { .. }))
        .count();
    assert_eq!(final_state.attempts.len(), tried);
    let escalations = log
        .iter()
        .filter(|e| matches!(e.event, Event::Escalated { .. }))
        .count();
    let from_esc = log
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::Back {
                    from_escalation: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        final_state.status == Status::Escalated,
        escalations == from_esc + 1
    );
    assert!(final_state.position <= final_state.order.len());
    if final_state.status == Status::Open {
        assert!(final_state.position < final_state.order.len());
    }
    // Replaying the positions from the log ends where the state is.
    let mut pos = 0usize;
    for e in &log {
        match &e.event {
            Event::StepTried { position, .. } => {
                assert_eq!(*position, pos);
                pos += 1;
            }
            Event::Back { from, to, .. } => {
                assert_eq!(*from, pos);
                pos = *to;
            }
            _ => {}
        }
    }
    assert_eq!(pos, final_state.position);
    let stats = s.step_stats("auth:2", Platform::Any).await.expect("stats");
    let first_tries = log
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::StepTried {
                    first_try: true,
                    ..
                }
            )
        })
        .count() as u64;
    let counted: u64 = stats.steps.values().map(|c| c.tried).sum();
    assert_eq!(counted, first_tries);
}

async fn a_restart_continues_every_open_session(db: &Db) {
    let es = entries();
    let before;
    {
        let s = db.open().await;
        for t in 0..10u64 {
            let thread = 300 + t;
            begin(&*s, &es, thread, Some(GUILD_B), "auth:2", T0 + t as i64).await;
            if t % 3 == 0 {
                run(&*s, &es, thread, Command::Fixed { at: 0 }, T0 + 20).await;
            } else if t % 3 == 1 {
                run(&*s, &es, thread, Command::Next { at: 0 }, T0 + 20).await;
            }
        }
        before = s.open_sessions().await.expect("open");
        s.close().await;
    }
    assert_eq!(before.len(), 6);
    let s = db.open().await;
    let after = s.open_sessions().await.expect("open");
    assert_eq!(after, before);
    for session in after {
        let at = session.position;
        let t = apply_command(&*s, &es, session.thread_id, Command::Next { at }, T0 + 30)
            .await
            .expect("continue");
        assert_eq!(t.session.version, session.version + 1);
        assert_eq!(t.session.position, at + 1);
    }
}

// --- not per backend -------------------------------------------------------------

#[tokio::test]
async fn connect_rejects_unknown_urls() {
    for url in ["mysql://localhost/x", "data/x.sqlite", "postgres//oops"] {
        match store::connect(Some(url)).await {
            Err(e @ StoreError::BadUrl(_)) => {
                assert_eq!(e.blame(), Blame::Operator);
                assert!(e.to_string().contains("DATABASE_URL"), "{e}");
            }
            Err(e) => panic!("{url}: unexpected {e:?}"),
            Ok(_) => panic!("{url}: accepted"),
        }
    }
}

#[tokio::test]
async fn an_unreachable_postgres_is_the_operators_to_fix() {
    let r = store::connect(Some("postgres://nobody@127.0.0.1:1/none?connect_timeout=2")).await;
    match r {
        Err(e) => assert_eq!(e.blame(), Blame::Operator, "{e:?}"),
        Ok(_) => panic!("connected to port 1"),
    }
}

#[tokio::test]
async fn without_a_url_sqlite_is_created_under_data() {
    // The default path is relative to the working directory; run it in a
    // scratch directory. Nothing else in this binary uses relative paths.
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = std::env::current_dir().expect("cwd");
    std::env::set_current_dir(dir.path()).expect("cd");
    let opened = store::connect(None).await;
    let exists = Path::new(store::DEFAULT_SQLITE_PATH).exists();
    std::env::set_current_dir(cwd).expect("cd back");
    let s = opened.expect("open default");
    assert!(exists);
    assert_eq!(s.backend(), Backend::Sqlite);
    s.ping().await.expect("ping");
    let wal = dir.path().join("data").join("spotify-error-bot.sqlite-wal");
    assert!(wal.exists(), "WAL mode");
    s.close().await;
}
