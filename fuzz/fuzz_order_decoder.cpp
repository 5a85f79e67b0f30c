// libFuzzer target: qz::decode_command for the market and order commands (kinds 10-13 and 20-23).
//
// Input: byte 0 picks one of the eight kinds; the bytes after it fill the record from offset 2 (after the kind)
// and the rest of the 64 bytes stay zero, so short inputs are mostly-valid commands. For every record:
//   - decode_command's result equals an independent oracle written from docs/formats.md: which payload bytes
//     each kind leaves zero, the flags and reserved header checks, place_order's enum ranges and the role
//     range, in the documented order (never unknown_command_kind: the kind is always a known one);
//   - validate_command agrees with decode_command;
//   - an accepted record re-encodes to exactly the same 64 bytes, and its kind's name is known.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "engine/command.h"

namespace {

struct KindLayout {
  qz::CommandKind kind;
  // Byte ranges [begin, end) of the record that must be zero (offsets from the start of the 64-byte record).
  std::vector<std::pair<size_t, size_t>> zero;
};

// The zero parts of each payload, from the tables in docs/formats.md.
const std::array<KindLayout, 8>& layouts() {
  static const std::array<KindLayout, 8> kLayouts = {{
      {qz::CommandKind::create_market, {}},
      {qz::CommandKind::set_market_rules, {}},
      {qz::CommandKind::set_market_status, {{29, 32}, {40, 64}}},
      {qz::CommandKind::set_fee_tier, {{30, 32}, {48, 64}}},
      {qz::CommandKind::place_order, {}},
      {qz::CommandKind::cancel_order, {{28, 32}, {48, 64}}},
      {qz::CommandKind::amend_order, {{28, 32}, {56, 64}}},
      {qz::CommandKind::cancel_all, {{28, 64}}},
  }};
  return kLayouts;
}

bool zero_bytes(const uint8_t* record, size_t begin, size_t end) {
  for (size_t i = begin; i < end; i++) {
    if (record[i] != 0) return false;
  }
  return true;
}

// What decode_command must answer, computed from the bytes alone.
qz::Result expected_result(const KindLayout& layout, const uint8_t* record) {
  const uint8_t flags = record[2];
  const uint8_t role = record[3];
  bool unused_zero = zero_bytes(record, 4, 8);  // header `reserved`
  for (const auto& [begin, end] : layout.zero) unused_zero = unused_zero && zero_bytes(record, begin, end);
  if ((flags & ~qz::kFlagLinked) != 0 || !unused_zero) return qz::Result::reserved_field_not_zero;
  if (layout.kind == qz::CommandKind::place_order) {
    const uint8_t side = record[28];
    const uint8_t type = record[29];
    const uint8_t tif = record[30];
    const uint8_t stp = record[31];
    if (side < 1 || side > 2 || type < 1 || type > 6 || tif > 4 || stp > 3) return qz::Result::order_field_invalid;
  }
  if (role > 7) return qz::Result::actor_not_permitted;
  return qz::Result::ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const KindLayout& layout = layouts()[data[0] % layouts().size()];
  uint8_t record[qz::kCommandSize] = {};
  const auto kind = static_cast<uint16_t>(layout.kind);
  std::memcpy(record, &kind, sizeof kind);
  std::memcpy(record + 2, data + 1, std::min(size - 1, qz::kCommandSize - 2));

  qz::Command command;
  std::memset(&command, 0xA5, sizeof command);
  const qz::Result result = qz::decode_command(std::span<const uint8_t>(record, sizeof record), &command);
  QZ_ASSERT_EQ(static_cast<uint32_t>(result), static_cast<uint32_t>(expected_result(layout, record)));
  QZ_ASSERT(qz::validate_command(command) == result);
  QZ_ASSERT(command.command_kind() == layout.kind);
  if (result != qz::Result::ok) return 0;

  uint8_t encoded[qz::kCommandSize];
  qz::encode_command(command, encoded);
  QZ_ASSERT(std::memcmp(encoded, record, qz::kCommandSize) == 0);
  QZ_ASSERT(std::strcmp(qz::command_kind_name(command.command_kind()), "unknown") != 0);
  if (layout.kind == qz::CommandKind::place_order) {
    QZ_ASSERT(command.place_order.side == 1 || command.place_order.side == 2);
    QZ_ASSERT(command.place_order.type >= 1 && command.place_order.type <= qz::kMaxOrderType);
  }
  return 0;
}
