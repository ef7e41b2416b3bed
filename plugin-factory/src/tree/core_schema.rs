//! The YAML 1.2 core schema: the type of a plain (unquoted, untagged) scalar, as its text
//! spells it. A file of its own so that the YAML reader stays a reader.

use super::node::{self, Value};

/// The value of a plain scalar by the YAML 1.2 core schema.
pub(super) fn core_schema(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => integer(text)
            .or_else(|| float(text).map(Value::Float))
            .unwrap_or_else(|| Value::String(text.to_owned())),
    }
}

fn digits(text: &str, radix: u32) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_digit(radix))
}

/// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`; a float past `i64` and `u64`.
fn integer(text: &str) -> Option<Value> {
    let (radix, digits_text) = if let Some(hex) = text.strip_prefix("0x") {
        (16, hex)
    } else if let Some(octal) = text.strip_prefix("0o") {
        (8, octal)
    } else {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !digits(unsigned, 10) {
            return None;
        }
        return Some(match node::integer(text, 10) {
            Some(integer) => Value::Integer(integer),
            None => Value::Float(float(text)?),
        });
    };
    if !digits(digits_text, radix) {
        return None;
    }
    Some(match node::integer(digits_text, radix) {
        Some(integer) => Value::Integer(integer),
        // Rounded once, to the nearest float, where the digits fit `u128` (a float made digit
        // by digit would round at each step); beyond that, digit by digit.
        None => Value::Float(match u128::from_str_radix(digits_text, radix) {
            Ok(whole) => whole as f64,
            Err(_) => digits_text.chars().fold(0.0, |sum, digit| {
                sum * f64::from(radix) + f64::from(digit.to_digit(radix).unwrap_or(0))
            }),
        }),
    })
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` or `[-+]?\.(inf|Inf|INF)`.
fn float(text: &str) -> Option<f64> {
    let negative = text.starts_with('-');
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            let exponent_digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
            (mantissa, digits(exponent_digits, 10).then_some(exponent)?)
        }
        None => (unsigned, "0"),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let valid = if whole.is_empty() {
        digits(fraction, 10)
    } else {
        digits(whole, 10) && (fraction.is_empty() || digits(fraction, 10))
    };
    if !valid {
        return None;
    }
    // Spelled so that Rust's parser takes every form the schema allows (`1.`, `.5e3`).
    let sign = if negative { "-" } else { "" };
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = if fraction.is_empty() { "0" } else { fraction };
    format!("{sign}{whole}.{fraction}e{exponent}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float_of(text: &str) -> Option<f64> {
        match core_schema(text) {
            Value::Float(float) => Some(float),
            _ => None,
        }
    }

    #[test]
    fn null_and_booleans() {
        for text in ["", "~", "null", "Null", "NULL"] {
            assert!(matches!(core_schema(text), Value::Null), "{text:?}");
        }
        assert!(matches!(core_schema("TRUE"), Value::Bool(true)));
        assert!(matches!(core_schema("False"), Value::Bool(false)));
        // YAML 1.1's booleans are strings in 1.2.
        for text in ["yes", "no", "on", "off", "nULL", "tRUE"] {
            assert!(matches!(core_schema(text), Value::String(_)), "{text:?}");
        }
    }

    #[test]
    fn integers() {
        assert!(matches!(core_schema("+12"), Value::Integer(12)));
        assert!(matches!(core_schema("-0"), Value::Integer(0)));
        assert!(matches!(core_schema("0x_1"), Value::String(_)));
        assert!(matches!(core_schema("0xFf"), Value::Integer(255)));
        assert!(matches!(core_schema("0o777"), Value::Integer(511)));
        assert!(matches!(core_schema("0o8"), Value::String(_)));
        // Signs belong to decimals only.
        assert!(matches!(core_schema("-0x1"), Value::String(_)));
        // `i64` and `u64` exactly; past them, a float.
        assert!(
            matches!(core_schema("18446744073709551615"), Value::Integer(n) if n == u64::MAX.into())
        );
        assert!(
            matches!(core_schema("0xffffffffffffffff"), Value::Integer(n) if n == u64::MAX.into())
        );
        assert!(
            matches!(core_schema("-9223372036854775808"), Value::Integer(n) if n == i64::MIN.into())
        );
        assert_eq!(
            float_of("0x10000000000000000"),
            Some(18446744073709551616.0)
        );
        // Rounded once: the float just above 2^64, not 2^64 itself.
        assert_eq!(
            float_of("0x10000000000000801"),
            Some(18446744073709555712.0)
        );
        assert_eq!(
            float_of("18446744073709551616"),
            Some(18446744073709551616.0)
        );
        assert_eq!(
            float_of("-9223372036854775809"),
            Some(-9223372036854775809.0)
        );
        assert_eq!(float_of("-99999999999999999999"), Some(-1e20));
    }

    #[test]
    fn floats() {
        assert_eq!(float_of("1."), Some(1.0));
        assert_eq!(float_of("-.5"), Some(-0.5));
        assert_eq!(float_of("1e3"), Some(1000.0));
        assert_eq!(float_of("2.5E-1"), Some(0.25));
        assert_eq!(float_of("+.inf"), Some(f64::INFINITY));
        assert!(float_of(".NaN").is_some_and(f64::is_nan));
        for text in [
            ".", "e3", "1e", "1.5.2", "1e3.5", "inf", "nan", "-.", ".e1", "1_000",
        ] {
            assert!(matches!(core_schema(text), Value::String(_)), "{text:?}");
        }
    }
}
