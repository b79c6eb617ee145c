//! What the window tests share: pressing a button and typing on the on-screen keyboard by
//! accessible label, as a screen reader would.

use i_slint_backend_testing::ElementHandle;
use xakiosk::slint_generated::AppWindow;

pub fn is_button(e: &ElementHandle) -> bool {
    e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button)
}

/// Presses the first enabled button with this accessible label; `None` if there is none.
pub fn press(app: &AppWindow, label: &str) -> Option<()> {
    let element = ElementHandle::find_by_accessible_label(app, label)
        .find(|e| is_button(e) && e.accessible_enabled() != Some(false))?;
    element.invoke_accessible_default_action();
    Some(())
}

/// Types on the on-screen keyboard, key by key (space is "Dấu cách").
pub fn type_keys(text: &str, mut press_key: impl FnMut(&str)) {
    for c in text.chars() {
        match c {
            ' ' => press_key("Dấu cách"),
            c => press_key(&c.to_string()),
        }
    }
}
