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

/// The attach button's insides as markup: our own constant text only (no
/// one else's words ever go through here), because as a view it cost the
/// widget 0.7 KB of gzipped Wasm and as a string a few bytes.
fn attach_markup(lang: crate::i18n::Lang) -> String {
    format!(
        r#"<input class="rp-picker" type="file" multiple aria-label="{}"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20 11.5l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L9.7 17.2a1.7 1.7 0 0 1-2.4-2.4L15 7"/></svg>"#,
        t(lang, Key::Attach)
    )
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
            ></textarea>
            // A label around the file input: clicking it opens the browser's
            // picker, and the input itself takes the focus and the keys. What
            // is chosen, pasted or dropped is handled by `live`'s listener.
            // It shows only while there is a chat to send into (CSS `:has`).
            <label class="rp-attach" inner_html=attach_markup(lang)></label>
            <button class="rp-send" type="submit" aria-label=t(lang, Key::Send)>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>
            </button>
            <p class="rp-problem" role="alert">
                {move || problem.get().or_else(|| s.state.with(|c| c.error).map(|code| i18n::refusal(lang, code)))}
            </p>
        </form>
    }
}
