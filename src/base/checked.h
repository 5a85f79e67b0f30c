// Checked integer arithmetic for money. Every operation reports overflow instead of wrapping; products go
// through 128-bit intermediates. The functions return false on overflow and leave *out unspecified.
#pragma once

#include <cstdint>

namespace qz {

__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

[[nodiscard]] inline bool checked_add(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }
[[nodiscard]] inline bool checked_sub(int64_t a, int64_t b, int64_t* out) { return !__builtin_sub_overflow(a, b, out); }
[[nodiscard]] inline bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  const int128 product = static_cast<int128>(a) * b;
  if (product > INT64_MAX || product < INT64_MIN) return false;
  *out = static_cast<int64_t>(product);
  return true;
}
[[nodiscard]] inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }

enum class Rounding : uint8_t { down, up };  // toward zero / away from zero (operands are non-negative)

// a * b / divisor with a 128-bit intermediate, for non-negative a and b and positive divisor.
[[nodiscard]] inline bool checked_mul_div(int64_t a, int64_t b, int64_t divisor, Rounding rounding, int64_t* out) {
  if (a < 0 || b < 0 || divisor <= 0) return false;
  const uint128 product = static_cast<uint128>(a) * static_cast<uint128>(b);
  uint128 quotient = product / static_cast<uint128>(divisor);
  if (rounding == Rounding::up && product % static_cast<uint128>(divisor) != 0) quotient += 1;
  if (quotient > static_cast<uint128>(INT64_MAX)) return false;
  *out = static_cast<int64_t>(quotient);
  return true;
}

// 10^exponent for exponent in [0, 18].
inline int64_t pow10_i64(uint32_t exponent) {
  constexpr int64_t table[19] = {1,
                                 10,
                                 100,
                                 1'000,
                                 10'000,
                                 100'000,
                                 1'000'000,
                                 10'000'000,
                                 100'000'000,
                                 1'000'000'000,
                                 10'000'000'000,
                                 100'000'000'000,
                                 1'000'000'000'000,
                                 10'000'000'000'000,
                                 100'000'000'000'000,
                                 1'000'000'000'000'000,
                                 10'000'000'000'000'000,
                                 100'000'000'000'000'000,
                                 1'000'000'000'000'000'000};
  return table[exponent < 19 ? exponent : 0];
}

}  // namespace qz
