//! The agent's alert settings in the top bar: a button that opens a small
//! panel explaining what the alerts are, with the sound and the desktop
//! notifications to turn on or off. The browser's permission prompt comes
//! only after the explanation, when the agent turns notifications on.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{ctx, word};
use crate::live::Auth;
use crate::notify;
use crate::words::A;

#[component]
pub fn AlertSettings() -> impl IntoView {
    let c = ctx();
    let open = RwSignal::new(false);
    let agent = move || c.live.auth.with(|a| if let Auth::SignedIn(a) = a { a.id.0 } else { 0 });
    let chosen = RwSignal::new(notify::choices(agent()));
    let blocked = RwSignal::new(false);
    let on_sound = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        notify::set(agent(), "sound", on);
        chosen.update(|c| c.sound = on);
    };
    let on_desktop = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        if !on {
            notify::set(agent(), "desktop", false);
            chosen.update(|c| c.desktop = false);
            return;
        }
        spawn_local(async move {
            let granted = notify::ask_permission().await;
            notify::set(agent(), "desktop", granted);
            blocked.set(!granted);
            chosen.update(|c| c.desktop = granted);
        });
    };
    view! {
        <div class="alerts">
            <button type="button" id="alert-settings" class="btn btn-ghost" aria-expanded=move || open.get().to_string() aria-controls="alert-panel"
                on:click=move |_| open.update(|o| *o = !*o)>
                {word(A::Alerts)}
            </button>
            <div id="alert-panel" class="alert-panel" hidden=move || !open.get()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
                <p class="muted">{word(A::AlertsExplained)}</p>
                <label class="check">
                    <input type="checkbox" id="alert-sound" prop:checked=move || chosen.get().sound on:change=on_sound />
                    {word(A::PlaySound)}
                </label>
                <label class="check">
                    <input type="checkbox" id="alert-desktop" prop:checked=move || chosen.get().desktop on:change=on_desktop />
                    {word(A::DesktopAlerts)}
                </label>
                {move || blocked.get().then(|| view! { <p class="form-error" role="alert">{word(A::AlertsBlocked)}</p> })}
            </div>
        </div>
    }
}
