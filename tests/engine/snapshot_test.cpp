// Snapshots: write -> load into a fresh engine gives the same state hash and the same future; any corrupted
// byte is refused (also when the trailing digest is recomputed, so the deeper checks are exercised); the state
// hash sees every balance.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "base/prng.h"
#include "base/sha256.h"
#include "command_stream.h"
#include "engine/engine.h"
#include "reference_ledger.h"

namespace qz::testing {
namespace {

// Blocks recorded from a seeded stream, so that several engines can be fed the same ones.
struct Recorded {
  std::vector<uint64_t> times;
  std::vector<std::vector<Command>> blocks;
};

Recorded record(uint64_t seed, size_t blocks) {
  ReferenceLedger model;
  StreamOptions options;
  options.request_ids_in_open_groups = false;  // this file is about snapshots, not about that regression
  CommandStream stream(seed, &model, options);
  Recorded out;
  std::vector<Event> scratch;
  for (size_t i = 0; i < blocks; i++) {
    uint64_t time_ns = 0;
    std::vector<Command> commands;
    stream.next_block(&time_ns, &commands);
    model.apply(time_ns, commands, &scratch);
    out.times.push_back(time_ns);
    out.blocks.push_back(std::move(commands));
  }
  return out;
}

std::vector<Event> apply(Engine* engine, const Recorded& recorded, size_t index) {
  std::vector<Event> events;
  engine->apply(BlockInput{.height = index, .time_ns = recorded.times[index], .commands = recorded.blocks[index]},
                &events);
  return events;
}

TEST(Snapshot, LoadGivesTheSameStateAndTheSameFuture) {
  const Recorded recorded = record(4242, 600);
  Engine original;
  size_t applied = 0;
  for (size_t checkpoint : {size_t{1}, size_t{2}, size_t{40}, size_t{250}, size_t{500}}) {
    while (applied < checkpoint) apply(&original, recorded, applied++);
    SCOPED_TRACE("after block " + std::to_string(checkpoint - 1));
    std::vector<uint8_t> bytes;
    original.write_snapshot(&bytes);
    Engine loaded;
    const Status status = loaded.load_snapshot(bytes);
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(loaded.state_hash(), original.state_hash());
    EXPECT_EQ(loaded.next_height(), original.next_height());
    EXPECT_EQ(loaded.last_time_ns(), original.last_time_ns());
    EXPECT_EQ(loaded.check_invariants(), "");
    EXPECT_EQ(loaded.requests().size(), original.requests().size());
    std::vector<uint8_t> again;
    loaded.write_snapshot(&again);
    EXPECT_EQ(again, bytes) << "a loaded engine writes the same snapshot";

    // Continue both with the same blocks.
    Engine twin;
    ASSERT_TRUE(twin.load_snapshot(bytes).is_ok());
    Engine ahead;
    ASSERT_TRUE(ahead.load_snapshot(bytes).is_ok());
    for (size_t i = checkpoint; i < std::min(recorded.blocks.size(), checkpoint + 60); i++) {
      const std::vector<Event> a = apply(&ahead, recorded, i);
      const std::vector<Event> b = apply(&twin, recorded, i);
      ASSERT_EQ(a.size(), b.size()) << "block " << i;
      ASSERT_TRUE(same_events(a, b)) << "block " << i;
      ASSERT_EQ(ahead.state_hash(), twin.state_hash()) << "block " << i;
    }
  }
  // The stream left a rich state: live holds with and without timeouts, remembered requests past one chunk.
  EXPECT_GT(original.ledger().live_hold_count(), 0u);
  EXPECT_GT(original.requests().size(), RequestTable::kChunk);
}

TEST(Snapshot, LoadedEngineMatchesOneThatNeverStopped) {
  const Recorded recorded = record(99, 400);
  Engine straight;
  std::unique_ptr<Engine> hopping = std::make_unique<Engine>();
  for (size_t i = 0; i < recorded.blocks.size(); i++) {
    const std::vector<Event> a = apply(&straight, recorded, i);
    const std::vector<Event> b = apply(hopping.get(), recorded, i);
    ASSERT_EQ(a.size(), b.size()) << "block " << i;
    ASSERT_TRUE(same_events(a, b)) << "block " << i;
    if (i % 7 == 3) {
      std::vector<uint8_t> bytes;
      hopping->write_snapshot(&bytes);
      hopping = std::make_unique<Engine>();
      ASSERT_TRUE(hopping->load_snapshot(bytes).is_ok()) << "block " << i;
    }
  }
  EXPECT_EQ(straight.state_hash(), hopping->state_hash());
}

class SnapshotCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    const Recorded recorded = record(7, 60);
    for (size_t i = 0; i < recorded.blocks.size(); i++) apply(&engine, recorded, i);
    engine.write_snapshot(&bytes);
    ASSERT_GT(bytes.size(), 1000u);
    std::printf("snapshot of %zu bytes: %llu accounts, %llu live holds, %llu requests\n", bytes.size(),
                static_cast<unsigned long long>(engine.ledger().account_count()),
                static_cast<unsigned long long>(engine.ledger().live_hold_count()),
                static_cast<unsigned long long>(engine.requests().size()));
    Engine fresh;
    ASSERT_TRUE(fresh.load_snapshot(bytes).is_ok());
  }

  // Every byte of the header and the ledger section (the first 6 KiB), then a sample of the rest (the request
  // table: 40-byte entries, all alike), then the trailing digest.
  std::vector<size_t> positions(uint64_t seed) const {
    std::vector<size_t> out;
    const size_t body = bytes.size() - 32;
    for (size_t p = 0; p < std::min<size_t>(body, 6144); p++) out.push_back(p);
    Prng prng(seed);
    for (int i = 0; i < 400 && body > 6144; i++) out.push_back(6144 + prng.below(body - 6144));
    return out;
  }

  // Recomputes the trailing SHA-256 over everything before it, as a forger would.
  static void reseal(std::vector<uint8_t>* data) {
    const size_t body = data->size() - 32;
    const Hash256 digest = sha256(data->data(), body);
    std::memcpy(data->data() + body, digest.bytes.data(), 32);
  }

  Engine engine;
  std::vector<uint8_t> bytes;
};

TEST_F(SnapshotCorruption, AnyFlippedByteIsRefused) {
  Prng prng(31337);
  size_t tried = 0;
  for (size_t position : positions(1)) {
    std::vector<uint8_t> bad = bytes;
    bad[position] ^= static_cast<uint8_t>(1 + prng.below(255));
    Engine fresh;
    EXPECT_FALSE(fresh.load_snapshot(bad).is_ok()) << "byte " << position << " of " << bytes.size();
    tried++;
  }
  // Every byte of the trailing digest.
  for (size_t position = bytes.size() - 32; position < bytes.size(); position++) {
    std::vector<uint8_t> bad = bytes;
    bad[position] ^= 0x01;
    Engine fresh;
    EXPECT_FALSE(fresh.load_snapshot(bad).is_ok()) << "digest byte " << position;
  }
  EXPECT_GT(tried, 2000u);
}

TEST_F(SnapshotCorruption, AnyChangedByteIsRefusedEvenWithARecomputedDigest) {
  Prng prng(4711);
  for (size_t position : positions(2)) {
    std::vector<uint8_t> bad = bytes;
    bad[position] ^= static_cast<uint8_t>(1 + prng.below(255));
    reseal(&bad);
    Engine fresh;
    EXPECT_FALSE(fresh.load_snapshot(bad).is_ok()) << "byte " << position << " of " << bytes.size();
  }
}

TEST_F(SnapshotCorruption, TruncatedOrExtendedIsRefused) {
  for (size_t size = 0; size < bytes.size(); size += (size < 128 ? 1 : 97)) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    Engine fresh;
    EXPECT_FALSE(fresh.load_snapshot(cut).is_ok()) << "cut to " << size;
    if (size >= 32) {
      reseal(&cut);
      Engine other;
      EXPECT_FALSE(other.load_snapshot(cut).is_ok()) << "cut to " << size << ", resealed";
    }
  }
  std::vector<uint8_t> longer = bytes;
  longer.insert(longer.end() - 32, uint8_t{0});
  reseal(&longer);
  Engine fresh;
  EXPECT_FALSE(fresh.load_snapshot(longer).is_ok());
  longer = bytes;
  longer.push_back(0);
  Engine other;
  EXPECT_FALSE(other.load_snapshot(longer).is_ok());
}

// --- the state hash sees every balance -------------------------------------------------------------------------------

std::vector<Command> base_block() {
  return {make_create_asset("KZT", 2),
          make_open_account(0, 1, AccountKind::issuance),
          make_open_account(1, 1, AccountKind::customer),
          make_open_account(2, 1, AccountKind::customer),
          make_open_account(3, 1, AccountKind::escrow),
          make_transfer(1, 2, 1000),
          make_transfer(1, 3, 1000),
          make_transfer(1, 4, 1000)};
}

Hash256 hash_after(const std::vector<Command>& second_block, uint64_t second_time = 2000) {
  Engine engine;
  std::vector<Event> events;
  const std::vector<Command> first = base_block();
  engine.apply(BlockInput{.height = 0, .time_ns = 1000, .commands = first}, &events);
  engine.apply(BlockInput{.height = 1, .time_ns = second_time, .commands = second_block}, &events);
  EXPECT_EQ(engine.check_invariants(), "");
  return engine.state_hash();
}

TEST(StateHash, SameInputSameHash) {
  EXPECT_EQ(hash_after({make_transfer(2, 3, 5)}), hash_after({make_transfer(2, 3, 5)}));
}

TEST(StateHash, DiffersWhenAnyBalanceDiffers) {
  // Between every ordered pair of accounts, amounts 1 and 2 leave the same ids and counters but other
  // balances.
  for (uint64_t debit = 1; debit <= 4; debit++) {
    for (uint64_t credit = 1; credit <= 4; credit++) {
      if (debit == credit) continue;
      EXPECT_NE(hash_after({make_transfer(debit, credit, 1)}), hash_after({make_transfer(debit, credit, 2)}))
          << debit << " -> " << credit;
    }
  }
  // Held amounts, hold credit and expiry.
  EXPECT_NE(hash_after({make_hold(2, 0, 1, 0)}), hash_after({make_hold(2, 0, 2, 0)}));
  EXPECT_NE(hash_after({make_hold(2, 0, 1, 0)}), hash_after({make_hold(3, 0, 1, 0)}));
  EXPECT_NE(hash_after({make_hold(2, 0, 1, 0)}), hash_after({make_hold(2, 3, 1, 0)}));
  EXPECT_NE(hash_after({make_hold(2, 0, 1, 0)}), hash_after({make_hold(2, 0, 1, 50)}));
  // Owner, kind, asset code and scale of what was created.
  EXPECT_NE(hash_after({make_open_account(7, 1, AccountKind::customer)}),
            hash_after({make_open_account(8, 1, AccountKind::customer)}));
  EXPECT_NE(hash_after({make_open_account(7, 1, AccountKind::customer)}),
            hash_after({make_open_account(7, 1, AccountKind::custody)}));
  EXPECT_NE(hash_after({make_create_asset("BTC", 8)}), hash_after({make_create_asset("BTC", 7)}));
  EXPECT_NE(hash_after({make_create_asset("BTC", 8)}), hash_after({make_create_asset("BTD", 8)}));
  // Block time, and what the request table remembers.
  EXPECT_NE(hash_after({}, 2000), hash_after({}, 2001));
  Command with_id = make_transfer(2, 3, 5);
  with_id.request_id = 1;
  EXPECT_NE(hash_after({make_transfer(2, 3, 5)}), hash_after({with_id}));
  Command other_id = with_id;
  other_id.request_id = 2;
  EXPECT_NE(hash_after({with_id}), hash_after({other_id}));
  // A rejection remembered under a request id changes the hash; one without an id changes nothing but time.
  Command rejected = make_transfer(2, 3, 1'000'000);
  EXPECT_EQ(hash_after({rejected}), hash_after({}));
  rejected.request_id = 3;
  EXPECT_NE(hash_after({rejected}), hash_after({}));
}

}  // namespace
}  // namespace qz::testing
