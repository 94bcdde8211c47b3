//! Contacts: who a visitor is. `identity.rs` checks the `user_hash` a
//! site's server computed; the gateway's `identify` frame applies a
//! verified or a claimed identity through the store (`store/contacts.rs`),
//! where contacts are made, joined and merged. `erasure.rs` removes
//! everything about one contact on request.

mod erasure;
pub mod identity;

pub use erasure::erase;
