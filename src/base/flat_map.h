// FlatMap: an open-addressing hash map from non-zero uint64_t keys to small trivially copyable values, for the
// engine's id tables (live holds, open orders). One flat array, linear probing, Fibonacci hashing, deletion by
// backward shift (no tombstones, so lookups stay short however many keys come and go). Key 0 marks an empty
// slot and may not be stored.
//
// Compared with std::unordered_map: no allocation per entry (the table grows by doubling, at 7/8 load; reserve()
// up front keeps growth off the hot path), and a lookup is usually one cache line.
//
// Iteration order depends on the table's history, so it must never reach an output: callers that hash or
// serialise collect the keys and sort them (as with std::unordered_map). Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "base/assert.h"

namespace qz {

template <typename V>
class FlatMap {
  static_assert(std::is_trivially_copyable_v<V>);

 public:
  FlatMap() { rehash(16); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Makes room for `count` keys without growing.
  void reserve(size_t count) {
    size_t capacity = slots_.size();
    while (count > capacity / 8 * 7) capacity *= 2;
    if (capacity != slots_.size()) rehash(capacity);
  }

  V* find(uint64_t key) {
    QZ_ASSERT(key != 0);
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.key == key) return &slot.value;
      if (slot.key == 0) return nullptr;
    }
  }
  const V* find(uint64_t key) const { return const_cast<FlatMap*>(this)->find(key); }
  bool contains(uint64_t key) const { return find(key) != nullptr; }

  // Inserts key -> value; false (nothing changed) when the key is present.
  bool insert(uint64_t key, const V& value) {
    QZ_ASSERT(key != 0);
    if (size_ + 1 > slots_.size() / 8 * 7) rehash(slots_.size() * 2);
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.key == key) return false;
      if (slot.key == 0) {
        slot.key = key;
        slot.value = value;
        size_++;
        return true;
      }
    }
  }

  // Removes the key; false when it is absent.
  bool erase(uint64_t key) {
    QZ_ASSERT(key != 0);
    size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) break;
      if (slots_[i].key == 0) return false;
    }
    // Backward shift: move later members of the probe run into the hole when their home allows it.
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; slots_[j].key != 0; j = (j + 1) & mask_) {
      const size_t want = home(slots_[j].key);
      // j may move to the hole when its home is not in the cyclic range (hole, j].
      const bool stays = hole <= j ? (want > hole && want <= j) : (want > hole || want <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole].key = 0;
    size_--;
    return true;
  }

  void clear() {
    for (Slot& slot : slots_) slot.key = 0;
    size_ = 0;
  }

  // Calls f(key, value) for every entry, in table order (which must not reach an output).
  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& slot : slots_) {
      if (slot.key != 0) f(slot.key, slot.value);
    }
  }

 private:
  struct Slot {
    uint64_t key;
    V value;
  };

  size_t home(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_); }

  void rehash(size_t capacity) {
    QZ_ASSERT(capacity >= 16 && (capacity & (capacity - 1)) == 0);
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{0, V{}});
    mask_ = capacity - 1;
    shift_ = 64;
    for (size_t c = capacity; c > 1; c >>= 1) shift_--;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.key != 0) QZ_ASSERT(insert(slot.key, slot.value));
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  uint32_t shift_ = 64;
  size_t size_ = 0;
};

}  // namespace qz
