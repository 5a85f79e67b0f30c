#include "monitor/config.h"

#include <algorithm>
#include <set>

#include "base/decimal.h"
#include "base/sha256.h"
#include "ledger/ledger.h"

namespace qz::monitor {

namespace {

constexpr uint64_t kMaxSeconds = 10ull * 366 * 24 * 3'600;  // ten years
constexpr uint64_t kMaxCount = 1'000'000;

enum class Type : uint8_t { flag, tiyn, seconds, u32, countries, owner, asset };

// One key of the file: its type, the range of its value and where it lives in the Config.
struct Key {
  const char* name;
  Type type;
  uint64_t min;
  uint64_t max;
  bool* (*flag)(Config&) = nullptr;
  int64_t* (*tiyn)(Config&) = nullptr;
  uint64_t* (*ns)(Config&) = nullptr;
  uint32_t* (*u32)(Config&) = nullptr;
};

Key flag(const char* name, bool* (*at)(Config&)) {
  return Key{.name = name, .type = Type::flag, .min = 0, .max = 1, .flag = at};
}
Key tiyn(const char* name, uint64_t min, int64_t* (*at)(Config&)) {
  return Key{.name = name, .type = Type::tiyn, .min = min, .max = INT64_MAX, .tiyn = at};
}
Key seconds(const char* name, uint64_t min, uint64_t* (*at)(Config&)) {
  return Key{.name = name, .type = Type::seconds, .min = min, .max = kMaxSeconds, .ns = at};
}
Key u32(const char* name, uint64_t min, uint64_t max, uint32_t* (*at)(Config&)) {
  return Key{.name = name, .type = Type::u32, .min = min, .max = max, .u32 = at};
}
Key special(const char* name, Type type) { return Key{.name = name, .type = type, .min = 0, .max = 0}; }

// In the order format_config writes them.
const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      special("tenge_asset", Type::asset),
      flag("structuring.enabled", [](Config& c) { return &c.structuring.enabled; }),
      tiyn("structuring.threshold", 1, [](Config& c) { return &c.structuring.threshold_tiyn; }),
      u32("structuring.margin_bps", 1, 10'000, [](Config& c) { return &c.structuring.margin_bps; }),
      u32("structuring.min_count", 1, kMaxCount, [](Config& c) { return &c.structuring.min_count; }),
      seconds("structuring.window_s", 1, [](Config& c) { return &c.structuring.window_ns; }),
      flag("rapid_in_out.enabled", [](Config& c) { return &c.rapid_in_out.enabled; }),
      seconds("rapid_in_out.window_s", 1, [](Config& c) { return &c.rapid_in_out.window_ns; }),
      u32("rapid_in_out.min_out_bps", 1, 10'000, [](Config& c) { return &c.rapid_in_out.min_out_bps; }),
      u32("rapid_in_out.max_traded_bps", 0, 10'000, [](Config& c) { return &c.rapid_in_out.max_traded_bps; }),
      flag("velocity.enabled", [](Config& c) { return &c.velocity.enabled; }),
      seconds("velocity.window_s", 1, [](Config& c) { return &c.velocity.window_ns; }),
      seconds("velocity.baseline_s", 1, [](Config& c) { return &c.velocity.baseline_ns; }),
      seconds("velocity.min_history_s", 1, [](Config& c) { return &c.velocity.min_history_ns; }),
      u32("velocity.factor_pct", 100, kMaxCount, [](Config& c) { return &c.velocity.factor_pct; }),
      tiyn("velocity.min_value", 0, [](Config& c) { return &c.velocity.min_value_tiyn; }),
      flag("high_risk.enabled", [](Config& c) { return &c.high_risk.enabled; }),
      special("high_risk.countries", Type::countries),
      tiyn("high_risk.min_value", 0, [](Config& c) { return &c.high_risk.min_value_tiyn; }),
      flag("wash_trading.enabled", [](Config& c) { return &c.wash_trading.enabled; }),
      special("wash_trading.owner", Type::owner),
      seconds("wash_trading.window_s", 1, [](Config& c) { return &c.wash_trading.window_ns; }),
      u32("wash_trading.min_count", 1, kMaxCount, [](Config& c) { return &c.wash_trading.min_count; }),
      tiyn("wash_trading.min_volume", 0, [](Config& c) { return &c.wash_trading.min_volume_tiyn; }),
      flag("spoofing.enabled", [](Config& c) { return &c.spoofing.enabled; }),
      u32("spoofing.size_vs_touch_pct", 0, kMaxCount, [](Config& c) { return &c.spoofing.size_vs_touch_pct; }),
      tiyn("spoofing.min_notional", 0, [](Config& c) { return &c.spoofing.min_notional_tiyn; }),
      u32("spoofing.distance_ticks", 0, 1'000'000'000, [](Config& c) { return &c.spoofing.distance_ticks; }),
      u32("spoofing.distance_bps", 0, 10'000, [](Config& c) { return &c.spoofing.distance_bps; }),
      seconds("spoofing.max_lifetime_s", 0, [](Config& c) { return &c.spoofing.max_lifetime_ns; }),
      u32("spoofing.max_filled_bps", 0, 10'000, [](Config& c) { return &c.spoofing.max_filled_bps; }),
      seconds("spoofing.window_s", 1, [](Config& c) { return &c.spoofing.window_ns; }),
      u32("spoofing.min_count", 1, kMaxCount, [](Config& c) { return &c.spoofing.min_count; }),
  };
  return table;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// A whole number written with digits only, at most `max`.
bool parse_whole(std::string_view text, uint64_t max, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  if (value > max) return false;
  *out = value;
  return true;
}

bool country_ok(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

// Applies one `key = value` to *config; "" when fine, else what is wrong (without the line number).
std::string apply(const Key& key, std::string_view value, Config* config) {
  std::string quoted(1, '"');  // built by appending: g++ 12 warns falsely (-Wrestrict) on "literal" + string
  quoted.append(value);
  quoted += '"';
  switch (key.type) {
    case Type::flag:
      if (value == "true") {
        *key.flag(*config) = true;
      } else if (value == "false") {
        *key.flag(*config) = false;
      } else {
        return "must be true or false, got " + quoted;
      }
      return "";
    case Type::tiyn: {
      int64_t minor = 0;
      const DecimalError error = parse_decimal(value, 2, &minor);
      if (error != DecimalError::ok) {
        return "must be a tenge amount with at most 2 decimals, got " + quoted + " (" + decimal_error_message(error) +
               ")";
      }
      if (static_cast<uint64_t>(minor) < key.min) return "must be above 0, got " + quoted;
      *key.tiyn(*config) = minor;
      return "";
    }
    case Type::seconds:
    case Type::u32: {
      uint64_t number = 0;
      if (!parse_whole(value, UINT64_MAX, &number) || number < key.min || number > key.max) {
        return "must be a whole number from " + std::to_string(key.min) + " to " + std::to_string(key.max) + ", got " +
               quoted;
      }
      if (key.type == Type::seconds) {
        *key.ns(*config) = number * kSecondNs;
      } else {
        *key.u32(*config) = static_cast<uint32_t>(number);
      }
      return "";
    }
    case Type::asset:
      if (!asset_code_valid(value)) return "must be an asset code (1-12 of A-Z, 0-9), got " + quoted;
      config->tenge_asset = std::string(value);
      return "";
    case Type::countries: {
      std::set<std::string> codes;
      if (value != "none") {
        size_t start = 0;
        while (start <= value.size()) {
          size_t comma = value.find(',', start);
          if (comma == std::string_view::npos) comma = value.size();
          const std::string_view code = trim(value.substr(start, comma - start));
          if (!country_ok(code)) {
            return "must be two-letter country codes (A-Z) separated by commas, or none; \"" + std::string(code) +
                   "\" is not one";
          }
          codes.emplace(code);
          start = comma + 1;
        }
      }
      config->high_risk.countries.assign(codes.begin(), codes.end());
      return "";
    }
    case Type::owner: {
      const size_t colon = value.find(':');
      uint64_t client = 0;
      uint64_t owner = 0;
      if (colon == std::string_view::npos || !parse_whole(trim(value.substr(0, colon)), UINT64_MAX, &client) ||
          !parse_whole(trim(value.substr(colon + 1)), UINT64_MAX, &owner) || client == 0 || owner == 0) {
        return "must be CLIENT:OWNER, two user ids above 0, got " + quoted;
      }
      if (!config->wash_trading.owners.emplace(client, owner).second) {
        return "client " + std::to_string(client) + " already has a beneficial owner";
      }
      return "";
    }
  }
  return "unknown key type";
}

}  // namespace

Status parse_config(std::string_view text, Config* out) {
  Config config = *out;
  bool owners_given = false;  // the file's pairs replace the map; every other key overrides one value
  std::set<std::string> seen;
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    line_number++;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos) return Status::error(where + "expected key = value");
    const std::string_view name = trim(line.substr(0, equals));
    const std::string_view value = trim(line.substr(equals + 1));
    const auto& table = keys();
    const auto key = std::find_if(table.begin(), table.end(), [&](const Key& k) { return name == k.name; });
    if (key == table.end()) {
      return Status::error(where + "unknown key \"" + std::string(name) + "\" (keys: docs/monitor.md)");
    }
    if (key->type != Type::owner && !seen.emplace(name).second) {
      return Status::error(where + std::string(name) + " is given twice");
    }
    if (value.empty()) return Status::error(where + std::string(name) + ": the value is missing");
    if (key->type == Type::owner && !owners_given) {
      config.wash_trading.owners.clear();
      owners_given = true;
    }
    const std::string problem = apply(*key, value, &config);
    if (!problem.empty()) return Status::error(where + std::string(name) + ": " + problem);
  }
  *out = std::move(config);
  return Status::ok();
}

std::string format_config(const Config& config) {
  std::string out;
  Config copy = config;
  for (const Key& key : keys()) {
    switch (key.type) {
      case Type::flag: out += std::string(key.name) + " = " + (*key.flag(copy) ? "true" : "false") + "\n"; break;
      case Type::tiyn: out += std::string(key.name) + " = " + format_decimal(*key.tiyn(copy), 2) + "\n"; break;
      case Type::seconds:
        out += std::string(key.name) + " = " + std::to_string(*key.ns(copy) / kSecondNs) + "\n";
        break;
      case Type::u32: out += std::string(key.name) + " = " + std::to_string(*key.u32(copy)) + "\n"; break;
      case Type::asset: out += std::string(key.name) + " = " + config.tenge_asset + "\n"; break;
      case Type::countries: {
        std::string list;
        for (const std::string& code : config.high_risk.countries) {
          if (!list.empty()) list += ',';
          list += code;
        }
        out += std::string(key.name) + " = " + (list.empty() ? "none" : list) + "\n";
        break;
      }
      case Type::owner:
        for (const auto& [client, owner] : config.wash_trading.owners) {
          out += std::string(key.name) + " = " + std::to_string(client) + ":" + std::to_string(owner) + "\n";
        }
        break;
    }
  }
  return out;
}

std::string config_digest(const Config& config) { return sha256(format_config(config)).hex(); }

}  // namespace qz::monitor
