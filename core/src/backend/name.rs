//! [`ThreadName`]: a thread's name, cheap to make and to copy.

use std::fmt;
use std::sync::Arc;

/// A thread's name, as a scheduler receives it in [`crate::SpawnOptions`].
///
/// Most threads have a numbered default name (`Thread-3`) or a fixed one (`MainThread`): those
/// are kept as their parts and spelled out only when shown, so that making a thread allocates no
/// name. A name given by the user is shared, so that copies of it allocate nothing either.
///
/// # Examples
/// ```
/// use weft_core::ThreadName;
///
/// assert_eq!(ThreadName::numbered("Thread-", 3).to_string(), "Thread-3");
/// assert_eq!(ThreadName::from("worker"), ThreadName::from(String::from("worker")));
/// assert_eq!(ThreadName::fixed("MainThread").to_string(), "MainThread");
/// assert_eq!(ThreadName::numbered("Thread-", 3), ThreadName::from("Thread-3"));
/// assert_ne!(ThreadName::numbered("Thread-", 3), ThreadName::from("Thread-03"));
/// ```
#[derive(Clone, Eq)]
pub struct ThreadName(Repr);

#[derive(Clone, Eq, PartialEq)]
enum Repr {
    /// A name fixed in the program's text.
    Fixed(&'static str),
    /// A prefix and a number, spelled together.
    Numbered(&'static str, usize),
    /// Any other name.
    Shared(Arc<str>),
}

impl ThreadName {
    /// The name `text`, kept without copying.
    pub const fn fixed(text: &'static str) -> Self {
        ThreadName(Repr::Fixed(text))
    }

    /// The name `prefix` followed by `number` in decimal (`Thread-3`).
    pub const fn numbered(prefix: &'static str, number: usize) -> Self {
        ThreadName(Repr::Numbered(prefix, number))
    }

    /// The name as its parts: a text and, for a numbered name, the number that follows it. For
    /// code that must not allocate (a signal handler that names a thread).
    pub fn parts(&self) -> (&str, Option<usize>) {
        match &self.0 {
            Repr::Fixed(text) => (text, None),
            Repr::Numbered(prefix, number) => (prefix, Some(*number)),
            Repr::Shared(text) => (text, None),
        }
    }

    /// The name up to its first NUL, as an OS thread name is (CPython cuts it there too).
    pub fn up_to_nul(&self) -> ThreadName {
        match &self.0 {
            Repr::Shared(text) if text.contains('\0') => {
                let end = text.find('\0').unwrap_or(text.len());
                ThreadName::from(&text[..end])
            }
            _ => self.clone(),
        }
    }
}

impl fmt::Display for ThreadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Fixed(text) => f.write_str(text),
            Repr::Numbered(prefix, number) => write!(f, "{prefix}{number}"),
            Repr::Shared(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for ThreadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

/// Names are equal when they spell the same text, however each is kept.
impl PartialEq for ThreadName {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Numbered(a, m), Repr::Numbered(b, n)) if a == b => m == n,
            (Repr::Numbered(..), Repr::Numbered(..)) => self.to_string() == other.to_string(),
            (Repr::Fixed(a), Repr::Fixed(b)) => a == b,
            (Repr::Shared(a), Repr::Shared(b)) => a == b,
            (_, Repr::Numbered(..)) => other == self,
            (Repr::Numbered(..), Repr::Fixed(text)) => self == *text,
            (Repr::Numbered(..), Repr::Shared(text)) => self == &**text,
            (Repr::Fixed(a), Repr::Shared(b)) | (Repr::Shared(b), Repr::Fixed(a)) => *a == &**b,
        }
    }
}

impl PartialEq<str> for ThreadName {
    fn eq(&self, other: &str) -> bool {
        match &self.0 {
            Repr::Fixed(text) => *text == other,
            Repr::Shared(text) => &**text == other,
            Repr::Numbered(prefix, number) => other.strip_prefix(prefix).is_some_and(|digits| {
                // Spelled as `{number}` spells it: decimal digits, no sign, no leading zero.
                let canonical = digits.bytes().all(|b| b.is_ascii_digit())
                    && (digits == "0" || !digits.starts_with('0'))
                    && !digits.is_empty();
                canonical && digits.parse::<usize>() == Ok(*number)
            }),
        }
    }
}

impl From<&str> for ThreadName {
    fn from(text: &str) -> Self {
        ThreadName(Repr::Shared(Arc::from(text)))
    }
}

impl From<String> for ThreadName {
    fn from(text: String) -> Self {
        ThreadName(Repr::Shared(Arc::from(text)))
    }
}
