#include "server/ws_frames.h"

#include <openssl/evp.h>
#include <simdjson.h>
#include <sodium.h>

#include "base/assert.h"

namespace qz::server {

void WsFrameReader::fail(uint16_t code, std::vector<WsEvent>* events) {
  failed_ = true;
  message_.clear();
  events->push_back(WsEvent{.kind = WsEvent::Kind::error, .payload = std::string(), .code = code});
}

size_t WsFrameReader::feed(std::span<const uint8_t> bytes, std::vector<WsEvent>* events) {
  size_t taken = 0;
  while (!failed_) {
    const std::span<const uint8_t> rest = bytes.subspan(taken);
    if (rest.size() < 2) break;
    const bool fin = (rest[0] & 0x80) != 0;
    const uint8_t opcode = rest[0] & 0x0F;
    if ((rest[0] & 0x70) != 0) {
      fail(1002, events);  // a reserved bit without a negotiated extension
      break;
    }
    if ((rest[1] & 0x80) == 0) {
      fail(1002, events);  // clients must mask every frame
      break;
    }
    const uint8_t short_length = rest[1] & 0x7F;
    const size_t length_bytes = short_length == 126 ? 2 : short_length == 127 ? 8 : 0;
    const size_t header = 2 + length_bytes + 4;
    if (rest.size() < 2 + length_bytes) break;
    uint64_t length = short_length;
    if (length_bytes != 0) {
      length = 0;
      for (size_t i = 0; i < length_bytes; i++) length = (length << 8) | rest[2 + i];
      // The shortest encoding is not required by every client; the top bit must be clear (5.2).
      if ((length >> 63) != 0) {
        fail(1002, events);
        break;
      }
    }
    const bool control = (opcode & 0x8) != 0;
    if (control) {
      if (opcode != kWsClose && opcode != kWsPing && opcode != kWsPong) {
        fail(1002, events);
        break;
      }
      if (!fin || length > 125) {
        fail(1002, events);
        break;
      }
    } else {
      if (opcode != 0 && opcode != kWsText && opcode != kWsBinary) {
        fail(1002, events);
        break;
      }
      if ((opcode == 0) != in_message_) {
        fail(1002, events);  // a continuation with nothing to continue, or a new message inside one
        break;
      }
      if (length > max_message_bytes_ - std::min(message_.size(), max_message_bytes_)) {
        fail(1009, events);
        break;
      }
    }
    if (rest.size() < header || rest.size() - header < length) break;  // the frame is not all here yet

    const uint8_t* mask = rest.data() + 2 + length_bytes;
    const uint8_t* data = rest.data() + header;
    std::string payload(static_cast<size_t>(length), '\0');
    for (size_t i = 0; i < payload.size(); i++) payload[i] = static_cast<char>(data[i] ^ mask[i & 3]);
    taken += header + static_cast<size_t>(length);

    if (control) {
      if (opcode == kWsPing) {
        events->push_back(WsEvent{.kind = WsEvent::Kind::ping, .payload = std::move(payload), .code = 0});
      } else if (opcode == kWsPong) {
        events->push_back(WsEvent{.kind = WsEvent::Kind::pong, .payload = std::move(payload), .code = 0});
      } else {
        if (payload.size() == 1) {
          fail(1002, events);
          break;
        }
        uint16_t code = 1005;
        std::string reason;
        if (payload.size() >= 2) {
          code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]));
          reason = payload.substr(2);
          // 1004-1006 and 1015 must not be sent; 1012-1014 are registered with IANA since RFC 6455.
          const bool valid_code = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                                  (code >= 3000 && code <= 4999);
          if (!valid_code || !simdjson::validate_utf8(reason.data(), reason.size())) {
            fail(1002, events);
            break;
          }
        }
        events->push_back(WsEvent{.kind = WsEvent::Kind::close, .payload = std::move(reason), .code = code});
        failed_ = true;  // nothing after a close frame is read
      }
      continue;
    }
    if (opcode != 0) {
      in_message_ = true;
      message_is_text_ = opcode == kWsText;
      message_.clear();
    }
    message_ += payload;
    if (!fin) continue;
    in_message_ = false;
    if (message_is_text_ && !simdjson::validate_utf8(message_.data(), message_.size())) {
      fail(1007, events);
      break;
    }
    events->push_back(WsEvent{.kind = message_is_text_ ? WsEvent::Kind::text : WsEvent::Kind::binary,
                              .payload = std::move(message_),
                              .code = 0});
    message_.clear();
  }
  return taken;
}

size_t ws_frame_header(uint8_t opcode, size_t length, uint8_t out[10]) {
  out[0] = static_cast<uint8_t>(0x80 | (opcode & 0x0F));
  if (length < 126) {
    out[1] = static_cast<uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(length >> 8);
    out[3] = static_cast<uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  const uint64_t wide = length;
  for (int i = 0; i < 8; i++) out[2 + i] = static_cast<uint8_t>(wide >> (56 - 8 * i));
  return 10;
}

std::string ws_accept_key(std::string_view client_key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(client_key);
  input += kGuid;
  unsigned char digest[20];
  unsigned int length = 0;
  QZ_ASSERT(EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr) == 1 && length == 20);
  char text[sodium_base64_ENCODED_LEN(20, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(text, sizeof text, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
  return std::string(text);
}

}  // namespace qz::server
