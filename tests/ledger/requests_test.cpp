// The idempotency table against a std::map of the same entries: every lookup agrees, before, during and after
// the growths that move the index a few entries per add, and the state digest depends on the entries alone.
#include "ledger/requests.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/prng.h"
#include "base/sha256.h"

namespace qz {
namespace {

RequestEntry entry_for(uint64_t actor, uint64_t request_id, uint64_t n) {
  return RequestEntry{.actor = actor,
                      .request_id = request_id,
                      .fingerprint = n * 0x9E3779B97F4A7C15ULL,
                      .object_id = n,
                      .result = static_cast<uint32_t>(n % 7),
                      .command_kind = static_cast<uint16_t>(n % 5),
                      .zero = 0};
}

Hash256 digest_of(const RequestTable& table) {
  Sha256 hasher;
  table.hash_into(&hasher);
  return hasher.finish();
}

TEST(RequestTable, LookupsAgreeWithAMapThroughGrowths) {
  Prng prng(20261127);
  RequestTable table;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> model;  // key -> entry number
  std::vector<std::pair<uint64_t, uint64_t>> keys;
  constexpr uint64_t kEntries = 40000;  // past 1,024 slots' growths up to 131,072 slots
  for (uint64_t n = 1; n <= kEntries; n++) {
    // Few actors and small ids, so that keys collide on their tags and probe chains run long.
    uint64_t actor = 0;
    uint64_t request_id = 0;
    do {
      actor = 1 + prng.below(16);
      request_id = 1 + prng.below(1u << 20);
    } while (model.count({actor, request_id}) != 0);
    ASSERT_EQ(table.find(actor, request_id), nullptr);
    table.add(entry_for(actor, request_id, n));
    model[{actor, request_id}] = n;
    keys.emplace_back(actor, request_id);

    // Every add: the new key, an older one and a missing one. Now and then every key and the invariants.
    const RequestEntry* found = table.find(actor, request_id);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->object_id, n);
    const auto& older = keys[prng.below(keys.size())];
    const RequestEntry* old_found = table.find(older.first, older.second);
    ASSERT_NE(old_found, nullptr);
    EXPECT_EQ(old_found->object_id, model[older]);
    EXPECT_EQ(table.find(17 + prng.below(4), 1 + prng.below(1u << 20)), nullptr);
    if (n % 4999 == 0 || n == kEntries) {
      ASSERT_EQ(table.check_invariants(), "") << "after " << n;
      for (const auto& [key, number] : model) {
        const RequestEntry* entry = table.find(key.first, key.second);
        ASSERT_NE(entry, nullptr);
        EXPECT_EQ(entry->object_id, number);
      }
    }
  }
  EXPECT_EQ(table.size(), kEntries);
}

TEST(RequestTable, InvariantsHoldAtEveryAddOfAGrowth) {
  RequestTable table;
  // 512 entries fill 1,024 slots to half: the 513th starts a growth, which moves two entries an add.
  for (uint64_t n = 1; n <= 1400; n++) {
    table.add(entry_for(3, n, n));
    ASSERT_EQ(table.check_invariants(), "") << "after " << n;
    for (uint64_t k = 1; k <= n; k += 37) ASSERT_NE(table.find(3, k), nullptr) << k << " after " << n;
  }
}

TEST(RequestTable, DigestAndSnapshotDependOnTheEntriesOnly) {
  // One table grows from the smallest index, one was made with room for all: the same entries, the same digest
  // and the same snapshot bytes, and a table read from that snapshot finds every key.
  RequestTable grown;
  RequestTable reserved(20000);
  for (uint64_t n = 1; n <= 10000; n++) {
    grown.add(entry_for(n % 9 + 1, n * 31, n));
    reserved.add(entry_for(n % 9 + 1, n * 31, n));
  }
  EXPECT_EQ(digest_of(grown), digest_of(reserved));
  std::vector<uint8_t> a;
  std::vector<uint8_t> b;
  ByteWriter wa(&a);
  ByteWriter wb(&b);
  grown.write_snapshot(&wa);
  reserved.write_snapshot(&wb);
  EXPECT_EQ(a, b);
  RequestTable loaded;
  ByteReader reader(a.data(), a.size());
  ASSERT_TRUE(loaded.read_snapshot(&reader));
  EXPECT_EQ(loaded.check_invariants(), "");
  EXPECT_EQ(digest_of(loaded), digest_of(grown));
  for (uint64_t n = 1; n <= 10000; n++) {
    const RequestEntry* entry = loaded.find(n % 9 + 1, n * 31);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->object_id, n);
  }
  EXPECT_EQ(loaded.find(1, 5), nullptr);
}

}  // namespace
}  // namespace qz
