//! The composer: Enter sends, Shift+Enter breaks the line, and an input
//! method's Enter (choosing Chinese characters) is left alone.

use leptos::prelude::*;
use protocol::MAX_MESSAGE_CHARS;

use crate::i18n::{t, Key};
use crate::session::{self, Signals};

pub fn composer(s: Signals) -> impl IntoView {
    let lang = s.lang;
    let draft = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);

    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            problem.set(Some(t(lang, Key::TooLong)));
            return;
        }
        problem.set(None);
        draft.set(String::new());
        session::compose(text);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };

    view! {
        <form class="rp-composer" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(); }>
            <textarea
                class="rp-input"
                name="message"
                rows="1"
                aria-label=t(lang, Key::Placeholder)
                placeholder=t(lang, Key::Placeholder)
                prop:value=move || draft.get()
                on:input=move |ev| { draft.set(event_target_value(&ev)); session::typed(); }
                on:keydown=on_keydown
            ></textarea>
            <button class="rp-send" type="submit" aria-label=t(lang, Key::Send)>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>
            </button>
            {move || problem.get().map(|p| view! { <p class="rp-problem" role="alert">{p}</p> })}
        </form>
    }
}
