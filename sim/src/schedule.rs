//! A schedule: the choices one execution made, and its replay token.

use std::fmt;

/// One decision of the scheduler: option `chosen` among `of` options.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The index of the option taken.
    pub chosen: u32,
    /// How many options there were.
    pub of: u32,
    /// Whether option 0 meant "the running thread goes on", so that any other option preempts
    /// it (false when it blocked, ended or yielded, and for data choices such as which waiter
    /// a release wakes).
    pub preemptible: bool,
}

/// The choices of one execution, in order. Replaying them reproduces the execution exactly
/// (the simulator is deterministic). Its token is a short text: run-length encoded choices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// The decisions, in order.
    pub choices: Vec<Choice>,
}

const TOKEN_PREFIX: &str = "weft1:";

impl Schedule {
    /// The replay token: `weft1:` then `index*count` runs of chosen indices, base 36, joined by
    /// `.` (`count` omitted when 1). The number of options is not stored: a replay checks it
    /// is in range.
    pub fn token(&self) -> String {
        let mut out = Vec::new();
        write_token(&self.choices, &mut |bytes| out.extend_from_slice(bytes));
        String::from_utf8(out).expect("a token is ascii")
    }

    /// Parses a replay token into the chosen indices.
    ///
    /// # Errors
    /// A message saying what is wrong with the token.
    pub fn parse_token(token: &str) -> Result<Vec<u32>, String> {
        let body = token
            .trim()
            .strip_prefix(TOKEN_PREFIX)
            .ok_or_else(|| format!("a replay token starts with {TOKEN_PREFIX:?}"))?;
        let mut choices = Vec::new();
        if body.is_empty() {
            return Ok(choices);
        }
        for part in body.split('.') {
            let (value, run) = match part.split_once('*') {
                Some((value, run)) => (value, parse36(run)?),
                None => (part, 1),
            };
            let value = u32::try_from(parse36(value)?).map_err(|_| format!("choice out of range in {part:?}"))?;
            choices.extend(std::iter::repeat_n(value, run as usize));
        }
        Ok(choices)
    }

    /// How many times the schedule switched away from a thread that could have gone on.
    pub fn preemptions(&self) -> usize {
        self.choices.iter().filter(|c| c.preemptible && c.chosen != 0).count()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.token())
    }
}

/// Writes the replay token of `choices` (see [`Schedule::token`]) to `out`, in pieces, without
/// allocating (the stack overflow handler uses it).
pub(crate) fn write_token(choices: &[Choice], out: &mut dyn FnMut(&[u8])) {
    out(TOKEN_PREFIX.as_bytes());
    let mut i = 0;
    while i < choices.len() {
        let value = choices[i].chosen;
        let mut run = 1;
        while i + run < choices.len() && choices[i + run].chosen == value {
            run += 1;
        }
        if i != 0 {
            out(b".");
        }
        out(base36(value as u64, &mut [0; 13]));
        if run > 1 {
            out(b"*");
            out(base36(run as u64, &mut [0; 13]));
        }
        i += run;
    }
}

/// `n` in base 36, written at the end of `buffer`.
fn base36(mut n: u64, buffer: &mut [u8; 13]) -> &[u8] {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = DIGITS[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            return &buffer[at..];
        }
    }
}

fn parse36(s: &str) -> Result<u64, String> {
    u64::from_str_radix(s, 36).map_err(|_| format!("not a base-36 number: {s:?}"))
}

/// A small, fast, deterministic generator (SplitMix64). The simulator owns it, rather than
/// depending on an external crate, so that a seed means the same schedule in every build.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trip() {
        let chosen = [0, 0, 0, 1, 2, 2, 0, 35, 36, 0];
        let schedule =
            Schedule { choices: chosen.iter().map(|&c| Choice { chosen: c, of: 40, preemptible: true }).collect() };
        let token = schedule.token();
        assert_eq!(token, "weft1:0*3.1.2*2.0.z.10.0");
        assert_eq!(Schedule::parse_token(&token).unwrap(), chosen);
        assert!(Schedule::parse_token("nope").is_err());
        assert_eq!(Schedule::parse_token("weft1:").unwrap(), Vec::<u32>::new());
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            let x = a.below(5);
            assert_eq!(x, b.below(5));
            assert!(x < 5);
        }
    }
}
