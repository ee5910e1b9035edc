//! The OpenAPI 3 document, generated from the handlers' annotations; served at
//! `/api/v1/openapi.json`.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes::{
    assets, audit, auth, collections, deliveries, health, intelligence, jobs, keys, profiles, recommendations, rules,
    timeline, tokens, uploads, users, worker,
};
use crate::state::SharedState;

#[derive(OpenApi)]
#[openapi(
    info(title = "regie", description = "Media asset management: catalogue, accounts, uploads and audit trail."),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "assets", description = "The catalogue"),
        (name = "auth", description = "Logging in"),
        (name = "tokens", description = "API tokens"),
        (name = "uploads", description = "Resumable uploads (tus 1.0)"),
        (name = "segments", description = "Time-coded segments: markers, chapters, shots, QC detections; EDL, OTIO, WebVTT and CSV exchange"),
        (name = "review", description = "Review comments and approval decisions"),
        (name = "subtitles", description = "Subtitle tracks and machine transcripts of speech"),
        (name = "recommendations", description = "Viewing events, recommendations, more like this and trends"),
        (name = "jobs", description = "The job queue"),
        (name = "keys", description = "Keys of protected packages, for players of those who may download them"),
        (name = "delivery", description = "Destinations, deliveries and rights"),
        (name = "admin", description = "Users, groups, grants and the audit trail"),
        (name = "health", description = "Probes and metrics"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
        );
    }
}

/// axum writes a trailing wildcard `{*path}`; OpenAPI templates name it `{path}`.
pub fn tidy(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut document.paths.paths);
    document.paths.paths = paths.into_iter().map(|(path, item)| (path.replace("{*", "{"), item)).collect();
    document
}

pub fn routes() -> OpenApiRouter<SharedState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .routes(routes!(auth::login))
        .routes(routes!(auth::open_session, auth::close_session))
        .routes(routes!(auth::me))
        .routes(routes!(tokens::create, tokens::list))
        .routes(routes!(tokens::revoke))
        .routes(routes!(assets::list))
        .routes(routes!(collections::list))
        .routes(routes!(assets::show, assets::delete))
        .routes(routes!(assets::tags))
        .routes(routes!(assets::metadata))
        .routes(routes!(assets::verdict_report))
        .routes(routes!(timeline::list, timeline::add))
        .routes(routes!(timeline::edit, timeline::remove))
        .routes(routes!(timeline::export))
        .routes(routes!(timeline::import))
        .routes(routes!(timeline::review))
        .routes(routes!(timeline::comment))
        .routes(routes!(timeline::resolve))
        .routes(routes!(timeline::decide))
        .routes(routes!(intelligence::list))
        .routes(routes!(intelligence::download))
        .routes(routes!(intelligence::transcribe))
        .routes(routes!(recommendations::record))
        .routes(routes!(recommendations::for_caller))
        .routes(routes!(recommendations::more_like_this))
        .routes(routes!(recommendations::trending))
        .routes(routes!(recommendations::similar))
        .routes(routes!(assets::download))
        .routes(routes!(assets::rendition_file))
        .routes(routes!(assets::search))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::show))
        .routes(routes!(jobs::transcode))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::retry))
        .routes(routes!(keys::raw, keys::licence))
        .routes(routes!(deliveries::list, deliveries::create))
        .routes(routes!(deliveries::show))
        .routes(routes!(deliveries::destinations))
        .routes(routes!(deliveries::contracts, deliveries::add_contract))
        .routes(routes!(deliveries::check))
        .routes(routes!(rules::list))
        .routes(routes!(rules::save, rules::remove))
        .routes(routes!(rules::test))
        .routes(routes!(worker::claim))
        .routes(routes!(worker::heartbeat))
        .routes(routes!(worker::complete))
        .routes(routes!(worker::log))
        .routes(routes!(worker::asset))
        .routes(routes!(users::list_users, users::add_user))
        .routes(routes!(users::change_user))
        .routes(routes!(users::list_groups, users::add_group))
        .routes(routes!(users::add_member, users::remove_member))
        .routes(routes!(users::list_grants, users::add_grant))
        .routes(routes!(users::remove_grant))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(profiles::list))
        .routes(routes!(profiles::policies))
        .routes(routes!(assets::check))
        .routes(routes!(uploads::options, uploads::create))
        .routes(routes!(uploads::head, uploads::status, uploads::patch, uploads::terminate))
}
