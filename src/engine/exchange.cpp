#include "engine/exchange.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "base/assert.h"
#include "base/checked.h"

namespace qz {

namespace {

// The occupied-slot bitmap of a market (MarketState::occupied).
void set_occupied(MarketState& market, uint32_t slot, bool occupied) {
  const uint64_t bit = uint64_t{1} << (slot % 64);
  if (occupied) {
    market.occupied[slot / 64] |= bit;
  } else {
    market.occupied[slot / 64] &= ~bit;
  }
}

// Calls visit(slot) for every slot that holds an order, in ascending slot order.
template <typename Visit>
void for_each_occupied(const MarketState& market, Visit&& visit) {
  for (size_t word = 0; word < market.occupied.size(); word++) {
    uint64_t bits = market.occupied[word];
    while (bits != 0) {
      visit(static_cast<uint32_t>(word * 64 + static_cast<size_t>(__builtin_ctzll(bits))));
      bits &= bits - 1;
    }
  }
}

Side book_side(uint8_t side_code) { return side_code == static_cast<uint8_t>(OrderSideCode::buy) ? Side::buy : Side::sell; }
OrderSide rules_side(uint8_t side_code) {
  return side_code == static_cast<uint8_t>(OrderSideCode::buy) ? OrderSide::buy : OrderSide::sell;
}
uint8_t side_code(Side side) {
  return static_cast<uint8_t>(side == Side::buy ? OrderSideCode::buy : OrderSideCode::sell);
}

bool is_stop(uint8_t type) {
  return type == static_cast<uint8_t>(OrderType::stop_loss_limit) ||
         type == static_cast<uint8_t>(OrderType::take_profit_limit);
}
bool is_market_type(uint8_t type) {
  return type == static_cast<uint8_t>(OrderType::market) || type == static_cast<uint8_t>(OrderType::market_by_quote);
}
// True when the stop triggers as the last price rises to it (last >= stop); false: as it falls (last <= stop).
bool triggers_upward(uint8_t type, uint8_t side) {
  const bool buy = side == static_cast<uint8_t>(OrderSideCode::buy);
  return type == static_cast<uint8_t>(OrderType::stop_loss_limit) ? buy : !buy;
}

bool order_role(Role role) {
  return role == Role::customer || role == Role::merchant || role == Role::bank || role == Role::operator_;
}

uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

size_t Exchange::ClientKeyHash::operator()(const ClientKey& key) const {
  return static_cast<size_t>(mix64(key.owner * 0x9E3779B97F4A7C15ULL ^ key.client_order_id));
}

// What prepare_place decided, for reserve and execute_place.
struct Exchange::Prepared {
  MarketState* market = nullptr;
  uint64_t owner = 0;
  uint8_t side = 0;
  uint8_t type = 0;
  uint8_t tif = 0;
  uint8_t stp = 0;
  int64_t price_minor = 0;  // the limit the book uses
  int64_t qty_minor = 0;    // the base quantity the book may trade
  int64_t price_ticks = 0;  // price_minor in ticks
  int64_t stop_price_minor = 0;
  uint64_t expires_at_ns = 0;
  int64_t visible_minor = 0;
  uint64_t spend_account = 0;
  uint64_t receive_account = 0;
  uint32_t fee_cap_bps = 0;
  int64_t reserve_minor = 0;
  int64_t commitment_tiyn = 0;  // a limited client's buy: the tenge value of its cost (rules/limits.h)
  int64_t commit_rate = 0;
  bool expire_at_once = false;  // a market order with nothing to trade
};

Exchange::Exchange(Ledger* ledger, const ClientRegistry* clients, ClientLimits* client_limits,
                   const ConversionRates* rates, const MarketLimits& limits)
    : ledger_(ledger), clients_(clients), client_limits_(client_limits), rates_(rates), limits_(limits) {
  QZ_ASSERT(ledger_ != nullptr && clients_ != nullptr && client_limits_ != nullptr && rates_ != nullptr);
  QZ_ASSERT(limits_.orders_per_market >= 1 && limits_.max_markets >= 1 && limits_.candle_history >= 1);
}

const MarketState* Exchange::market(uint32_t market_id) const {
  if (market_id == 0 || market_id > markets_.size()) return nullptr;
  return markets_[market_id - 1].get();
}

MarketState* Exchange::mutable_market(uint32_t market_id) {
  if (market_id == 0 || market_id > markets_.size()) return nullptr;
  return markets_[market_id - 1].get();
}

const OrderState* Exchange::order(uint64_t order_id) const {
  const OrderRef* ref = order_id == 0 ? nullptr : orders_.find(order_id);
  if (ref == nullptr) return nullptr;
  return &markets_[ref->market - 1]->slots[ref->slot];
}

std::map<uint64_t, int64_t> Exchange::open_commitments() const {
  std::map<uint64_t, int64_t> by_owner;
  for (const auto& market : markets_) {
    for (const OrderState& o : market->slots) {
      if (o.order_id != 0 && o.commitment_tiyn != 0) by_owner[o.owner] += o.commitment_tiyn;
    }
  }
  return by_owner;
}

uint64_t Exchange::trading_account(uint64_t owner, uint32_t asset) const {
  const auto it = trading_accounts_.find(ClientKey{.owner = owner, .client_order_id = asset});
  return it == trading_accounts_.end() ? 0 : it->second;
}

// The owner's trading accounts in the market's two assets. Cached per market once both exist (they never
// change after that: a trading account is the first customer account of its owner and asset).
TradingPair Exchange::trading_pair(MarketState& market, uint64_t owner) const {
  const bool cacheable = owner < UINT64_MAX;
  if (cacheable) {
    if (const TradingPair* cached = market.trading_pairs.find(owner + 1)) return *cached;
  }
  const TradingPair pair{.base_account = trading_account(owner, market.config.base_asset),
                         .quote_account = trading_account(owner, market.config.quote_asset)};
  if (cacheable && pair.base_account != 0 && pair.quote_account != 0) market.trading_pairs.insert(owner + 1, pair);
  return pair;
}

uint64_t Exchange::client_hash(uint64_t owner, uint64_t client_order_id) {
  const uint64_t hash = mix64(mix64(owner) ^ (client_order_id * 0x9E3779B97F4A7C15ULL));
  return hash == 0 ? 1 : hash;
}

void Exchange::index_client(uint64_t owner, uint64_t client_order_id, uint64_t order_id) {
  const ClientEntry entry{.owner = owner, .client_order_id = client_order_id, .order_id = order_id};
  if (!client_ids_.insert(client_hash(owner, client_order_id), entry)) {
    client_overflow_.insert_or_assign({owner, client_order_id}, order_id);
  }
}

uint64_t Exchange::find_client(uint64_t owner, uint64_t client_order_id) const {
  const ClientEntry* entry = client_ids_.find(client_hash(owner, client_order_id));
  if (entry != nullptr && entry->owner == owner && entry->client_order_id == client_order_id) return entry->order_id;
  if (client_overflow_.empty()) return 0;
  const auto it = client_overflow_.find({owner, client_order_id});
  return it == client_overflow_.end() ? 0 : it->second;
}

void Exchange::unindex_client(uint64_t owner, uint64_t client_order_id, uint64_t order_id) {
  const uint64_t key = client_hash(owner, client_order_id);
  const ClientEntry* entry = client_ids_.find(key);
  if (entry != nullptr && entry->order_id == order_id) {
    client_ids_.erase(key);
    return;
  }
  const auto it = client_overflow_.find({owner, client_order_id});
  if (it != client_overflow_.end() && it->second == order_id) client_overflow_.erase(it);
}

void Exchange::on_account_opened(uint64_t account_id) {
  const Account* account = ledger_->account(account_id);
  QZ_ASSERT(account != nullptr);
  if (account->kind != AccountKind::customer) return;
  trading_accounts_.try_emplace(ClientKey{.owner = account->owner, .client_order_id = account->asset}, account_id);
}

Event& Exchange::emit(EventKind kind) {
  Event& event = events_->emplace_back();  // value-initialised: all zero
  event.kind = static_cast<uint16_t>(kind);
  event.command_index = command_index_;
  return event;
}

// ---------------------------------------------------------------------------------------------------------------
// Dispatch

Result Exchange::apply(const Command& command, uint32_t index, uint64_t block_time_ns, std::vector<Event>* events,
                       uint64_t* object_id) {
  events_ = events;
  command_index_ = index;
  block_time_ns_ = block_time_ns;
  *object_id = 0;
  switch (command.command_kind()) {
    case CommandKind::create_market: return create_market(command, index, events, object_id);
    case CommandKind::set_market_rules:
      *object_id = command.set_market_rules.market;
      return set_market_rules(command, index, events);
    case CommandKind::set_market_status:
      *object_id = command.set_market_status.market;
      return set_market_status(command, index, events);
    case CommandKind::set_fee_tier:
      *object_id = command.set_fee_tier.market;
      return set_fee_tier(command, index, events);
    case CommandKind::place_order: {
      Prepared prepared;
      Result r = prepare_place(command, block_time_ns, nullptr, &prepared);
      if (r != Result::ok) return r;
      r = reserve(&prepared);
      if (r != Result::ok) return r;
      *object_id = execute_place(command, prepared, index, events);
      return Result::ok;
    }
    case CommandKind::cancel_order: return cancel_order(command, object_id);
    case CommandKind::amend_order: return amend_order(command, object_id);
    case CommandKind::cancel_all: return cancel_all(command, index, events);
    default: break;
  }
  QZ_ASSERT_MSG(false, "Exchange::apply given a command it does not handle");
  return Result::unknown_command_kind;
}

// ---------------------------------------------------------------------------------------------------------------
// Markets

Result Exchange::create_market(const Command& command, uint32_t index, std::vector<Event>* events,
                               uint64_t* object_id) {
  if (static_cast<Role>(command.role) != Role::operator_) return Result::actor_not_permitted;
  const CreateMarketPayload& p = command.create_market;
  const Asset* base = ledger_->asset(p.base);
  const Asset* quote = ledger_->asset(p.quote);
  if (base == nullptr || quote == nullptr) return Result::market_assets_invalid;
  MarketConfig config;
  config.base_asset = p.base;
  config.quote_asset = p.quote;
  config.base_scale = base->scale;
  config.quote_scale = quote->scale;
  config.tick_size = p.tick_size;
  config.lot_step = p.lot_step;
  config.min_qty = p.min_qty;
  config.max_qty = p.max_qty;
  config.status = MarketStatus::halted;
  const Result valid = validate_market_config(config);
  if (valid != Result::ok) return valid;
  if (markets_.size() >= limits_.max_markets) return Result::market_limit_reached;

  auto market = std::make_unique<MarketState>();
  market->id = static_cast<uint32_t>(markets_.size() + 1);
  market->config = config;
  market->fees = FeeSchedule::flat(0, 0);
  const int128 unit = static_cast<int128>(config.tick_size) * config.lot_step / pow10_i64(config.base_scale);
  market->notional_per_tick_lot = unit > INT64_MAX ? INT64_MAX : static_cast<int64_t>(unit);
  market->book = std::make_unique<OrderBook>(BookConfig{.order_capacity = limits_.orders_per_market,
                                                        .id_capacity = limits_.orders_per_market,
                                                        .window_levels = limits_.window_levels,
                                                        .initial_centre_ticks = 0});
  market->slots.resize(limits_.orders_per_market);
  market->occupied.assign((limits_.orders_per_market + 63) / 64, 0);
  market->free_slots.reserve(limits_.orders_per_market);
  for (uint32_t slot = limits_.orders_per_market; slot-- > 0;) market->free_slots.push_back(slot);
  market->candles = std::make_unique<CandleSeries>(market->id, CandleInterval::m1, limits_.candle_history);
  *object_id = market->id;

  Event event = make_event(EventKind::market_created, index);
  event.market_created = MarketCreatedPayload{.market = market->id, .base = p.base, .quote = p.quote, .zero = 0,
                                              .tick_size = p.tick_size, .lot_step = p.lot_step,
                                              .min_qty = p.min_qty, .max_qty = p.max_qty};
  events->push_back(event);
  markets_.push_back(std::move(market));
  return Result::ok;
}

Result Exchange::set_market_rules(const Command& command, uint32_t index, std::vector<Event>* events) {
  if (static_cast<Role>(command.role) != Role::operator_) return Result::actor_not_permitted;
  const SetMarketRulesPayload& p = command.set_market_rules;
  MarketState* market = mutable_market(p.market);
  if (market == nullptr) return Result::market_not_found;
  if (market->config.status == MarketStatus::closed) return Result::market_closed;
  MarketConfig config = market->config;
  config.band_bps = p.band_bps;
  config.min_notional = p.min_notional;
  config.maker_fee_bps = p.maker_fee_bps;
  config.taker_fee_bps = p.taker_fee_bps;
  if (p.min_notional < 0) return Result::market_qty_limits_invalid;
  const Result valid = validate_market_config(config);
  if (valid != Result::ok) return valid;
  std::vector<FeeTier> tiers(market->fees.tiers().begin(), market->fees.tiers().end());
  tiers[0].maker_bps = p.maker_fee_bps;
  tiers[0].taker_bps = p.taker_fee_bps;
  FeeSchedule schedule;
  if (FeeSchedule::make(tiers, &schedule) != Result::ok) return Result::fee_tiers_invalid;
  const Account* fee_base = ledger_->account(p.fee_account_base);
  const Account* fee_quote = ledger_->account(p.fee_account_quote);
  if (fee_base == nullptr || fee_quote == nullptr || fee_base->kind != AccountKind::fee_income ||
      fee_quote->kind != AccountKind::fee_income || fee_base->asset != config.base_asset ||
      fee_quote->asset != config.quote_asset) {
    return Result::market_fee_accounts_invalid;
  }
  market->config = config;
  market->fees = schedule;
  market->fee_account_base = p.fee_account_base;
  market->fee_account_quote = p.fee_account_quote;
  Event event = make_event(EventKind::market_rules_set, index);
  event.market_rules_set = MarketRulesSetPayload{.market = p.market, .band_bps = p.band_bps,
                                                 .maker_fee_bps = p.maker_fee_bps, .taker_fee_bps = p.taker_fee_bps,
                                                 .min_notional = p.min_notional,
                                                 .fee_account_base = p.fee_account_base,
                                                 .fee_account_quote = p.fee_account_quote, .zero = {}};
  events->push_back(event);
  return Result::ok;
}

Result Exchange::set_fee_tier(const Command& command, uint32_t index, std::vector<Event>* events) {
  if (static_cast<Role>(command.role) != Role::operator_) return Result::actor_not_permitted;
  const SetFeeTierPayload& p = command.set_fee_tier;
  MarketState* market = mutable_market(p.market);
  if (market == nullptr) return Result::market_not_found;
  if (market->config.status == MarketStatus::closed) return Result::market_closed;
  const size_t current = market->fees.tiers().size();
  if (p.index >= p.count || p.count > FeeSchedule::kMaxTiers || p.count > current + 1) {
    return Result::fee_tiers_invalid;
  }
  std::vector<FeeTier> tiers(market->fees.tiers().begin(), market->fees.tiers().end());
  tiers.resize(p.count);
  tiers[p.index] = FeeTier{.min_30d_volume_quote_minor = p.min_30d_volume_quote_minor,
                           .maker_bps = p.maker_fee_bps, .taker_bps = p.taker_fee_bps};
  const FeeScheduleFault fault = FeeSchedule::check(tiers);
  if (fault == FeeScheduleFault::fee_above_maximum) return Result::market_fee_invalid;
  if (fault != FeeScheduleFault::none) return Result::fee_tiers_invalid;
  FeeSchedule schedule;
  QZ_ASSERT(FeeSchedule::make(tiers, &schedule) == Result::ok);
  market->fees = schedule;
  market->config.maker_fee_bps = tiers[0].maker_bps;
  market->config.taker_fee_bps = tiers[0].taker_bps;
  Event event = make_event(EventKind::fee_tier_set, index);
  event.fee_tier_set.market = p.market;
  event.fee_tier_set.index = p.index;
  event.fee_tier_set.count = p.count;
  event.fee_tier_set.min_30d_volume_quote_minor = p.min_30d_volume_quote_minor;
  event.fee_tier_set.maker_fee_bps = p.maker_fee_bps;
  event.fee_tier_set.taker_fee_bps = p.taker_fee_bps;
  events->push_back(event);
  return Result::ok;
}

Result Exchange::set_market_status(const Command& command, uint32_t index, std::vector<Event>* events) {
  if (static_cast<Role>(command.role) != Role::operator_) return Result::actor_not_permitted;
  const SetMarketStatusPayload& p = command.set_market_status;
  MarketState* market = mutable_market(p.market);
  if (market == nullptr) return Result::market_not_found;
  if (p.status < 1 || p.status > 3 || market->config.status == MarketStatus::closed) {
    return Result::market_status_invalid;
  }
  const auto status = static_cast<MarketStatus>(p.status);
  if (status == MarketStatus::trading && market->fee_account_base == 0) return Result::market_not_ready;
  if (p.reference_price_minor < 0 ||
      (p.reference_price_minor > 0 && p.reference_price_minor % market->config.tick_size != 0)) {
    return Result::price_not_on_tick;
  }
  (void)index;
  const MarketStatus previous = market->config.status;
  market->config.status = status;
  if (p.reference_price_minor > 0) market->reference_price_minor = p.reference_price_minor;
  Event& event = emit(EventKind::market_status_changed);
  event.market_status_changed.market = p.market;
  event.market_status_changed.status = p.status;
  event.market_status_changed.previous_status = static_cast<uint8_t>(previous);
  event.market_status_changed.reference_price_minor = market->reference_price_minor;
  if (status == MarketStatus::closed) {
    std::vector<std::pair<uint64_t, uint32_t>> open;  // (order id, slot)
    for (uint32_t slot = 0; slot < market->slots.size(); slot++) {
      if (market->slots[slot].order_id != 0) open.emplace_back(market->slots[slot].order_id, slot);
    }
    std::sort(open.begin(), open.end());
    (*events)[events->size() - 1].market_status_changed.orders_cancelled = open.size();
    for (const auto& [order_id, slot] : open) {
      end_order(*market, slot, EventKind::order_cancelled, OrderEndReason::market_closed);
    }
    flush_levels();
  }
  return Result::ok;
}

// ---------------------------------------------------------------------------------------------------------------
// Placing orders

Result Exchange::prepare_place(const Command& command, uint64_t block_time_ns, const OrderRef* replaced,
                               Prepared* out) {
  if (!order_role(static_cast<Role>(command.role))) return Result::actor_not_permitted;
  const PlaceOrderPayload& p = command.place_order;
  MarketState* market = mutable_market(p.market);
  if (market == nullptr) return Result::market_not_found;
  // 2a. the client: a pending, frozen or offboarded one places nothing.
  if (const Result client = clients_->movable(command.actor); client != Result::ok) return client;
  const MarketConfig& config = market->config;

  // 3. the type / time in force / field table.
  const auto tif = static_cast<OrderTif>(p.time_in_force);
  const bool limit_tif = tif == OrderTif::gtc || tif == OrderTif::ioc || tif == OrderTif::fok || tif == OrderTif::gtd;
  bool shape_ok = false;
  switch (static_cast<OrderType>(p.type)) {
    case OrderType::limit:
      shape_ok = limit_tif && p.stop_price_minor == 0;
      break;
    case OrderType::limit_maker:
      shape_ok = tif == OrderTif::none && p.stop_price_minor == 0;
      break;
    case OrderType::market:
    case OrderType::market_by_quote:
      shape_ok = tif == OrderTif::none && p.price_minor == 0 && p.stop_price_minor == 0 && p.aux == 0;
      break;
    case OrderType::stop_loss_limit:
    case OrderType::take_profit_limit:
      shape_ok = limit_tif && p.stop_price_minor > 0;
      break;
  }
  if (shape_ok && !is_market_type(p.type)) {
    if (tif == OrderTif::gtd) shape_ok = p.aux > 0;
    if (tif == OrderTif::ioc || tif == OrderTif::fok) shape_ok = p.aux == 0;
  }
  if (!shape_ok) return Result::order_type_invalid;

  // *out is a freshly value-initialised Prepared (both callers construct one).
  out->market = market;
  out->owner = command.actor;
  out->side = p.side;
  out->type = p.type;
  out->tif = p.time_in_force;
  out->stp = p.self_trade_prevention;
  const bool buy = p.side == static_cast<uint8_t>(OrderSideCode::buy);
  const OrderSide side = rules_side(p.side);
  int64_t limit_spent = -1;  // a limit order's notional (buy) or quantity (sell); -1 for market orders
  int64_t buy_cost = 0;      // a buy's largest cost in quote, without the fee (what the purchase limits value)

  // 4. filters.
  if (!is_market_type(p.type)) {
    LimitOrderShape shape;
    const Result r = check_limit_order_shape(config, market->notional_per_tick_lot, market->reference_price_minor,
                                             p.price_minor, p.qty_minor, &shape);
    if (r != Result::ok) return r;
    if (shape.price_ticks > kMaxPriceTicks || shape.qty_lots > kMaxQtyLots) return Result::amount_overflow;
    out->price_minor = p.price_minor;
    out->qty_minor = p.qty_minor;
    out->price_ticks = shape.price_ticks;
    limit_spent = buy ? shape.notional_minor : p.qty_minor;
    if (buy) buy_cost = shape.notional_minor;
  } else {
    if (config.status == MarketStatus::halted) return Result::market_halted;
    if (config.status != MarketStatus::trading) return Result::market_closed;
    if (p.type == static_cast<uint8_t>(OrderType::market)) {
      if (p.qty_minor <= 0 || p.qty_minor % config.lot_step != 0) return Result::qty_not_on_lot;
      if (p.qty_minor < config.min_qty) return Result::qty_below_minimum;
      if (p.qty_minor > config.max_qty) return Result::qty_above_maximum;
    } else {
      if (p.qty_minor <= 0) return Result::amount_must_be_positive;
      if (p.qty_minor < config.min_notional) return Result::notional_below_minimum;
    }
    int64_t protection = 0;
    if (config.band_bps == 0 || !protection_price(config, side, market->reference_price_minor, &protection)) {
      return Result::no_reference_price;
    }
    if (protection / config.tick_size > kMaxPriceTicks) return Result::amount_overflow;
    if (p.type == static_cast<uint8_t>(OrderType::market)) {
      int64_t notional = 0;
      if (p.qty_minor / config.lot_step > kMaxQtyLots || !market_notional(config, protection, p.qty_minor, &notional)) {
        return Result::amount_overflow;
      }
      out->price_minor = protection;
      out->qty_minor = p.qty_minor;
      if (buy) buy_cost = notional;
    } else {
      // Walk the opposite levels within the protection price: what the quote amount reaches.
      const Side opposite = buy ? Side::sell : Side::buy;
      const int64_t limit_ticks = protection / config.tick_size;
      int64_t quote_left = p.qty_minor;
      int64_t lots = 0;
      int64_t last_ticks = 0;
      // The levels the order can reach. When self-trade prevention will take the actor's own makers off the
      // book (expire_maker, expire_both), or a cancel-replace cancels one, those do not count: the walk must
      // see what the match will see, or the order could trade deeper than its hold allows.
      const bool skip_own = p.self_trade_prevention == static_cast<uint8_t>(SelfTrade::expire_maker) ||
                            p.self_trade_prevention == static_cast<uint8_t>(SelfTrade::expire_both);
      const bool skip_replaced = replaced != nullptr && replaced->market == p.market &&
                                 market->slots[replaced->slot].side != p.side;
      std::vector<LevelInfo> levels;
      uint32_t want = 16;
      const bool filtered = skip_own || skip_replaced;
      if (filtered) {
        std::vector<RestingOrder> resting;
        market->book->collect_orders(opposite, &resting);
        for (const RestingOrder& r : resting) {
          const OrderState& maker = market->slots[r.order_id];
          if ((skip_own && maker.owner == command.actor) || (skip_replaced && r.order_id == replaced->slot)) continue;
          if (levels.empty() || levels.back().price_ticks != r.price_ticks) {
            levels.push_back(LevelInfo{.price_ticks = r.price_ticks, .total_qty_lots = 0, .order_count = 0});
          }
          levels.back().total_qty_lots += r.qty_lots;
          levels.back().order_count++;
        }
      }
      size_t at = 0;
      bool done = false;
      while (!done) {
        if (!filtered) {
          levels.clear();
          market->book->collect_levels(opposite, want, &levels);
        }
        if (at >= levels.size()) break;
        for (; at < levels.size(); at++) {
          const LevelInfo& level = levels[at];
          if (buy ? level.price_ticks > limit_ticks : level.price_ticks < limit_ticks) {
            done = true;
            break;
          }
          const int128 lot_cost = static_cast<int128>(level.price_ticks) * market->notional_per_tick_lot;
          const int128 affordable = lot_cost == 0 ? level.total_qty_lots : quote_left / lot_cost;
          const int64_t take =
              affordable >= level.total_qty_lots ? level.total_qty_lots : static_cast<int64_t>(affordable);
          if (take > 0) {
            lots += take;
            quote_left -= static_cast<int64_t>(lot_cost * take);
            last_ticks = level.price_ticks;
          }
          if (take < level.total_qty_lots || quote_left == 0) {
            done = true;
            break;
          }
        }
        if (filtered || levels.size() < want) break;
        want *= 2;
      }
      if (lots == 0) {
        out->expire_at_once = true;
        out->price_minor = protection;
        out->qty_minor = 0;
      } else {
        out->price_minor = last_ticks * config.tick_size;
        out->qty_minor = lots * config.lot_step;
        if (buy) buy_cost = p.qty_minor;
      }
    }
  }

  // 5. stop price.
  if (is_stop(p.type)) {
    if (p.stop_price_minor % config.tick_size != 0) return Result::stop_price_invalid;
    if (market->last_price_minor != 0) {
      const bool up = triggers_upward(p.type, p.side);
      if (up ? market->last_price_minor >= p.stop_price_minor : market->last_price_minor <= p.stop_price_minor) {
        return Result::stop_price_invalid;
      }
    }
    out->stop_price_minor = p.stop_price_minor;
  }
  // 6. iceberg.
  const bool rests = tif == OrderTif::gtc || p.type == static_cast<uint8_t>(OrderType::limit_maker);
  if (rests && p.aux != 0) {
    const auto visible = static_cast<int64_t>(p.aux);
    if (p.aux > static_cast<uint64_t>(INT64_MAX) || visible % config.lot_step != 0 || visible >= p.qty_minor) {
      return Result::iceberg_invalid;
    }
    out->visible_minor = visible;
  }
  // 7. expiry.
  if (tif == OrderTif::gtd) {
    if (p.aux <= block_time_ns) return Result::order_expiry_invalid;
    out->expires_at_ns = p.aux;
  }
  // 8. accounts.
  const TradingPair pair = trading_pair(*market, command.actor);
  out->spend_account = buy ? pair.quote_account : pair.base_account;
  out->receive_account = buy ? pair.base_account : pair.quote_account;
  if (out->spend_account == 0 || out->receive_account == 0) return Result::trading_account_not_found;
  // 9. post-only. A replaced order of the same owner on the opposite side does not count.
  if (p.type == static_cast<uint8_t>(OrderType::limit_maker)) {
    const Side opposite = buy ? Side::sell : Side::buy;
    const int64_t limit_ticks = p.price_minor / config.tick_size;
    std::vector<LevelInfo> levels;
    market->book->collect_levels(opposite, 2, &levels);
    RestingOrder excluded{};
    const bool exclude = replaced != nullptr && replaced->market == p.market &&
                         market->book->find(replaced->slot, &excluded) && excluded.side == opposite;
    for (const LevelInfo& level : levels) {
      const bool crosses = buy ? level.price_ticks <= limit_ticks : level.price_ticks >= limit_ticks;
      if (!crosses) break;
      const int64_t other = level.total_qty_lots -
                            (exclude && excluded.price_ticks == level.price_ticks ? excluded.qty_lots : 0);
      if (other > 0) return Result::order_would_take;
    }
  }
  // 9b. the client order id: unique among the actor's open orders, the one a cancel-replace cancels aside.
  if (command.request_id != 0) {
    const uint64_t holder = find_client(command.actor, command.request_id);
    if (holder != 0) {
      const bool is_replaced =
          replaced != nullptr && markets_[replaced->market - 1]->slots[replaced->slot].order_id == holder;
      if (!is_replaced) return Result::client_order_id_open;
    }
  }
  // 10. capacity.
  const uint32_t freed = replaced != nullptr && replaced->market == p.market ? 1 : 0;
  if (market->open_orders - freed >= limits_.orders_per_market) {
    return Result::order_limit_reached;
  }
  // The fee cap and the reservation (never fails for an order that passed the filters).
  block_time_ns_ = block_time_ns;
  const FeeTier& tier = tier_of(*market, command.actor);
  out->fee_cap_bps = std::max(tier.maker_bps, tier.taker_bps);
  if (p.type == static_cast<uint8_t>(OrderType::market_by_quote) && buy) {
    const int128 fee = (static_cast<int128>(p.qty_minor) * out->fee_cap_bps + 9'999) / 10'000;
    if (static_cast<int128>(p.qty_minor) + fee > INT64_MAX) return Result::amount_overflow;
    out->reserve_minor = out->expire_at_once ? 0 : static_cast<int64_t>(p.qty_minor + fee);
  } else if (limit_spent >= 0) {
    if (!reservation_with_fee(limit_spent, out->fee_cap_bps, &out->reserve_minor)) return Result::amount_overflow;
  } else if (!out->expire_at_once) {
    if (!limit_reservation(config, side, out->price_minor, out->qty_minor, out->fee_cap_bps, &out->reserve_minor)) {
      return Result::amount_overflow;
    }
  }
  if (limit_spent < 0) out->price_ticks = out->price_minor / config.tick_size;

  // 12. purchases of a registered client (docs/clients.md): a buy commits the tenge value of its cost, at the
  // quote asset's rate now (kept by the order), so that its fills count as purchases whatever the client's
  // limits are when they happen. A client a purchase limit binds now is checked, with the month's purchases
  // and its open commitments; for it a missing rate or a value too large is a rejection, for others the order
  // is simply not counted.
  if (buy_cost > 0 && clients_->size() != 0) {
    const Client* client = clients_->find(command.actor);
    if (client != nullptr) {
      const bool limited = client_limits_->purchase_limited(client->facts);
      const int64_t rate = rates_->rate(config.quote_asset);
      if (rate == 0) {
        if (limited) return Result::conversion_rate_missing;
      } else {
        const int128 commitment = tenge_value_128(buy_cost, config.quote_scale, rate);
        const int64_t freed_tiyn =
            replaced != nullptr && replaced->market == p.market ? market->slots[replaced->slot].commitment_tiyn : 0;
        const bool fits = commitment <= INT64_MAX && client_limits_->can_commit(command.actor, commitment, freed_tiyn);
        if (limited) {
          const Result r = client_limits_->check_purchase(command.actor, client->facts, commitment, freed_tiyn,
                                                          period_of(block_time_ns), rates_->rate(kUsdRateAsset));
          if (r != Result::ok) return r;
          if (!fits) return Result::amount_overflow;
        }
        if (fits) {  // an unlimited client's buy too large to count is not counted
          out->commitment_tiyn = static_cast<int64_t>(commitment);
          out->commit_rate = rate;
        }
      }
    }
  }
  return Result::ok;
}

// 11. the reservation, locked in the ledger. Changes the ledger only when it succeeds.
Result Exchange::reserve(Prepared* prepared) {
  if (prepared->reserve_minor == 0) return Result::ok;
  return ledger_->lock(prepared->spend_account, prepared->reserve_minor);
}

uint64_t Exchange::execute_place(const Command& command, Prepared& prepared, uint32_t index,
                                 std::vector<Event>* events) {
  events_ = events;
  command_index_ = index;
  MarketState& market = *prepared.market;
  const uint64_t order_id = next_order_id_++;
  Event& accepted = emit(EventKind::order_accepted);
  accepted.order_accepted = OrderAcceptedPayload{
      .order = order_id, .market = market.id, .side = prepared.side, .type = prepared.type,
      .time_in_force = prepared.tif, .self_trade_prevention = prepared.stp, .price_minor = prepared.price_minor,
      .qty_minor = prepared.qty_minor, .account = prepared.spend_account, .reserved_minor = prepared.reserve_minor};
  if (prepared.expire_at_once) {
    Event& expired = emit(EventKind::order_expired);
    expired.order_ended = OrderEndedPayload{.order = order_id, .market = market.id,
                                            .reason = static_cast<uint8_t>(OrderEndReason::market_remainder),
                                            .zero = {}, .remaining_qty_minor = 0, .executed_qty_minor = 0,
                                            .released_minor = 0, .account = prepared.spend_account};
    flush_levels();  // a cancel-replace's cancel touched a level
    return order_id;
  }

  QZ_ASSERT(!market.free_slots.empty());
  const uint32_t slot = market.free_slots.back();
  market.free_slots.pop_back();
  set_occupied(market, slot, true);
  market.open_orders++;
  OrderState& order = market.slots[slot];
  QZ_ASSERT(order.order_id == 0);
  order = OrderState{.order_id = order_id, .owner = prepared.owner, .client_order_id = command.request_id,
                     .reserved_minor = prepared.reserve_minor, .spend_account = prepared.spend_account,
                     .receive_account = prepared.receive_account, .price_minor = prepared.price_minor,
                     .price_ticks = prepared.price_ticks, .qty_minor = prepared.qty_minor, .executed_minor = 0,
                     .stop_price_minor = prepared.stop_price_minor, .expires_at_ns = prepared.expires_at_ns,
                     .visible_minor = prepared.visible_minor, .fee_cap_bps = prepared.fee_cap_bps,
                     .commitment_tiyn = prepared.commitment_tiyn, .commit_rate = prepared.commit_rate,
                     .side = prepared.side, .type = prepared.type, .time_in_force = prepared.tif,
                     .stp = prepared.stp, .waiting = false, .on_book = false};
  orders_.insert(order_id, OrderRef{.market = market.id, .slot = slot});
  if (prepared.commitment_tiyn != 0) client_limits_->commit(prepared.owner, prepared.commitment_tiyn);
  if (command.request_id != 0) {
    index_client(prepared.owner, command.request_id, order_id);
  }
  if (prepared.expires_at_ns != 0) expiries_.emplace(prepared.expires_at_ns, order_id);

  if (is_stop(prepared.type)) {
    order.waiting = true;
    (triggers_upward(prepared.type, prepared.side) ? market.stops_up : market.stops_down)
        .emplace(prepared.stop_price_minor, order_id);
  } else {
    activate(market, slot);
    run_stops(market);
  }
  flush_levels();
  return order_id;
}

// Matches the order in `slot` as the aggressor, then rests, fills or expires it.
void Exchange::activate(MarketState& market, uint32_t slot) {
  OrderState& order = market.slots[slot];
  QZ_ASSERT(order.order_id != 0 && !order.waiting && !order.on_book);
  const MarketConfig& config = market.config;
  const auto tif = static_cast<OrderTif>(order.time_in_force);
  TimeInForce book_tif = TimeInForce::gtc;
  if (tif == OrderTif::ioc || is_market_type(order.type)) book_tif = TimeInForce::ioc;
  if (tif == OrderTif::fok) book_tif = TimeInForce::fok;
  const LimitOrder limit{.order_id = slot,
                         .side = book_side(order.side),
                         .price_ticks = order.price_ticks,
                         .qty_lots = order.remaining_minor() / config.lot_step,
                         .time_in_force = book_tif,
                         .post_only = order.type == static_cast<uint8_t>(OrderType::limit_maker),
                         .visible_lots = order.visible_minor / config.lot_step,
                         .check_self_trade = order.stp != 0};
  taker_rate_bps_ = std::min(tier_of(market, order.owner).taker_bps, order.fee_cap_bps);
  matching_ = &market;
  const AddOutcome outcome = market.book->add(limit, *this);
  matching_ = nullptr;

  // `order` may have been ended (filled) by on_fill: look again.
  OrderState& now = market.slots[slot];
  switch (outcome.status) {
    case AddStatus::rested: {
      QZ_ASSERT(now.order_id != 0);
      now.on_book = true;
      touch(market, limit.side, limit.price_ticks);
      // Untouched since placement, the hold is exactly the reservation of what rests.
      if (outcome.filled_qty_lots != 0) release_to(now, reservation(market, now, now.remaining_minor()));
      // What shows on the book: all of it, or an iceberg's first slice (asked of the book).
      int64_t visible_lots = outcome.remaining_qty_lots;
      if (now.visible_minor != 0) {
        RestingOrder resting{};
        QZ_ASSERT(market.book->find(slot, &resting));
        visible_lots = resting.qty_lots;
      }
      Event& event = emit(EventKind::order_rested);
      event.order_rested.order = now.order_id;
      event.order_rested.market = market.id;
      event.order_rested.side = now.side;
      event.order_rested.price_minor = now.price_minor;
      event.order_rested.visible_qty_minor = visible_lots * config.lot_step;
      event.order_rested.remaining_qty_minor = now.remaining_minor();
      return;
    }
    case AddStatus::filled:
      QZ_ASSERT(now.order_id == 0);  // on_fill ended it
      return;
    case AddStatus::expired:
    case AddStatus::killed:
    case AddStatus::self_trade: {
      QZ_ASSERT(now.order_id != 0);
      OrderEndReason reason = OrderEndReason::ioc_remainder;
      if (outcome.status == AddStatus::killed) reason = OrderEndReason::fok_not_filled;
      if (outcome.status == AddStatus::self_trade) reason = OrderEndReason::self_trade_taker;
      if (outcome.status == AddStatus::expired && is_market_type(now.type)) reason = OrderEndReason::market_remainder;
      end_order(market, slot, EventKind::order_expired, reason);
      return;
    }
    case AddStatus::would_take:
    case AddStatus::book_full:
    case AddStatus::not_found: break;
  }
  QZ_ASSERT_MSG(false, "activate: the book refused an order the exchange had checked");
}

SelfTrade Exchange::on_self_trade_check(uint32_t aggressor_id, uint32_t resting_id) {
  MarketState& market = *matching_;
  const OrderState& taker = market.slots[aggressor_id];
  const OrderState& maker = market.slots[resting_id];
  if (taker.owner != maker.owner) return SelfTrade::allow;
  const auto mode = static_cast<SelfTrade>(taker.stp);
  if (mode == SelfTrade::expire_maker || mode == SelfTrade::expire_both) {
    // The book removes the maker whole once this returns; it is over for the exchange now.
    end_order(market, resting_id, EventKind::order_expired, OrderEndReason::self_trade_maker);
  }
  return mode;
}

void Exchange::on_fill(const Fill& fill) {
  MarketState& market = *matching_;
  const MarketConfig& config = market.config;
  OrderState& taker = market.slots[fill.aggressor_id];
  OrderState& maker = market.slots[fill.resting_id];
  QZ_ASSERT(taker.order_id != 0 && maker.order_id != 0);
  const int64_t price_minor = fill.price_ticks * config.tick_size;
  const int64_t qty_minor = fill.qty_lots * config.lot_step;
  const int128 notional128 = static_cast<int128>(fill.price_ticks) * fill.qty_lots * market.notional_per_tick_lot;
  QZ_ASSERT(notional128 > 0 && notional128 <= INT64_MAX);
  const auto notional = static_cast<int64_t>(notional128);

  const bool taker_buys = fill.aggressor_side == Side::buy;
  OrderState& buyer = taker_buys ? taker : maker;
  OrderState& seller = taker_buys ? maker : taker;
  const uint32_t maker_rate = std::min(tier_of(market, maker.owner).maker_bps, maker.fee_cap_bps);
  const uint32_t buyer_rate = taker_buys ? taker_rate_bps_ : maker_rate;
  const uint32_t seller_rate = taker_buys ? maker_rate : taker_rate_bps_;
  const int64_t buyer_fee = fill_fee(notional, buyer_rate);
  const int64_t seller_fee = fill_fee(qty_minor, seller_rate);

  taker.executed_minor += qty_minor;
  maker.executed_minor += qty_minor;
  QZ_ASSERT(taker.remaining_minor() >= 0 && maker.remaining_minor() >= 0);
  // One ledger call per side: its payments out of its order's reservation, then what that order no longer
  // needs unlocked: the maker keeps the reservation of its rest; the taker keeps all until it rests or ends,
  // and a taker that is done unlocks everything now.
  buyer.reserved_minor -= notional + buyer_fee;
  seller.reserved_minor -= qty_minor + seller_fee;
  QZ_ASSERT_MSG(buyer.reserved_minor >= 0 && seller.reserved_minor >= 0, "a fill overdrew its reservation");
  const int64_t maker_keep = reservation(market, maker, maker.remaining_minor());
  const int64_t taker_keep = taker.remaining_minor() == 0 ? 0 : taker.reserved_minor;
  QZ_ASSERT(maker_keep <= maker.reserved_minor);
  const int64_t maker_unlock = maker.reserved_minor - maker_keep;
  const int64_t taker_unlock = taker.reserved_minor - taker_keep;
  maker.reserved_minor = maker_keep;
  taker.reserved_minor = taker_keep;
  const Ledger::Posting buyer_pays[2] = {{.credit = seller.receive_account, .amount_minor = notional},
                                         {.credit = market.fee_account_quote, .amount_minor = buyer_fee}};
  const Ledger::Posting seller_pays[2] = {{.credit = buyer.receive_account, .amount_minor = qty_minor},
                                          {.credit = market.fee_account_base, .amount_minor = seller_fee}};
  ledger_->settle_locked(buyer.spend_account, buyer_pays, taker_buys ? taker_unlock : maker_unlock);
  ledger_->settle_locked(seller.spend_account, seller_pays, taker_buys ? maker_unlock : taker_unlock);

  if (buyer.commit_rate != 0) commit_fill(market, buyer, notional);
  market.volumes.add(buyer.owner, block_time_ns_, notional);
  market.volumes.add(seller.owner, block_time_ns_, notional);
  market.last_price_minor = price_minor;
  market.reference_price_minor = price_minor;
  const std::optional<Candle> closed = market.candles->on_trade(static_cast<int64_t>(block_time_ns_), price_minor,
                                                                qty_minor, notional, taker_buys);
  QZ_ASSERT(!closed.has_value());  // begin_block closed every candle the block time has passed

  const uint64_t trade_id = next_trade_id_++;
  Event& trade = emit(EventKind::trade);
  trade.trade = TradePayload{.trade = trade_id, .market = market.id, .taker_side = taker.side, .zero = {},
                             .price_minor = price_minor, .qty_minor = qty_minor, .maker_order = maker.order_id,
                             .taker_order = taker.order_id};
  Event& maker_fill = emit(EventKind::order_filled);
  maker_fill.order_filled = OrderFilledPayload{.order = maker.order_id, .trade = trade_id, .qty_minor = qty_minor,
                                               .quote_qty_minor = notional,
                                               .fee_minor = taker_buys ? seller_fee : buyer_fee,
                                               .remaining_qty_minor = maker.remaining_minor()};
  Event& taker_fill = emit(EventKind::order_filled);
  taker_fill.order_filled = OrderFilledPayload{.order = taker.order_id, .trade = trade_id, .qty_minor = qty_minor,
                                               .quote_qty_minor = notional,
                                               .fee_minor = taker_buys ? buyer_fee : seller_fee,
                                               .remaining_qty_minor = taker.remaining_minor()};
  touch(market, fill.aggressor_side == Side::buy ? Side::sell : Side::buy, fill.price_ticks);

  if (fill.resting_done) {
    QZ_ASSERT(maker.remaining_minor() == 0 && maker.reserved_minor == 0);
    maker.on_book = false;
    free_slot(market, fill.resting_id);
  }
  if (taker.remaining_minor() == 0) free_slot(market, fill.aggressor_id);
}

// A limited client's buy filled for `notional_minor`: its value at the order's kept rate is purchased now, out
// of the order's commitment as far as it goes (rounding up each fill may pass it by a tiyn or so).
void Exchange::commit_fill(const MarketState& market, OrderState& buyer, int64_t notional_minor) {
  int64_t value = 0;
  if (!tenge_value(notional_minor, market.config.quote_scale, buyer.commit_rate, &value)) value = INT64_MAX;
  const int64_t from_commitment = std::min(value, buyer.commitment_tiyn);
  buyer.commitment_tiyn -= from_commitment;
  client_limits_->purchased(buyer.owner, value, from_commitment, period_of(block_time_ns_));
}

// Lowers the order's commitment to `keep_tiyn`, releasing the rest.
void Exchange::release_commitment(OrderState& order, int64_t keep_tiyn) {
  QZ_ASSERT(keep_tiyn >= 0);
  if (order.commitment_tiyn <= keep_tiyn) return;
  client_limits_->release(order.owner, order.commitment_tiyn - keep_tiyn);
  order.commitment_tiyn = keep_tiyn;
}

// Lowers the order's reservation to `keep_minor`, unlocking the rest.
void Exchange::release_to(OrderState& order, int64_t keep_minor) {
  QZ_ASSERT_MSG(keep_minor >= 0 && keep_minor <= order.reserved_minor, "a reservation would grow");
  ledger_->unlock(order.spend_account, order.reserved_minor - keep_minor);
  order.reserved_minor = keep_minor;
}

int64_t Exchange::reservation(const MarketState& market, const OrderState& order, int64_t remaining_minor) const {
  if (remaining_minor == 0) return 0;
  // The notional in ticks and lots (exact for a valid market, see check_limit_order_shape): no division by the
  // base scale. It fits: the order's whole notional did when it was accepted.
  const int64_t spent = order.side == static_cast<uint8_t>(OrderSideCode::buy)
                            ? order.price_ticks * (remaining_minor / market.config.lot_step) *
                                  market.notional_per_tick_lot
                            : remaining_minor;
  int64_t reserve = 0;
  QZ_ASSERT(reservation_with_fee(spent, order.fee_cap_bps, &reserve));
  return reserve;
}

const FeeTier& Exchange::tier_of(const MarketState& market, uint64_t owner) const {
  if (market.fees.tiers().size() == 1) return market.fees.tiers()[0];
  return market.fees.tier_for(market.volumes.volume(owner, block_time_ns_));
}

void Exchange::run_stops(MarketState& market) {
  for (;;) {
    const int64_t last = market.last_price_minor;
    if (last == 0) return;
    scratch_ids_.clear();
    for (auto it = market.stops_up.begin(); it != market.stops_up.end() && it->first <= last;) {
      scratch_ids_.push_back(it->second);
      it = market.stops_up.erase(it);
    }
    while (!market.stops_down.empty() && std::prev(market.stops_down.end())->first >= last) {
      scratch_ids_.push_back(std::prev(market.stops_down.end())->second);
      market.stops_down.erase(std::prev(market.stops_down.end()));
    }
    if (scratch_ids_.empty()) return;
    std::sort(scratch_ids_.begin(), scratch_ids_.end());
    const std::vector<uint64_t> triggered = scratch_ids_;
    const int64_t trigger_price = last;
    for (const uint64_t order_id : triggered) {
      const OrderRef* found = orders_.find(order_id);
      QZ_ASSERT(found != nullptr);
      const OrderRef ref = *found;
      OrderState& order = market.slots[ref.slot];
      QZ_ASSERT(order.waiting);
      order.waiting = false;
      Event& event = emit(EventKind::order_triggered);
      event.order_triggered.order = order_id;
      event.order_triggered.market = market.id;
      event.order_triggered.stop_price_minor = order.stop_price_minor;
      event.order_triggered.last_price_minor = trigger_price;
      activate(market, ref.slot);
    }
  }
}

// Ends an open order that has not filled: off the book or the stop lists, hold released, event, slot freed.
void Exchange::end_order(MarketState& market, uint32_t slot, EventKind kind, OrderEndReason reason) {
  OrderState& order = market.slots[slot];
  QZ_ASSERT(order.order_id != 0);
  if (order.on_book && matching_ == nullptr) {
    const CancelOutcome cancelled = market.book->cancel(slot);
    QZ_ASSERT(cancelled.found);
    touch(market, cancelled.side, cancelled.price_ticks);
  } else if (order.on_book) {
    // Self-trade prevention inside a match: the book removes the order itself.
    touch(market, book_side(order.side), order.price_ticks);
  }
  order.on_book = false;
  if (order.waiting) {
    auto& stops = triggers_upward(order.type, order.side) ? market.stops_up : market.stops_down;
    QZ_ASSERT(stops.erase({order.stop_price_minor, order.order_id}) == 1);
    order.waiting = false;
  }
  const int64_t released = order.reserved_minor;
  release_to(order, 0);
  Event& event = emit(kind);
  event.order_ended = OrderEndedPayload{.order = order.order_id, .market = market.id,
                                        .reason = static_cast<uint8_t>(reason), .zero = {},
                                        .remaining_qty_minor = order.remaining_minor(),
                                        .executed_qty_minor = order.executed_minor, .released_minor = released,
                                        .account = order.spend_account};
  free_slot(market, slot);
}

void Exchange::free_slot(MarketState& market, uint32_t slot) {
  OrderState& order = market.slots[slot];
  QZ_ASSERT(order.order_id != 0 && !order.on_book && !order.waiting);
  QZ_ASSERT(order.reserved_minor == 0);
  if (order.commitment_tiyn != 0) release_commitment(order, 0);
  orders_.erase(order.order_id);
  if (order.client_order_id != 0) {
    unindex_client(order.owner, order.client_order_id, order.order_id);
  }
  if (order.expires_at_ns != 0) expiries_.erase({order.expires_at_ns, order.order_id});
  // A free slot is marked by order id 0 alone; execute_place writes every field when it takes the slot again.
  order.order_id = 0;
  market.free_slots.push_back(slot);
  set_occupied(market, slot, false);
  market.open_orders--;
}

void Exchange::touch(const MarketState& market, Side side, int64_t price_ticks) {
  Touched& touched = touched_.emplace_back();  // written field by field: no wide reload of narrow stores
  touched.market = market.id;
  touched.side = side_code(side);
  touched.price_ticks = price_ticks;
}

void Exchange::flush_levels() {
  if (touched_.empty()) return;
  if (touched_.size() > 1) {
    std::sort(touched_.begin(), touched_.end());
    touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  }
  for (const Touched& t : touched_) {
    MarketState& market = *markets_[t.market - 1];
    const LevelInfo level = market.book->level(book_side(t.side), t.price_ticks);
    Event& event = emit(EventKind::level_changed);
    event.level_changed.market = t.market;
    event.level_changed.side = t.side;
    event.level_changed.update_id = ++market.update_id;
    event.level_changed.price_minor = t.price_ticks * market.config.tick_size;
    event.level_changed.total_qty_minor = level.total_qty_lots * market.config.lot_step;
    event.level_changed.order_count = level.order_count;
  }
  touched_.clear();
}

// ---------------------------------------------------------------------------------------------------------------
// Cancel, cancel all, amend, cancel-replace

Result Exchange::find_own_order(const Command& command, uint32_t market_id, uint64_t order_id,
                                uint64_t client_order_id, OrderRef* out) const {
  if (!order_role(static_cast<Role>(command.role))) return Result::actor_not_permitted;
  if (market(market_id) == nullptr) return Result::market_not_found;
  if (order_id == 0) {
    if (client_order_id == 0) return Result::order_not_found;
    order_id = find_client(command.actor, client_order_id);
    if (order_id == 0) return Result::order_not_found;
  }
  const OrderRef* ref = orders_.find(order_id);
  if (ref == nullptr || ref->market != market_id) return Result::order_not_found;
  if (markets_[market_id - 1]->slots[ref->slot].owner != command.actor) return Result::order_not_found;
  *out = *ref;
  return Result::ok;
}

Result Exchange::cancel_order(const Command& command, uint64_t* object_id) {
  const CancelOrderPayload& p = command.cancel_order;
  OrderRef ref{};
  const Result r = find_own_order(command, p.market, p.order_id, p.client_order_id, &ref);
  if (r != Result::ok) return r;
  *object_id = markets_[ref.market - 1]->slots[ref.slot].order_id;
  end_order(*markets_[ref.market - 1], ref.slot, EventKind::order_cancelled, OrderEndReason::by_owner);
  flush_levels();
  return Result::ok;
}

Result Exchange::cancel_all(const Command& command, uint32_t index, std::vector<Event>* events) {
  (void)index;
  (void)events;
  if (!order_role(static_cast<Role>(command.role))) return Result::actor_not_permitted;
  MarketState* market = mutable_market(command.cancel_all.market);
  if (market == nullptr) return Result::market_not_found;
  std::vector<std::pair<uint64_t, uint32_t>> own;
  for (uint32_t slot = 0; slot < market->slots.size(); slot++) {
    const OrderState& order = market->slots[slot];
    if (order.order_id != 0 && order.owner == command.actor) own.emplace_back(order.order_id, slot);
  }
  if (own.empty()) return Result::order_not_found;  // as Binance: nothing to cancel is an unknown order
  std::sort(own.begin(), own.end());
  for (const auto& [order_id, slot] : own) {
    end_order(*market, slot, EventKind::order_cancelled, OrderEndReason::cancel_all);
  }
  flush_levels();
  return Result::ok;
}

Result Exchange::amend_order(const Command& command, uint64_t* object_id) {
  const AmendOrderPayload& p = command.amend_order;
  OrderRef ref{};
  const Result r = find_own_order(command, p.market, p.order_id, p.client_order_id, &ref);
  if (r != Result::ok) return r;
  MarketState& market = *markets_[ref.market - 1];
  OrderState& order = market.slots[ref.slot];
  const int64_t lot = market.config.lot_step;
  if (p.new_qty_minor <= order.executed_minor || p.new_qty_minor >= order.qty_minor || p.new_qty_minor % lot != 0) {
    return Result::amend_qty_invalid;
  }
  const int64_t remaining = p.new_qty_minor - order.executed_minor;
  *object_id = order.order_id;
  if (order.on_book) {
    QZ_ASSERT(market.book->reduce(ref.slot, remaining / lot) == ReduceStatus::ok);
    touch(market, book_side(order.side), order.price_ticks);
  }
  if (order.visible_minor >= remaining) order.visible_minor = 0;  // the rest fits one slice: no longer an iceberg
  order.qty_minor = p.new_qty_minor;
  const int64_t before = order.reserved_minor;
  release_to(order, reservation(market, order, remaining));
  if (order.commitment_tiyn != 0) {
    // What the smaller order can still cost, at the kept rate: the commitment never grows.
    int64_t keep = 0;
    const int64_t cost = order.price_ticks * (remaining / lot) * market.notional_per_tick_lot;
    if (!tenge_value(cost, market.config.quote_scale, order.commit_rate, &keep)) keep = INT64_MAX;
    release_commitment(order, keep);
  }
  Event& event = emit(EventKind::order_amended);
  event.order_amended.order = order.order_id;
  event.order_amended.market = market.id;
  event.order_amended.new_qty_minor = p.new_qty_minor;
  event.order_amended.remaining_qty_minor = remaining;
  event.order_amended.released_minor = before - reservation(market, order, remaining);
  flush_levels();
  return Result::ok;
}

Result Exchange::apply_cancel_replace(const Command& cancel, const Command& place, uint32_t index,
                                      uint64_t block_time_ns, std::vector<Event>* events, uint64_t* cancelled_id,
                                      uint64_t* object_id, size_t* failed_member) {
  events_ = events;
  command_index_ = index;
  block_time_ns_ = block_time_ns;
  *object_id = 0;
  *cancelled_id = 0;
  QZ_ASSERT(place.actor == cancel.actor && place.place_order.market == cancel.cancel_order.market);
  const CancelOrderPayload& c = cancel.cancel_order;
  OrderRef ref{};
  Result r = find_own_order(cancel, c.market, c.order_id, c.client_order_id, &ref);
  if (r != Result::ok) {
    *failed_member = 0;
    return r;
  }
  Prepared prepared;
  r = prepare_place(place, block_time_ns, &ref, &prepared);
  if (r != Result::ok) {
    *failed_member = 1;
    return r;
  }
  // The new reservation must see the old one unlocked; the lock's only check, insufficient_funds, is decided
  // here by arithmetic before anything changes.
  MarketState& market = *markets_[ref.market - 1];
  OrderState& old = market.slots[ref.slot];
  QZ_ASSERT(old.reserved_minor > 0);
  const Account* spend = ledger_->account(prepared.spend_account);
  QZ_ASSERT(spend != nullptr && spend->kind == AccountKind::customer);
  const int64_t available =
      spend->available_minor() + (old.spend_account == prepared.spend_account ? old.reserved_minor : 0);
  if (prepared.reserve_minor > available) {
    *failed_member = 1;
    return Result::insufficient_funds;
  }
  // Both succeed: now for real, in order.
  *cancelled_id = old.order_id;
  end_order(market, ref.slot, EventKind::order_cancelled, OrderEndReason::replaced);
  command_index_ = index + 1;
  QZ_ASSERT(reserve(&prepared) == Result::ok);
  *object_id = execute_place(place, prepared, index + 1, events);
  return Result::ok;
}

uint64_t Exchange::cancel_unmovable_orders(uint64_t owner, OrderEndReason reason, uint32_t index,
                                           std::vector<Event>* events) {
  events_ = events;
  command_index_ = index;
  if (owner != 0) {
    // Every open order keeps a reservation locked on its owner's trading account, so an owner with nothing
    // locked has no open order: the common case (a client registered before it trades) skips the scan.
    bool locks_anything = false;
    for (uint32_t asset = 1; asset <= ledger_->asset_count() && !locks_anything; asset++) {
      const uint64_t account = trading_account(owner, asset);
      locks_anything = account != 0 && ledger_->account(account)->locked_minor > 0;
    }
    if (!locks_anything) return 0;
  }
  struct Open {
    uint64_t order_id;
    uint32_t market;
    uint32_t slot;
  };
  std::vector<Open> open;
  for (const auto& market : markets_) {
    for (uint32_t slot = 0; slot < market->slots.size(); slot++) {
      const OrderState& order = market->slots[slot];
      if (order.order_id == 0 || (owner != 0 && order.owner != owner)) continue;
      if (clients_->movable(order.owner) != Result::ok) open.push_back({order.order_id, market->id, slot});
    }
  }
  std::sort(open.begin(), open.end(), [](const Open& a, const Open& b) { return a.order_id < b.order_id; });
  for (const Open& o : open) end_order(*markets_[o.market - 1], o.slot, EventKind::order_cancelled, reason);
  flush_levels();
  return open.size();
}

// ---------------------------------------------------------------------------------------------------------------
// Block start

void Exchange::begin_block(uint64_t block_time_ns, std::vector<Event>* events) {
  events_ = events;
  command_index_ = kNoCommand;
  block_time_ns_ = block_time_ns;
  while (!expiries_.empty() && expiries_.begin()->first <= block_time_ns) {
    const uint64_t order_id = expiries_.begin()->second;
    const OrderRef* found = orders_.find(order_id);
    QZ_ASSERT(found != nullptr);
    const OrderRef ref = *found;
    end_order(*markets_[ref.market - 1], ref.slot, EventKind::order_expired, OrderEndReason::good_till_date);
  }
  flush_levels();
  for (const auto& market : markets_) {
    // Once a day, forget the traders with no volume left in the 30-day window (their tier is the first).
    if (market->volumes.account_count() != 0 &&
        VolumeTracker::day_of(block_time_ns) > VolumeTracker::day_of(market->volumes.last_block_time_ns())) {
      market->volumes.prune(block_time_ns);
    }
    const std::optional<Candle> closed = market->candles->advance_to(static_cast<int64_t>(block_time_ns));
    if (!closed.has_value()) continue;
    Event& event = emit(EventKind::candle_closed);
    event.candle_closed = CandleClosedPayload{.market = market->id,
                                              .interval = static_cast<uint8_t>(CandleInterval::m1), .zero = {},
                                              .open_time_ms = closed->open_time_ms,
                                              .open_price_minor = closed->open_price_minor,
                                              .high_price_minor = closed->high_price_minor,
                                              .low_price_minor = closed->low_price_minor,
                                              .close_price_minor = closed->close_price_minor};
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hashing and invariants

void Exchange::hash_into(Sha256* hasher) const {
  hasher->update("qazna.exchange.v2");
  hasher->update_u64(next_order_id_);
  hasher->update_u64(next_trade_id_);
  hasher->update_u64(markets_.size());
  for (const auto& market : markets_) {
    const MarketConfig& c = market->config;
    hasher->update_u64(market->id);
    hasher->update_u64(c.base_asset);
    hasher->update_u64(c.quote_asset);
    hasher->update_u64(static_cast<uint64_t>(c.tick_size));
    hasher->update_u64(static_cast<uint64_t>(c.lot_step));
    hasher->update_u64(static_cast<uint64_t>(c.min_qty));
    hasher->update_u64(static_cast<uint64_t>(c.max_qty));
    hasher->update_u64(static_cast<uint64_t>(c.min_notional));
    hasher->update_u64(c.band_bps);
    hasher->update_u64(static_cast<uint64_t>(c.status));
    for (const FeeTier& tier : market->fees.tiers()) {
      hasher->update_u64(static_cast<uint64_t>(tier.min_30d_volume_quote_minor));
      hasher->update_u64(tier.maker_bps);
      hasher->update_u64(tier.taker_bps);
    }
    hasher->update_u64(market->fee_account_base);
    hasher->update_u64(market->fee_account_quote);
    hasher->update_u64(static_cast<uint64_t>(market->reference_price_minor));
    hasher->update_u64(static_cast<uint64_t>(market->last_price_minor));
    hasher->update_u64(market->update_id);
    hasher->update_u64(market->open_orders);
    // Open orders by slot (slot assignment is deterministic and part of the state: the book's ids are slots).
    for_each_occupied(*market, [&](uint32_t slot) {
      const OrderState& o = market->slots[slot];
      hasher->update_u64(slot);
      for (const uint64_t v : {o.order_id, o.owner, o.client_order_id, static_cast<uint64_t>(o.reserved_minor),
                               o.spend_account, o.receive_account,
                               static_cast<uint64_t>(o.price_minor), static_cast<uint64_t>(o.qty_minor),
                               static_cast<uint64_t>(o.executed_minor), static_cast<uint64_t>(o.stop_price_minor),
                               o.expires_at_ns, static_cast<uint64_t>(o.visible_minor), uint64_t{o.fee_cap_bps},
                               static_cast<uint64_t>(o.commitment_tiyn), static_cast<uint64_t>(o.commit_rate)}) {
        hasher->update_u64(v);
      }
      const uint8_t flags[6] = {o.side, o.type, o.time_in_force, o.stp, static_cast<uint8_t>(o.waiting),
                                static_cast<uint8_t>(o.on_book)};
      hasher->update(flags, sizeof flags);
    });
    for (const uint32_t slot : market->free_slots) hasher->update_u64(slot);
    market->book->hash_into(hasher);
    for (const auto& [stop, id] : market->stops_up) {
      hasher->update_u64(static_cast<uint64_t>(stop));
      hasher->update_u64(id);
    }
    for (const auto& [stop, id] : market->stops_down) {
      hasher->update_u64(static_cast<uint64_t>(stop));
      hasher->update_u64(id);
    }
    market->volumes.hash_into(hasher);
    const Hash256 candles = market->candles->state_hash();
    hasher->update(candles.bytes.data(), candles.bytes.size());
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots. Format (all little-endian): version u32 (=1) | next_order_id u64 | next_trade_id u64 | markets u32 |
// per market: base u32 | quote u32 | tick, lot, min_qty, max_qty, min_notional i64 | band u32 | status u8 |
// tiers u8 | per tier (threshold i64 | maker u32 | taker u32) | fee accounts 2 x u64 | reference, last i64 |
// update_id u64 | orders u32 | per order (slot u32 | OrderState fields) | free slots u32 | each u32 (LIFO order) |
// per side (bids, asks): resting u32 | per resting order in priority order (slot u32 | price ticks i64 |
// visible lots i64 | hidden lots i64 | slice lots i64) | volumes (VolumeTracker) | candles (CandleSeries).
// Trading accounts, the order and client id indexes, the stop lists and the expiry set are rebuilt.

namespace {

void write_order(ByteWriter* out, const OrderState& o) {
  for (const uint64_t v : {o.order_id, o.owner, o.client_order_id}) out->u64(v);
  out->i64(o.reserved_minor);
  for (const uint64_t v : {o.spend_account, o.receive_account}) out->u64(v);
  for (const int64_t v : {o.price_minor, o.qty_minor, o.executed_minor, o.stop_price_minor}) out->i64(v);
  out->u64(o.expires_at_ns);
  out->i64(o.visible_minor);
  out->u32(o.fee_cap_bps);
  out->i64(o.commitment_tiyn);
  out->i64(o.commit_rate);
  for (const uint8_t v : {o.side, o.type, o.time_in_force, o.stp, static_cast<uint8_t>(o.waiting),
                          static_cast<uint8_t>(o.on_book)}) {
    out->u8(v);
  }
}

OrderState read_order(ByteReader* in) {
  OrderState o;
  o.order_id = in->u64();
  o.owner = in->u64();
  o.client_order_id = in->u64();
  o.reserved_minor = static_cast<int64_t>(in->u64());
  o.spend_account = in->u64();
  o.receive_account = in->u64();
  o.price_minor = static_cast<int64_t>(in->u64());
  o.qty_minor = static_cast<int64_t>(in->u64());
  o.executed_minor = static_cast<int64_t>(in->u64());
  o.stop_price_minor = static_cast<int64_t>(in->u64());
  o.expires_at_ns = in->u64();
  o.visible_minor = static_cast<int64_t>(in->u64());
  o.fee_cap_bps = in->u32();
  o.commitment_tiyn = static_cast<int64_t>(in->u64());
  o.commit_rate = static_cast<int64_t>(in->u64());
  o.side = in->u8();
  o.type = in->u8();
  o.time_in_force = in->u8();
  o.stp = in->u8();
  o.waiting = in->u8() != 0;
  o.on_book = in->u8() != 0;
  return o;
}

}  // namespace

void Exchange::write_snapshot(ByteWriter* out) const {
  out->u32(1);
  out->u64(next_order_id_);
  out->u64(next_trade_id_);
  out->u32(static_cast<uint32_t>(markets_.size()));
  for (const auto& market : markets_) {
    const MarketConfig& c = market->config;
    out->u32(c.base_asset);
    out->u32(c.quote_asset);
    for (const int64_t v : {c.tick_size, c.lot_step, c.min_qty, c.max_qty, c.min_notional}) out->i64(v);
    out->u32(c.band_bps);
    out->u8(static_cast<uint8_t>(c.status));
    out->u8(static_cast<uint8_t>(market->fees.tiers().size()));
    for (const FeeTier& tier : market->fees.tiers()) {
      out->i64(tier.min_30d_volume_quote_minor);
      out->u32(tier.maker_bps);
      out->u32(tier.taker_bps);
    }
    out->u64(market->fee_account_base);
    out->u64(market->fee_account_quote);
    out->i64(market->reference_price_minor);
    out->i64(market->last_price_minor);
    out->u64(market->update_id);
    out->u32(market->open_orders);
    for_each_occupied(*market, [&](uint32_t slot) {
      out->u32(slot);
      write_order(out, market->slots[slot]);
    });
    out->u32(static_cast<uint32_t>(market->free_slots.size()));
    for (const uint32_t slot : market->free_slots) out->u32(slot);
    std::vector<RestingOrder> resting;
    for (const Side side : {Side::buy, Side::sell}) {
      resting.clear();
      market->book->collect_orders(side, &resting);
      out->u32(static_cast<uint32_t>(resting.size()));
      for (const RestingOrder& r : resting) {
        out->u32(r.order_id);
        out->i64(r.price_ticks);
        out->i64(r.qty_lots);
        out->i64(r.hidden_lots);
        out->i64(r.visible_lots);
      }
    }
    market->volumes.write_snapshot(out);
    market->candles->write_snapshot(out);
  }
}

bool Exchange::read_snapshot(ByteReader* in) {
  QZ_ASSERT(markets_.empty() && orders_.empty());
  for (uint64_t id = 1; id <= ledger_->account_count(); id++) on_account_opened(id);
  if (in->u32() != 1) return false;
  next_order_id_ = in->u64();
  next_trade_id_ = in->u64();
  const uint32_t count = in->u32();
  if (!in->ok() || count > limits_.max_markets || next_order_id_ == 0 || next_trade_id_ == 0) return false;
  for (uint32_t m = 0; m < count; m++) {
    const uint32_t base = in->u32();
    const uint32_t quote = in->u32();
    Command create = make_create_market(base, quote, 0, 0, 0, 0);
    create.create_market.tick_size = static_cast<int64_t>(in->u64());
    create.create_market.lot_step = static_cast<int64_t>(in->u64());
    create.create_market.min_qty = static_cast<int64_t>(in->u64());
    create.create_market.max_qty = static_cast<int64_t>(in->u64());
    const auto min_notional = static_cast<int64_t>(in->u64());
    const uint32_t band = in->u32();
    const uint8_t status = in->u8();
    const uint8_t tier_count = in->u8();
    if (!in->ok() || tier_count == 0 || tier_count > FeeSchedule::kMaxTiers || status < 1 || status > 3) return false;
    std::vector<FeeTier> tiers(tier_count);
    for (FeeTier& tier : tiers) {
      tier.min_30d_volume_quote_minor = static_cast<int64_t>(in->u64());
      tier.maker_bps = in->u32();
      tier.taker_bps = in->u32();
    }
    std::vector<Event> scratch;
    events_ = &scratch;
    uint64_t market_id = 0;
    if (!in->ok() || create_market(create, 0, &scratch, &market_id) != Result::ok) return false;
    MarketState& market = *markets_.back();
    market.config.min_notional = min_notional;
    market.config.band_bps = band;
    market.config.status = static_cast<MarketStatus>(status);
    market.config.maker_fee_bps = tiers[0].maker_bps;
    market.config.taker_fee_bps = tiers[0].taker_bps;
    if (validate_market_config(market.config) != Result::ok || min_notional < 0) return false;
    if (FeeSchedule::make(tiers, &market.fees) != Result::ok) return false;
    market.fee_account_base = in->u64();
    market.fee_account_quote = in->u64();
    market.reference_price_minor = static_cast<int64_t>(in->u64());
    market.last_price_minor = static_cast<int64_t>(in->u64());
    market.update_id = in->u64();
    const uint32_t open = in->u32();
    if (!in->ok() || open > limits_.orders_per_market) return false;
    for (uint32_t i = 0; i < open; i++) {
      const uint32_t slot = in->u32();
      const OrderState order = read_order(in);
      if (!in->ok() || slot >= market.slots.size() || market.slots[slot].order_id != 0 || order.order_id == 0 ||
          order.order_id >= next_order_id_ || orders_.contains(order.order_id) || order.side < 1 ||
          order.side > 2 || order.remaining_minor() <= 0 || order.price_minor <= 0 ||
          order.price_minor % market.config.tick_size != 0 || order.qty_minor % market.config.lot_step != 0 ||
          order.executed_minor < 0 || order.visible_minor < 0 || order.fee_cap_bps > FeeSchedule::kMaxFeeBps ||
          order.commitment_tiyn < 0 || order.commit_rate < 0 || (order.commitment_tiyn != 0 && order.commit_rate == 0) ||
          (order.commit_rate != 0 && order.side != static_cast<uint8_t>(OrderSideCode::buy))) {
        return false;
      }
      market.slots[slot] = order;
      market.slots[slot].price_ticks = order.price_minor / market.config.tick_size;
      orders_.insert(order.order_id, OrderRef{.market = market.id, .slot = slot});
      if (order.client_order_id != 0) {
        index_client(order.owner, order.client_order_id, order.order_id);
      }
      if (order.expires_at_ns != 0) expiries_.emplace(order.expires_at_ns, order.order_id);
      if (order.waiting) {
        (triggers_upward(order.type, order.side) ? market.stops_up : market.stops_down)
            .emplace(order.stop_price_minor, order.order_id);
      }
    }
    market.open_orders = open;
    const uint32_t free_count = in->u32();
    if (!in->ok() || free_count + open != market.slots.size()) return false;
    market.free_slots.clear();
    market.occupied.assign((market.slots.size() + 63) / 64, 0);
    for (uint32_t slot = 0; slot < market.slots.size(); slot++) {
      if (market.slots[slot].order_id != 0) set_occupied(market, slot, true);
    }
    std::vector<bool> seen(market.slots.size(), false);
    for (uint32_t i = 0; i < free_count; i++) {
      const uint32_t slot = in->u32();
      if (!in->ok() || slot >= market.slots.size() || market.slots[slot].order_id != 0 || seen[slot]) return false;
      seen[slot] = true;
      market.free_slots.push_back(slot);
    }
    for (const Side side : {Side::buy, Side::sell}) {
      const uint32_t resting = in->u32();
      if (!in->ok() || resting > open) return false;
      for (uint32_t i = 0; i < resting; i++) {
        RestingOrder r{};
        r.order_id = in->u32();
        r.side = side;
        r.price_ticks = static_cast<int64_t>(in->u64());
        r.qty_lots = static_cast<int64_t>(in->u64());
        r.hidden_lots = static_cast<int64_t>(in->u64());
        r.visible_lots = static_cast<int64_t>(in->u64());
        if (!in->ok() || r.order_id >= market.slots.size()) return false;
        const OrderState& order = market.slots[r.order_id];
        if (order.order_id == 0 || !order.on_book || book_side(order.side) != side ||
            order.price_minor / market.config.tick_size != r.price_ticks || r.qty_lots < 1 || r.hidden_lots < 0 ||
            (r.qty_lots + r.hidden_lots) * market.config.lot_step != order.remaining_minor() ||
            (r.hidden_lots > 0 && r.visible_lots < r.qty_lots) || r.visible_lots < 0 ||
            market.book->is_resting(r.order_id)) {
          return false;
        }
        if (!market.book->restore(r)) return false;
      }
    }
    if (!market.volumes.read_snapshot(in)) return false;
    if (!market.candles->read_snapshot(in)) return false;
  }
  events_ = nullptr;
  return in->ok() && check_invariants().empty();
}

std::string Exchange::check_invariants() const {
  size_t open = 0;
  std::map<uint64_t, int128> locked_by_orders;  // account -> the sum of its open orders' reservations
  for (const auto& market : markets_) {
    const std::string book = market->book->check_invariants();
    if (!book.empty()) return "market " + std::to_string(market->id) + ": book: " + book;
    uint32_t count = 0;
    for (uint32_t slot = 0; slot < market->slots.size(); slot++) {
      const OrderState& o = market->slots[slot];
      if (o.order_id == 0) continue;
      count++;
      const std::string where = "market " + std::to_string(market->id) + " order " + std::to_string(o.order_id);
      const OrderRef* ref = orders_.find(o.order_id);
      if (ref == nullptr || ref->market != market->id || ref->slot != slot) {
        return where + ": not in the order index";
      }
      if (o.remaining_minor() <= 0) return where + ": open with nothing remaining";
      // An open order could fill and move its owner's money: its owner must be allowed to.
      if (clients_->movable(o.owner) != Result::ok) return where + ": open, but its owner may not move money";
      if (o.price_ticks * market->config.tick_size != o.price_minor) return where + ": price ticks differ from price";
      // Against the price-based formula, not the engine's tick-based shortcut.
      int64_t expected = 0;
      if (!limit_reservation(market->config, rules_side(o.side), o.price_minor, o.remaining_minor(), o.fee_cap_bps,
                             &expected) ||
          o.reserved_minor != expected) {
        return where + ": reserved " + std::to_string(o.reserved_minor) + " is not its reservation " +
               std::to_string(expected);
      }
      const Account* spend = ledger_->account(o.spend_account);
      if (spend == nullptr || spend->kind != AccountKind::customer || spend->owner != o.owner) {
        return where + ": reserves on an account that is not its owner's trading account";
      }
      locked_by_orders[o.spend_account] += o.reserved_minor;
      RestingOrder resting{};
      const bool on_book = market->book->find(slot, &resting);
      if (on_book != o.on_book) return where + ": book and order disagree on resting";
      if (on_book && (resting.qty_lots + resting.hidden_lots) * market->config.lot_step != o.remaining_minor()) {
        return where + ": book quantity differs from the order's remaining";
      }
      if (o.waiting == o.on_book && o.waiting) return where + ": waiting and resting";
      if (!o.waiting && !o.on_book) return where + ": neither resting nor waiting";
      if (o.waiting) {
        const auto& stops = triggers_upward(o.type, o.side) ? market->stops_up : market->stops_down;
        if (stops.count({o.stop_price_minor, o.order_id}) == 0) return where + ": waiting but not in its stop list";
      }
      if (o.expires_at_ns != 0 && expiries_.count({o.expires_at_ns, o.order_id}) == 0) {
        return where + ": GTD order missing from the expiry set";
      }
    }
    if (count != market->open_orders) return "market " + std::to_string(market->id) + ": open order count";
    if (count + market->free_slots.size() != market->slots.size()) return "market slots leak";
    for (uint32_t slot = 0; slot < market->slots.size(); slot++) {
      const bool marked = (market->occupied[slot / 64] >> (slot % 64) & 1) != 0;
      if (marked != (market->slots[slot].order_id != 0)) {
        return "market " + std::to_string(market->id) + ": slot " + std::to_string(slot) + " occupancy bit is wrong";
      }
    }
    if (market->stops_up.size() + market->stops_down.size() > count) return "stop lists hold ended orders";
    open += count;
  }
  if (open != orders_.size()) return "order index size differs from the open orders";
  // Every account's locked total is exactly its open orders' reservations: nothing else locks.
  for (uint64_t account_id = 1; account_id <= ledger_->account_count(); account_id++) {
    const auto found = locked_by_orders.find(account_id);
    const int128 expected = found == locked_by_orders.end() ? 0 : found->second;
    if (ledger_->account(account_id)->locked_minor != expected) {
      return "account " + std::to_string(account_id) + ": locked " +
             std::to_string(ledger_->account(account_id)->locked_minor) + " is not its orders' reservations";
    }
  }
  for (const auto& [expiry, order_id] : expiries_) {
    if (!orders_.contains(order_id)) return "expiry set holds an ended order";
  }
  return "";
}

}  // namespace qz
