//! Incoming chat offers: who is asking, about what, and how long is left
//! to answer.

use super::say;
use leptos::prelude::*;

use super::{ctx, visitor_name};
use crate::i18n::{t_n, t_name, Key};
use crate::state::OfferCard;

#[component]
pub fn Offers() -> impl IntoView {
    let c = ctx();
    let offers = Memo::new(move |_| c.live.state.with(|s| s.offers.clone()));
    let any = move || offers.with(|o| !o.is_empty());
    view! {
        <Show when=any>
            <section class="offers" aria-labelledby="offers-title">
                <h2 id="offers-title" class="section-title">{say(Key::IncomingChats)}</h2>
                // Keyed on everything that changes a card, so a renewed or
                // accepted offer is drawn afresh rather than patched.
                <For
                    each=move || offers.get()
                    key=|card| (card.offer.conversation_id, card.deadline_ms, card.accepting)
                    children=move |card| view! { <Offer card/> }
                />
            </section>
        </Show>
    }
}

#[component]
fn Offer(card: OfferCard) -> impl IntoView {
    let c = ctx();
    let id = card.offer.conversation_id;
    let visitor = card.offer.visitor.clone();
    let name = move || visitor_name(c.lang.get(), &visitor);
    let topic = card.offer.visitor.prechat.topic.clone();
    let preview = card.offer.preview.clone();
    let queue = card.offer.queue_name.clone();
    let transfer = card.offer.transfer.clone();
    let total = (card.offer.expires_in_ms / 1000).max(1);
    let deadline = card.deadline_ms;
    let left = move || {
        let now = c.live.now.get();
        ((deadline - now).max(0) + 999) / 1000
    };
    let accepting = card.accepting;
    let name_id = format!("offer-name-{id}");
    let labelled_by = name_id.clone();
    view! {
        <article class="offer" data-conversation=id.to_string() aria-labelledby=labelled_by>
            <div class="offer-head">
                <span class="offer-name" id=name_id>{name}</span>
                <span class="offer-timer">{move || t_n(c.lang.get(), Key::ExpiresIn, left())}</span>
            </div>
            <div class="offer-topic">
                {(card.offer.channel == protocol::Channel::Callback).then(|| view! { <span class="badge badge-callback">{super::word(crate::words::A::Callback)}</span> })}
                {(!queue.is_empty()).then(|| view! { <span class="badge badge-queue" title=say(Key::QueueLabel)>{queue.clone()}</span> })}
                {topic}
            </div>
            {transfer.map(|t| {
                let from = t.from_agent.clone();
                view! {
                    <div class="offer-transfer">
                        <span class="offer-transfer-by">{move || t_name(c.lang.get(), Key::TransferredBy, &from)}</span>
                        <p class="offer-transfer-note">{t.note.clone()}</p>
                    </div>
                }
            })}
            <p class="offer-preview">{preview}</p>
            <super::screen_pop::ScreenPop id/>
            <progress class="offer-progress" max=total.to_string() value=move || left().to_string() aria-hidden="true"></progress>
            <div class="offer-actions">
                <button type="button" class="btn btn-primary accept" disabled=accepting on:click=move |_| c.live.accept(id)>
                    {move || c.t(if accepting { Key::Accepting } else { Key::Accept })}
                </button>
                <button type="button" class="btn btn-ghost decline" disabled=accepting on:click=move |_| c.live.decline(id)>
                    {say(Key::Decline)}
                </button>
            </div>
        </article>
    }
}
