//! The live preview beside a site's form: the widget's header and launcher
//! as the visitor will see them, redrawn as the admin types, with the
//! accent colour's contrast checked by the same rule the server applies
//! (`protocol::appearance`).

use leptos::prelude::*;
use protocol::appearance::{check_accent, ratio_text, AppearanceError, MIN_ACCENT_CONTRAST};

use super::fields::Value;
use crate::views::{ctx, word};
use crate::words::A;

/// The text signal of the field with this key, or an empty one.
fn text(fields: &[(&'static str, Value)], key: &str) -> RwSignal<String> {
    fields
        .iter()
        .find_map(|(k, v)| match v {
            Value::Text(s) if *k == key => Some(*s),
            _ => None,
        })
        .unwrap_or_else(|| RwSignal::new(String::new()))
}

pub fn preview(fields: &[(&'static str, Value)]) -> AnyView {
    let c = ctx();
    let (accent, side, title, greeting, label, avatar) =
        (text(fields, "accent"), text(fields, "side"), text(fields, "title"), text(fields, "greeting"), text(fields, "launcher"), text(fields, "avatar"));
    // An unreadable colour is still drawn, so the admin sees why it is refused.
    let colour = move || {
        let a = accent.get();
        if protocol::appearance::parse_hex(a.trim()).is_some() {
            a.trim().to_string()
        } else {
            "#2f6fed".into()
        }
    };
    let verdict = move || match check_accent(&accent.get()) {
        Ok(()) => (true, c.ta(A::ContrastOk).to_string()),
        Err(AppearanceError::LowContrast(r)) => (false, format!("{} {} < {}", c.ta(A::ContrastLow), ratio_text(r), ratio_text(MIN_ACCENT_CONTRAST))),
        Err(_) => (false, c.ta(A::NotAColour).to_string()),
    };
    let shown_title = move || {
        let t = title.get();
        if t.trim().is_empty() {
            c.ta(A::ChatWithUs).to_string()
        } else {
            t
        }
    };
    view! {
        <figure class="appearance" aria-labelledby="appearance-caption">
            <figcaption id="appearance-caption" class="field-label">{word(A::Preview)}</figcaption>
            <div class="appearance-page" class:appearance-left=move || side.get() == "left">
                <div class="appearance-panel">
                    <div class="appearance-head" style:background=colour>
                        {move || (!avatar.get().trim().is_empty()).then(|| view! { <img class="appearance-avatar" src=avatar.get() alt="" /> })}
                        <span class="appearance-title">{shown_title}</span>
                    </div>
                    {move || (!greeting.get().trim().is_empty()).then(|| view! { <p class="appearance-greeting">{greeting.get()}</p> })}
                </div>
                <span class="appearance-launcher" class:appearance-wide=move || !label.get().trim().is_empty() style:background=colour>
                    <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" /></svg>
                    {move || label.get()}
                </span>
            </div>
            <p id="appearance-contrast" class=move || if verdict().0 { "form-ok" } else { "form-error" } role="status">{move || verdict().1}</p>
        </figure>
    }
    .into_any()
}
