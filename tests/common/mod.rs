//! Shared by the crash tests: run this test binary's child test, collect the `ACK t n` lines it
//! prints after each acknowledged commit, and SIGKILL it at a random moment.

use rand::Rng;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs the ignored test `child` with `env`, kills it after `target` acknowledgements (or 20 s)
/// plus a random pause of up to `jitter_us`, and returns the highest acknowledged number per
/// thread and how many acknowledgements there were. Acknowledgements printed before the kill
/// count too: the reader drains the pipe to its end.
pub fn run_and_kill(
    child: &str,
    env: &[(&str, String)],
    target: u32,
    jitter_us: u64,
    rng: &mut impl Rng,
) -> (HashMap<u64, u64>, u64) {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([
        child,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut proc = cmd.spawn().unwrap();
    let stdout = proc.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // A marker, since libtest may print its own text on the same line.
            let Some(at) = line.find("ACK ") else {
                continue;
            };
            let mut it = line[at + 4..].split_whitespace().map(|x| x.parse::<u64>());
            if let (Some(Ok(t)), Some(Ok(n))) = (it.next(), it.next())
                && tx.send((t, n)).is_err()
            {
                break;
            }
        }
    });
    let mut acked: HashMap<u64, u64> = HashMap::new();
    let mut seen = 0u64;
    let mut note = |(t, n): (u64, u64), acked: &mut HashMap<u64, u64>| {
        let e = acked.entry(t).or_insert(n);
        *e = (*e).max(n);
        seen += 1;
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut waited = 0;
    while waited < target && Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(a) => {
                note(a, &mut acked);
                waited += 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    std::thread::sleep(Duration::from_micros(rng.random_range(0..jitter_us)));
    proc.kill().unwrap();
    proc.wait().unwrap();
    reader.join().unwrap();
    for a in rx.try_iter() {
        note(a, &mut acked);
    }
    (acked, seen)
}
