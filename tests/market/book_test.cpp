// The order book's rules, one test per rule: price-time priority, execution at the resting price, one fill per
// pair, IOC never rests, FOK all-or-nothing, post-only refused when it would take, replace loses priority and
// may trade, reduce keeps priority, market orders, capacity, unknown ids, prices far outside the ladder window,
// id reuse, and a state hash that depends on the book but not on its layout. Every test ends with
// check_invariants().
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
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

// (resting id, price, qty, done) of each fill, for compact expectations.
struct F {
  uint32_t resting;
  int64_t price;
  int64_t qty;
  bool done;
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
  }
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

TEST(BookDeath, ReusingARestingIdIsAProgrammerError) {
  OrderBook book(small_config());
  VectorSink sink;
  ASSERT_EQ(book.add(gtc(1, Side::buy, 100, 1), sink).status, AddStatus::rested);
  EXPECT_DEATH(book.add(gtc(1, Side::buy, 101, 1), sink), "");
  EXPECT_DEATH(book.add(gtc(300, Side::buy, 101, 1), sink), "");  // beyond the id table
  EXPECT_DEATH(book.add(gtc(2, Side::buy, 0, 1), sink), "");      // price below one tick
  EXPECT_DEATH(book.add(gtc(2, Side::buy, 10, 0), sink), "");     // empty quantity
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
