//! Session transitions per second through the store, with the latency
//! distribution, on SQLite (a temporary file) and on PostgreSQL when
//! `TEST_DATABASE_URL` is set (in a scratch schema, dropped afterwards).
//!
//! Each simulated help thread goes start -> next -> next -> back -> next ->
//! fixed: six transitions, each a load + state machine + one write
//! transaction (session row, events, step counters, solution). Threads are
//! worked through by 1 worker (latency of a lone button press) and by 16
//! concurrent workers (throughput of a busy server).
//!
//!     cargo bench --bench sessions             # full run
//!     cargo bench --bench sessions -- --quick  # short run (or BENCH_QUICK=1)

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spotify_error_bot::catalogue::{Entry, parse_entry};
use spotify_error_bot::session::{Command, Origin, Start};
use spotify_error_bot::store::{
    self, Store, apply_command, connect_postgres_with_schema, drop_postgres_schema, start_session,
};

const FIXTURE: &str = r#"
id = "bench:1"
title = "Benchmark error"
severity = "error"
category = "network"
platforms = ["windows", "macos"]
messages = ["Benchmark error 1"]
cause_chain = ["App", "Network"]
causes = ["Something blocks the connection"]
escalate = "Contact support."
sources = ["bench"]

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

[[steps]]
title = "Flush DNS"
text = "Flush the DNS cache."
"#;

/// Transitions per simulated thread.
const PER_THREAD: usize = 6;

struct Run {
    label: String,
    workers: usize,
    latencies: Vec<Duration>,
    wall: Duration,
}

impl Run {
    fn print(&mut self) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let pct = |p: f64| {
            let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
            ms(self.latencies[i])
        };
        let max = self.latencies.last().copied().map(ms).unwrap_or(0.0);
        println!(
            "{:<10} {:>7} {:>11} {:>8.2} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            self.label,
            self.workers,
            n,
            self.wall.as_secs_f64(),
            n as f64 / self.wall.as_secs_f64(),
            pct(0.50),
            pct(0.90),
            pct(0.99),
            max
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Works through `threads` help threads (ids `base..base+threads`) with
/// `workers` concurrent tasks, timing every transition.
async fn bench(
    label: &str,
    store: Arc<dyn Store>,
    entries: Arc<Vec<Entry>>,
    base: u64,
    threads: u64,
    workers: usize,
) -> Run {
    let started = Instant::now();
    let mut handles = Vec::new();
    for w in 0..workers as u64 {
        let (store, entries) = (store.clone(), entries.clone());
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut thread = base + w;
            while thread < base + threads {
                let now = store::now_ms();
                let t = Instant::now();
                let start = Start {
                    thread_id: thread,
                    guild_id: Some(1),
                    user_id: 2,
                    origin: Origin::Message,
                    candidates: vec!["bench:1".into()],
                    platform: None,
                    hold_back_heavy: false,
                };
                if let Err(e) = start_session(&*store, &*entries, start, now).await {
                    panic!("start {thread}: {e}");
                }
                lat.push(t.elapsed());
                let cmds = [
                    Command::Next { at: 0 },
                    Command::Next { at: 1 },
                    Command::Back { at: 2 },
                    Command::Next { at: 1 },
                    Command::Fixed { at: 2 },
                ];
                for cmd in cmds {
                    let t = Instant::now();
                    if let Err(e) = apply_command(&*store, &*entries, thread, cmd, now).await {
                        panic!("thread {thread}: {e}");
                    }
                    lat.push(t.elapsed());
                }
                thread += workers as u64;
            }
            lat
        }));
    }
    let mut latencies = Vec::with_capacity(threads as usize * PER_THREAD);
    for h in handles {
        match h.await {
            Ok(l) => latencies.extend(l),
            Err(e) => panic!("worker: {e}"),
        }
    }
    Run {
        label: label.to_string(),
        workers,
        latencies,
        wall: started.elapsed(),
    }
}

async fn suite(label: &str, store: Arc<dyn Store>, entries: &Arc<Vec<Entry>>, threads: u64) {
    for (i, workers) in [1usize, 16].into_iter().enumerate() {
        let base = 1_000_000 * (i as u64 + 1);
        let mut run = bench(
            label,
            store.clone(),
            entries.clone(),
            base,
            threads,
            workers,
        )
        .await;
        run.print();
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var("BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let threads: u64 = if quick { 50 } else { 1000 };
    let entry = match parse_entry(Path::new("bench-1.toml"), FIXTURE) {
        Ok((e, _)) => e,
        Err(e) => panic!("bench fixture: {e}"),
    };
    let entries = Arc::new(vec![entry]);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("tokio runtime: {e}"),
    };
    rt.block_on(async {
        println!(
            "session transitions through the store ({} threads x {PER_THREAD} transitions per run{})",
            threads,
            if quick { ", quick" } else { "" }
        );
        println!(
            "{:<10} {:>7} {:>11} {:>8} {:>10} {:>8} {:>8} {:>8} {:>8}",
            "backend", "workers", "transitions", "seconds", "per_sec", "p50_ms", "p90_ms", "p99_ms", "max_ms"
        );

        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("temp dir: {e}"),
        };
        let url = format!("sqlite:{}", dir.path().join("bench.sqlite").display());
        let sqlite = match store::connect(Some(&url)).await {
            Ok(s) => s,
            Err(e) => panic!("SQLite: {e}"),
        };
        suite("sqlite", sqlite.clone(), &entries, threads).await;
        sqlite.close().await;

        match std::env::var("TEST_DATABASE_URL") {
            Err(_) => println!("postgres   skipped: TEST_DATABASE_URL is unset"),
            Ok(url) => {
                let schema = format!("bench_{}", std::process::id());
                let pg = match connect_postgres_with_schema(&url, &schema).await {
                    Ok(s) => Arc::new(s),
                    Err(e) => panic!("PostgreSQL at TEST_DATABASE_URL: {e}"),
                };
                suite("postgres", pg.clone(), &entries, threads).await;
                pg.close().await;
                if let Err(e) = drop_postgres_schema(&url, &schema).await {
                    eprintln!("could not drop schema {schema}: {e}");
                }
            }
        }
    });
}
