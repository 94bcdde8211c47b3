//! `user_hash`: the HMAC-SHA256 of the customer's id under the site's
//! identity secret, in lower-case hex. The site's server computes it (the
//! secret never reaches a browser), so a page can only vouch for the
//! customer its server signed in: another customer's id with this hash,
//! or this id with another site's secret, does not verify.

use hmac::{Hmac, Mac};
use sha2::Sha256;

fn mac(secret: &str, user_id: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(user_id.as_bytes());
    Some(mac)
}

/// The hash a site's server sends for `user_id` (what the README shows in
/// its examples, in any language's HMAC library).
pub fn user_hash(secret: &str, user_id: &str) -> String {
    mac(secret, user_id).map(|m| crate::store::to_hex(&m.finalize().into_bytes())).unwrap_or_default()
}

/// Whether `hash` is the site's for `user_id`, compared in constant time.
/// An empty secret, id or hash never verifies.
pub fn verify(secret: &str, user_id: &str, hash: &str) -> bool {
    if secret.is_empty() || user_id.is_empty() || hash.len() != 64 {
        return false;
    }
    let Some(bytes) = crate::store::from_hex(hash) else { return false };
    mac(secret, user_id).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "3f1c0b6e5a4d2c1b0a99887766554433221100ffeeddccbbaa99887766554433";

    #[test]
    fn the_sites_hash_of_the_id_verifies() {
        let hash = user_hash(SECRET, "customer-42");
        assert_eq!(hash.len(), 64);
        assert!(verify(SECRET, "customer-42", &hash));
        assert!(verify(SECRET, "customer-42", &hash.to_uppercase()), "hex in either case");
    }

    #[test]
    fn another_id_another_site_or_a_broken_hash_does_not() {
        let hash = user_hash(SECRET, "customer-42");
        assert!(!verify(SECRET, "customer-43", &hash), "another customer's id with this hash (a replay)");
        assert!(!verify("another site's secret", "customer-42", &hash), "another site's secret");
        assert!(!verify(SECRET, "customer-42", &hash[..63]));
        assert!(!verify(SECRET, "customer-42", &format!("{}g", &hash[..63])));
        assert!(!verify(SECRET, "customer-42", ""));
        assert!(!verify("", "customer-42", &user_hash("", "customer-42")), "no secret, no verification");
        assert!(!verify(SECRET, "", &user_hash(SECRET, "")));
    }

    #[test]
    fn the_hash_is_standard_hmac_sha256() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(user_hash("Jefe", "what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
