//! Phone numbers: checked and normalised to E.164 with libphonenumber's
//! metadata (the `phonenumber` crate), and the regions the widget's
//! country chooser offers.

use std::sync::OnceLock;

use protocol::callback::Country;

/// A number typed into the form, read in `country` unless it starts with
/// `+`: its E.164 form, or None if no such number can exist.
pub fn normalise(typed: &str, country: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() || typed.chars().count() > 40 {
        return None;
    }
    let region = country.trim().to_ascii_uppercase().parse::<phonenumber::country::Id>().ok();
    let number = phonenumber::parse(region, typed).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Every region with its calling code, by region code.
pub fn countries() -> &'static [Country] {
    static COUNTRIES: OnceLock<Vec<Country>> = OnceLock::new();
    COUNTRIES.get_or_init(|| {
        let mut all: Vec<Country> = phonenumber::metadata::DATABASE
            .iter()
            // "001" and friends are non-geographic (satellite, UIFN).
            .filter(|m| m.id().len() == 2)
            .map(|m| Country { region: m.id().to_string(), calling_code: m.country_code() })
            .collect();
        all.sort_by(|a, b| a.region.cmp(&b.region));
        all.dedup_by(|a, b| a.region == b.region);
        all
    })
}

/// The region a visitor most likely dials from, by their language tag:
/// its region subtag (`en-GB`), else the usual one for the script
/// (`zh-Hant` is Taiwan, `zh` China), else none.
pub fn default_country(locale: &str) -> String {
    let parts: Vec<&str> = locale.split(['-', '_']).collect();
    let known = |r: &str| countries().iter().any(|c| c.region == r);
    if let Some(region) = parts.iter().skip(1).map(|p| p.to_ascii_uppercase()).find(|p| p.len() == 2 && known(p)) {
        return region;
    }
    let lower = locale.to_ascii_lowercase();
    let guess = if lower.starts_with("zh") {
        if lower.contains("hant") {
            "TW"
        } else {
            "CN"
        }
    } else {
        match parts.first().map(|p| p.to_ascii_lowercase()).as_deref() {
            Some("en") => "US",
            Some("ja") => "JP",
            Some("ko") => "KR",
            Some("fr") => "FR",
            Some("de") => "DE",
            Some("es") => "ES",
            _ => "",
        }
    };
    guess.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_to_e164() {
        assert_eq!(normalise("0912 345 678", "TW").as_deref(), Some("+886912345678"));
        assert_eq!(normalise("(650) 253-0000", "us").as_deref(), Some("+16502530000"));
        assert_eq!(normalise("+44 20 7946 0958", "").as_deref(), Some("+442079460958"));
        assert_eq!(normalise("138 0013 8000", "CN").as_deref(), Some("+8613800138000"));
    }

    #[test]
    fn impossible_numbers_are_refused() {
        assert_eq!(normalise("12", "TW"), None);
        assert_eq!(normalise("not a number", "US"), None);
        assert_eq!(normalise("", "US"), None);
        assert_eq!(normalise("0912 345 678", ""), None);
        assert_eq!(normalise(&"9".repeat(60), "US"), None);
    }

    #[test]
    fn the_country_list_has_every_region_once() {
        let all = countries();
        assert!(all.len() > 200, "{}", all.len());
        assert!(all.iter().any(|c| c.region == "TW" && c.calling_code == 886));
        assert!(all.windows(2).all(|w| w[0].region < w[1].region));
    }

    #[test]
    fn the_default_country_follows_the_language() {
        assert_eq!(default_country("en-GB"), "GB");
        assert_eq!(default_country("zh-Hant"), "TW");
        assert_eq!(default_country("zh-Hant-HK"), "HK");
        assert_eq!(default_country("zh-Hans"), "CN");
        assert_eq!(default_country("en"), "US");
        assert_eq!(default_country("xx"), "");
    }
}
