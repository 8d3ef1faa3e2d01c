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

/// The choices of one execution, in order, and the fingerprint of the program that made them.
/// Replaying them reproduces the execution exactly (the simulator is deterministic). Its token
/// is a short text (see [`Schedule::token`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// The decisions, in order.
    pub choices: Vec<Choice>,
    /// A hash of the execution's first operations (thread, object kind, operation name): a
    /// replay on another program notices it. 0 when not computed (only replays compute it; a
    /// token printed during an exploration, on a stack overflow or a stall, has 0), and then a
    /// replay does not check it.
    pub fingerprint: u32,
}

/// The most decisions a token may hold (a corrupt one must not exhaust memory).
const MAX_DECISIONS: u64 = 1 << 25;

/// The prefix of replay tokens of this format version.
pub const TOKEN_PREFIX: &str = "weft2:";

/// The longest token printed as it is; a longer one is written to a file (see
/// [`Schedule::printable_token`]).
pub const MAX_PRINTED_TOKEN: usize = 4000;

impl Schedule {
    /// The replay token: `weft2:` then, in base64url, the fingerprint (4 bytes, little endian)
    /// and runs of equal decisions, each three varints: the number of options, the option
    /// taken, how many times in a row.
    pub fn token(&self) -> String {
        let mut out = Vec::new();
        write_token(&self.choices, self.fingerprint, &mut |bytes| out.extend_from_slice(bytes));
        String::from_utf8(out).expect("a token is ascii")
    }

    /// The token as a report prints it: [`Schedule::token`] if it has at most
    /// 4,000 characters (`MAX_PRINTED_TOKEN`), else `@path` of a file under the build's target
    /// directory (`target/weft/`) that holds it (both forms replay, by [`crate::Explorer::replay`]
    /// and `WEFT_REPLAY`). If the file cannot be written, the long token itself.
    pub fn printable_token(&self) -> String {
        let token = self.token();
        if token.len() <= MAX_PRINTED_TOKEN {
            return token;
        }
        match write_token_file(&token) {
            Ok(path) => format!("@{}", path.display()),
            Err(e) => {
                eprintln!("weft: could not write the replay token to a file ({e}); it follows in full");
                token
            }
        }
    }

    /// Parses a replay token (or `@path` of a file holding one) into its schedule: each choice
    /// with its number of options (`preemptible` is not recorded: false).
    ///
    /// # Errors
    /// A message saying what is wrong with the token (or why the file cannot be read).
    pub fn parse_token(token: &str) -> Result<Schedule, String> {
        let token = token.trim();
        if let Some(path) = token.strip_prefix('@') {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the replay token file {path:?}: {e}"))?;
            if text.trim().starts_with('@') {
                return Err(format!("the replay token file {path:?} names another file"));
            }
            return Self::parse_token(&text);
        }
        let Some(body) = token.strip_prefix(TOKEN_PREFIX) else {
            if token.starts_with("weft") && token.contains(':') {
                let version = token.split(':').next().unwrap_or_default();
                return Err(format!(
                    "this replay token has format {version:?}, which this version of weft no longer reads \
                     (it reads {TOKEN_PREFIX:?} tokens): run the exploration again to get a new token"
                ));
            }
            let shown: String = token.chars().take(40).collect();
            return Err(format!(
                "not a weft replay token: {shown:?} (a token starts with {TOKEN_PREFIX:?}, or is @path of a file \
                 holding one)"
            ));
        };
        let bytes = unbase64url(body)?;
        if bytes.len() < 4 {
            return Err("the replay token is cut short (no fingerprint)".to_owned());
        }
        let fingerprint = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let mut at = 4;
        let mut choices = Vec::new();
        while at < bytes.len() {
            let of = get_varint(&bytes, &mut at)?;
            let chosen = get_varint(&bytes, &mut at)?;
            let run = get_varint(&bytes, &mut at)?;
            let (Ok(of), Ok(chosen)) = (u32::try_from(of), u32::try_from(chosen)) else {
                return Err("the replay token is corrupt (a choice out of range)".to_owned());
            };
            if chosen >= of || run == 0 || run > MAX_DECISIONS - choices.len() as u64 {
                return Err(format!(
                    "the replay token is corrupt (option {chosen} of {of}, {run} times, at decision {})",
                    choices.len() + 1
                ));
            }
            choices.extend(std::iter::repeat_n(Choice { chosen, of, preemptible: false }, run as usize));
        }
        Ok(Schedule { choices, fingerprint })
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

/// FNV-1a, 32 bits: the fingerprint's hash (the same in every build and process).
pub(crate) fn fnv1a(mut hash: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Writes the replay token of `choices` and `fingerprint` (see [`Schedule::token`]) to `out`, in
/// pieces, without allocating (the stack overflow handler uses it).
pub(crate) fn write_token(choices: &[Choice], fingerprint: u32, out: &mut dyn FnMut(&[u8])) {
    out(TOKEN_PREFIX.as_bytes());
    let mut encoder = Base64Writer { pending: [0; 3], len: 0, out };
    encoder.write(&fingerprint.to_le_bytes());
    let mut i = 0;
    while i < choices.len() {
        let (chosen, of) = (choices[i].chosen, choices[i].of);
        let mut run = 1;
        while i + run < choices.len() && choices[i + run].chosen == chosen && choices[i + run].of == of {
            run += 1;
        }
        for n in [u64::from(of), u64::from(chosen), run as u64] {
            encoder.write(varint(n, &mut [0; 10]));
        }
        i += run;
    }
    encoder.finish();
}

/// `n` as a varint (7 bits a byte, low first), written at the start of `buffer`.
fn varint(mut n: u64, buffer: &mut [u8; 10]) -> &[u8] {
    let mut len = 0;
    while n >= 0x80 {
        buffer[len] = (n as u8) | 0x80;
        n >>= 7;
        len += 1;
    }
    buffer[len] = n as u8;
    &buffer[..=len]
}

/// Base64url without padding, written to `out` four characters at a time, without allocating.
struct Base64Writer<'a> {
    pending: [u8; 3],
    len: usize,
    out: &'a mut dyn FnMut(&[u8]),
}

impl Base64Writer<'_> {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.pending[self.len] = b;
            self.len += 1;
            if self.len == 3 {
                self.flush();
            }
        }
    }

    /// Writes the pending bytes (1 to 3 of them: 2 to 4 characters).
    fn flush(&mut self) {
        if self.len == 0 {
            return;
        }
        let n = self.pending[..self.len].iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        let mut chars = [0u8; 4];
        for (i, c) in chars.iter_mut().enumerate().take(self.len + 1) {
            *c = BASE64URL[(n >> (18 - 6 * i) & 63) as usize];
        }
        (self.out)(&chars[..=self.len]);
        self.len = 0;
    }

    fn finish(mut self) {
        self.flush();
    }
}

/// The initial value of [`fnv1a`].
pub(crate) const FNV_OFFSET: u32 = 0x811c_9dc5;

#[cfg(test)]
fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let Some(&b) = bytes.get(*at) else {
            return Err("the replay token is cut short (it ends inside a number)".to_owned());
        };
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err("the replay token is corrupt (a number too long)".to_owned())
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[cfg(test)]
fn base64url(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(BASE64URL[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
}

fn unbase64url(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut n = 0u32;
    let mut bits = 0;
    for (i, c) in text.bytes().enumerate() {
        let Some(value) = BASE64URL.iter().position(|&d| d == c) else {
            return Err(format!(
                "the replay token has a character {:?} at position {} that no token has (was it cut or \
                 wrapped when copied?)",
                c as char,
                i + TOKEN_PREFIX.len() + 1
            ));
        };
        n = n << 6 | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((n >> bits) as u8);
            n &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("the replay token is cut short".to_owned());
    }
    Ok(out)
}

/// The directory for files the simulator writes: `weft/` in the build's target directory
/// (`CARGO_TARGET_DIR`, else the ancestor of the running executable that cargo marked with
/// `CACHEDIR.TAG` or that is named `target`), else in the system's temporary directory.
pub fn output_dir() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .map(|dir| if dir.is_relative() { std::env::current_dir().unwrap_or_default().join(dir) } else { dir })
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            let ancestors = || exe.ancestors().skip(1);
            ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .or_else(|| ancestors().find(|dir| dir.file_name().is_some_and(|n| n == "target")))
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or_else(std::env::temp_dir);
    target.join("weft")
}

/// Writes `token` to `target/weft/token-<hash>.txt`; returns the file's absolute path.
fn write_token_file(token: &str) -> std::io::Result<std::path::PathBuf> {
    let dir = output_dir();
    std::fs::create_dir_all(&dir)?;
    let hash = fnv1a(FNV_OFFSET, token.as_bytes());
    let path = dir.join(format!("token-{hash:08x}-{}.txt", token.len()));
    std::fs::write(&path, token)?;
    Ok(std::fs::canonicalize(&path).unwrap_or(path))
}

/// A small, fast, deterministic generator (SplitMix64). The simulator owns it, rather than
/// depending on an external crate, so that a seed means the same schedule in every build.
///
/// ```
/// use weft_sim::Rng;
///
/// let (mut a, mut b) = (Rng::new(7), Rng::new(7));
/// assert_eq!(a.next_u64(), b.next_u64()); // a seed names one sequence
/// assert!(a.below(10) < 10);
/// ```
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
        let chosen = [(0, 2), (0, 2), (0, 2), (1, 3), (2, 3), (2, 3), (0, 40), (35, 40), (36, 300), (0, 2)];
        let schedule = Schedule {
            choices: chosen.iter().map(|&(c, of)| Choice { chosen: c, of, preemptible: true }).collect(),
            fingerprint: 0xdead_beef,
        };
        let token = schedule.token();
        assert!(token.starts_with(TOKEN_PREFIX), "{token}");
        let parsed = Schedule::parse_token(&token).unwrap();
        assert_eq!(parsed.fingerprint, 0xdead_beef);
        let back: Vec<(u32, u32)> = parsed.choices.iter().map(|c| (c.chosen, c.of)).collect();
        assert_eq!(back, chosen);
        assert!(Schedule::parse_token("nope").unwrap_err().contains("not a weft replay token"));
        assert!(Schedule::parse_token("weft1:0*3.1").unwrap_err().contains("no longer reads"));
        assert!(Schedule::parse_token(&token[..token.len() - 1]).is_err());
        assert!(Schedule::parse_token(&format!("{token}!")).unwrap_err().contains("character '!'"));
        let empty = Schedule::default().token();
        assert_eq!(Schedule::parse_token(&empty).unwrap(), Schedule::default());
    }

    #[test]
    fn long_uniform_tokens_stay_short() {
        let schedule =
            Schedule { choices: vec![Choice { chosen: 1, of: 2, preemptible: true }; 100_000], fingerprint: 7 };
        assert!(schedule.token().len() < 30, "{}", schedule.token());
        assert_eq!(Schedule::parse_token(&schedule.token()).unwrap().choices.len(), 100_000);
    }

    #[test]
    fn a_corrupt_run_does_not_exhaust_memory() {
        let mut bytes = vec![0; 4];
        put_varint(&mut bytes, 2);
        put_varint(&mut bytes, 0);
        put_varint(&mut bytes, 1 << 40);
        let mut token = String::from(TOKEN_PREFIX);
        base64url(&bytes, &mut token);
        assert!(Schedule::parse_token(&token).unwrap_err().contains("corrupt"));
    }

    #[test]
    fn base64_round_trip() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 200) as u8).collect();
            let mut text = String::new();
            base64url(&bytes, &mut text);
            assert_eq!(unbase64url(&text).unwrap(), bytes);
        }
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
