//! Past conversations for agents: search them and open a transcript.
//! Only the sites an agent serves are searched (every site for an admin).

use axum::extract::{Path, Query, State};
use axum::Json;
use protocol::history::{Found, Search, Transcript};
use protocol::{ConversationId, ErrorCode};

use crate::auth::SignedIn;
use crate::refusal::Refusal;
use crate::state::AppState;

/// `GET /api/v1/conversations/search?q=&visitor=&agent=&from=&to=&status=&before=`
pub async fn search_conversations(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(search): Query<Search>,
) -> Result<Json<Vec<Found>>, Refusal> {
    Ok(Json(state.store.search_conversations(session.agent.info.id, &search).await?))
}

/// `GET /api/v1/conversations/{id}/transcript`
pub async fn transcript(State(state): State<AppState>, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<Json<Transcript>, Refusal> {
    let transcript = state.store.transcript(Some(session.agent.info.id), ConversationId(id)).await?;
    Ok(Json(transcript.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such conversation"))?))
}
