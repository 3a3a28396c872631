//! What a user notices of the matcher: the right entry for the ways people
//! write errors, silence on chatter, and calm handling of hostile input.

use std::path::Path;
use std::sync::OnceLock;

use spotify_error_bot::catalogue::{self, Catalogue};
use spotify_error_bot::matcher::{Matcher, ReasonKind, Tier};

fn world() -> &'static (Catalogue, Matcher) {
    static W: OnceLock<(Catalogue, Matcher)> = OnceLock::new();
    W.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue");
        let cat = catalogue::load_dir(&dir).expect("catalogue").catalogue;
        let m = Matcher::new(&cat);
        (cat, m)
    })
}

fn answer(text: &str) -> Option<String> {
    world().1.match_text(text).answer().map(str::to_string)
}

/// Asserts the bot says nothing at all (no answer, no question) to each text.
fn assert_silent(texts: &[&str]) {
    for text in texts {
        assert_eq!(world().1.match_text(text).tier, Tier::Low, "{text:?}");
    }
}

#[test]
fn codes_in_every_common_spelling_are_recognised() {
    for (text, id) in [
        ("accesspoint:17", "accesspoint:17"),
        ("Accesspoint 17", "accesspoint:17"),
        ("access point 17", "accesspoint:17"),
        ("AP:17", "accesspoint:17"),
        ("(Error code: 17 / accesspoint:17)", "accesspoint:17"),
        ("auth73", "auth:73"),
        // Joined, a long namespace also reads as a misspelt one
        // ("accesspointlt"); the number wins.
        ("accesspoint17 whenever the vpn is on", "accesspoint:17"),
        ("error30 when i open spotify", "error:30"),
        ("Code 7 on the spotify app since this morning", "error:7"),
        // A place named after the code is not another app's.
        (
            "spotify gives me accounts 55 on the office network",
            "accounts:53",
        ),
        ("auth.73", "auth:73"),
        ("eme_no_supported_keysytem", "eme_no_supported_keysystem"),
        ("error code 30", "error:30"),
        ("Error code: 4", "error:4"),
        ("spotify error 2026", "error:2026"),
        ("installer error 18", "installer:18"),
        ("EME_NO_SUPPORTED_KEYSYSTEM", "eme_no_supported_keysystem"),
        ("banned_by_user_track", "banned_by_user_artist"),
        ("PREMIUM_REQUIRED", "webapi:premium_required"),
        ("accounts:54", "accounts:53"),
        ("com.spotify.installer error −3", "com.spotify.installer:-3"),
        ("error.generic", "fatal-error"),
        // A two-word name spaced out, when both words are long.
        (
            "the spotify installer only says unsupported platform",
            "installer:unsupported-platform",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text:?}");
    }
    // Short, common pairs stay words.
    assert_ne!(
        answer("spotify crashed with a fatal error").as_deref(),
        Some("fatal-error")
    );
}

#[test]
fn ocr_noise_in_codes_is_read_through() {
    for (text, id) in [
        ("accesspoint:l7", "accesspoint:17"),
        ("acc3sspoint;17", "accesspoint:17"),
        ("auth:7З", "auth:73"),
        ("accounts: 4O3", "accounts:403"),
        ("Error c0de: 3O", "error:30"),
        (
            "Spotify\nA firewall may be blocking Spotify.\n(Error code: auth:3)\nClose",
            "auth:3",
        ),
        ("ＡＣＣＯＵＮＴＳ：４０８", "accounts:408"),
        // A digit for a letter inside a short word of the namespace, and a
        // letter for the digit.
        (
            "A firewall may be blocking Spotify.\n(Error code: desktop_1ogin_accounts:S)",
            "desktop_login_accounts:5",
        ),
        // Digits and words split apart by the dialog's layout.
        ("accounts:4 0 8", "accounts:408"),
        ("Error code: auth: 7 3", "auth:73"),
        ("access point17", "accesspoint:17"),
        (
            "No internet connection detected. (Error code: accesspo int:31)",
            "accesspoint:31",
        ),
        ("sess ion:103", "session:103"),
        // Letters and digits swapped in one word or constant.
        ("accountsl03", "accounts:103"),
        (
            "(Error code: desktop_login_accounts:S)",
            "desktop_login_accounts:5",
        ),
        ("EME_N0_SUPP0RTED_KEYSYSTEM", "eme_no_supported_keysystem"),
        // A worded code with its joints lost or moved.
        (
            "Error code: accounts:critical update-err0r",
            "accounts:critical-update-error",
        ),
        (
            "installer:unsupportedplatform",
            "installer:unsupported-platform",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text:?}");
    }
}

#[test]
fn a_code_inside_other_words_or_languages_is_found_and_located() {
    let text = "hola, me sale accesspoint:17 en el pc";
    let m = world().1.match_text(text);
    assert_eq!(m.answer(), Some("accesspoint:17"));
    let top = &m.candidates[0];
    assert_eq!(top.reason.kind, ReasonKind::Code);
    assert_eq!(&text[top.reason.start..top.reason.end], "accesspoint:17");
    // The word for "error" in another language between namespace and code.
    assert_eq!(
        answer("l'installer del mac dice com.spotify.installer errore -2, aiuto").as_deref(),
        Some("com.spotify.installer:-2")
    );
}

#[test]
fn a_code_wins_over_a_message_of_another_entry() {
    let m = world()
        .1
        .match_text("A firewall may be blocking Spotify. (Error code: session:103)");
    assert_eq!(m.answer(), Some("session:103"));
    assert!(!m.ambiguous);
}

#[test]
fn a_shared_message_alone_is_ambiguous_with_every_owner_as_candidate() {
    let m = world().1.match_text("a firewall may be blocking spotify");
    assert!(m.ambiguous, "{m:?}");
    let ids: Vec<&str> = m.candidates.iter().map(|c| c.id.as_str()).collect();
    for id in [
        "error:30",
        "desktop_login_accounts:5",
        "accesspoint:17",
        "auth:3",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    // The catalogue's lead for this message, whose dialog shows exactly it.
    assert_eq!(ids[0], "error:30");
}

#[test]
fn a_shared_message_is_led_by_the_entry_the_rest_of_the_report_fits() {
    let lead = |text: &str| {
        let m = world().1.match_text(text);
        assert!(m.ambiguous, "the others stay candidates: {m:?}");
        m.best.unwrap_or_default()
    };
    // Causes and steps named around the quoted message.
    assert_eq!(
        lead(
            "Your internet network is blocking Spotify. Contact your network administrator. we have a proxy at work"
        ),
        "accounts:53"
    );
    assert_eq!(
        lead(
            "it says a firewall may be blocking spotify, right after i logged in through the browser with wallpaper engine open"
        ),
        "desktop_login_accounts:5"
    );
    assert_eq!(
        lead(
            "this app is restricted to premium users only, on a really old version of the app that i never updated"
        ),
        "accesspoint:22"
    );
    // Two of one entry's messages quoted: that entry.
    assert_eq!(
        lead(
            "first it said service is temporarily unavailable, then the username or password is incorrect"
        ),
        "auth:2"
    );
    // Nothing else said: the catalogue's lead.
    assert_eq!(
        lead(
            "Spotify can't play this right now. If you have the file on your computer you can import it."
        ),
        "one_track_unplayable"
    );
    assert_eq!(lead("the username or password is incorrect"), "accounts:3");
}

#[test]
fn displayed_messages_and_descriptions_are_recognised() {
    for (text, id) in [
        (
            "spotify cant play this track in your region",
            "not_available_in_current_region",
        ),
        (
            "Use of this device is not enabled for your account.",
            "accounts:406",
        ),
        (
            "it says my country doesn't match my profile",
            "accounts:408",
        ),
        (
            "Playback of protected content is not enabled.",
            "eme_no_supported_keysystem",
        ),
        // The longer message that contains a shorter one's words is the
        // one pasted.
        (
            "it says An error occurred while trying to mount the downloaded Spotify disk image",
            "com.spotify.installer:-3",
        ),
        // A message found in one piece beats another's words scattered
        // over the story.
        (
            "I'm in Japan right now and when I click a song it says Spotify can't play this track in your region.",
            "not_available_in_current_region",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text:?}");
    }
}

#[test]
fn chatter_and_other_software_stay_silent() {
    for text in [
        "anyone got lofi playlist recs?",
        "my python script throws error 404",
        "steam error code 118",
        "room 403 at the hotel",
        "session 3 of the workshop starts at 7",
        "my code is 17 lines long",
        "hp laserjet error 30.01.14",
        "restarting worked, thanks",
        "what year is it, 2026?",
        "",
        "🎵🎶🎧",
    ] {
        let m = world().1.match_text(text);
        assert_eq!(m.tier, Tier::Low, "{text:?} got {m:?}");
    }
}

#[test]
fn unknown_code_in_a_known_namespace_is_reported_as_a_gap_not_answered() {
    let m = world().1.match_text("auth:74 keeps popping up");
    assert_eq!(m.answer(), None);
    assert_eq!(m.unknown_code.as_deref(), Some("auth:74"));
}

#[test]
fn hostile_input_is_bounded_and_never_panics() {
    let m = &world().1;
    let huge = "x".repeat(100_000) + " accesspoint:17";
    let r = m.match_text(&huge);
    assert!(r.truncated, "a 100 KB message says it was cut");
    assert_eq!(r.answer(), None, "the code past the window is not seen");

    let colons = ":".repeat(1_000_000);
    assert_eq!(m.match_text(&colons).tier, Tier::Low);

    let nul = "auth\0:73\0\0";
    let _ = m.match_text(nul);

    let zalgo = "a\u{0301}\u{0316}\u{0334}u\u{0334}\u{0335}t\u{0336}h:7\u{0337}3";
    assert_eq!(m.match_text(zalgo).answer(), Some("auth:73"));

    let rtl = "\u{202E}71:tniopssecca\u{202C} and \u{202E}accesspoint:17";
    assert_eq!(m.match_text(rtl).answer(), Some("accesspoint:17"));

    let emoji = "😭".repeat(50_000);
    assert_eq!(m.match_text(&emoji).tier, Tier::Low);

    let mixed: String = (0..20_000)
        .map(|i| char::from_u32(0x300 + (i % 0x2000)).unwrap_or('x'))
        .collect();
    let _ = m.match_text(&mixed);
}

#[test]
fn autocomplete_ranks_the_typed_code_first() {
    let (cat, m) = world();
    let s = m.suggest(cat, "accessp", 25);
    assert!(s.len() <= 25);
    assert!(s[0].id.starts_with("accesspoint:"), "{s:?}");
    let s = m.suggest(cat, "ap 17", 25);
    assert_eq!(s[0].id, "accesspoint:17");
    let s = m.suggest(cat, "keysys", 25);
    assert_eq!(s[0].id, "eme_no_supported_keysystem");
    assert_eq!(m.suggest(cat, "", 25).len(), 25);
}

#[test]
fn another_app_counts_only_near_the_number_and_devices_keep_spotify_messages_away() {
    // A later clause about an update is not the error's source.
    assert_eq!(
        answer("error 2026 again after the windows update").as_deref(),
        Some("error:2026")
    );
    // Right next to it, it is.
    for text in [
        "GTA online error code 17 when joining a session",
        "windows update error 30 again",
        "my eset firewall blocks the printer on the network",
    ] {
        let m = world().1.match_text(text);
        assert_eq!(m.tier, Tier::Low, "{text:?}: {m:?}");
    }
}

#[test]
fn a_version_number_does_not_split_a_displayed_message() {
    // "macOS 12.0 or later." is one sentence: "try again later" is not it.
    assert_eq!(
        answer("Sorry, this version of Spotify is for macOS 12.0 or later.").as_deref(),
        Some("installer:unsupported-platform")
    );
    assert_ne!(
        answer("spotify login servers down? it tells me to try again later every time").as_deref(),
        Some("installer:unsupported-platform")
    );
}

#[test]
fn a_message_that_is_only_a_namespace_and_a_number_is_asked_about() {
    let m = world().1.match_text("auth 73");
    assert_eq!((m.tier, m.best.as_deref()), (Tier::Medium, Some("auth:73")));
    let m = world()
        .1
        .match_text("session 3 of the workshop starts at 7");
    assert_eq!(m.tier, Tier::Low);
}

#[test]
fn a_bare_namespace_and_code_without_context_is_asked_about_not_answered() {
    let m = world()
        .1
        .match_text("has anyone actually fixed accounts 103?");
    assert_eq!(
        (m.tier, m.best.as_deref()),
        (Tier::Medium, Some("accounts:103"))
    );
    // Short numbers next to "accounts" are counts, not codes.
    let m = world().1.match_text("we have 2 accounts 3 of them premium");
    assert_eq!(m.tier, Tier::Low, "{m:?}");
    // Words about Spotify's music make a known three-digit code an answer.
    assert_eq!(
        answer("accounts 409 but my premium is paid up").as_deref(),
        Some("accounts:409")
    );
}

#[test]
fn a_description_in_other_words_than_any_phrase_finds_the_entry_it_describes() {
    for (text, id) in [
        (
            "got kicked off spotify on all my devices at the same time, no idea why",
            "accounts:127",
        ),
        (
            "the spotify updater failed and tells me to download the app manually",
            "accounts:critical-update-error",
        ),
        // A device named is not another app.
        (
            "installing on my macbook fails after i enter my admin password",
            "com.spotify.installer:-4",
        ),
    ] {
        let m = world().1.match_text(text);
        assert_eq!(m.answer(), Some(id), "{text:?}: {m:?}");
        assert_eq!(m.candidates[0].reason.kind, ReasonKind::Description);
    }
    // A complaint in other words than "error" or "can't".
    assert_eq!(
        answer("web player complains i have spotify open in another tab").as_deref(),
        Some("max_subscriptions_reached")
    );
    assert_eq!(
        answer("school chromebook web player wont play protected tracks").as_deref(),
        Some("disallow_protected_track_error")
    );
    // Advice shares the words of a fix, but complains of nothing.
    let m = world()
        .1
        .match_text("end every spotify process in task manager, then start it again");
    assert_eq!(m.tier, Tier::Low, "{m:?}");
}

#[test]
fn a_web_api_report_reads_api_names_written_as_words() {
    assert_eq!(
        answer("my bot calls the player endpoint and just gets premium required back").as_deref(),
        Some("webapi:premium_required")
    );
    assert_eq!(
        answer("429 Too Many Requests from api.spotify.com after a few calls").as_deref(),
        Some("webapi:429")
    );
    // In the app, the same two words are not the Web API's.
    assert_ne!(
        answer("spotify app says premium required when i pick a song").as_deref(),
        Some("webapi:premium_required")
    );
}

#[test]
fn web_api_statuses_and_polish_error_words_are_read_with_spotify_named() {
    assert_eq!(
        answer("status 429 from the spotify web api, spotipy just retries forever").as_deref(),
        Some("webapi:429")
    );
    assert_eq!(
        answer("błąd 2026 na spotify na laptopie").as_deref(),
        Some("error:2026")
    );
    for chatter in ["server status 500 again lol", "the api is down, status 503"] {
        assert_eq!(world().1.match_text(chatter).tier, Tier::Low, "{chatter:?}");
    }
}

#[test]
fn inflected_error_words_of_czech_croatian_and_hungarian_are_read() {
    for (text, id) in [
        ("spotify mi hází chybu 30 na notebooku", "error:30"),
        ("spotify javlja grešku 2026 od jučer", "error:2026"),
        ("a spotify hibát 4 ír ki a gépen", "error:4"),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
    // (Mistakes in homework are not Spotify's.)
    assert_silent(&["mam 3 chyby v domácím úkolu"]);
}

#[test]
fn songs_are_tracks_and_another_apps_words_are_its_own() {
    // "Song" in a report is the catalogue's "track".
    for text in [
        "vpn set to japan and now my playlist is greyed out, says the songs aren't available where i am",
        "some songs refuse to play and mention my region when the vpn is on",
    ] {
        assert_eq!(
            answer(text).as_deref(),
            Some("not_available_in_current_region"),
            "{text}"
        );
    }
    // Another app that says it, with Spotify only named after, is that
    // app's trouble; Spotify named first keeps the words ours.
    assert_silent(&[
        "tidal keeps saying this song isn't available in my country, spotify has it",
        "soundcloud says 'premium required' for that track, spotify doesnt have it at all",
    ]);
    assert_eq!(
        answer("switched from deezer to spotify and now some songs are blocked in my country")
            .as_deref(),
        Some("not_available_in_current_region")
    );
}

#[test]
fn a_message_that_opens_with_a_code_is_a_report() {
    for (text, id) in [
        (
            "auth 73 when logging in from my dorm, whats that",
            "auth:73",
        ),
        (
            "session 103 after i log in through chrome, it just bounces me back",
            "session:103",
        ),
        ("accounts 103 on startup, norton installed", "accounts:103"),
        ("code 2026 on my mac after the update", "error:2026"),
        (
            "AP22 on an old win7 laptop, premium account btw",
            "accesspoint:22",
        ),
        (
            "accounts 402 and it just sits there doing nothing",
            "accounts:402",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
    // Everyday words and numbers that open a message are not.
    assert_silent(&[
        "session 3 starts at 7",
        "accounts 3 and 4 are mine",
        "auth 2 factor is on for my bank",
        "code 30 off at checkout",
        "AP17 flight got delayed again",
    ]);
}

#[test]
fn a_code_said_to_be_over_where_it_stands_is_not_answered() {
    let (_, m) = world();
    for text in [
        "accesspoint 17 gone after i updated my country, you're a legend",
        "yep flushdns did it, no more error 7",
        "solved, error 2026 was my antivirus all along. closing this",
        "error 30 fixed after turning off the proxy, leaving this here for the next person",
    ] {
        let r = m.match_text(text);
        assert!(r.resolved && r.tier == Tier::Low, "{text}: {r:?}");
    }
    for (text, id) in [
        ("error 30 fixed for a day then back", "error:30"),
        ("error 30 fixed?", "error:30"),
        ("no more error 7 please, third time today", "error:7"),
        ("please no more error 7", "error:7"),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn a_number_written_before_the_word_error_is_the_code() {
    for (text, id) in [
        (
            "getting a 2026 error on spotify since the update",
            "error:2026",
        ),
        ("the 30 error again, cant log in", "error:30"),
        ("spotify 2026 hatası veriyor", "error:2026"),
        ("spotify gives me a 17 error", "accesspoint:17"),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
    // Counts, versions, percentages and other programs' errors are not.
    assert_silent(&[
        "i got 3 errors in my python script",
        "1 error found, 2 warnings",
        "got 2 error messages on steam",
        "firmware 1.2.30 error on the printer",
        "lost 1.30 error points in the quiz",
        "my website throws a 404 error",
        "a 5% error margin is fine",
    ]);
}

#[test]
fn code_alone_reads_as_an_error_code_only_when_spotify_is_named_and_it_is_not_a_promo() {
    assert_eq!(
        answer("getting code 7 on spotify desktop").as_deref(),
        Some("error:7")
    );
    assert_silent(&[
        "spotify promo code 50 doesnt work",
        "my spotify verification code 123456 never arrives",
        "my code is 17 lines long",
    ]);
}

#[test]
fn a_report_in_another_language_is_read_by_what_its_words_mean() {
    // The message quoted in the app's language, or described in it.
    for (text, id) in [
        (
            "Spotify me dit « Un pare-feu bloque peut-être Spotify »",
            "error:30",
        ),
        (
            "bei mir kommt 'Keine Internetverbindung erkannt'",
            "accounts:4",
        ),
        (
            "el spotify me dice que el uso de este dispositivo no está habilitado para mi cuenta",
            "accounts:406",
        ),
        (
            "o spotify diz que meu país não corresponde ao que está no perfil",
            "accounts:408",
        ),
        (
            "ik krijg steeds 'geen internetverbinding gedetecteerd'",
            "accounts:4",
        ),
        (
            "me aparece 'Cuenta desactivada' al iniciar sesión",
            "accounts:403",
        ),
        // Cyrillic: folded partly to Latin look-alikes, on both sides.
        (
            "после входа через браузер пишет «Срок действия сеанса истёк, попробуйте ещё раз»",
            "desktop_login_accounts:4",
        ),
        // "kod błędu": the Polish for error code, inflected.
        (
            "Spotify wywala kod błędu 4, router już restartowałem",
            "error:4",
        ),
        (
            "krijg steeds 'Zet de offlinemodus uit en probeer het opnieuw' als ik een nummer \
             aanklik",
            "not_available_offline",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text:?}");
    }
    // Chatter in those languages stays chatter, and English words that
    // are also foreign words are not reread ("pays", "land").
    for text in [
        "alguien tiene buenas playlists de reggaeton para el gym?",
        "wie kann ich meine playlist mit freunden teilen",
        "quel est le meilleur casque pour la musique classique",
        "who pays for the family plan in your house",
        "my plane is about to land, offline playlists ready",
    ] {
        let m = world().1.match_text(text);
        assert_eq!(m.tier, Tier::Low, "{text:?} → {:?}", m.best);
    }
}

#[test]
fn an_app_store_is_another_service_but_the_microsoft_store_spotify_is_ours() {
    for text in [
        "iphone says cannot connect to app store",
        "play store says cannot download app",
    ] {
        let m = world().1.match_text(text);
        assert_eq!(m.tier, Tier::Low, "{text:?} → {:?}", m.best);
    }
    assert_eq!(
        answer("got it from the microsoft store and error 2026 when opening").as_deref(),
        Some("error:2026")
    );
}

#[test]
fn spotify_and_small_words_are_not_what_tells_errors_apart() {
    // "spotify can't update itself" is not in this report: only
    // "spotify" and "update" are, and "itself" says nothing.
    assert_eq!(
        answer("spotify logged me out by itself, now it wants an update of my profile info")
            .as_deref(),
        Some("accounts:407")
    );
    assert_eq!(
        answer("my spotify updated itself overnight and the new layout is so ugly"),
        None
    );
}

#[test]
fn questions_and_other_programs_complaints_stay_silent() {
    for text in [
        // "can" is not "can't".
        "how do i make a playlist that my friends can add songs to",
        // A title's words, in a question.
        "how do i change the profile pic on my spotify account",
        // A browser's own error, Spotify not named.
        "chrome says ERR_CONNECTION_TIMED_OUT on every site but edge works",
        // Another site's or app's messages, and "no error".
        "x/twitter gave me the 'something went wrong. try reloading' page again",
        "my session expired on the bank website mid transfer",
        "anyone use the hosts file trick to block ads in games?",
        "how do i change my spotify account country after moving? no error, just want the local charts",
        // Said not to be about Spotify.
        "steam says my session has expired every time i open it. not spotify related, just venting",
        "postman returns 401 invalid_client from our own keycloak server, not spotify",
        "apple music on windows says no internet connection detected but spotify works fine",
        "my school firewall blocks discord but spotify works fine lol",
        // Said to be no problem.
        "how do i change audio quality to very high on desktop? premium, no problems, just asking",
        // Questions about part of a message.
        "how do i put spotify in offline mode on purpose? long flight tomorrow",
        "im on spotify version 1.2.31.1205 is that the latest?",
        // Part of a Spotify message, about another program.
        "what's the max number of tabs you can have open in chrome before it dies lol",
    ] {
        let m = world().1.match_text(text);
        assert_eq!(m.tier, Tier::Low, "{text:?} → {:?}", m.candidates.first());
    }
}

#[test]
fn a_pasted_message_is_read_where_it_stands_whole_not_from_words_repeated_earlier() {
    // "download" and "spotify" come earlier in the story too; the pasted
    // message is the one about extracting, and it is clear.
    let m = world().1.match_text(
        "downloaded the spotify installer twice, the download itself finishes, \
         then an error occurred while trying to extract spotify",
    );
    assert_eq!(m.best.as_deref(), Some("com.spotify.installer:-2"));
    assert!(!m.ambiguous, "{:?}", m.candidates);
}

#[test]
fn a_phrase_of_a_few_common_words_found_whole_is_weak_evidence() {
    // "spotify can't update itself" is three words every update complaint
    // has; finding them is no answer.
    let m = world()
        .1
        .match_text("spotify opens but an update popup blocks playback and i can't close it");
    assert_ne!(m.answer(), Some("accounts:critical-update-error"));
}

#[test]
fn entries_tied_on_the_users_words_are_ordered_by_what_else_the_report_says() {
    // Both a region phrase and a Premium phrase fit as well; "free plan"
    // and "premium" belong to the Premium-only entry. Still a question.
    let m = world().1.match_text(
        "on the free plan one song only says spotify can't play this, \
         my friend with premium plays it with no problem",
    );
    assert_eq!(m.best.as_deref(), Some("not_available_in_non_premium"));
    assert!(m.ambiguous);
}

#[test]
fn entries_tied_on_the_users_words_are_told_apart_by_words_only_one_knows() {
    // "Premium only" fits both the lapsed subscription and the app too old
    // for the access point; "premium" is both entries' word, "old" only
    // the second's, even though its own phrase holds it.
    let lead = |text: &str| {
        let m = world().1.match_text(text);
        m.candidates.first().map(|c| c.id.clone())
    };
    assert_eq!(
        lead(
            "running a really old spotify from 2019 on my win7 machine and it says \
             premium only, but i HAVE premium"
        )
        .as_deref(),
        Some("accesspoint:22")
    );
    assert_eq!(
        lead("my card expired and now the pc app says its premium only").as_deref(),
        Some("accounts:409")
    );
}

#[test]
fn an_unsure_code_still_leads_the_words() {
    // "session 103" next to a browser is only asked about; the words about
    // a session expiring after a browser login do not overtake it.
    let m = world()
        .1
        .match_text("session 103 every single time after logging in thru chrome, stuck");
    assert_eq!(m.candidates[0].id, "session:103", "{:?}", m.candidates);
    assert_eq!(m.candidates[0].reason.kind, ReasonKind::Code);
}

#[test]
fn a_blank_or_weird_screen_is_a_complaint() {
    assert_eq!(
        answer("the whole window turns into a blank page with a reload page button").as_deref(),
        Some("fatal-error")
    );
    // But saying something is weird or empty is not an error report.
    assert_silent(&[
        "my spotify wrapped was so weird this year lol",
        "my discover weekly is empty this week",
    ]);
}

#[test]
fn what_the_app_tells_the_user_is_reported_like_what_it_says() {
    assert_eq!(
        answer("on big sur and the spotify installer tells me my macos is too old").as_deref(),
        Some("installer:unsupported-platform")
    );
}

#[test]
fn a_paraphrase_of_a_shared_message_ties_the_entries_that_show_it() {
    // accounts:409 and accesspoint:22 both show "This app is restricted to
    // Premium users only."; the user's words for it fit both: ask which.
    let m = world()
        .1
        .match_text("spotify says the app is for premium users only");
    assert!(m.ambiguous, "{:?}", m.candidates);
    let top: Vec<&str> = m.candidates.iter().take(2).map(|c| c.id.as_str()).collect();
    assert!(
        top.contains(&"accounts:409") && top.contains(&"accesspoint:22"),
        "{top:?}"
    );
}

#[test]
fn two_words_of_a_short_message_in_the_wrong_order_are_not_it() {
    // "…wrong and it went…" is not "Something went wrong."
    let m = world().1.match_text(
        "the mac installer asked for my admin password, i typed it wrong and it went \
         straight to installation failed",
    );
    assert_eq!(
        m.best.as_deref(),
        Some("com.spotify.installer:-4"),
        "{:?}",
        m.candidates
    );
}

#[test]
fn being_held_back_before_something_is_a_complaint() {
    assert_eq!(
        answer("the desktop app wants me to finish my profile before it lets me in").as_deref(),
        Some("accounts:407")
    );
}

#[test]
fn not_spotify_inside_a_clause_is_still_about_spotify() {
    assert_eq!(
        answer("im on free, not spotify premium, and it says user is capped").as_deref(),
        Some("capping_user_is_capped")
    );
}

#[test]
fn a_code_asked_about_or_said_to_come_up_is_answered() {
    for (text, id) in [
        ("what does auth 73 mean", "auth:73"),
        (
            "anyone else getting auth 1 rn? cant log in at all",
            "auth:1",
        ),
        // Getting a code of two digits or more that exists is a complaint
        // in itself.
        (
            "getting accounts 103 firewall thing on my desktop, kaspersky is installed",
            "accounts:103",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
    // Got, without a complaint, is a plan.
    assert_eq!(
        world()
            .1
            .match_text("got session 3 tomorrow, see you there")
            .tier,
        Tier::Low
    );
}

#[test]
fn letters_ocr_reads_as_two_are_read_as_one() {
    assert_eq!(
        answer(
            "Installation Failed\nAn error occurred while trying to mount the downIoaded Spotify disk irnage.\nOK"
        )
        .as_deref(),
        Some("com.spotify.installer:-3")
    );
}

#[test]
fn windows_error_codes_and_routers_access_points_are_not_spotify_s() {
    assert_silent(&[
        "windows update error 0x80070643 won't go away",
        "my router admin page says 'access point 17 connected clients' is that a lot",
    ]);
    assert_eq!(
        answer("access point 17 on my laptop since this morning").as_deref(),
        Some("accesspoint:17")
    );
}

#[test]
fn an_apps_client_secret_is_the_web_api_s_even_next_to_python() {
    assert_eq!(
        answer(
            "getting invalid client secret when my python script asks for a token, copied the id from the dashboard"
        )
        .as_deref(),
        Some("webapi:invalid_client")
    );
}

#[test]
fn an_error_told_as_over_is_not_answered_unless_it_is_back() {
    let (_, m) = world();
    for text in [
        "had accesspoint 17 back in 2021, turned off my vpn and never saw it again. anyway what's everyone listening to",
        "used to get error 30 all the time on my old pc, new pc is flawless",
        "fyi the error 2026 thread from last week is solved, closing it",
    ] {
        let r = m.match_text(text);
        assert!(r.resolved && r.tier == Tier::Low, "{text}: {r:?}");
        assert!(!r.candidates.is_empty(), "{text}: still located");
    }
    for (text, id) in [
        (
            "the clock fixed my desktop_login_accounts:4 once but it still happens every morning",
            "desktop_login_accounts:4",
        ),
        (
            "used to get error 30 on my old pc and now it's back on the new one",
            "error:30",
        ),
        (
            "i fixed my clock like the guide said, session:103 keeps happening",
            "session:103",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn an_error_gone_for_good_or_remembered_is_not_answered() {
    let (_, m) = world();
    for text in [
        "got 'Something went wrong' every day last month, haven't seen it since the update",
        "remember when everyone got error 2026 at once? wild week",
        "had accesspoint:17 on monday, fixed it by logging in on the website. works now",
        // A fix thanked for, told in the past tense.
        "turning off the vpn sorted the accesspoint:17 thing, cheers",
        "thx, switching my default browser to firefox fixed the session:103 login loop",
        "ipconfig /flushdns did the trick for error 7",
        "used to get auth:3 daily but it hasn't happened once since the reinstall",
    ] {
        let r = m.match_text(text);
        assert!(r.resolved && r.tier == Tier::Low, "{text}: {r:?}");
    }
    // ("Remember" elsewhere is not a memory of an error, nor is "works
    // now" denied.)
    for (text, id) in [
        (
            "i can't remember when it started but accesspoint:17 every time now",
            "accesspoint:17",
        ),
        ("nothing works now, auth:3 on every login", "auth:3"),
        // Thanks in advance, a fix that did not hold, a new error after.
        ("thanks in advance, nothing fixed error 30 yet", "error:30"),
        (
            "ty, reinstalling fixed accesspoint:17 for a day but now it's back",
            "accesspoint:17",
        ),
        (
            "error 2026 on every launch, hasn't happened before today",
            "error:2026",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn a_code_explained_is_not_answered_but_one_asked_about_or_suffered_is() {
    let (_, m) = world();
    for text in [
        "pinned: auth:73 usually means the account country and the vpn disagree",
        "error 4 is basically a no-internet thing, check the connection first",
        "quick reference: accesspoint:39 = hosts file, error 30 = proxy",
        "someone wrote a guide explaining accounts:127, it's in #resources",
        // Every code of a list explained together.
        "note for helpers: accounts:103 and auth:3 are usually the same firewall issue",
    ] {
        let r = m.match_text(text);
        assert!(r.discussed && r.tier == Tier::Low, "{text}: {r:?}");
        assert!(r.unknown_code.is_none(), "{text}: {r:?}");
    }
    for (text, id) in [
        (
            "error 30 is always popping up when spotify starts",
            "error:30",
        ),
        (
            "accesspoint:17 means i can't log in at all",
            "accesspoint:17",
        ),
        ("auth:73 usually means vpn right?", "auth:73"),
        (
            "accounts:103 and then auth:3 are usually what i get after a reboot",
            "accounts:103",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn a_code_or_message_that_names_a_pet_an_album_or_a_shirt_is_not_answered() {
    assert_silent(&[
        "thinking of naming the dog auth:73 lol",
        "'No internet connection detected.' would make a great album name",
        "my hotspot name is 'accesspoint:17' and nobody gets it",
        "i need a tshirt that says 'Your session has been terminated.'",
        "our podcast is called 'No internet connection detected'",
        "the 'user is capped' meme again lol",
        "new playlist: 'You've got too many tabs open' — songs for people with 80 chrome tabs",
        "title of my memoir: No internet connection detected",
        "'Your session has been terminated.' would make a great breakup text",
        "\"Spotify can't play this right now\" is my entire mood on mondays",
    ]);
    // A message shown on something is no name.
    for (text, id) in [
        (
            "trying to watch a video podcast: 'Hmm... we can't seem to play this content. Try installing the latest version of Spotify.'",
            "video-unsupported-key-system",
        ),
        (
            "my playlist: every song says \"Spotify can't play this right now.\" on my free account",
            "not_available_in_non_premium",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn an_error_asked_about_out_of_interest_or_for_the_faq_is_not_answered() {
    let (_, m) = world();
    for text in [
        "is accesspoint:39 a hosts file thing? i dont have it, just curious",
        "should the faq list auth:73 under vpn problems?",
        "til error 2026 is usually the antivirus",
        "if it says 'Login timed out, please try again.' that just means the browser step took too long",
    ] {
        let r = m.match_text(text);
        assert!(r.discussed && r.tier == Tier::Low, "{text}: {r:?}");
    }
    // Someone with the error who mentions the guides is still answered.
    for (text, id) in [
        (
            "has anyone fixed accounts:103? tried everything in the faq",
            "accounts:103",
        ),
        ("the faq says restart but i still get error 30", "error:30"),
        (
            "spotify says 'user is capped' whatever that means",
            "capping_user_is_capped",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn a_translated_message_in_turkish_or_italian_is_read() {
    for (text, id) in [
        (
            "spotify çevrimdışı modu kapatıp tekrar deneyin diyor ama çevrimdışı mod zaten kapalı gibi",
            "not_available_offline",
        ),
        (
            "quando provo a registrarmi mi dice che l'email è già collegata a un altro utente",
            "accounts:413",
        ),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn an_api_that_throws_an_error_is_a_complaint() {
    assert_eq!(
        answer(
            "my bot polls the currently-playing endpoint every second and now spotify api just throws too many requests at me"
        )
        .as_deref(),
        Some("webapi:429")
    );
}

#[test]
fn codes_given_as_examples_in_an_instruction_are_not_reports() {
    assert_silent(&[
        "reminder: post error codes like auth:73 in #help, not in #general pls",
        "mods here: pls include the exact error code (like auth:3 or accesspoint:17) when you post in #help",
        "if someone posts something like EME_NO_SUPPORTED_KEYSYSTEM please ping the drm helpers",
    ]);
    // A code told like this is still one.
    assert_eq!(
        answer("spotify shows an error like auth:3 every time i open it").as_deref(),
        Some("auth:3")
    );
}

#[test]
fn thanks_advice_and_names_that_quote_a_code_are_not_reports() {
    assert_silent(&[
        "ty ty, updating the app got rid of the error 2026 thing",
        "ok that firewall exception thing worked, auth:3 is gone",
        "closing my ticket: the session:103 thing is solved, switching my default browser back to firefox fixed it",
        "pro tip: if you get auth:3, add spotify to the windows firewall exceptions before you bother reinstalling",
        "my friends band is called Error Code 7 and theyre on spotify now, go stream them",
    ]);
    for (text, id) in [
        // Nothing fixed it: still a report.
        (
            "accesspoint:17 since monday, reinstalled and flushed dns, nothing fixed it",
            "accesspoint:17",
        ),
        (
            "auth:3 again, turning off the firewall fixed it for like a day",
            "auth:3",
        ),
        ("if i get auth:3 every time, what do i do", "auth:3"),
    ] {
        assert_eq!(answer(text).as_deref(), Some(id), "{text}");
    }
}

#[test]
fn the_program_an_error_blames_may_be_named_in_the_report() {
    assert_eq!(
        answer(
            "the windows installer says it cant write the files because another process is using them. steam is open if that matters"
        )
        .as_deref(),
        Some("installer:18")
    );
}
