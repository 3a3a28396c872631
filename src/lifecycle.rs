//! The life of a help thread after the first answer: one reminder when the
//! asker goes quiet, closing the thread when they stay quiet, and the
//! statistics of how threads end.
//!
//! Pure: the sweep in the Discord adapter asks [`Policy::due`] what a
//! session needs and records what it did in the store, so that a restart,
//! or a second process, neither repeats a reminder nor misses one.

use serde::{Deserialize, Serialize};

use crate::session::{Millis, Origin, Session, Status};

/// Discord's epoch (2015-01-01) in unix milliseconds.
const DISCORD_EPOCH: Millis = 1_420_070_400_000;

/// When a snowflake (a message, thread or interaction id) was created.
pub fn snowflake_ms(id: u64) -> Millis {
    i64::try_from(id >> 22).unwrap_or(0) + DISCORD_EPOCH
}

/// A guild's idle settings; `None` turns a step off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Remind the asker after this long without activity.
    pub remind_after_ms: Option<Millis>,
    /// Close the thread this long after the reminder (or after this long
    /// idle when reminders are off).
    pub close_after_ms: Option<Millis>,
}

/// What the sweep already did in a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Marks {
    pub reminded_at: Option<Millis>,
}

/// What a session needs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// "Did step 3 help?", once per quiet spell.
    Remind,
    /// Archive the thread with a note; the session ends as abandoned.
    Close,
}

impl Policy {
    pub fn due(&self, s: &Session, marks: Marks, now: Millis) -> Due {
        // Escalated threads wait for a human helper, not for the asker.
        if s.status != Status::Open {
            return Due::Nothing;
        }
        let idle = now - s.updated_at;
        // A reminder counts for the quiet spell it was sent in.
        let reminded = marks.reminded_at.filter(|&r| r >= s.updated_at);
        match (self.remind_after_ms, self.close_after_ms, reminded) {
            (_, Some(close), Some(r)) if now - r >= close => Due::Close,
            (Some(remind), _, None) if idle >= remind => Due::Remind,
            (None, Some(close), None) if idle >= close => Due::Close,
            _ => Due::Nothing,
        }
    }
}

/// How threads went, for `/spotify-error stats`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timings {
    /// Median time from the question (the message or thread the session
    /// answers) to the bot's first answer, over automatic answers.
    pub first_answer_median_ms: Option<Millis>,
    pub first_answer_n: usize,
    /// Median time from the question to its solution.
    pub solved_median_ms: Option<Millis>,
    pub solved: usize,
    /// Given up or idle until closed.
    pub abandoned: usize,
    /// Solved, abandoned or expired.
    pub finished: usize,
}

impl Timings {
    /// Share of finished threads that ended without a solution.
    pub fn abandonment_rate(&self) -> Option<f64> {
        (self.finished > 0).then(|| self.abandoned as f64 / self.finished as f64)
    }

    pub fn of(sessions: &[Session]) -> Timings {
        let mut first = Vec::new();
        let mut solved = Vec::new();
        let mut t = Timings::default();
        for s in sessions {
            let asked = asked_at(s);
            if s.origin != Origin::Slash {
                first.push(s.created_at - asked);
            }
            match s.status {
                Status::Solved => {
                    t.solved += 1;
                    t.finished += 1;
                    if let Some(sol) = &s.solution {
                        solved.push((sol.at - asked).max(0));
                    }
                }
                Status::Abandoned | Status::Expired => {
                    t.abandoned += 1;
                    t.finished += 1;
                }
                Status::Open | Status::Escalated => {}
            }
        }
        t.first_answer_n = first.len();
        t.first_answer_median_ms = median(&mut first);
        t.solved_median_ms = median(&mut solved);
        t
    }
}

/// When the question was asked: the creation time of the message or thread
/// the session hangs off, when that id is a plausible snowflake.
fn asked_at(s: &Session) -> Millis {
    let t = snowflake_ms(s.thread_id);
    if t <= s.created_at && s.created_at - t <= 30 * 24 * 3_600_000 {
        t
    } else {
        s.created_at
    }
}

fn median(v: &mut [Millis]) -> Option<Millis> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// "45 s", "12 min", "3 h", "2 d".
pub fn human_duration(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=89 => format!("{s} s"),
        90..=5399 => format!("{} min", (s + 30) / 60),
        5400..=172_799 => format!("{} h", (s + 1800) / 3600),
        _ => format!("{} d", (s + 43_200) / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Reporter, Solution};

    const H: Millis = 3_600_000;

    fn session(status: Status, updated_at: Millis) -> Session {
        Session {
            thread_id: 1,
            guild_id: Some(1),
            user_id: 2,
            origin: Origin::Message,
            entry: Some("accesspoint:17".into()),
            candidates: vec![],
            platform: None,
            platform_matters: false,
            order: vec![0, 1, 2],
            position: 1,
            attempts: vec![],
            status,
            solution: None,
            created_at: 0,
            updated_at,
            version: 3,
            answer_message_id: Some(9),
            hold_back_heavy: false,
        }
    }

    const POLICY: Policy = Policy {
        remind_after_ms: Some(24 * H),
        close_after_ms: Some(48 * H),
    };

    #[test]
    fn a_quiet_asker_is_reminded_once_then_the_thread_closes() {
        let s = session(Status::Open, 0);
        let none = Marks::default();
        assert_eq!(POLICY.due(&s, none, 23 * H), Due::Nothing);
        assert_eq!(POLICY.due(&s, none, 24 * H), Due::Remind);
        let reminded = Marks {
            reminded_at: Some(24 * H),
        };
        assert_eq!(POLICY.due(&s, reminded, 30 * H), Due::Nothing, "once");
        assert_eq!(POLICY.due(&s, reminded, 72 * H), Due::Close);
    }

    #[test]
    fn activity_after_a_reminder_starts_a_new_quiet_spell() {
        let s = session(Status::Open, 30 * H);
        let old = Marks {
            reminded_at: Some(24 * H),
        };
        assert_eq!(POLICY.due(&s, old, 53 * H), Due::Nothing);
        assert_eq!(
            POLICY.due(&s, old, 54 * H),
            Due::Remind,
            "the old reminder was for another spell"
        );
    }

    #[test]
    fn escalated_and_finished_threads_are_left_alone() {
        for st in [Status::Escalated, Status::Solved, Status::Expired] {
            assert_eq!(
                POLICY.due(&session(st, 0), Marks::default(), 100 * H),
                Due::Nothing
            );
        }
    }

    #[test]
    fn without_reminders_a_thread_closes_after_the_close_time() {
        let p = Policy {
            remind_after_ms: None,
            close_after_ms: Some(48 * H),
        };
        let s = session(Status::Open, 0);
        assert_eq!(p.due(&s, Marks::default(), 47 * H), Due::Nothing);
        assert_eq!(p.due(&s, Marks::default(), 48 * H), Due::Close);
        let off = Policy {
            remind_after_ms: None,
            close_after_ms: None,
        };
        assert_eq!(off.due(&s, Marks::default(), 1000 * H), Due::Nothing);
    }

    #[test]
    fn timings_measure_from_the_question() {
        // A thread created at t (its id is a snowflake of t).
        let t: Millis = 1_700_000_000_000;
        let id = u64::try_from(t - DISCORD_EPOCH).unwrap() << 22;
        assert_eq!(snowflake_ms(id), t);
        let mut a = session(Status::Solved, t + 3 * H);
        a.thread_id = id;
        a.created_at = t + 60_000;
        a.solution = Some(Solution {
            by: Reporter::Asker,
            step: Some(0),
            message_id: None,
            note: None,
            at: t + 2 * H,
        });
        let mut b = session(Status::Abandoned, t);
        b.thread_id = id + 1;
        b.created_at = t + 120_000;
        let mut c = session(Status::Open, t);
        c.origin = Origin::Slash;
        c.created_at = t;
        let timings = Timings::of(&[a, b, c]);
        assert_eq!(timings.first_answer_n, 2, "slash lookups are not waits");
        assert_eq!(timings.first_answer_median_ms, Some(120_000));
        assert_eq!(timings.solved_median_ms, Some(2 * H));
        assert_eq!(
            (timings.solved, timings.abandoned, timings.finished),
            (1, 1, 2)
        );
        assert_eq!(timings.abandonment_rate(), Some(0.5));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(45_000), "45 s");
        assert_eq!(human_duration(12 * 60_000), "12 min");
        assert_eq!(human_duration(3 * H), "3 h");
        assert_eq!(human_duration(50 * H), "2 d");
    }
}
