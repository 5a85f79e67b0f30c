#include "server/market_data.h"

#include <algorithm>
#include <mutex>

#include "base/assert.h"
#include "market/rules.h"

namespace qz::server {

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;

std::string code_of(const char* code, size_t size) {
  size_t length = 0;
  while (length < size && code[length] != '\0') length++;
  return std::string(code, length);
}

Level best_of(const std::map<int64_t, int64_t, std::greater<>>& bids) {
  return bids.empty() ? Level{} : Level{.price_minor = bids.begin()->first, .qty_minor = bids.begin()->second};
}
Level best_of(const std::map<int64_t, int64_t>& asks) {
  return asks.empty() ? Level{} : Level{.price_minor = asks.begin()->first, .qty_minor = asks.begin()->second};
}

}  // namespace

MarketData::MarketData(size_t recent_trades_per_market) : recent_limit_(std::max<size_t>(1, recent_trades_per_market)) {}

void MarketData::seed(const Engine& engine) {
  std::unique_lock lock(mutex_);
  assets_.clear();
  markets_.clear();
  by_symbol_.clear();
  const Ledger& ledger = engine.ledger();
  for (uint32_t id = 1; id <= ledger.asset_count(); id++) {
    const Asset* asset = ledger.asset(id);
    if (asset == nullptr) continue;
    assets_[id] = AssetInfo{.id = id, .code = std::string(asset->code_view()), .scale = asset->scale};
  }
  const Exchange& exchange = engine.exchange();
  std::vector<LevelInfo> levels;
  for (uint32_t id = 1; id <= exchange.market_count(); id++) {
    const qz::MarketState* engine_market = exchange.market(id);
    if (engine_market == nullptr) continue;
    const MarketConfig& config = engine_market->config;
    MarketState& market = markets_[id];
    MarketInfo& info = market.info;
    info.id = id;
    info.base = assets_[config.base_asset];
    info.quote = assets_[config.quote_asset];
    info.symbol = info.base.code + info.quote.code;
    info.tick_size = config.tick_size;
    info.lot_step = config.lot_step;
    info.min_qty = config.min_qty;
    info.max_qty = config.max_qty;
    info.min_notional = config.min_notional;
    info.band_bps = config.band_bps;
    info.maker_fee_bps = engine_market->fees.tiers().empty() ? 0 : engine_market->fees.tiers()[0].maker_bps;
    info.taker_fee_bps = engine_market->fees.tiers().empty() ? 0 : engine_market->fees.tiers()[0].taker_bps;
    info.status = static_cast<uint8_t>(config.status);
    info.last_price_minor = engine_market->last_price_minor;
    market.book.update_id = engine_market->update_id;
    for (const Side side : {Side::buy, Side::sell}) {
      levels.clear();
      engine_market->book->collect_levels(side, UINT32_MAX, &levels);
      for (const LevelInfo& level : levels) {
        const int64_t price = level.price_ticks * config.tick_size;
        const int64_t qty = level.total_qty_lots * config.lot_step;
        if (side == Side::buy) {
          market.book.bids[price] = qty;
        } else {
          market.book.asks[price] = qty;
        }
      }
    }
    by_symbol_[info.symbol] = id;
  }
  height_ = engine.next_height() == 0 ? 0 : engine.next_height() - 1;
}

void MarketData::seed_trades(std::span<const TradeInfo> trades) {
  std::unique_lock lock(mutex_);
  for (const TradeInfo& trade : trades) {
    const auto it = markets_.find(trade.market);
    if (it != markets_.end()) add_trade(it->second, trade, recent_limit_);
  }
}

void MarketData::add_trade(MarketState& market, const TradeInfo& trade, size_t recent_limit) {
  market.trades.push_back(trade);
  while (market.trades.size() > recent_limit) market.trades.pop_front();
  const int64_t start = trade.time_ms - trade.time_ms % kMinuteMs;
  if (market.minutes.empty() || market.minutes.back().start_ms != start) {
    Minute minute;
    minute.start_ms = start;
    minute.open = minute.high = minute.low = trade.price_minor;
    minute.first_id = trade.id;
    market.minutes.push_back(minute);
  }
  Minute& minute = market.minutes.back();
  minute.high = std::max(minute.high, trade.price_minor);
  minute.low = std::min(minute.low, trade.price_minor);
  minute.close = trade.price_minor;
  minute.close_qty = trade.qty_minor;
  minute.volume += trade.qty_minor;
  minute.quote_volume += trade.quote_qty_minor;
  minute.last_id = trade.id;
  minute.count++;
  // Keep one minute from before the window (its close is the previous close).
  while (market.minutes.size() > 1 && market.minutes[1].start_ms <= trade.time_ms - kDayMs) {
    market.minutes.pop_front();
  }
}

void MarketData::apply_event(const Event& event, int64_t time_ms, BlockUpdates* out,
                             std::map<uint32_t, DepthDiff>* diffs) {
  switch (event.event_kind()) {
    case EventKind::asset_created: {
      const AssetCreatedPayload& p = event.asset_created;
      assets_[p.asset] = AssetInfo{.id = p.asset, .code = code_of(p.code, sizeof p.code), .scale = p.scale};
      return;
    }
    case EventKind::market_created: {
      const MarketCreatedPayload& p = event.market_created;
      MarketState& market = markets_[p.market];
      MarketInfo& info = market.info;
      info.id = p.market;
      info.base = assets_[p.base];
      info.quote = assets_[p.quote];
      info.symbol = info.base.code + info.quote.code;
      info.tick_size = p.tick_size;
      info.lot_step = p.lot_step;
      info.min_qty = p.min_qty;
      info.max_qty = p.max_qty;
      info.status = static_cast<uint8_t>(MarketStatus::trading);
      by_symbol_[info.symbol] = p.market;
      return;
    }
    case EventKind::market_rules_set: {
      const MarketRulesSetPayload& p = event.market_rules_set;
      const auto it = markets_.find(p.market);
      if (it == markets_.end()) return;
      MarketInfo& info = it->second.info;
      info.band_bps = p.band_bps;
      info.maker_fee_bps = p.maker_fee_bps;
      info.taker_fee_bps = p.taker_fee_bps;
      info.min_notional = p.min_notional;
      return;
    }
    case EventKind::fee_tier_set: {
      const FeeTierSetPayload& p = event.fee_tier_set;
      const auto it = markets_.find(p.market);
      if (it == markets_.end() || p.index != 0) return;
      it->second.info.maker_fee_bps = p.maker_fee_bps;
      it->second.info.taker_fee_bps = p.taker_fee_bps;
      return;
    }
    case EventKind::market_status_changed: {
      const MarketStatusChangedPayload& p = event.market_status_changed;
      const auto it = markets_.find(p.market);
      if (it != markets_.end()) it->second.info.status = p.status;
      return;
    }
    case EventKind::level_changed: {
      const LevelChangedPayload& p = event.level_changed;
      const auto it = markets_.find(p.market);
      QZ_ASSERT_MSG(it != markets_.end(), "a level changed in a market the projection does not know");
      Book& book = it->second.book;
      QZ_ASSERT_MSG(p.update_id == book.update_id + 1, "book update ids must follow on from one another");
      book.update_id = p.update_id;
      const bool bid = p.side == static_cast<uint8_t>(OrderSideCode::buy);
      if (bid) {
        if (p.total_qty_minor == 0) {
          book.bids.erase(p.price_minor);
        } else {
          book.bids[p.price_minor] = p.total_qty_minor;
        }
      } else if (p.total_qty_minor == 0) {
        book.asks.erase(p.price_minor);
      } else {
        book.asks[p.price_minor] = p.total_qty_minor;
      }
      DepthDiff& diff = (*diffs)[p.market];
      if (diff.market == 0) {
        diff.market = p.market;
        diff.first_update_id = p.update_id;
      }
      diff.last_update_id = p.update_id;
      std::vector<Level>& side = bid ? diff.bids : diff.asks;
      const auto same = std::find_if(side.begin(), side.end(),
                                     [&](const Level& level) { return level.price_minor == p.price_minor; });
      if (same != side.end()) {
        same->qty_minor = p.total_qty_minor;
      } else {
        side.push_back(Level{.price_minor = p.price_minor, .qty_minor = p.total_qty_minor});
      }
      return;
    }
    case EventKind::trade: {
      const TradePayload& p = event.trade;
      const auto it = markets_.find(p.market);
      QZ_ASSERT_MSG(it != markets_.end(), "a trade in a market the projection does not know");
      MarketState& market = it->second;
      int64_t quote = 0;
      MarketConfig config;
      config.base_scale = market.info.base.scale;
      config.quote_scale = market.info.quote.scale;
      config.tick_size = market.info.tick_size;
      config.lot_step = market.info.lot_step;
      QZ_ASSERT(market_notional(config, p.price_minor, p.qty_minor, &quote));
      const TradeInfo trade{.id = p.trade, .market = p.market, .price_minor = p.price_minor,
                            .qty_minor = p.qty_minor, .quote_qty_minor = quote, .time_ms = time_ms,
                            .buyer_is_maker = p.taker_side == static_cast<uint8_t>(OrderSideCode::sell)};
      add_trade(market, trade, recent_limit_);
      market.info.last_price_minor = p.price_minor;
      out->trades.push_back(trade);
      return;
    }
    default: return;
  }
}

void MarketData::apply(const Block& block, std::span<const Event> events, BlockUpdates* out) {
  *out = BlockUpdates{};
  out->height = block.header.height;
  out->time_ms = static_cast<int64_t>(block.header.time_ns / 1'000'000);
  std::unique_lock lock(mutex_);
  std::map<uint32_t, BookTop> tops_before;
  std::map<uint32_t, DepthDiff> diffs;
  for (const Event& event : events) {
    if (event.event_kind() == EventKind::level_changed && !tops_before.contains(event.level_changed.market)) {
      const auto it = markets_.find(event.level_changed.market);
      if (it != markets_.end()) {
        tops_before[it->first] = BookTop{.bid = best_of(it->second.book.bids), .ask = best_of(it->second.book.asks),
                                         .update_id = 0};
      }
    }
    apply_event(event, out->time_ms, out, &diffs);
  }
  for (auto& [id, diff] : diffs) {
    auto by_price_desc = [](const Level& a, const Level& b) { return a.price_minor > b.price_minor; };
    auto by_price_asc = [](const Level& a, const Level& b) { return a.price_minor < b.price_minor; };
    std::sort(diff.bids.begin(), diff.bids.end(), by_price_desc);
    std::sort(diff.asks.begin(), diff.asks.end(), by_price_asc);
    out->depth.push_back(std::move(diff));
  }
  for (const auto& [id, before] : tops_before) {
    const Book& book = markets_.at(id).book;
    const Level bid = best_of(book.bids);
    const Level ask = best_of(book.asks);
    if (bid.price_minor != before.bid.price_minor || bid.qty_minor != before.bid.qty_minor ||
        ask.price_minor != before.ask.price_minor || ask.qty_minor != before.ask.qty_minor) {
      out->top_changed.push_back(id);
    }
  }
  height_ = block.header.height;
}

std::vector<MarketInfo> MarketData::markets() const {
  std::shared_lock lock(mutex_);
  std::vector<MarketInfo> out;
  for (const auto& [id, market] : markets_) out.push_back(market.info);
  return out;
}

std::optional<MarketInfo> MarketData::market(uint32_t id) const {
  std::shared_lock lock(mutex_);
  const auto it = markets_.find(id);
  if (it == markets_.end()) return std::nullopt;
  return it->second.info;
}

std::optional<MarketInfo> MarketData::market_by_symbol(std::string_view symbol) const {
  std::shared_lock lock(mutex_);
  const auto it = by_symbol_.find(symbol);
  if (it == by_symbol_.end()) return std::nullopt;
  return markets_.at(it->second).info;
}

std::optional<AssetInfo> MarketData::asset(uint32_t id) const {
  std::shared_lock lock(mutex_);
  const auto it = assets_.find(id);
  if (it == assets_.end()) return std::nullopt;
  return it->second;
}

std::vector<AssetInfo> MarketData::assets() const {
  std::shared_lock lock(mutex_);
  std::vector<AssetInfo> out;
  for (const auto& [id, asset] : assets_) out.push_back(asset);
  return out;
}

bool MarketData::depth(uint32_t market, size_t limit, DepthSnapshot* out) const {
  std::shared_lock lock(mutex_);
  const auto it = markets_.find(market);
  if (it == markets_.end()) return false;
  const Book& book = it->second.book;
  out->last_update_id = book.update_id;
  out->bids.clear();
  out->asks.clear();
  for (const auto& [price, qty] : book.bids) {
    if (out->bids.size() == limit) break;
    out->bids.push_back(Level{.price_minor = price, .qty_minor = qty});
  }
  for (const auto& [price, qty] : book.asks) {
    if (out->asks.size() == limit) break;
    out->asks.push_back(Level{.price_minor = price, .qty_minor = qty});
  }
  return true;
}

bool MarketData::top(uint32_t market, BookTop* out) const {
  std::shared_lock lock(mutex_);
  const auto it = markets_.find(market);
  if (it == markets_.end()) return false;
  *out = BookTop{.bid = best_of(it->second.book.bids), .ask = best_of(it->second.book.asks),
                 .update_id = it->second.book.update_id};
  return true;
}

std::vector<TradeInfo> MarketData::recent_trades(uint32_t market, size_t limit) const {
  std::shared_lock lock(mutex_);
  std::vector<TradeInfo> out;
  const auto it = markets_.find(market);
  if (it == markets_.end()) return out;
  const std::deque<TradeInfo>& trades = it->second.trades;
  const size_t count = std::min(limit, trades.size());
  out.assign(trades.end() - static_cast<std::ptrdiff_t>(count), trades.end());
  return out;
}

bool MarketData::ticker(uint32_t market, int64_t now_ms, Ticker24h* out) const {
  std::shared_lock lock(mutex_);
  const auto it = markets_.find(market);
  if (it == markets_.end()) return false;
  const MarketState& state = it->second;
  *out = Ticker24h{};
  out->open_time_ms = now_ms - kDayMs;
  out->close_time_ms = now_ms;
  out->last_price_minor = state.info.last_price_minor;
  if (!state.trades.empty()) out->last_qty_minor = state.trades.back().qty_minor;
  for (const Minute& minute : state.minutes) {
    if (minute.start_ms + kMinuteMs <= now_ms - kDayMs) {
      out->prev_close_minor = minute.close;  // ended before the window
      continue;
    }
    if (out->count == 0) {
      out->open_price_minor = minute.open;
      out->high_price_minor = minute.high;
      out->low_price_minor = minute.low;
      out->first_id = minute.first_id;
    }
    out->high_price_minor = std::max(out->high_price_minor, minute.high);
    out->low_price_minor = std::min(out->low_price_minor, minute.low);
    out->volume_minor += minute.volume;
    out->quote_volume_minor += minute.quote_volume;
    out->last_id = minute.last_id;
    out->count += minute.count;
  }
  return true;
}

uint64_t MarketData::height() const {
  std::shared_lock lock(mutex_);
  return height_;
}

std::string MarketData::check_invariants() const {
  std::shared_lock lock(mutex_);
  for (const auto& [id, market] : markets_) {
    const std::string name = "market " + std::to_string(id) + ": ";
    for (const auto& [price, qty] : market.book.bids) {
      if (price <= 0 || qty <= 0) return name + "a bid level with a non-positive price or quantity";
    }
    for (const auto& [price, qty] : market.book.asks) {
      if (price <= 0 || qty <= 0) return name + "an ask level with a non-positive price or quantity";
    }
    if (!market.book.bids.empty() && !market.book.asks.empty() &&
        market.book.bids.begin()->first >= market.book.asks.begin()->first) {
      return name + "the best bid is not below the best ask";
    }
    for (size_t i = 1; i < market.trades.size(); i++) {
      if (market.trades[i].id <= market.trades[i - 1].id) return name + "recent trades out of order";
    }
  }
  return "";
}

}  // namespace qz::server
