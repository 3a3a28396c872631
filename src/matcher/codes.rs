//! Spotting error codes in text.
//!
//! Codes come in three shapes, all derived from the catalogue's ids and
//! `also` codes (a new entry is recognised without touching this file):
//! - namespaced: `accesspoint:17`, written as `Accesspoint 17`, `access point 17`,
//!   `AP:17`, `auth73`, `acc3sspoint;l7`, `installer error 18`;
//! - symbolic: `EME_NO_SUPPORTED_KEYSYSTEM`, `banned_by_user_track`,
//!   `PREMIUM_REQUIRED` (the word part of `webapi:premium_required`);
//! - bare numbers after the word "error": `Error code: 4`, `error 2026`,
//!   `(Error code: 17 / ...)`, resolved through the `error:` namespace or
//!   through the entry whose code ends in that number.
//!
//! Weak namespaces (short, everyday words such as `session`, `auth`, `ap`)
//! only count when written code-like (`session:3`, `auth73`) or when the
//! message talks about an error or Spotify at all, so that "session 3 of
//! the workshop" stays chatter.

use std::cell::OnceCell;
use std::ops::Deref;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use super::tokens::{Token, fuzzy_key, fuzzy_word, ocr_digit, ocr_digits, ocr_letters, tokenize};
use crate::catalogue::Catalogue;

/// A code found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeHit {
    /// The entry it names, or `None` for a well-formed code the catalogue
    /// does not know (`auth:74`): a knowledge gap.
    pub entry: Option<usize>,
    /// The code as the catalogue writes it (`auth:73`), or the normalised
    /// unknown code.
    pub code: String,
    /// Byte range in the normalised text.
    pub start: usize,
    pub end: usize,
    /// How sure the shape is, 0 to 1.
    pub strength: f32,
}

#[derive(Debug)]
struct Namespace {
    name: String,
    /// Long, unmistakable namespaces count even without a colon.
    strong: bool,
    /// (code tokens after the namespace, entry index)
    codes: Vec<(Vec<String>, usize)>,
}

impl Namespace {
    /// The entry whose code is this bare number (`accounts` and "103").
    fn entry_for(&self, num: &str) -> Option<usize> {
        self.codes
            .iter()
            .find(|(rest, _)| rest.len() == 1 && rest[0] == num)
            .map(|(_, entry)| *entry)
    }
}

#[derive(Debug)]
struct Symbol {
    tokens: Vec<String>,
    code: String,
    entry: usize,
}

/// Spellings people use for a namespace beyond its own name.
const NAMESPACE_ALIASES: &[(&str, &[&str])] = &[
    ("accesspoint", &["access point", "access-point", "ap"]),
    ("accounts", &["account"]),
    ("installer", &["installation", "install", "installer error"]),
    ("webapi", &["web api", "http", "api", "status"]),
    ("desktop_login_accounts", &["desktop login account"]),
];

/// The strength of a code that is probably meant but not certain: between
/// the default ask and answer thresholds, so the bot asks "Is this …?".
const ASK_STRENGTH: f32 = 0.5;

/// Words that make a message about an error at all.
const ERROR_WORDS: &[&str] = &[
    "error",
    "err",
    "errorcode",
    "code",
    "erro",
    "errore",
    "fehler",
    "erreur",
];

/// Other software whose errors people mention in a Spotify server; a bare
/// number next to these is theirs, not Spotify's.
const FOREIGN: &[&str] = &[
    "steam",
    "xbox",
    "playstation",
    "ps4",
    "ps5",
    "psn",
    "nintendo",
    "discord",
    "python",
    "npm",
    "node",
    "java",
    "javascript",
    "rust",
    "cargo",
    "pip",
    "netflix",
    "hulu",
    "disney",
    "youtube",
    "twitch",
    "nginx",
    "apache",
    "printer",
    "roblox",
    "minecraft",
    "fortnite",
    "valorant",
    "epic",
    "battlenet",
    "origin",
    "zoom",
    "teams",
    "outlook",
    "git",
    "github",
    "docker",
    "mysql",
    "postgres",
    "tidal",
    "deezer",
    "itunes",
    "apple",
    "amazon",
    "soundcloud",
    "bandcamp",
    "script",
    "compiler",
    "router",
    "modem",
    "bios",
    "hotel",
    "room",
    "game",
    "games",
    "gaming",
    "bank",
    "banking",
    "windowsupdate",
    "update",
    "canvas",
    "office",
    "excel",
    "chrome",
    "chromebook",
];

/// "Error" in the languages people in help servers write, for the
/// "error 30" rule.
const INTL_ERROR_WORDS: &[&str] = &[
    "fehler",
    "fehlercode",
    "erreur",
    "errore",
    "hata",
    "hatası",
    "hatayı",
    "foutcode",
    "fout",
    "blad",
    "bład",
    "bląd",
    "błąd",
    "błędu",
    "błędem",
    "felkod",
    "fel",
    "virhe",
    "fejl",
    "fejlkode",
    "feil",
    "feilkode",
    "chyba",
    "chybu",
    "chyby",
    "chybou",
    "chybový",
    "hiba",
    "hibát",
    "hibakód",
    "hibakódot",
    "ошибка",
    "ошибку",
    "ошибки",
    "ошибкой",
    "помилка",
    "помилку",
    "помилки",
    "greška",
    "grešku",
    "greške",
    "eroare",
    "eroarea",
    "σφάλμα",
    "lỗi",
    "kesalahan",
    "galat",
];

/// Other apps, games, services and tools: a message about one of these (and
/// not about Spotify) is about its errors, even when the wording matches a
/// Spotify message ("fortnite says a firewall may be blocking the
/// connection"). Kept separate from [`FOREIGN`], whose words (router, hotel,
/// update) only change how a bare number reads.
const OTHER_APPS: &[&str] = &[
    "gta",
    "fivem",
    "rockstar",
    "warzone",
    "overwatch",
    "apex",
    "genshin",
    "fifa",
    "battlefield",
    "blizzard",
    "riot",
    "vanguard",
    "ubisoft",
    "uplay",
    "pubg",
    "csgo",
    "dota",
    "steam",
    "xbox",
    "playstation",
    "ps4",
    "ps5",
    "psn",
    "nintendo",
    "netflix",
    "hulu",
    "disney",
    "youtube",
    "twitch",
    "apple",
    "roblox",
    "minecraft",
    "fortnite",
    "valorant",
    "epic",
    "battlenet",
    "origin",
    "zoom",
    "teams",
    "outlook",
    "tidal",
    "deezer",
    "itunes",
    "amazon",
    "soundcloud",
    "bandcamp",
    "unity",
    "adobe",
    "photoshop",
    "creative",
    "obs",
    "vlc",
    "onedrive",
    "dropbox",
    "icloud",
    "whatsapp",
    "telegram",
    "instagram",
    "tiktok",
    "snapchat",
    "reddit",
    "ubisoft",
    "uplay",
    "blizzard",
    "riot",
    "skype",
    "slack",
    "pandora",
    "qobuz",
    "plex",
    "jellyfin",
    "kodi",
    "winamp",
    "musicbee",
    "nvidia",
    "geforce",
    "league",
    "overwatch",
    "warzone",
    "genshin",
    "appletv",
    "crunchyroll",
    "hbo",
    "primevideo",
    "audible",
    "twitter",
    // App stores ("the app store says it cannot connect"; also "app
    // store" and "play store" in two words, see `Context::of`). Spotify
    // named with them still counts as Spotify.
    "appstore",
    "playstore",
];

/// Developer tools and platforms: their errors look like Web API errors
/// (429, invalid_client), but a Spotify developer uses them too, so they
/// only count as "elsewhere" when nothing in the message is about Spotify.
const DEV_TOOLS: &[&str] = &[
    "python",
    "npm",
    "node",
    "java",
    "javascript",
    "cargo",
    "pip",
    "nginx",
    "apache",
    "github",
    "gitlab",
    "docker",
    "mysql",
    "postgres",
    "postgresql",
    "openai",
    "chatgpt",
    "gpt",
    "azure",
    "aadsts",
    "aws",
    "google",
    "gmail",
    "vscode",
    "kubernetes",
    "kubectl",
    "jenkins",
    "heroku",
    "vercel",
    "cloudflare",
    "wordpress",
    "paypal",
    "discord",
];

/// Words that tie a developer's message to Spotify, besides the
/// [`MUSIC_WORDS`] (which count too).
const SPOTIFY_ISH: &[&str] = &[
    "playback",
    "player",
    "play",
    "queue",
    "premium_required",
    "me",
    "v1",
    // (An app's client secret, on a Spotify help server: the Web API's.)
    "secret",
];

/// Words of a Web API report.
const API_WORDS: &[&str] = &[
    "api",
    "endpoint",
    "endpoints",
    "oauth",
    "token",
    "sdk",
    "request",
    "requests",
    "http",
    "client",
    "developer",
    "dev",
    "bot",
    "script",
    "app",
    "v1",
    "webapi",
    "web",
];

/// Words about music on Spotify: with one of these, "accounts 409" is
/// about Spotify.
const MUSIC_WORDS: &[&str] = &[
    "premium",
    "playlist",
    "playlists",
    "song",
    "songs",
    "track",
    "tracks",
    "album",
    "albums",
    "podcast",
    "podcasts",
    "shuffle",
    "liked",
    "artist",
    "artists",
];

/// Problem words that also run through advice and small talk ("…then
/// start it again", "says"): a complaint needs another.
const SOFT_PROBLEM_WORDS: &[&str] = &[
    "again", "help", "says", "said", "saying", "shows", "showing", "keeps", "message", "popup",
    "tells", "telling", "told",
];

/// Words only a developer uses about Spotify's Web API.
/// ("token" and "oauth" are not: the desktop app's login has them too.)
const WEB_API_WORDS: &[&str] = &[
    "api",
    "webapi",
    "endpoint",
    "endpoints",
    "sdk",
    "v1",
    "curl",
    "postman",
    "spotipy",
    "scope",
    "scopes",
];

/// Words that say something went wrong (or a question about it).
const PROBLEM_WORDS: &[&str] = &[
    "error",
    "err",
    "errorcode",
    "code",
    "not",
    "no",
    "cant",
    "can",
    "cannot",
    "couldnt",
    "couldn",
    "wont",
    "won",
    "doesnt",
    "doesn",
    "didnt",
    "didn",
    "isnt",
    "isn",
    "unable",
    "fail",
    "fails",
    "failed",
    "failing",
    "failure",
    "blocked",
    "blocking",
    "block",
    "blocks",
    "expired",
    "invalid",
    "incorrect",
    "wrong",
    "denied",
    "problem",
    "issue",
    "issues",
    "broken",
    "stuck",
    "crash",
    "crashes",
    "crashed",
    "says",
    "said",
    "saying",
    "tells",
    "telling",
    "told",
    "shows",
    "showing",
    "keeps",
    "popup",
    "message",
    "help",
    "again",
    "unavailable",
    "restricted",
    "required",
    "limit",
    "limited",
    "disabled",
    "stopped",
    "logged",
    "kicked",
    "greyed",
    "grayed",
    "missing",
    "refuses",
    "rejected",
    "mismatch",
    "erro",
    "errore",
    "fehler",
    "erreur",
    "hata",
    "fout",
    "foutcode",
    "blad",
    "błąd",
    "falla",
    "fallo",
    "stop",
    "stops",
    "dies",
    "died",
    "dont",
    "freezes",
    "frozen",
    "skips",
    "cuts",
    "anymore",
    "complains",
    "complaining",
    "bug",
    "buggy",
    "glitch",
    "glitching",
    "broke",
    "breaks",
    "refused",
    "weird",
    "strange",
    "whines",
    "moans",
    "blank",
    "empty",
    "frozen",
    "freezes",
    "froze",
    "freezing",
    "hangs",
    // (A developer's "throws": "the api throws too many requests".)
    "throws",
    "throwing",
];

/// `0x` and six hexadecimal digits or more: a Windows (HRESULT) or
/// console error code.
fn is_hex_code(t: &str) -> bool {
    t.len() >= 8 && t.starts_with("0x") && t[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Namespaces whose name alone is distinctive enough.
fn is_strong(ns: &str) -> bool {
    ns.len() >= 9 || ns.contains('.') || ns.contains('_')
}

pub struct CodeIndex {
    namespaces: Vec<Namespace>,
    /// First token of an alias → (alias tokens, namespace index), longest first.
    aliases: HashMap<String, Vec<(Vec<String>, usize)>>,
    /// Long single-token aliases, for OCR-tolerant comparison.
    fuzzy_aliases: Vec<(String, usize)>,
    symbols: HashMap<String, Vec<Symbol>>,
    /// Numeric code → entries whose code ends in it (`17` → accesspoint:17).
    by_number: HashMap<String, Vec<(usize, String)>>,
    /// The `error:` namespace, handled by the "error N" rule.
    error_ns: Option<usize>,
}

fn toks(s: &str) -> Vec<String> {
    tokenize(s).iter().map(|t| t.text.to_string()).collect()
}

impl CodeIndex {
    pub fn new(catalogue: &Catalogue) -> CodeIndex {
        let mut namespaces: Vec<Namespace> = Vec::new();
        let mut symbols: HashMap<String, Vec<Symbol>> = HashMap::default();
        let mut by_number: HashMap<String, Vec<(usize, String)>> = HashMap::default();
        let mut add_symbol = |tokens: Vec<String>, code: &str, entry: usize| {
            if let Some(first) = tokens.first().cloned() {
                symbols.entry(first).or_default().push(Symbol {
                    tokens,
                    code: code.to_string(),
                    entry,
                });
            }
        };
        for (i, e) in catalogue.entries().iter().enumerate() {
            for code in e.codes() {
                match code.split_once(':') {
                    Some((ns, rest)) => {
                        let ni = match namespaces.iter().position(|n| n.name == ns) {
                            Some(ni) => ni,
                            None => {
                                namespaces.push(Namespace {
                                    name: ns.to_string(),
                                    strong: is_strong(ns),
                                    codes: Vec::new(),
                                });
                                namespaces.len() - 1
                            }
                        };
                        let rest_toks = toks(rest);
                        if rest_toks.len() == 1 && rest_toks[0].bytes().all(|b| b.is_ascii_digit())
                        {
                            by_number
                                .entry(rest_toks[0].clone())
                                .or_default()
                                .push((i, code.to_string()));
                        } else if rest_toks.len() >= 2 {
                            add_symbol(rest_toks.clone(), code, i);
                        }
                        namespaces[ni].codes.push((rest_toks, i));
                    }
                    None => add_symbol(toks(code), code, i),
                }
            }
        }
        let error_ns = namespaces.iter().position(|n| n.name == "error");
        let mut aliases: HashMap<String, Vec<(Vec<String>, usize)>> = HashMap::default();
        let mut fuzzy_aliases = Vec::new();
        for (ni, ns) in namespaces.iter().enumerate() {
            if Some(ni) == error_ns {
                continue;
            }
            let mut spellings = vec![ns.name.clone()];
            for (name, extra) in NAMESPACE_ALIASES {
                if *name == ns.name {
                    spellings.extend(extra.iter().map(|s| s.to_string()));
                }
            }
            for s in spellings {
                let t = toks(&s);
                if t.len() == 1 && t[0].len() >= 6 {
                    fuzzy_aliases.push((t[0].clone(), ni));
                }
                // "accesspoint" also written joined from "access point" etc.
                if t.len() > 1 {
                    let joined = t.concat();
                    if joined.len() >= 6 {
                        fuzzy_aliases.push((joined, ni));
                    }
                }
                if let Some(first) = t.first().cloned() {
                    aliases.entry(first).or_default().push((t, ni));
                }
            }
        }
        for list in aliases.values_mut() {
            list.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        }
        CodeIndex {
            namespaces,
            aliases,
            fuzzy_aliases,
            symbols,
            by_number,
            error_ns,
        }
    }

    /// Every code-like mention in `text` (already normalised).
    pub(crate) fn scan(
        &self,
        text: &str,
        tokens: &[Token<'_>],
        context: &LazyContext<'_, '_>,
    ) -> Vec<CodeHit> {
        let mut hits = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            self.symbols_at(text, tokens, i, context, &mut hits);
            let before = hits.len();
            if let Some((ni, j)) = self.namespace_at(text, tokens, i) {
                self.codes_after(text, tokens, i, ni, j, context, &mut hits);
            }
            // (A namespace with its number joined can also read as a
            // misspelt namespace: "accesspoint17" is "accesspointlt".)
            if hits.len() == before {
                self.joined_at(tokens, i, context, &mut hits);
            }
            self.error_number_at(text, tokens, i, context, &mut hits);
            self.number_error_at(text, tokens, i, context, &mut hits);
            self.status_at(tokens, i, context, &mut hits);
            i += 1;
        }
        hits
    }

    fn symbols_at(
        &self,
        text: &str,
        tokens: &[Token<'_>],
        i: usize,
        context: &LazyContext<'_, '_>,
        hits: &mut Vec<CodeHit>,
    ) {
        // OCR reads the O of a constant as 0 (`EME_N0_SUPP0RTED_KEYSYSTEM`).
        let same = |t: &str, s: &str| {
            t == s || (t.bytes().any(|b| b.is_ascii_digit()) && ocr_letters(t) == s)
        };
        let first = tokens[i].text;
        let list = match self.symbols.get(first) {
            Some(list) => list,
            None if first.bytes().any(|b| b.is_ascii_digit()) => {
                match self.symbols.get(ocr_letters(first).as_str()) {
                    Some(list) => list,
                    None => return,
                }
            }
            None => return,
        };
        for sym in list {
            let n = sym.tokens.len();
            if i + n > tokens.len() {
                continue;
            }
            let window = &tokens[i..i + n];
            // After the first word of a long constant, a long word may be
            // mistyped ("eme_no_supported_keysytem").
            let close = |k: usize, t: &str, s: &str| {
                same(t, s) || (n >= 3 && k > 0 && s.len() >= 6 && fuzzy_word(t, s))
            };
            if !window
                .iter()
                .zip(&sym.tokens)
                .enumerate()
                .all(|(k, (t, s))| close(k, t.text, s))
            {
                continue;
            }
            // Written as a constant (`_`, `-`, `.` joints) is certain; spaced
            // out it is only trusted for long, unmistakable names.
            let mut joined = true;
            for w in window.windows(2) {
                let sep = &text[w[0].end..w[1].start];
                if sep.is_empty() || sep.len() > 2 || sep.chars().any(char::is_whitespace) {
                    joined = false;
                }
                if sep.len() > 3 {
                    joined = false;
                }
            }
            let spaced_ok = window.windows(2).all(|w| {
                let sep = &text[w[0].end..w[1].start];
                !sep.is_empty() && sep.len() <= 3
            });
            // Two words spaced out: a Web API name ("premium required") in
            // a Web API report, another name when both words are long
            // ("unsupported platform", not "fatal error") and the message
            // is about Spotify or an error.
            let two_long = n == 2
                && !sym.code.starts_with("webapi:")
                && sym.tokens.iter().all(|t| t.len() >= 6)
                && context.spotify_or_error;
            let strength = if joined {
                1.0
            } else if spaced_ok && (n >= 3 || (n == 2 && context.web_api) || two_long) {
                0.8
            } else {
                continue;
            };
            hits.push(CodeHit {
                entry: Some(sym.entry),
                code: sym.code.clone(),
                start: window[0].start,
                end: window[n - 1].end,
                strength,
            });
        }
    }

    /// A namespace starting at token `i`: (namespace, index of the token after it).
    fn namespace_at(&self, text: &str, tokens: &[Token<'_>], i: usize) -> Option<(usize, usize)> {
        if let Some(list) = self.aliases.get(tokens[i].text) {
            for (alias, ni) in list {
                let n = alias.len();
                if i + n > tokens.len() {
                    continue;
                }
                // Long words of a multi-word namespace may be OCR-garbled
                // (`com.spotify.instaIler`), and any with a digit for a
                // letter (`desktop_1ogin_accounts`).
                let ok = tokens[i..i + n].iter().zip(alias).all(|(t, a)| {
                    t.text == a
                        || (n > 1 && a.len() >= 6 && fuzzy_word(t.text, a))
                        || (n > 1
                            && t.text.bytes().any(|b| b.is_ascii_digit())
                            && ocr_letters(t.text) == *a)
                }) && tokens[i..i + n].windows(2).all(|w| {
                    w[1].start - w[0].end <= 2 && !text[w[0].end..w[1].start].contains('\n')
                });
                if ok {
                    return Some((*ni, i + n));
                }
            }
        }
        let t = tokens[i].text;
        if t.len() >= 5 && t.bytes().any(|b| b.is_ascii_alphabetic()) {
            let key = fuzzy_key(t);
            for (alias, ni) in &self.fuzzy_aliases {
                if alias.chars().next() == key && fuzzy_word(t, alias) {
                    return Some((*ni, i + 1));
                }
            }
        }
        // A long namespace OCR split by a stray space (`accesspo int:31`,
        // `sess ion:103`), when a colon follows.
        if i + 2 < tokens.len()
            && &text[tokens[i].end..tokens[i + 1].start] == " "
            && text[tokens[i + 1].end..tokens[i + 2].start].contains(':')
        {
            let joined = format!("{t}{}", tokens[i + 1].text);
            if let Some((_, ni)) = self.fuzzy_aliases.iter().find(|(a, _)| *a == joined) {
                return Some((*ni, i + 2));
            }
        }
        None
    }

    /// Codes after a namespace that ends before token `j`.
    #[allow(clippy::too_many_arguments)]
    fn codes_after(
        &self,
        text: &str,
        tokens: &[Token<'_>],
        i: usize,
        ni: usize,
        mut j: usize,
        context: &LazyContext<'_, '_>,
        hits: &mut Vec<CodeHit>,
    ) {
        let ns = &self.namespaces[ni];
        if j >= tokens.len() {
            return;
        }
        // A namespace written as words ("access point") next to a router
        // or another device names the device, not Spotify's code ("router
        // admin page says access point 17 connected clients").
        let spaced = j - i > 1 && text[tokens[i].end..tokens[i + 1].start].trim().is_empty();
        let strong = ns.strong && !(spaced && context.foreign_near(i, j));
        // The joint right after the namespace, then optional "error" /
        // "code" words, then the joint before the code.
        let first_sep = &text[tokens[j - 1].end..tokens[j].start];
        let mut keyword = false;
        while j < tokens.len() && keyword_token(tokens[j].text) && j - i <= 4 {
            keyword = true;
            j += 1;
        }
        if j >= tokens.len() {
            return;
        }
        let sep = &text[tokens[j - 1].end..tokens[j].start];
        let bad = |s: &str| s.len() > 4 || (s.contains('\n') && !s.contains(':'));
        if bad(first_sep) || bad(sep) {
            return;
        }
        let colon = [first_sep, sep]
            .iter()
            .any(|s| s.contains(':') || s.contains(';'));
        // Joined like a code, without a space ("auth.73", "auth_73"): a
        // colon OCR read as a dot, or a code typed from memory.
        let tight = !keyword && matches!(first_sep, "." | "_");
        let elsewhere = context.elsewhere_before(tokens[i].start);
        // The number after the namespace, as read, and its length when it
        // is one of the namespace's codes.
        let number = ocr_digits(tokens[j].text);
        let known_len = number
            .as_deref()
            .filter(|n| ns.entry_for(n).is_some())
            .map(str::len);
        // With Spotify named, a place or device elsewhere in the message
        // ("spotify gives me accounts 55 on the office network") does not
        // make a number of two digits or more another app's.
        let named = context.spotify
            && number.as_ref().is_some_and(|n| n.len() >= 2)
            && !context.foreign_before(i);
        // A code someone asks the meaning of ("what does auth 73 mean"),
        // or is said to get in a complaint ("anyone else getting auth 1
        // rn? cant log in"; not "got session 3 tomorrow").
        // (Said to get a code of two digits or more the namespace has,
        // "getting accounts 103 firewall thing", it is a complaint too.)
        let known = known_len.is_some_and(|n| n >= 2);
        let framed = !context.foreign_near(i, j)
            && ((i > 0
                && (context.complaint || known)
                && matches!(tokens[i - 1].text, "getting" | "get" | "got" | "gets"))
                || tokens
                    .get(j + 1)
                    .is_some_and(|t| matches!(t.text, "mean" | "means" | "meaning")));
        let accepted = colon
            || strong
            || (!elsewhere
                && (keyword
                    || tight
                    || named
                    || framed
                    || (context.spotify_or_error && !context.foreign)));
        // "accounts 409" with nothing else about Spotify or an error: a
        // question, not an answer, and only for a number of three digits or
        // more (or a message that is nothing else) that is one of the
        // namespace's codes ("2 accounts 3 songs" is not). Words about
        // music on Spotify ("…on family premium") make it an answer.
        // The whole message is the namespace and its number ("auth 73"):
        // asked about, whatever the number's length.
        let alone = i == 0 && j + 1 == tokens.len();
        // A message that opens with the code and goes on about where it
        // shows ("auth 73 when logging in from my dorm", "session 103
        // after i log in through chrome"): a report. One digit only after
        // a namespace of no everyday meaning ("session 3 starts at 7",
        // "accounts 3 and 4 are mine" are not).
        let opens = i == 0
            && !context.foreign_near(i, j)
            && goes_on(tokens, j)
            && known_len
                .is_some_and(|n| n >= 2 || matches!(ns.name.as_str(), "auth" | "accesspoint"));
        let accepted = accepted || opens;
        let weak = !accepted
            && !elsewhere
            && !context.foreign_near(i, j)
            && known_len.is_some_and(|n| n >= 3 || alone);
        if !accepted && !weak {
            return;
        }
        let strength = if colon || strong {
            1.0
        } else if weak && !context.music {
            ASK_STRENGTH
        } else {
            0.9
        };
        // The longest code that fits: `accounts:4 0 8` (digits OCR split
        // apart) is accounts:408, not accounts:4.
        let found = ns
            .codes
            .iter()
            .filter_map(|(rest, entry)| {
                match_rest(text, tokens, j, rest, colon).map(|end| (end, rest, *entry))
            })
            .max_by_key(|(end, _, _)| *end);
        if let Some((end, rest, entry)) = found {
            let code = if is_number(rest) {
                let minus = text[..tokens[j].start].ends_with('-');
                format!("{}:{}{}", ns.name, if minus { "-" } else { "" }, rest[0])
            } else {
                format!("{}:{}", ns.name, rest_code(text, tokens, j, end))
            };
            hits.push(CodeHit {
                entry: Some(entry),
                code,
                start: tokens[i].start,
                end: tokens[end - 1].end,
                strength,
            });
            return;
        }
        // A well-formed code the catalogue does not have.
        if (colon || strong || keyword)
            && let Some(num) = number
        {
            let minus = text[..tokens[j].start].ends_with('-');
            hits.push(CodeHit {
                entry: None,
                code: format!("{}:{}{num}", ns.name, if minus { "-" } else { "" }),
                start: tokens[i].start,
                end: tokens[j].end,
                strength,
            });
        }
    }

    /// `auth73`, `accountsl03`, `accesspoint17`: namespace and number in one token.
    fn joined_at(
        &self,
        tokens: &[Token<'_>],
        i: usize,
        context: &LazyContext<'_, '_>,
        hits: &mut Vec<CodeHit>,
    ) {
        let t = tokens[i].text;
        let Some(first_digit) = t.find(|c: char| c.is_ascii_digit()) else {
            return;
        };
        if first_digit < 2 {
            return;
        }
        // The split point may sit before OCR'd digits (`accountsl03`): an
        // exact namespace at any split beats a fuzzy one. A namespace may
        // also begin in the token before (`access point17`).
        let prev = (i > 0 && tokens[i].start == tokens[i - 1].end + 1).then(|| tokens[i - 1].text);
        let exact = |head: &str| {
            self.aliases
                .get(head)
                .and_then(|l| l.iter().find(|(a, _)| a.len() == 1).map(|(_, ni)| *ni))
        };
        let fuzzy = |head: &str| {
            (head.len() >= 6)
                .then(|| {
                    self.fuzzy_aliases
                        .iter()
                        .find(|(a, _)| fuzzy_word(head, a))
                        .map(|(_, ni)| *ni)
                })
                .flatten()
        };
        let cuts: Vec<usize> = (2..=first_digit)
            .rev()
            .filter(|c| t.is_char_boundary(*c) && ocr_digits(&t[*c..]).is_some())
            .collect();
        let mut found = None;
        'search: for pass in 0..3 {
            for &cut in &cuts {
                let head = &t[..cut];
                let ni = match pass {
                    0 => exact(head),
                    1 => fuzzy(head),
                    _ => prev.and_then(|p| {
                        let joined = format!("{p}{head}");
                        self.fuzzy_aliases
                            .iter()
                            .find(|(a, _)| *a == joined)
                            .map(|(_, ni)| *ni)
                    }),
                };
                if let Some(ni) = ni {
                    found = Some((cut, ni, pass == 2));
                    break 'search;
                }
            }
        }
        if let Some((cut, ni, with_prev)) = found {
            let (head, tail) = t.split_at(cut);
            let Some(num) = ocr_digits(tail) else { return };
            let start = if with_prev {
                tokens[i - 1].start
            } else {
                tokens[i].start
            };
            let ns = &self.namespaces[ni];
            let head_len = head.len() + prev.filter(|_| with_prev).map_or(0, str::len);
            // A short head ("AP17") without anything about Spotify or an
            // error is as likely a flight or a part number.
            // (Unless it opens a message that goes on about where it shows:
            // "AP17 whenever the school vpn is connected".)
            let opens = i == 0 && !context.foreign_near(i, i) && goes_on(tokens, i);
            if head_len < 4 && !context.spotify_or_error && !opens {
                return;
            }
            if let Some(entry) = ns.entry_for(&num) {
                hits.push(CodeHit {
                    entry: Some(entry),
                    code: format!("{}:{num}", ns.name),
                    start,
                    end: tokens[i].end,
                    strength: 0.95,
                });
                return;
            }
            if head_len >= 4 {
                hits.push(CodeHit {
                    entry: None,
                    code: format!("{}:{num}", ns.name),
                    start,
                    end: tokens[i].end,
                    strength: 0.9,
                });
            }
        }
    }

    /// A bare HTTP status that is a Web API code ("429 too many requests
    /// from api.spotify.com"), in a developer's report that names Spotify.
    /// With a word before it ("api 429", "status 429") the namespace pass
    /// reads it already.
    fn status_at(
        &self,
        tokens: &[Token<'_>],
        i: usize,
        context: &LazyContext<'_, '_>,
        hits: &mut Vec<CodeHit>,
    ) {
        let t = tokens[i].text;
        if t.len() != 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        let Some(codes) = self.by_number.get(t) else {
            return;
        };
        if !(context.web_api && context.spotify) {
            return;
        }
        for (entry, code) in codes {
            if code.starts_with("webapi:") {
                hits.push(CodeHit {
                    entry: Some(*entry),
                    code: code.clone(),
                    start: tokens[i].start,
                    end: tokens[i].end,
                    strength: 0.85,
                });
            }
        }
    }

    /// "error 30", "Error code: 4", "error c0de: 3O", "errorcode 2026".
    fn error_number_at(
        &self,
        text: &str,
        tokens: &[Token<'_>],
        i: usize,
        context: &LazyContext<'_, '_>,
        hits: &mut Vec<CodeHit>,
    ) {
        let t = tokens[i].text;
        let is_error = (fuzzy_key(t) == Some('e')
            && ["error", "err", "errorcode", "erro"]
                .iter()
                .any(|w| fuzzy_word(t, w) && (t.len() >= 4 || t == "err")))
            || context.listed(i, class::INTL_ERROR);
        // "code 7 on spotify": "code" alone, when Spotify is named, the
        // message is not a developer's Web API report (whose "code" is an
        // HTTP or library code; "the spotify app" is not one), the code is
        // not a promo or gift code, and no
        // "error" came before (that reading is the one above).
        let bare_code = t == "code"
            && context.spotify
            && !context.web_api
            && (i == 0
                || !(SHOPPING.contains(&tokens[i - 1].text)
                    || matches!(
                        tokens[i - 1].text,
                        "error"
                            | "err"
                            | "student"
                            | "referral"
                            | "verification"
                            | "security"
                            | "zip"
                            | "postal"
                            | "area"
                            | "country"
                            | "qr"
                            | "access"
                    )));
        // "code 2026 on my mac after the update": a message that opens
        // with "code" and a Spotify error number of two digits or more,
        // and is not about shopping ("code 30 off at checkout").
        let opens_with_code = i == 0
            && t == "code"
            && !tokens.iter().any(|t| {
                SHOPPING.contains(&t.text)
                    || matches!(t.text, "off" | "checkout" | "sale" | "percent")
            })
            && tokens.get(1).is_some_and(|n| {
                n.text.len() >= 2
                    && self
                        .error_ns
                        .is_some_and(|ni| self.namespaces[ni].entry_for(n.text).is_some())
            });
        if !is_error && !bare_code && !opens_with_code {
            return;
        }
        let mut j = i + 1;
        let mut words = 0;
        while j < tokens.len()
            && words < 2
            && matches!(
                tokens[j].text,
                "code"
                    | "c0de"
                    | "no"
                    | "number"
                    | "nr"
                    | "num"
                    | "codes"
                    | "kodu"
                    | "kod"
                    | "kode"
                    | "koodi"
                    | "codigo"
                    | "código"
                    | "codice"
                    | "de"
            )
        {
            j += 1;
            words += 1;
        }
        if j >= tokens.len() {
            return;
        }
        let sep = &text[tokens[j - 1].end..tokens[j].start];
        if sep.len() > 4 || sep.contains('\n') {
            return;
        }
        let Some(num) = ocr_digits(tokens[j].text) else {
            return;
        };
        if !context.spotify && context.foreign_near(i, j) {
            return;
        }
        // `error 30.01.14`, `error 0x80070005`-like numbers belong to a
        // printer or a system, not to Spotify's short codes.
        let after = &text.as_bytes()[tokens[j].end..];
        if after.len() >= 2 && matches!(after[0], b'.' | b',') && after[1].is_ascii_digit() {
            return;
        }
        // A number right after another namespace word ("installer error 18")
        // is that namespace's; the namespace pass already reports it.
        self.number_hits(&num, (tokens[i].start, tokens[j].end), 0.0, context, hits);
    }

    /// The number written before the word for error: "getting a 2026
    /// error", "the 30 error again", "spotify 2026 hatası" (Turkish puts
    /// the word after). Not a count ("3 errors", "1 error message", "no
    /// 2 errors are alike"), nor a version, a percentage or another app's.
    fn number_error_at(
        &self,
        text: &str,
        tokens: &[Token<'_>],
        i: usize,
        context: &LazyContext<'_, '_>,
        hits: &mut Vec<CodeHit>,
    ) {
        let t = tokens[i].text;
        let Some(next) = tokens.get(i + 1) else {
            return;
        };
        if t.len() > 5 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        let is_error = matches!(next.text, "error" | "err" | "erro" | "errorcode")
            || context.listed(i + 1, class::INTL_ERROR);
        if !is_error || !matches!(&text[tokens[i].end..next.start], " " | "-") {
            return;
        }
        // Part of a longer number ("1.2.30 error", "4,5 error"), a
        // percentage, or one number of several ("2 or 3 error…").
        let bytes = text.as_bytes();
        let touches = |b: u8| matches!(b, b'.' | b',' | b'%' | b'/' | b'#' | b'+' | b'$');
        if tokens[i].start > 0 && touches(bytes[tokens[i].start - 1]) {
            return;
        }
        let prev = i.checked_sub(1).map(|p| tokens[p].text);
        if prev.is_some_and(|p| {
            p.bytes().any(|b| b.is_ascii_digit())
                || matches!(
                    p,
                    "no" | "zero"
                        | "only"
                        | "just"
                        | "about"
                        | "over"
                        | "under"
                        | "or"
                        | "and"
                        | "of"
                        | "top"
                        | "with"
                        | "like"
                        | "those"
                        | "these"
                        | "few"
                )
        }) {
            return;
        }
        // A count: one error, or errors in a list or a log.
        let after = tokens.get(i + 2).map(|t| t.text);
        if t.len() == 1 && !prev.is_some_and(|p| matches!(p, "a" | "an" | "the" | "this" | "that"))
        {
            return;
        }
        if after.is_some_and(|a| {
            matches!(
                a,
                "message"
                    | "messages"
                    | "popup"
                    | "popups"
                    | "notification"
                    | "notifications"
                    | "log"
                    | "logs"
                    | "line"
                    | "lines"
                    | "margin"
                    | "rate"
                    | "bars"
                    | "s"
            )
        }) {
            return;
        }
        let last = if after.is_some_and(|a| matches!(a, "code" | "kodu" | "kod")) {
            i + 2
        } else {
            i + 1
        };
        if context.foreign_near(i, last) || context.elsewhere_before(tokens[i].start) {
            return;
        }
        self.number_hits(t, (tokens[i].start, tokens[last].end), 0.05, context, hits);
    }

    /// The codes a bare error number names: an `error:` code first, then
    /// the one code of another namespace with that number, then each of
    /// several (ambiguous); an unknown number only with Spotify named.
    /// `weaker` lowers the strengths for a less certain shape.
    fn number_hits(
        &self,
        num: &str,
        (start, end): (usize, usize),
        weaker: f32,
        context: &LazyContext<'_, '_>,
        hits: &mut Vec<CodeHit>,
    ) {
        if let Some(ni) = self.error_ns
            && let Some(entry) = self.namespaces[ni].entry_for(num)
        {
            hits.push(CodeHit {
                entry: Some(entry),
                code: format!("error:{num}"),
                start,
                end,
                strength: 0.95 - weaker,
            });
            return;
        }
        match self.by_number.get(num).map(Vec::as_slice) {
            Some([(entry, code)]) => hits.push(CodeHit {
                entry: Some(*entry),
                code: code.clone(),
                start,
                end,
                strength: 0.85 - weaker,
            }),
            Some(many) => {
                for (entry, code) in many {
                    hits.push(CodeHit {
                        entry: Some(*entry),
                        code: code.clone(),
                        start,
                        end,
                        strength: 0.7 - weaker,
                    });
                }
            }
            None => {
                if context.spotify && num.len() <= 5 {
                    hits.push(CodeHit {
                        entry: None,
                        code: format!("error:{num}"),
                        start,
                        end,
                        strength: 0.8 - weaker,
                    });
                }
            }
        }
    }
}

/// Whether the message goes on after a code that opens it, ending at
/// token `j`, about where it shows ("auth 73 when logging in…"), not with
/// a count, a time, a trip or a sentence about the number ("session 3
/// starts at 7", "accounts 3 and 4 are mine", "auth 2 factor", "AP17
/// flight delayed").
fn goes_on(tokens: &[Token<'_>], j: usize) -> bool {
    // ("accounts 402 and it just sits there": "and" goes on about the app,
    // not to another number or thing.)
    let and_then = || {
        tokens.get(j + 2).is_some_and(|n| {
            matches!(
                n.text,
                "it" | "spotify" | "then" | "now" | "nothing" | "still"
            )
        })
    };
    tokens.get(j + 1).is_some_and(|n| {
        (n.text == "and" && and_then())
            || !matches!(
                n.text,
                "of" | "and"
                    | "or"
                    | "to"
                    | "x"
                    | "by"
                    | "per"
                    | "more"
                    | "left"
                    | "tomorrow"
                    | "factor"
                    | "step"
                    | "today"
                    | "tonight"
                    | "starts"
                    | "is"
                    | "was"
                    | "are"
                    | "flight"
                    | "gate"
                    | "seat"
                    | "bus"
                    | "train"
                    | "exam"
                    | "class"
                    | "room"
            ) && !n.text.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Words of a code that buys something: a promo or gift code is no error
/// code ("spotify promo code 50", "code 30 off at checkout").
const SHOPPING: &[&str] = &["promo", "discount", "gift", "redeem", "coupon", "voucher"];

/// A word between a namespace and its code: "error", "code", or the word
/// for error in another language ("com.spotify.installer erreur -3").
fn keyword_token(t: &str) -> bool {
    matches!(
        t,
        "error" | "code" | "errorcode" | "err" | "c0de" | "err0r" | "erro" | "codigo" | "codice"
    ) || word_classes()
        .get(t)
        .is_some_and(|c| c & class::INTL_ERROR != 0)
}

fn is_number(rest: &[String]) -> bool {
    rest.len() == 1 && rest[0].bytes().all(|b| b.is_ascii_digit())
}

/// Whether the code tokens `rest` follow at token `j`; returns the end index.
/// A number may arrive OCR-garbled (`l7`), split by single spaces (`1 7`)
/// or, right after a colon, as one look-alike letter (`:S` for 5).
fn match_rest(
    text: &str,
    tokens: &[Token<'_>],
    j: usize,
    rest: &[String],
    colon: bool,
) -> Option<usize> {
    if j >= tokens.len() || rest.is_empty() {
        return None;
    }
    if is_number(rest) {
        let r = &rest[0];
        let t = tokens[j].text;
        let mut acc = match ocr_digits(t) {
            Some(d) => d,
            None if colon && t.len() == 1 => t.chars().filter_map(ocr_digit).collect(),
            None => return None,
        };
        if acc.is_empty() {
            return None;
        }
        let mut end = j + 1;
        while acc.len() < r.len()
            && r.starts_with(acc.as_str())
            && end < tokens.len()
            && &text[tokens[end - 1].end..tokens[end].start] == " "
        {
            let Some(d) = ocr_digits(tokens[end].text) else {
                break;
            };
            acc.push_str(&d);
            end += 1;
        }
        return (acc == *r).then_some(end);
    }
    let exact = j + rest.len() <= tokens.len()
        && rest.iter().enumerate().all(|(k, r)| {
            let t = tokens[j + k].text;
            t == r || (r.bytes().all(|b| b.is_ascii_digit()) && ocr_digits(t).as_deref() == Some(r))
        });
    if exact {
        return Some(j + rest.len());
    }
    // A worded code with its joints lost or moved by OCR
    // (`critical-updateerror`, `critical update-err0r`): the words run
    // together match the code's words run together.
    let want = rest.concat();
    if want.len() < 8 {
        return None;
    }
    let mut got = String::new();
    let mut end = j;
    while end < tokens.len() && got.len() < want.len() {
        if end > j {
            let sep = &text[tokens[end - 1].end..tokens[end].start];
            if sep.len() > 2 || sep.contains('\n') {
                break;
            }
        }
        got.push_str(tokens[end].text);
        end += 1;
    }
    (end > j && fuzzy_word(&got, &want)).then_some(end)
}

/// The code part as the catalogue writes it, for the hit's label.
fn rest_code(text: &str, tokens: &[Token<'_>], j: usize, end: usize) -> String {
    let minus = text[..tokens[j].start].ends_with('-');
    let mut s = String::new();
    if minus {
        s.push('-');
    }
    for (k, t) in tokens[j..end].iter().enumerate() {
        if k > 0 {
            s.push_str(&text[tokens[j + k - 1].end..t.start]);
        }
        s.push_str(&ocr_digits(t.text).unwrap_or_else(|| t.text.to_string()));
    }
    s
}

/// Which of the word lists above a token is in, as bits.
mod class {
    pub const ERROR: u16 = 1;
    pub const SPOTIFY_ISH: u16 = 2;
    pub const FOREIGN: u16 = 4;
    pub const OTHER_APP: u16 = 8;
    pub const DEV_TOOL: u16 = 16;
    pub const PROBLEM: u16 = 32;
    pub const API: u16 = 64;
    pub const INTL_ERROR: u16 = 128;
    pub const MUSIC: u16 = 256;
    pub const WEB_API: u16 = 512;
    pub const SOFT_PROBLEM: u16 = 1024;
    pub const INTL_WORD: u16 = 2048;
}

/// Every listed word with its classes: one hash lookup per token instead
/// of a scan of each list (the lists are looked at for every message).
/// The words are folded as message text is ("błąd" is read "bład", the
/// Cyrillic "ошибка" partly as Latin look-alikes), so that every list may
/// be written as people spell.
fn word_classes() -> &'static HashMap<String, u16> {
    static TABLE: OnceLock<HashMap<String, u16>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m: HashMap<String, u16> = Default::default();
        for (list, bit) in [
            (ERROR_WORDS, class::ERROR),
            (SPOTIFY_ISH, class::SPOTIFY_ISH),
            (FOREIGN, class::FOREIGN),
            (OTHER_APPS, class::OTHER_APP),
            (DEV_TOOLS, class::DEV_TOOL),
            (PROBLEM_WORDS, class::PROBLEM),
            (API_WORDS, class::API),
            (INTL_ERROR_WORDS, class::INTL_ERROR),
            (MUSIC_WORDS, class::MUSIC),
            (WEB_API_WORDS, class::WEB_API),
            (SOFT_PROBLEM_WORDS, class::SOFT_PROBLEM),
        ] {
            for w in list {
                *m.entry(super::lexicon::fold(w)).or_default() |= bit;
            }
        }
        for w in super::lexicon::function_words() {
            *m.entry(super::lexicon::fold(w)).or_default() |= class::INTL_WORD;
        }
        m
    })
}

/// Each token's word-list classes, as [`Context::of`] starts from.
fn classes_of(tokens: &[Token<'_>]) -> Vec<u16> {
    let table = word_classes();
    tokens
        .iter()
        .map(|t| table.get(t.text).copied().unwrap_or(0))
        .collect()
}

/// Whether the message says it is not about Spotify: "not spotify
/// related", "not related to spotify", "nothing to do with spotify", or
/// another app, device or program named with "spotify works (fine)",
/// "spotify is fine" ("my school firewall blocks discord but spotify works
/// fine").
fn not_spotify(tokens: &[Token<'_>], class: &[u16]) -> bool {
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text);
    let other_app = class
        .iter()
        .any(|c| c & (class::OTHER_APP | class::FOREIGN | class::DEV_TOOL) != 0);
    (0..tokens.len())
        .filter(|&s| text(s).starts_with("spotif"))
        .any(|s| {
            let before = |words: &[&str]| s >= words.len() && reads(tokens, s - words.len(), words);
            // ("not spotify premium but free" is about Spotify: "not
            // spotify" must end a clause or be "not spotify related".)
            let clause_ends = tokens
                .get(s + 1)
                .is_none_or(|n| n.start > tokens[s].end + 1 || n.text == "related");
            let denied = (before(&["not"]) && clause_ends)
                || before(&["not", "a"])
                || before(&["unrelated", "to"])
                || before(&["not", "related", "to"])
                || before(&["nothing", "to", "do", "with"]);
            let fine = matches!(text(s + 1), "works" | "working" | "fine")
                || (matches!(text(s + 1), "is" | "itself")
                    && matches!(text(s + 2), "fine" | "working" | "ok" | "works"));
            denied || (fine && other_app)
        })
}

/// Words that tell an error as over: had once and fixed, or gone.
const RESOLVED: &[&[&str]] = &[
    &["never", "came", "back"],
    &["never", "come", "back"],
    &["never", "saw", "it", "again"],
    &["never", "seen", "it", "again"],
    &["never", "had", "it"],
    &["never", "got", "it", "again"],
    &["haven", "t", "had", "it"],
    &["havent", "had", "it"],
    &["haven", "t", "seen", "it"],
    &["havent", "seen", "it"],
    &["used", "to", "get"],
    &["used", "to", "have"],
    &["is", "solved"],
    &["was", "solved"],
    &["is", "flawless"],
    &["fixed", "my"],
    &["fixed", "it", "for", "me"],
    &["fixed", "it", "for", "good"],
    &["still", "works", "perfectly"],
    &["never", "looked", "back"],
    &["was", "ages", "ago"],
    &["been", "perfect", "since"],
    &["been", "fine", "since"],
    &["fine", "ever", "since"],
    &["is", "gone"],
    &["got", "rid", "of"],
    &["went", "away"],
    &["fixed", "it", "by"],
    &["fixed", "it", "with"],
    &["all", "good", "now"],
    &["works", "now"],
    &["working", "now"],
    &["did", "the", "trick", "for"],
    &["hasn", "t", "happened", "once"],
    &["hasn", "t", "happened", "since"],
    &["hasnt", "happened", "once"],
    &["hasnt", "happened", "since"],
    &["hasn", "t", "come", "back"],
    &["hasnt", "come", "back"],
];

/// Words that say the writer does not have the error: asked about out of
/// interest ("does error 2026 happen on linux too? i dont have it, just
/// curious"), or quoted in fun ("the 'something went wrong' meme").
const NOT_A_REPORT: &[&[&str]] = &[
    &["just", "curious"],
    &["just", "asking"],
    &["out", "of", "curiosity"],
    &["nothing", "s", "broken"],
    &["nothing", "is", "broken"],
    &["i", "dont", "have", "it"],
    &["i", "don", "t", "have", "it"],
    &["meme"],
    &["memes"],
];

/// Words of the server's own guides and tools: a message about them and
/// not about the writer's trouble ("can we add error code 30 to the
/// bot's faq?") discusses codes.
const GUIDE_WORDS: &[&str] = &["faq", "wiki", "guide", "regex", "docs", "documentation"];

/// Labels before a colon that name what follows ("title of my memoir:
/// …"), and releases that do after "new" ("new playlist: 'You've got too
/// many tabs open'"; not "trying to watch a video podcast: '…'").
const BOOKS: &[&str] = &[
    "memoir",
    "autobiography",
    "biography",
    "novel",
    "username",
    "nickname",
];
const RELEASES: &[&str] = &["playlist", "album", "ep", "mixtape", "podcast", "single"];

/// Thanks, which make a fix told in the past tense a fix that worked
/// ("turning off the vpn sorted the accesspoint:17 thing, cheers").
const THANKS: &[&str] = &[
    "thanks", "thank", "thx", "thnx", "thanx", "ty", "tysm", "tyvm", "cheers",
];

/// Words that tell a fix worked, in a message that thanks someone.
const THANKED_FIX: &[&[&str]] = &[
    &["fixed"],
    &["sorted"],
    &["solved"],
    &["resolved"],
    &["worked"],
];

/// Words that tell an error as over when they open the message
/// ("remember when spotify showed 'user is capped' to everyone?").
const RESOLVED_AT_START: &[&[&str]] = &[
    &["remember", "when"],
    &["solved"],
    &["fixed"],
    &["resolved"],
    &["sorted"],
];

/// Words that tell an error as over when they end the message ("…switching
/// browsers fixed it"; not "…fixed it for like a day").
const RESOLVED_AT_END: &[&[&str]] = &[
    &["fixed", "it"],
    &["sorted", "it"],
    &["solved", "it"],
    &["did", "the", "trick"],
];

/// Whether the tokens from `at` on read `words`.
fn reads(tokens: &[Token<'_>], at: usize, words: &[&str]) -> bool {
    tokens
        .get(at..at + words.len())
        .is_some_and(|w| w.iter().zip(words).all(|(t, x)| t.text == *x))
}

/// Whether the message tells an error as over ([`RESOLVED`]) and nothing
/// after the last such words says it is not ("fixed it, but it still
/// happens", "used to get error 30, now it's back"): an error had once and
/// fixed, or gone ("had accesspoint 17 back in 2021… never saw it again",
/// "the error 2026 thread is solved").
pub(crate) fn resolved(tokens: &[Token<'_>]) -> bool {
    // ("…but nothing fixed it", "has anyone fixed it", "nothing works now"
    // are not.)
    let denied = |at: usize| {
        tokens[at.saturating_sub(3)..at].iter().any(|t| {
            matches!(
                t.text,
                "nothing"
                    | "nor"
                    | "never"
                    | "not"
                    | "t"
                    | "didnt"
                    | "hasnt"
                    | "anyone"
                    | "how"
                    | "who"
                    | "what"
                    | "if"
            )
        })
    };
    let ends = |m: &&[&str]| {
        let Some(at) = tokens.len().checked_sub(m.len()) else {
            return false;
        };
        reads(tokens, at, m) && !denied(at)
    };
    if RESOLVED_AT_END.iter().any(ends) {
        return true;
    }
    // (The markers' first words as a set: most tokens start none, and are
    // passed over with one lookup.)
    static FIRST: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    let first = FIRST.get_or_init(|| RESOLVED.iter().chain(THANKED_FIX).map(|m| m[0]).collect());
    // (Thanks are looked for only once a fix word is found.)
    let thanked = || tokens.iter().any(|t| THANKS.contains(&t.text));
    let Some(end) = (0..tokens.len())
        .rev()
        .find_map(|k| {
            if !first.contains(tokens[k].text) {
                return None;
            }
            let here = |m: &&&[&str]| reads(tokens, k, m) && !denied(k);
            RESOLVED
                .iter()
                .find(here)
                .or_else(|| THANKED_FIX.iter().find(here).filter(|_| thanked()))
                .map(|m| k + m.len())
        })
        .or_else(|| {
            RESOLVED_AT_START
                .iter()
                .find(|m| reads(tokens, 0, m))
                .map(|m| m.len())
        })
    else {
        return false;
    };
    let rest = &tokens[end..];
    // (Nor "…fixed my clock, session:103 keeps happening", "…and it
    // persists", "…and it still won't log in".)
    !rest.iter().enumerate().any(|(k, t)| match t.text {
        "but" | "however" | "though" | "tho" | "until" | "now" | "today" | "again" | "back"
        | "anymore" | "keeps" | "persists" | "persisting" | "continues" | "same" | "t" | "cant"
        | "wont" | "doesnt" | "didnt" => true,
        // ("still works perfectly" is how it is now.)
        "still" => rest
            .get(k + 1)
            .is_none_or(|n| !matches!(n.text, "works" | "working" | "fine")),
        _ => false,
    })
}

/// What the whole message tells about how to read it: whether it is about
/// Spotify, about an error at all, or about some other app.
pub(crate) struct Context {
    pub spotify: bool,
    pub spotify_or_error: bool,
    /// A word that changes how a bare number reads (another app, a router,
    /// a hotel room).
    pub foreign: bool,
    /// Another app, device or program is named (an update is not one).
    pub other_thing: bool,
    /// Where another app, game or service is first named (not counting
    /// developer tools when the message is about Spotify's API).
    pub other_app_at: Option<usize>,
    /// Something is said to have gone wrong.
    pub problem: bool,
    /// ... in a word that is not also advice or small talk ("can't",
    /// "fails", "error", not "again" or "says").
    pub complaint: bool,
    /// Words of a Web API report.
    pub api: bool,
    /// Words only a developer uses of Spotify's Web API ("endpoint",
    /// "oauth"), not the everyday "app" or "web" of [`Context::api`].
    pub web_api: bool,
    /// Words about music on Spotify (premium, playlist, song).
    pub music: bool,
    /// Said not to be about Spotify: "not spotify related", "nothing to
    /// do with spotify", or another program named and "spotify works
    /// fine".
    pub not_spotify: bool,
    /// Names a band, a song or a pet: something that can be called by an
    /// error's name.
    pub names_a_thing: bool,
    /// Asks people to post or include something ("pls include the exact
    /// error code"): codes in it are examples.
    pub instruction: bool,
    /// Speaks of the writer ("i", "my", "me"): someone with a problem,
    /// not someone explaining one.
    pub first_person: bool,
    /// Talks about an error rather than reports one: says the writer does
    /// not have it ([`NOT_A_REPORT`]), or, with no "i" or "my" and no one
    /// asking for help, opens with "til" or is about the server's guides
    /// with no complaint ([`GUIDE_WORDS`]: "can we add error code 30 to the
    /// bot's faq?").
    pub discussed: bool,
    /// Token indices of words that change how a bare number reads.
    foreign_at: Vec<usize>,
    /// Each token's word-list classes.
    class: Vec<u16>,
}

/// A message's [`Context`], worked out the first time anything asks. Most
/// chatter has no code and no catalogue text in it, and is done with before
/// anything needs to know how to read one.
/// (The tokens' word classes are looked up at once: whether the message is
/// in another language is asked of every message.)
pub(crate) struct LazyContext<'t, 'a> {
    tokens: &'t [Token<'a>],
    class: Vec<u16>,
    cell: OnceCell<Context>,
}

impl<'t, 'a> LazyContext<'t, 'a> {
    pub(crate) fn new(tokens: &'t [Token<'a>]) -> Self {
        LazyContext {
            tokens,
            class: classes_of(tokens),
            cell: OnceCell::new(),
        }
    }

    /// Whether token `i`'s word is in the word list of `bit`, as listed
    /// (the [`Context`] reads some words otherwise where they stand: not
    /// a problem in "no problem").
    pub(crate) fn listed(&self, i: usize, bit: u16) -> bool {
        self.class.get(i).is_some_and(|c| c & bit != 0)
    }

    /// Whether the message is written in another language: two or more
    /// different small words of one ([`super::lexicon::function_words`]).
    pub(crate) fn other_language(&self) -> bool {
        let mut words = self
            .tokens
            .iter()
            .zip(&self.class)
            .filter(|(_, c)| *c & class::INTL_WORD != 0)
            .map(|(t, _)| t.text);
        words.next().is_some_and(|first| words.any(|w| w != first))
    }
}

impl Deref for LazyContext<'_, '_> {
    type Target = Context;

    fn deref(&self) -> &Context {
        self.cell
            .get_or_init(|| Context::of(self.tokens, self.class.clone()))
    }
}

impl Context {
    /// The context of a message of `tokens`, whose word classes are
    /// `class` ([`classes_of`]).
    fn of(tokens: &[Token<'_>], mut class: Vec<u16>) -> Context {
        // "can" and "won" say something went wrong only as "can't" and
        // "won't", or as what is blocked ("…before i can log in"); "my
        // friends can add songs" is a question.
        // So does "…before it lets me in".
        for k in 0..tokens.len() {
            if !matches!(tokens[k].text, "can" | "won" | "lets" | "let" | "allows") {
                continue;
            }
            let blocked = tokens[k.saturating_sub(2)..k]
                .iter()
                .any(|p| matches!(p.text, "before" | "until" | "till" | "unless"));
            if blocked {
                class[k] |= class::PROBLEM;
            } else if tokens.get(k + 1).is_none_or(|n| n.text != "t") {
                class[k] &= !class::PROBLEM;
            }
        }
        // "no error", "not a problem": said to be no error.
        for k in 1..tokens.len() {
            if !matches!(
                tokens[k].text,
                "error" | "errors" | "problem" | "problems" | "issue" | "issues"
            ) {
                continue;
            }
            // ("no problems", "not a problem", "not having any issues")
            let from = k.saturating_sub(3);
            if let Some(n) = (from..k).find(|&n| matches!(tokens[n].text, "no" | "not")) {
                class[n] &= !class::PROBLEM;
                class[k] &= !(class::PROBLEM | class::ERROR);
            }
        }
        // A hexadecimal error code ("0x80070643") is Windows' or another
        // program's: Spotify's codes are never written so.
        for (k, t) in tokens.iter().enumerate() {
            if is_hex_code(t.text) {
                class[k] |= class::FOREIGN;
            }
        }
        // "app store", "play store": a store of apps, not the Microsoft
        // Store many get Spotify from.
        for (k, pair) in tokens.windows(2).enumerate() {
            if pair[1].text == "store" && matches!(pair[0].text, "app" | "play") {
                class[k + 1] |= class::OTHER_APP;
            }
        }
        let any = |bit: u16| class.iter().any(|c| c & bit != 0);
        let spotify = tokens
            .iter()
            .any(|t| t.text.starts_with("spotif") || fuzzy_word(t.text, "spotify"));
        let error = any(class::ERROR);
        let spotify_ish = spotify || any(class::SPOTIFY_ISH | class::MUSIC);
        let other_app_at = tokens
            .iter()
            .zip(&class)
            .find(|(_, c)| {
                (*c & class::OTHER_APP != 0 && !spotify)
                    || (*c & class::DEV_TOOL != 0 && !spotify_ish)
            })
            .map(|(t, _)| t.start);
        let foreign_at: Vec<usize> = class
            .iter()
            .enumerate()
            .filter(|(_, c)| *c & (class::FOREIGN | class::OTHER_APP | class::DEV_TOOL) != 0)
            .map(|(k, _)| k)
            .collect();
        let foreign = other_app_at.is_some() || !foreign_at.is_empty();
        let other_thing = other_app_at.is_some()
            || foreign_at
                .iter()
                .any(|&k| !matches!(tokens[k].text, "update" | "windowsupdate"));
        let complaint = class
            .iter()
            .any(|c| c & class::PROBLEM != 0 && c & class::SOFT_PROBLEM == 0);
        let first_person = tokens
            .iter()
            .any(|t| matches!(t.text, "i" | "my" | "me" | "im" | "ive" | "mine"));
        let says = |m: &&[&str]| (0..tokens.len()).any(|k| reads(tokens, k, m));
        // ("has anyone fixed accounts 103? tried everything in the faq" is
        // someone's trouble.)
        let troubled = tokens
            .iter()
            .any(|t| matches!(t.text, "anyone" | "tried" | "help" | "still"));
        // (An error word is the topic here, not a complaint.)
        let complaint_beyond_error = class
            .iter()
            .any(|c| c & class::PROBLEM != 0 && c & (class::SOFT_PROBLEM | class::ERROR) == 0);
        let discussed = NOT_A_REPORT.iter().any(says)
            || (!first_person
                && !troubled
                && (tokens.first().is_some_and(|t| t.text == "til")
                    || (!complaint_beyond_error
                        && tokens.iter().any(|t| GUIDE_WORDS.contains(&t.text)))));
        Context {
            spotify,
            spotify_or_error: spotify || error,
            foreign,
            other_thing,
            other_app_at,
            problem: any(class::PROBLEM),
            complaint,
            api: any(class::API),
            web_api: any(class::WEB_API),
            music: any(class::MUSIC),
            not_spotify: not_spotify(tokens, &class),
            names_a_thing: tokens.iter().any(|t| {
                matches!(
                    t.text,
                    "band"
                        | "single"
                        | "song"
                        | "album"
                        | "playlist"
                        | "ep"
                        | "mixtape"
                        | "podcast"
                        | "cat"
                        | "dog"
                        | "pet"
                )
            }),
            first_person,
            discussed,
            instruction: tokens.iter().any(|t| {
                matches!(
                    t.text,
                    "post" | "posts" | "include" | "paste" | "pastes" | "mention" | "mentions"
                )
            }),
            foreign_at,
            class,
        }
    }

    /// Whether token `i` is in the word list of `bit`.
    pub(crate) fn is(&self, i: usize, bit: u16) -> bool {
        self.class.get(i).is_some_and(|c| c & bit != 0)
    }

    /// Whether a word of another app or device sits near tokens
    /// `first..=last`: up to six tokens before ("my python script throws
    /// error 404") or four after ("error 651 on the router"). Farther away
    /// it is another clause ("error 2026 again after the windows update").
    pub(crate) fn foreign_near(&self, first: usize, last: usize) -> bool {
        self.foreign_at
            .iter()
            .any(|&k| k + 6 >= first && k <= last + 4)
    }

    /// Whether a word of another app or device sits up to six tokens
    /// before token `first` ("my python script throws…").
    pub(crate) fn foreign_before(&self, first: usize) -> bool {
        self.foreign_at.iter().any(|&k| k < first && k + 6 >= first)
    }

    /// Whether the code at token `k` is given as an example in an
    /// instruction ("post error codes like auth:73 in #help", "include
    /// the code (e.g. auth:3)") or in advice ("if you get auth:3, add
    /// spotify to the firewall").
    pub(crate) fn example_at(&self, tokens: &[Token<'_>], k: usize) -> bool {
        let before = |n: usize| k.checked_sub(n).map(|i| tokens[i].text);
        let advice = before(3) == Some("if")
            && matches!(before(2), Some("you" | "u"))
            && matches!(before(1), Some("get" | "see" | "hit" | "have"));
        advice
            || (self.instruction
                && (matches!(before(1), Some("like" | "eg" | "example"))
                    || (before(1) == Some("g") && before(2) == Some("e"))
                    || (before(1) == Some("as") && before(2) == Some("such"))))
    }

    /// Whether what starts at token `k` is the name of a band, a song or a
    /// pet ("our new single is called 'Error Code 7'", "named our new
    /// single 'Error Code 7'").
    pub(crate) fn name_at(&self, text: &str, tokens: &[Token<'_>], k: usize) -> bool {
        let before = &tokens[k.saturating_sub(4)..k];
        // "new playlist: '…'", "title of my memoir: …": a label, a colon,
        // and what it names (whose first words may not be the ones
        // matched).
        let labelled = (k.saturating_sub(6)..k).any(|b| {
            let label = tokens[b].text;
            (BOOKS.contains(&label)
                || (RELEASES.contains(&label)
                    && b > 0
                    && matches!(tokens[b - 1].text, "new" | "next" | "debut" | "first")))
                && text
                    .get(tokens[b].end..tokens[b + 1].start)
                    .is_some_and(|between| between.contains(':'))
        });
        let called = self.names_a_thing
            && before
                .iter()
                .any(|t| matches!(t.text, "called" | "named" | "naming" | "titled"));
        // "my wifi name is literally '…'", "band name idea: …"
        let name_is = before
            .windows(2)
            .any(|w| w[0].text == "name" && matches!(w[1].text, "is" | "idea"));
        // "a shirt that says '…'"
        let printed = before
            .iter()
            .any(|t| matches!(t.text, "says" | "saying" | "reads"))
            && tokens[k.saturating_sub(6)..k].iter().any(|t| {
                matches!(
                    t.text,
                    "shirt" | "tshirt" | "mug" | "sticker" | "tattoo" | "poster" | "hoodie"
                )
            });
        called || name_is || printed || labelled
    }

    /// Whether what ends at token `k` is named, or made a joke of, by a
    /// remark after it ("'your session has been terminated' would be a sick
    /// album title", "…would make a great breakup text", "…is my entire
    /// mood on mondays").
    pub(crate) fn name_after(&self, tokens: &[Token<'_>], k: usize) -> bool {
        let after = &tokens[(k + 1).min(tokens.len())..(k + 9).min(tokens.len())];
        let would_make = (0..3).any(|w| {
            (reads(after, w, &["would", "make"]) || reads(after, w, &["makes"]))
                && after[w..].iter().take(5).any(|t| {
                    matches!(
                        t.text,
                        "great" | "good" | "perfect" | "nice" | "sick" | "solid" | "fire"
                    )
                })
        });
        // (The match may end before the message's last, small words.)
        let a_mood = after
            .iter()
            .take(3)
            .position(|t| matches!(t.text, "is" | "was" | "literally"))
            .is_some_and(|w| {
                after[w..].iter().take(5).any(|t| {
                    matches!(
                        t.text,
                        "mood" | "vibe" | "vibes" | "personality" | "aesthetic"
                    )
                })
            });
        let named = self.names_a_thing
            && after
                .iter()
                .position(|t| matches!(t.text, "would" | "as"))
                .is_some_and(|w| {
                    after[w..]
                        .iter()
                        .any(|t| matches!(t.text, "name" | "names" | "title"))
                });
        would_make || a_mood || named
    }

    /// Whether the code or message at tokens `first..=last` is explained,
    /// not reported: the subject of "means" or "is usually…" ("mod note:
    /// accesspoint:17 almost always means a VPN", "error 30 is almost
    /// always a proxy thing", "error code 4 = no internet"; not "error 30
    /// is always popping up"), or what an explanation someone wrote is
    /// about ("a blog post explaining session:103"), in a message that
    /// speaks of no "i" or "my" and asks nothing ("what does auth 73 mean"
    /// asks).
    pub(crate) fn explained_at(
        &self,
        text: &str,
        tokens: &[Token<'_>],
        first: usize,
        last: usize,
        question: bool,
    ) -> bool {
        if self.first_person || question {
            return false;
        }
        let word = |k: usize| tokens.get(last + 1 + k).map_or("", |t| t.text);
        let adverb = |k: usize| {
            matches!(
                word(k),
                "usually"
                    | "almost"
                    | "always"
                    | "typically"
                    | "generally"
                    | "mostly"
                    | "basically"
                    | "normally"
                    | "often"
                    | "just"
            )
        };
        // ("…'login timed out' one just means…", "…that just means…")
        let mut k = usize::from(matches!(word(0), "that" | "it" | "one" | "this"));
        while adverb(k) {
            k += 1;
        }
        let means = word(k) == "means";
        // ("…is almost always a proxy thing", "…is usually caused by";
        // not "…is always popping up".)
        let is_usually = matches!(word(0), "is" | "are")
            && adverb(1)
            && (2..6).find(|&n| !adverb(n)).is_some_and(|n| {
                matches!(word(n), "a" | "an" | "the" | "caused" | "due" | "because")
            });
        let equals = tokens.get(last + 1).is_some_and(|n| {
            text.get(tokens[last].end..n.start)
                .is_some_and(|between| between.trim() == "=")
        });
        let explaining = tokens[first.saturating_sub(2)..first]
            .iter()
            .any(|t| matches!(t.text, "explaining" | "explains" | "explained"));
        means || is_usually || equals || explaining
    }

    /// Whether the code at tokens `first..=last` is said to be over where
    /// it stands: "error 2026 fixed, it was norton", "accesspoint 17 gone
    /// after i updated my country", "flushdns did it, no more error 7" at
    /// the end (not "auth:3 fixed for a day, then back", "error 30 is
    /// fixed?", "please no more error 7", "no more error 7 please").
    pub(crate) fn over_at(&self, tokens: &[Token<'_>], first: usize, last: Option<usize>) -> bool {
        let no_more = first >= 2
            && reads(tokens, first - 2, &["no", "more"])
            && last.is_some_and(|l| l + 1 == tokens.len())
            && !tokens[first.saturating_sub(4)..first - 2]
                .iter()
                .any(|t| matches!(t.text, "please" | "pls" | "plz"));
        let gone_after = last.is_some_and(|l| {
            let mut k = l + 1;
            while k < tokens.len()
                && k <= l + 3
                && matches!(
                    tokens[k].text,
                    "is" | "was" | "got" | "now" | "finally" | "thing" | "issue" | "error"
                )
            {
                k += 1;
            }
            tokens.get(k).is_some_and(|t| {
                matches!(t.text, "gone" | "fixed" | "solved" | "sorted" | "resolved")
            }) && !tokens[k + 1..]
                .iter()
                .take(3)
                .any(|t| matches!(t.text, "but" | "for" | "until" | "then" | "only" | "again"))
        });
        no_more || gone_after
    }

    /// Whether another app is what says the words at token `k`: named up
    /// to six tokens before, and Spotify only after, if at all ("deezer
    /// says this track isnt available in your country, spotify has it";
    /// not "switched from deezer to spotify and now songs are region
    /// locked", nor "spotify says i'm offline… edge says so too").
    pub(crate) fn other_app_says(&self, tokens: &[Token<'_>], k: usize) -> bool {
        (k.saturating_sub(6)..k).any(|j| self.is(j, class::OTHER_APP))
            && !tokens[..k].iter().any(|t| t.text.starts_with("spotif"))
    }

    /// Whether evidence at byte `at` is about another app named before it
    /// ("fortnite says a firewall may be blocking…"), and Spotify is not
    /// named at all.
    pub(crate) fn elsewhere_before(&self, at: usize) -> bool {
        self.not_spotify || self.other_app_at.is_some_and(|p| p < at)
    }
}
