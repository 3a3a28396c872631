//! Running the real bot binary against the fake Discord, and the helpers
//! the end-to-end tests share (slash payloads, waiting for callbacks,
//! reading components).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use spotify_error_bot::store::SqliteStore;

use super::fake_discord::{FakeConfig, FakeDiscord, Recorded, TOKEN, ids};
use super::payloads::{self as p, Inter, Person};

pub const WAIT: Duration = Duration::from_secs(20);

/// A bot process on its own SQLite file; killed when dropped.
pub struct Bot {
    pub child: Child,
    pub log: PathBuf,
}

impl Bot {
    /// Starts the bot on SQLite in `dir`.
    pub async fn start(fake: &FakeDiscord, dir: &Path) -> Bot {
        Bot::start_with(fake, dir, &[("DATABASE_URL", &db_url(dir))]).await
    }

    /// Starts the bot with extra environment variables (they win).
    pub async fn start_with(fake: &FakeDiscord, dir: &Path, env: &[(&str, &str)]) -> Bot {
        let from = fake.requests().len();
        let log = dir.join(format!("bot-{from}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_spotify-error-bot"))
            .arg("run")
            .current_dir(dir)
            .env("DISCORD_TOKEN", TOKEN)
            .env("DISCORD_API_BASE", fake.api_base())
            .env(
                "CATALOGUE_DIR",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue"),
            )
            .env("RUST_LOG", "info,spotify_error_bot=debug")
            .env_remove("GUILD_ID")
            .env_remove("MESSAGE_CONTENT")
            .env_remove("SHARD_TOTAL")
            .env_remove("ADMIN_ADDR")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("the bot starts");
        let bot = Bot { child, log };
        let registered = fake
            .wait_for_request(
                |r| r.seq >= from && r.matches("PUT", "/applications/*/commands"),
                WAIT,
            )
            .await;
        assert!(
            registered.is_some(),
            "the bot never registered its commands; log:\n{}",
            bot.log_text()
        );
        bot
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log_text()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn db_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("bot.sqlite").display())
}

pub async fn store(dir: &Path) -> SqliteStore {
    SqliteStore::open_url(&db_url(dir)).await.expect("db opens")
}

pub async fn world() -> (FakeDiscord, tempfile::TempDir) {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    (fake, dir)
}

pub fn lookup(inter: &Inter, code: &str) -> Value {
    p::interaction_slash(
        inter,
        "spotify-error",
        json!([p::opt_subcommand(
            "lookup",
            json!([p::opt_string("code", code)])
        )]),
    )
}

/// The successful callback of an interaction.
pub async fn callback(fake: &FakeDiscord, inter: &Inter) -> Recorded {
    let prefix = format!("/interactions/{}/", inter.id);
    fake.wait_for_request(
        |r| {
            r.method == "POST"
                && r.path.starts_with(&prefix)
                && r.path.ends_with("/callback")
                && r.status < 300
        },
        WAIT,
    )
    .await
    .unwrap_or_else(|| panic!("no callback for interaction {}", inter.id))
}

/// The custom_ids of a message's (or response's) components, in order.
pub fn custom_ids(components: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    for row in components.and_then(Value::as_array).into_iter().flatten() {
        for c in row["components"].as_array().into_iter().flatten() {
            if let Some(id) = c["custom_id"].as_str() {
                out.push(id.to_string());
            }
        }
    }
    out
}

pub fn id_starting(ids: &[String], prefix: &str) -> String {
    ids.iter()
        .find(|i| i.starts_with(prefix))
        .unwrap_or_else(|| panic!("no component {prefix}… in {ids:?}"))
        .clone()
}

pub fn no_pings(body: &Value) {
    let am = &body["allowed_mentions"];
    assert_eq!(
        am["parse"],
        json!([]),
        "allowed_mentions must ping nobody: {body}"
    );
}

pub fn field_names(embed: &Value) -> Vec<String> {
    embed["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["name"].as_str().map(str::to_string))
        .collect()
}

pub async fn press(
    fake: &FakeDiscord,
    user: &Person,
    channel: u64,
    custom_id: &str,
    values: &[&str],
    message: Value,
) -> Recorded {
    let inter = Inter::new(channel, user);
    let kind = if values.is_empty() { 2 } else { 3 };
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_component(&inter, custom_id, kind, values, message),
    )
    .unwrap();
    callback(fake, &inter).await
}

/// Enables free-text answers in `channel` through `/spotify-error config`,
/// as a moderator would.
pub async fn enable(fake: &FakeDiscord, channel: u64) {
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::moderator());
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand(
                "config",
                json!([
                    {"name": "channel", "type": 7, "value": channel.to_string()},
                    p::opt_bool("enabled", true)
                ])
            )]),
        ),
    )
    .unwrap();
    let cb = callback(fake, &inter).await;
    assert_eq!(
        cb.body_at("/data/flags"),
        Some(&json!(64)),
        "config answers privately"
    );
    let text = cb
        .body_at("/data/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(text.contains("Saved"), "{text}");
}

pub fn posts_to(fake: &FakeDiscord, channel: u64) -> Vec<Recorded> {
    fake.requests_matching("POST", &format!("/channels/{channel}/messages"))
}
