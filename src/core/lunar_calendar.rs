//! The Vietnamese lunisolar calendar (âm lịch): which solar date a lunar date falls on, computed
//! astronomically for Việt Nam's meridian (UTC+7), so Tết and the Hùng Kings' day land where
//! Vietnamese calendars put them (they differ from the Chinese calendar, computed at UTC+8, in
//! some years: 1985, 2007…). Pure arithmetic; no table, no IO.
//!
//! The method is the published one by Hồ Ngọc Đức ("Computing the Vietnamese lunar calendar"):
//! new moons from Meeus' series, month 11 is the month holding the winter solstice, and a
//! 13-month year's leap month is the first without a major solar term. No maintained crate
//! computes the Vietnamese (rather than Chinese) calendar, hence this file.

use chrono::{Datelike, NaiveDate};
use std::f64::consts::PI;

/// Việt Nam's time zone, in hours east of Greenwich.
const TIME_ZONE: f64 = 7.0;
const SYNODIC_MONTH: f64 = 29.530588853;
/// Julian day of the new moon of 1900-01-01, the series' origin.
const EPOCH_NEW_MOON: f64 = 2415021.076998695;

/// A date in the lunar calendar. `leap` marks the repeated (leap) month of a 13-month year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub day: u32,
    pub month: u32,
    pub year: i32,
    pub leap: bool,
}

fn julian_day(date: NaiveDate) -> i64 {
    // 0001-01-01 (proleptic Gregorian) is Julian day 1721426.
    i64::from(date.num_days_from_ce()) + 1_721_425
}

fn from_julian_day(jd: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(jd - 1_721_425).ok()?)
}

/// Julian day (fractional, UT) of the k-th new moon after 1900-01-01.
fn new_moon(k: f64) -> f64 {
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - delta_t
}

/// The sun's ecliptic longitude (radians, 0..2π) at Julian day `jdn` (UT).
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2451545.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let mut dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    dl += (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - PI * 2.0 * (l / (PI * 2.0)).floor()
}

/// Which of the twelve 30° sectors the sun is in at local midnight starting day `day`.
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TIME_ZONE / 24.0) / PI * 6.0).floor() as i64
}

/// The local day on which the k-th new moon falls.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k as f64) + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// The first day of lunar month 11 (the month holding the winter solstice) of solar year `y`.
fn month_11_start(y: i32) -> Option<i64> {
    let off = julian_day(NaiveDate::from_ymd_opt(y, 12, 31)?) as f64 - 2415021.0;
    let k = (off / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k);
    Some(if sun_sector(nm) >= 9 {
        new_moon_day(k - 1)
    } else {
        nm
    })
}

/// In a 13-month year starting from month 11 at `a11`: how many months after it the leap
/// month comes (the first month without a major solar term).
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - EPOCH_NEW_MOON) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

/// The solar date of a lunar date; `None` for a leap flag on a month that is not the year's
/// leap month, or a date out of range.
pub fn to_solar(lunar: LunarDate) -> Option<NaiveDate> {
    if !(1..=12).contains(&lunar.month) || !(1..=30).contains(&lunar.day) {
        return None;
    }
    let (a11, b11) = if lunar.month < 11 {
        (month_11_start(lunar.year - 1)?, month_11_start(lunar.year)?)
    } else {
        (month_11_start(lunar.year)?, month_11_start(lunar.year + 1)?)
    };
    let k = (0.5 + (a11 as f64 - EPOCH_NEW_MOON) / SYNODIC_MONTH).floor() as i64;
    let mut off = lunar.month as i64 - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if lunar.leap && lunar.month as i64 != leap_month {
            return None;
        }
        if lunar.leap || off >= leap_off {
            off += 1;
        }
    } else if lunar.leap {
        return None;
    }
    from_julian_day(new_moon_day(k + off) + lunar.day as i64 - 1)
}

/// The lunar date of a solar date.
pub fn to_lunar(date: NaiveDate) -> Option<LunarDate> {
    let day_number = julian_day(date);
    let k = ((day_number as f64 - EPOCH_NEW_MOON) / SYNODIC_MONTH).floor() as i64;
    let mut month_start = new_moon_day(k + 1);
    if month_start > day_number {
        month_start = new_moon_day(k);
    }
    let y = date.year();
    let mut a11 = month_11_start(y)?;
    let mut b11 = a11;
    let mut year = if a11 >= month_start {
        a11 = month_11_start(y - 1)?;
        y
    } else {
        b11 = month_11_start(y + 1)?;
        y + 1
    };
    let day = (day_number - month_start + 1) as u32;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        year -= 1;
    }
    Some(LunarDate {
        day,
        month: month as u32,
        year,
        leap,
    })
}

/// Tết Nguyên Đán: the first day of lunar year `year`.
pub fn lunar_new_year(year: i32) -> Option<NaiveDate> {
    to_solar(LunarDate {
        day: 1,
        month: 1,
        year,
        leap: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tet_falls_where_vietnamese_calendars_put_it() {
        // Published dates of Tết (mùng 1 tháng Giêng).
        for (year, date) in [
            (2020, d(2020, 1, 25)),
            (2021, d(2021, 2, 12)),
            (2022, d(2022, 2, 1)),
            (2023, d(2023, 1, 22)),
            (2024, d(2024, 2, 10)),
            (2025, d(2025, 1, 29)),
            (2026, d(2026, 2, 17)),
            (2027, d(2027, 2, 6)),
            (2028, d(2028, 1, 26)),
        ] {
            assert_eq!(lunar_new_year(year), Some(date), "Tết {year}");
        }
    }

    #[test]
    fn the_vietnamese_meridian_differs_from_the_chinese_one() {
        // 2007: Vietnamese Tết on 17 February, Chinese New Year on the 18th.
        assert_eq!(lunar_new_year(2007), Some(d(2007, 2, 17)));
        // 1985: Vietnamese Tết on 21 January, a month before the Chinese one (20 February).
        assert_eq!(lunar_new_year(1985), Some(d(1985, 1, 21)));
        // 2030: the new moon at 23:07 in Hà Nội is 00:07 the next day in Beijing.
        assert_eq!(lunar_new_year(2030), Some(d(2030, 2, 2)));
    }

    #[test]
    fn hung_kings_day_and_leap_months() {
        let hung = |year| {
            to_solar(LunarDate {
                day: 10,
                month: 3,
                year,
                leap: false,
            })
        };
        // Giỗ Tổ Hùng Vương, 10/3 âm lịch.
        assert_eq!(hung(2024), Some(d(2024, 4, 18)));
        assert_eq!(hung(2025), Some(d(2025, 4, 7)));
        assert_eq!(hung(2026), Some(d(2026, 4, 26)));
        // 2023 had a leap second month (2/2 nhuận began on 2023-03-22); 2025 a leap sixth.
        let leap = |month, year| LunarDate {
            day: 1,
            month,
            year,
            leap: true,
        };
        assert_eq!(to_solar(leap(2, 2023)), Some(d(2023, 3, 22)));
        assert_eq!(to_solar(leap(6, 2025)), Some(d(2025, 7, 25)));
        assert_eq!(
            to_solar(leap(5, 2025)),
            None,
            "2025's leap month is the sixth"
        );
        assert_eq!(to_solar(leap(1, 2024)), None, "2024 has no leap month");
    }

    #[test]
    fn solar_and_lunar_round_trip_every_day_of_a_decade() {
        let mut day = d(2020, 1, 1);
        while day < d(2031, 1, 1) {
            let lunar = to_lunar(day).unwrap();
            assert_eq!(to_solar(lunar), Some(day), "{day} → {lunar:?}");
            day = day.succ_opt().unwrap();
        }
        assert_eq!(
            to_lunar(d(2026, 11, 24)),
            Some(LunarDate {
                day: 16,
                month: 10,
                year: 2026,
                leap: false
            })
        );
    }
}
