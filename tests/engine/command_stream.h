// A seeded random command stream for differential tests, simulations and snapshot tests.
//
// It reads the reference model between blocks to aim at interesting cases: amounts near available balances and
// near overflow, live, closed and missing hold ids, posts and voids of all, part, exactly or more than the rest
// of a hold (and negative amounts), linked groups of 1-5 (some left open at the end of a block),
// exact repeats and reuses of request ids (also across actors), holds with timeouts across advancing block
// times, structurally broken commands, and blocks of random sizes (empty ones too).
#pragma once

#include <cstdint>
#include <vector>

#include "base/prng.h"
#include "engine/command.h"
#include "ledger/ledger.h"
#include "reference_ledger.h"

namespace qz::testing {

struct StreamOptions {
  uint32_t max_block_commands = 120;       // blocks hold 0..max commands (a few are larger)
  uint32_t account_target = 120;           // open accounts freely up to about this many
  bool request_ids_in_open_groups = true;  // false: a group left open at the end of a block carries no request ids
};

// Small limits so that the limit codes are reached too.
inline LedgerLimits small_limits() { return LedgerLimits{.max_assets = 5, .max_accounts = 40, .max_live_holds = 24}; }

class CommandStream {
 public:
  // `model` is read between blocks; it must have applied every block this stream handed out before.
  CommandStream(uint64_t seed, const ReferenceLedger* model, const StreamOptions& options = {});

  // The next block: its time (strictly increasing) and commands. The first block is the set-up block.
  void next_block(uint64_t* time_ns, std::vector<Command>* commands);

 private:
  struct Actor {
    uint64_t id;
    uint8_t role;
  };

  void setup_block(std::vector<Command>* commands);
  void refresh_view();
  Command random_command();
  Command fresh_command();
  void corrupt(Command* command);
  void assign_request_id(Command* command);

  uint64_t pick_account();
  uint64_t pick_account_of_asset(uint32_t asset);
  uint64_t pick_hold();
  Actor actor_for_account(uint64_t account_id);
  int64_t amount_near(int64_t available, int64_t credit_total);

  Prng prng_;
  const ReferenceLedger* model_;
  StreamOptions options_;
  uint64_t time_ns_ = 1'000'000;
  uint64_t blocks_ = 0;
  uint64_t next_request_id_ = 1;
  std::vector<Command> history_;  // recent commands that carried a request id
  size_t history_next_ = 0;
  bool sane_ = false;      // the command being built is meant to succeed
  bool in_group_ = false;  // it is a member of a linked group

  // View of the model at the start of the block.
  std::vector<std::vector<uint64_t>> accounts_by_asset_;  // index = asset id
  std::vector<uint64_t> live_holds_;
};

}  // namespace qz::testing
