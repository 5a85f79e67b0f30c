// The order book of one market: resting limit orders in integer price ticks and quantity lots, and matching.
//
// What it promises
//   - Strict price-time priority. An aggressor trades with the best opposite level first and, within a level,
//     with the oldest order first; every execution is at the resting order's price; one fill is reported per
//     (aggressor, resting order) pair, and per slice of an iceberg. After any call returns, best bid < best ask.
//   - Time in force: GTC rests its remainder; IOC (and a market order) never rests, its remainder expires;
//     FOK trades its whole quantity or nothing. Post-only is refused, with nothing changed, when it would
//     trade on arrival.
//   - replace() removes an order and re-inserts its remaining quantity at a new price: it loses time priority
//     and may trade as the aggressor. reduce() lowers an order's quantity and keeps its priority.
//   - Icebergs (GTC, post-only allowed) show one slice at a time; a used-up slice is followed by the next at the
//     back of its level, possibly within the same aggressor's call. An iceberg aggressor trades its whole
//     quantity and rests the remainder as an iceberg. FOK counts hidden quantity; level totals do not. cancel
//     and reduce see visible + hidden; replace keeps an iceberg an iceberg.
//   - Self-trade prevention (add() only, an aggressor with check_self_trade): the sink is asked before each
//     trade with a resting order, and may expire the maker (no fill), the taker (status self_trade), or both.
//     An FOK is checked without regard to it: an FOK that STP cuts short ends self_trade with its earlier fills.
//   - The book knows nothing of money: fills go to a FillSink so that a caller can settle each one (holds,
//     fees, transfers); the book itself never rejects a fill.
//   - Deterministic: no clock, randomness, I/O, threads, floating point or exceptions. state_hash() walks the
//     book in price-time order and does not depend on the internal layout (window size or position).
//
// Data structures (docs/market-book.md has the details and figures)
//   - Order nodes: a pool of fixed-size 32-byte nodes, sized at construction, addressed by 32-bit index and
//     recycled through a LIFO free list; each price level is a circular doubly linked FIFO of nodes through a
//     sentinel node that also holds the level's order count and total.
//   - Ids: order ids are dense slots 0 .. id_capacity-1 chosen by the caller; a table maps id -> node, so
//     cancel, replace and reduce are O(1). An id may be reused once its order has ended.
//   - Ladder: a window of `window_levels` consecutive prices (a power of two) holds the level sentinels in an
//     array indexed by price - window base; one PriceBitmap per side marks occupied levels. Levels outside the
//     window live in a sorted overflow map per side (price -> sentinel); when an order must rest outside the
//     window at a price that becomes the touch, the window is re-centred (levels move between window and
//     overflow; the order nodes and their FIFO order do not change).
//   - The best bid and best ask are cached; the next best is found through the bitmap (and the overflow).
//   Nothing allocates on the matching path while every level touched lies inside the window.
//
//   - Icebergs: a flag bit in the order node and an entry (slice size, hidden quantity) in a hash map by id;
//     the matching loop tests the flag only when a resting order's quantity reaches zero, and FOK walks the
//     icebergs only when the level totals fall short and the side holds any. Icebergs allocate (map nodes);
//     ordinary orders never do.
//
// Preconditions (programmer errors, asserted): ids < id_capacity; a new order's id is not resting; price in
// [1, kMaxPriceTicks]; quantity in [1, kMaxQtyLots]; an iceberg is GTC with 1 <= visible_lots < qty_lots.
// Business outcomes (post-only refused, FOK killed, no free node, unknown id, self-trade) are returned values.
// The FillSink must not call back into the book. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/sha256.h"
#include "market/price_bitmap.h"

namespace qz {

enum class Side : uint8_t { buy = 0, sell = 1 };
enum class TimeInForce : uint8_t { gtc = 0, ioc = 1, fok = 2 };

inline constexpr int64_t kMaxPriceTicks = int64_t{1} << 52;
inline constexpr int64_t kMaxQtyLots = int64_t{1} << 52;

// One execution between an aggressor and one resting order, at the resting order's price.
struct Fill {
  uint32_t aggressor_id;
  uint32_t resting_id;
  int64_t price_ticks;
  int64_t qty_lots;
  Side aggressor_side;
  bool resting_done;      // the resting order is now fully filled and has left the book
  bool resting_refilled;  // an iceberg's visible slice was used up and a new slice went to the back of its
                          // level (it lost time priority); the order rests on. Never with resting_done.
};

// Self-trade prevention: what happens when an aggressor added with check_self_trade meets a resting order that
// the sink says belongs to the same owner. Numbers are stable (they are carried in commands).
enum class SelfTrade : uint8_t {
  allow = 0,         // trade as usual (STP mode NONE)
  expire_taker = 1,  // matching stops; the aggressor's remainder expires (never rests); the resting order stays
  expire_maker = 2,  // the resting order leaves the book whole (hidden iceberg quantity included); matching
                     // goes on with the next resting order
  expire_both = 3,   // both of the above
};

// Receives fills in execution order while an operation runs. Must not call the book.
class FillSink {
 public:
  virtual void on_fill(const Fill& fill) = 0;
  // Asked once before every (aggressor, resting order) pair would trade, only for an aggressor added with
  // check_self_trade; `resting_id` is still on the book when asked. Returns allow for different owners.
  // An iceberg whose refilled slice the same aggressor reaches again is asked again (same pair, same answer).
  virtual SelfTrade on_self_trade_check(uint32_t aggressor_id, uint32_t resting_id) {
    (void)aggressor_id;
    (void)resting_id;
    return SelfTrade::allow;
  }

 protected:
  ~FillSink() = default;
};

struct LimitOrder {
  uint32_t order_id = 0;
  Side side = Side::buy;
  int64_t price_ticks = 0;
  int64_t qty_lots = 0;
  TimeInForce time_in_force = TimeInForce::gtc;
  bool post_only = false;  // refused (would_take) when it would trade on arrival; otherwise rests like GTC
  // Iceberg (GTC only): 0 = an ordinary order. Otherwise 1 <= visible_lots < qty_lots: the order shows at most
  // visible_lots at a time; when a slice is used up the next one, min(visible_lots, hidden), goes to the back
  // of its level. Level totals count visible quantity only; FOK's check and matching reach hidden quantity.
  int64_t visible_lots = 0;
  bool check_self_trade = false;  // ask the sink's on_self_trade_check before each pair trades
};

// What happened to an incoming order (add, market, replace). Numbers are stable.
enum class AddStatus : uint8_t {
  rested = 0,      // GTC: the remainder (after any fills) rests on the book
  filled = 1,      // traded in full as the aggressor
  expired = 2,     // IOC or market: the untraded remainder was cancelled (filled_qty_lots may be 0)
  killed = 3,      // FOK: could not trade in full, so nothing traded
  would_take = 4,  // post-only: it would have traded on arrival; refused, nothing changed
  book_full = 5,   // GTC (add only): no free order node; refused, nothing changed
  not_found = 6,   // replace: no resting order has this id; nothing changed
  self_trade = 7,  // self-trade prevention expired the aggressor (expire_taker / expire_both): it traded
                   // filled_qty_lots before that and its remaining_qty_lots expired; it does not rest
};

struct AddOutcome {
  AddStatus status = AddStatus::rested;
  int64_t filled_qty_lots = 0;     // traded as the aggressor in this call
  int64_t remaining_qty_lots = 0;  // resting now (rested), or cancelled (expired, killed, refusals)
  uint32_t fill_count = 0;
};

struct CancelOutcome {
  bool found = false;
  Side side = Side::buy;
  int64_t price_ticks = 0;
  int64_t cancelled_qty_lots = 0;  // visible and hidden
};

enum class ReduceStatus : uint8_t {
  ok = 0,
  not_found = 1,  // no resting order has this id
  not_lower = 2,  // the new quantity is not below the remaining quantity (or is below 1)
};

struct RestingOrder {
  uint32_t order_id;
  Side side;
  int64_t price_ticks;
  int64_t qty_lots;          // visible quantity on the book
  int64_t hidden_lots = 0;   // iceberg quantity not yet shown
  int64_t visible_lots = 0;  // iceberg slice size; 0 = not an iceberg
  friend bool operator==(const RestingOrder&, const RestingOrder&) = default;
};

struct LevelInfo {
  int64_t price_ticks;
  int64_t total_qty_lots;
  uint32_t order_count;
  friend bool operator==(const LevelInfo&, const LevelInfo&) = default;
};

// Memory: 32 bytes per window level and per order node (touched at construction), 4 bytes per id, and up to
// 32 bytes per order_capacity more for overflow levels (reserved, touched only when levels leave the window).
struct BookConfig {
  uint32_t order_capacity = 1u << 16;    // resting orders at once (pool nodes); >= 1
  uint32_t id_capacity = 1u << 20;       // ids are 0 .. id_capacity-1; < 2^32 - 1
  uint32_t window_levels = 1u << 16;     // ladder window: a power of two in [64, 2^18]
  int64_t initial_centre_ticks = 0;      // centre of the first window; 0 = centre on the first resting order
};

class OrderBook {
 public:
  static constexpr int64_t kNoBid = INT64_MIN;  // best_bid_ticks() of an empty bid side
  static constexpr int64_t kNoAsk = INT64_MAX;  // best_ask_ticks() of an empty ask side

  // Allocates and touches every table now; nothing on the matching path allocates later.
  explicit OrderBook(const BookConfig& config);
  OrderBook(const OrderBook&) = delete;
  OrderBook& operator=(const OrderBook&) = delete;
  OrderBook(OrderBook&&) = default;  // everything is indices: a move keeps the book intact
  OrderBook& operator=(OrderBook&&) = default;

  // A limit order. Checks, in order: post-only would trade -> would_take; GTC with no free node ->
  // book_full; FOK that cannot trade in full (hidden quantity counted, STP not) -> killed. Then it trades
  // (fills to `sink`) and rests (GTC), expires (IOC) or is filled; with check_self_trade, self-trade
  // prevention may end it first (self_trade). remaining_qty_lots of a rested iceberg is visible + hidden.
  AddOutcome add(const LimitOrder& order, FillSink& sink);

  // A market order by base quantity: trades against the opposite side at any price; the remainder expires.
  // Status filled or expired (no self-trade checks). The id is reported in fills and must not be resting.
  AddOutcome market(uint32_t order_id, Side side, int64_t qty_lots, FillSink& sink);

  // Removes a resting order. found = false (nothing changed) when no resting order has this id.
  CancelOutcome cancel(uint32_t order_id);

  // Removes a resting order and re-inserts its remaining quantity, as GTC, at `new_price_ticks`: it loses
  // time priority and may trade (without self-trade checks). An iceberg trades visible + hidden and rests as
  // an iceberg with a new first slice, min(slice size, remaining). Status rested, filled or not_found. Needs
  // no free node.
  AddOutcome replace(uint32_t order_id, int64_t new_price_ticks, FillSink& sink);

  // Rests `order` exactly as given (for snapshots), at the back of its level, without trading: qty_lots
  // visible and, for an iceberg (visible_lots = its slice size, != 0), hidden_lots more. Restoring what
  // collect_orders() listed, in that order, into an empty book gives the same book and state hash. Returns
  // false, with nothing changed, when the id is out of range or resting, no node is free, the order would
  // cross the other side, or the values are invalid (price or quantity out of range, hidden < 0, hidden
  // quantity without a slice size, a visible quantity above the slice size).
  bool restore(const RestingOrder& order);

  // Lowers a resting order's quantity to `new_qty_lots` (>= 1, < remaining), keeping its place in the FIFO.
  // For an iceberg, remaining = visible + hidden and the hidden part shrinks first; the visible slice shrinks
  // only when nothing stays hidden.
  ReduceStatus reduce(uint32_t order_id, int64_t new_qty_lots);

  // Queries.
  int64_t best_bid_ticks() const { return best_bid_ticks_; }
  int64_t best_ask_ticks() const { return best_ask_ticks_; }
  uint32_t resting_count() const { return resting_count_; }
  uint32_t order_capacity() const { return order_capacity_; }
  uint32_t id_capacity() const { return static_cast<uint32_t>(id_to_node_.size()); }
  bool is_resting(uint32_t order_id) const;
  // The resting order with this id (an iceberg's hidden quantity and slice size included); false when none rests.
  bool find(uint32_t order_id, RestingOrder* out) const;
  // Total and order count at one price of one side (zeros when the level is empty).
  LevelInfo level(Side side, int64_t price_ticks) const;
  // Levels best first (bids descending, asks ascending); at most max_levels of them.
  void collect_levels(Side side, uint32_t max_levels, std::vector<LevelInfo>* out) const;
  // Every resting order of a side in priority order (best level first, oldest first within a level), with
  // icebergs' hidden quantity and slice size.
  void collect_orders(Side side, std::vector<RestingOrder>* out) const;
  // How many times the window was re-centred, and how many levels now lie outside it (for tests, benches).
  uint64_t recentre_count() const { return recentre_count_; }
  size_t overflow_level_count() const { return overflow_[0].size() + overflow_[1].size(); }

  // Feeds the book, in price-time order, to `hasher`: independent of window size and position.
  void hash_into(Sha256* hasher) const;
  Hash256 state_hash() const;
  // Empty when every invariant holds, else the first violation found: level totals and counts equal their
  // orders; FIFO links are consistent; best bid < best ask and both caches are right; the bitmaps agree
  // with the levels; every resting order is reachable from its level and from the id table, and every node
  // is either resting or free; iceberg flags agree with the iceberg entries (hidden >= 0, 1 <= visible <=
  // slice) and the per-side counts. O(window + ids + orders); for tests and checks.
  std::string check_invariants() const;

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  enum : uint8_t { kFree = 0, kOrder = 1, kLevel = 2 };

  // 32 bytes. One array holds three kinds of node, all addressed by 32-bit index:
  //   [0, window_levels)                     the sentinels of the window's levels (index = price - window base);
  //   [window_levels, + order_capacity)      the order pool;
  //   [.., + order_capacity)                 sentinels of overflow levels (reserved up front, touched on demand).
  // A level is a circular doubly linked list through its sentinel: sentinel.next is the oldest order (head),
  // sentinel.prev the newest (tail); an empty level's sentinel points at itself. So linking and unlinking
  // never test for the ends of the list.
  struct Node {
    uint32_t next;
    uint32_t prev;
    uint32_t order_id;  // a sentinel: the number of orders in its level
    Side side;
    uint8_t kind;       // kFree, kOrder or kLevel
    uint16_t reserved;  // an order node: kIceberg or 0 (0 in every free node)
    int64_t price_ticks;
    int64_t qty_lots;   // a sentinel: the level's total quantity
  };
  static_assert(sizeof(Node) == 32);

  using OverflowMap = std::map<int64_t, uint32_t>;  // price -> sentinel index, for levels outside the window

  // An iceberg's side data. Its node is flagged with kIceberg in `reserved`; the node's qty_lots is the
  // visible slice now on the book.
  struct Iceberg {
    int64_t slice_lots;   // the slice size (LimitOrder::visible_lots), >= 1
    int64_t hidden_lots;  // not yet shown, >= 0
  };
  static constexpr uint16_t kIceberg = 1;  // Node::reserved flag of an iceberg's order node
  // Order id -> data. Lookups, and one order-independent sum (FOK); never iterated into anything emitted or
  // hashed.
  using IcebergMap = std::unordered_map<uint32_t, Iceberg>;

  // kSelfTrade: ask the sink before each pair trades. Sets *self_trade_stopped when a check expired the taker.
  template <Side kSide, bool kSelfTrade>
  int64_t match(uint32_t aggressor_id, int64_t limit_ticks, int64_t qty_lots, FillSink& sink,
                uint32_t* fill_count, bool* self_trade_stopped);
  int64_t match_any(const LimitOrder& order, int64_t limit_ticks, int64_t qty_lots, FillSink& sink,
                    uint32_t* fill_count, bool* self_trade_stopped);
  template <Side kSide>
  bool can_fill(int64_t limit_ticks, int64_t qty_lots) const;
  template <Side kSide>
  bool hidden_covers(int64_t limit_ticks, int64_t needed_lots) const;
  AddOutcome finish_incoming(uint32_t node, const LimitOrder& order, FillSink& sink);
  AddOutcome replace_iceberg(uint32_t node, int64_t new_price_ticks, FillSink& sink);
  CancelOutcome cancel_iceberg(uint32_t node);

  void make_iceberg(uint32_t node, int64_t slice_lots, int64_t visible_lots, int64_t hidden_lots);
  void make_iceberg_of(uint32_t node, int64_t slice_lots, int64_t total_lots);
  Iceberg drop_iceberg(uint32_t node);
  bool refill_iceberg(Node& resting, Node& level);
  void expire_resting(uint32_t node, Node& level);

  uint32_t allocate_node();
  void free_node(uint32_t node);
  uint32_t allocate_overflow_sentinel(Side side, int64_t price_ticks);
  void link(uint32_t node);    // appends a filled-in order node to the tail of its level
  void unlink(uint32_t node);  // removes an order node from its level (the node stays allocated)
  // The sentinel of the occupied level at (side, price), or kNil.
  uint32_t find_sentinel(Side side, int64_t price_ticks) const;
  void drop_empty_level(Side side, int64_t price_ticks, uint32_t sentinel);
  void refresh_best_after_emptying(Side side, int64_t price_ticks);
  int64_t next_bid_at_or_below(int64_t price_ticks) const;
  int64_t next_ask_at_or_above(int64_t price_ticks) const;
  bool in_window(int64_t price_ticks) const {
    return static_cast<uint64_t>(price_ticks - window_base_ticks_) < window_levels_;
  }
  uint32_t window_index(int64_t price_ticks) const {
    return static_cast<uint32_t>(price_ticks - window_base_ticks_);
  }
  void reset_sentinel(uint32_t sentinel);
  void maybe_recentre(Side side, int64_t price_ticks);
  void recentre(int64_t centre_ticks);
  template <typename Visitor>
  void for_each_level(Side side, Visitor&& visit) const;
  static int side_index(Side side) { return side == Side::buy ? 0 : 1; }

  uint32_t window_levels_;
  uint32_t order_capacity_;
  int64_t window_base_ticks_;
  std::vector<Node> nodes_;  // reserved for all three regions; never reallocates
  std::vector<uint32_t> id_to_node_;
  uint32_t free_head_ = kNil;           // free order nodes
  uint32_t free_sentinel_head_ = kNil;  // free overflow sentinels
  uint32_t resting_count_ = 0;
  uint32_t overflow_sentinels_in_use_ = 0;

  PriceBitmap bits_[2];        // [0] bids, [1] asks: occupied window levels
  OverflowMap overflow_[2];    // [0] bids, [1] asks
  int64_t best_bid_ticks_ = kNoBid;
  int64_t best_ask_ticks_ = kNoAsk;
  uint64_t recentre_count_ = 0;
  IcebergMap icebergs_;              // resting icebergs (allocates: icebergs only)
  uint32_t iceberg_count_[2] = {};   // [0] bids, [1] asks: resting icebergs per side
  bool in_match_ = false;  // a FillSink is running: re-entry is a programmer error
};

}  // namespace qz
