//! Signed, expiring links to files.
//!
//! A file is fetched from `/files/{id}?e={expiry}&s={signature}`: the server
//! signs the link for everyone a message reaches (the conversation's
//! visitor, its agents, supervisors reading its transcript), and the
//! download checks the signature and the time, not a cookie. So the files'
//! path needs no session, and a link that leaks stops working within a day.
//! Expiry is rounded to the hour, so one message's link stays the same for
//! an hour and browsers cache the picture.

use hmac::{Hmac, Mac};
use protocol::files::{Attachment, LINK_HOURS};
use sha2::Sha256;

/// Hex characters of the signature kept: 128 bits.
const SIGNATURE_CHARS: usize = 32;

/// The key links are signed with, shared by every node through the
/// database.
#[derive(Clone)]
pub struct Links {
    key: [u8; 32],
    /// The server's public origin: links are absolute, so the widget on a
    /// customer's page uses them as they are.
    origin: String,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Links(..)")
    }
}

impl Links {
    pub fn new(key: [u8; 32], origin: &str) -> Self {
        Self { key, origin: origin.trim_end_matches('/').to_string() }
    }

    fn mac(&self, id: i64, expires: i64) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(format!("file.{id}.{expires}").as_bytes());
        Some(mac)
    }

    fn signature(&self, id: i64, expires: i64) -> String {
        let Some(mac) = self.mac(id, expires) else { return String::new() };
        let mut hex = crate::store::to_hex(&mac.finalize().into_bytes());
        hex.truncate(SIGNATURE_CHARS);
        hex
    }

    /// The link to file `id`, valid from now (`now_s`, Unix seconds) for
    /// [`LINK_HOURS`] hours at least.
    pub fn url(&self, id: i64, now_s: i64) -> String {
        let expires = (now_s / 3600 + 1 + LINK_HOURS) * 3600;
        format!("{}/files/{id}?e={expires}&s={}", self.origin, self.signature(id, expires))
    }

    /// Fills in the attachment's link.
    pub fn sign(&self, file: &mut Attachment, now_s: i64) {
        file.url = self.url(file.id, now_s);
    }

    /// Whether `signature` is this server's for `id` until `expires`, and
    /// that time has not come.
    pub fn verify(&self, id: i64, expires: i64, signature: &str, now_s: i64) -> bool {
        let given = crate::store::from_hex(signature).filter(|b| b.len() * 2 == SIGNATURE_CHARS);
        // The MAC library's own check, in constant time, of the leading bytes.
        now_s < expires && given.zip(self.mac(id, expires)).is_some_and(|(given, mac)| mac.verify_truncated_left(&given).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (i64, i64, String) {
        let (path, query) = url.split_once('?').unwrap();
        let id = path.strip_prefix("https://chat.example/files/").unwrap().parse().unwrap();
        let mut e = 0;
        let mut s = String::new();
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("e", v) => e = v.parse().unwrap(),
                ("s", v) => s = v.into(),
                _ => panic!("unexpected {pair}"),
            }
        }
        (id, e, s)
    }

    #[test]
    fn a_link_opens_its_file_until_it_expires() {
        let links = Links::new([7; 32], "https://chat.example");
        let now = 1_764_600_000;
        let (id, e, s) = parts(&links.url(42, now));
        assert_eq!(id, 42);
        assert!(e - now >= LINK_HOURS * 3600 && e - now <= (LINK_HOURS + 1) * 3600);
        assert!(links.verify(42, e, &s, now));
        assert!(links.verify(42, e, &s, e - 1));
        assert!(!links.verify(42, e, &s, e), "expired");
    }

    #[test]
    fn a_link_is_stable_within_the_hour() {
        let links = Links::new([7; 32], "https://chat.example");
        let hour = 1_764_597_600;
        assert_eq!(links.url(1, hour), links.url(1, hour + 3599));
        assert_ne!(links.url(1, hour), links.url(1, hour + 3600));
    }

    #[test]
    fn another_file_time_or_key_is_refused() {
        let links = Links::new([7; 32], "https://chat.example");
        let now = 1_764_600_000;
        let (_, e, s) = parts(&links.url(42, now));
        assert!(!links.verify(43, e, &s, now), "another file");
        assert!(!links.verify(42, e + 3600, &s, now), "a later expiry");
        assert!(!Links::new([8; 32], "https://chat.example").verify(42, e, &s, now), "another server's key");
        assert!(!links.verify(42, e, "", now));
        assert!(!links.verify(42, e, &s[..31], now));
    }
}
