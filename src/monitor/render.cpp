#include "monitor/render.h"

#include <cstdio>
#include <ctime>

#include "base/decimal.h"
#include "json/writer.h"

namespace qz::monitor {

std::string format_time_utc(uint64_t time_ns) {
  const auto seconds = static_cast<std::time_t>(time_ns / kSecondNs);
  const auto millis = static_cast<unsigned>(time_ns % kSecondNs / 1'000'000);
  std::tm parts{};
  if (gmtime_r(&seconds, &parts) == nullptr) return std::to_string(time_ns) + "ns";
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, millis);
  return text;
}

std::string evidence_amount_text(const Evidence& evidence, const std::string& tenge) {
  if (evidence.asset.empty()) return "";
  std::string text = format_decimal(evidence.amount_minor, evidence.scale) + " " + evidence.asset;
  if (evidence.asset != tenge) {
    text += evidence.value_tiyn == kNoValue ? " (no tenge value: no rate)"
                                            : " (" + format_decimal(evidence.value_tiyn, 2) + " " + tenge + ")";
  }
  return text;
}

std::string alert_json(const Alert& alert, const std::string& tenge) {
  json::Writer json;
  json.begin_object()
      .field("alert", alert.id)
      .field("rule", rule_name(alert.rule))
      .field("client", alert.client)
      .field("height", alert.height)
      .field("time", format_time_utc(alert.time_ns))
      .field("time_ns", alert.time_ns)
      .field("summary", alert.summary);
  json.key("evidence").begin_array();
  for (const Evidence& e : alert.evidence) {
    json.begin_object()
        .field("height", e.height)
        .field("event", e.event_index)
        .field("kind", event_kind_name(e.kind))
        .field("label", e.label)
        .field("time", format_time_utc(e.time_ns))
        .field("time_ns", e.time_ns)
        .field("client", e.client)
        .field("id", e.object_id);
    if (!e.asset.empty()) {
      json.field("asset", e.asset).field("amount", json::Decimal{format_decimal(e.amount_minor, e.scale)});
      json.key("value_" + tenge);
      if (e.value_tiyn == kNoValue) {
        json.null();
      } else {
        json.decimal(format_decimal(e.value_tiyn, 2));
      }
    }
    json.field("detail", e.detail).end_object();
  }
  json.end_array().end_object();
  return json.take();
}

std::string alert_text(const Alert& alert, const std::string& tenge, const std::string& indent) {
  std::string out = indent + "alert " + std::to_string(alert.id) + "  " + rule_name(alert.rule) + "  client " +
                    std::to_string(alert.client) + "  block " + std::to_string(alert.height) + "  " +
                    format_time_utc(alert.time_ns) + "\n";
  out += indent + "  " + alert.summary + "\n";
  for (const Evidence& e : alert.evidence) {
    out += indent + "    block " + std::to_string(e.height) + " event " + std::to_string(e.event_index) + "  " +
           format_time_utc(e.time_ns) + "  " + e.label;
    const std::string amount = evidence_amount_text(e, tenge);
    if (!amount.empty()) out += "  " + amount;
    if (!e.detail.empty()) out += "  [" + e.detail + "]";
    out += "\n";
  }
  return out;
}

}  // namespace qz::monitor
