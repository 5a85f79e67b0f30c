// Checked arithmetic at its edges: overflow is a reported failure, never a wrap; notional rounding.
#include <gtest/gtest.h>

#include <cstdint>

#include "base/amount.h"
#include "base/checked.h"

namespace qz {
namespace {

TEST(Checked, AddAtTheEdges) {
  int64_t out = 0;
  EXPECT_TRUE(checked_add(INT64_MAX - 1, int64_t{1}, &out));
  EXPECT_EQ(out, INT64_MAX);
  EXPECT_FALSE(checked_add(INT64_MAX, int64_t{1}, &out));
  EXPECT_FALSE(checked_add(INT64_MAX, INT64_MAX, &out));
  EXPECT_TRUE(checked_add(INT64_MIN + 1, int64_t{-1}, &out));
  EXPECT_EQ(out, INT64_MIN);
  EXPECT_FALSE(checked_add(INT64_MIN, int64_t{-1}, &out));
  EXPECT_TRUE(checked_add(INT64_MAX, INT64_MIN, &out));
  EXPECT_EQ(out, -1);
  uint64_t u = 0;
  EXPECT_TRUE(checked_add(UINT64_MAX - 5, uint64_t{5}, &u));
  EXPECT_EQ(u, UINT64_MAX);
  EXPECT_FALSE(checked_add(UINT64_MAX - 5, uint64_t{6}, &u));
}

TEST(Checked, SubAtTheEdges) {
  int64_t out = 0;
  EXPECT_TRUE(checked_sub(INT64_MIN + 1, int64_t{1}, &out));
  EXPECT_EQ(out, INT64_MIN);
  EXPECT_FALSE(checked_sub(INT64_MIN, int64_t{1}, &out));
  EXPECT_FALSE(checked_sub(int64_t{0}, INT64_MIN, &out));
  EXPECT_TRUE(checked_sub(int64_t{-1}, INT64_MIN, &out));
  EXPECT_EQ(out, INT64_MAX);
  EXPECT_FALSE(checked_sub(INT64_MAX, int64_t{-1}, &out));
  EXPECT_TRUE(checked_sub(int64_t{0}, INT64_MAX, &out));
  EXPECT_EQ(out, -INT64_MAX);
}

TEST(Checked, MulAtTheEdges) {
  int64_t out = 0;
  EXPECT_TRUE(checked_mul(int64_t{3037000499}, int64_t{3037000499}, &out));  // floor(sqrt(INT64_MAX))
  EXPECT_EQ(out, int64_t{9223372030926249001});
  EXPECT_FALSE(checked_mul(int64_t{3037000500}, int64_t{3037000500}, &out));
  EXPECT_TRUE(checked_mul(INT64_MIN, int64_t{1}, &out));
  EXPECT_EQ(out, INT64_MIN);
  EXPECT_FALSE(checked_mul(INT64_MIN, int64_t{-1}, &out));
  EXPECT_FALSE(checked_mul(int64_t{-1}, INT64_MIN, &out));
  EXPECT_TRUE(checked_mul(INT64_MAX, int64_t{-1}, &out));
  EXPECT_EQ(out, -INT64_MAX);
  EXPECT_FALSE(checked_mul(INT64_MAX, int64_t{2}, &out));
  EXPECT_TRUE(checked_mul(int64_t{4611686018427387904}, int64_t{-2}, &out));  // 2^62 * -2 = INT64_MIN
  EXPECT_EQ(out, INT64_MIN);
  EXPECT_FALSE(checked_mul(int64_t{4611686018427387904}, int64_t{2}, &out));
  EXPECT_TRUE(checked_mul(int64_t{0}, INT64_MIN, &out));
  EXPECT_EQ(out, 0);
}

TEST(Checked, MulDivUsesA128BitIntermediate) {
  int64_t out = 0;
  // The product is far beyond 64 bits, the quotient is not.
  EXPECT_TRUE(checked_mul_div(INT64_MAX, INT64_MAX, INT64_MAX, Rounding::down, &out));
  EXPECT_EQ(out, INT64_MAX);
  EXPECT_TRUE(checked_mul_div(INT64_MAX, int64_t{1'000'000'000'000'000'000}, int64_t{1'000'000'000'000'000'000},
                              Rounding::up, &out));
  EXPECT_EQ(out, INT64_MAX);
  EXPECT_TRUE(checked_mul_div(INT64_MAX, int64_t{2}, int64_t{2}, Rounding::up, &out));
  EXPECT_EQ(out, INT64_MAX);
  // Quotients above INT64_MAX.
  EXPECT_FALSE(checked_mul_div(INT64_MAX, int64_t{2}, int64_t{1}, Rounding::down, &out));
  EXPECT_FALSE(checked_mul_div(int64_t{4611686018427387904}, int64_t{4}, int64_t{2}, Rounding::down, &out));  // 2^63
  EXPECT_FALSE(checked_mul_div(INT64_MAX, int64_t{3}, int64_t{2}, Rounding::down, &out));
  EXPECT_FALSE(checked_mul_div(INT64_MAX, INT64_MAX, INT64_MAX - 1, Rounding::down, &out));
  // Rejected operands: negative inputs, zero or negative divisor.
  EXPECT_FALSE(checked_mul_div(int64_t{-1}, int64_t{1}, int64_t{1}, Rounding::down, &out));
  EXPECT_FALSE(checked_mul_div(int64_t{1}, int64_t{-1}, int64_t{1}, Rounding::down, &out));
  EXPECT_FALSE(checked_mul_div(int64_t{1}, int64_t{1}, int64_t{0}, Rounding::down, &out));
  EXPECT_FALSE(checked_mul_div(int64_t{1}, int64_t{1}, int64_t{-1}, Rounding::down, &out));
}

TEST(Checked, MulDivRoundingUpPastTheTopOverflows) {
  int64_t out = 0;
  // (2^32 - 1) * (2^32 + 1) = 2^64 - 1 = 2 * INT64_MAX + 1: halved, the quotient is INT64_MAX remainder 1.
  const int64_t a = 4294967295;
  const int64_t b = 4294967297;
  ASSERT_TRUE(checked_mul_div(a, b, int64_t{2}, Rounding::down, &out));
  EXPECT_EQ(out, INT64_MAX);
  EXPECT_FALSE(checked_mul_div(a, b, int64_t{2}, Rounding::up, &out));
  // Below the top, up adds one exactly when there is a remainder.
  const int64_t k = int64_t{1} << 20;
  const int128 product = static_cast<int128>(INT64_MAX) * (2 * k - 1);
  ASSERT_TRUE(checked_mul_div(INT64_MAX, 2 * k - 1, 2 * k, Rounding::down, &out));
  EXPECT_TRUE(static_cast<int128>(out) == product / (2 * k));
  ASSERT_TRUE(checked_mul_div(INT64_MAX, 2 * k - 1, 2 * k, Rounding::up, &out));
  EXPECT_TRUE(static_cast<int128>(out) == product / (2 * k) + 1);
  // Exhaustive small operands against plain arithmetic.
  for (int64_t x = 0; x < 40; x++) {
    for (int64_t y = 0; y < 40; y++) {
      for (int64_t d = 1; d < 12; d++) {
        ASSERT_TRUE(checked_mul_div(x, y, d, Rounding::down, &out));
        ASSERT_EQ(out, x * y / d);
        ASSERT_TRUE(checked_mul_div(x, y, d, Rounding::up, &out));
        ASSERT_EQ(out, (x * y + d - 1) / d);
      }
    }
  }
}

TEST(Checked, Pow10Table) {
  int64_t expected = 1;
  for (uint32_t e = 0; e <= 18; e++) {
    EXPECT_EQ(pow10_i64(e), expected) << e;
    if (e < 18) expected *= 10;
  }
}

TEST(Notional, PriceTimesQuantityAtTheBaseScale) {
  // BTCKZT at 45,000,000.00 KZT: price 4'500'000'000 KZT minor units per whole BTC.
  const Price price{4'500'000'000};
  Amount out{};
  ASSERT_TRUE(notional(price, Amount{100'000'000}, 8, Rounding::down, &out));  // 1 BTC
  EXPECT_EQ(out.minor, 4'500'000'000);
  ASSERT_TRUE(notional(price, Amount{1}, 8, Rounding::down, &out));  // 1 satoshi = 45 tiyn exactly
  EXPECT_EQ(out.minor, 45);
  ASSERT_TRUE(notional(price, Amount{1}, 8, Rounding::up, &out));
  EXPECT_EQ(out.minor, 45);
  // 45'000'000.01 per BTC: one satoshi is 45.00000001 tiyn, so down 45 and up 46.
  ASSERT_TRUE(notional(Price{4'500'000'001}, Amount{1}, 8, Rounding::down, &out));
  EXPECT_EQ(out.minor, 45);
  ASSERT_TRUE(notional(Price{4'500'000'001}, Amount{1}, 8, Rounding::up, &out));
  EXPECT_EQ(out.minor, 46);
  // Half a satoshi's worth rounds: price 1 tiyn per BTC, 50'000'000 sat -> 0.5 tiyn.
  ASSERT_TRUE(notional(Price{1}, Amount{50'000'000}, 8, Rounding::down, &out));
  EXPECT_EQ(out.minor, 0);
  ASSERT_TRUE(notional(Price{1}, Amount{50'000'000}, 8, Rounding::up, &out));
  EXPECT_EQ(out.minor, 1);
  // Scale 0 is a plain product.
  ASSERT_TRUE(notional(Price{250}, Amount{4}, 0, Rounding::down, &out));
  EXPECT_EQ(out.minor, 1000);
  // Overflow of the quotient is reported.
  EXPECT_FALSE(notional(Price{INT64_MAX}, Amount{2}, 0, Rounding::down, &out));
  EXPECT_TRUE(notional(Price{INT64_MAX}, Amount{100'000'000}, 8, Rounding::down, &out));
  EXPECT_EQ(out.minor, INT64_MAX);
  EXPECT_FALSE(notional(Price{INT64_MAX}, Amount{100'000'001}, 8, Rounding::down, &out));
  // Scale above 18, negative price or quantity: refused.
  EXPECT_FALSE(notional(price, Amount{1}, 19, Rounding::down, &out));
  EXPECT_FALSE(notional(Price{-1}, Amount{1}, 2, Rounding::down, &out));
  EXPECT_FALSE(notional(price, Amount{-1}, 2, Rounding::down, &out));
}

TEST(AmountArithmetic, CheckedAddSubOnAmounts) {
  Amount out{};
  EXPECT_TRUE(checked_add(Amount{INT64_MAX - 1}, Amount{1}, &out));
  EXPECT_EQ(out, Amount{INT64_MAX});
  EXPECT_FALSE(checked_add(Amount{INT64_MAX}, Amount{1}, &out));
  EXPECT_TRUE(checked_sub(Amount{INT64_MIN + 1}, Amount{1}, &out));
  EXPECT_EQ(out, Amount{INT64_MIN});
  EXPECT_FALSE(checked_sub(Amount{INT64_MIN}, Amount{1}, &out));
  EXPECT_LT(Amount{1}, Amount{2});
  EXPECT_LT(Price{-1}, Price{0});
}

}  // namespace
}  // namespace qz
