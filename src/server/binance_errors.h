// The Binance error table of the trading API (api/binance-spot-subset.md section 3): every `{code, msg}` reply the
// server sends, with its HTTP status and its exact message.
//
// A kind names one message; several kinds share a code (-1021 has two messages, -1102 four). Messages follow the
// venue's published texts byte for byte; '%s' marks an argument, filled in order by binance_error(). ccxt maps
// some errors by exact message text, so never edit a message without checking the contract. These codes are the
// server's own; they are not project result codes (docs/result-codes.md), which the routes map onto them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qz::server {

enum class BinanceErrorKind : uint8_t {
  unknown,                    // -1000 500
  internal,                   // -1001 500
  unauthorized,               // -1002 401  the key is valid but its role may not use this route
  too_much_weight,            // -1003 429  (limit, interval) e.g. ("6000", "1 MINUTE")
  ip_banned,                  // -1003 418  (ban end, ms since epoch)
  too_many_orders,            // -1015 429  (limit, interval) e.g. ("100", "10 SECOND")
  unsupported_operation,      // -1020 400
  timestamp_outside_window,   // -1021 400
  timestamp_ahead,            // -1021 400
  invalid_signature,          // -1022 400
  illegal_chars,              // -1100 400
  illegal_chars_in_param,     // -1100 400  (param, legal range)
  too_many_parameters,        // -1101 400
  duplicate_parameter,        // -1101 400
  request_too_large,          // -1101 400  (limit in bytes)      the server's own text: no venue message fits
  param_too_long,             // -1101 400  (limit in bytes)      the server's own text
  mandatory_param,            // -1102 400  (param)
  param_either,               // -1102 400  (param, param)
  param_above_maximum,        // -1102 400  (param, maximum)
  unknown_param,              // -1103 400
  param_not_required,         // -1106 400  (param)
  param_overflow,             // -1108 400  (param)
  bad_precision,              // -1111 400  (param)
  tif_not_required,           // -1114 400
  invalid_tif,                // -1115 400
  invalid_order_type,         // -1116 400
  invalid_side,               // -1117 400
  empty_new_client_order_id,  // -1118 400
  invalid_interval,           // -1120 400
  invalid_symbol,             // -1121 400
  duplicate_symbols,          // -1151 400
  filter_failure,             // -1013 400  (filter) e.g. "PRICE_FILTER"
  market_closed,              // -1013 400
  order_rejected,             // -2010 400  (free text)
  insufficient_balance,       // -2010 400
  order_would_take,           // -2010 400
  duplicate_order,            // -2010 400
  unknown_order,              // -2011 400
  order_does_not_exist,       // -2013 400
  api_key_format_invalid,     // -2014 401
  api_key_rejected,           // -2015 401
};
inline constexpr uint8_t kBinanceErrorKindCount = static_cast<uint8_t>(BinanceErrorKind::api_key_rejected) + 1;

// One reply: HTTP status, code and the message with its arguments filled in.
struct BinanceError {
  BinanceErrorKind kind = BinanceErrorKind::unknown;
  int32_t code = 0;
  uint16_t http_status = 0;
  std::string message;

  // The reply body: {"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}
  std::string json() const;
  friend bool operator==(const BinanceError&, const BinanceError&) = default;
};

int32_t binance_code(BinanceErrorKind kind);
uint16_t binance_http_status(BinanceErrorKind kind);
// The message as published, with '%s' where arguments go.
std::string_view binance_message_template(BinanceErrorKind kind);
// How many '%s' the template holds (0, 1 or 2).
uint8_t binance_argument_count(BinanceErrorKind kind);

// Builds the reply. The number of arguments must match the template (asserted: a mismatch is a programming error).
BinanceError binance_error(BinanceErrorKind kind);
BinanceError binance_error(BinanceErrorKind kind, std::string_view arg);
BinanceError binance_error(BinanceErrorKind kind, std::string_view arg1, std::string_view arg2);

}  // namespace qz::server
