//! The pieces every administration and floor screen is built from: one
//! labelled input, checkbox list, select and table each, shared by every
//! form. Leptos compiles each distinct view into its own code, so building
//! every screen from these few keeps the console's download small.

use leptos::prelude::*;

use crate::views::app::select_element;
use crate::views::word;
use crate::words::A;

/// A labelled text input bound to `value`.
pub fn text_field(id: impl Into<String>, label: A, value: RwSignal<String>) -> AnyView {
    text_input(id.into(), label, value)
}

fn text_input(id: String, label: A, value: RwSignal<String>) -> AnyView {
    let for_id = id.clone();
    view! {
        <label class="field" for=for_id>
            <span>{word(label)}</span>
            <input id=id class="input" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
    .into_any()
}

/// A labelled checkbox bound to `value`.
pub fn check_field(id: impl Into<String>, label: A, value: RwSignal<bool>) -> AnyView {
    let id = id.into();
    let for_id = id.clone();
    view! {
        <label class="check" for=for_id>
            <input id=id type="checkbox" prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev))/>
            <span>{word(label)}</span>
        </label>
    }
    .into_any()
}

/// Checkboxes for choosing some of `items` (id, label); `chosen` holds the
/// ids ticked.
pub fn check_list(prefix: String, legend: A, items: Vec<(String, String)>, chosen: RwSignal<Vec<String>>) -> AnyView {
    view! {
        <fieldset class="field">
            <legend>{word(legend)}</legend>
            {items
                .into_iter()
                .map(|(id, label)| {
                    let (this, key) = (id.clone(), id.clone());
                    view! {
                        <label class="check">
                            <input
                                id=format!("{prefix}-{id}")
                                type="checkbox"
                                prop:checked=move || chosen.with(|c| c.contains(&this))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|x| *x != key);
                                        if on {
                                            c.push(key.clone());
                                        }
                                    })
                                }
                            />
                            <span>{label}</span>
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
    .into_any()
}

/// What a select is labelled with: a word, or a name (a skill's).
pub enum Label {
    Word(A),
    Text(String),
}

/// A labelled select of (value, label) options bound to `value`.
pub fn select_field(id: String, label: Label, options: Vec<(String, String)>, value: RwSignal<String>) -> AnyView {
    let select_id = id.clone();
    let label = match label {
        Label::Word(a) => view! { <span>{word(a)}</span> }.into_any(),
        Label::Text(t) => view! { <span>{t}</span> }.into_any(),
    };
    view! {
        <label class="field" for=id>
            {label}
            <select id=select_id class="select" on:change=move |ev| { if let Some(s) = select_element(&ev) { value.set(s.value()) } }>
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let this = v.clone();
                        view! { <option value=v prop:selected=move || value.with(|x| *x == this)>{l}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// A row of a table: its cells (the first is the row's header), a class,
/// and an optional button.
pub struct Row {
    pub cells: Vec<String>,
    pub class: &'static str,
    pub action: Option<(A, Callback<()>)>,
}

impl Row {
    pub fn of(cells: Vec<String>) -> Row {
        Row { cells, class: "", action: None }
    }
}

/// A table with a header row of `head` words.
pub fn table(head: &[A], rows: Vec<Row>) -> AnyView {
    let head: Vec<A> = head.to_vec();
    view! {
        <table class="table">
            <thead><tr>{head.into_iter().map(|a| view! { <th scope="col">{word(a)}</th> }).collect_view()}</tr></thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let mut cells = row.cells.into_iter();
                        let first = cells.next().unwrap_or_default();
                        view! {
                            <tr class=row.class>
                                <th scope="row">{first}</th>
                                {cells.map(|c| view! { <td>{c}</td> }).collect_view()}
                                {row.action.map(|(label, run)| view! { <td><button type="button" class="btn btn-ghost" on:click=move |_| run.run(())>{word(label)}</button></td> })}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// What the last save said: "Saved." or the server's reason.
pub fn outcome(status: RwSignal<Option<Result<(), String>>>) -> AnyView {
    (move || {
        status.get().map(|s| match s {
            Ok(()) => view! { <p class="form-ok" role="status">{word(A::Saved)}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
        })
    })
    .into_any()
}

/// A comma-separated list, trimmed, empties dropped.
pub fn list(text: &str) -> Vec<String> {
    text.split([',', '，', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_typed() {
        assert_eq!(list(" sale, question，, refund "), vec!["sale", "question", "refund"]);
    }
}
