//! Files a person hands the page: from a file input, a paste or a drop.

use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

/// The files an event or an input holds, as an array: `holder` names the
/// event's `clipboardData` (a paste) or `dataTransfer` (a drop), or is
/// empty for a file input itself. None when there are none (text was
/// pasted or dragged, or another kind of input changed), and for a paste
/// that also carries plain text: cells copied from a spreadsheet come
/// with a picture of themselves, and what was meant is the text.
///
/// The files are copied out because an input's list empties when the
/// input is cleared, which happens before an upload that waits for its
/// module has started.
pub fn files_of(source: &JsValue, holder: &str) -> Option<JsValue> {
    let holder = if holder.is_empty() { source.clone() } else { Reflect::get(source, &holder.into()).ok()? };
    let types = Reflect::get(&holder, &"types".into()).ok().filter(JsValue::is_object).map(|t| Array::from(&t));
    if types.is_some_and(|t| t.includes(&"text/plain".into(), 0)) {
        return None;
    }
    let files = Reflect::get(&holder, &"files".into()).ok()?;
    (Reflect::get(&files, &"length".into()).ok()?.as_f64()? > 0.0).then(|| Array::from(&files).into())
}
