//! Sizes in bytes as people write them: `500MB`, `1.5GiB`.

/// Parses a size (`--max-size`, `--memory`, `[run] memory`): `1000`, `500MB`, `2 GB`, `1.5GiB`, `300k`. Decimal units (`K`/`KB`,
/// `M`/`MB`, `G`/`GB`, `T`/`TB`) are powers of 1000, binary ones (`KiB`, …) powers of 1024;
/// case does not matter. `None` if it is not a size or does not fit in 64 bits.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(multiplier);
    }
    let value: f64 = number.parse().ok()?;
    let bytes = (value * multiplier as f64).round();
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}
