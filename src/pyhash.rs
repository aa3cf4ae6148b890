//! CPython's numeric `hash()` (3.11): what decides the iteration order of a
//! Python set of numbers, which ansible output exposes (INI `{1, 2}`
//! literals, `union`/`intersect` results). One copy for both users.

/// `sys.hash_info.modulus`.
const MODULUS: u64 = (1 << 61) - 1;

pub fn fix_minus_one(h: i64) -> i64 {
    if h == -1 { -2 } else { h }
}

pub fn hash_int(i: i128) -> i64 {
    let m = (i.unsigned_abs() % u128::from(MODULUS)) as i64;
    fix_minus_one(if i < 0 { -m } else { m })
}

/// `_Py_HashDouble` for finite values and infinities.
pub fn hash_float(v: f64) -> Option<i64> {
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        return Some(if v > 0.0 { 314159 } else { -314159 });
    }
    let (mut m, mut e) = frexp(v);
    let mut sign: i64 = 1;
    if m < 0.0 {
        sign = -1;
        m = -m;
    }
    let bits = 61;
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (bits - 28));
        m *= 268435456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % bits
    } else {
        bits - 1 - ((-1 - e) % bits)
    };
    let e = e as u32;
    x = ((x << e) & MODULUS) | (x >> (bits as u32 - e));
    let h = (x as i64).wrapping_mul(sign);
    Some(fix_minus_one(h))
}

/// C's `frexp`: `v == m * 2**e` with `0.5 <= |m| < 1`.
fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 || !v.is_finite() {
        return (v, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(v * 2f64.powi(64));
        return (m, e - 64);
    }
    let e = exp - 1022;
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, e)
}
