// Tests on eight bytes at once, for scanners that look for a few byte values in text that rarely holds them (JSON
// strings with nothing to escape, parameters with nothing to decode). A word is eight bytes of the text loaded with
// memcpy, in either byte order: each test says whether some lane holds such a byte, exactly, and not which one.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace qz::byte_scan {

inline constexpr uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr uint64_t kHighs = 0x8080808080808080ULL;

// True when some byte of `word` is below `n` (n at most 0x80). A lane that borrows from the one below it can only
// be set when that lower lane is below `n` itself, so the answer for the word is exact.
constexpr bool any_below(uint64_t word, uint8_t n) { return ((word - kOnes * n) & ~word & kHighs) != 0; }

// True when some byte of `word` equals `byte`.
constexpr bool any_equal(uint64_t word, uint8_t byte) { return any_below(word ^ (kOnes * byte), 1); }

// The eight bytes of `text` from `at`, or as many as are left followed by copies of `pad`.
inline uint64_t load(std::string_view text, size_t at, uint8_t pad) {
  uint64_t word = kOnes * pad;
  std::memcpy(&word, text.data() + at, std::min<size_t>(8, text.size() - at));
  return word;
}

}  // namespace qz::byte_scan
