//! Money as exact decimals: an amount is read only if it is a plain decimal (`25`, `25.00`,
//! `-3.5`) that a decimal of 28 significant digits holds exactly. Anything else is refused with
//! the reason, never rounded: `5.00000000000000000000000000001` is not 5.

use rust_decimal::Decimal;

/// Read an amount, or say why it is not one.
pub fn parse(text: &str) -> Result<Decimal, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !plain(whole) || fraction.is_some_and(|f| !plain(f)) {
        return Err(format!("`{text}` is not a plain decimal amount such as \"25.00\" (digits, one optional `.`)"));
    }
    Decimal::from_str_exact(text)
        .map_err(|_| format!("`{text}` has more digits than an amount can hold exactly (28 significant digits)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_decimals_held_exactly_or_refused() {
        assert_eq!(parse("25.00").map(|d| d.to_string()), Ok("25.00".into()));
        assert_eq!(parse("-3.5").map(|d| d.to_string()), Ok("-3.5".into()));
        assert_eq!(parse("0").map(|d| d.to_string()), Ok("0".into()));
        for bad in ["1__0__0", "1e2", "1E28", " 5", "5.", ".5", "+5", "", "-", "5.0.0", "0x10", "5,00"] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        // Beyond 28 significant digits a decimal would round: refused, not rounded.
        assert!(parse("5.00000000000000000000000000001").is_err());
        assert!(parse("-0.00000000000000000000000000001").is_err());
        assert!(parse("99999999999999999999999999999999").is_err());
        assert!(parse("1.234567890123456789012345678").is_ok());
    }
}
