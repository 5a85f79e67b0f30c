// The order book's rules, one test per rule: price-time priority, execution at the resting price, one fill per
// pair, IOC never rests, FOK all-or-nothing, post-only refused when it would take, replace loses priority and
// may trade, reduce keeps priority, market orders, capacity, unknown ids, prices far outside the ladder window,
// id reuse, a state hash that depends on the book but not on its layout, icebergs (refills lose priority and
// may be matched again in the same call, FOK reaches hidden quantity, reduce / cancel / replace) and self-trade
// prevention in each mode. Every test ends with check_invariants().
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/prng.h"
#include "market/book.h"
#include "market/price_bitmap.h"

namespace qz {
namespace {

class VectorSink final : public FillSink {
 public:
  void on_fill(const Fill& fill) override { fills.push_back(fill); }
  std::vector<Fill> fills;
};

BookConfig small_config(uint32_t window_levels = 1024) {
  return BookConfig{.order_capacity = 64, .id_capacity = 256, .window_levels = window_levels,
                    .initial_centre_ticks = 0};
}

LimitOrder gtc(uint32_t id, Side side, int64_t price, int64_t qty) {
  return LimitOrder{.order_id = id, .side = side, .price_ticks = price, .qty_lots = qty,
                    .time_in_force = TimeInForce::gtc, .post_only = false};
}
LimitOrder with_tif(LimitOrder order, TimeInForce tif) {
  order.time_in_force = tif;
  return order;
}
LimitOrder post_only(LimitOrder order) {
  order.post_only = true;
  return order;
}
LimitOrder iceberg(uint32_t id, Side side, int64_t price, int64_t qty, int64_t visible) {
  LimitOrder order = gtc(id, side, price, qty);
  order.visible_lots = visible;
  return order;
}
LimitOrder stp(LimitOrder order) {
  order.check_self_trade = true;
  return order;
}

// (resting id, price, qty, done[, refilled]) of each fill, for compact expectations.
struct F {
  uint32_t resting;
  int64_t price;
  int64_t qty;
  bool done;
  bool refilled = false;
};
void expect_fills(const std::vector<Fill>& got, uint32_t aggressor, Side side, const std::vector<F>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    SCOPED_TRACE("fill " + std::to_string(i));
    EXPECT_EQ(got[i].aggressor_id, aggressor);
    EXPECT_EQ(got[i].aggressor_side, side);
    EXPECT_EQ(got[i].resting_id, want[i].resting);
    EXPECT_EQ(got[i].price_ticks, want[i].price);
    EXPECT_EQ(got[i].qty_lots, want[i].qty);
    EXPECT_EQ(got[i].resting_done, want[i].done);
    EXPECT_EQ(got[i].resting_refilled, want[i].refilled);
  }
}

std::vector<uint32_t> order_ids(const OrderBook& book, Side side) {
  std::vector<RestingOrder> orders;
  book.collect_orders(side, &orders);
  std::vector<uint32_t> ids;
  for (const RestingOrder& order : orders) ids.push_back(order.order_id);
  return ids;
}

void expect_sane(const OrderBook& book) { EXPECT_EQ(book.check_invariants(), ""); }

TEST(Book, PassiveOrdersRestAndSetTheTouch) {
  OrderBook book(small_config());
  VectorSink sink;
  EXPECT_EQ(book.best_bid_ticks(), OrderBook::kNoBid);
  EXPECT_EQ(book.best_ask_ticks(), OrderBook::kNoAsk);
  EXPECT_EQ(book.add(gtc(1, Side::buy, 100, 5), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(gtc(2, Side::buy, 99, 7), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(gtc(3, Side::sell, 102, 4), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(gtc(4, Side::buy, 100, 3), sink).status, AddStatus::rested);
  EXPECT_TRUE(sink.fills.empty());
  EXPECT_EQ(book.best_bid_ticks(), 100);
  EXPECT_EQ(book.best_ask_ticks(), 102);
  EXPECT_EQ(book.resting_count(), 4u);
  EXPECT_EQ(book.level(Side::buy, 100), (LevelInfo{.price_ticks = 100, .total_qty_lots = 8, .order_count = 2}));
  EXPECT_EQ(book.level(Side::sell, 100).order_count, 0u);
  std::vector<LevelInfo> levels;
  book.collect_levels(Side::buy, 10, &levels);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0].price_ticks, 100);
  EXPECT_EQ(levels[1].price_ticks, 99);
  book.collect_levels(Side::buy, 1, &levels);
  EXPECT_EQ(levels.size(), 1u);
  expect_sane(book);
}

TEST(Book, PriceTimePriorityAcrossAndWithinLevelsAtTheRestingPrice) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 101, 5), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 100, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(3, Side::sell, 100, 4), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(4, Side::sell, 102, 9), sink).status, AddStatus::rested);
  // A buy at 105 for 10: best price first (100: oldest 2 then 3), then 101; each at the resting price.
  const AddOutcome outcome = book.add(gtc(9, Side::buy, 105, 10), sink);
  EXPECT_EQ(outcome.status, AddStatus::filled);
  EXPECT_EQ(outcome.filled_qty_lots, 10);
  EXPECT_EQ(outcome.remaining_qty_lots, 0);
  EXPECT_EQ(outcome.fill_count, 3u);
  expect_fills(sink.fills, 9, Side::buy, {{2, 100, 3, true}, {3, 100, 4, true}, {1, 101, 3, false}});
  EXPECT_EQ(book.best_ask_ticks(), 101);
  EXPECT_EQ(book.level(Side::sell, 101).total_qty_lots, 2);
  EXPECT_FALSE(book.is_resting(9));
  EXPECT_FALSE(book.is_resting(2));
  EXPECT_TRUE(book.is_resting(1));
  expect_sane(book);
}

TEST(Book, GtcRemainderRestsAfterSweeping) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::buy, 50, 4), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::buy, 49, 4), sink).status, AddStatus::rested);
  const AddOutcome outcome = book.add(gtc(3, Side::sell, 49, 10), sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.filled_qty_lots, 8);
  EXPECT_EQ(outcome.remaining_qty_lots, 2);
  expect_fills(sink.fills, 3, Side::sell, {{1, 50, 4, true}, {2, 49, 4, true}});
  EXPECT_EQ(book.best_bid_ticks(), OrderBook::kNoBid);
  EXPECT_EQ(book.best_ask_ticks(), 49);
  RestingOrder rest{};
  ASSERT_TRUE(book.find(3, &rest));
  EXPECT_EQ(rest, (RestingOrder{.order_id = 3, .side = Side::sell, .price_ticks = 49, .qty_lots = 2}));
  expect_sane(book);
}

TEST(Book, IocNeverRests) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 3), sink).status, AddStatus::rested);
  // Partly filled: the rest expires.
  AddOutcome outcome = book.add(with_tif(gtc(2, Side::buy, 100, 5), TimeInForce::ioc), sink);
  EXPECT_EQ(outcome.status, AddStatus::expired);
  EXPECT_EQ(outcome.filled_qty_lots, 3);
  EXPECT_EQ(outcome.remaining_qty_lots, 2);
  expect_fills(sink.fills, 2, Side::buy, {{1, 100, 3, true}});
  EXPECT_FALSE(book.is_resting(2));
  EXPECT_EQ(book.best_bid_ticks(), OrderBook::kNoBid);
  // Nothing to trade with: expires whole.
  sink.fills.clear();
  outcome = book.add(with_tif(gtc(3, Side::buy, 100, 5), TimeInForce::ioc), sink);
  EXPECT_EQ(outcome.status, AddStatus::expired);
  EXPECT_EQ(outcome.filled_qty_lots, 0);
  EXPECT_TRUE(sink.fills.empty());
  EXPECT_EQ(book.resting_count(), 0u);
  // Filled in full.
  ASSERT_EQ(book.add(gtc(4, Side::sell, 100, 3), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(with_tif(gtc(5, Side::buy, 101, 3), TimeInForce::ioc), sink).status, AddStatus::filled);
  EXPECT_EQ(book.resting_count(), 0u);
  expect_sane(book);
}

TEST(Book, FokTradesAllOrNothing) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 101, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(3, Side::sell, 103, 10), sink).status, AddStatus::rested);
  const Hash256 before = book.state_hash();
  // 7 within 102 but only 6 available there: killed, nothing traded, book unchanged.
  AddOutcome outcome = book.add(with_tif(gtc(4, Side::buy, 102, 7), TimeInForce::fok), sink);
  EXPECT_EQ(outcome.status, AddStatus::killed);
  EXPECT_EQ(outcome.filled_qty_lots, 0);
  EXPECT_EQ(outcome.remaining_qty_lots, 7);
  EXPECT_TRUE(sink.fills.empty());
  EXPECT_EQ(book.state_hash(), before);
  // Not crossing at all: killed.
  EXPECT_EQ(book.add(with_tif(gtc(5, Side::buy, 99, 1), TimeInForce::fok), sink).status, AddStatus::killed);
  // Exactly 6 within 102: filled across two levels.
  outcome = book.add(with_tif(gtc(6, Side::buy, 102, 6), TimeInForce::fok), sink);
  EXPECT_EQ(outcome.status, AddStatus::filled);
  expect_fills(sink.fills, 6, Side::buy, {{1, 100, 3, true}, {2, 101, 3, true}});
  EXPECT_FALSE(book.is_resting(6));
  // Sell side: a FOK sell mirrors it.
  sink.fills.clear();
  ASSERT_EQ(book.add(gtc(7, Side::buy, 90, 5), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(with_tif(gtc(8, Side::sell, 90, 6), TimeInForce::fok), sink).status, AddStatus::killed);
  EXPECT_EQ(book.add(with_tif(gtc(8, Side::sell, 90, 5), TimeInForce::fok), sink).status, AddStatus::filled);
  expect_fills(sink.fills, 8, Side::sell, {{7, 90, 5, true}});
  expect_sane(book);
}

TEST(Book, PostOnlyIsRefusedWhenItWouldTake) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::buy, 98, 3), sink).status, AddStatus::rested);
  const Hash256 before = book.state_hash();
  // At the ask (equal price would trade) and through it: refused, nothing changes.
  AddOutcome outcome = book.add(post_only(gtc(3, Side::buy, 100, 1)), sink);
  EXPECT_EQ(outcome.status, AddStatus::would_take);
  EXPECT_EQ(outcome.filled_qty_lots, 0);
  EXPECT_EQ(book.add(post_only(gtc(3, Side::buy, 105, 1)), sink).status, AddStatus::would_take);
  EXPECT_EQ(book.add(post_only(gtc(3, Side::sell, 98, 1)), sink).status, AddStatus::would_take);
  EXPECT_TRUE(sink.fills.empty());
  EXPECT_EQ(book.state_hash(), before);
  EXPECT_FALSE(book.is_resting(3));
  // Inside the spread it rests like GTC.
  EXPECT_EQ(book.add(post_only(gtc(3, Side::buy, 99, 1)), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(post_only(gtc(4, Side::sell, 101, 1)), sink).status, AddStatus::rested);
  EXPECT_EQ(book.best_bid_ticks(), 99);
  EXPECT_EQ(book.best_ask_ticks(), 100);
  expect_sane(book);
}

TEST(Book, ReplaceLosesPriority) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::buy, 100, 5), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::buy, 100, 5), sink).status, AddStatus::rested);
  // Same price: 1 goes behind 2.
  AddOutcome outcome = book.replace(1, 100, sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.remaining_qty_lots, 5);
  std::vector<RestingOrder> orders;
  book.collect_orders(Side::buy, &orders);
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].order_id, 2u);
  EXPECT_EQ(orders[1].order_id, 1u);
  ASSERT_EQ(book.add(gtc(3, Side::sell, 100, 6), sink).status, AddStatus::filled);
  expect_fills(sink.fills, 3, Side::sell, {{2, 100, 5, true}, {1, 100, 1, false}});
  // A new price: moves the level; the old one is gone.
  sink.fills.clear();
  EXPECT_EQ(book.replace(1, 97, sink).status, AddStatus::rested);
  EXPECT_EQ(book.level(Side::buy, 100).order_count, 0u);
  EXPECT_EQ(book.level(Side::buy, 97), (LevelInfo{.price_ticks = 97, .total_qty_lots = 4, .order_count = 1}));
  EXPECT_EQ(book.best_bid_ticks(), 97);
  expect_sane(book);
}

TEST(Book, ReplaceMayTradeAsTheAggressor) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 105, 2), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 106, 2), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(3, Side::buy, 100, 5), sink).status, AddStatus::rested);
  // Re-priced through the asks: trades 2 at 105 and 2 at 106 as aggressor, rests 1 at 107.
  AddOutcome outcome = book.replace(3, 107, sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.filled_qty_lots, 4);
  EXPECT_EQ(outcome.remaining_qty_lots, 1);
  expect_fills(sink.fills, 3, Side::buy, {{1, 105, 2, true}, {2, 106, 2, true}});
  EXPECT_EQ(book.best_bid_ticks(), 107);
  EXPECT_EQ(book.best_ask_ticks(), OrderBook::kNoAsk);
  // Filled in full by a replace: it leaves the book.
  sink.fills.clear();
  ASSERT_EQ(book.add(gtc(4, Side::sell, 110, 1), sink).status, AddStatus::rested);
  EXPECT_EQ(book.replace(3, 110, sink).status, AddStatus::filled);
  EXPECT_FALSE(book.is_resting(3));
  EXPECT_EQ(book.resting_count(), 0u);
  // Unknown id.
  EXPECT_EQ(book.replace(3, 100, sink).status, AddStatus::not_found);
  expect_sane(book);
}

TEST(Book, ReduceKeepsPriority) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 10), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 100, 10), sink).status, AddStatus::rested);
  EXPECT_EQ(book.reduce(1, 3), ReduceStatus::ok);
  EXPECT_EQ(book.level(Side::sell, 100).total_qty_lots, 13);
  EXPECT_EQ(book.reduce(1, 3), ReduceStatus::not_lower);   // not below the remaining quantity
  EXPECT_EQ(book.reduce(1, 0), ReduceStatus::not_lower);   // below one lot
  EXPECT_EQ(book.reduce(1, 50), ReduceStatus::not_lower);  // an increase
  EXPECT_EQ(book.reduce(77, 1), ReduceStatus::not_found);
  ASSERT_EQ(book.add(gtc(3, Side::buy, 100, 5), sink).status, AddStatus::filled);
  expect_fills(sink.fills, 3, Side::buy, {{1, 100, 3, true}, {2, 100, 2, false}});
  expect_sane(book);
}

TEST(Book, MarketOrderSweepsAnyPriceAndExpiresTheRest) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::buy, 100, 2), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::buy, 3, 2), sink).status, AddStatus::rested);
  AddOutcome outcome = book.market(5, Side::sell, 3, sink);
  EXPECT_EQ(outcome.status, AddStatus::filled);
  expect_fills(sink.fills, 5, Side::sell, {{1, 100, 2, true}, {2, 3, 1, false}});
  sink.fills.clear();
  outcome = book.market(6, Side::sell, 4, sink);
  EXPECT_EQ(outcome.status, AddStatus::expired);
  EXPECT_EQ(outcome.filled_qty_lots, 1);
  EXPECT_EQ(outcome.remaining_qty_lots, 3);
  EXPECT_EQ(book.resting_count(), 0u);
  EXPECT_EQ(book.market(7, Side::buy, 4, sink).status, AddStatus::expired);
  expect_sane(book);
}

TEST(Book, CancelRemovesOnceAndReportsWhatItRemoved) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 10), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 101, 10), sink).status, AddStatus::rested);
  CancelOutcome outcome = book.cancel(1);
  EXPECT_TRUE(outcome.found);
  EXPECT_EQ(outcome.side, Side::sell);
  EXPECT_EQ(outcome.price_ticks, 100);
  EXPECT_EQ(outcome.cancelled_qty_lots, 10);
  EXPECT_EQ(book.best_ask_ticks(), 101);
  EXPECT_FALSE(book.cancel(1).found);
  EXPECT_FALSE(book.cancel(200).found);
  EXPECT_TRUE(book.cancel(2).found);
  EXPECT_EQ(book.best_ask_ticks(), OrderBook::kNoAsk);
  expect_sane(book);
}

TEST(Book, FullPoolRefusesGtcButNotIoc) {
  OrderBook book(BookConfig{.order_capacity = 2, .id_capacity = 16, .window_levels = 64, .initial_centre_ticks = 0});
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 1), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 101, 1), sink).status, AddStatus::rested);
  const Hash256 before = book.state_hash();
  EXPECT_EQ(book.add(gtc(3, Side::sell, 102, 1), sink).status, AddStatus::book_full);
  EXPECT_EQ(book.add(gtc(3, Side::buy, 100, 1), sink).status, AddStatus::book_full);  // even one that would fill
  EXPECT_EQ(book.state_hash(), before);
  EXPECT_EQ(book.add(with_tif(gtc(3, Side::buy, 100, 1), TimeInForce::ioc), sink).status, AddStatus::filled);
  EXPECT_EQ(book.add(gtc(4, Side::sell, 102, 1), sink).status, AddStatus::rested);
  expect_sane(book);
}

TEST(Book, IdsAreReusableOnceTheirOrderEnded) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(7, Side::buy, 100, 1), sink).status, AddStatus::rested);
  ASSERT_TRUE(book.cancel(7).found);
  ASSERT_EQ(book.add(gtc(7, Side::sell, 120, 2), sink).status, AddStatus::rested);
  RestingOrder order{};
  ASSERT_TRUE(book.find(7, &order));
  EXPECT_EQ(order.side, Side::sell);
  EXPECT_EQ(order.qty_lots, 2);
  expect_sane(book);
}

// Prices far outside a 64-level window: orders rest in the overflow, the window re-centres on a new touch, and
// matching walks both. The result equals a book whose window holds everything.
TEST(Book, PricesFarOutsideTheWindowWork) {
  OrderBook narrow(BookConfig{.order_capacity = 64, .id_capacity = 256, .window_levels = 64,
                              .initial_centre_ticks = 1000});
  OrderBook wide(BookConfig{.order_capacity = 64, .id_capacity = 256, .window_levels = 1u << 18,
                            .initial_centre_ticks = 1000});
  VectorSink narrow_sink;
  VectorSink wide_sink;
  const auto both = [&](const LimitOrder& order) {
    const AddOutcome a = narrow.add(order, narrow_sink);
    const AddOutcome b = wide.add(order, wide_sink);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.filled_qty_lots, b.filled_qty_lots);
    return a;
  };
  both(gtc(1, Side::buy, 1000, 5));
  both(gtc(2, Side::buy, 1, 5));             // far below the window
  both(gtc(3, Side::sell, 90'000, 5));       // far above: best ask, but the spread exceeds the window
  both(gtc(4, Side::sell, 1'000'000, 5));
  both(gtc(5, Side::buy, 500, 5));
  EXPECT_GT(narrow.overflow_level_count(), 0u);
  EXPECT_EQ(narrow.best_bid_ticks(), 1000);
  EXPECT_EQ(narrow.best_ask_ticks(), 90'000);
  // A sell sweeping every bid, through overflow and window alike; its remainder rests at 1 and, the window
  // being empty now, the window re-centres there.
  const AddOutcome sweep = both(gtc(6, Side::sell, 1, 20));
  EXPECT_EQ(sweep.status, AddStatus::rested);
  EXPECT_EQ(sweep.filled_qty_lots, 15);
  expect_fills(narrow_sink.fills, 6, Side::sell, {{1, 1000, 5, true}, {5, 500, 5, true}, {2, 1, 5, true}});
  EXPECT_EQ(narrow.best_ask_ticks(), 1);
  // The touch jumps far away twice: each time the window follows it.
  both(gtc(7, Side::sell, 2'000'000, 1));
  EXPECT_EQ(narrow.replace(6, 3'000'000, narrow_sink).status, wide.replace(6, 3'000'000, wide_sink).status);
  EXPECT_EQ(narrow.cancel(3).found, wide.cancel(3).found);
  both(gtc(8, Side::buy, 999'999, 1));
  EXPECT_GE(narrow.recentre_count(), 2u);
  EXPECT_EQ(narrow.best_bid_ticks(), wide.best_bid_ticks());
  EXPECT_EQ(narrow.best_ask_ticks(), wide.best_ask_ticks());
  EXPECT_EQ(narrow.state_hash(), wide.state_hash());
  expect_sane(narrow);
  expect_sane(wide);
}

TEST(Book, StateHashFollowsContentAndPriorityNotLayout) {
  OrderBook a(small_config(64));
  OrderBook b(small_config(4096));
  VectorSink sink;
  EXPECT_EQ(a.state_hash(), b.state_hash());
  ASSERT_EQ(a.add(gtc(1, Side::buy, 100, 5), sink).status, AddStatus::rested);
  ASSERT_EQ(a.add(gtc(2, Side::buy, 100, 5), sink).status, AddStatus::rested);
  ASSERT_EQ(b.add(gtc(2, Side::buy, 100, 5), sink).status, AddStatus::rested);
  ASSERT_EQ(b.add(gtc(1, Side::buy, 100, 5), sink).status, AddStatus::rested);
  EXPECT_NE(a.state_hash(), b.state_hash());  // same orders, other priority
  ASSERT_EQ(a.replace(1, 100, sink).status, AddStatus::rested);
  EXPECT_EQ(a.state_hash(), b.state_hash());
  ASSERT_EQ(a.reduce(1, 4), ReduceStatus::ok);
  EXPECT_NE(a.state_hash(), b.state_hash());
}

// What a snapshot relies on: re-adding the resting orders in priority order rebuilds the same book.
TEST(Book, ReaddingCollectedOrdersInPriorityOrderRebuildsTheBook) {
  const uint64_t seed = 31337;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Prng prng(seed);
  OrderBook book(BookConfig{.order_capacity = 512, .id_capacity = 4096, .window_levels = 64,
                            .initial_centre_ticks = 0});
  VectorSink sink;
  uint32_t next_id = 0;
  for (int op = 0; op < 3000 && next_id < 4000; op++) {
    if (prng.chance(30) && next_id > 0) {
      const uint32_t id = static_cast<uint32_t>(prng.below(next_id));
      if (prng.chance(50)) {
        book.cancel(id);
      } else if (book.is_resting(id)) {
        book.replace(id, 1000 + prng.range(-60, 60), sink);
      }
      continue;
    }
    const Side side = prng.chance(50) ? Side::buy : Side::sell;
    const int64_t price = 1000 + (side == Side::buy ? -1 : 1) * prng.range(-5, 60);
    book.add(gtc(next_id++, side, price, prng.range(1, 9)), sink);
  }
  ASSERT_GT(book.resting_count(), 50u);
  OrderBook rebuilt(BookConfig{.order_capacity = 512, .id_capacity = 4096, .window_levels = 1024,
                               .initial_centre_ticks = 5000});
  std::vector<RestingOrder> orders;
  for (const Side side : {Side::buy, Side::sell}) {
    book.collect_orders(side, &orders);
    for (const RestingOrder& order : orders) {
      ASSERT_EQ(rebuilt.add(gtc(order.order_id, order.side, order.price_ticks, order.qty_lots), sink).status,
                AddStatus::rested);
    }
  }
  EXPECT_EQ(rebuilt.state_hash(), book.state_hash());
  expect_sane(book);
  expect_sane(rebuilt);
}

TEST(Book, ANewBookIsSaneAndEmpty) {
  const OrderBook book(small_config());
  EXPECT_EQ(book.resting_count(), 0u);
  EXPECT_EQ(book.order_capacity(), 64u);
  EXPECT_EQ(book.id_capacity(), 256u);
  expect_sane(book);
}

// ---------------------------------------------------------------------------------------------------------------
// Icebergs

TEST(BookIceberg, RestsOneSliceAndReportsItsHiddenQuantity) {
  OrderBook book(small_config());
  VectorSink sink;
  const AddOutcome outcome = book.add(iceberg(1, Side::sell, 100, 10, 3), sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.remaining_qty_lots, 10);  // visible + hidden
  RestingOrder order{};
  ASSERT_TRUE(book.find(1, &order));
  EXPECT_EQ(order, (RestingOrder{.order_id = 1, .side = Side::sell, .price_ticks = 100, .qty_lots = 3,
                                 .hidden_lots = 7, .visible_lots = 3}));
  EXPECT_EQ(book.level(Side::sell, 100), (LevelInfo{.price_ticks = 100, .total_qty_lots = 3, .order_count = 1}));
  // A post-only iceberg rests the same way, and is refused when it would take.
  EXPECT_EQ(book.add(post_only(iceberg(2, Side::buy, 99, 8, 5)), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(post_only(iceberg(3, Side::buy, 100, 8, 5)), sink).status, AddStatus::would_take);
  ASSERT_TRUE(book.find(2, &order));
  EXPECT_EQ(order.qty_lots, 5);
  EXPECT_EQ(order.hidden_lots, 3);
  // An ordinary order reports no iceberg data.
  ASSERT_EQ(book.add(gtc(4, Side::buy, 98, 8), sink).status, AddStatus::rested);
  ASSERT_TRUE(book.find(4, &order));
  EXPECT_EQ(order.hidden_lots, 0);
  EXPECT_EQ(order.visible_lots, 0);
  EXPECT_TRUE(sink.fills.empty());
  expect_sane(book);
}

TEST(BookIceberg, RefilledSliceLosesPriorityToAnOrderThatArrivedAfterIt) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(iceberg(1, Side::sell, 100, 10, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 100, 5), sink).status, AddStatus::rested);  // behind 1
  ASSERT_EQ(book.add(with_tif(gtc(9, Side::buy, 100, 3), TimeInForce::ioc), sink).status, AddStatus::filled);
  expect_fills(sink.fills, 9, Side::buy, {{1, 100, 3, false, true}});
  // The new slice of 3 went to the back: 2 is first now; the level total rose by the slice.
  EXPECT_EQ(order_ids(book, Side::sell), (std::vector<uint32_t>{2, 1}));
  EXPECT_EQ(book.level(Side::sell, 100), (LevelInfo{.price_ticks = 100, .total_qty_lots = 8, .order_count = 2}));
  RestingOrder order{};
  ASSERT_TRUE(book.find(1, &order));
  EXPECT_EQ(order.qty_lots, 3);
  EXPECT_EQ(order.hidden_lots, 4);
  sink.fills.clear();
  ASSERT_EQ(book.add(with_tif(gtc(10, Side::buy, 100, 4), TimeInForce::ioc), sink).status, AddStatus::filled);
  expect_fills(sink.fills, 10, Side::buy, {{2, 100, 4, false}});
  expect_sane(book);
}

TEST(BookIceberg, RefilledSliceIsMatchedAgainInTheSameCall) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(iceberg(1, Side::sell, 100, 10, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 100, 2), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(3, Side::sell, 101, 4), sink).status, AddStatus::rested);
  // 3 from 1 (refilled behind 2), 2 from 2, 3 from 1 again (refilled: alone at the level, it stays first),
  // 3 more (refilled with the last hidden lot), that lot (1 is done), then the next level.
  const AddOutcome outcome = book.add(gtc(9, Side::buy, 101, 13), sink);
  EXPECT_EQ(outcome.status, AddStatus::filled);
  EXPECT_EQ(outcome.filled_qty_lots, 13);
  EXPECT_EQ(outcome.fill_count, 6u);
  expect_fills(sink.fills, 9, Side::buy,
               {{1, 100, 3, false, true}, {2, 100, 2, true}, {1, 100, 3, false, true}, {1, 100, 3, false, true},
                {1, 100, 1, true}, {3, 101, 1, false}});
  EXPECT_FALSE(book.is_resting(1));
  EXPECT_EQ(book.best_ask_ticks(), 101);
  EXPECT_EQ(book.level(Side::sell, 100).order_count, 0u);
  expect_sane(book);
}

TEST(BookIceberg, IcebergAggressorTradesItsWholeQuantityThenRestsAsAnIceberg) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 6), sink).status, AddStatus::rested);
  const AddOutcome outcome = book.add(iceberg(9, Side::buy, 100, 20, 4), sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.filled_qty_lots, 6);  // more than one slice: hidden quantity trades as aggressor
  EXPECT_EQ(outcome.remaining_qty_lots, 14);
  expect_fills(sink.fills, 9, Side::buy, {{1, 100, 6, true}});
  RestingOrder order{};
  ASSERT_TRUE(book.find(9, &order));
  EXPECT_EQ(order, (RestingOrder{.order_id = 9, .side = Side::buy, .price_ticks = 100, .qty_lots = 4,
                                 .hidden_lots = 10, .visible_lots = 4}));
  // A remainder smaller than a slice rests as an iceberg with nothing hidden.
  ASSERT_EQ(book.add(gtc(2, Side::sell, 101, 9), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(iceberg(10, Side::buy, 101, 11, 5), sink).status, AddStatus::rested);
  ASSERT_TRUE(book.find(10, &order));
  EXPECT_EQ(order.qty_lots, 2);
  EXPECT_EQ(order.hidden_lots, 0);
  EXPECT_EQ(order.visible_lots, 5);
  expect_sane(book);
}

TEST(BookIceberg, FokIsFilledOnlyThanksToHiddenQuantity) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(iceberg(1, Side::sell, 100, 10, 2), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(iceberg(2, Side::sell, 102, 10, 2), sink).status, AddStatus::rested);
  ASSERT_EQ(book.level(Side::sell, 100).total_qty_lots, 2);
  const Hash256 before = book.state_hash();
  // Hidden quantity beyond the limit does not count: 10 within 101, 11 asked.
  EXPECT_EQ(book.add(with_tif(gtc(8, Side::buy, 101, 11), TimeInForce::fok), sink).status, AddStatus::killed);
  EXPECT_EQ(book.state_hash(), before);
  // 2 visible + 8 hidden within 101: filled, through four refills of the same order.
  const AddOutcome outcome = book.add(with_tif(gtc(9, Side::buy, 101, 10), TimeInForce::fok), sink);
  EXPECT_EQ(outcome.status, AddStatus::filled);
  expect_fills(sink.fills, 9, Side::buy,
               {{1, 100, 2, false, true}, {1, 100, 2, false, true}, {1, 100, 2, false, true},
                {1, 100, 2, false, true}, {1, 100, 2, true}});
  EXPECT_EQ(book.best_ask_ticks(), 102);
  // The sell side mirrors it.
  sink.fills.clear();
  ASSERT_EQ(book.add(iceberg(3, Side::buy, 90, 7, 1), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(with_tif(gtc(10, Side::sell, 90, 8), TimeInForce::fok), sink).status, AddStatus::killed);
  EXPECT_EQ(book.add(with_tif(gtc(10, Side::sell, 90, 7), TimeInForce::fok), sink).status, AddStatus::filled);
  EXPECT_EQ(sink.fills.size(), 7u);
  expect_sane(book);
}

TEST(BookIceberg, ReduceCutsHiddenFirstThenTheSliceInPlace) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(iceberg(1, Side::sell, 100, 20, 5), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 100, 5), sink).status, AddStatus::rested);
  EXPECT_EQ(book.reduce(1, 20), ReduceStatus::not_lower);  // remaining is visible + hidden = 20
  EXPECT_EQ(book.reduce(1, 0), ReduceStatus::not_lower);
  EXPECT_EQ(book.reduce(1, 12), ReduceStatus::ok);  // hidden 15 -> 7; the slice and the level total stay
  RestingOrder order{};
  ASSERT_TRUE(book.find(1, &order));
  EXPECT_EQ(order.qty_lots, 5);
  EXPECT_EQ(order.hidden_lots, 7);
  EXPECT_EQ(book.level(Side::sell, 100).total_qty_lots, 10);
  EXPECT_EQ(book.reduce(1, 3), ReduceStatus::ok);  // hidden 7 -> 0, then the slice 5 -> 3
  ASSERT_TRUE(book.find(1, &order));
  EXPECT_EQ(order.qty_lots, 3);
  EXPECT_EQ(order.hidden_lots, 0);
  EXPECT_EQ(order.visible_lots, 5);
  EXPECT_EQ(book.level(Side::sell, 100).total_qty_lots, 8);
  // Still first in the FIFO; with nothing hidden it ends like an ordinary order.
  ASSERT_EQ(book.add(gtc(9, Side::buy, 100, 4), sink).status, AddStatus::filled);
  expect_fills(sink.fills, 9, Side::buy, {{1, 100, 3, true}, {2, 100, 1, false}});
  expect_sane(book);
}

TEST(BookIceberg, CancelAndReplaceSeeTheHiddenQuantity) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(iceberg(1, Side::sell, 100, 10, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(with_tif(gtc(9, Side::buy, 100, 2), TimeInForce::ioc), sink).status, AddStatus::filled);
  // Showing 1 of a 3-lot slice, 7 hidden: replace re-slices 8 as min(3, 8) at the back of the new level.
  ASSERT_EQ(book.add(gtc(2, Side::sell, 105, 1), sink).status, AddStatus::rested);
  AddOutcome outcome = book.replace(1, 105, sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.remaining_qty_lots, 8);
  RestingOrder order{};
  ASSERT_TRUE(book.find(1, &order));
  EXPECT_EQ(order, (RestingOrder{.order_id = 1, .side = Side::sell, .price_ticks = 105, .qty_lots = 3,
                                 .hidden_lots = 5, .visible_lots = 3}));
  EXPECT_EQ(order_ids(book, Side::sell), (std::vector<uint32_t>{2, 1}));
  // A replace that crosses trades visible and hidden as aggressor and rests as an iceberg again.
  ASSERT_EQ(book.add(gtc(3, Side::buy, 104, 2), sink).status, AddStatus::rested);
  sink.fills.clear();
  outcome = book.replace(1, 104, sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.filled_qty_lots, 2);
  EXPECT_EQ(outcome.remaining_qty_lots, 6);
  expect_fills(sink.fills, 1, Side::sell, {{3, 104, 2, true}});
  ASSERT_TRUE(book.find(1, &order));
  EXPECT_EQ(order.qty_lots, 3);
  EXPECT_EQ(order.hidden_lots, 3);
  // Cancel reports visible + hidden.
  const CancelOutcome cancelled = book.cancel(1);
  EXPECT_TRUE(cancelled.found);
  EXPECT_EQ(cancelled.cancelled_qty_lots, 6);
  EXPECT_FALSE(book.is_resting(1));
  expect_sane(book);
}

TEST(BookIceberg, StateHashCoversHiddenQuantityAndSliceSize) {
  OrderBook plain(small_config());
  OrderBook ice(small_config());
  OrderBook more_hidden(small_config(64));
  OrderBook other_slice(small_config(64));
  VectorSink sink;
  ASSERT_EQ(plain.add(gtc(1, Side::sell, 100, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(ice.add(iceberg(1, Side::sell, 100, 10, 3), sink).status, AddStatus::rested);     // 3 + 7, slice 3
  ASSERT_EQ(more_hidden.add(iceberg(1, Side::sell, 100, 12, 3), sink).status, AddStatus::rested);  // 3 + 9
  ASSERT_EQ(other_slice.add(iceberg(1, Side::sell, 100, 10, 4), sink).status, AddStatus::rested);
  ASSERT_EQ(other_slice.add(with_tif(gtc(9, Side::buy, 100, 1), TimeInForce::ioc), sink).status,
            AddStatus::filled);  // 3 + 6, slice 4
  ASSERT_EQ(other_slice.reduce(1, 10), ReduceStatus::not_lower);
  ASSERT_EQ(other_slice.reduce(1, 9), ReduceStatus::not_lower);
  ASSERT_EQ(more_hidden.reduce(1, 11), ReduceStatus::ok);  // 3 + 8
  EXPECT_NE(plain.state_hash(), ice.state_hash());
  EXPECT_NE(ice.state_hash(), more_hidden.state_hash());  // only the hidden quantity differs
  ASSERT_EQ(more_hidden.reduce(1, 10), ReduceStatus::ok);
  EXPECT_EQ(ice.state_hash(), more_hidden.state_hash());  // same book, another window
  ASSERT_EQ(other_slice.reduce(1, 8), ReduceStatus::ok);  // 3 + 5, slice 4
  ASSERT_EQ(ice.reduce(1, 8), ReduceStatus::ok);          // 3 + 5, slice 3
  EXPECT_NE(ice.state_hash(), other_slice.state_hash());  // only the slice size differs
  ASSERT_EQ(ice.reduce(1, 3), ReduceStatus::ok);  // nothing hidden, slice size still 3: still an iceberg
  EXPECT_NE(plain.state_hash(), ice.state_hash());
  expect_sane(plain);
  expect_sane(ice);
  expect_sane(more_hidden);
  expect_sane(other_slice);
}

// What a snapshot needs: restore() rests each collected order exactly, partly used slices included.
TEST(BookIceberg, RestoringCollectedOrdersRebuildsTheBookExactly) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(iceberg(1, Side::sell, 100, 10, 4), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::sell, 100, 5), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(iceberg(3, Side::buy, 98, 9, 3), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(4, Side::buy, 97, 2), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(with_tif(gtc(9, Side::buy, 100, 5), TimeInForce::ioc), sink).status, AddStatus::filled);
  ASSERT_EQ(book.add(with_tif(gtc(9, Side::sell, 98, 2), TimeInForce::ioc), sink).status, AddStatus::filled);
  // 1 was refilled behind 2 and shows a whole slice of 4 (hidden 2); 3 shows 1 of its 3 (hidden 6).
  OrderBook rebuilt(BookConfig{.order_capacity = 64, .id_capacity = 256, .window_levels = 64,
                               .initial_centre_ticks = 5000});
  std::vector<RestingOrder> orders;
  for (const Side side : {Side::buy, Side::sell}) {
    book.collect_orders(side, &orders);
    for (const RestingOrder& order : orders) ASSERT_TRUE(rebuilt.restore(order)) << order.order_id;
  }
  EXPECT_EQ(rebuilt.state_hash(), book.state_hash());
  RestingOrder order{};
  ASSERT_TRUE(rebuilt.find(1, &order));
  EXPECT_EQ(order, (RestingOrder{.order_id = 1, .side = Side::sell, .price_ticks = 100, .qty_lots = 4,
                                 .hidden_lots = 2, .visible_lots = 4}));
  ASSERT_TRUE(rebuilt.find(3, &order));
  EXPECT_EQ(order, (RestingOrder{.order_id = 3, .side = Side::buy, .price_ticks = 98, .qty_lots = 1,
                                 .hidden_lots = 6, .visible_lots = 3}));
  EXPECT_EQ(order_ids(rebuilt, Side::sell), (std::vector<uint32_t>{2, 1}));
  // Refusals change nothing.
  const Hash256 before = rebuilt.state_hash();
  const RestingOrder good{.order_id = 20, .side = Side::buy, .price_ticks = 99, .qty_lots = 2, .hidden_lots = 5,
                          .visible_lots = 2};
  RestingOrder bad = good;
  bad.order_id = 1;  // resting
  EXPECT_FALSE(rebuilt.restore(bad));
  bad = good;
  bad.order_id = 256;  // beyond the id table
  EXPECT_FALSE(rebuilt.restore(bad));
  bad = good;
  bad.price_ticks = 100;  // crosses the best ask
  EXPECT_FALSE(rebuilt.restore(bad));
  bad = good;
  bad.visible_lots = 0;  // hidden quantity without a slice
  EXPECT_FALSE(rebuilt.restore(bad));
  bad = good;
  bad.qty_lots = 3;  // more visible than a slice
  EXPECT_FALSE(rebuilt.restore(bad));
  bad = good;
  bad.hidden_lots = -1;
  EXPECT_FALSE(rebuilt.restore(bad));
  bad = good;
  bad.qty_lots = 0;
  EXPECT_FALSE(rebuilt.restore(bad));
  EXPECT_EQ(rebuilt.state_hash(), before);
  EXPECT_TRUE(rebuilt.restore(good));
  expect_sane(book);
  expect_sane(rebuilt);
}

// ---------------------------------------------------------------------------------------------------------------
// Self-trade prevention

// Owners by order id; answers `mode` for an aggressor and a resting order of the same owner.
class OwnerSink final : public FillSink {
 public:
  void on_fill(const Fill& fill) override { fills.push_back(fill); }
  SelfTrade on_self_trade_check(uint32_t aggressor_id, uint32_t resting_id) override {
    asked.emplace_back(aggressor_id, resting_id);
    return owner[aggressor_id] == owner[resting_id] ? mode : SelfTrade::allow;
  }
  std::map<uint32_t, int> owner;
  SelfTrade mode = SelfTrade::allow;
  std::vector<Fill> fills;
  std::vector<std::pair<uint32_t, uint32_t>> asked;
};

// Asks: 1 (owner A) 5 @ 100, 2 (owner B, an iceberg of 6 showing 2) @ 100, 3 (owner A) 5 @ 101. The aggressor
// 9 belongs to owner B.
void fill_stp_book(OrderBook* book, OwnerSink* sink) {
  sink->owner = {{1, 0}, {2, 1}, {3, 0}, {9, 1}};
  ASSERT_EQ(book->add(gtc(1, Side::sell, 100, 5), *sink).status, AddStatus::rested);
  ASSERT_EQ(book->add(iceberg(2, Side::sell, 100, 6, 2), *sink).status, AddStatus::rested);
  ASSERT_EQ(book->add(gtc(3, Side::sell, 101, 5), *sink).status, AddStatus::rested);
  ASSERT_TRUE(sink->asked.empty());
}

TEST(BookSelfTrade, AllowTradesWithTheOwnersOwnOrders) {
  OrderBook book(small_config());
  OwnerSink sink;
  fill_stp_book(&book, &sink);
  sink.mode = SelfTrade::allow;
  const AddOutcome outcome = book.add(stp(gtc(9, Side::buy, 101, 20)), sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.filled_qty_lots, 16);
  EXPECT_EQ(outcome.remaining_qty_lots, 4);
  expect_fills(sink.fills, 9, Side::buy,
               {{1, 100, 5, true}, {2, 100, 2, false, true}, {2, 100, 2, false, true}, {2, 100, 2, true},
                {3, 101, 5, true}});
  // Asked before every trade, the iceberg again for each slice.
  EXPECT_EQ(sink.asked, (std::vector<std::pair<uint32_t, uint32_t>>{{9, 1}, {9, 2}, {9, 2}, {9, 2}, {9, 3}}));
  EXPECT_EQ(book.best_bid_ticks(), 101);
  expect_sane(book);
}

TEST(BookSelfTrade, ExpireTakerStopsTheAggressorAndLeavesTheMaker) {
  OrderBook book(small_config());
  OwnerSink sink;
  fill_stp_book(&book, &sink);
  sink.mode = SelfTrade::expire_taker;
  const AddOutcome outcome = book.add(stp(gtc(9, Side::buy, 101, 20)), sink);
  EXPECT_EQ(outcome.status, AddStatus::self_trade);
  EXPECT_EQ(outcome.filled_qty_lots, 5);
  EXPECT_EQ(outcome.remaining_qty_lots, 15);
  EXPECT_EQ(outcome.fill_count, 1u);
  expect_fills(sink.fills, 9, Side::buy, {{1, 100, 5, true}});
  EXPECT_FALSE(book.is_resting(9));  // a GTC remainder does not rest
  RestingOrder order{};
  ASSERT_TRUE(book.find(2, &order));
  EXPECT_EQ(order.qty_lots + order.hidden_lots, 6);
  EXPECT_EQ(order_ids(book, Side::sell), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(book.best_bid_ticks(), OrderBook::kNoBid);
  expect_sane(book);
}

TEST(BookSelfTrade, ExpireMakerRemovesTheWholeMakerAndMatchingGoesOn) {
  OrderBook book(small_config());
  OwnerSink sink;
  fill_stp_book(&book, &sink);
  sink.mode = SelfTrade::expire_maker;
  const AddOutcome outcome = book.add(stp(gtc(9, Side::buy, 101, 20)), sink);
  EXPECT_EQ(outcome.status, AddStatus::rested);
  EXPECT_EQ(outcome.filled_qty_lots, 10);
  EXPECT_EQ(outcome.remaining_qty_lots, 10);
  EXPECT_EQ(outcome.fill_count, 2u);
  expect_fills(sink.fills, 9, Side::buy, {{1, 100, 5, true}, {3, 101, 5, true}});  // no fill for 2
  EXPECT_FALSE(book.is_resting(2));  // gone with its hidden quantity
  EXPECT_EQ(book.level(Side::sell, 100).order_count, 0u);
  EXPECT_EQ(book.best_ask_ticks(), OrderBook::kNoAsk);
  EXPECT_EQ(book.best_bid_ticks(), 101);
  // The maker gone, its id may be used again.
  EXPECT_EQ(book.add(gtc(2, Side::sell, 110, 1), sink).status, AddStatus::rested);
  expect_sane(book);
}

TEST(BookSelfTrade, ExpireBothRemovesTheMakerAndStopsTheAggressor) {
  OrderBook book(small_config());
  OwnerSink sink;
  fill_stp_book(&book, &sink);
  sink.mode = SelfTrade::expire_both;
  const AddOutcome outcome = book.add(stp(with_tif(gtc(9, Side::buy, 101, 20), TimeInForce::ioc)), sink);
  EXPECT_EQ(outcome.status, AddStatus::self_trade);
  EXPECT_EQ(outcome.filled_qty_lots, 5);
  EXPECT_EQ(outcome.remaining_qty_lots, 15);
  expect_fills(sink.fills, 9, Side::buy, {{1, 100, 5, true}});
  EXPECT_FALSE(book.is_resting(2));
  EXPECT_FALSE(book.is_resting(9));
  EXPECT_EQ(order_ids(book, Side::sell), (std::vector<uint32_t>{3}));
  expect_sane(book);
}

TEST(BookSelfTrade, FokIsCheckedWithoutStpAndKeepsFillsWhenStpCutsItShort) {
  OrderBook book(small_config());
  OwnerSink sink;
  fill_stp_book(&book, &sink);
  // 16 lots within 101 (hidden counted): the FOK passes its check, then STP expires maker 2 and 10 trade.
  sink.mode = SelfTrade::expire_maker;
  AddOutcome outcome = book.add(stp(with_tif(gtc(9, Side::buy, 101, 16), TimeInForce::fok)), sink);
  EXPECT_EQ(outcome.status, AddStatus::self_trade);
  EXPECT_EQ(outcome.filled_qty_lots, 10);
  EXPECT_EQ(outcome.remaining_qty_lots, 6);
  EXPECT_EQ(book.resting_count(), 0u);
  // Stopped by expire_taker before anything traded: self_trade with nothing filled, the maker stays.
  sink.fills.clear();
  ASSERT_EQ(book.add(gtc(2, Side::sell, 100, 4), sink).status, AddStatus::rested);
  sink.mode = SelfTrade::expire_taker;
  outcome = book.add(stp(with_tif(gtc(9, Side::buy, 100, 4), TimeInForce::fok)), sink);
  EXPECT_EQ(outcome.status, AddStatus::self_trade);
  EXPECT_EQ(outcome.filled_qty_lots, 0);
  EXPECT_EQ(outcome.remaining_qty_lots, 4);
  EXPECT_TRUE(sink.fills.empty());
  EXPECT_TRUE(book.is_resting(2));
  expect_sane(book);
}

TEST(BookSelfTrade, OnlyAddWithTheFlagAsks) {
  OrderBook book(small_config());
  OwnerSink sink;
  sink.mode = SelfTrade::expire_both;
  sink.owner = {{1, 0}, {2, 0}, {3, 0}, {9, 0}};
  ASSERT_EQ(book.add(gtc(1, Side::sell, 100, 7), sink).status, AddStatus::rested);
  ASSERT_EQ(book.add(gtc(2, Side::buy, 90, 5), sink).status, AddStatus::rested);
  // Without check_self_trade, market() and replace(): the same owner trades.
  EXPECT_EQ(book.add(with_tif(gtc(9, Side::buy, 100, 1), TimeInForce::ioc), sink).status, AddStatus::filled);
  EXPECT_EQ(book.market(9, Side::buy, 1, sink).status, AddStatus::filled);
  EXPECT_EQ(book.replace(2, 100, sink).status, AddStatus::filled);
  EXPECT_TRUE(sink.asked.empty());
  EXPECT_EQ(sink.fills.size(), 3u);
  // Post-only never reaches matching, so it is never asked either.
  ASSERT_EQ(book.add(gtc(3, Side::buy, 99, 1), sink).status, AddStatus::rested);
  EXPECT_EQ(book.add(stp(post_only(gtc(9, Side::sell, 99, 1))), sink).status, AddStatus::would_take);
  EXPECT_TRUE(sink.asked.empty());
  expect_sane(book);
}

TEST(BookDeath, ReusingARestingIdIsAProgrammerError) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::buy, 100, 1), sink).status, AddStatus::rested);
  EXPECT_DEATH(book.add(gtc(1, Side::buy, 101, 1), sink), "");
  EXPECT_DEATH(book.add(gtc(300, Side::buy, 101, 1), sink), "");  // beyond the id table
  EXPECT_DEATH(book.add(gtc(2, Side::buy, 0, 1), sink), "");      // price below one tick
  EXPECT_DEATH(book.add(gtc(2, Side::buy, 10, 0), sink), "");     // empty quantity
  EXPECT_DEATH(book.add(iceberg(2, Side::buy, 10, 5, 5), sink), "");  // a slice as large as the order
  // An iceberg that is not GTC.
  EXPECT_DEATH(book.add(with_tif(iceberg(2, Side::buy, 10, 5, 2), TimeInForce::fok), sink), "");
}

// The bitmap against a std::set, at the sizes where its levels change shape.
TEST(PriceBitmap, NextSetBitAgreesWithASortedSet) {
  const uint64_t seed = 99;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const uint32_t size : {64u, 128u, 4096u, 8192u, 1u << 18}) {
    SCOPED_TRACE("size " + std::to_string(size));
    Prng prng(seed + size);
    PriceBitmap bits;
    bits.reset(size);
    std::set<uint32_t> model;
    EXPECT_EQ(bits.first_at_or_above(0), PriceBitmap::kNone);
    EXPECT_EQ(bits.last_at_or_below(size - 1), PriceBitmap::kNone);
    for (int step = 0; step < 4000; step++) {
      // Cluster around a few spots so words fill up and empty out again.
      const uint32_t spot = static_cast<uint32_t>(prng.below(4)) * (size / 4);
      const uint32_t index = std::min<uint32_t>(size - 1, spot + static_cast<uint32_t>(prng.below(std::min(size, 200u))));
      if (prng.chance(55)) {
        bits.set(index);
        model.insert(index);
      } else {
        bits.clear(index);
        model.erase(index);
      }
      const uint32_t probe = static_cast<uint32_t>(prng.below(size));
      const auto up = model.lower_bound(probe);
      ASSERT_EQ(bits.first_at_or_above(probe), up == model.end() ? PriceBitmap::kNone : *up) << "probe " << probe;
      auto down = model.upper_bound(probe);
      const uint32_t want_down = down == model.begin() ? PriceBitmap::kNone : *(--down);
      ASSERT_EQ(bits.last_at_or_below(probe), want_down) << "probe " << probe;
      ASSERT_EQ(bits.test(index), model.count(index) == 1);
      ASSERT_EQ(bits.empty(), model.empty());
    }
    EXPECT_TRUE(bits.consistent());
    EXPECT_EQ(bits.first_at_or_above(size), PriceBitmap::kNone);
    EXPECT_EQ(bits.last_at_or_below(size + 5), model.empty() ? PriceBitmap::kNone : *model.rbegin());
    bits.clear_all();
    EXPECT_TRUE(bits.empty());
    EXPECT_TRUE(bits.consistent());
  }
}

TEST(PriceBitmap, FindsAcrossEveryLevelOfTheSummary) {
  PriceBitmap bits;
  bits.reset(1u << 18);
  bits.set(0);
  bits.set((1u << 18) - 1);
  EXPECT_EQ(bits.first_at_or_above(1), (1u << 18) - 1);
  EXPECT_EQ(bits.last_at_or_below((1u << 18) - 2), 0u);
  bits.set(4096 * 7 + 64 * 3 + 5);
  EXPECT_EQ(bits.first_at_or_above(1), 4096u * 7 + 64 * 3 + 5);
  EXPECT_EQ(bits.last_at_or_below((1u << 18) - 2), 4096u * 7 + 64 * 3 + 5);
  bits.clear(4096 * 7 + 64 * 3 + 5);
  EXPECT_EQ(bits.first_at_or_above(1), (1u << 18) - 1);
  EXPECT_TRUE(bits.consistent());
}

}  // namespace
}  // namespace qz
