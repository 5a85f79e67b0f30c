// The thresholds of the monitoring rules (docs/monitor.md), and their text file.
//
// Every threshold has a documented default (the member initialisers below). A file overrides any of them, one
// `key = value` per line; `#` starts a comment; blank lines are skipped. Tenge amounts are decimal text with at
// most two decimals ("7000000.00"), durations whole seconds, ratios whole basis points or percent as the key
// says, countries comma-separated ISO 3166-1 alpha-2 codes, owners `client:owner` pairs. An unknown key, a key
// given twice (except wash.owner, which adds one pair per line) or a value out of range refuses the whole file
// with a message naming the line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace qz::monitor {

inline constexpr uint64_t kSecondNs = 1'000'000'000;
inline constexpr uint64_t kHourNs = 3'600 * kSecondNs;
inline constexpr uint64_t kDayNs = 24 * kHourNs;

struct StructuringConfig {
  bool enabled = true;
  int64_t threshold_tiyn = 7'000'000'00;  // the reporting threshold, tenge minor units
  uint32_t margin_bps = 1'000;            // "just under": at least threshold * (1 - margin) and below it
  uint32_t min_count = 3;                 // such movements of one direction within the window
  uint64_t window_ns = kDayNs;
  bool operator==(const StructuringConfig&) const = default;
};

struct RapidInOutConfig {
  bool enabled = true;
  uint64_t window_ns = kDayNs;      // a withdrawal at most this long after the deposits it takes out
  uint32_t min_out_bps = 9'000;     // withdrawn at least this share of the deposits (same asset)
  uint32_t max_traded_bps = 1'000;  // while trading less than this share of them in that asset
  bool operator==(const RapidInOutConfig&) const = default;
};

struct VelocityConfig {
  bool enabled = true;
  uint64_t window_ns = kDayNs;            // the recent window
  uint64_t baseline_ns = 30 * kDayNs;     // the trailing baseline before it (shorter if the history is)
  uint64_t min_history_ns = 7 * kDayNs;   // no alert until the baseline spans at least this
  uint32_t factor_pct = 500;              // recent flow above factor * the baseline's average per window
  int64_t min_value_tiyn = 1'000'000'00;  // and at least this much (applied only when the asset has a rate)
  bool operator==(const VelocityConfig&) const = default;
};

struct HighRiskConfig {
  bool enabled = true;
  std::vector<std::string> countries = {"IR", "KP", "MM"};  // sorted, unique; FATF "call for action"
  int64_t min_value_tiyn = 0;  // deposits and withdrawals of such clients from this value (0: every one)
  bool operator==(const HighRiskConfig&) const = default;
};

struct WashTradingConfig {
  bool enabled = true;
  std::map<uint64_t, uint64_t> owners;  // client -> beneficial owner; a client not listed is its own owner
  uint64_t window_ns = kDayNs;
  uint32_t min_count = 3;       // trades with the same beneficial owner on both sides, within the window
  int64_t min_volume_tiyn = 0;  // and at least this notional in tenge (0: no minimum)
  bool operator==(const WashTradingConfig&) const = default;
};

struct SpoofingConfig {
  bool enabled = true;
  uint32_t size_vs_touch_pct = 300;           // large: visible size >= this % of the touch's size (0: off) ...
  int64_t min_notional_tiyn = 50'000'000'00;  // ... or a notional of at least this in tenge (0: off)
  uint32_t distance_ticks = 0;                // away: at least this many ticks behind the touch (0: off) ...
  uint32_t distance_bps = 10;                 // ... or at least this many basis points behind it (0: off)
  uint64_t max_lifetime_ns = 30 * kSecondNs;  // cancelled by its owner at most this long after placement
  uint32_t max_filled_bps = 1'000;            // having filled less than this share of its quantity
  uint64_t window_ns = kHourNs;
  uint32_t min_count = 3;  // such orders of one client within the window
  bool operator==(const SpoofingConfig&) const = default;
};

struct Config {
  std::string tenge_asset = "KZT";  // the asset whose minor units are tiyn (valued without a rate)
  StructuringConfig structuring;
  RapidInOutConfig rapid_in_out;
  VelocityConfig velocity;
  HighRiskConfig high_risk;
  WashTradingConfig wash_trading;
  SpoofingConfig spoofing;
  bool operator==(const Config&) const = default;
};

// Parses a config file over the defaults into *out. On an error *out is unchanged and the message reads
// "line N: ..." (or names the problem with the whole file).
[[nodiscard]] Status parse_config(std::string_view text, Config* out);

// Every key with its value, one per line in a fixed order; parse_config of it gives back `config`.
std::string format_config(const Config& config);

// SHA-256 hex of format_config: names the configuration an alert was raised under.
std::string config_digest(const Config& config);

}  // namespace qz::monitor
