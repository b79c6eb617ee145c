//! The technician's card commands: `xakiosk card read` (read a chip on a named PC/SC reader or
//! the simulator and print the files, DG1/DG13 fields and verification as JSON),
//! `xakiosk card readers`, `xakiosk card serve-virtual` (a test card on vpcd's virtual reader)
//! and `xakiosk qr FILE…` (decode the card QR in images). Output is for diagnosing readers and
//! cameras in the field: it prints card data to the terminal on purpose, and nowhere else.

use crate::core::personal_id::PersonalId;
use crate::devices::card_reader::pcsc::PcscReader;
use crate::devices::card_reader::{CardReader, SimCardReader};
use crate::identity::card_image::CardImage;
use crate::identity::card_side::emrtd_chip::EmrtdChip;
use crate::identity::cccd_qr;
use crate::identity::chip_keys::ChipKeys;
use crate::identity::chip_session::{ReadOptions, read_chip};
use crate::identity::dg2_face::{self, ImageFormat};
use crate::identity::qr_camera;
use crate::identity::trust_list::{TrustList, parse_certificates};
use chrono::NaiveDate;
use serde_json::json;
use std::path::{Path, PathBuf};

/// What `card read` reads with.
#[derive(clap::Args, Debug)]
pub struct ReadArgs {
    /// "sim" (the chip simulator) or part of a PC/SC reader's name (see `card readers`)
    #[arg(long, default_value = "sim")]
    pub reader: String,
    /// With --reader sim: the card file (default: the test card with --id)
    #[arg(long)]
    pub sim_card: Option<PathBuf>,
    /// The 12-digit personal ID (with --birth), when there is no QR text
    #[arg(long)]
    pub id: Option<String>,
    /// Date of birth, DD/MM/YYYY
    #[arg(long)]
    pub birth: Option<String>,
    /// Expiry date, DD/MM/YYYY (default: tried from the renewal rules)
    #[arg(long)]
    pub expiry: Option<String>,
    /// The text of the card's QR code instead of --id/--birth
    #[arg(long)]
    pub qr: Option<String>,
    /// CSCA certificate files or folders to verify against (repeatable)
    #[arg(long)]
    pub trust: Vec<PathBuf>,
    /// Largest extended-length read to try (bytes); default short reads
    #[arg(long)]
    pub extended_read: Option<usize>,
    /// Open the chip with the MRZ keys only (BAC, or PACE with the MRZ), not with the card
    /// access number from the ID
    #[arg(long)]
    pub no_can: bool,
    /// With --reader sim: what the simulated chip offers
    #[arg(long, value_enum, default_value_t = SimChip::Cccd)]
    pub sim_chip: SimChip,
}

/// The simulated chip's access protocols.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimChip {
    /// PACE (CAN or MRZ) and BAC, as chip ID cards
    Cccd,
    /// BAC only (no EF.CardAccess)
    BacOnly,
    /// PACE only (BAC refused)
    PaceOnly,
    /// PACE with chip authentication mapping as well as generic mapping (as German documents)
    Cam,
    /// The card's data copied onto another chip (its chip keys differ): a suspected clone
    Copy,
}

/// `xakiosk card …`.
#[derive(clap::Subcommand, Debug)]
pub enum CardCmd {
    /// Read a chip ID card and print the files read, the DG1/DG13 fields and the verification
    /// as JSON
    Read(ReadArgs),

    /// List the PC/SC readers pcscd knows
    Readers,
    /// The CSCA certificates cards are checked against
    Trust {
        #[command(subcommand)]
        command: crate::cli::card_trust::TrustCmd,
    },
    /// Put a test card on vsmartcard's virtual reader (pcscd + vpcd) until stopped
    ServeVirtual {
        /// A card file (assets/dev/cards/*.card.json)
        card: PathBuf,
        #[arg(long, default_value = crate::identity::card_side::vpcd_card::VPCD_ADDRESS)]
        vpcd: String,
    },
}

/// Runs a `card` subcommand.
pub fn run(command: CardCmd) -> Result<(), String> {
    match command {
        CardCmd::Read(args) => {
            let report = read(&args)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        CardCmd::Readers => {
            let readers =
                crate::devices::card_reader::pcsc::PcscReader::list().map_err(|e| e.to_string())?;
            if readers.is_empty() {
                return Err("pcscd is running but lists no reader: plug one in".into());
            }
            for name in readers {
                println!("{name}");
            }
            Ok(())
        }
        CardCmd::Trust { command } => crate::cli::card_trust::run(command),
        CardCmd::ServeVirtual { card, vpcd } => {
            let answered = serve_virtual(&card, &vpcd)?;
            eprintln!("the virtual card answered {answered} APDUs; vpcd hung up");
            Ok(())
        }
    }
}

fn date(text: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y")
        .map_err(|_| format!("the {what} must be a date written DD/MM/YYYY, not {text:?}"))
}

fn cards_folder() -> PathBuf {
    crate::app::assets::assets_dir().join("dev/cards")
}

fn reader_for(args: &ReadArgs, id: &PersonalId) -> Result<(Box<dyn CardReader>, bool), String> {
    if args.reader != "sim" {
        return Ok((Box::new(PcscReader::new(&args.reader)), false));
    }
    let card = match &args.sim_card {
        Some(path) => CardImage::from_json(
            &std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        )
        .map_err(|e| format!("{} is not a card file: {e}", path.display()))?,
        None => CardImage::load_folder(&cards_folder())
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|c| c.personal_id == id.as_str())
            .ok_or_else(|| {
                format!(
                    "no test card with ID {} in {}",
                    id.masked(),
                    cards_folder().display()
                )
            })?,
    };
    let mut reader = SimCardReader::new();
    let chip = match args.sim_chip {
        SimChip::Cccd => EmrtdChip::new(card),
        SimChip::BacOnly => EmrtdChip::new(card).without_pace(),
        SimChip::PaceOnly => EmrtdChip::new(card).without_bac(),
        SimChip::Cam => EmrtdChip::new(card).with_chip_authentication_mapping(),
        SimChip::Copy => EmrtdChip::new(card.copied_onto_another_chip("copy")),
    };
    reader.insert(match args.extended_read {
        Some(n) => chip.with_extended_length(n),
        None => chip,
    });
    Ok((Box::new(reader), true))
}

/// Reads a card and returns the JSON report: how the chip was opened, what was read, the
/// data's verdict (passive authentication) and the chip's (chip authentication).
pub fn read(args: &ReadArgs) -> Result<serde_json::Value, String> {
    let today = chrono::Local::now().date_naive();
    let (id, birth, issue) = match (&args.qr, &args.id, &args.birth) {
        (Some(text), _, _) => {
            let qr =
                cccd_qr::parse(text).map_err(|e| format!("the QR text is not a CCCD's: {e}"))?;
            (qr.personal_id.clone(), qr.birth_date, Some(qr.issue_date))
        }
        (None, Some(id), Some(birth)) => (
            PersonalId::parse(id).map_err(|e| format!("--id: {e}"))?,
            date(birth, "birth date")?,
            None,
        ),
        _ => {
            return Err(
                "give the card's QR text (--qr) or its ID and birth date (--id, --birth)".into(),
            );
        }
    };
    let expiry = args
        .expiry
        .as_deref()
        .map(|e| date(e, "expiry date"))
        .transpose()?;
    let mut keys = ChipKeys::for_holder(&id, birth, issue, expiry, today);
    if args.no_can {
        keys.can = None;
    }
    let (mut reader, simulated) = reader_for(args, &id)?;
    let mut trust = TrustList::empty();
    for folder in &args.trust {
        if folder.is_dir() {
            trust.add_folder(folder);
        } else {
            let bytes = std::fs::read(folder)
                .map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
            trust.cscas.extend(
                parse_certificates(&bytes).map_err(|e| format!("{}: {e}", folder.display()))?,
            );
        }
    }
    if simulated && args.trust.is_empty() {
        trust.add_folder(&cards_folder());
    }
    let started = std::time::Instant::now();
    let read = read_chip(
        reader.as_mut(),
        &keys,
        &trust,
        ReadOptions {
            extended_read: args.extended_read,
        },
        &mut |_| {},
    )
    .map_err(|e| format!("reading the card on {:?} failed: {e}", reader.name()))?;
    let dg1 = &read.dg1;
    let dg13: serde_json::Map<String, serde_json::Value> = read
        .dg13
        .as_ref()
        .map(|d| {
            d.fields
                .iter()
                .map(|(n, v)| (n.to_string(), json!(v)))
                .collect()
        })
        .unwrap_or_default();
    let face = read.face.as_ref().map(|f| {
        json!({
            "format": match f.format { ImageFormat::Jpeg => "jpeg", ImageFormat::Jpeg2000 => "jpeg2000", ImageFormat::Unknown => "unknown" },
            "width": f.width,
            "height": f.height,
            "bytes": f.bytes.len(),
            "decodes": dg2_face::decode(f).is_some(),
        })
    });
    Ok(json!({
        "reader": reader.name(),
        "access": read.access,
        "access_key": {
            "password": read.access.password,
            "mrz_key": read.key_index.map(|i| json!({ "tried": i + 1, "of": keys.mrz.len(), "expiry_field": read.expiry_field })),
        },
        "apdus": read.apdus,
        "milliseconds": started.elapsed().as_millis() as u64,
        "files": read.files,
        "lds_version": read.com.lds_version,
        "data_groups": read.com.data_groups,
        "dg1": {
            "document_code": dg1.document_code, "issuing_state": dg1.issuing_state,
            "document_number": dg1.document_number, "personal_id": dg1.personal_id(),
            "birth": dg1.birth, "sex": dg1.sex.to_string(), "expiry": dg1.expiry,
            "nationality": dg1.nationality, "surname": dg1.surname, "given_names": dg1.given_names,
            "check_digits_valid": dg1.check_digits_valid,
        },
        "dg13": dg13,
        // DG13's layout as this card has it: its OID and field numbers (for the technician
        // comparing cards; the parsing does not depend on them).
        "dg13_layout": read.dg13.as_ref().map(|d| json!({
            "oid": d.oid,
            "fields": d.fields.keys().collect::<Vec<_>>(),
        })),
        "face": face,
        "passive_authentication": read.passive,
        "chip_authenticity": read.authenticity,
    }))
}

/// The card QR in image files, one JSON object per file; `Err` lists the files that failed.
pub fn qr(files: &[PathBuf]) -> (serde_json::Value, usize) {
    let mut failed = 0;
    let results: Vec<serde_json::Value> = files
        .iter()
        .map(|path| {
            let result = decode_file(path);
            if result.get("error").is_some() {
                failed += 1;
            }
            result
        })
        .collect();
    (json!(results), failed)
}

fn decode_file(path: &Path) -> serde_json::Value {
    let file = path.display().to_string();
    let img = match image::open(path) {
        Ok(img) => img.to_rgb8(),
        Err(e) => return json!({ "file": file, "error": format!("not an image: {e}") }),
    };
    let started = std::time::Instant::now();
    let Some(text) = qr_camera::decode_text(&img) else {
        return json!({ "file": file, "error": "no QR code found", "milliseconds": started.elapsed().as_millis() as u64 });
    };
    let ms = started.elapsed().as_millis() as u64;
    match cccd_qr::parse(&text) {
        Ok(q) => json!({
            "file": file, "milliseconds": ms, "variant": if text.split('|').count() >= 7 { 7 } else { 6 },
            "personal_id": q.personal_id.as_str(), "old_id": q.old_id, "full_name": q.full_name,
            "birth_date": q.birth_date.format("%d/%m/%Y").to_string(),
            "sex": match q.sex { crate::core::personal_id::Sex::Male => "Nam", crate::core::personal_id::Sex::Female => "Nữ" },
            "residence": q.residence, "issue_date": q.issue_date.format("%d/%m/%Y").to_string(),
        }),
        Err(e) => {
            json!({ "file": file, "milliseconds": ms, "text": text, "error": format!("not a CCCD QR code: {e}") })
        }
    }
}

/// Serves a test card on vpcd's virtual reader until the connection ends.
pub fn serve_virtual(card: &Path, address: &str) -> Result<usize, String> {
    let image = CardImage::from_json(
        &std::fs::read_to_string(card)
            .map_err(|e| format!("cannot read {}: {e}", card.display()))?,
    )
    .map_err(|e| format!("{} is not a card file: {e}", card.display()))?;
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| {
        format!(
            "cannot reach vpcd at {address} ({e}): is pcscd running with vsmartcard-vpcd installed?"
        )
    })?;
    let mut chip = EmrtdChip::new(image);
    crate::identity::card_side::vpcd_card::serve(&mut stream, &mut chip, None)
        .map_err(|e| e.to_string())
}
