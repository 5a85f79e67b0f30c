// Writes the seed corpora of the fuzz targets: fuzz_make_seeds OUT_DIR creates OUT_DIR/<target>/<seed> files.
//
// Seeds are generated with the project's own encoders rather than committed as binaries, so they follow the
// formats when a version changes. Each corpus holds valid inputs of every shape plus a few near misses.
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "engine/command.h"
#include "engine/engine.h"
#include "journal/block.h"

namespace {

bool make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  std::fprintf(stderr, "fuzz_make_seeds: cannot create %s: %s\n", path.c_str(), std::strerror(errno));
  return false;
}

bool write_file(const std::string& path, const void* data, size_t size) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::fprintf(stderr, "fuzz_make_seeds: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  const bool ok = std::fwrite(data, 1, size, file) == size;
  return std::fclose(file) == 0 && ok;
}

class SeedDir {
 public:
  explicit SeedDir(std::string path) : path_(std::move(path)), ok_(make_dir(path_)) {}
  void add(const void* data, size_t size) {
    if (ok_) ok_ = write_file(path_ + "/seed-" + std::to_string(count_++), data, size);
  }
  void add(const std::vector<uint8_t>& bytes) { add(bytes.data(), bytes.size()); }
  bool ok() const { return ok_; }

 private:
  std::string path_;
  bool ok_;
  int count_ = 0;
};

std::vector<qz::Command> sample_commands() {
  std::vector<qz::Command> commands = {
      qz::make_create_asset("KZT", 2),
      qz::make_create_asset("BTC", 8),
      qz::make_open_account(0, 1, qz::AccountKind::issuance),
      qz::make_open_account(42, 1, qz::AccountKind::customer),
      qz::make_transfer(1, 2, 1'000'00),
      qz::make_hold(2, 1, 250'00, 5'000'000'000),
      qz::make_post_hold(1, 0, 100'00),
      qz::make_void_hold(1),
  };
  qz::Command by_customer = qz::make_transfer(2, 1, 5'00);
  by_customer.role = static_cast<uint8_t>(qz::Role::customer);
  by_customer.actor = 42;
  by_customer.request_id = 7;
  commands.push_back(by_customer);
  qz::Command linked = qz::make_transfer(1, 2, 1);
  linked.flags = qz::kFlagLinked;
  commands.push_back(linked);
  return commands;
}

void add_decimal_seeds(SeedDir* dir) {
  const std::array<uint8_t, 5> scales = {0, 2, 8, 18, 19};
  const std::array<std::string_view, 16> texts = {"0",
                                                  "12",
                                                  "12.5",
                                                  "0.00012345",
                                                  "1.2300",
                                                  "9223372036854775807",
                                                  "92233720368.54775807",
                                                  "00012",
                                                  "1e5",
                                                  "-1",
                                                  "+1",
                                                  "",
                                                  ".",
                                                  "1.",
                                                  ".5",
                                                  "1..2"};
  for (uint8_t scale : scales) {
    for (std::string_view text : texts) {
      std::string input(1, static_cast<char>(scale));
      input += text;
      dir->add(input.data(), input.size());
    }
  }
}

void add_command_seeds(SeedDir* dir, const std::vector<qz::Command>& commands) {
  for (const qz::Command& command : commands) {
    uint8_t bytes[qz::kCommandSize];
    qz::encode_command(command, bytes);
    dir->add(bytes, sizeof bytes);
  }
  qz::Command unknown = qz::make_transfer(1, 2, 3);
  unknown.kind = 99;
  uint8_t bytes[qz::kCommandSize];
  qz::encode_command(unknown, bytes);
  dir->add(bytes, sizeof bytes);
}

void add_block_seeds(SeedDir* dir, const std::vector<qz::Command>& commands) {
  std::vector<uint8_t> bytes;
  qz::Block genesis;
  qz::encode_block(genesis, &bytes);
  dir->add(bytes);

  qz::Block block;
  block.header.height = 1;
  block.header.time_ns = 1'700'000'000'000'000'000;
  block.header.prev_hash = qz::block_hash(genesis.header);
  block.header.event_count = static_cast<uint32_t>(commands.size());
  block.header.flags = qz::kBlockFlagStateHash;
  block.header.state_hash = qz::sha256(std::string_view("state"));
  block.commands = commands;
  block.header.command_count = static_cast<uint32_t>(commands.size());
  block.signature.fill(0x5A);
  qz::encode_block(block, &bytes);
  dir->add(bytes);

  block.commands.resize(1);
  block.header.command_count = 1;
  block.header.flags = 0;
  block.header.state_hash = qz::Hash256{};
  qz::encode_block(block, &bytes);
  dir->add(bytes);
}

// An engine stream: 65-byte units of a control byte (bit 0 closes the block; bits 1-7 advance the next block's
// time in seconds) and a command record.
class Stream {
 public:
  void add(const qz::Command& command, bool close_block = false, uint8_t seconds = 0) {
    bytes_.push_back(static_cast<uint8_t>((seconds << 1) | (close_block ? 1 : 0)));
    uint8_t record[qz::kCommandSize];
    qz::encode_command(command, record);
    bytes_.insert(bytes_.end(), record, record + sizeof record);
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

qz::Command as_customer(qz::Command command, uint64_t user, uint64_t request_id) {
  command.role = static_cast<uint8_t>(qz::Role::customer);
  command.actor = user;
  command.request_id = request_id;
  return command;
}

// KZT, an issuance account (1) and two customers (2 owned by user 42, 3 by user 43), funded.
void add_venue(Stream* stream) {
  stream->add(qz::make_create_asset("KZT", 2));
  stream->add(qz::make_open_account(0, 1, qz::AccountKind::issuance));
  stream->add(qz::make_open_account(42, 1, qz::AccountKind::customer));
  stream->add(qz::make_open_account(43, 1, qz::AccountKind::customer));
  stream->add(qz::make_transfer(1, 2, 1'000'00), true, 1);
}

std::vector<Stream> engine_streams() {
  std::vector<Stream> streams(4);
  // Transfers and holds by a customer; a hold that times out two blocks later.
  add_venue(&streams[0]);
  streams[0].add(as_customer(qz::make_transfer(2, 3, 10'00), 42, 1));
  streams[0].add(as_customer(qz::make_hold(2, 3, 50'00, 3 * 1'000'000'000ull), 42, 2));
  streams[0].add(as_customer(qz::make_post_hold(1, 0, 20'00), 42, 3), true, 2);
  streams[0].add(as_customer(qz::make_hold(2, 0, 5'00, 0), 42, 4));
  streams[0].add(as_customer(qz::make_void_hold(2), 42, 5), true, 5);
  streams[0].add(as_customer(qz::make_transfer(3, 2, 1'00), 43, 1), true);
  // Retries: the same request id again (a duplicate) and reused for another command.
  add_venue(&streams[1]);
  streams[1].add(as_customer(qz::make_transfer(2, 3, 1'00), 42, 9), true);
  streams[1].add(as_customer(qz::make_transfer(2, 3, 1'00), 42, 9));
  streams[1].add(as_customer(qz::make_transfer(2, 3, 2'00), 42, 9), true);
  // A linked group that applies, one that fails, and a block that ends inside a group.
  add_venue(&streams[2]);
  qz::Command first = qz::make_transfer(2, 3, 1'00);
  first.flags = qz::kFlagLinked;
  streams[2].add(first);
  streams[2].add(qz::make_transfer(3, 2, 50), true);
  streams[2].add(first);
  streams[2].add(qz::make_transfer(3, 2, 1'000'000'00), true);
  streams[2].add(first, true);
  // Rejections: unknown accounts, a non-owner debit, a bad asset code.
  add_venue(&streams[3]);
  streams[3].add(qz::make_transfer(2, 99, 1));
  streams[3].add(as_customer(qz::make_transfer(3, 2, 1), 42, 0));
  streams[3].add(qz::make_create_asset("kzt", 2), true);
  return streams;
}

void add_engine_seeds(SeedDir* dir, const std::vector<Stream>& streams) {
  for (const Stream& stream : streams) dir->add(stream.bytes());
}

// Snapshots of the states the streams reach, without their trailing digest (the harness appends it).
void add_snapshot_seeds(SeedDir* dir, const std::vector<Stream>& streams) {
  std::vector<uint8_t> snapshot;
  qz::Engine empty;
  std::vector<qz::Event> events;
  empty.apply(qz::BlockInput{.height = 0, .time_ns = 1'000, .commands = {}}, &events);
  empty.write_snapshot(&snapshot);
  dir->add(snapshot.data(), snapshot.size() - 32);

  for (const Stream& stream : streams) {
    qz::Engine engine;
    engine.apply(qz::BlockInput{.height = 0, .time_ns = 1'000, .commands = {}}, &events);
    std::vector<qz::Command> commands;
    const std::vector<uint8_t>& bytes = stream.bytes();
    for (size_t at = 0; at + 65 <= bytes.size(); at += 65) {
      qz::Command command;
      std::memcpy(&command, &bytes[at + 1], qz::kCommandSize);
      commands.push_back(command);
    }
    engine.apply(qz::BlockInput{.height = 1, .time_ns = 2'000, .commands = commands}, &events);
    engine.write_snapshot(&snapshot);
    dir->add(snapshot.data(), snapshot.size() - 32);
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  if (!make_dir(out)) return 1;
  const std::vector<qz::Command> commands = sample_commands();
  SeedDir decimal(out + "/fuzz_decimal");
  SeedDir command(out + "/fuzz_command_decoder");
  SeedDir block(out + "/fuzz_block_decoder");
  SeedDir engine(out + "/fuzz_engine");
  SeedDir snapshot(out + "/fuzz_snapshot_decoder");
  const std::vector<Stream> streams = engine_streams();
  add_decimal_seeds(&decimal);
  add_command_seeds(&command, commands);
  add_block_seeds(&block, commands);
  add_engine_seeds(&engine, streams);
  add_snapshot_seeds(&snapshot, streams);
  return decimal.ok() && command.ok() && block.ok() && engine.ok() && snapshot.ok() ? 0 : 1;
}
