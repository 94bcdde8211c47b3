//! The visitor widget. The loader (`loader.js`) draws the launcher, then
//! imports this module and calls [`start`] with the shadow root's mount
//! point; from then on the panel, the connection and the launcher's badge
//! are driven from here.

mod callback;
pub mod i18n;
mod live;
pub mod model;
mod modules;
mod options;
mod storage;
mod view;

use wasm_bindgen::prelude::*;

use crate::model::WidgetState;

/// What the loader's `Rapport.open()` and friends call once loaded.
#[wasm_bindgen]
pub struct Widget {
    _private: (),
}

#[wasm_bindgen]
impl Widget {
    pub fn open(&self) {
        live::set_open(true);
    }

    pub fn close(&self) {
        live::set_open(false);
    }

    pub fn toggle(&self) {
        live::toggle();
    }

    /// `Rapport.identify({ user_id, user_hash, name, email, phone,
    /// attributes })`: fills the pre-chat form and tells the server who
    /// the visitor is.
    pub fn identify(&self, who: JsValue) {
        let field = |name: &str| js_sys::Reflect::get(&who, &JsValue::from_str(name)).ok().and_then(|v| v.as_string()).unwrap_or_default();
        live::identify(field("name"), field("email"), who);
    }
}

/// Called by the loader once the module is instantiated.
#[wasm_bindgen]
pub fn start(options: JsValue) -> Result<Widget, JsValue> {
    let options = options::Options::read(&options)?;
    let saved = storage::Saved::new(&options.site);
    let state = WidgetState::new(options.boot.settings.clone(), options.boot.agents_online, saved.outbox(), saved.read());
    let signals = live::start(live::Options {
        site: options.site,
        base: options.base,
        lang: options.lang,
        state,
        notify: options.notify,
        launcher: options.launcher,
        app: options.mount.clone(),
        callback_import: options.callback,
        articles_import: options.articles,
        cobrowse_import: options.cobrowse,
    });
    leptos::mount::mount_to(options.mount, move || view::panel(signals)).forget();
    Ok(Widget { _private: () })
}
