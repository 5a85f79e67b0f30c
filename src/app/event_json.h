// Engine events as one-line JSON objects: the output of `qazna exec` (format in docs/cli.md).
//
// Amounts are decimal strings at the scale of the asset of the account involved (format_decimal), with the asset
// code beside them; prices and quantities of market and order events are at the market's quote and base scales;
// ids are integers; result codes appear as number, name and (for anything but ok) message.
// Every account named by an event must exist in `ledger` (accounts are never deleted, so the live ledger after
// the event's block always qualifies).
#pragma once

#include <cstdint>
#include <string>

#include "app/exec_input.h"
#include "app/market_directory.h"
#include "engine/event.h"
#include "ledger/ledger.h"

namespace qz::app {

// `origin` is the input line of the command (nullptr for events with no command, such as hold_expired).
// `markets` gives market and order events their scales and asset codes, and follows the event (observe) once it
// is formatted, so it must see every event in order. Without it, or for a market or order it does not know,
// prices and quantities print as integers of minor units in fields named `<name>_minor`.
std::string event_json(const Event& event, uint64_t height, const CommandOrigin* origin, const Ledger& ledger,
                       MarketDirectory* markets);
std::string event_json(const Event& event, uint64_t height, const CommandOrigin* origin, const Ledger& ledger);

// "by_owner", "ioc_remainder", ... (OrderEndReason's names); "unknown" otherwise.
const char* order_end_reason_name(uint8_t reason);

// "1250.00" for `minor` units of the asset of `account_id`; *code receives the asset code.
std::string format_account_amount(const Ledger& ledger, uint64_t account_id, int64_t minor, std::string* code);

}  // namespace qz::app
