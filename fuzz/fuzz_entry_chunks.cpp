// libFuzzer target: qz::history_internal::unpack_entries (history/internal/entry_chunks.h), the packed ledger
// entries of history.db.
//
// Input: one byte of entry count (mod 65), eight bytes of the chunk's first transfer id, then the packed bytes.
// Checks, for every input that unpacks: exactly `count` entries, transfer ids rising from the first one, known
// kinds; packing them again and unpacking that gives the same entries. Inputs that do not unpack must leave a
// non-empty error message.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "base/assert.h"
#include "history/internal/entry_chunks.h"

namespace hi = qz::history_internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  const uint32_t count = data[0] % (hi::kEntriesPerChunk + 1);
  uint64_t first = 0;
  std::memcpy(&first, data + 1, sizeof first);
  const std::span<const uint8_t> packed(data + 9, size - 9);
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
