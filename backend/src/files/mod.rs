//! Files people send in a chat: checked, cleaned, stored and delivered as
//! a message.
//!
//! An upload arrives over HTTP (`api/files.rs`), from the visitor's widget
//! or an agent's console. [`Files::upload`] checks it against the site's
//! limits, finds its type in the content (`sniff`), strips location and
//! camera metadata from images (`strip`), keeps the bytes in the blob
//! store under their digest (`blobs`), records the file, and appends the
//! message that shows it, through the message writer like any other, so a
//! retried upload (same client id) finds its first copy instead of making
//! a second. Links to files are signed (`links`) as messages leave the
//! store, and checked by the download, which needs no cookie.

pub mod blobs;
pub mod links;
mod sniff;
mod strip;

use std::sync::Arc;

use bytes::Bytes;
use protocol::agent::AgentEvent;
use protocol::files::{is_inline_image, name_for_type, Attachment};
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, Author, ChatMessage, ClientId, ConversationStatus, ErrorCode, MessageText};
use tokio::sync::{RwLock, Semaphore};

use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{ConversationRecord, FileLimits, NewMessage};
use blobs::BlobStore;

const MB: u64 = 1_000_000;

/// The blob store and what keeps uploads and erasures apart. Cheap to
/// clone.
#[derive(Clone)]
pub struct Files {
    pub blobs: Arc<dyn BlobStore>,
    /// Uploads hold it shared while they store and record a blob; an
    /// erasure holds it alone while it deletes the blobs nothing names any
    /// more, so an upload of the same bytes is never recorded just as its
    /// blob goes. (Per node: a cluster that keeps blobs on a shared disk
    /// shares this gap; see ARCHITECTURE.md.)
    blob_lock: Arc<RwLock<()>>,
    /// Uploads being read at once on this node: each holds its body in
    /// memory (up to `MAX_FILE_MB`), so they are bounded.
    pub reading: Arc<Semaphore>,
}

/// Uploads read at once per node; more wait their turn.
const READING_AT_ONCE: usize = 8;

impl Files {
    pub fn new(blobs: Arc<dyn BlobStore>) -> Self {
        Self { blobs, blob_lock: Arc::new(RwLock::new(())), reading: Arc::new(Semaphore::new(READING_AT_ONCE)) }
    }
}

/// Who sends the file.
pub enum Sender {
    Visitor,
    Agent { id: AgentId, name: String },
}

/// Why a conversation takes no file from this sender, or None.
pub fn refuse_conversation(c: &ConversationRecord, sender: &Sender) -> Option<Refusal> {
    if !c.is_chat() {
        return Some(Refusal::new(ErrorCode::InvalidState, "a callback has no chat to send files in"));
    }
    match sender {
        Sender::Visitor if c.status == ConversationStatus::Ended => Some(Refusal::new(ErrorCode::InvalidState, "this chat has ended")),
        Sender::Agent { id, .. } if c.agent_id != Some(*id) || c.status != ConversationStatus::Active => {
            Some(Refusal::new(ErrorCode::NoConversation, "no such chat is assigned to you"))
        }
        _ => None,
    }
}

/// The most bytes an upload to a site may carry (what the server reads).
pub fn byte_limit(limits: FileLimits) -> u64 {
    u64::from(limits.file_mb.min(protocol::files::MAX_FILE_MB)) * MB
}

/// Checks, cleans and stores a file, and appends and delivers its message.
pub async fn upload(
    state: &AppState,
    c: &ConversationRecord,
    limits: FileLimits,
    sender: Sender,
    client_id: ClientId,
    name: &str,
    body: Bytes,
) -> Result<ChatMessage, Refusal> {
    if let Some(refusal) = refuse_conversation(c, &sender) {
        return Err(refusal);
    }
    let stored = match state.store.file_for_client_id(c.id, &client_id).await? {
        // A retry of an upload that was stored: its message is appended
        // (or found) below, never a second file.
        Some(stored) => stored.attachment,
        None => store_new(state, c, limits, &client_id, name, body).await?,
    };
    let (author, author_name, agent_id) = match sender {
        Sender::Visitor => (Author::Visitor, crate::gateway::visitor_author_name(&c.prechat), None),
        Sender::Agent { id, name } => (Author::Agent, name, Some(id)),
    };
    let text = MessageText::parse(stored.name.clone()).map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))?;
    let message = NewMessage { conversation_id: c.id, client_id, author, author_name, agent_id, text, file: Some(stored) };
    let appended = state.store.append_message(message).await?;
    if appended.is_new {
        deliver(state, c, &appended.message).await;
    }
    Ok(appended.message)
}

async fn store_new(state: &AppState, c: &ConversationRecord, limits: FileLimits, client_id: &ClientId, name: &str, body: Bytes) -> Result<Attachment, Refusal> {
    if limits.file_mb == 0 {
        return Err(Refusal::new(ErrorCode::Forbidden, "this site does not take files"));
    }
    if body.is_empty() {
        return Err(Refusal::new(ErrorCode::Invalid, "the file is empty"));
    }
    let limit = byte_limit(limits);
    if body.len() as u64 > limit {
        return Err(Refusal::new(ErrorCode::TooLarge, format!("a file may weigh at most {} MB", limit / MB)));
    }
    let used = state.store.conversation_file_bytes(c.id).await?;
    if used + body.len() as u64 > u64::from(limits.conversation_mb) * MB {
        return Err(Refusal::new(ErrorCode::LimitReached, format!("the files of one chat may weigh at most {} MB together", limits.conversation_mb)));
    }
    let Some(kind) = sniff::sniff(&body) else {
        return Err(Refusal::new(ErrorCode::FileType, "only pictures, PDF, plain text and office documents can be sent, whatever the file is called"));
    };
    let (bytes, width, height) = if is_inline_image(kind.mime) {
        let cleaned = strip::clean_image(kind.mime, body).map_err(|e| Refusal::new(ErrorCode::FileType, e.to_string()))?;
        (cleaned.bytes, cleaned.width, cleaned.height)
    } else {
        (body, 0, 0)
    };
    let sha256 = blobs::key_of(&bytes);
    let file = Attachment { id: 0, name: name_for_type(name, kind.mime), mime: kind.mime.into(), bytes: bytes.len() as u64, width, height, url: String::new() };
    let _held = state.files.blob_lock.read().await;
    state.files.blobs.put(&sha256, bytes).await.map_err(|e| {
        tracing::error!(error = %e, "storing a file's bytes");
        Refusal::new(ErrorCode::Internal, "the file could not be stored")
    })?;
    Ok(state.store.add_file(c.id, client_id, &sha256, &file).await?.attachment)
}

/// Tells everyone in the conversation, as a typed message is told.
pub(crate) async fn deliver(state: &AppState, c: &ConversationRecord, message: &ChatMessage) {
    let agent = state.store.conversation(c.id).await.ok().flatten().and_then(|now| now.agent_id).or(c.agent_id);
    match agent {
        Some(agent) => state.hub.to_agent(agent, AgentEvent::Message { conversation_id: c.id, message: message.clone() }).await,
        // An agent deciding on an offer should see what the visitor sent.
        None => state.routing.refresh_offer(c.id).await,
    }
    state.hub.to_visitor(c.visitor_id, VisitorEvent::Message { message: message.clone() }).await;
}

/// Erases a conversation's messages and files (see
/// `Store::erase_conversation`), then the blobs nothing names any more.
pub async fn erase(state: &AppState, c: &ConversationRecord) -> Result<(), Refusal> {
    if c.is_open() {
        return Err(Refusal::new(ErrorCode::InvalidState, "end the conversation before erasing it"));
    }
    let _held = state.files.blob_lock.write().await;
    for sha256 in state.store.erase_conversation(c.id).await? {
        if let Err(e) = state.files.blobs.delete(&sha256).await {
            // The records are gone, so nobody can fetch it; the bytes stay
            // until an operator removes them.
            tracing::error!(error = %e, blob = %sha256, "deleting an erased file's bytes");
        }
    }
    Ok(())
}
