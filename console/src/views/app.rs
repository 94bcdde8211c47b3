//! The application shell: which screen to show, the language, the page
//! title, and the three-column inbox layout.

use super::say;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::admin::resources::{ARTICLES, CANNED, CASES};
use super::admin::screen::ResourceScreen;
use super::admin::AdminScreen;
use super::chat::ChatArea;
use super::chat_list::ChatList;
use super::details::Details;
use super::floor::Floor;
use super::header::Header;
use super::left_messages::LeftMessages;
use super::login::Login;
use super::nav::Nav;
use super::offers::Offers;
use super::shared_list::SharedList;
use super::{ctx, Ctx, Section};
use crate::i18n::{Key, Lang};
use crate::live::{Auth, Link, Live};
use crate::state::AlertKind;
use crate::words::A;

/// Where the chosen language is remembered between visits.
const LANG_STORAGE_KEY: &str = "rapport.console.lang";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Screen {
    Checking,
    Login,
    Inbox,
}

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(initial_lang());
    let live = Live::new();
    let section = RwSignal::new(Section::Inbox);
    provide_context(Ctx { live, lang, section });
    provide_context(super::composer::SavedReplies(RwSignal::new(Vec::new())));
    live.check();

    Effect::new(move |_| {
        let lang = lang.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.tag());
        }
        // Storage may be unavailable (private mode): the choice then lasts
        // for this page only.
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(LANG_STORAGE_KEY, lang.tag());
        }
    });
    // The unread count in the tab title lets an agent working in another
    // tab see that a visitor is waiting.
    Effect::new(move |_| {
        let unread = live.state.with(|s| s.total_unread() + s.offers.len());
        let name = crate::i18n::t(lang.get(), Key::AppName);
        document().set_title(&if unread > 0 { format!("({unread}) {name}") } else { name.to_string() });
    });

    // What arrives in the selected chat is read only while the inbox is on
    // screen; coming back to it reads what arrived meanwhile.
    Effect::new(move |_| {
        let shown = section.get() == Section::Inbox;
        live.chat_shown.set(shown);
        if shown {
            live.mark_read();
        }
    });
    // A new offer, or a visitor writing in a chat that is not on screen:
    // the chime and the desktop notification the agent chose.
    Effect::new(move |_| {
        let Some(alert) = live.alert.get() else { return };
        let Auth::SignedIn(agent) = live.auth.get_untracked() else { return };
        if !crate::notify::worth_it(&alert, live.chat_shown.get_untracked()) {
            return;
        }
        let who = if alert.who.trim().is_empty() { crate::i18n::t(lang.get_untracked(), Key::Visitor).to_string() } else { alert.who.clone() };
        let title = match alert.kind {
            AlertKind::Offer => crate::words::ta(lang.get_untracked(), A::NewChatFrom),
            AlertKind::Message => crate::words::ta(lang.get_untracked(), A::NewMessageFrom),
        };
        let id = alert.conversation_id;
        let kind = alert.kind;
        crate::notify::ring(agent.id.0, &alert, &format!("{title} {who}"), move || {
            section.set(Section::Inbox);
            if kind == AlertKind::Message {
                live.state.update(|s| s.selected = Some(id));
            }
        });
    });

    let screen = Memo::new(move |_| match live.auth.with(|a| matches!(a, Auth::Checking)) {
        true => Screen::Checking,
        false if live.auth.with(|a| matches!(a, Auth::SignedIn(_))) => Screen::Inbox,
        false => Screen::Login,
    });
    move || match screen.get() {
        Screen::Checking => view! { <div class="boot" role="status">{move || ctx().t(Key::Loading)}</div> }.into_any(),
        Screen::Login => view! { <Login/> }.into_any(),
        Screen::Inbox => view! { <Inbox/> }.into_any(),
    }
}

#[component]
fn Inbox() -> impl IntoView {
    let c = ctx();
    let reconnecting = move || c.live.link.get() == Link::Reconnecting;
    view! {
        <div class="app">
            <Header/>
            <Show when=reconnecting>
                <div id="connection-banner" class="banner" role="status">{say(Key::Reconnecting)}</div>
            </Show>
            <ErrorToast/>
            <Nav/>
            {move || match c.section.get() {
                Section::Inbox => view! {
                    <main class="workspace">
                        <aside class="sidebar">
                            <Offers/>
                            <SharedList/>
                            <ChatList/>
                        </aside>
                        <ChatArea/>
                        <Details/>
                    </main>
                }.into_any(),
                Section::LeftMessages => view! { <main class="page"><LeftMessages/></main> }.into_any(),
                Section::Floor => view! { <main class="page"><Floor/></main> }.into_any(),
                Section::Admin => view! { <main class="page"><AdminScreen/></main> }.into_any(),
                Section::History => view! { <main class="page"><super::history::History/></main> }.into_any(),
                Section::Replies => view! { <main class="page"><ResourceScreen resource=&CANNED/></main> }.into_any(),
                Section::Knowledge => view! { <main class="page"><ResourceScreen resource=&ARTICLES/></main> }.into_any(),
                Section::Cases => view! { <main class="page"><ResourceScreen resource=&CASES/></main> }.into_any(),
                Section::Contacts => view! { <main class="page"><super::contacts::Contacts/></main> }.into_any(),
            }}
        </div>
    }
}

/// The last error the server reported, until the agent dismisses it.
#[component]
fn ErrorToast() -> impl IntoView {
    let c = ctx();
    let message = Memo::new(move |_| c.live.state.with(|s| s.error.as_ref().map(|e| e.message.clone())));
    move || {
        message.get().map(|text| {
            view! {
                <div class="toast" role="alert">
                    <span class="toast-text">{text}</span>
                    <button type="button" class="toast-close" aria-label=say(Key::Dismiss) on:click=move |_| c.live.dismiss_error()>
                        "×"
                    </button>
                </div>
            }
        })
    }
}

/// The remembered choice, else the browser's preferred languages.
fn initial_lang() -> Lang {
    let window = window();
    let stored = window.local_storage().ok().flatten().and_then(|s| s.get_item(LANG_STORAGE_KEY).ok().flatten());
    // Earlier builds stored the tag as a JSON string, in quotes.
    if let Some(lang) = stored.as_deref().map(|s| s.trim_matches('"')).and_then(Lang::from_tag) {
        return lang;
    }
    let navigator = window.navigator();
    let mut tags: Vec<String> = navigator.languages().iter().filter_map(|v| v.as_string()).collect();
    if let Some(tag) = navigator.language() {
        tags.push(tag);
    }
    Lang::negotiate(tags.iter().map(String::as_str))
}

/// The value of the `<select>` an event came from.
pub fn select_element(ev: &leptos::ev::Event) -> Option<web_sys::HtmlSelectElement> {
    ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
}
