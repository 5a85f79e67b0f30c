// libFuzzer target: qz::decode_command (engine/command.h).
//
// Checks, for every input:
//   - any size other than 64 bytes is refused with reserved_field_not_zero;
//   - a 64-byte record gets ok or one of the structural codes (reserved bytes, order fields, client order id
//     text, role), the same one validate_command gives for the decoded struct;
//   - an accepted record re-encodes to exactly the input bytes (the wire layout is the struct: nothing is lost
//     or normalised on the way through).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "base/assert.h"
#include "engine/command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qz::Command command;
  std::memset(&command, 0xA5, sizeof command);
  const qz::Result result = qz::decode_command(std::span<const uint8_t>(data, size), &command);
  if (size != qz::kCommandSize) {
    QZ_ASSERT(result == qz::Result::reserved_field_not_zero);
    return 0;
  }
  QZ_ASSERT(result == qz::Result::ok || result == qz::Result::unknown_command_kind ||
            result == qz::Result::reserved_field_not_zero || result == qz::Result::order_field_invalid ||
            result == qz::Result::client_order_id_invalid || result == qz::Result::actor_not_permitted);
  QZ_ASSERT(qz::validate_command(command) == result);
  if (result != qz::Result::ok) return 0;

  uint8_t encoded[qz::kCommandSize];
  qz::encode_command(command, encoded);
  QZ_ASSERT(std::memcmp(encoded, data, qz::kCommandSize) == 0);
  QZ_ASSERT(std::strcmp(qz::command_kind_name(command.command_kind()), "unknown") != 0);
  return 0;
}
