// libFuzzer target: the monitoring config file (monitor/config.h).
//
// Input: the text of a config file. parse_config never crashes; on failure the message names a line and the config
// is untouched; on success every value is in its documented range, format_config of the result parses back to the
// same config, and formatting that gives the same text again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "monitor/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const qz::monitor::Config defaults;
  qz::monitor::Config config;
  const qz::Status status = qz::monitor::parse_config(text, &config);
  if (!status.is_ok()) {
    QZ_ASSERT(status.message().rfind("line ", 0) == 0);
    QZ_ASSERT(config == defaults);
    return 0;
  }
  QZ_ASSERT(config.structuring.threshold_tiyn > 0);
  QZ_ASSERT(config.structuring.margin_bps >= 1 && config.structuring.margin_bps <= 10'000);
  QZ_ASSERT(config.structuring.window_ns > 0 && config.velocity.window_ns > 0 && config.spoofing.window_ns > 0);
  QZ_ASSERT(config.velocity.factor_pct >= 100);
  QZ_ASSERT(std::is_sorted(config.high_risk.countries.begin(), config.high_risk.countries.end()));
  QZ_ASSERT(std::adjacent_find(config.high_risk.countries.begin(), config.high_risk.countries.end()) ==
            config.high_risk.countries.end());
  for (const std::string& code : config.high_risk.countries) QZ_ASSERT(code.size() == 2);
  for (const auto& [client, owner] : config.wash_trading.owners) QZ_ASSERT(client != 0 && owner != 0);

  const std::string formatted = qz::monitor::format_config(config);
  qz::monitor::Config again;
  const qz::Status reparsed = qz::monitor::parse_config(formatted, &again);
  QZ_ASSERT(reparsed.is_ok());
  QZ_ASSERT(again == config);
  QZ_ASSERT(qz::monitor::format_config(again) == formatted);
  return 0;
}
