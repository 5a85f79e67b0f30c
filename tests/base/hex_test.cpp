// base/hex.h: every byte value both ways, either case in, and every malformed text refused.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/hex.h"
#include "base/sha256.h"

namespace qz {
namespace {

TEST(Hex, EncodesEveryByteValueInLowerCaseAndDecodesItBack) {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); i++) all[i] = static_cast<uint8_t>(i);
  const std::string text = hex_encode(all);
  ASSERT_EQ(text.size(), 512U);
  EXPECT_EQ(text.substr(0, 8), "00010203");
  EXPECT_EQ(text.substr(20, 12), "0a0b0c0d0e0f");
  EXPECT_EQ(text.substr(504), "fcfdfeff");
  std::vector<uint8_t> back(256);
  ASSERT_TRUE(hex_decode(text, back));
  EXPECT_EQ(back, all);
  EXPECT_EQ(hex_encode({}), "");
}

static_assert(hex_digit_value('0') == 0 && hex_digit_value('9') == 9 && hex_digit_value('a') == 10 &&
              hex_digit_value('F') == 15 && hex_digit_value('g') == -1 && hex_digit_value('/') == -1 &&
              hex_digit_value(':') == -1 && hex_digit_value('@') == -1 && hex_digit_value('`') == -1);

TEST(Hex, DecodesUpperAndMixedCase) {
  std::array<uint8_t, 4> out{};
  ASSERT_TRUE(hex_decode("DEADbeef", out));
  EXPECT_EQ(out, (std::array<uint8_t, 4>{0xde, 0xad, 0xbe, 0xef}));
  std::array<uint8_t, 0> none{};
  EXPECT_TRUE(hex_decode("", none));
}

TEST(Hex, RefusesWrongLengthsAndNonDigits) {
  std::array<uint8_t, 2> out{};
  EXPECT_FALSE(hex_decode("abc", out));     // odd, short
  EXPECT_FALSE(hex_decode("abcdef", out));  // long
  EXPECT_FALSE(hex_decode("ab", out));      // short
  for (const char* bad : {"abcg", "ab c", "0x12", "ab-1", "zz00", "12\n4"}) {
    EXPECT_FALSE(hex_decode(bad, out)) << bad;
  }
  // Characters just outside the digit ranges.
  for (const char c : {'/', ':', '@', 'G', '`', 'g'}) {
    const std::string text = std::string("00") + c + "0";
    EXPECT_FALSE(hex_decode(text, out)) << text;
  }
}

TEST(Hex, Hash256UsesTheSameText) {
  const Hash256 hash = sha256(std::string_view("abc"));
  EXPECT_EQ(hash.hex(), hex_encode(hash.bytes));
  Hash256 parsed;
  ASSERT_TRUE(Hash256::from_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &parsed));
  EXPECT_EQ(parsed, hash);
  EXPECT_FALSE(Hash256::from_hex(hash.hex().substr(2), &parsed));
}

}  // namespace
}  // namespace qz
