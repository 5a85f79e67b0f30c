// Fee tiers by 30-day volume (issue 3, docs/markets.md "Fees").
//
// Two pieces, both part of the deterministic core (no clock: time is the block time in ns, passed in; no floating
// point; no exceptions; hash-map order never reaches a hash or a snapshot):
//
//   FeeSchedule    market configuration: an ordered list of tiers {min_30d_volume_quote_minor, maker_bps,
//                  taker_bps}. tier_for(volume) is the last tier whose threshold is <= volume (binary search).
//   VolumeTracker  engine state: each account's traded volume in quote minor units over the last 30 UTC days,
//                  today included. A day is block_time_ns / 86'400'000'000'000 (days since the Unix epoch).
//
// Fees themselves are computed by fill_fee (rules.h): floor(spent * fee_bps / 10'000), in the spent asset.
//
// A warning for whoever wires this in: an account's tier can change while its order rests (volume grows, or old
// days drop out of the window), so a fill's rate may exceed the rate the order's hold was sized with. The order
// must keep the rate r it reserved with, and a fill must charge min(current rate, r) - or the hold must be sized
// with FeeSchedule::max_fee_bps(). Otherwise the proof in docs/markets.md ("a fill never overdraws the hold")
// does not apply.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "base/flat_map.h"
#include "base/result.h"
#include "base/sha256.h"

namespace qz {

struct FeeTier {
  int64_t min_30d_volume_quote_minor = 0;  // inclusive threshold
  uint32_t maker_bps = 0;
  uint32_t taker_bps = 0;
  friend bool operator==(const FeeTier&, const FeeTier&) = default;
};

// Why a tier list is not a valid schedule, in check order (the first broken rule is reported).
enum class FeeScheduleFault : uint8_t {
  none = 0,
  no_tiers = 1,                  // the list is empty
  too_many_tiers = 2,            // more than FeeSchedule::kMaxTiers
  first_threshold_not_zero = 3,  // tiers[0].min_30d_volume_quote_minor != 0
  thresholds_not_increasing = 4, // some threshold <= the one before it
  fee_above_maximum = 5,         // some maker_bps or taker_bps above kMaxFeeBps
};

class FeeSchedule {
 public:
  static constexpr uint32_t kMaxTiers = 16;
  static constexpr uint32_t kMaxFeeBps = 1'000;  // same cap as validate_market_config

  // The first broken rule of `tiers` (FeeScheduleFault::none when valid). Checks run in the enum's order; the
  // threshold rules scan all tiers before any fee is looked at.
  static FeeScheduleFault check(std::span<const FeeTier> tiers);
  // Result code of check(): ok, or market_fee_invalid for every fault (result.h has no code for the threshold
  // rules yet: one such as market_fee_tiers_invalid = 206 is to be added there).
  [[nodiscard]] static Result validate(std::span<const FeeTier> tiers);
  // Replaces *out with `tiers` when valid; leaves *out unchanged and returns the code otherwise.
  [[nodiscard]] static Result make(std::span<const FeeTier> tiers, FeeSchedule* out);
  // One tier at volume 0: the flat maker and taker fee of a MarketConfig. Precondition: both <= kMaxFeeBps.
  static FeeSchedule flat(uint32_t maker_bps, uint32_t taker_bps);

  // A default schedule is the single tier {0, 0, 0}.
  FeeSchedule();

  // The last tier whose threshold is <= volume. Precondition: volume >= 0. O(log tiers).
  const FeeTier& tier_for(int64_t volume_30d_quote_minor) const;
  // The largest maker or taker rate of any tier: a hold sized with it covers every fill whatever the tier.
  uint32_t max_fee_bps() const;
  std::span<const FeeTier> tiers() const { return {tiers_.data(), count_}; }

 private:
  std::array<FeeTier, kMaxTiers> tiers_{};
  uint32_t count_ = 0;
};

// Per-account traded volume over a rolling 30-day window, in quote minor units.
//
// Each account keeps a ring of 30 day buckets (bucket of day d at d % 30) covering the days
// last_day - 29 .. last_day, and the cached total of the ring. Adding at a later day first clears the buckets of
// the days that left the window. Invariants (check_invariants): every bucket >= 0; buckets of days before day 0
// are 0; the total equals the saturating sum of the buckets and is > 0; last_day <= the day of the last block
// time seen.
//
// Overflow: volumes saturate at INT64_MAX (a bucket and the total alike) instead of failing; a saturated volume
// is above any tier threshold, so tier selection stays correct. (INT64_MAX tiyn is 9.2e16 KZT in 30 days.)
//
// Time: block times passed to add, volume and prune never go backwards (asserted). Memory: 30 buckets per
// account that traded; prune() drops accounts with nothing left in the window.
class VolumeTracker {
 public:
  static constexpr uint64_t kNsPerDay = 86'400'000'000'000ULL;
  static constexpr uint32_t kWindowDays = 30;

  static uint64_t day_of(uint64_t block_time_ns) { return block_time_ns / kNsPerDay; }

  // Records a fill of `quote_minor` (> 0) for `account_id` at `block_time_ns`.
  void add(uint64_t account_id, uint64_t block_time_ns, int64_t quote_minor);
  // Volume of the account over the 30 days ending with the day of block_time_ns (today included); 0 for an
  // account never seen. Does not change state.
  int64_t volume(uint64_t account_id, uint64_t block_time_ns) const;
  // Removes every account with no volume in the window ending at block_time_ns. Changes state (and the state
  // hash), so it must be called at deterministic points (e.g. the first block of each day).
  void prune(uint64_t block_time_ns);

  uint64_t account_count() const { return count_; }
  uint64_t last_block_time_ns() const { return last_block_time_ns_; }

  // Ordered traversal (accounts by id) fed to `hasher`; state_hash() is its digest.
  void hash_into(Sha256* hasher) const;
  Hash256 state_hash() const;
  // Empty when every invariant holds; else the first violation. O(accounts * 30).
  std::string check_invariants() const;

  // Format: version u32 (=1) | last_block_time_ns u64 | count u64 | count x (account_id u64 | last_day u64 |
  // 30 x bucket i64, oldest day first). Accounts in increasing id order.
  void write_snapshot(ByteWriter* out) const;
  // Reads what write_snapshot wrote into this tracker, replacing its state; false (state cleared) on malformed
  // or inconsistent input: bad version, ids not strictly increasing, a day after the last block time, a negative
  // bucket, a nonzero bucket before day 0, an account with no volume. Trailing bytes are the caller's business.
  [[nodiscard]] bool read_snapshot(ByteReader* in);

 private:
  struct Entry {
    uint64_t last_day = 0;
    int64_t total_quote_minor = 0;
    std::array<int64_t, kWindowDays> buckets{};  // day d at d % kWindowDays
  };

  static void roll(Entry* entry, uint64_t today);
  static int64_t window_volume(const Entry& entry, uint64_t today);
  std::vector<uint64_t> sorted_ids() const;

  static constexpr uint32_t kNoEntry = UINT32_MAX;
  uint32_t find_index(uint64_t account_id) const;  // kNoEntry when absent
  const Entry* find_entry(uint64_t account_id) const;
  Entry& entry_for(uint64_t account_id);  // creates an empty entry when absent
  void erase_entry(uint32_t index);
  void clear_entries();

  // Entries in a vector with a free list; a flat map (key: account id + 1, never 0) finds them. The one id the
  // key cannot carry, UINT64_MAX, has its own index. Lookup only: outputs walk sorted_ids().
  FlatMap<uint32_t> index_;
  uint32_t max_id_entry_ = kNoEntry;
  std::vector<Entry> entries_;
  std::vector<uint64_t> entry_ids_;  // the id of entries_[i]; unused slots are listed in free_entries_
  std::vector<uint32_t> free_entries_;
  uint64_t count_ = 0;
  uint64_t last_block_time_ns_ = 0;
};

}  // namespace qz
