//! The bot's configuration, read once at start-up from the environment (and a
//! `.env` file, loaded by the binary before this runs).
//!
//! Every problem is collected before reporting, so a deployment with two
//! mistakes learns about both at once; each names the variable to fix. The
//! token is kept in a [`Secret`] whose `Debug` and `Display` never show it.

use std::fmt;
use std::time::Duration;

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it (the HTTP client).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Which shards this process runs (see the Deploy section of README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shards {
    /// First shard id this process runs.
    pub first: u32,
    /// How many consecutive shards this process runs.
    pub count: u32,
    /// The total over all processes.
    pub total: u32,
}

/// Everything `spotify-error-bot run` needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub token: Secret,
    /// `None`: SQLite at the default path.
    pub database_url: Option<String>,
    /// Where HTTP API requests go instead of `https://discord.com`, without
    /// a trailing slash (e.g. `http://127.0.0.1:3000` for a rate-limit proxy).
    pub api_base: Option<String>,
    /// Register the commands in this guild only (instant, for development);
    /// global registration otherwise.
    pub guild_id: Option<u64>,
    /// Ask for the privileged Message Content intent (default true). Without
    /// it, free-text answers are off and the rest still works.
    pub message_content: bool,
    /// `None`: let Discord recommend the shard count and run all of them.
    pub shards: Option<Shards>,
    /// How long an untouched session stays open before the sweep expires it.
    pub session_idle: Duration,
    /// Where `/healthz` and `/metrics` are served; off when `None`.
    pub admin_addr: Option<std::net::SocketAddr>,
    /// How often idle threads, unanswered questions and outages are checked.
    pub sweep_every: Duration,
    /// When a burst of reports counts as an outage.
    pub outage: crate::outage::OutageConfig,
}

/// The variables that were missing or malformed, each with a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {}", .problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

/// Every variable the bot reads, with what it is for (also in `.env.example`).
pub const VARIABLES: &[(&str, &str)] = &[
    ("DISCORD_TOKEN", "the bot token (required)"),
    (
        "DATABASE_URL",
        "sqlite:PATH or postgres://...; default SQLite in data/",
    ),
    (
        "DISCORD_API_BASE",
        "send HTTP API requests here instead of https://discord.com",
    ),
    ("GUILD_ID", "register commands in this guild only"),
    (
        "MESSAGE_CONTENT",
        "false to run without the privileged Message Content intent",
    ),
    ("SHARD_TOTAL", "total shard count over all processes"),
    ("SHARD_FIRST", "first shard this process runs (default 0)"),
    (
        "SHARD_COUNT",
        "how many shards this process runs (default all)",
    ),
    (
        "ADMIN_ADDR",
        "serve /healthz and /metrics here, e.g. 127.0.0.1:9100 (off by default)",
    ),
    (
        "SESSION_IDLE_HOURS",
        "hours before an idle session expires (default 72)",
    ),
    (
        "SWEEP_SECS",
        "seconds between checks of idle threads, questions and outages (default 60)",
    ),
    (
        "OUTAGE_WINDOW_MINS",
        "outage detection: the window reports are counted in (default 15)",
    ),
    (
        "OUTAGE_MIN_REPORTS",
        "outage detection: reports of one error in the window (default 8)",
    ),
    (
        "OUTAGE_MIN_USERS",
        "outage detection: different people among them (default 5)",
    ),
    (
        "OUTAGE_FACTOR",
        "outage detection: times the usual rate (default 5)",
    ),
    (
        "OUTAGE_QUIET_MINS",
        "outage detection: quiet minutes before an outage ends (default 30)",
    ),
];

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();

        let token = match var("DISCORD_TOKEN") {
            None => {
                problems.push(
                    "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in .env (see .env.example)"
                        .to_string(),
                );
                None
            }
            Some(t) => match check_token(&t) {
                Ok(t) => Some(Secret::new(t)),
                Err(why) => {
                    problems.push(format!("DISCORD_TOKEN is malformed: {why}"));
                    None
                }
            },
        };

        let database_url = var("DATABASE_URL");
        if let Some(url) = &database_url {
            if !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
            {
                problems.push(
                    "DATABASE_URL must start with sqlite:, postgres:// or postgresql://"
                        .to_string(),
                );
            }
        }

        let api_base = var("DISCORD_API_BASE").map(|b| b.trim_end_matches('/').to_string());
        if let Some(base) = &api_base {
            let rest = base
                .strip_prefix("http://")
                .or_else(|| base.strip_prefix("https://"));
            if rest.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
                problems.push(
                    "DISCORD_API_BASE must be an http:// or https:// URL such as http://127.0.0.1:3000"
                        .to_string(),
                );
            }
        }

        let guild_id = parse_opt::<u64>(&var, "GUILD_ID", "a guild id (a number)", &mut problems);
        let message_content = match var("MESSAGE_CONTENT").as_deref() {
            None => true,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    problems.push("MESSAGE_CONTENT must be true or false".to_string());
                    true
                }
            },
        };

        let total = parse_opt::<u32>(&var, "SHARD_TOTAL", "a number ≥ 1", &mut problems);
        let first = parse_opt::<u32>(&var, "SHARD_FIRST", "a number", &mut problems);
        let count = parse_opt::<u32>(&var, "SHARD_COUNT", "a number ≥ 1", &mut problems);
        let shards = match (total, first, count) {
            (None, None, None) => None,
            (None, _, _) => {
                problems.push("SHARD_FIRST and SHARD_COUNT need SHARD_TOTAL".to_string());
                None
            }
            (Some(total), first, count) => {
                let first = first.unwrap_or(0);
                let count = count.unwrap_or(total.saturating_sub(first));
                if total == 0 || count == 0 || first.saturating_add(count) > total {
                    problems.push(format!(
                        "shards {first}..{} do not fit in SHARD_TOTAL={total}",
                        first.saturating_add(count)
                    ));
                    None
                } else {
                    Some(Shards {
                        first,
                        count,
                        total,
                    })
                }
            }
        };

        let admin_addr = parse_opt::<std::net::SocketAddr>(
            &var,
            "ADMIN_ADDR",
            "an address with a port, such as 127.0.0.1:9100",
            &mut problems,
        );
        let idle_hours = parse_opt::<u64>(&var, "SESSION_IDLE_HOURS", "hours", &mut problems)
            .unwrap_or(72)
            .clamp(1, 24 * 365);

        let sweep_secs = parse_opt::<u64>(&var, "SWEEP_SECS", "seconds", &mut problems)
            .unwrap_or(60)
            .clamp(1, 3600);
        let defaults = crate::outage::OutageConfig::default();
        let mins = |name: &str, default: i64, problems: &mut Vec<String>| {
            parse_opt::<u32>(&var, name, "minutes (a whole number)", problems)
                .map(|m| i64::from(m.clamp(1, 10_080)) * 60_000)
                .unwrap_or(default)
        };
        let outage = crate::outage::OutageConfig {
            window_ms: mins("OUTAGE_WINDOW_MINS", defaults.window_ms, &mut problems),
            quiet_ms: mins("OUTAGE_QUIET_MINS", defaults.quiet_ms, &mut problems),
            min_reports: parse_opt::<u64>(&var, "OUTAGE_MIN_REPORTS", "a number", &mut problems)
                .unwrap_or(defaults.min_reports)
                .max(1),
            min_users: parse_opt::<u64>(&var, "OUTAGE_MIN_USERS", "a number", &mut problems)
                .unwrap_or(defaults.min_users)
                .max(1),
            factor: parse_opt::<f64>(&var, "OUTAGE_FACTOR", "a number", &mut problems)
                .filter(|f| f.is_finite())
                .unwrap_or(defaults.factor)
                .clamp(1.0, 1000.0),
            baseline_ms: defaults.baseline_ms,
        };

        match token {
            Some(token) if problems.is_empty() => Ok(Config {
                token,
                database_url,
                api_base,
                guild_id,
                message_content,
                shards,
                session_idle: Duration::from_secs(idle_hours * 3600),
                admin_addr,
                sweep_every: Duration::from_secs(sweep_secs),
                outage,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}

fn parse_opt<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    what: &str,
    problems: &mut Vec<String>,
) -> Option<T> {
    let v = var(name)?;
    match v.parse() {
        Ok(x) => Some(x),
        Err(_) => {
            problems.push(format!("{name} must be {what}"));
            None
        }
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Checks the shape of a bot token (three dot-separated base64url parts)
/// without echoing it. Accepts a pasted `Bot ` prefix.
fn check_token(raw: &str) -> Result<String, &'static str> {
    let t = raw.strip_prefix("Bot ").unwrap_or(raw).trim();
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains spaces or control characters");
    }
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return Err("a bot token has three parts separated by dots");
    }
    let b64 = |p: &str| {
        p.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=')
    };
    if !parts.iter().all(|p| b64(p)) {
        return Err("it contains characters a bot token never has");
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const TOKEN: &str = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.GfAkEd.ZmFrZS1kaXNjb3JkLXRva2Vu";

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn missing_token_names_the_variable() {
        let e = cfg(&[]).unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert!(e.to_string().contains("DISCORD_TOKEN is not set"));
    }

    #[test]
    fn malformed_token_is_named_but_never_echoed() {
        let e = cfg(&[("DISCORD_TOKEN", "hunter2-secret")]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("DISCORD_TOKEN is malformed"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn all_problems_are_reported_together() {
        let e = cfg(&[
            ("DISCORD_TOKEN", "x"),
            ("GUILD_ID", "general"),
            ("DISCORD_API_BASE", "localhost:3000"),
        ])
        .unwrap_err();
        assert_eq!(e.problems.len(), 3, "{e}");
    }

    #[test]
    fn defaults_and_api_base() {
        let c = cfg(&[
            ("DISCORD_TOKEN", TOKEN),
            ("DISCORD_API_BASE", "http://127.0.0.1:3000/"),
        ])
        .unwrap();
        assert_eq!(c.api_base.as_deref(), Some("http://127.0.0.1:3000"));
        assert!(c.message_content);
        assert!(c.database_url.is_none());
        assert!(c.shards.is_none());
        assert!(!format!("{c:?}").contains(TOKEN));
    }

    #[test]
    fn shard_ranges_are_checked() {
        let c = cfg(&[
            ("DISCORD_TOKEN", TOKEN),
            ("SHARD_TOTAL", "2"),
            ("SHARD_FIRST", "1"),
            ("SHARD_COUNT", "1"),
        ])
        .unwrap();
        assert_eq!(
            c.shards,
            Some(Shards {
                first: 1,
                count: 1,
                total: 2
            })
        );
        assert!(
            cfg(&[
                ("DISCORD_TOKEN", TOKEN),
                ("SHARD_TOTAL", "2"),
                ("SHARD_FIRST", "2")
            ])
            .is_err()
        );
        assert!(cfg(&[("DISCORD_TOKEN", TOKEN), ("SHARD_COUNT", "1")]).is_err());
    }
}
