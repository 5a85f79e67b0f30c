// libFuzzer target: the WebSocket frame decoder (server/ws_frames.h).
//
// WsFrameReader never crashes on any bytes, whether they come at once or split at an arbitrary point. Both ways
// give the same events. It never takes more bytes than it is given; after an error or a close it takes nothing
// more; a text message is valid UTF-8 and no message is over the limit; control payloads are at most 125 bytes.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/assert.h"
#include "server/ws_frames.h"

namespace {

std::vector<qz::server::WsEvent> decode(std::span<const uint8_t> input, size_t split, size_t max) {
  qz::server::WsFrameReader reader(max);
  std::vector<qz::server::WsEvent> events;
  std::vector<uint8_t> pending;
  for (const std::span<const uint8_t> part : {input.first(split), input.subspan(split)}) {
    pending.insert(pending.end(), part.begin(), part.end());
    const size_t taken = reader.feed(pending, &events);
    QZ_ASSERT(taken <= pending.size());
    if (reader.failed()) QZ_ASSERT(reader.feed(std::span(pending).subspan(taken), &events) == 0);
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(taken));
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using qz::server::WsEvent;
  if (size < 2) return 0;
  const size_t max = 1 + data[0] * 4;  // a small limit, so that 1009 is reachable
  const std::span<const uint8_t> input(data + 2, size - 2);
  const size_t split = input.empty() ? 0 : data[1] % (input.size() + 1);
  const std::vector<WsEvent> whole = decode(input, 0, max);
  const std::vector<WsEvent> parts = decode(input, split, max);
  QZ_ASSERT(whole.size() == parts.size());
  for (size_t i = 0; i < whole.size(); i++) {
    QZ_ASSERT(whole[i].kind == parts[i].kind && whole[i].payload == parts[i].payload && whole[i].code == parts[i].code);
    const WsEvent& event = whole[i];
    switch (event.kind) {
      case WsEvent::Kind::text:
        QZ_ASSERT(simdjson::validate_utf8(event.payload.data(), event.payload.size()));
        QZ_ASSERT(event.payload.size() <= max);
        break;
      case WsEvent::Kind::binary:
        QZ_ASSERT(event.payload.size() <= max);
        break;
      case WsEvent::Kind::ping:
      case WsEvent::Kind::pong:
      case WsEvent::Kind::close:
        QZ_ASSERT(event.payload.size() <= 125);
        break;
      case WsEvent::Kind::error:
        QZ_ASSERT(event.code == 1002 || event.code == 1007 || event.code == 1009);
        QZ_ASSERT(i + 1 == whole.size());
        break;
    }
  }
  return 0;
}
