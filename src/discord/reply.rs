//! What the bot says, in one Discord-shaped value, and the conversions from
//! the pure view model ([`crate::view`]) to embeds and components.
//!
//! Every outgoing message goes through [`Reply`], whose builders always set
//! `allowed_mentions` to ping no one: a pasted `@everyone` in an error
//! report, a role mention in a moderator's note or the asker's own mention in
//! a confirmation must never notify anybody. The one exception is the idle
//! reminder (`lifecycle::remind`), which pings the asker and nobody else.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton,
    CreateEmbed, CreateEmbedFooter, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, EditInteractionResponse, EditMessage, ReactionType,
};

use super::custom_id::Action;
use crate::view::{Card, Control, SessionView};

/// One message the bot sends or edits.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub content: Option<String>,
    pub embeds: Vec<CreateEmbed>,
    pub components: Vec<CreateActionRow>,
    /// Only the person who triggered it sees it (interaction responses only).
    pub ephemeral: bool,
    /// Files to attach (interaction responses only).
    pub files: Vec<CreateAttachment>,
}

/// Mentions that notify no one, on every message.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .everyone(false)
        .all_users(false)
        .all_roles(false)
        .replied_user(false)
}

/// Discord's limit on message content.
const MAX_CONTENT: usize = 2000;

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Reply {
    /// A plain text message.
    pub fn text(content: impl Into<String>) -> Reply {
        Reply {
            content: Some(clip(&content.into(), MAX_CONTENT)),
            ..Reply::default()
        }
    }

    /// A text only the presser sees.
    pub fn private(content: impl Into<String>) -> Reply {
        Reply {
            ephemeral: true,
            ..Reply::text(content)
        }
    }

    pub fn ephemeral(mut self, yes: bool) -> Reply {
        self.ephemeral = yes;
        self
    }

    pub fn with_content(mut self, content: impl Into<String>) -> Reply {
        self.content = Some(clip(&content.into(), MAX_CONTENT));
        self
    }

    /// A card with its controls.
    pub fn card(view: &SessionView, key: u64) -> Reply {
        Reply {
            content: None,
            embeds: vec![card_embed(&view.card)],
            components: components(key, &view.controls),
            ephemeral: false,
            files: Vec::new(),
        }
    }

    pub fn interaction_message(&self) -> CreateInteractionResponseMessage {
        let mut m = CreateInteractionResponseMessage::new()
            .allowed_mentions(no_pings())
            .embeds(self.embeds.clone())
            .components(self.components.clone())
            .ephemeral(self.ephemeral)
            .add_files(self.files.clone());
        if let Some(c) = &self.content {
            m = m.content(c.clone());
        }
        m
    }

    pub fn edit_response(&self) -> EditInteractionResponse {
        let mut m = EditInteractionResponse::new()
            .allowed_mentions(no_pings())
            .embeds(self.embeds.clone())
            .components(self.components.clone());
        for f in &self.files {
            m = m.new_attachment(f.clone());
        }
        if let Some(c) = &self.content {
            m = m.content(c.clone());
        }
        m
    }

    pub fn followup(&self) -> CreateInteractionResponseFollowup {
        let mut m = CreateInteractionResponseFollowup::new()
            .allowed_mentions(no_pings())
            .embeds(self.embeds.clone())
            .components(self.components.clone())
            .ephemeral(self.ephemeral);
        if let Some(c) = &self.content {
            m = m.content(c.clone());
        }
        m
    }

    pub fn message(&self) -> CreateMessage {
        let mut m = CreateMessage::new()
            .allowed_mentions(no_pings())
            .embeds(self.embeds.clone())
            .components(self.components.clone());
        if let Some(c) = &self.content {
            m = m.content(c.clone());
        }
        m
    }

    pub fn edit_message(&self) -> EditMessage {
        let mut m = EditMessage::new()
            .allowed_mentions(no_pings())
            .embeds(self.embeds.clone())
            .components(self.components.clone());
        if let Some(c) = &self.content {
            m = m.content(c.clone());
        }
        m
    }
}

/// A card as an embed. The view model already fits Discord's limits (the
/// catalogue validator renders every entry through it), so nothing is cut
/// here except as a last defence.
pub fn card_embed(card: &Card) -> CreateEmbed {
    let mut e = CreateEmbed::new()
        .title(clip(&card.title, 256))
        .colour(card.colour)
        .description(clip(&card.description, 4096))
        .footer(CreateEmbedFooter::new(clip(&card.footer, 2048)));
    for f in card.fields.iter().take(25) {
        e = e.field(clip(&f.name, 256), clip(&f.value, 1024), false);
    }
    e
}

/// The action rows for a card's controls (at most five rows, five buttons a
/// row, 25 options a select).
pub fn components(key: u64, controls: &[Control]) -> Vec<CreateActionRow> {
    let mut rows = Vec::new();
    for c in controls {
        match c {
            Control::Steps {
                position,
                can_go_back,
                last,
            } => {
                let at = *position;
                let next_label = if *last {
                    "Didn't work (what now?)"
                } else {
                    "Didn't work (next step)"
                };
                rows.push(CreateActionRow::Buttons(vec![
                    CreateButton::new(Action::Fixed { key, at }.encode())
                        .style(ButtonStyle::Success)
                        .emoji(ReactionType::Unicode("✅".into()))
                        .label("This fixed it"),
                    CreateButton::new(Action::Next { key, at }.encode())
                        .style(ButtonStyle::Primary)
                        .emoji(ReactionType::Unicode("➡️".into()))
                        .label(next_label),
                    CreateButton::new(Action::Back { key, at }.encode())
                        .style(ButtonStyle::Secondary)
                        .emoji(ReactionType::Unicode("⬅️".into()))
                        .label("Back")
                        .disabled(!can_go_back),
                ]));
            }
            Control::BackFromEscalation { position } => {
                rows.push(CreateActionRow::Buttons(vec![
                    CreateButton::new(Action::Back { key, at: *position }.encode())
                        .style(ButtonStyle::Secondary)
                        .emoji(ReactionType::Unicode("⬅️".into()))
                        .label("Back to the last step"),
                ]));
            }
            Control::Platform { current, choices } => {
                let options = choices
                    .iter()
                    .take(25)
                    .map(|p| {
                        CreateSelectMenuOption::new(p.label(), p.as_str())
                            .default_selection(Some(*p) == *current)
                    })
                    .collect();
                let placeholder = match current {
                    Some(p) => format!("💻 Steps shown for {} (change OS)", p.label()),
                    None => "💻 Pick your operating system".to_string(),
                };
                rows.push(CreateActionRow::SelectMenu(
                    CreateSelectMenu::new(
                        Action::Platform { key }.encode(),
                        CreateSelectMenuKind::String { options },
                    )
                    .placeholder(placeholder),
                ));
            }
            Control::Candidates(list) => {
                let options = list
                    .iter()
                    .take(25)
                    .map(|(id, label)| CreateSelectMenuOption::new(clip(label, 100), id.clone()))
                    .collect();
                rows.push(CreateActionRow::SelectMenu(
                    CreateSelectMenu::new(
                        Action::Pick { key }.encode(),
                        CreateSelectMenuKind::String { options },
                    )
                    .placeholder("Which code do you see?"),
                ));
            }
            Control::NotMine => {
                let button = CreateButton::new(Action::Wrong { key }.encode())
                    .style(ButtonStyle::Secondary)
                    .emoji(ReactionType::Unicode("🙅".into()))
                    .label("Not my problem");
                // Beside the step buttons when there is room.
                match rows.last_mut() {
                    Some(CreateActionRow::Buttons(b)) if b.len() < 5 => b.push(button),
                    _ => rows.push(CreateActionRow::Buttons(vec![button])),
                }
            }
            Control::Reopen => {
                rows.push(CreateActionRow::Buttons(vec![
                    CreateButton::new(Action::Reopen { key }.encode())
                        .style(ButtonStyle::Secondary)
                        .emoji(ReactionType::Unicode("🔄".into()))
                        .label("Start again"),
                ]));
            }
        }
    }
    rows.truncate(5);
    rows
}

/// The buttons under "Is this accesspoint:17?": Yes, No and (when there
/// are other candidates) Show all.
pub fn guess_buttons(message: u64, more: bool) -> Vec<CreateActionRow> {
    use super::custom_id::GuessReply;
    let b = |reply, style, label: &str| {
        CreateButton::new(Action::Guess { reply, message }.encode())
            .style(style)
            .label(label)
    };
    let mut buttons = vec![
        b(GuessReply::Yes, ButtonStyle::Success, "Yes"),
        b(GuessReply::No, ButtonStyle::Secondary, "No"),
    ];
    if more {
        buttons.push(b(
            GuessReply::All,
            ButtonStyle::Secondary,
            "Show all candidates",
        ));
    }
    vec![CreateActionRow::Buttons(buttons)]
}

/// "Did you mean …" buttons for an unknown code (one row of up to five).
pub fn did_you_mean(user: u64, ids: &[String]) -> Vec<CreateActionRow> {
    let buttons: Vec<CreateButton> = ids
        .iter()
        .take(5)
        .filter_map(|id| {
            let custom_id = Action::Open {
                user,
                entry: id.clone(),
            }
            .encode();
            (custom_id.len() <= super::custom_id::MAX_LEN).then(|| {
                CreateButton::new(custom_id)
                    .style(ButtonStyle::Secondary)
                    .label(clip(id, 80))
            })
        })
        .collect();
    if buttons.is_empty() {
        Vec::new()
    } else {
        vec![CreateActionRow::Buttons(buttons)]
    }
}
