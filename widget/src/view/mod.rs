//! The panel: header, connection banner, message log, and either the
//! pre-chat form or the composer. The launcher belongs to the loader.
//!
//! The composer is drawn once per conversation, not once per event: it
//! hangs off a signal of its own, "is the pre-chat form shown", which an
//! effect sets only when that answer changes (when a conversation starts or
//! ends). A `Memo` would say the same, but each memo type costs the widget
//! kilobytes; a `bool` signal's code is there already.

mod composer;
mod messages;
mod prechat;

use leptos::html;
use leptos::prelude::*;
use protocol::ConversationStatus;

use crate::i18n::{self, t, Key};
use crate::live::{self, Signals};

pub fn panel(s: Signals) -> impl IntoView {
    let lang = s.lang;
    let state = s.state;
    let panel_ref = NodeRef::<html::Div>::new();

    focus_on_open(s, panel_ref);
    let title = move || state.with(|c| if c.settings.title.trim().is_empty() { t(lang, Key::Title).to_string() } else { c.settings.title.clone() });
    let prechat_shown = RwSignal::new(state.with_untracked(|c| c.needs_prechat()));
    Effect::new(move |_| {
        let needed = state.with(|c| c.needs_prechat());
        if needed != prechat_shown.get_untracked() {
            prechat_shown.set(needed);
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            live::set_open(false);
        }
    };

    view! {
        <div
            class="rp-panel"
            class:rp-open=move || s.open.get()
            role="dialog"
            aria-labelledby="rp-title"
            lang=lang.tag()
            hidden=move || !s.open.get()
            node_ref=panel_ref
            on:keydown=on_keydown
        >
            <header class="rp-header">
                <div class="rp-heading">
                    <h2 id="rp-title" class="rp-title">{title}</h2>
                    {move || subtitle(s)}
                </div>
                <button class="rp-call" type="button" aria-label=t(lang, Key::RequestCall) title=t(lang, Key::RequestCall) on:click=move |_| live::open_callback()>
                    <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2"/></svg>
                </button>
                <button class="rp-call rp-share" type="button" aria-label=t(lang, Key::ShareScreen) title=t(lang, Key::ShareScreen) on:click=move |_| live::share_screen()>
                    <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 5h18v11H3zM8 20h8M12 16v4"/></svg>
                </button>
                <button class="rp-close" type="button" aria-label=t(lang, Key::Close) on:click=move |_| live::set_open(false)>
                    <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
                </button>
            </header>
            <p class="rp-banner" role="status" hidden=move || state.with(|c| c.connected)>{t(lang, Key::Reconnecting)}</p>
            <div class="rp-callback"></div>
            <button class="rp-suggest-call" type="button" hidden=move || !state.with(|c| c.suggests_call()) on:click=move |_| live::open_callback()>
                {t(lang, Key::SuggestCall)}
            </button>
            {messages::log(s)}
            <div class="rp-uploads"></div>
            // The articles module's suggestions for a first question.
            <div class="rp-articles"></div>
            {move || if prechat_shown.get() { prechat::form(s).into_any() } else { composer::composer(s).into_any() }}
        </div>
    }
}

/// Moves focus into the panel when it opens, so keyboard and screen-reader
/// users start where the conversation is.
fn focus_on_open(s: Signals, panel_ref: NodeRef<html::Div>) {
    Effect::new(move |_| {
        if s.open.get() {
            request_animation_frame(move || {
                if let Some(panel) = panel_ref.get_untracked() {
                    if let Ok(Some(el)) = panel.query_selector(".rp-prechat input, .rp-input, .rp-close") {
                        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                            let _ = el.focus();
                        }
                    }
                }
            });
        }
    });
}

/// Who the visitor is talking to, or the greeting before anyone answers.
fn subtitle(s: Signals) -> AnyView {
    let lang = s.lang;
    s.state.with(|c| match &c.conversation {
        Some(conv) if conv.status == ConversationStatus::Active => {
            let name = conv.agent_name.clone().unwrap_or_else(|| t(lang, Key::Agent).to_string());
            view! { <p class="rp-agent">{i18n::joined(lang, &name)}</p> }.into_any()
        }
        _ => view! { <p class="rp-sub">{t(lang, Key::Greeting)}</p> }.into_any(),
    })
}
