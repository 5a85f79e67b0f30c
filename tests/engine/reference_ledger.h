// A reference ledger for differential tests: obviously correct, not fast.
//
// Written from the contracts in ledger/ledger.h, engine/command.h, engine/event.h and engine/engine.h; it shares
// no code with the implementation beyond the record layouts and make_*. State lives in std::map; a linked group
// of several commands runs on a copy of the whole state that replaces the state only when every member
// succeeded (a lone command checks every rule before it changes anything). It takes the same Command stream as
// Engine::apply and must produce the same Event records byte for byte.
//
// Where the headers are silent, the choice made here is written beside the code (search "Choice:"); those are
// the places to argue about when the two disagree.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <ostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/checked.h"
#include "engine/command.h"
#include "engine/event.h"
#include "ledger/ledger.h"

namespace qz {
// Readable results in GoogleTest messages.
inline void PrintTo(Result result, std::ostream* out) {
  *out << result_name(result) << " (" << static_cast<uint32_t>(result) << ")";
}
}  // namespace qz

namespace qz::testing {

class ReferenceLedger {
 public:
  struct AssetState {
    std::string code;
    uint8_t scale = 0;
  };
  struct AccountState {
    uint64_t owner = 0;
    uint32_t asset = 0;
    uint8_t kind = 0;
    int64_t total_minor = 0;
    int64_t held_minor = 0;
  };
  struct HoldState {
    uint64_t account = 0;
    uint64_t credit = 0;
    int64_t remaining_minor = 0;
    uint64_t expires_at_ns = 0;
  };
  struct State {
    std::map<uint32_t, AssetState> assets;
    std::map<uint64_t, AccountState> accounts;
    std::map<uint64_t, HoldState> holds;  // live holds only
    uint64_t next_transfer_id = 1;
    uint64_t next_hold_id = 1;
  };
  struct Answer {
    std::array<uint8_t, kCommandSize> command{};
    uint32_t result = 0;
    uint64_t object_id = 0;
  };
  using AnswerKey = std::pair<uint64_t, uint64_t>;  // (actor, request id)

  explicit ReferenceLedger(const LedgerLimits& limits = {}) : limits_(limits) {}

  // Same contract as Engine::apply: appends the block's events.
  void apply(uint64_t time_ns, std::span<const Command> commands, std::vector<Event>* events);

  const State& state() const { return state_; }
  const std::map<AnswerKey, Answer>& answers() const { return answers_; }
  const LedgerLimits& limits() const { return limits_; }

  // Per asset, the sum of all totals (128-bit so that a broken ledger cannot hide behind a wrap).
  std::map<uint32_t, int128> asset_sums() const;

 private:
  Result apply_one(State& state, const Command& command, uint64_t time_ns, Event* event, uint64_t* object_id) const;
  void apply_group(std::span<const Command> group, uint32_t first_index, bool open, uint64_t time_ns,
                   std::vector<Event>* events);
  void remember(const Command& command, Result result, uint64_t object_id);

  LedgerLimits limits_;
  State state_;
  std::map<AnswerKey, Answer> answers_;
};

// The structural check of command.h written out independently.
Result reference_validate(const Command& command);

// "transfer_posted ok #3 {transfer=1 debit=2 ...}" for failure messages.
std::string describe(const Event& event);
std::string describe(const Command& command);
std::string hex(const void* data, size_t size);

// Same count and the same bytes.
bool same_events(const std::vector<Event>& a, const std::vector<Event>& b);

}  // namespace qz::testing
