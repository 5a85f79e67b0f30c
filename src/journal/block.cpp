// Block encoding, format version 1 (docs/journal.md). The header is written field by field in little-endian
// order; the commands follow as their 64-byte wire records, which are their in-memory layout (engine/command.h).
#include "journal/block.h"

#include <cstring>

#include "base/assert.h"
#include "base/bytes.h"

namespace qz {

namespace {

constexpr size_t kOffsetVersion = 0;
constexpr size_t kOffsetCommandCount = 4;
constexpr size_t kOffsetHeight = 8;
constexpr size_t kOffsetTime = 16;
constexpr size_t kOffsetPrevHash = 24;
constexpr size_t kOffsetCommandsRoot = 56;
constexpr size_t kOffsetEventsRoot = 88;
constexpr size_t kOffsetStateHash = 120;
constexpr size_t kOffsetEventCount = 152;
constexpr size_t kOffsetFlags = 156;
static_assert(kOffsetFlags + 4 == kBlockHeaderSize);

constexpr uint32_t kKnownBlockFlags = kBlockFlagStateHash;
constexpr size_t kBlockPrefixSize = kBlockHeaderSize + kSignatureSize;

void decode_header(const uint8_t* in, BlockHeader* header) {
  header->version = get_u32(in + kOffsetVersion);
  header->command_count = get_u32(in + kOffsetCommandCount);
  header->height = get_u64(in + kOffsetHeight);
  header->time_ns = get_u64(in + kOffsetTime);
  std::memcpy(header->prev_hash.bytes.data(), in + kOffsetPrevHash, 32);
  std::memcpy(header->commands_root.bytes.data(), in + kOffsetCommandsRoot, 32);
  std::memcpy(header->events_root.bytes.data(), in + kOffsetEventsRoot, 32);
  std::memcpy(header->state_hash.bytes.data(), in + kOffsetStateHash, 32);
  header->event_count = get_u32(in + kOffsetEventCount);
  header->flags = get_u32(in + kOffsetFlags);
}

}  // namespace

void encode_header(const BlockHeader& header, uint8_t out[kBlockHeaderSize]) {
  put_u32(out + kOffsetVersion, header.version);
  put_u32(out + kOffsetCommandCount, header.command_count);
  put_u64(out + kOffsetHeight, header.height);
  put_u64(out + kOffsetTime, header.time_ns);
  std::memcpy(out + kOffsetPrevHash, header.prev_hash.bytes.data(), 32);
  std::memcpy(out + kOffsetCommandsRoot, header.commands_root.bytes.data(), 32);
  std::memcpy(out + kOffsetEventsRoot, header.events_root.bytes.data(), 32);
  std::memcpy(out + kOffsetStateHash, header.state_hash.bytes.data(), 32);
  put_u32(out + kOffsetEventCount, header.event_count);
  put_u32(out + kOffsetFlags, header.flags);
}

Hash256 block_hash(const BlockHeader& header) {
  uint8_t bytes[kBlockHeaderSize];
  encode_header(header, bytes);
  return sha256(bytes, sizeof bytes);
}

void encode_block(const Block& block, std::vector<uint8_t>* out) {
  QZ_ASSERT_EQ(block.header.command_count, block.commands.size());
  QZ_ASSERT_LE(block.commands.size(), kMaxBlockCommands);
  const size_t commands_bytes = block.commands.size() * kCommandSize;
  out->resize(kBlockPrefixSize + commands_bytes);
  uint8_t* data = out->data();
  encode_header(block.header, data);
  std::memcpy(data + kBlockHeaderSize, block.signature.data(), kSignatureSize);
  // Command records are their in-memory layout (static_asserts in engine/command.h): one bulk copy equals
  // encode_command on each.
  if (commands_bytes > 0) std::memcpy(data + kBlockPrefixSize, block.commands.data(), commands_bytes);
}

Status decode_block(std::span<const uint8_t> bytes, Block* out) {
  if (bytes.size() < kBlockPrefixSize) {
    return Status::error("block is " + std::to_string(bytes.size()) + " bytes, shorter than its " +
                         std::to_string(kBlockPrefixSize) + "-byte header and signature");
  }
  BlockHeader header;
  decode_header(bytes.data(), &header);
  if (header.version != kBlockFormatVersion) {
    return Status::error("unsupported block format version " + std::to_string(header.version));
  }
  if ((header.flags & ~kKnownBlockFlags) != 0) {
    return Status::error("unknown block flags " + std::to_string(header.flags));
  }
  if ((header.flags & kBlockFlagStateHash) == 0 && !header.state_hash.is_zero()) {
    return Status::error("state hash present without its flag");
  }
  if (header.command_count > kMaxBlockCommands) {
    return Status::error("command count " + std::to_string(header.command_count) + " exceeds the maximum " +
                         std::to_string(kMaxBlockCommands));
  }
  const size_t expected_size = kBlockPrefixSize + size_t{header.command_count} * kCommandSize;
  if (bytes.size() != expected_size) {
    return Status::error("block is " + std::to_string(bytes.size()) + " bytes but " +
                         std::to_string(header.command_count) + " commands need " + std::to_string(expected_size));
  }
  out->header = header;
  std::memcpy(out->signature.data(), bytes.data() + kBlockHeaderSize, kSignatureSize);
  out->commands.resize(header.command_count);
  const uint8_t* record = bytes.data() + kBlockPrefixSize;
  for (uint32_t i = 0; i < header.command_count; i++, record += kCommandSize) {
    const Result result = decode_command(std::span<const uint8_t>(record, kCommandSize), &out->commands[i]);
    if (result != Result::ok) {
      return Status::error("command " + std::to_string(i) + " is malformed (" + result_name(result) + ")");
    }
  }
  return Status::ok();
}

}  // namespace qz
