//! A resident's session as Slint-free state machines: the controller routes each event to the
//! step it concerns and returns the command to run; the steps own their state and tests.

pub mod admin_panel;
pub mod controller;
pub mod identity_step;
pub mod lookup_step;
pub mod outcome;
pub mod rating_step;
pub mod text_entry;
pub mod voice_prompt;
