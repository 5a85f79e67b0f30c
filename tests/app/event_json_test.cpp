// event_json for market and order events: amounts at the market's scales, names for sides, types and reasons,
// and the directory that follows the events (which order spends what).
#include "app/event_json.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "app/market_directory.h"
#include "engine/engine.h"

namespace qz::app {
namespace {

Event make(EventKind kind) {
  Event event;
  std::memset(&event, 0, sizeof event);
  event.kind = static_cast<uint16_t>(kind);
  return event;
}

// KZT (asset 1, scale 2) and BTC (asset 2, scale 8).
class EventJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Event> events;
    engine_.apply(BlockInput{.height = 0, .time_ns = 1, .commands = {}}, &events);
    const std::vector<Command> assets = {make_create_asset("KZT", 2), make_create_asset("BTC", 8)};
    engine_.apply(BlockInput{.height = 1, .time_ns = 2, .commands = assets}, &events);
    ASSERT_EQ(engine_.ledger().asset_count(), 2u);
  }

  std::string json(const Event& event) { return event_json(event, 7, nullptr, engine_.ledger(), &markets_); }

  // market 1: BTC against KZT, tick 100.00, lot 0.01
  Event market_created() {
    Event event = make(EventKind::market_created);
    event.market_created = MarketCreatedPayload{.market = 1,
                                                .base = 2,
                                                .quote = 1,
                                                .zero = 0,
                                                .tick_size = 100'00,
                                                .lot_step = 1'000'000,
                                                .min_qty = 1'000'000,
                                                .max_qty = 100'00000000};
    return event;
  }

  Engine engine_;
  MarketDirectory markets_;
};

TEST_F(EventJsonTest, MarketEventsUseTheQuoteScaleForPricesAndTheBaseScaleForQuantities) {
  EXPECT_EQ(json(market_created()),
            R"({"event":"market_created","height":7,"code":0,"result":"ok","market":1,"symbol":"BTCKZT","base":"BTC",)"
            R"("quote":"KZT","tick_size":"100.00","lot_step":"0.01000000","min_qty":"0.01000000",)"
            R"("max_qty":"100.00000000"})");
  ASSERT_NE(markets_.market(1), nullptr) << "the directory learned the market from its event";

  Event rules = make(EventKind::market_rules_set);
  rules.market_rules_set = MarketRulesSetPayload{.market = 1,
                                                 .band_bps = 1000,
                                                 .maker_fee_bps = 10,
                                                 .taker_fee_bps = 20,
                                                 .min_notional = 1'000'00,
                                                 .fee_account_base = 4,
                                                 .fee_account_quote = 3,
                                                 .zero = {}};
  EXPECT_EQ(json(rules),
            R"({"event":"market_rules_set","height":7,"code":0,"result":"ok","market":1,"symbol":"BTCKZT",)"
            R"("band_bps":1000,"min_notional":"1000.00","maker_fee_bps":10,"taker_fee_bps":20,"fee_account_base":4,)"
            R"("fee_account_quote":3})");

  Event status = make(EventKind::market_status_changed);
  status.market_status_changed.market = 1;
  status.market_status_changed.status = 1;
  status.market_status_changed.previous_status = 2;
  status.market_status_changed.reference_price_minor = 45'000'000'00;
  EXPECT_EQ(json(status),
            R"({"event":"market_status_changed","height":7,"code":0,"result":"ok","market":1,"symbol":"BTCKZT",)"
            R"("status":"trading","previous_status":"halted","reference_price":"45000000.00","orders_cancelled":0})");

  Event tier = make(EventKind::fee_tier_set);
  tier.fee_tier_set.market = 1;
  tier.fee_tier_set.index = 1;
  tier.fee_tier_set.count = 2;
  tier.fee_tier_set.min_30d_volume_quote_minor = 1'000'000'00;
  tier.fee_tier_set.maker_fee_bps = 8;
  tier.fee_tier_set.taker_fee_bps = 16;
  EXPECT_EQ(json(tier),
            R"({"event":"fee_tier_set","height":7,"code":0,"result":"ok","market":1,"symbol":"BTCKZT","index":1,)"
            R"("count":2,"min_30d_volume":"1000000.00","maker_fee_bps":8,"taker_fee_bps":16})");

  Event candle = make(EventKind::candle_closed);
  candle.command_index = kNoCommand;
  candle.candle_closed = CandleClosedPayload{.market = 1,
                                             .interval = 1,
                                             .zero = {},
                                             .open_time_ms = 60'000,
                                             .open_price_minor = 45'000'000'00,
                                             .high_price_minor = 45'100'000'00,
                                             .low_price_minor = 44'900'000'00,
                                             .close_price_minor = 45'000'100'00};
  EXPECT_EQ(json(candle),
            R"({"event":"candle_closed","height":7,"code":0,"result":"ok","market":1,"symbol":"BTCKZT",)"
            R"("interval":"1m","open_time_ms":60000,"open":"45000000.00","high":"45100000.00","low":"44900000.00",)"
            R"("close":"45000100.00"})");
}

TEST_F(EventJsonTest, OrderEventsPrintSpentAmountsInTheAssetTheirSideSpends) {
  (void)json(market_created());

  Event accepted = make(EventKind::order_accepted);
  accepted.order_accepted = OrderAcceptedPayload{.order = 1,
                                                 .market = 1,
                                                 .side = 2,
                                                 .type = 1,
                                                 .time_in_force = 1,
                                                 .self_trade_prevention = 2,
                                                 .price_minor = 45'000'000'00,
                                                 .qty_minor = 10'000'000,
                                                 .account = 3,
                                                 .reserved_minor = 10'020'000};
  EXPECT_EQ(json(accepted),
            R"({"event":"order_accepted","height":7,"code":0,"result":"ok","order":1,"market":1,"symbol":"BTCKZT",)"
            R"("side":"SELL","type":"LIMIT","time_in_force":"GTC","stp":"EXPIRE_MAKER","price":"45000000.00",)"
            R"("quantity":"0.10000000","account":3,"reserved":"0.10020000","reserved_asset":"BTC"})");

  Event rested = make(EventKind::order_rested);
  rested.order_rested = OrderRestedPayload{.order = 1,
                                           .market = 1,
                                           .side = 2,
                                           .zero = {},
                                           .price_minor = 45'000'000'00,
                                           .visible_qty_minor = 2'000'000,
                                           .remaining_qty_minor = 10'000'000,
                                           .zero2 = {}};
  EXPECT_EQ(json(rested),
            R"({"event":"order_rested","height":7,"code":0,"result":"ok","order":1,"market":1,"symbol":"BTCKZT",)"
            R"("side":"SELL","price":"45000000.00","visible_qty":"0.02000000","remaining_qty":"0.10000000"})");

  // A market buy (order 2) by quote amount: no time in force.
  Event taker = make(EventKind::order_accepted);
  taker.order_accepted = OrderAcceptedPayload{.order = 2,
                                              .market = 1,
                                              .side = 1,
                                              .type = 4,
                                              .time_in_force = 0,
                                              .self_trade_prevention = 0,
                                              .price_minor = 49'500'000'00,
                                              .qty_minor = 4'000'000,
                                              .account = 4,
                                              .reserved_minor = 1'803'600'00};
  const std::string taker_json = json(taker);
  EXPECT_NE(taker_json.find(R"("side":"BUY","type":"MARKET_BY_QUOTE","stp":"NONE","price":"49500000.00")"),
            std::string::npos)
      << taker_json;
  EXPECT_NE(taker_json.find(R"("reserved":"1803600.00","reserved_asset":"KZT")"), std::string::npos)
      << taker_json;

  Event trade = make(EventKind::trade);
  trade.trade = TradePayload{.trade = 1,
                             .market = 1,
                             .taker_side = 1,
                             .zero = {},
                             .price_minor = 45'000'000'00,
                             .qty_minor = 4'000'000,
                             .maker_order = 1,
                             .taker_order = 2};
  EXPECT_EQ(json(trade),
            R"({"event":"trade","height":7,"code":0,"result":"ok","trade":1,"market":1,"symbol":"BTCKZT",)"
            R"("price":"45000000.00","quantity":"0.04000000","taker_side":"BUY","maker_order":1,"taker_order":2})");

  // The maker sold: its fee is in BTC; the taker bought: in KZT.
  Event maker_fill = make(EventKind::order_filled);
  maker_fill.order_filled = OrderFilledPayload{.order = 1,
                                               .trade = 1,
                                               .qty_minor = 4'000'000,
                                               .quote_qty_minor = 1'800'000'00,
                                               .fee_minor = 4'000,
                                               .remaining_qty_minor = 6'000'000};
  EXPECT_EQ(json(maker_fill),
            R"({"event":"order_filled","height":7,"code":0,"result":"ok","order":1,"trade":1,"market":1,)"
            R"("symbol":"BTCKZT","side":"SELL","quantity":"0.04000000","quote_qty":"1800000.00","fee":"0.00004000",)"
            R"("fee_asset":"BTC","remaining_qty":"0.06000000"})");
  Event taker_fill = make(EventKind::order_filled);
  taker_fill.order_filled = OrderFilledPayload{.order = 2,
                                               .trade = 1,
                                               .qty_minor = 4'000'000,
                                               .quote_qty_minor = 1'800'000'00,
                                               .fee_minor = 3'600'00,
                                               .remaining_qty_minor = 0};
  const std::string taker_fill_json = json(taker_fill);
  EXPECT_NE(taker_fill_json.find(R"("side":"BUY","quantity":"0.04000000","quote_qty":"1800000.00","fee":"3600.00",)"
                                 R"("fee_asset":"KZT","remaining_qty":"0.00000000")"),
            std::string::npos)
      << taker_fill_json;
  ASSERT_NE(markets_.order(1), nullptr) << "a partly filled order stays";
  EXPECT_EQ(markets_.order(1)->side, 2);
  EXPECT_EQ(markets_.order(2), nullptr) << "a filled order leaves";
  EXPECT_NE(markets_.filled_order(2, 1), nullptr) << "but trade 1 still tells its fills";
  EXPECT_EQ(markets_.filled_order(2, 2), nullptr) << "another trade's fill does not";

  Event amended = make(EventKind::order_amended);
  amended.order_amended.order = 1;
  amended.order_amended.market = 1;
  amended.order_amended.new_qty_minor = 8'000'000;
  amended.order_amended.remaining_qty_minor = 4'000'000;
  amended.order_amended.released_minor = 2'004'000;
  EXPECT_EQ(json(amended),
            R"({"event":"order_amended","height":7,"code":0,"result":"ok","order":1,"market":1,"symbol":"BTCKZT",)"
            R"("new_qty":"0.08000000","remaining_qty":"0.04000000","released":"0.02004000","released_asset":"BTC"})");

  Event triggered = make(EventKind::order_triggered);
  triggered.order_triggered.order = 1;
  triggered.order_triggered.market = 1;
  triggered.order_triggered.stop_price_minor = 44'000'000'00;
  triggered.order_triggered.last_price_minor = 43'999'900'00;
  EXPECT_EQ(json(triggered),
            R"({"event":"order_triggered","height":7,"code":0,"result":"ok","order":1,"market":1,"symbol":"BTCKZT",)"
            R"("stop_price":"44000000.00","last_price":"43999900.00"})");

  Event level = make(EventKind::level_changed);
  level.level_changed = LevelChangedPayload{.market = 1,
                                            .side = 2,
                                            .zero = {},
                                            .update_id = 3,
                                            .price_minor = 45'000'000'00,
                                            .total_qty_minor = 2'000'000,
                                            .order_count = 1,
                                            .zero2 = {}};
  EXPECT_EQ(json(level),
            R"({"event":"level_changed","height":7,"code":0,"result":"ok","market":1,"symbol":"BTCKZT",)"
            R"("side":"SELL","update_id":3,"price":"45000000.00","total_qty":"0.02000000","order_count":1})");

  Event cancelled = make(EventKind::order_cancelled);
  cancelled.order_ended = OrderEndedPayload{.order = 1,
                                            .market = 1,
                                            .reason = 1,
                                            .zero = {},
                                            .remaining_qty_minor = 4'000'000,
                                            .executed_qty_minor = 4'000'000,
                                            .released_minor = 4'008'000,
                                            .account = 3};
  EXPECT_EQ(json(cancelled),
            R"({"event":"order_cancelled","height":7,"code":0,"result":"ok","order":1,"market":1,"symbol":"BTCKZT",)"
            R"("reason":"by_owner","remaining_qty":"0.04000000","executed_qty":"0.04000000","released":"0.04008000",)"
            R"("released_asset":"BTC","account":3})");
  EXPECT_EQ(markets_.order(1), nullptr) << "an ended order leaves the directory";
}

TEST_F(EventJsonTest, UnknownOrdersAndMarketsPrintMinorUnits) {
  (void)json(market_created());
  // Order 9 was never seen: the market is known but not the side, so the released amount has no asset.
  Event expired = make(EventKind::order_expired);
  expired.order_ended = OrderEndedPayload{.order = 9,
                                          .market = 1,
                                          .reason = 13,
                                          .zero = {},
                                          .remaining_qty_minor = 1'000'000,
                                          .executed_qty_minor = 0,
                                          .released_minor = 45'090'00,
                                          .account = 5};
  EXPECT_EQ(json(expired),
            R"({"event":"order_expired","height":7,"code":0,"result":"ok","order":9,"market":1,"symbol":"BTCKZT",)"
            R"("reason":"good_till_date","remaining_qty":"0.01000000","executed_qty":"0.00000000",)"
            R"("released_minor":4509000,"account":5})");

  // Without a directory (the demo's call) nothing is scaled.
  Event trade = make(EventKind::trade);
  trade.trade = TradePayload{.trade = 4,
                             .market = 1,
                             .taker_side = 2,
                             .zero = {},
                             .price_minor = 45'000'000'00,
                             .qty_minor = 1'000'000,
                             .maker_order = 1,
                             .taker_order = 2};
  EXPECT_EQ(event_json(trade, 7, nullptr, engine_.ledger()),
            R"({"event":"trade","height":7,"code":0,"result":"ok","trade":4,"market":1,"price_minor":4500000000,)"
            R"("quantity_minor":1000000,"taker_side":"SELL","maker_order":1,"taker_order":2})");
}

TEST(OrderNames, EveryReasonSideTypeAndModeHasAName) {
  const std::vector<std::pair<uint8_t, const char*>> reasons = {
      {1, "by_owner"},          {2, "cancel_all"},        {3, "replaced"},          {4, "market_closed"},
      {10, "ioc_remainder"},    {11, "fok_not_filled"},   {12, "market_remainder"}, {13, "good_till_date"},
      {14, "self_trade_taker"}, {15, "self_trade_maker"}, {16, "client_frozen"},    {17, "client_offboarded"},
      {18, "client_not_active"}, {19, "unknown"},        {0, "unknown"}};
  for (const auto& [reason, name] : reasons) EXPECT_STREQ(order_end_reason_name(reason), name) << int{reason};
  EXPECT_STREQ(order_side_name(1), "BUY");
  EXPECT_STREQ(order_side_name(2), "SELL");
  EXPECT_STREQ(order_side_name(3), "");
  EXPECT_STREQ(order_type_name(2), "LIMIT_MAKER");
  EXPECT_STREQ(order_type_name(6), "TAKE_PROFIT_LIMIT");
  EXPECT_STREQ(order_type_name(7), "");
  EXPECT_STREQ(order_tif_name(0), "");
  EXPECT_STREQ(order_tif_name(3), "FOK");
  EXPECT_STREQ(order_tif_name(4), "GTD");
  EXPECT_STREQ(stp_mode_name(0), "NONE");
  EXPECT_STREQ(stp_mode_name(3), "EXPIRE_BOTH");
  EXPECT_STREQ(stp_mode_name(4), "");
  EXPECT_STREQ(market_status_name(3), "closed");
  EXPECT_STREQ(market_status_name(0), "");
}

}  // namespace
}  // namespace qz::app
