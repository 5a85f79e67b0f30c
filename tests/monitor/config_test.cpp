// The monitoring config file: defaults, every key, the round trip through format_config, and refusals that name
// the line and leave the config untouched.
#include <gtest/gtest.h>

#include <string>

#include "monitor/config.h"

namespace qz::monitor {
namespace {

TEST(MonitorConfig, DefaultsAreTheDocumentedOnes) {
  const Config config;
  EXPECT_EQ(config.tenge_asset, "KZT");
  EXPECT_EQ(config.structuring.threshold_tiyn, 7'000'000'00);
  EXPECT_EQ(config.structuring.margin_bps, 1'000u);
  EXPECT_EQ(config.structuring.min_count, 3u);
  EXPECT_EQ(config.structuring.window_ns, kDayNs);
  EXPECT_EQ(config.rapid_in_out.min_out_bps, 9'000u);
  EXPECT_EQ(config.rapid_in_out.max_traded_bps, 1'000u);
  EXPECT_EQ(config.velocity.factor_pct, 500u);
  EXPECT_EQ(config.velocity.min_history_ns, 7 * kDayNs);
  EXPECT_EQ(config.high_risk.countries, (std::vector<std::string>{"IR", "KP", "MM"}));
  EXPECT_TRUE(config.wash_trading.owners.empty());
  EXPECT_EQ(config.spoofing.distance_bps, 10u);
  EXPECT_EQ(config.spoofing.max_lifetime_ns, 30 * kSecondNs);
}

TEST(MonitorConfig, ParsesEveryKindOfValue) {
  Config config;
  const Status status = parse_config(
      "# a venue's thresholds\n"
      "\n"
      "structuring.threshold = 1000000.00   # tenge\n"
      "structuring.margin_bps=500\n"
      "  structuring.window_s = 3600\r\n"
      "rapid_in_out.enabled = false\n"
      "velocity.factor_pct = 1000\n"
      "velocity.min_value = 0\n"
      "high_risk.countries = MM, KP,KP\n"
      "wash_trading.owner = 102:101\n"
      "wash_trading.owner = 103 : 101\n"
      "spoofing.max_lifetime_s = 0\n"
      "tenge_asset = KZTD\n",
      &config);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(config.structuring.threshold_tiyn, 1'000'000'00);
  EXPECT_EQ(config.structuring.margin_bps, 500u);
  EXPECT_EQ(config.structuring.window_ns, kHourNs);
  EXPECT_FALSE(config.rapid_in_out.enabled);
  EXPECT_EQ(config.velocity.factor_pct, 1'000u);
  EXPECT_EQ(config.velocity.min_value_tiyn, 0);
  EXPECT_EQ(config.high_risk.countries, (std::vector<std::string>{"KP", "MM"}));
  EXPECT_EQ(config.wash_trading.owners, (std::map<uint64_t, uint64_t>{{102, 101}, {103, 101}}));
  EXPECT_EQ(config.spoofing.max_lifetime_ns, 0u);
  EXPECT_EQ(config.tenge_asset, "KZTD");
  EXPECT_EQ(config.spoofing.min_count, 3u);  // untouched keys keep their defaults

  Config none;
  ASSERT_TRUE(parse_config("high_risk.countries = none\n", &none).is_ok());
  EXPECT_TRUE(none.high_risk.countries.empty());
}

TEST(MonitorConfig, FormatRoundTrips) {
  Config config;
  config.wash_trading.owners = {{7, 8}, {9, 8}};
  config.high_risk.countries = {"AF", "KP"};
  config.velocity.min_value_tiyn = 12'34;
  config.spoofing.enabled = false;
  const std::string text = format_config(config);
  Config again;
  ASSERT_TRUE(parse_config(text, &again).is_ok()) << text;
  EXPECT_EQ(again, config);
  EXPECT_EQ(format_config(again), text);
  EXPECT_NE(text.find("velocity.min_value = 12.34\n"), std::string::npos) << text;
  EXPECT_EQ(config_digest(config), config_digest(again));
  EXPECT_NE(config_digest(config), config_digest(Config{}));
}

TEST(MonitorConfig, RefusalsNameTheLineAndChangeNothing) {
  struct Row {
    const char* text;
    const char* message;
  };
  const Row rows[] = {
      {"structuring.threshold 5\n", "line 1: expected key = value"},
      {"\nstructuring.treshold = 5\n", "line 2: unknown key \"structuring.treshold\""},
      {"structuring.min_count = 2\nstructuring.min_count = 3\n", "line 2: structuring.min_count is given twice"},
      {"structuring.min_count =\n", "line 1: structuring.min_count: the value is missing"},
      {"structuring.min_count = 0\n", "must be a whole number from 1 to 1000000, got \"0\""},
      {"structuring.min_count = -1\n", "got \"-1\""},
      {"structuring.margin_bps = 10001\n", "from 1 to 10000"},
      {"structuring.threshold = 0\n", "must be above 0"},
      {"structuring.threshold = 1.005\n", "at most 2 decimals"},
      {"structuring.window_s = 99999999999999999999999\n", "got \"99999999999999999999999\""},
      {"velocity.factor_pct = 99\n", "from 100 to"},
      {"rapid_in_out.enabled = yes\n", "must be true or false"},
      {"high_risk.countries = IR, iran\n", "\"iran\" is not one"},
      {"high_risk.countries = IR,\n", "\"\" is not one"},
      {"wash_trading.owner = 5\n", "must be CLIENT:OWNER"},
      {"wash_trading.owner = 0:5\n", "must be CLIENT:OWNER"},
      {"wash_trading.owner = 5:6\nwash_trading.owner = 5:7\n", "line 2: wash_trading.owner: client 5 already has"},
      {"tenge_asset = kzt\n", "must be an asset code"},
  };
  for (const Row& row : rows) {
    Config config;
    config.wash_trading.owners = {{1, 2}};
    const Config before = config;
    const Status status = parse_config(row.text, &config);
    ASSERT_FALSE(status.is_ok()) << row.text;
    EXPECT_NE(status.message().find(row.message), std::string::npos) << row.text << " -> " << status.message();
    EXPECT_EQ(config, before) << row.text;
  }
}

TEST(MonitorConfig, OwnersInTheFileReplaceThoseGiven) {
  Config config;
  config.wash_trading.owners = {{1, 2}};
  ASSERT_TRUE(parse_config("wash_trading.min_count = 2\n", &config).is_ok());
  EXPECT_EQ(config.wash_trading.owners, (std::map<uint64_t, uint64_t>{{1, 2}}));
  ASSERT_TRUE(parse_config("wash_trading.owner = 3:4\n", &config).is_ok());
  EXPECT_EQ(config.wash_trading.owners, (std::map<uint64_t, uint64_t>{{3, 4}}));
}

}  // namespace
}  // namespace qz::monitor
