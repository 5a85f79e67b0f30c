// Tests for fee tiers and the 30-day volume tracker (src/market/fees.h).
//
// 1. FeeSchedule: a rule table for check(), one line per rule in check order; tier boundaries by example and,
//    for random schedules, against a linear scan.
// 2. VolumeTracker: window edges by example, saturation, prune, hash independence from insertion order.
// 3. Differential: the tracker against a reference (std::map<account, std::map<day, volume>>) driven side by side
//    by a seeded stream of trades over ~120 days with gaps, comparing volume() and the tier of every account at
//    every step, with snapshot round trips along the way.
// 4. Snapshots: round trip, every truncation refused, each validation rule refused.
//
// Randomised tests print their seed; QZ_SEED=<n> replays one.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "base/bytes.h"
#include "base/prng.h"
#include "base/result.h"
#include "market/fees.h"

namespace qz {
namespace {

constexpr uint64_t kDay = VolumeTracker::kNsPerDay;

uint64_t seed_from_env(uint64_t fallback) {
  const char* text = std::getenv("QZ_SEED");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : fallback;
}

// ---- FeeSchedule ------------------------------------------------------------------------------------------

std::vector<FeeTier> three_tiers() {
  return {{0, 10, 20}, {1'000, 8, 15}, {50'000, 2, 5}};
}

TEST(FeeSchedule, RuleTableInCheckOrder) {
  struct Line {
    const char* rule;
    std::vector<FeeTier> tiers;
    FeeScheduleFault fault;
  };
  std::vector<FeeTier> seventeen;
  for (int64_t i = 0; i < 17; i++) seventeen.push_back({i * 10, 5000, 5000});  // also breaks the fee cap
  std::vector<FeeTier> sixteen;
  for (int64_t i = 0; i < 16; i++) sixteen.push_back({i * 10, 1000, 1000});
  const std::vector<Line> table = {
      {"valid three tiers", three_tiers(), FeeScheduleFault::none},
      {"maker above taker is allowed", {{0, 30, 10}}, FeeScheduleFault::none},
      {"fees at the cap, 16 tiers", sixteen, FeeScheduleFault::none},
      {"empty list", {}, FeeScheduleFault::no_tiers},
      {"17 tiers (and fees above the cap)", seventeen, FeeScheduleFault::too_many_tiers},
      {"first threshold not 0 (and not increasing, and fee above cap)",
       {{5, 1001, 0}, {5, 0, 0}},
       FeeScheduleFault::first_threshold_not_zero},
      {"negative first threshold", {{-1, 0, 0}}, FeeScheduleFault::first_threshold_not_zero},
      {"equal thresholds (and fee above cap)", {{0, 1001, 0}, {10, 0, 0}, {10, 0, 0}},
       FeeScheduleFault::thresholds_not_increasing},
      {"decreasing thresholds", {{0, 0, 0}, {10, 0, 0}, {9, 0, 0}}, FeeScheduleFault::thresholds_not_increasing},
      {"maker fee 1001 bps", {{0, 1, 1}, {10, 1001, 0}}, FeeScheduleFault::fee_above_maximum},
      {"taker fee 1001 bps", {{0, 0, 1001}}, FeeScheduleFault::fee_above_maximum},
  };
  for (const Line& line : table) {
    SCOPED_TRACE(line.rule);
    EXPECT_EQ(FeeSchedule::check(line.tiers), line.fault);
    const Result expected = line.fault == FeeScheduleFault::none ? Result::ok : Result::market_fee_invalid;
    EXPECT_EQ(FeeSchedule::validate(line.tiers), expected);
    // make() installs a valid list and leaves the schedule unchanged otherwise.
    FeeSchedule schedule = FeeSchedule::flat(7, 9);
    EXPECT_EQ(FeeSchedule::make(line.tiers, &schedule), expected);
    if (expected == Result::ok) {
      EXPECT_TRUE(std::equal(schedule.tiers().begin(), schedule.tiers().end(), line.tiers.begin(),
                             line.tiers.end()));
    } else {
      ASSERT_EQ(schedule.tiers().size(), 1u);
      EXPECT_EQ(schedule.tiers()[0], (FeeTier{0, 7, 9}));
    }
  }
}

TEST(FeeSchedule, TierBoundaries) {
  FeeSchedule schedule;
  ASSERT_EQ(FeeSchedule::make(three_tiers(), &schedule), Result::ok);
  const struct {
    int64_t volume;
    int64_t threshold;
  } lines[] = {{0, 0},          {1, 0},          {999, 0},           {1'000, 1'000},
               {1'001, 1'000},  {49'999, 1'000}, {50'000, 50'000},   {INT64_MAX, 50'000}};
  for (const auto& line : lines) {
    SCOPED_TRACE(line.volume);
    EXPECT_EQ(schedule.tier_for(line.volume).min_30d_volume_quote_minor, line.threshold);
  }
  EXPECT_EQ(schedule.tier_for(1'000).maker_bps, 8u);
  EXPECT_EQ(schedule.tier_for(1'000).taker_bps, 15u);
  EXPECT_EQ(schedule.max_fee_bps(), 20u);
}

TEST(FeeSchedule, DefaultAndFlat) {
  const FeeSchedule none;
  ASSERT_EQ(none.tiers().size(), 1u);
  EXPECT_EQ(none.tier_for(123), (FeeTier{0, 0, 0}));
  EXPECT_EQ(none.max_fee_bps(), 0u);
  const FeeSchedule flat = FeeSchedule::flat(30, 10);
  EXPECT_EQ(flat.tier_for(INT64_MAX), (FeeTier{0, 30, 10}));
  EXPECT_EQ(flat.max_fee_bps(), 30u);
}

TEST(FeeSchedule, BinarySearchMatchesLinearScan) {
  const uint64_t seed = seed_from_env(0xFEE5);
  std::printf("FeeSchedule.BinarySearchMatchesLinearScan: seed %llu (QZ_SEED)\n",
              static_cast<unsigned long long>(seed));
  Prng prng(seed);
  for (int round = 0; round < 500; round++) {
    const uint64_t count = 1 + prng.below(FeeSchedule::kMaxTiers);
    std::vector<FeeTier> tiers;
    int64_t threshold = 0;
    for (uint64_t i = 0; i < count; i++) {
      tiers.push_back({threshold, static_cast<uint32_t>(prng.below(1001)), static_cast<uint32_t>(prng.below(1001))});
      threshold += prng.range(1, 1'000);
    }
    FeeSchedule schedule;
    ASSERT_EQ(FeeSchedule::make(tiers, &schedule), Result::ok);
    for (int probe = 0; probe < 50; probe++) {
      const int64_t volume = prng.range(0, threshold + 10);
      size_t expected = 0;
      for (size_t i = 0; i < tiers.size(); i++)
        if (tiers[i].min_30d_volume_quote_minor <= volume) expected = i;
      ASSERT_EQ(schedule.tier_for(volume), tiers[expected]) << "seed " << seed << " volume " << volume;
    }
  }
}

// ---- VolumeTracker by example -----------------------------------------------------------------------------

TEST(VolumeTracker, WindowIsThirtyDaysIncludingToday) {
  VolumeTracker tracker;
  const uint64_t t0 = 100 * kDay + 5;
  tracker.add(1, t0, 100);
  tracker.add(1, t0 + 29 * kDay, 10);  // day 129
  EXPECT_EQ(tracker.volume(1, t0 + 29 * kDay), 110);
  // Last nanosecond of day 129: day 100 is still in.
  EXPECT_EQ(tracker.volume(1, 130 * kDay - 1), 110);
  // Day 130: day 100 has left the window.
  EXPECT_EQ(tracker.volume(1, 130 * kDay), 10);
  EXPECT_EQ(tracker.volume(1, 158 * kDay + 7), 10);
  EXPECT_EQ(tracker.volume(1, 159 * kDay), 0);
  EXPECT_EQ(tracker.volume(2, 159 * kDay), 0);  // never seen
  EXPECT_EQ(tracker.check_invariants(), "");
  // Adding after a long gap starts from nothing.
  tracker.add(1, 400 * kDay, 3);
  EXPECT_EQ(tracker.volume(1, 400 * kDay), 3);
  EXPECT_EQ(tracker.check_invariants(), "");
}

TEST(VolumeTracker, EarlyDaysNearEpoch) {
  VolumeTracker tracker;
  tracker.add(9, 0, 5);
  tracker.add(9, 3 * kDay, 7);
  EXPECT_EQ(tracker.volume(9, 10 * kDay), 12);
  EXPECT_EQ(tracker.volume(9, 29 * kDay), 12);
  EXPECT_EQ(tracker.volume(9, 30 * kDay), 7);
  EXPECT_EQ(tracker.check_invariants(), "");
}

TEST(VolumeTracker, SaturatesInsteadOfOverflowing) {
  VolumeTracker tracker;
  tracker.add(1, 0, INT64_MAX - 1);
  tracker.add(1, kDay, 5);
  EXPECT_EQ(tracker.volume(1, kDay), INT64_MAX);
  tracker.add(1, kDay, INT64_MAX);
  EXPECT_EQ(tracker.volume(1, kDay), INT64_MAX);
  EXPECT_EQ(tracker.check_invariants(), "");
  // When the saturated day 0 leaves the window, what remains is day 1, itself saturated.
  EXPECT_EQ(tracker.volume(1, 30 * kDay), INT64_MAX);
  tracker.add(1, 31 * kDay, 4);  // day 1 leaves too
  EXPECT_EQ(tracker.volume(1, 31 * kDay), 4);
  EXPECT_EQ(tracker.check_invariants(), "");
}

TEST(VolumeTracker, RecomputesAfterSaturatedDayLeaves) {
  VolumeTracker tracker;
  tracker.add(1, 0, INT64_MAX);
  tracker.add(1, 2 * kDay, 40);
  tracker.add(1, 3 * kDay, 2);
  EXPECT_EQ(tracker.volume(1, 3 * kDay), INT64_MAX);
  EXPECT_EQ(tracker.volume(1, 30 * kDay), 42);  // read-only path
  tracker.add(1, 30 * kDay, 1);                 // the rolling path
  EXPECT_EQ(tracker.volume(1, 30 * kDay), 43);
  EXPECT_EQ(tracker.check_invariants(), "");
}

TEST(VolumeTracker, PruneDropsOnlyIdleAccounts) {
  VolumeTracker tracker;
  tracker.add(1, 0, 5);
  tracker.add(2, 10 * kDay, 5);
  tracker.prune(29 * kDay);
  EXPECT_EQ(tracker.account_count(), 2u);
  tracker.prune(30 * kDay);
  EXPECT_EQ(tracker.account_count(), 1u);
  EXPECT_EQ(tracker.volume(1, 30 * kDay), 0);
  EXPECT_EQ(tracker.volume(2, 30 * kDay), 5);
  EXPECT_EQ(tracker.check_invariants(), "");
}

TEST(VolumeTracker, HashDoesNotDependOnInsertionOrder) {
  VolumeTracker a;
  VolumeTracker b;
  for (uint64_t id = 1; id <= 200; id++) a.add(id, 5 * kDay, static_cast<int64_t>(id));
  for (uint64_t id = 200; id >= 1; id--) b.add(id, 5 * kDay, static_cast<int64_t>(id));
  EXPECT_EQ(a.state_hash(), b.state_hash());
  b.add(7, 5 * kDay, 1);
  EXPECT_NE(a.state_hash(), b.state_hash());
}

TEST(VolumeTrackerDeathTest, TimeNeverGoesBackwards) {
  VolumeTracker tracker;
  tracker.add(1, 10 * kDay, 5);
  EXPECT_DEATH(tracker.add(1, 10 * kDay - 1, 5), "block time went backwards");
  EXPECT_DEATH(tracker.add(1, 10 * kDay, 0), "quote_minor > 0");
}

// ---- Differential test against a reference tracker -----------------------------------------------------------

struct ReferenceTracker {
  std::map<uint64_t, std::map<uint64_t, int64_t>> by_account;  // account -> day -> volume (kept small: no overflow)

  void add(uint64_t account, uint64_t day, int64_t quote_minor) { by_account[account][day] += quote_minor; }
  int64_t volume(uint64_t account, uint64_t today) const {
    const auto it = by_account.find(account);
    if (it == by_account.end()) return 0;
    int64_t sum = 0;
    for (const auto& [day, amount] : it->second)
      if (day <= today && today - day < 30) sum += amount;
    return sum;
  }
};

std::string run_differential(uint64_t seed, uint64_t days, std::vector<uint64_t>* tiers_seen, uint64_t* steps_taken) {
  Prng prng(seed);
  FeeSchedule schedule;
  const std::vector<FeeTier> tiers = {{0, 10, 20}, {5'000, 8, 16}, {50'000, 5, 10}, {100'000, 0, 4}};
  if (FeeSchedule::make(tiers, &schedule) != Result::ok) return "schedule refused";
  VolumeTracker tracker;
  ReferenceTracker reference;
  constexpr uint64_t kAccounts = 12;
  uint64_t time_ns = 19'000 * kDay + prng.below(kDay);  // a 2022 date
  const uint64_t start_day = VolumeTracker::day_of(time_ns);
  uint64_t snapshots = 0;
  uint64_t step = 0;
  for (; VolumeTracker::day_of(time_ns) - start_day < days; step++) {
    // Time: mostly the same block or a little later; sometimes a day or a gap of up to 40 days.
    const uint64_t pick = prng.below(100);
    if (pick < 60) {
      time_ns += prng.below(kDay / 50);
    } else if (pick < 97) {
      time_ns += prng.below(2 * kDay);
    } else {
      time_ns += prng.below(40 * kDay);
    }
    const uint64_t today = VolumeTracker::day_of(time_ns);
    const uint64_t trades = 1 + prng.below(8);
    for (uint64_t trade = 0; trade < trades; trade++) {
      const uint64_t account = 1 + prng.below(kAccounts) * 7;  // sparse ids
      const int64_t quote_minor = prng.chance(10) ? prng.range(1'000, 40'000) : prng.range(1, 500);
      tracker.add(account, time_ns, quote_minor);
      reference.add(account, today, quote_minor);
    }

    if (prng.chance(5)) {
      tracker.prune(time_ns);
      uint64_t active = 0;
      for (const auto& [id, by_day] : reference.by_account) active += reference.volume(id, today) > 0 ? 1 : 0;
      if (tracker.account_count() != active) return "prune kept " + std::to_string(tracker.account_count());
    }
    if (step % 25 == 24 || prng.chance(3)) {
      // Snapshot round trip: continue with the restored tracker.
      std::vector<uint8_t> bytes;
      ByteWriter writer(&bytes);
      tracker.write_snapshot(&writer);
      VolumeTracker restored;
      ByteReader reader(bytes.data(), bytes.size());
      if (!restored.read_snapshot(&reader) || reader.remaining() != 0) return "snapshot refused";
      if (restored.state_hash() != tracker.state_hash()) return "snapshot changed the state hash";
      tracker = restored;
      snapshots++;
    }
    // Compare every account, at this block time and sometimes a little later (read-only queries).
    const uint64_t query_ns = prng.chance(20) ? time_ns + prng.below(35 * kDay) : time_ns;
    const uint64_t query_day = VolumeTracker::day_of(query_ns);
    for (uint64_t a = 0; a < kAccounts; a++) {
      const uint64_t id = 1 + a * 7;
      const int64_t expected = reference.volume(id, query_day);
      const int64_t got = tracker.volume(id, query_ns);
      if (got != expected)
        return "step " + std::to_string(step) + " day " + std::to_string(query_day - start_day) + " account " +
               std::to_string(id) + ": volume " + std::to_string(got) + " want " + std::to_string(expected);
      size_t tier = 0;
      for (size_t i = 0; i < tiers.size(); i++)
        if (tiers[i].min_30d_volume_quote_minor <= expected) tier = i;
      if (!(schedule.tier_for(got) == tiers[tier])) return "tier differs at step " + std::to_string(step);
      (*tiers_seen)[tier]++;
    }
    if (step % 64 == 0) {
      const std::string broken = tracker.check_invariants();
      if (!broken.empty()) return broken;
    }
  }
  *steps_taken = step;
  if (snapshots == 0) return "no snapshot round trip";
  return tracker.check_invariants();
}

TEST(VolumeTracker, MatchesReferenceOverRandomStreams) {
  const uint64_t base_seed = seed_from_env(20261125);
  std::printf("VolumeTracker.MatchesReferenceOverRandomStreams: base seed %llu, 40 runs (QZ_SEED)\n",
              static_cast<unsigned long long>(base_seed));
  std::vector<uint64_t> tiers_seen(4, 0);
  uint64_t steps_total = 0;
  for (uint64_t run = 0; run < 40; run++) {
    const uint64_t seed = base_seed + run;
    // Blocks until 120 days have passed (about 120 blocks with the time steps above), with gaps.
    uint64_t steps = 0;
    const std::string failure = run_differential(seed, 120, &tiers_seen, &steps);
    ASSERT_EQ(failure, "") << "seed " << seed << " (QZ_SEED=" << seed << " replays it as run 0)";
    steps_total += steps;
  }
  std::printf("  %llu blocks per run on average; account checks per tier: %llu %llu %llu %llu\n",
              static_cast<unsigned long long>(steps_total / 40), static_cast<unsigned long long>(tiers_seen[0]),
              static_cast<unsigned long long>(tiers_seen[1]), static_cast<unsigned long long>(tiers_seen[2]),
              static_cast<unsigned long long>(tiers_seen[3]));
  for (const uint64_t seen : tiers_seen) EXPECT_GT(seen, 0u) << "a tier was never reached: widen the stream";
}

// ---- Snapshots --------------------------------------------------------------------------------------------

VolumeTracker sample_tracker() {
  VolumeTracker tracker;
  tracker.add(3, 40 * kDay, 100);
  tracker.add(1, 41 * kDay, 7);
  tracker.add(3, 45 * kDay, 20);
  tracker.add(8, 60 * kDay + 9, 1);
  return tracker;
}

std::vector<uint8_t> snapshot_of(const VolumeTracker& tracker) {
  std::vector<uint8_t> bytes;
  ByteWriter writer(&bytes);
  tracker.write_snapshot(&writer);
  return bytes;
}

bool reads(const std::vector<uint8_t>& bytes, VolumeTracker* out) {
  ByteReader reader(bytes.data(), bytes.size());
  return out->read_snapshot(&reader);
}

// Offsets in the format of fees.h.
constexpr size_t kHeader = 4 + 8 + 8;
constexpr size_t kEntry = 8 + 8 + 8 * 30;

void put_i64_at(std::vector<uint8_t>* bytes, size_t offset, int64_t value) {
  put_u64(bytes->data() + offset, static_cast<uint64_t>(value));
}

TEST(VolumeTrackerSnapshot, RoundTrip) {
  const VolumeTracker tracker = sample_tracker();
  const std::vector<uint8_t> bytes = snapshot_of(tracker);
  ASSERT_EQ(bytes.size(), kHeader + 3 * kEntry);
  VolumeTracker restored;
  ASSERT_TRUE(reads(bytes, &restored));
  EXPECT_EQ(restored.state_hash(), tracker.state_hash());
  EXPECT_EQ(restored.last_block_time_ns(), 60 * kDay + 9);
  EXPECT_EQ(restored.volume(3, 60 * kDay + 9), 120);
  EXPECT_EQ(restored.volume(1, 70 * kDay), 7);
  EXPECT_EQ(snapshot_of(restored), bytes);
  // Empty tracker.
  VolumeTracker empty;
  ASSERT_TRUE(reads(snapshot_of(VolumeTracker()), &empty));
  EXPECT_EQ(empty.state_hash(), VolumeTracker().state_hash());
}

TEST(VolumeTrackerSnapshot, RefusesEveryTruncation) {
  const std::vector<uint8_t> bytes = snapshot_of(sample_tracker());
  for (size_t size = 0; size < bytes.size(); size++) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    VolumeTracker restored = sample_tracker();
    EXPECT_FALSE(reads(cut, &restored)) << "size " << size;
    EXPECT_EQ(restored.state_hash(), VolumeTracker().state_hash()) << "a refused read leaves an empty tracker";
  }
}

TEST(VolumeTrackerSnapshot, RefusesInconsistentContent) {
  const std::vector<uint8_t> good = snapshot_of(sample_tracker());
  // Entries: id 1 (last day 41), id 3 (last day 45), id 8 (last day 60). Bucket k of an entry is day
  // last_day - 29 + k.
  const auto entry = [](size_t index) { return kHeader + index * kEntry; };
  const auto bucket = [&](size_t index, size_t k) { return entry(index) + 16 + 8 * k; };
  struct Line {
    const char* rule;
    size_t offset;
    int64_t value;
  };
  const Line table[] = {
      {"count larger than the bytes", 12, 4},
      {"count absurd", 12, INT64_MAX},
      {"ids not increasing", entry(1), 1},
      {"ids equal", entry(2), 3},
      {"last day after the last block time", entry(2) + 8, 61},
      {"negative bucket", bucket(0, 29), -7},
      {"account with no volume", bucket(0, 29), 0},
  };
  for (const Line& line : table) {
    SCOPED_TRACE(line.rule);
    std::vector<uint8_t> bad = good;
    put_i64_at(&bad, line.offset, line.value);
    VolumeTracker restored;
    EXPECT_FALSE(reads(bad, &restored));
  }
  {
    SCOPED_TRACE("version 2 alone");
    std::vector<uint8_t> bad = good;
    put_u32(bad.data(), 2);
    VolumeTracker restored;
    EXPECT_FALSE(reads(bad, &restored));
  }
  {
    SCOPED_TRACE("volume on a day before day 0");
    VolumeTracker early;
    early.add(1, 2 * kDay, 5);  // buckets 0..26 are days -27..-1
    std::vector<uint8_t> bad = snapshot_of(early);
    put_i64_at(&bad, kHeader + 16, 1);
    VolumeTracker restored;
    EXPECT_FALSE(reads(bad, &restored));
    put_i64_at(&bad, kHeader + 16, 0);
    EXPECT_TRUE(reads(bad, &restored));  // the same bytes without the corruption are accepted
  }
}

}  // namespace
}  // namespace qz

namespace qz {
namespace {

// Account ids 0 and UINT64_MAX are ordinary ids (the lookup table keys on id + 1 and keeps UINT64_MAX apart).
TEST(VolumeTracker, ExtremeIdsAndReusedEntries) {
  VolumeTracker tracker;
  const uint64_t t0 = 1000 * VolumeTracker::kNsPerDay;
  for (const uint64_t id : {uint64_t{0}, UINT64_MAX, uint64_t{7}}) tracker.add(id, t0, 100 + static_cast<int64_t>(id % 5));
  EXPECT_EQ(tracker.account_count(), 3u);
  EXPECT_EQ(tracker.volume(0, t0), 100);
  EXPECT_EQ(tracker.volume(UINT64_MAX, t0), 100);
  EXPECT_EQ(tracker.volume(7, t0), 102);
  EXPECT_EQ(tracker.check_invariants(), "");
  std::vector<uint8_t> bytes;
  ByteWriter writer(&bytes);
  tracker.write_snapshot(&writer);
  VolumeTracker loaded;
  ByteReader reader(bytes.data(), bytes.size());
  ASSERT_TRUE(loaded.read_snapshot(&reader));
  EXPECT_EQ(loaded.state_hash(), tracker.state_hash());
  // 0 and UINT64_MAX go idle; their entries are reused by new ids with the same results.
  const uint64_t later = t0 + 20 * VolumeTracker::kNsPerDay;
  tracker.add(7, later, 1);
  tracker.prune(t0 + 40 * VolumeTracker::kNsPerDay);
  EXPECT_EQ(tracker.account_count(), 1u);
  EXPECT_EQ(tracker.volume(UINT64_MAX, t0 + 40 * VolumeTracker::kNsPerDay), 0);
  tracker.add(UINT64_MAX, t0 + 41 * VolumeTracker::kNsPerDay, 5);
  tracker.add(42, t0 + 41 * VolumeTracker::kNsPerDay, 6);
  EXPECT_EQ(tracker.account_count(), 3u);
  EXPECT_EQ(tracker.volume(UINT64_MAX, t0 + 41 * VolumeTracker::kNsPerDay), 5);
  EXPECT_EQ(tracker.volume(42, t0 + 41 * VolumeTracker::kNsPerDay), 6);
  EXPECT_EQ(tracker.volume(7, t0 + 41 * VolumeTracker::kNsPerDay), 1);
  EXPECT_EQ(tracker.check_invariants(), "");
}

}  // namespace
}  // namespace qz
