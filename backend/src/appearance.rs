//! A site's appearance as the CSS the loader adopts into the widget's
//! shadow root. Written here, from settings, so that the loader (on every
//! page of every site) needs one line for any appearance, and the Wasm
//! none. Only what `protocol::appearance` accepts is ever written: a
//! colour that is not `#rgb`/`#rrggbb`, or an avatar that is not an
//! http(s) address, is left out rather than trusted.

use protocol::appearance::parse_hex;
use protocol::visitor::{Side, WidgetSettings};

/// The launcher and panel in the bottom-left corner. Phones keep the
/// full-screen panel the widget's own CSS gives them.
const LEFT: &str = ".rp-launcher{right:auto;left:20px}.rp-launcher-status{right:auto;left:84px}\
@media (min-width:480px){.rp-panel{right:auto;left:20px}}";

/// The team's picture before the header's title.
const AVATAR: &str = ".rp-header::before{content:\"\";flex:none;width:40px;height:40px;border-radius:50%;background:#fff var(--rp-avatar) center/cover}";

pub fn stylesheet(settings: &WidgetSettings) -> String {
    let mut host = String::new();
    let accent = settings.accent.trim();
    if parse_hex(accent).is_some() {
        host.push_str(&format!("--rp-accent:{accent};"));
    }
    let avatar = avatar(&settings.avatar_url);
    if let Some(url) = &avatar {
        host.push_str(&format!("--rp-avatar:url(\"{url}\");"));
    }
    let mut css = if host.is_empty() { String::new() } else { format!(":host{{{host}}}") };
    if settings.side == Side::Left {
        css.push_str(LEFT);
    }
    if avatar.is_some() {
        css.push_str(AVATAR);
    }
    css
}

/// The avatar's address in normal form, which escapes quotes and holds no
/// backslash or line break, so it cannot end the CSS string it sits in.
/// The admin API stores this form; the stylesheet checks it again, since
/// older rows were stored unchecked.
pub fn avatar(address: &str) -> Option<String> {
    let url = url::Url::parse(address.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())?;
    let url = url.to_string();
    (!url.contains(['"', '\\', '\n', '\r'])).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_appearance_is_only_the_accent() {
        assert_eq!(stylesheet(&WidgetSettings::default()), ":host{--rp-accent:#2f6fed;}");
    }

    #[test]
    fn left_side_and_avatar_are_written() {
        let settings = WidgetSettings { side: Side::Left, avatar_url: "https://cdn.example/team a.png".into(), ..WidgetSettings::default() };
        let css = stylesheet(&settings);
        assert!(css.starts_with(":host{--rp-accent:#2f6fed;--rp-avatar:url(\"https://cdn.example/team%20a.png\");}"), "{css}");
        assert!(css.contains(LEFT) && css.contains(AVATAR));
    }

    #[test]
    fn nothing_unchecked_reaches_the_css() {
        let hostile = WidgetSettings {
            accent: "red;}body{display:none".into(),
            avatar_url: "https://x.example/\");}*{display:none}".into(),
            ..WidgetSettings::default()
        };
        let css = stylesheet(&hostile);
        // The quote and braces are escaped, so the whole address stays one
        // CSS string and no rule of its own starts.
        assert_eq!(css.matches('"').count(), 2 + 2, "{css}"); // the url's and the avatar rule's content:""
        assert!(css.contains("url(\"https://x.example/%22);%7D*%7Bdisplay:none%7D\")"), "{css}");
        assert!(!css.contains("--rp-accent") && !css.contains("body"), "{css}");
        for bad in ["javascript:alert(1)", "data:image/svg+xml,<svg>", "/relative.png", ""] {
            assert_eq!(avatar(bad), None, "{bad}");
        }
    }
}
