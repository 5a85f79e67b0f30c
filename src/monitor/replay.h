// The journal replayed for monitoring: DIR/journal.db read block by block (journal.h replay_journal_blocks: a
// read-only connection; heights, block hashes, the chain of hashes and both Merkle roots checked, every block
// applied to a fresh engine) and handed on as BlockViews. What `qazna monitor`, `qazna report`, `qazna case open`
// and the server's alert, case and report routes read; it works beside a running node.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "monitor/monitor.h"

namespace qz::monitor {

// From genesis; *height is the newest block's height. Fails naming the first block that does not check.
[[nodiscard]] Status replay_journal(const std::string& data_dir, const std::function<void(const BlockView&)>& on_block,
                                    uint64_t* height);

}  // namespace qz::monitor
