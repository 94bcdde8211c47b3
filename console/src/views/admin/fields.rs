//! One field of an administration form: what kind of value it edits, how
//! it reads that value from a record, how it writes it into the body sent
//! to the server, and how it looks. Every form is a list of these (see
//! `resources`), so a new screen is a table of fields rather than new code.

use leptos::prelude::*;

use super::doc::{array, number, string, Doc};
use super::forms::{check_field, check_list, list, select_field, text_field, Label};
use crate::views::app::select_element;
use crate::views::{ctx, word};
use crate::words::A;

/// Lists a form chooses from (sites, skills, queues...), by REST path.
pub type Lists = RwSignal<Vec<(&'static str, Doc)>, LocalStorage>;

/// A fixed choice: the wire value and its word.
pub type Choices = &'static [(&'static str, A)];

pub enum Kind {
    Text,
    /// Written, never shown back (a new password).
    Secret,
    /// A list of strings, one per line.
    Lines,
    /// One string over several lines (a saved reply's text).
    Paragraph,
    /// A list of strings, comma-separated.
    List,
    /// A whole number that must be there.
    Whole,
    /// A whole number or nothing (`null`).
    Optional,
    Check,
    /// One of fixed strings.
    Choice(Choices),
    /// Some of fixed strings.
    Set(Choices),
    /// The id of a record of the list at `from`, named by its `label`
    /// path; `none` names the empty choice (`null`), or the first record
    /// is chosen when there is none.
    Pick {
        from: &'static str,
        label: &'static str,
        none: Option<A>,
    },
    /// The ids of some records of the list at `from`.
    Many {
        from: &'static str,
        label: &'static str,
    },
    /// A level 0–5 for each record of the list at `from`, written as
    /// `[{<id_key>: id, level}]` for the levels above 0.
    Levels {
        from: &'static str,
        label: &'static str,
        id_key: &'static str,
    },
    /// Relaxation steps, typed as `30:2, 60:0` (seconds:level).
    Relax,
    /// Business hours: always open (`null`) or a time zone, a week of
    /// `HH:MM-HH:MM` spans and holiday dates.
    Hours,
}

pub struct Field {
    /// The element id is `<resource>-<key>`.
    pub key: &'static str,
    /// Where the value sits in the record's body (`settings.accent`).
    pub path: &'static str,
    pub label: A,
    pub kind: Kind,
    /// The value of a new record, as it would be typed.
    pub default: &'static str,
    /// Set when the record is created, fixed afterwards (a queue's site).
    pub create_only: bool,
}

impl Field {
    pub const fn new(key: &'static str, path: &'static str, label: A, kind: Kind) -> Field {
        Field { key, path, label, kind, default: "", create_only: false }
    }

    pub const fn or(self, default: &'static str) -> Field {
        Field { default, ..self }
    }

    pub const fn once(self) -> Field {
        Field { create_only: true, ..self }
    }

    /// The list this field chooses from, if any.
    pub fn source(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Pick { from, .. } | Kind::Many { from, .. } | Kind::Levels { from, .. } => Some(from),
            _ => None,
        }
    }
}

/// What a field holds while the form is open.
#[derive(Clone, Copy)]
pub enum Value {
    Text(RwSignal<String>),
    Check(RwSignal<bool>),
    /// Chosen ids or strings.
    Chosen(RwSignal<Vec<String>>),
    /// (id, level) for each record with a level.
    Levels(RwSignal<Vec<(String, String)>>),
    Hours(Hours),
}

#[derive(Clone, Copy)]
pub struct Hours {
    always_open: RwSignal<bool>,
    zone: RwSignal<String>,
    week: [RwSignal<String>; 7],
    holidays: RwSignal<String>,
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The field's value in `record` (or its default, for a new record).
pub fn read(field: &Field, record: Option<&Doc>) -> Value {
    let at = record.map(|r| r.get(field.path)).filter(|v| !v.is_null() || matches!(field.kind, Kind::Optional | Kind::Pick { .. } | Kind::Hours));
    let text = |s: String| Value::Text(RwSignal::new(s));
    let joined = |sep: &str| at.as_ref().map_or(field.default.to_string(), |v| v.items().iter().map(Doc::str).collect::<Vec<_>>().join(sep));
    match field.kind {
        Kind::Secret => text(String::new()),
        Kind::Lines => text(joined("\n")),
        Kind::List => text(joined(", ")),
        Kind::Check => Value::Check(RwSignal::new(at.map_or(field.default == "true", |v| v.truthy()))),
        Kind::Set(_) | Kind::Many { .. } => Value::Chosen(RwSignal::new(match at {
            Some(v) => v.items().iter().map(Doc::str).collect(),
            None => list(field.default),
        })),
        Kind::Levels { id_key, .. } => {
            let levels = at.map(|v| v.items().iter().map(|l| (l.get(id_key).str(), l.get("level").str())).collect()).unwrap_or_default();
            Value::Levels(RwSignal::new(levels))
        }
        Kind::Relax => text(
            at.map(|v| v.items().iter().map(|s| format!("{}:{}", s.get("after_secs").str(), s.get("level").str())).collect::<Vec<_>>().join(", "))
                .unwrap_or_default(),
        ),
        Kind::Hours => {
            let hours = at.filter(|h| !h.is_null());
            let day = |d: usize| {
                let spans = hours.as_ref().map(|h| h.get("week").items().get(d).map(Doc::items).unwrap_or_default()).unwrap_or_default();
                RwSignal::new(spans.iter().map(|s| format!("{}-{}", s.get("from").str(), s.get("to").str())).collect::<Vec<_>>().join(", "))
            };
            Value::Hours(Hours {
                always_open: RwSignal::new(hours.is_none()),
                zone: RwSignal::new(hours.as_ref().map_or("UTC".into(), |h| h.get("time_zone").str())),
                week: std::array::from_fn(day),
                holidays: RwSignal::new(hours.map(|h| h.get("holidays").items().iter().map(Doc::str).collect::<Vec<_>>().join(", ")).unwrap_or_default()),
            })
        }
        Kind::Text | Kind::Paragraph | Kind::Whole | Kind::Optional | Kind::Choice(_) | Kind::Pick { .. } => {
            text(at.map_or(field.default.to_string(), |v| v.str()))
        }
    }
}

/// Writes the field's value into `body`, or says what is wrong with it.
pub fn write(field: &Field, value: Value, body: &Doc) -> Result<(), String> {
    let label = ctx().ta(field.label);
    let whole = |t: &str| t.trim().parse::<i64>().map_err(|_| format!("{label}: \"{}\" is not a whole number", t.trim()));
    let json = match (value, &field.kind) {
        (Value::Text(t), Kind::Lines | Kind::List) => array(list(&t.get_untracked()).iter().map(|s| string(s))),
        (Value::Text(t), Kind::Whole) => number(whole(&t.get_untracked())?),
        (Value::Text(t), Kind::Optional | Kind::Pick { .. }) => {
            let t = t.get_untracked();
            if t.trim().is_empty() {
                wasm_bindgen::JsValue::NULL
            } else {
                number(whole(&t)?)
            }
        }
        (Value::Text(t), Kind::Relax) => {
            let steps = list(&t.get_untracked())
                .iter()
                .map(|step| {
                    let bad = || format!("{label}: \"{step}\" is not seconds:level");
                    let (after, level) = step.split_once(':').ok_or_else(bad)?;
                    let step = Doc::object();
                    step.set("after_secs", number(after.trim().parse().map_err(|_| bad())?));
                    step.set("level", number(level.trim().parse().map_err(|_| bad())?));
                    Ok(step.value())
                })
                .collect::<Result<Vec<_>, String>>()?;
            array(steps)
        }
        (Value::Text(t), _) => string(&t.get_untracked()),
        (Value::Check(b), _) => wasm_bindgen::JsValue::from_bool(b.get_untracked()),
        (Value::Chosen(c), Kind::Many { .. }) => array(c.get_untracked().iter().map(|id| whole(id)).collect::<Result<Vec<_>, _>>()?.into_iter().map(number)),
        (Value::Chosen(c), _) => array(c.get_untracked().iter().map(|s| string(s))),
        (Value::Levels(l), Kind::Levels { id_key, .. }) => {
            let mut levels = Vec::new();
            for (id, level) in l.get_untracked() {
                let level = whole(&level)?;
                if level > 0 {
                    let entry = Doc::object();
                    entry.set(id_key, number(whole(&id)?));
                    entry.set("level", number(level));
                    levels.push(entry.value());
                }
            }
            array(levels)
        }
        (Value::Levels(_), _) => return Ok(()),
        (Value::Hours(h), _) => {
            if h.always_open.get_untracked() {
                wasm_bindgen::JsValue::NULL
            } else {
                let mut week = Vec::new();
                for day in h.week {
                    let spans = list(&day.get_untracked())
                        .iter()
                        .map(|span| {
                            let (from, to) = span.split_once('-').ok_or_else(|| format!("{label}: \"{span}\" is not HH:MM-HH:MM"))?;
                            let s = Doc::object();
                            s.set("from", string(from.trim()));
                            s.set("to", string(to.trim()));
                            Ok(s.value())
                        })
                        .collect::<Result<Vec<_>, String>>()?;
                    week.push(array(spans));
                }
                let hours = Doc::object();
                hours.set("time_zone", string(h.zone.get_untracked().trim()));
                hours.set("week", array(week));
                hours.set("holidays", array(list(&h.holidays.get_untracked()).iter().map(|s| string(s))));
                hours.value()
            }
        }
    };
    body.set(field.path, json);
    Ok(())
}

/// The (id, label) options of the list at `from`, without `except`.
fn options(lists: Lists, from: &str, label: &str, except: Option<&str>) -> Option<Vec<(String, String)>> {
    lists.with(|ls| {
        ls.iter().find(|(path, _)| *path == from).map(|(_, list)| {
            list.items().iter().map(|item| (item.get("id").str(), item.get(label).str())).filter(|(id, _)| Some(id.as_str()) != except).collect()
        })
    })
}

/// The field as the admin sees it. `id` is the element id; `editing` is
/// the id of the record being edited, which a record never chooses as its
/// own (a queue does not overflow into itself).
pub fn render(field: &'static Field, value: Value, id: String, lists: Lists, editing: Option<String>) -> AnyView {
    let c = ctx();
    let for_id = id.clone();
    match (value, &field.kind) {
        (Value::Text(v), Kind::Secret) => view! {
            <label class="field" for=for_id>
                <span>{word(field.label)}</span>
                <input id=id class="input" type="password" autocomplete="new-password" on:input=move |ev| v.set(event_target_value(&ev))/>
            </label>
        }
        .into_any(),
        (Value::Text(v), Kind::Lines | Kind::Paragraph) => view! {
            <label class="field" for=for_id>
                <span>{word(field.label)}</span>
                <textarea id=id class="textarea" rows="3" prop:value=move || v.get() on:input=move |ev| v.set(event_target_value(&ev))></textarea>
            </label>
        }
        .into_any(),
        (Value::Text(v), Kind::Choice(choices)) => {
            (move || select_field(id.clone(), Label::Word(field.label), choices.iter().map(|(w, a)| (w.to_string(), c.ta(*a).to_string())).collect(), v)).into_any()
        }
        (Value::Text(v), Kind::Pick { from, label, none }) => (move || {
            let mut options = options(lists, from, label, editing.as_deref())?;
            match none {
                Some(a) => options.insert(0, (String::new(), c.ta(*a).to_string())),
                None => {
                    if v.get_untracked().is_empty() {
                        if let Some((first, _)) = options.first() {
                            v.set(first.clone());
                        }
                    }
                }
            }
            Some(select_field(id.clone(), Label::Word(field.label), options, v))
        })
        .into_any(),
        (Value::Text(v), _) => text_field(id, field.label, v),
        (Value::Check(v), _) => check_field(id, field.label, v),
        (Value::Chosen(v), Kind::Set(choices)) => {
            (move || check_list(id.clone(), field.label, choices.iter().map(|(w, a)| (w.to_string(), c.ta(*a).to_string())).collect(), v)).into_any()
        }
        (Value::Chosen(v), Kind::Many { from, label }) => (move || options(lists, from, label, None).map(|o| check_list(id.clone(), field.label, o, v))).into_any(),
        (Value::Chosen(_), _) => ().into_any(),
        (Value::Levels(v), Kind::Levels { from, label, .. }) => view! {
            <fieldset class="field">
                <legend>{word(field.label)}</legend>
                {move || options(lists, from, label, None).map(|o| o.into_iter().map(|(skill, name)| level_select(format!("{id}-{skill}"), skill, name, v)).collect_view())}
            </fieldset>
        }
        .into_any(),
        (Value::Levels(_), _) => ().into_any(),
        (Value::Hours(h), _) => hours(&id, h),
    }
}

/// A 0–5 level for one record (0: none).
fn level_select(id: String, record: String, name: String, levels: RwSignal<Vec<(String, String)>>) -> AnyView {
    let this = record.clone();
    let for_id = id.clone();
    let current = move || levels.with(|l| l.iter().find(|(r, _)| *r == this).map(|(_, level)| level.clone()).unwrap_or_else(|| "0".into()));
    let set = move |ev: leptos::ev::Event| {
        if let Some(s) = select_element(&ev) {
            let level = s.value();
            levels.update(|l| {
                l.retain(|(r, _)| *r != record);
                l.push((record.clone(), level));
            });
        }
    };
    view! {
        <label class="field" for=for_id>
            <span>{name}</span>
            <select id=id class="select" on:change=set>
                {(0..=5u8)
                    .map(|l| {
                        let level = l.to_string();
                        let shown = if l == 0 { "—".to_string() } else { level.clone() };
                        let chosen = current.clone();
                        view! { <option value=level.clone() prop:selected=move || chosen() == level>{shown}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}

fn hours(id: &str, h: Hours) -> AnyView {
    let (id, open) = (id.to_string(), h.always_open);
    view! {
        {check_field(format!("{id}-always-open"), A::AlwaysOpen, h.always_open)}
        <Show when=move || !open.get()>
            {text_field(format!("{id}-zone"), A::TimeZone, h.zone)}
            <fieldset class="field">
                <legend>{word(A::Hours)}</legend>
                {h.week.iter().enumerate().map(|(i, d)| {
                    let d = *d;
                    view! {
                        <label class="day">
                            <span>{DAYS[i]}</span>
                            <input id=format!("{id}-day-{i}") class="input" placeholder="09:00-17:00" prop:value=move || d.get() on:input=move |ev| d.set(event_target_value(&ev))/>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            {text_field(format!("{id}-holidays"), A::Holidays, h.holidays)}
        </Show>
    }
    .into_any()
}
