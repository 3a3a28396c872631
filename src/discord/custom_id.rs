//! The `custom_id` of every button and select menu the bot sends, as one
//! typed enum with an encoder and a decoder.
//!
//! Discord hands the `custom_id` back verbatim when a component is used, so
//! it carries what a press needs: the session key (the thread, or the
//! interaction that started a session outside threads) and, for step
//! buttons, the position the card was rendered for, so a press on an old card
//! is recognised as stale. The `se1:` prefix versions the format: a future
//! `se2:` can be introduced while old messages still decode (or are answered
//! as out of date). Ids stay far below Discord's 100-character limit.

use std::fmt;

/// The version prefix of every id this build writes.
pub const PREFIX: &str = "se1";

/// Discord's limit on a `custom_id`.
pub const MAX_LEN: usize = 100;

/// What a component does when used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// ✅ This fixed it, on the card rendered at position `at`.
    Fixed { key: u64, at: usize },
    /// ➡️ Didn't work: the next step.
    Next { key: u64, at: usize },
    /// ⬅️ Back: the previous step.
    Back { key: u64, at: usize },
    /// 💻 The operating-system select (values: `windows`, `macos`, `linux`).
    Platform { key: u64 },
    /// The "which code do you see?" select (values: entry ids).
    Pick { key: u64 },
    /// A "did you mean" button: open `entry` for `user` (who asked).
    Open { user: u64, entry: String },
    /// Start again after a session was solved or escalated.
    Reopen { key: u64 },
    /// A moderator files a knowledge gap as noise (`added: false`) or as
    /// added to the catalogue (`added: true`).
    Gap { added: bool, gap: String },
    /// "Not my problem" under an automatic answer (the session's key).
    Wrong { key: u64 },
    /// An answer to "Is this …?", asked about the member's `message`.
    Guess { reply: GuessReply, message: u64 },
}

/// The buttons under "Is this …?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuessReply {
    Yes,
    No,
    /// Show every candidate to pick from.
    All,
}

/// A `custom_id` that is not one of ours, or is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a spotify-error-bot component")]
    Foreign,
    #[error("a component from an older version of the bot")]
    OldVersion,
    #[error("malformed component id")]
    Malformed,
}

impl Action {
    /// The session the component belongs to, if any.
    pub fn key(&self) -> Option<u64> {
        match self {
            Action::Fixed { key, .. }
            | Action::Next { key, .. }
            | Action::Back { key, .. }
            | Action::Platform { key }
            | Action::Pick { key }
            | Action::Reopen { key }
            | Action::Wrong { key } => Some(*key),
            Action::Open { .. } | Action::Gap { .. } | Action::Guess { .. } => None,
        }
    }

    pub fn encode(&self) -> String {
        self.to_string()
    }

    pub fn decode(id: &str) -> Result<Action, DecodeError> {
        if id.len() > MAX_LEN {
            return Err(DecodeError::Malformed);
        }
        let mut parts = id.splitn(4, ':');
        match parts.next() {
            Some(PREFIX) => {}
            Some(p) if p.len() == 3 && p.starts_with("se") => return Err(DecodeError::OldVersion),
            _ => return Err(DecodeError::Foreign),
        }
        let verb = parts.next().ok_or(DecodeError::Malformed)?;
        if verb == "gapnoise" || verb == "gapadded" {
            let rest: Vec<&str> = parts.collect();
            let gap = rest.join(":");
            if gap.is_empty() {
                return Err(DecodeError::Malformed);
            }
            return Ok(Action::Gap {
                added: verb == "gapadded",
                gap,
            });
        }
        let num = |s: Option<&str>| -> Result<u64, DecodeError> {
            let s = s.ok_or(DecodeError::Malformed)?;
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DecodeError::Malformed);
            }
            s.parse().map_err(|_| DecodeError::Malformed)
        };
        let key = num(parts.next())?;
        let rest = parts.next();
        let at = |rest: Option<&str>| -> Result<usize, DecodeError> {
            usize::try_from(num(rest)?).map_err(|_| DecodeError::Malformed)
        };
        let no_rest = |a: Action| {
            if rest.is_some() {
                Err(DecodeError::Malformed)
            } else {
                Ok(a)
            }
        };
        match verb {
            "fix" => Ok(Action::Fixed { key, at: at(rest)? }),
            "next" => Ok(Action::Next { key, at: at(rest)? }),
            "back" => Ok(Action::Back { key, at: at(rest)? }),
            "os" => no_rest(Action::Platform { key }),
            "pick" => no_rest(Action::Pick { key }),
            "reopen" => no_rest(Action::Reopen { key }),
            "wrong" => no_rest(Action::Wrong { key }),
            "gyes" | "gno" | "gall" => no_rest(Action::Guess {
                reply: match verb {
                    "gyes" => GuessReply::Yes,
                    "gno" => GuessReply::No,
                    _ => GuessReply::All,
                },
                message: key,
            }),
            "open" => match rest {
                Some(entry) if !entry.is_empty() => Ok(Action::Open {
                    user: key,
                    entry: entry.to_string(),
                }),
                _ => Err(DecodeError::Malformed),
            },
            _ => Err(DecodeError::Malformed),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Fixed { key, at } => write!(f, "{PREFIX}:fix:{key}:{at}"),
            Action::Next { key, at } => write!(f, "{PREFIX}:next:{key}:{at}"),
            Action::Back { key, at } => write!(f, "{PREFIX}:back:{key}:{at}"),
            Action::Platform { key } => write!(f, "{PREFIX}:os:{key}"),
            Action::Pick { key } => write!(f, "{PREFIX}:pick:{key}"),
            Action::Reopen { key } => write!(f, "{PREFIX}:reopen:{key}"),
            Action::Open { user, entry } => write!(f, "{PREFIX}:open:{user}:{entry}"),
            Action::Gap { added, gap } => {
                let verb = if *added { "gapadded" } else { "gapnoise" };
                write!(f, "{PREFIX}:{verb}:{gap}")
            }
            Action::Wrong { key } => write!(f, "{PREFIX}:wrong:{key}"),
            Action::Guess { reply, message } => {
                let verb = match reply {
                    GuessReply::Yes => "gyes",
                    GuessReply::No => "gno",
                    GuessReply::All => "gall",
                };
                write!(f, "{PREFIX}:{verb}:{message}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Action> {
        let key = u64::MAX;
        vec![
            Action::Fixed { key, at: 0 },
            Action::Next { key: 1, at: 7 },
            Action::Back {
                key,
                at: usize::MAX,
            },
            Action::Platform { key },
            Action::Pick { key: 42 },
            Action::Reopen { key },
            Action::Open {
                user: key,
                entry: "desktop_login_accounts:5".into(),
            },
            Action::Open {
                user: 3,
                entry: "EME_NO_SUPPORTED_KEYSYSTEM".into(),
            },
            Action::Gap {
                added: true,
                gap: "code:auth:74".into(),
            },
            Action::Gap {
                added: false,
                gap: "text:crashing startup since update".into(),
            },
            Action::Wrong { key },
            Action::Guess {
                reply: GuessReply::Yes,
                message: key,
            },
            Action::Guess {
                reply: GuessReply::No,
                message: 1,
            },
            Action::Guess {
                reply: GuessReply::All,
                message: 2,
            },
        ]
    }

    #[test]
    fn every_action_round_trips_within_discords_limit() {
        for a in all() {
            let id = a.encode();
            assert!(id.len() <= MAX_LEN, "{id} is too long");
            assert_eq!(Action::decode(&id), Ok(a), "{id}");
        }
    }

    #[test]
    fn foreign_old_and_malformed_ids_are_told_apart() {
        assert_eq!(Action::decode("ticket:close"), Err(DecodeError::Foreign));
        assert_eq!(Action::decode(""), Err(DecodeError::Foreign));
        assert_eq!(Action::decode("se0:next:1:2"), Err(DecodeError::OldVersion));
        for bad in [
            "se1",
            "se1:",
            "se1:next",
            "se1:next:1",
            "se1:next:x:1",
            "se1:next:1:-1",
            "se1:next:1:2:3",
            "se1:os:1:2",
            "se1:wrong:1:2",
            "se1:gyes",
            "se1:open:1",
            "se1:open:1:",
            "se1:fly:1:2",
            "se1:next:99999999999999999999999:1",
            "se1:next:+1:1",
        ] {
            assert_eq!(Action::decode(bad), Err(DecodeError::Malformed), "{bad}");
        }
        let long = format!("se1:open:1:{}", "a".repeat(200));
        assert_eq!(Action::decode(&long), Err(DecodeError::Malformed));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap stand-in for fuzzing: every prefix of every id, and noise.
        for a in all() {
            let id = a.encode();
            for i in 0..=id.len() {
                if id.is_char_boundary(i) {
                    let _ = Action::decode(&id[..i]);
                }
            }
        }
        for s in ["se1:next:1:٣", "se1:open:1:é:ü", "se1:\u{0}:1:1", "se1::::"] {
            let _ = Action::decode(s);
        }
    }
}
