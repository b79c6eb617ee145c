//! "Bổ sung tại máy" in the demo: the resident looks up the dossier the office sent back, reads
//! what it asks, where and by when, adds it at the kiosk (the test card, then the named
//! questions), and later sees on the same card that the supplement was sent.

use super::walk::Walk;
use crate::session::screen::Screen;
use crate::slint_generated::{FormAdapter, LookupAdapter, SessionAdapter};
use slint::ComponentHandle;

/// From home: the lookup, the action card, the supplement's questions, submitted.
pub(super) fn add_it_at_the_kiosk(walk: &mut Walk, code: &str) {
    let app = walk.app.clone_strong();
    app.global::<SessionAdapter>().invoke_go_home();
    app.global::<SessionAdapter>().invoke_open_lookup();
    walk.keys(&code.to_lowercase().replace('-', ""));
    app.global::<LookupAdapter>().invoke_lookup();
    walk.settle("the sent-back dossier is found", |c| {
        c.lookup_step().result().is_some()
    });
    let lookup = app.global::<LookupAdapter>();
    walk.check(
        "the lookup shows what the office asks, which questions and by when",
        lookup.get_needs_fix()
            && !lookup.get_fix_what().is_empty()
            && slint::Model::row_count(&lookup.get_fix_questions()) > 0
            && !lookup.get_fix_due().is_empty()
            && lookup.get_can_supplement(),
    );
    walk.shot("lookup-needs-fix");
    lookup.invoke_supplement();
    walk.check(
        "'Bổ sung tại máy' asks who the resident is first",
        walk.screen() == Screen::Identity,
    );
    walk.identify_with_test_card("supplement");
    walk.answer_questions("supplement", false, true);
    walk.check(
        "the supplement reaches its review",
        walk.screen() == Screen::Review,
    );
    walk.shot("supplement-review");
    app.global::<FormAdapter>().invoke_toggle_declaration();
    app.global::<FormAdapter>().invoke_submit();
    walk.settle("the supplement is stored", |c| !c.submission().submitting());
    walk.check("the supplement is done", walk.screen() == Screen::Done);
    walk.settle("the supplement's receipt is printed", |c| {
        c.submission().print_state() == &crate::session::submit_step::PrintState::Printed
    });
    walk.shot("supplement-done");
    app.global::<SessionAdapter>().invoke_go_home();
}

/// After the portal has it: the same card says the supplement was sent.
pub(super) fn look_it_up_again(walk: &mut Walk, code: &str) {
    let app = walk.app.clone_strong();
    app.global::<SessionAdapter>().invoke_open_lookup();
    walk.keys(&code.to_lowercase().replace('-', ""));
    app.global::<LookupAdapter>().invoke_lookup();
    walk.settle("the dossier is found again", |c| {
        c.lookup_step().result().is_some()
    });
    let done = app.global::<LookupAdapter>().get_fix_done().to_string();
    walk.check(
        "the card says the supplement was sent to the office",
        done.contains("đã gửi đến cơ quan"),
    );
    walk.shot("lookup-supplemented");
    app.global::<SessionAdapter>().invoke_go_home();
}
