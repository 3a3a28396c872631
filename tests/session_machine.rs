//! The session state machine: every transition, every refused transition,
//! and the step ranking, on fixture entries (not the real catalogue).

use std::path::Path;

use spotify_error_bot::catalogue::{Entry, Platform, parse_entry};
use spotify_error_bot::session::{
    Command, Ctx, Entries, Event, Origin, Outcome, Refusal, Reporter, Session, Start, StatDelta,
    Status, StepCount, StepStats, Transition, deltas_for, rank_steps,
};

// --- fixtures ----------------------------------------------------------------

/// `net:1`: five steps, the first and fourth diagnostic, the third worded per
/// OS (so the platform matters).
const NET_1: &str = r#"
id = "net:1"
also = ["net:01"]
title = "Fixture network error"
severity = "error"
category = "network"
platforms = ["windows", "macos"]
messages = ["Fixture network error 1"]
cause_chain = ["App", "Network"]
causes = ["Something blocks the connection"]
escalate = "Contact support with the steps you tried."
sources = ["fixture"]

[[steps]]
title = "Check the internet"
text = "Open a website."
diagnostic = true

[[steps]]
title = "Restart the router"
text = "Unplug it for a minute."

[[steps]]
title = "Quit and reopen"
text = "Quit the app completely."
windows = "Use Task Manager."
macos = "Use Activity Monitor."

[[steps]]
title = "Try another network"
text = "Use a hotspot."
diagnostic = true

[[steps]]
title = "Reinstall"
text = "Remove and install again."
heavy = true
"#;

/// `auth:2` (also `auth:22`): three steps, the same on every OS.
const AUTH_2: &str = r#"
id = "auth:2"
also = ["auth:22"]
title = "Fixture login error"
severity = "warn"
category = "auth"
platforms = ["windows", "macos", "linux"]
messages = ["Fixture login error 2"]
cause_chain = ["App", "Login"]
causes = ["The saved login is stale"]
escalate = "Reset your password."
sources = ["fixture"]

[[steps]]
title = "Log out and in"
text = "Log out, then log in."

[[steps]]
title = "Reset the password"
text = "Use the reset link."

[[steps]]
title = "Clear the cache"
text = "Delete the cache folder."
"#;

/// `auth:3`: two steps, the same on every OS.
const AUTH_3: &str = r#"
id = "auth:3"
title = "Fixture third error"
severity = "info"
category = "auth"
platforms = ["any"]
messages = ["Fixture error 3"]
cause_chain = ["App", "Login"]
causes = ["Something else"]
escalate = "Ask a moderator."
sources = ["fixture"]

[[steps]]
title = "First"
text = "Do the first thing."

[[steps]]
title = "Second"
text = "Do the second thing."
"#;

fn entry(file: &str, src: &str) -> Entry {
    match parse_entry(Path::new(file), src) {
        Ok((e, _)) => e,
        Err(e) => panic!("fixture {file} does not load: {e}"),
    }
}

fn entries() -> Vec<Entry> {
    vec![
        entry("net-1.toml", NET_1),
        entry("auth-2.toml", AUTH_2),
        entry("auth-3.toml", AUTH_3),
    ]
}

const NOW: i64 = 1_700_000_000_000;
const THREAD: u64 = 1_234_567_890_123_456_789;
const GUILD: u64 = 987_654_321_098_765_432;
const ASKER: u64 = 111;
const MOD: u64 = 222;

fn start(candidates: &[&str], platform: Option<Platform>) -> Start {
    Start {
        thread_id: THREAD,
        guild_id: Some(GUILD),
        user_id: ASKER,
        origin: Origin::Message,
        candidates: candidates.iter().map(|c| c.to_string()).collect(),
        platform,
        hold_back_heavy: false,
    }
}

fn started(es: &dyn Entries, candidates: &[&str], platform: Option<Platform>) -> Session {
    Session::start(start(candidates, platform), &Ctx::new(es), NOW)
        .expect("start")
        .session
}

fn ok(s: &Session, cmd: Command, es: &dyn Entries) -> Transition {
    match s.apply(cmd.clone(), &Ctx::new(es), NOW + 1000) {
        Ok(t) => t,
        Err(r) => panic!("{cmd:?} refused: {r}"),
    }
}

fn then(s: &Session, cmd: Command, es: &dyn Entries) -> Session {
    ok(s, cmd, es).session
}

fn refused(s: &Session, cmd: Command, es: &dyn Entries) -> Refusal {
    match s.apply(cmd.clone(), &Ctx::new(es), NOW + 1000) {
        Ok(t) => panic!("{cmd:?} was accepted: {:?}", t.events),
        Err(r) => r,
    }
}

fn mark(step: Option<usize>, message_id: Option<u64>) -> Command {
    Command::MarkSolution {
        by_moderator: MOD,
        step,
        message_id,
        note: None,
    }
}

/// `auth:2` escalated after trying all three steps.
fn escalated(es: &dyn Entries) -> Session {
    let s = started(es, &["auth:2"], None);
    let s = then(&s, Command::Next { at: 0 }, es);
    let s = then(&s, Command::Next { at: 1 }, es);
    then(&s, Command::Next { at: 2 }, es)
}

fn solved(es: &dyn Entries) -> Session {
    let s = started(es, &["auth:2"], None);
    then(&s, Command::Fixed { at: 0 }, es)
}

fn closed(es: &dyn Entries, cmd: Command) -> Session {
    then(&started(es, &["auth:2"], None), cmd, es)
}

// --- start ---------------------------------------------------------------------

#[test]
fn start_with_one_candidate_shows_the_first_step() {
    let es = entries();
    let t = Session::start(start(&["auth:2"], None), &Ctx::new(&es), NOW).expect("start");
    let s = &t.session;
    assert_eq!(s.entry.as_deref(), Some("auth:2"));
    assert!(s.candidates.is_empty());
    assert_eq!(s.order, vec![0, 1, 2]);
    assert_eq!(s.position, 0);
    assert_eq!(s.current_step(), Some(0));
    assert_eq!(s.status, Status::Open);
    assert_eq!(s.version, 0);
    assert_eq!((s.created_at, s.updated_at), (NOW, NOW));
    assert!(!s.platform_matters);
    assert_eq!(
        t.events,
        vec![Event::Started {
            origin: Origin::Message,
            entry: Some("auth:2".into()),
            candidates: vec![],
            platform: None,
            order: vec![0, 1, 2],
            restarted_from: None,
        }]
    );
}

#[test]
fn start_resolves_also_codes_to_the_canonical_id() {
    let es = entries();
    let s = started(&es, &[" AUTH:22 "], None);
    assert_eq!(s.entry.as_deref(), Some("auth:2"));
}

#[test]
fn start_with_several_candidates_asks_to_pick() {
    let es = entries();
    let s = started(&es, &["auth:2", "auth:3"], None);
    assert!(s.awaiting_entry());
    assert_eq!(s.candidates, vec!["auth:2", "auth:3"]);
    assert_eq!(s.current_step(), None);
    assert!(s.order.is_empty());
}

#[test]
fn start_drops_unknown_candidates_and_duplicates() {
    let es = entries();
    let s = started(&es, &["nope:1", "auth:22", "auth:2", "auth:3"], None);
    assert_eq!(s.candidates, vec!["auth:2", "auth:3"]);
    let s = started(&es, &["nope:1", "auth:3"], None);
    assert_eq!(s.entry.as_deref(), Some("auth:3"));
}

#[test]
fn start_with_only_unknown_codes_is_refused() {
    let es = entries();
    let r = Session::start(start(&["nope:1"], None), &Ctx::new(&es), NOW).unwrap_err();
    assert_eq!(
        r,
        Refusal::UnknownEntry {
            id: "nope:1".into()
        }
    );
}

#[test]
fn start_without_candidates_is_refused() {
    let es = entries();
    let r = Session::start(start(&[], None), &Ctx::new(&es), NOW).unwrap_err();
    assert_eq!(r, Refusal::NoCandidates);
}

#[test]
fn start_asks_for_the_platform_when_steps_differ() {
    let es = entries();
    let s = started(&es, &["net:1"], None);
    assert!(s.platform_matters);
    assert!(s.awaiting_platform());
    assert_eq!(s.current_step(), None);
    assert_eq!(s.stats_platform(), Platform::Any);
}

#[test]
fn start_with_a_platform_hint_skips_the_question() {
    let es = entries();
    let s = started(&es, &["net:1"], Some(Platform::Macos));
    assert!(!s.awaiting_platform());
    assert_eq!(s.current_step(), Some(0));
    assert_eq!(s.stats_platform(), Platform::Macos);
    // A hint on an entry whose steps are the same everywhere is kept for
    // display but does not split the statistics.
    let s = started(&es, &["auth:2"], Some(Platform::Linux));
    assert_eq!(s.platform, Some(Platform::Linux));
    assert_eq!(s.stats_platform(), Platform::Any);
}

#[test]
fn start_over_replaces_a_finished_session() {
    let es = entries();
    let mut old = solved(&es);
    old.version = 4;
    let t = old
        .start_over(start(&["auth:3"], None), &Ctx::new(&es), NOW + 5)
        .expect("start over");
    assert_eq!(t.session.version, 4, "the save must update the old row");
    assert_eq!(t.session.entry.as_deref(), Some("auth:3"));
    assert_eq!(t.session.status, Status::Open);
    assert!(t.session.attempts.is_empty());
    assert!(matches!(
        &t.events[0],
        Event::Started {
            restarted_from: Some(Status::Solved),
            ..
        }
    ));
}

#[test]
fn start_over_refuses_an_active_session() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    let r = s
        .start_over(start(&["auth:3"], None), &Ctx::new(&es), NOW)
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::AlreadyStarted {
            status: Status::Open
        }
    );
    let r = escalated(&es)
        .start_over(start(&["auth:3"], None), &Ctx::new(&es), NOW)
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::AlreadyStarted {
            status: Status::Escalated
        }
    );
}

// --- pick entry ------------------------------------------------------------------

#[test]
fn pick_entry_sets_the_entry_and_the_order() {
    let es = entries();
    let s = started(&es, &["auth:2", "auth:3"], None);
    let t = ok(&s, Command::PickEntry("auth:3".into()), &es);
    assert_eq!(t.session.entry.as_deref(), Some("auth:3"));
    assert!(t.session.candidates.is_empty());
    assert_eq!(t.session.order, vec![0, 1]);
    assert_eq!(t.session.updated_at, NOW + 1000);
    assert_eq!(t.session.version, s.version);
    assert_eq!(
        t.events,
        vec![Event::EntryPicked {
            entry: "auth:3".into(),
            order: vec![0, 1]
        }]
    );
    // An `also` code of a candidate picks it too.
    let t = ok(&s, Command::PickEntry("AUTH:22".into()), &es);
    assert_eq!(t.session.entry.as_deref(), Some("auth:2"));
}

#[test]
fn pick_entry_not_offered_is_refused() {
    let es = entries();
    let s = started(&es, &["auth:2", "auth:3"], None);
    assert_eq!(
        refused(&s, Command::PickEntry("net:1".into()), &es),
        Refusal::NotACandidate { id: "net:1".into() }
    );
}

#[test]
fn pick_entry_twice_is_refused() {
    let es = entries();
    let s = started(&es, &["auth:2", "auth:3"], None);
    let s = then(&s, Command::PickEntry("auth:2".into()), &es);
    assert_eq!(
        refused(&s, Command::PickEntry("auth:3".into()), &es),
        Refusal::EntryAlreadyChosen {
            entry: "auth:2".into()
        }
    );
}

#[test]
fn pick_entry_gone_from_the_catalogue_is_refused() {
    let es = entries();
    let mut s = started(&es, &["auth:2", "auth:3"], None);
    s.candidates.push("gone:1".into());
    assert_eq!(
        refused(&s, Command::PickEntry("gone:1".into()), &es),
        Refusal::UnknownEntry {
            id: "gone:1".into()
        }
    );
}

#[test]
fn pick_entry_on_a_closed_session_is_refused() {
    let es = entries();
    let s = started(&es, &["auth:2", "auth:3"], None);
    let solved = then(&s, mark(None, Some(42)), &es);
    assert_eq!(
        refused(&solved, Command::PickEntry("auth:2".into()), &es),
        Refusal::AlreadySolved
    );
    let gone = then(&s, Command::Abandon, &es);
    assert_eq!(
        refused(&gone, Command::PickEntry("auth:2".into()), &es),
        Refusal::Closed {
            status: Status::Abandoned
        }
    );
}

// --- platform ----------------------------------------------------------------------

#[test]
fn choose_platform_starts_the_steps() {
    let es = entries();
    let s = started(&es, &["net:1"], None);
    let t = ok(&s, Command::ChoosePlatform(Platform::Windows), &es);
    assert_eq!(t.session.platform, Some(Platform::Windows));
    assert!(!t.session.awaiting_platform());
    assert_eq!(t.session.current_step(), Some(0));
    assert_eq!(
        t.events,
        vec![Event::PlatformChosen {
            platform: Platform::Windows,
            previous: None,
            order: vec![0, 1, 2, 3, 4]
        }]
    );
}

#[test]
fn choose_platform_before_the_entry_is_remembered() {
    let es = entries();
    let s = started(&es, &["net:1", "auth:2"], None);
    let s = then(&s, Command::ChoosePlatform(Platform::Macos), &es);
    let s = then(&s, Command::PickEntry("net:1".into()), &es);
    assert!(!s.awaiting_platform());
    assert_eq!(s.stats_platform(), Platform::Macos);
}

#[test]
fn choose_the_same_platform_is_refused() {
    let es = entries();
    let s = started(&es, &["net:1"], Some(Platform::Linux));
    assert_eq!(
        refused(&s, Command::ChoosePlatform(Platform::Linux), &es),
        Refusal::SamePlatform {
            platform: Platform::Linux
        }
    );
}

#[test]
fn choose_any_platform_is_refused() {
    let es = entries();
    let s = started(&es, &["net:1"], None);
    assert_eq!(
        refused(&s, Command::ChoosePlatform(Platform::Any), &es),
        Refusal::NotAPlatform
    );
}

#[test]
fn choose_platform_on_a_finished_session_is_refused() {
    let es = entries();
    assert_eq!(
        refused(&solved(&es), Command::ChoosePlatform(Platform::Macos), &es),
        Refusal::AlreadySolved
    );
    assert_eq!(
        refused(
            &escalated(&es),
            Command::ChoosePlatform(Platform::Macos),
            &es
        ),
        Refusal::AlreadyEscalated
    );
    let expired = closed(&es, Command::Expire);
    assert_eq!(
        refused(&expired, Command::ChoosePlatform(Platform::Macos), &es),
        Refusal::Closed {
            status: Status::Expired
        }
    );
}

#[test]
fn changing_platform_mid_walk_keeps_the_steps_already_shown() {
    let es = entries();
    let s = started(&es, &["net:1"], Some(Platform::Windows));
    let s = then(&s, Command::Next { at: 0 }, &es);
    let s = then(&s, Command::Next { at: 1 }, &es);
    assert_eq!(s.position, 2);
    // On macOS, people report the reinstall (step 4) works.
    let mut mac = StepStats::new();
    mac.steps.insert(
        4,
        StepCount {
            tried: 40,
            solved: 38,
            moderator_solved: 0,
        },
    );
    let ctx = Ctx::new(&es).with_stats("net:1", Platform::Macos, mac);
    let t = s
        .apply(Command::ChoosePlatform(Platform::Macos), &ctx, NOW + 5)
        .expect("platform");
    assert_eq!(t.session.position, 2);
    assert_eq!(&t.session.order[..2], &[0, 1], "shown steps stay");
    assert_eq!(t.session.current_step(), Some(4));
    let mut sorted = t.session.order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
}

// --- next ------------------------------------------------------------------------------

#[test]
fn next_records_the_attempt_and_advances() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    let t = ok(&s, Command::Next { at: 0 }, &es);
    assert_eq!(t.session.position, 1);
    assert_eq!(t.session.current_step(), Some(1));
    assert_eq!(t.session.attempts.len(), 1);
    assert_eq!(t.session.attempts[0].outcome, Outcome::DidNotWork);
    assert_eq!(t.session.attempts[0].step, 0);
    assert_eq!(t.session.attempts[0].entry, "auth:2");
    assert_eq!(
        t.events,
        vec![Event::StepTried {
            entry: "auth:2".into(),
            platform: Platform::Any,
            step: 0,
            position: 0,
            outcome: Outcome::DidNotWork,
            first_try: true
        }]
    );
}

#[test]
fn next_on_a_stale_card_is_refused() {
    let es = entries();
    let s = then(
        &started(&es, &["auth:2"], None),
        Command::Next { at: 0 },
        &es,
    );
    assert_eq!(
        refused(&s, Command::Next { at: 0 }, &es),
        Refusal::StaleStep {
            current: 1,
            pressed: 0
        }
    );
    assert_eq!(
        refused(&s, Command::Next { at: 7 }, &es),
        Refusal::StaleStep {
            current: 1,
            pressed: 7
        }
    );
}

#[test]
fn next_before_the_platform_is_refused() {
    let es = entries();
    let s = started(&es, &["net:1"], None);
    assert_eq!(
        refused(&s, Command::Next { at: 0 }, &es),
        Refusal::PlatformNeeded
    );
    assert_eq!(
        refused(&s, Command::Fixed { at: 0 }, &es),
        Refusal::PlatformNeeded
    );
    assert_eq!(
        refused(&s, Command::Back { at: 0 }, &es),
        Refusal::PlatformNeeded
    );
}

#[test]
fn next_before_the_entry_is_refused() {
    let es = entries();
    let s = started(&es, &["auth:2", "auth:3"], None);
    assert_eq!(
        refused(&s, Command::Next { at: 0 }, &es),
        Refusal::NoEntryYet
    );
    assert_eq!(
        refused(&s, Command::Back { at: 0 }, &es),
        Refusal::NoEntryYet
    );
    assert_eq!(
        refused(&s, Command::Fixed { at: 0 }, &es),
        Refusal::NoEntryYet
    );
    assert_eq!(refused(&s, Command::Escalate, &es), Refusal::NoEntryYet);
}

#[test]
fn next_at_the_last_step_escalates() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    let s = then(&s, Command::Next { at: 0 }, &es);
    let s = then(&s, Command::Next { at: 1 }, &es);
    let t = ok(&s, Command::Next { at: 2 }, &es);
    assert_eq!(t.session.status, Status::Escalated);
    assert_eq!(t.session.position, 3);
    assert_eq!(t.session.current_step(), None);
    assert_eq!(t.session.attempts.len(), 3);
    assert_eq!(t.events.len(), 2);
    assert!(matches!(&t.events[0], Event::StepTried { step: 2, .. }));
    assert_eq!(
        t.events[1],
        Event::Escalated {
            entry: "auth:2".into(),
            after_last_step: true
        }
    );
}

#[test]
fn next_on_a_finished_session_is_refused() {
    let es = entries();
    assert_eq!(
        refused(&escalated(&es), Command::Next { at: 3 }, &es),
        Refusal::AlreadyEscalated
    );
    assert_eq!(
        refused(&solved(&es), Command::Next { at: 0 }, &es),
        Refusal::AlreadySolved
    );
    assert_eq!(
        refused(&closed(&es, Command::Expire), Command::Next { at: 0 }, &es),
        Refusal::Closed {
            status: Status::Expired
        }
    );
    assert_eq!(
        refused(&closed(&es, Command::Abandon), Command::Next { at: 0 }, &es),
        Refusal::Closed {
            status: Status::Abandoned
        }
    );
}

#[test]
fn a_repeated_step_is_not_a_first_try() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    let s = then(&s, Command::Next { at: 0 }, &es);
    let s = then(&s, Command::Back { at: 1 }, &es);
    let t = ok(&s, Command::Next { at: 0 }, &es);
    assert!(matches!(
        t.events[0],
        Event::StepTried {
            first_try: false,
            ..
        }
    ));
}

// --- back ---------------------------------------------------------------------------------

#[test]
fn back_shows_the_previous_step() {
    let es = entries();
    let s = then(
        &started(&es, &["auth:2"], None),
        Command::Next { at: 0 },
        &es,
    );
    let t = ok(&s, Command::Back { at: 1 }, &es);
    assert_eq!(t.session.position, 0);
    assert_eq!(t.session.attempts.len(), 1, "history is kept");
    assert_eq!(
        t.events,
        vec![Event::Back {
            from: 1,
            to: 0,
            from_escalation: false
        }]
    );
}

#[test]
fn back_at_the_first_step_is_refused() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    assert_eq!(
        refused(&s, Command::Back { at: 0 }, &es),
        Refusal::NoPreviousStep
    );
}

#[test]
fn back_on_a_stale_card_is_refused() {
    let es = entries();
    let s = then(
        &started(&es, &["auth:2"], None),
        Command::Next { at: 0 },
        &es,
    );
    assert_eq!(
        refused(&s, Command::Back { at: 0 }, &es),
        Refusal::StaleStep {
            current: 1,
            pressed: 0
        }
    );
}

#[test]
fn back_from_the_escalation_returns_to_the_last_step() {
    let es = entries();
    let s = escalated(&es);
    let t = ok(&s, Command::Back { at: 3 }, &es);
    assert_eq!(t.session.status, Status::Open);
    assert_eq!(t.session.position, 2);
    assert_eq!(t.session.current_step(), Some(2));
    assert_eq!(
        t.events,
        vec![Event::Back {
            from: 3,
            to: 2,
            from_escalation: true
        }]
    );
}

#[test]
fn back_from_the_last_step_card_after_escalating_is_stale() {
    let es = entries();
    let s = escalated(&es);
    assert_eq!(
        refused(&s, Command::Back { at: 2 }, &es),
        Refusal::StaleStep {
            current: 3,
            pressed: 2
        }
    );
}

#[test]
fn back_on_a_closed_session_is_refused() {
    let es = entries();
    assert_eq!(
        refused(&solved(&es), Command::Back { at: 0 }, &es),
        Refusal::AlreadySolved
    );
    assert_eq!(
        refused(&closed(&es, Command::Expire), Command::Back { at: 0 }, &es),
        Refusal::Closed {
            status: Status::Expired
        }
    );
}

// --- fixed ---------------------------------------------------------------------------------

#[test]
fn fixed_solves_at_the_current_step() {
    let es = entries();
    let s = then(
        &started(&es, &["auth:2"], None),
        Command::Next { at: 0 },
        &es,
    );
    let t = ok(&s, Command::Fixed { at: 1 }, &es);
    assert_eq!(t.session.status, Status::Solved);
    let sol = t.session.solution.as_ref().expect("solution");
    assert_eq!(sol.by, Reporter::Asker);
    assert_eq!(sol.step, Some(1));
    assert_eq!(
        t.session.attempts.last().map(|a| a.outcome),
        Some(Outcome::Fixed)
    );
    assert_eq!(t.events.len(), 2);
    assert!(matches!(
        t.events[0],
        Event::StepTried {
            step: 1,
            outcome: Outcome::Fixed,
            ..
        }
    ));
    assert_eq!(
        t.events[1],
        Event::Solved {
            by: Reporter::Asker,
            entry: Some("auth:2".into()),
            platform: Platform::Any,
            step: Some(1),
            message_id: None,
            note: None,
            replaced: None
        }
    );
}

#[test]
fn fixed_on_a_stale_card_is_refused() {
    let es = entries();
    let s = then(
        &started(&es, &["auth:2"], None),
        Command::Next { at: 0 },
        &es,
    );
    assert_eq!(
        refused(&s, Command::Fixed { at: 0 }, &es),
        Refusal::StaleStep {
            current: 1,
            pressed: 0
        }
    );
}

#[test]
fn fixed_twice_or_after_escalating_is_refused() {
    let es = entries();
    assert_eq!(
        refused(&solved(&es), Command::Fixed { at: 0 }, &es),
        Refusal::AlreadySolved
    );
    assert_eq!(
        refused(&escalated(&es), Command::Fixed { at: 3 }, &es),
        Refusal::AlreadyEscalated
    );
    assert_eq!(
        refused(
            &closed(&es, Command::Abandon),
            Command::Fixed { at: 0 },
            &es
        ),
        Refusal::Closed {
            status: Status::Abandoned
        }
    );
}

// --- escalate ---------------------------------------------------------------------------------

#[test]
fn escalate_at_the_last_step() {
    let es = entries();
    let s = then(
        &started(&es, &["auth:3"], None),
        Command::Next { at: 0 },
        &es,
    );
    let t = ok(&s, Command::Escalate, &es);
    assert_eq!(t.session.status, Status::Escalated);
    assert_eq!(t.session.position, 2);
    assert_eq!(t.session.attempts.len(), 1, "the last step was not tried");
    assert_eq!(
        t.events,
        vec![Event::Escalated {
            entry: "auth:3".into(),
            after_last_step: false
        }]
    );
}

#[test]
fn escalate_before_the_last_step_is_refused() {
    let es = entries();
    let s = started(&es, &["auth:3"], None);
    assert_eq!(refused(&s, Command::Escalate, &es), Refusal::NotAtLastStep);
}

#[test]
fn escalate_twice_or_when_solved_is_refused() {
    let es = entries();
    assert_eq!(
        refused(&escalated(&es), Command::Escalate, &es),
        Refusal::AlreadyEscalated
    );
    assert_eq!(
        refused(&solved(&es), Command::Escalate, &es),
        Refusal::AlreadySolved
    );
}

// --- switch -------------------------------------------------------------------------------------

#[test]
fn switch_restarts_the_steps_of_the_other_entry() {
    let es = entries();
    let s = then(
        &started(&es, &["auth:2"], None),
        Command::Next { at: 0 },
        &es,
    );
    let t = ok(&s, Command::Switch("auth:3".into()), &es);
    assert_eq!(t.session.entry.as_deref(), Some("auth:3"));
    assert_eq!(t.session.position, 0);
    assert_eq!(t.session.order, vec![0, 1]);
    assert_eq!(t.session.attempts.len(), 1, "the old attempt stays");
    assert_eq!(t.session.attempts[0].entry, "auth:2");
    assert_eq!(
        t.events,
        vec![Event::Switched {
            from: Some("auth:2".into()),
            to: "auth:3".into(),
            order: vec![0, 1],
            reopened_from: None
        }]
    );
    // The same step index in the new entry is a first try.
    let t = ok(&t.session, Command::Next { at: 0 }, &es);
    assert!(matches!(
        t.events[0],
        Event::StepTried {
            first_try: true,
            ..
        }
    ));
}

#[test]
fn switch_from_the_candidates_or_after_escalating() {
    let es = entries();
    let s = started(&es, &["auth:2", "auth:3"], None);
    let s = then(&s, Command::Switch("net:1".into()), &es);
    assert_eq!(s.entry.as_deref(), Some("net:1"));
    assert!(s.candidates.is_empty());
    assert!(s.awaiting_platform());
    let s = then(&escalated(&es), Command::Switch("auth:3".into()), &es);
    assert_eq!(s.status, Status::Open);
    assert_eq!(s.position, 0);
}

#[test]
fn switch_reopens_an_expired_session() {
    let es = entries();
    let s = closed(&es, Command::Expire);
    let t = ok(&s, Command::Switch("auth:3".into()), &es);
    assert_eq!(t.session.status, Status::Open);
    assert!(matches!(
        t.events[0],
        Event::Switched {
            reopened_from: Some(Status::Expired),
            ..
        }
    ));
}

#[test]
fn switch_refusals() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    assert_eq!(
        refused(&s, Command::Switch("auth:22".into()), &es),
        Refusal::SameEntry {
            id: "auth:2".into()
        }
    );
    assert_eq!(
        refused(&s, Command::Switch("nope:9".into()), &es),
        Refusal::UnknownEntry {
            id: "nope:9".into()
        }
    );
    assert_eq!(
        refused(&solved(&es), Command::Switch("auth:3".into()), &es),
        Refusal::AlreadySolved
    );
}

// --- moderator solutions ---------------------------------------------------------------------------

#[test]
fn a_moderator_marks_a_step() {
    let es = entries();
    let s = started(&es, &["net:1"], Some(Platform::Windows));
    let t = ok(&s, mark(Some(2), None), &es);
    assert_eq!(t.session.status, Status::Solved);
    assert_eq!(t.session.solution.as_ref().and_then(|x| x.step), Some(2));
    assert_eq!(
        t.events,
        vec![Event::Solved {
            by: Reporter::Moderator(MOD),
            entry: Some("net:1".into()),
            platform: Platform::Windows,
            step: Some(2),
            message_id: None,
            note: None,
            replaced: None
        }]
    );
}

#[test]
fn a_moderator_marks_a_message_as_a_community_fix() {
    let es = entries();
    // Even before the entry is known, and on an expired session.
    let s = started(&es, &["auth:2", "auth:3"], None);
    let t = ok(
        &s,
        Command::MarkSolution {
            by_moderator: MOD,
            step: None,
            message_id: Some(999),
            note: Some("  turn off the VPN ".into()),
        },
        &es,
    );
    let sol = t.session.solution.expect("solution");
    assert_eq!(sol.message_id, Some(999));
    assert_eq!(sol.note.as_deref(), Some("turn off the VPN"));
    let s = then(&closed(&es, Command::Expire), mark(None, Some(5)), &es);
    assert_eq!(s.status, Status::Solved);
}

#[test]
fn a_moderator_replaces_the_askers_solution() {
    let es = entries();
    let s = solved(&es);
    let t = ok(&s, mark(Some(2), None), &es);
    match &t.events[0] {
        Event::Solved {
            replaced: Some(old),
            ..
        } => assert_eq!((old.by, old.step), (Reporter::Asker, Some(0))),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn mark_solution_refusals() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    assert_eq!(
        refused(
            &s,
            Command::MarkSolution {
                by_moderator: MOD,
                step: None,
                message_id: None,
                note: Some("   ".into())
            },
            &es
        ),
        Refusal::EmptySolution
    );
    assert_eq!(
        refused(&s, mark(Some(3), None), &es),
        Refusal::StepOutOfRange { step: 3, steps: 3 }
    );
    let cands = started(&es, &["auth:2", "auth:3"], None);
    assert_eq!(
        refused(&cands, mark(Some(0), None), &es),
        Refusal::NoEntryYet
    );
    let marked = then(&s, mark(Some(1), Some(7)), &es);
    assert_eq!(
        refused(&marked, mark(Some(1), Some(7)), &es),
        Refusal::AlreadyMarked
    );
}

// --- reopen, expire, abandon -----------------------------------------------------------------------

#[test]
fn reopen_a_solved_session() {
    let es = entries();
    let s = solved(&es);
    let t = ok(&s, Command::Reopen, &es);
    assert_eq!(t.session.status, Status::Open);
    assert!(t.session.solution.is_none());
    assert_eq!(t.session.position, 0);
    match &t.events[0] {
        Event::Reopened {
            from: Status::Solved,
            previous: Some(p),
            entry,
            ..
        } => {
            assert_eq!(p.step, Some(0));
            assert_eq!(entry.as_deref(), Some("auth:2"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn reopen_after_escalating_returns_to_the_last_step() {
    let es = entries();
    let s = then(&escalated(&es), Command::Reopen, &es);
    assert_eq!(s.status, Status::Open);
    assert_eq!(s.position, 2);
    assert_eq!(s.current_step(), Some(2));
}

#[test]
fn reopen_expired_and_abandoned_sessions() {
    let es = entries();
    for cmd in [Command::Expire, Command::Abandon] {
        let s = then(&closed(&es, cmd), Command::Reopen, &es);
        assert_eq!(s.status, Status::Open);
        assert_eq!(s.current_step(), Some(0));
    }
}

#[test]
fn reopen_an_open_session_is_refused() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    assert_eq!(refused(&s, Command::Reopen, &es), Refusal::NotClosed);
}

#[test]
fn expire_open_and_escalated_sessions() {
    let es = entries();
    let t = ok(&started(&es, &["auth:2"], None), Command::Expire, &es);
    assert_eq!(t.session.status, Status::Expired);
    assert_eq!(t.events, vec![Event::Expired { from: Status::Open }]);
    let t = ok(&escalated(&es), Command::Expire, &es);
    assert_eq!(
        t.events,
        vec![Event::Expired {
            from: Status::Escalated
        }]
    );
}

#[test]
fn expire_refusals() {
    let es = entries();
    assert_eq!(
        refused(&solved(&es), Command::Expire, &es),
        Refusal::AlreadySolved
    );
    assert_eq!(
        refused(&closed(&es, Command::Expire), Command::Expire, &es),
        Refusal::Closed {
            status: Status::Expired
        }
    );
}

#[test]
fn abandon_and_its_refusals() {
    let es = entries();
    let t = ok(&escalated(&es), Command::Abandon, &es);
    assert_eq!(t.session.status, Status::Abandoned);
    assert_eq!(
        t.events,
        vec![Event::Abandoned {
            from: Status::Escalated
        }]
    );
    assert_eq!(
        refused(&t.session, Command::Abandon, &es),
        Refusal::Closed {
            status: Status::Abandoned
        }
    );
    assert_eq!(
        refused(&solved(&es), Command::Abandon, &es),
        Refusal::AlreadySolved
    );
}

// --- odds and ends -------------------------------------------------------------------------------

#[test]
fn attach_answer_records_the_message_without_an_event() {
    let es = entries();
    let s = started(&es, &["auth:2"], None);
    let t = s.attach_answer(77);
    assert_eq!(t.session.answer_message_id, Some(77));
    assert!(t.events.is_empty());
    assert_eq!(t.session.updated_at, s.updated_at);
}

#[test]
fn refusal_messages_count_steps_from_one() {
    let r = Refusal::StaleStep {
        current: 2,
        pressed: 0,
    };
    let text = r.to_string();
    assert!(text.contains("step 1"), "{text}");
    assert!(text.contains("step 3"), "{text}");
}

#[test]
fn events_serialise_with_a_kind_tag() {
    let es = entries();
    let t = ok(&solved(&es), mark(Some(1), Some(5)), &es);
    for e in &t.events {
        let json = serde_json::to_value(e).expect("json");
        assert_eq!(json["kind"], e.kind());
        let back: Event = serde_json::from_value(json).expect("back");
        assert_eq!(&back, e);
    }
    let json = serde_json::to_string(&t.events[0]).expect("json");
    assert!(json.contains(r#""by":{"moderator":222}"#), "{json}");
}

#[test]
fn sessions_serialise_round_trip() {
    let es = entries();
    let s = solved(&es);
    let json = serde_json::to_string(&s).expect("json");
    let back: Session = serde_json::from_str(&json).expect("back");
    assert_eq!(back, s);
}

#[test]
fn stats_keys_name_what_a_command_ranks_with() {
    let es = entries();
    let s = started(&es, &["net:1", "auth:2"], Some(Platform::Macos));
    assert_eq!(
        s.stats_key(&Command::PickEntry("net:1".into()), &es),
        Some(("net:1".into(), Platform::Macos))
    );
    assert_eq!(
        s.stats_key(&Command::PickEntry("auth:22".into()), &es),
        Some(("auth:2".into(), Platform::Any))
    );
    let s = then(&s, Command::PickEntry("net:1".into()), &es);
    assert_eq!(
        s.stats_key(&Command::ChoosePlatform(Platform::Windows), &es),
        Some(("net:1".into(), Platform::Windows))
    );
    assert_eq!(s.stats_key(&Command::Next { at: 0 }, &es), None);
    assert_eq!(
        start(&["net:01"], None).stats_key(&es),
        Some(("net:1".into(), Platform::Any))
    );
    assert_eq!(start(&["net:1", "auth:2"], None).stats_key(&es), None);
}

#[test]
fn entries_lookup_ignores_case_and_space() {
    let es = entries();
    assert_eq!(es.entry(" NET:01 ").map(|e| e.id.as_str()), Some("net:1"));
    assert!(es.entry("net:2").is_none());
}

#[test]
fn start_ranks_with_the_statistics_in_the_context() {
    let es = entries();
    let mut stats = StepStats::new();
    stats.steps.insert(
        2,
        StepCount {
            tried: 50,
            solved: 45,
            moderator_solved: 3,
        },
    );
    let ctx = Ctx::new(&es).with_stats("auth:2", Platform::Any, stats);
    let t = Session::start(start(&["auth:2"], None), &ctx, NOW).expect("start");
    assert_eq!(t.session.order, vec![2, 0, 1]);
}

// --- ranking ---------------------------------------------------------------------------------------

fn counts(tried: u64, solved: u64, moderator_solved: u64) -> StepCount {
    StepCount {
        tried,
        solved,
        moderator_solved,
    }
}

#[test]
fn no_data_keeps_the_catalogue_order() {
    for e in entries() {
        let n = e.steps.len();
        assert_eq!(
            rank_steps(&e, &StepStats::new()),
            (0..n).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_few_reports_do_not_reorder() {
    let e = entry("auth-2.toml", AUTH_2);
    let mut stats = StepStats::new();
    stats.steps.insert(2, counts(2, 2, 0));
    stats.steps.insert(0, counts(2, 0, 0));
    assert_eq!(rank_steps(&e, &stats), vec![0, 1, 2]);
}

#[test]
fn steady_success_moves_a_step_up() {
    let e = entry("auth-2.toml", AUTH_2);
    let mut stats = StepStats::new();
    stats.steps.insert(0, counts(30, 3, 0));
    stats.steps.insert(1, counts(27, 5, 0));
    stats.steps.insert(2, counts(22, 18, 0));
    assert_eq!(rank_steps(&e, &stats), vec![2, 1, 0]);
}

#[test]
fn diagnostics_keep_their_catalogue_position() {
    let e = entry("net-1.toml", NET_1);
    let mut stats = StepStats::new();
    stats.steps.insert(0, counts(100, 0, 0));
    stats.steps.insert(3, counts(100, 0, 0));
    stats.steps.insert(4, counts(60, 55, 5));
    stats.steps.insert(1, counts(100, 2, 0));
    let order = rank_steps(&e, &stats);
    assert_eq!(order[0], 0);
    assert_eq!(order[3], 3);
    assert_eq!(order, vec![0, 4, 2, 3, 1]);
}

#[test]
fn moderator_marks_weigh_more_than_self_reports() {
    let e = entry("auth-3.toml", AUTH_3);
    // Step 0: a modest record. Step 1: the same number of solves, once as
    // self-reports and once as moderator marks.
    let base = counts(12, 5, 0);
    let mut asker = StepStats::new();
    asker.steps.insert(0, base);
    asker.steps.insert(1, counts(6, 4, 0));
    let mut moderator = StepStats::new();
    moderator.steps.insert(0, base);
    moderator.steps.insert(1, counts(2, 0, 4));
    assert_eq!(rank_steps(&e, &asker), vec![0, 1]);
    assert_eq!(rank_steps(&e, &moderator), vec![1, 0]);
    assert!(moderator.estimate(1) > asker.estimate(1));
}

#[test]
fn success_record_counts_people() {
    let mut stats = StepStats::new();
    stats.steps.insert(1, counts(40, 24, 2));
    assert_eq!(stats.success_record(1), (26, 42));
    assert_eq!(stats.success_record(0), (0, 0));
}

#[test]
fn deltas_follow_the_events() {
    let es = entries();
    let s = started(&es, &["net:1"], Some(Platform::Windows));
    let t1 = ok(&s, Command::Next { at: 0 }, &es);
    let t2 = ok(&t1.session, Command::Fixed { at: 1 }, &es);
    let t3 = ok(&t2.session, mark(Some(1), None), &es);
    let t4 = ok(&t3.session, Command::Reopen, &es);
    let d = |step, tried, solved, moderator_solved| StatDelta {
        entry: "net:1".into(),
        platform: Platform::Windows,
        step,
        tried,
        solved,
        moderator_solved,
    };
    assert_eq!(deltas_for(&t1.events), vec![d(0, 1, 0, 0)]);
    assert_eq!(deltas_for(&t2.events), vec![d(1, 1, 1, 0)]);
    // The moderator confirms the asker's step: the self-report is replaced.
    assert_eq!(deltas_for(&t3.events), vec![d(1, 0, -1, 1)]);
    // Reopened: the standing solution is taken back.
    assert_eq!(deltas_for(&t4.events), vec![d(1, 0, 0, -1)]);
    // Merged and sorted across a batch.
    let all: Vec<Event> = [t1.events, t2.events, t3.events, t4.events].concat();
    assert_eq!(deltas_for(&all), vec![d(0, 1, 0, 0), d(1, 1, 0, 0)]);
    // Repeats do not count as tries.
    let back = ok(&t1.session, Command::Back { at: 1 }, &es);
    let again = ok(&back.session, Command::Next { at: 0 }, &es);
    assert!(deltas_for(&again.events).is_empty());
}

#[test]
fn step_stats_never_go_negative() {
    let mut stats = StepStats::new();
    stats.apply(&StatDelta {
        entry: "x".into(),
        platform: Platform::Any,
        step: 0,
        tried: -3,
        solved: -1,
        moderator_solved: 2,
    });
    assert_eq!(stats.get(0), counts(0, 0, 2));
}
