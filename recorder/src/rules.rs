//! What may leave the visitor's browser: the privacy rules, pure, so they
//! are tested without a browser. The recorder asks these for every
//! element, attribute and value it records, and for every remote click
//! and key it is asked to carry out.
//!
//! - **Blocked** elements (`data-rapport-private`, passwords, card fields,
//!   one-time codes, whatever the site's settings say) are recorded as an
//!   empty box of their size: no attribute, no child, no value.
//! - **Masked** values (every input, textarea, select and contenteditable
//!   unless the site unmasked it by selector) are recorded as [`MASK`],
//!   which says nothing of their length.

/// What a masked value is recorded as, whatever its length.
pub const MASK: &str = "••••••";

/// The attribute that makes an element (and everything in it) private.
pub const PRIVATE_ATTRIBUTE: &str = "data-rapport-private";

/// What the recorder knows of an element when it decides.
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts<'a> {
    /// Lower case.
    pub tag: &'a str,
    /// An input's `type`, lower case ("" for other elements).
    pub input_type: &'a str,
    pub autocomplete: &'a str,
    pub name: &'a str,
    pub id: &'a str,
    pub private: bool,
}

/// Names of card and code fields on pages that forgot `autocomplete`.
const CARD_HINTS: &[&str] = &["cardnumber", "card-number", "card_number", "ccnum", "cc-num", "cc_number", "cvc", "cvv", "ccv", "csc", "securitycode", "otp"];

/// Whether the element is recorded only as an empty box.
pub fn blocked(f: &Facts) -> bool {
    if f.private || f.input_type == "password" {
        return true;
    }
    let autocomplete = f.autocomplete.to_ascii_lowercase();
    // A password's field stays a password's when a "show password"
    // toggle makes it a text field.
    if autocomplete.split_ascii_whitespace().any(|t| t.starts_with("cc-") || matches!(t, "one-time-code" | "current-password" | "new-password")) {
        return true;
    }
    let is_field = matches!(f.tag, "input" | "textarea");
    is_field && [f.name, f.id].iter().any(|s| hints_card(s))
}

fn hints_card(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    !s.is_empty() && CARD_HINTS.iter().any(|h| s.contains(h))
}

/// How an element's value is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// It has none worth recording (a button's value is its label, an
    /// attribute; a hidden or file input's is nobody's business).
    None,
    /// A checkbox or radio: whether it is checked.
    Checked,
    /// Text the visitor typed or picked: masked unless unmasked.
    Text,
    /// A select: masked unless unmasked (then its options and index).
    Select,
}

pub fn value_kind(tag: &str, input_type: &str) -> Value {
    match tag {
        "textarea" => Value::Text,
        "select" => Value::Select,
        "input" => match input_type {
            "checkbox" | "radio" => Value::Checked,
            "button" | "submit" | "reset" | "image" | "hidden" | "file" => Value::None,
            _ => Value::Text,
        },
        _ => Value::None,
    }
}

/// What to do with one attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribute {
    Keep,
    Drop,
    /// A URL, made absolute (dropped if it is `javascript:`).
    Url,
    /// A list of URLs with sizes (`srcset`).
    UrlList,
    /// Inline CSS, its `url(…)`s made absolute.
    Style,
    /// An input's `value` attribute, which scripts often keep equal to
    /// what was typed: masked like the value.
    Masked,
}

pub fn attribute(tag: &str, input_type: &str, name: &str) -> Attribute {
    let name = name.to_ascii_lowercase();
    if name.starts_with("on") || matches!(name.as_str(), "nonce" | "integrity" | "srcdoc" | "formaction" | "ping") {
        return Attribute::Drop;
    }
    match name.as_str() {
        "href" | "src" | "action" | "poster" | "background" | "xlink:href" | "data" | "cite" => Attribute::Url,
        "srcset" => Attribute::UrlList,
        "style" => Attribute::Style,
        "value" if tag == "input" && value_kind(tag, input_type) != Value::None => Attribute::Masked,
        "value" if tag == "input" && matches!(input_type, "hidden" | "file") => Attribute::Drop,
        _ => Attribute::Keep,
    }
}

/// Whether an attribute of an element inside a masked editable region is
/// recorded: that element was typed or pasted by the visitor, so only
/// what says nothing of its content is (a link's address, a pasted
/// picture's, a mention's data would).
pub fn kept_in_typed_content(name: &str) -> bool {
    matches!(name.to_ascii_lowercase().as_str(), "class" | "dir" | "lang" | "contenteditable")
}

/// Elements never recorded at all (nor anything inside them).
pub fn skipped(tag: &str) -> bool {
    matches!(tag, "script" | "noscript" | "template" | "base" | "meta" | "rapport-widget")
}

/// Whether a URL would run script.
pub fn is_script_url(url: &str) -> bool {
    let cleaned: String = url.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).take(16).collect();
    let lower = cleaned.to_ascii_lowercase();
    lower.starts_with("javascript:") || lower.starts_with("vbscript:") || lower.starts_with("data:text/html")
}

/// Rewrites every `url(…)` in `css` with `resolve` (relative to the
/// sheet's address); a URL that does not resolve is left as it is.
pub fn css_urls(css: &str, resolve: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = find_url(rest) {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        let Some(close) = after.find(')') else {
            rest = after;
            break;
        };
        let inner = after[..close].trim();
        let unquoted = inner.trim_matches(|c| c == '"' || c == '\'');
        match resolve(unquoted).filter(|_| !unquoted.starts_with("data:")) {
            Some(absolute) => {
                out.push('"');
                out.push_str(&absolute.replace('"', "%22"));
                out.push('"');
            }
            None => out.push_str(inner),
        }
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

fn find_url(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    (0..bytes.len().saturating_sub(3)).find(|&i| bytes[i..i + 4].eq_ignore_ascii_case(b"url("))
}

/// Rewrites each URL of a `srcset` with `resolve`.
pub fn srcset(value: &str, resolve: impl Fn(&str) -> Option<String>) -> String {
    value
        .split(',')
        .map(|candidate| {
            let candidate = candidate.trim();
            let (url, size) = candidate.split_once(char::is_whitespace).unwrap_or((candidate, ""));
            let url = if is_script_url(url) { String::new() } else { resolve(url).unwrap_or_else(|| url.to_string()) };
            if size.is_empty() {
                url
            } else {
                format!("{url} {}", size.trim())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a remote action is refused (the recorder's answer to the agent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Into a blocked or masked field, or inside a private element.
    Private,
    /// It would submit a form, which the site does not allow.
    Submit,
    /// Too many actions too fast.
    Rate,
    /// The element is not on the page any more.
    Gone,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Submit => "submit",
            Self::Rate => "rate",
            Self::Gone => "gone",
        }
    }
}

/// Whether clicking the element submits its form.
pub fn submits(tag: &str, button_type: &str, in_form: bool) -> bool {
    in_form && ((tag == "button" && matches!(button_type, "" | "submit")) || (tag == "input" && matches!(button_type, "submit" | "image")))
}

/// Whether a remote click on an element with these facts may happen:
/// never on a blocked element or a masked field (`masked`: its value is
/// masked), never a submission unless the site allows it.
pub fn may_click(f: &Facts, masked: bool, in_private: bool, in_form: bool, allow_submit: bool) -> Result<(), Refusal> {
    let button_type = if f.tag == "button" || f.tag == "input" { f.input_type } else { "" };
    if in_private || blocked(f) {
        return Err(Refusal::Private);
    }
    if masked && value_kind(f.tag, f.input_type) != Value::None {
        return Err(Refusal::Private);
    }
    if submits(f.tag, button_type, in_form) && !allow_submit {
        return Err(Refusal::Submit);
    }
    Ok(())
}

/// Whether a remote key may go into an element: only a text field the
/// site unmasked, never a blocked one.
pub fn may_type(f: &Facts, masked: bool, in_private: bool) -> Result<(), Refusal> {
    if in_private || blocked(f) || masked || value_kind(f.tag, f.input_type) != Value::Text {
        return Err(Refusal::Private);
    }
    Ok(())
}

/// A token bucket for remote actions: ten a second, bursts of ten.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    tokens: f64,
    last_ms: f64,
}

impl Bucket {
    pub const PER_SECOND: f64 = 10.0;

    pub fn new(now_ms: f64) -> Self {
        Self { tokens: Self::PER_SECOND, last_ms: now_ms }
    }

    pub fn take(&mut self, now_ms: f64) -> bool {
        let elapsed = ((now_ms - self.last_ms) / 1000.0).max(0.0);
        self.last_ms = now_ms;
        self.tokens = (self.tokens + elapsed * Self::PER_SECOND).min(Self::PER_SECOND);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(input_type: &'a str, autocomplete: &'a str) -> Facts<'a> {
        Facts { tag: "input", input_type, autocomplete, ..Facts::default() }
    }

    #[test]
    fn passwords_cards_codes_and_private_elements_are_blocked() {
        assert!(blocked(&input("password", "")));
        assert!(blocked(&input("text", "cc-number")));
        assert!(blocked(&input("text", "billing cc-csc")));
        assert!(blocked(&input("text", "CC-EXP")));
        assert!(blocked(&input("text", "one-time-code")));
        assert!(blocked(&input("text", "current-password")), "a password shown by a toggle");
        assert!(blocked(&Facts { tag: "div", private: true, ..Facts::default() }));
        assert!(blocked(&Facts { tag: "input", input_type: "text", name: "cardNumber", ..Facts::default() }));
        assert!(blocked(&Facts { tag: "input", input_type: "tel", id: "cvv", ..Facts::default() }));
        assert!(!blocked(&input("text", "name")));
        assert!(!blocked(&input("email", "email")));
        assert!(!blocked(&Facts { tag: "div", id: "card-number-help", ..Facts::default() }), "only fields are blocked by their names");
    }

    #[test]
    fn values_worth_masking() {
        assert_eq!(value_kind("input", "text"), Value::Text);
        assert_eq!(value_kind("input", "date"), Value::Text);
        assert_eq!(value_kind("input", "checkbox"), Value::Checked);
        assert_eq!(value_kind("input", "submit"), Value::None);
        assert_eq!(value_kind("input", "hidden"), Value::None);
        assert_eq!(value_kind("textarea", ""), Value::Text);
        assert_eq!(value_kind("select", ""), Value::Select);
        assert_eq!(value_kind("div", ""), Value::None);
    }

    #[test]
    fn attributes_that_could_leak_or_act_are_not_kept_as_they_are() {
        assert_eq!(attribute("input", "text", "value"), Attribute::Masked, "frameworks mirror typed text into value=");
        assert_eq!(attribute("input", "submit", "value"), Attribute::Keep, "a button's value is its label");
        assert_eq!(attribute("input", "hidden", "value"), Attribute::Drop);
        assert_eq!(attribute("a", "", "onclick"), Attribute::Drop);
        assert_eq!(attribute("a", "", "ONCLICK"), Attribute::Drop);
        assert_eq!(attribute("script", "", "nonce"), Attribute::Drop);
        assert_eq!(attribute("iframe", "", "srcdoc"), Attribute::Drop);
        assert_eq!(attribute("a", "", "href"), Attribute::Url);
        assert_eq!(attribute("img", "", "srcset"), Attribute::UrlList);
        assert_eq!(attribute("div", "", "style"), Attribute::Style);
        assert_eq!(attribute("div", "", "class"), Attribute::Keep);
    }

    #[test]
    fn typed_content_keeps_only_what_tells_nothing() {
        assert!(kept_in_typed_content("class") && kept_in_typed_content("DIR"));
        for leaky in ["href", "src", "data-mention", "title", "style", "alt"] {
            assert!(!kept_in_typed_content(leaky), "{leaky}");
        }
    }

    #[test]
    fn script_urls_are_recognised_however_written() {
        assert!(is_script_url("javascript:alert(1)"));
        assert!(is_script_url(" JaVa\tScRiPt:alert(1)"));
        assert!(is_script_url("java\u{0}script:x"));
        assert!(is_script_url("data:text/html,<script>"));
        assert!(!is_script_url("https://shop.example/"));
        assert!(!is_script_url("/checkout.html"));
    }

    #[test]
    fn css_urls_become_absolute() {
        let resolve = |u: &str| Some(format!("https://shop.example/css/{u}"));
        assert_eq!(css_urls("a{background:url(img/x.png)}", resolve), "a{background:url(\"https://shop.example/css/img/x.png\")}");
        assert_eq!(css_urls("a{b:URL( 'y.png' )}", resolve), "a{b:URL(\"https://shop.example/css/y.png\")}");
        assert_eq!(css_urls("a{b:url(data:image/png;base64,xx)}", resolve), "a{b:url(data:image/png;base64,xx)}");
        assert_eq!(css_urls("no urls here", resolve), "no urls here");
        assert_eq!(css_urls("broken url(", resolve), "broken url(");
        assert_eq!(srcset("a.png 1x, b.png 2x", |u| Some(format!("https://s/{u}"))), "https://s/a.png 1x, https://s/b.png 2x");
    }

    #[test]
    fn remote_clicks_and_keys_respect_privacy_and_the_site() {
        let link = Facts { tag: "a", ..Facts::default() };
        assert_eq!(may_click(&link, true, false, false, false), Ok(()));
        assert_eq!(may_click(&link, true, true, false, false), Err(Refusal::Private), "inside a private element");
        assert_eq!(may_click(&input("text", "cc-number"), false, false, false, true), Err(Refusal::Private));
        assert_eq!(may_click(&input("text", "name"), true, false, false, false), Err(Refusal::Private), "a masked field");
        assert_eq!(may_click(&input("text", "name"), false, false, false, false), Ok(()), "an unmasked field");
        let submit = Facts { tag: "button", ..Facts::default() };
        assert_eq!(may_click(&submit, true, false, true, false), Err(Refusal::Submit));
        assert_eq!(may_click(&submit, true, false, true, true), Ok(()));
        assert_eq!(may_click(&submit, true, false, false, false), Ok(()), "a button outside a form submits nothing");
        assert_eq!(may_click(&Facts { tag: "button", input_type: "button", ..Facts::default() }, true, false, true, false), Ok(()));
        assert_eq!(may_type(&input("text", "name"), false, false), Ok(()));
        assert_eq!(may_type(&input("text", "name"), true, false), Err(Refusal::Private));
        assert_eq!(may_type(&input("password", ""), false, false), Err(Refusal::Private));
        assert_eq!(may_type(&input("checkbox", ""), false, false), Err(Refusal::Private));
    }

    #[test]
    fn remote_actions_are_limited_to_ten_a_second() {
        let mut b = Bucket::new(0.0);
        assert_eq!((0..20).filter(|_| b.take(0.0)).count(), 10);
        assert!(!b.take(50.0));
        assert!(b.take(150.0));
    }
}
