//! Co-browsing from the console: asking the visitor of a chat, joining a
//! session with the code a visitor read out, and replaying a kept one.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::cobrowse::{Join, Session};
use protocol::{ConversationId, ErrorCode};

use crate::auth::SignedIn;
use crate::extract::{ClientIp, FromConsole};
use crate::refusal::Refusal;
use crate::state::AppState;

/// `POST /api/v1/conversations/{id}/cobrowse`: the agent of the chat asks
/// its visitor to co-browse.
pub async fn ask_cobrowse(State(state): State<AppState>, _: FromConsole, SignedIn(me): SignedIn, Path(id): Path<i64>) -> Result<Json<Session>, Refusal> {
    Ok(Json(crate::cobrowse::ask(&state, &me.agent, ConversationId(id)).await?))
}

/// `POST /api/v1/cobrowse/join`: the session of the code a visitor read.
pub async fn join_cobrowse(
    State(state): State<AppState>,
    _: FromConsole,
    ClientIp(ip): ClientIp,
    SignedIn(me): SignedIn,
    Json(join): Json<Join>,
) -> Result<Json<Session>, Refusal> {
    Ok(Json(crate::cobrowse::join(&state, &me.agent, &join.code, ip).await?))
}

/// `GET /api/v1/cobrowse/{id}/recording`: a kept session as it was sent
/// (masked in the visitor's browser), for the agent who held it and the
/// supervisors and admins of its site. Records of [ms since it went live,
/// u32 big-endian][length, u32 big-endian][that many bytes].
pub async fn cobrowse_recording(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<i64>) -> Result<Response, Refusal> {
    let record = state.store.cobrowse_session(id).await?;
    let may = |r: &crate::store::CobrowseRecord| {
        let role = me.agent.info.role;
        r.agent_id == Some(me.agent.info.id) || role == protocol::agent::Role::Admin || (role.supervises() && me.agent.sites.contains(&r.site_id))
    };
    record.filter(may).ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such co-browse session"))?;
    let mut body = Vec::new();
    for (at, bytes) in state.store.cobrowse_recording(id).await? {
        body.extend_from_slice(&u32::try_from(at.max(0)).unwrap_or(u32::MAX).to_be_bytes());
        body.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
        body.extend_from_slice(&bytes);
    }
    let mut response = Body::from(body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}
