//! The rules a site's widget appearance must meet, shared by the server
//! (which refuses a setting that breaks them) and the console (which says
//! so in the live preview before the admin saves).

use crate::visitor::WidgetSettings;

/// The launcher's icon and the header's text are white on the accent
/// colour. The header's subtitle is small text, so WCAG 2.1 AA asks 4.5:1
/// of it (the icon alone would need 3:1).
pub const MIN_ACCENT_CONTRAST: f64 = 4.5;

pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_LAUNCHER_LABEL_CHARS: usize = 40;
pub const MAX_GREETING_CHARS: usize = 500;
pub const MAX_AVATAR_URL_CHARS: usize = 500;

/// Why an appearance was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum AppearanceError {
    /// Not `#rgb` or `#rrggbb`.
    NotAColour,
    /// White on this colour has this contrast ratio, below the minimum.
    LowContrast(f64),
    /// The named setting is longer than its limit in characters.
    TooLong(&'static str, usize),
    /// The avatar is not an absolute `https://` or `http://` address.
    AvatarNotUrl,
}

impl std::fmt::Display for AppearanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppearanceError::NotAColour => write!(f, "the accent colour must be written #rrggbb"),
            AppearanceError::LowContrast(ratio) => write!(
                f,
                "white on this accent colour has a contrast of {}; the launcher's icon and the header's text need at least {} (WCAG AA), so choose a darker colour",
                ratio_text(*ratio),
                ratio_text(MIN_ACCENT_CONTRAST)
            ),
            AppearanceError::TooLong(what, max) => write!(f, "the {what} is longer than {max} characters"),
            AppearanceError::AvatarNotUrl => write!(f, "the avatar must be an address starting with https://"),
        }
    }
}

/// A contrast ratio as people write it, `4.5:1`. Formatted from whole
/// tenths because formatting a float would add kilobytes of code to the
/// console's Wasm.
pub fn ratio_text(ratio: f64) -> String {
    let tenths = (ratio * 10.0).floor() as u32;
    format!("{}.{}:1", tenths / 10, tenths % 10)
}

/// The colour's red, green and blue, from `#rgb` or `#rrggbb`.
pub fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#')?;
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes = hex.as_bytes();
    match bytes.len() {
        3 => {
            let mut rgb = [0; 3];
            for (i, c) in bytes.iter().enumerate() {
                rgb[i] = digit(*c)? * 17;
            }
            Some(rgb)
        }
        6 => {
            let mut rgb = [0; 3];
            for (i, pair) in bytes.chunks(2).enumerate() {
                rgb[i] = digit(pair[0])? * 16 + digit(pair[1])?;
            }
            Some(rgb)
        }
        _ => None,
    }
}

/// `x` to the power 2.4, for `x` in 0..=1: the fifth root of `x`¹², by
/// Newton's method from `x`² (which lies above it), because `f64::powf`
/// would bring a 2 KB `pow` into the console's Wasm.
fn pow_2_4(x: f64) -> f64 {
    let x2 = x * x;
    let target = x2 * x2 * x2 * x2 * x2 * x2;
    let mut y = x2;
    for _ in 0..40 {
        if y <= 0.0 {
            return 0.0;
        }
        let y4 = (y * y) * (y * y);
        y = (4.0 * y + target / y4) / 5.0;
    }
    y
}

/// WCAG 2.1's relative luminance of an sRGB colour.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            pow_2_4((c + 0.055) / 1.055)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// The contrast ratio of white on `colour` (1 to 21).
pub fn contrast_with_white(colour: [u8; 3]) -> f64 {
    1.05 / (luminance(colour) + 0.05)
}

/// Checks the accent colour alone (the console's preview asks as you type).
pub fn check_accent(accent: &str) -> Result<(), AppearanceError> {
    let rgb = parse_hex(accent.trim()).ok_or(AppearanceError::NotAColour)?;
    let ratio = contrast_with_white(rgb);
    if ratio < MIN_ACCENT_CONTRAST {
        return Err(AppearanceError::LowContrast(ratio));
    }
    Ok(())
}

/// Checks everything about a site's appearance the server stores; the
/// avatar's form as an address is checked by the server, which has a URL
/// parser.
pub fn check(settings: &WidgetSettings) -> Result<(), AppearanceError> {
    check_accent(&settings.accent)?;
    let limits = [
        ("title", &settings.title, MAX_TITLE_CHARS),
        ("launcher label", &settings.launcher_label, MAX_LAUNCHER_LABEL_CHARS),
        ("greeting", &settings.greeting, MAX_GREETING_CHARS),
        ("avatar address", &settings.avatar_url, MAX_AVATAR_URL_CHARS),
    ];
    for (what, text, max) in limits {
        if text.chars().count() > max {
            return Err(AppearanceError::TooLong(what, max));
        }
    }
    let avatar = settings.avatar_url.trim();
    if !avatar.is_empty() && !avatar.starts_with("https://") && !avatar.starts_with("http://") {
        return Err(AppearanceError::AvatarNotUrl);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_both_forms() {
        assert_eq!(parse_hex("#fff"), Some([255, 255, 255]));
        assert_eq!(parse_hex("#1f6f5c"), Some([0x1f, 0x6f, 0x5c]));
        assert_eq!(parse_hex("#1F6F5C"), Some([0x1f, 0x6f, 0x5c]));
        for bad in ["", "#", "fff", "#ffff", "#12345g", "red", "#1f6f5c00", "#é12"] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_power_is_exact_for_every_channel_value() {
        for c in 0..=255u8 {
            let x = (f64::from(c) / 255.0 + 0.055) / 1.055;
            let (ours, std) = (pow_2_4(x), x.powf(2.4));
            assert!((ours - std).abs() < 1e-12, "{c}: {ours} != {std}");
        }
    }

    #[test]
    fn contrast_matches_wcag_figures() {
        // Black on white is 21:1, white on white 1:1.
        assert!((contrast_with_white([0, 0, 0]) - 21.0).abs() < 0.01);
        assert!((contrast_with_white([255, 255, 255]) - 1.0).abs() < 0.01);
        // #767676 is the well-known lightest grey that passes 4.5:1 on white.
        assert!(contrast_with_white([0x76, 0x76, 0x76]) >= 4.5);
        assert!(contrast_with_white([0x77, 0x77, 0x77]) < 4.5);
        assert_eq!(ratio_text(4.5), "4.5:1");
        assert_eq!(ratio_text(21.0), "21.0:1");
        assert_eq!(ratio_text(4.49), "4.4:1");
    }

    #[test]
    fn light_accents_are_refused_with_their_ratio() {
        assert_eq!(check_accent("#1f6f5c"), Ok(()));
        assert_eq!(check_accent("#2f6fed"), Ok(()));
        match check_accent("#ffd700") {
            Err(AppearanceError::LowContrast(r)) => {
                assert!(r < 2.0);
                assert!(AppearanceError::LowContrast(r).to_string().contains("1.4:1"));
            }
            other => panic!("gold passed: {other:?}"),
        }
        assert_eq!(check_accent("blue"), Err(AppearanceError::NotAColour));
    }

    #[test]
    fn the_defaults_pass_and_limits_hold() {
        let mut s = WidgetSettings::default();
        assert_eq!(check(&s), Ok(()));
        s.launcher_label = "x".repeat(MAX_LAUNCHER_LABEL_CHARS + 1);
        assert_eq!(check(&s), Err(AppearanceError::TooLong("launcher label", MAX_LAUNCHER_LABEL_CHARS)));
        s.launcher_label = "和我們聊聊".into();
        s.avatar_url = "javascript:alert(1)".into();
        assert_eq!(check(&s), Err(AppearanceError::AvatarNotUrl));
        s.avatar_url = "https://cdn.example/team.png".into();
        assert_eq!(check(&s), Ok(()));
    }
}
