//! The command line: the bot itself (`run`) and the terminal tools that use
//! the same core (`catalogue`, `show`, `ask`, `match`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use std::sync::Arc;

use spotify_error_bot::catalogue::{self, Catalogue, Platform};
use spotify_error_bot::config::Config;
use spotify_error_bot::matcher::Matcher;
use spotify_error_bot::ocr::{Ocr, OcrConfig};
use spotify_error_bot::{answer, view};
use spotify_error_bot::{discord, store};

#[derive(Parser)]
#[command(
    name = "spotify-error-bot",
    version,
    about = "A Discord support bot for Spotify error codes"
)]
struct Cli {
    /// The catalogue folder (default: $CATALOGUE_DIR, else ./catalogue).
    #[arg(long, global = true, value_name = "DIR")]
    catalogue: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Discord bot (configuration from the environment and .env;
    /// see .env.example).
    Run,
    /// Validate or list the catalogue.
    #[command(subcommand)]
    Catalogue(CatalogueCmd),
    /// Print an entry as a person reads it, with its steps.
    Show {
        /// The error id or code, e.g. accesspoint:17.
        id: String,
        #[arg(long, value_enum)]
        platform: Option<PlatformArg>,
    },
    /// Print what the bot would reply to a message in a help channel.
    Ask {
        /// The message, as pasted.
        #[arg(required_unless_present = "image")]
        text: Option<String>,
        /// A screenshot to read instead (or as well), as if attached (needs
        /// the `ocr` feature and Tesseract).
        #[arg(long, value_name = "FILE")]
        image: Option<PathBuf>,
    },
    /// Match JSON Lines from stdin ({"text": ...}), one JSON result per line.
    Match,
    /// Knowledge gaps recorded by the bot (DATABASE_URL, as for `run`).
    #[command(subcommand)]
    Gaps(GapsCmd),
    /// Wrong answers and unconfirmed guesses (DATABASE_URL, as for `run`).
    #[command(subcommand)]
    Review(ReviewCmd),
}

#[derive(Subcommand)]
enum ReviewCmd {
    /// Write every judged answer and question as JSON Lines in the shape of
    /// the matcher's corpus (tests/corpus/*.jsonl), oldest first.
    Export {
        /// Only the last DAYS days (default: everything kept).
        #[arg(long, value_name = "DAYS")]
        days: Option<u32>,
        /// Write to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum GapsCmd {
    /// Write a draft catalogue file for every open unknown-code gap.
    Export {
        /// The folder to write the drafts to (created if missing).
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum CatalogueCmd {
    /// Validate every entry; exit 1 listing all problems.
    Check {
        /// The folder to check (default: the catalogue in use).
        dir: Option<PathBuf>,
    },
    /// List the entries.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PlatformArg {
    Windows,
    Macos,
    Linux,
}

impl From<PlatformArg> for Platform {
    fn from(p: PlatformArg) -> Platform {
        match p {
            PlatformArg::Windows => Platform::Windows,
            PlatformArg::Macos => Platform::Macos,
            PlatformArg::Linux => Platform::Linux,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load(dir: &Option<PathBuf>) -> anyhow::Result<Catalogue> {
    let dir = dir.clone().unwrap_or_else(Catalogue::default_dir);
    let loaded = catalogue::load_dir(&dir)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("loading the catalogue from {}", dir.display()))?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(loaded.catalogue)
}

/// `spotify-error-bot run`: configuration, logging, catalogue, database,
/// then the gateway until SIGTERM or Ctrl-C.
fn run_bot(catalogue_dir: Option<PathBuf>) -> anyhow::Result<()> {
    // A missing .env is normal (the environment may hold everything); a
    // broken one is worth saying.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            anyhow::bail!("reading .env: {e}");
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,serenity=warn,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    let catalogue_dir = catalogue_dir.unwrap_or_else(Catalogue::default_dir);
    let catalogue = Arc::new(load(&Some(catalogue_dir.clone()))?);
    tracing::info!(entries = catalogue.len(), "catalogue loaded");
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let store = store::connect(config.database_url.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("opening the database: {e}"))?;
        tracing::info!(backend = ?store.backend(), "database ready");
        let data = Arc::new(discord::Data::new(catalogue, catalogue_dir, store, &config));
        discord::run(config, data, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// `gaps export DIR`: one draft file per open unknown-code gap that the
/// catalogue does not cover.
fn export_gaps(catalogue_dir: &Option<PathBuf>, dir: &std::path::Path) -> anyhow::Result<()> {
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            anyhow::bail!("reading .env: {e}");
        }
    }
    let catalogue = load(catalogue_dir)?;
    let url = std::env::var("DATABASE_URL").ok();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let gaps = runtime.block_on(async {
        let store = store::connect(url.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("opening the database: {e}"))?;
        let gaps = store
            .gaps(0, 1000)
            .await
            .map_err(|e| anyhow::anyhow!("reading the gaps: {e}"))?;
        store.close().await;
        anyhow::Ok(gaps)
    })?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = 0;
    for g in gaps {
        if g.kind != spotify_error_bot::gaps::GapKind::Code || catalogue.get(&g.label).is_some() {
            continue;
        }
        let path = dir.join(format!("{}.toml", catalogue::file_stem_for(&g.label)));
        std::fs::write(&path, discord::draft_for(&g))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
        written += 1;
    }
    eprintln!("{written} draft(s) written to {}", dir.display());
    Ok(())
}

/// `review export`: labelled corpus lines from real traffic.
fn export_review(days: Option<u32>, output: Option<&std::path::Path>) -> anyhow::Result<()> {
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            anyhow::bail!("reading .env: {e}");
        }
    }
    let url = std::env::var("DATABASE_URL").ok();
    let since = days.map_or(0, |d| store::now_ms() - i64::from(d) * 24 * 3_600_000);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let rows = runtime.block_on(async {
        let store = store::connect(url.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("opening the database: {e}"))?;
        let rows = store
            .decided_feedback(since)
            .await
            .map_err(|e| anyhow::anyhow!("reading the feedback: {e}"))?;
        store.close().await;
        anyhow::Ok(rows)
    })?;
    let mut out: Box<dyn std::io::Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut written = 0;
    for line in rows.iter().filter_map(|f| f.corpus_line()) {
        writeln!(out, "{line}")?;
        written += 1;
    }
    out.flush()?;
    eprintln!(
        "{written} line(s) written ({} judged, the rest had no text left)",
        rows.len()
    );
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Run = cli.command {
        run_bot(cli.catalogue)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Review(ReviewCmd::Export { days, output }) = &cli.command {
        export_review(*days, output.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Gaps(GapsCmd::Export { dir }) = &cli.command {
        export_gaps(&cli.catalogue, dir)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Run | Command::Gaps(_) | Command::Review(_) => Ok(ExitCode::SUCCESS),
        Command::Catalogue(CatalogueCmd::Check { dir }) => {
            let dir = dir.or(cli.catalogue).unwrap_or_else(Catalogue::default_dir);
            match catalogue::load_dir(&dir) {
                Ok(loaded) => {
                    for w in &loaded.warnings {
                        eprintln!("{w}");
                    }
                    let c = &loaded.catalogue;
                    let codes: usize = c.entries().iter().map(|e| e.codes().count()).sum();
                    let steps: usize = c.entries().iter().map(|e| e.steps.len()).sum();
                    writeln!(
                        out,
                        "ok: {} entries, {codes} codes, {steps} steps, {} warning(s) in {}",
                        c.len(),
                        loaded.warnings.len(),
                        dir.display()
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprint!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Catalogue(CatalogueCmd::List { json }) => {
            let c = load(&cli.catalogue)?;
            if json {
                let list: Vec<_> = c
                    .entries()
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "id": e.id,
                            "also": e.also,
                            "title": e.title,
                            "severity": e.severity,
                            "category": e.category,
                            "platforms": e.platforms,
                            "messages": e.messages,
                            "steps": e.steps.len(),
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            } else {
                for e in c.entries() {
                    let platforms: Vec<&str> = e.platforms.iter().map(|p| p.as_str()).collect();
                    let codes: Vec<&str> = e.codes().collect();
                    writeln!(
                        out,
                        "{:<42} {:<6} {:<22} {}",
                        codes.join(", "),
                        e.severity,
                        platforms.join(","),
                        e.title
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ask { text, image } => {
            let c = load(&cli.catalogue)?;
            let matcher = Matcher::new(&c);
            let mut text = text.unwrap_or_default();
            if let Some(path) = image {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                let reader = Ocr::new(OcrConfig::default());
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                let (read, _) = rt
                    .block_on(reader.read_error(&matcher, &bytes))
                    .with_context(|| format!("reading {}", path.display()))?;
                writeln!(
                    out,
                    "Read from the screenshot ({}, {} ms):\n{}\n",
                    read.variant,
                    read.millis,
                    read.lines
                        .iter()
                        .map(|l| format!("  | {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )?;
                text.push('\n');
                text.push_str(&read.text);
            }
            let m = matcher.match_text(&text);
            let p = answer::plan(&c, &m);
            write!(out, "{}", answer::plan_text(&p, &m))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Match => {
            let c = load(&cli.catalogue)?;
            let matcher = Matcher::new(&c);
            drop(out);
            match_lines(&matcher, std::io::stdin().lock(), std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id, platform } => {
            let c = load(&cli.catalogue)?;
            match c.get(&id) {
                Some(e) => {
                    write!(out, "{}", view::entry_text(e, platform.map(Into::into)))?;
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    let close: Vec<&str> =
                        c.closest(&id, 3).iter().map(|e| e.id.as_str()).collect();
                    if close.is_empty() {
                        eprintln!("no entry {id:?} in the catalogue");
                    } else {
                        eprintln!(
                            "no entry {id:?} in the catalogue; did you mean {}?",
                            close.join(", ")
                        );
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// The `match` contract: one JSON line out per line in, in order; a bad
/// line gets `{"error": ...}` and processing continues.
fn match_lines(
    matcher: &Matcher,
    input: impl std::io::BufRead,
    output: impl std::io::Write,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(output);
    for (n, line) in input.split(b'\n').enumerate() {
        let line = line.context("reading stdin")?;
        let value = match parse_match_line(&line) {
            Ok(text) => {
                let m = matcher.match_text(&text);
                serde_json::json!({
                    "id": m.answer(),
                    "confidence": round3(m.confidence),
                    "ambiguous": m.ambiguous && m.answer().is_some(),
                    "tier": m.tier,
                    "candidates": m.candidates.iter().map(|c| serde_json::json!({
                        "id": c.id,
                        "score": round3(c.score),
                        "reason": c.reason.kind,
                        "matched": c.reason.matched,
                        "at": [c.reason.start, c.reason.end],
                    })).collect::<Vec<_>>(),
                    "unknown_code": m.unknown_code,
                    "resolved": m.resolved,
                    "discussed": m.discussed,
                    "truncated": m.truncated,
                })
            }
            Err(e) => serde_json::json!({ "error": format!("line {}: {e}", n + 1) }),
        };
        serde_json::to_writer(&mut out, &value)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn parse_match_line(line: &[u8]) -> Result<String, String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let v: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
    match v.get("text") {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(_) => Err("\"text\" is not a string".into()),
        None => Err("no \"text\" field".into()),
    }
}

fn round3(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}
