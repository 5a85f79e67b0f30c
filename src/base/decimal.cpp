#include "base/decimal.h"

#include "base/amount.h"
#include "base/assert.h"

namespace qz {

const char* decimal_error_message(DecimalError error) {
  switch (error) {
    case DecimalError::ok: return "ok";
    case DecimalError::empty: return "amount is empty";
    case DecimalError::sign: return "amount must not carry a sign";
    case DecimalError::exponent: return "amount must not use an exponent";
    case DecimalError::too_many_decimals: return "amount has more decimals than the asset's scale";
    case DecimalError::overflow: return "amount is too large";
    case DecimalError::junk: return "amount is not a decimal number";
    case DecimalError::scale_invalid: return "scale must be between 0 and 18";
  }
  return "unknown decimal error";
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

DecimalError parse_decimal(std::string_view text, uint8_t scale, int64_t* out_minor) {
  if (scale > kMaxScale) return DecimalError::scale_invalid;
  if (text.empty()) return DecimalError::empty;
  if (text.front() == '+' || text.front() == '-') return DecimalError::sign;
  for (char c : text) {
    if (c == 'e' || c == 'E') return DecimalError::exponent;
  }

  // Accumulate in 128 bits: at most 19 significant integer digits fit int64 after scaling, so reject early
  // when the running value passes INT64_MAX.
  uint128 value = 0;
  size_t i = 0;
  size_t integer_digits = 0;
  for (; i < text.size() && is_digit(text[i]); i++) {
    value = value * 10 + static_cast<uint128>(text[i] - '0');
    integer_digits++;
    if (value > static_cast<uint128>(INT64_MAX)) return DecimalError::overflow;
  }
  if (integer_digits == 0) return DecimalError::junk;

  uint32_t fraction_digits = 0;
  if (i < text.size()) {
    if (text[i] != '.') return DecimalError::junk;
    i++;
    size_t digits_after_point = 0;
    for (; i < text.size() && is_digit(text[i]); i++) {
      digits_after_point++;
      const char c = text[i];
      if (fraction_digits < scale) {
        value = value * 10 + static_cast<uint128>(c - '0');
        fraction_digits++;
        if (value > static_cast<uint128>(INT64_MAX)) return DecimalError::overflow;
      } else if (c != '0') {
        // Keep scanning so junk after the digits is still reported as junk.
        for (size_t j = i; j < text.size(); j++) {
          if (!is_digit(text[j])) return DecimalError::junk;
        }
        return DecimalError::too_many_decimals;
      }
    }
    if (digits_after_point == 0 || i != text.size()) return DecimalError::junk;
  }

  for (; fraction_digits < scale; fraction_digits++) {
    value *= 10;
    if (value > static_cast<uint128>(INT64_MAX)) return DecimalError::overflow;
  }
  *out_minor = static_cast<int64_t>(value);
  return DecimalError::ok;
}

std::string format_decimal(int64_t minor, uint8_t scale) {
  QZ_ASSERT(scale <= kMaxScale);
  const bool negative = minor < 0;
  // Magnitude in unsigned arithmetic so INT64_MIN formats correctly.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  // Written backwards from the end of the buffer: the fraction's digits (padded with zeros to the scale), the
  // point, the whole part (at least one digit), the sign; then copied into the string once.
  char text[48];
  char* at = text + sizeof text;
  for (uint8_t k = 0; k < scale; k++) {
    *--at = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  }
  if (scale > 0) *--at = '.';
  do {
    *--at = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) *--at = '-';
  QZ_ASSERT(at >= text);
  return std::string(at, text + sizeof text);
}

}  // namespace qz
