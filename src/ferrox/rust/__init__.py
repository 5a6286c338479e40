"""Rust project support: workspace facts, cargo/rustc/libtest/nextest output, Cargo.lock, rustup."""
