// libFuzzer target: qz::decode_block (journal/block.h).
//
// Checks, for every input that decodes:
//   - it re-encodes to exactly the input bytes;
//   - the header fields are within what the decoder promises (version, flags, command count, state hash only
//     with its flag) and every command passes validate_command;
//   - block_hash is SHA-256 of the 160 header bytes as they stand in the input.
// Inputs that do not decode must leave a non-empty error message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/assert.h"
#include "base/sha256.h"
#include "journal/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  qz::Block block;
  const qz::Status status = qz::decode_block(bytes, &block);
  if (!status.is_ok()) {
    QZ_ASSERT(!status.message().empty());
    return 0;
  }

  const qz::BlockHeader& header = block.header;
  QZ_ASSERT_EQ(header.version, qz::kBlockFormatVersion);
  QZ_ASSERT_EQ(header.flags & ~qz::kBlockFlagStateHash, 0u);
  QZ_ASSERT((header.flags & qz::kBlockFlagStateHash) != 0 || header.state_hash.is_zero());
  QZ_ASSERT_LE(header.command_count, qz::kMaxBlockCommands);
  QZ_ASSERT_EQ(block.commands.size(), header.command_count);
  for (const qz::Command& command : block.commands) QZ_ASSERT(qz::validate_command(command) == qz::Result::ok);

  std::vector<uint8_t> encoded;
  qz::encode_block(block, &encoded);
  QZ_ASSERT_EQ(encoded.size(), size);
  QZ_ASSERT(std::equal(encoded.begin(), encoded.end(), data));

  QZ_ASSERT(qz::block_hash(header) == qz::sha256(data, qz::kBlockHeaderSize));
  return 0;
}
