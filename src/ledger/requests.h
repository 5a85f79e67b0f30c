// Idempotency: what each (actor, request id) pair was answered the first time.
//
// A repeated request id returns the original result and moves nothing. Entries are appended in command order
// and never removed, so their order is deterministic; the index is a hash table used for lookup only. The
// state digest absorbs entries in fixed chunks of kChunk, so it does not depend on when anyone asks for it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
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
  uint64_t size() const { return count_; }

  void hash_into(Sha256* hasher) const;
  void write_snapshot(ByteWriter* out) const;
  [[nodiscard]] bool read_snapshot(ByteReader* in);
  std::string check_invariants() const;

 private:
  struct FreeSlots {
    void operator()(uint64_t* slots) const { std::free(slots); }
  };
  using Slots = std::unique_ptr<uint64_t[], FreeSlots>;
  // Entries added to the new table per add while a growth moves the old one's: enough to finish moving (half
  // the new table's load limit) before the new table is half full.
  static constexpr size_t kMovesPerAdd = 2;

  static uint64_t key_hash(uint64_t actor, uint64_t request_id);
  static Slots allocate_slots(size_t count);
  const RequestEntry* probe(const uint64_t* slots, uint64_t mask, uint64_t hash, uint64_t actor,
                            uint64_t request_id) const;
  void grow();
  void move_some(size_t count);
  void insert_slot(size_t index, bool check_unique);
  void absorb_full_chunks();

  const RequestEntry& entry(size_t index) const { return chunks_[index / kChunk][index % kChunk]; }

  // The entries, kChunk to a block that never moves: an add never copies the entries before it (a vector's
  // doubling copied 40 MB at a million entries).
  std::vector<std::unique_ptr<RequestEntry[]>> chunks_;  // may hold empty blocks past count_ (reserved)
  size_t count_ = 0;
  // Open addressing, linear probing, load at most 1/2. A slot is (key hash >> 32) << 32 | (entry index + 1);
  // 0 = empty.
  Slots slots_;
  uint64_t mask_ = 0;
  // A growth does not index every entry again in one add: that paused the journal for 20-40 ms at 262,144 and
  // 524,288 entries, twice as long at each doubling. The full table stays as old_slots_ and holds entries
  // [0, old_count_); each add moves kMovesPerAdd of them, in order, into slots_, which holds entries
  // [0, moved_) and every entry added since. A lookup asks slots_, then old_slots_ until all have moved.
  Slots old_slots_;
  uint64_t old_mask_ = 0;
  size_t old_count_ = 0;
  size_t moved_ = 0;
  Hash256 chunk_digest_;          // over entries [0 .. absorbed_)
  uint64_t absorbed_ = 0;
};

// A fast deterministic 64-bit mix of 64 bytes (not cryptographic): the command fingerprint.
uint64_t fingerprint64(const void* data, size_t size);

}  // namespace qz
