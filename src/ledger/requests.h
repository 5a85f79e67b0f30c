// Idempotency: what each (actor, request id) pair was answered the first time.
//
// A repeated request id returns the original result and moves nothing. Entries are appended in command order
// and never removed, so their order is deterministic; the index is a hash table used for lookup only. The
// state digest absorbs entries in fixed chunks of kChunk, so it does not depend on when anyone asks for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/sha256.h"

namespace qz {

struct RequestEntry {
  uint64_t actor;
  uint64_t request_id;
  uint64_t fingerprint;  // of the whole command, to tell a retry from a different command reusing the id
  uint64_t object_id;    // account, transfer or hold id created, 0 if none
  uint32_t result;
  uint16_t command_kind;
  uint16_t zero;
};
static_assert(sizeof(RequestEntry) == 40);

class RequestTable {
 public:
  static constexpr size_t kChunk = 4096;

  // Room for `reserved` entries without growing; the memory is touched now, not on the command path.
  explicit RequestTable(uint64_t reserved = 0);
  // The entry for (actor, request_id), or nullptr.
  const RequestEntry* find(uint64_t actor, uint64_t request_id) const;
  // Hints that (actor, request_id) will be looked up soon: starts loading its first slot into cache.
  void prefetch(uint64_t actor, uint64_t request_id) const {
    __builtin_prefetch(&slots_[static_cast<size_t>(key_hash(actor, request_id) & mask_)]);
  }
  // Precondition: (actor, request_id) is not present and request_id != 0.
  void add(const RequestEntry& entry);
  uint64_t size() const { return entries_.size(); }

  void hash_into(Sha256* hasher) const;
  void write_snapshot(ByteWriter* out) const;
  [[nodiscard]] bool read_snapshot(ByteReader* in);
  std::string check_invariants() const;

 private:
  static uint64_t key_hash(uint64_t actor, uint64_t request_id);
  void grow();
  void insert_slot(size_t index, bool check_unique);
  void absorb_full_chunks();

  std::vector<RequestEntry> entries_;
  // Open addressing, linear probing, load at most 1/2. A slot is (key hash >> 32) << 32 | (entry index + 1);
  // 0 = empty.
  std::vector<uint64_t> slots_;
  uint64_t mask_ = 0;
  Hash256 chunk_digest_;          // over entries_[0 .. absorbed_)
  uint64_t absorbed_ = 0;
};

// A fast deterministic 64-bit mix of 64 bytes (not cryptographic): the command fingerprint.
uint64_t fingerprint64(const void* data, size_t size);

}  // namespace qz
