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
        PgWireFrontendMessage::decode(src, &self.ctx)
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
