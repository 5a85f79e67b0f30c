// A naive order book that is obviously correct: std::map of price -> std::deque of orders per side. Driven side
// by side with qz::OrderBook (book.h) by the differential tests; it implements the same contract, in the same
// order of checks, with none of the fast book's structures (no pool, no bitmap, no window, no id table).
//
// Icebergs are orders with a slice size and a hidden quantity in the deque; a used-up slice with hidden
// quantity left is refilled and moved to the back of its deque. Self-trade prevention asks a callback (the
// test's owner table) before each trade, exactly where the fast book asks its FillSink.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "market/book.h"

namespace qz::testing {

class ReferenceBook {
 public:
  // (aggressor id, resting id) -> what to do; asked only for an aggressor with check_self_trade.
  using SelfTradeCheck = std::function<SelfTrade(uint32_t aggressor_id, uint32_t resting_id)>;

  // `order_capacity`: how many orders may rest at once (a GTC add beyond it is book_full, like the fast book).
  explicit ReferenceBook(uint32_t order_capacity) : order_capacity_(order_capacity) {}

  // `check` may be empty: every pair is then allowed.
  AddOutcome add(const LimitOrder& order, std::vector<Fill>* fills, const SelfTradeCheck& check = {});
  AddOutcome market(uint32_t order_id, Side side, int64_t qty_lots, std::vector<Fill>* fills);
  CancelOutcome cancel(uint32_t order_id);
  AddOutcome replace(uint32_t order_id, int64_t new_price_ticks, std::vector<Fill>* fills);
  ReduceStatus reduce(uint32_t order_id, int64_t new_qty_lots);

  bool is_resting(uint32_t order_id) const { return where_.count(order_id) != 0; }
  uint32_t resting_count() const { return static_cast<uint32_t>(where_.size()); }
  int64_t best_bid_ticks() const { return bids_.empty() ? OrderBook::kNoBid : bids_.begin()->first; }
  int64_t best_ask_ticks() const { return asks_.empty() ? OrderBook::kNoAsk : asks_.begin()->first; }
  // Priority order: best level first, oldest first (icebergs with hidden quantity and slice size).
  std::vector<RestingOrder> orders(Side side) const;
  // Level totals count visible quantity only.
  std::vector<LevelInfo> levels(Side side) const;

 private:
  struct Order {
    uint32_t order_id;
    int64_t qty_lots;     // visible
    int64_t hidden_lots;  // icebergs: not yet shown
    int64_t slice_lots;   // icebergs: slice size; 0 = an ordinary order
  };
  using Queue = std::deque<Order>;

  bool crosses(Side side, int64_t limit_ticks) const;
  int64_t available(Side side, int64_t limit_ticks) const;  // opposite quantity (hidden too) within the limit
  // Trades up to qty_lots; sets *stopped when self-trade prevention expired the aggressor.
  int64_t take(uint32_t aggressor_id, Side side, int64_t limit_ticks, int64_t qty_lots, std::vector<Fill>* fills,
               const SelfTradeCheck* check, bool* stopped);
  void rest(uint32_t order_id, Side side, int64_t price_ticks, int64_t qty_lots, int64_t slice_lots);

  uint32_t order_capacity_;
  std::map<int64_t, Queue, std::greater<int64_t>> bids_;  // best (highest) first
  std::map<int64_t, Queue> asks_;                          // best (lowest) first
  std::map<uint32_t, std::pair<Side, int64_t>> where_;     // resting id -> side, price
};

}  // namespace qz::testing
