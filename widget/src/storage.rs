//! What the widget remembers between page loads: the visitor token, the
//! outbox, the read pointer and whether the panel was open.
//!
//! localStorage is shared by every tab of the site, which is what makes a
//! conversation follow the visitor across pages and tabs. Where it is
//! unavailable (blocked cookies, some private modes) the values live in
//! memory for this page only, and the widget still works.

use std::cell::RefCell;

use protocol::{ClientId, ConversationId, MessageText, Seq};

use protocol::lean::Source;
use wasm_bindgen::JsValue;

use crate::model::Pending;

thread_local! {
    // A handful of keys: a list costs the widget less than a hash map.
    static MEMORY: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// The widget's saved values for one site.
#[derive(Clone)]
pub struct Saved {
    prefix: String,
}

impl Saved {
    pub fn new(site: &str) -> Saved {
        // The loader reads `<prefix>conversation`, so keep the two in step.
        Saved { prefix: format!("rapport:{site}:") }
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    fn get(&self, name: &str) -> Option<String> {
        let key = format!("{}{name}", self.prefix);
        match Self::storage() {
            Some(s) => s.get_item(&key).ok().flatten(),
            None => MEMORY.with(|m| m.borrow().iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())),
        }
    }

    fn set(&self, name: &str, value: Option<&str>) {
        let key = format!("{}{name}", self.prefix);
        let stored = Self::storage().map(|s| match value {
            Some(v) => s.set_item(&key, v).is_ok(),
            None => s.remove_item(&key).is_ok(),
        });
        if stored != Some(true) {
            MEMORY.with(|m| {
                let mut m = m.borrow_mut();
                m.retain(|(k, _)| *k != key);
                if let Some(v) = value {
                    m.push((key, v.to_string()));
                }
            });
        }
    }

    pub fn token(&self) -> Option<String> {
        self.get("token")
    }

    pub fn set_token(&self, token: &str) {
        self.set("token", Some(token));
    }

    /// Marks that a conversation exists, so the loader fetches the widget
    /// early on the next page (for unread badges).
    pub fn set_conversation(&self, id: Option<ConversationId>) {
        self.set("conversation", id.map(|id| id.get().to_string()).as_deref());
    }

    pub fn outbox(&self) -> Vec<Pending> {
        self.get("outbox").map(|s| decode_outbox(&s)).unwrap_or_default()
    }

    pub fn set_outbox(&self, outbox: &[Pending]) {
        if outbox.is_empty() {
            self.set("outbox", None);
        } else {
            self.set("outbox", Some(&encode_outbox(outbox)));
        }
    }

    pub fn read(&self) -> Option<(ConversationId, Seq)> {
        let s = self.get("read")?;
        let (c, q) = s.split_once(':')?;
        Some((ConversationId(c.parse().ok()?), q.parse().ok()?))
    }

    pub fn set_read(&self, conversation: ConversationId, seq: Seq) {
        self.set("read", Some(&format!("{}:{seq}", conversation.get())));
    }

    pub fn was_open(&self) -> bool {
        self.get("open").is_some()
    }

    pub fn set_open(&self, open: bool) {
        self.set("open", open.then_some("1"));
    }
}

/// The outbox as JSON triples; anything unreadable (an older format, a
/// hand-edited value) is dropped rather than breaking the widget.
fn encode_outbox(outbox: &[Pending]) -> String {
    let items = js_sys::Array::new();
    for p in outbox {
        let item = js_sys::Array::of3(&JsValue::from_str(p.client_id.as_str()), &JsValue::from_str(p.text.as_str()), &JsValue::from_f64(p.at_ms as f64));
        items.push(&item);
    }
    webclient::json::stringify(&items).unwrap_or_default()
}

fn decode_outbox(s: &str) -> Vec<Pending> {
    let Some(items) = webclient::json::parse(s).and_then(|v| v.items()) else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let parts = item.items()?;
            let [id, text, at] = parts.as_slice() else { return None };
            let client_id = ClientId::parse(id.as_str()?).ok()?;
            let text = MessageText::parse(text.as_str()?).ok()?;
            Some(Pending { client_id, text, at_ms: at.as_f64()? as i64 })
        })
        .collect()
}
