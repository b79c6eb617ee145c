//! `xakiosk bench --only identity`: the ID card figures, each beside a peer measured in the
//! same run. Chip: APDUs sent to open the simulator's chip (PACE with the card access number,
//! or BAC) and read DG1+DG13+DG2+SOD beside the minimum for the protocol, the file sizes and
//! the read size (short reads and extended ones), and the read time with short reads beside
//! extended ones and PACE beside BAC. QR: decode
//! success and time per 1280×720 frame on generated camera-like frames (rotation, blur,
//! noise, perspective, low light) beside the clean frames.

use crate::devices::card_reader::SimCardReader;
use crate::identity::card_image::CardImage;
use crate::identity::card_side::emrtd_chip::EmrtdChip;
use crate::identity::cccd_qr;
use crate::identity::chip_keys::ChipKeys;
use crate::identity::chip_session::{ReadOptions, read_chip};
use crate::identity::qr_camera;
use crate::identity::secure_messaging::{MAX_SHORT_PLAIN_READ, MAX_SHORT_PLAIN_READ_3DES};
use crate::identity::trust_list::{TrustList, parse_certificates};
use crate::tools::bench::ms;
use crate::tools::bench_sync::Row;
use image::{GrayImage, Luma};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn cards() -> Result<(Vec<CardImage>, TrustList), String> {
    let folder = crate::app::assets::assets_dir().join("dev/cards");
    let cards = CardImage::load_folder(&folder).map_err(|e| e.to_string())?;
    let pem = std::fs::read(folder.join("csca.pem")).map_err(|e| e.to_string())?;
    Ok((cards, TrustList::with(parse_certificates(&pem)?)))
}

fn keys(card: &CardImage) -> Result<ChipKeys, String> {
    let qr = cccd_qr::parse(&card.qr).map_err(|e| e.to_string())?;
    Ok(ChipKeys::for_holder(
        &qr.personal_id,
        qr.birth_date,
        Some(qr.issue_date),
        None,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
    ))
}

/// The fewest APDUs that open a chip: reading EF.CardAccess (one READ BINARY by short file
/// identifier, which also tells a chip without it), then PACE (MSE:Set AT, four General
/// Authenticate, SELECT of the application under the session) or BAC (SELECT, GET
/// CHALLENGE, EXTERNAL AUTHENTICATE).
fn opening_minimum(protocol: &str) -> usize {
    match protocol {
        "PACE" => 1 + 1 + 4 + 1,
        _ => 1 + 3,
    }
}

fn chip_rows(rows: &mut Vec<Row>, repeats: usize) -> Result<(), String> {
    let (cards, trust) = cards()?;
    let mut timings = Vec::new();
    for (label, pace, extended, cam) in [
        ("PACE-CAN, short reads", true, None, false),
        ("BAC, short reads", false, None, false),
        ("PACE-CAN, extended reads", true, Some(1024), false),
        ("PACE-CAM, short reads", true, None, true),
    ] {
        let (mut sent, mut minimum, mut times) = (0usize, 0usize, Vec::new());
        for card in &cards {
            let keys = keys(card)?;
            for _ in 0..repeats {
                let mut reader = SimCardReader::new();
                let mut chip = EmrtdChip::new(card.clone());
                if !pace {
                    chip = chip.without_pace();
                }
                if cam {
                    chip = chip.with_chip_authentication_mapping();
                }
                reader.insert(match extended {
                    Some(n) => chip.with_extended_length(n),
                    None => chip,
                });
                let started = Instant::now();
                let read = read_chip(
                    &mut reader,
                    &keys,
                    &trust,
                    ReadOptions {
                        extended_read: extended,
                    },
                    &mut |_| {},
                )
                .map_err(|e| e.to_string())?;
                times.push(started.elapsed());
                sent += read.apdus;
                // Then per file ceil(size / read size) READ BINARYs, the first naming the
                // file by its short identifier; the read size is the largest the session's
                // cipher fits in a short answer (223 under AES, 231 under 3DES) or the
                // extended one.
                let read_size = extended.unwrap_or(if read.access.protocol == "PACE" {
                    MAX_SHORT_PLAIN_READ
                } else {
                    MAX_SHORT_PLAIN_READ_3DES
                });
                // Chip authentication: the test cards' DG14 names AES, so MSE:Set AT and
                // General Authenticate (3DES would take one MSE:Set KAT); none when PACE's
                // chip authentication mapping proved the chip.
                let chip_authentication = if read.authenticity.is_genuine() && !cam {
                    2
                } else {
                    0
                };
                // EF.COM and DG14 are read in the opening session, the rest in chip
                // authentication's (AES-128 on the test cards: 223 bytes short).
                let after_size = match (read.authenticity.is_genuine(), extended) {
                    (true, None) => MAX_SHORT_PLAIN_READ,
                    _ => read_size,
                };
                minimum += opening_minimum(read.access.protocol)
                    + chip_authentication
                    + read
                        .files
                        .iter()
                        .map(|f| match f.file.as_str() {
                            "EF.COM" | "DG14" => f.bytes.div_ceil(read_size),
                            _ => f.bytes.div_ceil(after_size),
                        })
                        .sum::<usize>();
            }
        }
        let per_card = sent as f64 / (cards.len() * repeats) as f64;
        rows.push(Row {
            what: format!("chip read DG1+DG13+DG2+DG14+SOD, APDUs ({label})"),
            value: format!("{per_card:.1}"),
            peer: format!(
                "minimum {:.1}",
                minimum as f64 / (cards.len() * repeats) as f64
            ),
            ratio: sent as f64 / minimum as f64,
        });
        timings.push((label, median(times)));
    }
    let ((short_label, short), (long_label, long)) = (timings[0], timings[2]);
    rows.push(Row {
        what: format!("chip read time, simulator ({short_label}, p50)"),
        value: ms(short),
        peer: format!("{long_label} {}", ms(long)),
        ratio: short.as_secs_f64() / long.as_secs_f64().max(1e-9),
    });
    let (bac_label, bac) = timings[1];
    rows.push(Row {
        what: format!("chip read time, simulator ({short_label}, p50)"),
        value: ms(short),
        peer: format!("{bac_label} {}", ms(bac)),
        ratio: short.as_secs_f64() / bac.as_secs_f64().max(1e-9),
    });
    Ok(())
}

/// A small deterministic generator (frames must be the same every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as f32) / ((1u64 << 31) as f32)
    }
}

/// Maps every output pixel back through `inverse` (output → source coordinates) with bilinear
/// sampling; outside the source is the background.
fn warp(src: &GrayImage, inverse: impl Fn(f32, f32) -> (f32, f32), background: u8) -> GrayImage {
    let (w, h) = src.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let (sx, sy) = inverse(x as f32, y as f32);
        if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
            return Luma([background]);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let p = |x, y| src.get_pixel(x, y).0[0] as f32;
        let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
        let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
        Luma([(top * (1.0 - fy) + bottom * fy) as u8])
    })
}

fn rotate(src: &GrayImage, degrees: f32) -> GrayImage {
    let (cx, cy) = (src.width() as f32 / 2.0, src.height() as f32 / 2.0);
    let (s, c) = degrees.to_radians().sin_cos();
    warp(
        src,
        |x, y| {
            (
                c * (x - cx) + s * (y - cy) + cx,
                -s * (x - cx) + c * (y - cy) + cy,
            )
        },
        60,
    )
}

/// A keystone: the top edge narrower than the bottom, as a card tilted away from the camera.
fn perspective(src: &GrayImage, squeeze: f32) -> GrayImage {
    let (w, h) = (src.width() as f32, src.height() as f32);
    warp(
        src,
        |x, y| {
            let t = y / h;
            let scale = 1.0 - squeeze * (1.0 - t);
            ((x - w / 2.0) / scale + w / 2.0, y)
        },
        60,
    )
}

fn noise(src: &GrayImage, amount: f32, seed: u64) -> GrayImage {
    let mut rng = Lcg(seed);
    GrayImage::from_fn(src.width(), src.height(), |x, y| {
        let v = src.get_pixel(x, y).0[0] as f32 + (rng.next() - 0.5) * 2.0 * amount;
        Luma([v.clamp(0.0, 255.0) as u8])
    })
}

fn low_light(src: &GrayImage, seed: u64) -> GrayImage {
    let dark = GrayImage::from_fn(src.width(), src.height(), |x, y| {
        Luma([(src.get_pixel(x, y).0[0] as f32 * 0.25 + 8.0) as u8])
    });
    noise(&dark, 10.0, seed)
}

fn frames(texts: &[String]) -> Vec<(&'static str, Vec<GrayImage>)> {
    let clean: Vec<GrayImage> = texts
        .iter()
        .map(|t| {
            image::imageops::grayscale(&crate::devices::camera::scene::card_front_frame(
                t, 1280, 720,
            ))
        })
        .collect();
    let each = |f: &dyn Fn(&GrayImage, u64) -> GrayImage| -> Vec<GrayImage> {
        clean
            .iter()
            .enumerate()
            .map(|(i, g)| f(g, i as u64 + 1))
            .collect()
    };
    vec![
        ("rotated 12°", each(&|g, _| rotate(g, 12.0))),
        ("rotated 35°", each(&|g, _| rotate(g, 35.0))),
        ("blur σ 1.5", each(&|g, _| image::imageops::blur(g, 1.5))),
        ("blur σ 3", each(&|g, _| image::imageops::blur(g, 3.0))),
        ("noise ±40", each(&|g, s| noise(g, 40.0, s))),
        ("perspective 25%", each(&|g, _| perspective(g, 0.25))),
        ("low light", each(&|g, s| low_light(g, s))),
        (
            "all at once",
            each(&|g, s| {
                low_light(
                    &image::imageops::blur(&perspective(&rotate(g, 8.0), 0.15), 1.2),
                    s,
                )
            }),
        ),
        ("clean", clean),
    ]
}

fn qr_rows(rows: &mut Vec<Row>, per_kind: usize) -> Result<(), String> {
    let (cards, _) = cards()?;
    let texts: Vec<String> = cards
        .iter()
        .map(|c| c.qr.clone())
        .cycle()
        .take(per_kind)
        .collect();
    let sets = frames(&texts);
    let decode = |set: &[GrayImage]| -> (usize, Duration) {
        let mut ok = 0;
        let mut times = Vec::new();
        for (frame, text) in set.iter().zip(&texts) {
            let started = Instant::now();
            let found = qr_camera::decode_gray(frame);
            times.push(started.elapsed());
            if found.as_deref() == Some(text.as_str()) {
                ok += 1;
            }
        }
        (ok, median(times))
    };
    let (clean_ok, clean_time) = decode(&sets.last().expect("clean set").1);
    for (kind, set) in &sets {
        let (ok, t) = decode(set);
        rows.push(Row {
            what: format!("QR decode 1280×720, {kind}: read / time p50"),
            value: format!("{ok}/{} {:.1} ms", set.len(), t.as_secs_f64() * 1000.0),
            peer: format!("clean {clean_ok}/{} {}", texts.len(), ms(clean_time)),
            ratio: t.as_secs_f64() / clean_time.as_secs_f64().max(1e-9),
        });
    }
    Ok(())
}

/// The identity rows of the table.
pub fn rows(quick: bool) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    chip_rows(&mut rows, if quick { 2 } else { 10 })?;
    qr_rows(&mut rows, if quick { 4 } else { 20 })?;
    Ok(rows)
}
