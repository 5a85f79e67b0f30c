#include "server/params.h"

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "base/byte_scan.h"
#include "base/decimal.h"
#include "base/hex.h"

namespace qz::server {

namespace {

struct SourceResult {
  std::vector<Param> params;
  bool has_signature = false;
  bool signature_last = false;
  size_t signed_bytes = 0;  // raw prefix before "&signature=..." (all of it without a signature)
  std::string signature;
};

// Parses one source; `budget` is how many more segments the limits allow.
ParamError parse_source(std::string_view raw, bool plus_is_space, const ParamLimits& limits, uint32_t* budget,
                        SourceResult* out) {
  out->signed_bytes = raw.size();
  // One allocation for the segments (a vector grown one by one reallocates up to sizes where the allocator
  // consolidates its free lists, on every request).
  out->params.reserve(std::min<size_t>(static_cast<size_t>(std::count(raw.begin(), raw.end(), '&')) + 1, *budget));
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('&', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view segment = raw.substr(start, end - start);
    if (!segment.empty()) {
      if (*budget == 0) return ParamError::too_many;
      --*budget;
      const size_t equals = segment.find('=');
      const std::string_view raw_name = segment.substr(0, equals);
      const std::string_view raw_value =
          equals == std::string_view::npos ? std::string_view() : segment.substr(equals + 1);
      Param param;
      if (!percent_decode(raw_name, plus_is_space, &param.name)) return ParamError::bad_escape;
      if (!percent_decode(raw_value, plus_is_space, &param.value)) return ParamError::bad_escape;
      if (param.name.empty()) return ParamError::empty_name;
      if (param.name.size() > limits.max_name_bytes) return ParamError::name_too_long;
      if (param.value.size() > limits.max_value_bytes) return ParamError::value_too_long;
      for (const Param& earlier : out->params) {
        if (earlier.name == param.name) return ParamError::duplicate;
      }
      if (param.name == "signature") {
        out->has_signature = true;
        out->signature_last = end == raw.size();
        // Only a final signature is cut off (with the '&' before it); otherwise nothing is.
        out->signed_bytes = !out->signature_last ? raw.size() : start == 0 ? 0 : start - 1;
        out->signature = param.value;
      }
      out->params.push_back(std::move(param));
    }
    if (end == raw.size()) break;
    start = end + 1;
  }
  QZ_ASSERT_LE(out->signed_bytes, raw.size());
  return ParamError::ok;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// Looks the parameter up and handles absence; returns nullptr when the caller should return `result` as is.
template <typename T>
const std::string* lookup(const RequestParams& params, std::string_view name, Presence presence,
                          ParamValue<T>* result) {
  const std::string* value = params.find(name);
  if (value != nullptr && !value->empty()) return value;
  if (presence == Presence::mandatory) result->error = binance_error(BinanceErrorKind::mandatory_param, name);
  return nullptr;
}

}  // namespace

const char* param_error_name(ParamError error) {
  switch (error) {
    case ParamError::ok: return "ok";
    case ParamError::too_large: return "too_large";
    case ParamError::too_many: return "too_many";
    case ParamError::name_too_long: return "name_too_long";
    case ParamError::value_too_long: return "value_too_long";
    case ParamError::bad_escape: return "bad_escape";
    case ParamError::empty_name: return "empty_name";
    case ParamError::duplicate: return "duplicate";
  }
  return "unknown";
}

bool percent_decode(std::string_view text, bool plus_is_space, std::string* out) {
  // Most names and values need no decoding: copied whole. The first byte that needs it is looked for eight bytes
  // at a time, then byte by byte in the word that holds it and in the last few.
  size_t first = 0;
  for (; first + 8 <= text.size(); first += 8) {
    const uint64_t word = byte_scan::load(text, first, 'a');
    if (byte_scan::any_equal(word, '%') || (plus_is_space && byte_scan::any_equal(word, '+'))) break;
  }
  while (first < text.size() && text[first] != '%' && !(plus_is_space && text[first] == '+')) first++;
  if (first == text.size()) {
    out->assign(text);
    return true;
  }
  out->clear();
  out->reserve(text.size());
  out->append(text.substr(0, first));
  for (size_t i = first; i < text.size(); i++) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        out->clear();
        return false;
      }
      const int high = hex_digit_value(text[i + 1]);
      const int low = hex_digit_value(text[i + 2]);
      if (high < 0 || low < 0) {
        out->clear();
        return false;
      }
      out->push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

ParamError RequestParams::parse(std::string_view raw_query, std::string_view raw_body, const ParamLimits& limits,
                                RequestParams* out) {
  *out = RequestParams();
  if (raw_query.size() > limits.max_total_bytes || raw_body.size() > limits.max_total_bytes - raw_query.size()) {
    return ParamError::too_large;
  }
  uint32_t budget = limits.max_params;
  SourceResult query;
  SourceResult body;
  ParamError error = parse_source(raw_query, /*plus_is_space=*/false, limits, &budget, &query);
  if (error == ParamError::ok) error = parse_source(raw_body, /*plus_is_space=*/true, limits, &budget, &body);
  if (error != ParamError::ok) return error;

  RequestParams parsed;
  parsed.raw_query_ = std::string(raw_query);
  parsed.raw_body_ = std::string(raw_body);
  parsed.query_signed_bytes_ = query.signed_bytes;
  parsed.body_signed_bytes_ = body.signed_bytes;
  if (query.has_signature) {
    parsed.signature_source_ = Source::query;
    parsed.signature_ = std::move(query.signature);
    parsed.signature_placement_ok_ = query.signature_last && !body.has_signature;
  } else if (body.has_signature) {
    parsed.signature_source_ = Source::body;
    parsed.signature_ = std::move(body.signature);
    parsed.signature_placement_ok_ = body.signature_last;
  }
  const size_t from_query = query.params.size();
  if (from_query == 0) {
    parsed.params_ = std::move(body.params);
    body.params.clear();
  } else {
    parsed.params_ = std::move(query.params);
    parsed.params_.reserve(from_query + body.params.size());
  }
  for (Param& param : body.params) {
    bool in_query = false;
    for (size_t i = 0; i < from_query && !in_query; i++) in_query = parsed.params_[i].name == param.name;
    if (!in_query) parsed.params_.push_back(std::move(param));
  }
  QZ_ASSERT_LE(parsed.params_.size(), limits.max_params);
  *out = std::move(parsed);
  return ParamError::ok;
}

const std::string* RequestParams::find(std::string_view name) const {
  for (const Param& param : params_) {
    if (param.name == name) return &param.value;
  }
  return nullptr;
}

RequestParams::SignedParts RequestParams::signed_parts() const {
  return SignedParts{.query = std::string_view(raw_query_).substr(0, query_signed_bytes_),
                     .body = std::string_view(raw_body_).substr(0, body_signed_bytes_)};
}

std::string RequestParams::total_params() const {
  std::string out(raw_query_, 0, query_signed_bytes_);
  out.append(raw_body_, 0, body_signed_bytes_);
  return out;
}

BinanceError binance_error_for(ParamError error, const ParamLimits& limits) {
  switch (error) {
    case ParamError::too_large:
      return binance_error(BinanceErrorKind::request_too_large, std::to_string(limits.max_total_bytes));
    case ParamError::too_many: return binance_error(BinanceErrorKind::too_many_parameters);
    case ParamError::name_too_long:
      return binance_error(BinanceErrorKind::param_too_long, std::to_string(limits.max_name_bytes));
    case ParamError::value_too_long:
      return binance_error(BinanceErrorKind::param_too_long, std::to_string(limits.max_value_bytes));
    case ParamError::duplicate: return binance_error(BinanceErrorKind::duplicate_parameter);
    case ParamError::bad_escape:
    case ParamError::empty_name: return binance_error(BinanceErrorKind::illegal_chars);
    case ParamError::ok: break;
  }
  QZ_ASSERT_MSG(false, "binance_error_for(ParamError::ok)");
  return binance_error(BinanceErrorKind::unknown);
}

ParamValue<int64_t> param_integer(const RequestParams& params, std::string_view name, Presence presence) {
  ParamValue<int64_t> result;
  const std::string* value = lookup(params, name, presence, &result);
  if (value == nullptr) return result;
  const bool negative = (*value)[0] == '-';
  const std::string_view digits = std::string_view(*value).substr(negative ? 1 : 0);
  if (!all_digits(digits)) {
    result.error = binance_error(BinanceErrorKind::mandatory_param, name);
    return result;
  }
  // Accumulate as a negative number so that INT64_MIN is reachable.
  int64_t accumulated = 0;
  for (const char c : digits) {
    const int64_t digit = c - '0';
    if (accumulated < (std::numeric_limits<int64_t>::min() + digit) / 10) {
      result.error = binance_error(BinanceErrorKind::param_overflow, name);
      return result;
    }
    accumulated = accumulated * 10 - digit;
  }
  if (!negative) {
    if (accumulated == std::numeric_limits<int64_t>::min()) {
      result.error = binance_error(BinanceErrorKind::param_overflow, name);
      return result;
    }
    accumulated = -accumulated;
  }
  result.present = true;
  result.value = accumulated;
  return result;
}

ParamValue<std::string_view> param_decimal_text(const RequestParams& params, std::string_view name, Presence presence) {
  ParamValue<std::string_view> result;
  const std::string* value = lookup(params, name, presence, &result);
  if (value == nullptr) return result;
  const std::string_view text = *value;
  const size_t dot = text.find('.');
  const bool valid = dot == std::string_view::npos
                         ? all_digits(text)
                         : all_digits(text.substr(0, dot)) && all_digits(text.substr(dot + 1));
  if (!valid) {
    result.error = binance_error(BinanceErrorKind::mandatory_param, name);
    return result;
  }
  result.present = true;
  result.value = text;
  return result;
}

ParamValue<int64_t> param_decimal(const RequestParams& params, std::string_view name, uint8_t scale,
                                  Presence presence) {
  ParamValue<int64_t> result;
  const ParamValue<std::string_view> text = param_decimal_text(params, name, presence);
  if (!text.ok() || !text.present) {
    result.error = text.error;
    return result;
  }
  int64_t minor = 0;
  switch (parse_decimal(text.value, scale, &minor)) {
    case DecimalError::ok:
      result.present = true;
      result.value = minor;
      return result;
    case DecimalError::too_many_decimals: result.error = binance_error(BinanceErrorKind::bad_precision, name); break;
    case DecimalError::overflow: result.error = binance_error(BinanceErrorKind::param_overflow, name); break;
    case DecimalError::scale_invalid: QZ_ASSERT_MSG(false, "param_decimal: scale above the maximum"); break;
    default: result.error = binance_error(BinanceErrorKind::mandatory_param, name); break;
  }
  return result;
}

ParamValue<uint32_t> param_enum(const RequestParams& params, std::string_view name,
                                std::span<const std::string_view> allowed, Presence presence,
                                std::optional<BinanceErrorKind> invalid) {
  QZ_ASSERT(!allowed.empty());
  ParamValue<uint32_t> result;
  const std::string* value = lookup(params, name, presence, &result);
  if (value == nullptr) return result;
  for (uint32_t i = 0; i < allowed.size(); i++) {
    if (*value == allowed[i]) {
      result.present = true;
      result.value = i;
      return result;
    }
  }
  if (invalid.has_value()) {
    result.error = binance_error(*invalid);
    return result;
  }
  std::string range;
  for (const std::string_view option : allowed) {
    if (!range.empty()) range.append(", ");
    range.append(option);
  }
  result.error = binance_error(BinanceErrorKind::illegal_chars_in_param, name, range);
  return result;
}

bool symbol_valid(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 20) return false;
  for (const char c : symbol) {
    if (!symbol_char(c)) return false;
  }
  return true;
}

ParamValue<std::string_view> param_symbol(const RequestParams& params, std::string_view name, Presence presence) {
  ParamValue<std::string_view> result;
  const std::string* value = lookup(params, name, presence, &result);
  if (value == nullptr) return result;
  if (!symbol_valid(*value)) {
    result.error = binance_error(BinanceErrorKind::illegal_chars_in_param, name, kSymbolRange);
    return result;
  }
  result.present = true;
  result.value = *value;
  return result;
}

SymbolsError parse_symbols_array(std::string_view text, std::vector<std::string>* out) {
  out->clear();
  size_t at = 0;
  const auto skip_spaces = [&] {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n')) at++;
  };
  const auto fail = [&](SymbolsError error) {
    out->clear();
    return error;
  };
  skip_spaces();
  if (at >= text.size() || text[at] != '[') return fail(SymbolsError::malformed);
  at++;
  skip_spaces();
  if (at < text.size() && text[at] == ']') {
    at++;
  } else {
    while (true) {
      if (at >= text.size() || text[at] != '"') return fail(SymbolsError::malformed);
      const size_t close = text.find('"', at + 1);
      if (close == std::string_view::npos) return fail(SymbolsError::malformed);
      const std::string_view symbol = text.substr(at + 1, close - at - 1);
      if (!symbol_valid(symbol)) return fail(SymbolsError::malformed);
      out->emplace_back(symbol);
      at = close + 1;
      skip_spaces();
      if (at < text.size() && text[at] == ',') {
        at++;
        skip_spaces();
        continue;
      }
      if (at < text.size() && text[at] == ']') {
        at++;
        break;
      }
      return fail(SymbolsError::malformed);
    }
  }
  skip_spaces();
  if (at != text.size()) return fail(SymbolsError::malformed);
  for (size_t i = 0; i < out->size(); i++) {
    for (size_t j = 0; j < i; j++) {
      if ((*out)[i] == (*out)[j]) return fail(SymbolsError::duplicate);
    }
  }
  return SymbolsError::ok;
}

std::string format_symbols_array(std::span<const std::string> symbols) {
  std::string out = "[";
  for (size_t i = 0; i < symbols.size(); i++) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    out.append(symbols[i]);
    out.push_back('"');
  }
  out.push_back(']');
  return out;
}

ParamValue<std::vector<std::string>> param_symbols(const RequestParams& params, std::string_view name,
                                                   Presence presence) {
  ParamValue<std::vector<std::string>> result;
  const std::string* value = lookup(params, name, presence, &result);
  if (value == nullptr) return result;
  switch (parse_symbols_array(*value, &result.value)) {
    case SymbolsError::ok: result.present = true; break;
    case SymbolsError::malformed:
      result.error = binance_error(BinanceErrorKind::illegal_chars_in_param, name, kSymbolsRange);
      break;
    case SymbolsError::duplicate: result.error = binance_error(BinanceErrorKind::duplicate_symbols); break;
  }
  return result;
}

}  // namespace qz::server
