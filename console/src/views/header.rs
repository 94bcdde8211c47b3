//! The top bar: product name, the agent's presence, language and logout.

use super::say;
use leptos::prelude::*;
use protocol::agent::Presence;

use super::app::select_element;
use super::{ctx, presence_key};
use crate::i18n::{Key, Lang};
use crate::live::Auth;

#[component]
pub fn Header() -> impl IntoView {
    let c = ctx();
    let agent_name = move || c.live.auth.with(|a| if let Auth::SignedIn(agent) = a { agent.name.clone() } else { String::new() });
    view! {
        <header class="topbar">
            <span class="brand">{say(Key::AppName)}</span>
            <div class="topbar-controls">
                <PresenceSelect/>
                <AwayReason/>
                <LangSelect/>
                <super::alerts::AlertSettings/>
                <button type="button" id="cobrowse-join" class="btn btn-ghost" on:click=move |_| crate::cobrowse::join(c.lang.get_untracked().tag())>
                    {super::word(crate::words::A::CobrowseJoin)}
                </button>
                <span class="agent-name">{agent_name}</span>
                <button type="button" id="logout" class="btn btn-ghost" on:click=move |_| c.live.logout()>
                    {say(Key::Logout)}
                </button>
            </div>
        </header>
    }
}

/// The agent's availability. It shows what the server confirmed: a change
/// takes effect when the `presence` event comes back, and a change made
/// while disconnected is undone on the spot.
#[component]
fn PresenceSelect() -> impl IntoView {
    let c = ctx();
    let confirmed = Memo::new(move |_| c.live.state.with(|s| s.presence));
    let dot_class = move || format!("presence-dot presence-{}", confirmed.get().map(Presence::as_str).unwrap_or("unknown"));
    let dot_title = move || confirmed.get().map(|p| c.t(presence_key(p))).unwrap_or_default();
    let on_change = move |ev: leptos::ev::Event| {
        let Some(select) = select_element(&ev) else { return };
        let wanted = Presence::parse(&select.value());
        let sent = wanted.is_some_and(|p| c.live.set_presence(p, ""));
        if !sent {
            if let Some(p) = confirmed.get_untracked() {
                select.set_value(p.as_str());
            }
        }
    };
    let option = move |p: Presence| {
        view! {
            <option value=p.as_str() prop:selected=move || confirmed.get() == Some(p)>
                {move || c.t(presence_key(p))}
            </option>
        }
    };
    view! {
        <div class="presence">
            <span class=dot_class title=dot_title aria-hidden="true"></span>
            <label class="visually-hidden" for="presence">{say(Key::Presence)}</label>
            <select id="presence" class="select" disabled=move || confirmed.get().is_none() on:change=on_change>
                {option(Presence::Available)}
                {option(Presence::Away)}
                {option(Presence::Offline)}
            </select>
        </div>
    }
}

/// Reasons an agent gives for being away, stored with the state change
/// so supervisors and reports see them.
const REASONS: [(&str, Key); 4] =
    [("break", Key::ReasonBreak), ("lunch", Key::ReasonLunch), ("meeting", Key::ReasonMeeting), ("training", Key::ReasonTraining)];

/// While away: why. While away because an offer lapsed: the notice, and
/// the way back.
#[component]
fn AwayReason() -> impl IntoView {
    let c = ctx();
    let away = Memo::new(move |_| c.live.state.with(|s| (s.presence == Some(Presence::Away)).then(|| s.away_reason.clone())));
    let missed = move || away.get().is_some_and(|r| r == "missed");
    let chosen = move || away.get().filter(|r| r != "missed");
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(select) = select_element(&ev) {
            c.live.set_presence(Presence::Away, &select.value());
        }
    };
    view! {
        <Show when=move || chosen().is_some()>
            <label class="visually-hidden" for="away-reason">{say(Key::AwayReason)}</label>
            <select id="away-reason" class="select" on:change=on_change>
                <option value="" prop:selected=move || chosen().is_some_and(|r| r.is_empty())>{say(Key::AwayReason)}</option>
                {REASONS
                    .into_iter()
                    .map(|(value, key)| {
                        view! { <option value=value prop:selected=move || chosen().is_some_and(|r| r == value)>{move || c.t(key)}</option> }
                    })
                    .collect_view()}
            </select>
        </Show>
        <Show when=missed>
            <div class="missed" role="alert">
                <span>{say(Key::MissedNotice)}</span>
                <button type="button" id="back-available" class="btn btn-primary" on:click=move |_| {
                    c.live.set_presence(Presence::Available, "");
                }>{say(Key::BackToAvailable)}</button>
            </div>
        </Show>
    }
}

/// The console's language, remembered for the next visit.
#[component]
pub fn LangSelect() -> impl IntoView {
    let c = ctx();
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(lang) = select_element(&ev).and_then(|s| Lang::from_tag(&s.value())) {
            c.lang.set(lang);
        }
    };
    view! {
        <label class="visually-hidden" for="lang">{say(Key::Language)}</label>
        <select id="lang" class="select" on:change=on_change>
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    view! {
                        <option value=lang.tag() prop:selected=move || c.lang.get() == lang>
                            {lang.native_name()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}
