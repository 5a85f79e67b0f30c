// AML and market-abuse monitoring over the engine's output (docs/monitor.md).
//
// The Monitor consumes, block by block, what the engine produced: (height, block time, the block's commands, the
// block's events), and raises alerts. It derives everything it needs from that stream alone: accounts' owners and
// kinds from account_opened, orders' owners from order_accepted's account, client facts from client_registered /
// client_updated / client_status_changed, conversion rates from conversion_rate_set, the book's touch from
// level_changed. It never reads the Engine's state, so in a server it runs on a thread of its own.
//
// Deterministic: the same blocks and the same Config give the same alerts, in the same order, with the same dense
// ids (from 1), on any machine. Times are block times. Rules run per event in stream order, and on one event in
// the order of the Rule enum. Alerts never depend on later blocks, so an alert keeps its id as the journal grows
// (under the same Config). State is kept in ordered maps; nothing hash-ordered reaches an alert.
//
// Single-threaded: one thread calls on_block.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "engine/event.h"
#include "monitor/config.h"
#include "rules/clients.h"

namespace qz::monitor {

enum class Rule : uint8_t {
  structuring = 1,
  rapid_in_out = 2,
  velocity = 3,
  high_risk_jurisdiction = 4,
  wash_trading = 5,
  spoofing = 6,
};
inline constexpr uint8_t kRuleCount = 6;

const char* rule_name(Rule rule);  // "structuring"; "unknown" otherwise
[[nodiscard]] bool rule_from_name(std::string_view name, Rule* out);

inline constexpr int64_t kNoValue = -1;  // an amount of an asset without a conversion rate

// One event that made an alert fire.
struct Evidence {
  uint64_t height = 0;
  uint32_t event_index = 0;  // position among the block's events
  EventKind kind = EventKind::rejected;
  uint64_t time_ns = 0;    // the block's time
  uint64_t client = 0;     // whose event it is (0: none)
  uint64_t object_id = 0;  // the transfer, hold, order, trade or client the event names
  std::string label;       // "deposit", "withdrawal", "wash trade", "order rested", "order cancelled", ...
  std::string asset;       // the amount's asset code; "" when the evidence carries no amount
  uint8_t scale = 0;
  int64_t amount_minor = 0;
  int64_t value_tiyn = kNoValue;  // tenge value at the journaled rate of the moment; kNoValue without a rate
  std::string detail;             // one short line: why this event counts
  bool operator==(const Evidence&) const = default;
};

struct Alert {
  uint64_t id = 0;  // dense from 1 in the order raised
  Rule rule = Rule::structuring;
  uint64_t client = 0;  // the subject: the client, or the beneficial owner for wash trading
  uint64_t height = 0;  // the block in which it fired
  uint64_t time_ns = 0;
  std::string summary;             // one line
  std::vector<Evidence> evidence;  // in stream order
  bool operator==(const Alert&) const = default;
};

// A client as the stream describes it.
struct ClientView {
  uint64_t id = 0;
  ClientFacts facts;
  ClientStatus status = ClientStatus::pending;
  uint64_t facts_height = 0;  // the block of the latest client event
};

struct BlockView {
  uint64_t height = 0;
  uint64_t time_ns = 0;
  std::span<const Command> commands;
  std::span<const Event> events;  // command_index of each is kNoCommand or below commands.size()
};

struct MonitorStats {
  uint64_t blocks = 0;
  uint64_t events = 0;
  uint64_t deposits = 0;
  uint64_t withdrawals = 0;
  uint64_t unvalued_movements = 0;  // deposits and withdrawals of assets with no rate: no tenge value
  uint64_t trades = 0;
  uint64_t alerts = 0;
  uint64_t alerts_by_rule[kRuleCount + 1] = {};  // index = Rule
};

class Monitor {
 public:
  explicit Monitor(Config config = {});
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Precondition (asserted): heights and times increase from block to block. Appends the alerts this block
  // raised to *alerts.
  void on_block(const BlockView& block, std::vector<Alert>* alerts);

  const Config& config() const;
  const MonitorStats& stats() const;
  // The client's facts as the stream gave them; nullptr for a user never registered.
  const ClientView* client(uint64_t id) const;
  // The tenge value of `amount_minor` of `asset` at the rate known now (rounded up); kNoValue without a rate.
  int64_t value_tiyn(uint32_t asset, int64_t amount_minor) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace qz::monitor
