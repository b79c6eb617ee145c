//! The Slint adapters: one `*_adapter.rs` per Slint global, each copying the session's state
//! into the window (`render`) and turning the window's callbacks into session events
//! (`connect`, through a `Dispatch`). Shared by all of them: the render cache. No IO, no
//! threads, no decisions: what to show and what an event means is the session's.

mod admin_adapter;
mod assist_adapter;
mod catalogue_adapter;
pub mod dispatch;
mod form_adapter;
mod identity_adapter;
mod keyboard_adapter;
mod lookup_adapter;
mod rating_adapter;
pub mod render_cache;
mod session_adapter;
mod voice_adapter;

use crate::session::controller::KioskController;
use crate::slint_generated::AppWindow;
use dispatch::Dispatch;
use render_cache::RenderCache;

/// Connects every adapter's callbacks to the session through `dispatch`.
pub fn connect(window: &AppWindow, dispatch: &Dispatch) {
    session_adapter::connect(window, dispatch);
    catalogue_adapter::connect(window, dispatch);
    form_adapter::connect(window, dispatch);
    keyboard_adapter::connect(window, dispatch);
    lookup_adapter::connect(window, dispatch);
    identity_adapter::connect(window, dispatch);
    rating_adapter::connect(window, dispatch);
    voice_adapter::connect(window, dispatch);
    assist_adapter::connect(window, dispatch);
    admin_adapter::connect(window, dispatch);
}

/// Copies the controller's state into every global of the window. `voice_available`: whether
/// the speaker works (`None`: the kiosk has no voice).
pub fn render(
    window: &AppWindow,
    controller: &KioskController,
    cache: &mut RenderCache,
    voice_available: Option<bool>,
) {
    session_adapter::render(window, controller, cache);
    catalogue_adapter::render(window, controller, cache);
    form_adapter::render(window, controller, cache);
    keyboard_adapter::render(window, controller);
    lookup_adapter::render(window, controller, cache);
    identity_adapter::render(window, controller, cache);
    rating_adapter::render(window, controller, cache);
    assist_adapter::render(window, controller, cache);
    admin_adapter::render(window, controller);
    voice_adapter::render(window, controller, voice_available);
}
