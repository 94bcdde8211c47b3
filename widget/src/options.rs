//! Reading the object the loader passes to `start`.

use protocol::visitor::WidgetBoot;
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::Lang;

pub struct Options {
    pub mount: web_sys::HtmlElement,
    pub site: String,
    pub base: String,
    pub lang: Lang,
    pub boot: WidgetBoot,
    pub notify: js_sys::Function,
    pub launcher: Option<web_sys::HtmlElement>,
    /// `() => import(callback module)`.
    pub callback: Option<js_sys::Function>,
    /// `() => import(articles module)`, on sites with articles to suggest.
    pub articles: Option<js_sys::Function>,
    /// `() => import(co-browse module)`.
    pub cobrowse: Option<js_sys::Function>,
}

fn get(options: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(options, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn missing(name: &str) -> JsValue {
    JsValue::from_str(&format!("rapport: start() needs `{name}`"))
}

impl Options {
    pub fn read(options: &JsValue) -> Result<Options, JsValue> {
        let string = |name: &str| get(options, name).as_string().ok_or_else(|| missing(name));
        let mount = get(options, "mount").dyn_into::<web_sys::HtmlElement>().map_err(|_| missing("mount"))?;
        let notify = get(options, "notify").dyn_into::<js_sys::Function>().map_err(|_| missing("notify"))?;
        // The loader already fetched and parsed the boot document.
        let boot = protocol::lean::decode_widget_boot(&webclient::json::Js(get(options, "boot"))).ok_or_else(|| missing("boot"))?;
        Ok(Options {
            mount,
            site: string("site")?,
            base: string("base")?,
            lang: Lang::from_tag(&get(options, "lang").as_string().unwrap_or_default()),
            boot,
            notify,
            launcher: get(options, "launcher").dyn_into::<web_sys::HtmlElement>().ok(),
            callback: get(options, "callback").dyn_into::<js_sys::Function>().ok(),
            articles: get(options, "articles").dyn_into::<js_sys::Function>().ok(),
            cobrowse: get(options, "cobrowse").dyn_into::<js_sys::Function>().ok(),
        })
    }
}
