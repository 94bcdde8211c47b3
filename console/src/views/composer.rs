//! The agent's composer: Enter sends, Shift+Enter breaks the line, an input
//! method's Enter (choosing Chinese characters) is left alone, and the
//! draft of each chat is kept while the agent looks at another.

use super::say;
use leptos::html;
use leptos::prelude::*;
use protocol::ConversationId;

use super::ctx;
use crate::i18n::Key;

#[component]
pub fn Composer(id: ConversationId, ended: Memo<bool>) -> impl IntoView {
    let c = ctx();
    let composer = NodeRef::<html::Textarea>::new();
    let initial_draft = c.live.draft(id);
    let submit = move || {
        let Some(area) = composer.get_untracked() else { return };
        if c.live.send_message(id, &area.value()) {
            area.set_value("");
            c.live.set_draft(id, String::new());
        }
        let _ = area.focus();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // While an input method is composing (Chinese, Japanese…), Enter
        // picks a candidate; it must not send the half-typed message.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() && ev.key_code() != 229 {
            ev.prevent_default();
            submit();
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        c.live.typed(id, text.trim().is_empty());
        c.live.set_draft(id, text);
    };
    view! {
        <form class="composer" on:submit=move |ev| {
            ev.prevent_default();
            submit();
        }>
            <label for="composer" class="visually-hidden">{say(Key::Composer)}</label>
            <textarea
                id="composer"
                rows="3"
                placeholder=say(Key::ComposerPlaceholder)
                aria-describedby="composer-hint"
                disabled=move || ended.get()
                prop:value=initial_draft
                on:keydown=on_keydown
                on:input=on_input
                node_ref=composer
            ></textarea>
            <div class="composer-bar">
                <span id="composer-hint" class="composer-hint muted">{say(Key::ComposerHint)}</span>
                <button type="submit" id="send" class="btn btn-primary" disabled=move || ended.get()>
                    {say(Key::Send)}
                </button>
            </div>
        </form>
    }
}
