// libFuzzer target: qz::history_internal::unpack_entries, unpack_ids and unpack_rising_ids
// (history/internal/entry_chunks.h), the packed ledger entries, owners' fills and orders' trades as maker of
// history.db.
//
// Input: one byte, then eight bytes of the chunk's first transfer (or trade) id, then the packed bytes. A first
// byte below 0x40 is an entry count (mod 33); from 0x40 to 0x7F the bytes are an order's trades as maker (the
// eight bytes are ignored); from 0x80 its low seven bits are a fill count (mod 65).
// Checks, for every input that unpacks: exactly `count` entries, transfer ids rising from the first one, known
// kinds (fills: trade ids from the first one, rising in (trade id, taker before maker) order; trades as maker:
// rising); packing them again and unpacking that gives the same. Inputs that do not unpack must leave a non-empty
// error message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "base/assert.h"
#include "history/internal/entry_chunks.h"

namespace hi = qz::history_internal;

namespace {

void fuzz_fills(uint32_t count, uint64_t first, std::span<const uint8_t> packed) {
  std::vector<hi::IdRef> fills;
  const qz::Status status = hi::unpack_ids(packed, first, count, &fills);
  if (!status.is_ok()) {
    QZ_ASSERT(!status.message().empty());
    return;
  }
  QZ_ASSERT_EQ(fills.size(), count);
  hi::IdChunk chunk{.owner = 1, .market = 1};
  for (size_t i = 0; i < fills.size(); i++) {
    QZ_ASSERT(i == 0 ? fills[i].id == first
                     : fills[i].id > fills[i - 1].id ||
                           (fills[i].id == fills[i - 1].id && !fills[i - 1].flag && fills[i].flag));
    chunk.append(fills[i]);
  }
  std::vector<hi::IdRef> again;
  QZ_ASSERT(hi::unpack_ids(chunk.data, chunk.count == 0 ? first : chunk.first_id, count, &again).is_ok());
  QZ_ASSERT(again == fills);
}

void fuzz_rising(std::span<const uint8_t> packed) {
  std::vector<uint64_t> ids;
  const qz::Status status = hi::unpack_rising_ids(packed, &ids);
  if (!status.is_ok()) {
    QZ_ASSERT(!status.message().empty());
    return;
  }
  std::vector<uint8_t> again;
  for (size_t i = 0; i < ids.size(); i++) {
    QZ_ASSERT(ids[i] > (i == 0 ? 0 : ids[i - 1]));
    hi::append_rising_id(&again, i == 0 ? 0 : ids[i - 1], ids[i]);
  }
  std::vector<uint64_t> unpacked;
  QZ_ASSERT(hi::unpack_rising_ids(again, &unpacked).is_ok());
  QZ_ASSERT(unpacked == ids);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  uint64_t first = 0;
  std::memcpy(&first, data + 1, sizeof first);
  const std::span<const uint8_t> packed(data + 9, size - 9);
  if (data[0] >= 0x80) {
    fuzz_fills((data[0] & 0x7Fu) % (hi::kIdsPerChunk + 1), first, packed);
    return 0;
  }
  if (data[0] >= 0x40) {
    fuzz_rising(packed);
    return 0;
  }
  const uint32_t count = data[0] % (hi::kEntriesPerChunk + 1);
  std::vector<qz::history::EntryRow> entries;
  const qz::Status status = hi::unpack_entries(packed, first, count, &entries);
  if (!status.is_ok()) {
    QZ_ASSERT(!status.message().empty());
    return 0;
  }
  QZ_ASSERT_EQ(entries.size(), count);
  hi::EntryChunk chunk{.account = 1};
  for (size_t i = 0; i < entries.size(); i++) {
    hi::EntryKindCode kind{};
    QZ_ASSERT(hi::entry_kind_code(entries[i].kind, &kind));
    QZ_ASSERT(i == 0 ? entries[i].transfer_id == first : entries[i].transfer_id > entries[i - 1].transfer_id);
    chunk.append(entries[i]);
  }
  std::vector<qz::history::EntryRow> again;
  QZ_ASSERT(hi::unpack_entries(chunk.data, chunk.count == 0 ? first : chunk.first_transfer_id, count, &again).is_ok());
  QZ_ASSERT(again == entries);
  return 0;
}
