//! The console's screens, one concept per module. Every view gets the
//! live link to the server and the language from [`Ctx`], provided once by
//! [`app::App`].

pub mod admin;
pub mod alerts;
pub mod app;
pub mod callback;
pub mod case_comments;
pub mod chat;
pub mod chat_list;
pub mod composer;
pub mod contacts;
pub mod details;
pub mod floor;
pub mod header;
pub mod history;
pub mod left_messages;
pub mod login;
pub mod message_log;
pub mod nav;
pub mod offers;
pub mod screen_pop;
pub mod shared_list;
pub mod transfer;
pub mod wrap_up;

use leptos::prelude::*;
use protocol::agent::{Presence, VisitorCard};

use crate::i18n::{self, Key, Lang};
use crate::live::Live;

/// What every view needs: the live link, the chosen language, and which
/// part of the console is shown.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub live: Live,
    pub lang: RwSignal<Lang>,
    pub section: RwSignal<Section>,
}

/// The parts of the console an agent moves between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Inbox,
    LeftMessages,
    /// Supervisors and admins: queues and agents now, and today's report.
    Floor,
    /// Admins: sites, agents, teams, skills, queues, entry rules.
    Admin,
    /// Everyone: saved replies, the agent's own and the team's.
    Replies,
    /// Everyone: the knowledge base's articles.
    Knowledge,
    /// Everyone: their departments' cases.
    Cases,
    /// Everyone: past conversations, searched and opened.
    History,
    /// Everyone: the contacts of their sites, searched and opened.
    Contacts,
}

impl Section {
    /// The id of the section's tab (written out: lowering a debug name
    /// would bring Unicode's case tables into the Wasm).
    pub fn tab_id(self) -> &'static str {
        match self {
            Section::Inbox => "nav-inbox",
            Section::LeftMessages => "nav-leftmessages",
            Section::Floor => "nav-floor",
            Section::Admin => "nav-admin",
            Section::Replies => "nav-replies",
            Section::Knowledge => "nav-knowledge",
            Section::Cases => "nav-cases",
            Section::History => "nav-history",
            Section::Contacts => "nav-contacts",
        }
    }
}

impl Ctx {
    /// The string for `key` in the current language; tracked, so a view
    /// that calls it inside a closure follows language changes.
    pub fn t(self, key: Key) -> &'static str {
        i18n::t(self.lang.get(), key)
    }

    /// The word for a floor or administration label; tracked like `t`.
    pub fn ta(self, a: crate::words::A) -> &'static str {
        crate::words::ta(self.lang.get(), a)
    }

    /// The signed-in agent's role.
    pub fn role(self) -> Option<protocol::agent::Role> {
        self.live.auth.with(|a| if let crate::live::Auth::SignedIn(agent) = a { Some(agent.role) } else { None })
    }
}

/// A floor or administration word as a view child or attribute: every call
/// returns the same closure type, so its rendering is compiled once.
pub fn word(a: crate::words::A) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let c = ctx();
    move || c.ta(a)
}

/// A console string as a view child or attribute, compiled once (see
/// [`word`]).
pub fn say(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let c = ctx();
    move || c.t(key)
}

/// The context provided by `App`. Its absence is a programming error in
/// this crate, not a runtime condition, hence `expect`.
pub fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// The name to show for a visitor: the pre-chat name, or "Visitor #id"
/// when they gave none.
pub fn visitor_name(lang: Lang, visitor: &VisitorCard) -> String {
    let name = visitor.prechat.name.trim();
    if name.is_empty() {
        format!("{} #{}", i18n::t(lang, Key::Visitor), visitor.visitor_id)
    } else {
        name.to_string()
    }
}

pub fn presence_key(presence: Presence) -> Key {
    match presence {
        Presence::Available => Key::Available,
        Presence::Away => Key::Away,
        Presence::Offline => Key::Offline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::visitor::PageInfo;
    use protocol::PreChat;

    #[test]
    fn presence_values_round_trip() {
        for p in [Presence::Available, Presence::Away, Presence::Offline] {
            assert_eq!(Presence::parse(p.as_str()), Some(p));
        }
        assert_eq!(Presence::parse("busy"), None);
    }

    #[test]
    fn nameless_visitors_get_a_numbered_name() {
        let mut card = VisitorCard {
            visitor_id: protocol::VisitorId(42),
            prechat: PreChat::default(),
            page: PageInfo::default(),
            locale: String::new(),
            site_name: String::new(),
        };
        assert_eq!(visitor_name(Lang::En, &card), "Visitor #42");
        card.prechat.name = " Vic ".into();
        assert_eq!(visitor_name(Lang::En, &card), "Vic");
    }
}
