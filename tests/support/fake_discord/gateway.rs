//! The gateway WebSocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME, and
//! dispatching events to the shard owning a guild.

use super::http::redact_headers;
use super::*;

pub(super) async fn gateway_entry(
    State(app): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    match ws {
        Ok(ws) => {
            app.inner.record(Recorded {
                seq: 0,
                method: method.to_string(),
                path: uri.path().to_string(),
                raw_path: uri.path().to_string(),
                query: uri.query().map(str::to_string),
                headers: redact_headers(&headers),
                body: None,
                raw_body: vec![],
                multipart: vec![],
                status: 101,
                response: None,
                api: false,
                via_tls: app.tls,
            });
            let inner = app.inner.clone();
            ws.max_message_size(64 << 20)
                .on_upgrade(move |socket| gateway_conn(inner, socket))
        }
        Err(_) => app
            .inner
            .handle_http(app.tls, method.as_str(), &uri, &headers, &Bytes::new()),
    }
}

impl Inner {
    pub(super) fn shard_conn(d: &Data, shard: u32) -> Option<(u64, &Conn)> {
        d.conns
            .iter()
            .rev()
            .find(|(_, c)| c.session.is_some() && c.shard.map(|s| s[0]) == Some(shard))
            .map(|(k, c)| (*k, c))
    }

    pub(super) fn apply_event_state(&self, d: &mut Data, event: &str, data: &Value) {
        match event {
            "MESSAGE_CREATE" | "MESSAGE_UPDATE" => {
                if let Some(id) = data.get("id").and_then(sf) {
                    let mut m = data.clone();
                    if let Some(o) = m.as_object_mut() {
                        o.remove("member");
                    }
                    d.messages.insert(id, m);
                }
                self.remember_member(
                    d,
                    data.get("guild_id").and_then(sf),
                    data.get("author"),
                    data.get("member"),
                );
                if let Some(r) = data.get("referenced_message").filter(|r| r.is_object()) {
                    if let Some(rid) = r.get("id").and_then(sf) {
                        d.messages.entry(rid).or_insert_with(|| r.clone());
                    }
                }
            }
            "MESSAGE_DELETE" => {
                if let Some(id) = data.get("id").and_then(sf) {
                    d.messages.remove(&id);
                }
            }
            "THREAD_CREATE" | "THREAD_UPDATE" | "CHANNEL_CREATE" | "CHANNEL_UPDATE" => {
                if let Some(id) = data.get("id").and_then(sf) {
                    let mut c = data.clone();
                    if let Some(o) = c.as_object_mut() {
                        o.remove("newly_created");
                    }
                    d.channels.insert(id, c);
                }
            }
            "THREAD_DELETE" | "CHANNEL_DELETE" => {
                if let Some(id) = data.get("id").and_then(sf) {
                    d.channels.remove(&id);
                }
            }
            "INTERACTION_CREATE" => {
                let token = data
                    .get("token")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let id = data.get("id").and_then(sf).unwrap_or(0);
                let channel_id = data
                    .get("channel_id")
                    .and_then(sf)
                    .or_else(|| data.pointer("/channel/id").and_then(sf))
                    .unwrap_or(0);
                if let Some(c) = data.get("channel").filter(|c| c.get("type").is_some()) {
                    if !d.channels.contains_key(&channel_id) && channel_id != 0 {
                        let mut c = c.clone();
                        if let Some(o) = c.as_object_mut() {
                            o.remove("permissions");
                        }
                        d.channels.insert(channel_id, c);
                    }
                }
                let message_id = data.pointer("/message/id").and_then(sf);
                if let Some(m) = data.get("message").filter(|m| m.is_object()) {
                    d.messages
                        .entry(message_id.unwrap_or(0))
                        .or_insert_with(|| m.clone());
                }
                if let Some(msgs) = data
                    .pointer("/data/resolved/messages")
                    .and_then(Value::as_object)
                {
                    for m in msgs.values() {
                        if let Some(mid) = m.get("id").and_then(sf) {
                            d.messages.entry(mid).or_insert_with(|| m.clone());
                        }
                    }
                }
                let guild_id = data.get("guild_id").and_then(sf);
                self.remember_member(
                    d,
                    guild_id,
                    data.pointer("/member/user"),
                    data.get("member"),
                );
                let user = data
                    .pointer("/member/user")
                    .or_else(|| data.get("user"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let kind = data.get("type").and_then(Value::as_u64).unwrap_or(2);
                let owners = data
                    .get("authorizing_integration_owners")
                    .cloned()
                    .unwrap_or(json!({}));
                d.interactions.insert(
                    token,
                    InterInfo {
                        id,
                        kind,
                        user,
                        owners,
                        channel_id,
                        guild_id,
                        message_id,
                        acked: false,
                        original: None,
                    },
                );
            }
            _ => {}
        }
    }

    pub(super) fn remember_member(
        &self,
        d: &mut Data,
        guild: Option<u64>,
        user: Option<&Value>,
        member: Option<&Value>,
    ) {
        let (Some(g), Some(u), Some(m)) = (guild, user, member) else {
            return;
        };
        let Some(uid) = u.get("id").and_then(sf) else {
            return;
        };
        let mut full = m.clone();
        full["user"] = u.clone();
        if let Some(o) = full.as_object_mut() {
            o.remove("permissions");
            for (k, v) in [
                ("deaf", json!(false)),
                ("mute", json!(false)),
                ("flags", json!(0)),
            ] {
                o.entry(k).or_insert(v);
            }
        }
        d.members.insert((g, uid), full);
    }

    pub(super) fn dispatch_locked(
        &self,
        d: &mut Data,
        event: &str,
        mut data: Value,
        shard: Option<u32>,
        checks: bool,
    ) -> Result<u32, String> {
        let guild_id = data.get("guild_id").and_then(sf);
        let count = self.current_count(d);
        let shard = shard.unwrap_or_else(|| guild_id.map(|g| ids::shard_of(g, count)).unwrap_or(0));
        let (conn_id, sid) = {
            let (conn_id, conn) = Self::shard_conn(d, shard).ok_or_else(|| {
                format!("fake discord: shard {shard} is not connected (event {event}, guild {guild_id:?}, connected: {:?})",
                    d.conns.values().filter_map(|c| c.shard).collect::<Vec<_>>())
            })?;
            (conn_id, conn.session.clone().unwrap_or_default())
        };
        let intents = d.sessions.get(&sid).map(|s| s.intents).unwrap_or(u64::MAX);
        if checks && self.config.enforce_intents {
            if let Some((bit, name)) = required_intent(event, guild_id.is_some()) {
                if intents & bit == 0 {
                    return Err(format!(
                        "fake discord: shard {shard} did not identify with intent {name}, Discord would not send {event}"
                    ));
                }
            }
            if matches!(event, "MESSAGE_CREATE" | "MESSAGE_UPDATE")
                && intents & (1 << 15) == 0
                && guild_id.is_some()
            {
                let bot = s(self.config.bot_user_id);
                let mentions_bot = data
                    .get("mentions")
                    .and_then(Value::as_array)
                    .is_some_and(|m| m.iter().any(|u| u.get("id") == Some(&bot)));
                let own = data.pointer("/author/id") == Some(&bot);
                if !mentions_bot && !own {
                    data["content"] = json!("");
                    data["embeds"] = json!([]);
                    data["attachments"] = json!([]);
                    data["components"] = json!([]);
                    if let Some(o) = data.as_object_mut() {
                        o.remove("poll");
                    }
                }
            }
        }
        self.apply_event_state(d, event, &data);
        let seq = match d.sessions.get_mut(&sid) {
            Some(s) => {
                s.seq += 1;
                s.seq
            }
            None => 1,
        };
        let frame = json!({"op": 0, "s": seq, "t": event, "d": data});
        let conn = d.conns.get(&conn_id).ok_or("connection gone")?;
        conn.tx
            .send(Outbound::Text(frame.to_string()))
            .map_err(|_| format!("shard {shard}: connection closed"))?;
        Ok(shard)
    }

    pub(super) fn on_frame(&self, conn_id: u64, text: &str) {
        let mut d = lock(&self.data);
        let Some(tx) = d.conns.get(&conn_id).map(|c| c.tx.clone()) else {
            return;
        };
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            d.gateway_frames.push(GatewayFrame {
                conn_id,
                op: -1,
                payload: json!({"unparseable": text}),
            });
            let _ = tx.send(Outbound::Close(
                4002,
                "Error while decoding payload.".into(),
            ));
            return;
        };
        let op = v.get("op").and_then(Value::as_i64).unwrap_or(-1);
        let mut logged = v.clone();
        if let Some(t) = logged.pointer_mut("/d/token") {
            *t = json!("[redacted]");
        }
        d.gateway_frames.push(GatewayFrame {
            conn_id,
            op,
            payload: logged.clone(),
        });
        let send = |payload: Value| {
            let _ = tx.send(Outbound::Text(payload.to_string()));
        };
        match op {
            1 => send(json!({"op": 11, "s": null, "t": null, "d": null})),
            2 => {
                if d.conns.get(&conn_id).is_some_and(|c| c.session.is_some()) {
                    let _ = tx.send(Outbound::Close(4005, "Already authenticated.".into()));
                    return;
                }
                let payload = logged.get("d").cloned().unwrap_or(json!({}));
                if v.pointer("/d/token")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    let _ = tx.send(Outbound::Close(4004, "Authentication failed.".into()));
                    return;
                }
                let shard = payload
                    .get("shard")
                    .and_then(Value::as_array)
                    .and_then(|a| Some([a.first()?.as_u64()? as u32, a.get(1)?.as_u64()? as u32]))
                    .unwrap_or([0, 1]);
                if shard[1] == 0 || shard[0] >= shard[1] {
                    let _ = tx.send(Outbound::Close(4010, "Invalid shard.".into()));
                    return;
                }
                let intents = payload.get("intents").and_then(Value::as_u64).unwrap_or(0);
                d.identifies.insert(shard[0], payload);
                *d.identify_count.entry(shard[0]).or_default() += 1;
                let session_id = format!(
                    "{:032x}",
                    next_snowflake().wrapping_mul(0x9E37_79B9_7F4A_7C15)
                );
                let guilds: Vec<&FakeGuild> = self
                    .config
                    .guilds
                    .iter()
                    .filter(|g| ids::shard_of(g.id, shard[1]) == shard[0])
                    .collect();
                let ready = ready_json(
                    self.bot_user(),
                    &guilds.iter().map(|g| g.id).collect::<Vec<_>>(),
                    &session_id,
                    &format!("ws://{}/gateway", self.http_addr),
                    shard,
                    self.config.application_id,
                );
                let mut seq = 1;
                send(json!({"op": 0, "s": seq, "t": "READY", "d": ready}));
                for g in guilds {
                    seq += 1;
                    let chans: Vec<Value> = d
                        .channels
                        .values()
                        .filter(|c| c.get("guild_id").and_then(sf) == Some(g.id))
                        .cloned()
                        .collect();
                    let (threads, channels): (Vec<Value>, Vec<Value>) =
                        chans.into_iter().partition(is_thread);
                    let threads: Vec<Value> = threads
                        .into_iter()
                        .filter(|t| {
                            !t.pointer("/thread_metadata/archived")
                                .and_then(Value::as_bool)
                                .unwrap_or(false)
                        })
                        .collect();
                    let members: Vec<Value> = g
                        .members
                        .iter()
                        .filter_map(|m| d.members.get(&(g.id, m.user_id)).cloned())
                        .collect();
                    send(
                        json!({"op": 0, "s": seq, "t": "GUILD_CREATE", "d": guild_create_json(g, channels, threads, members)}),
                    );
                }
                d.sessions.insert(
                    session_id.clone(),
                    Session {
                        shard,
                        seq,
                        intents,
                    },
                );
                if let Some(c) = d.conns.get_mut(&conn_id) {
                    c.shard = Some(shard);
                    c.session = Some(session_id);
                }
                drop(d);
                self.gateway_changed.send_modify(|x| *x += 1);
            }
            6 => {
                let sid = v
                    .pointer("/d/session_id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let client_seq = v.pointer("/d/seq").and_then(Value::as_u64).unwrap_or(0);
                match d.sessions.get_mut(&sid) {
                    Some(sess) => {
                        sess.seq = sess.seq.max(client_seq) + 1;
                        let (shard, seq) = (sess.shard, sess.seq);
                        send(json!({"op": 0, "s": seq, "t": "RESUMED", "d": {}}));
                        if let Some(c) = d.conns.get_mut(&conn_id) {
                            c.shard = Some(shard);
                            c.session = Some(sid);
                        }
                        drop(d);
                        self.gateway_changed.send_modify(|x| *x += 1);
                    }
                    None => send(json!({"op": 9, "s": null, "t": null, "d": false})),
                }
            }
            _ => {}
        }
    }
}

/// The intent Discord requires to send `event` (bit, name).
pub(super) fn required_intent(event: &str, in_guild: bool) -> Option<(u64, &'static str)> {
    Some(match event {
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" | "MESSAGE_DELETE_BULK" => {
            if in_guild {
                (1 << 9, "GUILD_MESSAGES")
            } else {
                (1 << 12, "DIRECT_MESSAGES")
            }
        }
        "MESSAGE_REACTION_ADD"
        | "MESSAGE_REACTION_REMOVE"
        | "MESSAGE_REACTION_REMOVE_ALL"
        | "MESSAGE_REACTION_REMOVE_EMOJI" => {
            if in_guild {
                (1 << 10, "GUILD_MESSAGE_REACTIONS")
            } else {
                (1 << 13, "DIRECT_MESSAGE_REACTIONS")
            }
        }
        "GUILD_MEMBER_ADD" | "GUILD_MEMBER_UPDATE" | "GUILD_MEMBER_REMOVE" => {
            (1 << 1, "GUILD_MEMBERS")
        }
        "THREAD_CREATE"
        | "THREAD_UPDATE"
        | "THREAD_DELETE"
        | "THREAD_LIST_SYNC"
        | "THREAD_MEMBER_UPDATE"
        | "CHANNEL_CREATE"
        | "CHANNEL_UPDATE"
        | "CHANNEL_DELETE"
        | "CHANNEL_PINS_UPDATE"
        | "GUILD_CREATE"
        | "GUILD_UPDATE"
        | "GUILD_DELETE"
        | "GUILD_ROLE_CREATE"
        | "GUILD_ROLE_UPDATE"
        | "GUILD_ROLE_DELETE" => (1 << 0, "GUILDS"),
        "TYPING_START" => {
            if in_guild {
                (1 << 11, "GUILD_MESSAGE_TYPING")
            } else {
                (1 << 14, "DIRECT_MESSAGE_TYPING")
            }
        }
        _ => return None,
    })
}

pub(super) async fn gateway_conn(inner: Arc<Inner>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Outbound>();
    let conn_id = {
        let mut d = lock(&inner.data);
        d.next_conn += 1;
        let id = d.next_conn;
        d.conns.insert(
            id,
            Conn {
                tx: tx.clone(),
                shard: None,
                session: None,
            },
        );
        id
    };
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": inner.config.heartbeat_interval_ms, "_trace": ["[\"fake-gateway\"]"]}});
    let _ = tx.send(Outbound::Text(hello.to_string()));
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(WsMessage::Text(t))) => inner.on_frame(conn_id, t.as_str()),
                Some(Ok(WsMessage::Binary(b))) => match std::str::from_utf8(&b) {
                    Ok(t) => inner.on_frame(conn_id, t),
                    Err(_) => inner.on_frame(conn_id, "\u{0}binary"),
                },
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            out = rx.recv() => match out {
                Some(Outbound::Text(t)) => {
                    if sink.send(WsMessage::Text(t.into())).await.is_err() { break; }
                }
                Some(Outbound::Close(code, reason)) => {
                    let _ = sink.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    let _ = tokio::time::timeout(Duration::from_millis(200), sink.close()).await;
                    break;
                }
                None => break,
            },
            _ = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                let _ = sink.send(WsMessage::Close(Some(CloseFrame { code: 1001, reason: "shutdown".into() }))).await;
                break;
            }
        }
    }
    lock(&inner.data).conns.remove(&conn_id);
    inner.gateway_changed.send_modify(|x| *x += 1);
}
