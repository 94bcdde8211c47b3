//! The shared list of the manual-pick queues: conversations waiting in the
//! queues the agent serves whose strategy lets agents choose, most urgent
//! and longest waiting first; the agent takes one with a click. Refreshed
//! every few seconds and after each pick.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::agent::Pickable;
use protocol::lean::agent::decode_pickable;

use super::{ctx, visitor_name, word};
use crate::api;
use crate::words::A;

const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// A wait as minutes and seconds (`3:05`), the same in every language.
fn clock(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[component]
pub fn SharedList() -> impl IntoView {
    let c = ctx();
    let waiting = RwSignal::new(Vec::<Pickable>::new());
    let refresh = move || {
        spawn_local(async move {
            if let Some(list) = api::call("GET", "/api/v1/shared-list", None).await.ok().and_then(|text| api::read_list(&text, decode_pickable)) {
                waiting.set(list);
            }
        })
    };
    refresh();
    if let Ok(handle) = set_interval_with_handle(refresh, REFRESH_EVERY) {
        on_cleanup(move || handle.clear());
    }
    let pick = move |id| {
        if c.live.pick(id) {
            waiting.update(|w| w.retain(|p: &Pickable| p.conversation_id != id));
        }
    };
    let items = move || {
        let lang = c.lang.get();
        waiting
            .get()
            .into_iter()
            .map(|p| {
                let id = p.conversation_id;
                let entered = p.entered_at_ms;
                view! {
                    <li class="offer pickable" data-conversation=id.to_string()>
                        <div class="offer-head">
                            <span class="offer-name">{visitor_name(lang, &p.visitor)}</span>
                            <span class="offer-timer">{move || clock(c.live.now.get() - entered)}</span>
                        </div>
                        <div class="offer-topic"><span class="badge badge-queue">{p.queue_name}</span>{p.visitor.prechat.topic}</div>
                        <div class="offer-actions">
                            <button type="button" class="btn btn-primary pick" on:click=move |_| pick(id)>{word(A::Pick)}</button>
                        </div>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || waiting.with(|w| !w.is_empty())>
            <section class="offers" aria-labelledby="shared-title">
                <h2 id="shared-title" class="section-title">{word(A::SharedList)}</h2>
                <ul class="plain">{items}</ul>
            </section>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_a_clock() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(65_400), "1:05");
        assert_eq!(clock(-5), "0:00");
    }
}
