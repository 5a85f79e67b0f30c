// Alerts as text for people and as JSON for tools (formats in docs/monitor.md).
#pragma once

#include <cstdint>
#include <string>

#include "monitor/monitor.h"

namespace qz::monitor {

// "2023-11-14T22:13:20.000Z": a block time (ns since the Unix epoch) in UTC, to the millisecond.
std::string format_time_utc(uint64_t time_ns);

// "6900000.00 KZT (6900000.00 KZT)": the evidence's amount and, when known and a different asset, its tenge value;
// "" when the evidence carries no amount. `tenge` is the tenge asset's code.
std::string evidence_amount_text(const Evidence& evidence, const std::string& tenge);

// One JSON object on one line, without a newline.
std::string alert_json(const Alert& alert, const std::string& tenge);

// A few lines, each ending in a newline, each prefixed with `indent`.
std::string alert_text(const Alert& alert, const std::string& tenge, const std::string& indent = "");

}  // namespace qz::monitor
