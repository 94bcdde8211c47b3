//! The agent's composer: Enter sends, Shift+Enter breaks the line, an input
//! method's Enter (choosing Chinese characters) is left alone, and the
//! draft of each chat is kept while the agent looks at another. Typing `/`
//! opens the saved replies whose shortcut starts with what follows, and `?`
//! searches the knowledge base's published articles for the words that
//! follow (Chinese too); Enter or Tab puts the chosen one in the composer,
//! a reply with its variables filled in.

use super::say;
use leptos::html;
use leptos::prelude::*;
use protocol::canned::{fill, matching, reply_language, CannedConfig, CannedReply, Variables};
use protocol::ConversationId;

use super::admin::doc::Doc;
use super::{ctx, word};
use crate::api;
use crate::i18n::Key;
use crate::live::Auth;
use crate::words::A;

/// The saved replies this agent may use, loaded when they start typing one.
#[derive(Clone, Copy)]
pub struct SavedReplies(pub RwSignal<Vec<CannedReply>>);

/// The most suggestions shown at once.
const SHOWN: usize = 8;

thread_local! {
    /// Fetches started, so that only the latest one's answer is shown.
    static FETCHES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Fetches the saved replies (`/api/v1/canned`, named by `shortcut`) or a
/// search of the chat's site's published articles (named by `title`, their
/// text inserted) into `into`, as replies; an answer to an older fetch is
/// dropped. One function for both keeps the console's Wasm small.
fn fetch(path: String, name: &'static str, into: RwSignal<Vec<CannedReply>>) {
    let mine = FETCHES.with(|f| f.replace(f.get() + 1)) + 1;
    leptos::task::spawn_local(async move {
        let Some(list) = api::call("GET", &path, None).await.ok().and_then(|t| Doc::parse(&t)) else { return };
        let replies = list
            .items()
            .iter()
            .map(|r| CannedReply {
                id: r.get("id").int().unwrap_or_default(),
                config: CannedConfig {
                    shortcut: r.get(name).str(),
                    language: r.get("language").str(),
                    text: r.get("text").str(),
                    personal: r.get("personal").truthy(),
                },
            })
            .collect();
        if FETCHES.with(std::cell::Cell::get) == mine {
            into.set(replies);
        }
    });
}

/// What the composer holds while it is a lookup being typed: `/shortcut`
/// (saved replies) or `?words` (articles), with its first character, which
/// says which. (A plain string: another signal type would cost the
/// console's Wasm about a kilobyte.)
fn lookup_typed(text: &str) -> Option<String> {
    match text.as_bytes().first() {
        Some(b'?') => Some(text.to_string()),
        Some(b'/') if !text.contains(char::is_whitespace) => Some(text.to_string()),
        _ => None,
    }
}

fn is_search(typed: &Option<String>) -> bool {
    typed.as_deref().is_some_and(|t| t.as_bytes().first() == Some(&b'?'))
}

#[component]
pub fn Composer(id: ConversationId, ended: Memo<bool>) -> impl IntoView {
    let c = ctx();
    let saved = expect_context::<SavedReplies>().0;
    let composer = NodeRef::<html::Textarea>::new();
    let initial_draft = c.live.draft(id);
    let typed = RwSignal::new(None::<String>);
    let found = RwSignal::new(Vec::<CannedReply>::new());
    let active = RwSignal::new(0usize);
    let suggestions = Memo::new(move |_| {
        let typed = typed.get()?;
        let (kind, words) = typed.split_at(1);
        if kind == "?" {
            return (!words.trim().is_empty()).then(|| found.with(|f| f.iter().take(SHOWN).cloned().collect()));
        }
        let language = c.live.state.with(|s| s.conversation(id).map(|c| reply_language(&c.summary.visitor.locale)).unwrap_or("en"));
        let words = String::from(js_sys::JsString::from(words).to_lower_case());
        Some(saved.with(|all| matching(all, &words, language).into_iter().take(SHOWN).cloned().collect::<Vec<_>>()))
    });
    let articles = move || typed.with(is_search);
    let submit = move || {
        let Some(area) = composer.get_untracked() else { return };
        if c.live.send_message(id, &area.value()) {
            area.set_value("");
            c.live.set_draft(id, String::new());
            typed.set(None);
        }
        let _ = area.focus();
    };
    let insert = move |reply: &CannedReply| {
        let Some(area) = composer.get_untracked() else { return };
        let agent = c.live.auth.with_untracked(|a| if let Auth::SignedIn(a) = a { a.name.clone() } else { String::new() });
        let (name, email) = c.live.state.with_untracked(|s| {
            s.conversation(id).map(|c| (c.summary.visitor.prechat.name.clone(), c.summary.visitor.prechat.email.clone())).unwrap_or_default()
        });
        // An article goes in as written; a saved reply with its variables.
        let text = if articles() {
            reply.config.text.clone()
        } else {
            fill(&reply.config.text, &Variables { visitor_name: &name, visitor_email: &email, agent_name: &agent })
        };
        area.set_value(&text);
        c.live.set_draft(id, text.clone());
        c.live.typed(id, text.trim().is_empty());
        typed.set(None);
        let _ = area.focus();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // While an input method is composing (Chinese, Japanese…), Enter
        // picks a candidate; it must not send the half-typed message.
        let composing = ev.is_composing() || ev.key_code() == 229;
        if let Some(list) = suggestions.get_untracked().filter(|l| !l.is_empty()) {
            match ev.key().as_str() {
                "ArrowDown" => active.update(|a| *a = (*a + 1) % list.len()),
                "ArrowUp" => active.update(|a| *a = (*a + list.len() - 1) % list.len()),
                "Enter" | "Tab" if !composing && !ev.shift_key() => insert(&list[active.get_untracked().min(list.len() - 1)]),
                "Escape" => typed.set(None),
                _ => return,
            }
            ev.prevent_default();
            return;
        }
        if ev.key() == "Enter" && !ev.shift_key() && !composing {
            ev.prevent_default();
            submit();
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        c.live.typed(id, text.trim().is_empty());
        let lookup = lookup_typed(&text);
        match lookup.as_deref().map(|t| t.split_at(1)) {
            Some(("?", words)) if !words.trim().is_empty() => {
                let words = String::from(js_sys::encode_uri_component(words));
                fetch(format!("/api/v1/articles?status=published&conversation={}&q={words}", id.0), "title", found);
            }
            // Fetched afresh whenever a reply is started, so one saved a
            // minute ago (in this tab or another) is there.
            Some(("/", s)) if s.is_empty() || saved.with_untracked(Vec::is_empty) => fetch("/api/v1/canned".into(), "shortcut", saved),
            _ => {}
        }
        active.set(0);
        typed.set(lookup);
        c.live.set_draft(id, text);
    };
    let uploads = NodeRef::<html::Div>::new();
    let picker = NodeRef::<html::Input>::new();
    let attach = move |files: wasm_bindgen::JsValue| {
        if let Some(mount) = uploads.get_untracked() {
            crate::files::attach(id, files, mount.into(), c.lang.get_untracked().tag());
        }
    };
    let on_pick = move |_| {
        let Some(input) = picker.get_untracked() else { return };
        if let Some(files) = webclient::files::files_of(&input, "") {
            attach(files);
        }
        input.set_value("");
    };
    let option_id = |i: usize| format!("canned-{i}");
    let list = move || {
        let list = suggestions.get()?;
        let items = if list.is_empty() {
            view! { <li class="canned-none muted">{word(A::NoReplyMatches)}</li> }.into_any()
        } else {
            let slash = if articles() { "" } else { "/" };
            list.into_iter()
                .enumerate()
                .map(|(i, reply)| {
                    let shortcut = format!("{slash}{}", reply.config.shortcut);
                    let text = reply.config.text.clone();
                    view! {
                        <li id=option_id(i) role="option" class="canned-option" aria-selected=move || (active.get() == i).to_string()
                            on:mousedown=move |ev| { ev.prevent_default(); insert(&reply); }>
                            <span class="canned-shortcut">{shortcut}</span>
                            <span class="canned-text">{text}</span>
                        </li>
                    }
                })
                .collect_view()
                .into_any()
        };
        Some(
            view! { <ul id="canned-list" class="canned-list" role="listbox" aria-label=word(if articles() { A::Knowledge } else { A::SavedReplies })>{items}</ul> },
        )
    };
    view! {
        <form class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
            // Files dropped on the composer are sent; the browser must not
            // open them instead.
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                if let Some(files) = webclient::files::files_of(&ev, "dataTransfer") {
                    ev.prevent_default();
                    attach(files);
                }
            }
        >
            <div class="uploads" tabindex="-1" node_ref=uploads></div>
            {list}
            <label for="composer" class="visually-hidden">{say(Key::Composer)}</label>
            <textarea
                id="composer"
                rows="3"
                placeholder=say(Key::ComposerPlaceholder)
                aria-describedby="composer-hint"
                aria-autocomplete="list"
                aria-controls=move || suggestions.get().map(|_| "canned-list")
                aria-activedescendant=move || suggestions.get().filter(|l| !l.is_empty()).map(|_| option_id(active.get()))
                disabled=move || ended.get()
                prop:value=initial_draft
                on:keydown=on_keydown
                on:input=on_input
                on:paste=move |ev| {
                    if let Some(files) = webclient::files::files_of(&ev, "clipboardData") {
                        ev.prevent_default();
                        attach(files);
                    }
                }
                node_ref=composer
            ></textarea>
            <div class="composer-bar">
                <button type="button" id="attach" class="btn btn-ghost" disabled=move || ended.get()
                    on:click=move |_| { if let Some(p) = picker.get_untracked() { p.click(); } }>
                    {say(Key::Attach)}
                </button>
                <input id="file-picker" type="file" multiple hidden tabindex="-1" aria-hidden="true" node_ref=picker on:change=on_pick />
                <span id="composer-hint" class="composer-hint muted">{say(Key::ComposerHint)}</span>
                <button type="submit" id="send" class="btn btn-primary" disabled=move || ended.get()>
                    {say(Key::Send)}
                </button>
            </div>
        </form>
    }
}
