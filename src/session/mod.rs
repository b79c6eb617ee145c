//! A resident's session as Slint-free state machines: the controller routes each event to the
//! step it concerns and returns the command to run; the steps own their state and tests.

pub mod accessibility;
pub mod admin_panel;
pub mod assist_step;
pub mod command;
pub mod controller;
pub mod date_calendar;
pub mod form_step;
pub mod help_call;
pub mod identity_step;
pub mod idle_watch;
pub mod lookup_step;
pub mod outcome;
pub mod photos;
pub mod rating_step;
pub mod screen;
pub mod submit_step;
pub mod text_entry;
pub mod voice_prompt;
