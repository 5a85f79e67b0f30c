#include "reference_book.h"

#include <algorithm>

#include "base/assert.h"

namespace qz::testing {

bool ReferenceBook::crosses(Side side, int64_t limit_ticks) const {
  if (side == Side::buy) return !asks_.empty() && asks_.begin()->first <= limit_ticks;
  return !bids_.empty() && bids_.begin()->first >= limit_ticks;
}

int64_t ReferenceBook::available(Side side, int64_t limit_ticks) const {
  int64_t total = 0;
  if (side == Side::buy) {
    for (const auto& [price, queue] : asks_) {
      if (price > limit_ticks) break;
      for (const Order& order : queue) total += order.qty_lots + order.hidden_lots;
    }
  } else {
    for (const auto& [price, queue] : bids_) {
      if (price < limit_ticks) break;
      for (const Order& order : queue) total += order.qty_lots + order.hidden_lots;
    }
  }
  return total;
}

int64_t ReferenceBook::take(uint32_t aggressor_id, Side side, int64_t limit_ticks, int64_t qty_lots,
                            std::vector<Fill>* fills, const SelfTradeCheck* check, bool* stopped) {
  int64_t remaining = qty_lots;
  *stopped = false;
  const auto sweep = [&](auto& opposite, auto within) {
    while (remaining > 0 && !opposite.empty() && within(opposite.begin()->first)) {
      const int64_t price = opposite.begin()->first;
      Queue& queue = opposite.begin()->second;
      Order& resting = queue.front();
      const SelfTrade rule = check != nullptr && *check ? (*check)(aggressor_id, resting.order_id) : SelfTrade::allow;
      if (rule == SelfTrade::expire_taker) {
        *stopped = true;
        return;
      }
      if (rule == SelfTrade::expire_maker || rule == SelfTrade::expire_both) {  // the maker leaves, no fill
        where_.erase(resting.order_id);
        queue.pop_front();
        if (queue.empty()) opposite.erase(opposite.begin());
        if (rule == SelfTrade::expire_both) {
          *stopped = true;
          return;
        }
        continue;
      }
      const int64_t qty = std::min(remaining, resting.qty_lots);
      resting.qty_lots -= qty;
      remaining -= qty;
      const bool refilled = resting.qty_lots == 0 && resting.hidden_lots > 0;
      const bool done = resting.qty_lots == 0 && !refilled;
      fills->push_back(Fill{.aggressor_id = aggressor_id, .resting_id = resting.order_id, .price_ticks = price,
                            .qty_lots = qty, .aggressor_side = side, .resting_done = done,
                            .resting_refilled = refilled});
      if (refilled) {  // the next slice goes to the back of the level
        Order next = resting;
        next.qty_lots = std::min(next.slice_lots, next.hidden_lots);
        next.hidden_lots -= next.qty_lots;
        queue.pop_front();
        queue.push_back(next);
      } else if (done) {
        where_.erase(resting.order_id);
        queue.pop_front();
        if (queue.empty()) opposite.erase(opposite.begin());
      }
    }
  };
  if (side == Side::buy) {
    sweep(asks_, [limit_ticks](int64_t price) { return price <= limit_ticks; });
  } else {
    sweep(bids_, [limit_ticks](int64_t price) { return price >= limit_ticks; });
  }
  return qty_lots - remaining;
}

void ReferenceBook::rest(uint32_t order_id, Side side, int64_t price_ticks, int64_t qty_lots, int64_t slice_lots) {
  QZ_ASSERT(where_.count(order_id) == 0);
  const int64_t visible = slice_lots == 0 ? qty_lots : std::min(slice_lots, qty_lots);
  const Order order{.order_id = order_id, .qty_lots = visible, .hidden_lots = qty_lots - visible,
                    .slice_lots = slice_lots};
  if (side == Side::buy) {
    bids_[price_ticks].push_back(order);
  } else {
    asks_[price_ticks].push_back(order);
  }
  where_[order_id] = {side, price_ticks};
}

AddOutcome ReferenceBook::add(const LimitOrder& order, std::vector<Fill>* fills, const SelfTradeCheck& check) {
  QZ_ASSERT(!is_resting(order.order_id));
  QZ_ASSERT(order.visible_lots == 0 ||
            (order.time_in_force == TimeInForce::gtc && order.visible_lots < order.qty_lots));
  AddOutcome outcome{.status = AddStatus::rested, .filled_qty_lots = 0, .remaining_qty_lots = order.qty_lots,
                     .fill_count = 0};
  const bool would_cross = crosses(order.side, order.price_ticks);
  if (order.time_in_force == TimeInForce::fok && available(order.side, order.price_ticks) < order.qty_lots) {
    outcome.status = AddStatus::killed;
    return outcome;
  }
  if (order.time_in_force == TimeInForce::gtc) {
    if (order.post_only && would_cross) {
      outcome.status = AddStatus::would_take;
      return outcome;
    }
    if (resting_count() >= order_capacity_) {
      outcome.status = AddStatus::book_full;
      return outcome;
    }
  }
  const size_t before = fills->size();
  bool stopped = false;
  outcome.filled_qty_lots = take(order.order_id, order.side, order.price_ticks, order.qty_lots, fills,
                                 order.check_self_trade ? &check : nullptr, &stopped);
  outcome.fill_count = static_cast<uint32_t>(fills->size() - before);
  outcome.remaining_qty_lots = order.qty_lots - outcome.filled_qty_lots;
  if (stopped) {
    outcome.status = AddStatus::self_trade;
  } else if (outcome.remaining_qty_lots == 0) {
    outcome.status = AddStatus::filled;
  } else if (order.time_in_force == TimeInForce::fok) {
    outcome.status = AddStatus::self_trade;  // enough was there: only self-trade prevention took makers away
  } else if (order.time_in_force == TimeInForce::gtc) {
    rest(order.order_id, order.side, order.price_ticks, outcome.remaining_qty_lots, order.visible_lots);
    outcome.status = AddStatus::rested;
  } else {
    outcome.status = AddStatus::expired;
  }
  return outcome;
}

AddOutcome ReferenceBook::market(uint32_t order_id, Side side, int64_t qty_lots, std::vector<Fill>* fills) {
  const size_t before = fills->size();
  AddOutcome outcome;
  bool stopped = false;
  outcome.filled_qty_lots =
      take(order_id, side, side == Side::buy ? kMaxPriceTicks : 1, qty_lots, fills, nullptr, &stopped);
  outcome.fill_count = static_cast<uint32_t>(fills->size() - before);
  outcome.remaining_qty_lots = qty_lots - outcome.filled_qty_lots;
  outcome.status = outcome.remaining_qty_lots == 0 ? AddStatus::filled : AddStatus::expired;
  return outcome;
}

CancelOutcome ReferenceBook::cancel(uint32_t order_id) {
  const auto it = where_.find(order_id);
  if (it == where_.end()) return CancelOutcome{};
  const Side side = it->second.first;
  const int64_t price = it->second.second;  // not a structured binding: clang 15 cannot capture one
  CancelOutcome outcome{.found = true, .side = side, .price_ticks = price, .cancelled_qty_lots = 0};
  const auto remove = [&](auto& book) {
    Queue& queue = book.at(price);
    for (auto order = queue.begin(); order != queue.end(); ++order) {
      if (order->order_id == order_id) {
        outcome.cancelled_qty_lots = order->qty_lots + order->hidden_lots;
        queue.erase(order);
        break;
      }
    }
    if (queue.empty()) book.erase(price);
  };
  if (side == Side::buy) {
    remove(bids_);
  } else {
    remove(asks_);
  }
  where_.erase(it);
  return outcome;
}

AddOutcome ReferenceBook::replace(uint32_t order_id, int64_t new_price_ticks, std::vector<Fill>* fills) {
  const auto it = where_.find(order_id);
  if (it == where_.end()) {
    return AddOutcome{.status = AddStatus::not_found, .filled_qty_lots = 0, .remaining_qty_lots = 0,
                      .fill_count = 0};
  }
  int64_t slice_lots = 0;
  const Queue& queue = it->second.first == Side::buy ? bids_.at(it->second.second) : asks_.at(it->second.second);
  for (const Order& order : queue) {
    if (order.order_id == order_id) slice_lots = order.slice_lots;
  }
  const CancelOutcome removed = cancel(order_id);
  const size_t before = fills->size();
  AddOutcome outcome;
  bool stopped = false;
  outcome.filled_qty_lots =
      take(order_id, removed.side, new_price_ticks, removed.cancelled_qty_lots, fills, nullptr, &stopped);
  outcome.fill_count = static_cast<uint32_t>(fills->size() - before);
  outcome.remaining_qty_lots = removed.cancelled_qty_lots - outcome.filled_qty_lots;
  if (outcome.remaining_qty_lots == 0) {
    outcome.status = AddStatus::filled;
  } else {
    rest(order_id, removed.side, new_price_ticks, outcome.remaining_qty_lots, slice_lots);
    outcome.status = AddStatus::rested;
  }
  return outcome;
}

ReduceStatus ReferenceBook::reduce(uint32_t order_id, int64_t new_qty_lots) {
  const auto it = where_.find(order_id);
  if (it == where_.end()) return ReduceStatus::not_found;
  const auto [side, price] = it->second;
  Queue& queue = side == Side::buy ? bids_.at(price) : asks_.at(price);
  for (Order& order : queue) {
    if (order.order_id != order_id) continue;
    const int64_t remaining = order.qty_lots + order.hidden_lots;
    if (new_qty_lots < 1 || new_qty_lots >= remaining) return ReduceStatus::not_lower;
    // Hidden quantity goes first, then the visible slice.
    const int64_t cut = remaining - new_qty_lots;
    const int64_t from_hidden = std::min(cut, order.hidden_lots);
    order.hidden_lots -= from_hidden;
    order.qty_lots -= cut - from_hidden;
    return ReduceStatus::ok;
  }
  QZ_ASSERT_MSG(false, "resting id missing from its level");
  return ReduceStatus::not_found;
}

std::vector<RestingOrder> ReferenceBook::orders(Side side) const {
  std::vector<RestingOrder> out;
  const auto collect = [&](const auto& book) {
    for (const auto& [price, queue] : book) {
      for (const Order& order : queue) {
        out.push_back(RestingOrder{.order_id = order.order_id, .side = side, .price_ticks = price,
                                   .qty_lots = order.qty_lots, .hidden_lots = order.hidden_lots,
                                   .visible_lots = order.slice_lots});
      }
    }
  };
  if (side == Side::buy) {
    collect(bids_);
  } else {
    collect(asks_);
  }
  return out;
}

std::vector<LevelInfo> ReferenceBook::levels(Side side) const {
  std::vector<LevelInfo> out;
  const auto collect = [&](const auto& book) {
    for (const auto& [price, queue] : book) {
      LevelInfo level{.price_ticks = price, .total_qty_lots = 0, .order_count = 0};
      for (const Order& order : queue) {
        level.total_qty_lots += order.qty_lots;
        level.order_count++;
      }
      out.push_back(level);
    }
  };
  if (side == Side::buy) {
    collect(bids_);
  } else {
    collect(asks_);
  }
  return out;
}

}  // namespace qz::testing
