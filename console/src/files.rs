//! Sending files from a chat: the composer's button, a paste or a drop
//! hands the files here, and the uploads module (`widget/files.js`, shared
//! with the widget) sends them with progress, cancel and retry. The module
//! is imported the first time an agent attaches a file; the boot module
//! hands over the import, since only the build knows its hashed name.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use protocol::ConversationId;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static IMPORT: RefCell<Option<Function>> = const { RefCell::new(None) };
    static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Called by the boot module: `() => import(uploads module)`.
#[wasm_bindgen]
pub fn files_module(import: Function) {
    IMPORT.with(|i| *i.borrow_mut() = Some(import));
}

async fn module() -> Option<JsValue> {
    if let Some(module) = MODULE.with(|m| m.borrow().clone()) {
        return Some(module);
    }
    let import = IMPORT.with(|i| i.borrow().clone())?;
    let promise: Promise = import.call0(&JsValue::NULL).ok()?.dyn_into().ok()?;
    let module = JsFuture::from(promise).await.ok()?;
    MODULE.with(|m| *m.borrow_mut() = Some(module.clone()));
    Some(module)
}

/// Sends `files` into chat `id`, drawing their progress into `mount`.
pub fn attach(id: ConversationId, files: JsValue, mount: web_sys::Element, lang: &'static str) {
    leptos::task::spawn_local(async move {
        let Some(module) = module().await else { return };
        let Some(uploads) = Reflect::get(&module, &"uploads".into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) else { return };
        let Ok(list) = uploads.call2(&module, &mount, &lang.into()) else { return };
        if let Some(add) = Reflect::get(&list, &"add".into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) {
            let url = JsValue::from_str(&format!("/api/v1/conversations/{}/files", id.0));
            let _ = add.call3(&list, &files, &url, &Object::new());
        }
    });
}
