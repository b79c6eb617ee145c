//! `xakiosk bench`, the cold start in a real window: the kiosk (`xakiosk --development`, the
//! desktop build on X11) and its peer, Debian's Chromium in kiosk mode showing an equivalent
//! static home page, each started in the same virtual display (Xvfb) and timed from the
//! process start to its first frame on the display that looks like its settled home screen.
//!
//! How a frame is seen: Xvfb keeps its screen in a file (`-fbdir`, XWD format) that this
//! module samples on a grid (1 280 points) every millisecond. A first, untimed start of each
//! program records its settled screen (unchanged for two seconds); a timed start ends when
//! 97% of the grid matches it. Both programs keep their data between starts (the kiosk its
//! database, Chromium its profile), as on a kiosk that has run before. The same method and
//! display for both, so neither is favoured by how "first frame" is defined. Xvfb and
//! Chromium come from `scripts/bench.sh`; without them the row says so.

use crate::tools::bench::{Row, ms};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;
/// Grid points sampled per frame (40 × 32).
const GRID: (u32, u32) = (40, 32);
/// Share of grid points that must match the settled screen.
const MATCH: f64 = 0.97;
/// Longest a start may take before the run is abandoned.
const LIMIT: Duration = Duration::from_secs(60);

/// The peer's page: the kiosk's home screen as a web page (same texts, colours and font).
fn home_page(fonts: &Path) -> String {
    let font = |file: &str| format!("file://{}", fonts.join(file).display());
    format!(
        r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>xakiosk</title>
<style>
@font-face {{ font-family: "Noto Sans"; src: url("{regular}"); font-weight: 400; }}
@font-face {{ font-family: "Noto Sans"; src: url("{bold}"); font-weight: 700; }}
html, body {{ margin: 0; height: 100%; background: #f6f4ef; color: #1c232b;
  font-family: "Noto Sans", sans-serif; font-size: 24px; overflow: hidden; }}
.bar {{ background: #0b4f8a; color: #fff; display: flex; align-items: center;
  justify-content: space-between; padding: 8px 20px; font-weight: 700; }}
.bar span {{ border: 2px solid #fff; border-radius: 8px; padding: 6px 16px; margin-left: 10px; }}
.status {{ background: #0b4f8a; color: #fff; padding: 6px 20px; border-top: 1px solid #1f6aa8; }}
main {{ padding: 24px 32px; }}
h1 {{ font-size: 34px; margin: 0 0 8px; }}
.tiles {{ display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 16px; margin: 24px 0; }}
.tile {{ background: #fff; border: 2px solid #0b4f8a; border-radius: 12px; padding: 20px;
  min-height: 110px; font-weight: 700; color: #0b4f8a; }}
.tile small {{ display: block; font-weight: 400; color: #1c232b; margin-top: 8px; }}
.actions {{ display: flex; gap: 16px; }}
.actions div {{ flex: 1; background: #0b4f8a; color: #fff; border-radius: 12px;
  padding: 18px; text-align: center; font-weight: 700; }}
</style></head>
<body>
<div class="bar">Phường Hoàn Kiếm, Thành phố Hà Nội<div><span>VI</span><span>EN</span></div></div>
<div class="status">● Chưa có mạng &nbsp; Gọi hỗ trợ</div>
<main>
<h1>Xin chào! Ông/bà cần làm thủ tục gì?</h1>
<p>Chạm vào một thủ tục. Mọi bước đều làm được tại đây, kể cả khi không có mạng.</p>
<div class="tiles">
<div class="tile">Chứng thực bản sao từ bản chính<small>2.000 đ</small></div>
<div class="tile">Đăng ký tạm trú<small>Miễn phí</small></div>
<div class="tile">Đăng ký khai sinh<small>Miễn phí</small></div>
<div class="tile">Đăng ký khai tử<small>Miễn phí</small></div>
<div class="tile">Xác nhận tình trạng hôn nhân<small>Miễn phí</small></div>
<div class="tile">Đăng ký thường trú<small>Miễn phí</small></div>
</div>
<div class="actions"><div>Tra cứu hồ sơ</div><div>Tìm thủ tục</div><div>Hỗ trợ</div></div>
<p>Thông tin của ông/bà được xóa khỏi màn hình khi xong hoặc khi rời đi.</p>
</main></body></html>
"#,
        regular = font("NotoSans-Regular.ttf"),
        bold = font("NotoSans-Bold.ttf"),
    )
}

/// Xvfb's screen, read through its `-fbdir` file.
struct Screen {
    file: std::fs::File,
    /// The grid with no program on the display.
    blank: Vec<u32>,
    pixels_at: u64,
    bytes_per_line: u64,
    bytes_per_pixel: u64,
}

impl Screen {
    fn open(path: &Path) -> Result<Screen, String> {
        let file = std::fs::File::open(path)
            .map_err(|e| format!("cannot read Xvfb's screen {}: {e}", path.display()))?;
        let mut header = [0u8; 100];
        file.read_exact_at(&mut header, 0)
            .map_err(|e| format!("Xvfb's screen file is too short: {e}"))?;
        // XWD: CARD32 fields, most significant byte first.
        let field = |i: usize| {
            u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]) as u64
        };
        let (header_size, width, height) = (field(0), field(16), field(20));
        let (bits_per_pixel, bytes_per_line, colours) = (field(44), field(48), field(76));
        if width != WIDTH as u64 || height != HEIGHT as u64 || !matches!(bits_per_pixel, 24 | 32) {
            return Err(format!(
                "Xvfb's screen is {width}×{height} at {bits_per_pixel} bits, not {WIDTH}×{HEIGHT}"
            ));
        }
        let mut screen = Screen {
            file,
            blank: Vec::new(),
            pixels_at: header_size + colours * 12,
            bytes_per_line,
            bytes_per_pixel: bits_per_pixel / 8,
        };
        screen.blank = screen.sample();
        Ok(screen)
    }

    /// The grid's pixels, as raw words.
    fn sample(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity((GRID.0 * GRID.1) as usize);
        for gy in 0..GRID.1 {
            for gx in 0..GRID.0 {
                let x = (gx * WIDTH / GRID.0 + WIDTH / GRID.0 / 2) as u64;
                let y = (gy * HEIGHT / GRID.1 + HEIGHT / GRID.1 / 2) as u64;
                let at = self.pixels_at + y * self.bytes_per_line + x * self.bytes_per_pixel;
                let mut p = [0u8; 4];
                let n = self.bytes_per_pixel as usize;
                let _ = self.file.read_exact_at(&mut p[..n], at);
                out.push(u32::from_le_bytes([p[0], p[1], p[2], 0]));
            }
        }
        out
    }
}

fn matching(a: &[u32], b: &[u32]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len().max(1) as f64
}

/// A program started in its own process group, so that its helpers (Chromium's) end with it.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        if let Ok(group) = i32::try_from(self.0.id())
            && let Some(pid) = rustix::process::Pid::from_raw(group)
        {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(command: &mut Command, display: &str) -> Result<Started, String> {
    use std::os::unix::process::CommandExt;
    command
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map(Started)
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))
}

/// Starts `command` and returns how long until the screen showed `settled` (or, with none,
/// the screen once it stopped changing for two seconds).
fn first_frame(
    screen: &Screen,
    display: &str,
    command: &mut Command,
    settled: Option<&[u32]>,
) -> Result<(Duration, Vec<u32>), String> {
    // The last program's window gone: the display's empty root again.
    let waited = Instant::now();
    while screen.sample() != screen.blank {
        if waited.elapsed() > Duration::from_secs(10) {
            return Err("the display did not clear between starts".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    let _program = start(command, display)?;
    let mut last = screen.blank.clone();
    let mut still_since = Instant::now();
    loop {
        let now = screen.sample();
        let took = started.elapsed();
        match settled {
            Some(target) if matching(&now, target) >= MATCH => return Ok((took, now)),
            Some(_) => {}
            None => {
                if now != last {
                    still_since = Instant::now();
                    last = now;
                } else if last != screen.blank && still_since.elapsed() >= Duration::from_secs(2) {
                    return Ok((took, last));
                }
            }
        }
        if took > LIMIT {
            return Err(format!(
                "{:?} showed no settled screen within {} s",
                command.get_program(),
                LIMIT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The virtual display, removed when dropped.
struct VirtualDisplay {
    _server: Started,
    name: String,
    dir: PathBuf,
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn virtual_display() -> Result<VirtualDisplay, String> {
    let dir = crate::tools::bench::tempfile_dir()?.join("xvfb");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let number = (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .ok_or("no free X display number")?;
    let name = format!(":{number}");
    let server = start(
        Command::new("Xvfb")
            .arg(&name)
            .args(["-screen", "0", &format!("{WIDTH}x{HEIGHT}x24")])
            .arg("-fbdir")
            .arg(&dir)
            .args(["-nolisten", "tcp"]),
        "",
    )?;
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    let waited = Instant::now();
    while !(socket.exists() && dir.join("Xvfb_screen0").exists()) {
        if waited.elapsed() > Duration::from_secs(10) {
            return Err("Xvfb did not start".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(VirtualDisplay {
        _server: server,
        name,
        dir,
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub(crate) fn rows(quick: bool) -> Result<Vec<Row>, String> {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|p| installed(p));
    let (Some(chromium), true) = (chromium, installed("Xvfb")) else {
        return Ok(vec![Row {
            what: "cold start in a window: not measured".into(),
            value: "—".into(),
            peer: "needs Xvfb and chromium (scripts/bench.sh)".into(),
            ratio: f64::NAN,
        }]);
    };
    let runs = if quick { 2 } else { 5 };
    let display = virtual_display()?;
    // The file appears before Xvfb has written its header.
    let waited = Instant::now();
    let screen = loop {
        match Screen::open(&display.dir.join("Xvfb_screen0")) {
            Ok(screen) => break screen,
            Err(e) if waited.elapsed() > Duration::from_secs(10) => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let work = crate::tools::bench::tempfile_dir()?.join("cold-start");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let fonts = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts"))
        .map_err(|e| format!("the fonts for the peer's page: {e}"))?;
    let page = work.join("home.html");
    std::fs::write(&page, home_page(&fonts)).map_err(|e| e.to_string())?;

    let kiosk = || {
        let mut c = Command::new(&exe);
        c.arg("--development")
            .env("XDG_DATA_HOME", work.join("kiosk-data"))
            .env("XDG_CONFIG_HOME", work.join("kiosk-config"))
            .env("RUST_LOG", "warn");
        c
    };
    let browser = || {
        let mut c = Command::new(chromium);
        c.args([
            "--kiosk",
            "--no-first-run",
            "--no-default-browser-check",
            "--noerrdialogs",
            "--disable-session-crashed-bubble",
            "--disable-features=Translate",
            "--password-store=basic",
            "--no-sandbox",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("chromium").display()
        ))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("file://{}", page.display()));
        c
    };
    let measure = |make: &dyn Fn() -> Command| -> Result<Duration, String> {
        let (_, settled) = first_frame(&screen, &display.name, &mut make(), None)?;
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(first_frame(&screen, &display.name, &mut make(), Some(&settled))?.0);
        }
        Ok(median(times))
    };
    let ours = measure(&kiosk)?;
    let peer = measure(&browser)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(vec![Row {
        what: format!("cold start → first home frame in a window (Xvfb {WIDTH}×{HEIGHT}), p50"),
        value: ms(ours),
        peer: format!("Chromium --kiosk, same page {}; goal ≤ 0.1×", ms(peer)),
        ratio: ours.as_secs_f64() / peer.as_secs_f64().max(1e-9),
    }])
}
