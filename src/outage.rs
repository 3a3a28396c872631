//! Outage detection: when far more people than usual report the same error
//! at once, the cause is probably on Spotify's side.
//!
//! Pure: the store counts reports (one per person and error, from every
//! process sharing the database) and keeps the current [`Outage`] of each
//! error; this module decides. An error is *spiking* when, within the last
//! [`OutageConfig::window_ms`], at least `min_reports` reports came from at
//! least `min_users` different people, and that is at least `factor` times
//! the usual number for such a window (the baseline: the reports of the
//! preceding `baseline_ms`, scaled to one window). A spike starts an outage;
//! the outage ends once the error has been quiet (not spiking) for
//! `quiet_ms`, so answers do not flip back and forth at the threshold.

use serde::{Deserialize, Serialize};

use crate::session::Millis;

/// The detector's knobs. The defaults suit a bot in a few hundred servers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutageConfig {
    /// The sliding window reports are counted in.
    pub window_ms: Millis,
    /// How far back the usual rate is measured (before the window).
    pub baseline_ms: Millis,
    /// Reports in the window needed before anything counts as a spike.
    pub min_reports: u64,
    /// Different people among them.
    pub min_users: u64,
    /// How many times the usual rate the window must reach.
    pub factor: f64,
    /// How long an outage lasts after the last spike.
    pub quiet_ms: Millis,
}

impl Default for OutageConfig {
    fn default() -> Self {
        OutageConfig {
            window_ms: 15 * 60_000,
            baseline_ms: 7 * 24 * 3_600_000,
            min_reports: 8,
            min_users: 5,
            factor: 5.0,
            quiet_ms: 30 * 60_000,
        }
    }
}

/// Reports of one error in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WindowCounts {
    pub reports: u64,
    pub users: u64,
    pub guilds: u64,
}

/// A probable outage of one error, as stored and shared between processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    pub entry: String,
    pub started_at: Millis,
    /// The last time the error was spiking.
    pub last_spike_at: Millis,
    /// The highest report count seen in one window during the outage.
    pub peak_reports: u64,
    pub peak_guilds: u64,
}

/// What a check concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing to write.
    None,
    /// A new outage, or a running one seen spiking again.
    Upsert(Outage),
    /// The outage is over.
    Clear,
}

impl OutageConfig {
    /// Reports expected in one window at the usual rate.
    pub fn expected(&self, baseline_reports: u64) -> f64 {
        if self.baseline_ms <= 0 {
            return 0.0;
        }
        baseline_reports as f64 * self.window_ms as f64 / self.baseline_ms as f64
    }

    /// Whether the window is far above the usual rate. For a rare error the
    /// usual rate is near zero, and the minimums decide: two people hitting
    /// it on the same day is not an outage.
    pub fn is_spike(&self, window: WindowCounts, baseline_reports: u64) -> bool {
        let expected = self.expected(baseline_reports);
        window.reports >= self.min_reports
            && window.users >= self.min_users
            && window.reports as f64 >= self.factor * expected
    }

    /// The next state of `entry` given the current window.
    pub fn step(
        &self,
        entry: &str,
        current: Option<&Outage>,
        window: WindowCounts,
        baseline_reports: u64,
        now: Millis,
    ) -> Change {
        let spiking = self.is_spike(window, baseline_reports);
        match (current, spiking) {
            (None, false) => Change::None,
            (None, true) => Change::Upsert(Outage {
                entry: entry.to_string(),
                started_at: now,
                last_spike_at: now,
                peak_reports: window.reports,
                peak_guilds: window.guilds,
            }),
            (Some(o), true) => Change::Upsert(Outage {
                last_spike_at: now,
                peak_reports: o.peak_reports.max(window.reports),
                peak_guilds: o.peak_guilds.max(window.guilds),
                ..o.clone()
            }),
            (Some(o), false) if now - o.last_spike_at >= self.quiet_ms => Change::Clear,
            (Some(_), false) => Change::None,
        }
    }

    /// Whether a stored outage still holds at `now` (another process may
    /// not have cleared it yet).
    pub fn holds(&self, o: &Outage, now: Millis) -> bool {
        now - o.last_spike_at < self.quiet_ms
    }
}

/// What an answer about an error says about its outage state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notice {
    /// Detected from reports.
    pub detected: bool,
    /// A moderator's note for this server.
    pub note: Option<String>,
}

impl Notice {
    pub fn is_active(&self) -> bool {
        self.detected || self.note.is_some()
    }

    /// The banner an answer leads with, or None when all is well.
    pub fn banner(&self) -> Option<String> {
        let mut lines = Vec::new();
        if self.detected {
            lines.push(
                "⚠️ **Many people are reporting this right now; it is probably on Spotify's side.** \
                 Heavy steps such as reinstalling are held back: try the light ones, then wait a while."
                    .to_string(),
            );
        }
        if let Some(note) = &self.note {
            lines.push(format!("📢 **Moderator note:** {note}"));
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;

    fn w(reports: u64, users: u64) -> WindowCounts {
        WindowCounts {
            reports,
            users,
            guilds: users,
        }
    }

    #[test]
    fn a_burst_from_many_people_is_a_spike_but_one_person_repeating_is_not() {
        let c = OutageConfig::default();
        assert!(c.is_spike(w(8, 5), 0));
        assert!(!c.is_spike(w(8, 1), 0), "one person pasting eight times");
        assert!(!c.is_spike(w(7, 7), 0), "below the minimum");
    }

    #[test]
    fn a_common_error_needs_more_than_its_usual_rate() {
        let c = OutageConfig::default();
        // 672 windows in a week: 6720 reports is 10 per window as usual.
        assert!((c.expected(6720) - 10.0).abs() < 1e-9);
        assert!(!c.is_spike(w(20, 20), 6720), "twice the usual rate");
        assert!(c.is_spike(w(50, 40), 6720), "five times the usual rate");
    }

    #[test]
    fn an_outage_starts_on_a_spike_and_ends_after_a_quiet_period() {
        let c = OutageConfig::default();
        let t0 = 1_000_000;
        let Change::Upsert(o) = c.step("accesspoint:17", None, w(9, 6), 0, t0) else {
            panic!("a spike starts an outage");
        };
        assert_eq!(o.started_at, t0);
        // Still spiking ten minutes later: the outage goes on, peak kept.
        let Change::Upsert(o) = c.step("accesspoint:17", Some(&o), w(20, 15), 0, t0 + 10 * MIN)
        else {
            panic!("still spiking");
        };
        assert_eq!((o.started_at, o.peak_reports), (t0, 20));
        // Quiet, but not for long enough: nothing changes.
        assert_eq!(
            c.step("accesspoint:17", Some(&o), w(1, 1), 0, t0 + 20 * MIN),
            Change::None
        );
        assert!(c.holds(&o, t0 + 20 * MIN));
        // Quiet for the whole quiet period: over.
        assert_eq!(
            c.step("accesspoint:17", Some(&o), w(0, 0), 0, t0 + 41 * MIN),
            Change::Clear
        );
        assert!(!c.holds(&o, t0 + 41 * MIN));
    }

    #[test]
    fn the_banner_says_what_is_known() {
        assert_eq!(Notice::default().banner(), None);
        let detected = Notice {
            detected: true,
            note: None,
        };
        assert!(
            detected
                .banner()
                .unwrap()
                .contains("probably on Spotify's side")
        );
        let noted = Notice {
            detected: false,
            note: Some("Spotify confirmed a login outage".into()),
        };
        let b = noted.banner().unwrap();
        assert!(b.contains("Spotify confirmed a login outage") && !b.contains("probably"));
    }
}
