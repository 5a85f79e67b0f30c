// OrderBook: see book.h for the contract and docs/market-book.md for the design.
//
// Representation invariants (check_invariants verifies all of them):
//   - Node regions: window sentinels [0, W), order nodes [W, W + C), overflow sentinels [W + C, size).
//   - A window slot is occupied by at most one side: its bit is set in that side's bitmap iff the slot's level
//     holds orders. A level outside the window has an overflow map entry (price -> sentinel) iff it holds
//     orders; no overflow key lies inside the window.
//   - Each level is a circular list through its sentinel; every order node in it has the level's side and
//     price; the sentinel's count and total equal the number and sum of its orders.
//   - Every in-use order node is linked into exactly one level, except transiently inside replace();
//     id_to_node_[id] is the node of the resting order with that id, or kNil.
//   - resting_count_ is the number of in-use order nodes; the rest form the free list.
//   - best_bid_ticks_ / best_ask_ticks_ are the extreme occupied prices, or kNoBid / kNoAsk.
//   - An order node's `reserved` is kIceberg or 0 (0 in every free node); icebergs_ holds an entry exactly for
//     the flagged resting nodes (slice >= 1, hidden >= 0, visible <= slice), iceberg_count_ counts them per side.
// The hot paths (link, unlink, the passive add, the non-crossing replace) avoid branches on conditions that
// cannot be predicted (which side, whether a level empties, whether an order is at an end of its level).
// Icebergs and self-trade checks cost them one predictable test each (the flag, visible_lots, the
// check_self_trade dispatch); their work runs out of line.
#include "market/book.h"

#include <algorithm>
#include <string>
#include <utility>

#include "base/assert.h"

// The few helpers on every operation's path are forced inline into it (they are private to this file).
#define QZ_BOOK_INLINE __attribute__((always_inline)) inline

namespace qz {

namespace {

constexpr Side opposite(Side side) { return side == Side::buy ? Side::sell : Side::buy; }

bool valid_price(int64_t price_ticks) { return price_ticks >= 1 && price_ticks <= kMaxPriceTicks; }
bool valid_qty(int64_t qty_lots) { return qty_lots >= 1 && qty_lots <= kMaxQtyLots; }

// condition ? a : b without a branch (g++ turns the obvious ternary into a jump when it guesses wrong).
inline int64_t select(bool condition, int64_t a, int64_t b) {
  const int64_t mask = -static_cast<int64_t>(condition);
  return (a & mask) | (b & ~mask);
}

}  // namespace

OrderBook::OrderBook(const BookConfig& config)
    : window_levels_(config.window_levels), order_capacity_(config.order_capacity), window_base_ticks_(0) {
  QZ_ASSERT(config.order_capacity >= 1 && config.id_capacity >= 1 && config.id_capacity < kNil);
  QZ_ASSERT(uint64_t{config.window_levels} + 2 * uint64_t{config.order_capacity} < kNil);
  QZ_ASSERT(config.initial_centre_ticks >= 0 && config.initial_centre_ticks <= kMaxPriceTicks);
  bits_[0].reset(window_levels_);  // asserts the window size is a power of two in range
  bits_[1].reset(window_levels_);
  // Reserve all three regions now; touch (value-initialise) the window and the order pool, so that no page is
  // first touched on the matching path. Overflow sentinels are touched when first needed.
  nodes_.reserve(size_t{window_levels_} + 2 * size_t{order_capacity_});
  nodes_.resize(size_t{window_levels_} + size_t{order_capacity_}, Node{});
  for (uint32_t i = 0; i < window_levels_; i++) reset_sentinel(i);
  for (uint32_t i = 0; i < order_capacity_; i++) {
    Node& n = nodes_[window_levels_ + i];
    n.kind = kFree;
    n.next = i + 1 < order_capacity_ ? window_levels_ + i + 1 : kNil;
    n.prev = kNil;
  }
  free_head_ = window_levels_;
  id_to_node_.assign(config.id_capacity, kNil);
  if (config.initial_centre_ticks != 0) {
    window_base_ticks_ = std::max<int64_t>(0, config.initial_centre_ticks - int64_t{window_levels_ / 2});
  }
}

void OrderBook::reset_sentinel(uint32_t sentinel) {
  QZ_ASSERT(sentinel < nodes_.size());
  QZ_ASSERT(sentinel < window_levels_ || sentinel >= window_levels_ + order_capacity_);  // never an order node
  Node& s = nodes_[sentinel];
  s = Node{.next = sentinel, .prev = sentinel, .order_id = 0, .side = Side::buy, .kind = kLevel, .reserved = 0,
           .price_ticks = 0, .qty_lots = 0};
}

// ---------------------------------------------------------------------------------------------------------------
// Node pools

QZ_BOOK_INLINE uint32_t OrderBook::allocate_node() {
  QZ_ASSERT(free_head_ != kNil);
  const uint32_t node = free_head_;
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kFree);
  free_head_ = n.next;
  n.kind = kOrder;
  resting_count_++;
  return node;
}

QZ_BOOK_INLINE void OrderBook::free_node(uint32_t node) {
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder);
  QZ_ASSERT(resting_count_ > 0);
  n.kind = kFree;
  n.next = free_head_;
  free_head_ = node;
  resting_count_--;
}

// A fresh, empty sentinel for a level outside the window, entered in the side's overflow map.
uint32_t OrderBook::allocate_overflow_sentinel(Side side, int64_t price_ticks) {
  QZ_ASSERT(!in_window(price_ticks));
  QZ_ASSERT(overflow_sentinels_in_use_ < order_capacity_);  // each overflow level holds at least one order
  uint32_t sentinel;
  if (free_sentinel_head_ != kNil) {
    sentinel = free_sentinel_head_;
    free_sentinel_head_ = nodes_[sentinel].next;
  } else {
    QZ_ASSERT(nodes_.size() < nodes_.capacity());  // within the reservation: no reallocation, no moved nodes
    sentinel = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(Node{});
  }
  reset_sentinel(sentinel);
  nodes_[sentinel].side = side;
  nodes_[sentinel].price_ticks = price_ticks;
  overflow_sentinels_in_use_++;
  const bool inserted = overflow_[side_index(side)].emplace(price_ticks, sentinel).second;
  QZ_ASSERT(inserted);
  return sentinel;
}

// ---------------------------------------------------------------------------------------------------------------
// Levels

uint32_t OrderBook::find_sentinel(Side side, int64_t price_ticks) const {
  if (in_window(price_ticks)) {
    const uint32_t index = window_index(price_ticks);
    return bits_[side_index(side)].test(index) ? index : kNil;
  }
  const OverflowMap& overflow = overflow_[side_index(side)];
  const auto it = overflow.find(price_ticks);
  return it == overflow.end() ? kNil : it->second;
}

QZ_BOOK_INLINE void OrderBook::link(uint32_t node) {
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder);
  QZ_ASSERT(valid_price(n.price_ticks) && valid_qty(n.qty_lots));
  const int side = side_index(n.side);
  uint32_t sentinel;
  if (QZ_LIKELY(in_window(n.price_ticks))) {
    sentinel = window_index(n.price_ticks);
    QZ_ASSERT(!bits_[1 - side].test(sentinel));  // a resting order never shares a price with the other side
    bits_[side].set(sentinel);                    // unconditionally: cheaper than asking whether it was empty
    nodes_[sentinel].side = n.side;
    nodes_[sentinel].price_ticks = n.price_ticks;
  } else {
    // Outside the window: the overflow map (may allocate a map node; never on the window path).
    const auto it = overflow_[side].find(n.price_ticks);
    sentinel = it != overflow_[side].end() ? it->second : allocate_overflow_sentinel(n.side, n.price_ticks);
  }
  Node& level = nodes_[sentinel];
  const uint32_t tail = level.prev;
  n.prev = tail;
  n.next = sentinel;
  nodes_[tail].next = node;
  level.prev = node;
  level.order_id++;
  level.qty_lots += n.qty_lots;
  // Branch-free best-price update: the side is not predictable.
  const bool buy = n.side == Side::buy;
  best_bid_ticks_ = select(buy & (n.price_ticks > best_bid_ticks_), n.price_ticks, best_bid_ticks_);
  best_ask_ticks_ = select(!buy & (n.price_ticks < best_ask_ticks_), n.price_ticks, best_ask_ticks_);
}

QZ_BOOK_INLINE void OrderBook::unlink(uint32_t node) {
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder);
  const int side = side_index(n.side);
  const bool windowed = in_window(n.price_ticks);
  uint32_t sentinel;
  if (QZ_LIKELY(windowed)) {
    sentinel = window_index(n.price_ticks);
  } else {
    const auto it = overflow_[side].find(n.price_ticks);
    QZ_ASSERT(it != overflow_[side].end());
    sentinel = it->second;
  }
  Node& level = nodes_[sentinel];
  QZ_ASSERT(level.order_id > 0 && level.qty_lots >= n.qty_lots);
  nodes_[n.prev].next = n.next;
  nodes_[n.next].prev = n.prev;
  n.next = kNil;
  n.prev = kNil;
  level.order_id--;
  level.qty_lots -= n.qty_lots;
  const bool emptied = level.order_id == 0;
  if (QZ_LIKELY(windowed)) {
    bits_[side].clear_if(sentinel, emptied);
    const int64_t best = select(side == 0, best_bid_ticks_, best_ask_ticks_);
    if (emptied & (n.price_ticks == best)) refresh_best_after_emptying(n.side, n.price_ticks);
  } else if (emptied) {
    drop_empty_level(n.side, n.price_ticks, sentinel);
  }
}

// Forgets an emptied level (clears its bit, or frees its overflow sentinel and map entry) and moves the best
// price on when it was the best.
void OrderBook::drop_empty_level(Side side, int64_t price_ticks, uint32_t sentinel) {
  Node& level = nodes_[sentinel];
  QZ_ASSERT(level.order_id == 0 && level.next == sentinel && level.prev == sentinel);
  QZ_ASSERT_EQ(level.qty_lots, 0);
  if (sentinel < window_levels_) {
    bits_[side_index(side)].clear(sentinel);
  } else {
    const size_t erased = overflow_[side_index(side)].erase(price_ticks);
    QZ_ASSERT_EQ(erased, 1u);
    level.kind = kFree;
    level.next = free_sentinel_head_;
    free_sentinel_head_ = sentinel;
    overflow_sentinels_in_use_--;
  }
  const int64_t best = side == Side::buy ? best_bid_ticks_ : best_ask_ticks_;
  if (price_ticks == best) refresh_best_after_emptying(side, price_ticks);
}

void OrderBook::refresh_best_after_emptying(Side side, int64_t price_ticks) {
  if (side == Side::buy) {
    QZ_ASSERT_EQ(best_bid_ticks_, price_ticks);
    best_bid_ticks_ = next_bid_at_or_below(price_ticks - 1);
    QZ_ASSERT(best_bid_ticks_ < price_ticks);
  } else {
    QZ_ASSERT_EQ(best_ask_ticks_, price_ticks);
    best_ask_ticks_ = next_ask_at_or_above(price_ticks + 1);
    QZ_ASSERT(best_ask_ticks_ > price_ticks);
  }
}

int64_t OrderBook::next_bid_at_or_below(int64_t price_ticks) const {
  int64_t best = kNoBid;
  if (!bits_[0].empty() && price_ticks >= window_base_ticks_) {
    const uint64_t offset = static_cast<uint64_t>(price_ticks - window_base_ticks_);
    const uint32_t index = offset >= window_levels_ ? window_levels_ - 1 : static_cast<uint32_t>(offset);
    const uint32_t found = bits_[0].last_at_or_below(index);
    if (found != PriceBitmap::kNone) best = window_base_ticks_ + found;
  }
  if (!overflow_[0].empty()) {
    auto it = overflow_[0].upper_bound(price_ticks);
    if (it != overflow_[0].begin()) best = std::max(best, (--it)->first);
  }
  return best;
}

int64_t OrderBook::next_ask_at_or_above(int64_t price_ticks) const {
  int64_t best = kNoAsk;
  if (!bits_[1].empty() && price_ticks < window_base_ticks_ + window_levels_) {
    const uint32_t index = price_ticks <= window_base_ticks_ ? 0 : window_index(price_ticks);
    const uint32_t found = bits_[1].first_at_or_above(index);
    if (found != PriceBitmap::kNone) best = window_base_ticks_ + found;
  }
  if (!overflow_[1].empty()) {
    const auto it = overflow_[1].lower_bound(price_ticks);
    if (it != overflow_[1].end()) best = std::min(best, it->first);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// The window

// Called before an order rests at a price outside the window. Re-centres when the window is empty, or when the
// order becomes the touch of its side and the window can hold it together with the opposite touch. Otherwise
// the order rests in the overflow.
void OrderBook::maybe_recentre(Side side, int64_t price_ticks) {
  QZ_ASSERT(!in_window(price_ticks));
  QZ_ASSERT(valid_price(price_ticks));
  if (bits_[0].empty() && bits_[1].empty()) {
    recentre(price_ticks);
    return;
  }
  const bool becomes_best = side == Side::buy ? price_ticks > best_bid_ticks_ : price_ticks < best_ask_ticks_;
  if (!becomes_best) return;
  const int64_t opposite_best = side == Side::buy ? best_ask_ticks_ : best_bid_ticks_;
  if (opposite_best == kNoBid || opposite_best == kNoAsk) {
    recentre(price_ticks);
    return;
  }
  const int64_t distance = price_ticks > opposite_best ? price_ticks - opposite_best : opposite_best - price_ticks;
  if (distance < int64_t{window_levels_ / 2}) recentre(price_ticks + (opposite_best - price_ticks) / 2);
}

// Moves the window so that it is centred on `centre_ticks`: levels leaving it move to overflow sentinels,
// overflow levels that now fall inside it move to window sentinels. A level moves by copying its sentinel and
// re-pointing its first and last orders; order nodes and FIFO order are untouched. O(levels moved + window/64).
void OrderBook::recentre(int64_t centre_ticks) {
  QZ_ASSERT(valid_price(centre_ticks));
  const int64_t new_base = std::max<int64_t>(0, centre_ticks - int64_t{window_levels_ / 2});
  if (new_base == window_base_ticks_) return;
  const uint32_t resting_before = resting_count_;
  const int64_t best_bid_before = best_bid_ticks_;
  const int64_t best_ask_before = best_ask_ticks_;

  struct Moved {
    Side side;
    int64_t price_ticks;
    Node sentinel;
  };
  std::vector<Moved> moved;  // allocation is fine here: re-centring is rare and off the matching path
  for (const Side side : {Side::buy, Side::sell}) {
    PriceBitmap& bits = bits_[side_index(side)];
    for (uint32_t index = bits.first_at_or_above(0); index != PriceBitmap::kNone;
         index = bits.first_at_or_above(index + 1)) {
      moved.push_back(Moved{side, window_base_ticks_ + index, nodes_[index]});
      reset_sentinel(index);
    }
    bits.clear_all();
  }
  window_base_ticks_ = new_base;
  for (const Side side : {Side::buy, Side::sell}) {
    OverflowMap& overflow = overflow_[side_index(side)];
    auto it = overflow.lower_bound(window_base_ticks_);
    while (it != overflow.end() && in_window(it->first)) {
      const uint32_t sentinel = it->second;
      moved.push_back(Moved{side, it->first, nodes_[sentinel]});
      nodes_[sentinel].kind = kFree;
      nodes_[sentinel].next = free_sentinel_head_;
      free_sentinel_head_ = sentinel;
      overflow_sentinels_in_use_--;
      it = overflow.erase(it);
    }
  }
  for (const Moved& m : moved) {
    uint32_t target;
    if (in_window(m.price_ticks)) {
      target = window_index(m.price_ticks);
      QZ_ASSERT(!bits_[0].test(target) && !bits_[1].test(target));
      bits_[side_index(m.side)].set(target);
    } else {
      target = allocate_overflow_sentinel(m.side, m.price_ticks);
    }
    Node& level = nodes_[target];
    level = m.sentinel;
    level.kind = kLevel;
    level.side = m.side;
    level.price_ticks = m.price_ticks;
    QZ_ASSERT(level.order_id > 0);
    nodes_[level.next].prev = target;  // the oldest order
    nodes_[level.prev].next = target;  // the newest order
  }
  recentre_count_++;
  QZ_ASSERT_EQ(resting_count_, resting_before);
  QZ_ASSERT(best_bid_ticks_ == best_bid_before && best_ask_ticks_ == best_ask_before);
}

// ---------------------------------------------------------------------------------------------------------------
// Matching

// Trades an aggressor of side kSide against the opposite side while its best price is within `limit_ticks`.
// Returns the quantity traded. With kSelfTrade, asks the sink before each trade with a resting order; an
// expired maker leaves the book without a fill, an expired taker stops the loop (*self_trade_stopped = true).
template <Side kSide, bool kSelfTrade>
int64_t OrderBook::match(uint32_t aggressor_id, int64_t limit_ticks, int64_t qty_lots, FillSink& sink,
                         uint32_t* fill_count, bool* self_trade_stopped) {
  QZ_ASSERT(!in_match_);
  QZ_ASSERT(qty_lots > 0);
  constexpr Side kRestingSide = opposite(kSide);
  in_match_ = true;
  int64_t remaining = qty_lots;
  bool stopped = false;
  while (remaining > 0) {
    const int64_t price_ticks = kSide == Side::buy ? best_ask_ticks_ : best_bid_ticks_;
    if (kSide == Side::buy ? price_ticks > limit_ticks : price_ticks < limit_ticks) break;
    const uint32_t sentinel =
        in_window(price_ticks) ? window_index(price_ticks) : find_sentinel(kRestingSide, price_ticks);
    QZ_ASSERT(sentinel != kNil);
    Node& level = nodes_[sentinel];
    uint32_t node = level.next;
    QZ_ASSERT(node != sentinel);
    // The orders before `node` are used up and freed; the level's head is re-pointed once, after the loop.
    for (;;) {
      Node& resting = nodes_[node];
      QZ_ASSERT(resting.kind == kOrder && resting.price_ticks == price_ticks);
      if constexpr (kSelfTrade) {
        const SelfTrade rule = sink.on_self_trade_check(aggressor_id, resting.order_id);
        if (rule != SelfTrade::allow) {
          QZ_ASSERT(rule == SelfTrade::expire_taker || rule == SelfTrade::expire_maker ||
                    rule == SelfTrade::expire_both);
          stopped = rule != SelfTrade::expire_maker;
          if (rule == SelfTrade::expire_taker) break;  // the resting order stays the head
          const uint32_t next = resting.next;
          expire_resting(node, level);
          node = next;
          if (node == sentinel || stopped) break;
          continue;
        }
      }
      const int64_t take = std::min(remaining, resting.qty_lots);
      resting.qty_lots -= take;
      level.qty_lots -= take;
      remaining -= take;
      ++*fill_count;
      const uint32_t resting_id = resting.order_id;
      if (resting.qty_lots != 0) {
        sink.on_fill(Fill{.aggressor_id = aggressor_id, .resting_id = resting_id, .price_ticks = price_ticks,
                          .qty_lots = take, .aggressor_side = kSide, .resting_done = false,
                          .resting_refilled = false});
        break;  // the aggressor is exhausted
      }
      const uint32_t next = resting.next;
      if (__builtin_expect(resting.reserved != 0, 0) && refill_iceberg(resting, level)) {
        // A new slice at the back of the level: behind every order now in it, reachable again in this loop.
        if (next != sentinel) {
          level.next = next;
          nodes_[next].prev = sentinel;
          const uint32_t tail = level.prev;
          resting.prev = tail;
          resting.next = sentinel;
          nodes_[tail].next = node;
          level.prev = node;
          node = next;
        }  // else it is the last order of the level already: it stays the (new) head
        sink.on_fill(Fill{.aggressor_id = aggressor_id, .resting_id = resting_id, .price_ticks = price_ticks,
                          .qty_lots = take, .aggressor_side = kSide, .resting_done = false,
                          .resting_refilled = true});
        if (remaining == 0) break;
        continue;
      }
      id_to_node_[resting_id] = kNil;
      level.order_id--;
      free_node(node);
      sink.on_fill(Fill{.aggressor_id = aggressor_id, .resting_id = resting_id, .price_ticks = price_ticks,
                        .qty_lots = take, .aggressor_side = kSide, .resting_done = true,
                        .resting_refilled = false});
      node = next;
      if (node == sentinel || remaining == 0) break;
    }
    level.next = node;  // the new head; when node == sentinel the level is an empty self-loop again
    nodes_[node].prev = sentinel;
    if (node == sentinel) drop_empty_level(kRestingSide, price_ticks, sentinel);  // moves the best price on
    if (kSelfTrade && stopped) break;
  }
  in_match_ = false;
  *self_trade_stopped = stopped;
  QZ_ASSERT(remaining >= 0 && remaining <= qty_lots);
  QZ_ASSERT(kSelfTrade || !stopped);
  return qty_lots - remaining;
}

// match() for an incoming limit order (its side and self-trade flag) up to `limit_ticks`.
QZ_BOOK_INLINE int64_t OrderBook::match_any(const LimitOrder& order, int64_t limit_ticks, int64_t qty_lots,
                                            FillSink& sink, uint32_t* fill_count, bool* self_trade_stopped) {
  if (order.side == Side::buy) {
    return order.check_self_trade
               ? match<Side::buy, true>(order.order_id, limit_ticks, qty_lots, sink, fill_count, self_trade_stopped)
               : match<Side::buy, false>(order.order_id, limit_ticks, qty_lots, sink, fill_count, self_trade_stopped);
  }
  return order.check_self_trade
             ? match<Side::sell, true>(order.order_id, limit_ticks, qty_lots, sink, fill_count, self_trade_stopped)
             : match<Side::sell, false>(order.order_id, limit_ticks, qty_lots, sink, fill_count, self_trade_stopped);
}

// Inside match(): a resting iceberg's slice reached zero. With hidden quantity left, shows the next slice (the
// node's quantity and the level total rise; the caller moves the node to the back) and returns true. Otherwise
// the order is an ordinary one that is done: its iceberg entry goes and false is returned.
bool OrderBook::refill_iceberg(Node& resting, Node& level) {
  QZ_ASSERT(resting.reserved == kIceberg && resting.qty_lots == 0);
  const auto it = icebergs_.find(resting.order_id);
  QZ_ASSERT(it != icebergs_.end());
  Iceberg& iceberg = it->second;
  QZ_ASSERT(iceberg.slice_lots >= 1 && iceberg.hidden_lots >= 0);
  if (iceberg.hidden_lots == 0) {
    icebergs_.erase(it);
    resting.reserved = 0;
    iceberg_count_[side_index(resting.side)]--;
    return false;
  }
  const int64_t slice = std::min(iceberg.slice_lots, iceberg.hidden_lots);
  iceberg.hidden_lots -= slice;
  resting.qty_lots = slice;
  level.qty_lots += slice;
  QZ_ASSERT(level.qty_lots >= slice);
  return true;
}

// Inside match(): self-trade prevention expired the resting order at the head of the unconsumed part of its
// level. It leaves whole (hidden quantity included); the caller moves the head past it.
void OrderBook::expire_resting(uint32_t node, Node& level) {
  Node& resting = nodes_[node];
  QZ_ASSERT(resting.kind == kOrder && level.order_id > 0 && level.qty_lots >= resting.qty_lots);
  if (resting.reserved != 0) drop_iceberg(node);
  id_to_node_[resting.order_id] = kNil;
  level.order_id--;
  level.qty_lots -= resting.qty_lots;
  free_node(node);
}

// True when the icebergs on kSide's opposite side at prices within `limit_ticks` hide `needed_lots` or more.
// Walks the iceberg map: the answer is a sum compared with a bound, so the map's order does not matter. The
// sum stops at the bound, so it stays below 2^53.
template <Side kSide>
bool OrderBook::hidden_covers(int64_t limit_ticks, int64_t needed_lots) const {
  constexpr Side kRestingSide = opposite(kSide);
  QZ_ASSERT(needed_lots > 0 && needed_lots <= kMaxQtyLots);
  int64_t hidden = 0;
  for (const auto& [order_id, iceberg] : icebergs_) {
    const Node& n = nodes_[id_to_node_[order_id]];
    QZ_ASSERT(n.kind == kOrder && n.reserved == kIceberg);
    const bool within = kSide == Side::buy ? n.price_ticks <= limit_ticks : n.price_ticks >= limit_ticks;
    if (n.side != kRestingSide || !within) continue;
    hidden += iceberg.hidden_lots;
    if (hidden >= needed_lots) return true;
  }
  return false;
}

// True when an aggressor of side kSide could trade `qty_lots` in full within `limit_ticks` (reads only).
// Level totals first; hidden iceberg quantity only when they fall short and the side holds icebergs.
template <Side kSide>
bool OrderBook::can_fill(int64_t limit_ticks, int64_t qty_lots) const {
  constexpr Side kRestingSide = opposite(kSide);
  int64_t available = 0;
  int64_t price_ticks = kSide == Side::buy ? best_ask_ticks_ : best_bid_ticks_;
  // Bounded: each step moves to a strictly worse occupied level, of which there are at most resting_count_.
  for (uint32_t steps = 0; steps <= resting_count_; steps++) {
    if (kSide == Side::buy ? price_ticks > limit_ticks : price_ticks < limit_ticks) {
      if (iceberg_count_[side_index(kRestingSide)] == 0) return false;
      return hidden_covers<kSide>(limit_ticks, qty_lots - available);
    }
    const uint32_t sentinel = find_sentinel(kRestingSide, price_ticks);
    QZ_ASSERT(sentinel != kNil);
    available += nodes_[sentinel].qty_lots;  // <= 2^52 per order and < 2^32 orders: no overflow
    if (available >= qty_lots) return true;
    price_ticks = kSide == Side::buy ? next_ask_at_or_above(price_ticks + 1) : next_bid_at_or_below(price_ticks - 1);
  }
  QZ_ASSERT_MSG(false, "can_fill walked more levels than there are orders");
  return false;
}

// Trades an incoming GTC order whose node holds id and side and is linked nowhere (and is no iceberg yet), then
// rests the remainder at the order's price (as an iceberg when order.visible_lots != 0), or frees the node when
// it filled in full or self-trade prevention expired it.
AddOutcome OrderBook::finish_incoming(uint32_t node, const LimitOrder& order, FillSink& sink) {
  QZ_ASSERT(nodes_[node].kind == kOrder && nodes_[node].prev == kNil && nodes_[node].reserved == 0);
  QZ_ASSERT_EQ(id_to_node_[order.order_id], node);
  QZ_ASSERT(order.time_in_force == TimeInForce::gtc);
  AddOutcome outcome;
  bool stopped = false;
  outcome.filled_qty_lots =
      match_any(order, order.price_ticks, order.qty_lots, sink, &outcome.fill_count, &stopped);
  outcome.remaining_qty_lots = order.qty_lots - outcome.filled_qty_lots;
  if (outcome.remaining_qty_lots == 0 || stopped) {
    id_to_node_[order.order_id] = kNil;
    free_node(node);
    outcome.status = stopped ? AddStatus::self_trade : AddStatus::filled;
    return outcome;
  }
  Node& n = nodes_[node];
  n.qty_lots = outcome.remaining_qty_lots;
  n.price_ticks = order.price_ticks;
  if (order.visible_lots != 0) make_iceberg_of(node, order.visible_lots, outcome.remaining_qty_lots);
  if (!in_window(order.price_ticks)) maybe_recentre(order.side, order.price_ticks);
  link(node);
  outcome.status = AddStatus::rested;
  QZ_ASSERT(best_bid_ticks_ < best_ask_ticks_);
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------
// Icebergs

// Turns an unlinked order node into an iceberg with this slice size, showing `visible_lots` now.
void OrderBook::make_iceberg(uint32_t node, int64_t slice_lots, int64_t visible_lots, int64_t hidden_lots) {
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder && n.prev == kNil && n.reserved == 0);
  QZ_ASSERT(slice_lots >= 1 && visible_lots >= 1 && visible_lots <= slice_lots && hidden_lots >= 0);
  QZ_ASSERT(valid_qty(visible_lots + hidden_lots));
  n.qty_lots = visible_lots;
  n.reserved = kIceberg;
  const bool inserted =
      icebergs_.emplace(n.order_id, Iceberg{.slice_lots = slice_lots, .hidden_lots = hidden_lots}).second;
  QZ_ASSERT(inserted);
  iceberg_count_[side_index(n.side)]++;
}

// make_iceberg() for `total_lots` in all, showing a first slice min(slice, total).
void OrderBook::make_iceberg_of(uint32_t node, int64_t slice_lots, int64_t total_lots) {
  const int64_t visible = std::min(slice_lots, total_lots);
  make_iceberg(node, slice_lots, visible, total_lots - visible);
}

// Removes a node's iceberg entry and flag (the node stays where it is) and returns what the entry held.
OrderBook::Iceberg OrderBook::drop_iceberg(uint32_t node) {
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder && n.reserved == kIceberg);
  const auto it = icebergs_.find(n.order_id);
  QZ_ASSERT(it != icebergs_.end());
  const Iceberg iceberg = it->second;
  icebergs_.erase(it);
  n.reserved = 0;
  QZ_ASSERT(iceberg_count_[side_index(n.side)] > 0);
  iceberg_count_[side_index(n.side)]--;
  return iceberg;
}

// ---------------------------------------------------------------------------------------------------------------
// Operations

AddOutcome OrderBook::add(const LimitOrder& order, FillSink& sink) {
  QZ_ASSERT(!in_match_);
  QZ_ASSERT_LT(order.order_id, id_to_node_.size());
  QZ_ASSERT_EQ(id_to_node_[order.order_id], kNil);  // the caller never reuses a resting id
  QZ_ASSERT(valid_price(order.price_ticks) && valid_qty(order.qty_lots));
  QZ_ASSERT(!order.post_only || order.time_in_force == TimeInForce::gtc);
  QZ_ASSERT(order.visible_lots == 0 || (order.time_in_force == TimeInForce::gtc && order.visible_lots >= 1 &&
                                        order.visible_lots < order.qty_lots));
  const bool buy = order.side == Side::buy;
  const bool crosses = (buy & (best_ask_ticks_ <= order.price_ticks)) | (!buy & (best_bid_ticks_ >= order.price_ticks));
  AddOutcome outcome{.status = AddStatus::rested, .filled_qty_lots = 0, .remaining_qty_lots = order.qty_lots,
                     .fill_count = 0};

  if (order.time_in_force != TimeInForce::gtc) {
    const bool fok = order.time_in_force == TimeInForce::fok;
    if (fok) {
      const bool fillable = crosses && (buy ? can_fill<Side::buy>(order.price_ticks, order.qty_lots)
                                            : can_fill<Side::sell>(order.price_ticks, order.qty_lots));
      if (!fillable) {
        outcome.status = AddStatus::killed;
        return outcome;
      }
    }
    bool stopped = false;
    if (crosses) {
      outcome.filled_qty_lots =
          match_any(order, order.price_ticks, order.qty_lots, sink, &outcome.fill_count, &stopped);
    }
    outcome.remaining_qty_lots = order.qty_lots - outcome.filled_qty_lots;
    // An FOK falls short only when self-trade prevention took makers away (or stopped it).
    const bool self_trade = stopped | (fok & (outcome.remaining_qty_lots != 0));
    outcome.status = self_trade                           ? AddStatus::self_trade
                     : outcome.remaining_qty_lots == 0 ? AddStatus::filled
                                                       : AddStatus::expired;
    QZ_ASSERT(!self_trade || order.check_self_trade);
    QZ_ASSERT(order.time_in_force == TimeInForce::ioc || outcome.status != AddStatus::expired);
    return outcome;
  }

  if (order.post_only && crosses) {
    outcome.status = AddStatus::would_take;
    return outcome;
  }
  if (free_head_ == kNil) {
    outcome.status = AddStatus::book_full;
    return outcome;
  }
  const uint32_t node = allocate_node();
  Node& n = nodes_[node];  // reserved is 0 in a free node
  n.order_id = order.order_id;
  n.side = order.side;
  n.price_ticks = order.price_ticks;
  n.qty_lots = order.qty_lots;
  n.prev = kNil;
  n.next = kNil;
  id_to_node_[order.order_id] = node;
  if (QZ_LIKELY(!crosses)) {  // the common passive case: straight onto the book
    if (order.visible_lots != 0) make_iceberg_of(node, order.visible_lots, order.qty_lots);
    if (!in_window(order.price_ticks)) maybe_recentre(order.side, order.price_ticks);
    link(node);
    QZ_ASSERT(best_bid_ticks_ < best_ask_ticks_);
    return outcome;
  }
  return finish_incoming(node, order, sink);
}

AddOutcome OrderBook::market(uint32_t order_id, Side side, int64_t qty_lots, FillSink& sink) {
  QZ_ASSERT(!in_match_);
  QZ_ASSERT_LT(order_id, id_to_node_.size());
  QZ_ASSERT_EQ(id_to_node_[order_id], kNil);
  QZ_ASSERT(valid_qty(qty_lots));
  AddOutcome outcome{.status = AddStatus::expired, .filled_qty_lots = 0, .remaining_qty_lots = qty_lots,
                     .fill_count = 0};
  const bool crosses = side == Side::buy ? best_ask_ticks_ != kNoAsk : best_bid_ticks_ != kNoBid;
  if (crosses) {
    bool stopped = false;  // stays false: no self-trade checks
    outcome.filled_qty_lots =
        side == Side::buy
            ? match<Side::buy, false>(order_id, kMaxPriceTicks, qty_lots, sink, &outcome.fill_count, &stopped)
            : match<Side::sell, false>(order_id, 1, qty_lots, sink, &outcome.fill_count, &stopped);
  }
  outcome.remaining_qty_lots = qty_lots - outcome.filled_qty_lots;
  if (outcome.remaining_qty_lots == 0) outcome.status = AddStatus::filled;
  QZ_ASSERT(outcome.remaining_qty_lots == 0 || (side == Side::buy ? best_ask_ticks_ == kNoAsk
                                                                   : best_bid_ticks_ == kNoBid));
  return outcome;
}

CancelOutcome OrderBook::cancel(uint32_t order_id) {
  QZ_ASSERT(!in_match_);
  QZ_ASSERT_LT(order_id, id_to_node_.size());
  const uint32_t node = id_to_node_[order_id];
  if (node == kNil) return CancelOutcome{};
  const Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder && n.order_id == order_id);
  if (__builtin_expect(n.reserved != 0, 0)) return cancel_iceberg(node);
  const CancelOutcome outcome{.found = true, .side = n.side, .price_ticks = n.price_ticks,
                              .cancelled_qty_lots = n.qty_lots};
  unlink(node);
  id_to_node_[order_id] = kNil;
  free_node(node);
  return outcome;
}

// cancel() of an iceberg: it leaves whole, and the outcome counts visible and hidden quantity.
CancelOutcome OrderBook::cancel_iceberg(uint32_t node) {
  const Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder && n.reserved == kIceberg);
  const uint32_t order_id = n.order_id;
  const int64_t hidden_lots = drop_iceberg(node).hidden_lots;
  const CancelOutcome outcome{.found = true, .side = n.side, .price_ticks = n.price_ticks,
                              .cancelled_qty_lots = n.qty_lots + hidden_lots};
  unlink(node);
  id_to_node_[order_id] = kNil;
  free_node(node);
  QZ_ASSERT(valid_qty(outcome.cancelled_qty_lots));
  return outcome;
}

AddOutcome OrderBook::replace(uint32_t order_id, int64_t new_price_ticks, FillSink& sink) {
  QZ_ASSERT(!in_match_);
  QZ_ASSERT_LT(order_id, id_to_node_.size());
  QZ_ASSERT(valid_price(new_price_ticks));
  const uint32_t node = id_to_node_[order_id];
  if (node == kNil) {
    return AddOutcome{.status = AddStatus::not_found, .filled_qty_lots = 0, .remaining_qty_lots = 0,
                      .fill_count = 0};
  }
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder && n.order_id == order_id);
  unlink(node);
  if (__builtin_expect(n.reserved != 0, 0)) return replace_iceberg(node, new_price_ticks, sink);
  const bool buy = n.side == Side::buy;
  const bool crosses = (buy & (best_ask_ticks_ <= new_price_ticks)) | (!buy & (best_bid_ticks_ >= new_price_ticks));
  if (QZ_LIKELY(!crosses)) {  // the common case: straight to the back of the new level
    n.price_ticks = new_price_ticks;
    if (!in_window(new_price_ticks)) maybe_recentre(n.side, new_price_ticks);
    link(node);
    QZ_ASSERT(best_bid_ticks_ < best_ask_ticks_);
    return AddOutcome{.status = AddStatus::rested, .filled_qty_lots = 0, .remaining_qty_lots = n.qty_lots,
                      .fill_count = 0};
  }
  const LimitOrder order{.order_id = order_id, .side = n.side, .price_ticks = new_price_ticks,
                         .qty_lots = n.qty_lots, .time_in_force = TimeInForce::gtc, .post_only = false,
                         .visible_lots = 0, .check_self_trade = false};
  return finish_incoming(node, order, sink);
}

// replace() of an iceberg, after its node left its level: it leaves the map and re-enters as an iceberg of its
// remaining quantity (visible + hidden) with a new first slice, trading first if the new price crosses.
AddOutcome OrderBook::replace_iceberg(uint32_t node, int64_t new_price_ticks, FillSink& sink) {
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder && n.prev == kNil && n.reserved == kIceberg);
  const Iceberg iceberg = drop_iceberg(node);
  const LimitOrder order{.order_id = n.order_id, .side = n.side, .price_ticks = new_price_ticks,
                         .qty_lots = n.qty_lots + iceberg.hidden_lots, .time_in_force = TimeInForce::gtc,
                         .post_only = false, .visible_lots = iceberg.slice_lots, .check_self_trade = false};
  const bool buy = n.side == Side::buy;
  if (buy ? best_ask_ticks_ <= new_price_ticks : best_bid_ticks_ >= new_price_ticks) {
    return finish_incoming(node, order, sink);
  }
  n.price_ticks = new_price_ticks;
  make_iceberg_of(node, order.visible_lots, order.qty_lots);
  if (!in_window(new_price_ticks)) maybe_recentre(n.side, new_price_ticks);
  link(node);
  QZ_ASSERT(best_bid_ticks_ < best_ask_ticks_);
  return AddOutcome{.status = AddStatus::rested, .filled_qty_lots = 0, .remaining_qty_lots = order.qty_lots,
                    .fill_count = 0};
}

bool OrderBook::restore(const RestingOrder& order) {
  QZ_ASSERT(!in_match_);
  if (order.order_id >= id_to_node_.size() || id_to_node_[order.order_id] != kNil) return false;
  if (order.side != Side::buy && order.side != Side::sell) return false;
  if (!valid_price(order.price_ticks) || !valid_qty(order.qty_lots) || order.hidden_lots < 0) return false;
  const bool iceberg_ok = order.visible_lots == 0 ? order.hidden_lots == 0
                                                  : order.qty_lots <= order.visible_lots &&
                                                        order.hidden_lots <= kMaxQtyLots - order.qty_lots;
  if (!iceberg_ok) return false;
  const bool buy = order.side == Side::buy;
  if (buy ? best_ask_ticks_ <= order.price_ticks : best_bid_ticks_ >= order.price_ticks) return false;
  if (free_head_ == kNil) return false;
  const uint32_t node = allocate_node();
  Node& n = nodes_[node];
  n.order_id = order.order_id;
  n.side = order.side;
  n.price_ticks = order.price_ticks;
  n.qty_lots = order.qty_lots;
  n.prev = kNil;
  n.next = kNil;
  id_to_node_[order.order_id] = node;
  if (order.visible_lots != 0) make_iceberg(node, order.visible_lots, order.qty_lots, order.hidden_lots);
  if (!in_window(order.price_ticks)) maybe_recentre(order.side, order.price_ticks);
  link(node);
  QZ_ASSERT(best_bid_ticks_ < best_ask_ticks_);
  QZ_ASSERT(nodes_[node].qty_lots == order.qty_lots);
  return true;
}

ReduceStatus OrderBook::reduce(uint32_t order_id, int64_t new_qty_lots) {
  QZ_ASSERT(!in_match_);
  QZ_ASSERT_LT(order_id, id_to_node_.size());
  const uint32_t node = id_to_node_[order_id];
  if (node == kNil) return ReduceStatus::not_found;
  Node& n = nodes_[node];
  QZ_ASSERT(n.kind == kOrder && n.order_id == order_id);
  Iceberg* iceberg = nullptr;
  if (__builtin_expect(n.reserved != 0, 0)) {
    const auto it = icebergs_.find(order_id);
    QZ_ASSERT(it != icebergs_.end());
    iceberg = &it->second;
  }
  const int64_t hidden = iceberg != nullptr ? iceberg->hidden_lots : 0;
  if (new_qty_lots < 1 || new_qty_lots >= n.qty_lots + hidden) return ReduceStatus::not_lower;
  int64_t cut = n.qty_lots + hidden - new_qty_lots;
  if (iceberg != nullptr) {  // hidden quantity goes first; the visible slice keeps its place either way
    const int64_t from_hidden = std::min(cut, hidden);
    iceberg->hidden_lots -= from_hidden;
    cut -= from_hidden;
  }
  if (cut > 0) {
    const uint32_t sentinel = find_sentinel(n.side, n.price_ticks);
    QZ_ASSERT(sentinel != kNil);
    Node& level = nodes_[sentinel];
    level.qty_lots -= cut;
    n.qty_lots -= cut;
    QZ_ASSERT(n.qty_lots >= 1 && level.qty_lots >= level.order_id);
  }
  QZ_ASSERT_EQ(n.qty_lots + (iceberg != nullptr ? iceberg->hidden_lots : 0), new_qty_lots);
  return ReduceStatus::ok;
}

// ---------------------------------------------------------------------------------------------------------------
// Queries, hashing, invariants

bool OrderBook::is_resting(uint32_t order_id) const {
  return order_id < id_to_node_.size() && id_to_node_[order_id] != kNil;
}

bool OrderBook::find(uint32_t order_id, RestingOrder* out) const {
  if (!is_resting(order_id)) return false;
  const Node& n = nodes_[id_to_node_[order_id]];
  *out = RestingOrder{.order_id = n.order_id, .side = n.side, .price_ticks = n.price_ticks, .qty_lots = n.qty_lots,
                      .hidden_lots = 0, .visible_lots = 0};
  if (n.reserved != 0) {
    const auto it = icebergs_.find(order_id);
    QZ_ASSERT(it != icebergs_.end());
    out->hidden_lots = it->second.hidden_lots;
    out->visible_lots = it->second.slice_lots;
  }
  return true;
}

LevelInfo OrderBook::level(Side side, int64_t price_ticks) const {
  const uint32_t sentinel = find_sentinel(side, price_ticks);
  if (sentinel == kNil) return LevelInfo{.price_ticks = price_ticks, .total_qty_lots = 0, .order_count = 0};
  return LevelInfo{.price_ticks = price_ticks, .total_qty_lots = nodes_[sentinel].qty_lots,
                   .order_count = nodes_[sentinel].order_id};
}

// Calls visit(price_ticks, sentinel) for every occupied level of `side`, best first, until it returns false.
// Merges the window (through the bitmap) with the overflow map.
template <typename Visitor>
void OrderBook::for_each_level(Side side, Visitor&& visit) const {
  const PriceBitmap& bits = bits_[side_index(side)];
  const OverflowMap& overflow = overflow_[side_index(side)];
  if (side == Side::buy) {
    uint32_t index = bits.last_at_or_below(window_levels_ - 1);
    auto it = overflow.rbegin();
    for (;;) {
      const bool have_window = index != PriceBitmap::kNone;
      const bool have_overflow = it != overflow.rend();
      if (!have_window && !have_overflow) return;
      const int64_t window_price = have_window ? window_base_ticks_ + index : kNoBid;
      if (have_overflow && (!have_window || it->first > window_price)) {
        if (!visit(it->first, it->second)) return;
        ++it;
      } else {
        if (!visit(window_price, index)) return;
        index = index == 0 ? PriceBitmap::kNone : bits.last_at_or_below(index - 1);
      }
    }
  } else {
    uint32_t index = bits.first_at_or_above(0);
    auto it = overflow.begin();
    for (;;) {
      const bool have_window = index != PriceBitmap::kNone;
      const bool have_overflow = it != overflow.end();
      if (!have_window && !have_overflow) return;
      const int64_t window_price = have_window ? window_base_ticks_ + index : kNoAsk;
      if (have_overflow && (!have_window || it->first < window_price)) {
        if (!visit(it->first, it->second)) return;
        ++it;
      } else {
        if (!visit(window_price, index)) return;
        index = bits.first_at_or_above(index + 1);
      }
    }
  }
}

void OrderBook::collect_levels(Side side, uint32_t max_levels, std::vector<LevelInfo>* out) const {
  out->clear();
  if (max_levels == 0) return;
  for_each_level(side, [&](int64_t price_ticks, uint32_t sentinel) {
    out->push_back(LevelInfo{.price_ticks = price_ticks, .total_qty_lots = nodes_[sentinel].qty_lots,
                             .order_count = nodes_[sentinel].order_id});
    return out->size() < max_levels;
  });
}

void OrderBook::collect_orders(Side side, std::vector<RestingOrder>* out) const {
  out->clear();
  for_each_level(side, [&](int64_t price_ticks, uint32_t sentinel) {
    uint32_t steps = 0;
    for (uint32_t node = nodes_[sentinel].next; node != sentinel && steps <= resting_count_;
         node = nodes_[node].next, steps++) {
      const Node& n = nodes_[node];
      RestingOrder order{.order_id = n.order_id, .side = side, .price_ticks = price_ticks, .qty_lots = n.qty_lots,
                         .hidden_lots = 0, .visible_lots = 0};
      if (n.reserved != 0) {
        const auto it = icebergs_.find(n.order_id);
        QZ_ASSERT(it != icebergs_.end());
        order.hidden_lots = it->second.hidden_lots;
        order.visible_lots = it->second.slice_lots;
      }
      out->push_back(order);
    }
    return true;
  });
}

void OrderBook::hash_into(Sha256* hasher) const {
  hasher->update("qz.book.v1");
  hasher->update_u64(resting_count_);
  for (const Side side : {Side::buy, Side::sell}) {
    hasher->update_u64(side == Side::buy ? 0x42 : 0x53);
    for_each_level(side, [&](int64_t price_ticks, uint32_t sentinel) {
      hasher->update_u64(static_cast<uint64_t>(price_ticks));
      hasher->update_u64(nodes_[sentinel].order_id);
      hasher->update_u64(static_cast<uint64_t>(nodes_[sentinel].qty_lots));
      uint32_t steps = 0;
      for (uint32_t node = nodes_[sentinel].next; node != sentinel && steps <= resting_count_;
           node = nodes_[node].next, steps++) {
        const Node& n = nodes_[node];
        if (n.reserved == 0) {
          hasher->update_u64(n.order_id);
          hasher->update_u64(static_cast<uint64_t>(n.qty_lots));
          continue;
        }
        // An iceberg: the id with bit 32 set (no plain id has it), visible, hidden and slice size.
        const auto it = icebergs_.find(n.order_id);
        QZ_ASSERT(it != icebergs_.end());
        hasher->update_u64((uint64_t{1} << 32) | n.order_id);
        hasher->update_u64(static_cast<uint64_t>(n.qty_lots));
        hasher->update_u64(static_cast<uint64_t>(it->second.hidden_lots));
        hasher->update_u64(static_cast<uint64_t>(it->second.slice_lots));
      }
      return true;
    });
    hasher->update_u64(0x45);
  }
}

Hash256 OrderBook::state_hash() const {
  Sha256 hasher;
  hash_into(&hasher);
  return hasher.finish();
}

std::string OrderBook::check_invariants() const {
  if (in_match_) return "check_invariants called while matching";
  for (int s = 0; s < 2; s++) {
    if (!bits_[s].consistent()) return "a bitmap's summary levels disagree with level 0";
  }
  const uint32_t pool_end = window_levels_ + order_capacity_;
  if (nodes_.size() < pool_end || nodes_.capacity() < size_t{pool_end} + order_capacity_) {
    return "node array smaller than its regions";
  }
  for (uint32_t index = 0; index < window_levels_; index++) {
    const bool bid = bits_[0].test(index);
    const bool ask = bits_[1].test(index);
    const Node& level = nodes_[index];
    // Messages are built only on failure: this runs after every operation in the differential test.
    const auto where = [&] { return "window level at price " + std::to_string(window_base_ticks_ + index); };
    if (level.kind != kLevel) return where() + ": not a sentinel";
    if (bid && ask) return where() + " is marked in both bitmaps";
    if (!bid && !ask && (level.next != index || level.prev != index || level.order_id != 0 || level.qty_lots != 0)) {
      return where() + " is not marked but not empty";
    }
    if (bid || ask) {
      if (level.next == index || level.order_id == 0) return where() + " is marked but empty";
      if (level.side != (bid ? Side::buy : Side::sell)) return where() + ": sentinel side differs from its bitmap";
      if (level.price_ticks != window_base_ticks_ + index) return where() + ": sentinel price differs";
    }
  }
  uint64_t overflow_levels = 0;
  for (const Side side : {Side::buy, Side::sell}) {
    for (const auto& [price_ticks, sentinel] : overflow_[side_index(side)]) {
      const auto where = [price = price_ticks] { return "overflow level at " + std::to_string(price); };
      if (in_window(price_ticks)) return where() + " lies inside the window";
      if (sentinel < pool_end || sentinel >= nodes_.size()) return where() + ": sentinel outside its region";
      const Node& level = nodes_[sentinel];
      if (level.kind != kLevel || level.side != side || level.price_ticks != price_ticks) {
        return where() + ": sentinel kind, side or price differs";
      }
      if (level.next == sentinel || level.order_id == 0) return where() + " is empty";
      overflow_levels++;
    }
  }
  if (overflow_levels != overflow_sentinels_in_use_) return "overflow sentinel count differs from the maps";

  // An order node's iceberg flag against the iceberg map: empty, or what is wrong.
  const auto check_iceberg = [&](const Node& n, uint64_t* flagged) -> std::string {
    const auto it = icebergs_.find(n.order_id);
    const auto order = [&] { return "order " + std::to_string(n.order_id); };
    if (n.reserved == 0) return it == icebergs_.end() ? "" : order() + " has an iceberg entry but no flag";
    if (n.reserved != kIceberg) return order() + " has unknown flags";
    if (it == icebergs_.end()) return order() + " is flagged an iceberg but has no entry";
    const Iceberg& iceberg = it->second;
    if (iceberg.slice_lots < 1 || iceberg.hidden_lots < 0 || n.qty_lots > iceberg.slice_lots ||
        !valid_qty(n.qty_lots + iceberg.hidden_lots)) {
      return order() + ": iceberg with a bad slice size, hidden or visible quantity";
    }
    ++*flagged;
    return "";
  };
  uint64_t icebergs_reached[2] = {0, 0};
  std::vector<uint8_t> seen(nodes_.size(), 0);
  uint64_t reached = 0;
  std::string error;
  int64_t first_price[2] = {kNoBid, kNoAsk};
  for (const Side side : {Side::buy, Side::sell}) {
    bool first = true;
    for_each_level(side, [&](int64_t price_ticks, uint32_t sentinel) {
      if (first) first_price[side_index(side)] = price_ticks;
      first = false;
      const auto where = [&] {
        return std::string(side == Side::buy ? "bid" : "ask") + " level " + std::to_string(price_ticks);
      };
      if (!valid_price(price_ticks)) error = where() + ": price out of range";
      uint32_t count = 0;
      int64_t total = 0;
      uint32_t prev = sentinel;
      for (uint32_t node = nodes_[sentinel].next; node != sentinel && error.empty(); node = nodes_[node].next) {
        if (node < window_levels_ || node >= pool_end) {
          error = where() + ": linked node outside the order pool";
        } else if (seen[node] != 0) {
          error = where() + ": node reached twice";
        } else {
          const Node& n = nodes_[node];
          seen[node] = 1;
          count++;
          total += n.qty_lots;
          if (n.kind != kOrder) error = where() + ": free node linked";
          else if (n.side != side || n.price_ticks != price_ticks) error = where() + ": node side or price differs";
          else if (!valid_qty(n.qty_lots)) error = where() + ": quantity out of range";
          else if (n.prev != prev) error = where() + ": prev link broken";
          else if (n.order_id >= id_to_node_.size() || id_to_node_[n.order_id] != node)
            error = where() + ": order " + std::to_string(n.order_id) + " not reachable from the id table";
          else if (std::string bad = check_iceberg(n, &icebergs_reached[side_index(side)]); !bad.empty())
            error = where() + ": " + bad;
          prev = node;
        }
      }
      if (error.empty() && nodes_[sentinel].prev != prev) error = where() + ": tail is not the last node";
      if (error.empty() && nodes_[sentinel].order_id != count) error = where() + ": order count differs from orders";
      if (error.empty() && nodes_[sentinel].qty_lots != total) error = where() + ": total differs from the orders' sum";
      reached += count;
      return error.empty();
    });
    if (!error.empty()) return error;
  }
  if (best_bid_ticks_ != first_price[0]) return "cached best bid is not the highest bid level";
  if (best_ask_ticks_ != first_price[1]) return "cached best ask is not the lowest ask level";
  if (best_bid_ticks_ != kNoBid && best_ask_ticks_ != kNoAsk && best_bid_ticks_ >= best_ask_ticks_) {
    return "crossed book: best bid " + std::to_string(best_bid_ticks_) + " >= best ask " +
           std::to_string(best_ask_ticks_);
  }
  if (reached != resting_count_) return "orders reachable from levels differ from the resting count";
  if (icebergs_reached[0] != iceberg_count_[0] || icebergs_reached[1] != iceberg_count_[1]) {
    return "flagged icebergs differ from the per-side iceberg counts";
  }
  if (icebergs_reached[0] + icebergs_reached[1] != icebergs_.size()) {
    return "iceberg entries differ from the flagged resting icebergs";
  }

  uint64_t free_count = 0;
  for (uint32_t node = free_head_; node != kNil && free_count <= order_capacity_; node = nodes_[node].next) {
    if (node < window_levels_ || node >= pool_end || nodes_[node].kind != kFree || seen[node] != 0) {
      return "free list holds a node that is not a free order node";
    }
    if (nodes_[node].reserved != 0) return "a free order node keeps a flag";
    free_count++;
  }
  if (free_count + resting_count_ != order_capacity_) return "free order nodes + resting orders != pool size";
  uint64_t free_sentinels = 0;
  for (uint32_t node = free_sentinel_head_; node != kNil && free_sentinels <= nodes_.size();
       node = nodes_[node].next) {
    if (node < pool_end || node >= nodes_.size() || nodes_[node].kind != kFree) {
      return "free sentinel list holds a node that is not a free overflow sentinel";
    }
    free_sentinels++;
  }
  if (free_sentinels + overflow_sentinels_in_use_ != nodes_.size() - pool_end) {
    return "free + used overflow sentinels != overflow sentinels created";
  }

  uint64_t mapped = 0;
  for (size_t id = 0; id < id_to_node_.size(); id++) {
    const uint32_t node = id_to_node_[id];
    if (node == kNil) continue;
    mapped++;
    if (node >= nodes_.size() || seen[node] == 0 || nodes_[node].order_id != id) {
      return "id table entry " + std::to_string(id) + " does not point at its resting order";
    }
  }
  if (mapped != resting_count_) return "id table entries differ from the resting count";
  return {};
}

}  // namespace qz
