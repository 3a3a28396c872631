//! Knowledge gaps end to end: an unknown code pasted in a help forum is
//! recorded (and not answered), listed by `/spotify-error gaps`, gets a fix
//! marked by a moderator, becomes a draft through `/spotify-error draft` and
//! `gaps export`, and that draft passes `catalogue check` once the draft line
//! is removed. Deleting the message forgets its text.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spotify_error_bot::store::Store;
use support::bot::*;
use support::fake_discord::ids;
use support::openapi;
use support::payloads::{self as p, Inter, Msg, Person};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spotify-error-bot"))
}

fn sub(inter: &Inter, name: &str, options: Value) -> Value {
    p::interaction_slash(
        inter,
        "spotify-error",
        json!([p::opt_subcommand(name, options)]),
    )
}

#[tokio::test]
async fn an_unknown_code_becomes_a_gap_a_marked_fix_and_a_reviewed_draft() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    enable(&fake, ids::FORUM_CHANNEL).await;
    let user = Person::member();
    let paste = Msg::new(ids::THREAD, &user)
        .content("spotify shows Error code: auth:74 every time I log in")
        .build();
    let paste_id: u64 = paste["id"].as_str().unwrap().parse().unwrap();
    fake.dispatch("MESSAGE_CREATE", paste).unwrap();
    // Chatter with "error" in it is not a gap.
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::THREAD, &Person::new(ids::USER + 1, "x"))
            .content("my python script throws error 404")
            .build(),
    )
    .unwrap();

    let db = store(dir.path()).await;
    let deadline = Instant::now() + WAIT;
    let gap = loop {
        if let Some(g) = db.gap("code:auth:74").await.unwrap() {
            break g;
        }
        assert!(Instant::now() < deadline, "the gap was never recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((gap.seen, gap.guilds), (1, 1));
    assert_eq!(gap.examples[0].message_id, paste_id);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        fake.requests_matching("POST", "/channels/*/messages")
            .is_empty(),
        "no answer for an unknown code"
    );
    assert_eq!(
        db.gaps(0, 10).await.unwrap().len(),
        1,
        "chatter is not a gap"
    );

    // Members cannot see the list; moderators can.
    let inter = Inter::new(ids::TEXT_CHANNEL, &user);
    fake.dispatch("INTERACTION_CREATE", sub(&inter, "gaps", json!([])))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    assert!(
        cb.body_at("/data/content")
            .and_then(Value::as_str)
            .unwrap()
            .contains("Only moderators")
    );
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::moderator());
    fake.dispatch("INTERACTION_CREATE", sub(&inter, "gaps", json!([])))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    assert_eq!(cb.body_at("/data/flags"), Some(&json!(64)));
    let fields = cb.body_at("/data/embeds/0/fields").unwrap().to_string();
    assert!(fields.contains("auth:74"), "{fields}");
    let ids_ = custom_ids(cb.body_at("/data/components"));
    id_starting(&ids_, "se1:gapadded:code:auth:74");

    // A helper's fix, marked by a moderator in the same thread.
    let thread = fake.channel(ids::THREAD).unwrap();
    let fix = Msg::new(ids::THREAD, &Person::new(ids::USER + 3, "helper"))
        .content(
            "Sign out everywhere on spotify.com/account, then log in again on the desktop app.",
        )
        .build();
    fake.dispatch("MESSAGE_CREATE", fix.clone()).unwrap();
    let inter = Inter::new(ids::THREAD, &Person::moderator()).in_thread(&thread);
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_message_context(&inter, "Mark as solution", fix),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    let text = cb.body_at("/data/content").and_then(Value::as_str).unwrap();
    assert!(text.contains("auth:74"), "{text}");
    let gap = db.gap("code:auth:74").await.unwrap().unwrap();
    assert!(gap.solution.unwrap().starts_with("Sign out everywhere"));

    // The draft, as a moderator downloads it.
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::moderator());
    fake.dispatch(
        "INTERACTION_CREATE",
        sub(&inter, "draft", json!([p::opt_string("code", "auth:74")])),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    let file = cb
        .multipart
        .iter()
        .find(|part| part.filename.as_deref() == Some("auth-74.toml"))
        .expect("the draft is attached");
    let draft = String::from_utf8(file.data.clone()).unwrap();
    assert!(draft.contains("draft = true") && draft.contains("Sign out everywhere"));

    // Deleting the pasted message forgets its text.
    fake.dispatch(
        "MESSAGE_DELETE",
        p::message_delete(paste_id, ids::THREAD, Some(ids::GUILD)),
    )
    .unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let g = db.gap("code:auth:74").await.unwrap().unwrap();
        let e = g
            .examples
            .iter()
            .find(|e| e.message_id == paste_id)
            .unwrap();
        if e.text.is_none() {
            break;
        }
        assert!(Instant::now() < deadline, "the text was kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    openapi::assert_valid_traffic(&fake);

    // `gaps export` writes the same draft; reviewed, it passes the checker.
    let out = dir.path().join("drafts");
    let status = bin()
        .args(["gaps", "export"])
        .arg(&out)
        .env("DATABASE_URL", db_url(dir.path()))
        .current_dir(dir.path())
        .env(
            "CATALOGUE_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue"),
        )
        .status()
        .unwrap();
    assert!(status.success());
    let exported = std::fs::read_to_string(out.join("auth-74.toml")).unwrap();
    let reviewed: String = exported
        .lines()
        .filter(|l| !l.starts_with("draft"))
        .collect::<Vec<_>>()
        .join("\n");
    let cat = dir.path().join("catalogue");
    std::fs::create_dir_all(&cat).unwrap();
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue")).unwrap() {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "toml") {
            std::fs::copy(e.path(), cat.join(e.file_name())).unwrap();
        }
    }
    std::fs::write(cat.join("auth-74.toml"), reviewed).unwrap();
    let check = bin()
        .args(["catalogue", "check"])
        .arg(&cat)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("ok: 66 entries"));
}
