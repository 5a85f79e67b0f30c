// libFuzzer target: the WebSocket control messages and stream names (server/streams.h).
//
// parse_control never crashes on any bytes. On success: SUBSCRIBE and UNSUBSCRIBE carry only names that
// parse_stream_name accepts, SET_PROPERTY carries a value, the echoed id is valid JSON of at most 128 bytes. On
// failure the reply code is 0-3. parse_stream_name never crashes, and a name it accepts has an upper-case symbol
// of 1-20 characters, and depth levels only for the top-of-book streams (5, 10 or 20).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "server/streams.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qz::server;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  ControlMessage message;
  ControlError error;
  if (parse_control(text, &message, &error)) {
    QZ_ASSERT(!message.id_json.empty() && message.id_json.size() <= 128);
    const bool streams = message.method == ControlMessage::Method::subscribe ||
                         message.method == ControlMessage::Method::unsubscribe;
    if (streams) {
      for (const auto& name : message.params) {
        StreamName parsed;
        QZ_ASSERT(parse_stream_name(name, &parsed));
      }
    }
    if (message.method == ControlMessage::Method::set_property) QZ_ASSERT(message.value.has_value());
  } else {
    QZ_ASSERT(error.code >= 0 && error.code <= 3 && !error.message.empty());
  }

  StreamName name;
  if (parse_stream_name(text, &name)) {
    QZ_ASSERT(!name.symbol.empty() && name.symbol.size() <= 20);
    for (const char c : name.symbol) QZ_ASSERT(!(c >= 'a' && c <= 'z'));
    if (name.kind == StreamKind::depth_top) {
      QZ_ASSERT(name.levels == 5 || name.levels == 10 || name.levels == 20);
    } else {
      QZ_ASSERT(name.levels == 0);
    }
  }
  return 0;
}
