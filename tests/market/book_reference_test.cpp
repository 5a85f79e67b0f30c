// Differential test: qz::OrderBook against the naive ReferenceBook, driven by seeded random streams of every
// operation (GTC, IOC, FOK, post-only, icebergs, market, cancel, replace, reduce; self-trade prevention in all
// four modes; unknown ids; prices far outside the ladder window and jumps of the touch that force re-centring;
// a small pool that fills up).
//
// Every outcome, every fill and every self-trade question is compared as it happens; after every operation the
// whole book (orders in priority order with icebergs' hidden quantity, levels, best prices) is compared and the
// first book's check_invariants() runs (the second's every few operations). Two fast books with different
// windows run side by side, and their state hashes must agree, since the hash does not depend on the layout;
// now and then the first is rebuilt with restore() from collect_orders() and must hash the same.
//
// Orders belong to one of a few owners; an aggressor with check_self_trade gets a random STP mode, applied when
// the resting order has the same owner (the sinks and the reference ask the same table).
//
// QZ_SEED=<n> overrides the base seed, QZ_BOOK_RUNS=<n> the number of runs, QZ_BOOK_OPS=<n> operations per run.
// A failure prints its seed: `QZ_SEED=<seed> QZ_BOOK_RUNS=1` replays exactly that run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/prng.h"
#include "market/book.h"
#include "reference_book.h"

namespace qz {
namespace {

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoull(text, nullptr, 10);
}

// Who owns each id, and the STP mode of the aggressor now being added: what on_self_trade_check answers.
struct Owners {
  std::vector<uint32_t> owner_of;
  SelfTrade mode = SelfTrade::allow;
  SelfTrade answer(uint32_t aggressor_id, uint32_t resting_id) const {
    return owner_of[aggressor_id] == owner_of[resting_id] ? mode : SelfTrade::allow;
  }
};

struct Question {
  uint32_t aggressor_id;
  uint32_t resting_id;
  friend bool operator==(const Question&, const Question&) = default;
};

class VectorSink final : public FillSink {
 public:
  explicit VectorSink(const Owners& owners) : owners_(owners) {}
  void on_fill(const Fill& fill) override { fills.push_back(fill); }
  SelfTrade on_self_trade_check(uint32_t aggressor_id, uint32_t resting_id) override {
    questions.push_back(Question{aggressor_id, resting_id});
    return owners_.answer(aggressor_id, resting_id);
  }
  std::vector<Fill> fills;
  std::vector<Question> questions;

 private:
  const Owners& owners_;
};

std::string describe(const Fill& f) {
  return "fill{aggressor " + std::to_string(f.aggressor_id) + ", resting " + std::to_string(f.resting_id) +
         ", price " + std::to_string(f.price_ticks) + ", qty " + std::to_string(f.qty_lots) + ", " +
         (f.aggressor_side == Side::buy ? "buy" : "sell") + (f.resting_done ? ", done" : "") +
         (f.resting_refilled ? ", refilled}" : "}");
}

std::string describe(const RestingOrder& o) {
  return "order{" + std::to_string(o.order_id) + (o.side == Side::buy ? " buy " : " sell ") +
         std::to_string(o.qty_lots) + " @ " + std::to_string(o.price_ticks) + ", hidden " +
         std::to_string(o.hidden_lots) + ", slice " + std::to_string(o.visible_lots) + "}";
}

bool same_fill(const Fill& a, const Fill& b) {
  return a.aggressor_id == b.aggressor_id && a.resting_id == b.resting_id && a.price_ticks == b.price_ticks &&
         a.qty_lots == b.qty_lots && a.aggressor_side == b.aggressor_side && a.resting_done == b.resting_done &&
         a.resting_refilled == b.resting_refilled;
}

struct Shape {
  const char* name;
  uint32_t small_window;   // the first fast book's window (the second always uses 8192)
  uint32_t pool;           // resting orders at once
  int64_t spread_ticks;    // prices are drawn within +-spread of a drifting mid
  uint32_t far_percent;    // prices drawn far from the mid (overflow)
  uint32_t jump_percent;   // the mid jumps far away (re-centring)
};

constexpr Shape kShapes[] = {
    {"tight", 64, 400, 20, 1, 0},
    {"wide-overflow", 64, 300, 150, 5, 1},
    {"jumps", 128, 200, 40, 2, 2},
    {"deep-small-pool", 4096, 64, 10, 0, 0},
};

// What a run exercised, printed so that a reader can see the stream reaches every case.
struct Coverage {
  uint64_t status[8] = {};  // AddStatus counts
  uint64_t fills = 0;
  uint64_t refills = 0;
  uint64_t iceberg_adds = 0;
  uint64_t iceberg_cancels = 0;   // found cancels of icebergs with hidden quantity
  uint64_t iceberg_reduces = 0;   // ok reduces of icebergs
  uint64_t iceberg_replaces = 0;  // replaces of icebergs
  uint64_t fok_by_hidden = 0;     // FOKs filled that the visible quantity alone could not fill
  uint64_t stp_expired[4] = {};   // self-trade answers other than allow, by mode (index = SelfTrade)
  uint64_t cancels_found = 0;
  uint64_t reduces_ok = 0;
  uint64_t recentres = 0;
  uint64_t max_overflow_levels = 0;
};

// One run: returns an empty string, or the first difference found (with the op index).
std::string run_once(uint64_t seed, uint64_t ops, const Shape& shape, Coverage* coverage) {
  Prng prng(seed);
  constexpr uint32_t kIds = 4096;
  OrderBook small(BookConfig{.order_capacity = shape.pool, .id_capacity = kIds, .window_levels = shape.small_window,
                             .initial_centre_ticks = 0});
  OrderBook large(BookConfig{.order_capacity = shape.pool, .id_capacity = kIds, .window_levels = 1u << 13,
                             .initial_centre_ticks = 1'000'000});
  testing::ReferenceBook reference(shape.pool);
  int64_t mid = 1'000'000;
  std::vector<uint32_t> recent_ids;  // ids handed out lately: targets for cancel / replace / reduce
  Owners owners;
  owners.owner_of.assign(kIds, 0);
  constexpr uint32_t kOwnerCount = 3;  // few owners: self-trades are frequent
  VectorSink sink_small(owners);
  VectorSink sink_large(owners);
  std::vector<Fill> reference_fills;
  std::vector<Question> reference_questions;
  const testing::ReferenceBook::SelfTradeCheck reference_check = [&](uint32_t aggressor_id, uint32_t resting_id) {
    reference_questions.push_back(Question{aggressor_id, resting_id});
    return owners.answer(aggressor_id, resting_id);
  };
  // Visible quantity within an aggressor's limit, to see when an FOK needed hidden quantity.
  const auto visible_within = [&](Side side, int64_t limit_ticks) {
    int64_t total = 0;
    for (const LevelInfo& level : reference.levels(side == Side::buy ? Side::sell : Side::buy)) {
      if (side == Side::buy ? level.price_ticks <= limit_ticks : level.price_ticks >= limit_ticks) {
        total += level.total_qty_lots;
      }
    }
    return total;
  };

  // Mostly passive prices on the order's own side of the mid; aggressive ones cross it by up to the spread.
  const auto draw_price = [&](Side side) -> int64_t {
    const int64_t offset = prng.chance(20) ? -prng.range(0, shape.spread_ticks) : prng.range(1, shape.spread_ticks);
    int64_t price = side == Side::buy ? mid - offset : mid + offset;
    if (prng.chance(shape.far_percent)) price = mid + prng.range(-200'000, 200'000);
    if (prng.below(1000) == 0) price = prng.range(1, 3);  // the very bottom of the price range
    return std::max<int64_t>(1, price);
  };
  const auto draw_qty = [&]() -> int64_t { return prng.chance(10) ? prng.range(20, 200) : prng.range(1, 20); };
  const auto fresh_id = [&]() -> uint32_t {  // the pool is far smaller than the id space: a few draws suffice
    for (int tries = 0; tries < 1000; tries++) {
      const uint32_t id = static_cast<uint32_t>(prng.below(kIds));
      if (!reference.is_resting(id)) return id;
    }
    for (uint32_t id = 0;; id++) {
      if (!reference.is_resting(id)) return id;
    }
  };
  const auto target_id = [&]() -> uint32_t {  // mostly a resting order; now and then any id
    if (recent_ids.empty() || prng.chance(8)) return static_cast<uint32_t>(prng.below(kIds));
    uint32_t id = 0;
    for (int tries = 0; tries < 8; tries++) {
      id = recent_ids[prng.below(recent_ids.size())];
      if (reference.is_resting(id)) break;
    }
    return id;
  };
  const auto remember = [&](uint32_t id) {
    if (recent_ids.size() < 256) {
      recent_ids.push_back(id);
    } else {
      recent_ids[prng.below(recent_ids.size())] = id;
    }
  };

  for (uint64_t op = 0; op < ops; op++) {
    const std::string at = "op " + std::to_string(op) + ": ";
    sink_small.fills.clear();
    sink_large.fills.clear();
    reference_fills.clear();
    sink_small.questions.clear();
    sink_large.questions.clear();
    reference_questions.clear();
    owners.mode = SelfTrade::allow;
    if (prng.chance(shape.jump_percent)) mid = std::max<int64_t>(10, mid + prng.range(-100'000, 100'000));
    if (prng.chance(20)) mid = std::max<int64_t>(10, mid + prng.range(-2, 2));

    const uint64_t kind = prng.below(100);
    std::string what;
    AddOutcome got_small{};
    AddOutcome got_large{};
    AddOutcome want{};
    bool compare_add = true;
    if (kind < 55) {
      const Side side = prng.chance(50) ? Side::buy : Side::sell;
      LimitOrder order{.order_id = fresh_id(), .side = side, .price_ticks = draw_price(side), .qty_lots = draw_qty(),
                       .time_in_force = TimeInForce::gtc, .post_only = false, .visible_lots = 0,
                       .check_self_trade = false};
      const uint64_t flavour = prng.below(100);
      if (flavour < 15) {
        order.time_in_force = TimeInForce::ioc;
      } else if (flavour < 27) {
        order.time_in_force = TimeInForce::fok;
      } else if (flavour < 40) {
        order.post_only = true;
      }
      // Icebergs: a fifth of the GTC adds (post-only ones too), larger than usual, with small slices.
      if (order.time_in_force == TimeInForce::gtc && prng.chance(20)) {
        order.qty_lots = prng.range(2, 80);
        order.visible_lots = prng.range(1, std::min<int64_t>(order.qty_lots - 1, prng.chance(50) ? 4 : 20));
        coverage->iceberg_adds++;
      }
      owners.owner_of[order.order_id] = static_cast<uint32_t>(prng.below(kOwnerCount));
      if (prng.chance(35)) {
        order.check_self_trade = true;
        owners.mode = static_cast<SelfTrade>(prng.below(4));
      }
      what = "add id " + std::to_string(order.order_id) + " price " + std::to_string(order.price_ticks) + " qty " +
             std::to_string(order.qty_lots) + " visible " + std::to_string(order.visible_lots) + " tif " +
             std::to_string(int(order.time_in_force)) + " stp " +
             (order.check_self_trade ? std::to_string(int(owners.mode)) : "off");
      const bool fok_needs_hidden = order.time_in_force == TimeInForce::fok &&
                                    visible_within(side, order.price_ticks) < order.qty_lots;
      got_small = small.add(order, sink_small);
      got_large = large.add(order, sink_large);
      want = reference.add(order, &reference_fills, reference_check);
      if (fok_needs_hidden && want.status == AddStatus::filled) coverage->fok_by_hidden++;
      remember(order.order_id);
    } else if (kind < 60) {
      const uint32_t id = fresh_id();
      const Side side = prng.chance(50) ? Side::buy : Side::sell;
      const int64_t qty = draw_qty();
      owners.owner_of[id] = static_cast<uint32_t>(prng.below(kOwnerCount));  // never asked: market skips STP
      what = "market id " + std::to_string(id);
      got_small = small.market(id, side, qty, sink_small);
      got_large = large.market(id, side, qty, sink_large);
      want = reference.market(id, side, qty, &reference_fills);
    } else if (kind < 78) {
      compare_add = false;
      const uint32_t id = target_id();
      what = "cancel id " + std::to_string(id);
      RestingOrder before{};
      if (small.find(id, &before) && before.hidden_lots > 0) coverage->iceberg_cancels++;
      const CancelOutcome a = small.cancel(id);
      const CancelOutcome b = large.cancel(id);
      const CancelOutcome c = reference.cancel(id);
      for (const CancelOutcome* x : {&a, &b}) {
        if (x->found != c.found || (c.found && (x->side != c.side || x->price_ticks != c.price_ticks ||
                                                x->cancelled_qty_lots != c.cancelled_qty_lots))) {
          return at + what + ": cancel outcome differs";
        }
      }
      coverage->cancels_found += c.found ? 1 : 0;
    } else if (kind < 92) {
      const uint32_t id = target_id();
      RestingOrder resting{};
      const Side side = small.find(id, &resting) ? resting.side : Side::buy;
      if (resting.visible_lots != 0) coverage->iceberg_replaces++;
      const int64_t price = prng.chance(70) ? draw_price(side) : std::max<int64_t>(1, mid + prng.range(-3, 3));
      what = "replace id " + std::to_string(id) + " to " + std::to_string(price);
      got_small = small.replace(id, price, sink_small);
      got_large = large.replace(id, price, sink_large);
      want = reference.replace(id, price, &reference_fills);
    } else {
      compare_add = false;
      const uint32_t id = target_id();
      RestingOrder resting{};
      const bool found = small.find(id, &resting);
      int64_t qty = prng.chance(10) ? prng.range(0, 40) : prng.range(1, 8);
      // Icebergs: often just below the remaining quantity (cuts only hidden) or just above the slice.
      if (found && resting.visible_lots != 0 && prng.chance(60)) {
        const int64_t remaining = resting.qty_lots + resting.hidden_lots;
        qty = prng.chance(50) ? remaining - prng.range(0, 3) : resting.qty_lots + prng.range(-2, 2);
      }
      what = "reduce id " + std::to_string(id) + " to " + std::to_string(qty);
      const ReduceStatus a = small.reduce(id, qty);
      const ReduceStatus b = large.reduce(id, qty);
      const ReduceStatus c = reference.reduce(id, qty);
      if (a != c || b != c) return at + what + ": reduce status differs";
      coverage->reduces_ok += c == ReduceStatus::ok ? 1 : 0;
      coverage->iceberg_reduces += c == ReduceStatus::ok && resting.visible_lots != 0 ? 1 : 0;
    }

    if (compare_add) {
      coverage->status[static_cast<int>(want.status)]++;
      for (const AddOutcome* x : {&got_small, &got_large}) {
        if (x->status != want.status || x->filled_qty_lots != want.filled_qty_lots ||
            x->remaining_qty_lots != want.remaining_qty_lots || x->fill_count != want.fill_count) {
          return at + what + ": outcome differs (status " + std::to_string(int(x->status)) + " vs " +
                 std::to_string(int(want.status)) + ", filled " + std::to_string(x->filled_qty_lots) + " vs " +
                 std::to_string(want.filled_qty_lots) + ")";
        }
      }
    }
    for (const std::vector<Fill>* fills : {&sink_small.fills, &sink_large.fills}) {
      if (fills->size() != reference_fills.size()) {
        return at + what + ": " + std::to_string(fills->size()) + " fills vs reference " +
               std::to_string(reference_fills.size());
      }
      for (size_t i = 0; i < fills->size(); i++) {
        if (!same_fill((*fills)[i], reference_fills[i])) {
          return at + what + ": fill " + std::to_string(i) + " " + describe((*fills)[i]) + " vs reference " +
                 describe(reference_fills[i]);
        }
      }
    }
    for (const std::vector<Question>* questions : {&sink_small.questions, &sink_large.questions}) {
      if (*questions != reference_questions) {
        return at + what + ": " + std::to_string(questions->size()) + " self-trade questions vs reference " +
               std::to_string(reference_questions.size()) + " (or other pairs)";
      }
    }
    for (const Question& q : reference_questions) {
      const SelfTrade answer = owners.answer(q.aggressor_id, q.resting_id);
      coverage->stp_expired[static_cast<int>(answer)] += answer != SelfTrade::allow ? 1 : 0;
    }
    coverage->fills += reference_fills.size();
    for (const Fill& fill : reference_fills) coverage->refills += fill.resting_refilled ? 1 : 0;
    coverage->max_overflow_levels = std::max<uint64_t>(coverage->max_overflow_levels, small.overflow_level_count());
    for (const OrderBook* book : {&small, &large}) {
      if (book->best_bid_ticks() != reference.best_bid_ticks() || book->best_ask_ticks() != reference.best_ask_ticks() ||
          book->resting_count() != reference.resting_count()) {
        return at + what + ": best prices or resting count differ";
      }
    }
    // The whole book after every operation: orders (hidden quantity included), levels, and find().
    const bool full_check = op % 61 == 0 || op + 1 == ops;
    for (const OrderBook* book : {&small, &large}) {
      if (book == &small || full_check) {
        const std::string broken = book->check_invariants();
        if (!broken.empty()) return at + what + ": invariant: " + broken;
      }
      std::vector<RestingOrder> orders;
      std::vector<LevelInfo> levels;
      for (const Side side : {Side::buy, Side::sell}) {
        book->collect_orders(side, &orders);
        const std::vector<RestingOrder> want_orders = reference.orders(side);
        if (orders != want_orders) {
          for (size_t i = 0; i < std::min(orders.size(), want_orders.size()); i++) {
            if (!(orders[i] == want_orders[i])) {
              return at + what + ": resting order " + std::to_string(i) + " " + describe(orders[i]) +
                     " vs reference " + describe(want_orders[i]);
            }
          }
          return at + what + ": resting orders differ in number";
        }
        if (full_check) {
          for (const RestingOrder& order : orders) {
            RestingOrder found{};
            if (!book->find(order.order_id, &found) || !(found == order)) {
              return at + what + ": find() differs for " + describe(order);
            }
          }
        }
        book->collect_levels(side, UINT32_MAX, &levels);
        if (levels != reference.levels(side)) return at + what + ": levels differ";
      }
    }
    if (full_check && small.state_hash() != large.state_hash()) {
      return at + what + ": state hashes of the two windows differ";
    }
    if (op % 997 == 0) {  // a snapshot's way back: restore() every order, in priority order, into a new book
      OrderBook restored(BookConfig{.order_capacity = shape.pool, .id_capacity = kIds, .window_levels = 1024,
                                    .initial_centre_ticks = 1});
      std::vector<RestingOrder> orders;
      for (const Side side : {Side::buy, Side::sell}) {
        small.collect_orders(side, &orders);
        for (const RestingOrder& order : orders) {
          if (!restored.restore(order)) return at + what + ": restore refused " + describe(order);
        }
      }
      if (restored.state_hash() != small.state_hash()) return at + what + ": a restored book hashes differently";
      const std::string broken = restored.check_invariants();
      if (!broken.empty()) return at + what + ": restored book invariant: " + broken;
    }
  }
  coverage->recentres += small.recentre_count();
  return {};
}

TEST(BookReference, RandomStreamsMatchTheReferenceBook) {
  const uint64_t base_seed = env_u64("QZ_SEED", 20250101);
  const uint64_t runs = env_u64("QZ_BOOK_RUNS", 6);
  const uint64_t ops = env_u64("QZ_BOOK_OPS", 15'000);
  std::printf("book reference: base seed %llu, %llu runs per shape, %llu ops each (QZ_SEED, QZ_BOOK_RUNS, "
              "QZ_BOOK_OPS override)\n",
              static_cast<unsigned long long>(base_seed), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(ops));
  for (const Shape& shape : kShapes) {
    Coverage coverage;
    for (uint64_t run = 0; run < runs; run++) {
      const uint64_t seed = base_seed + run;
      const std::string failure = run_once(seed, ops, shape, &coverage);
      if (!failure.empty()) {
        FAIL() << "shape " << shape.name << ", seed " << seed << " (replay: QZ_SEED=" << seed
               << " QZ_BOOK_RUNS=1 QZ_BOOK_OPS=" << ops << "): " << failure;
      }
    }
    const auto u = [](uint64_t value) { return static_cast<unsigned long long>(value); };
    std::printf("  %-16s rested %llu, filled %llu, expired %llu, killed %llu, would_take %llu, book_full %llu, "
                "not_found %llu, self_trade %llu; fills %llu, cancels %llu, reduces %llu; re-centres %llu, "
                "overflow levels <= %llu\n",
                shape.name, u(coverage.status[0]), u(coverage.status[1]), u(coverage.status[2]),
                u(coverage.status[3]), u(coverage.status[4]), u(coverage.status[5]), u(coverage.status[6]),
                u(coverage.status[7]), u(coverage.fills), u(coverage.cancels_found), u(coverage.reduces_ok),
                u(coverage.recentres), u(coverage.max_overflow_levels));
    std::printf("  %-16s icebergs: adds %llu, refills %llu, cancels %llu, reduces %llu, replaces %llu, FOK filled "
                "by hidden %llu; STP expired: taker %llu, maker %llu, both %llu\n",
                "", u(coverage.iceberg_adds), u(coverage.refills), u(coverage.iceberg_cancels),
                u(coverage.iceberg_reduces), u(coverage.iceberg_replaces), u(coverage.fok_by_hidden),
                u(coverage.stp_expired[1]), u(coverage.stp_expired[2]), u(coverage.stp_expired[3]));
    // A full-length stream must reach every new case, or the comparison proves little.
    if (runs * ops < 20'000) continue;
    EXPECT_GT(coverage.refills, 0u);
    EXPECT_GT(coverage.iceberg_cancels, 0u);
    EXPECT_GT(coverage.iceberg_reduces, 0u);
    EXPECT_GT(coverage.iceberg_replaces, 0u);
    EXPECT_GT(coverage.fok_by_hidden, 0u);
    EXPECT_GT(coverage.status[static_cast<int>(AddStatus::self_trade)], 0u);
    for (int mode = 1; mode < 4; mode++) EXPECT_GT(coverage.stp_expired[mode], 0u) << "STP mode " << mode;
  }
}

}  // namespace
}  // namespace qz
