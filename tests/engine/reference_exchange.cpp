#include "reference_exchange.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "base/assert.h"
#include "market/candles.h"

namespace qz::testing {

namespace {

constexpr uint8_t kBuy = static_cast<uint8_t>(OrderSideCode::buy);
constexpr uint8_t kSell = static_cast<uint8_t>(OrderSideCode::sell);
constexpr uint64_t kNsPerDay = 86'400'000'000'000ULL;
constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kCandleMs = 60'000;

Event blank(EventKind kind, uint32_t command_index, Result result = Result::ok) {
  Event event;
  std::memset(&event, 0, sizeof event);
  event.kind = static_cast<uint16_t>(kind);
  event.result = static_cast<uint32_t>(result);
  event.command_index = command_index;
  return event;
}

Event rejected(const Command& command, uint32_t index, Result result) {
  Event event = blank(EventKind::rejected, index, result);
  event.rejected.actor = command.actor;
  event.rejected.request_id = command.request_id;
  event.rejected.command_kind = command.kind;
  return event;
}

// Market, order, client and limit commands: alone, or (orders only) the cancel-replace pair.
bool is_market_kind(uint16_t kind) {
  return kind == 7 || (kind >= 10 && kind <= 13) || (kind >= 20 && kind <= 23) || (kind >= 30 && kind <= 36);
}

bool is_operator(const Command& c) { return c.role == static_cast<uint8_t>(Role::operator_); }

// Roles that may trade: customer, merchant, bank, operator.
bool may_trade(const Command& c) {
  const auto role = static_cast<Role>(c.role);
  return role == Role::customer || role == Role::merchant || role == Role::bank || role == Role::operator_;
}

bool may_debit(const Command& command, const ReferenceExchange::AccountState& account) {
  if (command.role == static_cast<uint8_t>(Role::operator_)) return true;
  if (account.kind == static_cast<uint8_t>(AccountKind::issuance)) return false;
  if (command.role == static_cast<uint8_t>(Role::none)) return false;
  return command.actor != 0 && command.actor == account.owner;
}

bool fits_sum(int64_t a, int64_t b, int64_t* out) {
  const int128 sum = static_cast<int128>(a) + b;
  if (sum > INT64_MAX || sum < INT64_MIN) return false;
  *out = static_cast<int64_t>(sum);
  return true;
}

OrderSide book_side(uint8_t side) { return side == kBuy ? OrderSide::buy : OrderSide::sell; }

bool letters(const char code[2]) { return code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z'; }

// A country code for text: its two bytes, each 0 shown as '-'.
std::string country(const char code[2]) { return {code[0] == 0 ? '-' : code[0], code[1] == 0 ? '-' : code[1]}; }

// The tenge value of amount_minor (>= 0) of an asset of `scale` at tiyn_per_unit (> 0) per whole unit, rounded
// up, exact (docs/clients.md: ceil(amount * rate / 10^scale)).
int128 tenge_of(int64_t amount_minor, uint8_t scale, int64_t tiyn_per_unit) {
  QZ_ASSERT(amount_minor >= 0 && tiyn_per_unit > 0 && scale <= 18);
  int128 unit = 1;
  for (uint8_t i = 0; i < scale; i++) unit *= 10;
  const int128 product = static_cast<int128>(amount_minor) * tiyn_per_unit;
  return (product + unit - 1) / unit;
}

bool fits_i64(int128 value) { return value <= INT64_MAX; }

const FeeTier& tier_for(const std::vector<FeeTier>& tiers, int64_t volume) {
  QZ_ASSERT(!tiers.empty());
  size_t at = 0;
  for (size_t i = 0; i < tiers.size(); i++) {
    if (tiers[i].min_30d_volume_quote_minor <= volume) at = i;
  }
  return tiers[at];
}

// True when a waiting stop order is triggered by `last` (0 = no trade yet: never).
bool stop_triggers(uint8_t type, uint8_t side, int64_t stop, int64_t last) {
  if (last == 0) return false;
  const bool rising = (type == static_cast<uint8_t>(OrderType::stop_loss_limit) && side == kBuy) ||
                      (type == static_cast<uint8_t>(OrderType::take_profit_limit) && side == kSell);
  return rising ? last >= stop : last <= stop;
}

}  // namespace

// ---- Readings -----------------------------------------------------------------------------------------------

namespace {

struct ReadingName {
  const char* name;
  bool ReferenceReadings::*flag;
  const char* meaning;
};
const ReadingName kReadings[] = {
    {"admin_object_zero", &ReferenceReadings::admin_object_zero,
     "R2: set_market_rules, set_market_status and set_fee_tier remember object id 0"},
    {"cancel_amend_object_zero", &ReferenceReadings::cancel_amend_object_zero,
     "R2: cancel_order and amend_order remember object id 0"},
    {"empty_cancel_all_not_found", &ReferenceReadings::empty_cancel_all_not_found,
     "R3: cancel_all with nothing open is rejected with order_not_found"},
    {"mbq_empty_skips_limit", &ReferenceReadings::mbq_empty_skips_limit,
     "R5: a market_by_quote that reaches nothing is accepted even at the market's order limit"},
    {"stops_in_rounds", &ReferenceReadings::stops_in_rounds,
     "R6: all stops the last price triggers are activated before it is read again"},
    {"fok_short_after_stp_is_self_trade", &ReferenceReadings::fok_short_after_stp_is_self_trade,
     "R9: a FOK left short after STP expired makers ends with self_trade_taker"},
    {"volume_per_market", &ReferenceReadings::volume_per_market, "R10: 30-day volumes are kept per market"},
    {"mbq_empty_at_protection", &ReferenceReadings::mbq_empty_at_protection,
     "R11: a market_by_quote reaching nothing is accepted at the protection price"},
    {"market_sell_notional_overflow", &ReferenceReadings::market_sell_notional_overflow,
     "R11: a market sell whose notional at the protection price overflows is amount_overflow"},
    {"pair_mismatch_cancel_first", &ReferenceReadings::pair_mismatch_cancel_first,
     "R12: a cancel + place pair on different markets or actors: the cancel runs, the place is unsupported"},
    {"bug_mbq_walk_before_cancel", &ReferenceReadings::bug_mbq_walk_before_cancel,
     "engine: a cancel-replace's market_by_quote walk still sees the cancelled order"},
    {"bug_mbq_empty_drops_levels", &ReferenceReadings::bug_mbq_empty_drops_levels,
     "engine: a cancel-replace whose market_by_quote reaches nothing defers the cancel's level_changed"},
    {"bug_purchase_overflow_first", &ReferenceReadings::bug_purchase_overflow_first,
     "engine: a limited client's buy whose tenge value overflows is amount_overflow before the other purchase checks"},
    {"purchase_checks_after_funds", &ReferenceReadings::purchase_checks_after_funds,
     "R17: the purchase checks come after insufficient_funds"},
};

}  // namespace

bool parse_readings(const std::string& names, ReferenceReadings* out) {
  ReferenceReadings readings = *out;
  size_t from = 0;
  while (from <= names.size()) {
    const size_t comma = std::min(names.find(',', from), names.size());
    const std::string name = names.substr(from, comma - from);
    if (!name.empty()) {
      bool known = false;
      for (const ReadingName& r : kReadings) {
        if (name == r.name) {
          readings.*(r.flag) = true;
          known = true;
        }
      }
      if (!known) return false;
    }
    from = comma + 1;
  }
  *out = readings;
  return true;
}

std::string readings_help() {
  std::string text;
  for (const ReadingName& r : kReadings) text += std::string("  ") + r.name + ": " + r.meaning + "\n";
  return text;
}

// ---- Structure ------------------------------------------------------------------------------------------------

Result reference_validate_any(const Command& command) {
  // Payload byte ranges [from, to) that the kind does not use.
  std::vector<std::pair<size_t, size_t>> unused;
  switch (command.kind) {
    case 1: unused = {{13, 40}}; break;
    case 2: unused = {{13, 40}}; break;
    case 3: unused = {{32, 40}}; break;
    case 4: break;
    case 5: unused = {{24, 40}}; break;
    case 6: unused = {{16, 40}}; break;
    case 10: break;
    case 11: break;
    case 12: unused = {{5, 8}, {16, 40}}; break;
    case 13: unused = {{6, 8}, {24, 40}}; break;
    case 20: break;
    case 21: unused = {{4, 8}, {24, 40}}; break;
    case 22: unused = {{4, 8}, {32, 40}}; break;
    case 23: unused = {{4, 40}}; break;
    case 30:
    case 31: unused = {{15, 40}}; break;
    case 32: unused = {{9, 10}, {12, 40}}; break;
    case 33: unused = {{1, 40}}; break;
    case 34: unused = {{4, 8}, {16, 40}}; break;
    case 35: unused = {{2, 8}, {24, 40}}; break;
    case 36: unused = {{10, 40}}; break;
    case 7: unused = {{4, 40}}; break;
    case 24: unused = {{1 + std::min<size_t>(command.payload[0], 36), 40}}; break;  // length, text, padding
    default: return Result::unknown_command_kind;
  }
  // Client commands' one-byte flags (knowledge test, require registered) are 0 or 1.
  if ((command.kind == 30 || command.kind == 31) && command.payload[14] > 1) return Result::reserved_field_not_zero;
  if (command.kind == 33 && command.payload[0] > 1) return Result::reserved_field_not_zero;
  if ((command.flags & ~kFlagLinked) != 0 || command.reserved != 0) return Result::reserved_field_not_zero;
  for (const auto& [from, to] : unused) {
    for (size_t i = from; i < to; i++) {
      if (command.payload[i] != 0) return Result::reserved_field_not_zero;
    }
  }
  if (command.kind == 1) {
    bool after_nul = false;
    for (size_t i = 0; i < kAssetCodeSize; i++) {
      if (after_nul && command.create_asset.code[i] != 0) return Result::reserved_field_not_zero;
      after_nul = after_nul || command.create_asset.code[i] == 0;
    }
  }
  if (command.kind == 20) {
    const PlaceOrderPayload& p = command.place_order;
    if (p.side < 1 || p.side > 2 || p.type < 1 || p.type > 6 || p.time_in_force > 4 || p.self_trade_prevention > 3) {
      return Result::order_field_invalid;
    }
  }
  if (command.kind == 24) {  // 1-36 of A-Z a-z 0-9 _ -
    const size_t length = command.payload[0];
    if (length == 0 || length > 36) return Result::client_order_id_invalid;
    for (size_t i = 1; i <= length; i++) {
      const char c = static_cast<char>(command.payload[i]);
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return Result::client_order_id_invalid;
    }
  }
  if (command.role > kMaxRole) return Result::actor_not_permitted;
  return Result::ok;
}

// ---- Queries --------------------------------------------------------------------------------------------------

uint64_t ReferenceExchange::trading_account(const State& state, uint64_t owner, uint32_t asset) {
  for (const auto& [id, account] : state.accounts) {
    if (account.owner == owner && account.asset == asset &&
        account.kind == static_cast<uint8_t>(AccountKind::customer)) {
      return id;
    }
  }
  return 0;
}

int64_t ReferenceExchange::volume(const State& state, uint64_t owner, uint32_t asset, uint64_t time_ns) {
  const auto it = state.volumes.find({owner, asset});
  if (it == state.volumes.end()) return 0;
  const uint64_t today = time_ns / kNsPerDay;
  const uint64_t first = today >= 29 ? today - 29 : 0;
  int64_t sum = 0;
  for (const auto& [day, amount] : it->second) {
    if (day < first || day > today) continue;
    if (!checked_add(sum, amount, &sum)) sum = INT64_MAX;
  }
  return sum;
}

uint32_t ReferenceExchange::month_of_day(uint64_t day) {
  // Whole years from 1970, then whole months of the year.
  const auto leap = [](uint64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; };
  uint64_t year = 1970;
  while (day >= (leap(year) ? 366u : 365u)) {
    day -= leap(year) ? 366 : 365;
    year++;
  }
  const uint64_t lengths[12] = {31, leap(year) ? 29u : 28u, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  uint32_t month = 0;
  while (day >= lengths[month]) {
    day -= lengths[month];
    month++;
  }
  return static_cast<uint32_t>(year * 12 + month);
}

int128 ReferenceExchange::used_today(const State& state, uint64_t client, uint8_t kind, uint64_t time_ns) {
  const auto it = state.used_by_day.find({client, kind, time_ns / kNsPerDay});
  return it == state.used_by_day.end() ? 0 : it->second;
}

int128 ReferenceExchange::used_this_month(const State& state, uint64_t client, uint8_t kind, uint64_t time_ns) {
  const auto it = state.used_by_month.find({client, kind, month_of_day(time_ns / kNsPerDay)});
  return it == state.used_by_month.end() ? 0 : it->second;
}

int128 ReferenceExchange::committed(const State& state, uint64_t client) {
  int128 sum = 0;
  for (const auto& [id, order] : state.orders) {
    if (order.owner == client) sum += order.commitment_tiyn;
  }
  return sum;
}

ReferenceExchange::PeriodLimitState ReferenceExchange::tier_limit(const State& state, uint8_t tier, uint8_t kind) {
  const auto it = state.tier_limits.find({tier, kind});
  return it == state.tier_limits.end() ? PeriodLimitState{} : it->second;
}

std::map<uint32_t, int128> ReferenceExchange::asset_sums() const {
  std::map<uint32_t, int128> sums;
  for (const auto& [id, asset] : state_.assets) sums[id] = 0;
  for (const auto& [id, account] : state_.accounts) sums[account.asset] += account.total_minor;
  return sums;
}

// ---- One command at work ----------------------------------------------------------------------------------------

class ReferenceExchange::Run {
 public:
  Run(State& state, ReferenceExchange& exchange, uint64_t time_ns, std::vector<Event>* out)
      : s_(state), x_(exchange), time_ns_(time_ns), out_(out), broken_promise_(&exchange.broken_promise_) {}

  Result command(const Command& c, uint32_t index, uint64_t* object_id, OrderEndReason cancel_reason);

  // One level_changed per touched (market, side, price), sorted; `index` is their command index.
  void flush_levels(uint32_t index);
  void expire_gtd();
  void close_candles();

 private:
  using Level = std::deque<uint64_t>;

  // Ledger.
  Result create_asset(const Command& c, uint32_t index, uint64_t* object_id);
  Result open_account(const Command& c, uint32_t index, uint64_t* object_id);
  Result transfer(const Command& c, uint32_t index, uint64_t* object_id);
  // Markets.
  Result create_market(const Command& c, uint32_t index, uint64_t* object_id);
  Result set_market_rules(const Command& c, uint32_t index, uint64_t* object_id);
  Result set_fee_tier(const Command& c, uint32_t index, uint64_t* object_id);
  Result set_market_status(const Command& c, uint32_t index, uint64_t* object_id);
  // Orders.
  Result place_order(const Command& c, uint32_t index, uint64_t* object_id);
  Result cancel_order(const Command& c, uint32_t index, uint64_t* object_id, OrderEndReason reason);
  Result amend_order(const Command& c, uint32_t index, uint64_t* object_id);
  Result cancel_all(const Command& c, uint32_t index, uint64_t* object_id);
  // Clients (docs/clients.md).
  Result client_facts(const Command& c, uint32_t index, uint64_t* object_id);
  Result set_client_status(const Command& c, uint32_t index, uint64_t* object_id);
  Result set_client_policy(const Command& c, uint32_t index, uint64_t* object_id);
  // Limits (docs/clients.md, "Limits and the retail cap").
  Result set_conversion_rate(const Command& c, uint32_t index, uint64_t* object_id);
  Result set_tier_limits(const Command& c, uint32_t index, uint64_t* object_id);
  Result set_retail_cap(const Command& c, uint32_t index, uint64_t* object_id);
  Result tag_order(const Command& c, uint32_t index, uint64_t* object_id);
  int64_t rate_of(uint32_t asset) const;
  bool capped(const ClientState& client) const;
  struct Movement {
    uint64_t client = 0;
    uint8_t kind = 0;  // 0 = not counted
    int64_t value_tiyn = 0;
  };
  Result check_movement(const AccountState& debit, const AccountState& credit, int64_t amount, Movement* out) const;
  void add_used(uint64_t client, uint8_t kind, int128 value_tiyn);
  Result check_purchase(uint64_t client, const MarketConfig& config, int64_t cost_minor, int64_t* commitment,
                        int64_t* rate) const;
  Result movable(uint64_t owner) const;
  Result debit_gate(const AccountState& account) const;
  uint64_t cancel_unmovable(uint64_t owner, OrderEndReason reason, uint32_t index);

  OrderState* find_order(uint32_t market, uint64_t actor, uint64_t order_id, uint64_t client_id);
  int64_t reservation(const OrderState& order, int64_t remaining) const;
  void post(uint64_t order_id, uint64_t account, uint64_t credit, int64_t amount);
  int64_t release(uint64_t order_id, int64_t amount);
  int64_t reserved(uint64_t order_id) const;
  void set_reserved_to(uint64_t order_id, int64_t target);
  Level& level(MarketState& m, uint8_t side, int64_t price);
  void unrest(OrderState& order);
  void end_order(OrderState& order, EventKind kind, OrderEndReason reason, uint32_t index);
  void run_taker(uint64_t order_id, uint32_t taker_bps, uint32_t index);
  void fill(MarketState& m, OrderState& taker, OrderState& maker, int64_t qty, uint32_t taker_bps, uint32_t index);
  void run_triggers(uint32_t market_id, uint32_t index);
  uint32_t tier_fee_cap(const MarketState& m, uint64_t owner) const;
  // Where a market's 30-day volumes are kept: its quote asset (R10), or the market itself (volume_per_market).
  uint32_t volume_slot(const MarketState& m) const {
    return x_.readings_.volume_per_market ? 0x80000000u | m.id : m.config.quote_asset;
  }
  size_t open_orders(uint32_t market) const;
  void touch(uint32_t market, uint8_t side, int64_t price) { touched_.insert({market, side, price}); }

  State& s_;
  const ReferenceExchange& x_;
  uint64_t time_ns_;
  std::vector<Event>* out_;
  std::string* broken_promise_;
  std::set<std::tuple<uint32_t, uint8_t, int64_t>> touched_;
  // bug_mbq_empty_drops_levels: whether this command's handler ends with the level changes; the others leave
  // what they touched for the next one that does.
  bool flushes_ = false;

 public:
  const State* before_group_ = nullptr;  // the state before a cancel-replace (bug_mbq_walk_before_cancel)
};

Result ReferenceExchange::Run::command(const Command& c, uint32_t index, uint64_t* object_id,
                                       OrderEndReason cancel_reason) {
  const Result structural = reference_validate_any(c);
  if (structural != Result::ok) return structural;
  flushes_ = c.kind >= 20 || (c.kind == 12 && c.set_market_status.status == 3);
  switch (c.kind) {
    case 1: return create_asset(c, index, object_id);
    case 2: return open_account(c, index, object_id);
    case 3: return transfer(c, index, object_id);
    case 10: return create_market(c, index, object_id);
    case 11: return set_market_rules(c, index, object_id);
    case 12: return set_market_status(c, index, object_id);
    case 13: return set_fee_tier(c, index, object_id);
    case 20: return place_order(c, index, object_id);
    case 21: return cancel_order(c, index, object_id, cancel_reason);
    case 22: return amend_order(c, index, object_id);
    case 23: return cancel_all(c, index, object_id);
    case 30:
    case 31: flushes_ = true; return client_facts(c, index, object_id);
    case 32: flushes_ = true; return set_client_status(c, index, object_id);
    case 33: flushes_ = true; return set_client_policy(c, index, object_id);
    case 34: return set_conversion_rate(c, index, object_id);
    case 35: return set_tier_limits(c, index, object_id);
    case 36: return set_retail_cap(c, index, object_id);
    case 24: return tag_order(c, index, object_id);
    case 7: {
      if (!is_operator(c)) return Result::actor_not_permitted;
      const uint32_t version = c.set_engine_rules.version;
      if (version <= s_.rules_version || version > 2) return Result::engine_rules_invalid;
      Event event = blank(EventKind::engine_rules_set, index);
      event.engine_rules_set.version = version;
      event.engine_rules_set.previous_version = s_.rules_version;
      out_->push_back(event);
      s_.rules_version = version;
      return Result::ok;
    }
    default: break;
  }
  QZ_ASSERT_MSG(false, "the reference exchange does not model ledger hold commands");
  return Result::unknown_command_kind;
}

// ---- Ledger commands (what the streams send) ------------------------------------------------------------------

Result ReferenceExchange::Run::create_asset(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.create_asset;
  if (!is_operator(c)) return Result::actor_not_permitted;
  std::string code;
  for (size_t i = 0; i < kAssetCodeSize && p.code[i] != 0; i++) code.push_back(p.code[i]);
  if (!asset_code_valid(code)) return Result::asset_code_invalid;
  if (p.scale > 18) return Result::asset_scale_invalid;
  for (const auto& [id, asset] : s_.assets) {
    if (asset.code == code) return Result::asset_exists;
  }
  if (s_.assets.size() >= x_.ledger_limits_.max_assets) return Result::asset_limit_reached;
  const auto id = static_cast<uint32_t>(s_.assets.size() + 1);
  s_.assets[id] = AssetState{.code = code, .scale = p.scale};
  Event event = blank(EventKind::asset_created, index);
  event.asset_created.asset = id;
  event.asset_created.scale = p.scale;
  std::memcpy(event.asset_created.code, code.data(), code.size());
  out_->push_back(event);
  *object_id = id;
  return Result::ok;
}

Result ReferenceExchange::Run::open_account(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.open_account;
  if (!is_operator(c)) return Result::actor_not_permitted;
  if (p.kind < 1 || p.kind > 5) return Result::account_kind_invalid;
  if (s_.assets.count(p.asset) == 0) return Result::asset_not_found;
  if (s_.accounts.size() >= x_.ledger_limits_.max_accounts) return Result::account_limit_reached;
  const uint64_t id = s_.accounts.size() + 1;
  s_.accounts[id] = AccountState{.owner = p.owner, .asset = p.asset, .kind = p.kind};
  Event event = blank(EventKind::account_opened, index);
  event.account_opened.account = id;
  event.account_opened.owner = p.owner;
  event.account_opened.asset = p.asset;
  event.account_opened.kind = p.kind;
  out_->push_back(event);
  *object_id = id;
  return Result::ok;
}

Result ReferenceExchange::Run::transfer(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.transfer;
  if (p.amount_minor <= 0) return Result::amount_must_be_positive;
  if (p.debit == p.credit) return Result::accounts_must_differ;
  auto debit = s_.accounts.find(p.debit);
  if (debit == s_.accounts.end()) return Result::debit_account_not_found;
  auto credit = s_.accounts.find(p.credit);
  if (credit == s_.accounts.end()) return Result::credit_account_not_found;
  if (debit->second.asset != credit->second.asset) return Result::asset_mismatch;
  Movement movement;  // deposits and withdrawals: before the ledger's own checks (docs/clients.md)
  if (const Result limit = check_movement(debit->second, credit->second, p.amount_minor, &movement);
      limit != Result::ok) {
    return limit;
  }
  if (!may_debit(c, debit->second)) return Result::debit_not_permitted;
  if (const Result gate = debit_gate(debit->second); gate != Result::ok) return gate;
  const bool issuance = debit->second.kind == static_cast<uint8_t>(AccountKind::issuance);
  if (!issuance && debit->second.total_minor - debit->second.locked_minor < p.amount_minor) {
    return Result::insufficient_funds;
  }
  int64_t debit_after = 0;
  int64_t credit_after = 0;
  if (!fits_sum(debit->second.total_minor, -p.amount_minor, &debit_after)) return Result::balance_overflow;
  if (!fits_sum(credit->second.total_minor, p.amount_minor, &credit_after)) return Result::balance_overflow;
  debit->second.total_minor = debit_after;
  credit->second.total_minor = credit_after;
  if (movement.kind != 0) add_used(movement.client, movement.kind, movement.value_tiyn);
  const uint64_t id = s_.next_transfer_id++;
  Event event = blank(EventKind::transfer_posted, index);
  event.transfer_posted = TransferPostedPayload{.transfer = id,
                                                .debit = p.debit,
                                                .credit = p.credit,
                                                .amount_minor = p.amount_minor,
                                                .debit_balance_after = debit_after,
                                                .credit_balance_after = credit_after};
  out_->push_back(event);
  *object_id = id;
  return Result::ok;
}

// ---- Clients (docs/clients.md) -----------------------------------------------------------------------------

Result ReferenceExchange::Run::movable(uint64_t owner) const {
  const auto client = s_.clients.find(owner);
  if (client == s_.clients.end() || owner == 0) {
    return s_.require_registered ? Result::client_not_registered : Result::ok;
  }
  switch (client->second.status) {
    case 1: return Result::client_pending;
    case 2: return Result::ok;
    case 3: return Result::client_frozen;
    default: return Result::client_offboarded;
  }
}

// A customer account is its owner's; another kind is a client's only when its owner is a registered client.
Result ReferenceExchange::Run::debit_gate(const AccountState& account) const {
  if (account.kind == static_cast<uint8_t>(AccountKind::customer)) return movable(account.owner);
  return s_.clients.count(account.owner) != 0 && account.owner != 0 ? movable(account.owner) : Result::ok;
}

// Every open order (of `owner`, or of anyone when 0) whose owner may not move money: cancelled, id order.
uint64_t ReferenceExchange::Run::cancel_unmovable(uint64_t owner, OrderEndReason reason, uint32_t index) {
  std::vector<uint64_t> ids;
  for (const auto& [id, order] : s_.orders) {
    if ((owner == 0 || order.owner == owner) && movable(order.owner) != Result::ok) ids.push_back(id);
  }
  for (const uint64_t id : ids) end_order(s_.orders.at(id), EventKind::order_cancelled, reason, index);
  return ids.size();
}

Result ReferenceExchange::Run::client_facts(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.client_facts;
  const bool registering = c.kind == 30;
  if (!is_operator(c) && c.role != static_cast<uint8_t>(Role::compliance)) return Result::actor_not_permitted;
  if (p.client == 0) return Result::client_id_invalid;
  const auto letter = [](char x) { return x >= 'A' && x <= 'Z'; };
  if (p.classification < 1 || p.classification > 2 || p.kyc_tier > 3 || !letter(p.residence[0]) ||
      !letter(p.residence[1]) || !letter(p.nationality[0]) || !letter(p.nationality[1])) {
    return Result::client_facts_invalid;
  }
  const auto existing = s_.clients.find(p.client);
  if (registering && existing != s_.clients.end()) return Result::client_exists;
  if (!registering && existing == s_.clients.end()) return Result::client_not_found;
  if (!registering && existing->second.status == 4) return Result::client_offboarded;
  ClientState& client = s_.clients[p.client];
  client.classification = p.classification;
  client.tier = p.kyc_tier;
  std::memcpy(client.residence, p.residence, 2);
  std::memcpy(client.nationality, p.nationality, 2);
  client.knowledge_test = p.knowledge_test;
  const size_t at = out_->size();
  Event event = blank(registering ? EventKind::client_registered : EventKind::client_updated, index);
  event.client_facts.client = p.client;
  event.client_facts.classification = p.classification;
  event.client_facts.kyc_tier = p.kyc_tier;
  std::memcpy(event.client_facts.residence, p.residence, 2);
  std::memcpy(event.client_facts.nationality, p.nationality, 2);
  event.client_facts.knowledge_test = p.knowledge_test;
  event.client_facts.status = client.status;
  out_->push_back(event);
  if (registering) {
    (*out_)[at].client_facts.orders_cancelled = cancel_unmovable(p.client, OrderEndReason::client_not_active, index);
  }
  *object_id = p.client;
  return Result::ok;
}

Result ReferenceExchange::Run::set_client_status(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.set_client_status;
  if (!is_operator(c) && c.role != static_cast<uint8_t>(Role::compliance)) return Result::actor_not_permitted;
  if (p.client == 0) return Result::client_id_invalid;
  // The reasons each status accepts (docs/clients.md).
  static const std::map<uint8_t, std::set<uint16_t>> kFits = {{2, {2, 6}}, {3, {3, 4, 5}}, {4, {4, 5, 7, 8, 9}}};
  const auto fits = kFits.find(p.status);
  if (fits == kFits.end() || fits->second.count(p.reason) == 0) return Result::client_status_invalid;
  const auto found = s_.clients.find(p.client);
  if (found == s_.clients.end()) return Result::client_not_found;
  ClientState& client = found->second;
  if (client.status == 4) return Result::client_offboarded;
  if (client.status == p.status && client.reason == p.reason) return Result::client_status_unchanged;
  const uint8_t previous = client.status;
  client.status = p.status;
  client.reason = p.reason;
  const size_t at = out_->size();
  Event event = blank(EventKind::client_status_changed, index);
  event.client_status_changed.client = p.client;
  event.client_status_changed.status = p.status;
  event.client_status_changed.previous_status = previous;
  event.client_status_changed.reason = p.reason;
  out_->push_back(event);
  if (p.status == 3 || p.status == 4) {
    (*out_)[at].client_status_changed.orders_cancelled = cancel_unmovable(
        p.client, p.status == 3 ? OrderEndReason::client_frozen : OrderEndReason::client_offboarded, index);
  }
  *object_id = p.client;
  return Result::ok;
}

Result ReferenceExchange::Run::set_client_policy(const Command& c, uint32_t index, uint64_t* object_id) {
  if (!is_operator(c)) return Result::actor_not_permitted;
  s_.require_registered = c.set_client_policy.require_registered == 1;
  const size_t at = out_->size();
  Event event = blank(EventKind::client_policy_set, index);
  event.client_policy_set.require_registered = c.set_client_policy.require_registered;
  out_->push_back(event);
  (*out_)[at].client_policy_set.orders_cancelled = cancel_unmovable(0, OrderEndReason::client_not_active, index);
  *object_id = 0;
  return Result::ok;
}

// ---- Limits (docs/clients.md, "Limits and the retail cap") -------------------------------------------------

int64_t ReferenceExchange::Run::rate_of(uint32_t asset) const {
  const auto it = s_.rates.find(asset);
  return it == s_.rates.end() ? 0 : it->second;
}

// A registered retail client resident where the cap applies who has not passed the knowledge test.
bool ReferenceExchange::Run::capped(const ClientState& client) const {
  return s_.cap_usd_cents != 0 && client.classification == 1 && client.knowledge_test == 0 &&
         client.residence[0] == s_.cap_residence[0] && client.residence[1] == s_.cap_residence[1];
}

void ReferenceExchange::Run::add_used(uint64_t client, uint8_t kind, int128 value_tiyn) {
  QZ_ASSERT(value_tiyn >= 0 && kind >= 1 && kind <= 3);
  const uint64_t day = time_ns_ / kNsPerDay;
  s_.used_by_day[{client, kind, day}] += value_tiyn;
  s_.used_by_month[{client, kind, month_of_day(day)}] += value_tiyn;
}

// A deposit (custody or issuance -> a customer account) or withdrawal (the reverse) of a registered client whose
// tier limits that kind (R18): conversion_rate_missing, amount_overflow, tier_deposit_limit /
// tier_withdrawal_limit. out->kind stays 0 when the move is not counted.
Result ReferenceExchange::Run::check_movement(const AccountState& debit, const AccountState& credit, int64_t amount,
                                             Movement* out) const {
  const auto venue = [](const AccountState& account) {
    return account.kind == static_cast<uint8_t>(AccountKind::custody) ||
           account.kind == static_cast<uint8_t>(AccountKind::issuance);
  };
  const auto customer = [](const AccountState& account) {
    return account.kind == static_cast<uint8_t>(AccountKind::customer);
  };
  uint64_t client = 0;
  uint8_t kind = 0;
  if (customer(credit) && venue(debit)) {
    client = credit.owner;
    kind = kDeposit;
  } else if (customer(debit) && venue(credit)) {
    client = debit.owner;
    kind = kWithdrawal;
  } else {
    return Result::ok;
  }
  const auto found = s_.clients.find(client);
  if (client == 0 || found == s_.clients.end()) return Result::ok;
  const PeriodLimitState limit = tier_limit(s_, found->second.tier, kind);
  if (limit.daily_tiyn == 0 && limit.monthly_tiyn == 0) return Result::ok;
  const int64_t rate = rate_of(debit.asset);
  if (rate == 0) return Result::conversion_rate_missing;
  const int128 value = tenge_of(amount, s_.assets.at(debit.asset).scale, rate);
  if (!fits_i64(value)) return Result::amount_overflow;
  const int128 today = used_today(s_, client, kind, time_ns_) + value;
  const int128 month = used_this_month(s_, client, kind, time_ns_) + value;
  if ((limit.daily_tiyn != 0 && today > limit.daily_tiyn) || (limit.monthly_tiyn != 0 && month > limit.monthly_tiyn)) {
    return kind == kDeposit ? Result::tier_deposit_limit : Result::tier_withdrawal_limit;
  }
  *out = Movement{.client = client, .kind = kind, .value_tiyn = static_cast<int64_t>(value)};
  return Result::ok;
}

// A registered client's buy costing at most cost_minor (> 0) of the quote asset, without the fee. Sets what it
// commits and the rate it keeps (both 0: not counted). For a client a purchase limit binds: the checks in the
// spec's order (conversion_rate_missing, retail_purchase_limit, tier_purchase_limit, amount_overflow) against the
// month's (or today's) purchases + the open commitments + this order's.
Result ReferenceExchange::Run::check_purchase(uint64_t client, const MarketConfig& config, int64_t cost_minor,
                                             int64_t* commitment, int64_t* rate) const {
  QZ_ASSERT(cost_minor > 0);
  *commitment = 0;
  *rate = 0;
  const ClientState& facts = s_.clients.at(client);
  const PeriodLimitState limit = tier_limit(s_, facts.tier, kPurchase);
  const bool is_capped = capped(facts);
  const bool limited = is_capped || limit.daily_tiyn != 0 || limit.monthly_tiyn != 0;
  const int64_t quote_rate = rate_of(config.quote_asset);
  if (quote_rate == 0) return limited ? Result::conversion_rate_missing : Result::ok;
  const int128 value = tenge_of(cost_minor, config.quote_scale, quote_rate);
  // The commitment must fit, and so must the client's open commitments with it.
  const bool fits = fits_i64(value) && fits_i64(committed(s_, client) + value);
  if (limited) {
    if (x_.readings_.bug_purchase_overflow_first && !fits_i64(value)) return Result::amount_overflow;
    const int64_t usd_rate = rate_of(0);
    if (is_capped && usd_rate == 0) return Result::conversion_rate_missing;
    const int128 open = committed(s_, client);
    const int128 month = used_this_month(s_, client, kPurchase, time_ns_) + open + value;
    const int128 today = used_today(s_, client, kPurchase, time_ns_) + open + value;
    if (is_capped && month > static_cast<int128>(s_.cap_usd_cents) * usd_rate / 100) {
      return Result::retail_purchase_limit;
    }
    if ((limit.daily_tiyn != 0 && today > limit.daily_tiyn) ||
        (limit.monthly_tiyn != 0 && month > limit.monthly_tiyn)) {
      return Result::tier_purchase_limit;
    }
    if (!fits) return Result::amount_overflow;
  }
  if (fits) {  // an unlimited client's buy that cannot be valued is not counted
    *commitment = static_cast<int64_t>(value);
    *rate = quote_rate;
  }
  return Result::ok;
}

Result ReferenceExchange::Run::set_conversion_rate(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.set_conversion_rate;
  if (!is_operator(c)) return Result::actor_not_permitted;
  if (p.asset != 0 && s_.assets.count(p.asset) == 0) return Result::asset_not_found;
  if (p.tiyn_per_unit <= 0) return Result::conversion_rate_invalid;
  Event event = blank(EventKind::conversion_rate_set, index);
  event.conversion_rate_set.asset = p.asset;
  event.conversion_rate_set.tiyn_per_unit = p.tiyn_per_unit;
  event.conversion_rate_set.previous_tiyn_per_unit = rate_of(p.asset);
  out_->push_back(event);
  s_.rates[p.asset] = p.tiyn_per_unit;
  *object_id = p.asset;  // R19
  return Result::ok;
}

Result ReferenceExchange::Run::set_tier_limits(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.set_tier_limits;
  if (!is_operator(c)) return Result::actor_not_permitted;
  if (p.tier > 3 || p.limit_kind < 1 || p.limit_kind > 3 || p.daily_tiyn < 0 || p.monthly_tiyn < 0 ||
      (p.daily_tiyn != 0 && p.monthly_tiyn != 0 && p.daily_tiyn > p.monthly_tiyn)) {
    return Result::limits_invalid;
  }
  const PeriodLimitState before = tier_limit(s_, p.tier, p.limit_kind);
  Event event = blank(EventKind::tier_limits_set, index);
  event.tier_limits_set.tier = p.tier;
  event.tier_limits_set.limit_kind = p.limit_kind;
  event.tier_limits_set.daily_tiyn = p.daily_tiyn;
  event.tier_limits_set.monthly_tiyn = p.monthly_tiyn;
  event.tier_limits_set.previous_daily_tiyn = before.daily_tiyn;
  event.tier_limits_set.previous_monthly_tiyn = before.monthly_tiyn;
  out_->push_back(event);
  s_.tier_limits[{p.tier, p.limit_kind}] = PeriodLimitState{.daily_tiyn = p.daily_tiyn, .monthly_tiyn = p.monthly_tiyn};
  *object_id = p.tier;  // R19
  return Result::ok;
}

Result ReferenceExchange::Run::set_retail_cap(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.set_retail_cap;
  if (!is_operator(c)) return Result::actor_not_permitted;
  const bool no_residence = p.residence[0] == 0 && p.residence[1] == 0;
  if (p.usd_cents < 0 || (p.usd_cents != 0 && !letters(p.residence)) || (p.usd_cents == 0 && !no_residence)) {
    return Result::limits_invalid;
  }
  Event event = blank(EventKind::retail_cap_set, index);
  event.retail_cap_set.usd_cents = p.usd_cents;
  std::memcpy(event.retail_cap_set.residence, p.residence, 2);
  std::memcpy(event.retail_cap_set.previous_residence, s_.cap_residence, 2);
  event.retail_cap_set.previous_usd_cents = s_.cap_usd_cents;
  out_->push_back(event);
  s_.cap_usd_cents = p.usd_cents;
  std::memcpy(s_.cap_residence, p.residence, 2);
  *object_id = 0;  // R19
  return Result::ok;
}

// The text of a client order id: checked (structure above), answered, nothing kept.
Result ReferenceExchange::Run::tag_order(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto role = static_cast<Role>(c.role);
  if (role != Role::customer && role != Role::merchant && role != Role::bank && role != Role::operator_) {
    return Result::actor_not_permitted;
  }
  Event event = blank(EventKind::order_tagged, index);
  event.order_tagged.actor = c.actor;
  event.order_tagged.length = c.payload[0];
  std::memcpy(event.order_tagged.text, c.payload + 1, 36);
  out_->push_back(event);
  *object_id = 0;
  return Result::ok;
}

// ---- Market commands ------------------------------------------------------------------------------------------

Result ReferenceExchange::Run::create_market(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.create_market;
  if (!is_operator(c)) return Result::actor_not_permitted;
  const auto base = s_.assets.find(p.base);
  const auto quote = s_.assets.find(p.quote);
  if (base == s_.assets.end() || quote == s_.assets.end()) return Result::market_assets_invalid;
  MarketConfig config;
  config.base_asset = p.base;
  config.quote_asset = p.quote;
  config.base_scale = base->second.scale;
  config.quote_scale = quote->second.scale;
  config.tick_size = p.tick_size;
  config.lot_step = p.lot_step;
  config.min_qty = p.min_qty;
  config.max_qty = p.max_qty;
  config.status = MarketStatus::halted;
  const Result valid = validate_market_config(config);
  if (valid != Result::ok) return valid;
  if (s_.markets.size() >= x_.market_limits_.max_markets) return Result::market_limit_reached;
  const auto id = static_cast<uint32_t>(s_.markets.size() + 1);
  MarketState& m = s_.markets[id];
  m.id = id;
  m.config = config;
  m.tiers = {FeeTier{}};
  Event event = blank(EventKind::market_created, index);
  event.market_created = MarketCreatedPayload{.market = id,
                                              .base = p.base,
                                              .quote = p.quote,
                                              .zero = 0,
                                              .tick_size = p.tick_size,
                                              .lot_step = p.lot_step,
                                              .min_qty = p.min_qty,
                                              .max_qty = p.max_qty};
  out_->push_back(event);
  *object_id = id;  // R2
  return Result::ok;
}

Result ReferenceExchange::Run::set_market_rules(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.set_market_rules;
  if (!is_operator(c)) return Result::actor_not_permitted;
  auto it = s_.markets.find(p.market);
  if (it == s_.markets.end()) return Result::market_not_found;
  MarketState& m = it->second;
  if (m.config.status == MarketStatus::closed) return Result::market_closed;
  if (p.min_notional < 0) return Result::market_qty_limits_invalid;
  MarketConfig config = m.config;
  config.band_bps = p.band_bps;
  config.min_notional = p.min_notional;
  config.maker_fee_bps = p.maker_fee_bps;
  config.taker_fee_bps = p.taker_fee_bps;
  const Result valid = validate_market_config(config);
  if (valid != Result::ok) return valid;
  std::vector<FeeTier> tiers = m.tiers;
  tiers[0].maker_bps = p.maker_fee_bps;
  tiers[0].taker_bps = p.taker_fee_bps;
  if (FeeSchedule::check(tiers) != FeeScheduleFault::none) return Result::fee_tiers_invalid;
  const auto fee_account_ok = [&](uint64_t id, uint32_t asset) {
    const auto account = s_.accounts.find(id);
    return account != s_.accounts.end() && account->second.kind == static_cast<uint8_t>(AccountKind::fee_income) &&
           account->second.asset == asset;
  };
  if (!fee_account_ok(p.fee_account_base, config.base_asset) ||
      !fee_account_ok(p.fee_account_quote, config.quote_asset)) {
    return Result::market_fee_accounts_invalid;
  }
  m.config = config;
  m.tiers = tiers;
  m.fee_account_base = p.fee_account_base;
  m.fee_account_quote = p.fee_account_quote;
  Event event = blank(EventKind::market_rules_set, index);
  event.market_rules_set.market = p.market;
  event.market_rules_set.band_bps = p.band_bps;
  event.market_rules_set.maker_fee_bps = p.maker_fee_bps;
  event.market_rules_set.taker_fee_bps = p.taker_fee_bps;
  event.market_rules_set.min_notional = p.min_notional;
  event.market_rules_set.fee_account_base = p.fee_account_base;
  event.market_rules_set.fee_account_quote = p.fee_account_quote;
  out_->push_back(event);
  *object_id = x_.readings_.admin_object_zero ? 0 : p.market;  // R2
  return Result::ok;
}

Result ReferenceExchange::Run::set_fee_tier(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.set_fee_tier;
  if (!is_operator(c)) return Result::actor_not_permitted;
  auto it = s_.markets.find(p.market);
  if (it == s_.markets.end()) return Result::market_not_found;
  MarketState& m = it->second;
  if (m.config.status == MarketStatus::closed) return Result::market_closed;
  if (p.index >= p.count || p.count > FeeSchedule::kMaxTiers || p.count > m.tiers.size() + 1) {
    return Result::fee_tiers_invalid;
  }
  std::vector<FeeTier> tiers = m.tiers;
  tiers.resize(p.count);  // R13: a new tier other than the one set is all zero
  tiers[p.index] = FeeTier{.min_30d_volume_quote_minor = p.min_30d_volume_quote_minor,
                           .maker_bps = p.maker_fee_bps,
                           .taker_bps = p.taker_fee_bps};
  const FeeScheduleFault fault = FeeSchedule::check(tiers);
  if (fault == FeeScheduleFault::fee_above_maximum) return Result::market_fee_invalid;
  if (fault != FeeScheduleFault::none) return Result::fee_tiers_invalid;
  m.tiers = tiers;
  m.config.maker_fee_bps = tiers[0].maker_bps;
  m.config.taker_fee_bps = tiers[0].taker_bps;
  Event event = blank(EventKind::fee_tier_set, index);
  event.fee_tier_set.market = p.market;
  event.fee_tier_set.index = p.index;
  event.fee_tier_set.count = p.count;
  event.fee_tier_set.min_30d_volume_quote_minor = p.min_30d_volume_quote_minor;
  event.fee_tier_set.maker_fee_bps = p.maker_fee_bps;
  event.fee_tier_set.taker_fee_bps = p.taker_fee_bps;
  out_->push_back(event);
  *object_id = x_.readings_.admin_object_zero ? 0 : p.market;  // R2
  return Result::ok;
}

Result ReferenceExchange::Run::set_market_status(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.set_market_status;
  if (!is_operator(c)) return Result::actor_not_permitted;
  auto it = s_.markets.find(p.market);
  if (it == s_.markets.end()) return Result::market_not_found;
  MarketState& m = it->second;
  if (p.status < 1 || p.status > 3 || m.config.status == MarketStatus::closed) return Result::market_status_invalid;
  if (p.status == static_cast<uint8_t>(MarketStatus::trading) && m.fee_account_base == 0) {
    return Result::market_not_ready;
  }
  if (p.reference_price_minor < 0 || p.reference_price_minor % m.config.tick_size != 0) {
    return Result::price_not_on_tick;
  }
  const auto previous = static_cast<uint8_t>(m.config.status);
  m.config.status = static_cast<MarketStatus>(p.status);
  if (p.reference_price_minor != 0) m.reference_minor = p.reference_price_minor;
  std::vector<uint64_t> to_cancel;
  if (m.config.status == MarketStatus::closed) {
    for (const auto& [id, order] : s_.orders) {
      if (order.market == p.market) to_cancel.push_back(id);
    }
  }
  Event event = blank(EventKind::market_status_changed, index);
  event.market_status_changed.market = p.market;
  event.market_status_changed.status = p.status;
  event.market_status_changed.previous_status = previous;
  event.market_status_changed.reference_price_minor = m.reference_minor;
  event.market_status_changed.orders_cancelled = to_cancel.size();
  out_->push_back(event);
  for (uint64_t id : to_cancel) {
    end_order(s_.orders.at(id), EventKind::order_cancelled, OrderEndReason::market_closed, index);
  }
  *object_id = x_.readings_.admin_object_zero ? 0 : p.market;  // R2
  return Result::ok;
}

// ---- Orders: helpers ------------------------------------------------------------------------------------------

uint32_t ReferenceExchange::Run::tier_fee_cap(const MarketState& m, uint64_t owner) const {
  const FeeTier& tier = tier_for(m.tiers, volume(s_, owner, volume_slot(m), time_ns_));
  return std::max(tier.maker_bps, tier.taker_bps);
}

size_t ReferenceExchange::Run::open_orders(uint32_t market) const {
  size_t count = 0;
  for (const auto& [id, order] : s_.orders) count += order.market == market ? 1 : 0;
  return count;
}

// What an open limit-priced order with `remaining` must reserve (docs/markets.md), with its own fee cap.
int64_t ReferenceExchange::Run::reservation(const OrderState& order, int64_t remaining) const {
  if (remaining == 0) return 0;
  int64_t reserve = 0;
  const bool ok = limit_reservation(s_.markets.at(order.market).config, book_side(order.side), order.price_minor,
                                    remaining, order.fee_cap_bps, &reserve);
  QZ_ASSERT_MSG(ok, "reservation of an accepted order overflowed");
  return reserve;
}

int64_t ReferenceExchange::Run::reserved(uint64_t order_id) const {
  const auto it = s_.reservations.find(order_id);
  return it == s_.reservations.end() ? 0 : it->second.remaining_minor;
}

// Moves `amount` out of an order's reservation to `credit`: one ledger transfer, unless it is 0 or goes back
// into the reserved account itself (a self-trade), which only unlocks (R1).
void ReferenceExchange::Run::post(uint64_t order_id, uint64_t account, uint64_t credit, int64_t amount) {
  QZ_ASSERT(amount >= 0);
  if (amount == 0) return;
  if (s_.reservations.count(order_id) == 0 || s_.reservations.at(order_id).remaining_minor < amount) {
    // The spec's walk (or its reading) let a fill cost more than the reservation (R16): note it, and let the
    // shortfall come from the account so that the model can go on to the end of the block.
    ReservationState& r = s_.reservations[order_id];
    r.account = account;
    if (broken_promise_->empty()) {
      *broken_promise_ = "a fill posts " + std::to_string(amount) + " for order " + std::to_string(order_id) +
                         ", which reserved only " + std::to_string(r.remaining_minor);
    }
    s_.accounts.at(account).locked_minor += amount - r.remaining_minor;
    r.remaining_minor = amount;
  }
  ReservationState& r = s_.reservations.at(order_id);
  QZ_ASSERT_EQ(r.account, account);
  AccountState& debit = s_.accounts.at(r.account);
  r.remaining_minor -= amount;
  debit.locked_minor -= amount;
  if (credit != r.account) {
    AccountState& to = s_.accounts.at(credit);
    QZ_ASSERT_EQ(to.asset, debit.asset);
    debit.total_minor -= amount;
    to.total_minor += amount;
    s_.next_transfer_id++;
  }
  if (r.remaining_minor == 0) s_.reservations.erase(order_id);
}

// Unlocks `amount` of an order's reservation; the reservation is gone at 0. Returns what was unlocked.
int64_t ReferenceExchange::Run::release(uint64_t order_id, int64_t amount) {
  QZ_ASSERT(amount >= 0);
  if (amount == 0) return 0;
  ReservationState& r = s_.reservations.at(order_id);
  QZ_ASSERT_GE(r.remaining_minor, amount);
  r.remaining_minor -= amount;
  s_.accounts.at(r.account).locked_minor -= amount;
  if (r.remaining_minor == 0) s_.reservations.erase(order_id);
  return amount;
}

void ReferenceExchange::Run::set_reserved_to(uint64_t order_id, int64_t target) {
  const int64_t now = reserved(order_id);
  QZ_ASSERT_MSG(now >= target, "a reservation would have to grow");
  release(order_id, now - target);
}

ReferenceExchange::Run::Level& ReferenceExchange::Run::level(MarketState& m, uint8_t side, int64_t price) {
  return side == kBuy ? m.bids[price] : m.asks[price];
}

// Takes a resting order off its level.
void ReferenceExchange::Run::unrest(OrderState& order) {
  QZ_ASSERT(order.resting);
  MarketState& m = s_.markets.at(order.market);
  Level& queue = level(m, order.side, order.price_minor);
  const auto at = std::find(queue.begin(), queue.end(), order.id);
  QZ_ASSERT(at != queue.end());
  queue.erase(at);
  if (queue.empty()) {
    if (order.side == kBuy) {
      m.bids.erase(order.price_minor);
    } else {
      m.asks.erase(order.price_minor);
    }
  }
  touch(order.market, order.side, order.price_minor);
  order.resting = false;
}

// An open order ends unfilled: off the book, its reservation unlocked whole, one event, gone.
void ReferenceExchange::Run::end_order(OrderState& order, EventKind kind, OrderEndReason reason, uint32_t index) {
  if (order.resting) unrest(order);
  const int64_t released = release(order.id, reserved(order.id));
  Event event = blank(kind, index);
  event.order_ended.order = order.id;
  event.order_ended.market = order.market;
  event.order_ended.reason = static_cast<uint8_t>(reason);
  event.order_ended.remaining_qty_minor = order.remaining_minor();
  event.order_ended.executed_qty_minor = order.executed_minor;
  event.order_ended.released_minor = released;
  event.order_ended.account = order.spend_account;
  out_->push_back(event);
  s_.orders.erase(order.id);
}

ReferenceExchange::OrderState* ReferenceExchange::Run::find_order(uint32_t market, uint64_t actor, uint64_t order_id,
                                                                  uint64_t client_id) {
  for (auto& [id, order] : s_.orders) {
    if (order.market != market || order.owner != actor) continue;
    if (order_id != 0 ? id == order_id : (client_id != 0 && order.client_id == client_id)) return &order;
  }
  return nullptr;
}

void ReferenceExchange::Run::flush_levels(uint32_t index) {
  if (x_.readings_.bug_mbq_empty_drops_levels && !flushes_) {
    s_.carried_levels.insert(touched_.begin(), touched_.end());
    touched_.clear();
    return;
  }
  flushes_ = false;
  touched_.insert(s_.carried_levels.begin(), s_.carried_levels.end());
  s_.carried_levels.clear();
  for (const auto& [market, side, touched_price] : touched_) {
    const int64_t price = touched_price;  // a plain copy: lambdas may not capture structured bindings (clang 14)
    MarketState& m = s_.markets.at(market);
    int64_t total = 0;
    uint32_t count = 0;
    const auto add_up = [&](const auto& book) {
      const auto at = book.find(price);
      if (at == book.end()) return;
      for (uint64_t id : at->second) {
        total += s_.orders.at(id).visible_minor;
        count++;
      }
    };
    if (side == kBuy) {
      add_up(m.bids);
    } else {
      add_up(m.asks);
    }
    Event event = blank(EventKind::level_changed, index);
    event.level_changed.market = market;
    event.level_changed.side = side;
    event.level_changed.update_id = ++m.update_id;
    event.level_changed.price_minor = price;
    event.level_changed.total_qty_minor = total;
    event.level_changed.order_count = count;
    out_->push_back(event);
  }
  touched_.clear();
}

// ---- Orders: matching -----------------------------------------------------------------------------------------

void ReferenceExchange::Run::fill(MarketState& m, OrderState& taker, OrderState& maker, int64_t qty, uint32_t taker_bps,
                                  uint32_t index) {
  const int64_t price = maker.price_minor;
  int64_t notional = 0;
  const bool fits = market_notional(m.config, price, qty, &notional);
  QZ_ASSERT(fits);
  const uint32_t quote = m.config.quote_asset;
  const uint32_t base = m.config.base_asset;
  const FeeTier& maker_tier = tier_for(m.tiers, volume(s_, maker.owner, volume_slot(m), time_ns_));
  const uint32_t maker_rate = std::min(maker_tier.maker_bps, maker.fee_cap_bps);
  const uint32_t taker_rate = std::min(taker_bps, taker.fee_cap_bps);
  OrderState& buyer = taker.side == kBuy ? taker : maker;
  OrderState& seller = taker.side == kBuy ? maker : taker;
  const uint32_t buyer_rate = &buyer == &taker ? taker_rate : maker_rate;
  const uint32_t seller_rate = &seller == &taker ? taker_rate : maker_rate;
  const int64_t buyer_fee = fill_fee(notional, buyer_rate);
  const int64_t seller_fee = fill_fee(qty, seller_rate);

  const uint64_t buyer_quote = trading_account(s_, buyer.owner, quote);
  const uint64_t seller_base = trading_account(s_, seller.owner, base);
  post(buyer.id, buyer_quote, trading_account(s_, seller.owner, quote), notional);
  post(buyer.id, buyer_quote, m.fee_account_quote, buyer_fee);
  post(seller.id, seller_base, trading_account(s_, buyer.owner, base), qty);
  post(seller.id, seller_base, m.fee_account_base, seller_fee);
  if (buyer.commit_rate != 0) {
    // A purchase: its value at the kept rate, rounded up, counts today and this month; it leaves the
    // commitment as far as that goes.
    const int128 value = tenge_of(notional, m.config.quote_scale, buyer.commit_rate);
    buyer.commitment_tiyn -= static_cast<int64_t>(std::min<int128>(value, buyer.commitment_tiyn));
    add_used(buyer.owner, kPurchase, value);
  }

  taker.executed_minor += qty;
  maker.executed_minor += qty;
  maker.visible_minor -= qty;
  touch(maker.market, maker.side, price);
  bool maker_done = false;
  if (maker.visible_minor == 0) {
    if (maker.hidden_minor > 0) {
      // R8: the next slice goes to the back of the level.
      maker.visible_minor = std::min(maker.slice_minor, maker.hidden_minor);
      maker.hidden_minor -= maker.visible_minor;
      Level& queue = level(m, maker.side, price);
      QZ_ASSERT(queue.front() == maker.id);
      queue.pop_front();
      queue.push_back(maker.id);
    } else {
      maker_done = true;
    }
  }
  set_reserved_to(maker.id, reservation(maker, maker.remaining_minor()));

  // R10: both sides' volumes grow after the fill (a self-trade counts twice).
  for (uint64_t owner : {maker.owner, taker.owner}) {
    int64_t& day = s_.volumes[{owner, volume_slot(m)}][time_ns_ / kNsPerDay];
    if (!checked_add(day, notional, &day)) day = INT64_MAX;
  }
  m.last_trade_minor = price;
  m.reference_minor = price;
  const int64_t time_ms = static_cast<int64_t>(time_ns_ / static_cast<uint64_t>(kNsPerMs));
  if (!m.candle.active) {
    m.candle = CandleState{.active = true,
                           .open_time_ms = time_ms - time_ms % kCandleMs,
                           .open = price,
                           .high = price,
                           .low = price,
                           .close = price};
  } else {
    QZ_ASSERT(time_ms < m.candle.open_time_ms + kCandleMs);
    m.candle.high = std::max(m.candle.high, price);
    m.candle.low = std::min(m.candle.low, price);
    m.candle.close = price;
  }

  const uint64_t trade = s_.next_trade_id++;
  Event event = blank(EventKind::trade, index);
  event.trade.trade = trade;
  event.trade.market = maker.market;
  event.trade.taker_side = taker.side;
  event.trade.price_minor = price;
  event.trade.qty_minor = qty;
  event.trade.maker_order = maker.id;
  event.trade.taker_order = taker.id;
  out_->push_back(event);
  for (const OrderState* order : {&maker, &taker}) {
    Event filled = blank(EventKind::order_filled, index);
    filled.order_filled.order = order->id;
    filled.order_filled.trade = trade;
    filled.order_filled.qty_minor = qty;
    filled.order_filled.quote_qty_minor = notional;
    filled.order_filled.fee_minor = order == &buyer ? buyer_fee : seller_fee;
    filled.order_filled.remaining_qty_minor = order->remaining_minor();
    out_->push_back(filled);
  }
  if (maker_done) {
    Level& queue = level(m, maker.side, price);
    QZ_ASSERT(queue.front() == maker.id);
    queue.pop_front();
    if (queue.empty()) {
      if (maker.side == kBuy) {
        m.bids.erase(price);
      } else {
        m.asks.erase(price);
      }
    }
    QZ_ASSERT(!s_.reservations.count(maker.id));
    s_.orders.erase(maker.id);
  }
}

// Matches an open (not resting, not waiting) order as the taker, then ends or rests it.
void ReferenceExchange::Run::run_taker(uint64_t order_id, uint32_t taker_bps, uint32_t index) {
  OrderState& taker = s_.orders.at(order_id);
  QZ_ASSERT(!taker.resting && !taker.waiting);
  MarketState& m = s_.markets.at(taker.market);
  const uint8_t maker_side = taker.side == kBuy ? kSell : kBuy;
  const auto within = [&](int64_t price) {
    return taker.side == kBuy ? price <= taker.price_minor : price >= taker.price_minor;
  };
  const auto best = [&]() -> Level* {
    if (taker.side == kBuy) {
      if (m.asks.empty() || !within(m.asks.begin()->first)) return nullptr;
      return &m.asks.begin()->second;
    }
    if (m.bids.empty() || !within(m.bids.begin()->first)) return nullptr;
    return &m.bids.begin()->second;
  };

  bool go = true;
  if (taker.tif == static_cast<uint8_t>(OrderTif::fok)) {
    int64_t available = 0;  // R9: hidden quantity and own orders count
    const auto sum = [&](const auto& book) {
      for (const auto& [price, queue] : book) {
        if (!within(price)) break;
        for (uint64_t id : queue) available += s_.orders.at(id).visible_minor + s_.orders.at(id).hidden_minor;
      }
    };
    if (taker.side == kBuy) {
      sum(m.asks);
    } else {
      sum(m.bids);
    }
    go = available >= taker.remaining_minor();
  }
  bool stopped_by_stp = false;
  bool makers_expired = false;
  while (go && taker.remaining_minor() > 0) {
    Level* queue = best();
    if (queue == nullptr) break;
    OrderState& maker = s_.orders.at(queue->front());
    QZ_ASSERT(maker.resting && maker.side == maker_side);
    if (taker.stp != 0 && maker.owner == taker.owner) {
      // Modes (command.h): 1 expire the taker, 2 expire the maker, 3 both.
      if (taker.stp == 2 || taker.stp == 3) {
        end_order(maker, EventKind::order_expired, OrderEndReason::self_trade_maker, index);
        makers_expired = true;
      }
      if (taker.stp == 1 || taker.stp == 3) {
        stopped_by_stp = true;
        break;
      }
      continue;
    }
    fill(m, taker, maker, std::min(taker.remaining_minor(), maker.visible_minor), taker_bps, index);
  }

  if (taker.remaining_minor() == 0) {
    release(taker.id, reserved(taker.id));
    s_.orders.erase(order_id);
    return;
  }
  if (stopped_by_stp) {
    end_order(taker, EventKind::order_expired, OrderEndReason::self_trade_taker, index);
    return;
  }
  const auto tif = static_cast<OrderTif>(taker.tif);
  const auto type = static_cast<OrderType>(taker.type);
  if (tif == OrderTif::gtc || tif == OrderTif::gtd || type == OrderType::limit_maker) {
    const int64_t remaining = taker.remaining_minor();
    taker.visible_minor = taker.slice_minor != 0 ? std::min(taker.slice_minor, remaining) : remaining;
    taker.hidden_minor = remaining - taker.visible_minor;
    level(m, taker.side, taker.price_minor).push_back(taker.id);
    taker.resting = true;
    touch(taker.market, taker.side, taker.price_minor);
    set_reserved_to(taker.id, reservation(taker, remaining));
    Event event = blank(EventKind::order_rested, index);
    event.order_rested.order = taker.id;
    event.order_rested.market = taker.market;
    event.order_rested.side = taker.side;
    event.order_rested.price_minor = taker.price_minor;
    event.order_rested.visible_qty_minor = taker.visible_minor;
    event.order_rested.remaining_qty_minor = remaining;
    out_->push_back(event);
    return;
  }
  OrderEndReason reason = OrderEndReason::ioc_remainder;
  if (type == OrderType::market || type == OrderType::market_by_quote) {
    reason = OrderEndReason::market_remainder;
  } else if (tif == OrderTif::fok) {
    reason = makers_expired && x_.readings_.fok_short_after_stp_is_self_trade ? OrderEndReason::self_trade_taker
                                                                              : OrderEndReason::fok_not_filled;
  }
  end_order(taker, EventKind::order_expired, reason, index);
}

// R6: lowest triggered order id first, the condition re-read after every activation.
void ReferenceExchange::Run::run_triggers(uint32_t market_id, uint32_t index) {
  std::deque<uint64_t> round;  // stops_in_rounds: the rest of the round being activated
  int64_t round_price = 0;     // the last price that triggered the round
  for (;;) {
    const MarketState& m = s_.markets.at(market_id);
    uint64_t next = 0;
    if (round.empty()) {
      round_price = m.last_trade_minor;
      for (const auto& [id, order] : s_.orders) {
        if (order.market == market_id && order.waiting &&
            stop_triggers(order.type, order.side, order.stop_price_minor, m.last_trade_minor)) {
          if (next == 0) next = id;
          if (x_.readings_.stops_in_rounds) round.push_back(id);
        }
      }
    }
    if (!round.empty()) {
      next = round.front();
      round.pop_front();
    }
    if (next == 0) return;
    OrderState& order = s_.orders.at(next);
    order.waiting = false;
    Event event = blank(EventKind::order_triggered, index);
    event.order_triggered.order = next;
    event.order_triggered.market = market_id;
    event.order_triggered.stop_price_minor = order.stop_price_minor;
    event.order_triggered.last_price_minor = x_.readings_.stops_in_rounds ? round_price : m.last_trade_minor;
    out_->push_back(event);
    const uint32_t taker_bps = tier_for(m.tiers, volume(s_, order.owner, volume_slot(m), time_ns_)).taker_bps;
    run_taker(next, taker_bps, index);
  }
}

// ---- Order commands -------------------------------------------------------------------------------------------

Result ReferenceExchange::Run::place_order(const Command& c, uint32_t index, uint64_t* object_id) {
  const PlaceOrderPayload& p = c.place_order;
  // 1, 2.
  if (!may_trade(c)) return Result::actor_not_permitted;
  auto market_it = s_.markets.find(p.market);
  if (market_it == s_.markets.end()) return Result::market_not_found;
  if (const Result client = movable(c.actor); client != Result::ok) return client;  // the client gate
  MarketState& m = market_it->second;
  const MarketConfig& config = m.config;
  const auto type = static_cast<OrderType>(p.type);
  const auto tif = static_cast<OrderTif>(p.time_in_force);
  const bool stop = type == OrderType::stop_loss_limit || type == OrderType::take_profit_limit;
  const bool limit_priced = type == OrderType::limit || type == OrderType::limit_maker || stop;
  const uint8_t side = p.side;

  // 3. The type / time in force / field table.
  bool shape_ok = false;
  switch (type) {
    case OrderType::limit:
    case OrderType::stop_loss_limit:
    case OrderType::take_profit_limit: {
      const bool tif_ok = tif == OrderTif::gtc || tif == OrderTif::ioc || tif == OrderTif::fok || tif == OrderTif::gtd;
      const bool stop_ok = stop ? p.stop_price_minor > 0 : p.stop_price_minor == 0;  // R14
      const bool aux_ok = tif == OrderTif::gtc || (tif == OrderTif::gtd ? p.aux > 0 : p.aux == 0);
      shape_ok = tif_ok && stop_ok && aux_ok;
      break;
    }
    case OrderType::limit_maker: shape_ok = tif == OrderTif::none && p.stop_price_minor == 0; break;
    case OrderType::market:
    case OrderType::market_by_quote:
      shape_ok = tif == OrderTif::none && p.price_minor == 0 && p.stop_price_minor == 0 && p.aux == 0;
      break;
  }
  if (!shape_ok) return Result::order_type_invalid;
  const bool iceberg = p.aux != 0 && (type == OrderType::limit_maker || tif == OrderTif::gtc);

  // The fee cap r of the actor's tier now (R11: a market order's overflow check uses it).
  const uint32_t fee_cap = tier_fee_cap(m, c.actor);
  int64_t protection = 0;

  // 4.
  int64_t reserve = 0;
  if (limit_priced) {
    const Result filters = check_limit_order(config, m.reference_minor, p.price_minor, p.qty_minor);
    if (filters != Result::ok) return filters;
  } else if (type == OrderType::market) {
    if (config.status == MarketStatus::halted) return Result::market_halted;
    if (config.status != MarketStatus::trading) return Result::market_closed;
    if (p.qty_minor <= 0 || p.qty_minor % config.lot_step != 0) return Result::qty_not_on_lot;
    if (p.qty_minor < config.min_qty) return Result::qty_below_minimum;
    if (p.qty_minor > config.max_qty) return Result::qty_above_maximum;
    if (config.band_bps == 0 || m.reference_minor == 0 ||
        !protection_price(config, book_side(side), m.reference_minor, &protection)) {
      return Result::no_reference_price;
    }
    if (!limit_reservation(config, book_side(side), protection, p.qty_minor, fee_cap, &reserve)) {
      return Result::amount_overflow;
    }
    if (x_.readings_.market_sell_notional_overflow) {
      int64_t notional = 0;
      if (!market_notional(config, protection, p.qty_minor, &notional)) return Result::amount_overflow;
    }
  } else {
    if (config.status == MarketStatus::halted) return Result::market_halted;
    if (config.status != MarketStatus::trading) return Result::market_closed;
    if (p.qty_minor <= 0) return Result::amount_must_be_positive;
    if (p.qty_minor < config.min_notional) return Result::notional_below_minimum;
    if (config.band_bps == 0 || m.reference_minor == 0 ||
        !protection_price(config, book_side(side), m.reference_minor, &protection)) {
      return Result::no_reference_price;
    }
  }
  // 5.
  if (stop) {
    if (p.stop_price_minor % config.tick_size != 0 ||
        stop_triggers(p.type, side, p.stop_price_minor, m.last_trade_minor)) {
      return Result::stop_price_invalid;
    }
  }
  // 6.
  if (iceberg) {
    if (p.aux > static_cast<uint64_t>(INT64_MAX) || static_cast<int64_t>(p.aux) % config.lot_step != 0 ||
        static_cast<int64_t>(p.aux) >= p.qty_minor) {
      return Result::iceberg_invalid;
    }
  }
  // 7.
  if (tif == OrderTif::gtd && p.aux <= time_ns_) return Result::order_expiry_invalid;
  // 8.
  const uint64_t base_account = trading_account(s_, c.actor, config.base_asset);
  const uint64_t quote_account = trading_account(s_, c.actor, config.quote_asset);
  if (base_account == 0 || quote_account == 0) return Result::trading_account_not_found;
  // 9.
  if (type == OrderType::limit_maker) {
    const bool takes = side == kBuy ? !m.asks.empty() && p.price_minor >= m.asks.begin()->first
                                    : !m.bids.empty() && p.price_minor <= m.bids.begin()->first;
    if (takes) return Result::order_would_take;
  }
  // 9b. No open order of the actor has this client order id (a cancel-replace's cancel has already run here).
  if (c.request_id != 0) {
    for (const auto& [id, order] : s_.orders) {
      if (order.owner == c.actor && order.client_id == c.request_id) return Result::client_order_id_open;
    }
  }

  // What it may trade, at what limit, and what it reserves (pure: computed before check 10, refused after it).
  // A buy's largest cost without the fee is what the purchase limits value (docs/clients.md).
  bool overflow = false;
  int64_t limit = p.price_minor;
  int64_t qty = p.qty_minor;
  int64_t buy_cost = 0;
  if (limit_priced) {
    const bool fits = limit_reservation(config, book_side(side), limit, qty, fee_cap, &reserve);
    QZ_ASSERT_MSG(fits, "check_limit_order passed an order whose reservation overflows");
    if (side == kBuy) {
      const bool notional_fits = market_notional(config, limit, qty, &buy_cost);
      QZ_ASSERT(notional_fits);
    }
  } else if (type == OrderType::market) {
    limit = protection;
    if (side == kBuy && !market_notional(config, protection, qty, &buy_cost)) buy_cost = 0;
  } else {
    // market_by_quote: walk the opposite levels best first within the protection price.
    const int64_t quote_amount = p.qty_minor;
    int64_t left = quote_amount;
    int64_t lots = 0;
    limit = 0;
    const State& seen = x_.readings_.bug_mbq_walk_before_cancel && before_group_ != nullptr ? *before_group_ : s_;
    const MarketState& walked = seen.markets.at(p.market);
    const auto walk = [&](const auto& book, auto inside) {
      for (const auto& [price, queue] : book) {
        if (!inside(price) || left == 0) break;
        int64_t cost = 0;
        const bool fits = market_notional(config, price, config.lot_step, &cost);
        QZ_ASSERT(fits && cost > 0);
        int64_t level_lots = 0;
        for (uint64_t id : queue) {
          // R16 (settled): makers that STP will expire (the taker's own, under expire_maker / expire_both) are
          // not reachable, so the walk does not count them.
          const bool expires_own = p.self_trade_prevention == 2 || p.self_trade_prevention == 3;
          if (expires_own && seen.orders.at(id).owner == c.actor) continue;
          level_lots += seen.orders.at(id).visible_minor / config.lot_step;  // R8
        }
        const int64_t take = std::min(level_lots, left / cost);
        if (take > 0) {
          lots += take;
          left -= take * cost;
          limit = price;
        }
        if (take < level_lots) break;
      }
    };
    if (side == kBuy) {
      walk(walked.asks, [&](int64_t price) { return price <= protection; });
    } else {
      walk(walked.bids, [&](int64_t price) { return price >= protection; });
    }
    qty = lots * config.lot_step;
    if (side == kBuy && qty != 0) buy_cost = quote_amount;
    if (qty == 0) {
      reserve = 0;
      if (x_.readings_.mbq_empty_at_protection) limit = protection;
    } else if (side == kBuy) {
      const int128 scaled = static_cast<int128>(quote_amount) * fee_cap;
      const int128 total = quote_amount + scaled / 10'000 + (scaled % 10'000 != 0 ? 1 : 0);
      if (total > INT64_MAX) {
        overflow = true;
      } else {
        reserve = static_cast<int64_t>(total);
      }
    } else if (!limit_reservation(config, OrderSide::sell, limit, qty, fee_cap, &reserve)) {
      overflow = true;
    }
  }
  // 10. R5.
  const bool reaches_nothing = type == OrderType::market_by_quote && qty == 0;
  if (!(reaches_nothing && x_.readings_.mbq_empty_skips_limit) &&
      open_orders(p.market) >= x_.market_limits_.orders_per_market) {
    return Result::order_limit_reached;
  }
  if (overflow) return Result::amount_overflow;
  // R17: a registered client's buy commits its value; the purchase limits may refuse it.
  const bool purchase = side == kBuy && buy_cost > 0 && c.actor != 0 && s_.clients.count(c.actor) != 0;
  int64_t commitment = 0;
  int64_t commit_rate = 0;
  if (purchase && !x_.readings_.purchase_checks_after_funds) {
    const Result limits = check_purchase(c.actor, config, buy_cost, &commitment, &commit_rate);
    if (limits != Result::ok) return limits;
  }
  // 11. The reservation, locked on the spent account.
  const uint64_t spent_account = side == kBuy ? quote_account : base_account;
  if (reserve > 0) {
    const AccountState& account = s_.accounts.at(spent_account);
    if (account.total_minor - account.locked_minor < reserve) return Result::insufficient_funds;
  }
  if (purchase && x_.readings_.purchase_checks_after_funds) {
    const Result limits = check_purchase(c.actor, config, buy_cost, &commitment, &commit_rate);
    if (limits != Result::ok) return limits;
  }

  // Accepted: from here on nothing fails.
  const uint64_t id = s_.next_order_id++;
  if (reserve > 0) {
    s_.reservations[id] = ReservationState{.account = spent_account, .remaining_minor = reserve};
    s_.accounts.at(spent_account).locked_minor += reserve;
  }
  *object_id = id;  // R2
  Event accepted = blank(EventKind::order_accepted, index);
  accepted.order_accepted.order = id;
  accepted.order_accepted.market = p.market;
  accepted.order_accepted.side = side;
  accepted.order_accepted.type = p.type;
  accepted.order_accepted.time_in_force = p.time_in_force;
  accepted.order_accepted.self_trade_prevention = p.self_trade_prevention;
  accepted.order_accepted.price_minor = limit;
  accepted.order_accepted.qty_minor = qty;
  accepted.order_accepted.account = spent_account;
  accepted.order_accepted.reserved_minor = reserve;
  out_->push_back(accepted);

  OrderState order;
  order.id = id;
  order.market = p.market;
  order.owner = c.actor;
  order.client_id = c.request_id;
  order.side = side;
  order.type = p.type;
  order.tif = p.time_in_force;
  order.stp = p.self_trade_prevention;
  order.price_minor = limit;
  order.qty_minor = qty;
  order.stop_price_minor = p.stop_price_minor;
  order.slice_minor = iceberg ? static_cast<int64_t>(p.aux) : 0;
  order.expiry_ns = tif == OrderTif::gtd ? p.aux : 0;
  order.spend_account = spent_account;
  order.fee_cap_bps = fee_cap;
  order.commitment_tiyn = commitment;
  order.commit_rate = commit_rate;
  if (qty == 0) {  // market_by_quote that reaches nothing (R11)
    flushes_ = false;
    Event expired = blank(EventKind::order_expired, index);
    expired.order_ended.order = id;
    expired.order_ended.market = p.market;
    expired.order_ended.reason = static_cast<uint8_t>(OrderEndReason::market_remainder);
    expired.order_ended.account = spent_account;
    out_->push_back(expired);
    return Result::ok;
  }
  order.waiting = stop;
  s_.orders[id] = order;
  if (stop) return Result::ok;
  const uint32_t taker_bps = tier_for(m.tiers, volume(s_, c.actor, volume_slot(m), time_ns_)).taker_bps;
  run_taker(id, taker_bps, index);
  run_triggers(p.market, index);
  return Result::ok;
}

Result ReferenceExchange::Run::cancel_order(const Command& c, uint32_t index, uint64_t* object_id,
                                            OrderEndReason reason) {
  const auto& p = c.cancel_order;
  if (!may_trade(c)) return Result::actor_not_permitted;
  if (s_.markets.count(p.market) == 0) return Result::market_not_found;
  OrderState* order = find_order(p.market, c.actor, p.order_id, p.client_order_id);
  if (order == nullptr) return Result::order_not_found;
  *object_id = x_.readings_.cancel_amend_object_zero ? 0 : order->id;  // R2
  end_order(*order, EventKind::order_cancelled, reason, index);
  return Result::ok;
}

Result ReferenceExchange::Run::amend_order(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.amend_order;
  if (!may_trade(c)) return Result::actor_not_permitted;
  auto market_it = s_.markets.find(p.market);
  if (market_it == s_.markets.end()) return Result::market_not_found;
  OrderState* order = find_order(p.market, c.actor, p.order_id, p.client_order_id);  // R4
  if (order == nullptr) return Result::order_not_found;
  const int64_t lot = market_it->second.config.lot_step;
  if (p.new_qty_minor <= 0 || p.new_qty_minor % lot != 0 || p.new_qty_minor <= order->executed_minor ||
      p.new_qty_minor >= order->qty_minor) {
    return Result::amend_qty_invalid;
  }
  order->qty_minor = p.new_qty_minor;
  const int64_t remaining = order->remaining_minor();
  if (order->resting) {
    // Hidden shrinks first (R8); the order keeps its place.
    if (remaining >= order->visible_minor) {
      order->hidden_minor = remaining - order->visible_minor;
    } else {
      order->hidden_minor = 0;
      order->visible_minor = remaining;
    }
    touch(order->market, order->side, order->price_minor);
  }
  const int64_t before = reserved(order->id);
  set_reserved_to(order->id, reservation(*order, remaining));
  if (order->commitment_tiyn != 0) {
    // The commitment falls to what the smaller order can still cost at the kept rate; it never grows.
    int64_t cost = 0;
    const bool fits = market_notional(market_it->second.config, order->price_minor, remaining, &cost);
    QZ_ASSERT(fits);
    const int128 keep = tenge_of(cost, market_it->second.config.quote_scale, order->commit_rate);
    if (keep < order->commitment_tiyn) order->commitment_tiyn = static_cast<int64_t>(keep);
  }
  Event event = blank(EventKind::order_amended, index);
  event.order_amended.order = order->id;
  event.order_amended.market = p.market;
  event.order_amended.new_qty_minor = p.new_qty_minor;
  event.order_amended.remaining_qty_minor = remaining;
  event.order_amended.released_minor = before - reserved(order->id);
  out_->push_back(event);
  *object_id = x_.readings_.cancel_amend_object_zero ? 0 : order->id;  // R2
  return Result::ok;
}

Result ReferenceExchange::Run::cancel_all(const Command& c, uint32_t index, uint64_t* object_id) {
  const auto& p = c.cancel_all;
  if (!may_trade(c)) return Result::actor_not_permitted;
  if (s_.markets.count(p.market) == 0) return Result::market_not_found;
  std::vector<uint64_t> mine;
  for (const auto& [id, order] : s_.orders) {
    if (order.market == p.market && order.owner == c.actor) mine.push_back(id);
  }
  if (mine.empty() && x_.readings_.empty_cancel_all_not_found) return Result::order_not_found;
  for (uint64_t id : mine) end_order(s_.orders.at(id), EventKind::order_cancelled, OrderEndReason::cancel_all, index);
  *object_id = 0;  // R2; R3: no event when nothing was open
  return Result::ok;
}

// ---- Block start ----------------------------------------------------------------------------------------------

void ReferenceExchange::Run::expire_gtd() {
  flushes_ = true;
  std::vector<std::pair<uint64_t, uint64_t>> due;  // (expiry, order id)
  for (const auto& [id, order] : s_.orders) {
    if (order.tif == static_cast<uint8_t>(OrderTif::gtd) && order.expiry_ns <= time_ns_) {
      due.emplace_back(order.expiry_ns, id);
    }
  }
  std::sort(due.begin(), due.end());
  for (const auto& [expiry, id] : due) {
    end_order(s_.orders.at(id), EventKind::order_expired, OrderEndReason::good_till_date, kNoCommand);
  }
  flush_levels(kNoCommand);  // R7
}

void ReferenceExchange::Run::close_candles() {
  const auto time_ms = static_cast<int64_t>(time_ns_ / static_cast<uint64_t>(kNsPerMs));
  for (auto& [id, m] : s_.markets) {
    if (!m.candle.active || time_ms < m.candle.open_time_ms + kCandleMs) continue;
    Event event = blank(EventKind::candle_closed, kNoCommand);
    event.candle_closed.market = id;
    event.candle_closed.interval = static_cast<uint8_t>(CandleInterval::m1);
    event.candle_closed.open_time_ms = m.candle.open_time_ms;
    event.candle_closed.open_price_minor = m.candle.open;
    event.candle_closed.high_price_minor = m.candle.high;
    event.candle_closed.low_price_minor = m.candle.low;
    event.candle_closed.close_price_minor = m.candle.close;
    out_->push_back(event);
    m.candle = CandleState{};
  }
}

// ---- Blocks and groups ----------------------------------------------------------------------------------------

bool ReferenceExchange::tracked(const Command& command) const {
  return command.request_id != 0 &&
         (state_.rules_version < 2 || command.kind != static_cast<uint16_t>(CommandKind::place_order));
}

void ReferenceExchange::remember(const Command& command, Result result, uint64_t object_id) {
  if (!tracked(command)) return;
  Answer answer;
  std::memcpy(answer.command.data(), &command, kCommandSize);
  answer.result = static_cast<uint32_t>(result);
  answer.object_id = object_id;
  const bool fresh = answers_.emplace(AnswerKey{command.actor, command.request_id}, answer).second;
  QZ_ASSERT_MSG(fresh, "the reference remembered a request twice");
}

void ReferenceExchange::begin_block(uint64_t time_ns, std::vector<Event>* events) {
  // The streams place no ledger holds (orders lock, they do not hold): nothing expires in the ledger.
  Run run(state_, *this, time_ns, events);
  run.expire_gtd();
  run.close_candles();
}

void ReferenceExchange::apply_group(std::span<const Command> group, uint32_t first_index, bool open, uint64_t time_ns,
                                    std::vector<Event>* events) {
  // Request ids first (same rules as the ledger's reference, docs/result-codes.md step 1).
  bool screened = false;
  for (size_t i = 0; i < group.size(); i++) {
    if (!tracked(group[i])) continue;
    if (answers_.count({group[i].actor, group[i].request_id}) != 0) screened = true;
    for (size_t k = 0; k < i; k++) {
      if (tracked(group[k]) && group[k].actor == group[i].actor && group[k].request_id == group[i].request_id) {
        screened = true;
      }
    }
  }
  if (screened) {
    for (size_t i = 0; i < group.size(); i++) {
      const Command& c = group[i];
      const auto index = static_cast<uint32_t>(first_index + i);
      auto answered = !tracked(c) ? answers_.end() : answers_.find({c.actor, c.request_id});
      if (answered != answers_.end()) {
        if (std::memcmp(answered->second.command.data(), &c, kCommandSize) == 0) {
          Event event = blank(EventKind::duplicate, index, static_cast<Result>(answered->second.result));
          event.duplicate.actor = c.actor;
          event.duplicate.request_id = c.request_id;
          event.duplicate.object_id = answered->second.object_id;
          event.duplicate.command_kind = c.kind;
          events->push_back(event);
        } else {
          events->push_back(rejected(c, index, Result::request_id_reused));
        }
        continue;
      }
      bool repeats_member = false;
      for (size_t k = 0; k < i; k++) {
        repeats_member |= tracked(c) && tracked(group[k]) && group[k].actor == c.actor &&
                          group[k].request_id == c.request_id;
      }
      events->push_back(rejected(c, index, repeats_member ? Result::request_id_reused : Result::linked_event_failed));
    }
    return;
  }
  const auto fail_all = [&](std::span<const Result> results) {
    for (size_t i = 0; i < group.size(); i++) {
      events->push_back(rejected(group[i], static_cast<uint32_t>(first_index + i), results[i]));
      remember(group[i], results[i], 0);
    }
  };
  if (open) {  // R12
    const std::vector<Result> results(group.size(), Result::linked_group_open);
    fail_all(results);
    return;
  }

  bool any_market = false;
  for (const Command& c : group) any_market |= is_market_kind(c.kind);
  if (group.size() == 1) {
    const Command& c = group[0];
    std::vector<Event> done;
    Run run(state_, *this, time_ns, &done);
    uint64_t object_id = 0;
    const bool kept_before = broken_promise_.empty();
    const Result result = run.command(c, first_index, &object_id, OrderEndReason::by_owner);
    if (kept_before && !broken_promise_.empty()) {
      broken_promise_ += " at command " + std::to_string(first_index) + ": " + describe_any(c);
    }
    if (result != Result::ok) {
      QZ_ASSERT(done.empty());
      events->push_back(rejected(c, first_index, result));
      remember(c, result, 0);
      return;
    }
    run.flush_levels(first_index);
    events->insert(events->end(), done.begin(), done.end());
    remember(c, Result::ok, object_id);
    return;
  }
  if (any_market) {
    const bool pair = group.size() == 2 && group[0].kind == static_cast<uint16_t>(CommandKind::cancel_order) &&
                      group[1].kind == static_cast<uint16_t>(CommandKind::place_order) &&
                      group[0].actor == group[1].actor && group[0].cancel_order.market == group[1].place_order.market;
    const bool shaped = group.size() == 2 && group[0].kind == static_cast<uint16_t>(CommandKind::cancel_order) &&
                        group[1].kind == static_cast<uint16_t>(CommandKind::place_order);
    if (!pair && shaped && readings_.pair_mismatch_cancel_first) {
      State scratch = state_;
      std::vector<Event> ignored;
      Run run(scratch, *this, time_ns, &ignored);
      uint64_t object_id = 0;
      const Result cancel = run.command(group[0], first_index, &object_id, OrderEndReason::replaced);
      const Result results[] = {cancel == Result::ok ? Result::linked_event_failed : cancel,
                                cancel == Result::ok ? Result::linked_group_unsupported : Result::linked_event_failed};
      fail_all(results);
      return;
    }
    if (!pair) {
      const std::vector<Result> results(group.size(), Result::linked_group_unsupported);
      fail_all(results);
      return;
    }
  }

  // Several commands: all or nothing, on a copy of the state.
  State scratch = state_;
  std::vector<Event> done;
  std::vector<uint64_t> objects;
  Run run(scratch, *this, time_ns, &done);
  run.before_group_ = &state_;
  for (size_t i = 0; i < group.size(); i++) {
    uint64_t object_id = 0;
    const bool kept_before = broken_promise_.empty();
    const Result result =
        run.command(group[i], static_cast<uint32_t>(first_index + i), &object_id, OrderEndReason::replaced);
    if (kept_before && !broken_promise_.empty()) {
      broken_promise_ += " at command " + std::to_string(first_index + i) + ": " + describe_any(group[i]);
    }
    if (result != Result::ok) {
      std::vector<Result> results(group.size(), Result::linked_event_failed);
      results[i] = result;
      fail_all(results);
      return;
    }
    objects.push_back(object_id);
  }
  run.flush_levels(static_cast<uint32_t>(first_index + group.size() - 1));
  state_ = std::move(scratch);
  events->insert(events->end(), done.begin(), done.end());
  for (size_t i = 0; i < group.size(); i++) remember(group[i], Result::ok, objects[i]);
}

void ReferenceExchange::apply(uint64_t time_ns, std::span<const Command> commands, std::vector<Event>* events) {
  begin_block(time_ns, events);
  size_t begin = 0;
  while (begin < commands.size()) {
    size_t end = begin;
    while (end < commands.size() && (commands[end].flags & kFlagLinked) != 0) end++;
    const bool open = end == commands.size();
    const size_t count = open ? end - begin : end - begin + 1;
    apply_group(commands.subspan(begin, count), static_cast<uint32_t>(begin), open, time_ns, events);
    begin += count;
  }
}

// ---- The model's own invariants -------------------------------------------------------------------------------

std::string ReferenceExchange::check_invariants() const {
  std::ostringstream out;
  std::map<uint64_t, int64_t> locked;
  for (const auto& [id, reservation] : state_.reservations) {
    if (reservation.remaining_minor <= 0) return "model: order " + std::to_string(id) + " reserves nothing";
    if (state_.orders.count(id) == 0) return "model: ended order " + std::to_string(id) + " still reserves";
    locked[reservation.account] += reservation.remaining_minor;
  }
  for (const auto& [id, account] : state_.accounts) {
    const int64_t expected = locked.count(id) ? locked.at(id) : 0;
    if (account.locked_minor != expected) {
      return "model: account " + std::to_string(id) + " locked differs from its reservations";
    }
    if (account.kind != static_cast<uint8_t>(AccountKind::issuance) &&
        (account.locked_minor < 0 || account.locked_minor > account.total_minor)) {
      return "model: account " + std::to_string(id) + " has locked outside [0, total]";
    }
  }
  size_t resting = 0;
  for (const auto& [id, order] : state_.orders) {
    const MarketState& m = state_.markets.at(order.market);
    int64_t need = 0;
    const bool fits = limit_reservation(m.config, book_side(order.side), order.price_minor, order.remaining_minor(),
                                        order.fee_cap_bps, &need);
    QZ_ASSERT(fits);
    const auto reservation = state_.reservations.find(id);
    const int64_t have = reservation == state_.reservations.end() ? 0 : reservation->second.remaining_minor;
    if (have != need) {
      out << "model: order " << id << " reserves " << have << ", needs " << need;
      return out.str();
    }
    if (order.resting == order.waiting) return "model: order " + std::to_string(id) + " neither rests nor waits";
    if (order.commitment_tiyn < 0 || (order.commit_rate == 0 && order.commitment_tiyn != 0) ||
        (order.commit_rate != 0 && order.side != kBuy)) {
      return "model: order " + std::to_string(id) + " has a commitment it cannot have";
    }
    if (order.resting) {
      resting++;
      if (order.visible_minor <= 0 || order.visible_minor + order.hidden_minor != order.remaining_minor()) {
        return "model: order " + std::to_string(id) + " visible + hidden != remaining";
      }
    }
  }
  size_t in_books = 0;
  for (const auto& [market_id, m] : state_.markets) {
    for (const auto& [price, queue] : m.bids) in_books += queue.size();
    for (const auto& [price, queue] : m.asks) in_books += queue.size();
    if (!m.bids.empty() && !m.asks.empty() && m.bids.begin()->first >= m.asks.begin()->first) {
      return "model: market " + std::to_string(market_id) + " is crossed";
    }
  }
  if (in_books != resting) return "model: books and resting orders disagree";
  return {};
}

// ---- Text -----------------------------------------------------------------------------------------------------

std::string describe_any(const Event& e) {
  std::ostringstream out;
  out << event_kind_name(e.event_kind()) << " " << result_name(e.result_code()) << " #";
  if (e.command_index == kNoCommand) {
    out << "-";
  } else {
    out << e.command_index;
  }
  out << " {";
  switch (e.event_kind()) {
    case EventKind::rejected:
      out << "actor=" << e.rejected.actor << " request=" << e.rejected.request_id
          << " kind=" << command_kind_name(static_cast<CommandKind>(e.rejected.command_kind));
      break;
    case EventKind::duplicate:
      out << "actor=" << e.duplicate.actor << " request=" << e.duplicate.request_id
          << " object=" << e.duplicate.object_id
          << " kind=" << command_kind_name(static_cast<CommandKind>(e.duplicate.command_kind));
      break;
    case EventKind::asset_created:
      out << "asset=" << e.asset_created.asset << " scale=" << int{e.asset_created.scale};
      break;
    case EventKind::account_opened:
      out << "account=" << e.account_opened.account << " owner=" << e.account_opened.owner
          << " asset=" << e.account_opened.asset << " kind=" << int{e.account_opened.kind};
      break;
    case EventKind::transfer_posted:
      out << "transfer=" << e.transfer_posted.transfer << " debit=" << e.transfer_posted.debit
          << " credit=" << e.transfer_posted.credit << " amount=" << e.transfer_posted.amount_minor
          << " debit_after=" << e.transfer_posted.debit_balance_after
          << " credit_after=" << e.transfer_posted.credit_balance_after;
      break;
    case EventKind::hold_placed:
    case EventKind::hold_posted:
    case EventKind::hold_voided:
    case EventKind::hold_expired: out << "(ledger hold event)"; break;
    case EventKind::market_created: {
      const auto& p = e.market_created;
      out << "market=" << p.market << " base=" << p.base << " quote=" << p.quote << " tick=" << p.tick_size
          << " lot=" << p.lot_step << " min=" << p.min_qty << " max=" << p.max_qty;
      break;
    }
    case EventKind::market_rules_set: {
      const auto& p = e.market_rules_set;
      out << "market=" << p.market << " band=" << p.band_bps << " maker=" << p.maker_fee_bps
          << " taker=" << p.taker_fee_bps << " min_notional=" << p.min_notional << " fee_base=" << p.fee_account_base
          << " fee_quote=" << p.fee_account_quote;
      break;
    }
    case EventKind::market_status_changed: {
      const auto& p = e.market_status_changed;
      out << "market=" << p.market << " status=" << int{p.status} << " previous=" << int{p.previous_status}
          << " reference=" << p.reference_price_minor << " cancelled=" << p.orders_cancelled;
      break;
    }
    case EventKind::fee_tier_set: {
      const auto& p = e.fee_tier_set;
      out << "market=" << p.market << " index=" << int{p.index} << " count=" << int{p.count}
          << " min_volume=" << p.min_30d_volume_quote_minor << " maker=" << p.maker_fee_bps
          << " taker=" << p.taker_fee_bps;
      break;
    }
    case EventKind::order_accepted: {
      const auto& p = e.order_accepted;
      out << "order=" << p.order << " market=" << p.market << " side=" << int{p.side} << " type=" << int{p.type}
          << " tif=" << int{p.time_in_force} << " stp=" << int{p.self_trade_prevention} << " price=" << p.price_minor
          << " qty=" << p.qty_minor << " account=" << p.account << " reserved=" << p.reserved_minor;
      break;
    }
    case EventKind::order_rested: {
      const auto& p = e.order_rested;
      out << "order=" << p.order << " market=" << p.market << " side=" << int{p.side} << " price=" << p.price_minor
          << " visible=" << p.visible_qty_minor << " remaining=" << p.remaining_qty_minor;
      break;
    }
    case EventKind::order_filled: {
      const auto& p = e.order_filled;
      out << "order=" << p.order << " trade=" << p.trade << " qty=" << p.qty_minor << " quote_qty=" << p.quote_qty_minor
          << " fee=" << p.fee_minor << " remaining=" << p.remaining_qty_minor;
      break;
    }
    case EventKind::trade: {
      const auto& p = e.trade;
      out << "trade=" << p.trade << " market=" << p.market << " taker_side=" << int{p.taker_side}
          << " price=" << p.price_minor << " qty=" << p.qty_minor << " maker=" << p.maker_order
          << " taker=" << p.taker_order;
      break;
    }
    case EventKind::order_cancelled:
    case EventKind::order_expired: {
      const auto& p = e.order_ended;
      out << "order=" << p.order << " market=" << p.market << " reason=" << int{p.reason}
          << " remaining=" << p.remaining_qty_minor << " executed=" << p.executed_qty_minor
          << " released=" << p.released_minor << " account=" << p.account;
      break;
    }
    case EventKind::order_triggered: {
      const auto& p = e.order_triggered;
      out << "order=" << p.order << " market=" << p.market << " stop=" << p.stop_price_minor
          << " last=" << p.last_price_minor;
      break;
    }
    case EventKind::order_amended: {
      const auto& p = e.order_amended;
      out << "order=" << p.order << " market=" << p.market << " new_qty=" << p.new_qty_minor
          << " remaining=" << p.remaining_qty_minor << " released=" << p.released_minor;
      break;
    }
    case EventKind::level_changed: {
      const auto& p = e.level_changed;
      out << "market=" << p.market << " side=" << int{p.side} << " update=" << p.update_id << " price=" << p.price_minor
          << " total=" << p.total_qty_minor << " count=" << p.order_count;
      break;
    }
    case EventKind::candle_closed: {
      const auto& p = e.candle_closed;
      out << "market=" << p.market << " interval=" << int{p.interval} << " open_time_ms=" << p.open_time_ms
          << " o=" << p.open_price_minor << " h=" << p.high_price_minor << " l=" << p.low_price_minor
          << " c=" << p.close_price_minor;
      break;
    }
    case EventKind::client_registered:
    case EventKind::client_updated:
    case EventKind::client_status_changed:
    case EventKind::client_policy_set: out << "(client event)"; break;
    case EventKind::conversion_rate_set:
      out << "asset=" << e.conversion_rate_set.asset << " rate=" << e.conversion_rate_set.tiyn_per_unit
          << " previous=" << e.conversion_rate_set.previous_tiyn_per_unit;
      break;
    case EventKind::tier_limits_set: {
      const auto& p = e.tier_limits_set;
      out << "tier=" << int{p.tier} << " kind=" << int{p.limit_kind} << " daily=" << p.daily_tiyn
          << " monthly=" << p.monthly_tiyn << " previous=" << p.previous_daily_tiyn << "/" << p.previous_monthly_tiyn;
      break;
    }
    case EventKind::order_tagged:
      out << "actor=" << e.order_tagged.actor << " text="
          << std::string(e.order_tagged.text, std::min<size_t>(e.order_tagged.length, 36));
      break;
    case EventKind::retail_cap_set: {
      const auto& p = e.retail_cap_set;
      out << "cents=" << p.usd_cents << " residence=" << country(p.residence) << " previous=" << p.previous_usd_cents
          << " " << country(p.previous_residence);
      break;
    }
    default:  // the digital tenge's events: the model does not trade them
      out << "money";
      break;
  }
  out << "}";
  return out.str();
}

std::string describe_any(const Command& c) {
  std::ostringstream out;
  out << command_kind_name(c.command_kind()) << " flags=" << int{c.flags} << " role=" << int{c.role}
      << " actor=" << c.actor << " request=" << c.request_id << " {";
  switch (c.command_kind()) {
    case CommandKind::transfer:
      out << "debit=" << c.transfer.debit << " credit=" << c.transfer.credit << " amount=" << c.transfer.amount_minor;
      break;
    case CommandKind::open_account:
      out << "owner=" << c.open_account.owner << " asset=" << c.open_account.asset
          << " kind=" << int{c.open_account.kind};
      break;
    case CommandKind::create_market: {
      const auto& p = c.create_market;
      out << "base=" << p.base << " quote=" << p.quote << " tick=" << p.tick_size << " lot=" << p.lot_step
          << " min=" << p.min_qty << " max=" << p.max_qty;
      break;
    }
    case CommandKind::set_market_rules: {
      const auto& p = c.set_market_rules;
      out << "market=" << p.market << " band=" << p.band_bps << " min_notional=" << p.min_notional
          << " maker=" << p.maker_fee_bps << " taker=" << p.taker_fee_bps << " fee_base=" << p.fee_account_base
          << " fee_quote=" << p.fee_account_quote;
      break;
    }
    case CommandKind::set_market_status:
      out << "market=" << c.set_market_status.market << " status=" << int{c.set_market_status.status}
          << " reference=" << c.set_market_status.reference_price_minor;
      break;
    case CommandKind::set_fee_tier: {
      const auto& p = c.set_fee_tier;
      out << "market=" << p.market << " index=" << int{p.index} << " count=" << int{p.count}
          << " min_volume=" << p.min_30d_volume_quote_minor << " maker=" << p.maker_fee_bps
          << " taker=" << p.taker_fee_bps;
      break;
    }
    case CommandKind::place_order: {
      const auto& p = c.place_order;
      out << "market=" << p.market << " side=" << int{p.side} << " type=" << int{p.type}
          << " tif=" << int{p.time_in_force} << " stp=" << int{p.self_trade_prevention} << " price=" << p.price_minor
          << " qty=" << p.qty_minor << " stop=" << p.stop_price_minor << " aux=" << p.aux;
      break;
    }
    case CommandKind::cancel_order:
      out << "market=" << c.cancel_order.market << " order=" << c.cancel_order.order_id
          << " client=" << c.cancel_order.client_order_id;
      break;
    case CommandKind::amend_order:
      out << "market=" << c.amend_order.market << " order=" << c.amend_order.order_id
          << " client=" << c.amend_order.client_order_id << " new_qty=" << c.amend_order.new_qty_minor;
      break;
    case CommandKind::cancel_all: out << "market=" << c.cancel_all.market; break;
    case CommandKind::tag_order:
      out << "text=" << std::string(c.tag_order.text, std::min<size_t>(c.tag_order.length, 36));
      break;
    case CommandKind::register_client:
    case CommandKind::update_client: {
      const auto& p = c.client_facts;
      out << "client=" << p.client << " class=" << int{p.classification} << " tier=" << int{p.kyc_tier}
          << " residence=" << country(p.residence) << " test=" << int{p.knowledge_test};
      break;
    }
    case CommandKind::set_client_status:
      out << "client=" << c.set_client_status.client << " status=" << int{c.set_client_status.status}
          << " reason=" << c.set_client_status.reason;
      break;
    case CommandKind::set_conversion_rate:
      out << "asset=" << c.set_conversion_rate.asset << " rate=" << c.set_conversion_rate.tiyn_per_unit;
      break;
    case CommandKind::set_tier_limits: {
      const auto& p = c.set_tier_limits;
      out << "tier=" << int{p.tier} << " kind=" << int{p.limit_kind} << " daily=" << p.daily_tiyn
          << " monthly=" << p.monthly_tiyn;
      break;
    }
    case CommandKind::set_retail_cap:
      out << "cents=" << c.set_retail_cap.usd_cents << " residence=" << country(c.set_retail_cap.residence);
      break;
    default: break;
  }
  out << "}";
  return out.str();
}

}  // namespace qz::testing
