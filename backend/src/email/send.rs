//! Sending one queued email through the configured SMTP server (lettre).

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Email;
use crate::config::SmtpConfig;

/// An SMTP connection pool and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer for `config`, or why it cannot be built (a bad URL or
    /// sender); `None` when no SMTP server is configured.
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Option<Mailer>> {
        use anyhow::Context;
        if config.url.trim().is_empty() {
            return Ok(None);
        }
        // Each SMTP command waits at most this long, well inside the
        // outbox's hold on a claimed email (so no other node sends it too).
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(config.url.trim())
            .context("smtp.url is not an SMTP address")?
            .timeout(Some(std::time::Duration::from_secs(8)))
            .build();
        let from: Mailbox = config.from.parse().with_context(|| format!("smtp.from \"{}\" is not an address", config.from))?;
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends `email`; an error says why, for the delivery log.
    pub async fn send(&self, email: &Email) -> Result<(), String> {
        let to: Mailbox = email.to.parse().map_err(|e| format!("the address {}: {e}", email.to))?;
        let mut builder = Message::builder().from(self.from.clone()).to(to).subject(email.subject.clone());
        if let Some(reply_to) = super::address(&email.reply_to) {
            builder = builder.reply_to(Mailbox::new(None, reply_to));
        }
        let body = MultiPart::alternative()
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone()));
        let message = builder.multipart(body).map_err(|e| format!("composing: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}
