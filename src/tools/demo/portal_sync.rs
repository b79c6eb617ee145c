//! The network returns in the demo: the reference portal (real HTTP on loopback) receives
//! everything queued offline, publishes a catalogue the kiosk installs, an officer's request
//! for more flows back to the kiosk, the resident adds it at the kiosk and the officer sees it.

use super::walk::Walk;
use crate::app::startup::Startup;
use crate::config::Config;
use crate::core::dossier_code::DossierCode;
use crate::devices::clock::Clock;
use std::sync::Arc;
use std::time::Duration;

pub(super) fn sync_with_reference_portal(
    walk: &mut Walk,
    runtime: &tokio::runtime::Runtime,
    startup: &Startup,
) -> Result<(), String> {
    use crate::core::sync_status::SyncStatus;
    use crate::portal::{PortalDb, PortalState, development_officer};
    use crate::sync::engine::SyncEngine;
    use crate::sync::transport::{HttpTransport, KioskIdentity};
    use crate::tools::officer_browser::OfficerBrowser;
    let db = Arc::new(PortalDb::open_in_memory().map_err(|e| e.to_string())?);
    let key = include_str!("../../../assets/dev/portal-development.key");
    let opener = crate::protocol::sealing::Opener::from_base64(key).map_err(|e| e.to_string())?;
    development_officer::ensure(&db).map_err(|e| e.to_string())?;
    let mut trust = crate::identity::trust_list::TrustList::empty();
    trust.add_path(&crate::app::assets::assets_dir().join("dev/cards/csca.pem"));
    let state = PortalState::new(db.clone(), "demo-token")
        .with_opener(opener)
        .with_trust_list(trust)
        .with_catalogue_key(crate::protocol::catalogue_bundle::DEVELOPMENT_CATALOGUE_KEY);
    // The portal publishes a signed catalogue; the kiosk must install it on its next pass.
    let catalogue_key = crate::protocol::signing::DeviceKey::from_base64(include_str!(
        "../../../assets/dev/catalogue-development.key"
    ))
    .map_err(|e| e.to_string())?;
    let bundle = crate::app::assets::catalogue_bundle_from_files(
        &crate::app::assets::assets_dir().join("procedures"),
        None,
        Some(&crate::app::assets::assets_dir().join("offices.toml")),
        startup.catalogue_install.version() + 1,
    )
    .map_err(|e| e.to_string())?;
    db.publish_catalogue(&crate::protocol::catalogue_bundle::sign(
        &bundle,
        &catalogue_key,
    ))
    .map_err(|e| e.to_string())?;
    let base =
        crate::portal::spawn_on_loopback(runtime.handle(), state).map_err(|e| e.to_string())?;
    let identity = KioskIdentity {
        kiosk_id: Config::development().kiosk.id,
        key: startup
            .device_key
            .clone()
            .ok_or("the demo's device key cannot be read")?,
        place: Config::development().kiosk.place,
        commune_code: Config::development().kiosk.commune_code,
    };
    let transport = HttpTransport::new(&base, identity, "demo-token", Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let engine = SyncEngine::new(
        startup.store.clone(),
        transport,
        walk.clock.clone(),
        &Config::development().kiosk.id,
    )
    .with_catalogue(startup.catalogue_install.clone());
    let pass = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
    let expected = walk.report.dossier_codes.len();
    walk.check(
        &format!("the portal accepts the {expected} dossier(s) queued offline"),
        pass.accepted == expected,
    );
    walk.check(
        "the portal holds each dossier once",
        db.received_count().map_err(|e| e.to_string())? == expected as u64,
    );
    walk.check(
        "the kiosk installs the catalogue the portal signed",
        startup.catalogue_install.version() == bundle.version,
    );
    walk.check(
        "the portal lists the kiosk with its heartbeat",
        db.devices()
            .map_err(|e| e.to_string())?
            .iter()
            .any(|d| d.last_heartbeat.is_some()),
    );
    let replay = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
    walk.check("a second pass sends nothing again", replay.accepted == 0);
    // An officer signs in, reads the list and opens every dossier (each opening logged).
    let officer = runtime
        .block_on(OfficerBrowser::sign_in(
            &base,
            development_officer::NAME,
            development_officer::PASSWORD,
        ))
        .map_err(|(status, page)| format!("the demo officer cannot sign in: {status} {page}"))?;
    let officer_page = runtime.block_on(officer.page("/officer"))?;
    let received = db.list(100).map_err(|e| e.to_string())?;
    let mut opened = Vec::new();
    for r in &received {
        opened.push(runtime.block_on(officer.page(&format!("/officer/dossiers/{}", r.id)))?);
    }
    walk.check(
        "the officer sees the applicant was verified with the chip card",
        opened
            .iter()
            .any(|page| page.contains("Đã xác thực bằng chip")),
    );
    walk.check(
        "the portal re-checked the chip data sealed in the dossier against its own CSCA list",
        opened
            .iter()
            .any(|page| page.contains("Cổng ĐÃ KIỂM TRA LẠI")),
    );
    walk.check(
        "every dossier the officer opened is in the audit log under their name",
        db.audit_log(None)
            .map_err(|e| e.to_string())?
            .iter()
            .filter(|e| e.action == "open_dossier" && e.actor == development_officer::NAME)
            .count()
            == received.len(),
    );
    walk.check(
        "the residents' ratings reached the portal and are shown openly",
        db.rating_summary().map(|(n, _)| n).unwrap_or(0) == expected as u64
            && officer_page.contains(&format!("Mức độ hài lòng: {expected} lượt đánh giá")),
    );
    if let Some(code) = walk
        .report
        .dossier_codes
        .first()
        .and_then(|c| DossierCode::parse(c).ok())
    {
        let found = startup
            .store
            .call_blocking(move |s| s.find_by_code(&code))
            .map_err(|e| e.to_string())?;
        if let Some(summary) = found {
            // The dossier's first photo, taken again.
            let photo = startup
                .catalogue
                .get(&summary.procedure_id)
                .and_then(|p| {
                    p.fields
                        .iter()
                        .find(|f| f.kind == crate::core::field::FieldKind::Attachment)
                })
                .map(|f| f.id.clone())
                .unwrap_or_default();
            let due = (walk.clock.now() + chrono::TimeDelta::days(15))
                .date_naive()
                .format("%Y-%m-%d")
                .to_string();
            let (status, page) = runtime.block_on(officer.post(
                &format!("/officer/dossiers/{}/decision", summary.id),
                &[
                    ("state", "needs_fix"),
                    ("note", "Ảnh giấy tờ chưa rõ chữ, vui lòng chụp lại rõ hơn"),
                    ("fields", &photo),
                    ("due", &due),
                ],
            ));
            if status != 303 {
                return Err(format!(
                    "the officer's decision was refused: {status} {page}"
                ));
            }
            runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
            let id = summary.id;
            let last = startup
                .store
                .call_blocking(move |s| s.history(id))
                .map_err(|e| e.to_string())?;
            let flowed_back = last
                .last()
                .is_some_and(|e| e.state == crate::core::dossier::DossierState::NeedsFix);
            walk.check(
                "the officer's decision flows back to the kiosk",
                flowed_back,
            );
            let code = summary.code.display();
            super::supplement::add_it_at_the_kiosk(walk, &code);
            let pass = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
            walk.check("the supplement reaches the portal once", pass.accepted == 1);
            let replay = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
            walk.check("the supplement is not sent again", replay.accepted == 0);
            let officer_page = runtime.block_on(officer.page("/officer"))?;
            walk.check(
                "the officer sees the supplement beside the dossier it completes",
                officer_page.contains(&format!("BỔ SUNG cho hồ sơ {}", summary.code.as_str())),
            );
            super::supplement::look_it_up_again(walk, &code);
        }
    }
    let queued = startup
        .store
        .call_blocking(|s| s.queue_len())
        .map_err(|e| e.to_string())?;
    walk.kiosk
        .deliver(crate::session::outcome::Outcome::Sync(SyncStatus {
            online: true,
            queued,
            sending: None,
        }));
    Ok(())
}
