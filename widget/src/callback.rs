//! What the widget tells the callback module (`widget/callback.js`): it is
//! loaded the first time a callback matters (the visitor asks for a call,
//! the agent offers one, or the server tells of one), a chat ends with an
//! agent (its transcript by email), files are attached, or the welcome
//! brings the resolution of a case. It sends its
//! frames through the widget's socket.

use js_sys::Object;
use protocol::lean::Source;
use wasm_bindgen::JsValue;

use crate::modules::{set, ModuleLink, Which};

pub fn link(import: Option<js_sys::Function>, app: web_sys::HtmlElement, lang: &'static str) -> ModuleLink {
    let options = Object::new();
    set(&options, "lang", &JsValue::from_str(lang));
    ModuleLink::new(Which::Callback, import, app, ".rp-callback", options)
}

/// Passes a server event about callbacks to the module, loading it.
pub fn event(link: &ModuleLink, event: JsValue) {
    link.call("event", event);
}

/// The welcome's callback, as the event the module reads.
pub fn welcome(link: &ModuleLink, callback: JsValue) {
    let event = Object::new();
    set(&event, "type", &JsValue::from_str("callback"));
    set(&event, "callback", &callback);
    link.call("event", event.into());
}

/// The resolutions of the visitor's cases, sent by the team and unread.
pub fn resolutions(link: &ModuleLink, resolutions: JsValue) {
    let event = Object::new();
    set(&event, "type", &JsValue::from_str("resolutions"));
    set(&event, "resolutions", &resolutions);
    link.call("event", event.into());
}

/// No resolutions to show any more, for a module that is there already.
pub fn resolutions_if_shown(link: &ModuleLink) {
    let event = Object::new();
    set(&event, "type", &JsValue::from_str("resolutions"));
    set(&event, "resolutions", &js_sys::Array::new());
    link.call_if_ready("event", &event.into());
}

/// A conversation as the server tells it: a chat that ended with an agent
/// loads the module, which offers its transcript by email; any other is
/// passed on only when the module is loaded or loading, so it can put the
/// offer away.
pub fn conversation(link: &ModuleLink, value: &webclient::json::Js) {
    let Some(conversation) = value.field("conversation").filter(|c| c.0.is_object()) else { return };
    let ended =
        conversation.field("status").and_then(|s| s.as_str()).as_deref() == Some("ended") && conversation.field("unavailable").is_none_or(|u| u.0.is_null());
    if ended || link.started() {
        let event = Object::new();
        set(&event, "type", &JsValue::from_str("conversation"));
        set(&event, "conversation", &conversation.0);
        link.call("event", event.into());
    }
}

/// Opens the form, its name and topic filled in from the chat.
pub fn open(link: &ModuleLink, name: &str, topic: &str) {
    let prefill = Object::new();
    set(&prefill, "name", &JsValue::from_str(name));
    set(&prefill, "topic", &JsValue::from_str(topic));
    link.call("open", prefill.into());
}
