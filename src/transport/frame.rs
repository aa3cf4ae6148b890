//! The wire format shared with the agent (`agent/core.py` has the same
//! layout): `u32 len | u32 dst | u32 src | u32 req | u8 kind | u32 hlen |
//! header JSON | payload`, all big endian, `len` counting what follows it.

use serde_json::{Map as JsonMap, Value as Json};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Upper bound on one frame; the agent enforces the same. Bigger data is
/// streamed in `DATA` frames.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;
/// Bytes of a frame after the length field and before the header.
const FIXED: usize = 4 + 4 + 4 + 1 + 4;

/// What a frame is for; numbers match the agent's constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Hello = 1,
    Call = 2,
    Reply = 3,
    Data = 4,
    Ack = 5,
    Code = 6,
    GetCode = 7,
    Spawn = 8,
    Disconnect = 9,
    Shutdown = 10,
    Log = 11,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::Hello,
            2 => Kind::Call,
            3 => Kind::Reply,
            4 => Kind::Data,
            5 => Kind::Ack,
            6 => Kind::Code,
            7 => Kind::GetCode,
            8 => Kind::Spawn,
            9 => Kind::Disconnect,
            10 => Kind::Shutdown,
            11 => Kind::Log,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub dst: u32,
    pub src: u32,
    pub req: u32,
    pub kind: Kind,
    pub header: JsonMap<String, Json>,
    pub payload: Vec<u8>,
}

impl Frame {
    pub fn new(dst: u32, req: u32, kind: Kind, header: Json, payload: Vec<u8>) -> Frame {
        let header = match header {
            Json::Object(m) => m,
            _ => JsonMap::new(),
        };
        Frame {
            dst,
            src: 0,
            req,
            kind,
            header,
            payload,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).unwrap_or_else(|_| b"{}".to_vec());
        let len = FIXED + header.len() + self.payload.len();
        let mut out = Vec::with_capacity(4 + len);
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&self.dst.to_be_bytes());
        out.extend_from_slice(&self.src.to_be_bytes());
        out.extend_from_slice(&self.req.to_be_bytes());
        out.push(self.kind as u8);
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.payload);
        out
    }

    /// A header field as text.
    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.header.get(key).and_then(Json::as_str)
    }

    /// `ok: true` in a reply header.
    pub fn is_ok(&self) -> bool {
        self.header.get("ok").and_then(Json::as_bool) == Some(true)
    }
}

/// Read one frame; `Ok(None)` at a clean end of stream. A malformed frame
/// is an error for this connection, never a panic.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Option<Frame>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if !(FIXED..=MAX_FRAME).contains(&len) {
        return Err(bad(format!("frame length {len} out of range")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await?;
    decode_body(body).map(Some)
}

fn decode_body(mut body: Vec<u8>) -> std::io::Result<Frame> {
    let word = |i: usize| u32::from_be_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]);
    let (dst, src, req) = (word(0), word(4), word(8));
    let kind =
        Kind::from_u8(body[12]).ok_or_else(|| bad(format!("unknown frame kind {}", body[12])))?;
    let hlen = word(13) as usize;
    if hlen > body.len() - FIXED {
        return Err(bad(format!("header length {hlen} beyond frame")));
    }
    let header = if hlen == 0 {
        JsonMap::new()
    } else {
        match serde_json::from_slice::<Json>(&body[FIXED..FIXED + hlen]) {
            Ok(Json::Object(m)) => m,
            Ok(_) => return Err(bad("frame header is not an object".into())),
            Err(e) => return Err(bad(format!("frame header: {e}"))),
        }
    };
    let payload = body.split_off(FIXED + hlen);
    Ok(Frame {
        dst,
        src,
        req,
        kind,
        header,
        payload,
    })
}

fn bad(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip() {
        let f = Frame::new(
            3,
            7,
            Kind::Call,
            serde_json::json!({"fn": "ping"}),
            b"raw\0bytes".to_vec(),
        );
        let bytes = f.encode();
        let got = read_frame(&mut &bytes[..]).await.unwrap().unwrap();
        assert_eq!((got.dst, got.req, got.kind), (3, 7, Kind::Call));
        assert_eq!(got.str_field("fn"), Some("ping"));
        assert_eq!(got.payload, b"raw\0bytes");
    }

    #[tokio::test]
    async fn malformed_frames_are_errors() {
        // Length below the fixed part, an unknown kind, a header past the end.
        let short = 3u32.to_be_bytes();
        assert!(read_frame(&mut &short[..]).await.is_err());
        let mut f = Frame::new(1, 1, Kind::Call, serde_json::json!({}), vec![]).encode();
        f[16] = 99;
        assert!(read_frame(&mut &f[..]).await.is_err());
        let mut f = Frame::new(1, 1, Kind::Call, serde_json::json!({}), vec![]).encode();
        f[17..21].copy_from_slice(&1000u32.to_be_bytes());
        assert!(read_frame(&mut &f[..]).await.is_err());
        let truncated =
            &Frame::new(1, 1, Kind::Call, serde_json::json!({"a": 1}), vec![]).encode()[..10];
        assert!(read_frame(&mut &truncated[..]).await.is_err());
        assert!(read_frame(&mut &b""[..]).await.unwrap().is_none());
    }
}
