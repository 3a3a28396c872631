//! Retrying Discord requests that were refused for a moment.
//!
//! With `DISCORD_API_BASE` the bot talks to an HTTP proxy (as deployments
//! with twilight-http-proxy do) and serenity's own ratelimiter is off,
//! because serenity 0.12 builds ratelimited requests without the proxy. The
//! proxy does the rate limiting, but a 429 can still come through (a shared
//! bucket, a global limit); this layer retries those with exponential
//! backoff and jitter, so a reply is delayed, never lost. Server errors are
//! retried too, except for creating messages and threads, where a retry
//! after a lost response could post twice.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use serenity::http::HttpError;

/// Whether a failed request may be sent again.
fn retryable(e: &serenity::Error, idempotent: bool) -> bool {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let s = r.status_code.as_u16();
            s == 429 || (idempotent && (500..600).contains(&s))
        }
        serenity::Error::Http(HttpError::Request(_)) => idempotent,
        _ => false,
    }
}

fn policy() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(8))
        .with_max_times(5)
        .with_jitter()
}

async fn run<T, F, Fut>(what: &'static str, idempotent: bool, f: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let result = f
        .retry(policy())
        .sleep(tokio::time::sleep)
        .when(move |e| retryable(e, idempotent))
        .notify(move |e, after| {
            count_error(e);
            tracing::warn!(request = what, error = %e, retry_in = ?after, "Discord refused a request; retrying");
        })
        .await;
    if let Err(e) = &result {
        count_error(e);
    }
    result
}

/// Counts a refused request for `/metrics`.
fn count_error(e: &serenity::Error) {
    use crate::admin::names;
    if let serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) = e {
        let status = r.status_code.as_u16();
        if status == 429 {
            metrics::counter!(names::DISCORD_RATE_LIMITED).increment(1);
        }
        metrics::counter!(names::DISCORD_HTTP_ERRORS, "status" => status.to_string()).increment(1);
    } else {
        metrics::counter!(names::DISCORD_HTTP_ERRORS, "status" => "transport").increment(1);
    }
}

/// Sends a request that is safe to repeat (edits, reads, interaction
/// callbacks: a second callback is refused by Discord, never duplicated).
pub async fn idempotent<T, F, Fut>(what: &'static str, f: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    run(what, true, f).await
}

/// Sends a request that creates something: retried only on 429, where
/// Discord guarantees nothing was done.
pub async fn create<T, F, Fut>(what: &'static str, f: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    run(what, false, f).await
}
