//! A dependency-free benchmark harness that prints libtest-style `bench:` lines.
//!
//! Criterion would need crates from the network; this harness keeps the demo buildable offline
//! while still producing output that ferrox's benchmark parsers understand.
//!
//! The regression knob: `DEMO_SLOWDOWN_PCT=P` (or the `SLOWDOWN_PCT` constant below) makes every
//! benchmark do P% more real work: the benchmarked function runs P extra times per 100 iterations
//! (spread evenly), so ferrox's gates can be shown catching regressions of a known size. Extra
//! *calls* of the same function on the same input (rather than the function on more input) make
//! the size exact: each call costs the same time and the same instructions. Every timed round
//! holds a whole number of knob periods (its iteration count is rounded up to a multiple of
//! 100 / gcd(P, 100)) and starts with no credit, so each round makes exactly P% more calls: a
//! round of 35 iterations at 10% would otherwise make 3 or 4 extra calls (8.6% or 11.4%). Under
//! callgrind (which counts only inside `bench_*`) it is exactly P% more instructions whenever the
//! fixed iteration count is such a multiple. Each benchmark's calls per round go to stderr.
//!
//! Arguments (after `cargo bench --bench checksum --`, or to the built binary):
//! `--rounds N` timed rounds per benchmark (default 11), `--round-ms MS` target length of one round
//! (default 8), `--iterations N` a fixed iteration count instead of calibrating (one round; for
//! instruction counting under valgrind), and benchmark names to run only those.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// A clock that counts only the time this thread spent on a CPU, where the OS offers one.
///
/// On a shared machine a neighbour's process can take the CPU in the middle of a round; wall
/// time would count that wait, CPU time does not. Linux has `CLOCK_THREAD_CPUTIME_ID` (ns
/// resolution); elsewhere the wall clock is used.
struct Clock;

#[cfg(target_os = "linux")]
mod cpu_clock {
    #[repr(C)]
    struct Timespec {
        seconds: i64,
        nanoseconds: i64,
    }

    extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }

    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

    /// This thread's CPU time in nanoseconds, if the clock can be read.
    pub fn now() -> Option<u128> {
        let mut time = Timespec {
            seconds: 0,
            nanoseconds: 0,
        };
        // SAFETY: `time` is a valid, writable timespec (64-bit fields on Linux x86_64 and
        // aarch64) and clock_gettime writes nothing else.
        let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
        (status == 0).then(|| time.seconds as u128 * 1_000_000_000 + time.nanoseconds as u128)
    }
}

#[cfg(not(target_os = "linux"))]
mod cpu_clock {
    pub fn now() -> Option<u128> {
        None
    }
}

impl Clock {
    /// Runs `work` and returns how long it took, in nanoseconds.
    fn time(&self, mut work: impl FnMut()) -> u128 {
        if let Some(start) = cpu_clock::now() {
            work();
            if let Some(end) = cpu_clock::now() {
                return end.saturating_sub(start);
            }
        }
        let start = Instant::now();
        work();
        start.elapsed().as_nanos()
    }
}

/// The slowdown built into this version of the code, in percent of extra work per iteration.
const SLOWDOWN_PCT: u32 = 0;

struct Options {
    rounds: usize,
    round: Duration,
    iterations: Option<u64>,
    filters: Vec<String>,
    slowdown_pct: u32,
}

#[inline(never)]
fn bench_adler32_64k(data: &[u8]) -> u32 {
    demo_core::adler32(black_box(data))
}

#[inline(never)]
fn bench_parse_list_1k(text: &str) -> usize {
    demo_core::parse_list(black_box(text)).map_or(0, |v| v.len())
}

#[inline(never)]
fn bench_fibonacci_x100() -> u64 {
    (0..100).fold(0_u64, |acc, _| acc ^ demo_core::fibonacci(black_box(90)))
}

/// Runs `routine` once per iteration plus the knob's extra calls: `pct` per 100 iterations.
///
/// A credit accumulates `pct` per iteration and pays for one extra call per 100, so the extra
/// calls are spread evenly over a round instead of bunched at its end.
struct Knob {
    pct: u32,
    credit: u32,
}

impl Knob {
    /// The fewest iterations that make a whole number of extra calls: 100 / gcd(pct, 100).
    fn period(&self) -> u64 {
        let (mut a, mut b) = (u64::from(self.pct), 100_u64);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        100 / a.max(1)
    }

    /// Extra calls in a round of `iterations` that starts with no credit.
    fn extra_calls(&self, iterations: u64) -> u64 {
        iterations * u64::from(self.pct) / 100
    }

    fn iteration(&mut self, routine: &mut impl FnMut()) {
        routine();
        self.credit += self.pct;
        while self.credit >= 100 {
            self.credit -= 100;
            routine();
        }
    }
}

fn measure(options: &Options, name: &str, mut routine: impl FnMut()) {
    if !options.filters.is_empty() && !options.filters.iter().any(|f| name.contains(f.as_str())) {
        return;
    }
    let mut knob = Knob {
        pct: options.slowdown_pct,
        credit: 0,
    };
    let (rounds, iterations) = match options.iterations {
        Some(fixed) => (1, fixed),
        None => {
            let calibrated = calibrate(options.round, &mut || knob.iteration(&mut routine));
            // Whole knob periods per round: every round then makes exactly pct% more calls.
            let period = knob.period();
            (options.rounds, calibrated.div_ceil(period) * period)
        }
    };
    eprintln!(
        "{name}: {iterations} iterations + {} extra calls per round (slowdown {}%)",
        knob.extra_calls(iterations),
        knob.pct
    );
    let clock = Clock;
    let mut per_iteration = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        knob.credit = 0;
        let elapsed = clock.time(|| {
            for _ in 0..iterations {
                knob.iteration(&mut routine);
            }
        });
        per_iteration.push(elapsed / u128::from(iterations));
    }
    per_iteration.sort_unstable();
    let median = per_iteration[per_iteration.len() / 2];
    let spread = per_iteration[per_iteration.len() - 1] - per_iteration[0];
    println!("test {name} ... bench: {median:>11} ns/iter (+/- {spread})");
}

/// How many iterations fill one round of the target length (at least one).
fn calibrate(round: Duration, routine: &mut impl FnMut()) -> u64 {
    let mut iterations = 1_u64;
    loop {
        let start = Instant::now();
        for _ in 0..iterations {
            routine();
        }
        let elapsed = start.elapsed();
        if elapsed >= round / 4 || iterations >= 1 << 30 {
            let per = elapsed.as_nanos().max(1) / u128::from(iterations);
            return u64::try_from((round.as_nanos() / per.max(1)).max(1)).unwrap_or(u64::MAX);
        }
        iterations *= 2;
    }
}

fn parse_options() -> Options {
    let slowdown_pct = std::env::var("DEMO_SLOWDOWN_PCT")
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(SLOWDOWN_PCT);
    let mut options = Options {
        rounds: 11,
        round: Duration::from_millis(8),
        iterations: None,
        filters: Vec::new(),
        slowdown_pct,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = || -> u64 {
            let value = args.next().unwrap_or_default();
            value
                .parse()
                .unwrap_or_else(|_| panic!("{arg} needs a number, got {value:?}"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--rounds" => options.rounds = usize::try_from(number().max(1)).unwrap_or(1),
            "--round-ms" => options.round = Duration::from_millis(number().max(1)),
            "--iterations" => options.iterations = Some(number().max(1)),
            other if other.starts_with("--") => panic!("unknown option {other}"),
            name => options.filters.push(name.to_owned()),
        }
    }
    options
}

fn main() {
    let options = parse_options();
    let data: Vec<u8> = (0..65_536_u32).map(|i| (i % 251) as u8).collect();
    measure(&options, "adler32_64k", || {
        black_box(bench_adler32_64k(black_box(&data)));
    });
    let numbers: Vec<String> = (0..1_000_u32)
        .map(|i| (i * 7919 % 100_000).to_string())
        .collect();
    let text = numbers.join(",");
    // One call outside the counted `bench_*` functions: the allocator's first-use set-up would
    // otherwise be counted once, and a knob of P% would change the count by a hair under P%.
    black_box(demo_core::parse_list(black_box(&text)).map_or(0, |v| v.len()));
    measure(&options, "parse_list_1k", || {
        black_box(bench_parse_list_1k(black_box(&text)));
    });
    measure(&options, "fibonacci_x100", || {
        black_box(bench_fibonacci_x100());
    });
}
