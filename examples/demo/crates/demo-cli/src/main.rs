//! `demo-cli 1,2,3` prints the Adler-32 checksum and the Fibonacci number of each item;
//! `demo-cli --version` prints its version (the docker images' smoke run and health check).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = std::env::args().skip(1).collect::<Vec<_>>();
    if args.iter().any(|arg| arg == "--version") {
        println!("demo-cli {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let input = args.join(",");
    match demo_core::parse_list(&input) {
        Ok(numbers) => {
            for number in numbers {
                let n = u32::try_from(number).unwrap_or(u32::MAX);
                let checksum = demo_core::adler32(number.to_string().as_bytes());
                println!(
                    "{number}\tfib={}\tadler32={checksum:08x}",
                    demo_core::fibonacci(n)
                );
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("demo-cli: {message}");
            ExitCode::from(2)
        }
    }
}
