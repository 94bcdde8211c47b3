//! Files over HTTP: the widget's and the console's uploads, the download
//! behind a signed link, and an admin's erasure of a conversation.
//!
//! The download lives under `/files/`, outside `/api` and `/ws`, the only
//! paths the console's session cookie is sent to, so fetching a file never
//! carries a session; and it is always served so that no browser renders
//! it as a page of ours (see [`download`]).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::files::{is_inline_image, FILE_NAME_HEADER};
use protocol::{ChatMessage, ClientId, ConversationId, ErrorCode};
use serde::Deserialize;

use super::admin::Admin;
use crate::auth::SignedIn;
use crate::extract::{origin, ClientIp, FromConsole};
use crate::files::{self, Sender};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{now_ms, FileLimits};

#[derive(Deserialize)]
pub struct UploadQuery {
    /// The visitor's conversation (the console names it in the path).
    #[serde(default)]
    conversation: Option<i64>,
    client_id: String,
}

/// The file's name from its header, percent-decoded (the header can carry
/// only ASCII, names are often Chinese).
fn file_name(headers: &HeaderMap) -> String {
    let raw = headers.get(FILE_NAME_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    url::form_urlencoded::parse(format!("n={}", raw.replace('+', "%2B")).as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// How long an upload's body may take to arrive (25 MB at about 400 kbit/s).
const READ_TIMEOUT: Duration = Duration::from_secs(600);

/// Reads the body, refusing at once when the site takes no files or the
/// body says it is larger than the site allows, and as soon as it proves
/// to be. At most `Files::reading` bodies are read at once per node.
async fn read_body(state: &AppState, headers: &HeaderMap, body: Body, limits: FileLimits) -> Result<Bytes, Refusal> {
    if limits.file_mb == 0 {
        return Err(Refusal::new(ErrorCode::Forbidden, "this site does not take files"));
    }
    let limit = files::byte_limit(limits);
    let too_large = || Refusal::new(ErrorCode::TooLarge, format!("a file may weigh at most {} MB", limit / 1_000_000));
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let _turn = state.files.reading.acquire().await.map_err(Refusal::internal)?;
    let read = axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX));
    match tokio::time::timeout(READ_TIMEOUT, read).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(Refusal::new(ErrorCode::Invalid, "the file took too long to arrive")),
    }
}

fn client_id(q: &UploadQuery) -> Result<ClientId, Refusal> {
    ClientId::parse(q.client_id.clone()).map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))
}

/// What the widget's page may send across origins: the answer carries its
/// origin back, as the boot data's does.
pub(super) fn allow_origin(headers: &HeaderMap, mut response: Response) -> Response {
    if let Some(value) = origin(headers).and_then(|o| HeaderValue::from_str(o).ok()) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// The preflight a browser sends before the widget's upload: POST with the
/// visitor's token and the file's name. It carries no token, so which site
/// is asked is not known yet; the upload itself checks the origin against
/// the site of the conversation.
pub async fn visitor_upload_preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type, x-file-name"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    allow_origin(&headers, response)
}

/// `POST /api/v1/files?conversation=&client_id=`, from the widget: the
/// visitor's token as a bearer, the file's bytes as the body, from a page
/// on one of the conversation's site's origins. (The widget's uploads
/// module finds this path next to its own, so it needs no site key.)
pub async fn visitor_upload(State(state): State<AppState>, ClientIp(ip): ClientIp, Query(q): Query<UploadQuery>, headers: HeaderMap, body: Body) -> Response {
    let answer = match state.admission.upload(ip) {
        Ok(()) => visitor_upload_inner(&state, q, &headers, body).await,
        Err(refusal) => Err(refusal),
    };
    allow_origin(&headers, answer.into_response())
}

async fn visitor_upload_inner(state: &AppState, q: UploadQuery, headers: &HeaderMap, body: Body) -> Result<Json<ChatMessage>, Refusal> {
    let client_id = client_id(&q)?;
    let id = ConversationId(q.conversation.ok_or_else(|| Refusal::new(ErrorCode::Invalid, "which conversation? (conversation=)"))?);
    // An unknown conversation and a wrong token answer alike, so no one
    // without a token learns which conversations exist, or whose they are.
    let unknown = || Refusal::unauthorized("an unknown visitor or conversation");
    let c = state.store.conversation(id).await?.ok_or_else(unknown)?;
    let site = state.store.site(c.site_id).await?.ok_or_else(unknown)?;
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    let visitor = state.store.visitor_by_token(site.id, token).await?.ok_or_else(unknown)?;
    if !site.allows_origin(origin(headers).unwrap_or("")) {
        return Err(Refusal::new(ErrorCode::BadOrigin, "this page's origin may not use the site's widget"));
    }
    if c.visitor_id != visitor.id {
        return Err(Refusal::new(ErrorCode::NoConversation, "no such conversation is yours"));
    }
    if let Some(refusal) = files::refuse_conversation(&c, &Sender::Visitor) {
        return Err(refusal);
    }
    let bytes = read_body(state, headers, body, site.files).await?;
    Ok(Json(files::upload(state, &c, site.files, Sender::Visitor, client_id, &file_name(headers), bytes).await?))
}

/// `POST /api/v1/conversations/{id}/files?client_id=`, from the console.
// Each argument is an axum extractor; grouping them would only hide which.
#[allow(clippy::too_many_arguments)]
pub async fn agent_upload(
    State(state): State<AppState>,
    _: FromConsole,
    ClientIp(ip): ClientIp,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ChatMessage>, Refusal> {
    state.admission.upload(ip)?;
    let client_id = client_id(&q)?;
    let agent = session.agent.info;
    let c = state.store.conversation(ConversationId(id)).await?.ok_or_else(|| Refusal::new(ErrorCode::NoConversation, "no such chat is assigned to you"))?;
    let sender = Sender::Agent { id: agent.id, name: agent.name };
    if let Some(refusal) = files::refuse_conversation(&c, &sender) {
        return Err(refusal);
    }
    let site = state.store.site(c.site_id).await?.ok_or_else(|| Refusal::new(ErrorCode::UnknownSite, "the chat's site is gone"))?;
    let bytes = read_body(&state, &headers, body, site.files).await?;
    Ok(Json(files::upload(&state, &c, site.files, sender, client_id, &file_name(&headers), bytes).await?))
}

#[derive(Deserialize)]
pub struct LinkQuery {
    e: i64,
    s: String,
}

/// `GET /files/{id}?e=&s=`: the file, when the link is this server's and
/// has not expired. Pictures are served inline (for thumbnails); anything
/// else as a download. Every answer has `nosniff` (from the headers layer)
/// and a policy that sandboxes it and lets it load nothing, so not even a
/// file that got past the type check could run as a page of ours.
pub async fn download(State(state): State<AppState>, Path(id): Path<i64>, Query(link): Query<LinkQuery>) -> Result<Response, Refusal> {
    let gone = || Refusal::new(ErrorCode::NotFound, "this link has expired or is not valid; reopen the chat for a fresh one");
    if !state.store.links().verify(id, link.e, &link.s, now_ms() / 1000) {
        return Err(gone());
    }
    let file = state.store.file(id).await?.ok_or_else(gone)?;
    let blob = state.files.blobs.open(&file.sha256).await.map_err(Refusal::internal)?.ok_or_else(gone)?;
    let a = file.attachment;
    let inline = is_inline_image(&a.mime);
    let disposition = content_disposition(if inline { "inline" } else { "attachment" }, &a.name);
    let content_type = if inline { a.mime.as_str() } else { "application/octet-stream" };
    let mut response = Body::from_stream(blob.stream).into_response();
    let h = response.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).map_err(Refusal::internal);
    h.insert(header::CONTENT_TYPE, value(content_type)?);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(blob.len));
    h.insert(header::CONTENT_DISPOSITION, value(&disposition)?);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    // The widget shows pictures on the customer's page, another origin.
    h.insert(header::HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("cross-origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}

/// `Content-Disposition` with the file's name twice (RFC 6266): plain
/// ASCII for old clients, anything else as `_`; and percent-encoded UTF-8
/// in `filename*`, every byte encoded except RFC 8187's `attr-char`s.
fn content_disposition(kind: &str, name: &str) -> String {
    let plain: String = name.chars().map(|c| if c == ' ' || (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';')) { c } else { '_' }).collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// `DELETE /api/v1/conversations/{id}`: erases an ended conversation's
/// messages, files and pre-chat answers (an admin's answer to "delete what
/// I sent you"); what routing recorded stays for the reports.
pub async fn erase_conversation(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>) -> Result<StatusCode, Refusal> {
    let c = state.store.conversation(ConversationId(id)).await?.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such conversation"))?;
    files::erase(&state, &c).await?;
    admin.audit(&state, "erase conversation", &id.to_string(), "messages, files and pre-chat answers").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_quoted_and_encoded_for_the_header() {
        assert_eq!(content_disposition("attachment", "退貨 1.pdf"), "attachment; filename=\"__ 1.pdf\"; filename*=UTF-8''%E9%80%80%E8%B2%A8%201.pdf");
        let hostile = content_disposition("inline", "a\";b%c*.png");
        assert_eq!(hostile, "inline; filename=\"a__b_c*.png\"; filename*=UTF-8''a%22%3Bb%25c%2A.png");
        assert!(HeaderValue::from_str(&hostile).is_ok());
    }
}
