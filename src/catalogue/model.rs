//! The catalogue's types: what one reviewed error entry is.
//!
//! These types are produced only by the loader (`super::load`), which checks
//! every invariant stated here, so code downstream never re-validates: an
//! [`Entry`] always has a non-empty id, title, causes and steps, and every
//! rendering of it fits Discord's limits.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad an error is for the user. Drives the embed colour and ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Error,
    Fatal,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Warn,
        Severity::Error,
        Severity::Fatal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
            Severity::Fatal => "fatal",
        }
    }

    /// A colour per severity, as a 24-bit RGB value (the embed side bar).
    pub fn colour(self) -> u32 {
        match self {
            Severity::Info => 0x3B82F6,
            Severity::Warn => 0xF59E0B,
            Severity::Error => 0xEF4444,
            Severity::Fatal => 0x7F1D1D,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operating system (or the web player) an entry or a step applies to.
///
/// `Any` is only meaningful in an entry's `platforms` list; step variants are
/// always for a concrete platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Windows,
    Macos,
    Linux,
    Web,
    Any,
}

impl Platform {
    /// The platforms a user can pick in the "Change OS" menu.
    pub const PICKABLE: [Platform; 3] = [Platform::Windows, Platform::Macos, Platform::Linux];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Windows => "windows",
            Platform::Macos => "macos",
            Platform::Linux => "linux",
            Platform::Web => "web",
            Platform::Any => "any",
        }
    }

    /// How a person writes it.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Windows => "Windows",
            Platform::Macos => "macOS",
            Platform::Linux => "Linux",
            Platform::Web => "Web player",
            Platform::Any => "Any platform",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        match s.trim().to_ascii_lowercase().as_str() {
            "windows" | "win" | "win10" | "win11" | "pc" => Some(Platform::Windows),
            "macos" | "mac" | "osx" | "mac os" | "os x" => Some(Platform::Macos),
            "linux" | "ubuntu" | "debian" | "fedora" | "arch" => Some(Platform::Linux),
            "web" | "browser" | "web player" => Some(Platform::Web),
            "any" => Some(Platform::Any),
            _ => None,
        }
    }

    /// The desktop system a message names, when it names exactly one
    /// ("on my mac", "windows 11", "ubuntu"); `None` when it names none or
    /// several.
    pub fn mentioned_in(text: &str) -> Option<Platform> {
        let mut found: Option<Platform> = None;
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(2000)
        {
            let w = word.to_ascii_lowercase();
            let p = match w.as_str() {
                "windows" | "win10" | "win11" => Platform::Windows,
                "mac" | "macos" | "macbook" | "imac" | "osx" => Platform::Macos,
                "linux" | "ubuntu" | "debian" | "fedora" | "mint" | "manjaro" => Platform::Linux,
                _ => continue,
            };
            match found {
                None => found = Some(p),
                Some(q) if q == p => {}
                Some(_) => return None,
            }
        }
        found
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The families an entry belongs to, mirroring the reference's categories.
pub const CATEGORIES: [&str; 7] = [
    "auth",
    "network",
    "drm",
    "playback",
    "client",
    "installer",
    "webapi",
];

/// One fix, in the order the catalogue recommends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// A short imperative title ("Flush the DNS cache").
    pub title: String,
    /// What to do, for every platform (or the general idea when variants exist).
    pub text: String,
    /// Platform-specific wording, shown after `text` when that platform is chosen.
    pub variants: BTreeMap<Platform, String>,
    /// A test that narrows the cause down rather than a fix ("try a hotspot").
    /// Diagnostics keep their catalogue position when steps are re-ranked.
    pub diagnostic: bool,
    /// A disruptive step (reinstall, wipe the cache): held back while many
    /// people report the same error at once, since the cause is then likely
    /// on Spotify's side.
    pub heavy: bool,
}

impl Step {
    /// The text to show for `platform`: the general text, followed by that
    /// platform's variant when there is one.
    pub fn text_for(&self, platform: Option<Platform>) -> String {
        match platform.and_then(|p| self.variants.get(&p)) {
            Some(v) => format!("{}\n{}", self.text, v),
            None => self.text.clone(),
        }
    }
}

/// A question people ask about an error, with its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Faq {
    pub q: String,
    pub a: String,
}

/// One error, as reviewed in `catalogue/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The stable public id users type (`accesspoint:17`). Lower case.
    pub id: String,
    /// Other codes this entry answers to (`accounts:54`). Lower case.
    pub also: Vec<String>,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub platforms: Vec<Platform>,
    /// The displayed messages, verbatim as the app shows them.
    pub messages: Vec<String>,
    /// What the app shows when there is no message text to quote (a blank
    /// dialog, a modal); set exactly when `messages` is empty.
    pub message_note: Option<String>,
    pub cause_chain: Vec<String>,
    pub causes: Vec<String>,
    pub steps: Vec<Step>,
    pub notes: Option<String>,
    pub related: Vec<String>,
    pub escalate: String,
    pub faq: Vec<Faq>,
    pub sources: Vec<String>,
    /// How people describe the error in their own words, for the matcher.
    pub phrases: Vec<String>,
    /// A machine-made draft awaiting review (see `gaps export`).
    pub draft: bool,
    /// Among entries that show the same message, the one to lead with when
    /// a report quotes only that message and says nothing else that tells
    /// them apart.
    pub lead: bool,
}

/// A displayed message without its "(Error code: …)" tail: the words
/// several entries may share.
pub fn message_words(message: &str) -> &str {
    match message.find("(Error code") {
        Some(i) => message[..i].trim_end(),
        None => message,
    }
}

impl Entry {
    /// Every code this entry answers to: its id first, then `also`.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.also.iter().map(String::as_str))
    }

    /// Whether any step words itself differently per platform, so that the
    /// bot should ask which OS the user is on.
    pub fn has_platform_variants(&self) -> bool {
        self.steps.iter().any(|s| !s.variants.is_empty())
    }

    /// The platforms a step variant exists for, in menu order.
    pub fn variant_platforms(&self) -> Vec<Platform> {
        let mut v: Vec<Platform> = self
            .steps
            .iter()
            .flat_map(|s| s.variants.keys().copied())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The first displayed message, or the note on what is shown instead.
    pub fn display_message(&self) -> &str {
        self.messages
            .first()
            .map(String::as_str)
            .or(self.message_note.as_deref())
            .unwrap_or("")
    }
}

/// The catalogue file name for an id: `:` is not allowed in file names on
/// Windows, so it becomes `-` (`accesspoint:17` → `accesspoint-17.toml`).
pub fn file_stem_for(id: &str) -> String {
    id.replace(':', "-")
}
