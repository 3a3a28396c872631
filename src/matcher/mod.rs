//! Recognises Spotify errors in free text and screenshot text.
//!
//! The pipeline: [`normalize`] folds case, look-alikes and noise (on a
//! bounded prefix); [`tokens`] splits words; [`codes`] spots error codes in
//! every shape people and OCR write them; [`text`] scores displayed messages,
//! user phrases and titles by weighted word coverage. A code always wins
//! over words; several entries sharing one message make the result
//! ambiguous, led by the best fit. Nothing here knows Discord.
//!
//! Confidence is a calibrated 0–1 score: codes score by how code-like their
//! shape is, words by how much of a catalogue text the message contains.
//! [`Thresholds`] turn it into a [`Tier`]: answer, ask, or stay silent.

mod codes;
mod lexicon;
mod normalize;
mod text;
mod tokens;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::catalogue::{Catalogue, Entry};
pub use normalize::MAX_SCAN_CHARS;
use normalize::Normalized;

/// Why a candidate matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasonKind {
    Code,
    Message,
    Phrase,
    Title,
    /// The report's words, pooled, point to this entry's texts as a whole
    /// more than to any other's.
    Description,
}

/// What matched and where, in the caller's own text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub kind: ReasonKind,
    /// The catalogue code or text that matched.
    pub matched: String,
    /// Byte range in the input.
    pub start: usize,
    pub end: usize,
    /// The input's text at that range.
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: String,
    pub score: f32,
    pub reason: Reason,
}

/// What the bot should do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Stay silent.
    Low,
    /// Ask quietly: "Is this accesspoint:17?"
    Medium,
    /// Answer.
    High,
}

/// Confidence boundaries between tiers (configurable per guild).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// At or above: answer.
    pub answer: f32,
    /// At or above (and below `answer`): ask.
    pub ask: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            answer: 0.52,
            ask: 0.45,
        }
    }
}

impl Thresholds {
    pub fn tier(&self, confidence: f32) -> Tier {
        if confidence >= self.answer {
            Tier::High
        } else if confidence >= self.ask {
            Tier::Medium
        } else {
            Tier::Low
        }
    }
}

/// The matcher's verdict on one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    /// The entry to lead with, when any candidate is above the ask threshold.
    pub best: Option<String>,
    pub confidence: f32,
    /// Several entries fit about equally (a shared message, "error 3").
    pub ambiguous: bool,
    pub tier: Tier,
    /// Ranked, best first, at most [`MAX_CANDIDATES`].
    pub candidates: Vec<Candidate>,
    /// A well-formed code the catalogue does not know (`auth:74`).
    pub unknown_code: Option<String>,
    /// The message tells of an error that is over ("had accesspoint 17
    /// in 2021… never saw it again"): nothing to answer.
    pub resolved: bool,
    /// The message talks about an error rather than reports it: explains
    /// it ("mod note: accesspoint:17 almost always means a VPN"), asks out
    /// of interest ("…i dont have it, just curious"), or is about the
    /// server's guides ("can we add error code 30 to the faq?"): nothing
    /// to answer.
    pub discussed: bool,
    /// Only the first [`MAX_SCAN_CHARS`] characters were examined.
    pub truncated: bool,
}

impl MatchResult {
    /// The id to answer with at these thresholds, if any.
    pub fn answer(&self) -> Option<&str> {
        (self.tier == Tier::High)
            .then_some(self.best.as_deref())
            .flatten()
    }
}

pub const MAX_CANDIDATES: usize = 8;

/// Scores within this distance of the best make the result ambiguous.
const TIE: f32 = 0.04;

/// How far below the leader an entry that shows the same displayed message
/// still ties with it when the user paraphrased that message.
const SIBLING_SPAN: f32 = 0.3;

/// The confidence of a clear [`ReasonKind::Description`]: an answer at the
/// default thresholds, below any quoted message or code.
const DESCRIPTION_STRENGTH: f32 = 0.62;

/// One autocomplete suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub label: String,
    pub score: i64,
}

/// The matcher over one catalogue. Cheap to share; build it once per load.
pub struct Matcher {
    ids: Vec<String>,
    codes: codes::CodeIndex,
    text: text::TextIndex,
    thresholds: Thresholds,
    /// "id also title" per entry, for autocomplete.
    haystacks: Vec<String>,
    /// Whether each entry's first message carries no code (the app shows it bare).
    plain_message: Vec<bool>,
    /// Web API errors: their names (invalid_client, 429) are generic HTTP
    /// and OAuth terms, so they need a Spotify context.
    webapi: Vec<bool>,
    /// Entries whose displayed message blames another program ("…in use
    /// by another process"): a report names that program ("steam is
    /// open"), and it does not make the report another app's.
    blames_another_program: Vec<bool>,
    /// The catalogue's `lead` flag per entry.
    lead: Vec<bool>,
    /// Each entry's displayed messages, lower case, without their code.
    messages: Vec<Vec<String>>,
    titles: Vec<String>,
}

impl Matcher {
    pub fn new(catalogue: &Catalogue) -> Matcher {
        Self::with_thresholds(catalogue, Thresholds::default())
    }

    pub fn with_thresholds(catalogue: &Catalogue, thresholds: Thresholds) -> Matcher {
        let entries = catalogue.entries();
        Matcher {
            ids: entries.iter().map(|e| e.id.clone()).collect(),
            codes: codes::CodeIndex::new(catalogue),
            text: text::TextIndex::new(catalogue),
            thresholds,
            haystacks: entries
                .iter()
                .map(|e| format!("{} {} {}", e.id, e.also.join(" "), e.title))
                .collect(),
            plain_message: entries
                .iter()
                .map(|e| e.messages.iter().any(|m| !m.contains("(Error code")))
                .collect(),
            webapi: entries.iter().map(|e| e.category == "webapi").collect(),
            blames_another_program: entries
                .iter()
                .map(|e| e.messages.iter().any(|m| m.contains("another process")))
                .collect(),
            lead: entries.iter().map(|e| e.lead).collect(),
            messages: entries
                .iter()
                .map(|e| {
                    e.messages
                        .iter()
                        .map(|m| crate::catalogue::message_words(m).trim().to_lowercase())
                        .collect()
                })
                .collect(),
            titles: entries.iter().map(|e| e.title.clone()).collect(),
        }
    }

    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// Matches one message.
    pub fn match_text(&self, input: &str) -> MatchResult {
        self.match_with(input, self.thresholds)
    }

    /// Matches one message with another guild's thresholds.
    pub fn match_with(&self, input: &str, thresholds: Thresholds) -> MatchResult {
        let norm = Normalized::new(input);
        let toks = tokens::tokenize(&norm.text);
        // (How to read the message is worked out only once there is a code
        // or a catalogue text in it to read.)
        let context = codes::LazyContext::new(&toks);
        let code_hits = self.codes.scan(&norm.text, &toks, &context);
        // A report in another language: its words are matched read as
        // English (codes are read as written).
        let english = context
            .other_language()
            .then(|| lexicon::read_as_english(&toks));
        let english_context = english.as_deref().map(codes::LazyContext::new);
        let (words, wctx) = match (&english, &english_context) {
            (Some(e), Some(c)) => (e.as_slice(), c),
            _ => (toks.as_slice(), &context),
        };
        let content = text::content_words(words);
        let text_hits = self.text.scan(words, &content, 0.45);

        let excerpt = |s: usize, e: usize| excerpt_of(&norm, input, s, e);
        let question = norm.text.contains('?')
            || toks.first().is_some_and(|t| {
                matches!(
                    t.text,
                    "how" | "what" | "where" | "why" | "is" | "can" | "does" | "do"
                )
            });

        // Best evidence per entry.
        // A code inside a longer one (`accounts:4` in
        // `desktop_login_accounts:4`) is not a second code.
        let code_hits: Vec<_> = code_hits
            .iter()
            .filter(|h| {
                !code_hits.iter().any(|o| {
                    o.entry.is_some()
                        && o.start <= h.start
                        && o.end >= h.end
                        && (o.end - o.start) > (h.end - h.start)
                })
            })
            .collect();
        // Codes given as examples in an instruction or advice ("include
        // the code, like auth:3 or accesspoint:17"), and those listed after
        // one; codes that are a name ("a band called Error Code 7").
        let mut examples: Vec<usize> = Vec::new();
        // Talk about an error rather than a report of one: said of the
        // whole message (`Context::discussed`), or of a code or a message
        // where it stands.
        let mut explained = false;
        // A code said to be over where it stands ("accesspoint 17 gone
        // after i updated my country", "no more error 7").
        let mut over = false;
        // Some words were found to be a name: the rest is no description.
        let mut named_any = false;
        let mut starts: Vec<(usize, usize)> = code_hits.iter().map(|h| (h.start, h.end)).collect();
        starts.sort_unstable();
        let mut last_end = None;
        for &(start, end) in &starts {
            let listed = last_end.is_some_and(|e: usize| {
                e <= start
                    && matches!(
                        norm.text[e..start].trim_matches(|c: char| !c.is_alphanumeric()),
                        "" | "or" | "and"
                    )
            });
            let last = toks.binary_search_by_key(&end, |t| t.end);
            let first = toks.binary_search_by_key(&start, |t| t.start);
            over |= !question && first.is_ok_and(|k| context.over_at(&toks, k, last.ok()));
            let given = first.is_ok_and(|k| {
                context.example_at(&toks, k)
                    || context.name_at(&norm.text, &toks, k)
                    || last.is_ok_and(|l| {
                        let told = context.explained_at(&norm.text, &toks, k, l, question);
                        explained |= told;
                        told || context.name_after(&toks, l)
                    })
            });
            if listed || given {
                examples.push(start);
                last_end = Some(end);
            }
        }
        // And those listed before one ("accounts:103 and auth:3 are
        // usually the same firewall issue").
        let mut next_start = None;
        for &(start, end) in starts.iter().rev() {
            let listed = next_start.is_some_and(|n: usize| {
                end <= n
                    && matches!(
                        norm.text[end..n].trim_matches(|c: char| !c.is_alphanumeric()),
                        "" | "or" | "and"
                    )
            });
            if listed && !examples.contains(&start) {
                examples.push(start);
            }
            next_start = examples.contains(&start).then_some(start);
        }
        // The best evidence for each entry the message touches, and how
        // much a second kind of evidence supports it: (entry, candidate,
        // support). Only those entries, so that a catalogue of thousands
        // costs a message no more than one of dozens.
        let mut evidence: Vec<(usize, Candidate, f32)> = Vec::new();
        // Where each entry's evidence is in `evidence`.
        let mut slot_of: FxHashMap<usize, usize> = FxHashMap::default();
        let mut unknown_code = None;
        let mut any_code = false;
        // The strongest code found: words stay below it.
        let mut code_strength = 0.0f32;
        for h in code_hits {
            if examples.contains(&h.start) {
                continue;
            }
            // About another app named before it, and not about Spotify:
            // its errors, not ours.
            let elsewhere = context.elsewhere_before(h.start);
            let Some(e) = h.entry else {
                if !elsewhere {
                    unknown_code.get_or_insert_with(|| h.code.clone());
                }
                continue;
            };
            // Only a code written the Spotify way (with its colon) survives
            // another app's context.
            if elsewhere && (self.webapi[e] || !norm.text[h.start..h.end].contains(':')) {
                continue;
            }
            any_code = true;
            code_strength = code_strength.max(h.strength);
            let (start, end, ex) = excerpt(h.start, h.end);
            let cand = Candidate {
                id: self.ids[e].clone(),
                score: h.strength,
                reason: Reason {
                    kind: ReasonKind::Code,
                    matched: h.code.clone(),
                    start,
                    end,
                    excerpt: ex,
                },
            };
            match slot_of.get(&e).map(|&k| &mut evidence[k]) {
                Some(s) if s.1.score < cand.score => s.1 = cand,
                Some(_) => {}
                None => {
                    slot_of.insert(e, evidence.len());
                    evidence.push((e, cand, 0.0));
                }
            }
        }
        // Messages that are a name ("our next single is called 'no internet
        // connection detected'"): where they are, in the normalised text.
        let is_message = |h: &text::TextHit| {
            matches!(h.kind, text::TextKind::Message | text::TextKind::Sentence)
        };
        let named_spans: Vec<(usize, usize)> = text_hits
            .iter()
            .filter(|h| {
                is_message(h)
                    && words
                        .binary_search_by_key(&h.start, |t| t.start)
                        .is_ok_and(|k| wctx.name_at(&norm.text, words, k))
            })
            .map(|h| (h.start, h.end))
            .collect();
        for h in &text_hits {
            let e = h.entry;
            // Paraphrases next to another app's name are about that app;
            // a pasted Spotify message is ours unless the app came first.
            let elsewhere = match h.kind {
                text::TextKind::Title | text::TextKind::Phrase => {
                    wctx.not_spotify
                        || wctx.other_app_at.is_some()
                        || (!wctx.spotify
                            && !wctx.api
                            && ((wctx.foreign && h.matched.to_lowercase().contains("spotify"))
                                || (wctx.other_thing && h.score < 0.8)))
                }
                // "…is blocking my minecraft server" matched part of "A
                // firewall may be blocking Spotify." without its "Spotify".
                _ => {
                    // Likewise next to a device or another program
                    // ("my firewall blocks the printer"), and any message
                    // only partly there ("…tabs you can have open in
                    // chrome").
                    wctx.elsewhere_before(h.start)
                        || (!wctx.spotify
                            && !self.blames_another_program[e]
                            && ((wctx.foreign && h.matched.to_lowercase().contains("spotify"))
                                || (wctx.other_thing && h.score < 0.8)))
                }
            };
            // A message that is a name, and any words inside it (a phrase
            // "no connection…" in "…called 'no internet connection
            // detected'"), and any words said to make one ("'no internet
            // connection detected' would make a great album name").
            let named = named_spans.iter().any(|&(s, t)| h.start < t && s < h.end)
                || words
                    .binary_search_by_key(&h.end, |t| t.end)
                    .is_ok_and(|k| wctx.name_after(words, k));
            // A message explained ("if it says 'please turn off offline
            // mode and try again' that just means the track isn't
            // downloaded").
            // (The match ends at the message's last content word: "…try"
            // of "…try again"; not "…whatever that means".)
            let explained_here = is_message(h)
                && words
                    .binary_search_by_key(&h.start, |t| t.start)
                    .ok()
                    .zip(words.binary_search_by_key(&h.end, |t| t.end).ok())
                    .is_some_and(|(k, l)| {
                        // (Stop words after it are the message's too.)
                        let tail = words[l + 1..]
                            .iter()
                            .take(2)
                            .take_while(|t| text::is_stop(t.text))
                            .count();
                        (l..=l + tail).any(|l| wctx.explained_at(&norm.text, words, k, l, question))
                    });
            explained |= explained_here;
            named_any |= named;
            let elsewhere = elsewhere
                || words
                    .binary_search_by_key(&h.start, |t| t.start)
                    .is_ok_and(|k| wctx.other_app_says(words, k));
            if elsewhere || named || explained_here {
                continue;
            }
            let mut score = h.score;
            // Without a word that something went wrong, words alone are
            // chatter ("how do i change my display name"); our own titles
            // need Spotify named too ("…the profile pic on my spotify
            // account" is not "Incomplete account profile"); Web API
            // wording needs Spotify named.
            let weak = match h.kind {
                text::TextKind::Title => !wctx.spotify || !wctx.problem,
                text::TextKind::Phrase => !wctx.problem,
                // A question about part of a message is a how-to ("how do
                // i put spotify in offline mode?").
                text::TextKind::Message | text::TextKind::Sentence => {
                    !wctx.problem && ((!wctx.spotify && score < 0.65) || (question && score < 0.8))
                }
            } || (self.webapi[e] && !wctx.spotify && !wctx.api && score < 0.65);
            if weak {
                score = score.min(0.4);
            }
            // A developer's report about the Web API ("…from the api",
            // "the play endpoint") is about a Web API error, not about the
            // app's own errors that share its words ("premium required").
            if wctx.web_api && !self.webapi[e] {
                score *= 0.85;
            }
            // The app shows some shared messages bare and others with a code
            // suffix; pasted bare, the bare one is the better fit.
            if matches!(h.kind, text::TextKind::Message | text::TextKind::Sentence)
                && self.plain_message[e]
            {
                score += 0.02;
            }
            // Words are evidence too, but never beat a code.
            if any_code {
                score = score.min(0.6).min(code_strength - 0.01);
            }
            // Words found inside a quoted message (a phrase with "firewall"
            // inside the firewall message) are the same evidence again, not
            // a second piece. (Two descriptions of one entry that agree
            // are.)
            let span = norm.original_range(h.start, h.end);
            let second = |b: &Candidate| {
                b.reason.kind != ReasonKind::Message
                    || !nested(span, (b.reason.start, b.reason.end))
            };
            match slot_of.get(&e).map(|&k| &mut evidence[k]) {
                Some((_, b, support)) if b.reason.kind == ReasonKind::Code => {
                    *support = support.max(score);
                }
                Some((_, b, support)) if b.score >= score => {
                    if second(b) {
                        *support = support.max(score * 0.5);
                    }
                }
                slot => {
                    let (start, end, ex) = excerpt(h.start, h.end);
                    let cand = Candidate {
                        id: self.ids[e].clone(),
                        score,
                        reason: Reason {
                            kind: match h.kind {
                                text::TextKind::Message | text::TextKind::Sentence => {
                                    ReasonKind::Message
                                }
                                text::TextKind::Phrase => ReasonKind::Phrase,
                                text::TextKind::Title => ReasonKind::Title,
                            },
                            matched: h.matched.clone(),
                            start,
                            end,
                            excerpt: ex,
                        },
                    };
                    match slot {
                        Some((_, prev, support)) => {
                            if second(prev) {
                                *support = support.max(prev.score * 0.5);
                            }
                            *prev = cand;
                        }
                        None => {
                            slot_of.insert(e, evidence.len());
                            evidence.push((e, cand, 0.0));
                        }
                    }
                }
            }
        }
        let supported: Vec<usize> = evidence.iter().filter(|s| s.2 > 0.0).map(|s| s.0).collect();
        let mut ranked: Vec<(usize, Candidate)> = evidence
            .into_iter()
            .map(|(e, mut c, support)| {
                // A second kind of evidence for the same entry nudges it up.
                c.score = (c.score + 0.1 * support).min(1.0);
                (e, c)
            })
            .collect();
        rank(&mut ranked);
        if !named_any {
            self.description(&mut ranked, words, &content, wctx, &norm, input, thresholds);
        }
        self.lead_shared_message(&mut ranked, &content, &supported);
        let mut candidates: Vec<Candidate> = ranked.into_iter().map(|(_, c)| c).collect();
        candidates.truncate(MAX_CANDIDATES);

        let confidence = candidates.first().map_or(0.0, |c| c.score);
        // An error told as over is news, and one talked about is talk: not
        // a request for help. (Only said of a message with an error in it.)
        let discussed = explained || (!candidates.is_empty() && context.discussed);
        let resolved = over || codes::resolved(&toks);
        let tier = if resolved || discussed {
            Tier::Low
        } else {
            thresholds.tier(confidence)
        };
        let ambiguous =
            candidates.len() > 1 && candidates[1].score >= confidence - TIE && tier > Tier::Low;
        let best = candidates
            .first()
            .filter(|_| tier > Tier::Low)
            .map(|c| c.id.clone());
        if resolved || discussed || (best.is_some() && any_code) {
            unknown_code = None;
        }
        MatchResult {
            best,
            confidence,
            ambiguous,
            tier,
            candidates,
            unknown_code,
            resolved,
            discussed,
            truncated: norm.truncated,
        }
    }

    /// A complaint in the user's own words that no single text matched
    /// well (nothing to answer, or only a loose phrase or title): the
    /// entry its words point to as a whole ([`text::TextIndex::profile`]),
    /// when that is clear: three shared words or more, well ahead of the
    /// runner-up, and no other app named (a device, a browser or an
    /// update is fine when Spotify is named too: "after the windows update
    /// spotify…").
    #[allow(clippy::too_many_arguments)]
    fn description(
        &self,
        ranked: &mut Vec<(usize, Candidate)>,
        toks: &[tokens::Token<'_>],
        content: &[text::Word<'_>],
        context: &codes::LazyContext<'_, '_>,
        norm: &Normalized,
        input: &str,
        thresholds: Thresholds,
    ) {
        // A code, even an unsure one, always wins over words.
        let any_code = ranked
            .iter()
            .any(|(_, c)| c.reason.kind == ReasonKind::Code);
        let loose = ranked.first().is_none_or(|(_, c)| {
            c.score < thresholds.answer
                || (matches!(c.reason.kind, ReasonKind::Phrase | ReasonKind::Title)
                    && c.score < DESCRIPTION_STRENGTH)
        });
        // (Fewer than three words the profile knows: not worth reading the
        // message's context for.)
        if any_code || !loose || self.text.profile_words(content) < 3 {
            return;
        }
        // Nor when another program or device is named and Spotify is not
        // ("chrome says ERR_CONNECTION_TIMED_OUT on every site").
        if !context.complaint
            || context.other_app_at.is_some()
            || context.not_spotify
            || (context.other_thing && !context.spotify)
        {
            return;
        }
        let Some(p) = self.text.profile(toks, content) else {
            return;
        };
        if p.words < 3 || p.margin < 3.0 || p.score < 10.0 {
            return;
        }
        if self.webapi[p.entry] && !context.spotify && !context.api {
            return;
        }
        let (start, end, excerpt) = excerpt_of(norm, input, p.start, p.end);
        let cand = Candidate {
            id: self.ids[p.entry].clone(),
            score: DESCRIPTION_STRENGTH,
            reason: Reason {
                kind: ReasonKind::Description,
                matched: self.titles[p.entry].clone(),
                start,
                end,
                excerpt,
            },
        };
        match ranked.iter_mut().find(|(e, _)| *e == p.entry) {
            Some((_, c)) if c.score >= cand.score => return,
            Some(slot) => slot.1 = cand,
            None => ranked.push((p.entry, cand)),
        }
        rank(ranked);
    }

    /// Entries tied on a quoted message (several show "A firewall may be
    /// blocking Spotify."): the one that fits the rest of the report leads.
    /// Fit is, in order of weight: the report names words of the entry's
    /// causes, steps or platforms ("…only with my vpn on"); the entry has a
    /// second piece of evidence (it shows both messages quoted); the
    /// catalogue marks it as the `lead` for that message. The nudges are
    /// smaller than the tie margin, so the result stays ambiguous and the
    /// others stay candidates.
    ///
    /// Entries tied on the user's own words (phrases, titles, descriptions)
    /// are ordered the same way ("on the free plan … spotify can't play
    /// this, my friend with premium can" fits the Premium-only entry), but
    /// keep their scores: a tie-break is no reason to answer. When the
    /// user's words are a paraphrase of a message the leader shares with
    /// other entries, those entries tie with it too.
    fn lead_shared_message(
        &self,
        ranked: &mut [(usize, Candidate)],
        content: &[text::Word<'_>],
        supported: &[usize],
    ) {
        let Some((_, top)) = ranked.first() else {
            return;
        };
        let floor = top.score - TIE;
        // A quoted message ties with the others quoting it; a description
        // in the user's words with other descriptions. (Those are only
        // ordered: a tie-break never lifts words over a threshold.)
        let pasted = top.reason.kind == ReasonKind::Message;
        let (top_entry, top_score) = (ranked[0].0, top.score);
        // The user's words for a message several entries show ("it says
        // only premium users can use it") fit each of them: an entry that
        // shows the same message as the leader ties with it.
        let sibling = |e: usize, c: &Candidate| {
            !pasted
                && c.reason.kind != ReasonKind::Code
                && c.score >= top_score - SIBLING_SPAN
                && self.shares_message(top_entry, e)
        };
        let close = |c: &Candidate| {
            c.score >= floor
                && match c.reason.kind {
                    ReasonKind::Code => false,
                    ReasonKind::Message => pasted,
                    _ => !pasted,
                }
        };
        if !close(top) {
            return;
        }
        // (A stable sort, each key computed once: the tied first, each side
        // in its order.)
        ranked[1..].sort_by_cached_key(|(e, c)| !(close(c) || sibling(*e, c)));
        let mut tied = 1;
        for (e, c) in ranked[1..].iter_mut() {
            let sib = sibling(*e, c);
            if !(sib || close(c)) {
                break;
            }
            if sib {
                c.score = top_score;
            }
            tied += 1;
        }
        if tied < 2 {
            return;
        }
        // (score with the nudge, uncapped, so that ties at 1.0 still order)
        let quoted: Vec<(usize, &str)> = ranked[..tied]
            .iter()
            .map(|(e, c)| (*e, c.reason.matched.as_str()))
            .collect();
        let fits = self.text.fit(content, &quoted, pasted);
        let mut keyed: Vec<(f32, (usize, Candidate))> = ranked[..tied]
            .iter()
            .cloned()
            .zip(fits)
            .map(|((e, mut c), fit)| {
                // (Ordering the user's own words, the fit counts whole: their
                // scores stay below the leader's either way.)
                let fit = if pasted { fit.min(3) } else { fit } as f32;
                let nudge = 0.012 * fit
                    + if supported.contains(&e) { 0.006 } else { 0.0 }
                    + if self.lead[e] { 0.004 } else { 0.0 };
                let key = c.score + nudge;
                c.score = key.min(if pasted { 1.0 } else { top_score });
                (key, (e, c))
            })
            .collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| order(&a.1.1, &b.1.1)));
        for (slot, (_, ec)) in ranked.iter_mut().zip(keyed) {
            *slot = ec;
        }
    }

    /// Whether two entries show a displayed message in common.
    fn shares_message(&self, a: usize, b: usize) -> bool {
        a != b
            && self.messages[a]
                .iter()
                .any(|m| self.messages[b].contains(m))
    }

    /// Autocomplete: up to `limit` entries for what the user has typed so
    /// far, best first. An empty query lists the catalogue in order.
    pub fn suggest<'c>(
        &self,
        catalogue: &'c Catalogue,
        query: &str,
        limit: usize,
    ) -> Vec<Suggestion> {
        let q = query.trim();
        let entries = catalogue.entries();
        let label = |e: &'c Entry| crate::view::option_label(e);
        if q.is_empty() {
            return entries
                .iter()
                .take(limit)
                .map(|e| Suggestion {
                    id: e.id.clone(),
                    label: label(e),
                    score: 0,
                })
                .collect();
        }
        let mut scored: Vec<(i64, usize)> = Vec::new();
        // What the full matcher makes of it first ("ap 17", "acc3sspoint:l7").
        let m = self.match_with(
            q,
            Thresholds {
                answer: 0.0,
                ask: 0.0,
            },
        );
        for c in &m.candidates {
            if let Some(i) = self.ids.iter().position(|id| *id == c.id) {
                scored.push((1_000_000 + (c.score * 1000.0) as i64, i));
            }
        }
        let fm = SkimMatcherV2::default().ignore_case();
        for (i, hay) in self.haystacks.iter().enumerate() {
            let mut s = fm.fuzzy_match(hay, q).unwrap_or(i64::MIN);
            if self.ids[i].eq_ignore_ascii_case(q) {
                s = i64::MAX / 2;
            } else if self.ids[i].starts_with(&q.to_lowercase()) {
                s = s.saturating_add(500_000);
            }
            if s > i64::MIN {
                scored.push((s, i));
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut seen = vec![false; entries.len()];
        let mut out = Vec::new();
        for (s, i) in scored {
            if seen[i] || i >= entries.len() {
                continue;
            }
            seen[i] = true;
            out.push(Suggestion {
                id: entries[i].id.clone(),
                label: label(&entries[i]),
                score: s,
            });
            if out.len() == limit {
                break;
            }
        }
        out
    }
}

/// Candidates best first: by score, a code before words at equal score,
/// then by id so that the order never depends on the catalogue's.
fn order(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| (a.reason.kind != ReasonKind::Code).cmp(&(b.reason.kind != ReasonKind::Code)))
        .then_with(|| a.id.cmp(&b.id))
}

fn rank(ranked: &mut [(usize, Candidate)]) {
    ranked.sort_by(|a, b| order(&a.1, &b.1));
}

/// Whether one byte range lies within the other.
fn nested(a: (usize, usize), b: (usize, usize)) -> bool {
    (a.0 >= b.0 && a.1 <= b.1) || (b.0 >= a.0 && b.1 <= a.1)
}

/// The caller's own text for a range of the normalised text: (start, end,
/// excerpt), on character boundaries.
fn excerpt_of(norm: &Normalized, input: &str, s: usize, e: usize) -> (usize, usize, String) {
    let (a, b) = norm.original_range(s, e);
    let a = floor_char(input, a);
    let b = floor_char(input, b.max(a));
    (a, b, input[a..b].to_string())
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
