//! Comments on a case, below its form: what the people working it tell
//! each other, oldest first, and a box to add one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::admin::doc::{string, Doc};
use super::admin::forms::outcome;
use super::admin::screen::load;
use super::history::when;
use super::word;
use crate::api;
use crate::words::A;

pub fn case_comments(case: i64) -> AnyView {
    let path = format!("/api/v1/cases/{case}/comments");
    let list = RwSignal::new_local(None::<Doc>);
    load(path.clone(), list);
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = Doc::object();
        body.set("text", string(&text.get_untracked()));
        let path = path.clone();
        spawn_local(async move {
            match api::call("POST", &path, Some(body.text())).await {
                Ok(answer) => {
                    list.set(Doc::parse(&answer));
                    text.set(String::new());
                    status.set(None);
                }
                Err(e) => status.set(Some(Err(e))),
            }
        });
    };
    let comments = move || {
        list.get().map(|l| {
            l.items()
                .into_iter()
                .map(|m| {
                    view! {
                        <li class="timeline-item">
                            <span class="timeline-when muted">{when(m.get("at_ms").num().unwrap_or_default())}</span>
                            <strong>{m.get("author").str()}</strong>
                            <span class="comment-text">{m.get("text").str()}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="panel form" aria-labelledby="comments-title">
            <h2 id="comments-title" class="section-title">{word(A::Comments)}</h2>
            <ol class="timeline" id="case-comments">{comments}</ol>
            <form class="form" on:submit=add>
                <label class="field" for="case-comment">
                    <span>{word(A::NewComment)}</span>
                    <textarea id="case-comment" class="textarea" rows="2" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </label>
                {outcome(status)}
                <div class="form-actions"><button type="submit" id="add-comment" class="btn btn-primary">{word(A::AddComment)}</button></div>
            </form>
        </section>
    }
    .into_any()
}
