//! Loading and validating the catalogue folder.
//!
//! Every file is read, every problem is collected (never stop at the first),
//! and only when there are no errors does a [`Catalogue`] come out. Warnings
//! (a `draft = true` entry) do not stop the load; they are returned beside it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::model::{CATEGORIES, Entry, Faq, Platform, Severity, Step, file_stem_for};
use super::{Catalogue, limits};

/// How serious a problem is: errors reject the catalogue, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

/// One thing wrong with one file, located as precisely as we can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub level: Level,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub entry: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Warning => "warning",
            Level::Error => "error",
        };
        write!(f, "{level}: {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(entry) = &self.entry {
            write!(f, ": [{entry}]")?;
        }
        if let Some(field) = &self.field {
            write!(f, " {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The catalogue could not be loaded; every problem found is listed.
#[derive(Debug, Clone, thiserror::Error)]
pub struct LoadError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self
            .problems
            .iter()
            .filter(|p| p.level == Level::Error)
            .count();
        writeln!(f, "the catalogue has {errors} error(s):")?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// A successfully loaded catalogue and the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub catalogue: Catalogue,
    pub warnings: Vec<Problem>,
}

const ENTRY_KEYS: &[&str] = &[
    "id",
    "also",
    "title",
    "severity",
    "category",
    "platforms",
    "messages",
    "message_note",
    "cause_chain",
    "causes",
    "steps",
    "notes",
    "related",
    "escalate",
    "faq",
    "sources",
    "phrases",
    "draft",
    "lead",
];
const STEP_KEYS: &[&str] = &[
    "title",
    "text",
    "windows",
    "macos",
    "linux",
    "web",
    "diagnostic",
    "heavy",
];
const FAQ_KEYS: &[&str] = &["q", "a"];

/// Words that mark text nobody finished writing.
const PLACEHOLDERS: &[&str] = &["todo", "tbd", "fixme", "lorem ipsum", "xxx", "placeholder"];

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawEntry {
    id: Option<String>,
    also: Vec<String>,
    title: Option<String>,
    severity: Option<Severity>,
    category: Option<String>,
    platforms: Vec<Platform>,
    messages: Vec<String>,
    message_note: Option<String>,
    cause_chain: Vec<String>,
    causes: Vec<String>,
    steps: Vec<RawStep>,
    notes: Option<String>,
    related: Vec<String>,
    escalate: Option<String>,
    faq: Vec<RawFaq>,
    sources: Vec<String>,
    phrases: Vec<String>,
    draft: bool,
    lead: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawStep {
    title: Option<String>,
    text: Option<String>,
    windows: Option<String>,
    macos: Option<String>,
    linux: Option<String>,
    web: Option<String>,
    diagnostic: bool,
    heavy: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawFaq {
    q: Option<String>,
    a: Option<String>,
}

/// Collects problems for one file.
struct FileCheck<'a> {
    file: &'a Path,
    src: &'a str,
    entry: Option<String>,
    problems: Vec<Problem>,
}

impl FileCheck<'_> {
    fn push(&mut self, level: Level, field: Option<String>, line: Option<usize>, msg: String) {
        self.problems.push(Problem {
            level,
            file: self.file.to_path_buf(),
            line,
            entry: self.entry.clone(),
            field,
            message: msg,
        });
    }

    fn error(&mut self, field: &str, msg: impl Into<String>) {
        let line = line_of_key(self.src, field.split(['[', '.']).next().unwrap_or(field));
        self.push(Level::Error, Some(field.to_string()), line, msg.into());
    }

    /// A required, non-blank text.
    fn text(&mut self, field: &str, value: Option<&str>) -> String {
        match value.map(str::trim) {
            None => {
                self.error(field, "is missing");
                String::new()
            }
            Some("") => {
                self.error(field, "is empty");
                String::new()
            }
            Some(v) => {
                self.no_placeholder(field, v);
                v.to_string()
            }
        }
    }

    /// An optional text: absent is fine, blank is not.
    fn optional_text(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        value.map(|v| self.text(field, Some(v)))
    }

    /// A required, non-empty list of non-blank texts.
    fn list(&mut self, field: &str, values: &[String], min: usize) -> Vec<String> {
        if values.len() < min {
            let msg = if values.is_empty() {
                "is missing or empty".to_string()
            } else {
                format!("needs at least {min} items, has {}", values.len())
            };
            self.error(field, msg);
        }
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.text(&format!("{field}[{i}]"), Some(v)))
            .collect()
    }

    fn no_placeholder(&mut self, field: &str, v: &str) {
        let lower = v.to_lowercase();
        for p in PLACEHOLDERS {
            if lower
                .split(|c: char| !c.is_alphanumeric() && c != ' ')
                .any(|w| w.trim() == *p)
            {
                self.error(field, format!("contains placeholder text {p:?}"));
            }
        }
    }
}

/// The line (1-based) where `key = …` or `[[key]]` first appears.
fn line_of_key(src: &str, key: &str) -> Option<usize> {
    src.lines()
        .position(|l| {
            let l = l.trim_start();
            let table = format!("[[{key}]]");
            l.starts_with(&table)
                || l.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

fn line_of_offset(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

/// Parses and validates one file's text. `file` is used for messages and
/// for the check that the file is named after the id.
fn check_file(file: &Path, src: &str) -> (Option<Entry>, Vec<Problem>) {
    let mut fc = FileCheck {
        file,
        src,
        entry: None,
        problems: Vec::new(),
    };

    let table: toml::Table = match toml::from_str(src) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| line_of_offset(src, s.start));
            let msg = format!("not valid TOML: {}", e.message());
            fc.push(Level::Error, None, line, msg);
            return (None, fc.problems);
        }
    };
    if let Some(toml::Value::String(id)) = table.get("id") {
        fc.entry = Some(id.to_lowercase());
    }

    // Unknown fields, at every level, all reported (they are usually typos).
    for key in table.keys() {
        if !ENTRY_KEYS.contains(&key.as_str()) {
            let hint = closest(key, ENTRY_KEYS);
            fc.error(key, format!("unknown field{hint}"));
        }
    }
    for (list, known) in [("steps", STEP_KEYS), ("faq", FAQ_KEYS)] {
        if let Some(toml::Value::Array(items)) = table.get(list) {
            for (i, item) in items.iter().enumerate() {
                if let toml::Value::Table(t) = item {
                    for key in t.keys() {
                        if !known.contains(&key.as_str()) {
                            let hint = closest(key, known);
                            let field = format!("{list}[{i}].{key}");
                            let line = line_of_key(src, key);
                            fc.push(
                                Level::Error,
                                Some(field),
                                line,
                                format!("unknown field{hint}"),
                            );
                        }
                    }
                }
            }
        }
    }

    let raw: RawEntry = match toml::Value::Table(table).try_into() {
        Ok(r) => r,
        Err(e) => {
            fc.push(
                Level::Error,
                None,
                None,
                format!("wrong type: {}", e.message()),
            );
            return (None, fc.problems);
        }
    };

    let id = fc.text("id", raw.id.as_deref()).to_lowercase();
    if id.chars().any(char::is_whitespace) {
        fc.error("id", "must not contain spaces");
    }
    if !id.is_empty() {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let expected = file_stem_for(&id);
        if stem != expected {
            fc.error(
                "id",
                format!("file should be named {expected}.toml for id {id}"),
            );
        }
    }
    let also: Vec<String> = fc
        .list("also", &raw.also, 0)
        .into_iter()
        .map(|c| c.to_lowercase())
        .collect();
    let title = fc.text("title", raw.title.as_deref());
    let severity = raw.severity.unwrap_or_else(|| {
        fc.error("severity", "is missing (info, warn, error or fatal)");
        Severity::Error
    });
    let category = fc.text("category", raw.category.as_deref());
    if !category.is_empty() && !CATEGORIES.contains(&category.as_str()) {
        fc.error(
            "category",
            format!("{category:?} is not one of {}", CATEGORIES.join(", ")),
        );
    }
    if raw.platforms.is_empty() {
        fc.error("platforms", "is missing or empty");
    }
    let messages = fc.list("messages", &raw.messages, 0);
    let message_note = fc.optional_text("message_note", raw.message_note.as_deref());
    match (messages.is_empty(), message_note.is_some()) {
        (true, false) => fc.error(
            "messages",
            "is empty: quote the displayed message, or explain in message_note why there is none",
        ),
        (false, true) => fc.error(
            "message_note",
            "is only for entries without a displayed message",
        ),
        _ => {}
    }
    let cause_chain = fc.list("cause_chain", &raw.cause_chain, 2);
    let causes = fc.list("causes", &raw.causes, 1);
    if raw.steps.is_empty() {
        fc.error(
            "steps",
            "is missing or empty: an entry needs at least one step",
        );
    }
    let steps: Vec<Step> = raw
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let f = |name: &str| format!("steps[{i}].{name}");
            let mut variants = BTreeMap::new();
            for (platform, text) in [
                (Platform::Windows, &s.windows),
                (Platform::Macos, &s.macos),
                (Platform::Linux, &s.linux),
                (Platform::Web, &s.web),
            ] {
                if let Some(v) = fc.optional_text(&f(platform.as_str()), text.as_deref()) {
                    variants.insert(platform, v);
                }
            }
            Step {
                title: fc.text(&f("title"), s.title.as_deref()),
                text: fc.text(&f("text"), s.text.as_deref()),
                variants,
                diagnostic: s.diagnostic,
                heavy: s.heavy,
            }
        })
        .collect();
    let notes = fc.optional_text("notes", raw.notes.as_deref());
    let related: Vec<String> = fc
        .list("related", &raw.related, 0)
        .into_iter()
        .map(|r| r.to_lowercase())
        .collect();
    if related.contains(&id) {
        fc.error("related", "lists the entry itself");
    }
    let escalate = fc.text("escalate", raw.escalate.as_deref());
    let faq: Vec<Faq> = raw
        .faq
        .iter()
        .enumerate()
        .map(|(i, q)| Faq {
            q: fc.text(&format!("faq[{i}].q"), q.q.as_deref()),
            a: fc.text(&format!("faq[{i}].a"), q.a.as_deref()),
        })
        .collect();
    let sources = fc.list("sources", &raw.sources, 1);
    let phrases = fc.list("phrases", &raw.phrases, 0);
    // The matcher finds the code itself, and reads a phrase without its
    // numbers: a phrase that names its entry's number ("spotify won't
    // connect error 2026") reads as "spotify won't connect", which fits a
    // dozen errors.
    let code_parts: Vec<&str> = std::iter::once(id.as_str())
        .chain(also.iter().map(String::as_str))
        .filter_map(|c| c.rsplit_once(':').map(|(_, n)| n))
        .filter(|n| {
            let digits = n.trim_start_matches('-');
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        })
        .collect();
    for (i, p) in phrases.iter().enumerate() {
        let lower = p.to_lowercase();
        if let Some(code) = lower
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .find(|w| code_parts.contains(w))
        {
            fc.error(
                &format!("phrases[{i}]"),
                format!(
                    "names the entry's code ({code}); the code is matched on its own, so \
                     a phrase should say what users write without it"
                ),
            );
        }
    }
    if raw.draft {
        fc.push(
            Level::Warning,
            Some("draft".into()),
            line_of_key(src, "draft"),
            "is a draft: review it, then remove `draft = true`".into(),
        );
    }

    let entry = Entry {
        id,
        also,
        title,
        severity,
        category,
        platforms: raw.platforms,
        messages,
        message_note,
        cause_chain,
        causes,
        steps,
        notes,
        related,
        escalate,
        faq,
        sources,
        phrases,
        draft: raw.draft,
        lead: raw.lead,
    };

    if !fc.problems.iter().any(|p| p.level == Level::Error) {
        for (field, msg) in limits::check_entry(&entry) {
            fc.error(&field, msg);
        }
    }
    let ok = !fc.problems.iter().any(|p| p.level == Level::Error);
    (ok.then_some(entry), fc.problems)
}

fn closest(key: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// Parses one entry from text, as if it were the file `file`.
pub fn parse_entry(file: &Path, src: &str) -> Result<(Entry, Vec<Problem>), LoadError> {
    match check_file(file, src) {
        (Some(e), problems) => Ok((e, problems)),
        (None, problems) => Err(LoadError { problems }),
    }
}

/// Loads every `*.toml` file of `dir` (README and other files are ignored).
pub fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    let mut problems = Vec::new();
    let read = std::fs::read_dir(dir).map_err(|e| LoadError {
        problems: vec![Problem {
            level: Level::Error,
            file: dir.to_path_buf(),
            line: None,
            entry: None,
            field: None,
            message: format!("cannot read the catalogue folder: {e}"),
        }],
    })?;
    let mut files: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();

    let mut entries = Vec::new();
    let mut entry_files = Vec::new();
    for file in &files {
        let src = match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(Problem {
                    level: Level::Error,
                    file: file.clone(),
                    line: None,
                    entry: None,
                    field: None,
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        let (entry, mut p) = check_file(file, &src);
        problems.append(&mut p);
        if let Some(e) = entry {
            entries.push(e);
            entry_files.push(file.clone());
        }
    }
    if files.is_empty() {
        problems.push(Problem {
            level: Level::Error,
            file: dir.to_path_buf(),
            line: None,
            entry: None,
            field: None,
            message: "no catalogue entries (*.toml) found".into(),
        });
    }

    // Cross-file checks: unique codes, and related ids that exist.
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        for code in e.codes() {
            if let Some(&j) = owner.get(code) {
                let other = &entries[j].id;
                let msg = if j == i {
                    format!("code {code} is listed twice")
                } else {
                    format!(
                        "code {code} is already used by {other} ({})",
                        entry_files[j].display()
                    )
                };
                problems.push(Problem {
                    level: Level::Error,
                    file: entry_files[i].clone(),
                    line: None,
                    entry: Some(e.id.clone()),
                    field: Some(if code == e.id { "id" } else { "also" }.into()),
                    message: msg,
                });
            } else {
                owner.insert(code.to_string(), i);
            }
        }
    }
    for (i, e) in entries.iter().enumerate() {
        for r in &e.related {
            if !owner.contains_key(r) {
                problems.push(Problem {
                    level: Level::Error,
                    file: entry_files[i].clone(),
                    line: None,
                    entry: Some(e.id.clone()),
                    field: Some("related".into()),
                    message: format!("{r} is not an entry in the catalogue"),
                });
            }
        }
    }

    problems.extend(check_leads(&entries, &entry_files));

    if problems.iter().any(|p| p.level == Level::Error) {
        problems.sort_by(|a, b| b.level.cmp(&a.level).then(a.file.cmp(&b.file)));
        return Err(LoadError { problems });
    }
    Ok(Loaded {
        catalogue: Catalogue::new(entries),
        warnings: problems,
    })
}

/// `lead` breaks the tie between entries that show one message: two leads
/// for one message is an error, a lead on a message nobody shares is a
/// warning (it does nothing).
fn check_leads(entries: &[Entry], files: &[PathBuf]) -> Vec<Problem> {
    let mut by_message: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let mut keys: Vec<String> = e
            .messages
            .iter()
            .map(|m| super::model::message_words(m).to_lowercase())
            .collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            by_message.entry(k).or_default().push(i);
        }
    }
    let mut problems = Vec::new();
    let mut problem = |i: usize, level: Level, message: String| {
        problems.push(Problem {
            level,
            file: files[i].clone(),
            line: None,
            entry: Some(entries[i].id.clone()),
            field: Some("lead".into()),
            message,
        })
    };
    for (message, sharing) in &by_message {
        let leads: Vec<usize> = sharing
            .iter()
            .copied()
            .filter(|&i| entries[i].lead)
            .collect();
        if leads.len() > 1 {
            let ids: Vec<&str> = leads.iter().map(|&i| entries[i].id.as_str()).collect();
            for &i in &leads {
                problem(
                    i,
                    Level::Error,
                    format!("\"{message}\" has more than one lead: {}", ids.join(", ")),
                );
            }
        }
    }
    for (i, e) in entries.iter().enumerate() {
        let shared = by_message.values().any(|s| s.len() > 1 && s.contains(&i));
        if e.lead && !shared {
            problem(
                i,
                Level::Warning,
                "`lead` does nothing: no other entry shows this entry's message".into(),
            );
        }
    }
    problems
}
