//! The application commands the bot registers, and the parsing of their
//! options into plain values.
//!
//! `/spotify-error` has subcommands (`lookup`, `solved`, `stats`, `config`);
//! Discord does not allow options beside subcommands, so looking a code up
//! is `/spotify-error lookup code:…`. The handler also accepts a top-level
//! `code` option, so a command registered by an older build (or by hand as
//! `/spotify-error code:…`) keeps working.

use std::collections::HashMap;

use serenity::all::{
    ChannelType, CommandDataOption, CommandDataOptionValue, CommandOptionType, CommandType,
    CreateCommand, CreateCommandOption,
};

/// The slash command's name.
pub const NAME: &str = "spotify-error";
/// The message context-menu command moderators use.
pub const MARK_SOLUTION: &str = "Mark as solution";
/// Message context menu: explain the error in a message, privately.
pub const FIND_PRIVATE: &str = "Find the Spotify error";
/// Message context menu: answer the error in a message, for everyone.
pub const FIND_PUBLIC: &str = "Answer this Spotify error";

/// Every command, as registered (globally, or in `GUILD_ID`).
pub fn definitions() -> Vec<CreateCommand> {
    let code = CreateCommandOption::new(
        CommandOptionType::String,
        "code",
        "The error code or message, e.g. accesspoint:17",
    )
    .required(true)
    .set_autocomplete(true)
    .max_length(200);
    let platform = CreateCommandOption::new(
        CommandOptionType::String,
        "platform",
        "Your operating system, to show its steps",
    )
    .add_string_choice("Windows", "windows")
    .add_string_choice("macOS", "macos")
    .add_string_choice("Linux", "linux");
    let lookup = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "lookup",
        "Explain a Spotify error and walk through the fixes",
    )
    .add_sub_option(code)
    .add_sub_option(platform);
    let solved = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "solved",
        "Moderators: mark this thread's problem as solved",
    )
    .add_sub_option(
        CreateCommandOption::new(CommandOptionType::String, "note", "What fixed it")
            .max_length(300),
    );
    let stats = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "stats",
        "Most frequent errors, resolution rates, best steps, open threads",
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "days",
            "Look back this many days",
        )
        .min_int_value(1)
        .max_int_value(365),
    );
    let config = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "config",
        "Moderators: where and how the bot answers (no options: show the settings)",
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Channel,
            "channel",
            "A channel or forum to enable or disable free-text answers in",
        )
        .channel_types(vec![ChannelType::Text, ChannelType::Forum]),
    )
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Boolean,
        "enabled",
        "Answer pasted errors in that channel",
    ))
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::String,
            "reply_mode",
            "How to answer in plain channels",
        )
        .add_string_choice("Open a thread", "thread")
        .add_string_choice("Reply in the channel", "reply")
        .add_string_choice("React only", "reaction"),
    )
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Role,
        "moderator_role",
        "Give this role moderator rights over the bot",
    ))
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Role,
        "remove_moderator_role",
        "Take moderator rights from this role",
    ))
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::String,
            "solved_tag",
            "Forum tag applied when solved (\"none\" for no tag)",
        )
        .max_length(20),
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "user_cooldown",
            "Seconds between two unprompted answers to one user",
        )
        .min_int_value(0)
        .max_int_value(3600),
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "channel_cooldown",
            "Seconds between two unprompted answers in one channel",
        )
        .min_int_value(0)
        .max_int_value(3600),
    )
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Boolean,
        "lock_on_solve",
        "Lock and archive forum posts when solved",
    ))
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Boolean,
        "gap_notice",
        "Say \"I don't know this code yet\" when an unknown code is pasted",
    ))
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "answer_at",
            "Confidence (%) needed to answer unprompted (default 52)",
        )
        .min_int_value(30)
        .max_int_value(100),
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "ask_at",
            "Confidence (%) from which to ask \"Is this …?\" (default 45; = answer_at: never)",
        )
        .min_int_value(30)
        .max_int_value(100),
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "ask_timeout",
            "Minutes before an unanswered \"Is this …?\" removes itself",
        )
        .min_int_value(1)
        .max_int_value(1440),
    )
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Boolean,
        "welcome",
        "Welcome each new post in enabled forums",
    ))
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "remind_after",
            "Hours of silence before reminding the asker (0: never)",
        )
        .min_int_value(0)
        .max_int_value(720),
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            "close_after",
            "Hours after the reminder before archiving the thread (0: never)",
        )
        .min_int_value(0)
        .max_int_value(720),
    );
    let gaps = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "gaps",
        "Moderators: errors people asked about that the catalogue cannot answer",
    );
    let draft = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "draft",
        "Moderators: a draft catalogue entry for an unknown code",
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::String,
            "code",
            "The unknown code, e.g. auth:74",
        )
        .required(true)
        .max_length(100),
    );
    let review = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "review",
        "Moderators: wrong answers and unconfirmed guesses, to improve the matcher",
    );
    let incident = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "incident",
        "Moderators: post or clear a note shown above answers (no options: list)",
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::String,
            "note",
            "What is going on, e.g. \"Spotify confirmed a login outage\"",
        )
        .max_length(300),
    )
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::String,
            "code",
            "The error the note is about (default: every error)",
        )
        .set_autocomplete(true)
        .max_length(100),
    )
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Boolean,
        "clear",
        "Remove the note",
    ));
    let reload = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "reload",
        "Bot owner: reload the catalogue from disk",
    );
    vec![
        CreateCommand::new(NAME)
            .description("Explain a Spotify error code and walk through the fixes")
            .add_option(lookup)
            .add_option(solved)
            .add_option(stats)
            .add_option(config)
            .add_option(gaps)
            .add_option(draft)
            .add_option(review)
            .add_option(incident)
            .add_option(reload),
        CreateCommand::new(MARK_SOLUTION).kind(CommandType::Message),
        CreateCommand::new(FIND_PRIVATE).kind(CommandType::Message),
        CreateCommand::new(FIND_PUBLIC).kind(CommandType::Message),
    ]
}

/// A slash invocation flattened: the subcommand (if any) and its options.
#[derive(Debug, Default)]
pub struct Invocation {
    pub sub: Option<String>,
    pub options: HashMap<String, CommandDataOptionValue>,
}

impl Invocation {
    pub fn parse(options: &[CommandDataOption]) -> Invocation {
        let mut inv = Invocation::default();
        let mut stack: Vec<&CommandDataOption> = options.iter().collect();
        while let Some(o) = stack.pop() {
            match &o.value {
                CommandDataOptionValue::SubCommand(inner)
                | CommandDataOptionValue::SubCommandGroup(inner) => {
                    inv.sub = Some(o.name.clone());
                    stack.extend(inner.iter());
                }
                v => {
                    inv.options.insert(o.name.clone(), v.clone());
                }
            }
        }
        inv
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        match self.options.get(name)? {
            CommandDataOptionValue::String(s) => Some(s),
            CommandDataOptionValue::Autocomplete { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.options.get(name)? {
            CommandDataOptionValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.options.get(name)? {
            CommandDataOptionValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    pub fn channel(&self, name: &str) -> Option<u64> {
        match self.options.get(name)? {
            CommandDataOptionValue::Channel(c) => Some(c.get()),
            _ => None,
        }
    }

    pub fn role(&self, name: &str) -> Option<u64> {
        match self.options.get(name)? {
            CommandDataOptionValue::Role(r) => Some(r.get()),
            _ => None,
        }
    }
}
