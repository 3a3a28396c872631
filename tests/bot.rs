//! The real bot, started as `spotify-error-bot run` with `DISCORD_API_BASE`
//! pointing at a fake Discord on 127.0.0.1, driven through gateway events,
//! and judged by the HTTP requests it makes: routes, embeds, components,
//! flags, allowed mentions, and what it stored. Every body it sent is checked
//! against Discord's OpenAPI spec (skipped with a message when the spec is
//! not present) and Discord's unencoded limits.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use spotify_error_bot::session::Status;
use spotify_error_bot::store::{GuildConfig, Store};
use support::bot::*;
use support::fake_discord::{TOKEN, ids};
use support::openapi;
use support::payloads::{self as p, Inter, Msg, Person};

#[tokio::test]
async fn slash_lookup_answers_with_the_card_the_commands_are_registered_and_the_token_is_never_logged()
 {
    let (fake, dir) = world().await;
    let bot = Bot::start(&fake, dir.path()).await;

    let put = fake.requests_matching("PUT", "/applications/*/commands");
    let names: Vec<&str> = put[0]
        .body
        .as_ref()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&"spotify-error") && names.contains(&"Mark as solution"),
        "{names:?}"
    );

    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "accesspoint:17"))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    let body = cb.body.clone().unwrap();
    assert_eq!(body["type"], 4, "answered at once: {body}");
    let data = &body["data"];
    no_pings(data);
    assert!(
        data["flags"].is_null() || data["flags"] == 0,
        "the card is public"
    );
    let embed = &data["embeds"][0];
    assert!(
        embed["title"]
            .as_str()
            .unwrap()
            .starts_with("accesspoint:17"),
        "{embed}"
    );
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .contains("A firewall may be blocking Spotify")
    );
    let names = field_names(embed);
    assert!(names.iter().any(|n| n == "Cause chain"), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("Step 1 of")),
        "{names:?}"
    );
    let ids = custom_ids(data.get("components"));
    for prefix in ["se1:fix:", "se1:next:", "se1:back:"] {
        id_starting(&ids, prefix);
    }

    // The older shape `/spotify-error code:…` is understood too.
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_string("code", "Error code 7")]),
        ),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    let title = cb
        .body_at("/data/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(title.starts_with("error:7"), "{title}");

    let log = bot.stop();
    assert!(!log.contains(TOKEN), "the token leaked into the log");
    assert!(log.contains("registered commands"), "{log}");
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn unknown_code_offers_did_you_mean_buttons_that_open_the_card() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let user = Person::member();
    let inter = Inter::new(ids::TEXT_CHANNEL, &user);
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "accespoint:71"))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    let content = cb
        .body_at("/data/content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    assert!(content.contains("I don't know"), "{content}");
    let ids = custom_ids(cb.body_at("/data/components"));
    let open = id_starting(&ids, "se1:open:");
    let entry = open.splitn(4, ':').nth(3).unwrap().to_string();

    // Someone else cannot take over the button.
    let message = fake
        .original_response(&inter.token)
        .expect("original response");
    let other = Person::new(ids::USER + 50, "someone");
    let r = press(
        &fake,
        &other,
        ids::TEXT_CHANNEL,
        &open,
        &[],
        message.clone(),
    )
    .await;
    assert_eq!(r.body_at("/data/flags"), Some(&json!(64)));

    let r = press(&fake, &user, ids::TEXT_CHANNEL, &open, &[], message).await;
    assert_eq!(
        r.body_at("/type"),
        Some(&json!(7)),
        "the message turns into the card"
    );
    let title = r
        .body_at("/data/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(title.starts_with(&entry), "{title} vs {entry}");
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn autocomplete_suggests_at_most_25_codes_for_a_partial_one() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_autocomplete(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand(
                "lookup",
                json!([p::opt_focused("code", "accessp")])
            )]),
        ),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    assert_eq!(cb.body_at("/type"), Some(&json!(8)));
    let choices = cb
        .body_at("/data/choices")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert!(!choices.is_empty() && choices.len() <= 25, "{choices:?}");
    assert!(
        choices[0]["value"]
            .as_str()
            .unwrap()
            .starts_with("accesspoint:"),
        "{choices:?}"
    );
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn buttons_walk_the_steps_in_place_and_stale_ones_are_refused() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let user = Person::member();
    let inter = Inter::new(ids::TEXT_CHANNEL, &user);
    // error:2026 has per-OS steps: the OS select is offered.
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "error 2026"))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    let first = fake.original_response(&inter.token).expect("card");
    let ids = custom_ids(cb.body_at("/data/components"));
    let os = id_starting(&ids, "se1:os:");
    let key: u64 = os.rsplit(':').next().unwrap().parse().unwrap();

    // Pick the OS first if asked for, then walk.
    let r = press(
        &fake,
        &user,
        ids::TEXT_CHANNEL,
        &os,
        &["windows"],
        first.clone(),
    )
    .await;
    assert_eq!(r.body_at("/type"), Some(&json!(7)), "updated in place");
    let names = field_names(r.body_at("/data/embeds/0").unwrap());
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Step 1 of") && n.contains("(Windows)")),
        "{names:?}"
    );
    let card = fake.original_response(&inter.token).expect("card");
    let ids = custom_ids(card.get("components"));
    let next0 = id_starting(&ids, "se1:next:");

    let r = press(&fake, &user, ids::TEXT_CHANNEL, &next0, &[], card.clone()).await;
    assert_eq!(r.body_at("/type"), Some(&json!(7)));
    let names = field_names(r.body_at("/data/embeds/0").unwrap());
    assert!(
        names.iter().any(|n| n.starts_with("Step 2 of")),
        "{names:?}"
    );
    let db = store(dir.path()).await;
    let s = db.load_session(key).await.unwrap().expect("stored");
    assert_eq!(s.position, 1);
    assert_eq!(s.attempts.len(), 1);

    // The step-1 card's "next" again: out of date, refused privately.
    let r = press(&fake, &user, ids::TEXT_CHANNEL, &next0, &[], card).await;
    assert_eq!(r.body_at("/type"), Some(&json!(4)));
    assert_eq!(r.body_at("/data/flags"), Some(&json!(64)));
    assert!(
        r.body_at("/data/content")
            .and_then(Value::as_str)
            .unwrap()
            .contains("out of date")
    );
    assert_eq!(
        db.load_session(key).await.unwrap().unwrap().position,
        1,
        "nothing moved"
    );

    // Someone else's press is refused.
    let step2 = fake.original_response(&inter.token).expect("card");
    let back1 = format!("se1:back:{key}:1");
    let stranger = Person::new(ids::USER + 7, "stranger");
    let r = press(
        &fake,
        &stranger,
        ids::TEXT_CHANNEL,
        &back1,
        &[],
        step2.clone(),
    )
    .await;
    assert_eq!(r.body_at("/data/flags"), Some(&json!(64)));
    assert!(
        r.body_at("/data/content")
            .and_then(Value::as_str)
            .unwrap()
            .contains("/spotify-error")
    );

    let r = press(&fake, &user, ids::TEXT_CHANNEL, &back1, &[], step2.clone()).await;
    let names = field_names(r.body_at("/data/embeds/0").unwrap());
    assert!(
        names.iter().any(|n| n.starts_with("Step 1 of")),
        "{names:?}"
    );

    let fix = format!("se1:fix:{key}:0");
    let r = press(&fake, &user, ids::TEXT_CHANNEL, &fix, &[], step2).await;
    assert_eq!(r.body_at("/type"), Some(&json!(7)));
    let names = field_names(r.body_at("/data/embeds/0").unwrap());
    assert!(names.iter().any(|n| n.contains("Solved")), "{names:?}");
    let s = db.load_session(key).await.unwrap().unwrap();
    assert_eq!(s.status, Status::Solved);

    // A button of the finished session explains instead of failing.
    let r = press(
        &fake,
        &user,
        ids::TEXT_CHANNEL,
        &format!("se1:next:{key}:0"),
        &[],
        first,
    )
    .await;
    assert_eq!(r.body_at("/data/flags"), Some(&json!(64)));
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn pasted_error_in_an_enabled_channel_gets_a_thread_and_the_rest_gets_silence() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let user = Person::member();

    enable(&fake, ids::TEXT_CHANNEL).await;

    // The forum is not enabled: nothing there.
    let elsewhere = Msg::new(ids::THREAD, &Person::new(ids::USER + 6, "c"))
        .content("A firewall may be blocking Spotify. (Error code: 17 / accesspoint:17)")
        .build();
    fake.dispatch("MESSAGE_CREATE", elsewhere).unwrap();

    // Chatter, another bot, and the bot itself: nothing.
    for m in [
        Msg::new(ids::TEXT_CHANNEL, &Person::new(ids::USER + 1, "a"))
            .content("anyone got lofi playlist recs?")
            .build(),
        Msg::new(ids::TEXT_CHANNEL, &Person::new(ids::USER + 2, "b"))
            .content("my python script throws error 404")
            .build(),
        Msg::new(ids::TEXT_CHANNEL, &Person::other_bot())
            .content("accesspoint:17")
            .build(),
        Msg::from_bot(ids::TEXT_CHANNEL)
            .content("accesspoint:17 @everyone")
            .build(),
    ] {
        fake.dispatch("MESSAGE_CREATE", m).unwrap();
    }

    let paste = Msg::new(ids::TEXT_CHANNEL, &user)
        .content("help!! spotify says: A firewall may be blocking Spotify. (Error code: 17 / accesspoint:17)")
        .build();
    let paste_id = paste["id"].as_str().unwrap().to_string();
    fake.dispatch("MESSAGE_CREATE", paste).unwrap();
    let thread = fake
        .wait_for_request(
            |r| {
                r.matches(
                    "POST",
                    &format!(
                        "/channels/{}/messages/{paste_id}/threads",
                        ids::TEXT_CHANNEL
                    ),
                )
            },
            WAIT,
        )
        .await
        .expect("a thread is opened on the message");
    let thread_id: u64 = thread.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let answer = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{thread_id}/messages")),
            WAIT,
        )
        .await
        .expect("the answer is posted in the thread");
    let body = answer.body.clone().unwrap();
    no_pings(&body);
    assert!(
        body["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("accesspoint:17")
    );

    // A burst from the same user right after: cooldown, no second answer.
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::TEXT_CHANNEL, &user)
            .content("accesspoint:17 again")
            .build(),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        fake.requests_matching("POST", "/channels/*/messages/*/threads")
            .len(),
        1,
        "exactly one thread"
    );
    assert!(
        posts_to(&fake, ids::TEXT_CHANNEL).is_empty(),
        "nothing posted in the channel itself"
    );
    let all_posts = fake.requests_matching("POST", "/channels/*/messages");
    assert_eq!(
        all_posts.len(),
        1,
        "one answer in all: {:?}",
        all_posts.iter().map(|r| &r.path).collect::<Vec<_>>()
    );

    let db = store(dir.path()).await;
    let s = db
        .load_session(thread_id)
        .await
        .unwrap()
        .expect("session for the thread");
    assert_eq!(s.entry.as_deref(), Some("accesspoint:17"));
    assert_eq!(s.user_id, user.id);
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn an_ambiguous_paste_in_a_forum_post_asks_which_code_with_a_select() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    enable(&fake, ids::FORUM_CHANNEL).await;
    let user = Person::member();
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::THREAD, &user)
            .content("A firewall may be blocking Spotify.")
            .build(),
    )
    .unwrap();
    let answer = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{}/messages", ids::THREAD)),
            WAIT,
        )
        .await
        .expect("an answer in the post");
    let body = answer.body.clone().unwrap();
    no_pings(&body);
    let ids_ = custom_ids(body.get("components"));
    let pick = id_starting(&ids_, "se1:pick:");
    let options: Vec<String> = body["components"][0]["components"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap().to_string())
        .collect();
    assert!(
        options.len() > 1 && options.contains(&"accesspoint:17".to_string()),
        "{options:?}"
    );
    assert!(
        answer.body_at("/message_reference/message_id").is_some(),
        "a reply in the post"
    );

    // Picking one starts its steps in place.
    let card = answer.response.clone().unwrap();
    let r = press(&fake, &user, ids::THREAD, &pick, &["accesspoint:17"], card).await;
    assert_eq!(r.body_at("/type"), Some(&json!(7)));
    let title = r
        .body_at("/data/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap();
    assert!(title.starts_with("accesspoint:17"), "{title}");
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn moderator_marks_a_solution_the_post_is_tagged_and_a_member_is_refused() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let user = Person::member();
    let thread = fake.channel(ids::THREAD).expect("the forum post");

    // The asker starts a walk in their forum post.
    let inter = Inter::new(ids::THREAD, &user).in_thread(&thread);
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "error:30"))
        .unwrap();
    callback(&fake, &inter).await;

    // A human's fix in the thread.
    let fix = Msg::new(ids::THREAD, &Person::new(ids::USER + 3, "helper"))
        .content("turn off the VPN and restart, that fixed it for me")
        .build();
    fake.dispatch("MESSAGE_CREATE", fix.clone()).unwrap();

    // A member cannot mark it.
    let inter = Inter::new(ids::THREAD, &user).in_thread(&thread);
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_message_context(&inter, "Mark as solution", fix.clone()),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    assert_eq!(cb.body_at("/data/flags"), Some(&json!(64)));
    assert!(
        cb.body_at("/data/content")
            .and_then(Value::as_str)
            .unwrap()
            .contains("Only moderators")
    );
    let db = store(dir.path()).await;
    assert_eq!(
        db.load_session(ids::THREAD).await.unwrap().unwrap().status,
        Status::Open
    );
    assert!(
        fake.requests_matching("PATCH", &format!("/channels/{}", ids::THREAD))
            .is_empty()
    );

    // A moderator can.
    let inter = Inter::new(ids::THREAD, &Person::moderator()).in_thread(&thread);
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_message_context(&inter, "Mark as solution", fix.clone()),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    no_pings(&cb.body.clone().unwrap()["data"]);
    assert!(
        cb.body_at("/data/flags").is_none_or(|f| f == &json!(0)),
        "a public confirmation"
    );
    let patch = fake
        .wait_for_request(
            |r| r.matches("PATCH", &format!("/channels/{}", ids::THREAD)),
            WAIT,
        )
        .await
        .expect("the post is tagged");
    let tags = patch
        .body_at("/applied_tags")
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    assert!(
        tags.contains(&json!(ids::TAG_SOLVED.to_string())),
        "{tags:?}"
    );
    assert!(
        tags.contains(&json!(ids::TAG_HELP.to_string())),
        "existing tags are kept: {tags:?}"
    );
    let s = db.load_session(ids::THREAD).await.unwrap().unwrap();
    assert_eq!(s.status, Status::Solved);
    let sol = s.solution.expect("solution stored");
    assert_eq!(
        sol.message_id,
        Some(fix["id"].as_str().unwrap().parse().unwrap())
    );
    let recorded = db.solutions_for_entry("error:30", 5).await.unwrap();
    assert_eq!(recorded.len(), 1);
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn a_rate_limited_answer_is_retried_and_nothing_is_lost() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    fake.fail_next("POST", "/callback", 429, 0.3);
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "auth:73"))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    let title = cb
        .body_at("/data/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap();
    assert!(title.starts_with("auth:73"), "{title}");
    let attempts =
        fake.requests_matching("POST", &format!("/interactions/{}/*/callback", inter.id));
    assert_eq!(attempts.len(), 2, "one refused, one retried");
    assert_eq!(attempts[0].status, 429);
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn a_restart_mid_session_continues_where_it_was() {
    let (fake, dir) = world().await;
    let user = Person::member();
    let bot = Bot::start(&fake, dir.path()).await;
    let inter = Inter::new(ids::TEXT_CHANNEL, &user);
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "accesspoint:17"))
        .unwrap();
    let cb = callback(&fake, &inter).await;
    let card = fake.original_response(&inter.token).expect("card");
    let next = id_starting(&custom_ids(cb.body_at("/data/components")), "se1:next:");
    bot.stop();

    let _bot = Bot::start(&fake, dir.path()).await;
    let r = press(&fake, &user, ids::TEXT_CHANNEL, &next, &[], card).await;
    assert_eq!(r.body_at("/type"), Some(&json!(7)));
    let names = field_names(r.body_at("/data/embeds/0").unwrap());
    assert!(
        names.iter().any(|n| n.starts_with("Step 2 of")),
        "{names:?}"
    );
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn guild_settings_need_a_moderator() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand(
                "config",
                json!([p::opt_string("reply_mode", "reply")])
            )]),
        ),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    assert_eq!(cb.body_at("/data/flags"), Some(&json!(64)));
    let db = store(dir.path()).await;
    assert_eq!(
        db.guild_config(ids::GUILD).await.unwrap(),
        GuildConfig::defaults(ids::GUILD)
    );
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn solved_and_stats_commands_record_and_report_the_fix() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let thread = fake.channel(ids::THREAD).expect("the forum post");
    let inter = Inter::new(ids::THREAD, &Person::member()).in_thread(&thread);
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "accounts:403"))
        .unwrap();
    callback(&fake, &inter).await;

    // A member may not close it; a moderator may.
    let solved = |who: &Person| {
        let inter = Inter::new(ids::THREAD, who).in_thread(&thread);
        let payload = p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand(
                "solved",
                json!([p::opt_string("note", "logged in on the web @everyone")])
            )]),
        );
        (inter, payload)
    };
    let (inter, payload) = solved(&Person::member());
    fake.dispatch("INTERACTION_CREATE", payload).unwrap();
    assert_eq!(
        callback(&fake, &inter).await.body_at("/data/flags"),
        Some(&json!(64))
    );
    let (inter, payload) = solved(&Person::moderator());
    fake.dispatch("INTERACTION_CREATE", payload).unwrap();
    let cb = callback(&fake, &inter).await;
    no_pings(&cb.body.clone().unwrap()["data"]);
    let text = cb.body_at("/data/content").and_then(Value::as_str).unwrap();
    assert!(text.contains("marked this as solved"), "{text}");
    let db = store(dir.path()).await;
    let s = db.load_session(ids::THREAD).await.unwrap().unwrap();
    assert_eq!(s.status, Status::Solved);
    assert_eq!(
        s.solution.and_then(|x| x.step),
        Some(0),
        "the step on screen"
    );

    let inter = Inter::new(ids::TEXT_CHANNEL, &Person::member());
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand("stats", json!([]))]),
        ),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    let fields = cb.body_at("/data/embeds/0/fields").unwrap().to_string();
    assert!(fields.contains("accounts:403"), "{fields}");
    assert!(fields.contains("100%"), "{fields}");
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn a_text_attachment_is_read_and_a_plain_reply_moves_the_walk_on() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    enable(&fake, ids::FORUM_CHANNEL).await;
    let user = Person::member();
    let url = fake.add_attachment(
        "message.txt",
        b"Spotify\nNo internet connection detected. Spotify will automatically try to reconnect when it detects an internet connection (error code: 4).\nClose".to_vec(),
        "text/plain; charset=utf-8",
    );
    let file = p::FileAttachment::new("message.txt", &url)
        .content_type("text/plain; charset=utf-8")
        .size(140);
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::THREAD, &user)
            .content("this keeps popping up on my windows laptop")
            .attachment(&file)
            .build(),
    )
    .unwrap();
    let answer = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{}/messages", ids::THREAD)),
            WAIT,
        )
        .await
        .expect("answered from the attachment");
    let title = answer
        .body_at("/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    assert!(title.starts_with("error:4"), "{title}");
    let card_id = answer.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Someone else's "didn't work" changes nothing; the asker's does.
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::THREAD, &Person::new(ids::USER + 9, "bystander"))
            .content("didn't work for me either")
            .build(),
    )
    .unwrap();
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::THREAD, &user)
            .content("still not working")
            .build(),
    )
    .unwrap();
    let edit = fake
        .wait_for_request(
            |r| {
                r.matches(
                    "PATCH",
                    &format!("/channels/{}/messages/{card_id}", ids::THREAD),
                )
            },
            WAIT,
        )
        .await
        .expect("the card is updated in place");
    let names = field_names(edit.body_at("/embeds/0").unwrap());
    assert!(
        names.iter().any(|n| n.starts_with("Step 2 of")),
        "{names:?}"
    );
    let db = store(dir.path()).await;
    let s = db.load_session(ids::THREAD).await.unwrap().unwrap();
    assert_eq!(s.position, 1);
    assert_eq!(s.attempts.len(), 1);
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn without_the_message_content_intent_the_context_menu_still_explains_a_message() {
    let (fake, dir) = world().await;
    let _bot = Bot::start_with(
        &fake,
        dir.path(),
        &[
            ("DATABASE_URL", &db_url(dir.path())),
            ("MESSAGE_CONTENT", "false"),
        ],
    )
    .await;
    let intents = fake.intents(0).expect("identified");
    assert_eq!(
        intents & (1 << 15),
        0,
        "no Message Content intent asked for"
    );

    let asker = Person::member();
    let paste = Msg::new(ids::TEXT_CHANNEL, &asker)
        .content("spotify keeps saying Error code: auth:73 since yesterday")
        .build();
    // Privately, for the caller.
    let helper = Person::new(ids::USER + 4, "helper");
    let inter = Inter::new(ids::TEXT_CHANNEL, &helper);
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_message_context(&inter, "Find the Spotify error", paste.clone()),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    assert_eq!(cb.body_at("/data/flags"), Some(&json!(64)));
    let title = cb
        .body_at("/data/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap();
    assert!(title.starts_with("auth:73"), "{title}");

    // Publicly: the walk belongs to the person who pasted the error.
    let inter = Inter::new(ids::TEXT_CHANNEL, &helper);
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_message_context(&inter, "Answer this Spotify error", paste),
    )
    .unwrap();
    let cb = callback(&fake, &inter).await;
    assert!(cb.body_at("/data/flags").is_none_or(|f| f == &json!(0)));
    let db = store(dir.path()).await;
    let s = db.load_session(inter.id).await.unwrap().expect("a walk");
    assert_eq!(s.user_id, asker.id);
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn mentioning_the_bot_in_a_reply_answers_the_replied_message() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    let asker = Person::member();
    let paste = Msg::new(ids::TEXT_CHANNEL, &asker)
        .content("No internet connection detected. (Error code: accesspoint:31)")
        .build();
    fake.dispatch("MESSAGE_CREATE", paste.clone()).unwrap();
    let helper = Person::new(ids::USER + 5, "helper");
    let mention = Msg::new(ids::TEXT_CHANNEL, &helper)
        .content(&format!("<@{}> can you explain this?", ids::BOT_USER))
        .mention(&Person::this_bot())
        .reply_to(&paste)
        .build();
    let mention_id = mention["id"].as_str().unwrap().to_string();
    fake.dispatch("MESSAGE_CREATE", mention).unwrap();
    let answer = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{}/messages", ids::TEXT_CHANNEL)),
            WAIT,
        )
        .await
        .expect("a reply (the channel is not even enabled: the bot was asked)");
    assert_eq!(
        answer.body_at("/message_reference/message_id"),
        Some(&json!(mention_id))
    );
    let title = answer
        .body_at("/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap();
    assert!(title.starts_with("accesspoint:31"), "{title}");
    no_pings(answer.body.as_ref().unwrap());
    openapi::assert_valid_traffic(&fake);
}

#[tokio::test]
async fn repeated_errors_point_to_the_earlier_answer_and_solved_threads_are_linked() {
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    enable(&fake, ids::TEXT_CHANNEL).await;
    enable(&fake, ids::FORUM_CHANNEL).await;

    // Two people paste the same error in the channel: one answer, one pointer.
    let first = Msg::new(ids::TEXT_CHANNEL, &Person::member())
        .content("Error code: accesspoint:39 again")
        .build();
    fake.dispatch("MESSAGE_CREATE", first).unwrap();
    let thread = fake
        .wait_for_request(
            |r| r.matches("POST", "/channels/*/messages/*/threads"),
            WAIT,
        )
        .await
        .expect("a thread for the first paste");
    let thread_id = thread.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    fake.wait_for_request(
        |r| r.matches("POST", &format!("/channels/{thread_id}/messages")),
        WAIT,
    )
    .await
    .expect("the answer");
    let second = Msg::new(ids::TEXT_CHANNEL, &Person::new(ids::USER + 8, "second"))
        .content("same here, accesspoint:39")
        .build();
    fake.dispatch("MESSAGE_CREATE", second).unwrap();
    let pointer = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{}/messages", ids::TEXT_CHANNEL)),
            WAIT,
        )
        .await
        .expect("a pointer in the channel");
    let text = pointer.body_at("/content").and_then(Value::as_str).unwrap();
    assert!(
        text.contains("just answered") && text.contains(&thread_id),
        "{text}"
    );
    assert_eq!(
        fake.requests_matching("POST", "/channels/*/messages/*/threads")
            .len(),
        1
    );

    // A forum post solved by a moderator…
    let post = fake.channel(ids::THREAD).unwrap();
    let inter = Inter::new(ids::THREAD, &Person::member()).in_thread(&post);
    fake.dispatch("INTERACTION_CREATE", lookup(&inter, "error:30"))
        .unwrap();
    callback(&fake, &inter).await;
    let inter = Inter::new(ids::THREAD, &Person::moderator()).in_thread(&post);
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_slash(
            &inter,
            "spotify-error",
            json!([p::opt_subcommand("solved", json!([]))]),
        ),
    )
    .unwrap();
    callback(&fake, &inter).await;

    // …is linked from the answer in a new post with the same error.
    let new_post = p::Thread::new(ids::FORUM_CHANNEL, "error 30 help").owner(ids::USER + 9);
    fake.dispatch("THREAD_CREATE", p::thread_create(&new_post))
        .unwrap();
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(new_post.id, &Person::new(ids::USER + 9, "newbie"))
            .content("Spotify says Error code: 30 and won't connect")
            .build(),
    )
    .unwrap();
    let answer = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{}/messages", new_post.id)),
            WAIT,
        )
        .await
        .expect("an answer in the new post");
    let description = answer
        .body_at("/embeds/0/description")
        .and_then(Value::as_str)
        .unwrap();
    assert!(
        description.contains("Solved before")
            && description.contains(&format!("<#{}>", ids::THREAD)),
        "{description}"
    );
    openapi::assert_valid_traffic(&fake);
}

/// Whether the bot under test can read screenshots; says why not.
fn reads_screenshots() -> bool {
    let ready = cfg!(feature = "ocr")
        && std::process::Command::new("tesseract")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ready {
        assert!(
            std::env::var_os("REQUIRE_OCR").is_none(),
            "REQUIRE_OCR is set but the bot cannot read screenshots (feature `ocr` and tesseract)"
        );
        eprintln!("skipping: needs the `ocr` feature and the tesseract program");
    }
    ready
}

#[tokio::test]
async fn a_screenshot_of_the_error_dialog_is_read_and_answered() {
    if !reads_screenshots() {
        return;
    }
    let (fake, dir) = world().await;
    let _bot = Bot::start(&fake, dir.path()).await;
    enable(&fake, ids::FORUM_CHANNEL).await;
    let user = Person::member();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screenshots");

    // A meme is not an error: no answer, whatever the picture.
    let meme = std::fs::read(shots.join("no-error-meme.png")).unwrap();
    let url = fake.add_attachment("meme.png", meme.clone(), "image/png");
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::THREAD, &Person::new(ids::USER + 3, "memer"))
            .attachment(
                &p::FileAttachment::new("meme.png", &url)
                    .content_type("image/png")
                    .size(u32::try_from(meme.len()).unwrap())
                    .dims(Some((600, 400))),
            )
            .build(),
    )
    .unwrap();

    // The dialog, posted with no text at all.
    let shot = std::fs::read(shots.join("accounts-53-light-dialog.png")).unwrap();
    let url = fake.add_attachment("Screenshot 2026-11-23.png", shot.clone(), "image/png");
    fake.dispatch(
        "MESSAGE_CREATE",
        Msg::new(ids::THREAD, &user)
            .attachment(
                &p::FileAttachment::new("Screenshot 2026-11-23.png", &url)
                    .content_type("image/png")
                    .size(u32::try_from(shot.len()).unwrap())
                    .dims(Some((560, 213))),
            )
            .build(),
    )
    .unwrap();
    let answer = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{}/messages", ids::THREAD)),
            Duration::from_secs(60),
        )
        .await
        .expect("the screenshot is answered");
    let title = answer
        .body_at("/embeds/0/title")
        .and_then(Value::as_str)
        .unwrap();
    assert!(title.starts_with("accounts:53"), "{title}");
    let description = answer
        .body_at("/embeds/0/description")
        .and_then(Value::as_str)
        .unwrap();
    assert!(
        description.starts_with("📷 Read from your screenshot: `")
            && description.contains("accounts:53"),
        "{description}"
    );
    // The bot showed it was working, and answered once: not the meme.
    assert!(
        !fake
            .requests_matching("POST", &format!("/channels/{}/typing", ids::THREAD))
            .is_empty()
    );
    assert_eq!(
        fake.requests_matching("POST", &format!("/channels/{}/messages", ids::THREAD))
            .len(),
        1
    );
    let db = store(dir.path()).await;
    let s = db.load_session(ids::THREAD).await.unwrap().unwrap();
    assert_eq!(s.entry.as_deref(), Some("accounts:53"));
    openapi::assert_valid_traffic(&fake);
}
