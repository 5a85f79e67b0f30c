// The Binance error table (server/binance_errors.h) against the contract (api/binance-spot-subset.md section 3):
// codes, HTTP statuses and messages byte for byte, and the reply body.
#include "server/binance_errors.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace qz::server {
namespace {

TEST(BinanceErrors, ContractMessagesByteForByte) {
  struct Case {
    BinanceError error;
    int32_t code;
    uint16_t status;
    const char* message;
  };
  const Case cases[] = {
      {binance_error(BinanceErrorKind::timestamp_outside_window), -1021, 400,
       "Timestamp for this request is outside of the recvWindow."},
      {binance_error(BinanceErrorKind::timestamp_ahead), -1021, 400,
       "Timestamp for this request was 1000ms ahead of the server's time."},
      {binance_error(BinanceErrorKind::invalid_signature), -1022, 400, "Signature for this request is not valid."},
      {binance_error(BinanceErrorKind::api_key_format_invalid), -2014, 401, "API-key format invalid."},
      {binance_error(BinanceErrorKind::api_key_rejected), -2015, 401,
       "Invalid API-key, IP, or permissions for action."},
      {binance_error(BinanceErrorKind::invalid_symbol), -1121, 400, "Invalid symbol."},
      {binance_error(BinanceErrorKind::mandatory_param, "price"), -1102, 400,
       "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
      {binance_error(BinanceErrorKind::filter_failure, "PRICE_FILTER"), -1013, 400, "Filter failure: PRICE_FILTER"},
      {binance_error(BinanceErrorKind::filter_failure, "LOT_SIZE"), -1013, 400, "Filter failure: LOT_SIZE"},
      {binance_error(BinanceErrorKind::filter_failure, "NOTIONAL"), -1013, 400, "Filter failure: NOTIONAL"},
      {binance_error(BinanceErrorKind::insufficient_balance), -2010, 400,
       "Account has insufficient balance for requested action."},
      {binance_error(BinanceErrorKind::order_would_take), -2010, 400, "Order would immediately match and take."},
      {binance_error(BinanceErrorKind::duplicate_order), -2010, 400, "Duplicate order sent."},
      {binance_error(BinanceErrorKind::order_rejected, "free text"), -2010, 400, "free text"},
      {binance_error(BinanceErrorKind::market_closed), -1013, 400, "Market is closed."},
      {binance_error(BinanceErrorKind::unknown_order), -2011, 400, "Unknown order sent."},
      {binance_error(BinanceErrorKind::order_does_not_exist), -2013, 400, "Order does not exist."},
      {binance_error(BinanceErrorKind::too_much_weight, "6000", "1 MINUTE"), -1003, 429,
       "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket "
       "Streams for live updates to avoid polling the API."},
      {binance_error(BinanceErrorKind::ip_banned, "1700000120000"), -1003, 418,
       "Way too much request weight used; IP banned until 1700000120000. Please use WebSocket Streams for live "
       "updates to avoid bans."},
      {binance_error(BinanceErrorKind::too_many_orders, "100", "10 SECOND"), -1015, 429,
       "Too many new orders; current limit is 100 orders per 10 SECOND."},
      {binance_error(BinanceErrorKind::param_above_maximum, "recvWindow", "60000"), -1102, 400,
       "'recvWindow' contains unexpected value. Cannot be greater than '60000'."},
      {binance_error(BinanceErrorKind::param_either, "quantity", "quoteOrderQty"), -1102, 400,
       "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"},
      {binance_error(BinanceErrorKind::param_not_required, "timeInForce"), -1106, 400,
       "Parameter 'timeInForce' sent when not required."},
      {binance_error(BinanceErrorKind::bad_precision, "quantity"), -1111, 400,
       "Parameter 'quantity' has too much precision."},
      {binance_error(BinanceErrorKind::invalid_tif), -1115, 400, "Invalid timeInForce."},
      {binance_error(BinanceErrorKind::invalid_order_type), -1116, 400, "Invalid orderType."},
      {binance_error(BinanceErrorKind::invalid_side), -1117, 400, "Invalid side."},
      {binance_error(BinanceErrorKind::invalid_interval), -1120, 400, "Invalid interval."},
      {binance_error(BinanceErrorKind::internal), -1001, 500,
       "Internal error; unable to process your request. Please try again."},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.error.code, c.code) << c.message;
    EXPECT_EQ(c.error.http_status, c.status) << c.message;
    EXPECT_EQ(c.error.message, c.message);
  }
}

TEST(BinanceErrors, EveryKindIsConsistent) {
  std::set<std::string> templates;
  for (uint8_t i = 0; i < kBinanceErrorKindCount; i++) {
    const auto kind = static_cast<BinanceErrorKind>(i);
    EXPECT_LT(binance_code(kind), 0) << int{i};
    const uint16_t status = binance_http_status(kind);
    EXPECT_TRUE(status == 400 || status == 401 || status == 418 || status == 429 || status == 500) << int{i};
    EXPECT_TRUE(templates.insert(std::string(binance_message_template(kind))).second)
        << "two kinds share a message: " << binance_message_template(kind);
    // Building with the template's own argument count fills every '%s'.
    BinanceError error;
    switch (binance_argument_count(kind)) {
      case 0: error = binance_error(kind); break;
      case 1: error = binance_error(kind, "X"); break;
      case 2: error = binance_error(kind, "X", "Y"); break;
      default: FAIL() << "more than two arguments";
    }
    EXPECT_EQ(error.kind, kind);
    EXPECT_EQ(error.message.find("%s"), std::string::npos) << error.message;
    EXPECT_FALSE(error.message.empty());
  }
}

TEST(BinanceErrors, ReplyBodyIsJson) {
  EXPECT_EQ(binance_error(BinanceErrorKind::invalid_signature).json(),
            R"({"code":-1022,"msg":"Signature for this request is not valid."})");
  EXPECT_EQ(binance_error(BinanceErrorKind::timestamp_ahead).json(),
            R"({"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."})");
  // Quotes, backslashes and control bytes in an argument stay valid JSON.
  EXPECT_EQ(binance_error(BinanceErrorKind::order_rejected, "a\"b\\c\n\x01").json(),
            R"({"code":-2010,"msg":"a\"b\\c\u000a\u0001"})");
  EXPECT_EQ(binance_error(BinanceErrorKind::illegal_chars_in_param, "symbols", R"(^\[\]$)").json(),
            R"({"code":-1100,"msg":"Illegal characters found in parameter 'symbols'; legal range is '^\\[\\]$'."})");
}

}  // namespace
}  // namespace qz::server
