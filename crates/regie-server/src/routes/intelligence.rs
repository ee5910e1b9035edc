//! Subtitles and transcripts over the API: an asset's tracks listed and downloaded as SubRip or
//! WebVTT (read), and transcription queued for the workers (write-metadata), audited.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use regie_app::Permission;
use regie_app::intelligence::SpeechLanguage;
use regie_app::timeline::Actor;
use regie_core::subtitle::SubtitleFormat;
use serde::{Deserialize, Serialize};

use crate::auth::Authenticated;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::SharedState;

/// One subtitle track of an asset.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubtitleTrackSummary {
    pub source: String,
    pub language: Option<String>,
    /// `sidecar` (a file read with the media) or `speech` (the speech engine made it).
    pub origin: String,
    /// Whether a machine made it.
    pub machine: bool,
    pub engine: Option<String>,
    pub language_probability: Option<f64>,
    pub cues: usize,
}

/// An asset's subtitle tracks.
#[utoipa::path(get, path = "/api/v1/assets/{id}/subtitles", tag = "subtitles", params(("id" = String, Path)),
    responses((status = 200, body = Vec<SubtitleTrackSummary>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<SubtitleTrackSummary>>> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "subtitles.list", format!("asset {id}")).await?;
    let tracks = state.regie.subtitle_tracks(asset_id).await?;
    Ok(axum::Json(
        tracks
            .into_iter()
            .map(|track| SubtitleTrackSummary {
                machine: track.origin != "sidecar",
                cues: track.cues.len(),
                source: track.source,
                language: track.language,
                origin: track.origin,
                engine: track.engine,
                language_probability: track.language_probability,
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SubtitleQuery {
    /// `srt` (default) or `vtt`.
    pub format: Option<String>,
}

/// One track as a SubRip or WebVTT file (`transcript` is the machine-made one).
#[utoipa::path(get, path = "/api/v1/assets/{id}/subtitles/{source}", tag = "subtitles",
    params(("id" = String, Path), ("source" = String, Path), SubtitleQuery),
    responses((status = 200, body = String, content_type = "text/vtt"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<SharedState>,
    who: Authenticated,
    Path((id, source)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<SubtitleQuery>,
) -> ApiResult<Response> {
    let asset_id = state.permitted(&who, &id, Permission::Read, "subtitles.download", format!("asset {id}")).await?;
    let asked = query.format.as_deref().unwrap_or("srt");
    let format = SubtitleFormat::parse(asked)
        .ok_or_else(|| regie_app::AppError::Invalid("format: use srt or vtt".to_owned()))?;
    let export = state.regie.export_subtitles(asset_id, Some(&source), format).await?;
    let disposition = format!("attachment; filename=\"{}\"", export.file_name);
    Ok((
        [(header::CONTENT_TYPE, format.content_type().to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        export.text,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscribeRequest {
    /// `fr`, `en` or `auto` (default: the server's `[intelligence] speech_language`).
    pub language: Option<String>,
}

/// Queues the transcription of an asset's speech (write-metadata); its transcript replaces an
/// earlier one when the job has run.
#[utoipa::path(post, path = "/api/v1/assets/{id}/transcribe", tag = "subtitles", params(("id" = String, Path)),
    request_body = TranscribeRequest,
    responses((status = 202, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transcribe(
    State(state): State<SharedState>,
    who: Authenticated,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TranscribeRequest>,
) -> ApiResult<(StatusCode, axum::Json<regie_app::Enqueued>)> {
    let asset_id =
        state.permitted(&who, &id, Permission::WriteMetadata, "transcript.queue", format!("asset {id}")).await?;
    let language = match request.language.as_deref() {
        None => None,
        Some(code) => Some(
            SpeechLanguage::parse(code)
                .ok_or_else(|| regie_app::AppError::Invalid("language: use fr, en or auto".to_owned()))?,
        ),
    };
    let actor = Actor::new(who.caller.user.name.clone(), who.address.clone());
    let enqueued = state.regie.queue_transcription(asset_id, language, &actor).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(enqueued)))
}
