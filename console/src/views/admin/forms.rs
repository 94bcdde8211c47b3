//! Small pieces every administration form uses: labelled inputs bound to
//! signals, the save outcome, and parsing of the list fields.

use leptos::prelude::*;

use crate::views::ctx;
use crate::words::A;

/// A labelled text input bound to `value`.
pub fn text_field(id: &'static str, label: A, value: RwSignal<String>) -> impl IntoView {
    let c = ctx();
    view! {
        <label class="field" for=id>
            <span>{move || c.ta(label)}</span>
            <input id=id class="input" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

/// A labelled checkbox bound to `value`.
pub fn check_field(id: &'static str, label: A, value: RwSignal<bool>) -> impl IntoView {
    let c = ctx();
    view! {
        <label class="check" for=id>
            <input id=id type="checkbox" prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev))/>
            <span>{move || c.ta(label)}</span>
        </label>
    }
}

/// What the last save said: "Saved." or the server's reason.
pub fn outcome(status: RwSignal<Option<Result<(), String>>>) -> impl IntoView {
    let c = ctx();
    move || {
        status.get().map(|s| match s {
            Ok(()) => view! { <p class="form-ok" role="status">{move || c.ta(A::Saved)}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
        })
    }
}

/// A comma-separated list, trimmed, empties dropped.
pub fn list(text: &str) -> Vec<String> {
    text.split([',', '，', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// An optional whole number: empty is none, anything else must parse.
pub fn number(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| format!("\"{t}\" is not a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_numbers_read_as_typed() {
        assert_eq!(list(" sale, question，, refund "), vec!["sale", "question", "refund"]);
        assert_eq!(number(""), Ok(None));
        assert_eq!(number(" 30 "), Ok(Some(30)));
        assert!(number("x").is_err());
    }
}
