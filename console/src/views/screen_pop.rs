//! The screen pop: who is asking, the moment an offer reaches the agent
//! and beside the chat they work. The contact (verified or not, tier,
//! company), their open cases, what happened before, and the pages of
//! this visit.

use leptos::prelude::*;
use protocol::ConversationId;

use super::admin::doc::Doc;
use super::admin::screen::load;
use super::contacts::{interactions, person};
use super::word;
use crate::words::A;

thread_local! {
    /// The pops fetched lately, by conversation: an offer card is drawn
    /// afresh whenever its deadline moves (each visitor message), and
    /// must not fetch again or go blank meanwhile.
    static FETCHED: std::cell::RefCell<Vec<(ConversationId, Doc)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many pops are kept.
const KEPT: usize = 8;

/// The pop of conversation `id`: drawn at once from what was fetched
/// before, if anything; fetched when there was nothing, or always with
/// `fresh` (beside the chat, where cases may have changed since the offer).
#[component]
pub fn ScreenPop(id: ConversationId, #[prop(optional)] fresh: bool) -> impl IntoView {
    let kept = FETCHED.with(|f| f.borrow().iter().find(|(c, _)| *c == id).map(|(_, d)| d.clone()));
    let pop = RwSignal::new_local(kept.clone());
    if fresh || kept.is_none() {
        load(format!("/api/v1/conversations/{id}/pop"), pop);
    }
    Effect::new(move |_| {
        if let Some(doc) = pop.get() {
            FETCHED.with(|f| {
                let mut f = f.borrow_mut();
                f.retain(|(c, _)| *c != id);
                f.insert(0, (id, doc));
                f.truncate(KEPT);
            });
        }
    });
    move || {
        let p = pop.get()?;
        let contact = p.get("contact");
        let cases = p.get("open_cases").items();
        let pages = p.get("pages").items();
        Some(view! {
            <div class="pop" data-pop=id.to_string()>
                {person(&contact)}
                {(!cases.is_empty()).then(|| view! {
                    <h3 class="pop-label">{word(A::OpenCases)}</h3>
                    <ul class="pop-list">
                        {cases.iter().map(|c| view! { <li>{c.get("subject").str()} <span class="muted">" · " {c.get("department_name").str()}</span></li> }).collect_view()}
                    </ul>
                })}
                <h3 class="pop-label">{word(A::PastInteractions)}</h3>
                {interactions(p.get("recent").items())}
                {(!pages.is_empty()).then(|| view! {
                    <h3 class="pop-label">{word(A::ThisVisit)}</h3>
                    <ol class="pop-list pop-pages">
                        {pages.iter().map(|page| {
                            let title = page.get("title").str();
                            let url = page.get("url").str();
                            let shown = if title.is_empty() { url.clone() } else { title };
                            view! { <li title=url>{shown}</li> }
                        }).collect_view()}
                    </ol>
                })}
            </div>
        })
    }
}
