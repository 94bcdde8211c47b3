//! After-contact work: an ended chat's outcome, chosen from the queue's
//! wrap-up codes before the time runs out (then the default is recorded).

use super::say;
use leptos::prelude::*;
use protocol::ConversationId;

use super::app::select_element;
use super::ctx;
use crate::i18n::{t_n, Key};

#[component]
pub fn WrapUpForm(id: ConversationId) -> impl IntoView {
    let c = ctx();
    let card = Memo::new(move |_| c.live.state.with(|s| s.wrap_ups.iter().find(|w| w.conversation_id == id).cloned()));
    let code = RwSignal::new(String::new());
    move || {
        card.get().map(|w| {
            let deadline = w.deadline_ms;
            let left = move || ((deadline - c.live.now.get()).max(0) + 999) / 1000;
            let codes = w.codes.clone();
            let free_text = codes.is_empty();
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let chosen = code.get_untracked();
                if !chosen.trim().is_empty() {
                    c.live.wrap_up(id, chosen);
                }
            };
            view! {
                <form class="wrap-up" aria-labelledby="wrap-up-title" on:submit=submit>
                    <h3 id="wrap-up-title" class="section-title">{say(Key::WrapUpTitle)}</h3>
                    <p class="muted">{say(Key::WrapUpHint)} " " {move || t_n(c.lang.get(), Key::ExpiresIn, left())}</p>
                    <label for="wrap-up-code">{say(Key::WrapUpOutcome)}</label>
                    {if free_text {
                        view! { <input id="wrap-up-code" class="input" maxlength="100" on:input=move |ev| code.set(event_target_value(&ev))/> }.into_any()
                    } else {
                        view! {
                            <select
                                id="wrap-up-code"
                                class="select"
                                on:change=move |ev| {
                                    if let Some(s) = select_element(&ev) {
                                        code.set(s.value());
                                    }
                                }
                            >
                                <option value="">"—"</option>
                                {codes.into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                            </select>
                        }
                        .into_any()
                    }}
                    <button type="submit" id="wrap-up-save" class="btn btn-primary" disabled=move || code.get().trim().is_empty()>
                        {say(Key::WrapUpSave)}
                    </button>
                </form>
            }
        })
    }
}
