//! Administration data as the server sends it: JSON parsed by the
//! browser's own `JSON.parse`, read and written by dotted paths
//! (`config.name`).
//!
//! The admin and floor screens show and edit records of a dozen shapes.
//! Decoding each shape with serde would put a derived deserializer per type
//! into the console's Wasm (most of the admin screens' weight when they were
//! written that way); reading fields by path is one piece of code for all
//! of them. The shapes themselves are still defined once, in
//! `protocol::admin` and `protocol::supervisor`; the server checks every
//! body it receives against them and refuses with a reason.

use js_sys::{Array, Object, Reflect};
use protocol::lean::Source;
use wasm_bindgen::JsValue;
use webclient::json::{self, Js};

/// A parsed JSON value (object, array, string, number, bool or null).
#[derive(Clone, Debug)]
pub struct Doc(JsValue);

impl Default for Doc {
    fn default() -> Doc {
        Doc::object()
    }
}

impl Doc {
    pub fn parse(text: &str) -> Option<Doc> {
        json::parse(text).map(|Js(v)| Doc(v))
    }

    pub fn of(value: JsValue) -> Doc {
        Doc(value)
    }

    pub fn object() -> Doc {
        Doc(Object::new().into())
    }

    /// A deep copy, so that editing a form never changes the list it came
    /// from.
    pub fn copy(&self) -> Doc {
        Doc::parse(&self.text()).unwrap_or_default()
    }

    pub fn text(&self) -> String {
        json::stringify(&self.0).unwrap_or_default()
    }

    /// The value at `path`; the empty path is the document itself.
    pub fn get(&self, path: &str) -> Doc {
        let mut at = self.0.clone();
        for key in path.split('.').filter(|k| !k.is_empty()) {
            at = Js(at).field(key).map_or(JsValue::NULL, |Js(v)| v);
        }
        Doc(at)
    }

    /// Sets `path`, creating the objects on the way.
    pub fn set(&self, path: &str, value: JsValue) {
        let keys: Vec<&str> = path.split('.').collect();
        let Some((last, parents)) = keys.split_last() else { return };
        let mut at = self.0.clone();
        for key in parents {
            let key = JsValue::from_str(key);
            let next = Reflect::get(&at, &key).unwrap_or(JsValue::NULL);
            at = if next.is_object() {
                next
            } else {
                let fresh: JsValue = Object::new().into();
                let _ = Reflect::set(&at, &key, &fresh);
                fresh
            };
        }
        let _ = Reflect::set(&at, &JsValue::from_str(last), &value);
    }

    pub fn is_null(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    /// A string as it is, a whole number in digits, anything else empty.
    pub fn str(&self) -> String {
        if let Some(s) = self.0.as_string() {
            return s;
        }
        self.int().map(|n| n.to_string()).unwrap_or_default()
    }

    pub fn num(&self) -> Option<f64> {
        self.0.as_f64()
    }

    /// A number rounded to a whole one (ids, counts, seconds).
    pub fn int(&self) -> Option<i64> {
        self.num().map(|n| n.round() as i64)
    }

    pub fn truthy(&self) -> bool {
        self.0.as_bool().unwrap_or(false)
    }

    /// The elements of an array; nothing for anything else.
    pub fn items(&self) -> Vec<Doc> {
        Js(self.0.clone()).items().unwrap_or_default().into_iter().map(|Js(v)| Doc(v)).collect()
    }

    pub fn value(&self) -> JsValue {
        self.0.clone()
    }
}

/// JSON values for [`Doc::set`].
pub fn string(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub fn number(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn array(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    items.into_iter().collect::<Array>().into()
}
