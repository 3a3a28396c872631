//! Reading the error out of a screenshot.
//!
//! Most people post a picture of the Spotify dialog instead of its text. With
//! the `ocr` feature, [`Ocr::read_best`] checks the file (size, format and
//! pixel count from its header, before decoding anything: no decompression
//! bombs), prepares it for Tesseract (grey, inverted when the theme is dark,
//! scaled up when the text is small) and runs the `tesseract` program on a
//! bounded pool with a timeout, killing it when it overruns. It tries a few
//! page-segmentation variants, best first, and stops at the first reading
//! the caller's judge (the matcher) is sure of. Running the program instead
//! of linking libtesseract keeps the default build free of C libraries and
//! lets a stuck run be killed.
//!
//! Without the feature, or without the program, [`Ocr::status`] says why
//! and every read fails with [`OcrError::Unavailable`]: images are ignored.
//!
//! Pure of Discord and SQL; the adapter downloads attachments and calls in.

use std::sync::Arc;
use std::time::Duration;

use crate::matcher::{MatchResult, Matcher, Tier};

/// Limits on what is read.
#[derive(Debug, Clone)]
pub struct OcrConfig {
    /// Larger files are refused unread.
    pub max_bytes: usize,
    /// Larger images (width × height, from the header) are refused undecoded.
    pub max_pixels: u64,
    /// Time for one image, all variants and waiting for a worker included;
    /// a Tesseract run still going then is killed, and the best reading so
    /// far (if any) is used.
    pub timeout: Duration,
    /// Tesseract runs at once, at most.
    pub workers: usize,
}

impl Default for OcrConfig {
    fn default() -> Self {
        OcrConfig {
            max_bytes: 8 * 1024 * 1024,
            max_pixels: 40_000_000,
            timeout: Duration::from_secs(15),
            workers: 2,
        }
    }
}

/// Whether screenshots can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcrStatus {
    Ready { version: String },
    Disabled { why: String },
}

/// What was read from an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrText {
    pub text: String,
    /// The non-empty lines of `text`.
    pub lines: Vec<String>,
    /// Which pre-processing and page-segmentation variant produced it.
    pub variant: &'static str,
    /// Time spent, all variants tried included.
    pub millis: u64,
}

impl OcrText {
    /// The recognised line that holds byte `at` of `text` (what the matcher
    /// matched on), for showing people what the bot saw.
    pub fn line_at(&self, at: usize) -> Option<&str> {
        let mut start = 0;
        for line in self.text.split_inclusive('\n') {
            let end = start + line.len();
            if at >= start && at < end {
                let l = line.trim();
                return (!l.is_empty()).then_some(l);
            }
            start = end;
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    #[error("screenshots are not read here: {0}")]
    Unavailable(String),
    #[error("the file is {bytes} bytes, more than the {max} read")]
    TooLarge { bytes: usize, max: usize },
    #[error("the image is {width}×{height} pixels, more than the {max} read")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("not an image")]
    NotAnImage,
    #[error("the image could not be decoded: {0}")]
    Malformed(String),
    #[error("reading the image took too long")]
    Timeout,
    #[error("tesseract failed: {0}")]
    Failed(String),
}

/// The screenshot reader. Cheap to clone; share one.
#[derive(Clone)]
pub struct Ocr {
    inner: Arc<Inner>,
}

struct Inner {
    config: OcrConfig,
    status: OcrStatus,
    #[cfg_attr(not(feature = "ocr"), allow(dead_code))]
    permits: tokio::sync::Semaphore,
}

impl Ocr {
    /// Sets up the reader, checking once that Tesseract can run.
    pub fn new(config: OcrConfig) -> Ocr {
        let status = probe();
        let permits = tokio::sync::Semaphore::new(config.workers.max(1));
        Ocr {
            inner: Arc::new(Inner {
                config,
                status,
                permits,
            }),
        }
    }

    pub fn status(&self) -> &OcrStatus {
        &self.inner.status
    }

    /// Files larger than this are refused unread.
    pub fn max_bytes(&self) -> usize {
        self.inner.config.max_bytes
    }

    pub fn is_ready(&self) -> bool {
        matches!(self.inner.status, OcrStatus::Ready { .. })
    }

    /// Reads `bytes`, trying the variants in order until `judge` scores a
    /// reading at `good_enough` or more; returns the best-judged reading.
    pub async fn read_best(
        &self,
        bytes: &[u8],
        judge: impl Fn(&str) -> f32,
        good_enough: f32,
    ) -> Result<OcrText, OcrError> {
        if let OcrStatus::Disabled { why } = &self.inner.status {
            return Err(OcrError::Unavailable(why.clone()));
        }
        imp::read_best(&self.inner, bytes, judge, good_enough).await
    }
}

impl Ocr {
    /// Reads a screenshot and matches what was read: the variants are tried
    /// until the matcher is sure of one reading.
    pub async fn read_error(
        &self,
        matcher: &Matcher,
        bytes: &[u8],
    ) -> Result<(OcrText, MatchResult), OcrError> {
        let judge = |text: &str| screenshot_score(&matcher.match_text(text));
        let read = self
            .read_best(bytes, judge, matcher.thresholds().answer)
            .await?;
        let m = matcher.match_text(&read.text);
        Ok((read, m))
    }
}

/// How good a reading is, by what the matcher makes of it: a sure,
/// single answer scores its confidence; a reading that leaves a choice (a
/// message several codes share, the code itself unread) or only a guess
/// scores less, so the next variant gets a chance to read the code.
pub fn screenshot_score(m: &MatchResult) -> f32 {
    match m.tier {
        Tier::High if !m.ambiguous => m.confidence,
        Tier::High | Tier::Medium => m.confidence * 0.5,
        Tier::Low => 0.0,
    }
}

#[cfg(feature = "ocr")]
fn probe() -> OcrStatus {
    match std::process::Command::new("tesseract")
        .arg("--version")
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            let version = text
                .lines()
                .next()
                .unwrap_or("tesseract")
                .trim()
                .to_string();
            OcrStatus::Ready { version }
        }
        Ok(out) => OcrStatus::Disabled {
            why: format!("`tesseract --version` exited with {}", out.status),
        },
        Err(e) => OcrStatus::Disabled {
            why: format!("the `tesseract` program was not found ({e}); install tesseract-ocr"),
        },
    }
}

#[cfg(not(feature = "ocr"))]
fn probe() -> OcrStatus {
    OcrStatus::Disabled {
        why: "built without the `ocr` feature".to_string(),
    }
}

#[cfg(not(feature = "ocr"))]
mod imp {
    use super::{Inner, OcrError, OcrText};

    pub(super) async fn read_best(
        _inner: &Inner,
        _bytes: &[u8],
        _judge: impl Fn(&str) -> f32,
        _good_enough: f32,
    ) -> Result<OcrText, OcrError> {
        Err(OcrError::Unavailable(
            "built without the `ocr` feature".into(),
        ))
    }
}

#[cfg(feature = "ocr")]
mod imp {
    use std::io::Cursor;
    use std::process::Stdio;
    use std::time::Instant;

    use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};
    use tokio::io::AsyncWriteExt;

    use super::{Inner, OcrConfig, OcrError, OcrText};

    /// Pre-processing, page segmentation (`--psm`) and binarisation
    /// (`thresholding_method`: 0 global Otsu, 2 local Sauvola), best first.
    /// Measured on the fixtures (see tests/ocr.rs `report`): no single
    /// variant reads them all. Sparse text with local thresholds finds a
    /// dialog inside a whole-window capture and white text on a coloured
    /// bar; a uniform block reads cropped dialogs and light toasts; the
    /// untouched picture is the last resort.
    const VARIANTS: &[(&str, Prep, &str, &str)] = &[
        ("prepared-sparse-local", Prep::Prepared, "11", "2"),
        ("prepared-block", Prep::Prepared, "6", "0"),
        ("prepared-sparse", Prep::Prepared, "11", "0"),
        ("original-auto", Prep::Original, "3", "0"),
    ];

    #[derive(Clone, Copy)]
    enum Prep {
        /// Grey, dark themes inverted, small text scaled up.
        Prepared,
        /// As uploaded (re-encoded as PNG).
        Original,
    }

    /// Checks the header and decodes within the limits.
    fn decode(cfg: &OcrConfig, bytes: &[u8]) -> Result<DynamicImage, OcrError> {
        let format = image::guess_format(bytes).map_err(|_| OcrError::NotAnImage)?;
        if !matches!(
            format,
            ImageFormat::Png
                | ImageFormat::Jpeg
                | ImageFormat::Gif
                | ImageFormat::WebP
                | ImageFormat::Bmp
        ) {
            return Err(OcrError::NotAnImage);
        }
        let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
            .into_dimensions()
            .map_err(|e| OcrError::Malformed(e.to_string()))?;
        if u64::from(width) * u64::from(height) > cfg.max_pixels {
            return Err(OcrError::TooManyPixels {
                width,
                height,
                max: cfg.max_pixels,
            });
        }
        if width < 8 || height < 8 {
            return Err(OcrError::Malformed(format!(
                "{width}×{height} is too small to hold text"
            )));
        }
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(width);
        limits.max_image_height = Some(height);
        limits.max_alloc = Some(cfg.max_pixels.saturating_mul(4).min(512 * 1024 * 1024));
        reader.limits(limits);
        reader
            .decode()
            .map_err(|e| OcrError::Malformed(e.to_string()))
    }

    /// Grey; inverted when the picture is mostly dark (Tesseract reads dark
    /// text on light best); scaled so small dialog text reaches the size
    /// Tesseract is trained on.
    fn prepare(img: &DynamicImage) -> GrayImage {
        let mut g = img.to_luma8();
        let n = u64::from(g.width()) * u64::from(g.height());
        let sum: u64 = g.pixels().map(|p| u64::from(p.0[0])).sum();
        if n > 0 && sum / n < 110 {
            image::imageops::invert(&mut g);
        }
        let scale = if g.width() < 1400 { 2 } else { 1 };
        if scale > 1 {
            g = image::imageops::resize(
                &g,
                g.width() * scale,
                g.height() * scale,
                image::imageops::FilterType::Triangle,
            );
        }
        g
    }

    fn png(img: &DynamicImage) -> Result<Vec<u8>, OcrError> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        Ok(out)
    }

    async fn tesseract(
        inner: &Inner,
        png: &[u8],
        psm: &str,
        threshold: &str,
        deadline: tokio::time::Instant,
    ) -> Result<String, OcrError> {
        tokio::time::timeout_at(deadline, run(inner, png, psm, threshold))
            .await
            .map_err(|_| OcrError::Timeout)?
    }

    async fn run(
        inner: &Inner,
        png: &[u8],
        psm: &str,
        threshold: &str,
    ) -> Result<String, OcrError> {
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| OcrError::Failed("the reader is shutting down".into()))?;
        let mut child = tokio::process::Command::new("tesseract")
            .args(["stdin", "stdout", "--psm", psm, "-l", "eng", "-c"])
            .arg(format!("thresholding_method={threshold}"))
            // One thread per run: the pool, not OpenMP, decides how many
            // cores reading takes.
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| OcrError::Unavailable(e.to_string()))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| OcrError::Failed("no stdin".into()))?;
        let input = png.to_vec();
        let writer = tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
        // Dropped at the deadline, the child is killed (kill_on_drop).
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        let _ = writer.await;
        if !out.status.success() {
            return Err(OcrError::Failed(format!("exit status {}", out.status)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub(super) async fn read_best(
        inner: &Inner,
        bytes: &[u8],
        judge: impl Fn(&str) -> f32,
        good_enough: f32,
    ) -> Result<OcrText, OcrError> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + inner.config.timeout;
        if bytes.len() > inner.config.max_bytes {
            return Err(OcrError::TooLarge {
                bytes: bytes.len(),
                max: inner.config.max_bytes,
            });
        }
        // Decoding and scaling are CPU work: off the async workers.
        let config = inner.config.clone();
        let owned = bytes.to_vec();
        let (prepared, original) = tokio::task::spawn_blocking(move || {
            let img = decode(&config, &owned)?;
            Ok::<_, OcrError>((png(&DynamicImage::ImageLuma8(prepare(&img)))?, png(&img)?))
        })
        .await
        .map_err(|e| OcrError::Failed(e.to_string()))??;
        let mut best: Option<(f32, String, &'static str)> = None;
        for (name, prep, psm, threshold) in VARIANTS {
            let input = match prep {
                Prep::Prepared => &prepared,
                Prep::Original => &original,
            };
            let text = match tesseract(inner, input, psm, threshold, deadline).await {
                Ok(text) => text,
                // Out of time with a reading in hand: use it.
                Err(OcrError::Timeout) if best.is_some() => break,
                Err(e) => return Err(e),
            };
            let score = judge(&text);
            let better = best.as_ref().is_none_or(|(s, _, _)| score > *s);
            if better {
                best = Some((score, text, name));
            }
            if score >= good_enough {
                break;
            }
        }
        let (_, text, variant) = best.ok_or_else(|| OcrError::Failed("no variant ran".into()))?;
        let lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        Ok(OcrText {
            text,
            lines,
            variant,
            millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }
}
