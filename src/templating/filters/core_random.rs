//! `random` and `shuffle`, with Python's `random` module semantics.
//!
//! Unseeded calls use the operating system's generator (ansible uses
//! `SystemRandom`). Seeded calls reproduce CPython's Mersenne Twister,
//! its seeding of `int` and `str` seeds (version 2, via SHA-512) and its
//! `randrange`/`choice`/`shuffle` algorithms, so a seeded result equals
//! ansible's. Float seeds (hashed by Python) are not supported.

use super::{Args, Num, add, is_map, items, iterate, type_name};
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};
use sha2::Digest;

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "random", random);
    add(env, "shuffle", shuffle);
}

/// CPython's `_random.Random` (MT19937).
pub(crate) struct Mt {
    state: [u32; 624],
    index: usize,
}

impl Mt {
    fn init_genrand(seed: u32) -> Mt {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            state[i] = 1_812_433_253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt { state, index: 624 }
    }

    fn init_by_array(key: &[u32]) -> Mt {
        let mut mt = Mt::init_genrand(19_650_218);
        let s = &mut mt.state;
        let (mut i, mut j) = (1usize, 0usize);
        let len = key.len().max(1);
        for _ in 0..624.max(len) {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(*key.get(j).unwrap_or(&0))
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                s[0] = s[623];
                i = 1;
            }
            if j >= len {
                j = 0;
            }
        }
        for _ in 0..623 {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                s[0] = s[623];
                i = 1;
            }
        }
        s[0] = 0x8000_0000;
        mt
    }

    /// `random.Random(seed)` for an integer seed.
    pub fn from_int(seed: i128) -> Mt {
        let mut n = seed.unsigned_abs();
        let mut key = Vec::new();
        while n > 0 {
            key.push(n as u32);
            n >>= 32;
        }
        if key.is_empty() {
            key.push(0);
        }
        Mt::init_by_array(&key)
    }

    /// `random.Random(seed)` for a `str` seed (version 2).
    pub fn from_str(seed: &str) -> Mt {
        let mut bytes = seed.as_bytes().to_vec();
        bytes.extend_from_slice(&sha2::Sha512::digest(seed.as_bytes()));
        // The big-endian integer of `bytes`, as little-endian 32-bit words.
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let bytes = &bytes[start..];
        let mut key = Vec::with_capacity(bytes.len() / 4 + 1);
        let mut end = bytes.len();
        while end > 0 {
            let begin = end.saturating_sub(4);
            let mut word = 0u32;
            for &b in &bytes[begin..end] {
                word = (word << 8) | u32::from(b);
            }
            key.push(word);
            end = begin;
        }
        if key.is_empty() {
            key.push(0);
        }
        Mt::init_by_array(&key)
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7fff_ffff);
                let mut v = self.state[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }
}

/// A source of random bits: the seeded twister or the OS.
enum Source {
    Seeded(Box<Mt>),
    System,
}

impl Source {
    /// `getrandbits(k)` for `k <= 128`.
    fn bits(&mut self, k: u32) -> u128 {
        match self {
            Source::Seeded(mt) => {
                let mut out = 0u128;
                let mut remaining = k;
                let mut shift = 0;
                while remaining > 0 {
                    let mut word = mt.next_u32();
                    if remaining < 32 {
                        word >>= 32 - remaining;
                    }
                    out |= u128::from(word) << shift;
                    shift += 32;
                    remaining = remaining.saturating_sub(32);
                }
                out
            }
            Source::System => {
                let mut buf = [0u8; 16];
                let _ = getrandom::fill(&mut buf);
                let v = u128::from_le_bytes(buf);
                if k >= 128 { v } else { v & ((1u128 << k) - 1) }
            }
        }
    }

    /// `_randbelow(n)`: rejection sampling on `n.bit_length()` bits.
    fn below(&mut self, n: u128) -> u128 {
        if n == 0 {
            return 0;
        }
        let k = 128 - n.leading_zeros();
        loop {
            let r = self.bits(k);
            if r < n {
                return r;
            }
        }
    }
}

fn source(seed: Option<&Jv>) -> Result<Source, String> {
    let Some(seed) = seed.filter(|s| !s.is_none() && !s.is_undefined()) else {
        return Ok(Source::System);
    };
    match (seed.kind(), Num::of(seed)) {
        (ValueKind::String, _) => Ok(Source::Seeded(Box::new(Mt::from_str(
            seed.as_str().unwrap_or_default(),
        )))),
        (_, Some(Num::Int(i))) => Ok(Source::Seeded(Box::new(Mt::from_int(i)))),
        _ => Err(format!(
            "mitorun cannot seed the random generator with a {} (use an int or a str)",
            type_name(seed)
        )),
    }
}

/// `randrange(start, stop, step)`.
fn randrange(src: &mut Source, start: i128, stop: i128, step: i128) -> Result<i128, String> {
    let too_big = || "randrange() arguments are too large for mitorun".to_string();
    let width = stop.checked_sub(start).ok_or_else(too_big)?;
    if step == 1 {
        if width > 0 {
            return Ok(start + src.below(width as u128) as i128);
        }
        return Err(format!(
            "empty range for randrange() ({start}, {stop}, {width})"
        ));
    }
    if step == 0 {
        return Err("zero step for randrange()".into());
    }
    let n = if step > 0 {
        width.checked_add(step - 1).map(|w| w.div_euclid(step))
    } else {
        width.checked_add(step + 1).map(|w| w.div_euclid(step))
    }
    .ok_or_else(too_big)?;
    if n <= 0 {
        return Err("empty range for randrange()".into());
    }
    let offset = step
        .checked_mul(src.below(n as u128) as i128)
        .ok_or_else(too_big)?;
    start.checked_add(offset).ok_or_else(too_big)
}

fn int_arg(v: Option<Jv>) -> Option<i128> {
    v.and_then(|v| match Num::of(&v) {
        Some(Num::Int(i)) => Some(i),
        _ => None,
    })
}

fn random(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let start = args.opt(0, "start");
    let step = args.opt(1, "step");
    let seed = args.opt(2, "seed");
    let mut src = source(seed.as_ref()).map_err(|e| args.fail(e))?;
    let is_int = value.is_integer() || value.kind() == ValueKind::Bool;
    if is_int {
        let end = int_arg(Some(value)).unwrap_or(0);
        let start = match start.filter(|s| s.is_true()) {
            Some(s) => int_arg(Some(s.clone())).ok_or_else(|| {
                args.fail(format!(
                    "'{}' object cannot be interpreted as an integer",
                    type_name(&s)
                ))
            })?,
            None => 0,
        };
        let step = match step.filter(|s| s.is_true()) {
            Some(s) => int_arg(Some(s.clone())).ok_or_else(|| {
                args.fail(format!(
                    "'{}' object cannot be interpreted as an integer",
                    type_name(&s)
                ))
            })?,
            None => 1,
        };
        let n = randrange(&mut src, start, end, step).map_err(|e| args.fail(e))?;
        return Ok(Jv::from(n));
    }
    if iterate(&value).is_ok() {
        if start.is_some_and(|s| s.is_true()) || step.is_some_and(|s| s.is_true()) {
            return Err(args.fail("start and step can only be used with integer values"));
        }
        let list = items(&value);
        if list.is_empty() {
            return Err(args.fail("Cannot choose from an empty sequence"));
        }
        let i = src.below(list.len() as u128) as usize;
        if is_map(&value) {
            // Python indexes the dict with the position: a KeyError unless
            // the dict happens to have that integer key.
            return match value.get_item(&Jv::from(i)) {
                Ok(v) if !v.is_undefined() => Ok(v),
                _ => Err(args.fail(i)),
            };
        }
        return Ok(list[i].clone());
    }
    Err(args.fail("random can only be used on sequences and integers"))
}

fn shuffle(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let seed = args.opt(0, "seed").filter(|s| s.is_true());
    let Ok(mut list) = iterate(&value) else {
        // ansible swallows the error and returns the input.
        return Ok(value);
    };
    let mut src = match source(seed.as_ref()) {
        Ok(s) => s,
        Err(_) => return Ok(Jv::from(list)),
    };
    for i in (1..list.len()).rev() {
        let j = src.below(i as u128 + 1) as usize;
        list.swap(i, j);
    }
    Ok(Jv::from(list))
}
