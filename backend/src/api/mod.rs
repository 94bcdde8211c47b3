//! REST endpoints: console sign-in, the widget's boot data, agent
//! administration, health. Each answers errors as a [`Refusal`]: a status
//! and a JSON `ErrorBody`.
//!
//! [`Refusal`]: crate::refusal::Refusal

mod agents;
mod health;
mod session;
mod widget;

pub use agents::disable_agent;
pub use health::healthz;
pub use session::{login, logout, me};
pub use widget::widget_boot;
