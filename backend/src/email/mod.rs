//! Email out: the transcript a visitor asks for, and a message left for a
//! site's team while nobody could answer. An email is composed here
//! (`compose`), queued in the delivery outbox beside the webhooks (its
//! url is `mailto:<address>`, its body an [`Email`] as JSON) and sent by
//! the same delivery task, with the same retries and log, through SMTP
//! (`send`).

pub mod compose;
mod send;

use serde::{Deserialize, Serialize};

pub use send::Mailer;

/// The outbox's kinds of email.
pub use protocol::admin::{EMAIL_LEFT_MESSAGE as LEFT_MESSAGE, EMAIL_TRANSCRIPT as TRANSCRIPT};

/// How many transcripts one conversation may have emailed, so the form
/// cannot be used to send mail to strangers in bulk.
pub const TRANSCRIPTS_PER_CONVERSATION: i64 = 3;

/// One email as it waits in the outbox (stored, never sent on the wire).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    /// Where replies go (the visitor, for a message left); empty: the sender.
    #[serde(default)]
    pub reply_to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `text` as an email address if it is one.
pub fn address(text: &str) -> Option<lettre::Address> {
    let text = text.trim();
    if text.len() > 254 {
        return None;
    }
    text.parse().ok()
}

/// The outbox url of an email to `to`.
pub fn mailto(to: &lettre::Address) -> String {
    format!("mailto:{to}")
}
