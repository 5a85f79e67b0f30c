// exec's two stages without the binary: parse_input (syntax) and plan_exec (names, amounts, ids, markets, dry
// run), and chunk_plan (blocks never split a line).
#include "app/exec_plan.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "app/exec_input.h"
#include "engine/engine.h"

namespace qz::app {
namespace {

class FixedClock final : public Clock {
 public:
  uint64_t now_ns() override { return now_ns_ += 1'000; }

 private:
  uint64_t now_ns_ = 1'000'000;
};

// The state after genesis (what init_data_dir leaves), as snapshot bytes.
std::vector<uint8_t> genesis_snapshot() {
  Engine engine;
  std::vector<Event> events;
  engine.apply(BlockInput{.height = 0, .time_ns = 1, .commands = {}}, &events);
  std::vector<uint8_t> bytes;
  engine.write_snapshot(&bytes);
  return bytes;
}

Status plan(const std::string& text, ExecPlan* out) {
  std::vector<InputLine> lines;
  QZ_TRY(parse_input(text, &lines));
  FixedClock clock;
  return plan_exec(genesis_snapshot(), lines, &clock, out);
}

constexpr char kAccounts[] =
    R"({"cmd":"create_asset","code":"BTC","scale":8}
{"cmd":"open_account","owner":0,"asset":"BTC","kind":"issuance"}
{"cmd":"open_account","owner":5,"asset":"BTC","kind":"customer"}
)";

TEST(ExecInput, ParsesEveryFieldOfEveryCommand) {
  std::vector<InputLine> lines;
  const Status status = parse_input(
      R"({"cmd":"create_asset","code":"KZT","scale":2,"actor":9,"role":"central_bank","request_id":3}
{"cmd":"open_account","owner":1001,"asset":"KZT","kind":"escrow"}
{"cmd":"transfer","debit":1,"credit":2,"amount":"1250.00","reference":77}
{"cmd":"hold","account":2,"amount":"10.00","credit":3,"timeout_ms":60000,"reference":5}
{"cmd":"post","hold":1,"amount":"4.00","credit":3}
{"cmd":"void_hold","hold":1,"amount":"4.00"}
{"cmd":"linked","actor":4,"role":"customer","commands":[{"cmd":"transfer","debit":1,"credit":2,"amount":"1"},{"cmd":"post_hold","hold":2,"actor":6}]})",
      &lines);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(lines.size(), 7u);
  const CommandText& asset = lines[0].commands[0];
  EXPECT_EQ(asset.kind, CommandKind::create_asset);
  EXPECT_EQ(asset.code, "KZT");
  EXPECT_EQ(asset.scale, 2);
  EXPECT_EQ(asset.actor, 9u);
  EXPECT_EQ(asset.role, Role::central_bank);
  EXPECT_EQ(asset.request_id, 3u);
  EXPECT_EQ(lines[1].commands[0].account_kind, AccountKind::escrow);
  EXPECT_EQ(lines[1].commands[0].role, Role::operator_) << "role defaults to operator";
  EXPECT_EQ(lines[2].commands[0].amount, "1250.00");
  EXPECT_EQ(lines[2].commands[0].reference, 77u);
  EXPECT_EQ(lines[3].commands[0].timeout_ns, 60'000'000'000u);
  EXPECT_EQ(lines[3].commands[0].credit, 3u);
  EXPECT_TRUE(lines[4].commands[0].has_amount);
  EXPECT_EQ(lines[5].commands[0].kind, CommandKind::void_hold);
  EXPECT_TRUE(lines[5].commands[0].has_amount);
  EXPECT_EQ(lines[5].commands[0].amount, "4.00");
  ASSERT_TRUE(lines[6].linked);
  ASSERT_EQ(lines[6].commands.size(), 2u);
  EXPECT_EQ(lines[6].commands[0].actor, 4u) << "members inherit the group's actor";
  EXPECT_EQ(lines[6].commands[0].role, Role::customer);
  EXPECT_EQ(lines[6].commands[1].actor, 6u) << "a member's own actor wins";
  EXPECT_FALSE(lines[6].commands[1].has_amount);
  EXPECT_EQ(lines[6].commands[1].where, "commands[1]");
}

TEST(ExecInput, TimeoutThatOverflowsNanosecondsIsRefused) {
  std::vector<InputLine> lines;
  const Status status =
      parse_input(R"({"cmd":"hold","account":2,"amount":"1","timeout_ms":18446744073709551615})", &lines);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("line 1: \"timeout_ms\": is too large"), std::string::npos) << status.message();
}

// The server's /v1/cbdc routes: one object, the route's command, the actor from the API key.
TEST(ExecInput, FixedCommandTakesTheRoutesCommandAndNoIdentity) {
  InputLine line;
  // cmd may be left out, or name the route's command.
  Status status = parse_fixed_command(R"({"payer":3,"payee":4,"amount":"12.50","request_id":7})", "pay", &line);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(line.commands.size(), 1u);
  EXPECT_EQ(line.line_number, 0u);
  EXPECT_FALSE(line.linked);
  EXPECT_EQ(line.commands[0].kind, CommandKind::pay);
  EXPECT_EQ(line.commands[0].request_id, 7u);
  EXPECT_EQ(line.commands[0].money.pay.payer, 3u);
  EXPECT_EQ(line.commands[0].money.pay.amount_minor, 12'50);
  status = parse_fixed_command(R"({"cmd":"pay","payer":3,"payee":4,"amount":"1"})", "pay", &line);
  ASSERT_TRUE(status.is_ok()) << status.message();

  // A publish with lists becomes its parts and the head, linked, exactly as a file's line.
  status = parse_fixed_command(R"({"code":"FOOD","issuer_wallet":1,"categories":[5411,5912]})", "publish_program",
                               &line);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_TRUE(line.linked);
  ASSERT_EQ(line.commands.size(), 3u);
  EXPECT_EQ(line.commands[0].kind, CommandKind::program_terms);
  EXPECT_EQ(line.commands[1].kind, CommandKind::program_list);
  EXPECT_EQ(line.commands[2].kind, CommandKind::publish_program);
  std::vector<InputLine> lines;
  ASSERT_TRUE(
      parse_input(R"({"cmd":"publish_program","code":"FOOD","issuer_wallet":1,"categories":[5411,5912]})", &lines)
          .is_ok());
  for (size_t i = 0; i < line.commands.size(); i++) {
    EXPECT_EQ(0, std::memcmp(&line.commands[i].money, &lines[0].commands[i].money, sizeof(Command))) << i;
  }

  // Refusals name the field, without a line number.
  const std::pair<const char*, const char*> kRefused[] = {
      {R"({"cmd":"grant","payer":3,"payee":4,"amount":"1"})", R"("cmd": this route takes "pay", not "grant")"},
      {R"({"cmd":"linked","commands":[]})", R"("cmd": this route takes "pay", not "linked")"},
      {R"({"actor":5,"payer":3,"payee":4,"amount":"1"})", R"("actor": comes from the API key)"},
      {R"({"role":"operator","payer":3,"payee":4,"amount":"1"})", R"("role": comes from the API key)"},
      {R"({"payer":3,"payee":4})", R"("amount": is required but missing)"},
      {R"({"payer":3,"payee":4,"amount":1})", R"("amount": must be a decimal string)"},
      {R"({"payer":3,"payee":4,"amount":"1","tip":"2"})", R"("tip": is not a field of pay)"},
      {R"({"payer":3,)", "malformed JSON"},
      {R"([1,2])", "expected a JSON object, got an array"},
  };
  for (const auto& [text, expected] : kRefused) {
    status = parse_fixed_command(text, "pay", &line);
    ASSERT_FALSE(status.is_ok()) << text;
    EXPECT_NE(status.message().find(expected), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find("line "), std::string::npos) << status.message();
  }
}

TEST(ExecPlan, AmountsAreExactAtTheScaleOfTheDebitAccount) {
  ExecPlan out;
  const Status status =
      plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":1,"credit":2,"amount":"0.00012345"})", &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(out.commands.size(), 4u);
  EXPECT_EQ(out.commands[3].transfer.amount_minor, 12'345);
  EXPECT_EQ(out.origins[3].line_number, 4u);
  EXPECT_EQ(out.dry_run_rejections, 0u);
}

TEST(ExecPlan, VoidAmountIsAtTheScaleOfTheHeldAccountAndOptional) {
  ExecPlan out;
  const Status status = plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":1,"credit":2,"amount":"1"}
{"cmd":"hold","account":2,"amount":"0.5"}
{"cmd":"void","hold":1,"amount":"0.00000001"}
{"cmd":"void","hold":1}
)",
                             &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(out.commands.size(), 7u);
  EXPECT_EQ(out.commands[5].void_hold.hold, 1u);
  EXPECT_EQ(out.commands[5].void_hold.amount_minor, 1);
  EXPECT_EQ(out.commands[6].void_hold.amount_minor, 0) << "no amount: everything still held";
  EXPECT_EQ(out.dry_run_rejections, 0u);

  const Status refused = plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":1,"credit":2,"amount":"1"}
{"cmd":"hold","account":2,"amount":"0.5"}
{"cmd":"void","hold":1,"amount":"0.000000001"}
)",
                              &out);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("line 6: \"amount\": \"0.000000001\" has more decimals than BTC allows"),
            std::string::npos)
      << refused.message();
}

TEST(ExecPlan, BusinessRejectionsInTheDryRunAreNotErrors) {
  ExecPlan out;
  // A customer account cannot pay what it does not have: rejected when applied, but the file is valid.
  const Status status = plan(std::string(kAccounts) + R"({"cmd":"transfer","debit":2,"credit":1,"amount":"1"})", &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(out.dry_run_rejections, 1u);
}

TEST(ExecPlan, RejectedCreationLeavesLaterReferencesUnknown) {
  ExecPlan out;
  // Line 1's asset code is invalid, so the engine rejects it and line 2 names an asset that does not exist.
  const Status status = plan(R"({"cmd":"create_asset","code":"kzt","scale":2}
{"cmd":"open_account","owner":1,"asset":"kzt","kind":"customer"})",
                             &out);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("line 2: \"asset\": unknown asset \"kzt\""), std::string::npos) << status.message();
}

TEST(ExecPlan, LinkedGroupsSeeWhatEarlierMembersCreate) {
  ExecPlan out;
  const Status status = plan(
      R"({"cmd":"linked","commands":[{"cmd":"create_asset","code":"USDT","scale":6},{"cmd":"open_account","owner":0,"asset":"USDT","kind":"issuance"},{"cmd":"open_account","owner":1,"asset":"USDT","kind":"customer"},{"cmd":"hold","account":1,"credit":2,"amount":"2.5"},{"cmd":"post","hold":1,"amount":"0.000001"}]})",
      &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(out.commands.size(), 5u);
  for (size_t i = 0; i + 1 < out.commands.size(); i++) EXPECT_TRUE(out.commands[i].linked()) << i;
  EXPECT_FALSE(out.commands.back().linked());
  EXPECT_EQ(out.commands[1].open_account.asset, 1u);
  EXPECT_EQ(out.commands[3].hold.amount_minor, 2'500'000);
  EXPECT_EQ(out.commands[4].post_hold.amount_minor, 1);
  EXPECT_EQ(out.dry_run_rejections, 0u);
}

TEST(ExecPlan, HoldsPlacedEarlierInTheFileKeepTheirScaleAfterClosing) {
  ExecPlan out;
  const Status status = plan(std::string(kAccounts) + R"({"cmd":"hold","account":1,"credit":2,"amount":"1"}
{"cmd":"void","hold":1}
{"cmd":"post","hold":1,"amount":"0.5"})",
                             &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(out.commands.back().post_hold.amount_minor, 50'000'000);
}

// --- markets and orders ------------------------------------------------------------------------------------------

// The first error of parsing `text`, or "" when it parses.
std::string parse_error(const std::string& text) {
  std::vector<InputLine> lines;
  const Status status = parse_input(text, &lines);
  return status.is_ok() ? std::string() : status.message();
}

TEST(ExecInput, ParsesMarketAndOrderCommands) {
  std::vector<InputLine> lines;
  const Status status = parse_input(
      R"({"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":"100.00","lot_step":"0.01","min_qty":"0.01","max_qty":"100"}
{"cmd":"set_market_rules","market":1,"band_bps":1000,"min_notional":"1000.00","maker_fee_bps":10,"taker_fee_bps":20,"fee_account_base":4,"fee_account_quote":3}
{"cmd":"set_market_status","market":1,"status":"halted","reference_price":"45000000.00"}
{"cmd":"set_fee_tier","market":1,"index":1,"count":2,"min_30d_volume":"1000000.00","maker_fee_bps":8,"taker_fee_bps":16}
{"cmd":"place_order","actor":7,"role":"customer","market":1,"side":"SELL","type":"STOP_LOSS_LIMIT","timeInForce":"GTD","price":"44000000.00","stopPrice":"44500000.00","quantity":"0.5","goodTillDate":1700000000000000000,"selfTradePreventionMode":"EXPIRE_BOTH","clientOrderId":12}
{"cmd":"place_order","market":1,"side":"BUY","type":"MARKET","quoteOrderQty":"50000.00","request_id":13}
{"cmd":"place_order","market":1,"side":"BUY","type":"LIMIT_MAKER","price":"1","quantity":"2","icebergQty":"1"}
{"cmd":"cancel_order","market":1,"origClientOrderId":12}
{"cmd":"amend_order","market":1,"orderId":3,"newQty":"0.25"}
{"cmd":"cancel_all","market":1})",
      &lines);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(lines.size(), 10u);
  const CommandText& market = lines[0].commands[0];
  EXPECT_EQ(market.kind, CommandKind::create_market);
  EXPECT_EQ(market.base_asset, "BTC");
  EXPECT_EQ(market.quote_asset, "KZT");
  EXPECT_EQ(market.tick_size, "100.00");
  EXPECT_EQ(market.max_qty, "100");
  const CommandText& rules = lines[1].commands[0];
  EXPECT_EQ(rules.market, 1u);
  EXPECT_EQ(rules.band_bps, 1000u);
  EXPECT_EQ(rules.min_notional, "1000.00");
  EXPECT_EQ(rules.maker_fee_bps, 10u);
  EXPECT_EQ(rules.taker_fee_bps, 20u);
  EXPECT_EQ(rules.fee_account_base, 4u);
  EXPECT_EQ(rules.fee_account_quote, 3u);
  EXPECT_EQ(lines[2].commands[0].market_status, 2) << "halted";
  EXPECT_EQ(lines[2].commands[0].reference_price, "45000000.00");
  EXPECT_EQ(lines[3].commands[0].tier_index, 1);
  EXPECT_EQ(lines[3].commands[0].tier_count, 2);
  EXPECT_EQ(lines[3].commands[0].min_volume, "1000000.00");
  const CommandText& stop = lines[4].commands[0];
  EXPECT_EQ(stop.side, OrderSideCode::sell);
  EXPECT_EQ(stop.order_type, OrderType::stop_loss_limit);
  EXPECT_EQ(stop.time_in_force, OrderTif::gtd);
  EXPECT_EQ(stop.price, "44000000.00");
  EXPECT_EQ(stop.stop_price, "44500000.00");
  EXPECT_EQ(stop.quantity, "0.5");
  EXPECT_EQ(stop.good_till_ns, 1'700'000'000'000'000'000u);
  EXPECT_EQ(stop.self_trade_prevention, 3);
  EXPECT_EQ(stop.request_id, 12u) << "clientOrderId is the request id";
  EXPECT_EQ(stop.actor, 7u);
  const CommandText& by_quote = lines[5].commands[0];
  EXPECT_EQ(by_quote.order_type, OrderType::market_by_quote) << "MARKET with quoteOrderQty";
  EXPECT_EQ(by_quote.quantity, "50000.00");
  EXPECT_EQ(by_quote.time_in_force, OrderTif::none);
  EXPECT_EQ(by_quote.self_trade_prevention, 0) << "NONE by default";
  EXPECT_EQ(by_quote.request_id, 13u);
  EXPECT_EQ(lines[6].commands[0].order_type, OrderType::limit_maker);
  EXPECT_EQ(lines[6].commands[0].iceberg_qty, "1");
  EXPECT_EQ(lines[7].commands[0].kind, CommandKind::cancel_order);
  EXPECT_EQ(lines[7].commands[0].order_id, 0u);
  EXPECT_EQ(lines[7].commands[0].client_order_id, 12u);
  EXPECT_EQ(lines[8].commands[0].order_id, 3u);
  EXPECT_EQ(lines[8].commands[0].new_qty, "0.25");
  EXPECT_EQ(lines[9].commands[0].kind, CommandKind::cancel_all);
}

// One bad field per line, in the order parse_place_order and friends check them.
TEST(ExecInput, RefusesEveryBadMarketAndOrderField) {
  const std::string limit = R"("cmd":"place_order","market":1,"side":"BUY",)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"cmd":"place_order","side":"BUY","type":"LIMIT"})", R"("market": is required but missing)"},
      {R"({"cmd":"place_order","market":4294967296,"side":"BUY","type":"LIMIT"})", R"("market": must fit in 32 bits)"},
      {R"({"cmd":"place_order","market":1,"side":"buy","type":"LIMIT"})",
       R"("side": unknown value "buy" (one of: BUY, SELL))"},
      {R"({"cmd":"place_order","market":1,"side":"BUY"})", R"("type": is required but missing)"},
      {R"({"cmd":"place_order","market":1,"side":"BUY","type":"STOP"})",
       R"("type": unknown value "STOP" (one of: LIMIT, LIMIT_MAKER, MARKET, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT))"},
      {"{" + limit + R"("type":"LIMIT","selfTradePreventionMode":"EXPIRE"})",
       R"("selfTradePreventionMode": unknown value "EXPIRE" (one of: NONE, EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH))"},
      {"{" + limit + R"("type":"LIMIT","clientOrderId":1,"request_id":1})",
       R"("clientOrderId": and "request_id" are the same field)"},
      {"{" + limit + R"("type":"LIMIT","clientOrderId":-1})", R"("clientOrderId": must not be negative, got -1)"},
      {"{" + limit + R"("type":"LIMIT","quantity":"1","timeInForce":"GTC"})", R"("price": is required but missing)"},
      {"{" + limit + R"("type":"LIMIT","price":45000,"quantity":"1","timeInForce":"GTC"})",
       R"("price": must be a decimal string such as "12.50" (JSON numbers are not exact), got an integer)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","timeInForce":"GTC"})", R"("quantity": is required but missing)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTC","icebergQty":0.5})",
       R"("icebergQty": must be a decimal string)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTC","stopPrice":"1"})",
       R"("stopPrice": is not a field of a LIMIT order)"},
      {"{" + limit + R"("type":"STOP_LOSS_LIMIT","price":"1","quantity":"1","timeInForce":"GTC"})",
       R"("stopPrice": is required but missing)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1"})", R"("timeInForce": is required but missing)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"DAY"})",
       R"("timeInForce": unknown value "DAY" (one of: GTC, IOC, FOK, GTD))"},
      {"{" + limit + R"("type":"LIMIT_MAKER","price":"1","quantity":"1","timeInForce":"GTC"})",
       R"("timeInForce": is not a field of a LIMIT_MAKER order)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTC","goodTillDate":5})",
       R"("goodTillDate": is only for timeInForce GTD)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTD"})",
       R"("goodTillDate": is required with timeInForce GTD)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTD","goodTillDate":"5"})",
       R"("goodTillDate": must be a non-negative integer, got a string)"},
      {"{" + limit +
           R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTD","goodTillDate":5,"icebergQty":"1"})",
       R"("icebergQty": cannot be combined with timeInForce GTD)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTC","quoteOrderQty":"1"})",
       R"("quoteOrderQty": is not a field of a LIMIT order)"},
      {"{" + limit + R"("type":"MARKET","price":"1","quantity":"1"})", R"("price": is not a field of a MARKET order)"},
      {"{" + limit + R"("type":"MARKET","quantity":"1","timeInForce":"IOC"})",
       R"("timeInForce": is not a field of a MARKET order)"},
      {"{" + limit + R"("type":"MARKET","quantity":"1","quoteOrderQty":"1"})",
       R"("quoteOrderQty": and "quantity" cannot both be given)"},
      {"{" + limit + R"("type":"MARKET"})", R"("quantity": is required but missing (a MARKET order needs)"},
      {"{" + limit + R"("type":"MARKET","quoteOrderQty":100})", R"("quoteOrderQty": must be a decimal string)"},
      {"{" + limit + R"("type":"LIMIT","price":"1","quantity":"1","timeInForce":"GTC","icebergqty":"1"})",
       R"("icebergqty": is not a field of place_order)"},
      {R"({"cmd":"cancel_order","market":1})", R"("orderId": is required but missing)"},
      {R"({"cmd":"cancel_order","market":1,"orderId":1,"origClientOrderId":2})",
       R"("origClientOrderId": and "orderId" cannot both be given)"},
      {R"({"cmd":"cancel_order","market":1,"orderId":0})", R"("orderId": must be positive)"},
      {R"({"cmd":"cancel_order","market":1,"origClientOrderId":0})", R"("origClientOrderId": must be positive)"},
      {R"({"cmd":"cancel_order","orderId":1})", R"("market": is required but missing)"},
      {R"({"cmd":"amend_order","market":1,"orderId":1})", R"("newQty": is required but missing)"},
      {R"({"cmd":"amend_order","market":1,"orderId":1,"newQty":1})", R"("newQty": must be a decimal string)"},
      {R"({"cmd":"cancel_all","market":1,"orderId":1})", R"("orderId": is not a field of cancel_all)"},
      {R"({"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":100,"lot_step":"1","min_qty":"1","max_qty":"1"})",
       R"("tick_size": must be a decimal string)"},
      {R"({"cmd":"create_market","base":"BTC","tick_size":"1","lot_step":"1","min_qty":"1","max_qty":"1"})",
       R"("quote": is required but missing)"},
      {R"({"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":"1","lot_step":"1","min_qty":"1"})",
       R"("max_qty": is required but missing)"},
      {R"({"cmd":"set_market_rules","market":1,"taker_fee_bps":1,"fee_account_base":1,"fee_account_quote":2})",
       R"("maker_fee_bps": is required but missing)"},
      {R"({"cmd":"set_market_rules","market":1,"band_bps":-1,"maker_fee_bps":1,"taker_fee_bps":1,"fee_account_base":1,"fee_account_quote":2})",
       R"("band_bps": must not be negative, got -1)"},
      {R"({"cmd":"set_market_rules","market":1,"maker_fee_bps":1,"taker_fee_bps":1,"fee_account_base":1})",
       R"("fee_account_quote": is required but missing)"},
      {R"({"cmd":"set_market_status","market":1,"status":"open"})",
       R"("status": unknown value "open" (one of: trading, halted, closed))"},
      {R"({"cmd":"set_market_status","market":1,"status":"trading","reference_price":45000})",
       R"("reference_price": must be a decimal string)"},
      {R"({"cmd":"set_fee_tier","market":1,"index":256,"count":1,"maker_fee_bps":1,"taker_fee_bps":1})",
       R"("index": must fit in one byte (at most 255), got 256)"},
      {R"({"cmd":"set_fee_tier","market":1,"index":0,"maker_fee_bps":1,"taker_fee_bps":1})",
       R"("count": is required but missing)"},
      {R"({"cmd":"linked","commands":[{"cmd":"cancel_order","market":1,"orderId":1},{"cmd":"place_order","market":1,"side":"BUY","type":"LIMIT_MAKER","price":"1"}]})",
       R"("commands[1].quantity": is required but missing)"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string error = parse_error(text);
    EXPECT_NE(error.find("line 1: " + expected), std::string::npos) << text << "\n  gave: " << error;
  }
}

// BTC (scale 8) and KZT (scale 2); accounts 1-2 issuance KZT and BTC, 3-4 fee income KZT and BTC, 5-6 user 1001
// (KZT, BTC), 7-8 user 1002; market 1 trades BTC against KZT.
constexpr char kMarket[] =
    R"({"cmd":"create_asset","code":"KZT","scale":2}
{"cmd":"create_asset","code":"BTC","scale":8}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"issuance"}
{"cmd":"open_account","owner":0,"asset":"BTC","kind":"issuance"}
{"cmd":"open_account","owner":0,"asset":"KZT","kind":"fee_income"}
{"cmd":"open_account","owner":0,"asset":"BTC","kind":"fee_income"}
{"cmd":"open_account","owner":1001,"asset":"KZT","kind":"customer"}
{"cmd":"open_account","owner":1001,"asset":"BTC","kind":"customer"}
{"cmd":"open_account","owner":1002,"asset":"KZT","kind":"customer"}
{"cmd":"open_account","owner":1002,"asset":"BTC","kind":"customer"}
{"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":"100.00","lot_step":"0.01","min_qty":"0.01","max_qty":"100"}
)";

TEST(ExecPlan, MarketAmountsUseTheMarketScales) {
  ExecPlan out;
  const Status status = plan(std::string(kMarket) +
                                 R"({"cmd":"transfer","debit":1,"credit":5,"amount":"10000000.00"}
{"cmd":"transfer","debit":2,"credit":8,"amount":"1"}
{"cmd":"set_market_rules","market":1,"band_bps":1000,"min_notional":"1000.5","maker_fee_bps":10,"taker_fee_bps":20,"fee_account_base":4,"fee_account_quote":3}
{"cmd":"set_market_status","market":1,"status":"trading","reference_price":"45000000"}
{"cmd":"set_fee_tier","market":1,"index":1,"count":2,"min_30d_volume":"1000000.00","maker_fee_bps":8,"taker_fee_bps":16}
{"cmd":"place_order","actor":1002,"role":"customer","market":1,"side":"SELL","type":"TAKE_PROFIT_LIMIT","timeInForce":"GTC","price":"45000100.00","stopPrice":"46000000","quantity":"0.12","icebergQty":"0.02","selfTradePreventionMode":"EXPIRE_MAKER","clientOrderId":9}
{"cmd":"place_order","actor":1001,"role":"customer","market":1,"side":"BUY","type":"LIMIT","timeInForce":"GTD","price":"44000000.00","quantity":"0.1","goodTillDate":9000000000000000000}
{"cmd":"place_order","actor":1001,"role":"customer","market":1,"side":"BUY","type":"MARKET","quoteOrderQty":"50000.01"}
{"cmd":"place_order","actor":1001,"role":"customer","market":1,"side":"SELL","type":"MARKET","quantity":"0.00000001"}
{"cmd":"amend_order","actor":1002,"role":"customer","market":1,"origClientOrderId":9,"newQty":"0.1"}
{"cmd":"cancel_order","actor":1002,"role":"customer","market":1,"orderId":1}
{"cmd":"cancel_all","actor":1001,"role":"customer","market":1})",
                             &out);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(out.commands.size(), 23u);
  const CreateMarketPayload& market = out.commands[10].create_market;
  EXPECT_EQ(market.base, 2u);
  EXPECT_EQ(market.quote, 1u);
  EXPECT_EQ(market.tick_size, 100'00) << "a price: KZT minor units";
  EXPECT_EQ(market.lot_step, 1'000'000) << "a quantity: BTC minor units";
  EXPECT_EQ(market.min_qty, 1'000'000);
  EXPECT_EQ(market.max_qty, 100'00000000);
  const SetMarketRulesPayload& rules = out.commands[13].set_market_rules;
  EXPECT_EQ(rules.market, 1u);
  EXPECT_EQ(rules.min_notional, 1'000'50);
  EXPECT_EQ(rules.band_bps, 1000u);
  EXPECT_EQ(rules.fee_account_base, 4u);
  EXPECT_EQ(rules.fee_account_quote, 3u);
  EXPECT_EQ(out.commands[14].set_market_status.status, 1);
  EXPECT_EQ(out.commands[14].set_market_status.reference_price_minor, 45'000'000'00);
  EXPECT_EQ(out.commands[15].set_fee_tier.min_30d_volume_quote_minor, 1'000'000'00);
  EXPECT_EQ(out.commands[15].set_fee_tier.index, 1);
  EXPECT_EQ(out.commands[15].set_fee_tier.count, 2);

  const Command& sell = out.commands[16];
  EXPECT_EQ(sell.command_kind(), CommandKind::place_order);
  EXPECT_EQ(sell.actor, 1002u);
  EXPECT_EQ(sell.role, static_cast<uint8_t>(Role::customer));
  EXPECT_EQ(sell.request_id, 9u) << "clientOrderId";
  EXPECT_EQ(sell.place_order.market, 1u);
  EXPECT_EQ(sell.place_order.side, static_cast<uint8_t>(OrderSideCode::sell));
  EXPECT_EQ(sell.place_order.type, static_cast<uint8_t>(OrderType::take_profit_limit));
  EXPECT_EQ(sell.place_order.time_in_force, static_cast<uint8_t>(OrderTif::gtc));
  EXPECT_EQ(sell.place_order.self_trade_prevention, 2);
  EXPECT_EQ(sell.place_order.price_minor, 45'000'100'00);
  EXPECT_EQ(sell.place_order.stop_price_minor, 46'000'000'00);
  EXPECT_EQ(sell.place_order.qty_minor, 12'000'000);
  EXPECT_EQ(sell.place_order.aux, 2'000'000u) << "the iceberg's visible quantity";
  const PlaceOrderPayload& gtd = out.commands[17].place_order;
  EXPECT_EQ(gtd.time_in_force, static_cast<uint8_t>(OrderTif::gtd));
  EXPECT_EQ(gtd.qty_minor, 10'000'000);
  EXPECT_EQ(gtd.aux, 9'000'000'000'000'000'000u) << "the GTD expiry";
  const PlaceOrderPayload& by_quote = out.commands[18].place_order;
  EXPECT_EQ(by_quote.type, static_cast<uint8_t>(OrderType::market_by_quote));
  EXPECT_EQ(by_quote.qty_minor, 50'000'01) << "quoteOrderQty is a quote amount";
  EXPECT_EQ(by_quote.price_minor, 0);
  EXPECT_EQ(by_quote.time_in_force, 0);
  EXPECT_EQ(out.commands[19].place_order.type, static_cast<uint8_t>(OrderType::market));
  EXPECT_EQ(out.commands[19].place_order.qty_minor, 1);
  const AmendOrderPayload& amend = out.commands[20].amend_order;
  EXPECT_EQ(amend.order_id, 0u);
  EXPECT_EQ(amend.client_order_id, 9u);
  EXPECT_EQ(amend.new_qty_minor, 10'000'000);
  EXPECT_EQ(out.commands[21].cancel_order.order_id, 1u);
  EXPECT_EQ(out.commands[21].cancel_order.client_order_id, 0u);
  EXPECT_EQ(out.commands[22].command_kind(), CommandKind::cancel_all);
  EXPECT_EQ(out.commands[22].actor, 1001u);
  for (const Command& command : out.commands) EXPECT_EQ(validate_command(command), Result::ok);
  // The funded orders were accepted in the dry run: a take-profit waiting for its stop, a GTD buy resting.
  EXPECT_EQ(out.dry_run_rejections, 1u) << "only the market sell of 1 satoshi, which is not on the lot";
}

// Errors that need the state: the market, its scales, the assets and accounts named.
TEST(ExecPlan, RefusesMarketValuesTheStateCannotResolve) {
  const std::string order = R"({"cmd":"place_order","actor":1001,"role":"customer","side":"BUY",)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"cmd":"create_market","base":"ETH","quote":"KZT","tick_size":"1","lot_step":"1","min_qty":"1","max_qty":"1"})",
       R"("base": unknown asset "ETH" (assets: KZT, BTC))"},
      {R"({"cmd":"create_market","base":"BTC","quote":"USD","tick_size":"1","lot_step":"1","min_qty":"1","max_qty":"1"})",
       R"("quote": unknown asset "USD")"},
      {R"({"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":"0.001","lot_step":"1","min_qty":"1","max_qty":"1"})",
       R"("tick_size": "0.001" has more decimals than KZT allows (prices are in the quote asset KZT, scale 2))"},
      {R"({"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":"1","lot_step":"0.000000001","min_qty":"1","max_qty":"1"})",
       R"("lot_step": "0.000000001" has more decimals than BTC allows (quantities are in the base asset BTC, scale 8))"},
      {R"({"cmd":"create_market","base":"BTC","quote":"KZT","tick_size":"1","lot_step":"1","min_qty":"-1","max_qty":"1"})",
       R"("min_qty": "-1": )"},
      {R"({"cmd":"set_market_rules","market":2,"maker_fee_bps":1,"taker_fee_bps":1,"fee_account_base":4,"fee_account_quote":3})",
       R"("market": market 2 does not exist (markets are numbered 1 to 1))"},
      {R"({"cmd":"set_market_rules","market":1,"maker_fee_bps":1,"taker_fee_bps":1,"fee_account_base":40,"fee_account_quote":3})",
       R"("fee_account_base": account 40 does not exist (accounts are numbered 1 to 8))"},
      {R"({"cmd":"set_market_rules","market":1,"min_notional":"0.001","maker_fee_bps":1,"taker_fee_bps":1,"fee_account_base":4,"fee_account_quote":3})",
       R"("min_notional": "0.001" has more decimals than KZT allows (market 1 quote amounts are in KZT, scale 2))"},
      {R"({"cmd":"set_market_status","market":1,"status":"trading","reference_price":"1.001"})",
       R"("reference_price": "1.001" has more decimals than KZT allows (market 1 prices are in KZT, scale 2))"},
      {R"({"cmd":"set_fee_tier","market":1,"index":1,"count":2,"min_30d_volume":"1e6","maker_fee_bps":1,"taker_fee_bps":1})",
       R"("min_30d_volume": "1e6": )"},
      {order + R"("market":3,"type":"LIMIT","timeInForce":"GTC","price":"1","quantity":"1"})",
       R"("market": market 3 does not exist)"},
      {order + R"("market":1,"type":"LIMIT","timeInForce":"GTC","price":"45000000.001","quantity":"1"})",
       R"("price": "45000000.001" has more decimals than KZT allows (market 1 prices are in KZT, scale 2))"},
      {order + R"("market":1,"type":"LIMIT","timeInForce":"GTC","price":"1","quantity":"0.000000001"})",
       R"("quantity": "0.000000001" has more decimals than BTC allows (market 1 quantities are in BTC, scale 8))"},
      {order + R"("market":1,"type":"LIMIT","timeInForce":"GTC","price":"1","quantity":"99999999999"})",
       R"("quantity": "99999999999": )"},
      {order + R"("market":1,"type":"MARKET","quoteOrderQty":"0.001"})",
       R"("quoteOrderQty": "0.001" has more decimals than KZT allows (market 1 quote amounts are in KZT, scale 2))"},
      {order +
           R"("market":1,"type":"STOP_LOSS_LIMIT","timeInForce":"GTC","price":"1","stopPrice":"1.5.0","quantity":"1"})",
       R"("stopPrice": "1.5.0": )"},
      {order +
           R"("market":1,"type":"LIMIT","timeInForce":"GTC","price":"1","quantity":"1","icebergQty":"0.123456789"})",
       R"("icebergQty": "0.123456789" has more decimals than BTC allows)"},
      {R"({"cmd":"amend_order","market":1,"orderId":1,"newQty":"0.000000001"})",
       R"("newQty": "0.000000001" has more decimals than BTC allows)"},
      {R"({"cmd":"cancel_order","market":9,"orderId":1})", R"("market": market 9 does not exist)"},
      {R"({"cmd":"cancel_all","market":0})", R"("market": market 0 does not exist)"},
  };
  for (const auto& [text, expected] : cases) {
    ExecPlan out;
    const Status status = plan(std::string(kMarket) + text, &out);
    ASSERT_FALSE(status.is_ok()) << text;
    EXPECT_NE(status.message().find("line 12: " + expected), std::string::npos)
        << text << "\n  gave: " << status.message();
  }
  ExecPlan out;
  const Status none = plan(R"({"cmd":"cancel_all","market":1})", &out);
  ASSERT_FALSE(none.is_ok());
  EXPECT_NE(none.message().find("line 1: \"market\": market 1 does not exist (no markets exist)"), std::string::npos)
      << none.message();
}

// A market whose creation the engine rejects does not exist for later lines.
TEST(ExecPlan, RejectedMarketLeavesLaterOrdersUnresolved) {
  ExecPlan out;
  const Status status = plan(
      R"({"cmd":"create_asset","code":"KZT","scale":2}
{"cmd":"create_market","base":"KZT","quote":"KZT","tick_size":"1","lot_step":"1","min_qty":"1","max_qty":"1"}
{"cmd":"cancel_all","market":1})",
      &out);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("line 3: \"market\": market 1 does not exist (no markets exist)"), std::string::npos)
      << status.message();
}

TEST(ExecPlan, ChunksNeverSplitALine) {
  ExecPlan out;
  out.line_starts = {0, 3, 5, 9, 10};  // lines of 3, 2, 4, 1 and 6 commands
  out.commands.resize(16);
  const auto chunks = chunk_plan(out, 6);
  const std::vector<std::pair<size_t, size_t>> expected = {{0, 5}, {5, 10}, {10, 16}};
  EXPECT_EQ(chunks, expected);
  const auto single = chunk_plan(out, 100);
  EXPECT_EQ(single, (std::vector<std::pair<size_t, size_t>>{{0, 16}}));
  ExecPlan empty;
  EXPECT_TRUE(chunk_plan(empty, 10).empty());
}

}  // namespace
}  // namespace qz::app
