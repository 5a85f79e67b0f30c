// libFuzzer target: qz::parse_decimal and qz::format_decimal (base/decimal.h).
//
// Input: the first byte picks the scale (byte % 20, so 19 exercises scale_invalid); the rest is the text.
// Checks, for every input:
//   - parse_decimal agrees with a second, deliberately plain parser written here: the text is valid (digits,
//     optionally '.' and digits; digits beyond the scale only zeros) and fits int64 exactly when parse_decimal
//     says ok, and then both give the same value;
//   - an accepted value is non-negative, and format_decimal of it parses back to the same value and formats to
//     the same text again (the formatted text is canonical).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/amount.h"
#include "base/assert.h"
#include "base/checked.h"
#include "base/decimal.h"

namespace {

// The plain model: true and *out when `text` is a valid amount at `scale` that fits int64.
bool model_parse(std::string_view text, unsigned scale, int64_t* out) {
  const size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  if (whole.empty()) return false;
  if (point != std::string_view::npos && fraction.empty()) return false;
  for (char c : whole) {
    if (c < '0' || c > '9') return false;
  }
  for (char c : fraction) {
    if (c < '0' || c > '9') return false;
  }
  for (size_t i = scale; i < fraction.size(); i++) {
    if (fraction[i] != '0') return false;
  }
  constexpr qz::uint128 kLimit = static_cast<qz::uint128>(INT64_MAX);
  qz::uint128 value = 0;
  for (char c : whole) {
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > kLimit) return false;
  }
  for (size_t i = 0; i < scale; i++) {
    const unsigned digit = i < fraction.size() ? static_cast<unsigned>(fraction[i] - '0') : 0;
    value = value * 10 + digit;
    if (value > kLimit) return false;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto scale = static_cast<uint8_t>(data[0] % 20);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  int64_t value = -1;
  const qz::DecimalError error = qz::parse_decimal(text, scale, &value);
  if (scale > qz::kMaxScale) {
    QZ_ASSERT(error == qz::DecimalError::scale_invalid);
    return 0;
  }

  int64_t model_value = -1;
  const bool model_ok = model_parse(text, scale, &model_value);
  QZ_ASSERT_EQ(error == qz::DecimalError::ok, model_ok);
  if (!model_ok) return 0;
  QZ_ASSERT_EQ(value, model_value);
  QZ_ASSERT_GE(value, 0);

  const std::string formatted = qz::format_decimal(value, scale);
  int64_t reparsed = -1;
  QZ_ASSERT(qz::parse_decimal(formatted, scale, &reparsed) == qz::DecimalError::ok);
  QZ_ASSERT_EQ(reparsed, value);
  QZ_ASSERT(qz::format_decimal(reparsed, scale) == formatted);
  return 0;
}
