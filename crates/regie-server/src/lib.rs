//! regie's HTTP API: `serve` binds a listener and answers under `/api/v1` until told to stop,
//! running the job worker beside it. Every route authenticates the caller and checks their
//! permission; handlers only call the use cases of `regie-app` and render what they return.

mod auth;
mod disk_guard;
mod error;
mod extract;
mod listener;
mod metrics;
mod openapi;
mod routes;
mod state;
mod throttle;
mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use regie_app::Regie;
use regie_app::jobs::{WorkerObserver, WorkerOptions};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::{ApiError, ErrorBody};
pub use listener::ConnectionLimits;
pub use state::ServerOptions;

use crate::state::{AppState, SharedState};

/// JSON bodies larger than this are refused (uploads stream and are not bound by it).
pub(crate) const JSON_BODY_LIMIT: usize = 1 << 20;

/// The whole application: routes, OpenAPI document, metrics and tracing.
pub fn router(regie: Regie, options: ServerOptions) -> Router {
    router_on(shared_state(regie, options))
}

fn shared_state(regie: Regie, options: ServerOptions) -> SharedState {
    Arc::new(AppState {
        regie,
        options,
        throttle: Default::default(),
        refusals: Default::default(),
        metrics: Default::default(),
        audit_failures: Default::default(),
        upload_locks: Default::default(),
    })
}

fn router_on(state: SharedState) -> Router {
    let (api, document) = openapi::routes().split_for_parts();
    // Rendered once: the document does not change while the server runs.
    let document: Arc<str> = serde_json::to_string(&openapi::tidy(document)).unwrap_or_default().into();
    api.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || {
            let document = Arc::clone(&document);
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], document.to_string()) }
        }),
    )
    .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), disk_guard::refuse_writes_on_a_full_disk))
    .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), metrics::track))
    .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
    // One INFO line per request (method, path, status, latency): `REGIE_LOG=info regie serve`.
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
    .fallback(fallback)
    .with_state(state)
}

/// Unknown API paths are JSON 404s; everything else belongs to the web desk.
async fn fallback(method: axum::http::Method, uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = uri.path();
    if path.starts_with("/api/") || !matches!(method, axum::http::Method::GET | axum::http::Method::HEAD) {
        return ApiError::not_found("no such route: the API is described at /api/v1/openapi.json").into_response();
    }
    web::serve(uri).await
}

/// Serves until `shutdown` turns true: the listener stops accepting, requests in flight finish,
/// the worker lets its running jobs finish, and the catalogue is closed.
pub async fn serve(
    regie: Regie,
    listener: TcpListener,
    options: ServerOptions,
    workers: usize,
    worker_observer: Arc<dyn WorkerObserver>,
    shutdown: watch::Receiver<bool>,
) {
    let worker = (workers > 0).then(|| {
        let regie = regie.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            regie.run_worker(WorkerOptions { concurrency: workers, until_idle: false }, worker_observer, shutdown).await
        })
    });
    let limits = options.connections;
    let state = shared_state(regie.clone(), options);
    let refusals = tokio::spawn(state::audit_refusals(Arc::clone(&state), shutdown.clone()));
    listener::serve_connections(listener, router_on(Arc::clone(&state)), limits, shutdown).await;
    let _ = refusals.await;
    if let Some(worker) = worker {
        match worker.await {
            Ok(Err(error)) => tracing::error!(%error, "the job worker stopped"),
            Err(error) => tracing::error!(%error, "the job worker panicked"),
            Ok(Ok(_)) => {}
        }
    }
    regie.close().await;
}
