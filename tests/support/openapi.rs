//! Checks what the bot sends against Discord's official OpenAPI 3.1 description and against
//! Discord's documented limits.
//!
//! The spec is read from `../shared/reference/discord-api-spec/openapi.json` relative to
//! `CARGO_MANIFEST_DIR` (override with env `DISCORD_OPENAPI_SPEC`); it is never copied into the
//! repository. When it is absent, [`OpenApi::load`] prints
//! `skipping OpenAPI checks: spec not found at ...` and returns `None`; [`assert_valid_traffic`]
//! then only checks the limits.
//!
//! ```ignore
//! // at the end of a bot test:
//! support::openapi::assert_valid_traffic(&fake);
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

use super::fake_discord::{FakeDiscord, Recorded, path_matches};

/// A compiled request-body validator (`None`: the operation takes no body).
type CachedValidator = Option<Arc<jsonschema::Validator>>;

/// Discord's OpenAPI document with a cache of compiled request-body validators.
pub struct OpenApi {
    /// Where the spec was read from.
    pub path: PathBuf,
    spec: Value,
    /// (METHOD, template, template segments)
    ops: Vec<(String, String, Vec<String>)>,
    cache: Mutex<HashMap<(String, String), CachedValidator>>,
}

impl std::fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApi")
            .field("path", &self.path)
            .field("operations", &self.ops.len())
            .finish()
    }
}

/// Where the spec is looked for: `$DISCORD_OPENAPI_SPEC`, else
/// `$CARGO_MANIFEST_DIR/../shared/reference/discord-api-spec/openapi.json`.
pub fn spec_path() -> PathBuf {
    match std::env::var_os("DISCORD_OPENAPI_SPEC") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/discord-api-spec/openapi.json"),
    }
}

impl OpenApi {
    /// Loads the spec from [`spec_path`]; `None` (with a printed "skipping OpenAPI checks: spec
    /// not found at ..." message) when the file is absent. Panics if it exists but is not a
    /// readable OpenAPI document.
    pub fn load() -> Option<OpenApi> {
        let path = spec_path();
        if !path.exists() {
            println!(
                "skipping OpenAPI checks: spec not found at {}",
                path.display()
            );
            return None;
        }
        Some(
            Self::load_from(&path)
                .unwrap_or_else(|e| panic!("cannot load OpenAPI spec {}: {e}", path.display())),
        )
    }

    /// The spec loaded once per test binary (see [`OpenApi::load`]).
    pub fn shared() -> Option<&'static OpenApi> {
        static SPEC: OnceLock<Option<OpenApi>> = OnceLock::new();
        SPEC.get_or_init(OpenApi::load).as_ref()
    }

    /// Loads a spec file.
    pub fn load_from(path: &Path) -> Result<OpenApi, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let mut spec: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        // Discord accepts snowflakes as JSON integers too (the spec only says string), and
        // serenity 0.12.5 sends e.g. attachment placeholder ids as `0`: accept both.
        if let Some(sf) = spec.pointer_mut("/components/schemas/SnowflakeType") {
            let original = sf.clone();
            *sf = json!({"anyOf": [original, {"type": "integer", "minimum": 0}]});
        }
        let paths = spec
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("no `paths` in the spec")?;
        let mut ops = Vec::new();
        for (template, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for method in ["get", "put", "post", "patch", "delete"] {
                if item.contains_key(method) {
                    let segs = template
                        .trim_matches('/')
                        .split('/')
                        .map(str::to_string)
                        .collect();
                    ops.push((method.to_ascii_uppercase(), template.clone(), segs));
                }
            }
        }
        Ok(OpenApi {
            path: path.to_path_buf(),
            spec,
            ops,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The spec's path template for a concrete request path (with or without `/api/v10`, query
    /// ignored), preferring templates with more literal segments
    /// (`/webhooks/{webhook_id}/{webhook_token}/messages/@original` over `.../{message_id}`).
    pub fn find_operation(&self, method: &str, path: &str) -> Option<String> {
        let path = normalize_path(path);
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.ops
            .iter()
            .filter(|(m, _, t)| m.eq_ignore_ascii_case(method) && t.len() == segs.len())
            .filter_map(|(_, template, t)| {
                let mut literal = 0;
                for (ts, ps) in t.iter().zip(&segs) {
                    if ts.starts_with('{') && ts.ends_with('}') {
                        if ps.is_empty() {
                            return None;
                        }
                    } else if ts == ps {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, template))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, t)| t.clone())
    }

    /// The request body schema (`application/json`, else `multipart/form-data`) of an operation,
    /// `$ref`s unresolved.
    pub fn request_schema(&self, method: &str, path: &str) -> Option<Value> {
        let template = self.find_operation(method, path)?;
        let op = self
            .spec
            .get("paths")?
            .get(&template)?
            .get(method.to_ascii_lowercase())?;
        let content = op.get("requestBody")?.get("content")?;
        content
            .get("application/json")
            .or_else(|| content.get("multipart/form-data"))
            .and_then(|c| c.get("schema"))
            .cloned()
    }

    fn validator(
        &self,
        method: &str,
        template: &str,
    ) -> Result<Option<Arc<jsonschema::Validator>>, String> {
        let key = (method.to_ascii_uppercase(), template.to_string());
        if let Some(v) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(v.clone());
        }
        let schema = self
            .spec
            .get("paths")
            .and_then(|p| p.get(template))
            .and_then(|i| i.get(method.to_ascii_lowercase()))
            .and_then(|op| op.get("requestBody"))
            .and_then(|rb| rb.get("content"))
            .and_then(|c| {
                c.get("application/json")
                    .or_else(|| c.get("multipart/form-data"))
            })
            .and_then(|c| c.get("schema"))
            .cloned();
        let compiled = match schema {
            None => None,
            Some(schema) => {
                // Root document = the operation's schema + the spec's `components`, so that the
                // spec's `#/components/...` references resolve inside it.
                let mut root = match schema {
                    Value::Object(o) => Value::Object(o),
                    other => json!({"allOf": [other]}),
                };
                root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
                root["components"] = self.spec.get("components").cloned().unwrap_or(json!({}));
                let v = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(&root)
                    .map_err(|e| format!("cannot compile schema of {method} {template}: {e}"))?;
                Some(Arc::new(v))
            }
        };
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Validates a request body against the operation's request schema (draft 2020-12).
    /// `path` is the concrete path (`/channels/123/messages`, `/api/v10` prefix and query
    /// allowed). Errors: no such operation, or every schema violation as
    /// `"<instance path>: <message>"`. An operation without a request body accepts anything.
    /// For multipart requests pass the `payload_json` value (as [`Recorded::body`] does).
    pub fn validate(&self, method: &str, path: &str, body: &Value) -> Result<(), Vec<String>> {
        let Some(template) = self.find_operation(method, path) else {
            return Err(vec![format!(
                "no operation {} {} in Discord's OpenAPI spec",
                method.to_ascii_uppercase(),
                normalize_path(path)
            )]);
        };
        let validator = match self.validator(method, &template) {
            Ok(Some(v)) => v,
            Ok(None) => return Ok(()),
            Err(e) => return Err(vec![e]),
        };
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| {
                let mut msg = e.to_string();
                if msg.chars().count() > 400 {
                    msg = msg.chars().take(400).collect::<String>() + "…";
                }
                let at = e.instance_path.to_string();
                format!(
                    "{} {template}: at `{}`: {msg}",
                    method.to_ascii_uppercase(),
                    if at.is_empty() { "/" } else { &at }
                )
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn normalize_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let path = path.strip_prefix("/api/v10").unwrap_or(path);
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

fn chars(v: Option<&Value>) -> usize {
    v.and_then(Value::as_str)
        .map(|s| s.chars().count())
        .unwrap_or(0)
}

fn too_long(out: &mut Vec<String>, what: &str, v: Option<&Value>, max: usize) {
    let n = chars(v);
    if n > max {
        out.push(format!("{what} is {n} characters (max {max})"));
    }
}

/// Checks a message payload (content, embeds, components) and, when `must_not_ping`, its
/// `allowed_mentions`.
fn check_message(prefix: &str, m: &Value, must_not_ping: bool, out: &mut Vec<String>) {
    too_long(out, &format!("{prefix}content"), m.get("content"), 2000);
    if let Some(embeds) = m.get("embeds").and_then(Value::as_array) {
        if embeds.len() > 10 {
            out.push(format!("{prefix}embeds: {} embeds (max 10)", embeds.len()));
        }
        let mut total = 0;
        for (i, e) in embeds.iter().enumerate() {
            let p = format!("{prefix}embeds[{i}].");
            too_long(out, &format!("{p}title"), e.get("title"), 256);
            too_long(out, &format!("{p}description"), e.get("description"), 4096);
            too_long(
                out,
                &format!("{p}footer.text"),
                e.pointer("/footer/text"),
                2048,
            );
            too_long(
                out,
                &format!("{p}author.name"),
                e.pointer("/author/name"),
                256,
            );
            total += chars(e.get("title"))
                + chars(e.get("description"))
                + chars(e.pointer("/footer/text"))
                + chars(e.pointer("/author/name"));
            if let Some(fields) = e.get("fields").and_then(Value::as_array) {
                if fields.len() > 25 {
                    out.push(format!("{p}fields: {} fields (max 25)", fields.len()));
                }
                for (j, f) in fields.iter().enumerate() {
                    too_long(out, &format!("{p}fields[{j}].name"), f.get("name"), 256);
                    too_long(out, &format!("{p}fields[{j}].value"), f.get("value"), 1024);
                    total += chars(f.get("name")) + chars(f.get("value"));
                }
            }
        }
        if total > 6000 {
            out.push(format!(
                "{prefix}embeds: {total} characters in total (max 6000)"
            ));
        }
    }
    if let Some(rows) = m.get("components").and_then(Value::as_array) {
        let v2 = m.get("flags").and_then(Value::as_u64).unwrap_or(0) & (1 << 15) != 0;
        if !v2 {
            let n_rows = rows
                .iter()
                .filter(|r| r.get("type").and_then(Value::as_u64) == Some(1))
                .count();
            if n_rows > 5 {
                out.push(format!("{prefix}components: {n_rows} action rows (max 5)"));
            }
            for (i, row) in rows.iter().enumerate() {
                let children = row
                    .get("components")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let kind = |c: &Value| c.get("type").and_then(Value::as_u64).unwrap_or(0);
                let buttons = children.iter().filter(|c| kind(c) == 2).count();
                let selects = children
                    .iter()
                    .filter(|c| matches!(kind(c), 3 | 5 | 6 | 7 | 8))
                    .count();
                if buttons > 5 {
                    out.push(format!(
                        "{prefix}components[{i}]: {buttons} buttons in one row (max 5)"
                    ));
                }
                if selects > 0 && children.len() > 1 {
                    out.push(format!("{prefix}components[{i}]: a select menu must be alone in its row ({} components)", children.len()));
                }
            }
        }
        check_components(&format!("{prefix}components"), rows, out);
    }
    if must_not_ping {
        match m.get("allowed_mentions") {
            None | Some(Value::Null) => out.push(format!("{prefix}allowed_mentions is missing (the bot must never ping: send {{\"parse\": []}})")),
            Some(am) => {
                if am.get("parse").and_then(Value::as_array).is_some_and(|p| !p.is_empty()) {
                    out.push(format!("{prefix}allowed_mentions.parse is {} (must be empty)", am["parse"]));
                }
                if am.get("roles").and_then(Value::as_array).is_some_and(|p| !p.is_empty()) {
                    out.push(format!("{prefix}allowed_mentions.roles is {} (must be empty)", am["roles"]));
                }
                // One deliberate ping of one person (the asker, reminded in
                // their own thread) is allowed: named in the content too.
                if let Some(users) = am.get("users").and_then(Value::as_array).filter(|u| !u.is_empty()) {
                    let content = m.get("content").and_then(Value::as_str).unwrap_or("");
                    let named = |u: &Value| {
                        let id = u.as_str().map(str::to_string).unwrap_or_else(|| u.to_string());
                        content.contains(&format!("<@{id}>"))
                    };
                    if users.len() > 1 || !users.iter().all(named) {
                        out.push(format!("{prefix}allowed_mentions.users is {} (at most the one person the content addresses)", am["users"]));
                    }
                }
                if am.get("replied_user").and_then(Value::as_bool) == Some(true) {
                    out.push(format!("{prefix}allowed_mentions.replied_user is true (pings the replied-to user)"));
                }
            }
        }
    }
}

fn check_components(prefix: &str, comps: &[Value], out: &mut Vec<String>) {
    for (i, c) in comps.iter().enumerate() {
        let p = format!("{prefix}[{i}]");
        too_long(out, &format!("{p}.custom_id"), c.get("custom_id"), 100);
        let kind = c.get("type").and_then(Value::as_u64).unwrap_or(0);
        if kind == 2 {
            too_long(out, &format!("{p}.label"), c.get("label"), 80);
        }
        if matches!(kind, 3 | 5 | 6 | 7 | 8) {
            too_long(out, &format!("{p}.placeholder"), c.get("placeholder"), 150);
            for k in ["min_values", "max_values"] {
                if c.get(k).and_then(Value::as_u64).is_some_and(|n| n > 25) {
                    out.push(format!("{p}.{k} is {} (max 25)", c[k]));
                }
            }
        }
        if let Some(opts) = c.get("options").and_then(Value::as_array) {
            if opts.len() > 25 {
                out.push(format!("{p}.options: {} options (max 25)", opts.len()));
            }
            for (j, o) in opts.iter().enumerate() {
                for k in ["label", "value", "description"] {
                    too_long(out, &format!("{p}.options[{j}].{k}"), o.get(k), 100);
                }
            }
        }
        if let Some(children) = c.get("components").and_then(Value::as_array) {
            check_components(&format!("{p}.components"), children, out);
        }
        if let Some(acc) = c.get("accessory") {
            check_components(&format!("{p}.accessory"), std::slice::from_ref(acc), out);
        }
    }
}

/// Discord's documented limits for what the bot sends, by route (empty = fine):
/// content ≤ 2000; ≤ 10 embeds, title ≤ 256, description ≤ 4096, ≤ 25 fields, field name ≤ 256,
/// value ≤ 1024, footer ≤ 2048, author ≤ 256, total ≤ 6000; ≤ 5 action rows, ≤ 5 buttons per row,
/// a select alone in its row, custom_id ≤ 100, button label ≤ 80, ≤ 25 select options with
/// label / value / description ≤ 100; autocomplete ≤ 25 choices with name / string value ≤ 100;
/// modal title ≤ 45; thread name ≤ 100. Every message-creating body (POST channel messages,
/// forum posts, interaction callbacks 4 / 7, webhook / follow-up POST and PATCH) must carry
/// `allowed_mentions` with an empty (or absent) `parse`, no `roles`, no `replied_user: true`,
/// and in `users` at most the one person the content addresses (a reminder to the asker):
/// the bot never pings anyone else, and never `@everyone` or a role.
pub fn check_discord_limits(method: &str, path: &str, body: &Value) -> Vec<String> {
    let path = normalize_path(path);
    let method = method.to_ascii_uppercase();
    let mut out = Vec::new();
    let is = |m: &str, pat: &str| method == m && path_matches(pat, &path);
    if is("POST", "/channels/*/messages") {
        check_message("", body, true, &mut out);
    } else if is("PATCH", "/channels/*/messages/*") {
        check_message("", body, false, &mut out);
    } else if is("POST", "/channels/*/threads") {
        too_long(&mut out, "name", body.get("name"), 100);
        if let Some(m) = body.get("message").filter(|m| m.is_object()) {
            check_message("message.", m, true, &mut out);
        }
        if body
            .get("applied_tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.len() > 5)
        {
            out.push("applied_tags: more than 5 tags".into());
        }
    } else if is("POST", "/channels/*/messages/*/threads") {
        too_long(&mut out, "name", body.get("name"), 100);
    } else if is("PATCH", "/channels/*") {
        too_long(&mut out, "name", body.get("name"), 100);
        if body
            .get("applied_tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.len() > 5)
        {
            out.push("applied_tags: more than 5 tags".into());
        }
    } else if is("POST", "/interactions/*/*/callback") {
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        match body.get("type").and_then(Value::as_u64) {
            Some(4 | 7) => check_message("data.", &data, true, &mut out),
            Some(8) => {
                let choices = data
                    .get("choices")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if choices.len() > 25 {
                    out.push(format!("data.choices: {} choices (max 25)", choices.len()));
                }
                for (i, c) in choices.iter().enumerate() {
                    too_long(
                        &mut out,
                        &format!("data.choices[{i}].name"),
                        c.get("name"),
                        100,
                    );
                    too_long(
                        &mut out,
                        &format!("data.choices[{i}].value"),
                        c.get("value"),
                        100,
                    );
                }
            }
            Some(9) => {
                too_long(&mut out, "data.title", data.get("title"), 45);
                too_long(&mut out, "data.custom_id", data.get("custom_id"), 100);
                if let Some(rows) = data.get("components").and_then(Value::as_array) {
                    if rows.len() > 5 {
                        out.push(format!("data.components: {} rows (max 5)", rows.len()));
                    }
                    check_components("data.components", rows, &mut out);
                }
            }
            _ => {}
        }
    } else if is("POST", "/webhooks/*/*") || is("PATCH", "/webhooks/*/*/messages/*") {
        check_message("", body, true, &mut out);
    }
    out
}

/// Every violation in the fake's recorded traffic: each `/api/v10` request with a JSON body (or
/// multipart `payload_json`) is validated against the OpenAPI spec (when present) and
/// [`check_discord_limits`]. Each entry names the request and shows its body.
pub fn traffic_violations(fake: &FakeDiscord) -> Vec<String> {
    let spec = OpenApi::shared();
    let mut out = Vec::new();
    for r in fake.requests() {
        out.extend(request_violations(spec, &r));
    }
    out
}

/// The violations of one recorded request (see [`traffic_violations`]).
pub fn request_violations(spec: Option<&OpenApi>, r: &Recorded) -> Vec<String> {
    let Some(body) = r.body.as_ref().filter(|_| r.api) else {
        return vec![];
    };
    let mut problems = Vec::new();
    if let Some(spec) = spec {
        if let Err(errs) = spec.validate(&r.method, &r.path, body) {
            problems.extend(errs.into_iter().map(|e| format!("OpenAPI: {e}")));
        }
    }
    problems.extend(
        check_discord_limits(&r.method, &r.path, body)
            .into_iter()
            .map(|e| format!("limits: {e}")),
    );
    let body_text = serde_json::to_string_pretty(body).unwrap_or_default();
    problems
        .into_iter()
        .map(|p| {
            format!(
                "request #{} {} {}: {p}\n    body: {}",
                r.seq,
                r.method,
                r.path,
                body_text.replace('\n', "\n    ")
            )
        })
        .collect()
}

/// Panics listing every violation in the recorded traffic (see [`traffic_violations`]).
pub fn assert_valid_traffic(fake: &FakeDiscord) {
    let v = traffic_violations(fake);
    if !v.is_empty() {
        panic!(
            "{} violation(s) in the traffic sent to the fake Discord:\n{}",
            v.len(),
            v.join("\n")
        );
    }
}
