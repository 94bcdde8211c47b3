//! Typing as a person does: one key at a time, at a human pace, into
//! whatever has the focus (WebDriver's "send keys to element" would focus
//! the element first, hiding exactly the bugs where focus is lost).

use std::time::Duration;

use anyhow::{Context, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Client;

/// Seconds between keys for a fast typist (about 100 words a minute).
pub const FAST: Duration = Duration::from_millis(60);
/// ... and for someone taking their time.
pub const STEADY: Duration = Duration::from_millis(110);

/// Presses and releases each key of `text` in turn on the focused element,
/// pausing about `pace` (±40 %, as people do) after each. A `char` of
/// [`Key`] (e.g. `Key::Enter`) presses that key.
pub async fn type_at(client: &Client, text: &str, pace: Duration) -> Result<()> {
    for (i, ch) in text.chars().enumerate() {
        let keys = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: ch }).then(KeyAction::Up { value: ch });
        client.perform_actions(keys).await.with_context(|| format!("pressing {ch:?}"))?;
        // A fixed pattern of faster and slower keys, so runs repeat.
        let wobble = [1.0, 0.6, 1.3, 0.8, 1.4, 0.7, 1.1][i % 7];
        tokio::time::sleep(pace.mul_f64(wobble)).await;
    }
    Ok(())
}

/// Presses Enter on the focused element.
pub async fn press_enter(client: &Client) -> Result<()> {
    type_at(client, &Key::Enter.to_string(), Duration::ZERO).await
}
