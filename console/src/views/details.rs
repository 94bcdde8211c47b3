//! The visitor's details beside the chat: pre-chat answers and the page
//! they are on right now (updated live by `conversation` events), and the
//! screen pop: who they are and what happened before.

use super::say;
use leptos::prelude::*;
use protocol::agent::VisitorCard;

use super::ctx;
use crate::i18n::Key;
use crate::state::safe_href;

#[component]
pub fn Details() -> impl IntoView {
    let c = ctx();
    let card = Memo::new(move |_| c.live.state.with(|s| s.selected_conversation().map(|chat| chat.summary.visitor.clone())));
    let selected = Memo::new(move |_| c.live.state.with(|s| s.selected_conversation().map(|chat| chat.id())));
    // Drawn afresh for each chat the agent opens.
    let pop = move || selected.get().map(|id| view! { <super::screen_pop::ScreenPop id fresh=true/> });
    view! {
        <aside class="details" aria-labelledby="details-title">
            <h2 id="details-title" class="section-title">{say(Key::Details)}</h2>
            {move || match card.get() {
                Some(_) => view! { <Fields card/> }.into_any(),
                None => view! { <p class="details-empty muted">{say(Key::DetailsEmpty)}</p> }.into_any(),
            }}
            {pop}
        </aside>
    }
}

#[component]
fn Fields(card: Memo<Option<VisitorCard>>) -> impl IntoView {
    let c = ctx();
    let get = move |f: fn(&VisitorCard) -> &str| move || card.with(|v| v.as_ref().map(|v| f(v).to_string()).unwrap_or_default());
    // An unanswered question reads "Not given" rather than leaving a gap.
    let or_not_given = move |f: fn(&VisitorCard) -> &str| {
        move || {
            let value = get(f)();
            if value.trim().is_empty() {
                c.t(Key::NotGiven).to_string()
            } else {
                value
            }
        }
    };
    let url = get(|v| &v.page.url);
    let href = move || safe_href(&url()).map(str::to_string);
    view! {
        <dl class="detail-list">
            <dt>{say(Key::Name)}</dt>
            <dd class="detail-name">{or_not_given(|v| &v.prechat.name)}</dd>
            <dt>{say(Key::Email)}</dt>
            <dd class="detail-email">{or_not_given(|v| &v.prechat.email)}</dd>
            <dt>{say(Key::Topic)}</dt>
            <dd class="detail-topic">{or_not_given(|v| &v.prechat.topic)}</dd>
            <dt>{say(Key::CurrentPage)}</dt>
            <dd>
                // The URL is the visitor's to choose, so only http(s) ones
                // become links; anything else shows as text.
                <a class="detail-page" href=href target="_blank" rel="noopener noreferrer">{url}</a>
                <span class="detail-page-title muted">{get(|v| &v.page.title)}</span>
            </dd>
            <dt>{say(Key::Site)}</dt>
            <dd class="detail-site">{or_not_given(|v| &v.site_name)}</dd>
            <dt>{say(Key::VisitorLanguage)}</dt>
            <dd class="detail-locale">{or_not_given(|v| &v.locale)}</dd>
        </dl>
    }
}
