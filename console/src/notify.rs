//! Making sure an agent never misses an offer or a visitor's message: a
//! short chime drawn with Web Audio (no sound file to fetch) and a desktop
//! notification, each of which the agent turns on or off. The choices are
//! kept in this browser's `localStorage`, per agent.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use web_sys::{AudioContext, Notification, NotificationOptions, NotificationPermission, OscillatorType};

use crate::state::{Alert, AlertKind};

/// What the agent chose, read afresh for each alert so every open console
/// tab follows a change made in any of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choices {
    pub sound: bool,
    pub desktop: bool,
}

fn key(agent: i64, what: &str) -> String {
    format!("rapport:console:{agent}:{what}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Sound is on until turned off; desktop notifications need the browser's
/// permission, asked for only when the agent turns them on.
pub fn choices(agent: i64) -> Choices {
    let read = |what: &str| storage().and_then(|s| s.get_item(&key(agent, what)).ok().flatten());
    Choices {
        sound: read("sound").as_deref() != Some("off"),
        desktop: read("desktop").as_deref() == Some("on") && permission() == NotificationPermission::Granted,
    }
}

pub fn set(agent: i64, what: &str, on: bool) {
    if let Some(s) = storage() {
        let _ = s.set_item(&key(agent, what), if on { "on" } else { "off" });
    }
}

/// Whether this browser can show notifications at all.
pub fn supported() -> bool {
    web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false))
}

pub fn permission() -> NotificationPermission {
    if supported() {
        Notification::permission()
    } else {
        NotificationPermission::Denied
    }
}

/// Asks the browser for permission (its own prompt) and says whether it
/// was granted.
pub async fn ask_permission() -> bool {
    if !supported() {
        return false;
    }
    let Ok(promise) = Notification::request_permission() else { return false };
    wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).as_deref() == Some("granted")
}

/// Whether the agent can see this tab now.
fn tab_in_view() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| !d.hidden() && d.has_focus().unwrap_or(false))
}

/// An alert is worth a sound and a notification when it is an offer, or a
/// message in a chat that is not on screen: another chat is open, the
/// agent is on another screen of the console (`in_inbox` false), or in
/// another tab or window.
pub fn worth_it(alert: &Alert, in_inbox: bool) -> bool {
    alert.kind == AlertKind::Offer || !alert.selected || !in_inbox || !tab_in_view()
}

/// Plays the chime and shows the notification the agent chose. `title`
/// and `body` are already in the console's language; `on_click` brings
/// the chat forward.
pub fn ring(agent: i64, alert: &Alert, title: &str, on_click: impl Fn() + 'static) {
    let chose = choices(agent);
    if chose.sound {
        chime(alert.kind);
    }
    if chose.desktop {
        let options = NotificationOptions::new();
        options.set_body(&alert.text.chars().take(140).collect::<String>());
        // One notification per chat: a new message replaces the last.
        options.set_tag(&format!("rapport-{}", alert.conversation_id.0));
        if let Ok(n) = Notification::new_with_options(title, &options) {
            let click = Closure::<dyn Fn()>::new(move || {
                if let Some(w) = web_sys::window() {
                    let _ = w.focus();
                }
                on_click();
            });
            n.set_onclick(Some(click.as_ref().unchecked_ref()));
            // The notification may be clicked at any time; the closure
            // lives as long as the page.
            click.forget();
        }
    }
}

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// Two short rising tones for an offer, one for a message.
fn chime(kind: AlertKind) {
    AUDIO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = AudioContext::new().ok();
        }
        let Some(audio) = slot.as_ref() else { return };
        let start = audio.current_time();
        let tones: &[f32] = if kind == AlertKind::Offer { &[660.0, 880.0] } else { &[880.0] };
        for (i, hz) in tones.iter().enumerate() {
            let at = start + 0.18 * i as f64;
            let (Ok(osc), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else { return };
            osc.set_type(OscillatorType::Sine);
            osc.frequency().set_value(*hz);
            let volume = gain.gain();
            let _ = volume.set_value_at_time(0.0, at);
            let _ = volume.linear_ramp_to_value_at_time(0.2, at + 0.02);
            let _ = volume.linear_ramp_to_value_at_time(0.0, at + 0.16);
            if osc.connect_with_audio_node(&gain).is_err() || gain.connect_with_audio_node(&audio.destination()).is_err() {
                return;
            }
            let _ = osc.start_with_when(at);
            let _ = osc.stop_with_when(at + 0.17);
        }
    });
}
