//! Which queue a new conversation enters, and at what priority: the site's
//! entry rules, first match wins, else the site's default queue.

use protocol::admin::EntryRule;
use protocol::QueueId;

/// The priority a VIP customer's conversations get over everyone else's
/// (added to the queue's own).
pub const VIP_PRIORITY: i32 = 10;

/// What the rules may look at.
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts<'a> {
    pub url: &'a str,
    pub topic: &'a str,
    pub locale: &'a str,
    pub tier: &'a str,
    pub country: &'a str,
}

/// The first rule whose every non-empty condition matches picks the queue.
pub fn choose_queue(rules: &[EntryRule], default: QueueId, facts: &Facts<'_>) -> QueueId {
    rules.iter().find(|r| matches(r, facts)).map_or(default, |r| r.queue_id)
}

/// How urgent a new conversation is, from what is known of the customer.
pub fn priority_for(tier: &str) -> i32 {
    if tier.trim().eq_ignore_ascii_case("vip") {
        VIP_PRIORITY
    } else {
        0
    }
}

fn matches(rule: &EntryRule, f: &Facts<'_>) -> bool {
    let exact = |want: &str, have: &str| want.is_empty() || want.trim().eq_ignore_ascii_case(have.trim());
    (rule.url_pattern.is_empty() || glob(&rule.url_pattern, f.url))
        && exact(&rule.topic, f.topic)
        && (rule.language.is_empty() || language_matches(&rule.language, f.locale))
        && exact(&rule.tier, f.tier)
        && exact(&rule.country, f.country)
}

/// A language tag matches itself and its more specific forms: `zh` matches
/// `zh-Hant` and `zh-TW`, `zh-Hant` matches `zh-Hant-HK`, `zh` not `zhx`.
fn language_matches(want: &str, locale: &str) -> bool {
    let (want, locale) = (want.trim().to_ascii_lowercase(), locale.trim().to_ascii_lowercase());
    locale == want || locale.strip_prefix(&want).is_some_and(|rest| rest.starts_with('-'))
}

/// `*` stands for any run of characters (none included); everything else
/// matches itself, ignoring ASCII case. The whole text must match.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.trim().to_ascii_lowercase().chars().collect(), text.to_ascii_lowercase().chars().collect());
    // Classic linear-time wildcard matching with one backtrack point.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(queue: i64) -> EntryRule {
        EntryRule {
            queue_id: QueueId(queue),
            url_pattern: String::new(),
            topic: String::new(),
            language: String::new(),
            tier: String::new(),
            country: String::new(),
        }
    }

    #[test]
    fn globs_match_whole_urls_with_stars_anywhere() {
        assert!(glob("*/billing*", "https://shop.example/billing/invoices"));
        assert!(glob("https://shop.example/*", "https://shop.example/"));
        assert!(glob("*", ""));
        assert!(!glob("*/billing", "https://shop.example/billing/x"));
        assert!(glob("*a*b*c", "xxaxxbxxc"));
        assert!(!glob("*a*b*c", "xxaxxcxxb"));
        assert!(glob("*/CART", "https://x/cart"), "case is ignored");
    }

    #[test]
    fn languages_match_their_more_specific_forms() {
        assert!(language_matches("zh", "zh-Hant"));
        assert!(language_matches("zh-hant", "zh-Hant-HK"));
        assert!(language_matches("en", "en"));
        assert!(!language_matches("zh", "zhx"));
        assert!(!language_matches("zh-Hant", "zh-Hans"));
    }

    #[test]
    fn the_first_matching_rule_wins_and_every_condition_must_hold() {
        let billing = EntryRule { topic: "Billing".into(), ..rule(2) };
        let chinese_vip = EntryRule { language: "zh".into(), tier: "vip".into(), ..rule(3) };
        let cart = EntryRule { url_pattern: "*/cart*".into(), country: "TW".into(), ..rule(4) };
        let rules = [billing, chinese_vip, cart];
        let facts = |url, topic, locale, tier, country| Facts { url, topic, locale, tier, country };
        assert_eq!(choose_queue(&rules, QueueId(1), &facts("/", "billing", "en", "", "")), QueueId(2));
        assert_eq!(choose_queue(&rules, QueueId(1), &facts("/", "Billing", "zh-Hant", "VIP", "")), QueueId(2), "first match wins");
        assert_eq!(choose_queue(&rules, QueueId(1), &facts("/", "", "zh-Hant", "VIP", "")), QueueId(3));
        assert_eq!(choose_queue(&rules, QueueId(1), &facts("/", "", "zh-Hant", "", "")), QueueId(1), "tier missing");
        assert_eq!(choose_queue(&rules, QueueId(1), &facts("https://s/cart/1", "", "en", "", "tw")), QueueId(4));
        assert_eq!(choose_queue(&rules, QueueId(1), &facts("https://s/cart/1", "", "en", "", "HK")), QueueId(1));
        assert_eq!(choose_queue(&[], QueueId(1), &facts("/", "", "", "", "")), QueueId(1));
    }

    #[test]
    fn a_vip_goes_first() {
        assert_eq!(priority_for(" VIP "), VIP_PRIORITY);
        assert_eq!(priority_for("gold"), 0);
    }
}
