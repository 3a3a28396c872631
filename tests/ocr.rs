//! Screenshots: what a user notices when they post a picture of the error
//! dialog instead of its text. The bot reads it and answers with the right
//! entry; it stays silent on pictures that show no error; hostile files are
//! refused with a clear error, never a crash or a stall.
//!
//! The fixtures (tests/fixtures/screenshots, described by manifest.json and
//! drawn by generate.py from the catalogue's displayed messages) cover dark
//! and light themes, small fonts, cropped dialogs and whole windows with the
//! dialog over other text, PNG and JPEG.
//!
//! Needs the `ocr` feature and the `tesseract` program (Debian:
//! tesseract-ocr tesseract-ocr-eng); without the program each test says so
//! and passes vacuously, unless `REQUIRE_OCR` is set (CI sets it).

#![cfg(feature = "ocr")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;
use spotify_error_bot::catalogue::{self, Catalogue};
use spotify_error_bot::matcher::Matcher;
use spotify_error_bot::ocr::{Ocr, OcrConfig, OcrError};

#[derive(Deserialize)]
struct Fixture {
    file: String,
    expect: Option<String>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screenshots")
}

fn fixtures() -> Vec<Fixture> {
    let text = std::fs::read_to_string(dir().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest.json parses")
}

fn world() -> &'static (Catalogue, Matcher) {
    static W: OnceLock<(Catalogue, Matcher)> = OnceLock::new();
    W.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue");
        let cat = catalogue::load_dir(&dir).expect("catalogue").catalogue;
        let m = Matcher::new(&cat);
        (cat, m)
    })
}

/// The reader, or `None` (with a message) when Tesseract is not installed.
fn reader(config: OcrConfig) -> Option<Ocr> {
    let ocr = Ocr::new(config);
    if ocr.is_ready() {
        return Some(ocr);
    }
    if std::env::var_os("REQUIRE_OCR").is_some() {
        panic!("REQUIRE_OCR is set but {:?}", ocr.status());
    }
    eprintln!("skipping: {:?}", ocr.status());
    None
}

/// What the bot does with a picture: read it, then match what was read.
async fn answer_for(ocr: &Ocr, bytes: &[u8]) -> (Option<String>, String, u64) {
    let (read, m) = ocr.read_error(&world().1, bytes).await.expect("read");
    (m.answer().map(str::to_string), read.text, read.millis)
}

#[tokio::test]
async fn each_screenshot_of_an_error_is_answered_with_its_entry() {
    let Some(ocr) = reader(OcrConfig::default()) else {
        return;
    };
    let mut wrong = Vec::new();
    for f in fixtures().iter().filter(|f| f.expect.is_some()) {
        let bytes = std::fs::read(dir().join(&f.file)).unwrap();
        let (answer, text, _) = answer_for(&ocr, &bytes).await;
        if answer != f.expect {
            wrong.push(format!(
                "{}: expected {:?}, got {answer:?} from {text:?}",
                f.file, f.expect
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn screenshots_without_an_error_get_no_answer() {
    let Some(ocr) = reader(OcrConfig::default()) else {
        return;
    };
    for f in fixtures().iter().filter(|f| f.expect.is_none()) {
        let bytes = std::fs::read(dir().join(&f.file)).unwrap();
        let (answer, text, _) = answer_for(&ocr, &bytes).await;
        assert_eq!(answer, None, "{}: read {text:?}", f.file);
    }
}

#[tokio::test]
async fn the_line_with_the_error_can_be_shown_back() {
    let Some(ocr) = reader(OcrConfig::default()) else {
        return;
    };
    let bytes = std::fs::read(dir().join("accounts-53-light-dialog.png")).unwrap();
    let (read, r) = ocr.read_error(&world().1, &bytes).await.unwrap();
    let at = r.candidates[0].reason.start;
    let line = read.line_at(at).expect("a line");
    assert!(
        line.contains("accounts:53") || line.contains("Contact your network"),
        "{line}"
    );
}

fn png_header(width: u32, height: u32) -> Vec<u8> {
    // A valid signature, an IHDR claiming a huge picture and a token of
    // data: the kind of file that makes a naive decoder allocate gigabytes.
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (&b"IHDR"[..], &ihdr[..]),
        (b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        (b"IEND", &[]),
    ] {
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn hostile_files_are_refused_with_a_clear_error() {
    let Some(ocr) = reader(OcrConfig::default()) else {
        return;
    };
    let judge = |_: &str| 0.0;
    let huge = ocr
        .read_best(&png_header(100_000, 100_000), judge, 1.0)
        .await;
    assert!(
        matches!(huge, Err(OcrError::TooManyPixels { .. })),
        "{huge:?}"
    );

    let text = ocr.read_best(b"accesspoint:17, honest", judge, 1.0).await;
    assert_eq!(text, Err(OcrError::NotAnImage));

    let real = std::fs::read(dir().join("auth-2-dark-dialog.png")).unwrap();
    let truncated = ocr.read_best(&real[..real.len() / 3], judge, 1.0).await;
    assert!(
        matches!(truncated, Err(OcrError::Malformed(_))),
        "{truncated:?}"
    );

    let tiny = ocr.read_best(&png_header(1, 1), judge, 1.0).await;
    assert!(matches!(tiny, Err(OcrError::Malformed(_))), "{tiny:?}");

    let small = Ocr::new(OcrConfig {
        max_bytes: 1000,
        ..OcrConfig::default()
    });
    let big = small.read_best(&real, judge, 1.0).await;
    assert!(matches!(big, Err(OcrError::TooLarge { .. })), "{big:?}");
}

#[tokio::test]
async fn a_run_that_overruns_is_cut_off() {
    let Some(ocr) = reader(OcrConfig {
        timeout: Duration::from_millis(1),
        ..OcrConfig::default()
    }) else {
        return;
    };
    let real = std::fs::read(dir().join("accesspoint-39-dark-window.png")).unwrap();
    let r = ocr.read_best(&real, |_| 0.0, 1.0).await;
    assert_eq!(r, Err(OcrError::Timeout));
}

/// Accuracy and time per picture:
/// `cargo test --features ocr --test ocr -- --ignored --nocapture report`
#[tokio::test]
#[ignore]
async fn report() {
    let Some(ocr) = reader(OcrConfig::default()) else {
        return;
    };
    let (mut right, mut total, mut ms) = (0, 0, Vec::new());
    for f in fixtures() {
        let bytes = std::fs::read(dir().join(&f.file)).unwrap();
        let (answer, _, millis) = answer_for(&ocr, &bytes).await;
        total += 1;
        let ok = answer == f.expect;
        right += usize::from(ok);
        ms.push(millis);
        println!(
            "{:<45} {:>6} ms  {}",
            f.file,
            millis,
            if ok { "ok" } else { "WRONG" }
        );
    }
    ms.sort_unstable();
    println!(
        "accuracy {right}/{total}; median {} ms, max {} ms",
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
}
