//! Links to the widget's lazily loaded modules: the callback module
//! (`widget/callback.js`: callbacks, the transcript's form, uploads) and
//! the articles module (`widget/articles.js`: suggestions from the
//! knowledge base). The loader hands the widget a function that imports
//! each; the widget calls it the first time the module matters. Until then
//! the chat download carries nothing of it but this link; the module draws
//! into its own mount point in the widget's shadow root.
//!
//! A module is started with `start(options)` and answers with a handle;
//! the widget then calls the handle's methods by name (`event`, `open`,
//! `suggest`…) with one argument. Calls made while it loads wait, in order.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Which module a link is to, so the import's callbacks find it again.
#[derive(Clone, Copy)]
pub enum Which {
    Callback,
    Articles,
    Cobrowse,
}

enum State {
    /// Not asked for yet.
    Idle,
    /// Importing; what arrives meanwhile waits.
    Loading(Vec<(&'static str, JsValue)>),
    /// The module's handle.
    Ready(JsValue),
}

pub struct ModuleLink {
    which: Which,
    /// The loader's `() => import(module)`; None on an old loader, or
    /// (for articles) when the site has none to suggest.
    import: Option<Function>,
    /// The `.rp-app` element; the module draws into `mount` inside it.
    app: web_sys::HtmlElement,
    mount: &'static str,
    /// What `start` receives besides its mount point and `send`.
    options: Object,
    state: RefCell<State>,
}

pub fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

impl ModuleLink {
    pub fn new(which: Which, import: Option<Function>, app: web_sys::HtmlElement, mount: &'static str, options: Object) -> Self {
        Self { which, import, app, mount, options, state: RefCell::new(State::Idle) }
    }

    /// Whether the module is loaded or loading.
    pub fn started(&self) -> bool {
        !matches!(*self.state.borrow(), State::Idle)
    }

    /// Calls `method` on the module, loading it first if need be.
    pub fn call(&self, method: &'static str, argument: JsValue) {
        let mut state = self.state.borrow_mut();
        match &mut *state {
            State::Ready(module) => deliver(module, method, &argument),
            State::Loading(waiting) => waiting.push((method, argument)),
            State::Idle => {
                let Some(import) = &self.import else { return };
                let Ok(promise) = import.call0(&JsValue::NULL).and_then(|p| p.dyn_into::<Promise>()) else { return };
                *state = State::Loading(vec![(method, argument)]);
                let which = self.which;
                let loaded = Closure::<dyn FnMut(JsValue)>::new(move |module| crate::live::module_loaded(which, module));
                let failed = Closure::<dyn FnMut(JsValue)>::new(move |_| crate::live::module_failed(which));
                let _ = promise.then2(&loaded, &failed);
                loaded.forget();
                failed.forget();
            }
        }
    }

    /// Calls `method` only if the module is already there.
    pub fn call_if_ready(&self, method: &'static str, argument: &JsValue) {
        if let State::Ready(module) = &*self.state.borrow() {
            deliver(module, method, argument);
        }
    }

    /// The import failed (offline, say): the next call tries again.
    pub fn failed(&self) {
        *self.state.borrow_mut() = State::Idle;
    }

    /// The import finished: start the module and hand it what waited.
    pub fn loaded(&self, module: JsValue, send: &JsValue) {
        let Some(mount) = self.app.query_selector(self.mount).ok().flatten() else { return };
        set(&self.options, "mount", &mount);
        set(&self.options, "send", send);
        let start = Reflect::get(&module, &JsValue::from_str("start")).ok().and_then(|f| f.dyn_into::<Function>().ok());
        let Some(handle) = start.and_then(|f| f.call1(&module, &self.options).ok()) else { return };
        let waiting = match std::mem::replace(&mut *self.state.borrow_mut(), State::Ready(handle.clone())) {
            State::Loading(waiting) => waiting,
            _ => Vec::new(),
        };
        for (method, argument) in waiting {
            deliver(&handle, method, &argument);
        }
    }
}

fn deliver(module: &JsValue, method: &str, argument: &JsValue) {
    if let Some(f) = Reflect::get(module, &JsValue::from_str(method)).ok().and_then(|f| f.dyn_into::<Function>().ok()) {
        let _ = f.call1(module, argument);
    }
}
