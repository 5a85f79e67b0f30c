// Client limits in tenge equivalent: per-KYC-tier deposit, withdrawal and purchase limits (daily and monthly) and
// the AIFC retail cap on purchases (docs/clients.md, "Limits and the retail cap").
//
// Values are in tiyn (tenge minor units), from the journaled conversion rates (rules/rates.h), rounded up: a
// limit is never passed by rounding. Days and months are UTC calendar days and months of the block time. Each
// client's usage keeps the day and month its counters are for; a counter of a past period reads as 0 and is
// reset when next written. Purchases are buy orders: an order commits the tenge value of its cost when placed
// (checked against the limits together with the month's purchases and the client's other open commitments),
// its fills move value from the commitment to the purchases, and its end releases what is left.
//
// Deterministic: ordered maps by client id; single-threaded. Movements (deposits, withdrawals) applied inside a
// linked group are undone with the group (begin_group / end_group), like the ledger's.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/checked.h"
#include "base/result.h"
#include "base/sha256.h"
#include "rules/clients.h"

namespace qz {

enum class LimitKind : uint8_t { deposit = 1, withdrawal = 2, purchase = 3 };
inline constexpr uint8_t kLimitKinds = 3;
const char* limit_kind_name(LimitKind kind);  // "deposit"; "unknown" otherwise

// 0 = no limit for that period.
struct PeriodLimit {
  int64_t daily_tiyn = 0;
  int64_t monthly_tiyn = 0;
  bool operator==(const PeriodLimit&) const = default;
};

// The AIFC cap: a retail client resident in `residence` who has not passed the knowledge test buys at most
// usd_cents worth per calendar month. usd_cents 0 = no cap.
struct RetailCap {
  int64_t usd_cents = 0;
  std::array<char, 2> residence{};
  bool operator==(const RetailCap&) const = default;
};

// A UTC calendar day (days since 1970-01-01) and month (year * 12 + month - 1).
struct Period {
  uint64_t day = 0;
  uint32_t month = 0;
};
Period period_of(uint64_t block_time_ns);

// ceil(amount_minor * tiyn_per_unit / 10^scale); false when it does not fit in int64 or the inputs are out of
// range (amount below 0, rate 0 or below, scale above 18).
[[nodiscard]] bool tenge_value(int64_t amount_minor, uint8_t scale, int64_t tiyn_per_unit, int64_t* tiyn);
// The same, unbounded: the value always fits in 128 bits (amount and rate below 2^63). Asserts valid inputs.
int128 tenge_value_128(int64_t amount_minor, uint8_t scale, int64_t tiyn_per_unit);

struct ClientUsage {
  uint64_t day = 0;                                 // the day the daily counters are for
  uint32_t month = 0;                               // the month the monthly counters are for
  std::array<int64_t, kLimitKinds> daily_tiyn{};    // by LimitKind - 1
  std::array<int64_t, kLimitKinds> monthly_tiyn{};  // by LimitKind - 1
  int64_t committed_tiyn = 0;                       // the open buy orders' commitments
};

class ClientLimits {
 public:
  // limits_invalid: tier above 3, unknown kind, a limit below 0, or a daily limit above a monthly one (both set).
  [[nodiscard]] Result set_tier_limits(uint8_t tier, LimitKind kind, PeriodLimit limit, PeriodLimit* previous);
  // limits_invalid: a cap below 0, or a cap with a residence that is not two letters A-Z.
  [[nodiscard]] Result set_retail_cap(const RetailCap& cap, RetailCap* previous);
  PeriodLimit tier_limit(uint8_t tier, LimitKind kind) const;
  const RetailCap& retail_cap() const { return cap_; }

  // True when the AIFC cap binds this client: a cap is set, retail, resident there, knowledge test not passed.
  bool capped(const ClientFacts& facts) const;
  // True when any purchase limit binds the client (its tier's, or the cap).
  bool purchase_limited(const ClientFacts& facts) const;
  // True when the tier has a limit of this kind (deposit or withdrawal).
  bool movement_limited(uint8_t tier, LimitKind kind) const;

  // A deposit or withdrawal of `value_tiyn`: ok, or tier_deposit_limit / tier_withdrawal_limit when it would
  // pass the tier's daily or monthly limit, amount_overflow when the sum does not fit.
  [[nodiscard]] Result check_movement(uint64_t client, uint8_t tier, LimitKind kind, int64_t value_tiyn,
                                      Period now) const;
  void add_movement(uint64_t client, LimitKind kind, int64_t value_tiyn, Period now);

  // A buy order committing `commitment_tiyn` (unbounded: its value need not fit in int64), replacing
  // (cancel-replace) an order of the client that committed `freed_tiyn`: ok, conversion_rate_missing (capped and
  // no dollar rate), retail_purchase_limit (the cap, in tiyn at usd_rate tiyn per dollar), tier_purchase_limit.
  // Sums in 128 bits. Whether the commitment then fits is the caller's question (can_commit).
  [[nodiscard]] Result check_purchase(uint64_t client, const ClientFacts& facts, int128 commitment_tiyn,
                                      int64_t freed_tiyn, Period now, int64_t usd_rate) const;
  // True when the client's open commitments less freed_tiyn plus commitment_tiyn fit in int64.
  bool can_commit(uint64_t client, int128 commitment_tiyn, int64_t freed_tiyn) const;
  void commit(uint64_t client, int64_t tiyn);
  // A fill worth value_tiyn: counted as purchased today and this month; from_commitment_tiyn (<= the client's
  // committed) leaves the commitment.
  void purchased(uint64_t client, int64_t value_tiyn, int64_t from_commitment_tiyn, Period now);
  void release(uint64_t client, int64_t tiyn);

  // nullptr for a client with no usage yet.
  const ClientUsage* usage(uint64_t client) const;
  template <typename F>
  void for_each_usage(F&& f) const {  // in client id order
    for (const auto& [client, used] : usage_) f(client, used);
  }
  // What counts now: the counter if it is for `now`'s period, else 0.
  static int64_t daily(const ClientUsage& usage, LimitKind kind, Period now);
  static int64_t monthly(const ClientUsage& usage, LimitKind kind, Period now);

  // Movements between begin_group and end_group(false) are undone. Commitments and purchases are never inside
  // a group (order commands stand alone or pair with a cancel).
  void begin_group();
  void end_group(bool keep);

  void hash_into(Sha256* hasher) const;
  std::string check_invariants() const;
  // Format: 12 x (daily i64 | monthly i64) by tier then kind | cap usd_cents i64 | residence 2 bytes |
  // count u64 | per client in id order: id u64 | day u64 | month u32 | 3 x daily i64 | 3 x monthly i64 |
  // committed i64.
  void write_snapshot(ByteWriter* out) const;
  // Into an empty table; false on malformed input.
  [[nodiscard]] bool read_snapshot(ByteReader* in);

 private:
  ClientUsage& usage_for(uint64_t client, Period now);  // created when absent; counters rolled to `now`
  void save(uint64_t client);

  std::array<PeriodLimit, 4 * kLimitKinds> tiers_{};  // [tier * 3 + kind - 1]
  RetailCap cap_;
  std::map<uint64_t, ClientUsage> usage_;
  bool in_group_ = false;
  std::vector<std::pair<uint64_t, std::optional<ClientUsage>>> undo_;  // entries as they were before the group
};

}  // namespace qz
