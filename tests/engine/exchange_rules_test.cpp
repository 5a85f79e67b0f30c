// Rule tables for every rejection of the market and order commands, in the order the checks run
// (docs/markets.md, "The engine: commands, checks and events"). Each row is one command that breaks exactly
// one rule on top of the fixture's state; a rejection must change nothing (the state hash is compared).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "exchange_fixture.h"

namespace qz {
namespace {

struct Row {
  std::string name;
  std::function<std::vector<Command>(ExchangeTest&)> setup;  // applied first, in one block (may be empty)
  std::function<std::vector<Command>(ExchangeTest&)> make;   // the block under test
  Result expected;
};

Command buy(int64_t price, int64_t qty, OrderTif tif = OrderTif::gtc) {
  return ExchangeTest::limit(kAlice, OrderSideCode::buy, price, qty, tif);
}
Command with(Command command, const std::function<void(Command&)>& change) {
  change(command);
  return command;
}
Command market_order(OrderType type, OrderSideCode side, int64_t qty) {
  return make_place_order(kAlice, 1, side, type, OrderTif::none, 0, qty);
}
Command as_customer(Command command) {
  command.role = static_cast<uint8_t>(Role::customer);
  command.actor = kAlice;
  return command;
}
std::vector<Command> none(ExchangeTest&) { return {}; }
std::vector<Command> one(Command command) { return {command}; }

// Market 2: min 5 lots, max 10 lots, open. Market 3: closed.
std::vector<Command> second_markets(ExchangeTest&) {
  return {make_create_market(1, 2, 100'00, 10'000, 50'000, 100'000), make_set_market_rules(2, 0, 0, 0, 0, 3, 4),
          make_set_market_status(2, 1), make_create_market(1, 2, 100'00, 10'000, 10'000, 100'000),
          make_set_market_status(3, 3)};
}
// A trade at 40,000,000.00 (the last and reference price) and a resting ask at 40,100,000.00.
std::vector<Command> traded(ExchangeTest&) {
  return {ExchangeTest::limit(kBob, OrderSideCode::sell, 40'000'000'00, 1000'0000),
          ExchangeTest::limit(kCarol, OrderSideCode::buy, 40'000'000'00, 1000'0000),
          ExchangeTest::limit(kBob, OrderSideCode::sell, 40'100'000'00, 1000'0000)};
}
Command stop(OrderType type, OrderSideCode side, int64_t stop_price) {
  Command command = make_place_order(kAlice, 1, side, type, OrderTif::gtc, 40'000'000'00, 1000'0000);
  command.place_order.stop_price_minor = stop_price;
  return command;
}

std::vector<Row> place_rows() {
  constexpr int64_t kPrice = 40'000'000'00;
  constexpr int64_t kQty = 5000'0000;
  return {
      {"regulator cannot trade", none,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.role = 5; })); },
       Result::actor_not_permitted},
      {"unknown market", none,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.market = 9; })); },
       Result::market_not_found},
      {"limit without time in force", none,
       [](ExchangeTest&) { return one(buy(kPrice, kQty, OrderTif::none)); }, Result::order_type_invalid},
      {"limit maker with GTC", none,
       [](ExchangeTest&) {
         return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.type = 2; }));
       },
       Result::order_type_invalid},
      {"market order with a price", none,
       [](ExchangeTest&) {
         return one(with(market_order(OrderType::market, OrderSideCode::buy, kQty),
                         [](Command& c) { c.place_order.price_minor = kPrice; }));
       },
       Result::order_type_invalid},
      {"limit with a stop price", none,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.stop_price_minor = 1; })); },
       Result::order_type_invalid},
      {"stop order without a stop price", none,
       [](ExchangeTest&) { return one(stop(OrderType::stop_loss_limit, OrderSideCode::sell, 0)); },
       Result::order_type_invalid},
      {"IOC with aux", none,
       [](ExchangeTest&) {
         return one(with(buy(kPrice, kQty, OrderTif::ioc), [](Command& c) { c.place_order.aux = 10'000; }));
       },
       Result::order_type_invalid},
      {"GTD without expiry", none, [](ExchangeTest&) { return one(buy(kPrice, kQty, OrderTif::gtd)); },
       Result::order_type_invalid},
      {"side out of range", none,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.side = 3; })); },
       Result::order_field_invalid},
      {"halted market",
       [](ExchangeTest&) { return one(make_create_market(1, 2, 100'00, 10'000, 10'000, 100'000)); },
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.market = 2; })); },
       Result::market_halted},
      {"closed market", second_markets,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.market = 3; })); },
       Result::market_closed},
      {"not on tick", none, [](ExchangeTest&) { return one(buy(kPrice + 1, kQty)); }, Result::price_not_on_tick},
      {"not on lot", none, [](ExchangeTest&) { return one(buy(kPrice, kQty + 1)); }, Result::qty_not_on_lot},
      {"below minimum quantity", second_markets,
       [](ExchangeTest&) { return one(with(buy(kPrice, 40'000), [](Command& c) { c.place_order.market = 2; })); },
       Result::qty_below_minimum},
      {"above maximum quantity", second_markets,
       [](ExchangeTest&) { return one(with(buy(kPrice, 110'000), [](Command& c) { c.place_order.market = 2; })); },
       Result::qty_above_maximum},
      {"below minimum notional", none, [](ExchangeTest&) { return one(buy(100'00, 10'000)); },
       Result::notional_below_minimum},
      {"outside the band", traded, [](ExchangeTest&) { return one(buy(44'100'000'00, kQty)); },
       Result::price_out_of_band},
      {"value too large", none,
       [](ExchangeTest&) { return one(buy(900'000'000'000'000'0000, 100'0000'0000)); }, Result::amount_overflow},
      {"market order off the lot", none,
       [](ExchangeTest&) { return one(market_order(OrderType::market, OrderSideCode::buy, kQty + 1)); },
       Result::qty_not_on_lot},
      {"market order without reference", none,
       [](ExchangeTest&) { return one(market_order(OrderType::market, OrderSideCode::buy, kQty)); },
       Result::no_reference_price},
      {"market by quote of nothing", none,
       [](ExchangeTest&) { return one(market_order(OrderType::market_by_quote, OrderSideCode::buy, 0)); },
       Result::amount_must_be_positive},
      {"market by quote below min notional", none,
       [](ExchangeTest&) { return one(market_order(OrderType::market_by_quote, OrderSideCode::buy, 999'99)); },
       Result::notional_below_minimum},
      {"stop price off the tick", none,
       [](ExchangeTest&) { return one(stop(OrderType::stop_loss_limit, OrderSideCode::sell, 39'900'000'01)); },
       Result::stop_price_invalid},
      {"stop loss sell that would trigger at once", traded,
       [](ExchangeTest&) { return one(stop(OrderType::stop_loss_limit, OrderSideCode::sell, 40'000'000'00)); },
       Result::stop_price_invalid},
      {"take profit buy that would trigger at once", traded,
       [](ExchangeTest&) { return one(stop(OrderType::take_profit_limit, OrderSideCode::buy, 40'100'000'00)); },
       Result::stop_price_invalid},
      {"iceberg as large as the order", none,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.aux = kQty; })); },
       Result::iceberg_invalid},
      {"iceberg off the lot", none,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.place_order.aux = 1; })); },
       Result::iceberg_invalid},
      {"GTD in the past", none,
       [](ExchangeTest&) {
         return one(with(buy(kPrice, kQty, OrderTif::gtd), [](Command& c) { c.place_order.aux = 1; }));
       },
       Result::order_expiry_invalid},
      {"no trading account", none,
       [](ExchangeTest&) { return one(with(buy(kPrice, kQty), [](Command& c) { c.actor = 999; })); },
       Result::trading_account_not_found},
      {"post-only that would take", traded,
       [](ExchangeTest&) {
         return one(with(buy(40'100'000'00, kQty, OrderTif::none), [](Command& c) { c.place_order.type = 2; }));
       },
       Result::order_would_take},
      {"client order id of an open order (rules version 2)",
       [](ExchangeTest&) {
         return std::vector<Command>{make_set_engine_rules(2),
                                     with(buy(kPrice - 100'00, kQty), [](Command& c) { c.request_id = 77; })};
       },
       [](ExchangeTest&) { return one(with(buy(kPrice - 200'00, kQty), [](Command& c) { c.request_id = 77; })); },
       Result::client_order_id_open},
      {"too many open orders",
       [](ExchangeTest&) {
         std::vector<Command> many;
         for (int i = 0; i < 64; i++) many.push_back(buy(kPrice - i * 100'00, 10'000));
         return many;
       },
       [](ExchangeTest&) { return one(buy(kPrice - 100 * 100'00, 10'000)); }, Result::order_limit_reached},
      {"not enough funds", none, [](ExchangeTest&) { return one(buy(kPrice, 3'0000'0000)); },
       Result::insufficient_funds},
  };
}

std::vector<Row> other_rows() {
  Command linked_cancel = make_cancel_order(kAlice, 1, 1);
  linked_cancel.flags = kFlagLinked;
  Command linked_place = ExchangeTest::limit(kAlice, OrderSideCode::buy, 40'000'000'00, 10'000);
  linked_place.flags = kFlagLinked;
  const auto resting = [](ExchangeTest&) {
    return one(ExchangeTest::limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000, OrderTif::gtc, 55));
  };
  return {
      // Cancel, amend.
      {"cancel by a regulator", resting,
       [](ExchangeTest&) { return one(with(make_cancel_order(kAlice, 1, 1), [](Command& c) { c.role = 5; })); },
       Result::actor_not_permitted},
      {"cancel in an unknown market", resting, [](ExchangeTest&) { return one(make_cancel_order(kAlice, 7, 1)); },
       Result::market_not_found},
      {"cancel of an unknown order", resting, [](ExchangeTest&) { return one(make_cancel_order(kAlice, 1, 2)); },
       Result::order_not_found},
      {"cancel of someone else's order", resting, [](ExchangeTest&) { return one(make_cancel_order(kBob, 1, 1)); },
       Result::order_not_found},
      {"cancel by an unknown client id", resting,
       [](ExchangeTest&) { return one(make_cancel_order(kAlice, 1, 0, 56)); }, Result::order_not_found},
      {"cancel naming nothing", resting, [](ExchangeTest&) { return one(make_cancel_order(kAlice, 1, 0, 0)); },
       Result::order_not_found},
      {"cancel all by a regulator", resting,
       [](ExchangeTest&) { return one(with(make_cancel_all(kAlice, 1), [](Command& c) { c.role = 5; })); },
       Result::actor_not_permitted},
      {"cancel all in an unknown market", resting, [](ExchangeTest&) { return one(make_cancel_all(kAlice, 7)); },
       Result::market_not_found},
      {"amend up", resting, [](ExchangeTest&) { return one(make_amend_order(kAlice, 1, 1, 6000'0000)); },
       Result::amend_qty_invalid},
      {"amend to the same quantity", resting,
       [](ExchangeTest&) { return one(make_amend_order(kAlice, 1, 1, 5000'0000)); }, Result::amend_qty_invalid},
      {"amend off the lot", resting, [](ExchangeTest&) { return one(make_amend_order(kAlice, 1, 1, 4000'0001)); },
       Result::amend_qty_invalid},
      {"amend to zero", resting, [](ExchangeTest&) { return one(make_amend_order(kAlice, 1, 1, 0)); },
       Result::amend_qty_invalid},
      {"amend someone else's", resting, [](ExchangeTest&) { return one(make_amend_order(kBob, 1, 1, 10'000)); },
       Result::order_not_found},
      // Linked groups.
      {"two linked orders", none,
       [linked_place](ExchangeTest&) {
         return std::vector<Command>{linked_place, ExchangeTest::limit(kAlice, OrderSideCode::buy, 1'000'00, 10'000)};
       },
       Result::linked_group_unsupported},
      {"an order linked to a transfer", none,
       [linked_place](ExchangeTest&) {
         return std::vector<Command>{linked_place, make_transfer(1, 5, 1)};
       },
       Result::linked_group_unsupported},
      {"cancel-replace of an unknown order", none,
       [linked_cancel](ExchangeTest&) {
         return std::vector<Command>{linked_cancel,
                                     ExchangeTest::limit(kAlice, OrderSideCode::buy, 40'000'000'00, 10'000)};
       },
       Result::order_not_found},
      // Markets.
      {"customer creates a market", none,
       [](ExchangeTest&) { return one(as_customer(make_create_market(1, 2, 100'00, 10'000, 10'000, 100'000))); },
       Result::actor_not_permitted},
      {"market of a missing asset", none,
       [](ExchangeTest&) { return one(make_create_market(1, 9, 100'00, 10'000, 10'000, 100'000)); },
       Result::market_assets_invalid},
      {"market of one asset", none,
       [](ExchangeTest&) { return one(make_create_market(2, 2, 100'00, 10'000, 10'000, 100'000)); },
       Result::market_assets_invalid},
      {"zero tick", none, [](ExchangeTest&) { return one(make_create_market(1, 2, 0, 10'000, 10'000, 100'000)); },
       Result::market_tick_invalid},
      {"inexact notional", none,
       [](ExchangeTest&) { return one(make_create_market(1, 2, 1'00, 10'000, 10'000, 100'000)); },
       Result::market_lot_invalid},
      {"max below min", none,
       [](ExchangeTest&) { return one(make_create_market(1, 2, 100'00, 10'000, 20'000, 10'000)); },
       Result::market_qty_limits_invalid},
      {"too many markets",
       [](ExchangeTest&) {
         std::vector<Command> markets;
         for (int i = 0; i < 7; i++) markets.push_back(make_create_market(1, 2, 100'00, 10'000, 10'000, 100'000));
         return markets;
       },
       [](ExchangeTest&) { return one(make_create_market(1, 2, 100'00, 10'000, 10'000, 100'000)); },
       Result::market_limit_reached},
      {"customer sets rules", none,
       [](ExchangeTest&) { return one(as_customer(make_set_market_rules(1, 0, 0, 0, 0, 3, 4))); },
       Result::actor_not_permitted},
      {"rules of an unknown market", none,
       [](ExchangeTest&) { return one(make_set_market_rules(5, 0, 0, 0, 0, 3, 4)); }, Result::market_not_found},
      {"rules of a closed market", second_markets,
       [](ExchangeTest&) { return one(make_set_market_rules(3, 0, 0, 0, 0, 3, 4)); }, Result::market_closed},
      {"negative min notional", none,
       [](ExchangeTest&) { return one(make_set_market_rules(1, 0, -1, 0, 0, 3, 4)); },
       Result::market_qty_limits_invalid},
      {"fee too high", none, [](ExchangeTest&) { return one(make_set_market_rules(1, 0, 0, 1001, 0, 3, 4)); },
       Result::market_fee_invalid},
      {"band too wide", none, [](ExchangeTest&) { return one(make_set_market_rules(1, 9001, 0, 0, 0, 3, 4)); },
       Result::market_band_invalid},
      {"client order id with a space", none, [](ExchangeTest&) { return one(make_tag_order(7, "my order")); },
       Result::client_order_id_invalid},
      {"fee accounts swapped", none, [](ExchangeTest&) { return one(make_set_market_rules(1, 0, 0, 0, 0, 4, 3)); },
       Result::market_fee_accounts_invalid},
      {"customer account as fee account", none,
       [](ExchangeTest&) { return one(make_set_market_rules(1, 0, 0, 0, 0, 5, 4)); },
       Result::market_fee_accounts_invalid},
      {"tier index beyond count", none, [](ExchangeTest&) { return one(make_set_fee_tier(1, 1, 1, 100, 5, 5)); },
       Result::fee_tiers_invalid},
      {"schedule grows by two", none, [](ExchangeTest&) { return one(make_set_fee_tier(1, 1, 3, 100, 5, 5)); },
       Result::fee_tiers_invalid},
      {"first threshold not zero", none, [](ExchangeTest&) { return one(make_set_fee_tier(1, 0, 1, 100, 5, 5)); },
       Result::fee_tiers_invalid},
      {"thresholds not increasing",
       [](ExchangeTest&) { return one(make_set_fee_tier(1, 1, 2, 1000, 5, 5)); },
       [](ExchangeTest&) { return one(make_set_fee_tier(1, 2, 3, 1000, 1, 1)); }, Result::fee_tiers_invalid},
      {"tier fee too high", none, [](ExchangeTest&) { return one(make_set_fee_tier(1, 1, 2, 100, 5, 1001)); },
       Result::market_fee_invalid},
      {"customer halts", none, [](ExchangeTest&) { return one(as_customer(make_set_market_status(1, 2))); },
       Result::actor_not_permitted},
      {"status of an unknown market", none, [](ExchangeTest&) { return one(make_set_market_status(9, 2)); },
       Result::market_not_found},
      {"status 4", none, [](ExchangeTest&) { return one(make_set_market_status(1, 4)); },
       Result::market_status_invalid},
      {"reopen a closed market", second_markets, [](ExchangeTest&) { return one(make_set_market_status(3, 1)); },
       Result::market_status_invalid},
      {"open without rules",
       [](ExchangeTest&) { return one(make_create_market(1, 2, 100'00, 10'000, 10'000, 100'000)); },
       [](ExchangeTest&) { return one(make_set_market_status(2, 1)); }, Result::market_not_ready},
      {"reference price off the tick", none,
       [](ExchangeTest&) { return one(make_set_market_status(1, 1, 40'000'000'01)); }, Result::price_not_on_tick},
  };
}

class RulesTest : public ExchangeTest {
 public:
  void TestBody() override {}
};

// Each row runs on two identical engines: one applies the block under test, its twin an empty block at the
// same height and time. A rejection must leave the two with the same state hash.
void run_rows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    RulesTest t;
    RulesTest twin;
    t.SetUp();
    twin.SetUp();
    const std::vector<Command> setup = row.setup(t);
    if (!setup.empty()) {
      t.last_rejection = Result::ok;
      t.run(setup);
      twin.run(setup);
      ASSERT_EQ(t.last_rejection, Result::ok) << "the setup itself failed";
    }
    const std::vector<Command> block = row.make(t);
    const std::vector<Event> events = t.run(block);
    twin.run({});
    ASSERT_EQ(events.size(), block.size());
    bool seen = false;
    for (const Event& event : events) {
      ASSERT_EQ(event.event_kind(), EventKind::rejected);
      seen |= event.result_code() == row.expected;
      if (event.result_code() != row.expected) {
        EXPECT_EQ(event.result_code(), Result::linked_event_failed);
      }
    }
    EXPECT_TRUE(seen) << "expected " << result_name(row.expected) << ", got " << result_name(events[0].result_code())
                      << (events.size() > 1 ? std::string(" / ") + result_name(events[1].result_code()) : "");
    EXPECT_EQ(t.engine.state_hash(), twin.engine.state_hash()) << "a rejection changed the state";
    t.expect_conserved();
  }
}

TEST(ExchangeRules, PlaceOrderRejectionsInCheckOrder) { run_rows(place_rows()); }
TEST(ExchangeRules, OtherCommandRejections) { run_rows(other_rows()); }

TEST(ExchangeRules, EveryMarketCodeIsCovered) {
  std::vector<Result> covered;
  for (const Row& row : place_rows()) covered.push_back(row.expected);
  for (const Row& row : other_rows()) covered.push_back(row.expected);
  for (uint32_t number = 200; number < 400; number++) {
    if (!result_is_known(number)) continue;
    const auto code = static_cast<Result>(number);
    EXPECT_NE(std::find(covered.begin(), covered.end(), code), covered.end()) << result_name(code) << " has no row";
  }
}

TEST_F(ExchangeTest, HaltedMarketRefusesOrdersButAllowsCancels) {
  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  run({make_set_market_status(1, 2)});
  run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  EXPECT_EQ(last_rejection, Result::market_halted);
  last_rejection = Result::ok;
  run({make_cancel_order(kAlice, 1, 1)});
  EXPECT_EQ(last_rejection, Result::ok);
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 0);
}

}  // namespace
}  // namespace qz
