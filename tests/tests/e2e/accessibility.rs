//! axe-core (WCAG 2.1 A and AA) on every screen a person meets: the
//! widget's launcher, pre-chat form and active chat, on a desktop and on a
//! 375 px phone, and the console's sign-in and its inbox with a chat open.

use anyhow::Result;
use e2e::scenario::World;
use e2e::{axe, open_widget_panel, wait_for, widget, Stack};

use crate::support::*;

const WIDGET: Option<&str> = Some("rapport-widget");

pub async fn the_widget_and_the_console_pass_axe(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);

    visitor.goto(&stack.demo_url("")).await?;
    wait_for("the launcher", async || widget(visitor, "button.rp-launcher").await).await;
    axe::check(visitor, "the widget's launcher", WIDGET).await?;
    open_widget_panel(visitor).await;
    wait_for("the pre-chat form", async || widget(visitor, "form.rp-prechat").await).await;
    axe::check(visitor, "the pre-chat form", WIDGET).await?;

    agent.goto(&stack.console_url()).await?;
    wait_for("the sign-in form", async || Ok(agent.find(fantoccini::Locator::Css("form#login")).await?)).await;
    axe::check(agent, "the console's sign-in", None).await?;

    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    visitor_sends(visitor, "Hello, is anyone there?").await?;
    agent_takes_next_chat(agent, &stack).await?;
    agent_sends(agent, "Yes, how can I help?").await?;
    widget_shows(visitor, "the reply", &["Hello, is anyone there?"], &["Yes, how can I help?"]).await;
    axe::check(visitor, "an active chat in the widget", WIDGET).await?;
    axe::check(agent, "the console with a chat open", None).await?;

    // A phone: the panel takes the whole screen.
    visitor.set_window_size(375, 812).await?;
    visitor.refresh().await?;
    open_widget_panel(visitor).await;
    widget_shows(visitor, "the chat on a phone", &["Hello, is anyone there?"], &["Yes, how can I help?"]).await;
    axe::check(visitor, "the widget on a 375 px phone", WIDGET).await?;

    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}
