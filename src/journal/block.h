// Blocks: the unit of the journal. Format version 1; layout in docs/formats.md.
//
//   header (160 bytes, little-endian):
//     version u32 | command_count u32 | height u64 | time_ns u64 | prev_hash [32] | commands_root [32] |
//     events_root [32] | state_hash [32] | event_count u32 | flags u32 (bit 0: state_hash present)
//   block hash = SHA-256(header bytes)
//   signature  = Ed25519 over the block hash by the operator key (64 bytes)
//   encoded block = header || signature || command_count x 64-byte commands
//
// Events are not stored: they are recomputed by replay and must reproduce events_root.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "engine/command.h"

namespace qz {

inline constexpr uint32_t kBlockFormatVersion = 1;
inline constexpr size_t kBlockHeaderSize = 160;
inline constexpr size_t kSignatureSize = 64;
inline constexpr uint32_t kBlockFlagStateHash = 1;
inline constexpr uint32_t kMaxBlockCommands = 65536;

struct BlockHeader {
  uint32_t version = kBlockFormatVersion;
  uint32_t command_count = 0;
  uint64_t height = 0;
  uint64_t time_ns = 0;
  Hash256 prev_hash;
  Hash256 commands_root;
  Hash256 events_root;
  Hash256 state_hash;  // zero unless flags has kBlockFlagStateHash
  uint32_t event_count = 0;
  uint32_t flags = 0;
};

struct Block {
  BlockHeader header;
  std::array<uint8_t, kSignatureSize> signature{};
  std::vector<Command> commands;
};

void encode_header(const BlockHeader& header, uint8_t out[kBlockHeaderSize]);
Hash256 block_hash(const BlockHeader& header);
void encode_block(const Block& block, std::vector<uint8_t>* out);

// Structural decode: sizes, version, known flags, command_count within kMaxBlockCommands and matching the
// payload, every command passing decode_command. Does not check hashes or the signature. The error names
// what is wrong.
[[nodiscard]] Status decode_block(std::span<const uint8_t> bytes, Block* out);

}  // namespace qz
