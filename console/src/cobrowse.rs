//! Co-browsing from the console: the chat header's button asks the
//! visitor, the top bar's joins with a code a visitor read out, and a
//! contact's timeline replays a kept session. The viewer itself (the
//! panel, the mirror in its sandboxed iframe, guidance and control) is the
//! co-browse module (`console/cobrowse.js`), imported the first time; the
//! console only hands it what to open.

use std::cell::RefCell;

use js_sys::{Function, Object, Reflect};
use protocol::ConversationId;
use wasm_bindgen::prelude::*;

use crate::lazy::{module, Module};

thread_local! {
    /// The viewer's handle, started once.
    static VIEWER: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

async fn viewer(lang: &'static str) -> Option<JsValue> {
    if let Some(handle) = VIEWER.with(|v| v.borrow().clone()) {
        return Some(handle);
    }
    let module = module(Module::Cobrowse).await?;
    let start = Reflect::get(&module, &"start".into()).ok()?.dyn_into::<Function>().ok()?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"lang".into(), &lang.into());
    let handle = start.call1(&module, &options).ok()?;
    VIEWER.with(|v| *v.borrow_mut() = Some(handle.clone()));
    Some(handle)
}

/// Calls `method` on the viewer with `argument`, loading it first.
fn call(lang: &'static str, method: &'static str, argument: JsValue) {
    leptos::task::spawn_local(async move {
        let Some(handle) = viewer(lang).await else { return };
        if let Some(f) = Reflect::get(&handle, &method.into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) {
            let _ = f.call1(&handle, &argument);
        }
    });
}

/// Asks the visitor of chat `id` to co-browse, and opens the viewer.
pub fn ask(lang: &'static str, id: ConversationId, visitor_name: String) {
    let what = Object::new();
    let _ = Reflect::set(&what, &"conversation_id".into(), &JsValue::from_f64(id.get() as f64));
    let _ = Reflect::set(&what, &"visitor_name".into(), &visitor_name.into());
    call(lang, "open", what.into());
}

/// Opens the viewer's form for a code a visitor reads out.
pub fn join(lang: &'static str) {
    call(lang, "join", JsValue::UNDEFINED);
}

/// Replays a kept session.
pub fn replay(lang: &'static str, session_id: i64) {
    let what = Object::new();
    let _ = Reflect::set(&what, &"session_id".into(), &JsValue::from_f64(session_id as f64));
    call(lang, "replay", what.into());
}
