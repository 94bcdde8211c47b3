//! Queues: each with its strategy, priority, required skills and their
//! relaxation, limits and overflow, business hours and wrap-up codes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{BusinessHours, Queue, QueueConfig, RelaxStep, Site, Skill, Strategy, Team, TimeSpan};
use protocol::QueueId;

use super::fetch;
use super::forms::{check_field, list, number, outcome, text_field};
use crate::api;
use crate::views::app::select_element;
use crate::views::ctx;
use crate::words::A;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `30:2, 60:0` as relaxation steps.
fn parse_relax(text: &str) -> Result<Vec<RelaxStep>, String> {
    list(text)
        .iter()
        .map(|step| {
            let (after, level) = step.split_once(':').ok_or_else(|| format!("\"{step}\" is not seconds:level"))?;
            Ok(RelaxStep { after_secs: after.trim().parse().map_err(|_| format!("\"{step}\" is not seconds:level"))?, level: level.trim().parse().map_err(|_| format!("\"{step}\" is not seconds:level"))? })
        })
        .collect()
}

fn show_relax(steps: &[RelaxStep]) -> String {
    steps.iter().map(|s| format!("{}:{}", s.after_secs, s.level)).collect::<Vec<_>>().join(", ")
}

/// `09:00-12:00, 13:00-17:00` as a day's spans (the server checks times).
fn parse_day(text: &str) -> Result<Vec<TimeSpan>, String> {
    list(text).iter().map(|span| span.split_once('-').map(|(f, t)| TimeSpan { from: f.trim().into(), to: t.trim().into() }).ok_or_else(|| format!("\"{span}\" is not HH:MM-HH:MM"))).collect()
}

fn show_day(spans: &[TimeSpan]) -> String {
    spans.iter().map(|s| format!("{}-{}", s.from, s.to)).collect::<Vec<_>>().join(", ")
}

#[component]
pub fn Queues() -> impl IntoView {
    let c = ctx();
    let queues = RwSignal::new(None::<Vec<Queue>>);
    let editing = RwSignal::new(None::<Option<Queue>>);
    fetch("/api/v1/admin/queues", queues);
    let row = move |q: Queue| {
        let strategy = q.config.strategy;
        let label = format!("{}{}", q.config.name, if q.is_default { " ★" } else { "" });
        let edit = q.clone();
        view! {
            <tr>
                <th scope="row">{label}</th>
                <td>{move || c.ta(strategy_word(strategy))}</td>
                <td class="num">{q.config.priority}</td>
                <td>{if q.config.hours.is_some() { "⏰" } else { "" }}</td>
                <td><button type="button" class="btn btn-ghost" on:click=move |_| editing.set(Some(Some(edit.clone())))>{move || c.ta(A::Edit)}</button></td>
            </tr>
        }
    };
    view! {
        <section class="panel" aria-labelledby="queues-title">
            <div class="panel-head">
                <h2 id="queues-title" class="section-title">{move || c.ta(A::Queues)}</h2>
                <button type="button" id="new-queue" class="btn btn-primary" on:click=move |_| editing.set(Some(None))>{move || c.ta(A::NewQueue)}</button>
            </div>
            <table class="table">
                <thead><tr>
                    <th scope="col">{move || c.ta(A::Name)}</th><th scope="col">{move || c.ta(A::Strategy)}</th>
                    <th scope="col">{move || c.ta(A::Priority)}</th><th scope="col">{move || c.ta(A::Hours)}</th><th scope="col"></th>
                </tr></thead>
                <tbody>{move || queues.get().map(|qs| qs.into_iter().map(row).collect_view())}</tbody>
            </table>
        </section>
        {move || editing.get().map(|q| view! { <QueueForm queue=q on_saved=move || { editing.set(None); fetch("/api/v1/admin/queues", queues); }/> })}
    }
}

fn strategy_word(s: Strategy) -> A {
    match s {
        Strategy::LongestIdle => A::LongestIdle,
        Strategy::RoundRobin => A::RoundRobin,
        Strategy::LeastBusy => A::LeastBusy,
        Strategy::Manual => A::Manual,
    }
}

#[component]
fn QueueForm(queue: Option<Queue>, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let c = ctx();
    let sites = RwSignal::new(None::<Vec<Site>>);
    let skills = RwSignal::new(None::<Vec<Skill>>);
    let teams = RwSignal::new(None::<Vec<Team>>);
    let all = RwSignal::new(None::<Vec<Queue>>);
    fetch("/api/v1/admin/sites", sites);
    fetch("/api/v1/admin/skills", skills);
    fetch("/api/v1/admin/teams", teams);
    fetch("/api/v1/admin/queues", all);
    let id: Option<QueueId> = queue.as_ref().map(|q| q.id);
    let start = queue.map(|q| q.config);
    let v = |f: fn(&QueueConfig) -> String| RwSignal::new(start.as_ref().map(f).unwrap_or_default());
    let name = v(|q| q.name.clone());
    let site = RwSignal::new(start.as_ref().map(|q| q.site_id));
    let strategy = RwSignal::new(start.as_ref().map(|q| q.strategy).unwrap_or_default());
    let priority = v(|q| q.priority.to_string());
    let required = RwSignal::new(start.as_ref().map(|q| q.skills.clone()).unwrap_or_default());
    let level = v(|q| q.level.to_string());
    let relax = v(|q| show_relax(&q.relax));
    let max_len = v(|q| q.max_len.map(|n| n.to_string()).unwrap_or_default());
    let max_wait = v(|q| q.max_wait_secs.map(|n| n.to_string()).unwrap_or_default());
    let overflow = RwSignal::new(start.as_ref().and_then(|q| q.overflow_queue_id));
    let always_open = RwSignal::new(start.as_ref().is_none_or(|q| q.hours.is_none()));
    let zone = v(|q| q.hours.as_ref().map(|h| h.time_zone.clone()).unwrap_or_else(|| "UTC".into()));
    let days: Vec<RwSignal<String>> = (0..7).map(|d| RwSignal::new(start.as_ref().and_then(|q| q.hours.as_ref()).and_then(|h| h.week.get(d)).map(|s| show_day(s)).unwrap_or_default())).collect();
    let holidays = v(|q| q.hours.as_ref().map(|h| h.holidays.join(", ")).unwrap_or_default());
    let wrap_secs = v(|q| q.wrap_up_secs.map(|n| n.to_string()).unwrap_or_default());
    let codes = v(|q| q.wrap_up_codes.join(", "));
    let default_code = v(|q| q.default_wrap_up_code.clone());
    let team = RwSignal::new(start.as_ref().and_then(|q| q.team_id));
    let status = RwSignal::new(None::<Result<(), String>>);
    let days_for_save = days.clone();

    let build = move || -> Result<QueueConfig, String> {
        let site_id = site.get_untracked().or_else(|| sites.get_untracked().and_then(|s| s.first().map(|s| s.id))).ok_or("no site")?;
        let hours = if always_open.get_untracked() {
            None
        } else {
            let week = days_for_save.iter().map(|d| parse_day(&d.get_untracked())).collect::<Result<Vec<_>, _>>()?;
            Some(BusinessHours { time_zone: zone.get_untracked().trim().into(), week, holidays: list(&holidays.get_untracked()) })
        };
        Ok(QueueConfig {
            site_id,
            name: name.get_untracked(),
            strategy: strategy.get_untracked(),
            priority: priority.get_untracked().trim().parse().map_err(|_| "priority is a whole number")?,
            skills: required.get_untracked(),
            level: level.get_untracked().trim().parse().map_err(|_| "the level is 0 to 5")?,
            relax: parse_relax(&relax.get_untracked())?,
            max_len: number(&max_len.get_untracked())?,
            max_wait_secs: number(&max_wait.get_untracked())?,
            overflow_queue_id: overflow.get_untracked(),
            hours,
            wrap_up_secs: number(&wrap_secs.get_untracked())?,
            wrap_up_codes: list(&codes.get_untracked()),
            default_wrap_up_code: default_code.get_untracked(),
            team_id: team.get_untracked(),
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let config = match build() {
            Ok(config) => config,
            Err(e) => return status.set(Some(Err(e))),
        };
        spawn_local(async move {
            let result = match id {
                Some(id) => api::send_json::<_, Queue>("PUT", &format!("/api/v1/admin/queues/{id}"), Some(&config)).await,
                None => api::send_json::<_, Queue>("POST", "/api/v1/admin/queues", Some(&config)).await,
            };
            match result {
                Ok(_) => {
                    status.set(Some(Ok(())));
                    on_saved();
                }
                Err(e) => status.set(Some(Err(e))),
            }
        });
    };
    view! {
        <form class="panel form" aria-labelledby="queue-form-title" on:submit=save>
            <h2 id="queue-form-title" class="section-title">{move || if id.is_some() { c.ta(A::Edit) } else { c.ta(A::NewQueue) }}</h2>
            {text_field("queue-name", A::Name, name)}
            <label class="field" for="queue-site">
                <span>{move || c.ta(A::Site)}</span>
                <select id="queue-site" class="select" disabled=id.is_some() on:change=move |ev| site.set(select_element(&ev).and_then(|s| s.value().parse().ok()).map(protocol::SiteId))>
                    {move || sites.get().map(|ss| ss.into_iter().map(|s| view! { <option value=s.id.to_string() prop:selected=move || site.get() == Some(s.id)>{s.config.name.clone()}</option> }).collect_view())}
                </select>
            </label>
            <label class="field" for="queue-strategy">
                <span>{move || c.ta(A::Strategy)}</span>
                <select id="queue-strategy" class="select" on:change=move |ev| { if let Some(s) = select_element(&ev).and_then(|s| Strategy::parse(&s.value())) { strategy.set(s) } }>
                    {Strategy::ALL.into_iter().map(|s| view! { <option value=s.as_str() prop:selected=move || strategy.get() == s>{move || c.ta(strategy_word(s))}</option> }).collect_view()}
                </select>
            </label>
            {text_field("queue-priority", A::Priority, priority)}
            <fieldset class="field">
                <legend>{move || c.ta(A::RequiredSkills)}</legend>
                {move || skills.get().map(|ks| ks.into_iter().map(|k| {
                    let sid = k.id;
                    let box_id = format!("queue-skill-{sid}");
                    view! {
                        <label class="check">
                            <input id=box_id type="checkbox" prop:checked=move || required.with(|r| r.contains(&sid))
                                on:change=move |ev| required.update(|r| { r.retain(|x| *x != sid); if event_target_checked(&ev) { r.push(sid) } })/>
                            <span>{k.name.clone()}</span>
                        </label>
                    }
                }).collect_view())}
            </fieldset>
            {text_field("queue-level", A::Level, level)}
            {text_field("queue-relax", A::Relax, relax)}
            {text_field("queue-max-len", A::MaxLen, max_len)}
            {text_field("queue-max-wait", A::MaxWait, max_wait)}
            <label class="field" for="queue-overflow">
                <span>{move || c.ta(A::Overflow)}</span>
                <select id="queue-overflow" class="select" on:change=move |ev| overflow.set(select_element(&ev).and_then(|s| s.value().parse().ok()).map(QueueId))>
                    <option value="">{move || c.ta(A::NoneChoice)}</option>
                    {move || all.get().map(|qs| qs.into_iter().filter(|q| Some(q.id) != id).map(|q| view! { <option value=q.id.to_string() prop:selected=move || overflow.get() == Some(q.id)>{q.config.name.clone()}</option> }).collect_view())}
                </select>
            </label>
            {check_field("queue-always-open", A::AlwaysOpen, always_open)}
            <Show when=move || !always_open.get()>
                {text_field("queue-zone", A::TimeZone, zone)}
                <fieldset class="field">
                    <legend>{move || c.ta(A::Hours)}</legend>
                    {days.iter().enumerate().map(|(i, d)| {
                        let d = *d;
                        let input_id = format!("queue-day-{i}");
                        view! {
                            <label class="day">
                                <span>{DAYS[i]}</span>
                                <input id=input_id class="input" placeholder="09:00-17:00" prop:value=move || d.get() on:input=move |ev| d.set(event_target_value(&ev))/>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                {text_field("queue-holidays", A::Holidays, holidays)}
            </Show>
            {text_field("queue-wrap-secs", A::WrapUpSecs, wrap_secs)}
            {text_field("queue-codes", A::WrapUpCodes, codes)}
            {text_field("queue-default-code", A::DefaultCode, default_code)}
            <label class="field" for="queue-team">
                <span>{move || c.ta(A::Team)}</span>
                <select id="queue-team" class="select" on:change=move |ev| team.set(select_element(&ev).and_then(|s| s.value().parse().ok()).map(protocol::TeamId))>
                    <option value="">{move || c.ta(A::Everyone)}</option>
                    {move || teams.get().map(|ts| ts.into_iter().map(|t| view! { <option value=t.id.to_string() prop:selected=move || team.get() == Some(t.id)>{t.name.clone()}</option> }).collect_view())}
                </select>
            </label>
            {outcome(status)}
            <button type="submit" id="save-queue" class="btn btn-primary">{move || c.ta(A::Save)}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxation_and_hours_read_back_as_written() {
        let steps = parse_relax("30:2, 60:0").unwrap();
        assert_eq!(steps, vec![RelaxStep { after_secs: 30, level: 2 }, RelaxStep { after_secs: 60, level: 0 }]);
        assert_eq!(show_relax(&steps), "30:2, 60:0");
        assert!(parse_relax("30").is_err());
        let day = parse_day("09:00-12:00, 13:00-17:00").unwrap();
        assert_eq!(show_day(&day), "09:00-12:00, 13:00-17:00");
        assert!(parse_day("9am").is_err());
        assert_eq!(parse_day("").unwrap(), vec![]);
    }
}
