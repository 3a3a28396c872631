//! Text normalisation before matching.
//!
//! Pasted and OCR'd text arrives with every kind of noise: capitals,
//! accents, full-width letters, Cyrillic or Greek look-alikes (`auth:7З`),
//! zalgo marks, zero-width and bidi control characters, typographic dashes.
//! [`Normalized`] folds all of that to lower-case ASCII where a Latin
//! reading exists, and remembers where each output byte came from so a
//! match can point at the user's own text.
//!
//! Only a bounded prefix of the input is looked at ([`MAX_SCAN_CHARS`]):
//! error reports put the error early, and a 100 KB paste must not cost more
//! than a short one.

use unicode_normalization::UnicodeNormalization;

/// How many characters of a message are examined.
pub const MAX_SCAN_CHARS: usize = 4096;

/// A normalised copy of (a prefix of) the input.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// Lower-case text with look-alikes folded to ASCII.
    pub text: String,
    /// For each byte of `text`, the byte offset in the original input.
    /// `None` when the mapping is the identity (pure ASCII input).
    offsets: Option<Vec<usize>>,
    /// Whether the input was longer than what was scanned.
    pub truncated: bool,
    /// Byte length of the scanned prefix of the original.
    pub scanned_len: usize,
}

impl Normalized {
    pub fn new(input: &str) -> Normalized {
        // Fast path: a short ASCII message with no control characters.
        if input.len() <= MAX_SCAN_CHARS
            && input
                .bytes()
                .all(|b| b.is_ascii() && (b >= 0x20 || b == b'\n' || b == b'\t' || b == b'\r'))
        {
            return Normalized {
                text: input.to_ascii_lowercase(),
                offsets: None,
                truncated: false,
                scanned_len: input.len(),
            };
        }
        let mut text = String::with_capacity(input.len().min(MAX_SCAN_CHARS * 2));
        let mut offsets = Vec::with_capacity(text.capacity());
        let mut truncated = false;
        let mut scanned_len = input.len();
        let mut buf = [0u8; 4];
        for (count, (pos, c)) in input.char_indices().enumerate() {
            if count >= MAX_SCAN_CHARS {
                truncated = true;
                scanned_len = pos;
                break;
            }
            let mut push = |ch: char, text: &mut String, offsets: &mut Vec<usize>| {
                for lc in ch.to_lowercase() {
                    let s = lc.encode_utf8(&mut buf);
                    text.push_str(s);
                    offsets.extend(std::iter::repeat_n(pos, s.len()));
                }
            };
            if c.is_ascii() {
                if c.is_ascii_control() && !matches!(c, '\n' | '\t' | '\r') {
                    push(' ', &mut text, &mut offsets);
                } else {
                    push(c, &mut text, &mut offsets);
                }
                continue;
            }
            if is_invisible(c) || is_combining(c) {
                continue;
            }
            if let Some(a) = confusable(c) {
                push(a, &mut text, &mut offsets);
                continue;
            }
            // Compatibility decomposition: full-width letters, ligatures,
            // accented letters (the accent is dropped).
            let mut any = false;
            for d in c.nfkd() {
                if is_combining(d) || is_invisible(d) {
                    continue;
                }
                let d = confusable(d).unwrap_or(d);
                push(d, &mut text, &mut offsets);
                any = true;
            }
            if !any {
                push(' ', &mut text, &mut offsets);
            }
        }
        Normalized {
            text,
            offsets: Some(offsets),
            truncated,
            scanned_len,
        }
    }

    /// The original byte range for a range of `text`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        match &self.offsets {
            None => (start, end),
            Some(o) => {
                let s = o.get(start).copied().unwrap_or(self.scanned_len);
                // The end maps to the start of the last byte's char, plus that char.
                let e = if end == 0 {
                    s
                } else {
                    o.get(end - 1).copied().map_or(self.scanned_len, |p| p + 1)
                };
                (s, e.max(s))
            }
        }
    }
}

/// Characters that render as nothing or only steer layout.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')
        || (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
}

/// Combining marks: accents, and the stacks zalgo text is made of.
fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Latin look-alikes that Unicode normalisation does not fold: Cyrillic and
/// Greek letters OCR engines and keyboards substitute, and typographic
/// punctuation.
fn confusable(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' | 'А' => 'a',
        'в' | 'В' => 'b',
        'е' | 'Е' | 'ё' | 'Ё' => 'e',
        'з' | 'З' | 'э' | 'Э' => '3',
        'і' | 'І' | 'ї' | 'Ї' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' => 'k',
        'м' | 'М' => 'm',
        'н' | 'Н' => 'h',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'с' | 'С' => 'c',
        'т' | 'Т' => 't',
        'у' | 'У' => 'y',
        'х' | 'Х' => 'x',
        'ѕ' | 'Ѕ' => 's',
        'ԁ' => 'd',
        'ɡ' => 'g',
        'ⅼ' | 'ǀ' | '∣' | 'ӏ' | 'Ӏ' => 'l',
        // Greek
        'α' | 'Α' => 'a',
        'β' | 'Β' => 'b',
        'ε' | 'Ε' => 'e',
        'ι' | 'Ι' => 'i',
        'κ' | 'Κ' => 'k',
        'ν' => 'v',
        'Ν' => 'n',
        'ο' | 'Ο' => 'o',
        'ρ' | 'Ρ' => 'p',
        'τ' | 'Τ' => 't',
        'υ' | 'Υ' => 'u',
        'χ' | 'Χ' => 'x',
        'Η' => 'h',
        'Μ' => 'm',
        'Ζ' => 'z',
        // Punctuation
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        '\u{2024}' | '\u{2027}' => '.',
        '\u{FE13}' | '\u{FE55}' | '\u{A789}' | '\u{02D0}' | '\u{0589}' => ':',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_lookalikes() {
        assert_eq!(Normalized::new("AUTH:7З").text, "auth:73");
        assert_eq!(Normalized::new("Ассеsspoint").text, "accesspoint");
        assert_eq!(Normalized::new("ＡＰ：１７").text, "ap:17");
        assert_eq!(
            Normalized::new("com.spotify.installer −3").text,
            "com.spotify.installer -3"
        );
    }

    #[test]
    fn strips_zalgo_and_invisible_characters() {
        let z = "a\u{0301}\u{0316}u\u{0334}t\u{200B}h\u{202E}:73";
        assert_eq!(Normalized::new(z).text, "auth:73");
    }

    #[test]
    fn maps_back_to_original_offsets() {
        let input = "é auth:73";
        let n = Normalized::new(input);
        let start = n.text.find("auth").unwrap();
        let (s, e) = n.original_range(start, start + 7);
        assert_eq!(&input[s..e], "auth:73");
    }

    #[test]
    fn bounds_the_scan() {
        let long = "ä".repeat(MAX_SCAN_CHARS * 3);
        let n = Normalized::new(&long);
        assert!(n.truncated);
        assert_eq!(n.text.chars().count(), MAX_SCAN_CHARS);
    }
}
