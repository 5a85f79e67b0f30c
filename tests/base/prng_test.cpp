// The seeded generator: golden first outputs (computed from the published xoshiro256** and splitmix64
// definitions, independently of our code), determinism, and the bounds of below/range/chance.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "base/prng.h"

namespace qz {
namespace {

TEST(Prng, GoldenFirstOutputs) {
  struct Golden {
    uint64_t seed;
    uint64_t first[5];
  };
  const Golden table[] = {
      {0, {0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, 0x1a5f849d4933e6e0, 0x6aa594f1262d2d2c, 0xbba5ad4a1f842e59}},
      {1, {0xb3f2af6d0fc710c5, 0x853b559647364cea, 0x92f89756082a4514, 0x642e1c7bc266a3a7, 0xb27a48e29a233673}},
      {42, {0x15780b2e0c2ec716, 0x6104d9866d113a7e, 0xae17533239e499a1, 0xecb8ad4703b360a1, 0xfde6dc7fe2ec5e64}},
      {0x123456789abcdef0,
       {0xe01d6fafc557f1b9, 0xbd627ebe4406b404, 0x2c23132b578b57db, 0x2e8b319d4d1f276a, 0x608d57acf53888e4}},
  };
  for (const Golden& g : table) {
    Prng prng(g.seed);
    for (int i = 0; i < 5; i++) EXPECT_EQ(prng.next(), g.first[i]) << "seed " << g.seed << " output " << i;
  }
}

TEST(Prng, SameSeedSameSequenceDifferentSeedDifferentSequence) {
  Prng a(12345);
  Prng b(12345);
  Prng c(12346);
  int differ = 0;
  for (int i = 0; i < 10000; i++) {
    const uint64_t x = a.next();
    ASSERT_EQ(x, b.next());
    differ += x != c.next() ? 1 : 0;
  }
  EXPECT_GT(differ, 9990);
}

TEST(Prng, BelowStaysInBoundsAndCoversThem) {
  Prng prng(7);
  EXPECT_EQ(prng.below(1), 0u);
  for (uint64_t bound : {uint64_t{2}, uint64_t{3}, uint64_t{7}, uint64_t{10}, uint64_t{100}}) {
    std::vector<int> seen(bound, 0);
    for (int i = 0; i < 20000; i++) {
      const uint64_t v = prng.below(bound);
      ASSERT_LT(v, bound);
      seen[v]++;
    }
    // Roughly uniform: every value within 25% of its expected count.
    const int64_t expected = 20000 / static_cast<int64_t>(bound);
    for (uint64_t v = 0; v < bound; v++) {
      EXPECT_GT(seen[v] * 4, expected * 3) << "bound " << bound << " value " << v;
      EXPECT_LT(seen[v] * 4, expected * 5) << "bound " << bound << " value " << v;
    }
  }
  // Huge bounds, including ones that force the rejection path.
  for (uint64_t bound : {UINT64_MAX, UINT64_MAX / 2 + 1, (uint64_t{1} << 63) + 12345, uint64_t{1} << 32}) {
    for (int i = 0; i < 2000; i++) ASSERT_LT(prng.below(bound), bound);
  }
}

TEST(Prng, RangeIsInclusiveAtBothEnds) {
  Prng prng(99);
  bool saw_lo = false;
  bool saw_hi = false;
  for (int i = 0; i < 5000; i++) {
    const int64_t v = prng.range(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    saw_lo |= v == -3;
    saw_hi |= v == 3;
  }
  EXPECT_TRUE(saw_lo);
  EXPECT_TRUE(saw_hi);
  EXPECT_EQ(prng.range(5, 5), 5);
  for (int i = 0; i < 1000; i++) {
    const int64_t v = prng.range(INT64_MAX - 1, INT64_MAX);
    ASSERT_TRUE(v == INT64_MAX - 1 || v == INT64_MAX);
    const int64_t w = prng.range(INT64_MIN, INT64_MIN + 1);
    ASSERT_TRUE(w == INT64_MIN || w == INT64_MIN + 1);
  }
  (void)prng.range(INT64_MIN, INT64_MAX);  // the full span takes the special path
}

TEST(Prng, ChanceAtItsEnds) {
  Prng prng(5);
  int hits = 0;
  for (int i = 0; i < 1000; i++) {
    ASSERT_FALSE(prng.chance(0));
    ASSERT_TRUE(prng.chance(100));
    hits += prng.chance(30) ? 1 : 0;
  }
  EXPECT_GT(hits, 220);
  EXPECT_LT(hits, 380);
}

}  // namespace
}  // namespace qz
