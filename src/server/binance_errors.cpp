#include "server/binance_errors.h"

#include <array>
#include <cstdio>

#include "base/assert.h"

namespace qz::server {

namespace {

struct Row {
  BinanceErrorKind kind;
  int32_t code;
  uint16_t http_status;
  std::string_view message;
};

// One row per kind, in enum order (checked by row()).
constexpr std::array<Row, kBinanceErrorKindCount> kRows = {{
    {BinanceErrorKind::unknown, -1000, 500, "An unknown error occurred while processing the request."},
    {BinanceErrorKind::internal, -1001, 500, "Internal error; unable to process your request. Please try again."},
    {BinanceErrorKind::unauthorized, -1002, 401, "You are not authorized to execute this request."},
    {BinanceErrorKind::too_much_weight, -1003, 429,
     "Too much request weight used; current limit is %s request weight per %s. Please use WebSocket Streams for "
     "live updates to avoid polling the API."},
    {BinanceErrorKind::ip_banned, -1003, 418,
     "Way too much request weight used; IP banned until %s. Please use WebSocket Streams for live updates to avoid "
     "bans."},
    {BinanceErrorKind::too_many_orders, -1015, 429, "Too many new orders; current limit is %s orders per %s."},
    {BinanceErrorKind::unsupported_operation, -1020, 400, "This operation is not supported."},
    {BinanceErrorKind::timestamp_outside_window, -1021, 400,
     "Timestamp for this request is outside of the recvWindow."},
    {BinanceErrorKind::timestamp_ahead, -1021, 400,
     "Timestamp for this request was 1000ms ahead of the server's time."},
    {BinanceErrorKind::invalid_signature, -1022, 400, "Signature for this request is not valid."},
    {BinanceErrorKind::illegal_chars, -1100, 400, "Illegal characters found in a parameter."},
    {BinanceErrorKind::illegal_chars_in_param, -1100, 400,
     "Illegal characters found in parameter '%s'; legal range is '%s'."},
    {BinanceErrorKind::too_many_parameters, -1101, 400, "Too many parameters sent for this endpoint."},
    {BinanceErrorKind::duplicate_parameter, -1101, 400, "Duplicate values for a parameter detected."},
    {BinanceErrorKind::request_too_large, -1101, 400, "Request parameters are too large; limit is %s bytes."},
    {BinanceErrorKind::param_too_long, -1101, 400, "A parameter name or value is too long; limit is %s bytes."},
    {BinanceErrorKind::mandatory_param, -1102, 400,
     "Mandatory parameter '%s' was not sent, was empty/null, or malformed."},
    {BinanceErrorKind::param_either, -1102, 400, "Param '%s' or '%s' must be sent, but both were empty/null!"},
    {BinanceErrorKind::param_above_maximum, -1102, 400, "'%s' contains unexpected value. Cannot be greater than '%s'."},
    {BinanceErrorKind::unknown_param, -1103, 400, "An unknown parameter was sent."},
    {BinanceErrorKind::param_not_required, -1106, 400, "Parameter '%s' sent when not required."},
    {BinanceErrorKind::param_overflow, -1108, 400, "Parameter '%s' overflowed."},
    {BinanceErrorKind::bad_precision, -1111, 400, "Parameter '%s' has too much precision."},
    {BinanceErrorKind::tif_not_required, -1114, 400, "TimeInForce parameter sent when not required."},
    {BinanceErrorKind::invalid_tif, -1115, 400, "Invalid timeInForce."},
    {BinanceErrorKind::invalid_order_type, -1116, 400, "Invalid orderType."},
    {BinanceErrorKind::invalid_side, -1117, 400, "Invalid side."},
    {BinanceErrorKind::empty_new_client_order_id, -1118, 400, "New client order ID was empty."},
    {BinanceErrorKind::invalid_interval, -1120, 400, "Invalid interval."},
    {BinanceErrorKind::invalid_symbol, -1121, 400, "Invalid symbol."},
    {BinanceErrorKind::duplicate_symbols, -1151, 400, "Symbol is present multiple times in the list."},
    {BinanceErrorKind::filter_failure, -1013, 400, "Filter failure: %s"},
    {BinanceErrorKind::market_closed, -1013, 400, "Market is closed."},
    {BinanceErrorKind::order_rejected, -2010, 400, "%s"},
    {BinanceErrorKind::insufficient_balance, -2010, 400, "Account has insufficient balance for requested action."},
    {BinanceErrorKind::order_would_take, -2010, 400, "Order would immediately match and take."},
    {BinanceErrorKind::duplicate_order, -2010, 400, "Duplicate order sent."},
    {BinanceErrorKind::unknown_order, -2011, 400, "Unknown order sent."},
    {BinanceErrorKind::order_does_not_exist, -2013, 400, "Order does not exist."},
    {BinanceErrorKind::api_key_format_invalid, -2014, 401, "API-key format invalid."},
    {BinanceErrorKind::api_key_rejected, -2015, 401, "Invalid API-key, IP, or permissions for action."},
}};

const Row& row(BinanceErrorKind kind) {
  const auto index = static_cast<size_t>(kind);
  QZ_ASSERT_LT(index, kRows.size());
  QZ_ASSERT(kRows[index].kind == kind);
  return kRows[index];
}

uint8_t count_arguments(std::string_view text) {
  uint8_t count = 0;
  for (size_t at = text.find("%s"); at != std::string_view::npos; at = text.find("%s", at + 2)) count++;
  return count;
}

BinanceError build(BinanceErrorKind kind, std::string_view arg1, std::string_view arg2, uint8_t given) {
  const Row& r = row(kind);
  QZ_ASSERT_EQ(count_arguments(r.message), given);
  BinanceError error{.kind = kind, .code = r.code, .http_status = r.http_status, .message = {}};
  const std::string_view args[2] = {arg1, arg2};
  uint8_t next = 0;
  for (size_t i = 0; i < r.message.size(); i++) {
    if (r.message[i] == '%' && i + 1 < r.message.size() && r.message[i + 1] == 's') {
      error.message.append(args[next++]);
      i++;
    } else {
      error.message.push_back(r.message[i]);
    }
  }
  QZ_ASSERT_EQ(next, given);
  return error;
}

}  // namespace

int32_t binance_code(BinanceErrorKind kind) { return row(kind).code; }
uint16_t binance_http_status(BinanceErrorKind kind) { return row(kind).http_status; }
std::string_view binance_message_template(BinanceErrorKind kind) { return row(kind).message; }
uint8_t binance_argument_count(BinanceErrorKind kind) { return count_arguments(row(kind).message); }

BinanceError binance_error(BinanceErrorKind kind) { return build(kind, {}, {}, 0); }
BinanceError binance_error(BinanceErrorKind kind, std::string_view arg) { return build(kind, arg, {}, 1); }
BinanceError binance_error(BinanceErrorKind kind, std::string_view arg1, std::string_view arg2) {
  return build(kind, arg1, arg2, 2);
}

std::string BinanceError::json() const {
  std::string out = "{\"code\":" + std::to_string(code) + ",\"msg\":\"";
  for (const char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out.append(escaped);
    } else {
      out.push_back(c);
    }
  }
  out.append("\"}");
  return out;
}

}  // namespace qz::server
