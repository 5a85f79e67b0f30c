// libFuzzer target: Engine::apply on arbitrary command streams (engine/engine.h), and snapshots of the result.
//
// Input: 65-byte units, each a control byte followed by a 64-byte command record that is handed to the engine
// as it is (the engine runs validate_command itself, so malformed records must come back as rejections).
// Control bit 0 closes the block after this command; bits 1-7 advance the next block's time by that many
// seconds (plus 1 ns), so holds with timeouts expire. Small ledger limits let the limit codes be reached.
// Checks:
//   - after every block: every event decodes (known kind and result code, reserved fields zero), each command
//     has at least one event, in command order after the block's expiries, and check_invariants() holds;
//   - the same input applied to a second engine gives byte-identical events and the same state hash;
//   - the final state survives a snapshot: it loads into a fresh engine with the same state hash and writes
//     back the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/sha256.h"
#include "engine/command.h"
#include "engine/engine.h"
#include "engine/event.h"

namespace {

constexpr size_t kUnitSize = 1 + qz::kCommandSize;
constexpr uint64_t kSecondNs = 1'000'000'000;
constexpr qz::LedgerLimits kLimits{.max_assets = 4, .max_accounts = 32, .max_live_holds = 16};
constexpr qz::MarketLimits kMarketLimits{.max_markets = 2, .orders_per_market = 64, .window_levels = 64, .candle_history = 4};

void check_block_events(std::span<const qz::Event> events, size_t command_count) {
  QZ_ASSERT_GE(events.size(), command_count);
  size_t i = 0;
  while (i < events.size() && events[i].command_index == qz::kNoCommand) {
    // Block start: hold expiries, good-till-date expiries with their level changes, closed candles, the digital
    // tenge's delayed releases and program expiries with their postings, lot changes and closed releases.
    const qz::EventKind kind = events[i].event_kind();
    QZ_ASSERT(kind == qz::EventKind::hold_expired || kind == qz::EventKind::order_expired ||
              kind == qz::EventKind::level_changed || kind == qz::EventKind::candle_closed ||
              kind == qz::EventKind::release_done || kind == qz::EventKind::program_expired ||
              kind == qz::EventKind::transfer_posted || kind == qz::EventKind::lot_changed ||
              kind == qz::EventKind::release_closed);
    i++;
  }
  uint32_t expected_next = 0;  // every command index appears, in order
  for (; i < events.size(); i++) {
    const qz::Event& event = events[i];
    uint8_t bytes[qz::kEventSize];
    qz::encode_event(event, bytes);
    qz::Event decoded;
    QZ_ASSERT(qz::decode_event(std::span<const uint8_t>(bytes, sizeof bytes), &decoded));
    QZ_ASSERT(event.command_index != qz::kNoCommand);
    QZ_ASSERT_LE(event.command_index, expected_next);
    if (event.command_index == expected_next) expected_next++;
    if (event.event_kind() == qz::EventKind::rejected) {
      QZ_ASSERT(event.result != 0);
    } else if (event.event_kind() != qz::EventKind::duplicate) {
      QZ_ASSERT_EQ(event.result, 0u);
    }
  }
  QZ_ASSERT_EQ(expected_next, command_count);
}

struct Outcome {
  std::vector<qz::Event> events;
  qz::Hash256 state_hash;
};

Outcome run(const uint8_t* data, size_t size, qz::Engine* engine) {
  Outcome outcome;
  uint64_t time_ns = 1'000;
  engine->apply(qz::BlockInput{.height = 0, .time_ns = time_ns, .commands = {}}, &outcome.events);
  std::vector<qz::Command> block;
  const size_t units = size / kUnitSize;
  for (size_t u = 0; u < units; u++) {
    const uint8_t* unit = data + u * kUnitSize;
    qz::Command command;
    std::memcpy(&command, unit + 1, qz::kCommandSize);
    block.push_back(command);
    if ((unit[0] & 1) == 0 && u + 1 < units) continue;

    time_ns += 1 + static_cast<uint64_t>(unit[0] >> 1) * kSecondNs;
    const size_t before = outcome.events.size();
    engine->apply(qz::BlockInput{.height = engine->next_height(), .time_ns = time_ns, .commands = block},
                  &outcome.events);
    check_block_events(std::span<const qz::Event>(outcome.events).subspan(before), block.size());
    const std::string problem = engine->check_invariants();
    QZ_ASSERT_MSG(problem.empty(), problem.c_str());
    block.clear();
  }
  outcome.state_hash = engine->state_hash();
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qz::Engine engine(kLimits, kMarketLimits);
  const Outcome first = run(data, size, &engine);

  qz::Engine again(kLimits, kMarketLimits);
  const Outcome second = run(data, size, &again);
  QZ_ASSERT(second.state_hash == first.state_hash);
  QZ_ASSERT_EQ(second.events.size(), first.events.size());
  QZ_ASSERT(first.events.empty() ||
            std::memcmp(second.events.data(), first.events.data(), first.events.size() * qz::kEventSize) == 0);

  std::vector<uint8_t> snapshot;
  engine.write_snapshot(&snapshot);
  qz::Engine loaded(kLimits, kMarketLimits);
  const qz::Status status = loaded.load_snapshot(snapshot);
  QZ_ASSERT_MSG(status.is_ok(), status.message().c_str());
  QZ_ASSERT(loaded.state_hash() == first.state_hash);
  std::vector<uint8_t> rewritten;
  loaded.write_snapshot(&rewritten);
  QZ_ASSERT(rewritten == snapshot);
  return 0;
}
