//! Client-generated message ids: the key that makes a resent message
//! idempotent on the server.

use protocol::ClientId;

/// A fresh random id. Uses the browser's CSPRNG so that two tabs cannot
/// collide.
pub fn new_client_id() -> ClientId {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok()).unwrap_or(false);
    if !filled {
        // Crypto is missing only in exotic embeddings; Math.random still
        // makes a collision within one conversation practically impossible.
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ClientId::from_random(bytes)
}
