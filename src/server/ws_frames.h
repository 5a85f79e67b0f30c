// WebSocket framing, server side (RFC 6455): the decoder of what clients send, the header of what the server
// sends, and the handshake's accept key. No extensions are negotiated, so the reserved bits must be clear.
//
// The decoder takes bytes as they arrive and yields whole messages and control frames. Client frames must be
// masked (section 5.1); control frames are final and at most 125 bytes (5.5); a message may come in fragments
// with control frames between them (5.4); a text message must be valid UTF-8 (8.1). Any breach is an error
// event with the close code to send (1002 protocol error, 1007 bad text, 1009 too big), after which the
// decoder reads nothing more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qz::server {

struct WsEvent {
  enum class Kind : uint8_t { text, binary, ping, pong, close, error };
  Kind kind = Kind::text;
  std::string payload;  // the message, or the control frame's application data (close: after the code)
  uint16_t code = 0;    // close: the peer's code (1005 when it sent none); error: the code to close with
};

class WsFrameReader {
 public:
  explicit WsFrameReader(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Consumes the whole frames at the front of `bytes` and appends their events; returns how many bytes it took
  // (the rest is an incomplete frame to offer again with more bytes after it). A frame is never larger than
  // max_frame_bytes(), so a buffer of that size always makes progress.
  size_t feed(std::span<const uint8_t> bytes, std::vector<WsEvent>* events);

  bool failed() const { return failed_; }
  size_t max_frame_bytes() const { return max_message_bytes_ + kMaxHeaderBytes; }

  static constexpr size_t kMaxHeaderBytes = 14;  // 2 + 8 (length) + 4 (mask)

 private:
  void fail(uint16_t code, std::vector<WsEvent>* events);

  size_t max_message_bytes_;
  bool failed_ = false;
  bool in_message_ = false;  // a fragmented message has begun
  bool message_is_text_ = false;
  std::string message_;
};

// The header of a final, unmasked server frame with `opcode` and a payload of `length` bytes, written to `out`
// (up to 10 bytes); returns its size.
size_t ws_frame_header(uint8_t opcode, size_t length, uint8_t out[10]);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
std::string ws_accept_key(std::string_view client_key);

inline constexpr uint8_t kWsText = 0x1;
inline constexpr uint8_t kWsBinary = 0x2;
inline constexpr uint8_t kWsClose = 0x8;
inline constexpr uint8_t kWsPing = 0x9;
inline constexpr uint8_t kWsPong = 0xA;

}  // namespace qz::server
