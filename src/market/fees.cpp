// Fee tiers and the 30-day volume tracker; the contract is in fees.h.
#include "market/fees.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "base/assert.h"
#include "base/checked.h"

namespace qz {
namespace {

constexpr uint32_t kSnapshotVersion = 1;

int64_t saturating_add(int64_t a, int64_t b) {
  QZ_ASSERT(a >= 0 && b >= 0);
  int64_t sum = 0;
  return checked_add(a, b, &sum) ? sum : INT64_MAX;
}

size_t slot_of(uint64_t day) { return static_cast<size_t>(day % VolumeTracker::kWindowDays); }

}  // namespace

// ---- FeeSchedule ------------------------------------------------------------------------------------------

FeeScheduleFault FeeSchedule::check(std::span<const FeeTier> tiers) {
  if (tiers.empty()) return FeeScheduleFault::no_tiers;
  if (tiers.size() > kMaxTiers) return FeeScheduleFault::too_many_tiers;
  if (tiers[0].min_30d_volume_quote_minor != 0) return FeeScheduleFault::first_threshold_not_zero;
  for (size_t i = 1; i < tiers.size(); i++) {
    if (tiers[i].min_30d_volume_quote_minor <= tiers[i - 1].min_30d_volume_quote_minor)
      return FeeScheduleFault::thresholds_not_increasing;
  }
  for (const FeeTier& tier : tiers) {
    if (tier.maker_bps > kMaxFeeBps || tier.taker_bps > kMaxFeeBps) return FeeScheduleFault::fee_above_maximum;
  }
  return FeeScheduleFault::none;
}

Result FeeSchedule::validate(std::span<const FeeTier> tiers) {
  return check(tiers) == FeeScheduleFault::none ? Result::ok : Result::market_fee_invalid;
}

Result FeeSchedule::make(std::span<const FeeTier> tiers, FeeSchedule* out) {
  QZ_ASSERT(out != nullptr);
  const Result result = validate(tiers);
  if (result != Result::ok) return result;
  FeeSchedule schedule;
  std::copy(tiers.begin(), tiers.end(), schedule.tiers_.begin());
  schedule.count_ = static_cast<uint32_t>(tiers.size());
  *out = schedule;
  QZ_ASSERT(out->count_ >= 1 && out->tiers_[0].min_30d_volume_quote_minor == 0);
  return Result::ok;
}

FeeSchedule FeeSchedule::flat(uint32_t maker_bps, uint32_t taker_bps) {
  const FeeTier tier{.min_30d_volume_quote_minor = 0, .maker_bps = maker_bps, .taker_bps = taker_bps};
  FeeSchedule schedule;
  const Result result = make({&tier, 1}, &schedule);
  QZ_ASSERT_MSG(result == Result::ok, "flat fee above the maximum");
  return schedule;
}

FeeSchedule::FeeSchedule() : count_(1) {}

const FeeTier& FeeSchedule::tier_for(int64_t volume_30d_quote_minor) const {
  QZ_ASSERT(volume_30d_quote_minor >= 0);
  QZ_ASSERT(count_ >= 1 && count_ <= kMaxTiers);
  // First tier whose threshold is above the volume; the one before it applies (tier 0 starts at 0).
  const auto begin = tiers_.begin();
  const auto end = begin + count_;
  const auto above = std::upper_bound(begin, end, volume_30d_quote_minor, [](int64_t volume, const FeeTier& tier) {
    return volume < tier.min_30d_volume_quote_minor;
  });
  QZ_ASSERT(above != begin);
  return *(above - 1);
}

uint32_t FeeSchedule::max_fee_bps() const {
  uint32_t max_bps = 0;
  for (uint32_t i = 0; i < count_; i++) max_bps = std::max({max_bps, tiers_[i].maker_bps, tiers_[i].taker_bps});
  return max_bps;
}

// ---- VolumeTracker ----------------------------------------------------------------------------------------

// Moves the window of `entry` forward to end at `today`, clearing the buckets of the days that left it.
void VolumeTracker::roll(Entry* entry, uint64_t today) {
  QZ_ASSERT(today >= entry->last_day);
  if (today == entry->last_day) return;
  if (today - entry->last_day >= kWindowDays) {
    entry->buckets.fill(0);
    entry->total_quote_minor = 0;
  } else {
    const bool saturated = entry->total_quote_minor == INT64_MAX;
    for (uint64_t day = entry->last_day + 1; day <= today; day++) {
      int64_t& bucket = entry->buckets[slot_of(day)];
      // A total below INT64_MAX is the exact sum, so subtracting stays exact; a saturated one is recomputed.
      if (!saturated) entry->total_quote_minor -= bucket;
      bucket = 0;
    }
    if (saturated) {
      int64_t total = 0;
      for (const int64_t bucket : entry->buckets) total = saturating_add(total, bucket);
      entry->total_quote_minor = total;
    }
  }
  entry->last_day = today;
  QZ_ASSERT(entry->total_quote_minor >= 0);
}

// Volume in the window ending at `today` (>= last_day), without changing the entry.
int64_t VolumeTracker::window_volume(const Entry& entry, uint64_t today) {
  QZ_ASSERT(today >= entry.last_day);
  if (today - entry.last_day >= kWindowDays) return 0;
  if (today == entry.last_day) return entry.total_quote_minor;
  // Days last_day - 29 .. today - 30 have left the window; days today - 29 .. last_day remain.
  int64_t volume = 0;
  const uint64_t first_day = today >= kWindowDays - 1 ? today - (kWindowDays - 1) : 0;
  for (uint64_t day = first_day; day <= entry.last_day; day++)
    volume = saturating_add(volume, entry.buckets[slot_of(day)]);
  QZ_ASSERT(volume <= entry.total_quote_minor);
  return volume;
}

uint32_t VolumeTracker::find_index(uint64_t account_id) const {
  if (account_id == UINT64_MAX) return max_id_entry_;
  const uint32_t* found = index_.find(account_id + 1);
  return found == nullptr ? kNoEntry : *found;
}

const VolumeTracker::Entry* VolumeTracker::find_entry(uint64_t account_id) const {
  const uint32_t index = find_index(account_id);
  return index == kNoEntry ? nullptr : &entries_[index];
}

VolumeTracker::Entry& VolumeTracker::entry_for(uint64_t account_id) {
  const uint32_t existing = find_index(account_id);
  if (existing != kNoEntry) return entries_[existing];
  uint32_t index = 0;
  if (free_entries_.empty()) {
    QZ_ASSERT(entries_.size() < kNoEntry);
    index = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
    entry_ids_.push_back(account_id);
  } else {
    index = free_entries_.back();
    free_entries_.pop_back();
    entries_[index] = Entry{};
    entry_ids_[index] = account_id;
  }
  if (account_id == UINT64_MAX) {
    max_id_entry_ = index;
  } else {
    QZ_ASSERT(index_.insert(account_id + 1, index));
  }
  count_++;
  return entries_[index];  // a new entry has last_day 0 <= today and empty buckets
}

void VolumeTracker::erase_entry(uint32_t index) {
  const uint64_t account_id = entry_ids_[index];
  if (account_id == UINT64_MAX) {
    max_id_entry_ = kNoEntry;
  } else {
    QZ_ASSERT(index_.erase(account_id + 1));
  }
  free_entries_.push_back(index);
  count_--;
}

void VolumeTracker::clear_entries() {
  index_.clear();
  max_id_entry_ = kNoEntry;
  entries_.clear();
  entry_ids_.clear();
  free_entries_.clear();
  count_ = 0;
}

void VolumeTracker::add(uint64_t account_id, uint64_t block_time_ns, int64_t quote_minor) {
  QZ_ASSERT(quote_minor > 0);
  QZ_ASSERT_MSG(block_time_ns >= last_block_time_ns_, "block time went backwards");
  last_block_time_ns_ = block_time_ns;
  const uint64_t today = day_of(block_time_ns);
  Entry& entry = entry_for(account_id);
  roll(&entry, today);
  int64_t& bucket = entry.buckets[slot_of(today)];
  bucket = saturating_add(bucket, quote_minor);
  entry.total_quote_minor = saturating_add(entry.total_quote_minor, quote_minor);
  QZ_ASSERT(entry.total_quote_minor >= bucket && bucket > 0);
}

int64_t VolumeTracker::volume(uint64_t account_id, uint64_t block_time_ns) const {
  QZ_ASSERT_MSG(block_time_ns >= last_block_time_ns_, "block time went backwards");
  const Entry* entry = find_entry(account_id);
  if (entry == nullptr) return 0;
  return window_volume(*entry, day_of(block_time_ns));
}

void VolumeTracker::prune(uint64_t block_time_ns) {
  QZ_ASSERT_MSG(block_time_ns >= last_block_time_ns_, "block time went backwards");
  last_block_time_ns_ = block_time_ns;
  const uint64_t today = day_of(block_time_ns);
  const uint64_t before = count_;
  // Walk the live entries in id order, so that the free list (and with it where later entries go) does not
  // depend on the lookup table's layout.
  for (const uint64_t id : sorted_ids()) {
    const uint32_t index = find_index(id);
    QZ_ASSERT(index != kNoEntry);
    if (today - entries_[index].last_day >= kWindowDays) erase_entry(index);
  }
  QZ_ASSERT(count_ <= before);
}

std::vector<uint64_t> VolumeTracker::sorted_ids() const {
  std::vector<uint64_t> ids;
  ids.reserve(count_);
  index_.for_each([&](uint64_t key, uint32_t) { ids.push_back(key - 1); });
  if (max_id_entry_ != kNoEntry) ids.push_back(UINT64_MAX);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void VolumeTracker::hash_into(Sha256* hasher) const {
  hasher->update(std::string_view("qz.fees.volume.v1"));
  hasher->update_u64(last_block_time_ns_);
  hasher->update_u64(count_);
  for (const uint64_t id : sorted_ids()) {
    const Entry& entry = entries_[find_index(id)];
    hasher->update_u64(id);
    hasher->update_u64(entry.last_day);
    // Oldest day first, so the hash does not depend on where the ring starts.
    for (uint64_t k = 0; k < kWindowDays; k++) {
      const uint64_t day = entry.last_day + 1 + k;  // same slot as day - 30
      hasher->update_u64(static_cast<uint64_t>(entry.buckets[slot_of(day)]));
    }
  }
}

Hash256 VolumeTracker::state_hash() const {
  Sha256 hasher;
  hash_into(&hasher);
  return hasher.finish();
}

std::string VolumeTracker::check_invariants() const {
  const uint64_t last_day = day_of(last_block_time_ns_);
  for (const uint64_t id : sorted_ids()) {
    const Entry& entry = entries_[find_index(id)];
    const std::string who = "volume tracker: account " + std::to_string(id) + ": ";
    if (entry.last_day > last_day) return who + "last day after the last block time";
    int64_t sum = 0;
    for (uint64_t k = 0; k < kWindowDays; k++) {
      const uint64_t day_plus_30 = entry.last_day + 1 + k;  // the bucket's day is day_plus_30 - 30
      const int64_t bucket = entry.buckets[slot_of(day_plus_30)];
      if (bucket < 0) return who + "negative bucket";
      if (day_plus_30 < kWindowDays && bucket != 0) return who + "volume on a day before day 0";
      sum = saturating_add(sum, bucket);
    }
    if (sum != entry.total_quote_minor)
      return who + "total " + std::to_string(entry.total_quote_minor) + " != bucket sum " + std::to_string(sum);
    if (sum <= 0) return who + "no volume";
  }
  return {};
}

void VolumeTracker::write_snapshot(ByteWriter* out) const {
  out->u32(kSnapshotVersion);
  out->u64(last_block_time_ns_);
  out->u64(count_);
  for (const uint64_t id : sorted_ids()) {
    const Entry& entry = entries_[find_index(id)];
    out->u64(id);
    out->u64(entry.last_day);
    for (uint64_t k = 0; k < kWindowDays; k++) out->i64(entry.buckets[slot_of(entry.last_day + 1 + k)]);
  }
}

bool VolumeTracker::read_snapshot(ByteReader* in) {
  clear_entries();
  last_block_time_ns_ = 0;
  constexpr size_t kEntryBytes = 8 + 8 + 8 * kWindowDays;
  const uint32_t version = in->u32();
  const uint64_t last_time_ns = in->u64();
  const uint64_t count = in->u64();
  // The count is checked against the bytes present before anything is allocated.
  if (!in->ok() || version != kSnapshotVersion || count > in->remaining() / kEntryBytes) return false;
  const uint64_t last_day = day_of(last_time_ns);
  std::vector<std::pair<uint64_t, Entry>> accounts;
  uint64_t previous_id = 0;
  for (uint64_t i = 0; i < count; i++) {
    const uint64_t id = in->u64();
    Entry entry;
    entry.last_day = in->u64();
    if (i > 0 && id <= previous_id) return false;
    if (entry.last_day > last_day) return false;
    int64_t total = 0;
    for (uint64_t k = 0; k < kWindowDays; k++) {
      const uint64_t day_plus_30 = entry.last_day + 1 + k;
      const int64_t bucket = in->i64();
      if (bucket < 0 || (day_plus_30 < kWindowDays && bucket != 0)) return false;
      entry.buckets[slot_of(day_plus_30)] = bucket;
      total = saturating_add(total, bucket);
    }
    if (total == 0) return false;
    entry.total_quote_minor = total;
    accounts.emplace_back(id, entry);
    previous_id = id;
  }
  if (!in->ok()) return false;
  for (const auto& [id, entry] : accounts) entry_for(id) = entry;
  last_block_time_ns_ = last_time_ns;
  QZ_ASSERT(count_ == count);
  QZ_ASSERT(check_invariants().empty());
  return true;
}

}  // namespace qz
