//! The composer: Enter sends, Shift+Enter breaks the line, and an input
//! method's Enter (choosing Chinese characters) is left alone.
//!
//! The textarea is the browser's own: nothing reactive writes into it, so
//! whatever arrives in the chat meanwhile (a reply, "typing…", an
//! acknowledgement) leaves the draft, the caret and the focus alone. The
//! draft is also kept outside the view, so it survives the composer being
//! drawn again (after the panel is rebuilt, say).

use leptos::html;
use leptos::prelude::*;
use protocol::{BadText, MessageText, MAX_MESSAGE_CHARS};

use crate::i18n::{self, t, Key};
use crate::live::{self, Signals};

/// The files an event or an input holds: `holder` names the event's
/// `clipboardData` or `dataTransfer`, or is empty for a file input itself.
/// None when there are none (text was pasted or dragged).
pub fn files_of(source: &wasm_bindgen::JsValue, holder: &str) -> Option<wasm_bindgen::JsValue> {
    use js_sys::Reflect;
    let holder = if holder.is_empty() { source.clone() } else { Reflect::get(source, &holder.into()).ok()? };
    let files = Reflect::get(&holder, &"files".into()).ok()?;
    (Reflect::get(&files, &"length".into()).ok()?.as_f64()? > 0.0).then_some(files)
}

pub fn composer(s: Signals) -> impl IntoView {
    let lang = s.lang;
    let input = NodeRef::<html::Textarea>::new();
    let problem = RwSignal::new(None::<&'static str>);

    let send = move || {
        let Some(area) = input.get_untracked() else { return };
        match MessageText::parse(protocol::without_controls(area.value().trim_end())) {
            Err(BadText::TooLong) => problem.set(Some(t(lang, Key::TooLong))),
            Err(_) => {}
            Ok(text) => {
                problem.set(None);
                area.set_value("");
                live::set_draft(String::new());
                live::compose(text);
            }
        }
        // A fast typist's next message goes where the last one did.
        let _ = area.focus();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // While an input method is composing, Enter picks a candidate.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() && ev.key_code() != 229 {
            ev.prevent_default();
            send();
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        live::set_draft(event_target_value(&ev));
        live::typed();
    };
    // A picture pasted from the clipboard is sent as a file.
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        if let Some(files) = files_of(&ev, "clipboardData") {
            ev.prevent_default();
            live::attach(files);
        }
    };
    let picker = NodeRef::<html::Input>::new();
    let on_pick = move |_| {
        let Some(input) = picker.get_untracked() else { return };
        if let Some(files) = files_of(&input, "") {
            live::attach(files);
        }
        // The same file can be chosen again (to send it twice).
        input.set_value("");
    };
    let can_attach = move || s.state.with(|c| c.conversation.as_ref().is_some_and(|v| v.status != protocol::ConversationStatus::Ended));

    view! {
        <form class="rp-composer" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(); }>
            <textarea
                class="rp-input"
                name="message"
                rows="1"
                maxlength=MAX_MESSAGE_CHARS * 2
                aria-label=t(lang, Key::Placeholder)
                placeholder=t(lang, Key::Placeholder)
                // What was being written before the composer was last drawn;
                // set once, never bound.
                prop:value=live::draft()
                node_ref=input
                on:input=on_input
                on:keydown=on_keydown
                on:paste=on_paste
            ></textarea>
            <button class="rp-attach" type="button" aria-label=t(lang, Key::Attach) title=t(lang, Key::Attach) hidden=move || !can_attach()
                on:click=move |_| { if let Some(p) = picker.get_untracked() { p.click(); } }>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20 11.5l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L9.7 17.2a1.7 1.7 0 0 1-2.4-2.4L15 7"/></svg>
            </button>
            <input class="rp-picker" type="file" multiple hidden tabindex="-1" aria-hidden="true" node_ref=picker on:change=on_pick />
            <button class="rp-send" type="submit" aria-label=t(lang, Key::Send)>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>
            </button>
            <p class="rp-problem" role="alert">
                {move || problem.get().or_else(|| s.state.with(|c| c.error).map(|code| i18n::refusal(lang, code)))}
            </p>
        </form>
    }
}
