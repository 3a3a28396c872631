//! Splitting normalised text into word tokens, and the small lexical helpers
//! the code spotter and the message index share.

/// A run of letters and digits in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// The tokens of `s`: maximal runs of alphanumeric characters. Everything
/// else (spaces, punctuation, `_`, `:`) separates tokens and is kept in the
/// text between them, which the code spotter inspects.
pub fn tokenize(s: &str) -> Vec<Token<'_>> {
    // Most messages are ASCII once normalised: a byte at a time, without
    // decoding characters.
    if s.is_ascii() {
        split(
            s,
            s.bytes()
                .enumerate()
                .map(|(i, b)| (i, b.is_ascii_alphanumeric())),
        )
    } else {
        split(s, s.char_indices().map(|(i, c)| (i, c.is_alphanumeric())))
    }
}

/// The tokens of `s`, given its characters as (byte offset, whether
/// alphanumeric).
fn split<'a>(s: &'a str, chars: impl Iterator<Item = (usize, bool)>) -> Vec<Token<'a>> {
    let mut out = Vec::with_capacity(s.len() / 5 + 1);
    let mut start: Option<usize> = None;
    for (i, alnum) in chars {
        if alnum {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(st) = start.take() {
            push(&mut out, s, st, i);
        }
    }
    if let Some(st) = start {
        push(&mut out, s, st, s.len());
    }
    out
}

/// Pushes the token `s[start..end]`; "error30" and "errorcode4" are two
/// tokens, the word and its number, as if spaced.
fn push<'a>(out: &mut Vec<Token<'a>>, s: &'a str, start: usize, end: usize) {
    let t = &s[start..end];
    let word = t.starts_with("err").then(|| {
        ["errorcode", "error", "err"]
            .into_iter()
            .find(|w| t.starts_with(w))
    });
    if let Some(w) = word.flatten() {
        let digits = &t[w.len()..];
        if (1..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            let cut = start + w.len();
            out.push(Token {
                text: &s[start..cut],
                start,
                end: cut,
            });
            out.push(Token {
                text: digits,
                start: cut,
                end,
            });
            return;
        }
    }
    out.push(Token {
        text: t,
        start,
        end,
    });
}

/// Reads a token that should be a number the way OCR garbles digits:
/// `l7` → 17, `4O3` → 403, `3O` → 30. Returns `None` unless the token is
/// short, holds at least one real digit and nothing that is not a digit or
/// a common digit look-alike.
pub fn ocr_digits(tok: &str) -> Option<String> {
    if tok.is_empty() || tok.len() > 6 || !tok.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    tok.chars().map(ocr_digit).collect()
}

/// The digit a character stands for in OCR'd text (`l` → 1, `o` → 0).
pub fn ocr_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'o' | 'q' | 'd' => Some('0'),
        'l' | 'i' | 'j' | 't' => Some('1'),
        'z' => Some('2'),
        's' => Some('5'),
        'b' => Some('8'),
        'g' => Some('9'),
        _ => None,
    }
}

/// Reads a token that should be a word the way OCR garbles letters:
/// `c0de` → code, `acc3sspoint` → accesspoint.
pub fn ocr_letters(tok: &str) -> String {
    tok.chars().map(ocr_letter).collect()
}

fn ocr_letter(c: char) -> char {
    match c {
        '0' => 'o',
        '1' => 'l',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        _ => c,
    }
}

/// The first letter as [`fuzzy_word`] compares it (OCR swaps folded): a
/// word can only fuzzily match words with this first letter.
pub fn fuzzy_key(tok: &str) -> Option<char> {
    tok.chars().next().map(ocr_letter)
}

/// Whether `tok` reads as `word` allowing OCR letter swaps and, for longer
/// words, a typo or two.
pub fn fuzzy_word(tok: &str, word: &str) -> bool {
    if tok == word {
        return true;
    }
    let lw = word.len();
    if lw < 4 || tok.len() + 2 < lw || tok.len() > lw + 2 {
        return false;
    }
    // Cheap first-letter gate keeps this off the hot path for most tokens
    // (and before any allocation).
    if fuzzy_key(tok) != word.chars().next() {
        return false;
    }
    if tok.chars().map(ocr_letter).eq(word.chars()) {
        return true;
    }
    let max = match lw {
        0..=5 => 1,
        6..=9 => 1,
        _ => 2,
    };
    if tok.is_ascii() && word.is_ascii() && tok.len() < MAX_FAST && word.len() < MAX_FAST {
        let mut a = [0u8; MAX_FAST];
        for (d, b) in a.iter_mut().zip(tok.bytes()) {
            *d = ocr_letter(b as char) as u8;
        }
        return osa_within(&a[..tok.len()], word.as_bytes(), max);
    }
    strsim::damerau_levenshtein(&ocr_letters(tok), word) <= max
}

/// Longest word the allocation-free distance handles.
const MAX_FAST: usize = 32;

/// Whether the optimal-string-alignment distance (insertions, deletions,
/// substitutions, adjacent transpositions) between two short byte strings
/// is at most `max`. Three rows on the stack and an early exit once a row
/// is entirely over the limit: this runs for many tokens of every message.
fn osa_within(a: &[u8], b: &[u8], max: usize) -> bool {
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // The letters one has and the other lacks bound the distance from
    // below (an edit changes at most one on each side): most words that
    // merely share a first letter are turned away here, before the table.
    let mut count = [0u8; 256];
    for &c in a {
        count[usize::from(c)] = count[usize::from(c)].saturating_add(1);
    }
    let mut common = 0;
    for &c in b {
        if count[usize::from(c)] > 0 {
            count[usize::from(c)] -= 1;
            common += 1;
        }
    }
    if (a.len() - common).max(b.len() - common) > max {
        return false;
    }
    let n = b.len();
    // Rows i-2, i-1 and i, rotated by index rather than copied.
    let mut rows = [[0u8; MAX_FAST + 1]; 3];
    for (j, d) in rows[1].iter_mut().enumerate() {
        *d = j as u8;
    }
    let (mut p2, mut p1, mut c) = (0, 1, 2);
    for i in 1..=a.len() {
        rows[c][0] = i as u8;
        let mut row_min = rows[c][0];
        for j in 1..=n {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[p1][j] + 1)
                .min(rows[c][j - 1] + 1)
                .min(rows[p1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[p2][j - 2] + 1);
            }
            rows[c][j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min) > max {
            return false;
        }
        (p2, p1, c) = (p1, c, p2);
    }
    usize::from(rows[p1][n]) <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_punctuation() {
        let t: Vec<&str> = tokenize("(error code: 17 / accesspoint:17)")
            .iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["error", "code", "17", "accesspoint", "17"]);
        let t: Vec<&str> = tokenize("error30 errorcode4 errors")
            .iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["error", "30", "errorcode", "4", "errors"]);
    }

    #[test]
    fn reads_ocr_digits() {
        assert_eq!(ocr_digits("l7").as_deref(), Some("17"));
        assert_eq!(ocr_digits("4o3").as_deref(), Some("403"));
        assert_eq!(ocr_digits("lines"), None);
        assert_eq!(ocr_digits("0x80070005"), None);
    }

    #[test]
    fn reads_ocr_words() {
        assert!(fuzzy_word("c0de", "code"));
        assert!(fuzzy_word("acc3sspoint", "accesspoint"));
        assert!(fuzzy_word("accesspont", "accesspoint"));
        assert!(!fuzzy_word("account", "accesspoint"));
    }

    #[test]
    fn bounded_distance_agrees_with_strsim() {
        let words = [
            "spotify",
            "spotfy",
            "sptoify",
            "spotifyy",
            "potify",
            "error",
            "erorr",
            "eror",
            "errror",
            "accesspoint",
            "acesspoint",
            "accesspiont",
            "acc3sspoint",
            "firewall",
            "firewal",
            "fierwall",
            "code",
            "cdoe",
            "a",
            "",
            "ab",
            "ba",
            "abc",
            "cab",
        ];
        for a in words {
            for b in words {
                for max in 0..3 {
                    assert_eq!(
                        super::osa_within(a.as_bytes(), b.as_bytes(), max),
                        strsim::osa_distance(a, b) <= max,
                        "{a} / {b} within {max}"
                    );
                }
            }
        }
    }
}
