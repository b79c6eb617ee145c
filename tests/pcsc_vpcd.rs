//! The real PC/SC path end to end: pcscd with vsmartcard's virtual reader driver (vpcd), a
//! simulated chip served on vpcd's socket, and the kiosk's `PcscReader` reading it with the
//! same code as for a real card — opened with PACE and the card number from the QR, verified,
//! then a card lifted mid-read. Needs the Debian
//! packages pcscd and vsmartcard-vpcd (scripts/setup.sh installs them); starts pcscd itself
//! when none is running.

use chrono::NaiveDate;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use xakiosk::devices::card_reader::pcsc::PcscReader;
use xakiosk::devices::card_reader::{CardReader, ReaderStatus};
use xakiosk::identity::card_image::CardImage;
use xakiosk::identity::card_side::emrtd_chip::EmrtdChip;
use xakiosk::identity::card_side::vpcd_card::{self, VPCD_ADDRESS};
use xakiosk::identity::cccd_qr;
use xakiosk::identity::chip_keys::ChipKeys;
use xakiosk::identity::chip_session::{ChipError, ReadOptions, read_chip};
use xakiosk::identity::trust_list::{TrustList, parse_certificates};

struct Daemon(Option<Child>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn virtual_reader() -> bool {
    PcscReader::list().is_ok_and(|r| r.iter().any(|n| n.contains("Virtual PCD")))
}

/// A running pcscd with the virtual reader: the system's, or one started here.
fn pcscd() -> Daemon {
    if virtual_reader() {
        return Daemon(None);
    }
    let binary = ["/usr/sbin/pcscd", "/usr/bin/pcscd"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect(
            "pcscd is not installed: run scripts/setup.sh (Debian packages pcscd, vsmartcard-vpcd)",
        );
    let child = Command::new(binary)
        .arg("--foreground")
        .spawn()
        .expect("pcscd starts");
    let daemon = Daemon(Some(child));
    // pcscd is ready when its socket lists the virtual reader (bounded wait for the daemon).
    let deadline = Instant::now() + Duration::from_secs(20);
    while !virtual_reader() {
        assert!(
            Instant::now() < deadline,
            "pcscd did not list vpcd's virtual reader"
        );
        std::thread::yield_now();
    }
    daemon
}

fn card() -> CardImage {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards");
    CardImage::load_folder(&folder)
        .unwrap()
        .into_iter()
        .find(|c| c.label == "Nguyễn Văn An")
        .unwrap()
}

fn trust() -> TrustList {
    let pem =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards/csca.pem"))
            .unwrap();
    TrustList::with(parse_certificates(&pem).unwrap())
}

/// What the QR gives: the card access number (PACE) and the MRZ keys.
fn keys(card: &CardImage) -> ChipKeys {
    let qr = cccd_qr::parse(&card.qr).unwrap();
    ChipKeys::for_holder(
        &qr.personal_id,
        qr.birth_date,
        Some(qr.issue_date),
        None,
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    )
}

/// Puts the chip on the virtual reader (a thread answering vpcd) until it is lifted.
/// Returns the connection (shut it down to lift the card) and the thread's APDU count.
fn insert(
    card: CardImage,
    lift_after: Option<usize>,
) -> (TcpStream, std::thread::JoinHandle<usize>) {
    let mut stream =
        TcpStream::connect(VPCD_ADDRESS).expect("vpcd listens (pcscd loaded the driver)");
    let handle = stream.try_clone().unwrap();
    let thread = std::thread::spawn(move || {
        let mut chip = EmrtdChip::new(card);
        vpcd_card::serve(&mut stream, &mut chip, lift_after).unwrap_or(0)
    });
    (handle, thread)
}

#[test]
fn a_chip_on_the_virtual_reader_reads_through_pcscd_and_a_lifted_card_is_noticed() {
    let mut daemon = pcscd();
    let mut reader = PcscReader::new("Virtual PCD");
    assert_eq!(reader.status().unwrap(), ReaderStatus::NoCard);

    let card = card();
    let (connection, server) = insert(card.clone(), None);
    assert!(
        reader.wait_for_card_event(Duration::from_secs(10)).unwrap(),
        "pcscd saw the card"
    );
    assert_eq!(reader.status().unwrap(), ReaderStatus::CardPresent);
    let read = read_chip(
        &mut reader,
        &keys(&card),
        &trust(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(
        read.passive.verdict.is_verified(),
        "{:?}",
        read.passive.verdict
    );
    assert_eq!(read.dg13.as_ref().unwrap().first(2), Some("Nguyễn Văn An"));
    assert_eq!(
        (read.access.protocol, read.access.password),
        ("PACE", "CAN"),
        "PACE with the card number from the QR, through pcscd"
    );
    assert!(reader.name().contains("Virtual PCD"));

    // Lift the card: the connection closes, pcscd reports no card.
    connection.shutdown(std::net::Shutdown::Both).unwrap();
    assert_eq!(
        server.join().unwrap(),
        read.apdus,
        "every APDU went through pcscd"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while reader.status().unwrap() != ReaderStatus::NoCard {
        assert!(
            Instant::now() < deadline,
            "the lifted card was still reported"
        );
        std::thread::yield_now();
    }
    // A card lifted after 12 APDUs, in the middle of DG2.
    let (_connection, lifted) = insert(card.clone(), Some(12));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // The previous card's connection has gone; wait for the new one.
        if reader.wait_for_card_event(Duration::from_secs(1)).unwrap()
            && reader.status().unwrap() == ReaderStatus::CardPresent
        {
            break;
        }
        assert!(Instant::now() < deadline, "the second card was not seen");
    }
    let err = read_chip(
        &mut reader,
        &keys(&card),
        &trust(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, ChipError::Removed | ChipError::NoCard),
        "{err:?}"
    );
    assert_eq!(lifted.join().unwrap(), 12);

    // pcscd stops and comes back (only when this test started it): the reader says the
    // service is missing, then reconnects by itself.
    if let Some(mut child) = daemon.0.take() {
        child.kill().unwrap();
        child.wait().unwrap();
        let err = reader.status().unwrap_err();
        assert!(err.to_string().contains("pcscd"), "{err}");
        daemon = pcscd();
        assert_eq!(reader.status().unwrap(), ReaderStatus::NoCard);
        assert!(daemon.0.is_some());
    }
}
