//! Parameter types that several rules share.

use serde::Deserialize;

use super::Severity;

/// One expiry window: certificates with fewer than `days` days left get `severity`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub days: u32,
    pub severity: Severity,
}

/// Parses and sorts a `windows`-style parameter.
pub fn parse_windows(key: &str, value: &toml::Value) -> Result<Vec<Window>, String> {
    let mut windows: Vec<Window> = value.clone().try_into().map_err(|e: toml::de::Error| {
        format!(
            "`{key}` must be an array of {{ days, severity }} tables: {}",
            e.message()
        )
    })?;
    if windows.is_empty() || windows.iter().any(|w| w.days == 0) {
        return Err(format!("`{key}` needs at least one window, each with `days` above 0"));
    }
    windows.sort_by_key(|w| w.days);
    Ok(windows)
}

/// The default expiry windows: 60 days medium, 30 high, 7 critical (narrowest first).
pub fn default_windows() -> Vec<Window> {
    vec![
        Window {
            days: 7,
            severity: Severity::Critical,
        },
        Window {
            days: 30,
            severity: Severity::High,
        },
        Window {
            days: 60,
            severity: Severity::Medium,
        },
    ]
}

/// The narrowest window that holds `days_left`.
pub fn window_for(windows: &[Window], days_left: i64) -> Option<&Window> {
    windows.iter().find(|w| days_left < i64::from(w.days))
}
