//! The help flow around answers, against the fake Discord: asking when
//! unsure, "Not my problem" and the review it feeds, the welcome in new
//! forum posts, the idle reminder and archive (with the bot's clock moved
//! forward through `CLOCK_OFFSET_FILE`), outage banners and incident notes.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use spotify_error_bot::session::Status;
use spotify_error_bot::store::{Store, Verdict};
use support::bot::*;
use support::fake_discord::{FakeChannel, FakeDiscord, Recorded, ids};
use support::openapi;
use support::payloads::{self as p, Inter, Msg, Person};

const MIN: i64 = 60_000;

/// The bot's clock, moved by the test.
struct Clock {
    file: PathBuf,
    offset: i64,
}

impl Clock {
    fn new(dir: &Path) -> Clock {
        let file = dir.join("clock-offset");
        std::fs::write(&file, "0").unwrap();
        Clock { file, offset: 0 }
    }

    fn advance(&mut self, ms: i64) {
        self.offset += ms;
        std::fs::write(&self.file, self.offset.to_string()).unwrap();
    }
}

/// The bot with a movable clock and a sweep every second.
async fn start(fake: &FakeDiscord, dir: &Path, extra: &[(&str, &str)]) -> (Bot, Clock) {
    let clock = Clock::new(dir);
    let db = db_url(dir);
    let file = clock.file.display().to_string();
    let mut env = vec![
        ("DATABASE_URL", db.as_str()),
        ("CLOCK_OFFSET_FILE", file.as_str()),
        ("SWEEP_SECS", "1"),
    ];
    env.extend_from_slice(extra);
    (Bot::start_with(fake, dir, &env).await, clock)
}

/// `/spotify-error <sub> …` by `who` in `channel`; the callback.
async fn slash(fake: &FakeDiscord, who: &Person, channel: u64, sub: &str, opts: Value) -> Recorded {
    let inter = Inter::new(channel, who);
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand(sub, opts)]),
        ),
    )
    .unwrap();
    callback(fake, &inter).await
}

async fn configure(fake: &FakeDiscord, opts: Value) {
    let cb = slash(
        fake,
        &Person::moderator(),
        ids::TEXT_CHANNEL,
        "config",
        opts,
    )
    .await;
    let text = content(&cb);
    assert!(text.contains("Saved"), "{text}");
}

fn content(r: &Recorded) -> String {
    r.body_at("/data/content")
        .or_else(|| r.body_at("/content"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn say(fake: &FakeDiscord, channel: u64, who: &Person, text: &str) -> u64 {
    let m = Msg::new(channel, who).content(text).build();
    let id = m["id"].as_str().unwrap().parse().unwrap();
    fake.dispatch("MESSAGE_CREATE", m).unwrap();
    id
}

/// The bot's reply to message `to` in `channel`.
async fn reply_to(fake: &FakeDiscord, channel: u64, to: u64) -> Recorded {
    let to = to.to_string();
    fake.wait_for_request(
        |r| {
            r.matches("POST", &format!("/channels/{channel}/messages"))
                && r.body_at("/message_reference/message_id")
                    .and_then(Value::as_str)
                    == Some(to.as_str())
        },
        WAIT,
    )
    .await
    .unwrap_or_else(|| panic!("no reply to message {to}"))
}

fn sent_id(r: &Recorded) -> u64 {
    r.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn deleted(fake: &FakeDiscord, channel: u64, message: u64) -> bool {
    fake.wait_for_request(
        |r| r.matches("DELETE", &format!("/channels/{channel}/messages/{message}")),
        WAIT,
    )
    .await
    .is_some()
}

#[tokio::test]
async fn a_half_sure_match_asks_quietly_and_yes_no_and_silence_each_do_the_right_thing() {
    let (fake, dir) = world().await;
    let (_bot, mut clock) = start(&fake, dir.path(), &[]).await;
    enable(&fake, ids::TEXT_CHANNEL).await;
    // This server wants the bot surer before it answers: "error 17"
    // becomes a question instead of an answer.
    configure(
        &fake,
        json!([
            p::opt_int("answer_at", 95),
            p::opt_int("ask_at", 50),
            p::opt_int("user_cooldown", 0),
            p::opt_int("channel_cooldown", 0),
        ]),
    )
    .await;
    let db = store(dir.path()).await;

    // 1. Yes: the question becomes the answer, in place.
    let asker = Person::new(ids::USER + 10, "asker");
    let msg = say(
        &fake,
        ids::TEXT_CHANNEL,
        &asker,
        "i get error 17 on spotify, wifi is fine",
    );
    let q = reply_to(&fake, ids::TEXT_CHANNEL, msg).await;
    let body = q.body.clone().unwrap();
    no_pings(&body);
    let text = body["content"].as_str().unwrap();
    assert!(
        text.starts_with("🤔 Is this **accesspoint:17**? (A firewall may be blocking Spotify."),
        "{text}"
    );
    assert!(
        body["embeds"].as_array().is_none_or(Vec::is_empty),
        "a short question, no card"
    );
    let buttons = custom_ids(body.get("components"));
    assert_eq!(buttons.len(), 3, "Yes, No, Show all: {buttons:?}");
    let question = q.response.clone().unwrap();

    // Someone else cannot answer for the asker.
    let r = press(
        &fake,
        &Person::new(ids::USER + 11, "nosy"),
        ids::TEXT_CHANNEL,
        &buttons[0],
        &[],
        question.clone(),
    )
    .await;
    assert_eq!(
        r.body_at("/data/flags"),
        Some(&json!(64)),
        "refused privately"
    );

    let r = press(&fake, &asker, ids::TEXT_CHANNEL, &buttons[0], &[], question).await;
    assert_eq!(
        r.body_at("/type"),
        Some(&json!(7)),
        "the question is updated"
    );
    let title = r
        .body_at("/data/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap();
    assert!(title.starts_with("accesspoint:17"), "{title}");
    let s = db
        .load_session(msg)
        .await
        .unwrap()
        .expect("a walk for the message");
    assert_eq!(s.user_id, asker.id);
    assert_eq!(
        db.feedback(msg).await.unwrap().unwrap().verdict,
        Verdict::Confirmed
    );

    // 2. No: the question goes away.
    let other = Person::new(ids::USER + 12, "other");
    let msg2 = say(
        &fake,
        ids::TEXT_CHANNEL,
        &other,
        "getting error 17 on my laptop since yesterday",
    );
    let q2 = reply_to(&fake, ids::TEXT_CHANNEL, msg2).await;
    let no = custom_ids(q2.body.as_ref().unwrap().get("components"))[1].clone();
    let r = press(
        &fake,
        &other,
        ids::TEXT_CHANNEL,
        &no,
        &[],
        q2.response.clone().unwrap(),
    )
    .await;
    assert_eq!(
        r.body_at("/type"),
        Some(&json!(6)),
        "acknowledged without a message"
    );
    assert!(
        deleted(&fake, ids::TEXT_CHANNEL, sent_id(&q2)).await,
        "the question is deleted"
    );
    assert_eq!(
        db.feedback(msg2).await.unwrap().unwrap().verdict,
        Verdict::Rejected
    );

    // 3. Silence: after the timeout (10 minutes by default) it removes itself.
    let third = Person::new(ids::USER + 13, "third");
    let msg3 = say(
        &fake,
        ids::TEXT_CHANNEL,
        &third,
        "error 17 when i open the app, any idea?",
    );
    let q3 = reply_to(&fake, ids::TEXT_CHANNEL, msg3).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        fake.requests_matching(
            "DELETE",
            &format!("/channels/{}/messages/{}", ids::TEXT_CHANNEL, sent_id(&q3))
        )
        .is_empty(),
        "not before the timeout"
    );
    clock.advance(11 * MIN);
    assert!(
        deleted(&fake, ids::TEXT_CHANNEL, sent_id(&q3)).await,
        "removed after the timeout"
    );
    assert_eq!(
        db.feedback(msg3).await.unwrap().unwrap().verdict,
        Verdict::Expired
    );

    // Moderators see the rejected and the unconfirmed guess.
    let cb = slash(
        &fake,
        &Person::moderator(),
        ids::TEXT_CHANNEL,
        "review",
        json!([]),
    )
    .await;
    let text = content(&cb);
    assert!(text.contains("guess rejected `accesspoint:17`"), "{text}");
    assert!(
        text.contains("guess unconfirmed `accesspoint:17`"),
        "{text}"
    );
    assert!(
        !text.contains("i get error 17 on spotify"),
        "confirmed guesses are fine: {text}"
    );
    let cb = slash(
        &fake,
        &Person::member(),
        ids::TEXT_CHANNEL,
        "review",
        json!([]),
    )
    .await;
    assert_eq!(cb.body_at("/data/flags"), Some(&json!(64)));
    assert!(
        !content(&cb).contains("guess"),
        "members do not see the review"
    );
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn not_my_problem_collapses_the_answer_records_it_and_the_export_labels_it() {
    let (fake, dir) = world().await;
    let (bot, _clock) = start(&fake, dir.path(), &[]).await;
    enable(&fake, ids::FORUM_CHANNEL).await;
    let asker = Person::member();
    let msg = say(
        &fake,
        ids::THREAD,
        &asker,
        "my printer says: A firewall may be blocking Spotify. (Error code: 17 / accesspoint:17)",
    );
    let card = reply_to(&fake, ids::THREAD, msg).await;
    let body = card.body.clone().unwrap();
    let ids_ = custom_ids(body.get("components"));
    let wrong = id_starting(&ids_, "se1:wrong:");
    // The button sits beside the step buttons.
    let first_row = custom_ids(Some(&json!([body["components"][0]])));
    assert!(first_row.contains(&wrong), "{first_row:?}");

    let r = press(
        &fake,
        &Person::new(ids::USER + 20, "nosy"),
        ids::THREAD,
        &wrong,
        &[],
        card.response.clone().unwrap(),
    )
    .await;
    assert_eq!(
        r.body_at("/data/flags"),
        Some(&json!(64)),
        "only the asker or a moderator"
    );

    let r = press(
        &fake,
        &asker,
        ids::THREAD,
        &wrong,
        &[],
        card.response.clone().unwrap(),
    )
    .await;
    assert_eq!(r.body_at("/type"), Some(&json!(7)));
    let text = r.body_at("/data/content").and_then(Value::as_str).unwrap();
    assert!(
        text.contains("`accesspoint:17` was the wrong guess"),
        "{text}"
    );
    assert_eq!(
        r.body_at("/data/embeds"),
        Some(&json!([])),
        "the card collapses"
    );
    let left = custom_ids(r.body_at("/data/components"));
    assert!(
        left.iter()
            .all(|i| !i.starts_with("se1:next") && !i.starts_with("se1:wrong")),
        "{left:?}"
    );

    let db = store(dir.path()).await;
    let f = db
        .feedback(msg)
        .await
        .unwrap()
        .expect("the answer was recorded");
    assert_eq!(
        (f.verdict, f.entry.as_str()),
        (Verdict::Wrong, "accesspoint:17")
    );
    let s = db.load_session(ids::THREAD).await.unwrap().unwrap();
    assert_eq!(s.status, Status::Abandoned, "the walk ends");

    let cb = slash(
        &fake,
        &Person::moderator(),
        ids::TEXT_CHANNEL,
        "review",
        json!([]),
    )
    .await;
    let text = content(&cb);
    assert!(
        text.contains("wrong answer `accesspoint:17`") && text.contains("my printer says"),
        "{text}"
    );
    drop(bot);

    // The export is a corpus line saying what the text is not.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spotify-error-bot"))
        .args(["review", "export"])
        .env("DATABASE_URL", db_url(dir.path()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["expect"], Value::Null);
    assert_eq!(lines[0]["not"], "accesspoint:17");
    assert_eq!(lines[0]["kind"], "false-positive");
    assert!(
        lines[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("my printer says")
    );
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn a_quiet_asker_is_reminded_once_then_the_thread_is_archived_and_counted() {
    let (fake, dir) = world().await;
    let (_bot, mut clock) = start(&fake, dir.path(), &[]).await;
    enable(&fake, ids::FORUM_CHANNEL).await;
    configure(
        &fake,
        json!([p::opt_int("remind_after", 1), p::opt_int("close_after", 2)]),
    )
    .await;
    let asker = Person::member();
    let msg = say(
        &fake,
        ids::THREAD,
        &asker,
        "accesspoint:17 since this morning",
    );
    reply_to(&fake, ids::THREAD, msg).await;
    let posts = || posts_to(&fake, ids::THREAD);
    assert_eq!(posts().len(), 1);

    // An hour of silence: one reminder, to the asker only.
    clock.advance(61 * MIN);
    let reminder = fake
        .wait_for_request(
            |r| {
                r.matches("POST", &format!("/channels/{}/messages", ids::THREAD))
                    && content(r).contains("did **step 1**")
            },
            WAIT,
        )
        .await
        .expect("a reminder");
    let body = reminder.body.clone().unwrap();
    assert!(
        content(&reminder).starts_with(&format!("<@{}>", asker.id)),
        "{body}"
    );
    let users = body["allowed_mentions"]["users"].to_string();
    assert!(
        users.contains(&asker.id.to_string()) && !users.contains(','),
        "only the asker: {users}"
    );
    assert_eq!(
        body["allowed_mentions"]["parse"],
        json!([]),
        "no @everyone, no roles"
    );
    assert!(
        custom_ids(body.get("components"))
            .iter()
            .any(|i| i.starts_with("se1:fix:")),
        "with the walk's buttons"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(posts().len(), 2, "only one reminder");

    // Two more hours: archived with a note; the walk is abandoned.
    clock.advance(121 * MIN);
    fake.wait_for_request(
        |r| {
            r.matches("PATCH", &format!("/channels/{}", ids::THREAD))
                && r.body_at("/archived") == Some(&json!(true))
        },
        WAIT,
    )
    .await
    .expect("the thread is archived");
    assert!(
        posts()
            .iter()
            .any(|r| content(r).contains("Closing this thread"))
    );
    let db = store(dir.path()).await;
    assert_eq!(
        db.load_session(ids::THREAD).await.unwrap().unwrap().status,
        Status::Abandoned
    );

    let cb = slash(
        &fake,
        &Person::moderator(),
        ids::TEXT_CHANNEL,
        "stats",
        json!([]),
    )
    .await;
    let fields = cb.body_at("/data/embeds/0/fields").unwrap().to_string();
    assert!(
        fields.contains("Abandoned: 100% of 1 finished threads"),
        "{fields}"
    );
    assert!(fields.contains("First answer: median"), "{fields}");
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn a_new_forum_post_is_welcomed_unless_its_first_message_was_answered() {
    let (fake, dir) = world().await;
    let (_bot, _clock) = start(&fake, dir.path(), &[]).await;
    enable(&fake, ids::FORUM_CHANNEL).await;
    let asker = Person::member();
    let new_post = |fake: &FakeDiscord| {
        let id = p::next_snowflake();
        let c = FakeChannel::thread(id, ids::FORUM_CHANNEL, "spotify broken", asker.id);
        let mut json = p::channel_json(&c, ids::GUILD);
        fake.add_channel(json.clone());
        json["newly_created"] = json!(true);
        fake.dispatch("THREAD_CREATE", json).unwrap();
        id
    };

    // A vague first message: the welcome explains how to ask.
    let vague = new_post(&fake);
    say(&fake, vague, &asker, "spotify is broken again, help");
    let welcome = fake
        .wait_for_request(
            |r| {
                r.matches("POST", &format!("/channels/{vague}/messages"))
                    && content(r).contains("Welcome")
            },
            WAIT,
        )
        .await
        .expect("a welcome");
    let text = content(&welcome);
    assert!(
        text.contains("Welcome") && text.contains("screenshot") && text.contains("/spotify-error"),
        "{text}"
    );
    no_pings(welcome.body.as_ref().unwrap());

    // A post that starts with the error gets the answer, not a welcome.
    let clear = new_post(&fake);
    let msg = say(
        &fake,
        clear,
        &asker,
        "A firewall may be blocking Spotify. (Error code: 17 / accesspoint:17)",
    );
    reply_to(&fake, clear, msg).await;
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let posts = posts_to(&fake, clear);
    assert_eq!(
        posts.len(),
        1,
        "{:?}",
        posts.iter().map(content).collect::<Vec<_>>()
    );
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn an_outage_spike_changes_the_answers_and_a_quiet_period_restores_them() {
    let (fake, dir) = world().await;
    let (_bot, mut clock) = start(
        &fake,
        dir.path(),
        &[("OUTAGE_MIN_REPORTS", "3"), ("OUTAGE_MIN_USERS", "3")],
    )
    .await;
    let db = store(dir.path()).await;
    let ask = |n: u64| {
        let fake = &fake;
        async move {
            let inter = Inter::new(ids::TEXT_CHANNEL, &Person::new(ids::USER + 30 + n, "u"));
            fake.dispatch("INTERACTION_CREATE", lookup(&inter, "accesspoint:22"))
                .unwrap();
            let cb = callback(fake, &inter).await;
            let description = cb
                .body_at("/data/embeds/0/description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            (inter.id, description)
        }
    };
    const BANNER: &str =
        "Many people are reporting this right now; it is probably on Spotify's side";

    // Two people: business as usual.
    for n in 0..2 {
        let (_, d) = ask(n).await;
        assert!(!d.contains(BANNER), "{d}");
    }
    // The third within minutes: a probable outage.
    let (key, d) = ask(2).await;
    assert!(d.starts_with("⚠️"), "the banner leads: {d}");
    assert!(d.contains(BANNER), "{d}");
    // Reinstalling (step 2) and clearing the cache (step 4) are held back.
    let s = db.load_session(key).await.unwrap().unwrap();
    assert_eq!(s.order, vec![0, 2, 1, 3]);

    // Moderators see it, and can add their own note for every error.
    let cb = slash(
        &fake,
        &Person::moderator(),
        ids::TEXT_CHANNEL,
        "incident",
        json!([]),
    )
    .await;
    assert!(
        content(&cb).contains("`accesspoint:22` since"),
        "{}",
        content(&cb)
    );
    let cb = slash(
        &fake,
        &Person::moderator(),
        ids::TEXT_CHANNEL,
        "incident",
        json!([p::opt_string(
            "note",
            "Spotify confirmed a login outage @everyone"
        )]),
    )
    .await;
    assert!(content(&cb).contains("Posted"), "{}", content(&cb));
    let refused = slash(
        &fake,
        &Person::member(),
        ids::TEXT_CHANNEL,
        "incident",
        json!([p::opt_string("note", "lol")]),
    )
    .await;
    assert!(!content(&refused).contains("Posted"));

    // Forty-six quiet minutes later the outage is over; the note stays.
    clock.advance(46 * MIN);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (key, d) = ask(3).await;
    assert!(!d.contains(BANNER), "{d}");
    assert!(
        d.contains("Moderator note:** Spotify confirmed a login outage"),
        "{d}"
    );
    assert_eq!(
        db.load_session(key).await.unwrap().unwrap().order,
        vec![0, 1, 2, 3],
        "a note alone holds nothing back"
    );

    let cb = slash(
        &fake,
        &Person::moderator(),
        ids::TEXT_CHANNEL,
        "incident",
        json!([p::opt_bool("clear", true)]),
    )
    .await;
    assert!(content(&cb).contains("Cleared"), "{}", content(&cb));
    let (key, d) = ask(4).await;
    assert!(!d.contains("Moderator note") && !d.contains(BANNER), "{d}");
    assert_eq!(
        db.load_session(key).await.unwrap().unwrap().order,
        vec![0, 1, 2, 3]
    );
    openapi::assert_valid_traffic(&fake);
}
