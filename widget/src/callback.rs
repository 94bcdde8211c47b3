//! The link to the callback module (`widget/callback.js`): the loader hands
//! the widget a function that imports it, and the widget calls it the
//! first time a callback matters (the visitor asks for a call, the agent
//! offers one, or the server tells of one). Until then the chat download
//! carries nothing of callbacks but this link; the module draws the form
//! and the status card itself and sends its frames through the widget's
//! socket.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use protocol::lean::Source;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

enum State {
    /// Not asked for yet.
    Idle,
    /// Importing; what arrives meanwhile waits.
    Loading(Vec<Call>),
    /// The module's handle (`{ open, event }`).
    Ready(JsValue),
}

/// Something for the module: a server event, "open the form", or files
/// to send.
enum Call {
    Event(JsValue),
    Open(JsValue),
    Files(JsValue),
}

pub struct CallbackLink {
    /// The loader's `() => import(callback module)`; None on an old loader.
    import: Option<Function>,
    /// The `.rp-app` element; the module draws into its `.rp-callback`.
    app: web_sys::HtmlElement,
    lang: &'static str,
    state: RefCell<State>,
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

impl CallbackLink {
    pub fn new(import: Option<Function>, app: web_sys::HtmlElement, lang: &'static str) -> Self {
        Self { import, app, lang, state: RefCell::new(State::Idle) }
    }

    /// Passes a server event about callbacks to the module, loading it.
    pub fn event(&self, event: JsValue) {
        self.call(Call::Event(event));
    }

    /// The welcome's callback, as the event the module reads.
    pub fn welcome(&self, callback: JsValue) {
        let event = Object::new();
        set(&event, "type", &JsValue::from_str("callback"));
        set(&event, "callback", &callback);
        self.event(event.into());
    }

    /// A conversation as the server tells it: a chat that ended with an
    /// agent loads the module, which offers its transcript by email; any
    /// other is passed on only when the module is loaded or loading, so it
    /// can put the offer away.
    pub fn conversation(&self, value: &webclient::json::Js) {
        let Some(conversation) = value.field("conversation").filter(|c| c.0.is_object()) else { return };
        let ended = conversation.field("status").and_then(|s| s.as_str()).as_deref() == Some("ended")
            && conversation.field("unavailable").is_none_or(|u| u.0.is_null());
        if ended || !matches!(*self.state.borrow(), State::Idle) {
            let event = Object::new();
            set(&event, "type", &JsValue::from_str("conversation"));
            set(&event, "conversation", &conversation.0);
            self.event(event.into());
        }
    }

    /// A server error, for the module when it is there (it may be the
    /// answer to its own request); the widget handles it too.
    pub fn error(&self, event: &JsValue) {
        if let State::Ready(module) = &*self.state.borrow() {
            deliver(module, Call::Event(event.clone()));
        }
    }

    /// Opens the form, its name and topic filled in from the chat.
    pub fn open(&self, name: &str, topic: &str) {
        let prefill = Object::new();
        set(&prefill, "name", &JsValue::from_str(name));
        set(&prefill, "topic", &JsValue::from_str(topic));
        self.call(Call::Open(prefill.into()));
    }

    /// Sends files the visitor attached: `[files, conversation id, token]`.
    pub fn files(&self, upload: JsValue) {
        self.call(Call::Files(upload));
    }

    fn call(&self, call: Call) {
        let mut state = self.state.borrow_mut();
        match &mut *state {
            State::Ready(module) => deliver(module, call),
            State::Loading(waiting) => waiting.push(call),
            State::Idle => {
                let Some(import) = &self.import else { return };
                let Ok(promise) = import.call0(&JsValue::NULL).and_then(|p| p.dyn_into::<Promise>()) else { return };
                *state = State::Loading(vec![call]);
                let loaded = Closure::<dyn FnMut(JsValue)>::new(crate::live::callback_module_loaded);
                let failed = Closure::<dyn FnMut(JsValue)>::new(|_| crate::live::callback_module_failed());
                let _ = promise.then2(&loaded, &failed);
                loaded.forget();
                failed.forget();
            }
        }
    }

    /// The import failed (offline, say): the next call tries again.
    pub fn failed(&self) {
        *self.state.borrow_mut() = State::Idle;
    }

    /// The import finished: start the module and hand it what waited.
    pub fn loaded(&self, module: JsValue, send: &JsValue) {
        let Some(mount) = self.app.query_selector(".rp-callback").ok().flatten() else { return };
        let options = Object::new();
        set(&options, "mount", &mount);
        set(&options, "lang", &JsValue::from_str(self.lang));
        set(&options, "send", send);
        let start = Reflect::get(&module, &JsValue::from_str("start")).ok().and_then(|f| f.dyn_into::<Function>().ok());
        let Some(handle) = start.and_then(|f| f.call1(&module, &options).ok()) else { return };
        let waiting = match std::mem::replace(&mut *self.state.borrow_mut(), State::Ready(handle.clone())) {
            State::Loading(waiting) => waiting,
            _ => Vec::new(),
        };
        for call in waiting {
            deliver(&handle, call);
        }
    }
}

fn deliver(module: &JsValue, call: Call) {
    let (name, argument) = match call {
        Call::Event(event) => ("event", event),
        Call::Open(prefill) => ("open", prefill),
        Call::Files(upload) => ("files", upload),
    };
    if let Some(f) = Reflect::get(module, &JsValue::from_str(name)).ok().and_then(|f| f.dyn_into::<Function>().ok()) {
        let _ = f.call1(module, &argument);
    }
}
