// Request parameters of the trading API (api/binance-spot-subset.md section 2.1): the query string and an
// application/x-www-form-urlencoded body, parsed into name/value pairs and merged, with the raw text kept so that
// the signature is checked over the exact bytes received (section 2.3).
//
// Rules:
// - Each source is split on '&'; empty segments are skipped; a segment without '=' is a name with an empty value.
// - Names and values are percent-decoded exactly: '%' must be followed by two hex digits (either case), anything
//   else is an error, never kept as text. In the body '+' means a space (form encoding); in the query string '+'
//   is kept as '+' (RFC 3986 gives it no meaning there). Decoded bytes are not otherwise restricted; the typed
//   readers below check each parameter's legal range.
// - A name twice in one source is an error (-1101); a name in both sources takes the query's value (contract 2.1).
// - Limits (ParamLimits): total raw bytes, parameter count over both sources, decoded name and value length.
//   Size is checked before any parsing, so the work per request is bounded.
// - totalParams (the signed bytes) = raw query without its `signature=...` segment, then the raw body without its
//   own, no separator. The signature must be the final segment of the source holding it and may appear in only
//   one source; otherwise signature_placement_ok() is false and authentication answers -1022.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/binance_errors.h"

namespace qz::server {

struct ParamLimits {
  uint32_t max_total_bytes = 16384;  // raw query + raw body
  uint32_t max_params = 64;          // segments over both sources, before merging
  uint32_t max_name_bytes = 64;      // decoded
  uint32_t max_value_bytes = 8192;   // decoded
};

enum class ParamError : uint8_t {
  ok = 0,
  too_large = 1,  // raw query + body above max_total_bytes
  too_many = 2,   // more than max_params segments
  name_too_long = 3,
  value_too_long = 4,
  bad_escape = 5,  // '%' not followed by two hex digits
  empty_name = 6,  // "=value"
  duplicate = 7,   // the same name twice in one source
};
const char* param_error_name(ParamError error);  // "bad_escape"

struct Param {
  std::string name;
  std::string value;
  friend bool operator==(const Param&, const Param&) = default;
};

class RequestParams {
 public:
  // Parses both sources. On failure returns the error, leaves *out empty, and the Binance reply (-1100 for an
  // escape or an empty name, -1101 for size, count and duplicates) is binance_error_for(error, limits).
  [[nodiscard]] static ParamError parse(std::string_view raw_query, std::string_view raw_body,
                                        const ParamLimits& limits, RequestParams* out);

  // Merged parameters: the query's in arrival order, then the body's whose names the query does not hold.
  const std::vector<Param>& all() const { return params_; }
  // The value of `name`, or nullptr when it was not sent.
  const std::string* find(std::string_view name) const;

  std::string_view raw_query() const { return raw_query_; }
  std::string_view raw_body() const { return raw_body_; }

  // The signed bytes (totalParams): the query's part, then the body's, read in place.
  struct SignedParts {
    std::string_view query;
    std::string_view body;
  };
  SignedParts signed_parts() const;
  // The same bytes in one string.
  std::string total_params() const;
  bool has_signature() const { return signature_source_ != Source::none; }
  // Decoded signature value; empty when absent.
  const std::string& signature() const { return signature_; }
  bool signature_placement_ok() const { return signature_placement_ok_; }

 private:
  enum class Source : uint8_t { none, query, body };
  std::string raw_query_;
  std::string raw_body_;
  std::vector<Param> params_;
  std::string signature_;
  Source signature_source_ = Source::none;
  size_t query_signed_bytes_ = 0;  // prefix of the raw query that is signed
  size_t body_signed_bytes_ = 0;
  bool signature_placement_ok_ = true;
};

BinanceError binance_error_for(ParamError error, const ParamLimits& limits);

// Percent-decodes `text` into *out; '+' becomes a space when plus_is_space. False on a bad escape.
[[nodiscard]] bool percent_decode(std::string_view text, bool plus_is_space, std::string* out);
// Percent-encodes every byte except the unreserved A-Z a-z 0-9 - _ . ~ (uppercase hex digits).
std::string percent_encode(std::string_view text);

// ---- typed readers ----------------------------------------------------------------------------------------------
// An empty value counts as not sent (the venue's -1102 text says "was not sent, was empty/null"). A mandatory
// parameter that is missing gives -1102 with its name; a malformed one the reader's own error.

enum class Presence : uint8_t { optional, mandatory };

template <typename T>
struct ParamValue {
  bool present = false;  // sent with a non-empty value that was read
  T value{};
  std::optional<BinanceError> error;
  bool ok() const { return !error.has_value(); }
};

// Base-10 integer: an optional '-' then 1-19 digits, nothing else. Not digits -> -1102; outside int64 -> -1108.
ParamValue<int64_t> param_integer(const RequestParams& params, std::string_view name, Presence presence);

// Plain decimal text as sent by clients ("95", "0.1", "0.00012345"): digits, optionally '.' and digits.
// The text is returned as is, for routes that learn the scale later. Anything else -> -1102.
ParamValue<std::string_view> param_decimal_text(const RequestParams& params, std::string_view name, Presence presence);

// Decimal text as integer minor units at `scale` (base/decimal.h): syntax -> -1102, a non-zero digit beyond the
// scale -> -1111, above INT64_MAX minor units -> -1108.
ParamValue<int64_t> param_decimal(const RequestParams& params, std::string_view name, uint8_t scale, Presence presence);

// One of `allowed` (upper-case spellings, compared exactly: "buy" is not "BUY"); the value is its index.
// Anything else -> `invalid` when given (e.g. invalid_side), else -1100 naming the legal values.
ParamValue<uint32_t> param_enum(const RequestParams& params, std::string_view name,
                                std::span<const std::string_view> allowed, Presence presence,
                                std::optional<BinanceErrorKind> invalid = std::nullopt);

// Symbol: ^[A-Z0-9-_.]{1,20}$, else -1100 with that range.
ParamValue<std::string_view> param_symbol(const RequestParams& params, std::string_view name, Presence presence);

// The JSON array of symbols, in either encoding of contract 2.1 (the value is percent-decoded already):
// '[' then zero or more '"SYMBOL"' separated by ',' then ']', spaces allowed between tokens, no escapes.
// Malformed -> -1100 with the venue's range for `symbols`; a symbol twice -> -1151.
ParamValue<std::vector<std::string>> param_symbols(const RequestParams& params, std::string_view name,
                                                   Presence presence);

enum class SymbolsError : uint8_t { ok = 0, malformed = 1, duplicate = 2 };
// The array parser alone, on decoded text; *out holds the symbols in order on success, is empty otherwise.
[[nodiscard]] SymbolsError parse_symbols_array(std::string_view text, std::vector<std::string>* out);
// The compact form: ["BTCUSDT","ETHUSDT"]
std::string format_symbols_array(std::span<const std::string> symbols);
bool symbol_valid(std::string_view symbol);

inline constexpr std::string_view kSymbolRange = "^[A-Z0-9-_.]{1,20}$";
inline constexpr std::string_view kSymbolsRange = R"(^\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\]$)";

}  // namespace qz::server
