// FlatMap against std::map under random inserts, erases and lookups (heavy deletion exercises backward shift).
#include <gtest/gtest.h>

#include <map>

#include "base/flat_map.h"
#include "base/prng.h"

namespace qz {
namespace {

TEST(FlatMap, MatchesStdMapUnderRandomOperations) {
  for (const uint64_t key_range : {uint64_t{40}, uint64_t{5'000}, uint64_t{1} << 40}) {
    Prng prng(key_range);
    FlatMap<int64_t> fast;
    std::map<uint64_t, int64_t> model;
    for (int i = 0; i < 200'000; i++) {
      const uint64_t key = 1 + prng.below(key_range);
      const auto value = static_cast<int64_t>(prng.next());
      switch (prng.below(3)) {
        case 0: EXPECT_EQ(fast.insert(key, value), model.emplace(key, value).second); break;
        case 1: EXPECT_EQ(fast.erase(key), model.erase(key) == 1); break;
        default: {
          const int64_t* found = fast.find(key);
          const auto it = model.find(key);
          ASSERT_EQ(found != nullptr, it != model.end());
          if (found != nullptr) {
            EXPECT_EQ(*found, it->second);
          }
        }
      }
      ASSERT_EQ(fast.size(), model.size());
    }
    size_t seen = 0;
    fast.for_each([&](uint64_t key, int64_t value) {
      seen++;
      EXPECT_EQ(model.at(key), value);
    });
    EXPECT_EQ(seen, model.size());
  }
}

TEST(FlatMap, SequentialIdsComeAndGo) {
  FlatMap<uint32_t> map;
  map.reserve(1000);
  uint64_t next = 1;
  for (int round = 0; round < 1000; round++) {
    for (int k = 0; k < 100; k++, next++) ASSERT_TRUE(map.insert(next, static_cast<uint32_t>(next)));
    for (uint64_t id = next - 100; id < next; id += 2) ASSERT_TRUE(map.erase(id));
    for (uint64_t id = next - 99; id < next; id += 2) ASSERT_NE(map.find(id), nullptr);
    for (uint64_t id = next - 99; id < next; id += 2) ASSERT_TRUE(map.erase(id));
  }
  EXPECT_TRUE(map.empty());
}

}  // namespace
}  // namespace qz
