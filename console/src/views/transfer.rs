//! Handing a chat over: to an available agent or a queue of its site, with
//! a note the receiving agent reads on the offer.

use super::say;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::agent::{Directory, TransferTarget};
use protocol::ConversationId;

use super::app::select_element;
use super::ctx;
use crate::api;
use crate::i18n::Key;

/// The Transfer button and, while open, its dialog.
#[component]
pub fn TransferButton(id: ConversationId, ended: Memo<bool>) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button
            type="button"
            id="transfer-chat"
            class="btn btn-ghost"
            aria-haspopup="dialog"
            disabled=move || ended.get()
            on:click=move |_| open.set(true)
        >
            {say(Key::Transfer)}
        </button>
        <Show when=move || open.get()>
            <TransferDialog id open/>
        </Show>
    }
}

/// A target's form value: `agent:7` or `queue:3`.
fn target_value(target: TransferTarget) -> String {
    match target {
        TransferTarget::Agent { agent_id } => format!("agent:{agent_id}"),
        TransferTarget::Queue { queue_id } => format!("queue:{queue_id}"),
    }
}

fn parse_target(value: &str) -> Option<TransferTarget> {
    let (kind, id) = value.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    match kind {
        "agent" => Some(TransferTarget::Agent { agent_id: protocol::AgentId(id) }),
        "queue" => Some(TransferTarget::Queue { queue_id: protocol::QueueId(id) }),
        _ => None,
    }
}

#[component]
fn TransferDialog(id: ConversationId, open: RwSignal<bool>) -> impl IntoView {
    let c = ctx();
    let directory = RwSignal::new(None::<Directory>);
    spawn_local(async move {
        let found = api::directory().await.unwrap_or_default();
        directory.set(Some(found));
    });
    let me = move || c.live.state.with(|s| s.agent.as_ref().map(|a| a.id));
    let target = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let close = move || open.set(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(to) = parse_target(&target.get_untracked()) {
            if c.live.transfer(id, to, note.get_untracked()) {
                close();
            }
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            close();
        }
    };
    let options = move || {
        directory.get().map(|d| {
            let agents = d
                .agents
                .into_iter()
                .filter(|a| Some(a.id) != me())
                .map(|a| {
                    let value = target_value(TransferTarget::Agent { agent_id: a.id });
                    let label = if a.available { a.name.clone() } else { format!("{} ({})", a.name, c.t(Key::NotAvailable)) };
                    view! { <option value=value disabled=!a.available>{label}</option> }
                })
                .collect_view();
            let queues = d
                .queues
                .into_iter()
                .map(|q| {
                    let value = target_value(TransferTarget::Queue { queue_id: q.id });
                    let label = if q.open { q.name.clone() } else { format!("{} ({})", q.name, c.t(Key::QueueClosed)) };
                    view! { <option value=value disabled=!q.open>{label}</option> }
                })
                .collect_view();
            view! {
                <option value="">"—"</option>
                <optgroup label=say(Key::AgentsGroup)>{agents}</optgroup>
                <optgroup label=say(Key::QueuesGroup)>{queues}</optgroup>
            }
        })
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="transfer-title" on:keydown=on_key>
                <form on:submit=submit>
                    <h2 id="transfer-title" class="section-title">{say(Key::TransferTitle)}</h2>
                    <label for="transfer-target">{say(Key::TransferTo)}</label>
                    <select
                        id="transfer-target"
                        class="select"
                        autofocus=true
                        required=true
                        on:change=move |ev| {
                            if let Some(s) = select_element(&ev) {
                                target.set(s.value());
                            }
                        }
                    >
                        {options}
                    </select>
                    <label for="transfer-note">{say(Key::TransferNote)}</label>
                    <textarea id="transfer-note" class="textarea" rows="3" maxlength="1000" on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    <div class="dialog-actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| close()>{say(Key::Cancel)}</button>
                        <button type="submit" id="transfer-send" class="btn btn-primary" disabled=move || parse_target(&target.get()).is_none()>
                            {say(Key::TransferSend)}
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_through_their_form_values() {
        for t in [TransferTarget::Agent { agent_id: protocol::AgentId(7) }, TransferTarget::Queue { queue_id: protocol::QueueId(3) }] {
            assert_eq!(parse_target(&target_value(t)), Some(t));
        }
        assert_eq!(parse_target(""), None);
        assert_eq!(parse_target("team:1"), None);
    }
}
