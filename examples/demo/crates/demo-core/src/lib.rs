//! Small numeric helpers used by the ferrox demo workspace.
//!
//! The crate is deliberately tiny: it exists so that every ferrox step (fmt, clippy, test,
//! benchmarks) has real code to work on and builds in seconds without any dependency.

/// Returns the `n`-th Fibonacci number, saturating at `u64::MAX`.
///
/// ```
/// assert_eq!(demo_core::fibonacci(10), 55);
/// ```
pub fn fibonacci(n: u32) -> u64 {
    let (mut current, mut next) = (0_u64, 1_u64);
    for _ in 0..n {
        let sum = current.saturating_add(next);
        current = next;
        next = sum;
    }
    current
}

/// Computes an Adler-32 checksum of `data`.
///
/// ```
/// assert_eq!(demo_core::adler32(b"Wikipedia"), 0x11E6_0398);
/// ```
pub fn adler32(data: &[u8]) -> u32 {
    const MODULUS: u32 = 65_521;
    let (mut a, mut b) = (1_u32, 0_u32);
    for &byte in data {
        a = (a + u32::from(byte)) % MODULUS;
        b = (b + a) % MODULUS;
    }
    (b << 16) | a
}

/// Parses a comma-separated list of unsigned integers, reporting the first bad item.
pub fn parse_list(text: &str) -> Result<Vec<u64>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.parse().map_err(|_| format!("not a number: {item:?}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fibonacci_starts_at_zero() {
        assert_eq!(fibonacci(0), 0);
        assert_eq!(fibonacci(1), 1);
        assert_eq!(fibonacci(20), 6_765);
    }

    #[test]
    fn fibonacci_saturates() {
        assert_eq!(fibonacci(200), u64::MAX);
    }

    #[test]
    fn adler32_of_empty_input_is_one() {
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn parse_list_reports_bad_items() {
        assert_eq!(parse_list("1, 2,3"), Ok(vec![1, 2, 3]));
        assert_eq!(parse_list("1,x"), Err("not a number: \"x\"".to_owned()));
    }
}
