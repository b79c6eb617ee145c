//! Checks a resident's input against a field's kind and turns it into an `Answer`, or says
//! what is wrong in Vietnamese and English. Pure: today's date is passed in, never read.

use crate::core::answer::Answer;
use crate::core::field::FieldKind;
use crate::core::personal_id::PersonalId;
use crate::core::text::Text;
use chrono::NaiveDate;

/// Checks typed text for a typed kind (text, number, date, personal ID, phone, email).
pub fn validate_typed(kind: &FieldKind, input: &str, today: NaiveDate) -> Result<Answer, Text> {
    let input = input.trim();
    match kind {
        FieldKind::Text { max_len } => {
            let input = input.split_whitespace().collect::<Vec<_>>().join(" ");
            let len = input.chars().count();
            if len == 0 {
                Err(Text::new(
                    "Vui lòng nhập câu trả lời.",
                    "Please type an answer.",
                ))
            } else if len > *max_len {
                Err(Text::new(
                    format!("Tối đa {max_len} ký tự (đang có {len})."),
                    format!("At most {max_len} characters (there are {len})."),
                ))
            } else {
                Ok(Answer::Text(input))
            }
        }
        FieldKind::Number { min, max, .. } => match input.parse::<u32>() {
            Ok(n) if (*min..=*max).contains(&n) => Ok(Answer::Number(n)),
            _ => Err(Text::new(
                format!("Vui lòng nhập một số từ {min} đến {max}."),
                format!("Please enter a number from {min} to {max}."),
            )),
        },
        FieldKind::Date { allow_future, .. } => {
            let date = parse_date(input)?;
            if !allow_future && date > today {
                return Err(Text::new(
                    "Ngày này ở tương lai. Vui lòng kiểm tra lại.",
                    "This date is in the future. Please check it.",
                ));
            }
            if date.year_ce().1 < 1900 {
                return Err(Text::new(
                    "Năm phải từ 1900 trở đi.",
                    "The year must be 1900 or later.",
                ));
            }
            Ok(Answer::Date(date))
        }
        FieldKind::PersonalId => {
            let id = PersonalId::parse(input).map_err(|e| e.message())?;
            if id.birth_year() > today.year() {
                return Err(Text::new(
                    format!(
                        "Chữ số thứ 4 đến 6 cho năm sinh {}, chưa tới. Vui lòng kiểm tra lại.",
                        id.birth_year()
                    ),
                    format!(
                        "Digits 4 to 6 give the birth year {}, which is still to come. Please check.",
                        id.birth_year()
                    ),
                ));
            }
            Ok(Answer::PersonalId(id))
        }
        FieldKind::Phone => parse_mobile(input).map(Answer::Phone),
        FieldKind::Email => {
            if email_address::EmailAddress::is_valid(input) && input.contains('.') {
                Ok(Answer::Email(input.to_lowercase()))
            } else {
                Err(Text::new(
                    "Địa chỉ email chưa đúng, ví dụ: ten@gmail.com",
                    "This is not a valid email address, e.g. name@gmail.com",
                ))
            }
        }
        FieldKind::Choice { .. }
        | FieldKind::YesNo
        | FieldKind::Address
        | FieldKind::Attachment => Err(Text::new(
            "Vui lòng chọn một mục.",
            "Please choose an option.",
        )),
    }
}

use chrono::Datelike;

/// Parses DD/MM/YYYY (also with '-' or '.'); says which part is wrong.
pub fn parse_date(input: &str) -> Result<NaiveDate, Text> {
    let parts: Vec<&str> = input.split(['/', '-', '.']).collect();
    let bad_format = || {
        Text::new(
            "Vui lòng nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/09/1990.",
            "Please enter the date as day/month/year, e.g. 05/09/1990.",
        )
    };
    let [d, m, y] = parts[..] else {
        return Err(bad_format());
    };
    if y.len() != 4 {
        return Err(bad_format());
    }
    let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) else {
        return Err(bad_format());
    };
    if !(1..=12).contains(&m) {
        return Err(Text::new(
            format!("Tháng {m} không có. Tháng phải từ 1 đến 12."),
            format!("There is no month {m}. The month must be 1 to 12."),
        ));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        Text::new(
            format!("Tháng {m}/{y} không có ngày {d}."),
            format!("Month {m}/{y} has no day {d}."),
        )
    })
}

/// Accepts 0xxxxxxxxx, +84xxxxxxxxx or 84xxxxxxxxx for a Vietnamese mobile number and
/// returns the national form.
pub fn parse_mobile(input: &str) -> Result<String, Text> {
    let err = || {
        Text::new(
            "Số điện thoại di động chưa đúng: cần 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
            "Not a Vietnamese mobile number: 10 digits starting 03, 05, 07, 08 or 09.",
        )
    };
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let number =
        phonenumber::parse(Some(phonenumber::country::Id::VN), &compact).map_err(|_| err())?;
    let is_mobile = matches!(
        number.number_type(&phonenumber::metadata::DATABASE),
        phonenumber::Type::Mobile | phonenumber::Type::FixedLineOrMobile
    );
    if number.code().value() != 84 || !number.is_valid() || !is_mobile {
        return Err(err());
    }
    Ok(format!("0{}", number.national().value()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn dates_are_day_month_year_and_not_in_the_future() {
        let k = FieldKind::Date {
            allow_future: false,
            birth_date_of: None,
            quick_days: Vec::new(),
        };
        assert_eq!(
            validate_typed(&k, "05/09/1990", today()),
            Ok(Answer::Date(NaiveDate::from_ymd_opt(1990, 9, 5).unwrap()))
        );
        assert!(
            validate_typed(&k, "31/02/2020", today())
                .unwrap_err()
                .vi
                .contains("không có ngày 31")
        );
        assert!(
            validate_typed(&k, "01/13/2020", today())
                .unwrap_err()
                .en
                .contains("no month 13")
        );
        assert!(validate_typed(&k, "25/11/2026", today()).is_err());
        assert!(
            validate_typed(
                &FieldKind::Date {
                    allow_future: true,
                    birth_date_of: None,
                    quick_days: Vec::new(),
                },
                "25/11/2026",
                today()
            )
            .is_ok()
        );
        assert!(validate_typed(&k, "5/9/90", today()).is_err());
        assert!(validate_typed(&k, "", today()).is_err());
    }

    #[test]
    fn mobile_numbers_are_normalised() {
        assert_eq!(parse_mobile("0912 345 678"), Ok("0912345678".into()));
        assert_eq!(parse_mobile("+84 912345678"), Ok("0912345678".into()));
        assert_eq!(parse_mobile("0386123456"), Ok("0386123456".into()));
        assert!(parse_mobile("0112345678").is_err());
        assert!(parse_mobile("091234567").is_err());
        assert!(
            parse_mobile("02438123456").is_err(),
            "a Hà Nội landline is not a mobile"
        );
        assert!(parse_mobile("abc").is_err());
    }

    #[test]
    fn email_needs_a_domain() {
        assert_eq!(
            validate_typed(&FieldKind::Email, "An.Nguyen@Gmail.com", today()),
            Ok(Answer::Email("an.nguyen@gmail.com".into()))
        );
        assert!(validate_typed(&FieldKind::Email, "an@", today()).is_err());
        assert!(validate_typed(&FieldKind::Email, "an@localhost", today()).is_err());
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        let k = FieldKind::Text { max_len: 5 };
        assert_eq!(
            validate_typed(&k, "  Lê   Na ", today()),
            Ok(Answer::Text("Lê Na".into()))
        );
        assert!(
            validate_typed(&k, "Nguyễn", today())
                .unwrap_err()
                .vi
                .contains("Tối đa 5")
        );
        assert!(validate_typed(&k, "   ", today()).is_err());
    }

    #[test]
    fn numbers_respect_bounds() {
        let k = FieldKind::Number {
            min: 1,
            max: 20,
            quick: Vec::new(),
            unit: None,
        };
        assert_eq!(validate_typed(&k, "3", today()), Ok(Answer::Number(3)));
        assert!(validate_typed(&k, "0", today()).is_err());
        assert!(validate_typed(&k, "21", today()).is_err());
    }

    #[test]
    fn a_personal_id_cannot_encode_a_birth_year_still_to_come() {
        let e = validate_typed(&FieldKind::PersonalId, "001299123456", today()).unwrap_err();
        assert!(e.vi.contains("2099"), "{e:?}");
        assert!(validate_typed(&FieldKind::PersonalId, "001226123456", today()).is_ok());
    }

    #[test]
    fn personal_id_messages_come_from_the_id_rules() {
        let e = validate_typed(&FieldKind::PersonalId, "0010930", today()).unwrap_err();
        assert!(e.vi.contains("12 chữ số"));
    }
}
