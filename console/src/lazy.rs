//! The console's lazily loaded modules: the file uploads (`widget/files.js`)
//! and the co-browse viewer (`console/cobrowse.js`). The boot module hands
//! over each one's import, since only the build knows their hashed names;
//! a module is imported the first time an agent needs it.

use std::cell::RefCell;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Copy)]
pub enum Module {
    Files,
    Cobrowse,
}

thread_local! {
    static IMPORTS: RefCell<[Option<Function>; 2]> = const { RefCell::new([None, None]) };
    static MODULES: RefCell<[Option<JsValue>; 2]> = const { RefCell::new([None, None]) };
}

/// Called by the boot module: `() => import(uploads module)`.
#[wasm_bindgen]
pub fn files_module(import: Function) {
    IMPORTS.with(|i| i.borrow_mut()[Module::Files as usize] = Some(import));
}

/// Called by the boot module: `() => import(co-browse viewer)`.
#[wasm_bindgen]
pub fn cobrowse_module(import: Function) {
    IMPORTS.with(|i| i.borrow_mut()[Module::Cobrowse as usize] = Some(import));
}

/// The module, imported the first time.
pub async fn module(which: Module) -> Option<JsValue> {
    let at = which as usize;
    if let Some(module) = MODULES.with(|m| m.borrow()[at].clone()) {
        return Some(module);
    }
    let import = IMPORTS.with(|i| i.borrow()[at].clone())?;
    let promise: Promise = import.call0(&JsValue::NULL).ok()?.dyn_into().ok()?;
    let module = JsFuture::from(promise).await.ok()?;
    MODULES.with(|m| m.borrow_mut()[at] = Some(module.clone()));
    Some(module)
}
