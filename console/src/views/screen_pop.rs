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

#[component]
pub fn ScreenPop(id: ConversationId) -> impl IntoView {
    let pop = RwSignal::new_local(None::<Doc>);
    load(format!("/api/v1/conversations/{id}/pop"), pop);
    move || {
        let p = pop.get()?;
        let contact = p.get("contact");
        let cases = p.get("open_cases").items();
        let pages = p.get("pages").items();
        Some(view! {
            <div class="pop" data-pop=id.to_string()>
                {person(&contact)}
                {(!cases.is_empty()).then(|| view! {
                    <p class="pop-label">{word(A::OpenCases)}</p>
                    <ul class="pop-list">
                        {cases.iter().map(|c| view! { <li>{c.get("subject").str()} <span class="muted">" · " {c.get("department_name").str()}</span></li> }).collect_view()}
                    </ul>
                })}
                <p class="pop-label">{word(A::PastInteractions)}</p>
                {interactions(p.get("recent").items())}
                {(!pages.is_empty()).then(|| view! {
                    <p class="pop-label">{word(A::ThisVisit)}</p>
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
