#include "server/rate_limits.h"

#include <algorithm>
#include <array>

#include "base/assert.h"

namespace qz::server {

namespace {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kTenSecondsMs = 10 * 1000;
constexpr int64_t kDayMs = 24 * 60 * 60 * 1000LL;

// Weights as the venue documents them (REQUEST_WEIGHT 6000 per minute); see request_weight() for the rules that
// depend on parameters.
constexpr std::array<RouteSpec, 24> kRoutes = {{
    {"GET", "/api/v3/ping", Security::none, 1, false},
    {"GET", "/api/v3/time", Security::none, 1, false},
    {"GET", "/api/v3/exchangeInfo", Security::none, 20, false},
    {"GET", "/api/v3/depth", Security::none, 5, false},
    {"GET", "/api/v3/trades", Security::none, 25, false},
    {"GET", "/api/v3/aggTrades", Security::none, 4, false},
    {"GET", "/api/v3/klines", Security::none, 2, false},
    {"GET", "/api/v3/uiKlines", Security::none, 2, false},
    {"GET", "/api/v3/avgPrice", Security::none, 2, false},
    {"GET", "/api/v3/ticker/24hr", Security::none, 2, false},
    {"GET", "/api/v3/ticker/price", Security::none, 2, false},
    {"GET", "/api/v3/ticker/bookTicker", Security::none, 2, false},
    {"GET", "/api/v3/account", Security::user_data, 20, false},
    {"POST", "/api/v3/order", Security::trade, 1, true},
    {"POST", "/api/v3/order/test", Security::trade, 1, false},
    {"GET", "/api/v3/order", Security::user_data, 4, false},
    {"DELETE", "/api/v3/order", Security::trade, 1, false},
    {"GET", "/api/v3/openOrders", Security::user_data, 6, false},
    {"DELETE", "/api/v3/openOrders", Security::trade, 1, false},
    {"GET", "/api/v3/allOrders", Security::user_data, 20, false},
    {"GET", "/api/v3/myTrades", Security::user_data, 20, false},
    {"POST", "/api/v3/userDataStream", Security::user_stream, 2, false},
    {"PUT", "/api/v3/userDataStream", Security::user_stream, 2, false},
    {"DELETE", "/api/v3/userDataStream", Security::user_stream, 2, false},
}};

bool sent(const RequestParams& params, std::string_view name) {
  const std::string* value = params.find(name);
  return value != nullptr && !value->empty();
}

// Whole seconds from now to the end of the window, at least 1.
uint32_t seconds_until(int64_t end_ms, int64_t now_ms) {
  const int64_t left = end_ms - now_ms;
  if (left <= 0) return 1;
  return static_cast<uint32_t>((left + 999) / 1000);
}

}  // namespace

Permission required_permission(Security security) {
  switch (security) {
    case Security::none: return Permission::none;
    case Security::user_stream:
    case Security::user_data: return Permission::read;
    case Security::trade: return Permission::trade;
  }
  return Permission::read;
}

bool security_signed(Security security) { return security == Security::user_data || security == Security::trade; }

std::span<const RouteSpec> binance_routes() { return kRoutes; }

const RouteSpec* find_route(std::string_view method, std::string_view path) {
  for (const RouteSpec& route : kRoutes) {
    if (route.method == method && route.path == path) return &route;
  }
  return nullptr;
}

uint32_t request_weight(const RouteSpec& route, const RequestParams& params) {
  const std::string_view path = route.path;
  if (path == "/api/v3/depth") {
    const ParamValue<int64_t> limit = param_integer(params, "limit", Presence::optional);
    const int64_t rows = limit.ok() && limit.present ? limit.value : 100;
    if (rows <= 100) return 5;
    if (rows <= 500) return 25;
    if (rows <= 1000) return 50;
    return 250;
  }
  if (path == "/api/v3/ticker/24hr") {
    if (sent(params, "symbol")) return 2;
    const ParamValue<std::vector<std::string>> symbols = param_symbols(params, "symbols", Presence::optional);
    if (!symbols.ok() || !symbols.present) return 80;
    const size_t count = symbols.value.size();
    if (count <= 20) return 2;
    if (count <= 100) return 40;
    return 80;
  }
  if (path == "/api/v3/ticker/price" || path == "/api/v3/ticker/bookTicker") return sent(params, "symbol") ? 2 : 4;
  if (path == "/api/v3/openOrders" && route.method == "GET") return sent(params, "symbol") ? 6 : 80;
  if (path == "/api/v3/myTrades") return sent(params, "orderId") ? 5 : 20;
  return route.weight;
}

std::vector<RateLimitInfo> rate_limit_infos(const RateLimitConfig& config) {
  return {
      {"REQUEST_WEIGHT", "MINUTE", 1, config.weight_per_minute},
      {"ORDERS", "SECOND", 10, config.orders_per_10s},
      {"ORDERS", "DAY", 1, config.orders_per_day},
  };
}

// ---- limiter ----------------------------------------------------------------------------------------------------

size_t RateLimiter::IpAddressHash::operator()(const IpAddress& address) const {
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (const uint8_t byte : address.bytes) hash = (hash ^ byte) * 1099511628211ULL;
  return static_cast<size_t>(hash);
}

RateLimiter::RateLimiter(const RateLimitConfig& config) : config_(config) {
  QZ_ASSERT(config_.weight_per_minute > 0 && config_.orders_per_10s > 0 && config_.orders_per_day > 0);
  QZ_ASSERT(config_.strikes_before_ban > 0);
  QZ_ASSERT(config_.first_ban_ms > 0 && config_.first_ban_ms <= config_.max_ban_ms);
  QZ_ASSERT(config_.ipv6_group_bits <= 128);
  QZ_ASSERT(config_.max_tracked_ips >= 4 && config_.max_tracked_keys >= 4);
}

IpAddress RateLimiter::group(const IpAddress& client) const {
  return client.is_v4() ? client : client.masked(config_.ipv6_group_bits);
}

bool RateLimiter::ip_idle(const IpEntry& entry, int64_t now_ms) const {
  const bool window_over = entry.minute < now_ms / kMinuteMs;
  const bool ban_forgotten = entry.bans == 0 || now_ms - entry.last_ban_end_ms >= kDayMs;
  return window_over && entry.ban_until_ms <= now_ms && ban_forgotten;
}

bool RateLimiter::key_idle(const KeyEntry& entry, int64_t now_ms) const {
  return entry.minute < now_ms / kMinuteMs && entry.ten_seconds < now_ms / kTenSecondsMs &&
         (entry.orders_day == 0 || entry.day < now_ms / kDayMs);
}

void RateLimiter::prune(int64_t now_ms) {
  std::erase_if(ips_, [&](const auto& item) { return ip_idle(item.second, now_ms); });
  std::erase_if(keys_, [&](const auto& item) { return key_idle(item.second, now_ms); });
}

namespace {

// Drops the quarter of `table` least recently seen (the table is full of live entries).
template <typename Table>
void drop_least_recent(Table* table) {
  std::vector<int64_t> seen;
  seen.reserve(table->size());
  for (const auto& item : *table) seen.push_back(item.second.last_seen_ms);
  const size_t quarter = std::max<size_t>(1, seen.size() / 4);
  std::nth_element(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(quarter - 1), seen.end());
  const int64_t cutoff = seen[quarter - 1];
  size_t dropped = 0;
  for (auto it = table->begin(); it != table->end() && dropped < quarter;) {
    if (it->second.last_seen_ms <= cutoff) {
      it = table->erase(it);
      dropped++;
    } else {
      ++it;
    }
  }
  QZ_ASSERT(dropped > 0);
}

}  // namespace

RateLimiter::IpEntry& RateLimiter::ip_entry(const IpAddress& grouped, int64_t now_ms) {
  auto it = ips_.find(grouped);
  if (it == ips_.end()) {
    if (ips_.size() >= config_.max_tracked_ips) {
      std::erase_if(ips_, [&](const auto& item) { return ip_idle(item.second, now_ms); });
      if (ips_.size() >= config_.max_tracked_ips) drop_least_recent(&ips_);
    }
    it = ips_.emplace(grouped, IpEntry{.minute = now_ms / kMinuteMs}).first;
  }
  QZ_ASSERT_LE(ips_.size(), config_.max_tracked_ips);
  IpEntry& entry = it->second;
  const int64_t minute = now_ms / kMinuteMs;
  if (minute > entry.minute) {
    entry.minute = minute;
    entry.weight = 0;
    entry.strikes = 0;
  }
  entry.last_seen_ms = std::max(entry.last_seen_ms, now_ms);
  return entry;
}

RateLimiter::KeyEntry& RateLimiter::key_entry(std::string_view key_id, int64_t now_ms) {
  auto it = keys_.find(key_id);
  if (it == keys_.end()) {
    if (keys_.size() >= config_.max_tracked_keys) {
      std::erase_if(keys_, [&](const auto& item) { return key_idle(item.second, now_ms); });
      if (keys_.size() >= config_.max_tracked_keys) drop_least_recent(&keys_);
    }
    it = keys_
             .emplace(
                 std::string(key_id),
                 KeyEntry{.minute = now_ms / kMinuteMs, .ten_seconds = now_ms / kTenSecondsMs, .day = now_ms / kDayMs})
             .first;
  }
  QZ_ASSERT_LE(keys_.size(), config_.max_tracked_keys);
  KeyEntry& entry = it->second;
  if (now_ms / kMinuteMs > entry.minute) {
    entry.minute = now_ms / kMinuteMs;
    entry.weight = 0;
  }
  if (now_ms / kTenSecondsMs > entry.ten_seconds) {
    entry.ten_seconds = now_ms / kTenSecondsMs;
    entry.orders_10s = 0;
  }
  if (now_ms / kDayMs > entry.day) {
    entry.day = now_ms / kDayMs;
    entry.orders_day = 0;
  }
  entry.last_seen_ms = std::max(entry.last_seen_ms, now_ms);
  return entry;
}

RateDecision RateLimiter::weight_refusal(int64_t window, int64_t now_ms) const {
  return RateDecision{
      .allowed = false,
      .http_status = 429,
      .retry_after_s = seconds_until((window + 1) * kMinuteMs, now_ms),
      .error = binance_error(BinanceErrorKind::too_much_weight, std::to_string(config_.weight_per_minute), "1 MINUTE")};
}

RateDecision RateLimiter::admit_ip(const IpAddress& client, uint32_t weight, int64_t now_ms) {
  QZ_ASSERT(now_ms >= 0);
  IpEntry& entry = ip_entry(group(client), now_ms);
  if (entry.ban_until_ms > now_ms) {
    return RateDecision{.allowed = false,
                        .http_status = 418,
                        .retry_after_s = seconds_until(entry.ban_until_ms, now_ms),
                        .error = binance_error(BinanceErrorKind::ip_banned, std::to_string(entry.ban_until_ms))};
  }
  if (static_cast<uint64_t>(entry.weight) + weight <= config_.weight_per_minute) {
    entry.weight += weight;
    QZ_ASSERT_LE(entry.weight, config_.weight_per_minute);
    return RateDecision{};
  }
  entry.strikes++;
  if (entry.strikes >= config_.strikes_before_ban) {
    if (entry.bans > 0 && now_ms - entry.last_ban_end_ms >= kDayMs) entry.bans = 0;
    int64_t length = config_.first_ban_ms;
    for (uint8_t i = 0; i < entry.bans && length < config_.max_ban_ms; i++) length *= 2;
    length = std::min(length, config_.max_ban_ms);
    entry.ban_until_ms = now_ms + length;
    entry.last_ban_end_ms = entry.ban_until_ms;
    if (entry.bans < UINT8_MAX) entry.bans++;
    entry.strikes = 0;
    return RateDecision{.allowed = false,
                        .http_status = 418,
                        .retry_after_s = seconds_until(entry.ban_until_ms, now_ms),
                        .error = binance_error(BinanceErrorKind::ip_banned, std::to_string(entry.ban_until_ms))};
  }
  return weight_refusal(entry.minute, now_ms);
}

RateDecision RateLimiter::admit_key(std::string_view key_id, uint32_t weight, int64_t now_ms) {
  QZ_ASSERT(now_ms >= 0);
  KeyEntry& entry = key_entry(key_id, now_ms);
  if (static_cast<uint64_t>(entry.weight) + weight > config_.weight_per_minute) {
    return weight_refusal(entry.minute, now_ms);
  }
  entry.weight += weight;
  return RateDecision{};
}

RateDecision RateLimiter::admit_order(std::string_view key_id, int64_t now_ms) {
  QZ_ASSERT(now_ms >= 0);
  KeyEntry& entry = key_entry(key_id, now_ms);
  if (entry.orders_10s >= config_.orders_per_10s) {
    return RateDecision{
        .allowed = false,
        .http_status = 429,
        .retry_after_s = seconds_until((entry.ten_seconds + 1) * kTenSecondsMs, now_ms),
        .error = binance_error(BinanceErrorKind::too_many_orders, std::to_string(config_.orders_per_10s), "10 SECOND")};
  }
  if (entry.orders_day >= config_.orders_per_day) {
    return RateDecision{
        .allowed = false,
        .http_status = 429,
        .retry_after_s = seconds_until((entry.day + 1) * kDayMs, now_ms),
        .error = binance_error(BinanceErrorKind::too_many_orders, std::to_string(config_.orders_per_day), "1 DAY")};
  }
  entry.orders_10s++;
  entry.orders_day++;
  QZ_ASSERT_LE(entry.orders_10s, config_.orders_per_10s);
  return RateDecision{};
}

uint32_t RateLimiter::used_weight_ip(const IpAddress& client, int64_t now_ms) const {
  const auto it = ips_.find(group(client));
  if (it == ips_.end() || it->second.minute < now_ms / kMinuteMs) return 0;
  return it->second.weight;
}

uint32_t RateLimiter::key_weight(const KeyEntry* entry, int64_t now_ms) {
  return entry == nullptr || entry->minute < now_ms / kMinuteMs ? 0 : entry->weight;
}
uint32_t RateLimiter::key_orders_10s(const KeyEntry* entry, int64_t now_ms) {
  return entry == nullptr || entry->ten_seconds < now_ms / kTenSecondsMs ? 0 : entry->orders_10s;
}
uint32_t RateLimiter::key_orders_day(const KeyEntry* entry, int64_t now_ms) {
  return entry == nullptr || entry->day < now_ms / kDayMs ? 0 : entry->orders_day;
}
const RateLimiter::KeyEntry* RateLimiter::find_key(std::string_view key_id) const {
  const auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

uint32_t RateLimiter::used_weight_key(std::string_view key_id, int64_t now_ms) const {
  return key_weight(find_key(key_id), now_ms);
}

uint32_t RateLimiter::orders_10s(std::string_view key_id, int64_t now_ms) const {
  return key_orders_10s(find_key(key_id), now_ms);
}

uint32_t RateLimiter::orders_day(std::string_view key_id, int64_t now_ms) const {
  return key_orders_day(find_key(key_id), now_ms);
}

int64_t RateLimiter::banned_until(const IpAddress& client, int64_t now_ms) const {
  const auto it = ips_.find(group(client));
  if (it == ips_.end() || it->second.ban_until_ms <= now_ms) return 0;
  return it->second.ban_until_ms;
}

std::vector<Header> RateLimiter::headers(const IpAddress& client, std::string_view key_id, int64_t now_ms,
                                         bool order_placed, const RateDecision& decision) const {
  std::vector<Header> out;
  out.reserve(4);
  uint32_t used = used_weight_ip(client, now_ms);
  // The key's entry is found once for its three counts.
  const KeyEntry* entry = key_id.empty() ? nullptr : find_key(key_id);
  used = std::max(used, key_weight(entry, now_ms));  // 0 for a key not tracked
  out.push_back({"X-MBX-USED-WEIGHT-1M", std::to_string(used)});
  if (order_placed && !key_id.empty()) {
    out.push_back({"X-MBX-ORDER-COUNT-10S", std::to_string(key_orders_10s(entry, now_ms))});
    out.push_back({"X-MBX-ORDER-COUNT-1D", std::to_string(key_orders_day(entry, now_ms))});
  }
  if (!decision.allowed) out.push_back({"Retry-After", std::to_string(decision.retry_after_s)});
  return out;
}

}  // namespace qz::server
