//! Queues: each with its strategy, priority, required skills and their
//! relaxation, limits and overflow, business hours and wrap-up codes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{BusinessHours, Queue, QueueConfig, RelaxStep, Site, Skill, Strategy, Team, TimeSpan};
use protocol::{QueueId, SiteId, SkillId, TeamId};

use super::fetch;
use super::forms::{check_field, check_list, chosen_id, list, number, outcome, select_field, table, text_field, Label, Row};
use crate::api;
use crate::views::{ctx, word};
use crate::words::A;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `30:2, 60:0` as relaxation steps.
fn parse_relax(text: &str) -> Result<Vec<RelaxStep>, String> {
    list(text)
        .iter()
        .map(|step| {
            let bad = || format!("\"{step}\" is not seconds:level");
            let (after, level) = step.split_once(':').ok_or_else(bad)?;
            Ok(RelaxStep { after_secs: after.trim().parse().map_err(|_| bad())?, level: level.trim().parse().map_err(|_| bad())? })
        })
        .collect()
}

fn show_relax(steps: &[RelaxStep]) -> String {
    steps.iter().map(|s| format!("{}:{}", s.after_secs, s.level)).collect::<Vec<_>>().join(", ")
}

/// `09:00-12:00, 13:00-17:00` as a day's spans (the server checks times).
fn parse_day(text: &str) -> Result<Vec<TimeSpan>, String> {
    list(text)
        .iter()
        .map(|span| {
            span.split_once('-').map(|(f, t)| TimeSpan { from: f.trim().into(), to: t.trim().into() }).ok_or_else(|| format!("\"{span}\" is not HH:MM-HH:MM"))
        })
        .collect()
}

fn show_day(spans: &[TimeSpan]) -> String {
    spans.iter().map(|s| format!("{}-{}", s.from, s.to)).collect::<Vec<_>>().join(", ")
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
pub fn Queues() -> impl IntoView {
    let c = ctx();
    let queues = RwSignal::new(None::<Vec<Queue>>);
    let editing = RwSignal::new(None::<Option<Queue>>);
    fetch("/api/v1/admin/queues", queues);
    let rows = move || {
        let lang = c.lang.get();
        queues.get().map(|qs| {
            let rows = qs
                .into_iter()
                .map(|q| {
                    let name = format!("{}{}", q.config.name, if q.is_default { " ★" } else { "" });
                    let cells = vec![name, crate::words::ta(lang, strategy_word(q.config.strategy)).into(), q.config.priority.to_string()];
                    Row { cells, class: "", action: Some((A::Edit, Callback::new(move |()| editing.set(Some(Some(q.clone())))))) }
                })
                .collect();
            table(&[A::Name, A::Strategy, A::Priority], rows)
        })
    };
    view! {
        <section class="panel" aria-labelledby="queues-title">
            <div class="panel-head">
                <h2 id="queues-title" class="section-title">{word(A::Queues)}</h2>
                <button type="button" id="new-queue" class="btn btn-primary" on:click=move |_| editing.set(Some(None))>{word(A::NewQueue)}</button>
            </div>
            {rows}
        </section>
        {move || editing.get().map(|q| view! { <QueueForm queue=q on_saved=Callback::new(move |()| { editing.set(None); fetch("/api/v1/admin/queues", queues); })/> })}
    }
}

#[component]
fn QueueForm(queue: Option<Queue>, on_saved: Callback<()>) -> impl IntoView {
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
    let v = |f: &dyn Fn(&QueueConfig) -> String| RwSignal::new(start.as_ref().map(f).unwrap_or_default());
    let name = v(&|q| q.name.clone());
    let site = v(&|q| q.site_id.to_string());
    let strategy = RwSignal::new(start.as_ref().map(|q| q.strategy).unwrap_or_default().as_str().to_string());
    let priority = RwSignal::new(start.as_ref().map_or("0".into(), |q| q.priority.to_string()));
    let required = RwSignal::new(start.as_ref().map(|q| q.skills.iter().map(|s| s.get()).collect::<Vec<i64>>()).unwrap_or_default());
    let level = RwSignal::new(start.as_ref().map_or("0".into(), |q| q.level.to_string()));
    let relax = v(&|q| show_relax(&q.relax));
    let max_len = v(&|q| q.max_len.map(|n| n.to_string()).unwrap_or_default());
    let max_wait = v(&|q| q.max_wait_secs.map(|n| n.to_string()).unwrap_or_default());
    let overflow = v(&|q| q.overflow_queue_id.map(|n| n.to_string()).unwrap_or_default());
    let always_open = RwSignal::new(start.as_ref().is_none_or(|q| q.hours.is_none()));
    let zone = RwSignal::new(start.as_ref().and_then(|q| q.hours.as_ref()).map_or("UTC".into(), |h| h.time_zone.clone()));
    let days: Vec<RwSignal<String>> = (0..7)
        .map(|d| RwSignal::new(start.as_ref().and_then(|q| q.hours.as_ref()).and_then(|h| h.week.get(d)).map(|s| show_day(s)).unwrap_or_default()))
        .collect();
    let holidays = v(&|q| q.hours.as_ref().map(|h| h.holidays.join(", ")).unwrap_or_default());
    let wrap_secs = v(&|q| q.wrap_up_secs.map(|n| n.to_string()).unwrap_or_default());
    let codes = v(&|q| q.wrap_up_codes.join(", "));
    let default_code = v(&|q| q.default_wrap_up_code.clone());
    let team = v(&|q| q.team_id.map(|n| n.to_string()).unwrap_or_default());
    let status = RwSignal::new(None::<Result<(), String>>);
    let week = days.clone();

    let build = move || -> Result<QueueConfig, String> {
        let site_id = chosen_id(&site.get_untracked()).or_else(|| sites.get_untracked().and_then(|s| s.first().map(|s| s.id.get()))).ok_or("no site")?;
        let hours = if always_open.get_untracked() {
            None
        } else {
            let week = week.iter().map(|d| parse_day(&d.get_untracked())).collect::<Result<Vec<_>, _>>()?;
            Some(BusinessHours { time_zone: zone.get_untracked().trim().into(), week, holidays: list(&holidays.get_untracked()) })
        };
        Ok(QueueConfig {
            site_id: SiteId(site_id),
            name: name.get_untracked(),
            strategy: Strategy::parse(&strategy.get_untracked()).unwrap_or_default(),
            priority: priority.get_untracked().trim().parse().map_err(|_| "priority is a whole number")?,
            skills: required.get_untracked().into_iter().map(SkillId).collect(),
            level: level.get_untracked().trim().parse().map_err(|_| "the level is 0 to 5")?,
            relax: parse_relax(&relax.get_untracked())?,
            max_len: number(&max_len.get_untracked())?,
            max_wait_secs: number(&max_wait.get_untracked())?,
            overflow_queue_id: chosen_id(&overflow.get_untracked()).map(QueueId),
            hours,
            wrap_up_secs: number(&wrap_secs.get_untracked())?,
            wrap_up_codes: list(&codes.get_untracked()),
            default_wrap_up_code: default_code.get_untracked(),
            team_id: chosen_id(&team.get_untracked()).map(TeamId),
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let config = match build() {
            Ok(config) => config,
            Err(e) => return status.set(Some(Err(e))),
        };
        spawn_local(async move {
            let (method, path) = match id {
                Some(id) => ("PUT", format!("/api/v1/admin/queues/{id}")),
                None => ("POST", "/api/v1/admin/queues".to_string()),
            };
            let result = api::send_json::<_, Queue>(method, &path, Some(&config)).await.map(|_| ());
            if result.is_ok() {
                on_saved.run(());
            }
            status.set(Some(result));
        });
    };
    let none = move || (String::new(), c.ta(A::NoneChoice).to_string());
    view! {
        <form class="panel form" aria-labelledby="queue-form-title" on:submit=save>
            <h2 id="queue-form-title" class="section-title">{word(if id.is_some() { A::Edit } else { A::NewQueue })}</h2>
            {text_field("queue-name", A::Name, name)}
            {move || sites.get().filter(|_| id.is_none()).map(|ss| select_field("queue-site".into(), Label::Word(A::Site), ss.into_iter().map(|s| (s.id.to_string(), s.config.name)).collect(), site))}
            {move || select_field("queue-strategy".into(), Label::Word(A::Strategy), Strategy::ALL.iter().map(|s| (s.as_str().to_string(), c.ta(strategy_word(*s)).to_string())).collect(), strategy)}
            {text_field("queue-priority", A::Priority, priority)}
            {move || skills.get().map(|ks| check_list("queue-skill", A::RequiredSkills, ks.into_iter().map(|k| (k.id.get(), k.name)).collect(), required))}
            {text_field("queue-level", A::Level, level)}
            {text_field("queue-relax", A::Relax, relax)}
            {text_field("queue-max-len", A::MaxLen, max_len)}
            {text_field("queue-max-wait", A::MaxWait, max_wait)}
            {move || all.get().map(|qs| {
                let options = std::iter::once(none()).chain(qs.into_iter().filter(|q| Some(q.id) != id).map(|q| (q.id.to_string(), q.config.name))).collect();
                select_field("queue-overflow".into(), Label::Word(A::Overflow), options, overflow)
            })}
            {check_field("queue-always-open", A::AlwaysOpen, always_open)}
            <Show when=move || !always_open.get()>
                {text_field("queue-zone", A::TimeZone, zone)}
                <fieldset class="field">
                    <legend>{word(A::Hours)}</legend>
                    {days.iter().enumerate().map(|(i, d)| {
                        let d = *d;
                        view! {
                            <label class="day">
                                <span>{DAYS[i]}</span>
                                <input id=format!("queue-day-{i}") class="input" placeholder="09:00-17:00" prop:value=move || d.get() on:input=move |ev| d.set(event_target_value(&ev))/>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                {text_field("queue-holidays", A::Holidays, holidays)}
            </Show>
            {text_field("queue-wrap-secs", A::WrapUpSecs, wrap_secs)}
            {text_field("queue-codes", A::WrapUpCodes, codes)}
            {text_field("queue-default-code", A::DefaultCode, default_code)}
            {move || teams.get().map(|ts| {
                let options = std::iter::once((String::new(), c.ta(A::Everyone).to_string())).chain(ts.into_iter().map(|t| (t.id.to_string(), t.name))).collect();
                select_field("queue-team".into(), Label::Word(A::Team), options, team)
            })}
            {outcome(status)}
            <button type="submit" id="save-queue" class="btn btn-primary">{word(A::Save)}</button>
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
