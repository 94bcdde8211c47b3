//! REST endpoints: console sign-in, the widget's boot data, agent
//! administration, health. Each answers errors as a [`Refusal`]: a status
//! and a JSON `ErrorBody`.
//!
//! [`Refusal`]: crate::refusal::Refusal

pub mod admin;
mod agents;
pub(crate) mod articles;
mod callbacks;
mod canned;
pub(crate) mod cases;
mod cobrowse;
mod contacts;
mod desk;
mod files;
mod health;
mod history;
mod session;
mod supervisor;
mod widget;

pub use agents::disable_agent;
pub use articles::{answer_article, create_article, delete_article, get_article, list_articles, read_article, site_names, suggest_articles, update_article};
pub use callbacks::{callback_details, dial, dispose, offer_callback};
pub use canned::{create_canned, delete_canned, list_canned, update_canned};
pub use cases::{
    case_comments, case_to_article, comment_case, create_case, create_department, get_case, list_cases, list_departments, update_case, update_department,
};
pub use cobrowse::{ask_cobrowse, cobrowse_recording, join_cobrowse};
pub use contacts::{contact_card, screen_pop, search_contacts, timeline_cursor};
pub use desk::{answer_left_message, colleagues, directory, left_messages, shared_list};
pub use files::{agent_upload, download, erase_conversation, visitor_upload, visitor_upload_preflight};
pub use health::healthz;
pub use history::{search_conversations, transcript};
pub use session::{login, logout, me};
pub use supervisor::{overview, report};
pub use widget::widget_boot;
