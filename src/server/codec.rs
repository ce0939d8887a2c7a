//! Framing: pgwire's message types decoded from and encoded to the socket.
//!
//! The codec only tracks which phase the connection is in, because the first messages have no
//! type byte: an SSLRequest/GSSENCRequest, then the startup packet (or a CancelRequest), then
//! typed messages. Everything else about the protocol is the connection's business.

use bytes::BytesMut;
use pgwire::error::PgWireError;
use pgwire::messages::{
    DecodeContext, PgWireBackendMessage, PgWireFrontendMessage, ProtocolVersion,
};
use std::cell::Cell;
use std::sync::Once;
use tokio_util::codec::{Decoder, Encoder};

/// Which untyped message the codec expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// SSLRequest, GSSENCRequest, startup or cancel.
    Negotiation,
    /// Startup or cancel (after the SSL request was refused).
    Startup,
    /// Typed messages.
    Typed,
}

thread_local! {
    /// Set while a message is decoded, so the panic hook stays quiet for contained panics.
    static DECODING: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once) a panic hook that says nothing about panics contained while decoding,
/// and defers to the previous hook for everything else.
pub fn quiet_decode_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !DECODING.get() {
                previous(info);
            }
        }));
    });
}

pub struct WireCodec {
    pub phase: Phase,
    ctx: DecodeContext,
}

impl WireCodec {
    pub fn new() -> WireCodec {
        WireCodec {
            phase: Phase::Negotiation,
            ctx: DecodeContext::new(ProtocolVersion::PROTOCOL3_0),
        }
    }
}

impl Decoder for WireCodec {
    type Item = PgWireFrontendMessage;
    type Error = PgWireError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        self.ctx.awaiting_frontend_ssl = self.phase == Phase::Negotiation;
        self.ctx.awaiting_frontend_startup = self.phase != Phase::Typed;
        // pgwire's decoders index into the message as its counts say, and panic when a
        // malformed message claims more than it holds. Contain that: the message is a
        // protocol violation (the connection ends with 08P01), not a server failure.
        let kind = src.first().copied().unwrap_or(b'?');
        DECODING.set(true);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            PgWireFrontendMessage::decode(src, &self.ctx)
        }));
        DECODING.set(false);
        r.unwrap_or_else(|_| {
            src.clear();
            Err(PgWireError::IoError(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("malformed message of type '{}'", kind.escape_ascii()),
            )))
        })
    }
}

impl Encoder<PgWireBackendMessage> for WireCodec {
    type Error = PgWireError;

    fn encode(
        &mut self,
        item: PgWireBackendMessage,
        dst: &mut BytesMut,
    ) -> Result<(), Self::Error> {
        item.encode(dst)
    }
}
