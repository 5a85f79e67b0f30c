// Exact decimal text <-> integer minor units. No floating point anywhere.
//
// Accepted text: one or more digits, optionally '.' and one or more digits ("12", "0.5", "0.00012345").
// Digits beyond the scale are accepted only when they are zeros ("1.2300" at scale 2 is 123), because the value
// is still exact; a non-zero digit beyond the scale is `too_many_decimals`. Signs, exponents, spaces, empty text,
// a lone or trailing '.', and values above INT64_MAX minor units are refused with their own error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qz {

enum class DecimalError : uint8_t {
  ok = 0,
  empty = 1,
  sign = 2,
  exponent = 3,
  too_many_decimals = 4,
  overflow = 5,
  junk = 6,
  scale_invalid = 7,
};

const char* decimal_error_message(DecimalError error);

// Parses `text` as a non-negative amount with `scale` decimals into minor units.
[[nodiscard]] DecimalError parse_decimal(std::string_view text, uint8_t scale, int64_t* out_minor);

// Formats minor units with exactly `scale` decimals ("0.00012345", "-5.00"); scale 0 prints no point.
std::string format_decimal(int64_t minor, uint8_t scale);

}  // namespace qz
