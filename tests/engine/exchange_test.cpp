// Markets and orders through Engine::apply: scenarios with exact balances, reservations and events.
// BTC has scale 8, KZT scale 2. Market 1 is BTC/KZT with tick 100.00 KZT and lot 0.0001 BTC.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "exchange_fixture.h"

namespace qz {
namespace {

TEST_F(ExchangeTest, RestingOrderReservesCostAndFee) {
  // Alice bids 0.5 BTC at 40,000,000.00: cost 20,000,000.00 KZT, fee cap 20 bps -> 40,000.00 more.
  const auto events = run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  EXPECT_EQ(kinds(events), (std::vector<EventKind>{EventKind::order_accepted, EventKind::order_rested,
                                                   EventKind::level_changed}));
  EXPECT_EQ(events[0].order_accepted.reserved_minor, 20'040'000'00);
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 20'040'000'00);
  EXPECT_EQ(events[2].level_changed.update_id, 1u);
  EXPECT_EQ(events[2].level_changed.total_qty_minor, 5000'0000);
  expect_conserved();
}

TEST_F(ExchangeTest, CrossingOrdersSettleWithFeesInTheSpentAsset) {
  run({limit(kAlice, OrderSideCode::sell, 40'000'000'00, 2000'0000)});  // maker sells 0.2 BTC
  const auto events = run({limit(kBob, OrderSideCode::buy, 40'100'000'00, 5000'0000)});  // taker buys up to 0.5
  EXPECT_EQ(kinds(events), (std::vector<EventKind>{EventKind::order_accepted, EventKind::trade,
                                                   EventKind::order_filled, EventKind::order_filled,
                                                   EventKind::order_rested, EventKind::level_changed,
                                                   EventKind::level_changed}));
  // Notional 0.2 x 40,000,000.00 = 8,000,000.00 KZT. Bob (taker, buys) pays 20 bps of it: 16,000.00 KZT.
  // Alice (maker, sells) pays 10 bps of 0.2 BTC: 0.0002 BTC.
  EXPECT_EQ(events[1].trade.price_minor, 40'000'000'00);
  EXPECT_EQ(events[1].trade.qty_minor, 2000'0000);
  EXPECT_EQ(events[2].order_filled.fee_minor, 2'0000);
  EXPECT_EQ(events[3].order_filled.fee_minor, 16'000'00);
  EXPECT_EQ(account(kzt(kAlice)).total_minor, 100'000'000'00 + 8'000'000'00);
  EXPECT_EQ(account(btc(kAlice)).total_minor, 10'0000'0000 - 2000'0000 - 2'0000);
  EXPECT_EQ(account(btc(kAlice)).locked_minor, 0);
  EXPECT_EQ(account(btc(kBob)).total_minor, 10'0000'0000 + 2000'0000);
  EXPECT_EQ(account(kzt(kBob)).total_minor, 100'000'000'00 - 8'000'000'00 - 16'000'00);
  // Bob's remaining 0.3 BTC rests at 40,100,000.00: reservation 12,030,000.00 + 24,060.00.
  EXPECT_EQ(account(kzt(kBob)).locked_minor, 12'030'000'00 + 24'060'00);
  EXPECT_EQ(account(4).total_minor, 16'000'00);
  EXPECT_EQ(account(3).total_minor, 2'0000);
  expect_conserved();
}

TEST_F(ExchangeTest, InsufficientFundsRejectsAndMovesNothing) {
  const Hash256 before = engine.state_hash();
  const auto events = run({limit(kAlice, OrderSideCode::sell, 40'000'000'00, 11'0000'0000)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].result_code(), Result::insufficient_funds);
  (void)before;
  EXPECT_EQ(account(btc(kAlice)).locked_minor, 0);
  EXPECT_EQ(engine.exchange().next_order_id(), 1u);
}

TEST_F(ExchangeTest, CancelReleasesTheHold) {
  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000, OrderTif::gtc, 77)});
  auto events = run({make_cancel_order(kBob, 1, 1)});
  EXPECT_EQ(events[0].result_code(), Result::order_not_found);  // not Bob's
  events = run({make_cancel_order(kAlice, 1, 0, 77)});
  EXPECT_EQ(kinds(events), (std::vector<EventKind>{EventKind::order_cancelled, EventKind::level_changed}));
  EXPECT_EQ(events[0].order_ended.released_minor, 20'040'000'00);
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 0);
  EXPECT_EQ(events[1].level_changed.total_qty_minor, 0);
  EXPECT_EQ(events[1].level_changed.update_id, 2u);
}

TEST_F(ExchangeTest, MarketOrderByQuoteSpendsAtMostTheAmount) {
  run({limit(kAlice, OrderSideCode::sell, 40'000'000'00, 1000'0000),
       limit(kCarol, OrderSideCode::sell, 40'010'000'00, 1000'0000)});
  Command market = make_place_order(kBob, 1, OrderSideCode::buy, OrderType::market_by_quote, OrderTif::none, 0,
                                    6'000'000'00);
  run({market});
  EXPECT_EQ(last_rejection, Result::no_reference_price);  // no trade yet, no operator price
  run({make_set_market_status(1, 1, 40'000'000'00)});
  const auto events = run({market});
  EXPECT_EQ(events[0].event_kind(), EventKind::order_accepted);
  // 0.1 BTC at 40,000,000.00 = 4,000,000.00; then 2,000,000.00 buys 0.0499 BTC at 40,010,000.00.
  EXPECT_EQ(events[0].order_accepted.qty_minor, 1000'0000 + 499'0000);
  int64_t spent = 0;
  for (const Event& event : events) {
    if (event.event_kind() == EventKind::trade) spent += event.trade.price_minor / 100 * event.trade.qty_minor / 1'000'000;
  }
  EXPECT_LE(spent, 6'000'000'00);
  EXPECT_EQ(account(kzt(kBob)).locked_minor, 0);
  expect_conserved();
}

TEST_F(ExchangeTest, SelfTradePreventionExpiresTheMaker) {
  run({limit(kAlice, OrderSideCode::sell, 40'000'000'00, 1000'0000)});
  Command taker = limit(kAlice, OrderSideCode::buy, 40'000'000'00, 1000'0000);
  taker.place_order.self_trade_prevention = static_cast<uint8_t>(SelfTrade::expire_maker);
  const auto events = run({taker});
  EXPECT_EQ(kinds(events), (std::vector<EventKind>{EventKind::order_accepted, EventKind::order_expired,
                                                   EventKind::order_rested, EventKind::level_changed,
                                                   EventKind::level_changed}));
  EXPECT_EQ(events[1].order_ended.reason, static_cast<uint8_t>(OrderEndReason::self_trade_maker));
  EXPECT_EQ(account(btc(kAlice)).locked_minor, 0);
  expect_conserved();
}

TEST_F(ExchangeTest, StopOrderTriggersOnTheLastTrade) {
  // Carol: stop-loss sell 0.1 BTC, stop 39,900,000.00, limit 39,800,000.00.
  Command stop = make_place_order(kCarol, 1, OrderSideCode::sell, OrderType::stop_loss_limit, OrderTif::gtc,
                                  39'800'000'00, 1000'0000);
  stop.place_order.stop_price_minor = 39'900'000'00;
  run({stop});
  EXPECT_EQ(last_rejection, Result::ok);
  run({limit(kAlice, OrderSideCode::buy, 39'850'000'00, 2000'0000)});
  const auto events = run({limit(kBob, OrderSideCode::sell, 39'850'000'00, 500'0000)});
  bool triggered = false;
  int trades = 0;
  for (const Event& event : events) {
    triggered |= event.event_kind() == EventKind::order_triggered;
    trades += event.event_kind() == EventKind::trade;
  }
  EXPECT_TRUE(triggered);
  EXPECT_EQ(trades, 2);  // Bob's sell, then Carol's triggered sell against Alice's rest
  expect_conserved();
}

TEST_F(ExchangeTest, CancelReplaceIsAllOrNothing) {
  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  Command cancel = make_cancel_order(kAlice, 1, 1);
  cancel.flags = kFlagLinked;
  // The replacement needs more than Alice has: neither applies.
  auto events = run({cancel, limit(kAlice, OrderSideCode::buy, 40'000'000'00, 3'0000'0000)});
  EXPECT_EQ(events[0].result_code(), Result::linked_event_failed);
  EXPECT_EQ(events[1].result_code(), Result::insufficient_funds);
  EXPECT_NE(engine.exchange().order(1), nullptr);
  // Using the released hold: 2.4 BTC at 40,000,000.00 needs 96,192,000.00 with fee, more than is free now.
  events = run({cancel, limit(kAlice, OrderSideCode::buy, 40'000'000'00, 2'4000'0000)});
  EXPECT_EQ(events[0].event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(events[1].event_kind(), EventKind::order_accepted);
  EXPECT_EQ(engine.exchange().order(1), nullptr);
  EXPECT_NE(engine.exchange().order(2), nullptr);
}

TEST_F(ExchangeTest, GoodTillDateExpiresAtItsBlockTime) {
  Command gtd = limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000, OrderTif::gtd);
  gtd.place_order.aux = time_ns + 2'500'000'000;
  run({gtd});
  EXPECT_NE(engine.exchange().order(1), nullptr);
  run({});
  EXPECT_NE(engine.exchange().order(1), nullptr);
  const auto events = run({});
  ASSERT_GE(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), EventKind::order_expired);
  EXPECT_EQ(events[0].command_index, kNoCommand);
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 0);
}

TEST_F(ExchangeTest, IcebergShowsOneSlice) {
  Command iceberg = limit(kAlice, OrderSideCode::sell, 40'000'000'00, 5000'0000);
  iceberg.place_order.aux = 1000'0000;
  auto events = run({iceberg});
  ASSERT_EQ(events.back().event_kind(), EventKind::level_changed);
  EXPECT_EQ(events.back().level_changed.total_qty_minor, 1000'0000);
  events = run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 2500'0000)});
  int trades = 0;
  for (const Event& event : events) trades += event.event_kind() == EventKind::trade;
  EXPECT_EQ(trades, 3);  // 0.1 + 0.1 + 0.05, refilled between
  EXPECT_EQ(engine.exchange().order(1)->remaining_minor(), 2500'0000);
  expect_conserved();
}

TEST_F(ExchangeTest, HaltRefusesNewOrdersAndCloseCancelsAll) {
  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  run({make_set_market_status(1, 2)});
  run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  EXPECT_EQ(last_rejection, Result::market_halted);
  const auto events = run({make_set_market_status(1, 3)});
  EXPECT_EQ(kinds(events), (std::vector<EventKind>{EventKind::market_status_changed, EventKind::order_cancelled,
                                                   EventKind::level_changed}));
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 0);
  run({make_set_market_status(1, 1)});
  EXPECT_EQ(last_rejection, Result::market_status_invalid);
}

}  // namespace
}  // namespace qz

namespace qz {
namespace {

TEST_F(ExchangeTest, CommandsCannotTouchAnOrdersReservation) {
  // An order's reservation is locked, not a hold: no hold id names it, and neither a transfer nor a hold of the
  // owner's can spend it.
  const uint64_t holds_before = engine.ledger().next_hold_id();
  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  EXPECT_EQ(engine.ledger().next_hold_id(), holds_before);
  const int64_t free_kzt = account(kzt(kAlice)).available_minor();
  EXPECT_EQ(free_kzt, account(kzt(kAlice)).total_minor - 20'040'000'00);
  Command spend = make_transfer(kzt(kAlice), kzt(kBob), free_kzt + 1);
  spend.actor = kAlice;
  spend.role = static_cast<uint8_t>(Role::customer);
  run({spend});
  EXPECT_EQ(last_rejection, Result::insufficient_funds);
  last_rejection = Result::ok;
  run({make_hold(kzt(kAlice), 0, free_kzt + 1, 0)});  // not even the operator
  EXPECT_EQ(last_rejection, Result::insufficient_funds);
  last_rejection = Result::ok;
  run({make_hold(kzt(kAlice), 0, free_kzt, 0)});
  EXPECT_EQ(last_rejection, Result::ok);
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 20'040'000'00);
  EXPECT_EQ(account(kzt(kAlice)).held_minor, free_kzt);
  expect_conserved();
}

TEST_F(ExchangeTest, SnapshotCarriesMarketsAndOrders) {
  Command iceberg = limit(kAlice, OrderSideCode::sell, 40'000'000'00, 5000'0000);
  iceberg.place_order.aux = 1000'0000;
  Command stop = make_place_order(kCarol, 1, OrderSideCode::sell, OrderType::stop_loss_limit, OrderTif::gtc,
                                  39'800'000'00, 1000'0000);
  stop.place_order.stop_price_minor = 39'900'000'00;
  run({iceberg, stop, limit(kBob, OrderSideCode::buy, 40'000'000'00, 1500'0000, OrderTif::gtc, 9),
       limit(kBob, OrderSideCode::buy, 39'000'000'00, 1500'0000)});
  std::vector<uint8_t> bytes;
  engine.write_snapshot(&bytes);
  Engine other_limits;  // the default 65,536 open orders per market: the snapshot does not fit
  EXPECT_FALSE(other_limits.load_snapshot(bytes).is_ok());
  Engine loaded(LedgerLimits{}, limits());
  const Status status = loaded.load_snapshot(bytes);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(loaded.state_hash(), engine.state_hash());
  EXPECT_EQ(loaded.check_invariants(), "");
  // The same future: a crossing sell, then a cancel by client id.
  const std::vector<Command> next = {limit(kCarol, OrderSideCode::sell, 39'000'000'00, 3000'0000),
                                     make_cancel_order(kBob, 1, 0, 9)};
  std::vector<Event> a;
  std::vector<Event> b;
  time_ns += 1'000'000'000;
  engine.apply(BlockInput{.height = engine.next_height(), .time_ns = time_ns, .commands = next}, &a);
  loaded.apply(BlockInput{.height = loaded.next_height(), .time_ns = time_ns, .commands = next}, &b);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(Event)), 0) << i;
  EXPECT_EQ(loaded.state_hash(), engine.state_hash());
}

}  // namespace
}  // namespace qz

namespace qz {
namespace {

TEST_F(ExchangeTest, FeeTierFollowsThirtyDayVolumeAndTheRateIsCappedAtPlacement) {
  // Tier 1 from 10,000,000.00 KZT of 30-day volume: maker 2, taker 5 bps (tier 0: 10 / 20).
  run({make_set_fee_tier(1, 1, 2, 10'000'000'00, 2, 5)});
  ASSERT_EQ(last_rejection, Result::ok);
  // Bob rests a bid before he has any volume: its fee cap is tier 0's 20 bps.
  run({limit(kBob, OrderSideCode::buy, 39'000'000'00, 1000'0000)});
  // Bob buys 0.5 BTC at 40,000,000.00 from Alice: 20,000,000.00 KZT of volume for both.
  run({limit(kAlice, OrderSideCode::sell, 40'000'000'00, 5000'0000)});
  auto events = run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  ASSERT_EQ(events[1].event_kind(), EventKind::trade);
  EXPECT_EQ(events[3].order_filled.fee_minor, 40'000'00);  // Bob, taker at tier 0: 20 bps of 20,000,000.00
  // Now both are in tier 1. Alice sells into Bob's old bid (he is the maker): 2 bps, not his cap of 20.
  events = run({limit(kAlice, OrderSideCode::sell, 39'000'000'00, 1000'0000)});
  ASSERT_EQ(events[1].event_kind(), EventKind::trade);
  EXPECT_EQ(events[2].order_filled.fee_minor, 7'800'00 / 10);  // Bob, maker: 2 bps of 3,900,000.00
  EXPECT_EQ(events[3].order_filled.fee_minor, 1000'0000 * 5 / 10'000);  // Alice, taker: 5 bps of 0.1 BTC
  expect_conserved();
}

TEST_F(ExchangeTest, AmendDownKeepsPriority) {
  run({limit(kAlice, OrderSideCode::sell, 40'000'000'00, 5000'0000)});
  run({limit(kCarol, OrderSideCode::sell, 40'000'000'00, 5000'0000)});
  auto events = run({make_amend_order(kAlice, 1, 1, 2000'0000)});
  ASSERT_EQ(events[0].event_kind(), EventKind::order_amended);
  EXPECT_EQ(events[0].order_amended.remaining_qty_minor, 2000'0000);
  EXPECT_EQ(account(btc(kAlice)).locked_minor, 2000'0000 + 2000'0000 * 20 / 10'000);
  events = run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 1000'0000)});
  ASSERT_EQ(events[1].event_kind(), EventKind::trade);
  EXPECT_EQ(events[1].trade.maker_order, 1u);  // Alice's amended order is still first
  expect_conserved();
}

TEST_F(ExchangeTest, HaltThenResumeTradesAgain) {
  run({limit(kAlice, OrderSideCode::sell, 40'000'000'00, 1000'0000)});
  run({make_set_market_status(1, 2)});
  run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 1000'0000)});
  EXPECT_EQ(last_rejection, Result::market_halted);
  last_rejection = Result::ok;
  run({make_set_market_status(1, 1)});
  const auto events = run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 1000'0000)});
  EXPECT_EQ(last_rejection, Result::ok);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[1].event_kind(), EventKind::trade);
  expect_conserved();
}

}  // namespace
}  // namespace qz

namespace qz {
namespace {

uint64_t mix(uint64_t x) {  // as exchange.cpp's mix64 (the MurmurHash3 finaliser)
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

TEST_F(ExchangeTest, ClientOrderIdsWhoseHashesCollideStayApart) {
  // client_hash(owner, id) = mix(mix(owner) ^ id * K): pick Bob's id so that his pair hashes like Alice's 1001.
  constexpr uint64_t kK = 0x9E3779B97F4A7C15ULL;
  uint64_t inverse = kK;  // Newton's iteration for K^-1 mod 2^64
  for (int i = 0; i < 6; i++) inverse *= 2 - kK * inverse;
  ASSERT_EQ(kK * inverse, 1u);
  const uint64_t bob_id = (mix(kAlice) ^ mix(kBob) ^ (1001 * kK)) * inverse;
  ASSERT_EQ(Exchange::client_hash(kBob, bob_id), Exchange::client_hash(kAlice, 1001)) << "the formula changed";

  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 1000'0000, OrderTif::gtc, 1001),
       limit(kBob, OrderSideCode::buy, 40'000'000'00, 1000'0000, OrderTif::gtc, bob_id)});
  ASSERT_EQ(last_rejection, Result::ok);
  run({make_cancel_order(kBob, 1, 0, 1001)});
  EXPECT_EQ(last_rejection, Result::order_not_found);  // Alice's id is not Bob's
  last_rejection = Result::ok;
  auto events = run({make_cancel_order(kBob, 1, 0, bob_id)});
  ASSERT_EQ(events[0].event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(events[0].order_ended.order, 2u);
  events = run({make_cancel_order(kAlice, 1, 0, 1001)});
  ASSERT_EQ(events[0].event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(events[0].order_ended.order, 1u);
  // And the other way round: the second of the pair leaves first.
  run({limit(kAlice, OrderSideCode::buy, 40'000'000'00, 1000'0000, OrderTif::gtc, 2002)});
  const uint64_t bob_id2 = (mix(kAlice) ^ mix(kBob) ^ (2002 * kK)) * inverse;
  run({limit(kBob, OrderSideCode::buy, 40'000'000'00, 1000'0000, OrderTif::gtc, bob_id2)});
  events = run({make_cancel_order(kAlice, 1, 0, 2002)});
  ASSERT_EQ(events[0].event_kind(), EventKind::order_cancelled);
  events = run({make_cancel_order(kBob, 1, 0, bob_id2)});
  ASSERT_EQ(events[0].event_kind(), EventKind::order_cancelled);
  EXPECT_EQ(account(kzt(kAlice)).locked_minor, 0);
  EXPECT_EQ(account(kzt(kBob)).locked_minor, 0);
}

}  // namespace
}  // namespace qz

namespace qz {
namespace {

TEST_F(ExchangeTest, TagOrderJournalsTheClientOrderIdTextAndChangesNothing) {
  const Hash256 before = engine.state_hash();
  Command tag = make_tag_order(kAlice, "x-TKT5PX2F0123456789abcdef012345");
  const auto events = run({tag, limit(kAlice, OrderSideCode::buy, 40'000'000'00, 5000'0000)});
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].event_kind(), EventKind::order_tagged);
  EXPECT_EQ(events[0].command_index, 0u);
  EXPECT_EQ(events[0].order_tagged.actor, kAlice);
  EXPECT_EQ(std::string(events[0].order_tagged.text, events[0].order_tagged.length),
            "x-TKT5PX2F0123456789abcdef012345");
  EXPECT_EQ(events[1].event_kind(), EventKind::order_accepted);

  // A tag alone moves nothing and opens nothing; a regulator does not name orders.
  EXPECT_NE(engine.state_hash(), before);
  const int64_t bob_kzt = account(kzt(kBob)).total_minor;
  const uint64_t next_order = engine.exchange().next_order_id();
  const auto alone = run({make_tag_order(kBob, "abc")});
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(alone[0].event_kind(), EventKind::order_tagged);
  EXPECT_EQ(account(kzt(kBob)).total_minor, bob_kzt);
  EXPECT_EQ(engine.exchange().next_order_id(), next_order);
  Command regulator = make_tag_order(kBob, "abc");
  regulator.role = static_cast<uint8_t>(Role::regulator);
  last_rejection = Result::ok;
  run({regulator});
  EXPECT_EQ(last_rejection, Result::actor_not_permitted);
  expect_conserved();
}

}  // namespace
}  // namespace qz
