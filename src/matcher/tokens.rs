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
    let mut out = Vec::with_capacity(s.len() / 5 + 1);
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(st) = start.take() {
            out.push(Token {
                text: &s[st..i],
                start: st,
                end: i,
            });
        }
    }
    if let Some(st) = start {
        out.push(Token {
            text: &s[st..],
            start: st,
            end: s.len(),
        });
    }
    out
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
    if tok.chars().next().map(ocr_letter) != word.chars().next() {
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
    strsim::damerau_levenshtein(&ocr_letters(tok), word) <= max
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
}
