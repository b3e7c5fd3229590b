//! The core's float reader (numbers with a fraction or an exponent, read
//! through `setpoll_core::parse_json`) against `str::parse::<f64>`, on
//! numbers built from the input: any digits (up to 1,100 of them, past the
//! 800 the reader keeps), any split between the integer and the fraction,
//! exponents near the edges of `f64` and far past them. The same bits, or
//! both past `f64::MAX` (the reader's "number out of range").
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::JsonError;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((exp_bytes, digits)) = rest.split_first_chunk::<2>() else {
        return;
    };
    let mut digits: Vec<u8> = digits.iter().take(1100).map(|b| b'0' + b % 10).collect();
    if digits.is_empty() {
        digits.push(b'0');
    }
    // The integer part: "0" or digits without a leading zero.
    let split = usize::from(flags >> 4) * digits.len() / 16;
    let (int, frac) = digits.split_at(split);
    let int = match int.iter().position(|&d| d != b'0') {
        Some(i) => &int[i..],
        None => b"0".as_slice(),
    };
    let mut text = String::new();
    if flags & 1 != 0 {
        text.push('-');
    }
    text.push_str(core::str::from_utf8(int).unwrap_or("0"));
    let has_exp = flags & 2 != 0 || frac.is_empty();
    if !frac.is_empty() {
        text.push('.');
        text.push_str(core::str::from_utf8(frac).unwrap_or("0"));
    }
    if has_exp {
        let e = i32::from(i16::from_le_bytes(*exp_bytes));
        // Mostly within a few hundred of zero, sometimes far out.
        let e = if flags & 4 != 0 { e } else { e % 420 };
        text.push_str(&format!("e{e}"));
    }
    let std = text.parse::<f64>().ok().filter(|f| f.is_finite());
    match (setpoll_core::parse_json(&text), std) {
        (Ok(v), Some(f)) => {
            let ours = v.as_f64().map(f64::to_bits);
            assert_eq!(ours, Some(f.to_bits()), "{text}: core {v}, std {f:e}");
        }
        (Err(JsonError::Invalid { detail, .. }), None) => {
            assert_eq!(detail, "number out of range", "{text}");
        }
        (ours, std) => panic!("{text}: core {ours:?}, std {std:?}"),
    }
});
