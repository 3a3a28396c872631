//! The catalogue: every known Spotify error as reviewed data.
//!
//! Entries live in `catalogue/*.toml`, one file per error. [`load_dir`]
//! reads and validates them all; a [`Catalogue`] is the in-memory, read-only
//! result the rest of the bot shares. Nothing here knows about Discord or SQL.

mod limits;
mod load;
mod model;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use limits::{DiscordLimits, check_entry as check_limits};
pub use load::{Level, LoadError, Loaded, Problem, load_dir, parse_entry};
pub use model::{CATEGORIES, Entry, Faq, Platform, Severity, Step, file_stem_for, message_words};

/// A validated set of entries with a case-insensitive index of their codes.
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<Entry>,
    by_code: HashMap<String, usize>,
}

impl Catalogue {
    /// Builds a catalogue from entries that did not come from files
    /// (synthetic catalogues in benchmarks and tests). The entries are not
    /// re-validated; of codes used twice, the first entry wins.
    pub fn from_entries(entries: Vec<Entry>) -> Self {
        Self::new(entries)
    }

    /// Builds the index. Entries are assumed validated (unique codes).
    pub(crate) fn new(mut entries: Vec<Entry>) -> Self {
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_code = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            for code in e.codes() {
                by_code.entry(code.to_lowercase()).or_insert(i);
            }
        }
        Catalogue { entries, by_code }
    }

    /// The folder the bot uses unless told otherwise: `CATALOGUE_DIR`, else
    /// `catalogue/` in the working directory, else the one in the source tree
    /// this binary was built from.
    pub fn default_dir() -> PathBuf {
        if let Ok(dir) = std::env::var("CATALOGUE_DIR") {
            return PathBuf::from(dir);
        }
        let local = Path::new("catalogue");
        if local.is_dir() {
            return local.to_path_buf();
        }
        Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue")
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry an id or `also` code names, ignoring case and surrounding space.
    pub fn get(&self, code: &str) -> Option<&Entry> {
        let key = code.trim().to_lowercase();
        self.by_code.get(&key).map(|&i| &self.entries[i])
    }

    /// The entries whose codes are closest to `query`, best first, for
    /// "did you mean …?". Only reasonably close codes are returned.
    pub fn closest(&self, query: &str, n: usize) -> Vec<&Entry> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(f64, &Entry)> = self
            .entries
            .iter()
            .map(|e| {
                let best = e
                    .codes()
                    .map(|c| code_similarity(&q, c))
                    .fold(0.0_f64, f64::max);
                (best, e)
            })
            .filter(|(s, _)| *s >= 0.5)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        scored.into_iter().take(n).map(|(_, e)| e).collect()
    }
}

/// Similarity of a typed code to a catalogue code, 0 to 1. Typing the
/// namespace and a wrong number ("accesspoint:18") still scores well.
fn code_similarity(q: &str, code: &str) -> f64 {
    let direct = strsim::normalized_damerau_levenshtein(q, code);
    let contains = if code.contains(q) || q.contains(code) {
        0.8
    } else {
        0.0
    };
    direct.max(contains)
}
