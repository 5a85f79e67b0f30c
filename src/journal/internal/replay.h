// Replaying stored blocks into an engine: the heart of recovery (Node::open) and of verify_data_dir.
// Internal to the journal.
//
// Four stages run at once so that the engine thread does little but Engine::apply:
//   reader  (own thread): SQLite scan, decode_block, the height, the stored hash (recomputed when verifying)
//           and prev_hash linking to the previous block;
//   checker (own thread, verifying only): the commands root and the signature;
//   engine  (the caller's thread): block time increases, Engine::apply, the event count, and when verifying
//           and recorded: the state hash;
//   hasher  (own thread, verifying only): the events root of the events the engine produced.
// The first problem (lowest height) wins; everything after it is ignored. Blocks must be contiguous from
// `from_height`; a gap is reported as the missing height.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/sha256.h"
#include "base/status.h"
#include "engine/engine.h"
#include "journal/block.h"
#include "journal/internal/keys.h"
#include "journal/internal/store.h"

namespace qz::journal_internal {

struct ReplayInput {
  Store* store = nullptr;
  Engine* engine = nullptr;  // engine->next_height() == from_height
  uint64_t from_height = 0;
  Hash256 prev_hash;         // hash of block from_height - 1; zero when from_height is 0
  const PublicKey* public_key = nullptr;
  bool verify = true;        // re-hash everything and check signatures, roots and state hashes
};

struct ReplayOutcome {
  uint64_t blocks = 0;    // applied and (when verifying) checked
  uint64_t commands = 0;
  uint64_t events = 0;
  bool have_last = false;  // at least one block was applied and checked
  uint64_t last_height = 0;
  Hash256 last_hash;

  bool bad = false;  // a block failed a check; everything from it on is untrusted
  uint64_t bad_height = 0;
  std::string bad_reason;  // "commands root mismatch", "bad signature", ...
  bool bad_applied = false;  // the engine applied the bad block (or later ones): its state is unusable
};

// Errors are I/O failures only; a bad block is an outcome, not an error.
[[nodiscard]] Status replay_blocks(const ReplayInput& input, ReplayOutcome* outcome);

// Structural and cryptographic checks of one stored block on its own (no replay): decode, stored hash equals
// the block hash, commands root, signature. Empty when fine, else the reason.
std::string check_stored_block(std::span<const uint8_t> stored_hash, std::span<const uint8_t> body,
                               uint64_t height, const PublicKey& public_key, Block* block, Hash256* hash);

}  // namespace qz::journal_internal
