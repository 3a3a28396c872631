//! Recognising an error by its words: displayed messages, the phrases
//! people use, titles.
//!
//! Each catalogue text becomes a list of content words (stop words dropped,
//! light stemming, apostrophes folded) weighted by rarity across the
//! catalogue. A message scores against a text by the weighted share of the
//! text's words it contains *close together* (inside a window a little
//! longer than the text), so a displayed message found inside a long story
//! still scores fully, while the same words scattered over a paragraph do
//! not. Typos are absorbed by a one-edit deletion index (SymSpell style),
//! which keeps lookups to a handful of hash probes per word.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::tokens::{Token, tokenize};
use crate::catalogue::{Catalogue, Platform, message_words};

/// Where a text came from; the kinds weigh differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextKind {
    Message,
    /// One sentence of a multi-sentence message: people paste the first.
    Sentence,
    Phrase,
    Title,
}

impl TextKind {
    fn weight(self) -> f32 {
        match self {
            TextKind::Message => 0.97,
            TextKind::Sentence => 0.93,
            TextKind::Phrase => 0.92,
            TextKind::Title => 0.85,
        }
    }
}

#[derive(Debug)]
struct Text {
    entry: usize,
    kind: TextKind,
    original: String,
    /// Distinct content words with their weights.
    words: Vec<(u32, f32)>,
    total: f32,
    /// Which of `words` is "spotify", if any.
    spotify_slot: Option<u16>,
}

impl Text {
    /// How much finding this text says ([`SUBSTANCE`]): displayed
    /// messages count in full, people's phrases and titles by the weight
    /// of their words.
    fn substance(&self) -> f32 {
        match self.kind {
            TextKind::Phrase | TextKind::Title => (self.total / SUBSTANCE).min(1.0),
            TextKind::Message | TextKind::Sentence => 1.0,
        }
    }
}

/// A text that matched, with where.
#[derive(Debug, Clone)]
pub struct TextHit {
    pub entry: usize,
    pub kind: TextKind,
    pub matched: String,
    /// Score after the kind's weight.
    pub score: f32,
    pub start: usize,
    pub end: usize,
}

pub struct TextIndex {
    texts: Vec<Text>,
    vocab: FxHashMap<String, u32>,
    /// One-deletion variants of vocabulary words → words.
    deletes: FxHashMap<String, Vec<u32>>,
    /// Per word: the texts it can bring in as candidates (prefix
    /// filtering). A text's words, heaviest first, up to where the rest
    /// weighs less than [`SEED_COVERAGE`] of it: a message that has none
    /// of these cannot cover enough of the text, so only these words need
    /// to reach it. Rare words seed, common words mostly do not, and a
    /// message visits few texts even in a large catalogue.
    seeds: Vec<Vec<u32>>,
    /// Per entry: the content words of what surrounds a message (its
    /// other messages, title, causes, cause chain, phrases, step titles,
    /// platforms), to tell apart entries that share one message.
    background: Vec<FxHashSet<String>>,
    /// Word → (rarity across entries, the entries whose profile has it):
    /// an entry's profile is the words of everything it says.
    postings: FxHashMap<String, (f32, Vec<u32>)>,
}

/// The entry whose words, taken all together, a description shares most
/// with ([`TextIndex::profile`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileHit {
    pub entry: usize,
    /// Summed rarity of the shared words.
    pub score: f32,
    /// How far ahead of the runner-up.
    pub margin: f32,
    /// How many distinct words are shared.
    pub words: usize,
    /// Byte range from the first to the last shared word.
    pub start: usize,
    pub end: usize,
}

/// How much a phrase's or title's words must weigh in all (summed rarity)
/// to count in full when found: "spotify can't update itself" is
/// "spotify", "can't", "update", words that many reports have, and found
/// whole it still says little. Two rare words weigh about this much.
/// (Tuned on the corpora: 6 to 8 give the same results.)
const SUBSTANCE: f32 = 7.0;

/// The lowest coverage [`TextIndex::scan`] is asked for; the seeds are
/// built for it.
const SEED_COVERAGE: f32 = 0.45;

const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "is",
    "it",
    "its",
    "to",
    "of",
    "in",
    "on",
    "at",
    "my",
    "i",
    "im",
    "you",
    "your",
    "this",
    "that",
    "be",
    "and",
    "or",
    "for",
    "with",
    "me",
    "so",
    "are",
    "was",
    "were",
    "am",
    "do",
    "does",
    "did",
    "have",
    "has",
    "had",
    "just",
    "but",
    "if",
    "by",
    "from",
    "as",
    "there",
    "they",
    "them",
    "we",
    "he",
    "she",
    "what",
    "when",
    "how",
    "why",
    "which",
    "who",
    "can",
    "will",
    "would",
    "should",
    "could",
    "get",
    "got",
    "gets",
    "getting",
    "says",
    "said",
    "say",
    "saying",
    "keeps",
    "keep",
    "shows",
    "showing",
    "show",
    "message",
    "pls",
    "please",
    "help",
    "hi",
    "hey",
    "hello",
    "guys",
    "anyone",
    "any",
    "some",
    "all",
    "also",
    "still",
    "again",
    "now",
    "then",
    "than",
    "too",
    "very",
    "really",
    "like",
    "lol",
    "idk",
    "tho",
    "though",
    "even",
    "up",
    "out",
    "about",
    "into",
    "one",
    "here",
    "may",
    // Small words that say nothing about which error: rare in the
    // catalogue, they would weigh like its rarest words.
    "itself",
    "myself",
    "yourself",
    "themselves",
    "anymore",
    "whenever",
    "because",
    "since",
    "while",
    "until",
    "something",
    "anything",
    "everything",
    "nothing",
    "thing",
    "things",
    "ok",
    "okay",
    "yeah",
    "yes",
    "thanks",
    "thank",
    "lot",
    "bit",
    "kinda",
    // What is left of "you've", "we'll", "they're" once the apostrophe
    // splits them.
    "ve",
    "ll",
    "re",
    // Every error report says these; they tell entries apart no better than chatter.
    "error",
    "errors",
    "code",
    "codes",
    "err",
    "errorcode",
    "spotify's",
];

/// Folds a word to its matching form: apostrophes were already split, so
/// "can't" arrives as "can" + "t"; plural and verb endings are trimmed.
pub fn stem(w: &str) -> &str {
    let w = w.trim_matches('\'');
    let n = w.len();
    if n > 5 && w.ends_with("ing") {
        &w[..n - 3]
    } else if n > 4 && (w.ends_with("ed") || (w.ends_with("es") && !w.ends_with("ses"))) {
        &w[..n - 2]
    } else if n > 3 && w.ends_with('s') && !w.ends_with("ss") {
        &w[..n - 1]
    } else {
        w
    }
}

/// Words people use for one another in every report: one form for each,
/// in the catalogue and in messages ("songs aren't available" is "track
/// not available").
fn same_as(w: &str) -> &str {
    match w {
        "song" | "tune" => "track",
        _ => w,
    }
}

/// The stop words as a set: looked up for every token of every message.
pub(crate) fn is_stop(w: &str) -> bool {
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP.iter().copied().collect())
        .contains(w)
}

/// A content word of a message and its position (token index): borrowed
/// from the text except where a clitic is joined.
pub(crate) type Word<'a> = (usize, Cow<'a, str>);

/// Content words of a text with their positions. A message's are read once
/// and handed to [`TextIndex::scan`], [`TextIndex::profile`] and
/// [`TextIndex::fit`].
pub(crate) fn content_words<'a>(tokens: &[Token<'a>]) -> Vec<Word<'a>> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].text;
        // "can't" / "doesn't" / "won't": join the clitic so "cant" matches.
        if i + 1 < tokens.len()
            && tokens[i + 1].text == "t"
            && tokens[i + 1].start == tokens[i].end + 1
        {
            out.push((i, Cow::Owned(format!("{t}t"))));
            i += 2;
            continue;
        }
        if t.len() >= 2 && !t.bytes().all(|b| b.is_ascii_digit()) && !is_stop(t) {
            out.push((i, Cow::Borrowed(same_as(stem(t)))));
        }
        i += 1;
    }
    out
}

fn deletions(w: &str) -> Vec<String> {
    let chars: Vec<char> = w.chars().collect();
    (0..chars.len())
        .map(|k| {
            chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != k)
                .map(|(_, c)| c)
                .collect()
        })
        .collect()
}

impl TextIndex {
    pub fn new(catalogue: &Catalogue) -> TextIndex {
        let mut raw: Vec<(usize, TextKind, String)> = Vec::new();
        for (i, e) in catalogue.entries().iter().enumerate() {
            for m in &e.messages {
                raw.push((i, TextKind::Message, m.clone()));
                let sentences = split_sentences(message_words(m));
                if sentences.len() > 1 {
                    for s in sentences {
                        raw.push((i, TextKind::Sentence, s.to_string()));
                    }
                }
            }
            for p in &e.phrases {
                raw.push((i, TextKind::Phrase, p.clone()));
            }
            raw.push((i, TextKind::Title, e.title.clone()));
        }
        let mut vocab: FxHashMap<String, u32> = FxHashMap::default();
        let mut per_text: Vec<Vec<u32>> = Vec::new();
        for (_, _, t) in &raw {
            let lower = super::normalize::Normalized::new(message_words(t)).text;
            let tokens = tokenize(&lower);
            let mut ids: Vec<u32> = Vec::new();
            for (_, w) in content_words(&tokens) {
                let n = vocab.len() as u32;
                let id = *vocab.entry(w.into_owned()).or_insert(n);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            per_text.push(ids);
        }
        // Rarity across entries (not texts: an entry's many phrases repeat words).
        let mut entries_with: HashMap<u32, HashSet<usize>> = HashMap::new();
        for ((entry, _, _), ids) in raw.iter().zip(&per_text) {
            for id in ids {
                entries_with.entry(*id).or_default().insert(*entry);
            }
        }
        let n_entries = catalogue.len().max(1) as f32;
        let idf = |id: u32| -> f32 {
            let df = entries_with.get(&id).map_or(1, HashSet::len) as f32;
            (1.0 + n_entries / df).ln()
        };
        let spotify = vocab.get("spotify").copied();
        let mut texts = Vec::new();
        let mut seeds: Vec<Vec<u32>> = vec![Vec::new(); vocab.len()];
        for ((entry, kind, original), ids) in raw.into_iter().zip(per_text) {
            if ids.is_empty() {
                continue;
            }
            let words: Vec<(u32, f32)> = ids
                .iter()
                .map(|&id| {
                    // "Spotify" is in half the messages and most chatter.
                    let w = if Some(id) == spotify { 0.3 } else { idf(id) };
                    (id, w)
                })
                .collect();
            let total: f32 = words.iter().map(|(_, w)| w).sum();
            let ti = texts.len() as u32;
            let mut heaviest = words.clone();
            heaviest.sort_by(|a, b| b.1.total_cmp(&a.1));
            let mut rest = total;
            for (id, w) in heaviest {
                if rest < SEED_COVERAGE * total {
                    break;
                }
                seeds[id as usize].push(ti);
                rest -= w;
            }
            let spotify_slot = words
                .iter()
                .position(|(w, _)| Some(*w) == spotify)
                .map(|s| s as u16);
            texts.push(Text {
                entry,
                kind,
                original,
                words,
                total,
                spotify_slot,
            });
        }
        let mut deletes: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (w, &id) in &vocab {
            if w.len() >= 5 {
                for d in deletions(w) {
                    deletes.entry(d).or_default().push(id);
                }
            }
        }
        // What each entry is about as a whole: the words of everything it
        // says (messages without their code, title, causes, cause chain,
        // phrases, step titles), without "spotify".
        let profiles: Vec<FxHashSet<String>> = catalogue
            .entries()
            .iter()
            .map(|e| {
                let texts = std::iter::once(e.title.as_str())
                    .chain(e.messages.iter().map(|m| message_words(m)))
                    .chain(e.causes.iter().map(String::as_str))
                    .chain(e.cause_chain.iter().map(String::as_str))
                    .chain(e.phrases.iter().map(String::as_str))
                    .chain(e.steps.iter().map(|s| s.title.as_str()));
                let mut words = FxHashSet::default();
                for t in texts {
                    let lower = super::normalize::Normalized::new(t).text;
                    words.extend(
                        content_words(&tokenize(&lower))
                            .into_iter()
                            .map(|(_, w)| w.into_owned())
                            .filter(|w| w != "spotify"),
                    );
                }
                words
            })
            .collect();
        let mut postings: FxHashMap<String, (f32, Vec<u32>)> = FxHashMap::default();
        for (e, words) in profiles.iter().enumerate() {
            for w in words {
                postings.entry(w.clone()).or_default().1.push(e as u32);
            }
        }
        for (idf, entries) in postings.values_mut() {
            *idf = (1.0 + n_entries / entries.len() as f32).ln();
        }
        let background = profiles
            .into_iter()
            .zip(catalogue.entries())
            .map(|(mut words, e)| {
                for p in &e.platforms {
                    words.extend(platform_words(*p).iter().map(|w| w.to_string()));
                }
                words
            })
            .collect();
        TextIndex {
            texts,
            vocab,
            deletes,
            seeds,
            background,
            postings,
        }
    }

    /// A description in other words than any one phrase: which entry the
    /// message's words point to when every text of each entry is pooled
    /// ("got kicked out of all my devices at the same time" shares
    /// "kicked", "devices", "all" with the entry about being signed out
    /// everywhere). Rarer words weigh more. Exact words only.
    pub fn profile(&self, tokens: &[Token<'_>], words: &[Word<'_>]) -> Option<ProfileHit> {
        // Each entry the words touch: only those.
        let mut found: FxHashMap<usize, ProfileHit> = FxHashMap::default();
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        for (i, w) in words {
            if !seen.insert(w.as_ref()) {
                continue;
            }
            let Some((idf, entries)) = self.postings.get(w.as_ref()) else {
                continue;
            };
            let t = &tokens[*i];
            for &e in entries {
                let f = found.entry(e as usize).or_insert(ProfileHit {
                    entry: e as usize,
                    score: 0.0,
                    margin: 0.0,
                    words: 0,
                    start: usize::MAX,
                    end: 0,
                });
                f.score += idf;
                f.words += 1;
                f.start = f.start.min(t.start);
                f.end = f.end.max(t.end);
            }
        }
        let mut order: Vec<ProfileHit> = found.into_values().collect();
        order.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        let second = order.get(1).map_or(0.0, |o| o.score);
        let mut best = order.into_iter().next()?;
        best.margin = best.score - second;
        Some(best)
    }

    /// How many different words of the message [`TextIndex::profile`]
    /// knows: a bound on the words its best entry shares with the message,
    /// cheaper to learn than that entry.
    pub fn profile_words(&self, words: &[Word<'_>]) -> usize {
        let mut seen: Vec<&str> = Vec::with_capacity(words.len());
        for (_, w) in words {
            if !seen.contains(&w.as_ref()) && self.postings.contains_key(w.as_ref()) {
                seen.push(w.as_ref());
            }
        }
        seen.len()
    }

    /// For each (entry, text it matched): how many of the message's content
    /// words belong to what surrounds the entry and tell it from the others
    /// tied with it.
    ///
    /// A message several entries show (`pasted`) is the same evidence for
    /// each: the words that count are those other than the quoted message's
    /// ("a firewall may be blocking spotify, only with my vpn on" fits the
    /// entry whose causes name the VPN). Tied on the user's own words, each
    /// entry's matched words count too, but not those every tied entry
    /// knows ("running an old spotify from 2019 and it says premium only,
    /// but i have premium": "old" fits the entry about old versions, and
    /// "premium" fits both). The message's words are read once for all the
    /// tied entries.
    pub fn fit(&self, words: &[Word<'_>], tied: &[(usize, &str)], pasted: bool) -> Vec<usize> {
        let empty = FxHashSet::default();
        let found: Vec<FxHashSet<&str>> = tied
            .iter()
            .map(|&(entry, matched)| {
                let background = self.background.get(entry).unwrap_or(&empty);
                let quoted: FxHashSet<Cow<'_, str>> = if pasted {
                    let lower = super::normalize::Normalized::new(matched).text;
                    content_words(&tokenize(&lower))
                        .into_iter()
                        .map(|(_, w)| Cow::Owned(w.into_owned()))
                        .collect()
                } else {
                    FxHashSet::default()
                };
                words
                    .iter()
                    .map(|(_, w)| w.as_ref())
                    .filter(|w| !quoted.contains(*w) && background.contains(*w))
                    .collect()
            })
            .collect();
        found
            .iter()
            .map(|f| {
                if pasted {
                    return f.len();
                }
                f.iter()
                    .filter(|w| !found.iter().all(|o| o.contains(*w)))
                    .count()
            })
            .collect()
    }

    /// Vocabulary words an input word may stand for (itself, as OCR misread
    /// it, or one edit away).
    fn lookup(&self, w: &str, out: &mut Vec<u32>) {
        out.clear();
        if let Some(&id) = self.vocab.get(w) {
            out.push(id);
            return;
        }
        // Letters OCR reads as two ("irnage", "vvindow").
        if w.contains("rn") || w.contains("vv") {
            let read = w.replace("rn", "m").replace("vv", "w");
            if let Some(&id) = self.vocab.get(read.as_str()) {
                out.push(id);
                return;
            }
        }
        if w.len() < 5 || w.len() > 24 {
            return;
        }
        // Input has one extra letter: one of its deletions is a word.
        // (One buffer for every deletion: this runs for each long word of
        // every message.)
        let mut d = String::with_capacity(w.len());
        for (k, _) in w.char_indices() {
            d.clear();
            d.push_str(&w[..k]);
            let next = w[k..].chars().next().map_or(0, char::len_utf8);
            d.push_str(&w[k + next..]);
            if let Some(&id) = self.vocab.get(d.as_str()) {
                out.push(id);
            }
            // One substitution or transposition: both share a deletion.
            if let Some(ids) = self.deletes.get(d.as_str()) {
                out.extend(ids);
            }
        }
        // Input lacks a letter: it is a deletion of a word.
        if let Some(ids) = self.deletes.get(w) {
            out.extend(ids);
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Texts the message contains, best first, above `min_coverage`.
    pub fn scan(
        &self,
        tokens: &[Token<'_>],
        words: &[Word<'_>],
        min_coverage: f32,
    ) -> Vec<TextHit> {
        if words.is_empty() {
            return Vec::new();
        }
        debug_assert!(
            min_coverage >= SEED_COVERAGE,
            "seeds are built for {SEED_COVERAGE}"
        );
        // The vocabulary words each message word may stand for, and the
        // texts they seed.
        // (`ids[bounds[k]..bounds[k + 1]]` for message word k: one buffer
        // for the whole message.)
        let mut ids: Vec<u32> = Vec::with_capacity(words.len() * 2);
        let mut bounds: Vec<usize> = Vec::with_capacity(words.len() + 1);
        let mut scratch = Vec::new();
        let mut candidates: Vec<u32> = Vec::new();
        bounds.push(0);
        for (_, w) in words {
            self.lookup(w, &mut scratch);
            for id in &scratch {
                candidates.extend(&self.seeds[*id as usize]);
            }
            ids.extend(&scratch);
            bounds.push(ids.len());
        }
        let per_word = bounds.windows(2).map(|b| &ids[b[0]..b[1]]);
        candidates.sort_unstable();
        candidates.dedup();
        let mut out = Vec::new();
        // (text, found whole) for each hit in `out`.
        let mut full: Vec<(u32, bool)> = Vec::new();
        // Buffers reused across candidate texts.
        let mut hs: Vec<(u16, usize)> = Vec::new();
        let mut counts: Vec<u16> = Vec::new();
        // Which vocabulary words the message has: a bit per word, so that
        // most candidates are rejected on a bound before their hits are
        // collected.
        let mut present = vec![0u64; self.vocab.len().div_ceil(64)];
        for &id in &ids {
            present[id as usize / 64] |= 1 << (id % 64);
        }
        let has = |id: u32| present[id as usize / 64] & (1 << (id % 64)) != 0;
        for ti in candidates {
            let text = &self.texts[ti as usize];
            let upper: f32 = text
                .words
                .iter()
                .filter(|(w, _)| has(*w))
                .map(|(_, weight)| weight)
                .sum();
            // (A hair of slack: the exact bound below sums in another order.)
            if upper / text.total < min_coverage - 1e-4 {
                continue;
            }
            // (word slot in text, position in message), by position.
            hs.clear();
            for (k, ids) in per_word.clone().enumerate() {
                for (slot, (wid, _)) in text.words.iter().enumerate() {
                    if ids.contains(wid) {
                        hs.push((slot as u16, k));
                    }
                }
            }
            // Quick bound: everything found, anywhere.
            counts.clear();
            counts.resize(text.words.len(), 0);
            let mut upper = 0.0;
            for (slot, _) in &hs {
                let c = &mut counts[*slot as usize];
                if *c == 0 {
                    *c = 1;
                    upper += text.words[*slot as usize].1;
                }
            }
            if upper / text.total < min_coverage {
                continue;
            }
            // Best window of message positions.
            let width = text.words.len() * 2 + 3;
            let (mut best, mut best_span) = (0.0_f32, (0, 0));
            counts.fill(0);
            let mut sum = 0.0;
            let mut lo = 0;
            for hi in 0..hs.len() {
                let (slot, pos) = hs[hi];
                if counts[slot as usize] == 0 {
                    sum += text.words[slot as usize].1;
                }
                counts[slot as usize] += 1;
                while pos - hs[lo].1 > width {
                    let s = hs[lo].0 as usize;
                    counts[s] -= 1;
                    if counts[s] == 0 {
                        sum -= text.words[s].1;
                    }
                    lo += 1;
                }
                // A word repeated further on: the window starts there, with
                // the same words closer together.
                while lo < hi && counts[hs[lo].0 as usize] > 1 {
                    counts[hs[lo].0 as usize] -= 1;
                    lo += 1;
                }
                let tighter = pos - hs[lo].1 < best_span.1 - best_span.0;
                if sum > best + 1e-5 || (sum > best - 1e-5 && tighter) {
                    best = sum;
                    best_span = (hs[lo].1, pos);
                }
            }
            let coverage = best / text.total;
            // A one-word text (a title like "Country mismatch" shrinks to
            // little) needs more than one word of evidence in the message.
            // And "Spotify" is not such evidence ("spotify can't update
            // itself" is not found in "spotify says update my profile").
            let distinct = counts.len();
            if coverage < min_coverage {
                continue;
            }
            if distinct >= 2 {
                let found = found_slots(&hs, best_span);
                let found_spotify = text
                    .spotify_slot
                    .is_some_and(|s| found.binary_search(&s).is_ok());
                let others = distinct - usize::from(text.spotify_slot.is_some());
                if found.len() < 2 || found.len() - usize::from(found_spotify) < others.min(2) {
                    continue;
                }
            }
            // A pasted message arrives in one piece; its words scattered
            // over a story ("…Japan right now… Spotify can't play…") are
            // weaker evidence than another message found in one piece.
            // The same goes for its words out of their order.
            let span_words = best_span.1 - best_span.0 + 1;
            let spread = if matches!(text.kind, TextKind::Message | TextKind::Sentence)
                && (span_words > text.words.len() * 3 / 2 + 2
                    || !mostly_in_order(&hs, best_span, text.words.len()))
            {
                0.9
            } else {
                1.0
            };
            let start = tokens[words[best_span.0].0].start;
            let end = tokens[words[best_span.1].0].end;
            full.push((ti, coverage >= 0.95));
            out.push(TextHit {
                entry: text.entry,
                kind: text.kind,
                matched: text.original.clone(),
                score: coverage * text.kind.weight() * spread * text.substance(),
                start,
                end,
            });
        }
        // Two messages found whole where one's words are all in the other
        // ("…trying to download Spotify." inside "…trying to mount the
        // downloaded Spotify disk image."): the longer one is what was
        // pasted.
        for a in 0..out.len() {
            let (ta, whole_a) = full[a];
            if !whole_a {
                continue;
            }
            let subsumed = (0..out.len()).any(|b| {
                let (tb, whole_b) = full[b];
                b != a
                    && whole_b
                    && out[b].entry != out[a].entry
                    && out[b].start <= out[a].end
                    && out[a].start <= out[b].end
                    && self.strictly_within(ta, tb)
            });
            if subsumed {
                out[a].score -= 0.1;
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        out
    }

    /// Whether text `a`'s words are a strict subset of text `b`'s.
    fn strictly_within(&self, a: u32, b: u32) -> bool {
        let (a, b) = (&self.texts[a as usize], &self.texts[b as usize]);
        a.words.len() < b.words.len()
            && a.words
                .iter()
                .all(|(w, _)| b.words.iter().any(|(v, _)| v == w))
    }
}

/// Whether the text's words found inside the span mostly keep the text's
/// order (three in four of the neighbouring pairs; two words found must
/// keep it: "…wrong and it went…" is not "Something went wrong."). A word
/// the message repeats is read where it continues the order best ("…the
/// spotify installer… an error occurred while trying to extract
/// spotify"): at its first place after the previous word, else at its
/// first place.
fn mostly_in_order(hs: &[(u16, usize)], span: (usize, usize), n: usize) -> bool {
    let inside = || hs.iter().filter(|(_, p)| *p >= span.0 && *p <= span.1);
    let mut present: Vec<usize> = Vec::with_capacity(n);
    for slot in 0..n as u16 {
        let at = inside().filter(|(s, _)| *s == slot).map(|(_, p)| *p);
        let after = present
            .last()
            .and_then(|&prev| at.clone().find(|&p| p > prev));
        if let Some(p) = after.or_else(|| at.min()) {
            present.push(p);
        }
    }
    if present.len() < 2 {
        return true;
    }
    if present.len() == 2 {
        return present[0] < present[1];
    }
    let ordered = present.windows(2).filter(|w| w[0] < w[1]).count();
    ordered * 4 >= (present.len() - 1) * 3
}

/// The slots of the distinct text words found inside the span, sorted.
fn found_slots(hs: &[(u16, usize)], span: (usize, usize)) -> Vec<u16> {
    let mut slots: Vec<u16> = hs
        .iter()
        .filter(|(_, p)| *p >= span.0 && *p <= span.1)
        .map(|(s, _)| *s)
        .collect();
    slots.sort_unstable();
    slots.dedup();
    slots
}

/// The words people use for a platform.
fn platform_words(p: Platform) -> &'static [&'static str] {
    match p {
        Platform::Windows => &["windows", "pc", "win10", "win11"],
        Platform::Macos => &["mac", "macos", "macbook", "imac"],
        Platform::Linux => &["linux", "ubuntu", "flatpak", "snap"],
        Platform::Web => &["web", "browser", "chrome", "firefox", "webplayer"],
        Platform::Any => &[],
    }
}

/// The sentences of a displayed message. A sentence ends at `.`, `!` or
/// `?` followed by a space or the end, so `macOS 12.0 or later` stays whole.
fn split_sentences(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let ends = matches!(b, b'.' | b'!' | b'?')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
        if ends {
            out.push(&s[start..=i]);
            start = i + 1;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out.into_iter()
        .map(str::trim)
        .filter(|x| x.split_whitespace().count() >= 3)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sentences_end_at_a_stop_and_a_space_not_inside_a_version() {
        assert_eq!(
            super::split_sentences("Sorry, this version of Spotify is for macOS 12.0 or later."),
            vec!["Sorry, this version of Spotify is for macOS 12.0 or later."]
        );
        assert_eq!(
            super::split_sentences("Something went wrong. Try again later, please!"),
            vec!["Something went wrong.", "Try again later, please!"]
        );
    }
}
