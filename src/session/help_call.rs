//! A call for a person (the cabinet's help button or "Gọi hỗ trợ" on every screen): when it
//! was made, so that "help is on the way" shows for a few minutes and a second press within
//! them does not send another alert; and what the notice says: the expected wait and the
//! community team's phone number from the configuration (`[assist]`).

use crate::core::text::Text;
use chrono::{DateTime, TimeDelta, Utc};

/// How long "help is on the way" stays on screen, and a second call is not sent again.
const NOTICE: TimeDelta = TimeDelta::minutes(3);

#[derive(Debug, Default)]
pub struct HelpCall {
    called_at: Option<DateTime<Utc>>,
    /// The notice is open over the screen (until "Đã hiểu").
    open: bool,
    /// The community team's phone number ("" when none is configured).
    phone: String,
    /// About how long a person takes to come (0: not said).
    wait_minutes: u32,
}

impl HelpCall {
    /// The phone number and expected wait the notice gives.
    pub fn set_line(&mut self, phone: &str, wait_minutes: u32) {
        self.phone = phone.trim().to_string();
        self.wait_minutes = wait_minutes;
    }

    /// The community team's phone number ("" when none).
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// What the notice says once a person was called: that someone comes, in about how long,
    /// the number to ring if it is urgent, and that nothing typed is lost.
    pub fn notice_words(&self) -> Text {
        let (mut vi, mut en) = (
            String::from("Đã gọi người hỗ trợ của tổ công nghệ số cộng đồng"),
            String::from("A helper from the community digital-technology team has been called"),
        );
        if self.wait_minutes > 0 {
            vi += &format!(
                "; người hỗ trợ sẽ đến trong khoảng {} phút",
                self.wait_minutes
            );
            en += &format!(
                " and should come within about {} minutes",
                self.wait_minutes
            );
        }
        vi += ".";
        en += ".";
        if !self.phone.is_empty() {
            vi += &format!(" Cần gấp, gọi số {}.", self.phone);
            en += &format!(" If it is urgent, call {}.", self.phone);
        }
        vi += " Thông tin đã nhập vẫn được giữ nguyên.";
        en += " What you entered is kept.";
        Text::new(vi, en)
    }

    /// The cabinet's button was pressed (its alert was already stored by the cabinet).
    pub fn pressed(&mut self, now: DateTime<Utc>) {
        self.called_at = Some(now);
        self.open = true;
    }

    /// "Gọi hỗ trợ" on screen: true when an alert must be sent (not while the last
    /// call is fresh).
    /// Either way the notice opens again (a resident who closed it can read it once more).
    pub fn call(&mut self, now: DateTime<Utc>) -> bool {
        self.open = true;
        if self.notice(now) {
            return false;
        }
        self.called_at = Some(now);
        true
    }

    /// "Đã hiểu": the notice closes; the call stands (the bar still shows help is coming).
    pub fn dismiss(&mut self) {
        self.open = false;
    }

    /// The notice is over the screen: a fresh call the resident has not closed yet.
    pub fn notice_open(&self, now: DateTime<Utc>) -> bool {
        self.open && self.notice(now)
    }

    /// A person has been called and is on the way.
    pub fn notice(&self, now: DateTime<Utc>) -> bool {
        self.called_at.is_some_and(|at| now - at < NOTICE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_call_within_the_notice_sends_nothing_and_a_later_one_does() {
        let t0: DateTime<Utc> = "2026-11-24T02:00:00Z".parse().unwrap();
        let mut h = HelpCall::default();
        assert!(!h.notice(t0));
        assert!(h.call(t0));
        assert!(h.notice_open(t0));
        h.dismiss();
        assert!(!h.notice_open(t0) && h.notice(t0), "closed, still coming");
        assert!(!h.call(t0 + TimeDelta::minutes(2)));
        assert!(
            h.notice_open(t0 + TimeDelta::minutes(2)),
            "a second press shows it again"
        );
        assert!(h.notice(t0 + TimeDelta::minutes(2)));
        assert!(!h.notice(t0 + NOTICE));
        assert!(!h.notice_open(t0 + NOTICE), "the notice goes by itself");
        assert!(h.call(t0 + NOTICE));
    }

    #[test]
    fn the_notice_gives_the_wait_and_the_phone_only_when_configured() {
        let mut h = HelpCall::default();
        let bare = h.notice_words();
        assert!(
            !bare.vi.contains("phút") && !bare.vi.contains("gọi số"),
            "{}",
            bare.vi
        );
        h.set_line(" 024 3825 1234 ", 10);
        let full = h.notice_words();
        assert!(full.vi.contains("trong khoảng 10 phút"), "{}", full.vi);
        assert!(full.vi.contains("gọi số 024 3825 1234."), "{}", full.vi);
        assert!(full.en.contains("about 10 minutes") && full.en.contains("call 024 3825 1234"));
        assert_eq!(h.phone(), "024 3825 1234");
    }

    #[test]
    fn the_cabinet_button_shows_the_notice_and_holds_back_the_screen_call() {
        let t0: DateTime<Utc> = "2026-11-24T02:00:00Z".parse().unwrap();
        let mut h = HelpCall::default();
        h.pressed(t0);
        assert!(h.notice(t0));
        assert!(!h.call(t0 + TimeDelta::seconds(10)));
    }
}
