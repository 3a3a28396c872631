//! The command line: the bot itself (`run`) and the terminal tools that use
//! the same core (`catalogue`, `show`, `ask`, `match`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use spotify_error_bot::catalogue::{self, Catalogue, Platform};
use spotify_error_bot::view;

#[derive(Parser)]
#[command(name = "spotify-error-bot", version, about = "A Discord support bot for Spotify error codes")]
struct Cli {
    /// The catalogue folder (default: $CATALOGUE_DIR, else ./catalogue).
    #[arg(long, global = true, value_name = "DIR")]
    catalogue: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Catalogue(CatalogueCmd::Check { dir }) => {
            let dir = dir
                .or(cli.catalogue)
                .unwrap_or_else(Catalogue::default_dir);
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
