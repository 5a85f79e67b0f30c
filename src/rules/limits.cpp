#include "rules/limits.h"

#include "base/assert.h"
#include "base/checked.h"

namespace qz {

namespace {

constexpr uint64_t kNsPerDay = 86'400'000'000'000ULL;

size_t kind_index(LimitKind kind) {
  QZ_ASSERT(kind == LimitKind::deposit || kind == LimitKind::withdrawal || kind == LimitKind::purchase);
  return static_cast<size_t>(kind) - 1;
}

bool kind_valid(LimitKind kind) {
  return kind == LimitKind::deposit || kind == LimitKind::withdrawal || kind == LimitKind::purchase;
}

// The sum of non-negative terms, or INT64_MAX when it does not fit: compared against a limit, a saturated sum
// is over every limit.
int64_t sum_saturated(std::initializer_list<int64_t> terms) {
  int128 sum = 0;
  for (const int64_t term : terms) sum += term;
  return sum > INT64_MAX ? INT64_MAX : static_cast<int64_t>(sum);
}

bool over(int64_t used, int64_t limit) { return limit != 0 && used > limit; }

}  // namespace

const char* limit_kind_name(LimitKind kind) {
  switch (kind) {
    case LimitKind::deposit: return "deposit";
    case LimitKind::withdrawal: return "withdrawal";
    case LimitKind::purchase: return "purchase";
  }
  return "unknown";
}

Period period_of(uint64_t block_time_ns) {
  const uint64_t day = block_time_ns / kNsPerDay;
  // Civil date from the day number, in the proleptic Gregorian calendar: count from 0000-03-01 so that the leap
  // day ends each year, split into 400-year eras of 146,097 days, then years of the era, then the month from
  // the day of the (March-based) year.
  const uint64_t from_march_0000 = day + 719'468;
  const uint64_t era = from_march_0000 / 146'097;
  const uint64_t day_of_era = from_march_0000 - era * 146'097;                       // [0, 146096]
  const uint64_t year_of_era =
      (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;  // [0, 399]
  const uint64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const uint64_t march_month = (5 * day_of_year + 2) / 153;                          // 0 = March
  const uint64_t month = march_month < 10 ? march_month + 3 : march_month - 9;       // 1-12
  const uint64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return Period{.day = day, .month = static_cast<uint32_t>(year * 12 + month - 1)};
}

bool tenge_value(int64_t amount_minor, uint8_t scale, int64_t tiyn_per_unit, int64_t* tiyn) {
  if (amount_minor < 0 || tiyn_per_unit <= 0 || scale > 18) return false;
  const int128 product = static_cast<int128>(amount_minor) * tiyn_per_unit;  // < 2^126
  const int128 unit = pow10_i64(scale);
  const int128 value = product / unit + (product % unit != 0 ? 1 : 0);
  if (value > INT64_MAX) return false;
  *tiyn = static_cast<int64_t>(value);
  return true;
}

int128 tenge_value_128(int64_t amount_minor, uint8_t scale, int64_t tiyn_per_unit) {
  QZ_ASSERT(amount_minor >= 0 && tiyn_per_unit > 0 && scale <= 18);
  const int128 product = static_cast<int128>(amount_minor) * tiyn_per_unit;
  const int128 unit = pow10_i64(scale);
  return product / unit + (product % unit != 0 ? 1 : 0);
}

Result ClientLimits::set_tier_limits(uint8_t tier, LimitKind kind, PeriodLimit limit, PeriodLimit* previous) {
  QZ_ASSERT(previous != nullptr);
  if (tier > kMaxKycTier || !kind_valid(kind) || limit.daily_tiyn < 0 || limit.monthly_tiyn < 0 ||
      (limit.daily_tiyn != 0 && limit.monthly_tiyn != 0 && limit.daily_tiyn > limit.monthly_tiyn)) {
    return Result::limits_invalid;
  }
  PeriodLimit& slot = tiers_[tier * kLimitKinds + kind_index(kind)];
  *previous = slot;
  slot = limit;
  return Result::ok;
}

Result ClientLimits::set_retail_cap(const RetailCap& cap, RetailCap* previous) {
  QZ_ASSERT(previous != nullptr);
  if (cap.usd_cents < 0 || (cap.usd_cents != 0 && !country_code_valid(cap.residence.data()))) {
    return Result::limits_invalid;
  }
  *previous = cap_;
  cap_ = cap;
  if (cap_.usd_cents == 0) cap_.residence = {};  // no cap has no residence: one state, one hash
  return Result::ok;
}

PeriodLimit ClientLimits::tier_limit(uint8_t tier, LimitKind kind) const {
  QZ_ASSERT(tier <= kMaxKycTier);
  return tiers_[tier * kLimitKinds + kind_index(kind)];
}

bool ClientLimits::capped(const ClientFacts& facts) const {
  return cap_.usd_cents != 0 && facts.classification == ClientClass::retail && !facts.knowledge_test_passed &&
         facts.residence[0] == cap_.residence[0] && facts.residence[1] == cap_.residence[1];
}

bool ClientLimits::purchase_limited(const ClientFacts& facts) const {
  const PeriodLimit limit = tier_limit(facts.kyc_tier, LimitKind::purchase);
  return capped(facts) || limit.daily_tiyn != 0 || limit.monthly_tiyn != 0;
}

bool ClientLimits::movement_limited(uint8_t tier, LimitKind kind) const {
  const PeriodLimit limit = tier_limit(tier, kind);
  return limit.daily_tiyn != 0 || limit.monthly_tiyn != 0;
}

int64_t ClientLimits::daily(const ClientUsage& usage, LimitKind kind, Period now) {
  return usage.day == now.day ? usage.daily_tiyn[kind_index(kind)] : 0;
}

int64_t ClientLimits::monthly(const ClientUsage& usage, LimitKind kind, Period now) {
  return usage.month == now.month ? usage.monthly_tiyn[kind_index(kind)] : 0;
}

const ClientUsage* ClientLimits::usage(uint64_t client) const {
  const auto found = usage_.find(client);
  return found == usage_.end() ? nullptr : &found->second;
}

Result ClientLimits::check_movement(uint64_t client, uint8_t tier, LimitKind kind, int64_t value_tiyn,
                                    Period now) const {
  QZ_ASSERT(kind == LimitKind::deposit || kind == LimitKind::withdrawal);
  QZ_ASSERT(value_tiyn >= 0);
  const PeriodLimit limit = tier_limit(tier, kind);
  const ClientUsage* used = usage(client);
  const int64_t today = sum_saturated({used == nullptr ? 0 : daily(*used, kind, now), value_tiyn});
  const int64_t month = sum_saturated({used == nullptr ? 0 : monthly(*used, kind, now), value_tiyn});
  if (over(today, limit.daily_tiyn) || over(month, limit.monthly_tiyn)) {
    return kind == LimitKind::deposit ? Result::tier_deposit_limit : Result::tier_withdrawal_limit;
  }
  return Result::ok;
}

void ClientLimits::add_movement(uint64_t client, LimitKind kind, int64_t value_tiyn, Period now) {
  QZ_ASSERT(kind == LimitKind::deposit || kind == LimitKind::withdrawal);
  QZ_ASSERT(value_tiyn >= 0);
  ClientUsage& used = usage_for(client, now);
  const size_t k = kind_index(kind);
  used.daily_tiyn[k] = sum_saturated({used.daily_tiyn[k], value_tiyn});
  used.monthly_tiyn[k] = sum_saturated({used.monthly_tiyn[k], value_tiyn});
}

Result ClientLimits::check_purchase(uint64_t client, const ClientFacts& facts, int128 commitment_tiyn,
                                    int64_t freed_tiyn, Period now, int64_t usd_rate) const {
  QZ_ASSERT(commitment_tiyn >= 0 && freed_tiyn >= 0);
  const ClientUsage* used = usage(client);
  const int64_t committed = used == nullptr ? 0 : used->committed_tiyn;
  QZ_ASSERT(freed_tiyn <= committed);
  const int128 open = static_cast<int128>(committed) - freed_tiyn + commitment_tiyn;
  const int128 today = open + (used == nullptr ? 0 : daily(*used, LimitKind::purchase, now));
  const int128 month = open + (used == nullptr ? 0 : monthly(*used, LimitKind::purchase, now));
  if (capped(facts)) {
    if (usd_rate <= 0) return Result::conversion_rate_missing;
    // The cap in tiyn, rounded down (against the client).
    const int128 cap = static_cast<int128>(cap_.usd_cents) * usd_rate / 100;
    if (month > cap) return Result::retail_purchase_limit;
  }
  const PeriodLimit limit = tier_limit(facts.kyc_tier, LimitKind::purchase);
  if ((limit.daily_tiyn != 0 && today > limit.daily_tiyn) || (limit.monthly_tiyn != 0 && month > limit.monthly_tiyn)) {
    return Result::tier_purchase_limit;
  }
  return Result::ok;
}

bool ClientLimits::can_commit(uint64_t client, int128 commitment_tiyn, int64_t freed_tiyn) const {
  const ClientUsage* used = usage(client);
  const int64_t committed = used == nullptr ? 0 : used->committed_tiyn;
  return static_cast<int128>(committed) - freed_tiyn + commitment_tiyn <= INT64_MAX;
}

void ClientLimits::commit(uint64_t client, int64_t tiyn) {
  QZ_ASSERT(tiyn > 0 && !in_group_);
  ClientUsage& used = usage_[client];
  QZ_ASSERT(checked_add(used.committed_tiyn, tiyn, &used.committed_tiyn));
}

void ClientLimits::purchased(uint64_t client, int64_t value_tiyn, int64_t from_commitment_tiyn, Period now) {
  QZ_ASSERT(value_tiyn >= 0 && from_commitment_tiyn >= 0 && !in_group_);
  ClientUsage& used = usage_for(client, now);
  QZ_ASSERT(from_commitment_tiyn <= used.committed_tiyn);
  used.committed_tiyn -= from_commitment_tiyn;
  const size_t k = kind_index(LimitKind::purchase);
  used.daily_tiyn[k] = sum_saturated({used.daily_tiyn[k], value_tiyn});
  used.monthly_tiyn[k] = sum_saturated({used.monthly_tiyn[k], value_tiyn});
}

void ClientLimits::release(uint64_t client, int64_t tiyn) {
  QZ_ASSERT(tiyn > 0 && !in_group_);
  const auto found = usage_.find(client);
  QZ_ASSERT(found != usage_.end() && found->second.committed_tiyn >= tiyn);
  found->second.committed_tiyn -= tiyn;
}

ClientUsage& ClientLimits::usage_for(uint64_t client, Period now) {
  save(client);
  ClientUsage& used = usage_[client];
  if (used.day != now.day) {
    used.day = now.day;
    used.daily_tiyn.fill(0);
  }
  if (used.month != now.month) {
    used.month = now.month;
    used.monthly_tiyn.fill(0);
  }
  return used;
}

void ClientLimits::save(uint64_t client) {
  if (!in_group_) return;
  for (const auto& saved : undo_) {
    if (saved.first == client) return;
  }
  const ClientUsage* used = usage(client);
  undo_.emplace_back(client, used == nullptr ? std::nullopt : std::optional<ClientUsage>(*used));
}

void ClientLimits::begin_group() {
  QZ_ASSERT(!in_group_);
  in_group_ = true;
  undo_.clear();
}

void ClientLimits::end_group(bool keep) {
  QZ_ASSERT(in_group_);
  in_group_ = false;
  if (!keep) {
    for (const auto& [client, before] : undo_) {
      if (before.has_value()) {
        usage_[client] = *before;
      } else {
        usage_.erase(client);
      }
    }
  }
  undo_.clear();
}

void ClientLimits::hash_into(Sha256* hasher) const {
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  write_snapshot(&out);
  hasher->update(bytes.data(), bytes.size());
}

void ClientLimits::write_snapshot(ByteWriter* out) const {
  QZ_ASSERT(!in_group_);
  for (const PeriodLimit& limit : tiers_) {
    out->i64(limit.daily_tiyn);
    out->i64(limit.monthly_tiyn);
  }
  out->i64(cap_.usd_cents);
  out->bytes(cap_.residence.data(), 2);
  out->u64(usage_.size());
  for (const auto& [client, used] : usage_) {
    out->u64(client);
    out->u64(used.day);
    out->u32(used.month);
    for (const int64_t v : used.daily_tiyn) out->i64(v);
    for (const int64_t v : used.monthly_tiyn) out->i64(v);
    out->i64(used.committed_tiyn);
  }
}

bool ClientLimits::read_snapshot(ByteReader* in) {
  QZ_ASSERT(usage_.empty());
  for (PeriodLimit& limit : tiers_) {
    limit.daily_tiyn = static_cast<int64_t>(in->u64());
    limit.monthly_tiyn = static_cast<int64_t>(in->u64());
  }
  cap_.usd_cents = static_cast<int64_t>(in->u64());
  cap_.residence[0] = static_cast<char>(in->u8());
  cap_.residence[1] = static_cast<char>(in->u8());
  const uint64_t count = in->u64();
  constexpr size_t kEntrySize = 8 + 8 + 4 + 7 * 8;
  if (!in->ok() || count > in->remaining() / kEntrySize) return false;
  uint64_t previous = 0;
  for (uint64_t i = 0; i < count; i++) {
    const uint64_t client = in->u64();
    ClientUsage used;
    used.day = in->u64();
    used.month = in->u32();
    for (int64_t& v : used.daily_tiyn) v = static_cast<int64_t>(in->u64());
    for (int64_t& v : used.monthly_tiyn) v = static_cast<int64_t>(in->u64());
    used.committed_tiyn = static_cast<int64_t>(in->u64());
    if (!in->ok() || (i > 0 && client <= previous)) return false;
    previous = client;
    usage_.emplace(client, used);
  }
  return in->ok() && check_invariants().empty();
}

std::string ClientLimits::check_invariants() const {
  for (uint8_t tier = 0; tier <= kMaxKycTier; tier++) {
    for (uint8_t k = 1; k <= kLimitKinds; k++) {
      const PeriodLimit limit = tier_limit(tier, static_cast<LimitKind>(k));
      if (limit.daily_tiyn < 0 || limit.monthly_tiyn < 0 ||
          (limit.daily_tiyn != 0 && limit.monthly_tiyn != 0 && limit.daily_tiyn > limit.monthly_tiyn)) {
        return "limits: tier " + std::to_string(tier) + " " + limit_kind_name(static_cast<LimitKind>(k)) +
               " limit is invalid";
      }
    }
  }
  if (cap_.usd_cents < 0 || (cap_.usd_cents != 0 && !country_code_valid(cap_.residence.data())) ||
      (cap_.usd_cents == 0 && (cap_.residence[0] != 0 || cap_.residence[1] != 0))) {
    return "limits: the retail cap is invalid";
  }
  for (const auto& [client, used] : usage_) {
    if (client == 0) return "limits: usage of client 0";
    for (size_t k = 0; k < kLimitKinds; k++) {
      if (used.daily_tiyn[k] < 0 || used.monthly_tiyn[k] < 0) {
        return "limits: client " + std::to_string(client) + " has a negative counter";
      }
    }
    if (used.committed_tiyn < 0) return "limits: client " + std::to_string(client) + " has a negative commitment";
  }
  return {};
}

}  // namespace qz
