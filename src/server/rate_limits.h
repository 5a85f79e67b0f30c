// Request-weight and order-count limits of the trading API (api/binance-spot-subset.md sections 2.2 and 4;
// docs/api-auth.md), and the route table with each route's weight and security type.
//
// Windows are fixed and aligned to the epoch, as the venue's headers count them: the minute (weight), 10 seconds
// and the UTC day (orders). Time is passed in (ms since the epoch, never read here); a time earlier than a
// client's current window counts into that window. A request is admitted when used + weight <= limit, and then
// charged; a refused request is not charged.
//
// Limits per IP (weight; IPv6 addresses grouped by /64 by default) and per API key (weight, orders per 10 s, orders
// per day). The server charges the IP before authentication and the key after it, then counts an order for order
// routes. Refusals: 429 with Retry-After = whole seconds until the window ends; -1003 for weight, -1015 for orders.
//
// Ban rule (418): a client that keeps sending after a weight 429 is banned. Each request refused for weight in a
// minute window is a strike; the `strikes_before_ban`-th strike in one window bans the IP. Ban lengths double
// from 2 minutes up to 3 days for repeat offenders; the count of earlier bans is forgotten once a day passes with
// no ban. During a ban every request gets 418, Retry-After until the ban ends, -1003 naming the end (ms); requests
// during a ban are not charged and do not lengthen it.
//
// Memory is bounded: at most max_tracked_ips and max_tracked_keys entries. When a table is full, entries with
// nothing left to remember (window passed, no ban, no order count for today) are pruned; if it is still full, the
// quarter least recently seen is dropped. prune() may also be called periodically.
// Not thread-safe: one limiter per gateway thread, or a lock around it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/api_keys.h"
#include "server/binance_errors.h"
#include "server/http_parse.h"
#include "server/ip_address.h"
#include "server/params.h"

namespace qz::server {

// ---- routes -----------------------------------------------------------------------------------------------------

// The venue's security types: what a route needs from the caller.
enum class Security : uint8_t {
  none = 0,         // public
  user_stream = 1,  // API key only (X-MBX-APIKEY), unsigned
  user_data = 2,    // SIGNED, read permission
  trade = 3,        // SIGNED, trade permission
};
Permission required_permission(Security security);  // none, read, read, trade
bool security_signed(Security security);

struct RouteSpec {
  std::string_view method;  // "GET"
  std::string_view path;    // "/api/v3/order"
  Security security;
  uint32_t weight;    // the base weight; request_weight() applies parameter rules
  bool places_order;  // counts against the order limits
};

// Every route of the contract (section 4 and 8), with the venue's documented weights.
std::span<const RouteSpec> binance_routes();
// The route for a method and path, or nullptr.
const RouteSpec* find_route(std::string_view method, std::string_view path);
// The weight of one request: depth by `limit` (1-100: 5, 101-500: 25, 501-1000: 50, above: 250); ticker/24hr by
// `symbol` (2) or the count of `symbols` (1-20: 2, 21-100: 40, more: 80) or neither (80); ticker/price and
// ticker/bookTicker 2 with `symbol`, else 4; openOrders 6 with `symbol`, else 80; myTrades 5 with `orderId`, else
// 20. An unreadable parameter is weighed as if absent.
uint32_t request_weight(const RouteSpec& route, const RequestParams& params);

// ---- limiter ----------------------------------------------------------------------------------------------------

struct RateLimitConfig {
  uint32_t weight_per_minute = 6000;  // per IP and per key
  uint32_t orders_per_10s = 100;      // per key
  uint32_t orders_per_day = 200000;   // per key
  uint32_t strikes_before_ban = 10;
  int64_t first_ban_ms = 2 * 60 * 1000;
  int64_t max_ban_ms = 3 * 24 * 60 * 60 * 1000LL;
  uint8_t ipv6_group_bits = 64;  // IPv6 addresses sharing this prefix share a budget; 128 = per address
  size_t max_tracked_ips = 65536;
  size_t max_tracked_keys = 65536;
};

// One rateLimits entry of exchangeInfo: {"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,...}
struct RateLimitInfo {
  std::string_view type;      // "REQUEST_WEIGHT", "ORDERS"
  std::string_view interval;  // "MINUTE", "SECOND", "DAY"
  uint32_t interval_num;
  uint32_t limit;
};
std::vector<RateLimitInfo> rate_limit_infos(const RateLimitConfig& config);

struct RateDecision {
  bool allowed = true;
  uint16_t http_status = 200;  // 200, 429 or 418
  uint32_t retry_after_s = 0;  // for the Retry-After header when refused
  std::optional<BinanceError> error;
};

using Header = HttpHeader;

class RateLimiter {
 public:
  explicit RateLimiter(const RateLimitConfig& config = {});

  // Charges `weight` to the client's IP (before authentication), or refuses with 429 / 418.
  RateDecision admit_ip(const IpAddress& client, uint32_t weight, int64_t now_ms);
  // Charges `weight` to an authenticated key, or refuses with 429 (-1003).
  RateDecision admit_key(std::string_view key_id, uint32_t weight, int64_t now_ms);
  // Counts one new order for the key, or refuses with 429 (-1015) naming the limit that was hit.
  RateDecision admit_order(std::string_view key_id, int64_t now_ms);

  // Response headers: X-MBX-USED-WEIGHT-1M (the larger of the IP's and the key's use in the current minute) on
  // every response; with `order_placed`, X-MBX-ORDER-COUNT-10S and X-MBX-ORDER-COUNT-1D; Retry-After when the
  // decision refused.
  std::vector<Header> headers(const IpAddress& client, std::string_view key_id, int64_t now_ms, bool order_placed,
                              const RateDecision& decision) const;

  uint32_t used_weight_ip(const IpAddress& client, int64_t now_ms) const;
  uint32_t used_weight_key(std::string_view key_id, int64_t now_ms) const;
  uint32_t orders_10s(std::string_view key_id, int64_t now_ms) const;
  uint32_t orders_day(std::string_view key_id, int64_t now_ms) const;
  // The end of the IP's ban (ms), or 0 when not banned at now_ms.
  int64_t banned_until(const IpAddress& client, int64_t now_ms) const;

  // Drops entries with nothing left to remember at now_ms.
  void prune(int64_t now_ms);
  size_t tracked_ips() const { return ips_.size(); }
  size_t tracked_keys() const { return keys_.size(); }
  const RateLimitConfig& config() const { return config_; }

 private:
  struct IpAddressHash {
    size_t operator()(const IpAddress& address) const;
  };
  struct IpEntry {
    int64_t minute = 0;  // window index
    uint32_t weight = 0;
    uint32_t strikes = 0;
    int64_t ban_until_ms = 0;
    int64_t last_ban_end_ms = 0;
    uint8_t bans = 0;  // earlier bans, for the doubling
    int64_t last_seen_ms = 0;
  };
  struct KeyEntry {
    int64_t minute = 0;
    uint32_t weight = 0;
    int64_t ten_seconds = 0;
    uint32_t orders_10s = 0;
    int64_t day = 0;
    uint32_t orders_day = 0;
    int64_t last_seen_ms = 0;
  };
  IpAddress group(const IpAddress& client) const;
  bool ip_idle(const IpEntry& entry, int64_t now_ms) const;
  bool key_idle(const KeyEntry& entry, int64_t now_ms) const;
  IpEntry& ip_entry(const IpAddress& grouped, int64_t now_ms);
  KeyEntry& key_entry(std::string_view key_id, int64_t now_ms);
  const KeyEntry* find_key(std::string_view key_id) const;  // nullptr when not tracked
  // A key's counts in the current windows (0 for nullptr or a window that has passed).
  static uint32_t key_weight(const KeyEntry* entry, int64_t now_ms);
  static uint32_t key_orders_10s(const KeyEntry* entry, int64_t now_ms);
  static uint32_t key_orders_day(const KeyEntry* entry, int64_t now_ms);
  RateDecision weight_refusal(int64_t window, int64_t now_ms) const;

  RateLimitConfig config_;
  std::unordered_map<IpAddress, IpEntry, IpAddressHash> ips_;
  // Looked up by a string_view without building a string (a key id is 64 characters: one allocation each time).
  struct KeyIdHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, KeyEntry, KeyIdHash, std::equal_to<>> keys_;
};

}  // namespace qz::server
