//! `xakiosk bench --only ui`, the rendering rows: what a resident's interaction costs the
//! software renderer when only what changed is redrawn (a keyboard key, a step of a list
//! scroll, a tick of the timeout countdown, a whole screen change), at 1280×800 and
//! 1920×1080, beside the 60 Hz frame; then the same rows as a Pi-class estimate.
//!
//! Each resolution is measured in a child process (`xakiosk bench-render W H`: one Slint
//! platform per process), which prints one line per interaction. The Pi-class child runs
//! pinned to one core (`taskset -c 0`: the renderer draws on one thread; the pin keeps the
//! store and sync threads off the other core too), and its times are scaled by how much
//! slower a Raspberry Pi 4 core is than this machine's, from the single-thread `sysbench
//! cpu` score measured here in the same run against the published Pi 4 figure
//! (`PI4_SYSBENCH_EVENTS`). That is an estimate, labelled so: the renderer's mix of memory
//! and integer work is not sysbench's prime search.

use crate::tools::bench::{Row, ms};
use std::process::Command;
use std::time::{Duration, Instant};

/// Published single-thread `sysbench cpu run` (1.0.20, primes to 10 000) on a Raspberry Pi
/// 4: 1477.83 events/s (leoncode.co.uk, "Raspberry Pi CPU Benchmarks", Pi 1 to 5).
pub const PI4_SYSBENCH_EVENTS: f64 = 1477.83;

/// Interactions measured: name, goal as a share of the 60 Hz frame.
const INTERACTIONS: [(&str, f64); 4] = [
    ("keyboard key", 0.25),
    ("list scroll step", 0.25),
    ("timeout tick", 0.25),
    ("screen change", 0.5),
];

/// One interaction's figures, as the child prints them.
struct Measured {
    name: String,
    p50: Duration,
    share: f64,
}

/// The child side: drives the real UI at `width`×`height` and prints
/// `name<TAB>p50 nanoseconds<TAB>mean repainted share` per interaction.
pub fn probe(width: u32, height: u32) -> Result<(), String> {
    use crate::slint_generated::{
        CatalogueAdapter, IdentityAdapter, KeyboardAdapter, SessionAdapter,
    };
    use slint::ComponentHandle;
    let config = crate::config::Config::development();
    let dir = crate::tools::bench::tempfile_dir()?;
    let startup = crate::app::startup::Startup::prepare(&config, Some(&dir.join("render.sqlite")))?;
    let (headless, app, _kiosk) = crate::tools::bench::headless_kiosk(&startup)?;
    headless.resize(width, height);
    // Shown, as on the kiosk: a hidden window asks for no redraws.
    app.show().map_err(|e| e.to_string())?;
    let session = app.global::<SessionAdapter>();
    let catalogue = app.global::<CatalogueAdapter>();
    let keyboard = app.global::<KeyboardAdapter>();
    // Draws until settled, so a measurement times its own change only.
    let settle = || {
        headless.pump();
        for _ in 0..3 {
            headless.draw();
        }
    };
    let measure = |name: &str, change: &mut dyn FnMut(usize)| -> Result<(), String> {
        let mut times = Vec::new();
        let mut shares = Vec::new();
        for i in 0..24 {
            settle();
            change(i);
            // The controller's answer to the change, as the event loop would run it.
            headless.pump();
            let t = Instant::now();
            let repainted = headless.draw();
            let took = t.elapsed();
            let Some(repainted) = repainted else {
                return Err(format!("{name}: the change repainted nothing"));
            };
            times.push(took);
            shares.push(repainted.share);
        }
        times.sort();
        let p50 = times[times.len() / 2];
        let share = shares.iter().sum::<f64>() / shares.len() as f64;
        println!("{name}\t{}\t{share:.4}", p50.as_nanos());
        Ok(())
    };
    settle();

    // A key on the on-screen keyboard: a digit of the personal ID appears in the answer box.
    session.invoke_start_submit();
    catalogue.invoke_pick("dang-ky-tam-tru".into());
    catalogue.invoke_begin();
    app.global::<IdentityAdapter>().invoke_skip();
    measure("keyboard key", &mut |i| {
        keyboard.invoke_key(if i % 2 == 1 { "backspace" } else { "1" }.into());
    })?;

    // A step of a finger scrolling the procedure list (large text: the list is longer than
    // the screen).
    session.invoke_go_home();
    session.invoke_toggle_elder();
    session.invoke_start_submit();
    // Over the list, between the search box and the keyboard.
    let position = slint::LogicalPosition::new(width as f32 / 2.0, height as f32 * 0.5);
    measure("list scroll step", &mut |i| {
        let delta_y = if (i / 6) % 2 == 0 { -24.0 } else { 24.0 };
        app.window()
            .dispatch_event(slint::platform::WindowEvent::PointerScrolled {
                position,
                delta_x: 0.0,
                delta_y,
            });
    })?;
    session.invoke_go_home();

    // The countdown before an idle session is cleared, one second at a time.
    session.set_timeout_warning(true);
    measure("timeout tick", &mut |i| {
        session.set_seconds_left(30 - (i as i32 % 30));
    })?;
    session.set_timeout_warning(false);

    // A whole screen for another: home, list, a procedure, lookup, help, in turn.
    let mut step = 0;
    measure("screen change", &mut |_| {
        match step % 5 {
            0 => session.invoke_start_submit(),
            1 => catalogue.invoke_pick("dang-ky-tam-tru".into()),
            2 => {
                session.invoke_go_home();
                session.invoke_open_lookup();
            }
            3 => session.invoke_open_help(),
            _ => session.invoke_go_home(),
        }
        step += 1;
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Runs the probe in a child process (pinned to one core when `one_core`).
fn run_probe(width: u32, height: u32, one_core: bool) -> Result<Vec<Measured>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = if one_core {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let output = command
        .args(["bench-render", &width.to_string(), &height.to_string()])
        .output()
        .map_err(|e| format!("cannot run the render probe: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the render probe at {width}×{height} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let measured: Vec<Measured> = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let name = parts.next()?.to_string();
            let nanos: u64 = parts.next()?.parse().ok()?;
            let share: f64 = parts.next()?.parse().ok()?;
            Some(Measured {
                name,
                p50: Duration::from_nanos(nanos),
                share,
            })
        })
        .collect();
    if measured.len() != INTERACTIONS.len() {
        return Err(format!(
            "the render probe at {width}×{height} printed {} of {} rows",
            measured.len(),
            INTERACTIONS.len()
        ));
    }
    Ok(measured)
}

/// Single-thread `sysbench cpu` events per second on this machine, if sysbench is installed.
fn sysbench_here() -> Option<f64> {
    let output = Command::new("sysbench")
        .args(["cpu", "--threads=1", "--time=10", "run"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("events per second:"))
        .and_then(|v| v.trim().parse().ok())
}

pub(crate) fn rows() -> Result<Vec<Row>, String> {
    let frame = Duration::from_secs_f64(1.0 / 60.0);
    let goal_of = |name: &str| {
        INTERACTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(1.0, |(_, g)| *g)
    };
    let mut rows = Vec::new();
    for (width, height) in [(1280, 800), (1920, 1080)] {
        for m in run_probe(width, height, false)? {
            rows.push(Row {
                what: format!(
                    "render {} {width}×{height} ({:.0}% of screen)",
                    m.name,
                    m.share * 100.0
                ),
                value: ms(m.p50),
                peer: format!("60 Hz frame {}; goal ≤ {}×", ms(frame), goal_of(&m.name)),
                ratio: m.p50.as_secs_f64() / frame.as_secs_f64(),
            });
        }
    }
    match sysbench_here() {
        Some(here) => {
            let factor = here / PI4_SYSBENCH_EVENTS;
            for (width, height) in [(1280, 800), (1920, 1080)] {
                for m in run_probe(width, height, true)? {
                    let estimate = m.p50.mul_f64(factor);
                    rows.push(Row {
                        what: format!("Pi 4 ESTIMATE {} {width}×{height}", m.name),
                        value: ms(estimate),
                        peer: format!(
                            "60 Hz {}; 1 core here {} ×{factor:.1}",
                            ms(frame),
                            ms(m.p50)
                        ),
                        ratio: estimate.as_secs_f64() / frame.as_secs_f64(),
                    });
                }
            }
            rows.push(Row {
                what: "  Pi 4 scaling: sysbench cpu, 1 thread, here / Pi 4".into(),
                value: format!("{here:.0} /s"),
                peer: format!("Pi 4 published {PI4_SYSBENCH_EVENTS:.0} /s"),
                ratio: factor,
            });
        }
        None => rows.push(Row {
            what: "Pi 4 ESTIMATE: not measured".into(),
            value: "—".into(),
            peer: "needs sysbench (scripts/bench.sh installs it)".into(),
            ratio: f64::NAN,
        }),
    }
    Ok(rows)
}
