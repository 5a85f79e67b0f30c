// Block format version 1: golden header bytes, the block hash, round trips and every structural rejection of
// decode_block.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/sha256.h"
#include "engine/command.h"
#include "journal/block.h"

namespace qz {
namespace {

std::string hex(const uint8_t* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < size; i++) {
    text += digits[data[i] >> 4];
    text += digits[data[i] & 15];
  }
  return text;
}

Hash256 filled(uint8_t byte) {
  Hash256 hash;
  hash.bytes.fill(byte);
  return hash;
}

BlockHeader golden_header() {
  BlockHeader header;
  header.version = 1;
  header.command_count = 2;
  header.height = 0x0102030405060708ull;
  header.time_ns = 0x1112131415161718ull;
  header.prev_hash = filled(0xA1);
  header.commands_root = filled(0xB2);
  header.events_root = filled(0xC3);
  header.state_hash = filled(0xD4);
  header.event_count = 3;
  header.flags = kBlockFlagStateHash;
  return header;
}

Block sample_block(uint32_t commands) {
  Block block;
  block.header.height = 7;
  block.header.time_ns = 123456789;
  block.header.command_count = commands;
  block.header.prev_hash = filled(0x11);
  block.header.commands_root = filled(0x22);
  block.header.events_root = filled(0x33);
  block.header.event_count = commands;
  for (uint32_t i = 0; i < commands; i++) {
    Command command = make_transfer(2 + i, 3 + i, 100 + i);
    command.request_id = 1000 + i;
    command.flags = (i % 3 == 0 && i + 1 < commands) ? kFlagLinked : 0;
    block.commands.push_back(command);
  }
  for (size_t i = 0; i < kSignatureSize; i++) block.signature[i] = static_cast<uint8_t>(i * 7);
  return block;
}

TEST(BlockFormat, HeaderGoldenBytes) {
  uint8_t bytes[kBlockHeaderSize];
  encode_header(golden_header(), bytes);
  std::string want = "01000000";  // version
  want += "02000000";             // command_count
  want += "0807060504030201";     // height
  want += "1817161514131211";     // time_ns
  for (const char* byte : {"a1", "b2", "c3", "d4"}) {
    for (int i = 0; i < 32; i++) want += byte;  // prev_hash, commands_root, events_root, state_hash
  }
  want += "03000000";  // event_count
  want += "01000000";  // flags: state hash present
  EXPECT_EQ(hex(bytes, sizeof bytes), want);
}

TEST(BlockFormat, BlockHashIsSha256OfTheHeaderBytes) {
  uint8_t bytes[kBlockHeaderSize];
  encode_header(golden_header(), bytes);
  EXPECT_EQ(block_hash(golden_header()), sha256(bytes, sizeof bytes));
  EXPECT_EQ(block_hash(golden_header()).hex(), "4fa0f82e5901d5e9053292fb7a4dccbac0305905a4774eba2847f64622cf9170");
}

TEST(BlockFormat, EncodedBlockIsHeaderSignatureCommands) {
  const Block block = sample_block(3);
  std::vector<uint8_t> bytes;
  encode_block(block, &bytes);
  ASSERT_EQ(bytes.size(), kBlockHeaderSize + kSignatureSize + 3 * kCommandSize);
  uint8_t header[kBlockHeaderSize];
  encode_header(block.header, header);
  EXPECT_EQ(std::memcmp(bytes.data(), header, kBlockHeaderSize), 0);
  EXPECT_EQ(std::memcmp(bytes.data() + kBlockHeaderSize, block.signature.data(), kSignatureSize), 0);
  for (size_t i = 0; i < 3; i++) {
    uint8_t record[kCommandSize];
    encode_command(block.commands[i], record);
    EXPECT_EQ(std::memcmp(bytes.data() + kBlockHeaderSize + kSignatureSize + i * kCommandSize, record, kCommandSize),
              0)
        << "command " << i;
  }
}

TEST(BlockFormat, RoundTrip) {
  for (uint32_t count : {0u, 1u, 5u, 300u}) {
    const Block block = sample_block(count);
    std::vector<uint8_t> bytes;
    encode_block(block, &bytes);
    Block decoded;
    const Status status = decode_block(bytes, &decoded);
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(block_hash(decoded.header), block_hash(block.header));
    EXPECT_EQ(decoded.signature, block.signature);
    ASSERT_EQ(decoded.commands.size(), count);
    for (uint32_t i = 0; i < count; i++) {
      EXPECT_EQ(std::memcmp(&decoded.commands[i], &block.commands[i], kCommandSize), 0);
    }
    std::vector<uint8_t> again;
    encode_block(decoded, &again);
    EXPECT_EQ(again, bytes);
  }
}

// One line per structural rule, in the order decode_block checks them: each case patches a good encoding.
TEST(BlockFormat, DecodeRejectsMalformedBlocks) {
  const Block block = sample_block(2);
  std::vector<uint8_t> good;
  encode_block(block, &good);
  constexpr size_t kFirstCommand = kBlockHeaderSize + kSignatureSize;
  struct Patch {
    size_t offset;
    uint8_t value;
  };
  struct Case {
    const char* rule;
    long size_change;  // bytes added (positive) or cut (negative) at the end
    std::vector<Patch> patches;
    const char* message_part;
  };
  const Case cases[] = {
      {"shorter than header + signature", -static_cast<long>(good.size() - 200), {}, "shorter than"},
      {"unknown version", 0, {{0, 2}}, "unsupported block format version 2"},
      {"unknown flag", 0, {{156, 2}}, "unknown block flags"},
      {"state hash without its flag", 0, {{156, 0}, {120, 1}}, "without its flag"},
      {"more than kMaxBlockCommands", 0, {{4, 1}, {5, 0}, {6, 1}}, "exceeds the maximum"},
      {"payload cut mid-record", -10, {}, "commands need"},
      {"payload longer than the count", static_cast<long>(kCommandSize), {}, "commands need"},
      {"malformed command (unknown kind)", 0, {{kFirstCommand + kCommandSize, 99}},
       "command 1 is malformed (unknown_command_kind)"},
      {"malformed command (reserved bytes)", 0, {{kFirstCommand + 4, 1}},
       "command 0 is malformed (reserved_field_not_zero)"},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> bytes(good);
    bytes.resize(static_cast<size_t>(static_cast<long>(good.size()) + c.size_change));
    for (const Patch& patch : c.patches) bytes.data()[patch.offset] = patch.value;
    Block decoded;
    const Status status = decode_block(bytes, &decoded);
    EXPECT_FALSE(status.is_ok()) << c.rule;
    EXPECT_NE(status.message().find(c.message_part), std::string::npos) << c.rule << ": " << status.message();
  }
}

TEST(BlockFormat, HeaderSizesArePinned) {
  static_assert(kBlockHeaderSize == 160);
  static_assert(kSignatureSize == 64);
  static_assert(kCommandSize == 64);
  static_assert(kMaxBlockCommands == 65536);
  static_assert(kBlockFormatVersion == 1);
  SUCCEED();
}

}  // namespace
}  // namespace qz
