//! Self-test of the fake Discord harness (tests/support) against REAL serenity 0.12.5: every
//! payload builder is deserialized with serenity's own types, and a serenity `Http` / `Client`
//! talks to the fake over HTTP, TLS and the gateway WebSocket.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use serenity::all::{
    ChannelId, ChannelType, Context, CreateAllowedMentions, CreateAttachment, CreateCommand,
    CreateCommandOption, CreateEmbed, CreateForumPost, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    CreateThread, EditInteractionResponse, EditMessage, EditThread, EventHandler, ForumTagId,
    GatewayIntents, Guild, GuildChannel, GuildId, Interaction, Message, Permissions, Ready,
    ResumedEvent, UserId,
};
use serenity::client::ClientBuilder;
use serenity::http::{HttpBuilder, HttpError};
use serenity::model::event::{Event, GatewayEvent};
use tokio::sync::mpsc;

use support::fake_discord::{FakeChannel, FakeConfig, FakeDiscord, FakeGuild, TOKEN, ids};
use support::openapi::{OpenApi, assert_valid_traffic, check_discord_limits};
use support::payloads::{self as p, FileAttachment, Inter, Msg, Person, Thread, perms};

const WAIT: Duration = Duration::from_secs(10);

fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// Deserializes `d` as a gateway dispatch of type `t` and fails loudly if serenity would drop it
/// as an unknown event.
fn as_event(t: &str, d: &Value) -> Event {
    let frame = json!({"op": 0, "s": 1, "t": t, "d": d});
    match serde_json::from_value::<GatewayEvent>(frame) {
        Ok(GatewayEvent::Dispatch(_, ev)) => {
            assert_eq!(
                ev.name().as_deref(),
                Some(t),
                "serenity turned {t} into {ev:?}"
            );
            ev
        }
        Ok(other) => panic!("{t}: not a dispatch: {other:?}"),
        Err(e) => panic!("{t}: {e}"),
    }
}

fn de<T: serde::de::DeserializeOwned>(what: &str, v: &Value) -> T {
    serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{what} does not deserialize with serenity: {e}\n{v:#}"))
}

// ---------------------------------------------------------------------------------------------
// payload builders vs serenity's types
// ---------------------------------------------------------------------------------------------

#[test]
fn payload_messages_deserialize() {
    let asker = Person::member();
    let first = Msg::new(ids::TEXT_CHANNEL, &asker)
        .content("Spotify shows error 30")
        .build();
    let variants = vec![
        first.clone(),
        Msg::new(ids::THREAD, &asker)
            .content("screenshot attached")
            .attachment(&FileAttachment::new("error.png", "http://127.0.0.1:1/attachments/1/2/error.png").size(2048).dims(Some((800, 600))))
            .attachment(&FileAttachment::new("log.txt", "http://127.0.0.1:1/attachments/1/3/log.txt").dims(None))
            .build(),
        Msg::new(ids::TEXT_CHANNEL, &Person::moderator()).content("see above").mention(&asker).mention_role(ids::MOD_ROLE).reply_to(&first).build(),
        Msg::new(ids::TEXT_CHANNEL, &asker).content("in DMs").dm().build(),
        Msg::new(ids::TEXT_CHANNEL, &Person::other_bot()).content("beep").build(),
        Msg::from_bot(ids::TEXT_CHANNEL)
            .content("Here is the fix")
            .embed(json!({"title": "Error 30", "description": "Proxy", "color": 0x1DB954, "fields": [{"name": "Step 1", "value": "Do it", "inline": false}]}))
            .components(json!([p::button_row(&[("fix:next", "Next", 1), ("fix:done", "Solved", 3)]), p::select_row("fix:pick", &[("w", "Windows"), ("m", "macOS")])]))
            .application(ids::APPLICATION)
            .edited()
            .build(),
    ];
    for m in &variants {
        let msg: Message = de("Msg", m);
        assert_eq!(
            msg.id.get(),
            m["id"].as_str().unwrap().parse::<u64>().unwrap()
        );
        let Event::MessageCreate(ev) = as_event("MESSAGE_CREATE", m) else {
            unreachable!()
        };
        assert_eq!(ev.message.content, msg.content);
        as_event("MESSAGE_UPDATE", &p::message_update(m));
    }
    let with_files: Message = de("Msg", &variants[1]);
    assert_eq!(with_files.attachments.len(), 2);
    assert_eq!(with_files.attachments[0].width, Some(800));
    assert_eq!(
        with_files.attachments[0].content_type.as_deref(),
        Some("image/png")
    );
    let reply: Message = de("Msg", &variants[2]);
    assert_eq!(
        reply.referenced_message.as_ref().unwrap().content,
        "Spotify shows error 30"
    );
    assert_eq!(
        reply
            .message_reference
            .as_ref()
            .unwrap()
            .message_id
            .unwrap()
            .get(),
        first["id"].as_str().unwrap().parse::<u64>().unwrap()
    );
    assert_eq!(reply.mentions[0].id.get(), ids::USER);
    assert_eq!(reply.member.as_ref().unwrap().roles[0].get(), ids::MOD_ROLE);
    let dm: Message = de("Msg", &variants[3]);
    assert!(dm.guild_id.is_none() && dm.member.is_none());
    assert!(de::<Message>("Msg", &variants[4]).author.bot);
    let bot: Message = de("Msg", &variants[5]);
    assert_eq!(bot.components.len(), 2);
    assert_eq!(bot.embeds[0].fields.len(), 1);

    let del = p::message_delete(123, ids::TEXT_CHANNEL, Some(ids::GUILD));
    let Event::MessageDelete(ev) = as_event("MESSAGE_DELETE", &del) else {
        unreachable!()
    };
    assert_eq!(ev.message_id.get(), 123);
}

#[test]
fn payload_threads_channels_guild_ready_deserialize() {
    let t = Thread::new(ids::FORUM_CHANNEL, "Error 17 on Windows")
        .tags(&[ids::TAG_WINDOWS])
        .owner(ids::USER);
    let d = p::thread_create(&t);
    let Event::ThreadCreate(ev) = as_event("THREAD_CREATE", &d) else {
        unreachable!()
    };
    assert_eq!(ev.thread.kind, ChannelType::PublicThread);
    assert_eq!(ev.thread.parent_id.unwrap().get(), ids::FORUM_CHANNEL);
    assert_eq!(ev.thread.applied_tags[0].get(), ids::TAG_WINDOWS);
    assert!(!ev.thread.thread_metadata.unwrap().archived);
    as_event(
        "THREAD_UPDATE",
        &Thread::new(ids::FORUM_CHANNEL, "x")
            .archived(true)
            .locked(true)
            .build(),
    );
    as_event(
        "CHANNEL_CREATE",
        &p::channel_json(&FakeChannel::text(42, "new"), ids::GUILD),
    );

    let cfg = FakeConfig::default();
    let g = &cfg.guilds[0];
    for c in &g.channels {
        let gc: GuildChannel = de("channel_json", &p::channel_json(c, g.id));
        assert_eq!(gc.id.get(), c.id);
    }
    let forum: GuildChannel = de("forum", &p::channel_json(&g.channels[1], g.id));
    assert_eq!(forum.kind, ChannelType::Forum);
    let names: Vec<_> = forum
        .available_tags
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["Solved", "Help", "Windows"]);
    for r in &g.roles {
        let role: serenity::all::Role = de("role_json", &p::role_json(r));
        assert_eq!(role.permissions.bits(), r.permissions);
    }

    let channels: Vec<Value> = g
        .channels
        .iter()
        .filter(|c| !c.is_thread())
        .map(|c| p::channel_json(c, g.id))
        .collect();
    let threads: Vec<Value> = g
        .channels
        .iter()
        .filter(|c| c.is_thread())
        .map(|c| p::channel_json(c, g.id))
        .collect();
    let members: Vec<Value> = g.members.iter().map(p::fake_member_json).collect();
    let gd = p::guild_create_json(g, channels, threads, members);
    let Event::GuildCreate(ev) = as_event("GUILD_CREATE", &gd) else {
        unreachable!()
    };
    assert_eq!(
        ev.guild.channels.len(),
        2,
        "a channel was silently skipped by serenity"
    );
    assert_eq!(ev.guild.threads.len(), 1);
    assert_eq!(ev.guild.roles.len(), 3);
    assert_eq!(ev.guild.members.len(), 4);
    let _: Guild = de("guild", &gd);
    let _: serenity::all::PartialGuild = de("guild rest", &p::guild_rest_json(g));

    let ready = p::ready_json(
        p::user_json(ids::BOT_USER, "bot", true, None),
        &[ids::GUILD],
        "sess",
        "ws://x/gateway",
        [0, 1],
        ids::APPLICATION,
    );
    let Event::Ready(r) = as_event("READY", &ready) else {
        unreachable!()
    };
    assert!(r.ready.user.bot);
    assert_eq!(r.ready.shard.unwrap().total, 1);
    let _: Ready = de("ready", &ready);
}

#[test]
fn payload_interactions_deserialize() {
    let member = Person::member();
    let moderator = Person::moderator();
    let ctx = Inter::new(ids::TEXT_CHANNEL, &moderator);

    // slash with a subcommand
    let slash = p::interaction_slash(
        &ctx,
        "spotify",
        json!([p::opt_subcommand(
            "lookup",
            json!([p::opt_string("code", "30"), p::opt_bool("public", true)])
        )]),
    );
    let Interaction::Command(cmd) = de::<Interaction>("slash", &slash) else {
        panic!("not a command")
    };
    assert_eq!(cmd.data.name, "spotify");
    assert_eq!(cmd.data.options[0].name, "lookup");
    assert_eq!(cmd.user.id.get(), ids::MOD_USER);
    assert_eq!(cmd.guild_id.unwrap().get(), ids::GUILD);
    let m = cmd.member.as_ref().unwrap();
    assert!(
        m.permissions
            .unwrap()
            .contains(Permissions::MANAGE_THREADS | Permissions::MANAGE_MESSAGES)
    );
    assert!(
        cmd.app_permissions
            .unwrap()
            .contains(Permissions::MANAGE_THREADS)
    );
    assert_eq!(cmd.attachment_size_limit, 10 * 1024 * 1024);
    let Event::InteractionCreate(_) = as_event("INTERACTION_CREATE", &slash) else {
        unreachable!()
    };

    // plain member has neither permission
    let plain = p::interaction_slash(
        &Inter::new(ids::TEXT_CHANNEL, &member),
        "spotify",
        json!([p::opt_string("code", "17")]),
    );
    let Interaction::Command(cmd) = de::<Interaction>("slash", &plain) else {
        panic!()
    };
    assert!(
        !cmd.member
            .unwrap()
            .permissions
            .unwrap()
            .contains(Permissions::MANAGE_THREADS)
    );
    assert_eq!(cmd.data.options[0].value.as_str(), Some("17"));

    // in a thread, in DMs
    let thread = Thread::new(ids::FORUM_CHANNEL, "post").build();
    let in_thread = p::interaction_slash(
        &Inter::new(ids::TEXT_CHANNEL, &member).in_thread(&thread),
        "spotify",
        Value::Null,
    );
    let Interaction::Command(cmd) = de::<Interaction>("slash in thread", &in_thread) else {
        panic!()
    };
    assert_eq!(cmd.channel.unwrap().kind, ChannelType::PublicThread);
    let dm = p::interaction_slash(
        &Inter::new(ids::TEXT_CHANNEL, &member).dm(),
        "spotify",
        json!([]),
    );
    let Interaction::Command(cmd) = de::<Interaction>("slash dm", &dm) else {
        panic!()
    };
    assert!(cmd.guild_id.is_none() && cmd.member.is_none());
    assert_eq!(cmd.user.id.get(), ids::USER);
    as_event("INTERACTION_CREATE", &dm);

    // autocomplete
    let ac = p::interaction_autocomplete(
        &ctx,
        "spotify",
        json!([p::opt_subcommand(
            "lookup",
            json!([p::opt_focused("code", "3")])
        )]),
    );
    let Interaction::Autocomplete(a) = de::<Interaction>("autocomplete", &ac) else {
        panic!("not autocomplete")
    };
    assert_eq!(a.data.autocomplete().unwrap().value, "3");
    as_event("INTERACTION_CREATE", &ac);

    // components: button and select, on a bot message
    let bot_msg = Msg::from_bot(ids::TEXT_CHANNEL)
        .content("Did it help?")
        .components(json!([
            p::button_row(&[("fix:yes", "Yes", 3)]),
            p::select_row("fix:os", &[("win", "Windows")])
        ]))
        .application(ids::APPLICATION)
        .build();
    let button = p::interaction_component(
        &Inter::new(ids::TEXT_CHANNEL, &member),
        "fix:yes",
        2,
        &[],
        bot_msg.clone(),
    );
    let Interaction::Component(c) = de::<Interaction>("button", &button) else {
        panic!("not a component")
    };
    assert_eq!(c.data.custom_id, "fix:yes");
    assert_eq!(c.message.content, "Did it help?");
    as_event("INTERACTION_CREATE", &button);
    let select = p::interaction_component(
        &Inter::new(ids::TEXT_CHANNEL, &member),
        "fix:os",
        3,
        &["win"],
        bot_msg,
    );
    let Interaction::Component(c) = de::<Interaction>("select", &select) else {
        panic!()
    };
    match c.data.kind {
        serenity::all::ComponentInteractionDataKind::StringSelect { values } => {
            assert_eq!(values, ["win"])
        }
        other => panic!("{other:?}"),
    }

    // message context menu
    let target = Msg::new(ids::TEXT_CHANNEL, &member)
        .content("I get error 30")
        .build();
    let ctxmenu = p::interaction_message_context(&ctx, "Find Spotify error", target.clone());
    let Interaction::Command(cmd) = de::<Interaction>("message context", &ctxmenu) else {
        panic!()
    };
    assert_eq!(cmd.data.kind, serenity::all::CommandType::Message);
    let tid = cmd.data.target_id.unwrap();
    assert_eq!(
        cmd.data.resolved.messages[&tid.to_message_id()].content,
        "I get error 30"
    );
    as_event("INTERACTION_CREATE", &ctxmenu);

    // modal submit
    let modal = p::interaction_modal_submit(&ctx, "report", &[("details", "it broke")], None);
    let Interaction::Modal(m) = de::<Interaction>("modal", &modal) else {
        panic!()
    };
    assert_eq!(m.data.custom_id, "report");
    as_event("INTERACTION_CREATE", &modal);
}

// ---------------------------------------------------------------------------------------------
// a serenity Client against the fake
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
enum Seen {
    Ready(Ready, u32),
    Guild(Guild, u32),
    Message(Message, u32),
    Replied(Result<Message, String>),
    Interaction(Interaction),
    Resumed(u32),
}

struct Forward(mpsc::UnboundedSender<Seen>);

#[serenity::async_trait]
impl EventHandler for Forward {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let _ = self.0.send(Seen::Ready(ready, ctx.shard_id.0));
    }
    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let _ = self.0.send(Seen::Guild(guild, ctx.shard_id.0));
    }
    async fn message(&self, ctx: Context, msg: Message) {
        let _ = self.0.send(Seen::Message(msg.clone(), ctx.shard_id.0));
        if msg.content == "!ping" {
            let reply = CreateMessage::new()
                .content("pong")
                .reference_message(&msg)
                .allowed_mentions(no_pings());
            let res = msg.channel_id.send_message(&ctx.http, reply).await;
            let _ = self.0.send(Seen::Replied(res.map_err(|e| e.to_string())));
        }
    }
    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        let _ = self.0.send(Seen::Interaction(interaction));
    }
    async fn resume(&self, ctx: Context, _: ResumedEvent) {
        let _ = self.0.send(Seen::Resumed(ctx.shard_id.0));
    }
}

struct Running {
    events: mpsc::UnboundedReceiver<Seen>,
    manager: Arc<serenity::gateway::ShardManager>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn next_matching<T>(&mut self, mut f: impl FnMut(Seen) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(ev)) => {
                    if let Some(t) = f(ev) {
                        return t;
                    }
                }
                Ok(None) => panic!("event channel closed"),
                Err(_) => panic!("timed out waiting for a serenity event"),
            }
        }
    }
    async fn stop(self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.manager.shutdown_all()).await;
        self.task.abort();
    }
}

const INTENTS: GatewayIntents = GatewayIntents::GUILDS
    .union(GatewayIntents::GUILD_MESSAGES)
    .union(GatewayIntents::MESSAGE_CONTENT)
    .union(GatewayIntents::DIRECT_MESSAGES);

async fn start_client(http: serenity::http::Http, shards: Option<u32>) -> Running {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut client = ClientBuilder::new_with_http(http, INTENTS)
        .event_handler(Forward(tx))
        .await
        .expect("client builds");
    let manager = client.shard_manager.clone();
    let task = tokio::spawn(async move {
        let res = match shards {
            Some(n) => client.start_shards(n).await,
            None => client.start().await,
        };
        if let Err(e) = res {
            eprintln!("serenity client stopped: {e}");
        }
    });
    Running {
        events: rx,
        manager,
        task,
    }
}

#[tokio::test]
async fn serenity_client_gets_ready_guild_and_messages_and_replies() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let mut bot = start_client(fake.serenity_http(), None).await;

    let (ready, ready_shard) = bot
        .next_matching(|e| {
            if let Seen::Ready(r, s) = e {
                Some((r, s))
            } else {
                None
            }
        })
        .await;
    assert_eq!(ready_shard, 0);
    assert_eq!(ready.user.id.get(), ids::BOT_USER);
    assert_eq!(ready.guilds[0].id.get(), ids::GUILD);
    let guild = bot
        .next_matching(|e| {
            if let Seen::Guild(g, _) = e {
                Some(g)
            } else {
                None
            }
        })
        .await;
    assert_eq!(guild.id.get(), ids::GUILD);
    assert_eq!(guild.channels.len(), 2);
    assert_eq!(guild.threads.len(), 1);
    assert!(guild.roles.contains_key(&ids::MOD_ROLE.into()));
    assert!(fake.wait_for_shard_ready(0, WAIT).await);
    assert_eq!(fake.identified_shards(), vec![0]);
    let identify = fake.identify_payload(0).unwrap();
    assert_eq!(identify["shard"], json!([0, 1]));
    assert_eq!(fake.intents(0), Some(INTENTS.bits()));
    assert_eq!(identify["token"], json!("[redacted]"));
    // the gateway URL came from GET /gateway over the TLS listener (ratelimited mode)
    let gw = fake.requests_matching("GET", "/gateway");
    assert!(gw.iter().any(|r| r.api && r.via_tls), "{gw:?}");
    assert_eq!(gw[0].header("authorization"), Some("Bot [redacted]"));

    let ping = Msg::new(ids::TEXT_CHANNEL, &Person::member())
        .content("!ping")
        .build();
    assert_eq!(fake.dispatch("MESSAGE_CREATE", ping.clone()), Ok(0));
    let got = bot
        .next_matching(|e| {
            if let Seen::Message(m, _) = e {
                Some(m)
            } else {
                None
            }
        })
        .await;
    assert_eq!(got.content, "!ping");
    assert_eq!(got.guild_id.unwrap().get(), ids::GUILD);
    let reply = bot
        .next_matching(|e| {
            if let Seen::Replied(r) = e {
                Some(r)
            } else {
                None
            }
        })
        .await
        .expect("reply sent");
    assert_eq!(reply.author.id.get(), ids::BOT_USER);
    assert_eq!(reply.referenced_message.as_ref().unwrap().id, got.id);

    let post = fake
        .wait_for_request(
            |r| r.matches("POST", &format!("/channels/{}/messages", ids::TEXT_CHANNEL)),
            WAIT,
        )
        .await
        .expect("reply recorded");
    assert_eq!(
        post.raw_path,
        format!("/api/v10/channels/{}/messages", ids::TEXT_CHANNEL)
    );
    assert_eq!(post.body_at("/content"), Some(&json!("pong")));
    assert_eq!(post.body_at("/allowed_mentions/parse"), Some(&json!([])));
    assert_eq!(
        post.body_at("/message_reference/message_id"),
        Some(&ping["id"])
    );
    assert_eq!(post.status, 200);
    assert_eq!(fake.messages_in(ids::TEXT_CHANNEL).len(), 2);

    // an interaction reaches the handler as well
    let slash = p::interaction_slash(
        &Inter::new(ids::TEXT_CHANNEL, &Person::member()),
        "spotify",
        json!([p::opt_string("code", "30")]),
    );
    fake.dispatch("INTERACTION_CREATE", slash).unwrap();
    let i = bot
        .next_matching(|e| {
            if let Seen::Interaction(i) = e {
                Some(i)
            } else {
                None
            }
        })
        .await;
    assert_eq!(i.as_command().unwrap().data.name, "spotify");

    assert_valid_traffic(&fake);
    bot.stop().await;
}

#[tokio::test]
async fn intents_are_enforced_like_discord() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    // no MESSAGE_CONTENT, no GUILD_MESSAGES
    let mut client = ClientBuilder::new_with_http(fake.serenity_http(), GatewayIntents::GUILDS)
        .event_handler(Forward(tx))
        .await
        .unwrap();
    let manager = client.shard_manager.clone();
    let task = tokio::spawn(async move {
        let _ = client.start().await;
    });
    assert!(fake.wait_for_shard_ready(0, WAIT).await);
    assert_eq!(fake.intents(0), Some(GatewayIntents::GUILDS.bits()));
    let err = fake
        .dispatch(
            "MESSAGE_CREATE",
            p::message_create(ids::TEXT_CHANNEL, &Person::member(), "hi"),
        )
        .unwrap_err();
    assert!(err.contains("GUILD_MESSAGES"), "{err}");
    // INTERACTION_CREATE needs no intent
    fake.dispatch(
        "INTERACTION_CREATE",
        p::interaction_slash(
            &Inter::new(ids::TEXT_CHANNEL, &Person::member()),
            "spotify",
            json!([]),
        ),
    )
    .unwrap();
    let got = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(Seen::Interaction(i)) = rx.recv().await {
                return i;
            }
        }
    })
    .await
    .unwrap();
    assert!(got.as_command().is_some());
    let _ = tokio::time::timeout(Duration::from_secs(5), manager.shutdown_all()).await;
    task.abort();
}

#[tokio::test]
async fn message_content_is_stripped_without_the_intent() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
    let mut client = ClientBuilder::new_with_http(fake.serenity_http(), intents)
        .event_handler(Forward(tx))
        .await
        .unwrap();
    let manager = client.shard_manager.clone();
    let task = tokio::spawn(async move {
        let _ = client.start().await;
    });
    assert!(fake.wait_for_shard_ready(0, WAIT).await);
    fake.dispatch(
        "MESSAGE_CREATE",
        p::message_create(ids::TEXT_CHANNEL, &Person::member(), "error 30"),
    )
    .unwrap();
    let msg = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(Seen::Message(m, _)) = rx.recv().await {
                return m;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(
        msg.content, "",
        "Discord sends no content without MESSAGE_CONTENT"
    );
    let _ = tokio::time::timeout(Duration::from_secs(5), manager.shutdown_all()).await;
    task.abort();
}

#[tokio::test]
async fn gateway_disconnect_then_resume() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let mut bot = start_client(fake.serenity_http(), None).await;
    assert!(fake.wait_for_shard_ready(0, WAIT).await);
    bot.next_matching(|e| {
        if let Seen::Guild(g, _) = e {
            Some(g)
        } else {
            None
        }
    })
    .await;

    fake.disconnect_all();
    let shard = bot
        .next_matching(|e| {
            if let Seen::Resumed(s) = e {
                Some(s)
            } else {
                None
            }
        })
        .await;
    assert_eq!(shard, 0);
    assert!(fake.wait_for_shard_ready(0, WAIT).await);
    assert_eq!(
        fake.identify_count(0),
        1,
        "serenity resumed instead of identifying again"
    );
    assert!(
        fake.gateway_frames()
            .iter()
            .any(|f| f.op == 6 && f.payload["d"]["token"] == json!("[redacted]"))
    );

    fake.dispatch(
        "MESSAGE_CREATE",
        p::message_create(ids::TEXT_CHANNEL, &Person::member(), "after resume"),
    )
    .unwrap();
    let m = bot
        .next_matching(|e| {
            if let Seen::Message(m, _) = e {
                Some(m)
            } else {
                None
            }
        })
        .await;
    assert_eq!(m.content, "after resume");
    bot.stop().await;

    // a new client (bot restart) identifies again on the same fake
    fake.disconnect_all();
    fake.forget_sessions();
    let mut bot2 = start_client(fake.serenity_http(), None).await;
    bot2.next_matching(|e| {
        if let Seen::Ready(r, _) = e {
            Some(r)
        } else {
            None
        }
    })
    .await;
    assert!(fake.identify_count(0) >= 2);
    bot2.stop().await;
}

#[tokio::test]
async fn two_shards_each_get_their_own_guild() {
    let g0 = ids::guild_for_shard(0, 2, 1);
    let g1 = ids::guild_for_shard(1, 2, 2);
    assert_eq!((ids::shard_of(g0, 2), ids::shard_of(g1, 2)), (0, 1));
    let (c0, c1) = (g0 + 10, g1 + 10);
    let cfg = FakeConfig::empty()
        .with_guild(FakeGuild::new(g0, "Shard zero").channel(FakeChannel::text(c0, "help-0")))
        .with_guild(FakeGuild::new(g1, "Shard one").channel(FakeChannel::text(c1, "help-1")))
        .shards(2);
    let fake = FakeDiscord::start(cfg).await;
    let mut bot = start_client(fake.serenity_http(), Some(2)).await;

    let mut guilds = Vec::new();
    while guilds.len() < 2 {
        // serenity waits 5 s between shard starts
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        match tokio::time::timeout_at(deadline, bot.events.recv()).await {
            Ok(Some(Seen::Guild(g, shard))) => guilds.push((g.id.get(), shard)),
            Ok(Some(_)) => {}
            other => panic!("timed out waiting for GUILD_CREATEs: {other:?}, got {guilds:?}"),
        }
    }
    guilds.sort();
    let mut expected = vec![(g0, 0), (g1, 1)];
    expected.sort();
    assert_eq!(guilds, expected);
    assert_eq!(fake.identified_shards(), vec![0, 1]);
    assert_eq!(fake.identify_payload(1).unwrap()["shard"], json!([1, 2]));
    assert_eq!(fake.shard_for_guild(g1), 1);

    assert_eq!(
        fake.dispatch(
            "MESSAGE_CREATE",
            Msg::new(c1, &Person::member())
                .in_guild(g1)
                .content("one")
                .build()
        ),
        Ok(1)
    );
    assert_eq!(
        fake.dispatch(
            "MESSAGE_CREATE",
            Msg::new(c0, &Person::member())
                .in_guild(g0)
                .content("zero")
                .build()
        ),
        Ok(0)
    );
    let mut got = Vec::new();
    while got.len() < 2 {
        let m = bot
            .next_matching(|e| {
                if let Seen::Message(m, s) = e {
                    Some((m.content, s))
                } else {
                    None
                }
            })
            .await;
        got.push(m);
    }
    got.sort();
    assert_eq!(got, vec![("one".to_string(), 1), ("zero".to_string(), 0)]);
    bot.stop().await;
}

#[tokio::test]
async fn heartbeats_are_acknowledged() {
    let cfg = FakeConfig {
        heartbeat_interval_ms: 300,
        ..FakeConfig::default()
    };
    let fake = FakeDiscord::start(cfg).await;
    let bot = start_client(fake.serenity_http(), None).await;
    assert!(fake.wait_for_shard_ready(0, WAIT).await);
    let beats = |f: &FakeDiscord| f.gateway_frames().iter().filter(|f| f.op == 1).count();
    let deadline = Instant::now() + WAIT;
    while beats(&fake) < 3 {
        assert!(Instant::now() < deadline, "serenity did not heartbeat");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // acknowledged: serenity neither reconnected nor resumed
    assert_eq!(fake.identify_count(0), 1);
    assert!(!fake.gateway_frames().iter().any(|f| f.op == 6));
    assert_eq!(fake.identified_shards(), vec![0]);
    bot.stop().await;
}

#[tokio::test]
async fn echo_own_events_reach_the_bot() {
    let fake = FakeDiscord::start(FakeConfig::default().echo_own_events(true)).await;
    let mut bot = start_client(fake.serenity_http(), None).await;
    assert!(fake.wait_for_shard_ready(0, WAIT).await);
    fake.dispatch(
        "MESSAGE_CREATE",
        p::message_create(ids::TEXT_CHANNEL, &Person::member(), "!ping"),
    )
    .unwrap();
    // the bot sees the question, then its own reply echoed by the gateway
    let own = bot
        .next_matching(|e| {
            if let Seen::Message(m, _) = e {
                (m.author.id.get() == ids::BOT_USER).then_some(m)
            } else {
                None
            }
        })
        .await;
    assert_eq!(own.content, "pong");
    assert_eq!(own.guild_id.unwrap().get(), ids::GUILD);
    assert!(own.author.bot);
    bot.stop().await;
}

// ---------------------------------------------------------------------------------------------
// HTTP: ratelimiter, proxy mode, REST shapes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn injected_429_is_retried_by_serenitys_ratelimiter() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let http = fake.serenity_http();
    fake.fail_next("POST", "/messages", 429, 0.4);
    let started = Instant::now();
    let msg = ChannelId::new(ids::TEXT_CHANNEL)
        .send_message(
            &http,
            CreateMessage::new()
                .content("hello")
                .allowed_mentions(no_pings()),
        )
        .await
        .expect("serenity retries the 429 and succeeds");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(msg.content, "hello");
    let attempts = fake.requests_matching("POST", "/channels/*/messages");
    assert_eq!(
        attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
    assert_eq!(
        attempts[0].response.as_ref().unwrap()["message"],
        json!("You are being rate limited.")
    );
    assert!(attempts.iter().all(|r| r.via_tls));
    assert_eq!(attempts[0].body, attempts[1].body);

    // a 500 is not retried: serenity returns the error
    fake.fail_next("*", "/channels/", 500, 0.0);
    let err = ChannelId::new(ids::TEXT_CHANNEL)
        .send_message(
            &http,
            CreateMessage::new()
                .content("again")
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) if r.status_code.as_u16() == 500),
        "{err:?}"
    );
    assert_valid_traffic(&fake);
}

#[tokio::test]
async fn proxy_mode_is_the_discord_api_base_form_and_429_is_an_error_there() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let base = fake.api_base();
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with('/'));
    // exactly what a user would put in DISCORD_API_BASE; a trailing slash is tolerated
    for b in [base.clone(), format!("{base}/")] {
        let http = HttpBuilder::new(TOKEN)
            .proxy(b)
            .ratelimiter_disabled(true)
            .build();
        let me = http
            .get_current_user()
            .await
            .expect("users/@me through the proxy");
        assert_eq!(me.id.get(), ids::BOT_USER);
    }
    let r = fake
        .wait_for_request(|r| r.path == "/users/@me", WAIT)
        .await
        .unwrap();
    assert_eq!(r.raw_path, "/api/v10/users/@me");
    assert!(!r.via_tls);

    // `/api/v10` in the base is wrong: serenity appends it again
    let wrong = HttpBuilder::new(TOKEN)
        .proxy(format!("{base}/api/v10"))
        .ratelimiter_disabled(true)
        .build();
    assert!(wrong.get_current_user().await.is_err());
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.path == "/api/v10/users/@me" && r.status == 404)
    );

    // with the ratelimiter disabled (required for `proxy`), a 429 surfaces as an error
    let http = fake.serenity_http_proxy();
    fake.fail_next("GET", "/users/@me", 429, 0.1);
    let err = http.get_current_user().await.unwrap_err();
    assert!(
        matches!(&err, serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) if r.status_code.as_u16() == 429),
        "{err:?}"
    );
}

#[tokio::test]
async fn rest_messages_threads_and_forum_tags() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let http = fake.serenity_http();

    assert_eq!(http.get_gateway().await.unwrap().url, fake.gateway_url());
    let bot_gw = http.get_bot_gateway().await.unwrap();
    assert_eq!(bot_gw.shards, 1);
    assert_eq!(
        http.get_current_application_info().await.unwrap().id.get(),
        ids::APPLICATION
    );

    let text = ChannelId::new(ids::TEXT_CHANNEL);
    let embed = CreateEmbed::new()
        .title("Error 30")
        .description("Proxy settings")
        .field("Step 1", "Open settings", false);
    let msg = text
        .send_message(
            &http,
            CreateMessage::new()
                .content("Fix for error 30")
                .embed(embed)
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap();
    assert_eq!(msg.author.id.get(), ids::BOT_USER);
    assert_eq!(msg.embeds[0].title.as_deref(), Some("Error 30"));
    let edited = text
        .edit_message(
            &http,
            msg.id,
            EditMessage::new().content("Fix for error 30 (updated)"),
        )
        .await
        .unwrap();
    assert!(edited.edited_timestamp.is_some());
    assert_eq!(
        text.message(&http, msg.id).await.unwrap().content,
        "Fix for error 30 (updated)"
    );
    msg.react(&http, '👍').await.unwrap();
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path.contains("/reactions/") && r.status == 204)
    );

    let thread = text
        .create_thread_from_message(&http, msg.id, CreateThread::new("Error 30 help"))
        .await
        .unwrap();
    assert_eq!(
        thread.id.get(),
        msg.id.get(),
        "a thread from a message takes the message's id"
    );
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id, Some(text));
    let in_thread = thread
        .id
        .send_message(
            &http,
            CreateMessage::new()
                .content("step 1")
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap();
    assert_eq!(in_thread.channel_id, thread.id);
    assert!(
        text.create_thread_from_message(&http, msg.id, CreateThread::new("again"))
            .await
            .is_err()
    );

    // forum post with a tag
    let forum = ChannelId::new(ids::FORUM_CHANNEL);
    let post = forum
        .create_forum_post(
            &http,
            CreateForumPost::new(
                "Error 17",
                CreateMessage::new()
                    .content("Spotify can't start")
                    .allowed_mentions(no_pings()),
            )
            .add_applied_tag(ForumTagId::new(ids::TAG_HELP)),
        )
        .await
        .unwrap();
    assert_eq!(post.parent_id, Some(forum));
    assert_eq!(post.applied_tags, vec![ForumTagId::new(ids::TAG_HELP)]);
    assert_eq!(fake.threads_in(ids::FORUM_CHANNEL).len(), 2);
    assert_eq!(fake.messages_in(post.id.get()).len(), 1);
    assert!(
        forum
            .send_message(
                &http,
                CreateMessage::new()
                    .content("x")
                    .allowed_mentions(no_pings())
            )
            .await
            .is_err(),
        "cannot post in a forum directly"
    );

    // a forum channel's tags, then tag / archive / lock a thread
    let serenity::all::Channel::Guild(f) = http.get_channel(forum).await.unwrap() else {
        panic!("not a guild channel")
    };
    let solved = f
        .available_tags
        .iter()
        .find(|t| t.name == "Solved")
        .unwrap()
        .id;
    let t = ChannelId::new(ids::THREAD)
        .edit_thread(
            &http,
            EditThread::new()
                .applied_tags([solved, ForumTagId::new(ids::TAG_WINDOWS)])
                .archived(true)
                .locked(true),
        )
        .await
        .unwrap();
    assert_eq!(
        t.applied_tags,
        vec![solved, ForumTagId::new(ids::TAG_WINDOWS)]
    );
    let meta = t.thread_metadata.unwrap();
    assert!(meta.archived && meta.locked);
    assert_eq!(
        fake.channel(ids::THREAD).unwrap()["thread_metadata"]["locked"],
        json!(true)
    );
    let err = ChannelId::new(ids::THREAD)
        .send_message(
            &http,
            CreateMessage::new()
                .content("too late")
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("archived"), "{err}");
    let bad = post
        .id
        .edit_thread(
            &http,
            EditThread::new().applied_tags([ForumTagId::new(999)]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&bad, serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) if r.status_code.as_u16() == 400),
        "{bad:?}"
    );

    // guild endpoints
    let guild = GuildId::new(ids::GUILD);
    assert_eq!(
        http.get_guild(guild).await.unwrap().name,
        "Spotify Help Desk"
    );
    assert_eq!(guild.roles(&http).await.unwrap().len(), 3);
    let member = guild
        .member(&http, UserId::new(ids::MOD_USER))
        .await
        .unwrap();
    assert_eq!(
        member.roles,
        vec![serenity::all::RoleId::new(ids::MOD_ROLE)]
    );
    assert!(guild.member(&http, UserId::new(12345)).await.is_err());
    assert_eq!(guild.channels(&http).await.unwrap().len(), 2);
    assert!(http.get_channel(ChannelId::new(777)).await.is_err());

    assert_valid_traffic(&fake);
}

#[tokio::test]
async fn rest_commands_and_interaction_responses() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let http = fake.serenity_http();

    let cmd = CreateCommand::new("spotify")
        .description("Look up a Spotify error")
        .add_option(
            CreateCommandOption::new(
                serenity::all::CommandOptionType::String,
                "code",
                "The error code",
            )
            .required(true)
            .set_autocomplete(true),
        );
    let global = serenity::all::Command::set_global_commands(&http, vec![cmd.clone()])
        .await
        .unwrap();
    assert_eq!(global[0].name, "spotify");
    assert_eq!(global[0].application_id.get(), ids::APPLICATION);
    let again = serenity::all::Command::set_global_commands(&http, vec![cmd.clone()])
        .await
        .unwrap();
    assert_eq!(
        again[0].id, global[0].id,
        "overwriting keeps the id of a command with the same name"
    );
    let in_guild = GuildId::new(ids::GUILD)
        .set_commands(&http, vec![cmd])
        .await
        .unwrap();
    assert_eq!(in_guild[0].guild_id.unwrap().get(), ids::GUILD);
    assert_eq!(fake.global_commands().len(), 1);

    // slash: defer, edit the original, follow up
    let payload = p::interaction_slash(
        &Inter::new(ids::TEXT_CHANNEL, &Person::member()),
        "spotify",
        json!([p::opt_string("code", "30")]),
    );
    let token = payload["token"].as_str().unwrap().to_string();
    // the token is registered when the interaction is dispatched; without a gateway, apply it
    // by hand (callbacks for unknown tokens are accepted too)
    fake.apply_event("INTERACTION_CREATE", &payload);
    let Interaction::Command(ci) = de::<Interaction>("slash", &payload) else {
        panic!()
    };
    ci.create_response(
        &http,
        CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new()),
    )
    .await
    .unwrap();
    let again = ci
        .create_response(
            &http,
            CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new()),
        )
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("already been acknowledged"),
        "{again}"
    );
    let original = ci
        .edit_response(
            &http,
            EditInteractionResponse::new()
                .content("Error 30: proxy")
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap();
    assert_eq!(original.content, "Error 30: proxy");
    assert_eq!(ci.get_response(&http).await.unwrap().id, original.id);
    assert_eq!(
        fake.original_response(&token).unwrap()["content"],
        json!("Error 30: proxy")
    );
    let follow = ci
        .create_followup(
            &http,
            CreateInteractionResponseFollowup::new()
                .content("More help")
                .ephemeral(true)
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap();
    assert!(
        follow
            .flags
            .unwrap()
            .contains(serenity::all::MessageFlags::EPHEMERAL)
    );
    let cb = fake
        .wait_for_request(|r| r.matches("POST", "/interactions/*/*/callback"), WAIT)
        .await
        .unwrap();
    assert_eq!(cb.status, 204);
    assert_eq!(cb.body_at("/type"), Some(&json!(5)));

    // autocomplete answer
    let ac = p::interaction_autocomplete(
        &Inter::new(ids::TEXT_CHANNEL, &Person::member()),
        "spotify",
        json!([p::opt_focused("code", "3")]),
    );
    let Interaction::Autocomplete(ai) = de::<Interaction>("ac", &ac) else {
        panic!()
    };
    ai.create_response(
        &http,
        CreateInteractionResponse::Autocomplete(
            serenity::all::CreateAutocompleteResponse::new().add_string_choice("Error 30", "30"),
        ),
    )
    .await
    .unwrap();

    // component: update the message it is on
    let on = Msg::from_bot(ids::TEXT_CHANNEL)
        .content("Did it help?")
        .components(json!([p::button_row(&[("fix:yes", "Yes", 3)])]))
        .build();
    let comp = p::interaction_component(
        &Inter::new(ids::TEXT_CHANNEL, &Person::member()),
        "fix:yes",
        2,
        &[],
        on.clone(),
    );
    fake.apply_event("INTERACTION_CREATE", &comp);
    assert!(
        fake.message(on["id"].as_str().unwrap().parse().unwrap())
            .is_some(),
        "the component's message is stored"
    );
    let Interaction::Component(mc) = de::<Interaction>("component", &comp) else {
        panic!()
    };
    mc.create_response(
        &http,
        CreateInteractionResponse::UpdateMessage(
            CreateInteractionResponseMessage::new()
                .content("Great!")
                .components(vec![])
                .allowed_mentions(no_pings()),
        ),
    )
    .await
    .unwrap();
    let mid: u64 = on["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(fake.message(mid).unwrap()["content"], json!("Great!"));

    // a component answered with a new message (type 4), a modal submit deferred then edited
    let comp = p::interaction_component(
        &Inter::new(ids::TEXT_CHANNEL, &Person::member()),
        "fix:yes",
        2,
        &[],
        on.clone(),
    );
    fake.apply_event("INTERACTION_CREATE", &comp);
    let Interaction::Component(mc) = de::<Interaction>("component", &comp) else {
        panic!()
    };
    mc.create_response(
        &http,
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content("Next step")
                .allowed_mentions(no_pings()),
        ),
    )
    .await
    .unwrap();
    assert_eq!(mc.get_response(&http).await.unwrap().content, "Next step");
    let modal = p::interaction_modal_submit(
        &Inter::new(ids::TEXT_CHANNEL, &Person::member()),
        "report",
        &[("details", "it broke")],
        None,
    );
    fake.apply_event("INTERACTION_CREATE", &modal);
    let Interaction::Modal(mi) = de::<Interaction>("modal", &modal) else {
        panic!()
    };
    mi.create_response(
        &http,
        CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new()),
    )
    .await
    .unwrap();
    let edited = mi
        .edit_response(
            &http,
            EditInteractionResponse::new()
                .content("Thanks")
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap();
    assert_eq!(edited.content, "Thanks");

    // reply with a message (type 4)
    let payload = p::interaction_slash(
        &Inter::new(ids::TEXT_CHANNEL, &Person::moderator()),
        "spotify",
        json!([]),
    );
    fake.apply_event("INTERACTION_CREATE", &payload);
    let Interaction::Command(ci) = de::<Interaction>("slash", &payload) else {
        panic!()
    };
    ci.create_response(
        &http,
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content("Pick a code")
                .ephemeral(true)
                .allowed_mentions(no_pings()),
        ),
    )
    .await
    .unwrap();
    let orig = ci.get_response(&http).await.unwrap();
    assert_eq!(orig.content, "Pick a code");

    assert_valid_traffic(&fake);
}

#[tokio::test]
async fn attachments_cdn_and_multipart_uploads() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let http = fake.serenity_http();
    let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3];
    let url = fake.add_attachment("error 30.png", png.clone(), "image/png");
    assert!(url.starts_with(&fake.api_base()));
    let m: Message = de(
        "msg",
        &Msg::new(ids::TEXT_CHANNEL, &Person::member())
            .image("error 30.png", &url)
            .build(),
    );
    assert_eq!(m.attachments[0].download().await.unwrap(), png);
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(
        reqwest::get(format!("{}/attachments/nope", fake.api_base()))
            .await
            .unwrap()
            .status(),
        404
    );

    let sent = ChannelId::new(ids::TEXT_CHANNEL)
        .send_message(
            &http,
            CreateMessage::new()
                .content("log attached")
                .add_file(CreateAttachment::bytes(
                    b"line 1\nline 2".to_vec(),
                    "spotify.log",
                ))
                .allowed_mentions(no_pings()),
        )
        .await
        .unwrap();
    assert_eq!(sent.attachments[0].filename, "spotify.log");
    assert_eq!(
        sent.attachments[0].download().await.unwrap(),
        b"line 1\nline 2"
    );
    let r = fake
        .wait_for_request(|r| r.is_multipart(), WAIT)
        .await
        .unwrap();
    assert_eq!(
        r.body_at("/content"),
        Some(&json!("log attached")),
        "payload_json is parsed into body"
    );
    assert!(
        r.multipart
            .iter()
            .any(|p| p.filename.as_deref() == Some("spotify.log"))
    );
    assert_valid_traffic(&fake);
}

#[tokio::test]
async fn malformed_requests_get_400_and_are_recorded() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let cfg = FakeConfig {
        log_path: Some(log.path().to_path_buf()),
        ..FakeConfig::default()
    };
    let fake = FakeDiscord::start(cfg).await;
    let base = format!("{}/api/v10", fake.api_base());
    let client = reqwest::Client::new();
    let post = |path: &str, ct: &str, body: &'static [u8]| {
        client
            .post(format!("{base}{path}"))
            .header("content-type", ct)
            .header("authorization", format!("Bot {TOKEN}"))
            .body(body)
    };
    let ch = format!("/channels/{}/messages", ids::TEXT_CHANNEL);
    assert_eq!(
        post(&ch, "application/json", b"{not json")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post(&ch, "multipart/form-data; boundary=xyz", b"garbage")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post(&ch, "multipart/form-data", b"--")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post("/channels/abc/messages", "application/json", b"{}")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post(&ch, "application/json", b"{}")
            .send()
            .await
            .unwrap()
            .status(),
        400,
        "empty message"
    );
    assert_eq!(
        post(&ch, "application/json", b"[1,2]")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post(
            "/interactions/1/x/callback",
            "application/json",
            b"{\"type\": \"four\"}"
        )
        .send()
        .await
        .unwrap()
        .status(),
        400
    );
    assert_eq!(
        post(
            "/channels/1/messages/%ZZ/reactions/%F0%9F/@me",
            "application/json",
            b""
        )
        .send()
        .await
        .unwrap()
        .status(),
        404
    );
    let unknown = client
        .get(format!("{base}/no/such/route"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        serde_json::from_slice::<Value>(&unknown.bytes().await.unwrap()).unwrap()["message"],
        json!("404: Not Found")
    );
    assert_eq!(
        client
            .get(format!("{}/gateway", fake.api_base()))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
            / 100,
        4
    );
    assert_eq!(
        client
            .get(format!("{}/elsewhere", fake.api_base()))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // still alive
    assert_eq!(
        client
            .get(format!("{base}/users/@me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let reqs = fake.requests();
    assert!(reqs.len() >= 12);
    let first = &reqs[0];
    assert_eq!(
        (
            first.status,
            first.body.is_none(),
            first.raw_body.as_slice()
        ),
        (400, true, b"{not json".as_slice())
    );
    assert_eq!(first.header("authorization"), Some("Bot [redacted]"));
    assert!(
        reqs.iter()
            .all(|r| !r.headers.iter().any(|(_, v)| v.contains(TOKEN)))
    );

    let lines = std::fs::read_to_string(log.path()).unwrap();
    let parsed: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed.len(), reqs.len());
    assert_eq!(parsed[0]["method"], json!("POST"));
    assert_eq!(parsed[0]["path"], json!(ch));
    assert!(parsed.iter().all(|l| l.get("body").is_some()));

    fake.clear_requests();
    assert!(fake.requests().is_empty());
    assert!(
        fake.wait_for_request(|_| true, Duration::from_millis(50))
            .await
            .is_none()
    );
    assert!(
        fake.dispatch("MESSAGE_CREATE", json!({})).is_err(),
        "no shard connected"
    );
}

#[tokio::test]
async fn shuts_down_when_dropped() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let (addr, tls) = (fake.addr(), fake.tls_addr());
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    drop(fake);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let a = tokio::net::TcpStream::connect(addr).await.is_err();
        let b = tokio::net::TcpStream::connect(tls).await.is_err();
        if a && b {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "listeners still accept connections after drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI validation and limits
// ---------------------------------------------------------------------------------------------

#[test]
fn openapi_validator_accepts_valid_and_rejects_invalid_bodies() {
    let Some(spec) = OpenApi::load() else {
        // printed: "skipping OpenAPI checks: spec not found at ..."
        return;
    };
    let ch = format!("/channels/{}/messages", ids::TEXT_CHANNEL);
    assert_eq!(
        spec.find_operation("POST", &ch).as_deref(),
        Some("/channels/{channel_id}/messages")
    );
    assert_eq!(
        spec.find_operation("PATCH", "/api/v10/webhooks/1/tok/messages/@original?x=1")
            .as_deref(),
        Some("/webhooks/{webhook_id}/{webhook_token}/messages/@original")
    );
    assert!(spec.find_operation("POST", "/no/such/thing").is_none());

    let valid = json!({"content": "Error 30", "embeds": [{"title": "Fix", "description": "Do this"}], "allowed_mentions": {"parse": []}});
    assert_eq!(spec.validate("POST", &ch, &valid), Ok(()));
    let errs = spec
        .validate("POST", &ch, &json!({"content": "x", "embeds": "nope"}))
        .unwrap_err();
    assert!(errs.iter().any(|e| e.contains("/embeds")), "{errs:?}");
    assert!(
        spec.validate(
            "POST",
            &ch,
            &json!({"allowed_mentions": {"parse": ["nobody"]}})
        )
        .is_err()
    );
    assert!(spec.validate("POST", "/no/such/thing", &json!({})).is_err());

    // what serenity's builders actually serialize passes
    let body = serde_json::to_value(
        CreateMessage::new()
            .content("x")
            .embed(CreateEmbed::new().title("t").field("a", "b", true))
            .allowed_mentions(no_pings()),
    )
    .unwrap();
    assert_eq!(spec.validate("POST", &ch, &body), Ok(()));
    let cb = serde_json::to_value(CreateInteractionResponse::Defer(
        CreateInteractionResponseMessage::new().ephemeral(true),
    ))
    .unwrap();
    assert_eq!(
        spec.validate("POST", "/interactions/1/tok/callback", &cb),
        Ok(())
    );
    let cb = json!({"type": 4, "data": {"content": 5}});
    assert!(
        spec.validate("POST", "/interactions/1/tok/callback", &cb)
            .is_err()
    );
}

#[test]
fn limits_checker_flags_violations() {
    let ch = format!("/channels/{}/messages", ids::TEXT_CHANNEL);
    let ok = json!({"content": "hi", "allowed_mentions": {"parse": []}});
    assert_eq!(check_discord_limits("POST", &ch, &ok), Vec::<String>::new());

    let long_title =
        json!({"embeds": [{"title": "x".repeat(257)}], "allowed_mentions": {"parse": []}});
    let v = check_discord_limits("POST", &ch, &long_title);
    assert!(v.iter().any(|e| e.contains("embeds[0].title")), "{v:?}");

    let no_am = json!({"content": "hi"});
    let v = check_discord_limits("POST", &ch, &no_am);
    assert!(
        v.iter().any(|e| e.contains("allowed_mentions is missing")),
        "{v:?}"
    );
    let pings = json!({"content": "hi", "allowed_mentions": {"parse": ["users"], "roles": ["1"]}});
    assert_eq!(check_discord_limits("POST", &ch, &pings).len(), 2);
    // edits of channel messages do not need allowed_mentions; follow-ups do
    assert!(check_discord_limits("PATCH", &format!("{ch}/5"), &no_am).is_empty());
    assert!(!check_discord_limits("POST", "/webhooks/1/tok", &no_am).is_empty());
    let cb = json!({"type": 4, "data": {"content": "hi"}});
    assert!(!check_discord_limits("POST", "/interactions/1/tok/callback", &cb).is_empty());
    assert!(
        check_discord_limits("POST", "/interactions/1/tok/callback", &json!({"type": 5}))
            .is_empty()
    );

    let crowded = json!({"content": "x", "allowed_mentions": {"parse": []}, "components": [
        {"type": 1, "components": [{"type": 3, "custom_id": "s", "options": []}, {"type": 2, "custom_id": "b", "style": 1, "label": "B"}]},
        {"type": 1, "components": (0..6).map(|i| json!({"type": 2, "style": 1, "custom_id": format!("b{i}"), "label": "L"})).collect::<Vec<_>>()},
        {"type": 1, "components": [{"type": 3, "custom_id": "y".repeat(101), "options": (0..26).map(|i| json!({"label": i.to_string(), "value": i.to_string()})).collect::<Vec<_>>()}]},
    ]});
    let v = check_discord_limits("POST", &ch, &crowded);
    assert!(v.iter().any(|e| e.contains("alone in its row")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("6 buttons")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("custom_id")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("26 options")), "{v:?}");

    let too_many_fields = json!({"allowed_mentions": {"parse": []}, "embeds": [{"description": "d".repeat(4000), "fields": (0..26).map(|_| json!({"name": "n", "value": "v".repeat(100)})).collect::<Vec<_>>()}]});
    let v = check_discord_limits("POST", &ch, &too_many_fields);
    assert!(v.iter().any(|e| e.contains("26 fields")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("in total")), "{v:?}");

    let ac = json!({"type": 8, "data": {"choices": (0..26).map(|i| json!({"name": i.to_string(), "value": i.to_string()})).collect::<Vec<_>>()}});
    assert!(
        check_discord_limits("POST", "/interactions/1/tok/callback", &ac)
            .iter()
            .any(|e| e.contains("26 choices"))
    );
    assert!(
        !check_discord_limits(
            "POST",
            &ch,
            &json!({"content": "é".repeat(2001), "allowed_mentions": {}})
        )
        .is_empty()
    );
    assert!(
        check_discord_limits(
            "POST",
            &ch,
            &json!({"content": "é".repeat(2000), "allowed_mentions": {}})
        )
        .is_empty()
    );

    let _ = perms::MODERATOR;
}
