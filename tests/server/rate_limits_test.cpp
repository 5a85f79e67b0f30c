// Rate limits (server/rate_limits.h) over simulated time: the route weights, the minute, 10-second and day
// windows with their headers and Retry-After, the 418 ban and its doubling, and the bounded tables.
#include "server/rate_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace qz::server {
namespace {

// 2023-11-14T22:13:20Z, 20 s into its minute and 0 s into a 10-second window.
constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay = 86'400'000;
constexpr char kKey[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr char kOtherKey[] = "READer0000000000000000000000000000000000000000000000000000000001";
const IpAddress kClient = IpAddress::v4(198, 51, 100, 7);
const IpAddress kNeighbour = IpAddress::v4(198, 51, 100, 8);

RequestParams parsed(std::string_view query) {
  RequestParams params;
  EXPECT_EQ(RequestParams::parse(query, "", {}, &params), ParamError::ok) << query;
  return params;
}

uint32_t weight(std::string_view method, std::string_view path, std::string_view query = "") {
  const RouteSpec* route = find_route(method, path);
  EXPECT_NE(route, nullptr) << method << " " << path;
  return route == nullptr ? 0 : request_weight(*route, parsed(query));
}

std::string header(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (h.name.view() == name) return h.value;
  }
  return "(absent)";
}

TEST(Routes, WeightsAsDocumented) {
  struct Case {
    const char* method;
    const char* path;
    const char* query;
    uint32_t weight;
  };
  const Case cases[] = {
      {"GET", "/api/v3/ping", "", 1},
      {"GET", "/api/v3/time", "", 1},
      {"GET", "/api/v3/exchangeInfo", "", 20},
      {"GET", "/api/v3/depth", "symbol=BTCUSDT", 5},  // default limit 100
      {"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5", 5},
      {"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=100", 5},
      {"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=101", 25},
      {"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=500", 25},
      {"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000", 50},
      {"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5000", 250},
      {"GET", "/api/v3/depth", "symbol=BTCUSDT&limit=junk", 5},  // weighed as absent; the route refuses it later
      {"GET", "/api/v3/trades", "", 25},
      {"GET", "/api/v3/aggTrades", "", 4},
      {"GET", "/api/v3/klines", "", 2},
      {"GET", "/api/v3/uiKlines", "", 2},
      {"GET", "/api/v3/avgPrice", "", 2},
      {"GET", "/api/v3/ticker/24hr", "symbol=BTCUSDT", 2},
      {"GET", "/api/v3/ticker/24hr", "symbols=%5B%22A%22%2C%22B%22%5D", 2},
      {"GET", "/api/v3/ticker/24hr", "", 80},
      {"GET", "/api/v3/ticker/price", "symbol=BTCUSDT", 2},
      {"GET", "/api/v3/ticker/price", "", 4},
      {"GET", "/api/v3/ticker/bookTicker", "symbols=[%22A%22]", 4},
      {"GET", "/api/v3/account", "", 20},
      {"POST", "/api/v3/order", "", 1},
      {"POST", "/api/v3/order/test", "", 1},
      {"GET", "/api/v3/order", "", 4},
      {"DELETE", "/api/v3/order", "", 1},
      {"GET", "/api/v3/openOrders", "symbol=BTCUSDT", 6},
      {"GET", "/api/v3/openOrders", "", 80},
      {"DELETE", "/api/v3/openOrders", "symbol=BTCUSDT", 1},
      {"GET", "/api/v3/allOrders", "symbol=BTCUSDT", 20},
      {"GET", "/api/v3/myTrades", "symbol=BTCUSDT", 20},
      {"GET", "/api/v3/myTrades", "symbol=BTCUSDT&orderId=7", 5},
      {"POST", "/api/v3/userDataStream", "", 2},
  };
  for (const Case& c : cases) EXPECT_EQ(weight(c.method, c.path, c.query), c.weight) << c.path << "?" << c.query;

  // ticker/24hr by the number of symbols.
  const auto symbols_query = [](int count) {
    std::vector<std::string> symbols;
    for (int i = 0; i < count; i++) symbols.push_back(std::string(1, 'S').append(std::to_string(i)));
    return "symbols=" + percent_encode(format_symbols_array(symbols));
  };
  EXPECT_EQ(weight("GET", "/api/v3/ticker/24hr", symbols_query(20)), 2u);
  EXPECT_EQ(weight("GET", "/api/v3/ticker/24hr", symbols_query(21)), 40u);
  EXPECT_EQ(weight("GET", "/api/v3/ticker/24hr", symbols_query(100)), 40u);
  EXPECT_EQ(weight("GET", "/api/v3/ticker/24hr", symbols_query(101)), 80u);
}

TEST(Routes, SecurityTypes) {
  EXPECT_EQ(find_route("GET", "/api/v3/ping")->security, Security::none);
  EXPECT_EQ(find_route("GET", "/api/v3/account")->security, Security::user_data);
  EXPECT_EQ(find_route("POST", "/api/v3/order")->security, Security::trade);
  EXPECT_TRUE(find_route("POST", "/api/v3/order")->places_order);
  EXPECT_FALSE(find_route("POST", "/api/v3/order/test")->places_order);
  EXPECT_EQ(find_route("DELETE", "/api/v3/userDataStream")->security, Security::user_stream);
  EXPECT_EQ(find_route("GET", "/api/v3/nothing"), nullptr);
  EXPECT_EQ(find_route("PATCH", "/api/v3/order"), nullptr);
  EXPECT_EQ(required_permission(Security::none), Permission::none);
  EXPECT_EQ(required_permission(Security::user_stream), Permission::read);
  EXPECT_EQ(required_permission(Security::user_data), Permission::read);
  EXPECT_EQ(required_permission(Security::trade), Permission::trade);
  EXPECT_FALSE(security_signed(Security::user_stream));
  EXPECT_TRUE(security_signed(Security::trade));
  // Every route of the contract's minimal set is in the table, once.
  for (const RouteSpec& route : binance_routes()) EXPECT_EQ(find_route(route.method, route.path), &route);
  const std::vector<RateLimitInfo> infos = rate_limit_infos({});
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[0].type, "REQUEST_WEIGHT");
  EXPECT_EQ(infos[0].limit, 6000u);
  EXPECT_EQ(infos[1].interval, "SECOND");
  EXPECT_EQ(infos[1].interval_num, 10u);
  EXPECT_EQ(infos[2].limit, 200000u);
}

TEST(RateLimiter, WeightPerMinutePerIp) {
  RateLimiter limiter;
  int64_t now = kStart;
  for (int i = 0; i < 300; i++) ASSERT_TRUE(limiter.admit_ip(kClient, 20, now).allowed) << i;  // 6000
  EXPECT_EQ(limiter.used_weight_ip(kClient, now), 6000u);
  EXPECT_EQ(header(limiter.headers(kClient, "", now, false, {}), "X-MBX-USED-WEIGHT-1M"), "6000");
  now += 5'000;  // 25 s into the minute
  const RateDecision refused = limiter.admit_ip(kClient, 1, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.http_status, 429);
  EXPECT_EQ(refused.retry_after_s, 35u);
  EXPECT_EQ(refused.error->code, -1003);
  EXPECT_EQ(refused.error->message,
            "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket "
            "Streams for live updates to avoid polling the API.");
  const std::vector<Header> headers = limiter.headers(kClient, "", now, false, refused);
  EXPECT_EQ(header(headers, "Retry-After"), "35");
  EXPECT_EQ(header(headers, "X-MBX-USED-WEIGHT-1M"), "6000");  // the refused request was not charged
  // Another address has its own budget.
  EXPECT_TRUE(limiter.admit_ip(kNeighbour, 6000, now).allowed);
  // A request that would pass the limit is refused even when the limit is not yet reached.
  RateLimiter fresh;
  EXPECT_TRUE(fresh.admit_ip(kClient, 5990, now).allowed);
  EXPECT_FALSE(fresh.admit_ip(kClient, 20, now).allowed);
  EXPECT_TRUE(fresh.admit_ip(kClient, 10, now).allowed);
  // The next minute starts from zero.
  now = (kStart / kMinute + 1) * kMinute;
  EXPECT_EQ(limiter.used_weight_ip(kClient, now), 0u);
  EXPECT_TRUE(limiter.admit_ip(kClient, 1, now).allowed);
  EXPECT_EQ(header(limiter.headers(kClient, "", now, false, {}), "X-MBX-USED-WEIGHT-1M"), "1");
  EXPECT_EQ(header(limiter.headers(kClient, "", now, false, {}), "Retry-After"), "(absent)");
}

TEST(RateLimiter, WeightPerKeyAcrossAddresses) {
  RateLimiter limiter;
  const int64_t now = kStart;
  EXPECT_TRUE(limiter.admit_key(kKey, 4000, now).allowed);
  EXPECT_TRUE(limiter.admit_ip(kClient, 4000, now).allowed);
  EXPECT_TRUE(limiter.admit_ip(kNeighbour, 2000, now).allowed);
  // The key's budget is shared by every address using it.
  const RateDecision refused = limiter.admit_key(kKey, 2001, now);
  EXPECT_EQ(refused.http_status, 429);
  EXPECT_EQ(refused.error->code, -1003);
  EXPECT_TRUE(limiter.admit_key(kKey, 2000, now).allowed);
  EXPECT_TRUE(limiter.admit_key(kOtherKey, 6000, now).allowed);
  // The header reports the larger of the address's and the key's use.
  EXPECT_EQ(header(limiter.headers(kNeighbour, kKey, now, false, {}), "X-MBX-USED-WEIGHT-1M"), "6000");
  EXPECT_EQ(header(limiter.headers(kNeighbour, "", now, false, {}), "X-MBX-USED-WEIGHT-1M"), "2000");
  EXPECT_EQ(limiter.used_weight_key(kKey, now + kMinute), 0u);
}

TEST(RateLimiter, OrdersPerTenSecondsAndPerDay) {
  RateLimiter limiter(RateLimitConfig{.orders_per_10s = 100, .orders_per_day = 250});
  int64_t now = kStart + 3'000;  // 3 s into a 10-second window
  for (int i = 0; i < 100; i++) ASSERT_TRUE(limiter.admit_order(kKey, now).allowed) << i;
  std::vector<Header> headers = limiter.headers(kClient, kKey, now, true, {});
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-10S"), "100");
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-1D"), "100");
  EXPECT_EQ(header(limiter.headers(kClient, kKey, now, false, {}), "X-MBX-ORDER-COUNT-10S"), "(absent)");
  const RateDecision refused = limiter.admit_order(kKey, now + 1'500);
  EXPECT_EQ(refused.http_status, 429);
  EXPECT_EQ(refused.retry_after_s, 6u);  // 5.5 s left, rounded up
  EXPECT_EQ(refused.error->code, -1015);
  EXPECT_EQ(refused.error->message, "Too many new orders; current limit is 100 orders per 10 SECOND.");
  EXPECT_TRUE(limiter.admit_order(kOtherKey, now).allowed);  // per key
  // The next 10-second window admits again, until the day's 250.
  now = kStart + 10'000;
  for (int i = 0; i < 100; i++) ASSERT_TRUE(limiter.admit_order(kKey, now).allowed) << i;
  now += 10'000;
  for (int i = 0; i < 50; i++) ASSERT_TRUE(limiter.admit_order(kKey, now).allowed) << i;
  const RateDecision day = limiter.admit_order(kKey, now);
  EXPECT_EQ(day.http_status, 429);
  EXPECT_EQ(day.error->message, "Too many new orders; current limit is 250 orders per 1 DAY.");
  const int64_t next_day = (now / kDay + 1) * kDay;
  EXPECT_EQ(day.retry_after_s, static_cast<uint32_t>((next_day - now + 999) / 1000));
  headers = limiter.headers(kClient, kKey, now, true, day);
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-1D"), "250");
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-10S"), "50");
  // A later 10-second window of the same day: its count starts again, the day's does not; the minute's weight
  // likewise. A key never seen counts nothing.
  headers = limiter.headers(kClient, kKey, now + 10'000, true, {});
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-10S"), "0");
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-1D"), "250");
  EXPECT_EQ(header(headers, "Retry-After"), "(absent)");
  headers = limiter.headers(kClient, "an-unknown-key", now, true, {});
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-10S"), "0");
  EXPECT_EQ(header(headers, "X-MBX-ORDER-COUNT-1D"), "0");
  EXPECT_EQ(limiter.orders_day(kKey, next_day), 0u);
  EXPECT_TRUE(limiter.admit_order(kKey, next_day).allowed);
}

TEST(RateLimiter, HammeringAfter429EarnsEscalatingBans) {
  RateLimiter limiter;  // 10 strikes, bans from 2 minutes doubling to 3 days
  int64_t now = kStart;
  ASSERT_TRUE(limiter.admit_ip(kClient, 6000, now).allowed);
  for (int strike = 1; strike < 10; strike++) {
    const RateDecision d = limiter.admit_ip(kClient, 1, now + strike);
    EXPECT_EQ(d.http_status, 429) << strike;
  }
  const RateDecision ban = limiter.admit_ip(kClient, 1, now + 10);
  EXPECT_EQ(ban.http_status, 418);
  EXPECT_EQ(ban.retry_after_s, 120u);
  EXPECT_EQ(ban.error->code, -1003);
  EXPECT_EQ(ban.error->message, "Way too much request weight used; IP banned until " +
                                    std::to_string(now + 10 + 120'000) +
                                    ". Please use WebSocket Streams for live updates to avoid bans.");
  EXPECT_EQ(limiter.banned_until(kClient, now + 10), now + 10 + 120'000);
  // While banned, everything is refused with the time left, even in a new minute, without lengthening the ban.
  const RateDecision later = limiter.admit_ip(kClient, 1, now + 100'010);
  EXPECT_EQ(later.http_status, 418);
  EXPECT_EQ(later.retry_after_s, 20u);
  EXPECT_EQ(header(limiter.headers(kClient, "", now + 100'010, false, later), "Retry-After"), "20");
  EXPECT_EQ(limiter.banned_until(kClient, now + 10), now + 10 + 120'000);
  EXPECT_TRUE(limiter.admit_ip(kNeighbour, 1, now + 100'010).allowed);  // only that address
  // After the ban: admitted again.
  now += 10 + 120'000;
  EXPECT_EQ(limiter.banned_until(kClient, now), 0);
  EXPECT_TRUE(limiter.admit_ip(kClient, 1, now).allowed);
  // A second offence the same day: 4 minutes; a third: 8.
  const auto offend = [&](int64_t at) {
    EXPECT_TRUE(limiter.admit_ip(kClient, 6000, at).allowed);
    RateDecision d;
    for (int i = 0; i < 10; i++) d = limiter.admit_ip(kClient, 6000, at);
    return d;
  };
  now = (now / kMinute + 1) * kMinute;
  RateDecision second = offend(now);
  EXPECT_EQ(second.http_status, 418);
  EXPECT_EQ(second.retry_after_s, 240u);
  now += 240'000;
  now = (now / kMinute + 1) * kMinute;
  EXPECT_EQ(offend(now).retry_after_s, 480u);
  // A day without a ban forgets the earlier ones.
  now += 480'000 + kDay;
  now = (now / kMinute + 1) * kMinute;
  EXPECT_EQ(offend(now).retry_after_s, 120u);
}

TEST(RateLimiter, BanLengthIsCappedAtThreeDays) {
  RateLimiter limiter(RateLimitConfig{.strikes_before_ban = 1});
  int64_t now = kStart;
  uint32_t last = 0;
  for (int offence = 0; offence < 14; offence++) {
    now = (now / kMinute + 1) * kMinute;
    ASSERT_TRUE(limiter.admit_ip(kClient, 6000, now).allowed) << offence;
    const RateDecision ban = limiter.admit_ip(kClient, 1, now);
    ASSERT_EQ(ban.http_status, 418) << offence;
    EXPECT_GE(ban.retry_after_s, last);
    last = ban.retry_after_s;
    now = limiter.banned_until(kClient, now);
  }
  EXPECT_EQ(last, 3u * 24 * 3600);
}

TEST(RateLimiter, Ipv6ClientsShareTheirSlash64) {
  RateLimiter limiter;
  IpAddress a;
  IpAddress b;
  IpAddress c;
  ASSERT_TRUE(IpAddress::parse("2001:db8:1:2::1", &a));
  ASSERT_TRUE(IpAddress::parse("2001:db8:1:2:ffff::9", &b));
  ASSERT_TRUE(IpAddress::parse("2001:db8:1:3::1", &c));
  EXPECT_TRUE(limiter.admit_ip(a, 4000, kStart).allowed);
  EXPECT_FALSE(limiter.admit_ip(b, 2001, kStart).allowed);
  EXPECT_TRUE(limiter.admit_ip(c, 6000, kStart).allowed);
  EXPECT_EQ(limiter.used_weight_ip(b, kStart), 4000u);
  RateLimiter per_address(RateLimitConfig{.ipv6_group_bits = 128});
  EXPECT_TRUE(per_address.admit_ip(a, 4000, kStart).allowed);
  EXPECT_TRUE(per_address.admit_ip(b, 6000, kStart).allowed);
}

TEST(RateLimiter, MemoryIsBounded) {
  RateLimiter limiter(RateLimitConfig{.max_tracked_ips = 16, .max_tracked_keys = 8});
  int64_t now = kStart;
  // Many addresses within one minute: the table never passes its bound.
  for (int i = 0; i < 1000; i++) {
    const IpAddress address = IpAddress::v4(10, 0, static_cast<uint8_t>(i / 256), static_cast<uint8_t>(i % 256));
    ASSERT_TRUE(limiter.admit_ip(address, 1, now + i).allowed) << i;
    ASSERT_LE(limiter.tracked_ips(), 16u);
    const std::string key = std::string(63, 'k') + static_cast<char>('A' + i % 26);
    ASSERT_TRUE(limiter.admit_key(key, 1, now + i).allowed) << i;
    ASSERT_LE(limiter.tracked_keys(), 8u);
  }
  // The most recent clients are still counted.
  EXPECT_EQ(limiter.used_weight_ip(IpAddress::v4(10, 0, 3, 231), now + 999), 1u);
  // Once the windows pass, prune() forgets everyone without a ban or an order count for today.
  ASSERT_TRUE(limiter.admit_order(kKey, now + 1000).allowed);
  now += 2 * kMinute;
  limiter.prune(now);
  EXPECT_EQ(limiter.tracked_ips(), 0u);
  EXPECT_EQ(limiter.tracked_keys(), 1u);  // the key with today's order
  EXPECT_EQ(limiter.orders_day(kKey, now), 1u);
  limiter.prune(now + kDay);
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST(RateLimiter, BannedAddressesAreRemembered) {
  RateLimiter limiter(RateLimitConfig{.strikes_before_ban = 1});
  ASSERT_TRUE(limiter.admit_ip(kClient, 6000, kStart).allowed);
  ASSERT_EQ(limiter.admit_ip(kClient, 1, kStart).http_status, 418);
  limiter.prune(kStart + 10 * kMinute);
  EXPECT_EQ(limiter.tracked_ips(), 1u);
  EXPECT_EQ(limiter.admit_ip(kClient, 1, kStart + 10 * kMinute).http_status, 200);
  limiter.prune(kStart + 2 * kDay);
  EXPECT_EQ(limiter.tracked_ips(), 0u);
}

TEST(RateLimiter, TimeGoingBackCountsIntoTheCurrentWindow) {
  RateLimiter limiter;
  ASSERT_TRUE(limiter.admit_ip(kClient, 5000, kStart).allowed);
  // A clock step back across the minute boundary does not reset the count.
  EXPECT_FALSE(limiter.admit_ip(kClient, 1001, kStart - kMinute).allowed);
  EXPECT_TRUE(limiter.admit_ip(kClient, 1000, kStart - kMinute).allowed);
}

}  // namespace
}  // namespace qz::server
