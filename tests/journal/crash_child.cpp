// Helper for crash_test: opens the journal in DATA_DIR and submits transfers from several threads forever,
// appending each acknowledged command's request id (8 bytes, little-endian) to ACK_FILE only after submit()
// returned ok. The parent kills it with SIGKILL at a random moment and checks that every id it wrote is in
// the journal.
//
//   journal_crash_child DATA_DIR ACK_FILE RUN THREADS CUSTOMERS
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "base/prng.h"
#include "engine/command.h"
#include "journal/journal.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s DATA_DIR ACK_FILE RUN THREADS CUSTOMERS\n", argv[0]);
    return 64;
  }
  const std::string data_dir = argv[1];
  const std::string ack_file = argv[2];
  const uint64_t run = std::strtoull(argv[3], nullptr, 10);
  const int threads = std::atoi(argv[4]);
  const uint64_t customers = std::strtoull(argv[5], nullptr, 10);

  const int ack_fd = ::open(ack_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (ack_fd < 0) {
    std::perror("crash_child: ack file");
    return 2;
  }
  qz::NodeOptions options;
  options.data_dir = data_dir;
  options.max_block_commands = 512;
  options.state_hash_every_blocks = 4;
  options.snapshot_every_blocks = 32;
  std::unique_ptr<qz::Node> node;
  qz::RecoveryReport report;
  const qz::Status opened = qz::Node::open(options, &node, &report);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "crash_child: %s\n", opened.message().c_str());
    return 2;
  }

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; t++) {
    workers.emplace_back([&, t] {
      qz::Prng prng((run << 16) ^ static_cast<uint64_t>(t));
      uint64_t counter = 0;
      std::vector<qz::Command> commands;
      std::vector<uint8_t> record;
      for (;;) {
        commands.clear();
        const auto count = static_cast<size_t>(prng.range(1, 32));
        for (size_t i = 0; i < count; i++) {
          qz::Command command = qz::make_transfer(1, 2 + prng.below(customers), prng.range(1, 1000));
          command.request_id = ((run + 1) << 40) | (static_cast<uint64_t>(t + 1) << 32) | ++counter;
          // Now and then a linked pair, closed inside this submit.
          if (i + 1 < count && prng.chance(10)) command.flags = qz::kFlagLinked;
          commands.push_back(command);
        }
        qz::SubmitResult result;
        const qz::Status status = node->submit(commands, &result);
        if (!status.is_ok()) {
          std::fprintf(stderr, "crash_child: submit failed: %s\n", status.message().c_str());
          std::_Exit(3);
        }
        record.resize(commands.size() * 8);
        for (size_t i = 0; i < commands.size(); i++) {
          const uint64_t id = commands[i].request_id;
          for (size_t b = 0; b < 8; b++) record[i * 8 + b] = static_cast<uint8_t>(id >> (8 * b));
        }
        if (::write(ack_fd, record.data(), record.size()) != static_cast<ssize_t>(record.size())) {
          std::perror("crash_child: writing acks");
          std::_Exit(4);
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return 0;
}
