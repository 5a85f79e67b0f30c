// The market-data projection of `qazna serve`: assets, markets, order books by price level, recent trades and
// rolling 24-hour statistics, as the public routes and streams show them. It is seeded once from the engine
// (at start, when the engine's state is the durable state) and then follows the durable blocks
// (NodeOptions::on_durable), so it shows only what is acknowledged and never decides anything.
//
// Books come from level_changed events, so each market's update id here is the engine's (docs/markets.md):
// grows by exactly one per level change, which is what the diff-depth stream's U/u sequencing needs.
//
// Thread rules: apply() on one thread (the projector); every reader takes a shared lock, so readers on the I/O
// threads see a block's effects all at once or not at all.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/event.h"
#include "journal/block.h"

namespace qz::server {

struct AssetInfo {
  uint32_t id = 0;
  std::string code;
  uint8_t scale = 0;
};

struct MarketInfo {
  uint32_t id = 0;
  std::string symbol;  // base code + quote code, e.g. "BTCKZT"
  AssetInfo base;
  AssetInfo quote;
  int64_t tick_size = 0;  // quote minor units per whole base unit
  int64_t lot_step = 0;   // base minor units
  int64_t min_qty = 0;
  int64_t max_qty = 0;
  int64_t min_notional = 0;
  uint32_t band_bps = 0;
  uint32_t maker_fee_bps = 0;
  uint32_t taker_fee_bps = 0;
  uint8_t status = 1;  // MarketStatus: 1 trading, 2 halted, 3 closed
  int64_t last_price_minor = 0;
};

struct Level {
  int64_t price_minor = 0;
  int64_t qty_minor = 0;
};

struct DepthSnapshot {
  uint64_t last_update_id = 0;
  std::vector<Level> bids;  // best (highest) first
  std::vector<Level> asks;  // best (lowest) first
};

struct TradeInfo {
  uint64_t id = 0;
  uint32_t market = 0;
  int64_t price_minor = 0;
  int64_t qty_minor = 0;
  int64_t quote_qty_minor = 0;
  int64_t time_ms = 0;
  bool buyer_is_maker = false;
};

// 24 hours of trades of one market, rolling by block time, at one-minute resolution (the window is the minutes
// that started after now - 24 h).
struct Ticker24h {
  int64_t open_price_minor = 0;  // first trade in the window (0: none)
  int64_t high_price_minor = 0;
  int64_t low_price_minor = 0;
  int64_t last_price_minor = 0;  // last trade ever (may be older than the window)
  int64_t last_qty_minor = 0;
  int64_t prev_close_minor = 0;  // the last trade before the window (0: none kept)
  int64_t volume_minor = 0;       // base
  int64_t quote_volume_minor = 0;
  int64_t open_time_ms = 0;
  int64_t close_time_ms = 0;
  uint64_t first_id = 0;  // 0 and count 0 when no trade in the window
  uint64_t last_id = 0;
  uint64_t count = 0;
};

struct BookTop {
  Level bid;  // zeros when that side is empty
  Level ask;
  uint64_t update_id = 0;
};

// What one block changed, for the streams.
struct DepthDiff {
  uint32_t market = 0;
  uint64_t first_update_id = 0;  // U
  uint64_t last_update_id = 0;   // u
  std::vector<Level> bids;       // each changed price once, with its final quantity (0 = gone)
  std::vector<Level> asks;
};
struct BlockUpdates {
  uint64_t height = 0;
  int64_t time_ms = 0;
  std::vector<DepthDiff> depth;       // markets whose book changed, by market id
  std::vector<TradeInfo> trades;      // in trade order
  std::vector<uint32_t> top_changed;  // markets whose best bid or ask changed, by id
};

class MarketData {
 public:
  explicit MarketData(size_t recent_trades_per_market = 1000);

  // Replaces everything with the engine's markets and books (assets, rules, status, levels, update ids).
  void seed(const Engine& engine);
  // Adds trades already in history (oldest first) so that the recent-trades window and 24-hour statistics are
  // not empty after a restart. Before any apply().
  void seed_trades(std::span<const TradeInfo> trades);
  // A durable block.
  void apply(const Block& block, std::span<const Event> events, BlockUpdates* out);

  std::vector<MarketInfo> markets() const;  // by id
  std::optional<MarketInfo> market(uint32_t id) const;
  std::optional<MarketInfo> market_by_symbol(std::string_view symbol) const;
  std::optional<AssetInfo> asset(uint32_t id) const;
  std::vector<AssetInfo> assets() const;  // by id
  // False when the market does not exist.
  bool depth(uint32_t market, size_t limit, DepthSnapshot* out) const;
  bool top(uint32_t market, BookTop* out) const;
  // The newest `limit` trades, oldest first.
  std::vector<TradeInfo> recent_trades(uint32_t market, size_t limit) const;
  bool ticker(uint32_t market, int64_t now_ms, Ticker24h* out) const;
  uint64_t height() const;  // of the last block applied (or seeded)

  // Invariants: level quantities positive, best bid below best ask, trades in id order.
  std::string check_invariants() const;

 private:
  struct Book {
    std::map<int64_t, int64_t, std::greater<>> bids;  // price -> visible quantity
    std::map<int64_t, int64_t> asks;
    uint64_t update_id = 0;
  };
  struct Minute {
    int64_t start_ms = 0;
    int64_t open = 0, high = 0, low = 0, close = 0, close_qty = 0;
    int64_t volume = 0, quote_volume = 0;
    uint64_t first_id = 0, last_id = 0, count = 0;
  };
  struct MarketState {
    MarketInfo info;
    Book book;
    std::deque<TradeInfo> trades;  // the newest recent_limit_
    std::deque<Minute> minutes;    // the last 24 hours and one minute that had trades, oldest first
  };

  void apply_event(const Event& event, int64_t time_ms, BlockUpdates* out, std::map<uint32_t, DepthDiff>* diffs);
  static void add_trade(MarketState& market, const TradeInfo& trade, size_t recent_limit);

  size_t recent_limit_;
  mutable std::shared_mutex mutex_;
  std::map<uint32_t, AssetInfo> assets_;
  std::map<uint32_t, MarketState> markets_;
  std::map<std::string, uint32_t, std::less<>> by_symbol_;
  uint64_t height_ = 0;
};

}  // namespace qz::server
