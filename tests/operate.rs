//! Operating the bot: the admin port, signals (SIGTERM stops cleanly,
//! SIGHUP reloads the catalogue), two shard processes sharing one
//! PostgreSQL, and a database outage in the middle of a run.
//!
//! The PostgreSQL scenarios read `TEST_DATABASE_URL` and skip with a message
//! when it is unset (CI sets it).

mod support;

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spotify_error_bot::store::{Store, connect_postgres_with_schema, drop_postgres_schema};
use support::bot::*;
use support::fake_discord::{FakeConfig, FakeDiscord, FakeGuild, ids};
use support::openapi;
use support::payloads::{self as p, Inter, Person};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A plain HTTP/1.0 GET, enough for the admin port.
async fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("admin port answers");
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

fn signal(bot: &Bot, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(bot.child.id().to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{sig} failed");
}

#[tokio::test]
async fn admin_port_reports_health_and_metrics() {
    let (fake, dir) = world().await;
    let addr = format!("127.0.0.1:{}", free_port());
    let _bot = Bot::start_with(
        &fake,
        dir.path(),
        &[("DATABASE_URL", &db_url(dir.path())), ("ADMIN_ADDR", &addr)],
    )
    .await;
    let (status, body) = get(&addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v, json!({"gateway": true, "database": true}));

    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "auth:73"))
        .unwrap();
    callback(&fake, &inter).await;
    // The latency is recorded just after the answer went out.
    let names = [
        "spotify_error_bot_sessions_started_total",
        "spotify_error_bot_interaction_seconds_bucket",
    ];
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, metrics) = get(&addr, "/metrics").await;
        assert_eq!(status, 200);
        let missing: Vec<_> = names.iter().filter(|n| !metrics.contains(**n)).collect();
        if missing.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "{missing:?} missing:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn sigterm_stops_the_bot_cleanly_and_quickly() {
    let (fake, dir) = world().await;
    let mut bot = Bot::start(&fake, dir.path()).await;
    signal(&bot, "TERM");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = bot.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status:?}\n{}", bot.log_text());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

async fn lookup_title(fake: &FakeDiscord, code: &str) -> String {
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, code))
        .unwrap();
    let cb = callback(fake, &inter).await;
    cb.body_at("/data/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn sighup_reloads_a_valid_catalogue_and_keeps_the_old_one_when_invalid() {
    let (fake, dir) = world().await;
    let cat = dir.path().join("catalogue");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue"),
        &cat,
    );
    let bot = Bot::start_with(
        &fake,
        dir.path(),
        &[
            ("DATABASE_URL", &db_url(dir.path())),
            ("CATALOGUE_DIR", cat.to_str().unwrap()),
        ],
    )
    .await;
    let file = cat.join("auth-73.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    let title_line = original
        .lines()
        .find(|l| l.starts_with("title"))
        .unwrap()
        .to_string();
    std::fs::write(
        &file,
        original.replace(
            &title_line,
            "title = \"Login blocked in this country (edited)\"",
        ),
    )
    .unwrap();
    signal(&bot, "HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let t = lookup_title(&fake, "auth:73").await;
        if t.contains("(edited)") {
            break;
        }
        assert!(Instant::now() < deadline, "reload not seen: {t}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A broken catalogue is rejected; the edited one stays in use.
    std::fs::write(
        cat.join("broken.toml"),
        "id = \"auth:73\"\nthis is not toml",
    )
    .unwrap();
    signal(&bot, "HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !bot.log_text().contains("reload rejected") {
        assert!(Instant::now() < deadline, "{}", bot.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(lookup_title(&fake, "auth:73").await.contains("(edited)"));
    assert!(
        bot.log_text().contains("broken.toml"),
        "the problem is named"
    );
}

/// A fresh schema on the test PostgreSQL, and a URL that selects it.
async fn pg_schema(name: &str) -> Option<(String, String, String)> {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("skipping: TEST_DATABASE_URL is not set (PostgreSQL scenarios)");
        return None;
    };
    let schema = format!("{name}_{}", std::process::id());
    let _ = drop_postgres_schema(&url, &schema).await;
    let s = connect_postgres_with_schema(&url, &schema)
        .await
        .expect("schema created");
    s.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    let bot_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    Some((url, schema, bot_url))
}

#[tokio::test]
async fn two_shard_processes_share_one_postgresql() {
    let Some((url, schema, bot_url)) = pg_schema("shards").await else {
        return;
    };
    let other_guild = ids::guild_for_shard(1 - ids::shard_of(ids::GUILD, 2), 2, 1);
    let fake = FakeDiscord::start(
        FakeConfig::default()
            .shards(2)
            .with_guild(FakeGuild::new(other_guild, "Second server")),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let env = |first: &'static str| {
        vec![
            ("DATABASE_URL", bot_url.clone()),
            ("SHARD_TOTAL", "2".to_string()),
            ("SHARD_FIRST", first.to_string()),
            ("SHARD_COUNT", "1".to_string()),
        ]
    };
    let a_env = env("0");
    let a_env: Vec<(&str, &str)> = a_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _a = Bot::start_with(&fake, dir.path(), &a_env).await;
    let b_env = env("1");
    let b_env: Vec<(&str, &str)> = b_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _b = Bot::start_with(&fake, dir.path(), &b_env).await;
    for shard in [0, 1] {
        assert!(
            fake.wait_for_shard_ready(shard, WAIT).await,
            "shard {shard}"
        );
        let identify = fake.identify_payload(shard).unwrap();
        assert_eq!(
            identify["shard"],
            json!([shard, 2]),
            "each process runs its own shard"
        );
    }
    assert_eq!(fake.identified_shards(), vec![0, 1]);

    // A walk started through the shard owning the guild…
    let user = Person::member();
    let inter = Inter::new(ids::TEXT_CHANNEL, &user);
    let served_by = fake
        .dispatch("INTERACTION_CREATE", lookup(&inter, "accesspoint:17"))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    let next = id_starting(&custom_ids(cb.body_at("/data/components")), "se1:next:");
    let card = fake.original_response(&inter.token).unwrap();

    // …continues through the other process, on the shared database.
    let press_inter = Inter::new(ids::TEXT_CHANNEL, &user);
    fake.dispatch_to_shard(
        1 - served_by,
        "INTERACTION_CREATE",
        p::interaction_component(&press_inter, &next, 2, &[], card),
    )
    .unwrap();
    let r = callback(&fake, &press_inter).await;
    assert_eq!(r.body_at("/type"), Some(&json!(7)));
    let names = field_names(r.body_at("/data/embeds/0").unwrap());
    assert!(
        names.iter().any(|n| n.starts_with("Step 2 of")),
        "{names:?}"
    );
    openapi::assert_valid_traffic(&fake);
    let _ = drop_postgres_schema(&url, &schema).await;
}

/// A TCP relay to PostgreSQL that can be cut (every connection dropped, new
/// ones refused) and restored, to simulate an outage.
struct Relay {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
}

impl Relay {
    async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let flag = up.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let flag = flag.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut ri, mut wi) = inbound.split();
                    let (mut ro, mut wo) = outbound.split();
                    let watch = async {
                        while flag.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy(&mut ri, &mut wo) => {}
                        _ = tokio::io::copy(&mut ro, &mut wi) => {}
                        _ = watch => {}
                    }
                });
            }
        });
        Relay { addr, up }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_database_outage_keeps_answers_flowing_and_the_bot_recovers() {
    let Some((url, schema, bot_url)) = pg_schema("outage").await else {
        return;
    };
    let target: SocketAddr = "127.0.0.1:5432".parse().unwrap();
    let relay = Relay::start(target).await;
    let relayed = bot_url.replace("127.0.0.1:5432", &relay.addr.to_string());
    assert_ne!(
        relayed, bot_url,
        "TEST_DATABASE_URL must use 127.0.0.1:5432"
    );
    let (fake, dir) = world().await;
    let _bot = Bot::start_with(&fake, dir.path(), &[("DATABASE_URL", &relayed)]).await;
    let user = Person::member();
    let inter = Inter::new(ids::TEXT_CHANNEL, &user);
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "accesspoint:17"))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    let next = id_starting(&custom_ids(cb.body_at("/data/components")), "se1:next:");
    let card = fake.original_response(&inter.token).unwrap();

    relay.set_up(false);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Lookups still answer, from the catalogue in memory, and say that
    // progress cannot be saved.
    let during = Inter::new(ids::TEXT_CHANNEL, &user);
    fake.dispatch("INTERACTION_CREATE", lookup(&during, "auth:73"))
        .unwrap();
    let deferred = callback(&fake, &during).await;
    let answer = match deferred.body_at("/type") {
        Some(t) if t == &json!(5) => fake
            .wait_for_request(
                |r| r.method == "PATCH" && r.path.contains(&during.token),
                WAIT,
            )
            .await
            .expect("the deferred answer is completed")
            .body
            .unwrap(),
        _ => deferred.body.clone().unwrap()["data"].clone(),
    };
    assert!(
        answer["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("auth:73"),
        "{answer}"
    );
    assert!(
        answer["content"]
            .as_str()
            .unwrap_or("")
            .contains("not saved"),
        "{answer}"
    );

    relay.set_up(true);
    // The bot recovers by itself: the first card's button works again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = press(&fake, &user, ids::TEXT_CHANNEL, &next, &[], card.clone()).await;
        if r.body_at("/type") == Some(&json!(7)) {
            break;
        }
        if r.body_at("/type") == Some(&json!(6)) {
            // Deferred: look at the edit that followed.
            break;
        }
        assert!(Instant::now() < deadline, "never recovered: {:?}", r.body);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = drop_postgres_schema(&url, &schema).await;
}

#[tokio::test]
async fn only_the_owner_can_reload_the_catalogue_from_discord() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let reload = |who: &Person| {
        let inter = Inter::new(ids::TEXT_CHANNEL, who);
        let payload = p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand("reload", json!([]))]),
        );
        (inter, payload)
    };
    let (inter, payload) = reload(&Person::moderator());
    fake.dispatch("INTERACTION_CREATE", payload).unwrap();
    let cb = callback(&fake, &inter).await;
    let text = cb.body_at("/data/content").and_then(Value::as_str).unwrap();
    assert!(text.contains("Only the bot's owner"), "{text}");

    let (inter, payload) = reload(&Person::new(ids::OWNER, "owner"));
    fake.dispatch("INTERACTION_CREATE", payload).unwrap();
    let cb = callback(&fake, &inter).await;
    assert_eq!(cb.body_at("/data/flags"), Some(&json!(64)));
    let text = cb.body_at("/data/content").and_then(Value::as_str).unwrap();
    assert!(text.contains("Catalogue reloaded: 65 entries"), "{text}");
}
