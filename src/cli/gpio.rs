//! `xakiosk gpio …`: the technician's check of the cabinet's wiring through the configured
//! pins (`[devices] gpio`, `[gpio]`) — `watch` prints each debounced input change as the
//! kiosk would hear it (the same watch loop: edge events where the pins have them), `set`
//! switches an output and holds it. Stop the kiosk first: a line has one owner at a time.

use crate::devices::gpio::input_watch::{DEBOUNCE, InputWatch, POLL_EVERY};
use crate::devices::gpio::{Gpio, Input, Output, lock};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `xakiosk gpio …`.
#[derive(clap::Subcommand, Debug)]
pub enum GpioCmd {
    /// Print the inputs' levels, then one JSON line per debounced change (presence, help
    /// button, door) until --events changes were seen, --timeout passed, or Ctrl-C
    Watch {
        /// Stop after this many changes (exit 1 if --timeout passes first)
        #[arg(long)]
        events: Option<u32>,
        /// Stop after this many seconds
        #[arg(long)]
        timeout: Option<f64>,
    },
    /// Switch an output (light_green, light_red, printer_power) on or off; the other outputs
    /// are switched off. The line is released when the command ends, so --hold keeps it
    Set {
        output: String,
        /// on or off
        state: String,
        /// Seconds to hold the output before releasing the line
        #[arg(long, default_value_t = 0.0)]
        hold: f64,
    },
}

/// Runs a `gpio` subcommand with the configuration at `layers`.
pub fn run(layers: &crate::config::layers::LayerPaths, command: GpioCmd) -> Result<(), String> {
    let effective = crate::config::layers::load(layers);
    if let Some(fault) = effective.fault {
        return Err(fault);
    }
    let gpio = crate::app::device_set::DeviceSet::open_gpio(&effective.config).map_err(|e| {
        let e = e.to_string();
        match e.contains("busy") {
            true => format!("{e}: the kiosk holds its pins while it runs; stop it first"),
            false => e,
        }
    })?;
    match command {
        GpioCmd::Watch { events, timeout } => {
            let timeout = timeout.map(seconds).transpose()?;
            watch(gpio, events, timeout)
        }
        GpioCmd::Set {
            output,
            state,
            hold,
        } => set(gpio, &output, &state, seconds(hold)?),
    }
}

fn seconds(value: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("{value} is not a number of seconds (0 or more)"))
}

fn describe(gpio: &Mutex<dyn Gpio>) -> String {
    lock(gpio).describe().unwrap_or_else(|| "simulated".into())
}

fn watch(
    gpio: Arc<Mutex<dyn Gpio>>,
    wanted: Option<u32>,
    timeout: Option<Duration>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the event loop: {e}"))?;
    runtime.block_on(async move {
        let chip = describe(&gpio);
        let mut levels = serde_json::Map::new();
        for input in Input::ALL {
            let level = lock(&gpio).read(input).map_err(|e| e.to_string())?;
            levels.insert(input.name().into(), level.into());
        }
        let mut watch = InputWatch::new(gpio, DEBOUNCE, POLL_EVERY);
        println!(
            "{}",
            serde_json::json!({ "gpio": chip, "edges": watch.uses_edges(), "inputs": levels })
        );
        let mut seen = 0u32;
        let mut sampled = watch.sample();
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            for event in sampled.events.drain(..) {
                println!("{}", serde_json::json!({ "event": event.name() }));
                seen += 1;
                if wanted.is_some_and(|n| seen >= n) {
                    return Ok(());
                }
            }
            if sampled.newly_failing {
                return Err("cannot read the cabinet's inputs (see the log above)".into());
            }
            sampled = tokio::select! {
                next = watch.next() => next,
                _ = async { tokio::time::sleep_until(deadline?).await; Some(()) },
                    if deadline.is_some() => {
                    return match wanted {
                        Some(n) => Err(format!("{seen} of {n} changes seen before the timeout")),
                        None => Ok(()),
                    };
                }
                _ = tokio::signal::ctrl_c() => return Ok(()),
            };
        }
    })
}

fn set(
    gpio: Arc<Mutex<dyn Gpio>>,
    output: &str,
    state: &str,
    hold: Duration,
) -> Result<(), String> {
    let Some(output) = Output::ALL.into_iter().find(|o| o.name() == output) else {
        let names: Vec<&str> = Output::ALL.iter().map(|o| o.name()).collect();
        return Err(format!(
            "{output:?} is not an output; one of: {}",
            names.join(", ")
        ));
    };
    let on = match state {
        "on" => true,
        "off" => false,
        other => return Err(format!("{other:?}: say on or off")),
    };
    let chip = describe(&gpio);
    lock(&gpio).write(output, on).map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::json!({ "gpio": chip, "output": output.name(), "on": on, "hold_s": hold.as_secs_f64() })
    );
    std::thread::sleep(hold);
    Ok(())
}
