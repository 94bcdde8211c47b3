//! Reading a package's version out of Cargo.lock, because wasm-bindgen-cli
//! must match the `wasm-bindgen` library version exactly.

use anyhow::{bail, Result};

/// The version of the first `[[package]]` named `name`.
///
/// Cargo.lock is TOML written by cargo in a fixed layout (`name` first, then
/// `version`), so a line scan is enough and spares a TOML dependency.
pub fn package_version(lock: &str, name: &str) -> Result<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != wanted {
            continue;
        }
        for line in lines.by_ref() {
            if line.is_empty() || line.starts_with("[[") {
                break;
            }
            if let Some(rest) = line.strip_prefix("version = \"") {
                if let Some(version) = rest.strip_suffix('"') {
                    return Ok(version.to_string());
                }
            }
        }
        bail!("package `{name}` in Cargo.lock has no version line");
    }
    bail!("package `{name}` not found in Cargo.lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
]
"#;

    #[test]
    fn finds_the_exact_package_not_a_prefix() {
        assert_eq!(package_version(LOCK, "wasm-bindgen").unwrap(), "0.2.130");
        assert_eq!(package_version(LOCK, "wasm-bindgen-backend").unwrap(), "0.2.99");
    }

    #[test]
    fn missing_package_is_an_error() {
        assert!(package_version(LOCK, "leptos").is_err());
    }
}
