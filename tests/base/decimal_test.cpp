// Exact decimal text <-> minor units: the parse table (one line per rule, every DecimalError), the formatting
// table, and seeded round trips format -> parse over every scale.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/amount.h"
#include "base/decimal.h"
#include "base/prng.h"

namespace qz {
namespace {

struct ParseCase {
  const char* text;
  uint8_t scale;
  DecimalError error;
  int64_t minor;  // expected value when error == ok
};

// One line per rule of decimal.h, in the order a reader meets them.
const ParseCase kParseTable[] = {
    // Accepted forms.
    {"0", 0, DecimalError::ok, 0},
    {"12", 0, DecimalError::ok, 12},
    {"12", 2, DecimalError::ok, 1200},
    {"0.5", 1, DecimalError::ok, 5},
    {"0.5", 2, DecimalError::ok, 50},
    {"0.00012345", 8, DecimalError::ok, 12345},
    {"1.00000001", 8, DecimalError::ok, 100000001},
    {"007.50", 2, DecimalError::ok, 750},
    {"000000000000000000000000000001", 0, DecimalError::ok, 1},
    {"0.000000000000000001", 18, DecimalError::ok, 1},
    // Zeros beyond the scale are exact, so accepted.
    {"1.2300", 2, DecimalError::ok, 123},
    {"1.0", 0, DecimalError::ok, 1},
    {"5.000000000000000000000000", 0, DecimalError::ok, 5},
    {"0.10000000000000000000", 1, DecimalError::ok, 1},
    // Empty text.
    {"", 2, DecimalError::empty, 0},
    // Signs.
    {"+1", 2, DecimalError::sign, 0},
    {"-1", 2, DecimalError::sign, 0},
    {"-0", 0, DecimalError::sign, 0},
    {"+0.5", 1, DecimalError::sign, 0},
    // Exponents.
    {"1e5", 0, DecimalError::exponent, 0},
    {"1E5", 0, DecimalError::exponent, 0},
    {"1.5e-3", 8, DecimalError::exponent, 0},
    // A non-zero digit beyond the scale.
    {"1.234", 2, DecimalError::too_many_decimals, 0},
    {"1.5", 0, DecimalError::too_many_decimals, 0},
    {"1.2301", 2, DecimalError::too_many_decimals, 0},
    {"0.0000000000000000001", 18, DecimalError::too_many_decimals, 0},
    {"1.000000001", 8, DecimalError::too_many_decimals, 0},
    // INT64_MAX minor units exactly, and one above.
    {"9223372036854775807", 0, DecimalError::ok, INT64_MAX},
    {"9223372036854775808", 0, DecimalError::overflow, 0},
    {"9223372036854775807.000", 0, DecimalError::ok, INT64_MAX},
    {"92233720368547758.07", 2, DecimalError::ok, INT64_MAX},
    {"92233720368547758.08", 2, DecimalError::overflow, 0},
    {"92233720368547758", 2, DecimalError::ok, 9223372036854775800},
    {"92233720368547759", 2, DecimalError::overflow, 0},
    {"9.223372036854775807", 18, DecimalError::ok, INT64_MAX},
    {"9.223372036854775808", 18, DecimalError::overflow, 0},
    {"10", 18, DecimalError::overflow, 0},
    {"99999999999999999999999999999999999999999", 0, DecimalError::overflow, 0},
    // Junk.
    {" 1", 0, DecimalError::junk, 0},
    {"1 ", 0, DecimalError::junk, 0},
    {"1 000", 0, DecimalError::junk, 0},
    {"1.", 2, DecimalError::junk, 0},
    {".5", 2, DecimalError::junk, 0},
    {".", 2, DecimalError::junk, 0},
    {"1..2", 2, DecimalError::junk, 0},
    {"1.2.3", 2, DecimalError::junk, 0},
    {"abc", 2, DecimalError::junk, 0},
    {"1,5", 2, DecimalError::junk, 0},
    {"0x10", 0, DecimalError::junk, 0},
    {"1.2a", 2, DecimalError::junk, 0},
    {"1_000", 0, DecimalError::junk, 0},
    {"12\n", 0, DecimalError::junk, 0},
    {"\xd9\xa1", 0, DecimalError::junk, 0},  // ARABIC-INDIC DIGIT ONE is not a digit here
    // Scale outside 0..18.
    {"1", 19, DecimalError::scale_invalid, 0},
    {"1", 255, DecimalError::scale_invalid, 0},
};

TEST(Decimal, ParseTable) {
  for (const ParseCase& c : kParseTable) {
    int64_t minor = -777;
    const DecimalError error = parse_decimal(c.text, c.scale, &minor);
    EXPECT_EQ(error, c.error) << "text \"" << c.text << "\" scale " << int{c.scale} << ": got "
                              << decimal_error_message(error) << ", expected " << decimal_error_message(c.error);
    if (c.error == DecimalError::ok && error == DecimalError::ok) {
      EXPECT_EQ(minor, c.minor) << "text \"" << c.text << "\" scale " << int{c.scale};
    }
  }
}

TEST(Decimal, EmbeddedNulIsJunkNotTruncation) {
  int64_t minor = 0;
  EXPECT_EQ(parse_decimal(std::string_view("12\0" "3", 4), 0, &minor), DecimalError::junk);
}

TEST(Decimal, EveryErrorHasADistinctMessage) {
  const DecimalError all[] = {DecimalError::ok,       DecimalError::empty,
                              DecimalError::sign,     DecimalError::exponent,
                              DecimalError::too_many_decimals, DecimalError::overflow,
                              DecimalError::junk,     DecimalError::scale_invalid};
  for (DecimalError a : all) {
    ASSERT_NE(decimal_error_message(a), nullptr);
    EXPECT_GT(std::string(decimal_error_message(a)).size(), 1u);
    for (DecimalError b : all) {
      if (a != b) {
        EXPECT_NE(std::string(decimal_error_message(a)), std::string(decimal_error_message(b)));
      }
    }
  }
}

struct FormatCase {
  int64_t minor;
  uint8_t scale;
  const char* text;
};

const FormatCase kFormatTable[] = {
    {0, 0, "0"},
    {0, 2, "0.00"},
    {5, 0, "5"},
    {-5, 0, "-5"},
    {-500, 2, "-5.00"},
    {12345, 8, "0.00012345"},
    {100000001, 8, "1.00000001"},
    {1, 18, "0.000000000000000001"},
    {-1, 18, "-0.000000000000000001"},
    {123, 2, "1.23"},
    {-123, 2, "-1.23"},
    {7, 1, "0.7"},
    {4'500'000'000, 2, "45000000.00"},
    {INT64_MAX, 0, "9223372036854775807"},
    {INT64_MIN, 0, "-9223372036854775808"},
    {INT64_MAX, 2, "92233720368547758.07"},
    {INT64_MIN, 2, "-92233720368547758.08"},
    {INT64_MAX, 18, "9.223372036854775807"},
    {INT64_MIN, 18, "-9.223372036854775808"},
    {INT64_MIN + 1, 8, "-92233720368.54775807"},
};

TEST(Decimal, FormatTable) {
  for (const FormatCase& c : kFormatTable) {
    EXPECT_EQ(format_decimal(c.minor, c.scale), c.text) << "minor " << c.minor << " scale " << int{c.scale};
  }
}

// The rule as text: the magnitude's digits, zeros in front up to one more than the scale, the point before the
// last `scale` digits, the sign.
std::string formatted_by_hand(int64_t minor, uint8_t scale) {
  const uint64_t magnitude = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (digits.size() < scale + 1u) digits.insert(0, scale + 1u - digits.size(), '0');
  if (scale > 0) digits.insert(digits.size() - scale, ".");
  return (minor < 0 ? "-" : "") + digits;
}

TEST(Decimal, FormatAgreesWithTheRuleAtEveryScaleAndLength) {
  for (uint8_t scale = 0; scale <= kMaxScale; scale++) {
    for (uint32_t digits = 0; digits <= 18; digits++) {
      const int64_t power = pow10_i64(digits);
      for (const int64_t magnitude : {power - 1, power, power + 1, 5 * power, INT64_MAX / power}) {
        for (const int64_t minor : {magnitude, -magnitude}) {
          ASSERT_EQ(format_decimal(minor, scale), formatted_by_hand(minor, scale))
              << "minor " << minor << " scale " << int{scale};
        }
      }
    }
    EXPECT_EQ(format_decimal(INT64_MIN, scale), formatted_by_hand(INT64_MIN, scale));
  }
}

uint64_t seed_from_env(uint64_t fallback) {
  const char* text = std::getenv("QZ_SEED");
  return text != nullptr ? std::strtoull(text, nullptr, 0) : fallback;
}

TEST(Decimal, RoundTripsRandomValuesAtEveryScale) {
  const uint64_t seed = seed_from_env(0xD3C1'0001);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (QZ_SEED overrides)");
  Prng prng(seed);
  for (uint8_t scale = 0; scale <= kMaxScale; scale++) {
    for (int i = 0; i < 4000; i++) {
      // Mix magnitudes: uniform over all of int64, over a few digits, and near the edges.
      int64_t minor = 0;
      switch (prng.below(4)) {
        case 0: minor = prng.range(0, INT64_MAX); break;
        case 1: minor = prng.range(0, static_cast<int64_t>(pow10_i64(static_cast<uint32_t>(prng.below(19))))); break;
        case 2: minor = INT64_MAX - prng.range(0, 1000); break;
        default: minor = prng.range(0, 1000); break;
      }
      const std::string text = format_decimal(minor, scale);
      int64_t parsed = -1;
      ASSERT_EQ(parse_decimal(text, scale, &parsed), DecimalError::ok) << text << " scale " << int{scale};
      ASSERT_EQ(parsed, minor) << text << " scale " << int{scale};
      // The text has exactly `scale` decimals.
      const size_t point = text.find('.');
      if (scale == 0) {
        EXPECT_EQ(point, std::string::npos) << text;
      } else {
        ASSERT_NE(point, std::string::npos) << text;
        EXPECT_EQ(text.size() - point - 1, scale) << text;
      }
      // Trailing zeros beyond the scale keep the value; a trailing non-zero digit is refused.
      const std::string padded = text + (scale == 0 ? ".000" : "000");
      ASSERT_EQ(parse_decimal(padded, scale, &parsed), DecimalError::ok) << padded;
      ASSERT_EQ(parsed, minor) << padded;
      const std::string extra = text + (scale == 0 ? ".1" : "1");
      EXPECT_EQ(parse_decimal(extra, scale, &parsed), DecimalError::too_many_decimals) << extra;
      // The negative of a value formats with a sign that the parser refuses.
      if (minor > 0) {
        EXPECT_EQ(parse_decimal(format_decimal(-minor, scale), scale, &parsed), DecimalError::sign);
      }
    }
  }
}

TEST(Decimal, ParseIsOneAboveTheMaximumEverywhere) {
  // At every scale, INT64_MAX minor units parse and one more minor unit overflows.
  for (uint8_t scale = 0; scale <= kMaxScale; scale++) {
    const std::string max_text = format_decimal(INT64_MAX, scale);
    int64_t parsed = 0;
    ASSERT_EQ(parse_decimal(max_text, scale, &parsed), DecimalError::ok) << max_text;
    EXPECT_EQ(parsed, INT64_MAX);
    std::string above = max_text;
    above.back() = static_cast<char>(above.back() + 1);  // ...807 -> ...808
    EXPECT_EQ(parse_decimal(above, scale, &parsed), DecimalError::overflow) << above;
  }
}

}  // namespace
}  // namespace qz
