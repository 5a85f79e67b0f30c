#include "monitor/replay.h"

#include "journal/journal.h"

namespace qz::monitor {

Status replay_journal(const std::string& data_dir, const std::function<void(const BlockView&)>& on_block,
                      uint64_t* height) {
  return replay_journal_blocks(
      data_dir, 0,
      [&](const Block& block, std::span<const Event> events) {
        on_block(BlockView{.height = block.header.height, .time_ns = block.header.time_ns, .commands = block.commands,
                           .events = events});
        return Status::ok();
      },
      height);
}

}  // namespace qz::monitor
