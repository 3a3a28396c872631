//! Which step to offer first: per-step success counts and the ranking built on them.
//!
//! For every entry and platform bucket the bot keeps, per catalogue step, how
//! often the step was tried and how often it solved the problem (as the asker
//! said, or as a moderator marked it). The ranking turns those counts into a
//! success estimate that starts from the catalogue order and only moves a step
//! once enough people have reported on it, so three lucky users cannot push a
//! reinstall above "restart the app". Diagnostic steps ("try a hotspot") are
//! tests, not fixes: they keep the slot the catalogue gives them.
//!
//! Everything here is pure; the store persists [`StatDelta`]s produced by
//! [`deltas_for`] from the same events it appends to its log, so the counters
//! can always be rebuilt from that log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Event, Reporter, Solution};
use crate::catalogue::{Entry, Platform};

/// How much one moderator-marked solution counts, in self-reported ones.
/// Moderators see the whole thread and mark what actually fixed it; an asker
/// pressing "this fixed it" is sometimes premature.
pub const MODERATOR_WEIGHT: f64 = 3.0;

/// The success rate a step is assumed to have with no data, for the first
/// step of an entry; later steps start lower (see [`PRIOR_DECAY`]).
pub const PRIOR_FIRST: f64 = 0.5;

/// Each catalogue position multiplies the prior success rate by this, so that
/// with no data the ranking keeps the catalogue order exactly.
pub const PRIOR_DECAY: f64 = 0.8;

/// How many observations the prior is worth. Larger is more conservative:
/// with 20, the third step needs about eight successes in a row before it
/// overtakes an untried first step, and two lucky reports move nothing.
pub const PRIOR_WEIGHT: f64 = 20.0;

/// The raw counts of one step (for one entry and platform bucket).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCount {
    /// Sessions in which the step was tried (pressed "didn't work" or
    /// "this fixed it" on it); each session counts once per step.
    pub tried: u64,
    /// Sessions whose asker said this step fixed it.
    pub solved: u64,
    /// Sessions in which a moderator marked this step as the solution.
    pub moderator_solved: u64,
}

impl StepCount {
    /// The weighted (successes, observations) fed to the estimate. A moderator
    /// mark is an observation of success worth [`MODERATOR_WEIGHT`].
    pub fn weighted(&self) -> (f64, f64) {
        let m = self.moderator_solved as f64 * MODERATOR_WEIGHT;
        let solved = self.solved as f64 + m;
        let tried = (self.tried as f64).max(self.solved as f64) + m;
        (solved, tried)
    }
}

/// Step counts of one entry for one platform bucket, by catalogue step index.
///
/// The bucket is the chosen platform when the entry's steps differ per OS,
/// and [`Platform::Any`] otherwise (see `Session::stats_platform`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStats {
    pub steps: BTreeMap<usize, StepCount>,
}

impl StepStats {
    pub fn new() -> Self {
        Self::default()
    }

    /// The counts of a step (zero when never seen).
    pub fn get(&self, step: usize) -> StepCount {
        self.steps.get(&step).copied().unwrap_or_default()
    }

    /// (people it fixed it for, people who tried it), for a footer such as
    /// "fixed it for 63% of 41 users". Moderator marks count as one person
    /// here: the weighting is for ranking, not for what is shown.
    pub fn success_record(&self, step: usize) -> (u64, u64) {
        let c = self.get(step);
        let solved = c.solved + c.moderator_solved;
        let tried = c.tried.max(c.solved) + c.moderator_solved;
        (solved, tried)
    }

    /// The estimated success rate of the step at catalogue position `step`:
    /// a Bayesian average of its weighted record with a prior that decreases
    /// with the catalogue position.
    pub fn estimate(&self, step: usize) -> f64 {
        let (solved, tried) = self.get(step).weighted();
        let prior = prior_for(step);
        (solved + PRIOR_WEIGHT * prior) / (tried + PRIOR_WEIGHT)
    }

    /// Applies one change in place (counts never go below zero).
    pub fn apply(&mut self, delta: &StatDelta) {
        let c = self.steps.entry(delta.step).or_default();
        c.tried = add_clamped(c.tried, delta.tried);
        c.solved = add_clamped(c.solved, delta.solved);
        c.moderator_solved = add_clamped(c.moderator_solved, delta.moderator_solved);
    }
}

fn add_clamped(v: u64, d: i64) -> u64 {
    if d >= 0 {
        v.saturating_add(d.unsigned_abs())
    } else {
        v.saturating_sub(d.unsigned_abs())
    }
}

/// The prior success rate of catalogue position `i`: strictly decreasing, so
/// that with no data the estimate alone reproduces the catalogue order.
pub fn prior_for(i: usize) -> f64 {
    let exp = i32::try_from(i).unwrap_or(i32::MAX);
    PRIOR_FIRST * PRIOR_DECAY.powi(exp)
}

/// The order to offer `entry`'s steps in (catalogue indices, best first).
///
/// `stats` are the counts for the entry and the platform bucket the session
/// is in. Diagnostic steps stay at their catalogue position; the other steps
/// fill the remaining positions by decreasing estimate, ties going to the
/// catalogue order. With empty stats the result is `0..steps.len()`.
pub fn rank_steps(entry: &Entry, stats: &StepStats) -> Vec<usize> {
    let n = entry.steps.len();
    let mut fixes: Vec<(usize, f64)> = (0..n)
        .filter(|&i| !entry.steps[i].diagnostic)
        .map(|i| (i, stats.estimate(i)))
        .collect();
    fixes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut fixes = fixes.into_iter().map(|(i, _)| i);
    (0..n)
        .map(|slot| {
            if entry.steps[slot].diagnostic {
                slot
            } else {
                // There are exactly as many fixes as non-diagnostic slots.
                fixes.next().unwrap_or(slot)
            }
        })
        .collect()
}

/// Re-ranks after a platform change without rewriting history: the steps
/// already shown (`order[..keep]`) stay where they are, and the rest are laid
/// out in their freshly ranked order.
pub fn rerank_keeping(
    entry: &Entry,
    stats: &StepStats,
    order: &[usize],
    keep: usize,
) -> Vec<usize> {
    let kept: Vec<usize> = order.iter().take(keep).copied().collect();
    let mut out = kept.clone();
    out.extend(
        rank_steps(entry, stats)
            .into_iter()
            .filter(|s| !kept.contains(s)),
    );
    out
}

/// Moves the heavy steps not yet shown (`order[keep..]`) after the light
/// ones, each group keeping its order. During an outage nobody should
/// reinstall for a fault on Spotify's side; the heavy steps are still there
/// at the end for whoever needs them.
pub fn hold_back_heavy(entry: &Entry, order: &[usize], keep: usize) -> Vec<usize> {
    let keep = keep.min(order.len());
    let heavy = |i: &usize| entry.steps.get(*i).is_some_and(|s| s.heavy);
    let mut out: Vec<usize> = order[..keep].to_vec();
    out.extend(order[keep..].iter().filter(|i| !heavy(i)));
    out.extend(order[keep..].iter().filter(|i| heavy(i)));
    out
}

/// One change to one step counter, as the store applies it
/// (`tried = tried + delta.tried`, never below zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatDelta {
    pub entry: String,
    pub platform: Platform,
    pub step: usize,
    pub tried: i64,
    pub solved: i64,
    pub moderator_solved: i64,
}

impl StatDelta {
    fn new(entry: &str, platform: Platform, step: usize) -> Self {
        StatDelta {
            entry: entry.to_string(),
            platform,
            step,
            tried: 0,
            solved: 0,
            moderator_solved: 0,
        }
    }

    fn is_zero(&self) -> bool {
        self.tried == 0 && self.solved == 0 && self.moderator_solved == 0
    }
}

/// The counter changes a batch of events implies, merged per
/// (entry, platform, step) and sorted by that key.
///
/// The sort matters to the store: concurrent transactions update counters in
/// the same order, so they never deadlock on each other.
pub fn deltas_for(events: &[Event]) -> Vec<StatDelta> {
    let mut merged: BTreeMap<(String, Platform, usize), StatDelta> = BTreeMap::new();
    let mut add = |entry: &str, platform: Platform, step: usize, f: &dyn Fn(&mut StatDelta)| {
        let d = merged
            .entry((entry.to_string(), platform, step))
            .or_insert_with(|| StatDelta::new(entry, platform, step));
        f(d);
    };
    for event in events {
        match event {
            Event::StepTried {
                entry,
                platform,
                step,
                first_try: true,
                ..
            } => add(entry, *platform, *step, &|d| d.tried += 1),
            Event::Solved {
                entry: Some(entry),
                platform,
                step,
                by,
                replaced,
                ..
            } => {
                if let Some(old) = replaced {
                    retract(&mut add, entry, *platform, old);
                }
                if let Some(step) = step {
                    match by {
                        Reporter::Asker => add(entry, *platform, *step, &|d| d.solved += 1),
                        Reporter::Moderator(_) => {
                            add(entry, *platform, *step, &|d| d.moderator_solved += 1)
                        }
                    }
                }
            }
            Event::Reopened {
                entry: Some(entry),
                platform,
                previous: Some(old),
                ..
            } => retract(&mut add, entry, *platform, old),
            _ => {}
        }
    }
    merged.into_values().filter(|d| !d.is_zero()).collect()
}

/// Takes back the count a solution added (it was replaced, or the problem
/// came back).
fn retract(
    add: &mut impl FnMut(&str, Platform, usize, &dyn Fn(&mut StatDelta)),
    entry: &str,
    platform: Platform,
    old: &Solution,
) {
    if let Some(step) = old.step {
        match old.by {
            Reporter::Asker => add(entry, platform, step, &|d| d.solved -= 1),
            Reporter::Moderator(_) => add(entry, platform, step, &|d| d.moderator_solved -= 1),
        }
    }
}
