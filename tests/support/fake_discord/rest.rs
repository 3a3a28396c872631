//! The REST API routes (`/api/v10/...`) and the world state they read and change.

use super::http::Reply;
use super::*;

impl Inner {
    pub(super) fn route(
        &self,
        d: &mut Data,
        method: &str,
        segs: &[&str],
        query: &str,
        body: Option<&Value>,
        parts: &[MultipartPart],
    ) -> Reply {
        let empty = json!({});
        let b = body.unwrap_or(&empty);
        let id = |x: &str| x.parse::<u64>().ok();
        let bad_snowflake = |x: &str| {
            Reply::form_error(
                "id",
                "NUMBER_TYPE_COERCE",
                &format!("Value \"{x}\" is not snowflake."),
            )
        };
        let cfg = &self.config;
        match (method, segs) {
            ("GET", ["gateway"]) => {
                Reply::ok(json!({"url": format!("ws://{}/gateway", self.http_addr)}))
            }
            ("GET", ["gateway", "bot"]) => Reply::ok(json!({
                "url": format!("ws://{}/gateway", self.http_addr),
                "shards": cfg.shard_count,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
            })),
            ("GET", ["users", "@me"]) => Reply::ok(self.bot_user()),
            ("GET", ["users", uid]) => match id(uid) {
                Some(u) => match d.members.iter().find(|((_, m), _)| *m == u) {
                    Some((_, m)) => Reply::ok(m["user"].clone()),
                    None => Reply::error(404, 10013, "Unknown User"),
                },
                None => bad_snowflake(uid),
            },
            ("POST", ["users", "@me", "channels"]) => {
                let rid = b.get("recipient_id").and_then(sf).unwrap_or(0);
                let recipient = d
                    .members
                    .iter()
                    .find(|((_, m), _)| *m == rid)
                    .map(|(_, m)| m["user"].clone());
                let ch = json!({"id": s(rid ^ 0x5555), "type": 1, "last_message_id": null, "flags": 0,
                                "recipients": [recipient.unwrap_or_else(|| user_json(rid, "someone", false, None))]});
                d.channels.insert(rid ^ 0x5555, ch.clone());
                Reply::ok(ch)
            }
            ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
                Reply::ok(self.application_json())
            }
            ("PATCH", ["applications", "@me"]) => Reply::ok(self.application_json()),
            (m, ["applications", app, "commands"]) => self.commands(d, m, app, None, None, b),
            (m, ["applications", app, "commands", cmd]) => {
                self.commands(d, m, app, None, Some(cmd), b)
            }
            (m, ["applications", app, "guilds", g, "commands"]) => match id(g) {
                Some(g) => self.commands(d, m, app, Some(g), None, b),
                None => bad_snowflake(g),
            },
            (m, ["applications", app, "guilds", g, "commands", cmd]) => match id(g) {
                Some(g) => self.commands(d, m, app, Some(g), Some(cmd), b),
                None => bad_snowflake(g),
            },
            ("POST", ["interactions", iid, token, "callback"]) => {
                self.interaction_callback(d, iid, token, query, b, parts)
            }
            ("POST", ["webhooks", app, token]) => {
                if id(app).is_none() {
                    return bad_snowflake(app);
                }
                self.followup(d, token, b, parts)
            }
            (m, ["webhooks", app, token, "messages", mid]) => {
                if id(app).is_none() {
                    return bad_snowflake(app);
                }
                self.webhook_message(d, m, token, mid, b, parts)
            }
            (m, ["channels", c]) => match id(c) {
                Some(c) => self.channel_route(d, m, c, b),
                None => bad_snowflake(c),
            },
            ("GET", ["channels", c, "messages"]) => match id(c) {
                Some(c) => {
                    if !d.channels.contains_key(&c) {
                        return Reply::unknown_channel();
                    }
                    let limit = query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("limit="))
                        .and_then(|l| l.parse::<usize>().ok())
                        .unwrap_or(50)
                        .min(100);
                    let mut msgs: Vec<Value> = d
                        .messages
                        .values()
                        .filter(|m| m.get("channel_id").and_then(sf) == Some(c))
                        .cloned()
                        .collect();
                    msgs.reverse();
                    msgs.truncate(limit);
                    Reply::ok(Value::Array(msgs))
                }
                None => bad_snowflake(c),
            },
            ("POST", ["channels", c, "messages"]) => match id(c) {
                Some(c) => self.create_channel_message(d, c, b, parts),
                None => bad_snowflake(c),
            },
            (m, ["channels", c, "messages", mid]) => match (id(c), id(mid)) {
                (Some(c), Some(mid)) => self.channel_message(d, m, c, mid, b, parts),
                _ => bad_snowflake(mid),
            },
            ("POST", ["channels", c, "messages", mid, "threads"]) => match (id(c), id(mid)) {
                (Some(c), Some(mid)) => self.thread_from_message(d, c, mid, b),
                _ => bad_snowflake(mid),
            },
            ("POST", ["channels", c, "threads"]) => match id(c) {
                Some(c) => self.thread_without_message(d, c, b, parts),
                None => bad_snowflake(c),
            },
            ("PUT" | "DELETE", ["channels", c, "messages", mid, "reactions", _emoji, "@me"]) => {
                match (id(c), id(mid)) {
                    (Some(c), Some(mid)) => {
                        if !d.channels.contains_key(&c) {
                            Reply::unknown_channel()
                        } else if !d.messages.contains_key(&mid) {
                            Reply::unknown_message()
                        } else {
                            Reply::no_content()
                        }
                    }
                    _ => bad_snowflake(mid),
                }
            }
            ("DELETE", ["channels", c, "messages", mid, "reactions", ..]) => match (id(c), id(mid))
            {
                (Some(_), Some(_)) => Reply::no_content(),
                _ => bad_snowflake(mid),
            },
            ("POST", ["channels", c, "typing"]) => match id(c) {
                Some(c) if d.channels.contains_key(&c) => Reply::no_content(),
                Some(_) => Reply::unknown_channel(),
                None => bad_snowflake(c),
            },
            ("PUT" | "DELETE", ["channels", c, "thread-members", "@me"]) => match id(c) {
                Some(c) if d.channels.get(&c).is_some_and(is_thread) => Reply::no_content(),
                Some(_) => Reply::unknown_channel(),
                None => bad_snowflake(c),
            },
            ("PUT" | "DELETE", ["channels", c, "pins", mid])
            | ("PUT" | "DELETE", ["channels", c, "messages", "pins", mid]) => {
                match (id(c), id(mid)) {
                    (Some(_), Some(mid)) if d.messages.contains_key(&mid) => Reply::no_content(),
                    (Some(_), Some(_)) => Reply::unknown_message(),
                    _ => bad_snowflake(mid),
                }
            }
            ("GET", ["guilds", g]) => {
                match id(g).and_then(|g| cfg.guilds.iter().find(|x| x.id == g)) {
                    Some(g) => Reply::ok(guild_rest_json(g)),
                    None => Reply::error(404, 10004, "Unknown Guild"),
                }
            }
            ("GET", ["guilds", g, "roles"]) => {
                match id(g).and_then(|g| cfg.guilds.iter().find(|x| x.id == g)) {
                    Some(g) => Reply::ok(Value::Array(g.roles.iter().map(role_json).collect())),
                    None => Reply::error(404, 10004, "Unknown Guild"),
                }
            }
            ("GET", ["guilds", g, "members", u]) => match (id(g), id(u)) {
                (Some(g), Some(u)) => {
                    if !cfg.guilds.iter().any(|x| x.id == g) {
                        Reply::error(404, 10004, "Unknown Guild")
                    } else {
                        match d.members.get(&(g, u)) {
                            Some(m) => Reply::ok(m.clone()),
                            None => Reply::error(404, 10007, "Unknown Member"),
                        }
                    }
                }
                _ => bad_snowflake(u),
            },
            ("GET", ["guilds", g, "channels"]) => match id(g) {
                Some(g) if cfg.guilds.iter().any(|x| x.id == g) => Reply::ok(Value::Array(
                    d.channels
                        .values()
                        .filter(|c| c.get("guild_id").and_then(sf) == Some(g) && !is_thread(c))
                        .cloned()
                        .collect(),
                )),
                Some(_) => Reply::error(404, 10004, "Unknown Guild"),
                None => bad_snowflake(g),
            },
            ("GET", ["guilds", g, "threads", "active"]) => match id(g) {
                Some(g) => Reply::ok(json!({
                    "threads": d.channels.values().filter(|c| c.get("guild_id").and_then(sf) == Some(g) && is_thread(c)
                        && !c.pointer("/thread_metadata/archived").and_then(Value::as_bool).unwrap_or(false)).cloned().collect::<Vec<_>>(),
                    "members": [],
                })),
                None => bad_snowflake(g),
            },
            _ => Reply::not_found(),
        }
    }

    pub(super) fn application_json(&self) -> Value {
        json!({
            "id": s(self.config.application_id),
            "name": self.config.bot_name,
            "icon": null,
            "description": "Fake application",
            "summary": "",
            "type": null,
            "bot_public": false,
            "bot_require_code_grant": false,
            "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
            "team": null,
            "owner": user_json(ids::OWNER, "owner", false, None),
            "flags": 0,
            "bot": self.bot_user(),
            "rpc_origins": [],
            "tags": [],
            "integration_types_config": {"0": {}},
            "approximate_guild_count": self.config.guilds.len(),
            "redirect_uris": [],
            "interactions_endpoint_url": null,
            "role_connections_verification_url": null,
        })
    }

    pub(super) fn commands(
        &self,
        d: &mut Data,
        method: &str,
        app: &str,
        guild: Option<u64>,
        cmd: Option<&str>,
        b: &Value,
    ) -> Reply {
        let Ok(app_id) = app.parse::<u64>() else {
            return Reply::form_error(
                "application_id",
                "NUMBER_TYPE_COERCE",
                "Value is not snowflake.",
            );
        };
        if app_id != self.config.application_id {
            return Reply::error(403, 50001, "Missing Access");
        }
        let normalize = |c: &Value, existing: Option<&Value>| -> Result<Value, Reply> {
            let Some(name) = c.get("name").and_then(Value::as_str) else {
                return Err(Reply::form_error(
                    "name",
                    "BASE_TYPE_REQUIRED",
                    "This field is required",
                ));
            };
            let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
            let mut out = c.clone();
            let o = out.as_object_mut().ok_or_else(|| {
                Reply::form_error("_", "DICT_TYPE_CONVERT", "Only dictionaries may be used")
            })?;
            let id = existing
                .and_then(|e| e.get("id").cloned())
                .unwrap_or_else(|| s(next_snowflake()));
            o.insert("id".into(), id);
            o.insert("application_id".into(), s(app_id));
            o.insert("type".into(), json!(kind));
            o.insert("version".into(), s(next_snowflake()));
            o.entry("description").or_insert(json!(""));
            o.entry("name_localizations").or_insert(Value::Null);
            o.entry("description_localizations").or_insert(Value::Null);
            o.entry("default_member_permissions").or_insert(Value::Null);
            o.entry("nsfw").or_insert(json!(false));
            o.entry("integration_types").or_insert(json!([0]));
            o.entry("contexts").or_insert(Value::Null);
            if let Some(g) = guild {
                o.insert("guild_id".into(), s(g));
            } else {
                o.entry("dm_permission").or_insert(json!(true));
            }
            let _ = name;
            Ok(out)
        };
        let list: &mut Vec<Value> = match guild {
            Some(g) => d.guild_commands.entry(g).or_default(),
            None => &mut d.global_commands,
        };
        let name_of = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
        match (method, cmd) {
            ("GET", None) => Reply::ok(Value::Array(list.clone())),
            ("PUT", None) => {
                let Some(arr) = b.as_array() else {
                    return Reply::form_error(
                        "_",
                        "ARRAY_TYPE_CONVERT",
                        "Only iterables may be used in a ListType",
                    );
                };
                let mut out = Vec::new();
                for c in arr {
                    let existing = list.iter().find(|e| name_of(e) == name_of(c));
                    match normalize(c, existing) {
                        Ok(v) => out.push(v),
                        Err(r) => return r,
                    }
                }
                *list = out.clone();
                Reply::ok(Value::Array(out))
            }
            ("POST", None) => {
                let pos = list.iter().position(|e| name_of(e) == name_of(b));
                match normalize(b, pos.map(|p| &list[p])) {
                    Ok(v) => match pos {
                        Some(p) => {
                            list[p] = v.clone();
                            Reply::ok(v)
                        }
                        None => {
                            list.push(v.clone());
                            Reply::json(201, v)
                        }
                    },
                    Err(r) => r,
                }
            }
            (m, Some(cmd)) => {
                let pos = list
                    .iter()
                    .position(|e| e.get("id").and_then(Value::as_str) == Some(cmd));
                match (m, pos) {
                    (_, None) => Reply::error(404, 10063, "Unknown application command"),
                    ("GET", Some(p)) => Reply::ok(list[p].clone()),
                    ("DELETE", Some(p)) => {
                        list.remove(p);
                        Reply::no_content()
                    }
                    ("PATCH", Some(p)) => {
                        let mut merged = list[p].clone();
                        if let (Some(o), Some(patch)) = (merged.as_object_mut(), b.as_object()) {
                            for (k, v) in patch {
                                o.insert(k.clone(), v.clone());
                            }
                        }
                        match normalize(&merged, Some(&list[p])) {
                            Ok(v) => {
                                list[p] = v.clone();
                                Reply::ok(v)
                            }
                            Err(r) => r,
                        }
                    }
                    _ => Reply::not_found(),
                }
            }
            _ => Reply::not_found(),
        }
    }

    /// Builds a message object the bot creates (author = bot) from a request body.
    pub(super) fn build_message(
        &self,
        d: &mut Data,
        channel_id: u64,
        b: &Value,
        parts: &[MultipartPart],
        app_message: bool,
    ) -> Value {
        let id = next_snowflake();
        let mut embeds: Vec<Value> = b
            .get("embeds")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for e in &mut embeds {
            if let Some(o) = e.as_object_mut() {
                o.entry("type").or_insert(json!("rich"));
                o.entry("content_scan_version").or_insert(json!(0));
            }
        }
        let attachments = self.upload_attachments(d, b, parts, &[]);
        let mut m = json!({
            "id": s(id),
            "channel_id": s(channel_id),
            "author": self.bot_user_public(),
            "content": b.get("content").and_then(Value::as_str).unwrap_or(""),
            "timestamp": iso_now(),
            "edited_timestamp": null,
            "tts": b.get("tts").and_then(Value::as_bool).unwrap_or(false),
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": embeds,
            "components": b.get("components").cloned().filter(Value::is_array).unwrap_or(json!([])),
            "pinned": false,
            "type": 0,
            "flags": b.get("flags").and_then(Value::as_u64).unwrap_or(0),
        });
        if let Some(n) = b.get("nonce") {
            m["nonce"] = n.clone();
        }
        if let Some(p) = b.get("poll") {
            m["poll"] = p.clone();
        }
        if app_message {
            m["application_id"] = s(self.config.application_id);
            m["webhook_id"] = s(self.config.application_id);
        }
        m
    }

    pub(super) fn bot_user_public(&self) -> Value {
        user_json(self.config.bot_user_id, &self.config.bot_name, true, None)
    }

    /// Attachments for a body: kept existing ones (by id listed in `attachments`) + uploaded files.
    pub(super) fn upload_attachments(
        &self,
        d: &mut Data,
        b: &Value,
        parts: &[MultipartPart],
        existing: &[Value],
    ) -> Vec<Value> {
        let listed: Vec<&Value> = b
            .get("attachments")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let mut out: Vec<Value> = existing
            .iter()
            .filter(|a| {
                listed
                    .iter()
                    .any(|l| l.get("id").and_then(sf) == a.get("id").and_then(sf))
            })
            .cloned()
            .collect();
        if b.get("attachments").is_none() {
            out = existing.to_vec();
        }
        for (n, p) in parts
            .iter()
            .filter(|p| {
                p.name.starts_with("files[") || p.filename.is_some() && p.name != "payload_json"
            })
            .enumerate()
        {
            let filename = p.filename.clone().unwrap_or_else(|| format!("file{n}"));
            let idx: Option<u64> = p
                .name
                .trim_start_matches("files[")
                .trim_end_matches(']')
                .parse()
                .ok();
            let description = listed
                .iter()
                .find(|l| l.get("id").and_then(sf) == idx)
                .and_then(|l| l.get("description").cloned())
                .unwrap_or(Value::Null);
            let aid = next_snowflake();
            let path = format!(
                "/attachments/{}/{}/{}",
                aid >> 1,
                aid,
                url_encode(&filename)
            );
            let ct = p
                .content_type
                .clone()
                .or_else(|| payloads::guess_content_type(&filename))
                .unwrap_or("application/octet-stream".into());
            d.attachments
                .insert(path.clone(), (p.data.clone(), ct.clone()));
            let url = format!("http://{}{}", self.http_addr, path);
            out.push(json!({"id": s(aid), "filename": filename, "size": p.data.len(), "url": url, "proxy_url": url,
                            "content_type": ct, "description": description}));
        }
        out
    }

    pub(super) fn check_postable(&self, d: &mut Data, channel_id: u64) -> Result<(), Reply> {
        let Some(c) = d.channels.get_mut(&channel_id) else {
            return Err(Reply::unknown_channel());
        };
        // forum, media, category, voice, directory
        if let Some(15 | 16 | 4 | 2 | 13) = c.get("type").and_then(Value::as_u64) {
            return Err(Reply::error(
                400,
                50008,
                "Cannot send messages in a non-text channel",
            ));
        }
        if is_thread(c) {
            let archived = c
                .pointer("/thread_metadata/archived")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let locked = c
                .pointer("/thread_metadata/locked")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if archived && locked {
                return Err(Reply::error(400, 50083, "Thread is archived"));
            }
            if archived {
                c["thread_metadata"]["archived"] = json!(false);
            }
        }
        Ok(())
    }

    pub(super) fn store_bot_message(&self, d: &mut Data, mut m: Value, echo: bool) -> Value {
        let id = m.get("id").and_then(sf).unwrap_or(0);
        let ch = m.get("channel_id").and_then(sf).unwrap_or(0);
        if let Some(r) = m.get("message_reference").cloned() {
            if let Some(rid) = r.get("message_id").and_then(sf) {
                m["type"] = json!(19);
                m["referenced_message"] = d.messages.get(&rid).cloned().unwrap_or(Value::Null);
            }
        }
        if let Some(c) = d.channels.get_mut(&ch) {
            c["last_message_id"] = s(id);
            if is_thread(c) {
                let n = c.get("message_count").and_then(Value::as_u64).unwrap_or(0) + 1;
                c["message_count"] = json!(n);
                c["total_message_sent"] = json!(n);
            }
        }
        d.messages.insert(id, m.clone());
        if echo && self.config.echo_own_events {
            let mut ev = m.clone();
            if let Some(g) = d.channels.get(&ch).and_then(|c| c.get("guild_id")).cloned() {
                ev["guild_id"] = g;
                ev["member"] = json!({"roles": [s(ids::BOT_ROLE)], "joined_at": "2024-01-01T00:00:00.000000+00:00",
                                      "deaf": false, "mute": false, "flags": 0});
            }
            let _ = self.dispatch_locked(d, "MESSAGE_CREATE", ev, None, true);
        }
        m
    }

    pub(super) fn create_channel_message(
        &self,
        d: &mut Data,
        c: u64,
        b: &Value,
        parts: &[MultipartPart],
    ) -> Reply {
        if let Err(r) = self.check_postable(d, c) {
            return r;
        }
        if let Some(r) = check_message_body(b, parts) {
            return r;
        }
        let mut m = self.build_message(d, c, b, parts, false);
        if let Some(r) = b.get("message_reference").filter(|r| r.is_object()) {
            let rid = r.get("message_id").and_then(sf);
            if rid.is_some_and(|rid| !d.messages.contains_key(&rid))
                && r.get("fail_if_not_exists")
                    .and_then(Value::as_bool)
                    .unwrap_or(true)
            {
                return Reply::form_error(
                    "message_reference",
                    "REPLIES_UNKNOWN_MESSAGE",
                    "Unknown message",
                );
            }
            let mut reference = r.clone();
            reference["channel_id"] = reference.get("channel_id").cloned().unwrap_or(s(c));
            m["message_reference"] = reference;
        }
        Reply::ok(self.store_bot_message(d, m, true))
    }

    pub(super) fn channel_message(
        &self,
        d: &mut Data,
        method: &str,
        c: u64,
        mid: u64,
        b: &Value,
        parts: &[MultipartPart],
    ) -> Reply {
        if !d.channels.contains_key(&c) {
            return Reply::unknown_channel();
        }
        let Some(existing) = d
            .messages
            .get(&mid)
            .filter(|m| m.get("channel_id").and_then(sf) == Some(c))
            .cloned()
        else {
            return Reply::unknown_message();
        };
        match method {
            "GET" => Reply::ok(existing),
            "DELETE" => {
                d.messages.remove(&mid);
                if self.config.echo_own_events {
                    let guild = d
                        .channels
                        .get(&c)
                        .and_then(|ch| ch.get("guild_id"))
                        .and_then(sf);
                    let _ = self.dispatch_locked(
                        d,
                        "MESSAGE_DELETE",
                        payloads::message_delete(mid, c, guild),
                        None,
                        true,
                    );
                }
                Reply::no_content()
            }
            "PATCH" => {
                if existing.pointer("/author/id").and_then(sf) != Some(self.config.bot_user_id) {
                    let only_flags = b
                        .as_object()
                        .is_some_and(|o| o.keys().all(|k| k == "flags"));
                    if !only_flags {
                        return Reply::error(
                            403,
                            50005,
                            "Cannot edit a message authored by another user",
                        );
                    }
                }
                let updated = self.apply_edit(d, existing, b, parts);
                d.messages.insert(mid, updated.clone());
                if self.config.echo_own_events {
                    let mut ev = updated.clone();
                    if let Some(g) = d
                        .channels
                        .get(&c)
                        .and_then(|ch| ch.get("guild_id"))
                        .cloned()
                    {
                        ev["guild_id"] = g;
                    }
                    let _ = self.dispatch_locked(d, "MESSAGE_UPDATE", ev, None, true);
                }
                Reply::ok(updated)
            }
            _ => Reply::error(405, 0, "405: Method Not Allowed"),
        }
    }

    pub(super) fn apply_edit(
        &self,
        d: &mut Data,
        mut m: Value,
        b: &Value,
        parts: &[MultipartPart],
    ) -> Value {
        for key in ["content", "embeds", "components", "flags", "poll"] {
            if let Some(v) = b.get(key) {
                m[key] = match (key, v) {
                    ("content", Value::Null) => json!(""),
                    ("embeds" | "components", Value::Null) => json!([]),
                    ("flags", Value::Null) => m.get("flags").cloned().unwrap_or(json!(0)),
                    ("embeds", Value::Array(a)) => Value::Array(
                        a.iter()
                            .map(|e| {
                                let mut e = e.clone();
                                if let Some(o) = e.as_object_mut() {
                                    o.entry("type").or_insert(json!("rich"));
                                }
                                e
                            })
                            .collect(),
                    ),
                    _ => v.clone(),
                };
            }
        }
        if b.get("attachments").is_some() || !parts.is_empty() {
            let existing: Vec<Value> = m
                .get("attachments")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            m["attachments"] = Value::Array(self.upload_attachments(d, b, parts, &existing));
        }
        // a deferred response stops "thinking" once edited
        if let Some(f) = m.get("flags").and_then(Value::as_u64) {
            m["flags"] = json!(f & !128);
        }
        m["edited_timestamp"] = json!(iso_now());
        m
    }

    pub(super) fn channel_route(&self, d: &mut Data, method: &str, c: u64, b: &Value) -> Reply {
        let Some(ch) = d.channels.get(&c).cloned() else {
            return Reply::unknown_channel();
        };
        match method {
            "GET" => Reply::ok(ch),
            "DELETE" => {
                d.channels.remove(&c);
                Reply::ok(ch)
            }
            "PATCH" => {
                let Some(patch) = b.as_object() else {
                    return Reply::form_error(
                        "_",
                        "DICT_TYPE_CONVERT",
                        "Only dictionaries may be used in a DictType",
                    );
                };
                let mut ch = ch;
                let thread = is_thread(&ch);
                if thread {
                    let archived = ch
                        .pointer("/thread_metadata/archived")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    let unarchiving = patch.get("archived").and_then(Value::as_bool) == Some(false);
                    let only_state = patch
                        .keys()
                        .all(|k| k == "archived" || k == "locked" || k == "auto_archive_duration");
                    if archived && !unarchiving && !only_state {
                        return Reply::error(400, 50083, "Thread is archived");
                    }
                }
                for (k, v) in patch {
                    match k.as_str() {
                        "archived" | "locked" | "invitable" | "auto_archive_duration" if thread => {
                            ch["thread_metadata"][k] = v.clone();
                            if k == "archived" {
                                ch["thread_metadata"]["archive_timestamp"] = json!(iso_now());
                            }
                        }
                        "applied_tags" if thread => {
                            let Some(tags) = v.as_array() else {
                                return Reply::form_error(
                                    "applied_tags",
                                    "ARRAY_TYPE_CONVERT",
                                    "Only iterables may be used",
                                );
                            };
                            if let Err(r) =
                                self.check_tags(d, ch.get("parent_id").and_then(sf), tags)
                            {
                                return r;
                            }
                            ch["applied_tags"] =
                                Value::Array(tags.iter().filter_map(sf).map(s).collect());
                        }
                        "available_tags"
                            if matches!(ch.get("type").and_then(Value::as_u64), Some(15 | 16)) =>
                        {
                            let Some(tags) = v.as_array() else {
                                return Reply::form_error(
                                    "available_tags",
                                    "ARRAY_TYPE_CONVERT",
                                    "Only iterables may be used",
                                );
                            };
                            if tags.len() > 20 {
                                return Reply::form_error(
                                    "available_tags",
                                    "BASE_TYPE_MAX_LENGTH",
                                    "Must be 20 or fewer in length.",
                                );
                            }
                            let tags: Vec<Value> = tags
                                .iter()
                                .map(|t| {
                                    let mut t = t.clone();
                                    if t.get("id").and_then(sf).is_none() {
                                        t["id"] = s(next_snowflake());
                                    }
                                    for (k, dflt) in [
                                        ("moderated", json!(false)),
                                        ("emoji_id", Value::Null),
                                        ("emoji_name", Value::Null),
                                    ] {
                                        if t.get(k).is_none() {
                                            t[k] = dflt;
                                        }
                                    }
                                    t
                                })
                                .collect();
                            ch["available_tags"] = Value::Array(tags);
                        }
                        "name" => {
                            let n = v.as_str().unwrap_or("");
                            if n.is_empty() || n.chars().count() > 100 {
                                return Reply::form_error(
                                    "name",
                                    "BASE_TYPE_BAD_LENGTH",
                                    "Must be between 1 and 100 in length.",
                                );
                            }
                            ch["name"] = v.clone();
                        }
                        _ => {
                            ch[k.as_str()] = v.clone();
                        }
                    }
                }
                d.channels.insert(c, ch.clone());
                if self.config.echo_own_events {
                    let ev = if thread {
                        "THREAD_UPDATE"
                    } else {
                        "CHANNEL_UPDATE"
                    };
                    let _ = self.dispatch_locked(d, ev, ch.clone(), None, true);
                }
                Reply::ok(ch)
            }
            _ => Reply::error(405, 0, "405: Method Not Allowed"),
        }
    }

    pub(super) fn check_tags(
        &self,
        d: &Data,
        parent: Option<u64>,
        tags: &[Value],
    ) -> Result<(), Reply> {
        if tags.len() > 5 {
            return Err(Reply::form_error(
                "applied_tags",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length.",
            ));
        }
        let available: Vec<u64> = parent
            .and_then(|p| d.channels.get(&p))
            .and_then(|p| p.get("available_tags"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|t| t.get("id").and_then(sf)).collect())
            .unwrap_or_default();
        for t in tags {
            match sf(t) {
                Some(id) if available.contains(&id) => {}
                _ => {
                    return Err(Reply::form_error(
                        "applied_tags",
                        "FORUM_TAG_INVALID",
                        &format!("Tag {t} is not an available tag of the parent channel"),
                    ));
                }
            }
        }
        Ok(())
    }

    pub(super) fn new_thread(
        &self,
        guild_id: Value,
        parent: u64,
        id: u64,
        kind: u64,
        b: &Value,
    ) -> Value {
        let now = iso_now();
        json!({
            "id": s(id),
            "type": kind,
            "guild_id": guild_id,
            "parent_id": s(parent),
            "owner_id": s(self.config.bot_user_id),
            "name": b.get("name").cloned().unwrap_or(json!("thread")),
            "last_message_id": null,
            "rate_limit_per_user": b.get("rate_limit_per_user").cloned().unwrap_or(json!(0)),
            "flags": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "applied_tags": b.get("applied_tags").cloned().unwrap_or(json!([])),
            "thread_metadata": {
                "archived": false,
                "auto_archive_duration": b.get("auto_archive_duration").cloned().unwrap_or(json!(4320)),
                "archive_timestamp": now,
                "locked": false,
                "create_timestamp": now,
            },
            "member": {"id": s(id), "user_id": s(self.config.bot_user_id), "join_timestamp": now, "flags": 1},
        })
    }

    pub(super) fn check_thread_name(b: &Value) -> Option<Reply> {
        match b.get("name").and_then(Value::as_str) {
            Some(n) if !n.is_empty() && n.chars().count() <= 100 => None,
            Some(_) => Some(Reply::form_error(
                "name",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )),
            None => Some(Reply::form_error(
                "name",
                "BASE_TYPE_REQUIRED",
                "This field is required",
            )),
        }
    }

    pub(super) fn thread_from_message(&self, d: &mut Data, c: u64, mid: u64, b: &Value) -> Reply {
        let Some(ch) = d.channels.get(&c).cloned() else {
            return Reply::unknown_channel();
        };
        if !matches!(ch.get("type").and_then(Value::as_u64), Some(0 | 5)) {
            return Reply::error(400, 50024, "Cannot execute action on this channel type");
        }
        let in_channel = d
            .messages
            .get(&mid)
            .map(|m| m.get("channel_id").and_then(sf));
        if in_channel != Some(Some(c)) {
            return Reply::unknown_message();
        }
        if d.channels.contains_key(&mid) {
            return Reply::error(
                400,
                160004,
                "A thread has already been created for this message",
            );
        }
        if let Some(r) = Self::check_thread_name(b) {
            return r;
        }
        let kind = if ch.get("type").and_then(Value::as_u64) == Some(5) {
            10
        } else {
            11
        };
        let thread = self.new_thread(
            ch.get("guild_id").cloned().unwrap_or(Value::Null),
            c,
            mid,
            kind,
            b,
        );
        d.channels.insert(mid, thread.clone());
        if let Some(m) = d.messages.get_mut(&mid) {
            m["thread"] = thread.clone();
            m["flags"] = json!(m.get("flags").and_then(Value::as_u64).unwrap_or(0) | 32);
        }
        if self.config.echo_own_events {
            let mut ev = thread.clone();
            ev["newly_created"] = json!(true);
            let _ = self.dispatch_locked(d, "THREAD_CREATE", ev, None, true);
        }
        Reply::json(201, thread)
    }

    pub(super) fn thread_without_message(
        &self,
        d: &mut Data,
        c: u64,
        b: &Value,
        parts: &[MultipartPart],
    ) -> Reply {
        let Some(ch) = d.channels.get(&c).cloned() else {
            return Reply::unknown_channel();
        };
        if let Some(r) = Self::check_thread_name(b) {
            return r;
        }
        let ctype = ch.get("type").and_then(Value::as_u64);
        let guild = ch.get("guild_id").cloned().unwrap_or(Value::Null);
        match ctype {
            Some(15 | 16) => {
                let Some(msg) = b.get("message").filter(|m| m.is_object()) else {
                    return Reply::form_error(
                        "message",
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    );
                };
                if let Some(r) = check_message_body(msg, parts) {
                    return r;
                }
                let tags: Vec<Value> = b
                    .get("applied_tags")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if let Err(r) = self.check_tags(d, Some(c), &tags) {
                    return r;
                }
                let flags = ch.get("flags").and_then(Value::as_u64).unwrap_or(0);
                if flags & 16 != 0 && tags.is_empty() {
                    return Reply::error(
                        400,
                        40067,
                        "A tag is required to create a forum post in this channel",
                    );
                }
                let id = next_snowflake();
                let mut thread = self.new_thread(guild, c, id, 11, b);
                thread["applied_tags"] = Value::Array(tags.iter().filter_map(sf).map(s).collect());
                d.channels.insert(id, thread.clone());
                let mut m = self.build_message(d, id, msg, parts, false);
                m["id"] = s(id);
                let m = self.store_bot_message(d, m, false);
                if let Some(t) = d.channels.get(&id) {
                    thread = t.clone();
                }
                if self.config.echo_own_events {
                    let mut ev = thread.clone();
                    ev["newly_created"] = json!(true);
                    let _ = self.dispatch_locked(d, "THREAD_CREATE", ev, None, true);
                    let mut mev = m.clone();
                    mev["guild_id"] = thread["guild_id"].clone();
                    let _ = self.dispatch_locked(d, "MESSAGE_CREATE", mev, None, true);
                }
                let mut resp = thread;
                resp["message"] = m;
                Reply::json(201, resp)
            }
            Some(0 | 5) => {
                let kind = b.get("type").and_then(Value::as_u64).unwrap_or(12);
                if !matches!(kind, 10..=12) {
                    return Reply::form_error(
                        "type",
                        "BASE_TYPE_CHOICES",
                        "Value must be one of {10, 11, 12}.",
                    );
                }
                let id = next_snowflake();
                let thread = self.new_thread(guild, c, id, kind, b);
                d.channels.insert(id, thread.clone());
                if self.config.echo_own_events {
                    let mut ev = thread.clone();
                    ev["newly_created"] = json!(true);
                    let _ = self.dispatch_locked(d, "THREAD_CREATE", ev, None, true);
                }
                Reply::json(201, thread)
            }
            _ => Reply::error(400, 50024, "Cannot execute action on this channel type"),
        }
    }

    pub(super) fn fallback_channel(&self) -> u64 {
        self.config
            .guilds
            .iter()
            .flat_map(|g| g.channels.iter())
            .find(|c| c.kind == 0)
            .map(|c| c.id)
            .unwrap_or(ids::TEXT_CHANNEL)
    }

    pub(super) fn interaction_callback(
        &self,
        d: &mut Data,
        iid: &str,
        token: &str,
        query: &str,
        b: &Value,
        parts: &[MultipartPart],
    ) -> Reply {
        let Ok(iid) = iid.parse::<u64>() else {
            return Reply::form_error(
                "interaction_id",
                "NUMBER_TYPE_COERCE",
                "Value is not snowflake.",
            );
        };
        let fallback = self.fallback_channel();
        let info = d
            .interactions
            .entry(token.to_string())
            .or_insert_with(|| InterInfo {
                id: iid,
                kind: 2,
                user: user_json(ids::USER, "listener", false, Some("listener")),
                owners: json!({"0": s(ids::GUILD)}),
                channel_id: fallback,
                guild_id: None,
                message_id: None,
                acked: false,
                original: None,
            });
        if info.id != iid {
            return Reply::error(404, 10062, "Unknown interaction");
        }
        if info.acked {
            return Reply::error(400, 40060, "Interaction has already been acknowledged.");
        }
        let Some(kind) = b.get("type").and_then(Value::as_u64) else {
            return Reply::form_error("type", "BASE_TYPE_REQUIRED", "This field is required");
        };
        let data = b.get("data").cloned().unwrap_or(json!({}));
        let info = info.clone();
        let mut message = None;
        match kind {
            1 => {}
            4 | 5 => {
                if kind == 4 {
                    if let Some(r) = check_message_body(&data, parts) {
                        return r;
                    }
                }
                let empty = empty_obj();
                let src = if kind == 4 { &data } else { &empty };
                let mut m = self.build_message(d, info.channel_id, src, parts, true);
                let mut flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0);
                if kind == 5 {
                    flags = (flags & 64) | 128;
                }
                m["flags"] = json!(flags);
                m["type"] = json!(20);
                m["interaction_metadata"] = interaction_metadata(&info);
                let m = self.store_bot_message(d, m, flags & 64 == 0);
                if let Some(i) = d.interactions.get_mut(token) {
                    i.original = m.get("id").and_then(sf);
                }
                message = Some(m);
            }
            6 | 7 => {
                let Some(mid) = info.message_id else {
                    if kind == 6 && info.kind == 5 {
                        // a modal submitted from a command: a plain acknowledgement
                        if let Some(i) = d.interactions.get_mut(token) {
                            i.acked = true;
                        }
                        return Reply::no_content();
                    }
                    return Reply::form_error(
                        "type",
                        "INTERACTION_TYPE_INVALID",
                        "This interaction has no message to update (not a component interaction)",
                    );
                };
                if kind == 7 {
                    if let Some(r) = check_message_body(&data, parts) {
                        return r;
                    }
                    if let Some(existing) = d.messages.get(&mid).cloned() {
                        let updated = self.apply_edit(d, existing, &data, parts);
                        d.messages.insert(mid, updated.clone());
                        message = Some(updated);
                    }
                }
                if let Some(i) = d.interactions.get_mut(token) {
                    i.original = Some(mid);
                }
            }
            8 => {
                let ok = data.get("choices").is_some_and(Value::is_array);
                if !ok {
                    return Reply::form_error(
                        "data.choices",
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    );
                }
            }
            9 => {
                for f in ["custom_id", "title", "components"] {
                    if data.get(f).is_none() {
                        return Reply::form_error(
                            &format!("data.{f}"),
                            "BASE_TYPE_REQUIRED",
                            "This field is required",
                        );
                    }
                }
            }
            10 | 12 => {}
            _ => {
                return Reply::form_error(
                    "type",
                    "BASE_TYPE_CHOICES",
                    "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.",
                );
            }
        }
        if let Some(i) = d.interactions.get_mut(token) {
            i.acked = true;
        }
        if query.split('&').any(|kv| kv == "with_response=true") {
            let mut resp = json!({"interaction": {"id": s(info.id), "type": 2, "activity_instance_id": null,
                "response_message_id": message.as_ref().and_then(|m| m.get("id").cloned()),
                "response_message_loading": kind == 5, "response_message_ephemeral": data.get("flags").and_then(Value::as_u64).unwrap_or(0) & 64 != 0}});
            if let Some(m) = message {
                resp["resource"] = json!({"type": kind, "message": m});
            }
            return Reply::ok(resp);
        }
        Reply::no_content()
    }

    pub(super) fn followup(
        &self,
        d: &mut Data,
        token: &str,
        b: &Value,
        parts: &[MultipartPart],
    ) -> Reply {
        let Some(info) = d.interactions.get(token).cloned() else {
            return Reply::error(404, 10015, "Unknown Webhook");
        };
        if !info.acked {
            return Reply::error(404, 10015, "Unknown Webhook");
        }
        if let Some(r) = check_message_body(b, parts) {
            return r;
        }
        let mut m = self.build_message(d, info.channel_id, b, parts, true);
        m["type"] = json!(if info.original.is_some() { 19 } else { 20 });
        let mut meta = interaction_metadata(&info);
        if let Some(o) = info.original {
            meta["original_response_message_id"] = s(o);
        }
        m["interaction_metadata"] = meta;
        let flags = m.get("flags").and_then(Value::as_u64).unwrap_or(0);
        Reply::ok(self.store_bot_message(d, m, flags & 64 == 0))
    }

    pub(super) fn webhook_message(
        &self,
        d: &mut Data,
        method: &str,
        token: &str,
        mid: &str,
        b: &Value,
        parts: &[MultipartPart],
    ) -> Reply {
        let info = d.interactions.get(token).cloned();
        let target = if mid == "@original" {
            info.as_ref().and_then(|i| i.original)
        } else {
            mid.parse::<u64>().ok()
        };
        let Some(target) = target.filter(|t| d.messages.contains_key(t)) else {
            return Reply::unknown_message();
        };
        if info.is_none() {
            return Reply::error(404, 10015, "Unknown Webhook");
        }
        match method {
            "GET" => Reply::ok(d.messages[&target].clone()),
            "DELETE" => {
                d.messages.remove(&target);
                Reply::no_content()
            }
            "PATCH" => {
                if let Some(r) = check_message_body(b, parts) {
                    return r;
                }
                let existing = d.messages[&target].clone();
                let updated = self.apply_edit(d, existing, b, parts);
                d.messages.insert(target, updated.clone());
                Reply::ok(updated)
            }
            _ => Reply::error(405, 0, "405: Method Not Allowed"),
        }
    }
}

/// `interaction_metadata` of a response message, shaped by interaction type as serenity requires
/// (components need `interacted_message_id`, modals `triggering_interaction_metadata`).
pub(super) fn interaction_metadata(info: &InterInfo) -> Value {
    let user = if info.user.is_null() {
        user_json(ids::USER, "listener", false, None)
    } else {
        info.user.clone()
    };
    let mut meta = json!({"id": s(info.id), "type": info.kind, "user": user, "authorizing_integration_owners": info.owners});
    match info.kind {
        3 => meta["interacted_message_id"] = s(info.message_id.unwrap_or(0)),
        5 => {
            meta["triggering_interaction_metadata"] = json!({"id": s(info.id), "type": 2, "user": meta["user"].clone(), "authorizing_integration_owners": info.owners})
        }
        _ => {}
    }
    meta
}

pub(super) fn empty_obj() -> Value {
    json!({})
}

/// Requests Discord rejects outright (400): empty messages.
pub(super) fn check_message_body(b: &Value, parts: &[MultipartPart]) -> Option<Reply> {
    let has = |k: &str| {
        b.get(k).is_some_and(|v| match v {
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Null => false,
            _ => true,
        })
    };
    let files = parts.iter().any(|p| p.name != "payload_json");
    if !(has("content")
        || has("embeds")
        || has("components")
        || has("sticker_ids")
        || has("poll")
        || files
        || has("attachments"))
    {
        // edits may legitimately only touch flags/allowed_mentions
        if b.as_object().is_some_and(|o| {
            o.contains_key("flags")
                || o.contains_key("content")
                || o.contains_key("embeds")
                || o.contains_key("components")
        }) {
            return None;
        }
        return Some(Reply::error(400, 50006, "Cannot send an empty message"));
    }
    if let Some(c) = b.get("content").and_then(Value::as_str) {
        if c.chars().count() > 2000 {
            return Some(Reply::form_error(
                "content",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 2000 or fewer in length.",
            ));
        }
    }
    None
}
