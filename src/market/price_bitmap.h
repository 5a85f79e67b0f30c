// A three-level bitmap over the price levels of a ladder window: which levels of one side are occupied.
//
// Level 0 holds one bit per level in 64-bit words; level 1 holds one bit per level-0 word (set iff that word is
// not zero); the top word holds one bit per level-1 word. So the next occupied level above or below any index
// is found with at most three word reads and a count of leading or trailing zeros, whatever the gap. Sizes are
// powers of two from 64 to 2^18 bits, fixed by reset(); nothing allocates afterwards.
//
// Invariants (checked by consistent()): a level-1 bit is set iff its level-0 word is non-zero; a top bit is
// set iff its level-1 word is non-zero; no bit is set at or beyond size().
//
// Used by OrderBook (book.h); kept in its own header so tests can check it directly. Single-threaded.
#pragma once

#include <cstdint>
#include <vector>

#include "base/assert.h"

namespace qz {

class PriceBitmap {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kMinBits = 64;
  static constexpr uint32_t kMaxBits = 1u << 18;

  // Sizes the bitmap to `bits` (a power of two in [kMinBits, kMaxBits]) and clears it.
  void reset(uint32_t bits) {
    QZ_ASSERT(bits >= kMinBits && bits <= kMaxBits);
    QZ_ASSERT((bits & (bits - 1)) == 0);
    size_bits_ = bits;
    words0_.assign(bits / 64, 0);
    words1_.assign((bits / 64 + 63) / 64, 0);
    top_ = 0;
  }

  uint32_t size() const { return size_bits_; }
  bool empty() const { return top_ == 0; }
  bool test(uint32_t index) const { return (words0_[index >> 6] >> (index & 63)) & 1u; }

  void set(uint32_t index) {
    words0_[index >> 6] |= bit(index & 63);
    words1_[index >> 12] |= bit((index >> 6) & 63);
    top_ |= bit(index >> 12);
  }

  void clear(uint32_t index) {
    uint64_t& word0 = words0_[index >> 6];
    word0 &= ~bit(index & 63);
    if (word0 != 0) return;
    uint64_t& word1 = words1_[index >> 12];
    word1 &= ~bit((index >> 6) & 63);
    if (word1 != 0) return;
    top_ &= ~bit(index >> 12);
  }

  // Clears `index` when `condition` holds, without a branch: for conditions that cannot be predicted (a level
  // emptying) on the hot path. The summary levels stay consistent either way.
  void clear_if(uint32_t index, bool condition) {
    uint64_t& word0 = words0_[index >> 6];
    word0 &= ~(uint64_t{condition} << (index & 63));
    uint64_t& word1 = words1_[index >> 12];
    word1 &= ~(uint64_t{word0 == 0} << ((index >> 6) & 63));
    top_ &= ~(uint64_t{word1 == 0} << (index >> 12));
  }

  // Clears every bit (O(size / 64)).
  void clear_all() {
    for (uint64_t& word : words0_) word = 0;
    for (uint64_t& word : words1_) word = 0;
    top_ = 0;
  }

  // The lowest set index >= `index`, or kNone.
  uint32_t first_at_or_above(uint32_t index) const {
    if (index >= size_bits_) return kNone;
    const uint64_t word0 = words0_[index >> 6] & (~uint64_t{0} << (index & 63));
    if (word0 != 0) return (index & ~63u) | ctz(word0);
    const uint32_t next0 = (index >> 6) + 1;  // first level-0 word not yet looked at
    if ((next0 & 63) != 0) {
      const uint64_t word1 = words1_[next0 >> 6] & (~uint64_t{0} << (next0 & 63));
      if (word1 != 0) return lowest_in_word0((next0 & ~63u) | ctz(word1));
    }
    const uint32_t next1 = (next0 >> 6) + ((next0 & 63) != 0 ? 1u : 0u);  // first level-1 word not looked at
    if (next1 >= words1_.size()) return kNone;
    const uint64_t top = top_ & (~uint64_t{0} << next1);
    if (top == 0) return kNone;
    const uint32_t index1 = ctz(top);
    return lowest_in_word0((index1 << 6) | ctz(words1_[index1]));
  }

  // The highest set index <= `index` (an index >= size() means "from the top"), or kNone.
  uint32_t last_at_or_below(uint32_t index) const {
    if (index >= size_bits_) index = size_bits_ - 1;
    const uint64_t word0 = words0_[index >> 6] & (~uint64_t{0} >> (63 - (index & 63)));
    if (word0 != 0) return (index & ~63u) | highest(word0);
    if ((index >> 6) == 0) return kNone;
    const uint32_t prev0 = (index >> 6) - 1;  // last level-0 word not yet looked at
    const uint64_t word1 = words1_[prev0 >> 6] & (~uint64_t{0} >> (63 - (prev0 & 63)));
    if (word1 != 0) return highest_in_word0((prev0 & ~63u) | highest(word1));
    if ((prev0 >> 6) == 0) return kNone;
    const uint32_t prev1 = (prev0 >> 6) - 1;  // last level-1 word not looked at (< 63)
    const uint64_t top = top_ & (~uint64_t{0} >> (63 - prev1));
    if (top == 0) return kNone;
    const uint32_t index1 = highest(top);
    return highest_in_word0((index1 << 6) | highest(words1_[index1]));
  }

  // True when the summary levels agree with level 0 and nothing is set beyond size(). O(size / 64).
  bool consistent() const {
    for (size_t i = 0; i < words1_.size(); i++) {
      uint64_t expected1 = 0;
      for (size_t j = 0; j < 64 && i * 64 + j < words0_.size(); j++) {
        if (words0_[i * 64 + j] != 0) expected1 |= bit(static_cast<uint32_t>(j));
      }
      if (words1_[i] != expected1) return false;
      if (((top_ >> i) & 1u) != (expected1 != 0 ? 1u : 0u)) return false;
    }
    return words1_.size() >= 64 || (top_ >> words1_.size()) == 0;
  }

 private:
  static uint64_t bit(uint32_t index) { return uint64_t{1} << index; }
  static uint32_t ctz(uint64_t word) { return static_cast<uint32_t>(__builtin_ctzll(word)); }
  static uint32_t highest(uint64_t word) { return 63u - static_cast<uint32_t>(__builtin_clzll(word)); }
  uint32_t lowest_in_word0(uint32_t index0) const {
    QZ_ASSERT(words0_[index0] != 0);
    return (index0 << 6) | ctz(words0_[index0]);
  }
  uint32_t highest_in_word0(uint32_t index0) const {
    QZ_ASSERT(words0_[index0] != 0);
    return (index0 << 6) | highest(words0_[index0]);
  }

  uint32_t size_bits_ = 0;
  std::vector<uint64_t> words0_;  // one bit per level
  std::vector<uint64_t> words1_;  // one bit per level-0 word
  uint64_t top_ = 0;              // one bit per level-1 word
};

}  // namespace qz
