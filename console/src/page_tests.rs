//! Checks of `index.html`, the page template the build fills in.
//!
//! The backend serves `/console` with a Content Security Policy that allows
//! scripts from its own origin only, so the page must start the app from a
//! file (the build's boot module) and never from an inline script.

const PAGE: &str = include_str!("../index.html");

#[test]
fn the_page_has_every_placeholder_the_build_fills() {
    for placeholder in ["__CONSOLE_JS__", "__CONSOLE_WASM__", "__CONSOLE_CSS__", "__CONSOLE_BOOT__"] {
        assert!(PAGE.contains(placeholder), "index.html lacks {placeholder}");
    }
}

#[test]
fn every_script_is_loaded_from_a_file() {
    let scripts: Vec<&str> = PAGE.match_indices("<script").map(|(i, _)| &PAGE[i..]).collect();
    assert_eq!(scripts.len(), 1, "index.html should start the app with exactly one script");
    for script in scripts {
        let tag_end = script.find('>').unwrap_or(script.len());
        assert!(script[..tag_end].contains("src="), "an inline script would be blocked by the CSP: {}", &script[..tag_end]);
        assert!(script[tag_end..].starts_with("></script>"), "a script tag with src must be empty");
    }
}
