#include "order_stream.h"

#include <algorithm>
#include <cstring>

namespace qz::testing {

namespace {

constexpr uint8_t kOperator = static_cast<uint8_t>(Role::operator_);
constexpr uint8_t kCustomer = static_cast<uint8_t>(Role::customer);
constexpr uint8_t kMerchant = static_cast<uint8_t>(Role::merchant);
constexpr uint8_t kBank = static_cast<uint8_t>(Role::bank);
constexpr uint64_t kTraders = 10;  // users 1..10 have trading accounts in every asset
constexpr uint64_t kKztOnly = 11;  // user 11: a KZT account only
constexpr uint64_t kNoAccounts = 12;
constexpr uint64_t kPoor = 8;  // user 8 gets little money
constexpr size_t kHistory = 256;
constexpr uint32_t kAssets = 4;  // 1 KZT(2) 2 BTC(8) 3 ETH(8) 4 USDT(6)

struct MarketPlan {
  uint32_t base, quote;
  int64_t tick, lot, min_qty, max_qty, reference;
  uint32_t band;
  int64_t min_notional;
  uint32_t maker, taker;
};
// 1 BTC/KZT, 2 ETH/KZT (shares KZT), 3 BTC/USDT (shares BTC). Market 2's maximum is near INT64_MAX so that
// amount_overflow is reachable; market 3 starts with band 0 (no market orders: no_reference_price).
constexpr MarketPlan kPlans[] = {
    {2, 1, 1000, 100'000, 100'000, 500'000'000, 4'500'000'000, 1000, 5'000'000, 10, 20},
    {3, 1, 500, 1'000'000, 2'000'000, 9'000'000'000'000'000'000, 150'000'000, 2000, 0, 25, 40},
    {2, 4, 1'000'000, 10'000, 10'000, 1'000'000'000, 90'000'000'000, 0, 0, 0, 1},
};

uint8_t role_of(uint64_t user) {
  if (user == 9) return kMerchant;
  if (user == 10) return kBank;
  return kCustomer;
}

// Tiyn per unit of the dollar (0) and of assets 1-4, near real ones.
constexpr int64_t kTypicalRates[] = {50'000, 100, 4'500'000'000, 150'000'000, 50'000};

int64_t deposit_size(uint32_t asset) {
  switch (asset) {
    case 1: return 20'000'000'000;      // 200M KZT
    case 2: return 2'000'000'000;       // 20 BTC
    case 3: return 50'000'000'000;      // 500 ETH
    default: return 5'000'000'000'000;  // 5M USDT
  }
}

}  // namespace

OrderStream::OrderStream(uint64_t seed, const ReferenceExchange* model, const OrderStreamOptions& options)
    : prng_(seed), model_(model), options_(options) {}

void OrderStream::setup_accounts(std::vector<Command>* commands) {
  const struct {
    const char* code;
    uint8_t scale;
  } assets[] = {{"KZT", 2}, {"BTC", 8}, {"ETH", 8}, {"USDT", 6}};
  for (const auto& a : assets) commands->push_back(make_create_asset(a.code, a.scale));
  uint64_t next = 1;
  for (uint32_t asset = 1; asset <= kAssets; asset++) {
    commands->push_back(make_open_account(0, asset, AccountKind::issuance));
    issuance_[asset] = next++;
    commands->push_back(make_open_account(0, asset, AccountKind::fee_income));
    fee_[asset] = next++;
    for (uint64_t user = 1; user <= kTraders; user++) {
      commands->push_back(make_open_account(user, asset, AccountKind::customer));
      customer_[{user, asset}] = next++;
      int64_t amount = deposit_size(asset);
      if (user == kPoor) amount /= 2000;
      commands->push_back(make_transfer(issuance_[asset], customer_[{user, asset}], amount));
    }
  }
  commands->push_back(make_open_account(kKztOnly, 1, AccountKind::customer));
  customer_[{kKztOnly, 1}] = next++;
  commands->push_back(make_transfer(issuance_[1], customer_[{kKztOnly, 1}], deposit_size(1)));
  commands->push_back(make_open_account(3, 1, AccountKind::customer));  // user 3's second KZT account
  second_kzt_ = next++;
  commands->push_back(make_open_account(0, 2, AccountKind::escrow));
  escrow_ = next++;
  // Custody: deposits come from it and withdrawals go back to it, like issuance.
  for (uint32_t asset = 1; asset <= kAssets; asset++) {
    commands->push_back(make_open_account(0, asset, AccountKind::custody));
    custody_[asset] = next++;
    commands->push_back(make_transfer(issuance_[asset], custody_[asset], deposit_size(asset) * 1000));
  }
}

void OrderStream::setup_markets(std::vector<Command>* commands) {
  uint32_t market = 0;
  for (const MarketPlan& plan : kPlans) {
    market++;
    commands->push_back(make_create_market(plan.base, plan.quote, plan.tick, plan.lot, plan.min_qty, plan.max_qty));
    commands->push_back(make_set_market_rules(market, plan.band, plan.min_notional, plan.maker, plan.taker,
                                              fee_[plan.base], fee_[plan.quote]));
    commands->push_back(make_set_market_status(market, 1, plan.reference));
  }
  // Fee tiers by 30-day volume: market 1 gets cheaper, market 2's taker fee jumps (min(current, r) matters).
  commands->push_back(make_set_fee_tier(1, 1, 2, 500'000'000, 5, 15));
  commands->push_back(make_set_fee_tier(1, 2, 3, 5'000'000'000, 0, 8));
  commands->push_back(make_set_fee_tier(2, 1, 2, 200'000'000, 0, 1000));
  commands->push_back(make_set_fee_tier(2, 2, 3, 2'000'000'000, 3, 3));
  // Client limits, in tiyn: rates for the dollar, KZT and BTC (ETH and USDT have none until the stream sets one:
  // conversion_rate_missing), purchase, deposit and withdrawal limits of tiers 0-2, and the AIFC cap of USD 1,000
  // a month for Kazakhstan.
  commands->push_back(make_set_conversion_rate(0, kTypicalRates[0]));
  commands->push_back(make_set_conversion_rate(1, kTypicalRates[1]));
  commands->push_back(make_set_conversion_rate(2, kTypicalRates[2]));
  const struct {
    uint8_t tier, kind;
    int64_t daily, monthly;
  } limits[] = {
      {0, 3, 50'000'000, 300'000'000},        {1, 3, 200'000'000, 1'000'000'000},
      {2, 3, 0, 5'000'000'000},               {0, 1, 10'000'000'000, 50'000'000'000},
      {1, 1, 50'000'000'000, 0},              {0, 2, 5'000'000'000, 20'000'000'000},
      {1, 2, 20'000'000'000, 100'000'000'000},
  };
  for (const auto& l : limits) commands->push_back(make_set_tier_limits(l.tier, l.kind, l.daily, l.monthly));
  commands->push_back(make_set_retail_cap(100'000, "KZ"));
}

void OrderStream::next_block(uint64_t* time_ns, std::vector<Command>* commands) {
  commands->clear();
  if (blocks_ > 0) {
    const uint64_t roll = prng_.below(1000);
    if (roll < 300) {
      time_ns_ += 1 + prng_.below(1000);
    } else if (roll < 600) {
      time_ns_ += 1 + prng_.below(1'000'000'000);
    } else if (roll < 860) {
      time_ns_ += 1 + prng_.below(30'000'000'000);
    } else if (roll < 985) {
      time_ns_ += 60'000'000'000 + prng_.below(120'000'000'000);  // candles close
    } else {
      time_ns_ += (1 + prng_.below(40)) * 86'400'000'000'000ULL;  // days: the 30-day window moves
    }
  }
  *time_ns = time_ns_;
  if (blocks_ == 0) {
    setup_accounts(commands);
  } else if (blocks_ == 1) {
    setup_markets(commands);
  } else {
    random_block(commands);
  }
  blocks_++;
}

void OrderStream::random_block(std::vector<Command>* commands) {
  open_order_ids_.clear();
  for (const auto& [id, order] : model_->state().orders) open_order_ids_.push_back(id);
  uint64_t size = prng_.below(options_.max_block_commands + 1);
  if (prng_.chance(5)) size = 0;
  if (options_.rules_version >= 2) {
    if (model_->state().rules_version < 2 && prng_.chance(5)) commands->push_back(make_set_engine_rules(2));
    if (prng_.chance(2)) {
      Command rules = make_set_engine_rules(static_cast<uint32_t>(prng_.below(4)));
      if (prng_.chance(30)) rules.role = role_of(pick_trader().id);
      commands->push_back(rules);
    }
  }
  while (commands->size() < size) add_random(commands);
  // Now and then the block ends inside a group.
  if (!commands->empty() && prng_.chance(2)) commands->back().flags |= kFlagLinked;
}

void OrderStream::with_request_id(Command* command, uint32_t percent) {
  if (!prng_.chance(percent)) return;
  command->request_id = next_request_id_++;
  if (history_.size() < kHistory) {
    history_.push_back(*command);
  } else {
    history_[history_next_] = *command;
    history_next_ = (history_next_ + 1) % kHistory;
  }
}

void OrderStream::add_random(std::vector<Command>* commands) {
  const uint64_t roll = prng_.below(1000);
  if (roll < 520) {
    Command command = place_random();
    with_request_id(&command, 70);
    commands->push_back(command);
  } else if (roll < 620) {
    Command command = cancel();
    with_request_id(&command, 30);
    commands->push_back(command);
  } else if (roll < 680) {
    Command command = amend();
    with_request_id(&command, 30);
    commands->push_back(command);
  } else if (roll < 695) {
    Command command = cancel_all();
    with_request_id(&command, 30);
    commands->push_back(command);
  } else if (roll < 735) {
    // Cancel-replace: cancel_order then place_order by the same actor on the same market (mostly).
    Command cancel_command = cancel();
    Command place_command = place(cancel_command.actor, cancel_command.role, cancel_command.cancel_order.market);
    while (options_.avoid_known_aborts &&
           place_command.place_order.type == static_cast<uint8_t>(OrderType::market_by_quote)) {
      place_command = place(cancel_command.actor, cancel_command.role, cancel_command.cancel_order.market);
    }
    if (prng_.chance(5)) place_command.place_order.market = pick_market();
    if (prng_.chance(4)) place_command.actor = 1 + prng_.below(kTraders);
    cancel_command.flags |= kFlagLinked;
    with_request_id(&cancel_command, 30);
    with_request_id(&place_command, 70);
    if (options_.rules_version >= 2 && prng_.chance(30)) {
      const auto replaced = model_->state().orders.find(cancel_command.cancel_order.order_id);
      if (replaced != model_->state().orders.end()) place_command.request_id = replaced->second.client_id;
    }
    commands->push_back(cancel_command);
    commands->push_back(place_command);
  } else if (roll < 745) {
    // A linked group that is not a cancel-replace: refused whole (or, with ledger commands only, applied).
    const uint64_t count = 2 + prng_.below(2);
    for (uint64_t i = 0; i < count; i++) {
      Command command;
      switch (prng_.below(6)) {
        case 0: command = place_random(); break;
        case 1: command = cancel(); break;
        case 2: command = cancel_all(); break;
        case 3: command = market_status(); break;
        default: command = deposit(); break;
      }
      if (i + 1 < count) command.flags |= kFlagLinked;
      commands->push_back(command);
    }
  } else if (roll < 780) {
    commands->push_back(deposit());
  } else if (roll < 800) {
    commands->push_back(withdrawal());
  } else if (roll < 815) {
    commands->push_back(customer_transfer());
  } else if (roll < 835) {
    Command command = fee_tier();
    with_request_id(&command, 20);
    commands->push_back(command);
  } else if (roll < 850) {
    commands->push_back(market_rules());
  } else if (roll < 880) {
    Command command = market_status();
    with_request_id(&command, 20);
    commands->push_back(command);
  } else if (roll < 887) {
    Command command = create_market();
    with_request_id(&command, 20);
    commands->push_back(command);
  } else if (roll < 890) {
    commands->push_back(open_account());
  } else if (roll < 915) {
    Command command = prng_.chance(70) ? place_random() : prng_.chance(50) ? cancel() : amend();
    corrupt(&command);
    commands->push_back(command);
  } else if (roll < 950 && !history_.empty()) {
    commands->push_back(history_[prng_.below(history_.size())]);  // a retry: the same bytes
  } else if (roll < 965 && !history_.empty()) {
    // The same (actor, request id) for another command.
    const Command& old = history_[prng_.below(history_.size())];
    Command command = place_random();
    command.actor = old.actor;
    command.role = old.role;
    command.request_id = old.request_id;
    commands->push_back(command);
  } else if (roll < 975) {
    Command command = client_command();
    with_request_id(&command, 20);
    commands->push_back(command);
  } else if (roll < 980) {
    Command command = conversion_rate();
    with_request_id(&command, 20);
    commands->push_back(command);
  } else if (roll < 984) {
    Command command = tier_limits();
    with_request_id(&command, 20);
    commands->push_back(command);
  } else if (roll < 987) {
    Command command = retail_cap();
    with_request_id(&command, 20);
    commands->push_back(command);
  } else if (options_.rules_version >= 2 && roll < 997) {
    commands->push_back(place_with_open_client_id());
  } else {
    Command command = place_random();
    with_request_id(&command, 70);
    commands->push_back(command);
  }
}

// ---- Limits -------------------------------------------------------------------------------------------------

// The dollar or an asset, mostly near its typical rate; sometimes an unknown asset, a rate of 0 or below, or
// (KZT) one far off, so that the value of a huge order no longer fits (amount_overflow). ETH and USDT rarely:
// until they have a rate, limited clients' buys for USDT and their deposits of either are refused.
Command OrderStream::conversion_rate() {
  auto asset = static_cast<uint32_t>(prng_.chance(95) ? prng_.below(3) : 3 + prng_.below(2));
  int64_t rate = kTypicalRates[asset] / 100 * prng_.range(50, 200);
  if (asset == 1) rate = prng_.range(50, 200);
  if (prng_.chance(4)) asset = kAssets + 1 + static_cast<uint32_t>(prng_.below(3));
  const uint64_t r = prng_.below(100);
  if (r < 4) {
    rate = -prng_.range(0, 100);
  } else if (r < 7 && asset == 1) {
    rate = prng_.range(1, 1'000'000);
  }
  Command command = make_set_conversion_rate(asset, rate);
  if (prng_.chance(3)) command.role = kCustomer;
  return command;
}

// A tier's limits of one kind: purchases around a few orders' worth, deposits and withdrawals around a few
// deposits' worth; sometimes no daily or no monthly limit, none at all, or invalid.
Command OrderStream::tier_limits() {
  auto tier = static_cast<uint8_t>(prng_.below(4));
  auto kind = static_cast<uint8_t>(1 + prng_.below(3));
  const int64_t unit = kind == 3 ? 50'000'000 : 10'000'000'000;
  int64_t daily = unit * prng_.range(1, 10);
  int64_t monthly = daily * prng_.range(2, 10);
  const uint64_t r = prng_.below(100);
  if (r < 15) {
    daily = 0;
  } else if (r < 25) {
    monthly = 0;
  } else if (r < 35) {
    daily = 0;
    monthly = 0;
  } else if (r < 39) {
    daily = monthly + 1;  // daily above monthly
  } else if (r < 42) {
    (prng_.chance(50) ? daily : monthly) = -1;
  } else if (r < 44) {
    tier = static_cast<uint8_t>(4 + prng_.below(3));
  } else if (r < 46) {
    kind = static_cast<uint8_t>(prng_.chance(50) ? 0 : 4);
  }
  Command command = make_set_tier_limits(tier, kind, daily, monthly);
  if (prng_.chance(3)) command.role = kCustomer;
  return command;
}

// Mostly a cap for KZ of a few hundred to a few thousand dollars; sometimes off, for another country, or invalid.
Command OrderStream::retail_cap() {
  int64_t cents = 10'000 * prng_.range(2, 30);
  const char* residence = "KZ";
  const uint64_t r = prng_.below(100);
  if (r < 12) {
    cents = 0;
    residence = "\0\0";
  } else if (r < 18) {
    residence = prng_.chance(50) ? "RU" : "DE";
  } else if (r < 22) {
    residence = prng_.chance(50) ? "kz" : "K1";
  } else if (r < 24) {
    cents = -cents;
  } else if (r < 26) {
    cents = 0;  // no cap, but a residence
  }
  Command command = make_set_retail_cap(cents, residence);
  if (prng_.chance(3)) command.role = kCustomer;
  return command;
}

// Clients: mostly by a compliance officer, sometimes the operator, rarely a customer (actor_not_permitted). Most
// commands are valid, so that traders get registered, approved, frozen and cleared while they trade; offboarding
// (final) and the registration policy are rare, so the flow goes on.
Command OrderStream::client_command() {
  const uint64_t client = prng_.chance(3) ? 0 : 1 + prng_.below(kTraders);
  const uint64_t kind = prng_.below(100);
  Command command;
  if (kind < 35) {
    const char* countries[] = {"KZ", "RU", "DE", "kz", "K1"};
    const char* residence = countries[prng_.chance(70) ? 0 : prng_.chance(90) ? prng_.below(3) : prng_.below(5)];
    const char* nationality = countries[prng_.chance(95) ? prng_.below(3) : prng_.below(5)];
    const auto classification = static_cast<uint8_t>(prng_.chance(95) ? 1 + prng_.below(2) : prng_.below(4));
    const auto tier = static_cast<uint8_t>(prng_.chance(95) ? prng_.below(4) : 4 + prng_.below(3));
    command = prng_.chance(80) ? make_register_client(client, classification, tier, residence, nationality, prng_.chance(30))
                               : make_update_client(client, classification, tier, residence, nationality, prng_.chance(30));
  } else if (kind < 98) {
    // Mostly approve or clear; freeze now and then; offboard rarely; sometimes a reason that does not fit.
    const uint64_t pick = prng_.below(100);
    uint8_t status = 2;
    uint16_t reason = prng_.chance(50) ? 2 : 6;
    if (pick >= 70 && pick < 92) {
      status = 3;
      reason = static_cast<uint16_t>(3 + prng_.below(3));
    } else if (pick == 92) {
      status = 4;
      reason = static_cast<uint16_t>(prng_.chance(50) ? 7 : 8);
    } else if (pick > 92) {
      status = static_cast<uint8_t>(prng_.below(6));
      reason = static_cast<uint16_t>(prng_.below(11));
    }
    command = make_set_client_status(client, status, reason);
  } else {
    // The policy, on only now and then: while it is on, unregistered traders stop.
    command = make_set_client_policy(prng_.chance(30));
  }
  uint64_t who = prng_.below(100);
  if (kind >= 98 && who < 30) who = 90;  // the policy is the operator's: often sent by it
  command.actor = who < 85 ? 900 : who < 95 ? 10 : 1 + prng_.below(kTraders);
  command.role = static_cast<uint8_t>(who < 85 ? Role::compliance : who < 95 ? Role::operator_ : Role::customer);
  return command;
}

// ---- Picks --------------------------------------------------------------------------------------------------

OrderStream::Trader OrderStream::pick_trader() {
  const uint64_t roll = prng_.below(100);
  if (roll < 88) {
    const uint64_t user = 1 + prng_.below(kTraders);
    if (user == 10 && prng_.chance(50)) return Trader{10, kOperator};  // the operator trading its own accounts
    return Trader{user, role_of(user)};
  }
  if (roll < 93) return Trader{prng_.chance(50) ? kKztOnly : kNoAccounts, kCustomer};
  const uint8_t wrong[] = {0, 4, 5, 6};
  return Trader{1 + prng_.below(8), wrong[prng_.below(4)]};
}

uint32_t OrderStream::pick_market() {
  const auto count = static_cast<uint32_t>(model_->state().markets.size());
  if (count == 0 || prng_.chance(2)) return static_cast<uint32_t>(prng_.below(count + 3));
  // Markets 1-3 carry most of the flow.
  if (count > 3 && prng_.chance(80)) return 1 + static_cast<uint32_t>(prng_.below(3));
  return 1 + static_cast<uint32_t>(prng_.below(count));
}

const ReferenceExchange::OrderState* OrderStream::pick_order() {
  const auto& orders = model_->state().orders;
  if (open_order_ids_.empty()) return nullptr;
  const uint64_t id = open_order_ids_[prng_.below(open_order_ids_.size())];
  const auto it = orders.find(id);
  return it == orders.end() ? nullptr : &it->second;
}

int64_t OrderStream::centre(uint32_t market) const {
  const auto& markets = model_->state().markets;
  const auto it = markets.find(market);
  if (it == markets.end()) return 1'000'000;
  const auto& m = it->second;
  if (m.reference_minor > 0) return m.reference_minor;
  if (market >= 1 && market <= 3) return kPlans[market - 1].reference;
  return m.config.tick_size * 1000;
}

// ---- Orders -------------------------------------------------------------------------------------------------

Command OrderStream::place_random() {
  const uint32_t market = pick_market();
  Trader trader = pick_trader();
  // Now and then the owner of the best opposite order, so that owners meet their own orders.
  const auto& markets = model_->state().markets;
  const auto it = markets.find(market);
  if (it != markets.end() && prng_.chance(20)) {
    const auto& m = it->second;
    const bool buy_side = prng_.chance(50);
    const std::deque<uint64_t>* queue = nullptr;
    if (buy_side && !m.bids.empty()) queue = &m.bids.begin()->second;
    if (!buy_side && !m.asks.empty()) queue = &m.asks.begin()->second;
    if (queue != nullptr) {
      const auto order = model_->state().orders.find(queue->front());
      if (order != model_->state().orders.end()) trader = Trader{order->second.owner, role_of(order->second.owner)};
    }
  }
  return place(trader.id, trader.role, market);
}

Command OrderStream::place(uint64_t actor, uint8_t role, uint32_t market) {
  const auto& markets = model_->state().markets;
  const auto it = markets.find(market);
  const int64_t tick = it != markets.end() ? it->second.config.tick_size : 1000;
  const int64_t lot = it != markets.end() ? it->second.config.lot_step : 100'000;
  const int64_t last = it != markets.end() ? it->second.last_trade_minor : 0;
  const uint8_t base_scale = it != markets.end() ? it->second.config.base_scale : 8;
  const int64_t mid = centre(market);
  const bool buy = prng_.chance(50);
  const OrderSideCode side = buy ? OrderSideCode::buy : OrderSideCode::sell;

  OrderType type = OrderType::limit;
  const uint64_t t = prng_.below(100);
  if (t < 48) {
    type = OrderType::limit;
  } else if (t < 58) {
    type = OrderType::limit_maker;
  } else if (t < 68) {
    type = OrderType::market;
  } else if (t < 76) {
    type = OrderType::market_by_quote;
  } else if (t < 88) {
    type = OrderType::stop_loss_limit;
  } else {
    type = OrderType::take_profit_limit;
  }
  const bool stop = type == OrderType::stop_loss_limit || type == OrderType::take_profit_limit;
  OrderTif tif = OrderTif::none;
  if (type == OrderType::limit || stop) {
    const uint64_t r = prng_.below(100);
    tif = r < 45 ? OrderTif::gtc : r < 65 ? OrderTif::ioc : r < 80 ? OrderTif::fok : OrderTif::gtd;
  }
  if (prng_.chance(2)) tif = static_cast<OrderTif>(prng_.below(5));  // often a wrong combination

  // Price: near the centre, buyers a little below and sellers a little above, so that books build and cross.
  int64_t price = 0;
  int64_t stop_price = 0;
  const int64_t ticks_off = buy ? prng_.range(-6, 3) : prng_.range(-3, 6);
  price = (mid / tick + ticks_off) * tick;
  if (stop) {
    // Rising triggers (stop-loss buy, take-profit sell) wait above the last price, falling ones below.
    const bool rising = (type == OrderType::stop_loss_limit) == buy;
    const int64_t from = last != 0 ? last : mid;
    const int64_t distance = prng_.range(1, 4) * tick;
    stop_price = rising ? from + distance : from - distance;
    if (prng_.chance(5)) stop_price = rising ? from - distance : from;  // triggers at once (if there was a trade)
    price = stop_price + (buy ? prng_.range(-1, 3) : prng_.range(-3, 1)) * tick;
  }
  const uint64_t p = prng_.below(100);
  if (p < 3) {
    price += prng_.range(1, tick - 1 > 0 ? tick - 1 : 1);  // off the tick (or, for a tick of 1, just moved)
  } else if (p < 6) {
    price = mid + (prng_.chance(50) ? 1 : -1) * mid / 3 / tick * tick;  // far outside most bands
  } else if (p < 7) {
    price = -prng_.range(0, 2) * tick;
  }
  if (stop && prng_.chance(2)) stop_price = prng_.chance(50) ? stop_price + 1 : -tick;
  if (!stop && prng_.chance(1)) stop_price = tick;

  int64_t qty = lots(1, 8) * lot;
  const uint64_t q = prng_.below(100);
  if (q < 10) {
    qty = lots(8, 60) * lot;
  } else if (q < 12) {
    qty += prng_.range(1, lot > 1 ? lot - 1 : 1);
  } else if (q < 13) {
    qty = -lot;
  } else if (q < 15) {
    qty = it != markets.end() ? it->second.config.max_qty + lot : 1000 * lot;
  } else if (q < 16) {
    qty = (INT64_MAX / 2) / lot * lot;  // amount_overflow where the maximum allows it
  } else if (q < 18 && actor != kPoor) {
    qty = lots(200, 3000) * lot;  // big: insufficient funds now and then
  }
  uint64_t aux = 0;
  if (type == OrderType::market_by_quote) {
    // The quote amount: a few lots' worth at the centre, sometimes less than one lot or nothing.
    const int128 lot_cost = static_cast<int128>(mid) * lot / pow10_i64(base_scale);
    const int64_t cost = static_cast<int64_t>(std::clamp<int128>(lot_cost, 1, INT64_MAX / 100));
    qty = cost * prng_.range(1, 12) + prng_.range(0, cost);
    if (prng_.chance(5)) qty = prng_.range(1, cost);
    if (prng_.chance(3)) qty = -prng_.range(0, 5);
    price = 0;
  } else if (type == OrderType::market) {
    price = 0;
  }
  if (type == OrderType::market || type == OrderType::market_by_quote) {
    stop_price = 0;
    if (prng_.chance(2)) price = mid;  // a market order with a price: order_type_invalid
  }
  if (tif == OrderTif::gtd) {
    aux = time_ns_ + 1 + prng_.below(90'000'000'000);
    if (prng_.chance(4)) aux = time_ns_ - prng_.below(2);  // already due: order_expiry_invalid
  } else if ((type == OrderType::limit_maker || tif == OrderTif::gtc) && prng_.chance(25) && qty > lot) {
    aux = static_cast<uint64_t>(prng_.range(1, std::max<int64_t>(1, qty / lot - 1)) * lot);  // an iceberg
    if (prng_.chance(6)) aux = prng_.chance(50) ? static_cast<uint64_t>(qty) : aux + 1;
  } else if (prng_.chance(1)) {
    aux = static_cast<uint64_t>(lot);  // an iceberg where none is allowed
  }

  Command command = make_place_order(actor, market, side, type, tif, price, qty);
  command.role = role;
  command.place_order.stop_price_minor = stop_price;
  command.place_order.aux = aux;
  const uint64_t s = prng_.below(100);
  command.place_order.self_trade_prevention = static_cast<uint8_t>(s < 52 ? 0 : 1 + (s - 52) / 16);
  if (options_.avoid_known_aborts && type == OrderType::market_by_quote &&
      command.place_order.self_trade_prevention == 2) {
    command.place_order.self_trade_prevention = 3;
  }
  return command;
}

// A place by the owner of an open order with a client order id, reusing it (when there is one).
Command OrderStream::place_with_open_client_id() {
  const ReferenceExchange::OrderState* order = pick_order();
  if (order == nullptr || order->client_id == 0) {
    Command command = place_random();
    with_request_id(&command, 70);
    return command;
  }
  Command command = place(order->owner, role_of(order->owner), prng_.chance(80) ? order->market : pick_market());
  command.request_id = order->client_id;
  return command;
}

Command OrderStream::cancel() {
  const ReferenceExchange::OrderState* order = pick_order();
  if (order == nullptr || prng_.chance(5)) {
    const Trader trader = pick_trader();
    return make_cancel_order(trader.id, pick_market(), prng_.below(model_->state().next_order_id + 2));
  }
  Command command = make_cancel_order(order->owner, order->market, order->id);
  command.role = order->owner == 10 && prng_.chance(50) ? kOperator : role_of(order->owner);
  if (order->client_id != 0 && prng_.chance(30)) {
    command.cancel_order.order_id = 0;
    command.cancel_order.client_order_id = order->client_id;
  } else if (prng_.chance(10)) {
    command.cancel_order.client_order_id = prng_.next();  // ignored: the order id names the order
  }
  if (prng_.chance(6)) command.actor = 1 + (order->owner % kTraders);  // someone else's order
  if (prng_.chance(3)) command.cancel_order.market = pick_market();
  return command;
}

Command OrderStream::amend() {
  const ReferenceExchange::OrderState* order = pick_order();
  if (order == nullptr) {
    const Trader trader = pick_trader();
    return make_amend_order(trader.id, pick_market(), 1 + prng_.below(50), 100'000);
  }
  const int64_t lot = model_->state().markets.at(order->market).config.lot_step;
  const int64_t remaining_lots = order->remaining_minor() / lot;
  int64_t new_qty = order->executed_minor + lots(1, std::max<int64_t>(1, remaining_lots - 1)) * lot;
  const uint64_t r = prng_.below(100);
  if (r < 4) {
    new_qty = order->qty_minor;
  } else if (r < 7) {
    new_qty = order->executed_minor;
  } else if (r < 9) {
    new_qty += 1;
  } else if (r < 10) {
    new_qty = -lot;
  }
  Command command = make_amend_order(order->owner, order->market, order->id, new_qty);
  command.role = role_of(order->owner);
  if (order->client_id != 0 && prng_.chance(15)) {  // R4: by client order id
    command.amend_order.order_id = 0;
    command.amend_order.client_order_id = order->client_id;
  }
  if (prng_.chance(5)) command.actor = 1 + (order->owner % kTraders);
  return command;
}

Command OrderStream::cancel_all() {
  const ReferenceExchange::OrderState* order = pick_order();
  if (order != nullptr && prng_.chance(70)) {
    Command command = make_cancel_all(order->owner, order->market);
    command.role = role_of(order->owner);
    return command;
  }
  const Trader trader = pick_trader();
  return make_cancel_all(trader.id, pick_market());
}

// ---- Money --------------------------------------------------------------------------------------------------

Command OrderStream::deposit() {
  const uint32_t asset = 1 + static_cast<uint32_t>(prng_.below(kAssets));
  const uint64_t user = 1 + prng_.below(kTraders);
  int64_t amount = deposit_size(asset) / static_cast<int64_t>(1 + prng_.below(20));
  if (user == kPoor) amount /= 1000;
  const uint64_t from = prng_.chance(50) ? custody_.at(asset) : issuance_.at(asset);
  return make_transfer(from, customer_.at({user, asset}), std::max<int64_t>(1, amount));
}

// A trader (or the operator for it) moves money out to custody or issuance; sometimes more than is available.
Command OrderStream::withdrawal() {
  const uint32_t asset = 1 + static_cast<uint32_t>(prng_.below(kAssets));
  const uint64_t user = 1 + prng_.below(kTraders);
  const uint64_t debit = customer_.at({user, asset});
  const auto& account = model_->state().accounts.at(debit);
  const int64_t available = account.total_minor - account.locked_minor;
  int64_t amount = deposit_size(asset) / static_cast<int64_t>(2 + prng_.below(40));
  if (prng_.chance(80)) amount = std::min(amount, available);
  const uint64_t to = prng_.chance(50) ? custody_.at(asset) : issuance_.at(asset);
  Command command = make_transfer(debit, to, std::max<int64_t>(1, amount));
  if (prng_.chance(85)) {
    command.actor = user;
    command.role = role_of(user);
  }
  return command;
}

Command OrderStream::customer_transfer() {
  const uint32_t asset = 1 + static_cast<uint32_t>(prng_.below(kAssets));
  const uint64_t from = 1 + prng_.below(kTraders);
  const uint64_t to = 1 + prng_.below(kTraders);
  const uint64_t debit = customer_.at({from, asset});
  const auto& accounts = model_->state().accounts;
  const auto& account = accounts.at(debit);
  const int64_t available = account.total_minor - account.locked_minor;
  int64_t amount = available > 1 ? prng_.range(1, available) : 1;
  if (prng_.chance(30)) amount = available + prng_.range(1, 1000);  // into the locked part: insufficient_funds
  const uint64_t credit = from == to ? (asset == 1 ? second_kzt_ : issuance_.at(asset)) : customer_.at({to, asset});
  Command command = make_transfer(debit, credit, std::max<int64_t>(1, amount));
  command.actor = from;
  command.role = kCustomer;
  return command;
}

Command OrderStream::open_account() {
  const uint32_t asset = 1 + static_cast<uint32_t>(prng_.below(kAssets));
  const uint64_t user = prng_.chance(20) ? kNoAccounts + 1 : 1 + prng_.below(kTraders);
  return make_open_account(user, asset, prng_.chance(80) ? AccountKind::customer : AccountKind::fee_income);
}

// ---- Market administration ----------------------------------------------------------------------------------

Command OrderStream::fee_tier() {
  const uint32_t market = pick_market();
  const auto& markets = model_->state().markets;
  const auto it = markets.find(market);
  const uint32_t length = it != markets.end() ? static_cast<uint32_t>(it->second.tiers.size()) : 1;
  uint32_t count = length;
  const uint64_t c = prng_.below(100);
  if (c < 35) {
    count = length + 1;
  } else if (c < 50 && length > 1) {
    count = length - 1;
  } else if (c < 53) {
    count = length + 2;
  } else if (c < 55) {
    count = 17;
  }
  uint32_t index = count > 0 ? static_cast<uint32_t>(prng_.below(count)) : 0;
  if (count == length + 1 && prng_.chance(85)) index = length;
  if (prng_.chance(3)) index = count;
  int64_t threshold = 0;
  if (index > 0 && it != markets.end()) {
    const auto& tiers = it->second.tiers;
    const int64_t below = index - 1 < tiers.size() ? tiers[index - 1].min_30d_volume_quote_minor : 0;
    const int64_t above = index + 1 < tiers.size() ? tiers[index + 1].min_30d_volume_quote_minor : INT64_MAX;
    const int64_t room = above - below;
    threshold = room > 1 ? below + prng_.range(1, std::min<int64_t>(room - 1, 3'000'000'000)) : below + 1;
    if (prng_.chance(5)) threshold = below;  // not increasing
  }
  if (index == 0 && prng_.chance(5)) threshold = 1;  // tier 0 must start at 0
  uint32_t maker = static_cast<uint32_t>(prng_.below(60));
  uint32_t taker = static_cast<uint32_t>(prng_.below(80));
  if (prng_.chance(10)) maker = 1000;
  if (prng_.chance(10)) taker = 1000;
  if (prng_.chance(4)) taker = 1001 + static_cast<uint32_t>(prng_.below(5000));
  Command command =
      make_set_fee_tier(market, static_cast<uint8_t>(index), static_cast<uint8_t>(count), threshold, maker, taker);
  if (prng_.chance(3)) command.role = kCustomer;
  return command;
}

Command OrderStream::market_rules() {
  const uint32_t market = pick_market();
  const auto& markets = model_->state().markets;
  const auto it = markets.find(market);
  const uint32_t base = it != markets.end() ? it->second.config.base_asset : 1;
  const uint32_t quote = it != markets.end() ? it->second.config.quote_asset : 2;
  const uint32_t bands[] = {0, 300, 1000, 2000, 5000, 9001};
  uint32_t band = bands[prng_.below(5)];
  if (prng_.chance(3)) band = bands[5];
  int64_t min_notional = prng_.chance(50) ? 0 : prng_.range(0, 5'000'000);
  if (prng_.chance(3)) min_notional = -1;
  uint32_t maker = static_cast<uint32_t>(prng_.below(50));
  uint32_t taker = static_cast<uint32_t>(prng_.below(60));
  if (prng_.chance(3)) maker = 1001;
  uint64_t fee_base = fee_.count(base) ? fee_.at(base) : 0;
  uint64_t fee_quote = fee_.count(quote) ? fee_.at(quote) : 0;
  const uint64_t f = prng_.below(100);
  if (f < 3) {
    fee_base = escrow_;  // not a fee_income account
  } else if (f < 6) {
    std::swap(fee_base, fee_quote);  // wrong assets
  } else if (f < 8) {
    fee_quote = customer_.at({1, quote <= kAssets && quote > 0 ? quote : 1});
  } else if (f < 9) {
    fee_base = 1'000'000;  // missing
  }
  Command command = make_set_market_rules(market, band, min_notional, maker, taker, fee_base, fee_quote);
  if (prng_.chance(3)) command.role = kBank;
  return command;
}

Command OrderStream::market_status() {
  const uint32_t market = pick_market();
  const auto& markets = model_->state().markets;
  const auto it = markets.find(market);
  const int64_t tick = it != markets.end() ? it->second.config.tick_size : 1000;
  uint8_t status = 1;
  const uint64_t s = prng_.below(100);
  if (s < 72) {
    status = 1;
  } else if (s < 92) {
    status = 2;
  } else if (s < 96) {
    status = static_cast<uint8_t>(prng_.chance(50) ? 0 : 4);
  } else {
    status = 3;
  }
  // Markets 1-3 carry the flow: they are never closed.
  if (status == 3 && market >= 1 && market <= 3) status = 2;
  // A close is worth most with orders open: close the first market from 4 on that has some, if any does (so the
  // market_closed end reason is reached whatever the stream's other choices).
  uint32_t target = market;
  if (status == 3) {
    for (const auto& [id, order] : model_->state().orders) {
      if (order.market >= 4) {
        target = order.market;
        break;
      }
    }
  }
  int64_t reference = 0;
  const uint64_t r = prng_.below(100);
  if (r < 35) {
    reference = (centre(market) / tick + prng_.range(-20, 20)) * tick;
  } else if (r < 38) {
    reference = centre(market) + 1;
  } else if (r < 40) {
    reference = -tick;
  }
  Command command = make_set_market_status(target, status, reference);
  if (prng_.chance(3)) command.role = kCustomer;
  return command;
}

Command OrderStream::create_market() {
  struct Shape {
    uint32_t base, quote;
    int64_t tick, lot, min_qty, max_qty;
  };
  const Shape shapes[] = {
      {3, 4, 10'000, 1'000'000, 1'000'000, 10'000'000'000},  // ETH/USDT: valid
      {4, 1, 1, 1'000'000, 1'000'000, 1'000'000'000'000},    // USDT/KZT: valid
      {2, 3, 100, 1'000'000, 1'000'000, 100'000'000},        // BTC/ETH: valid
      {2, 2, 1000, 100'000, 100'000, 1'000'000},             // same asset
      {2, 9, 1000, 100'000, 100'000, 1'000'000},             // missing asset
      {2, 1, 0, 100'000, 100'000, 1'000'000},                // tick
      {2, 1, 1000, 1000, 1000, 1'000'000},                   // lot: tick * lot not whole
      {2, 1, 1000, 100'000, 1'000'000, 100'000},             // min above max
      {2, 1, 1000, 100'000, 150'000, 1'000'000},             // min not on the lot
  };
  const Shape& shape = shapes[prng_.chance(60) ? prng_.below(3) : prng_.below(std::size(shapes))];
  Command command = make_create_market(shape.base, shape.quote, shape.tick, shape.lot, shape.min_qty, shape.max_qty);
  if (prng_.chance(3)) command.role = kCustomer;
  return command;
}

// ---- Broken commands ----------------------------------------------------------------------------------------

void OrderStream::corrupt(Command* command) {
  switch (prng_.below(7)) {
    case 0:
      // Kinds no command has: 14-19, 25-29, 40-49, 66-165.
      command->kind = static_cast<uint16_t>(prng_.chance(50)   ? 14 + prng_.below(6)
                                            : prng_.chance(50) ? 25 + prng_.below(5)
                                            : prng_.chance(50) ? 40 + prng_.below(10)
                                                               : 66 + prng_.below(100));
      break;
    case 1: command->flags |= static_cast<uint8_t>(2u << prng_.below(7)); break;
    case 2: command->reserved = static_cast<uint32_t>(1u << prng_.below(32)); break;
    case 3: command->role = static_cast<uint8_t>(kMaxRole + 1 + prng_.below(255 - kMaxRole)); break;
    case 4:
      if (command->kind == static_cast<uint16_t>(CommandKind::place_order)) {
        switch (prng_.below(4)) {
          case 0: command->place_order.side = static_cast<uint8_t>(prng_.chance(50) ? 0 : 3); break;
          case 1: command->place_order.type = static_cast<uint8_t>(prng_.chance(50) ? 0 : 7); break;
          case 2: command->place_order.time_in_force = 5; break;
          default: command->place_order.self_trade_prevention = 4; break;
        }
      } else {
        command->payload[36 + prng_.below(4)] = 1;
      }
      break;
    case 5: command->payload[4 + prng_.below(4)] = 1; break;  // unused bytes of cancel/amend (market bytes of place)
    default: command->payload[32 + prng_.below(8)] = 0x40; break;
  }
}

}  // namespace qz::testing
