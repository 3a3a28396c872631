//! The HTTP side: request parsing (JSON / multipart), recording, failure injection and
//! Discord-like rate-limit headers. Routing itself is in `rest.rs`.

use super::*;

/// What a route answers.
pub(super) struct Reply {
    status: u16,
    body: Option<Value>,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
        }
    }
    pub(super) fn ok(body: Value) -> Self {
        Self::json(200, body)
    }
    pub(super) fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
        }
    }
    pub(super) fn error(status: u16, code: u64, message: &str) -> Self {
        Self::json(status, json!({"message": message, "code": code}))
    }
    pub(super) fn form_error(field: &str, code: &str, message: &str) -> Self {
        Self::json(
            400,
            json!({"message": "Invalid Form Body", "code": 50035,
                   "errors": {field: {"_errors": [{"code": code, "message": message}]}}}),
        )
    }
    pub(super) fn not_found() -> Self {
        Self::error(404, 0, "404: Not Found")
    }
    pub(super) fn unknown_channel() -> Self {
        Self::error(404, 10003, "Unknown Channel")
    }
    pub(super) fn unknown_message() -> Self {
        Self::error(404, 10008, "Unknown Message")
    }
}

pub(super) async fn http_entry(
    State(app): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    app.inner
        .handle_http(app.tls, method.as_str(), &uri, &headers, &body)
}

pub(super) fn redact_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let value = if name == "authorization" {
                let v = v.to_str().unwrap_or("");
                let scheme = v
                    .split(' ')
                    .next()
                    .filter(|s| *s == "Bot" || *s == "Bearer")
                    .unwrap_or("");
                format!("{scheme} [redacted]").trim().to_string()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}

/// Minimal multipart/form-data parser (enough for serenity's bodies).
pub(super) fn parse_multipart(
    content_type: &str,
    body: &[u8],
) -> Result<Vec<MultipartPart>, String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .ok_or("multipart body without boundary")?;
    let delim = format!("--{boundary}").into_bytes();
    let find = |hay: &[u8], needle: &[u8], from: usize| -> Option<usize> {
        if needle.is_empty() || hay.len() < needle.len() {
            return None;
        }
        (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
    };
    let mut parts = Vec::new();
    let mut pos = find(body, &delim, 0).ok_or("multipart boundary not found")? + delim.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            break;
        }
        if body.get(pos..pos + 2) == Some(b"\r\n") {
            pos += 2;
        }
        let header_end = find(body, b"\r\n\r\n", pos).ok_or("multipart part without header end")?;
        let head = String::from_utf8_lossy(&body[pos..header_end]).into_owned();
        let data_start = header_end + 4;
        let next = find(body, &delim, data_start).ok_or("multipart part not terminated")?;
        let mut data_end = next;
        if data_end >= 2 && &body[data_end - 2..data_end] == b"\r\n" {
            data_end -= 2;
        }
        let mut name = String::new();
        let mut filename = None;
        let mut ct = None;
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for param in line.split(';').skip(1) {
                    let param = param.trim();
                    if let Some(v) = param.strip_prefix("name=") {
                        name = v.trim_matches('"').to_string();
                    } else if let Some(v) = param.strip_prefix("filename=") {
                        filename = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if lower.starts_with("content-type:") {
                ct = Some(line["content-type:".len()..].trim().to_string());
            }
        }
        parts.push(MultipartPart {
            name,
            filename,
            content_type: ct,
            data: body[data_start..data_end].to_vec(),
        });
        pos = next + delim.len();
        if pos >= body.len() {
            break;
        }
    }
    Ok(parts)
}

pub(super) fn bucket_of(method: &str, path: &str) -> String {
    // major parameter (first id) kept, other ids replaced, then FNV-1a
    let mut seen_major = false;
    let norm: Vec<String> = path
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                if seen_major {
                    ":id".to_string()
                } else {
                    seen_major = true;
                    seg.to_string()
                }
            } else {
                seg.to_string()
            }
        })
        .collect();
    let key = format!("{method} {}", norm.join("/"));
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

pub(super) fn epoch_secs_f64() -> f64 {
    payloads::now_ms() as f64 / 1000.0
}

impl Inner {
    pub(super) fn record(&self, mut r: Recorded) {
        if let Some(path) = &self.log_path {
            let line =
                json!({"method": r.method, "path": r.path, "body": r.body}).to_string() + "\n";
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = f.write_all(line.as_bytes());
            }
        }
        {
            let mut d = lock(&self.data);
            r.seq = d.requests.len();
            d.requests.push(r);
        }
        self.requests_changed.send_modify(|v| *v += 1);
    }

    pub(super) fn handle_http(
        &self,
        tls: bool,
        method: &str,
        uri: &Uri,
        headers: &HeaderMap,
        raw: &[u8],
    ) -> Response {
        let raw_path = uri.path().to_string();
        let (api, path) = match raw_path.strip_prefix("/api/v10") {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => (true, rest.to_string()),
            _ => (false, raw_path.clone()),
        };
        let ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut body = None;
        let mut multipart = Vec::new();
        let mut parse_error: Option<String> = None;
        if ct.to_ascii_lowercase().starts_with("multipart/form-data") {
            match parse_multipart(&ct, raw) {
                Ok(parts) => {
                    if let Some(p) = parts.iter().find(|p| p.name == "payload_json") {
                        match serde_json::from_slice::<Value>(&p.data) {
                            Ok(v) => body = Some(v),
                            Err(e) => parse_error = Some(format!("payload_json: {e}")),
                        }
                    }
                    multipart = parts;
                }
                Err(e) => parse_error = Some(e),
            }
        } else if !raw.is_empty() {
            match serde_json::from_slice::<Value>(raw) {
                Ok(v) => body = Some(v),
                Err(e) => parse_error = Some(e.to_string()),
            }
        }

        let reply = if let Some(e) = parse_error {
            Reply::json(
                400,
                json!({"message": "The request body contains invalid JSON.", "code": 50109, "detail": e}),
            )
        } else if let Some(f) = self.take_failure(method, &path) {
            let reply = match f.status {
                429 => Reply::json(
                    429,
                    json!({"message": "You are being rate limited.", "retry_after": f.retry_after, "global": false}),
                ),
                500 => Reply::error(500, 0, "500: Internal Server Error"),
                st => Reply::error(
                    st,
                    0,
                    StatusCode::from_u16(st)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Error"),
                ),
            };
            let resp = self.finish(
                tls,
                method,
                uri,
                &raw_path,
                &path,
                api,
                headers,
                raw,
                body,
                multipart,
                &reply,
                Some(f.retry_after),
            );
            return resp;
        } else if api {
            let mut d = lock(&self.data);
            let segs: Vec<String> = path
                .trim_start_matches('/')
                .split('/')
                .map(url_decode)
                .collect();
            let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
            let query = uri.query().unwrap_or("").to_string();
            self.route(&mut d, method, &segs, &query, body.as_ref(), &multipart)
        } else if method == "GET" && path.starts_with("/attachments/") {
            let found = lock(&self.data).attachments.get(&raw_path).cloned();
            return match found {
                Some((bytes, ct)) => {
                    self.finish(
                        tls,
                        method,
                        uri,
                        &raw_path,
                        &path,
                        api,
                        headers,
                        raw,
                        body,
                        multipart,
                        &Reply {
                            status: 200,
                            body: None,
                        },
                        None,
                    );
                    let mut resp = (StatusCode::OK, bytes).into_response();
                    if let Ok(v) = HeaderValue::from_str(&ct) {
                        resp.headers_mut().insert("content-type", v);
                    }
                    resp
                }
                None => {
                    let reply = Reply::not_found();
                    self.finish(
                        tls, method, uri, &raw_path, &path, api, headers, raw, body, multipart,
                        &reply, None,
                    )
                }
            };
        } else {
            Reply::not_found()
        };
        self.finish(
            tls, method, uri, &raw_path, &path, api, headers, raw, body, multipart, &reply, None,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish(
        &self,
        tls: bool,
        method: &str,
        uri: &Uri,
        raw_path: &str,
        path: &str,
        api: bool,
        headers: &HeaderMap,
        raw: &[u8],
        body: Option<Value>,
        multipart: Vec<MultipartPart>,
        reply: &Reply,
        retry_after: Option<f64>,
    ) -> Response {
        self.record(Recorded {
            seq: 0,
            method: method.to_string(),
            path: path.to_string(),
            raw_path: raw_path.to_string(),
            query: uri.query().map(str::to_string),
            headers: redact_headers(headers),
            body,
            raw_body: raw.to_vec(),
            multipart,
            status: reply.status,
            response: reply.body.clone(),
            api,
            via_tls: tls,
        });
        let status =
            StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match &reply.body {
            Some(b) => (
                status,
                [("content-type", "application/json")],
                b.to_string(),
            )
                .into_response(),
            None => status.into_response(),
        };
        if api {
            let h = resp.headers_mut();
            let mut put = |k: &'static str, v: String| {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(HeaderName::from_static(k), v);
                }
            };
            let bucket = bucket_of(method, path);
            match retry_after {
                Some(ra) if reply.status == 429 => {
                    put("retry-after", format!("{ra}"));
                    put("x-ratelimit-limit", "5".into());
                    put("x-ratelimit-remaining", "0".into());
                    put("x-ratelimit-reset", format!("{:.3}", epoch_secs_f64() + ra));
                    put("x-ratelimit-reset-after", format!("{ra:.3}"));
                    put("x-ratelimit-bucket", bucket);
                    put("x-ratelimit-scope", "user".into());
                }
                _ => {
                    put("x-ratelimit-limit", "5".into());
                    put("x-ratelimit-remaining", "4".into());
                    put(
                        "x-ratelimit-reset",
                        format!("{:.3}", epoch_secs_f64() + 1.0),
                    );
                    put("x-ratelimit-reset-after", "1.000".into());
                    put("x-ratelimit-bucket", bucket);
                }
            }
        }
        resp
    }

    pub(super) fn take_failure(&self, method: &str, path: &str) -> Option<Failure> {
        let mut d = lock(&self.data);
        let idx = d.failures.iter().position(|f| {
            f.remaining > 0
                && (f.method == "*" || f.method.eq_ignore_ascii_case(method))
                && path.contains(&f.path_substring)
        })?;
        let f = &mut d.failures[idx];
        f.remaining -= 1;
        let out = Failure {
            method: f.method.clone(),
            path_substring: f.path_substring.clone(),
            status: f.status,
            retry_after: f.retry_after,
            remaining: f.remaining,
        };
        if d.failures[idx].remaining == 0 {
            d.failures.remove(idx);
        }
        Some(out)
    }
}
