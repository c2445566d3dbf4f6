//! The messages between `holo` and its worker processes, and how they travel: length-prefixed
//! frames of postcard-encoded [`Request`]s (parent to worker, on the worker's stdin) and
//! [`Response`]s (worker to parent, on the worker's stdout).
//!
//! A frame is `MAGIC` (2 bytes), the payload's length (`u32`, little endian), then the payload.
//! The magic is there so that anything else that reaches the pipe (a stray write to the
//! worker's stdout) is reported as such instead of being read as a huge length. postcard was
//! chosen over serde_json because the largest payloads are bytes: the encoded program, sent once
//! to every worker, and the output of tests (a test may print megabytes), which postcard copies
//! as they are while JSON would spell every byte as a number.

use crate::jit::Tier;
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};

/// Bumped whenever a message changes shape. A worker answers [`Response::Hello`] with its
/// version, so that a `holo` binary replaced on disk while tests run (a rebuild) is detected
/// instead of being fed messages it decodes wrongly.
pub const PROTOCOL_VERSION: u32 = 4;

/// The first two bytes of every frame.
const MAGIC: [u8; 2] = *b"HW";

/// The largest payload either side accepts. Programs of a few hundred thousand lines encode to
/// tens of megabytes; anything near this bound is a corrupted length, not a real message.
pub const MAX_FRAME: usize = 1 << 30;

/// What `holo` asks of a worker. The first request is always [`Request::Load`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// The program to work on, encoded by [`crate::exec::encode_program`]; answered with
    /// [`Response::Loaded`] or [`Response::Error`].
    Load {
        #[serde(with = "bytes")]
        program: Vec<u8>,
        options: LoadOptions,
    },
    /// Compile the functions reachable from `roots` (every function when `roots` is `None`);
    /// answered with [`Response::Compiled`] or [`Response::Error`].
    Compile { roots: Option<Vec<u32>> },
    /// Bring the loaded program to a new version (see [`crate::live`]); answered with
    /// [`Response::Patched`], or [`Response::Error`] when the patch cannot apply (the program is
    /// unchanged then, and holo loads the new version afresh).
    Patch { patch: crate::live::ProgramPatch },
    /// Run the test function `func` as job `job`; answered with [`Response::Started`] once its
    /// code is compiled, any number of [`Response::Output`]s, then [`Response::Finished`].
    RunTest { job: u64, func: u32 },
}

/// How a worker compiles the program it loads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadOptions {
    /// The code quality: [`Tier::Baseline`] for tests, [`Tier::Optimized`] for builds.
    pub tier: Tier,
    /// How many threads compile (0: one per core). Workers running tests side by side get
    /// their share of the cores each.
    pub threads: u32,
}

/// What a worker tells `holo`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// Sent once, first, before any request is read.
    Hello { protocol: u32 },
    /// The program was decoded; it has `functions` functions.
    Loaded { functions: u32 },
    /// `functions` functions were compiled by this request (those compiled earlier are not
    /// counted), in `micros` microseconds.
    Compiled { functions: u32, micros: u64 },
    /// The patch was applied; `stale` functions will be compiled again when reached.
    Patched { stale: u32 },
    /// Job `job`'s code is compiled and it is about to run: its time limit starts now.
    Started { job: u64 },
    /// Bytes job `job` printed, in order.
    Output {
        job: u64,
        #[serde(with = "bytes")]
        bytes: Vec<u8>,
    },
    /// Job `job` ended after `micros` microseconds of running: it passed when `failure` is
    /// `None`.
    Finished {
        job: u64,
        micros: u64,
        failure: Option<Failure>,
    },
    /// The request could not be carried out (the program does not decode, code generation
    /// failed). The worker stays usable unless it says otherwise by exiting.
    Error { message: String },
}

/// Why a test failed: a runtime error, or code that could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The error message, possibly several lines (`assert_eq` shows both values).
    pub message: String,
    /// Where the failing expression is, when known.
    pub location: Option<SourceLocation>,
    /// The holo functions that were running, innermost first, each with the line it was at.
    pub stack: Vec<StackFrame>,
    /// Frames left out in the middle of `stack` (a very deep stack is shortened to stay
    /// readable).
    pub omitted_frames: u64,
}

/// A place in a source file: the path relative to the package root, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// One holo function on the stack of a runtime error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackFrame {
    pub function: String,
    /// The file that declares the function, relative to the package root, when known.
    pub file: Option<String>,
    pub line: u32,
    /// Of the call: it tells two calls on one line apart (the report shows the line only).
    pub column: u32,
}

impl SourceLocation {
    /// Parses the `file:line:column` form runtime errors carry. The file may itself contain
    /// colons (a Windows drive, an odd folder name), so the numbers are taken from the right.
    pub fn parse(text: &str) -> Option<SourceLocation> {
        let mut parts = text.rsplitn(3, ':');
        let column = parts.next()?.trim().parse().ok()?;
        let line = parts.next()?.trim().parse().ok()?;
        let file = parts.next()?.to_string();
        if file.is_empty() {
            return None;
        }
        Some(SourceLocation { file, line, column })
    }
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl Failure {
    /// A failure with only a message (no location, no stack).
    pub fn message(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            location: None,
            stack: Vec::new(),
            omitted_frames: 0,
        }
    }

    /// The failure a runtime error makes.
    pub fn from_runtime_error(err: &crate::RuntimeError) -> Failure {
        Failure {
            message: err.kind.to_string(),
            location: err.location.as_deref().and_then(SourceLocation::parse),
            stack: err
                .stack
                .iter()
                .map(|frame| StackFrame {
                    function: frame.function.clone(),
                    file: Some(frame.file.clone()),
                    line: frame.line,
                    column: frame.column,
                })
                .collect(),
            omitted_frames: err.omitted_frames as u64,
        }
    }
}

/// Encodes `message` as one frame, ready to be written.
pub fn encode_frame(message: &impl Serialize) -> io::Result<Vec<u8>> {
    let mut frame = Vec::with_capacity(64);
    frame.extend_from_slice(&MAGIC);
    frame.extend_from_slice(&[0; 4]);
    let mut frame = postcard::to_extend(message, frame).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("cannot encode a message: {e}"),
        )
    })?;
    let len = frame.len() - MAGIC.len() - 4;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a message of {len} bytes is larger than the protocol's limit of {MAX_FRAME}"),
        ));
    }
    frame[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(frame)
}

/// Writes `message` as one frame and flushes, so that the other side sees it at once.
pub fn write_frame<W: Write + ?Sized>(out: &mut W, message: &impl Serialize) -> io::Result<()> {
    let frame = encode_frame(message)?;
    out.write_all(&frame)?;
    out.flush()
}

/// Reads one frame. `Ok(None)` is a clean end of the stream between frames (the other side
/// closed its end); an end in the middle of a frame, bad magic or an undecodable payload is an
/// error of kind `InvalidData` or `UnexpectedEof`.
pub fn read_frame<T: for<'de> Deserialize<'de>>(input: &mut impl Read) -> io::Result<Option<T>> {
    let mut header = [0u8; 6];
    let mut filled = 0;
    while filled < header.len() {
        match input.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the stream ended in the middle of a frame header",
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if header[..2] != MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "expected a protocol frame but read {:?}; something else wrote to the pipe",
                String::from_utf8_lossy(&header)
            ),
        ));
    }
    let len = u32::from_le_bytes([header[2], header[3], header[4], header[5]]) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame claims {len} bytes, more than the protocol's limit of {MAX_FRAME}"),
        ));
    }
    let mut payload = vec![0u8; len];
    input.read_exact(&mut payload)?;
    postcard::from_bytes(&payload).map(Some).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("cannot decode a {len}-byte message: {e}"),
        )
    })
}

/// serde for byte buffers as one blob (`serialize_bytes`): postcard writes a length and copies
/// the bytes, instead of encoding a sequence element by element.
mod bytes {
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_byte_buf(BytesVisitor)
    }

    struct BytesVisitor;

    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a byte buffer")
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
            while let Some(b) = seq.next_element()? {
                out.push(b);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
        value: T,
    ) {
        let mut pipe = Vec::new();
        write_frame(&mut pipe, &value).unwrap();
        let mut reader = &pipe[..];
        assert_eq!(read_frame::<T>(&mut reader).unwrap(), Some(value));
        assert_eq!(read_frame::<T>(&mut reader).unwrap(), None);
    }

    #[test]
    fn every_message_survives_a_frame() {
        round_trip(Request::Load {
            program: vec![0, 1, 2, 255],
            options: LoadOptions {
                tier: Tier::Baseline,
                threads: 1,
            },
        });
        round_trip(Request::Compile { roots: None });
        round_trip(Request::RunTest { job: 7, func: 3 });
        round_trip(Response::Hello {
            protocol: PROTOCOL_VERSION,
        });
        round_trip(Response::Output {
            job: 1,
            bytes: b"hello\n".to_vec(),
        });
        round_trip(Response::Finished {
            job: 1,
            micros: 12,
            failure: Some(Failure {
                message: "assertion failed".into(),
                location: Some(SourceLocation {
                    file: "src/main.holo".into(),
                    line: 3,
                    column: 5,
                }),
                stack: vec![StackFrame {
                    function: "check".into(),
                    file: Some("src/main.holo".into()),
                    line: 3,
                    column: 5,
                }],
                omitted_frames: 0,
            }),
        });
    }

    #[test]
    fn bytes_travel_as_one_blob() {
        let frame = encode_frame(&Request::Load {
            program: vec![7; 100_000],
            options: LoadOptions::default(),
        })
        .unwrap();
        // Magic, length, variant tag, a 3-byte varint length, the bytes, the options (a tier
        // and a thread count of one byte each).
        assert_eq!(frame.len(), 2 + 4 + 1 + 3 + 100_000 + 2);
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        let err = read_frame::<Response>(&mut &b"hello world\n"[..]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("something else wrote to the pipe"));

        let frame = encode_frame(&Response::Loaded { functions: 3 }).unwrap();
        let err = read_frame::<Response>(&mut &frame[..frame.len() - 1]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let err = read_frame::<Response>(&mut &frame[..3]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = read_frame::<Response>(&mut &huge[..]).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");

        let mut wrong = MAGIC.to_vec();
        wrong.extend_from_slice(&2u32.to_le_bytes());
        wrong.extend_from_slice(&[200, 200]);
        let err = read_frame::<Response>(&mut &wrong[..]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn locations_parse_from_the_right() {
        assert_eq!(
            SourceLocation::parse("src/main.holo:12:5"),
            Some(SourceLocation {
                file: "src/main.holo".into(),
                line: 12,
                column: 5
            })
        );
        assert_eq!(
            SourceLocation::parse("C:/x.holo:1:2").map(|l| l.file),
            Some("C:/x.holo".to_string())
        );
        assert_eq!(SourceLocation::parse("src/main.holo:12"), None);
        assert_eq!(SourceLocation::parse(":1:2"), None);
    }
}
