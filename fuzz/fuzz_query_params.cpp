// libFuzzer target: request parameters and the symbols array (server/params.h), with the IP parsers and
// authentication (server/ip_address.h, server/api_keys.h) fed the same bytes.
//
// Input: byte 0 picks the limits (default or small), byte 1 where the rest splits into raw query and raw body.
// RequestParams::parse never crashes; on failure it leaves nothing behind; on success the merged parameters keep
// the limits, have distinct non-empty names, keep the raw text, the signed bytes are a prefix of the query then a
// prefix of the body, and re-encoding every parameter with percent_encode parses back to the same list.
// percent_decode followed by percent_encode round-trips; a symbols array that parses formats to text that parses to
// the same symbols; the typed readers never crash and a read integer prints back to itself; an IP address or range
// that parses prints to text that parses to the same value; authenticate() never crashes on any of it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "server/api_keys.h"
#include "server/ip_address.h"
#include "server/params.h"

namespace {

using namespace qz::server;

constexpr char kKey[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr char kSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

const ApiKeyRegistry& registry() {
  static const ApiKeyRegistry* instance = [] {
    auto* r = new ApiKeyRegistry(MasterKey::generate());
    const KeySpec spec{
        .owner_user = 1, .role = qz::Role::customer, .permissions = 3, .allowed_ips = {}, .created_ms = 0};
    QZ_ASSERT(r->add_hmac(kKey, kSecret, spec).is_ok());
    return r;
  }();
  return *instance;
}

void check_parsed(const RequestParams& params, std::string_view query, std::string_view body,
                  const ParamLimits& limits) {
  QZ_ASSERT(params.raw_query() == query && params.raw_body() == body);
  QZ_ASSERT(params.all().size() <= limits.max_params);
  for (size_t i = 0; i < params.all().size(); i++) {
    const Param& p = params.all()[i];
    QZ_ASSERT(!p.name.empty() && p.name.size() <= limits.max_name_bytes && p.value.size() <= limits.max_value_bytes);
    for (size_t j = 0; j < i; j++) QZ_ASSERT(params.all()[j].name != p.name);
    QZ_ASSERT(params.find(p.name) == &p.value);
  }
  const std::string total = params.total_params();
  QZ_ASSERT(total.size() <= query.size() + body.size());
  if (!params.has_signature()) QZ_ASSERT(total == std::string(query) + std::string(body));
  // total = a prefix of the query followed by a prefix of the body.
  bool split_found = false;
  for (size_t q = 0; q <= query.size() && q <= total.size() && !split_found; q++) {
    split_found = total.compare(0, q, query, 0, q) == 0 && q + body.size() >= total.size() &&
                  total.compare(q, std::string::npos, body.substr(0, total.size() - q)) == 0;
  }
  QZ_ASSERT(split_found);

  // Re-encoded, the merged list parses back to itself.
  std::string again;
  for (const Param& p : params.all()) {
    if (!again.empty()) again.push_back('&');
    again += percent_encode(p.name) + "=" + percent_encode(p.value);
  }
  const ParamLimits wide{.max_total_bytes = 3 * 70000,
                         .max_params = limits.max_params,
                         .max_name_bytes = limits.max_name_bytes,
                         .max_value_bytes = limits.max_value_bytes};
  RequestParams reparsed;
  QZ_ASSERT(RequestParams::parse(again, "", wide, &reparsed) == ParamError::ok);
  QZ_ASSERT(reparsed.all() == params.all());
  // The same list as a form body.
  QZ_ASSERT(RequestParams::parse("", again, wide, &reparsed) == ParamError::ok);
  QZ_ASSERT(reparsed.all() == params.all());

  for (const Param& p : params.all()) {
    const ParamValue<int64_t> integer = param_integer(params, p.name, Presence::optional);
    if (integer.ok() && integer.present) {
      // Prints back to itself, up to leading zeros ("007", "-0").
      const bool leading_zero = p.value[0] == '0' || p.value.rfind("-0", 0) == 0;
      QZ_ASSERT(leading_zero || std::to_string(integer.value) == p.value);
    }
    (void)param_decimal(params, p.name, 8, Presence::mandatory);
    (void)param_decimal_text(params, p.name, Presence::mandatory);
    (void)param_symbol(params, p.name, Presence::mandatory);
    const ParamValue<std::vector<std::string>> symbols = param_symbols(params, p.name, Presence::optional);
    if (symbols.ok() && symbols.present) {
      for (const std::string& s : symbols.value) QZ_ASSERT(symbol_valid(s));
    }
  }
  (void)registry().authenticate(params, kKey, 1'700'000'000'000, Permission::trade, IpAddress::v4(127, 0, 0, 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool small = (data[0] & 1) != 0;
  const ParamLimits limits =
      small ? ParamLimits{.max_total_bytes = 256, .max_params = 8, .max_name_bytes = 16, .max_value_bytes = 32}
            : ParamLimits{};
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t split = text.empty() ? 0 : data[1] % (text.size() + 1);
  const std::string_view query = text.substr(0, split);
  const std::string_view body = text.substr(split);

  RequestParams params;
  const ParamError error = RequestParams::parse(query, body, limits, &params);
  if (error != ParamError::ok) {
    QZ_ASSERT(params.all().empty() && params.raw_query().empty() && params.raw_body().empty());
    QZ_ASSERT(binance_error_for(error, limits).code < 0);
  } else {
    check_parsed(params, query, body, limits);
  }

  // Decoding then encoding round-trips.
  for (const bool plus_is_space : {false, true}) {
    std::string decoded;
    if (percent_decode(text, plus_is_space, &decoded)) {
      std::string back;
      QZ_ASSERT(percent_decode(percent_encode(decoded), plus_is_space, &back));
      QZ_ASSERT(back == decoded);
    } else {
      QZ_ASSERT(decoded.empty());
    }
  }

  // The symbols array: what parses formats back to the same list.
  std::vector<std::string> symbols;
  if (parse_symbols_array(text, &symbols) == SymbolsError::ok) {
    const std::string canonical = format_symbols_array(symbols);
    std::vector<std::string> back;
    QZ_ASSERT(parse_symbols_array(canonical, &back) == SymbolsError::ok);
    QZ_ASSERT(back == symbols);
    for (size_t i = 0; i < symbols.size(); i++) {
      QZ_ASSERT(symbol_valid(symbols[i]));
      for (size_t j = 0; j < i; j++) QZ_ASSERT(symbols[i] != symbols[j]);
    }
  } else {
    QZ_ASSERT(symbols.empty());
  }

  // IP addresses and ranges print to text that parses to the same value.
  IpAddress address;
  if (IpAddress::parse(text, &address)) {
    IpAddress back;
    QZ_ASSERT(IpAddress::parse(address.text(), &back) && back == address);
  }
  IpRange range;
  if (IpRange::parse(text, &range)) {
    IpRange back;
    QZ_ASSERT(IpRange::parse(range.text(), &back) && back == range);
    QZ_ASSERT(range.contains(range.base));
  }
  return 0;
}
