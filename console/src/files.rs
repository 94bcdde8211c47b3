//! Sending files from a chat: the composer's button, a paste or a drop
//! hands the files here, and the uploads module (`widget/files.js`, shared
//! with the widget) sends them with progress, cancel and retry. The module
//! is imported the first time an agent attaches a file; the boot module
//! hands over the import, since only the build knows its hashed name.

use js_sys::{Function, Object, Reflect};
use protocol::ConversationId;
use wasm_bindgen::prelude::*;

use crate::lazy::{module, Module};

/// Sends `files` into chat `id`, drawing their progress into `mount`.
pub fn attach(id: ConversationId, files: JsValue, mount: web_sys::Element, lang: &'static str) {
    leptos::task::spawn_local(async move {
        let Some(module) = module(Module::Files).await else { return };
        let Some(uploads) = Reflect::get(&module, &"uploads".into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) else { return };
        let Ok(list) = uploads.call2(&module, &mount, &lang.into()) else { return };
        if let Some(add) = Reflect::get(&list, &"add".into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) {
            let url = JsValue::from_str(&format!("/api/v1/conversations/{}/files", id.0));
            let _ = add.call3(&list, &files, &url, &Object::new());
        }
    });
}
