//! The troubleshooting session of one help thread, as a pure state machine.
//!
//! A help thread (or a DM, or a reply chain) has one [`Session`]: who asked,
//! which entry is being worked through (or the candidates while that is still
//! ambiguous), the platform, the order the steps are offered in, where the
//! asker is in that order, what was tried, and how it ended. Every change goes
//! through [`Session::apply`], which either returns the next state with the
//! [`Event`]s to append to the log, or a [`Refusal`] that tells the person
//! pressing the button why nothing happened. Buttons carry the position they
//! were rendered for, so a press on an out-of-date card is refused instead of
//! moving the session somewhere nobody meant.
//!
//! Nothing here renders, talks to Discord or touches SQL: the Discord adapter
//! renders a session, the store persists it. Step statistics come in through
//! [`Ctx`], filled by the caller (see `store::apply_command`).
//!
//! Positions: `order` lists catalogue step indices best first; `position`
//! indexes `order`. While the session is open, `position < order.len()`.
//! When it escalates, `position == order.len()`: the escalation advice is a
//! virtual card after the last step, so a stale "back" from the last step's
//! card cannot be mistaken for "back" from the escalation card.

pub mod ranking;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, Entry, Platform};

pub use ranking::{
    MODERATOR_WEIGHT, StatDelta, StepCount, StepStats, deltas_for, hold_back_heavy, rank_steps,
    rerank_keeping,
};

/// Unix time in milliseconds, as stored.
pub type Millis = i64;

/// How a session began; kept for statistics and for how the card is posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `/spotify-error <code>`.
    Slash,
    /// A message the matcher recognised.
    Message,
    /// Text read from a screenshot.
    Screenshot,
    /// "Apps > Explain this Spotify error" on someone's message.
    ContextMenu,
    /// The bot was mentioned.
    Mention,
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being worked through.
    Open,
    /// A step (or a message in the thread) fixed it.
    Solved,
    /// Every step was tried; the card shows the entry's escalation advice.
    /// Still waiting for a human, so it counts as open in the statistics.
    Escalated,
    /// The asker gave up or said never mind.
    Abandoned,
    /// Idle for too long; marked by the periodic sweep, never deleted.
    Expired,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::Solved,
        Status::Escalated,
        Status::Abandoned,
        Status::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Solved => "solved",
            Status::Escalated => "escalated",
            Status::Abandoned => "abandoned",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Open or escalated: somebody may still act on it, and the idle sweep
    /// looks at it.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Open | Status::Escalated)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What trying a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    DidNotWork,
    Fixed,
}

/// One step tried, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The entry the step belongs to (a session can switch entries).
    pub entry: String,
    /// The catalogue index of the step.
    pub step: usize,
    pub platform: Option<Platform>,
    pub outcome: Outcome,
    pub at: Millis,
}

/// Who said what fixed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    /// The person who asked pressed "this fixed it".
    Asker,
    /// A moderator (this user id) marked the solution.
    Moderator(u64),
}

/// What fixed it: a catalogue step, or a message in the thread (a community
/// fix the catalogue does not have yet), or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    pub by: Reporter,
    /// The catalogue index of the step, when it was one.
    pub step: Option<usize>,
    /// The message that holds the fix, when a moderator pointed at one.
    pub message_id: Option<u64>,
    pub note: Option<String>,
    pub at: Millis,
}

/// One troubleshooting session. See the module documentation for the
/// meaning of `order` and `position`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The thread (or DM channel, or the message a reply chain hangs off).
    pub thread_id: u64,
    /// None in DMs.
    pub guild_id: Option<u64>,
    /// The person who asked; only they drive the step buttons.
    pub user_id: u64,
    pub origin: Origin,
    /// The canonical id of the entry being worked through.
    pub entry: Option<String>,
    /// While `entry` is None: the canonical ids the asker picks from.
    pub candidates: Vec<String>,
    pub platform: Option<Platform>,
    /// Whether the entry's steps differ per OS. When true and no platform is
    /// known, the asker is asked for one before the steps start, and step
    /// statistics are kept per platform.
    pub platform_matters: bool,
    /// Catalogue step indices in the order offered, fixed when the entry is
    /// set or switched and when the platform changes.
    pub order: Vec<usize>,
    /// Index into `order`; `order.len()` once escalated.
    pub position: usize,
    pub attempts: Vec<Attempt>,
    pub status: Status,
    pub solution: Option<Solution>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Optimistic-concurrency version: 0 before the first save; the store
    /// increments it on every save.
    pub version: i64,
    /// The bot message showing the card, so buttons edit it in place.
    pub answer_message_id: Option<u64>,
    /// Started during a probable outage: heavy steps (reinstalling, wiping
    /// the cache) come last, since the cause is likely on Spotify's side.
    pub hold_back_heavy: bool,
}

/// What a new session starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub thread_id: u64,
    pub guild_id: Option<u64>,
    pub user_id: u64,
    pub origin: Origin,
    /// The entries the asker may mean, best first (ids or `also` codes).
    /// One known entry starts the steps; several ask the asker to pick.
    pub candidates: Vec<String>,
    /// A platform already known (said in the message, seen on a screenshot).
    pub platform: Option<Platform>,
    /// A probable outage: offer the heavy steps last.
    pub hold_back_heavy: bool,
}

/// Something a person (or the sweep) asks of a session.
///
/// `at` is the position the pressed button was rendered for; a press whose
/// `at` is not the current position is refused as stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Choose among the candidates.
    PickEntry(String),
    /// Set or change the operating system.
    ChoosePlatform(Platform),
    /// "Didn't work": record the attempt and show the next step (or escalate
    /// after the last one).
    Next { at: usize },
    /// Show the previous step again (or leave the escalation card).
    Back { at: usize },
    /// "This fixed it".
    Fixed { at: usize },
    /// Show the escalation advice without trying the last step; only from
    /// the last step.
    Escalate,
    /// "It's actually accesspoint:39": work through another entry.
    Switch(String),
    /// A moderator marks what fixed it: a step, a message, or both.
    MarkSolution {
        by_moderator: u64,
        step: Option<usize>,
        message_id: Option<u64>,
        note: Option<String>,
    },
    /// The problem came back, or the session was closed too early.
    Reopen,
    /// The idle sweep closes it.
    Expire,
    /// The asker gives up.
    Abandon,
}

/// What happened, as appended to the session's event log (stored as JSON,
/// tagged by `kind`). The step statistics are derived from these events
/// only, so they can be rebuilt from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Started {
        origin: Origin,
        entry: Option<String>,
        candidates: Vec<String>,
        platform: Option<Platform>,
        order: Vec<usize>,
        /// Set when a new question replaced a finished session in the thread.
        restarted_from: Option<Status>,
    },
    EntryPicked {
        entry: String,
        order: Vec<usize>,
    },
    PlatformChosen {
        platform: Platform,
        previous: Option<Platform>,
        order: Vec<usize>,
    },
    StepTried {
        entry: String,
        /// The statistics bucket (see [`Session::stats_platform`]).
        platform: Platform,
        step: usize,
        position: usize,
        outcome: Outcome,
        /// False when the asker already tried this step in this session, so
        /// going back and forth does not inflate the counts.
        first_try: bool,
    },
    Back {
        from: usize,
        to: usize,
        from_escalation: bool,
    },
    Escalated {
        entry: String,
        /// True when reached by "didn't work" on the last step.
        after_last_step: bool,
    },
    Solved {
        by: Reporter,
        entry: Option<String>,
        platform: Platform,
        step: Option<usize>,
        message_id: Option<u64>,
        note: Option<String>,
        /// The solution this one replaces (its counts are taken back).
        replaced: Option<Solution>,
    },
    Switched {
        from: Option<String>,
        to: String,
        order: Vec<usize>,
        /// Set when switching also reopened an abandoned or expired session.
        reopened_from: Option<Status>,
    },
    Reopened {
        from: Status,
        entry: Option<String>,
        platform: Platform,
        /// The solution taken back (its counts are taken back too).
        previous: Option<Solution>,
    },
    Expired {
        from: Status,
    },
    Abandoned {
        from: Status,
    },
}

impl Event {
    /// The `kind` tag, also stored in its own column for queries.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Started { .. } => "started",
            Event::EntryPicked { .. } => "entry_picked",
            Event::PlatformChosen { .. } => "platform_chosen",
            Event::StepTried { .. } => "step_tried",
            Event::Back { .. } => "back",
            Event::Escalated { .. } => "escalated",
            Event::Solved { .. } => "solved",
            Event::Switched { .. } => "switched",
            Event::Reopened { .. } => "reopened",
            Event::Expired { .. } => "expired",
            Event::Abandoned { .. } => "abandoned",
        }
    }

    /// The catalogue step the event is about, if any.
    pub fn step(&self) -> Option<usize> {
        match self {
            Event::StepTried { step, .. } => Some(*step),
            Event::Solved { step, .. } => *step,
            _ => None,
        }
    }

    /// The statistics platform bucket the event is about, if any.
    pub fn platform(&self) -> Option<Platform> {
        match self {
            Event::StepTried { platform, .. }
            | Event::Solved { platform, .. }
            | Event::Reopened { platform, .. } => Some(*platform),
            Event::PlatformChosen { platform, .. } => Some(*platform),
            _ => None,
        }
    }
}

/// The result of an accepted command: the next state and what to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub session: Session,
    pub events: Vec<Event>,
}

/// Why a command was not applied. Every message is meant for the person who
/// pressed the button (shown ephemerally): these are never bugs, only
/// out-of-date cards or things not allowed in the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("There is no troubleshooting session in this thread yet.")]
    NoSession,
    #[error(
        "A troubleshooting session is already running here ({status}); switch the error instead of starting over."
    )]
    AlreadyStarted { status: Status },
    #[error("This thread is already marked as solved. If the problem came back, reopen it.")]
    AlreadySolved,
    #[error("This session has been {status}. Reopen it to continue.")]
    Closed { status: Status },
    #[error(
        "Every step has been tried and the escalation advice is showing. Go back to the last step or reopen the session to continue."
    )]
    AlreadyEscalated,
    #[error("That button is out of date: it was for step {}, but the session is now at step {}. Use the buttons on the latest message.", .pressed + 1, .current + 1)]
    StaleStep { current: usize, pressed: usize },
    #[error("Pick which error you are seeing first.")]
    NoEntryYet,
    #[error("`{entry}` has already been chosen for this session.")]
    EntryAlreadyChosen { entry: String },
    #[error("`{id}` is not one of the errors offered here.")]
    NotACandidate { id: String },
    #[error("`{id}` is not an error code the bot knows.")]
    UnknownEntry { id: String },
    #[error("No known error code was given.")]
    NoCandidates,
    #[error("This session is already about `{id}`.")]
    SameEntry { id: String },
    #[error("This is already the first step.")]
    NoPreviousStep,
    #[error("There are still steps to try before escalating.")]
    NotAtLastStep,
    #[error("Pick your operating system first: the steps differ between them.")]
    PlatformNeeded,
    #[error("The steps are already shown for {platform}.")]
    SamePlatform { platform: Platform },
    #[error("Pick an operating system (Windows, macOS or Linux).")]
    NotAPlatform,
    #[error("Step {} does not exist: this error has {steps} steps.", .step + 1)]
    StepOutOfRange { step: usize, steps: usize },
    #[error("Point at a step or a message (or add a note) to mark a solution.")]
    EmptySolution,
    #[error("That solution is already marked.")]
    AlreadyMarked,
    #[error("This session is still open.")]
    NotClosed,
}

/// Where entries are looked up by id or `also` code (ignoring case).
pub trait Entries: Send + Sync {
    fn entry(&self, code: &str) -> Option<&Entry>;
}

impl Entries for Catalogue {
    fn entry(&self, code: &str) -> Option<&Entry> {
        self.get(code)
    }
}

impl Entries for [Entry] {
    fn entry(&self, code: &str) -> Option<&Entry> {
        let code = code.trim();
        self.iter()
            .find(|e| e.codes().any(|c| c.eq_ignore_ascii_case(code)))
    }
}

/// The bot shares its catalogue as `Arc<Catalogue>` (and reloads it by
/// swapping the `Arc`).
impl<T: Entries + ?Sized> Entries for std::sync::Arc<T> {
    fn entry(&self, code: &str) -> Option<&Entry> {
        (**self).entry(code)
    }
}

impl Entries for Vec<Entry> {
    fn entry(&self, code: &str) -> Option<&Entry> {
        self.as_slice().entry(code)
    }
}

static NO_STATS: StepStats = StepStats {
    steps: BTreeMap::new(),
};

/// What [`Session::apply`] may consult: the catalogue, and the step
/// statistics of the (entry, platform) pairs the caller fetched (missing
/// pairs rank in catalogue order). [`Session::stats_key`] says which pair a
/// command needs.
pub struct Ctx<'a> {
    entries: &'a dyn Entries,
    stats: HashMap<(String, Platform), StepStats>,
}

impl<'a> Ctx<'a> {
    pub fn new(entries: &'a dyn Entries) -> Self {
        Ctx {
            entries,
            stats: HashMap::new(),
        }
    }

    pub fn with_stats(mut self, entry: &str, platform: Platform, stats: StepStats) -> Self {
        self.add_stats(entry, platform, stats);
        self
    }

    pub fn add_stats(&mut self, entry: &str, platform: Platform, stats: StepStats) {
        self.stats.insert((entry.to_string(), platform), stats);
    }

    pub fn entry(&self, code: &str) -> Option<&'a Entry> {
        self.entries.entry(code)
    }

    pub fn stats(&self, entry: &str, platform: Platform) -> &StepStats {
        self.stats
            .get(&(entry.to_string(), platform))
            .unwrap_or(&NO_STATS)
    }
}

/// The statistics bucket of an entry: the platform when its steps differ per
/// OS, [`Platform::Any`] otherwise (no point splitting identical steps' data).
fn bucket(entry: &Entry, platform: Option<Platform>) -> Platform {
    if entry.has_platform_variants() {
        platform.unwrap_or(Platform::Any)
    } else {
        Platform::Any
    }
}

/// Canonical ids of the known candidates, in order, without duplicates.
fn resolve_candidates(ctx: &Ctx<'_>, candidates: &[String]) -> Result<Vec<String>, Refusal> {
    let mut out: Vec<String> = Vec::new();
    for c in candidates {
        if let Some(e) = ctx.entry(c) {
            if !out.contains(&e.id) {
                out.push(e.id.clone());
            }
        }
    }
    if out.is_empty() {
        return Err(match candidates.first() {
            Some(id) => Refusal::UnknownEntry { id: id.clone() },
            None => Refusal::NoCandidates,
        });
    }
    Ok(out)
}

impl Start {
    /// The (entry, platform bucket) whose statistics [`Session::start`] will
    /// rank with, when the start has a single known entry.
    pub fn stats_key(&self, entries: &dyn Entries) -> Option<(String, Platform)> {
        let ctx = Ctx::new(entries);
        let ids = resolve_candidates(&ctx, &self.candidates).ok()?;
        match ids.as_slice() {
            [id] => {
                let e = ctx.entry(id)?;
                Some((e.id.clone(), bucket(e, self.platform)))
            }
            _ => None,
        }
    }
}

impl Session {
    /// A new session (version 0, not yet saved). With one known candidate the
    /// steps start at once; with several the asker picks first.
    pub fn start(start: Start, ctx: &Ctx<'_>, now: Millis) -> Result<Transition, Refusal> {
        Self::start_inner(start, ctx, now, None, 0)
    }

    /// A new question in a thread whose session is finished (solved,
    /// abandoned, expired) replaces that session; the old one stays in the
    /// event log. An open or escalated session is refused: switch instead.
    pub fn start_over(
        &self,
        start: Start,
        ctx: &Ctx<'_>,
        now: Millis,
    ) -> Result<Transition, Refusal> {
        if self.status.is_active() {
            return Err(Refusal::AlreadyStarted {
                status: self.status,
            });
        }
        let mut t = Self::start_inner(start, ctx, now, Some(self.status), self.version)?;
        t.session.thread_id = self.thread_id;
        Ok(t)
    }

    fn start_inner(
        start: Start,
        ctx: &Ctx<'_>,
        now: Millis,
        restarted_from: Option<Status>,
        version: i64,
    ) -> Result<Transition, Refusal> {
        let ids = resolve_candidates(ctx, &start.candidates)?;
        let platform = match start.platform {
            Some(Platform::Any) => None,
            p => p,
        };
        let mut s = Session {
            thread_id: start.thread_id,
            guild_id: start.guild_id,
            user_id: start.user_id,
            origin: start.origin,
            entry: None,
            candidates: Vec::new(),
            platform,
            platform_matters: false,
            order: Vec::new(),
            position: 0,
            attempts: Vec::new(),
            status: Status::Open,
            solution: None,
            created_at: now,
            updated_at: now,
            version,
            answer_message_id: None,
            hold_back_heavy: start.hold_back_heavy,
        };
        match ids.as_slice() {
            [id] => {
                let e = ctx
                    .entry(id)
                    .ok_or_else(|| Refusal::UnknownEntry { id: id.clone() })?;
                s.set_entry(e, ctx);
            }
            _ => s.candidates = ids,
        }
        let events = vec![Event::Started {
            origin: s.origin,
            entry: s.entry.clone(),
            candidates: s.candidates.clone(),
            platform: s.platform,
            order: s.order.clone(),
            restarted_from,
        }];
        Ok(Transition { session: s, events })
    }

    /// The catalogue index of the step on screen, if the steps are showing.
    pub fn current_step(&self) -> Option<usize> {
        if self.awaiting_platform() {
            return None;
        }
        self.order.get(self.position).copied()
    }

    /// Whether the current step is the last one.
    pub fn at_last_step(&self) -> bool {
        !self.order.is_empty() && self.position + 1 == self.order.len()
    }

    /// The asker still has to choose among candidates.
    pub fn awaiting_entry(&self) -> bool {
        self.entry.is_none()
    }

    /// The steps differ per OS and none is known yet.
    pub fn awaiting_platform(&self) -> bool {
        self.entry.is_some() && self.platform_matters && self.platform.is_none()
    }

    /// The statistics bucket this session's attempts count in.
    pub fn stats_platform(&self) -> Platform {
        if self.platform_matters {
            self.platform.unwrap_or(Platform::Any)
        } else {
            Platform::Any
        }
    }

    /// The (entry, platform bucket) whose statistics `apply(cmd)` ranks the
    /// steps with, if it ranks at all: fetch those and put them in the
    /// [`Ctx`] so the new order reflects what worked for others.
    pub fn stats_key(&self, cmd: &Command, entries: &dyn Entries) -> Option<(String, Platform)> {
        match cmd {
            Command::PickEntry(id) | Command::Switch(id) => {
                let e = entries.entry(id)?;
                Some((e.id.clone(), bucket(e, self.platform)))
            }
            Command::ChoosePlatform(p) => {
                let e = entries.entry(self.entry.as_deref()?)?;
                Some((e.id.clone(), bucket(e, Some(*p))))
            }
            _ => None,
        }
    }

    /// Records which bot message shows the card. Not a transition the user
    /// makes: no event, and the idle clock is not reset.
    pub fn attach_answer(&self, message_id: u64) -> Transition {
        let mut session = self.clone();
        session.answer_message_id = Some(message_id);
        Transition {
            session,
            events: Vec::new(),
        }
    }

    /// Applies a command. On success the returned session has the same
    /// version (the store bumps it when saving) and `updated_at = now`.
    pub fn apply(&self, cmd: Command, ctx: &Ctx<'_>, now: Millis) -> Result<Transition, Refusal> {
        let mut s = self.clone();
        let events = match cmd {
            Command::PickEntry(id) => s.pick_entry(&id, ctx)?,
            Command::ChoosePlatform(p) => s.choose_platform(p, ctx)?,
            Command::Next { at } => s.next(at, now)?,
            Command::Back { at } => s.back(at)?,
            Command::Fixed { at } => s.fixed(at, now)?,
            Command::Escalate => s.escalate()?,
            Command::Switch(id) => s.switch(&id, ctx)?,
            Command::MarkSolution {
                by_moderator,
                step,
                message_id,
                note,
            } => s.mark_solution(by_moderator, step, message_id, note, now)?,
            Command::Reopen => s.reopen()?,
            Command::Expire => s.close(Status::Expired)?,
            Command::Abandon => s.close(Status::Abandoned)?,
        };
        s.updated_at = now;
        Ok(Transition { session: s, events })
    }

    // --- checks -------------------------------------------------------------

    /// Solved and closed sessions refuse most commands; escalated ones are
    /// still active.
    fn require_active(&self) -> Result<(), Refusal> {
        match self.status {
            Status::Open | Status::Escalated => Ok(()),
            Status::Solved => Err(Refusal::AlreadySolved),
            status => Err(Refusal::Closed { status }),
        }
    }

    fn require_open(&self) -> Result<(), Refusal> {
        self.require_active()?;
        if self.status == Status::Escalated {
            return Err(Refusal::AlreadyEscalated);
        }
        Ok(())
    }

    fn require_entry(&self) -> Result<&str, Refusal> {
        self.entry.as_deref().ok_or(Refusal::NoEntryYet)
    }

    /// The steps are showing and the button was rendered for this position.
    fn require_step(&self, at: usize) -> Result<(String, usize), Refusal> {
        let entry = self.require_entry()?.to_string();
        if self.awaiting_platform() {
            return Err(Refusal::PlatformNeeded);
        }
        if at != self.position {
            return Err(Refusal::StaleStep {
                current: self.position,
                pressed: at,
            });
        }
        let step = self
            .order
            .get(self.position)
            .copied()
            .ok_or(Refusal::StaleStep {
                current: self.position,
                pressed: at,
            })?;
        Ok((entry, step))
    }

    // --- transitions --------------------------------------------------------

    fn set_entry(&mut self, e: &Entry, ctx: &Ctx<'_>) {
        self.entry = Some(e.id.clone());
        self.candidates.clear();
        self.platform_matters = e.has_platform_variants();
        self.order = rank_steps(e, ctx.stats(&e.id, self.stats_platform()));
        if self.hold_back_heavy {
            self.order = hold_back_heavy(e, &self.order, 0);
        }
        self.position = 0;
    }

    fn pick_entry(&mut self, id: &str, ctx: &Ctx<'_>) -> Result<Vec<Event>, Refusal> {
        self.require_active()?;
        if let Some(entry) = &self.entry {
            return Err(Refusal::EntryAlreadyChosen {
                entry: entry.clone(),
            });
        }
        let wanted = id.trim().to_lowercase();
        let resolved = ctx.entry(id);
        let offered = self.candidates.contains(&wanted)
            || resolved.is_some_and(|e| self.candidates.contains(&e.id));
        if !offered {
            return Err(Refusal::NotACandidate { id: id.to_string() });
        }
        let e = resolved.ok_or_else(|| Refusal::UnknownEntry { id: id.to_string() })?;
        self.set_entry(e, ctx);
        Ok(vec![Event::EntryPicked {
            entry: e.id.clone(),
            order: self.order.clone(),
        }])
    }

    fn choose_platform(&mut self, p: Platform, ctx: &Ctx<'_>) -> Result<Vec<Event>, Refusal> {
        if p == Platform::Any {
            return Err(Refusal::NotAPlatform);
        }
        self.require_open()?;
        if self.platform == Some(p) {
            return Err(Refusal::SamePlatform { platform: p });
        }
        let previous = self.platform.replace(p);
        if let Some(id) = self.entry.clone() {
            let e = ctx.entry(&id).ok_or(Refusal::UnknownEntry { id })?;
            if self.platform_matters {
                // Steps already shown keep their place; the rest re-rank.
                let stats = ctx.stats(&e.id, self.stats_platform());
                self.order = rerank_keeping(e, stats, &self.order, self.position);
                if self.hold_back_heavy {
                    self.order = hold_back_heavy(e, &self.order, self.position);
                }
            }
        }
        Ok(vec![Event::PlatformChosen {
            platform: p,
            previous,
            order: self.order.clone(),
        }])
    }

    fn record_attempt(&mut self, entry: &str, step: usize, outcome: Outcome, now: Millis) -> Event {
        let first_try = !self
            .attempts
            .iter()
            .any(|a| a.entry == entry && a.step == step);
        self.attempts.push(Attempt {
            entry: entry.to_string(),
            step,
            platform: self.platform,
            outcome,
            at: now,
        });
        Event::StepTried {
            entry: entry.to_string(),
            platform: self.stats_platform(),
            step,
            position: self.position,
            outcome,
            first_try,
        }
    }

    fn next(&mut self, at: usize, now: Millis) -> Result<Vec<Event>, Refusal> {
        self.require_open()?;
        let (entry, step) = self.require_step(at)?;
        let mut events = vec![self.record_attempt(&entry, step, Outcome::DidNotWork, now)];
        self.position += 1;
        if self.position >= self.order.len() {
            self.position = self.order.len();
            self.status = Status::Escalated;
            events.push(Event::Escalated {
                entry,
                after_last_step: true,
            });
        }
        Ok(events)
    }

    fn back(&mut self, at: usize) -> Result<Vec<Event>, Refusal> {
        self.require_active()?;
        self.require_entry()?;
        if self.awaiting_platform() {
            return Err(Refusal::PlatformNeeded);
        }
        if at != self.position {
            return Err(Refusal::StaleStep {
                current: self.position,
                pressed: at,
            });
        }
        if self.position == 0 {
            return Err(Refusal::NoPreviousStep);
        }
        let from = self.position;
        let from_escalation = self.status == Status::Escalated;
        self.position = (from - 1).min(self.order.len().saturating_sub(1));
        self.status = Status::Open;
        Ok(vec![Event::Back {
            from,
            to: self.position,
            from_escalation,
        }])
    }

    fn fixed(&mut self, at: usize, now: Millis) -> Result<Vec<Event>, Refusal> {
        self.require_open()?;
        let (entry, step) = self.require_step(at)?;
        let tried = self.record_attempt(&entry, step, Outcome::Fixed, now);
        let replaced = self.solution.take();
        self.solution = Some(Solution {
            by: Reporter::Asker,
            step: Some(step),
            message_id: None,
            note: None,
            at: now,
        });
        self.status = Status::Solved;
        Ok(vec![
            tried,
            Event::Solved {
                by: Reporter::Asker,
                entry: Some(entry),
                platform: self.stats_platform(),
                step: Some(step),
                message_id: None,
                note: None,
                replaced,
            },
        ])
    }

    fn escalate(&mut self) -> Result<Vec<Event>, Refusal> {
        self.require_open()?;
        let entry = self.require_entry()?.to_string();
        if !self.at_last_step() {
            return Err(Refusal::NotAtLastStep);
        }
        self.position = self.order.len();
        self.status = Status::Escalated;
        Ok(vec![Event::Escalated {
            entry,
            after_last_step: false,
        }])
    }

    fn switch(&mut self, id: &str, ctx: &Ctx<'_>) -> Result<Vec<Event>, Refusal> {
        if self.status == Status::Solved {
            return Err(Refusal::AlreadySolved);
        }
        let e = ctx
            .entry(id)
            .ok_or_else(|| Refusal::UnknownEntry { id: id.to_string() })?;
        if self.entry.as_deref() == Some(e.id.as_str()) {
            return Err(Refusal::SameEntry { id: e.id.clone() });
        }
        let reopened_from = (!self.status.is_active()).then_some(self.status);
        let from = self.entry.clone();
        self.status = Status::Open;
        self.set_entry(e, ctx);
        Ok(vec![Event::Switched {
            from,
            to: e.id.clone(),
            order: self.order.clone(),
            reopened_from,
        }])
    }

    fn mark_solution(
        &mut self,
        moderator: u64,
        step: Option<usize>,
        message_id: Option<u64>,
        note: Option<String>,
        now: Millis,
    ) -> Result<Vec<Event>, Refusal> {
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if step.is_none() && message_id.is_none() && note.is_none() {
            return Err(Refusal::EmptySolution);
        }
        if let Some(s) = step {
            self.require_entry()?;
            if s >= self.order.len() {
                return Err(Refusal::StepOutOfRange {
                    step: s,
                    steps: self.order.len(),
                });
            }
        }
        if let Some(old) = &self.solution {
            if matches!(old.by, Reporter::Moderator(_))
                && old.step == step
                && old.message_id == message_id
                && old.note == note
            {
                return Err(Refusal::AlreadyMarked);
            }
        }
        let replaced = self.solution.take();
        let by = Reporter::Moderator(moderator);
        self.solution = Some(Solution {
            by,
            step,
            message_id,
            note: note.clone(),
            at: now,
        });
        self.status = Status::Solved;
        Ok(vec![Event::Solved {
            by,
            entry: self.entry.clone(),
            platform: self.stats_platform(),
            step,
            message_id,
            note,
            replaced,
        }])
    }

    fn reopen(&mut self) -> Result<Vec<Event>, Refusal> {
        if self.status == Status::Open {
            return Err(Refusal::NotClosed);
        }
        let from = self.status;
        let previous = self.solution.take();
        self.status = Status::Open;
        // Back on a real step (the last one after an escalation).
        self.position = self.position.min(self.order.len().saturating_sub(1));
        Ok(vec![Event::Reopened {
            from,
            entry: self.entry.clone(),
            platform: self.stats_platform(),
            previous,
        }])
    }

    fn close(&mut self, to: Status) -> Result<Vec<Event>, Refusal> {
        self.require_active()?;
        let from = self.status;
        self.status = to;
        Ok(vec![match to {
            Status::Expired => Event::Expired { from },
            _ => Event::Abandoned { from },
        }])
    }
}
