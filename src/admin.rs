//! The admin HTTP port: `/healthz` and `/metrics` (Prometheus text format).
//!
//! Off unless `ADMIN_ADDR` is set; meant for 127.0.0.1 or a private network
//! (it has no authentication and shows nothing secret: counts, not text).
//! The metric names are listed once here, so dashboards and code agree.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::store::Store;

/// Metric names.
pub mod names {
    pub const MESSAGES_SEEN: &str = "spotify_error_bot_messages_seen_total";
    pub const MATCHES: &str = "spotify_error_bot_matches_total";
    pub const ANSWERS_SENT: &str = "spotify_error_bot_answers_sent_total";
    pub const SESSIONS_STARTED: &str = "spotify_error_bot_sessions_started_total";
    pub const SESSIONS_SOLVED: &str = "spotify_error_bot_sessions_solved_total";
    pub const INTERACTION_SECONDS: &str = "spotify_error_bot_interaction_seconds";
    pub const DISCORD_HTTP_ERRORS: &str = "spotify_error_bot_discord_http_errors_total";
    pub const DISCORD_RATE_LIMITED: &str = "spotify_error_bot_discord_rate_limited_total";
    pub const STORE_ERRORS: &str = "spotify_error_bot_store_errors_total";
    pub const OCR_SECONDS: &str = "spotify_error_bot_ocr_seconds";
    pub const OUTAGES: &str = "spotify_error_bot_outages_detected_total";
    pub const FEEDBACK: &str = "spotify_error_bot_feedback_total";
    pub const LIFECYCLE: &str = "spotify_error_bot_lifecycle_actions_total";
}

/// Installs the process-wide Prometheus recorder (once; later calls return
/// `None`, as does a failure, which only means metrics are not exported).
pub fn install_metrics() -> Option<PrometheusHandle> {
    let buckets = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    ];
    let handle = PrometheusBuilder::new()
        .set_buckets(&buckets)
        .ok()?
        .install_recorder()
        .map_err(|e| tracing::warn!(error = %e, "metrics are off"))
        .ok()?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    Some(handle)
}

/// What `/healthz` looks at.
#[derive(Clone)]
pub struct Health {
    /// Set while at least one shard is connected to the gateway.
    pub gateway: Arc<AtomicBool>,
    pub store: Arc<dyn Store>,
}

#[derive(Clone)]
struct AdminState {
    health: Health,
    metrics: Option<PrometheusHandle>,
}

async fn healthz(State(s): State<AdminState>) -> Response {
    let gateway = s.health.gateway.load(Ordering::Relaxed);
    let database = tokio::time::timeout(Duration::from_secs(2), s.health.store.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    let status = if gateway && database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({ "gateway": gateway, "database": database });
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(s): State<AdminState>) -> Response {
    match &s.metrics {
        Some(h) => ([("content-type", "text/plain; version=0.0.4")], h.render()).into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are off").into_response(),
    }
}

/// Binds `addr` and serves until the task is dropped. Returns the bound
/// address (useful with port 0).
pub async fn serve(
    addr: SocketAddr,
    health: Health,
    metrics_handle: Option<PrometheusHandle>,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(AdminState {
            health,
            metrics: metrics_handle,
        });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "admin port stopped");
        }
    });
    tracing::info!(addr = %bound, "admin port listening (/healthz, /metrics)");
    Ok(bound)
}
