//! A dependency-free benchmark that prints libtest-style `bench:` lines.
//!
//! Criterion would need crates from the network; this harness keeps the demo buildable offline
//! while still producing output that ferrox's benchmark parsers understand.

use std::hint::black_box;
use std::time::Instant;

const ITERATIONS: u32 = 2_000;

fn measure(name: &str, mut routine: impl FnMut()) {
    let mut per_iteration = Vec::with_capacity(21);
    for _ in 0..21 {
        let start = Instant::now();
        for _ in 0..ITERATIONS {
            routine();
        }
        per_iteration.push(start.elapsed().as_nanos() / u128::from(ITERATIONS));
    }
    per_iteration.sort_unstable();
    let median = per_iteration[per_iteration.len() / 2];
    let spread = per_iteration[per_iteration.len() - 1] - per_iteration[0];
    println!("test {name} ... bench: {median:>11} ns/iter (+/- {spread})");
}

fn main() {
    let data: Vec<u8> = (0..4096_u32).map(|i| (i % 251) as u8).collect();
    measure("adler32_4k", || {
        black_box(demo_core::adler32(black_box(&data)));
    });
    measure("fibonacci_90", || {
        black_box(demo_core::fibonacci(black_box(90)));
    });
}
