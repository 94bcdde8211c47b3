//! `RAPPORT_*` variables over a configuration, for every key at once.
//!
//! The configuration is turned into a JSON tree (which keeps unset optional
//! keys as `null`, unlike TOML), each leaf's variable is looked up, its text
//! is read as the kind of value the leaf holds, and the tree is turned back
//! into a configuration, so a new key needs no code here.

use anyhow::{bail, Context};
use serde_json::Value;

use super::Config;

/// Older names kept working: `RAPPORT_DEMO=1` seeds the demo.
const ALIASES: [(&str, &str); 1] = [("RAPPORT_DEMO_SEED", "RAPPORT_DEMO")];

/// The variable for the key at `path`.
pub fn variable(path: &[String]) -> String {
    format!("RAPPORT_{}", path.join("_").to_uppercase())
}

/// Every key of a configuration as a path from the root, with its value.
pub fn leaves(config: &Config) -> anyhow::Result<Vec<(Vec<String>, Value)>> {
    let tree = serde_json::to_value(config).context("writing the configuration as a tree")?;
    let mut out = Vec::new();
    collect(&tree, &mut Vec::new(), &mut out);
    Ok(out)
}

fn collect(value: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(key.clone());
                collect(child, path, out);
                path.pop();
            }
        }
        leaf => out.push((path.clone(), leaf.clone())),
    }
}

pub fn overlay(config: &Config, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
    let mut tree = serde_json::to_value(config).context("writing the configuration as a tree")?;
    for (path, current) in leaves(config)? {
        let name = variable(&path);
        let alias = ALIASES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);
        let Some(raw) = get(&name).or_else(|| alias.and_then(&get)) else { continue };
        let value = read(&raw, &current).with_context(|| format!("{name}={raw:?}"))?;
        set(&mut tree, &path, value);
        // Checked key by key, so the error names the variable at fault.
        serde_json::from_value::<Config>(tree.clone()).with_context(|| format!("{name}={raw:?} is not a valid value for `{}`", path.join(".")))?;
    }
    serde_json::from_value(tree).context("applying the environment to the configuration")
}

/// Reads a variable's text as the kind of value the key holds now.
fn read(raw: &str, current: &Value) -> anyhow::Result<Value> {
    Ok(match current {
        Value::Bool(_) => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::Bool(true),
            "0" | "false" | "no" | "off" => Value::Bool(false),
            _ => bail!("expected true or false"),
        },
        Value::Number(_) => {
            let text = raw.trim();
            match (text.parse::<u64>(), text.parse::<i64>(), text.parse::<f64>()) {
                (Ok(n), _, _) => Value::from(n),
                (_, Ok(n), _) => Value::from(n),
                (_, _, Ok(n)) => Value::from(n),
                _ => bail!("expected a number"),
            }
        }
        Value::Array(_) => {
            if raw.trim_start().starts_with('[') {
                serde_json::from_str(raw).context("expected a JSON array")?
            } else {
                Value::Array(raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect())
            }
        }
        // Strings, and optional keys that are unset (null): text as given.
        _ => Value::String(raw.to_string()),
    })
}

fn set(tree: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = tree;
    for key in parents {
        match node.get_mut(key) {
            Some(child) => node = child,
            None => return,
        }
    }
    if let Some(map) = node.as_object_mut() {
        map.insert(last.clone(), value);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every key the example file names, including the commented-out ones
    /// (`# listen = ...` under `[demo]`), as dotted paths.
    fn example_keys() -> BTreeSet<String> {
        let mut section = String::new();
        let mut keys = BTreeSet::new();
        for line in include_str!("../../../rapport.example.toml").lines() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
                continue;
            }
            let code = line.strip_prefix('#').map(str::trim).unwrap_or(line);
            let Some((key, _)) = code.split_once('=') else { continue };
            let key = key.trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                continue;
            }
            keys.insert(if section.is_empty() { key.to_string() } else { format!("{section}.{key}") });
        }
        keys
    }

    /// A value for `current`'s key that differs from it and is valid.
    fn another_value(current: &Value) -> Vec<String> {
        match current {
            Value::Bool(b) => vec![(!b).to_string()],
            Value::Number(n) => vec![(n.as_u64().unwrap_or(0) + 7).to_string()],
            Value::Array(_) => vec!["a,b".into()],
            Value::String(s) if s == "full" => vec!["normal".into()],
            Value::String(s) if s == "text" => vec!["json".into()],
            _ => vec!["127.0.0.1:9999".into(), "/tmp/rapport-test".into(), "http://example.test".into()],
        }
    }

    #[test]
    fn every_key_is_in_the_example_file_and_settable_from_its_variable() {
        let defaults = Config::default();
        let leaves = leaves(&defaults).unwrap();
        let in_config: BTreeSet<String> = leaves.iter().map(|(p, _)| p.join(".")).collect();
        assert_eq!(in_config, example_keys(), "rapport.example.toml and Config disagree on the keys");
        for (path, current) in leaves {
            let name = variable(&path);
            let changed = another_value(&current).into_iter().find_map(|candidate| {
                let mut c = defaults.clone();
                c.apply_env(|k| (k == name).then(|| candidate.clone())).ok()?;
                let after = self::leaves(&c).ok()?.into_iter().find(|(p, _)| *p == path)?.1;
                (after != current).then_some(after)
            });
            assert!(changed.is_some(), "{name} did not change `{}`", path.join("."));
        }
    }

    #[test]
    fn the_old_demo_variable_still_works() {
        let mut c = Config::default();
        c.apply_env(|k| (k == "RAPPORT_DEMO").then(|| "1".to_string())).unwrap();
        assert!(c.demo.seed);
    }
}
