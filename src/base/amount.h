// Amounts and prices as integers in minor units.
//
// Every asset has a fixed scale (number of decimals): KZT 2, BTC 8. An amount of an asset is an int64 count of
// its minor units (1 BTC = 100'000'000). A price is the count of quote minor units for one whole base unit
// (BTCKZT 45'000'000.00 -> 4'500'000'000). Products use 128-bit intermediates; overflow is reported.
#pragma once

#include <compare>
#include <cstdint>

#include "base/checked.h"

namespace qz {

inline constexpr uint8_t kMaxScale = 18;

struct Amount {
  int64_t minor = 0;
  friend constexpr auto operator<=>(Amount, Amount) = default;
};

struct Price {
  int64_t minor = 0;  // quote minor units per whole base unit
  friend constexpr auto operator<=>(Price, Price) = default;
};

[[nodiscard]] inline bool checked_add(Amount a, Amount b, Amount* out) { return checked_add(a.minor, b.minor, &out->minor); }
[[nodiscard]] inline bool checked_sub(Amount a, Amount b, Amount* out) { return checked_sub(a.minor, b.minor, &out->minor); }

// Quote amount for `quantity` (base minor units) at `price`: price * quantity / 10^base_scale, rounded as asked.
[[nodiscard]] inline bool notional(Price price, Amount quantity, uint8_t base_scale, Rounding rounding, Amount* out) {
  if (base_scale > kMaxScale) return false;
  return checked_mul_div(price.minor, quantity.minor, pow10_i64(base_scale), rounding, &out->minor);
}

}  // namespace qz
