//! Erasing a contact: each conversation as an admin's erasure does it
//! (messages, files and their bytes), then the rest of the record in one
//! transaction (`Store::erase_contact_record`).

use protocol::ErrorCode;

use crate::files;
use crate::refusal::Refusal;
use crate::state::AppState;

/// Erases everything about contact `id`; refused while one of its
/// conversations is open (a chat under way cannot lose its messages).
pub async fn erase(state: &AppState, id: i64) -> Result<(), Refusal> {
    state.store.live_contact(id).await?;
    if !state.store.contact_open_conversations(id).await?.is_empty() {
        return Err(Refusal::new(ErrorCode::InvalidState, "a conversation of this contact is open: erase it once it has ended"));
    }
    for conversation in state.store.contact_conversations(id).await? {
        if let Some(c) = state.store.conversation(conversation).await? {
            files::erase(state, &c).await?;
        }
    }
    if !state.store.erase_contact_record(id).await? {
        return Err(Refusal::new(ErrorCode::InvalidState, "the contact changed while it was being erased (a new chat, or a merge): try again"));
    }
    tracing::info!(contact = id, "a contact was erased");
    Ok(())
}
