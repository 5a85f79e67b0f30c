// `qazna history rebuild|check`: DIR/history.db recreated from the journal, or compared with a fresh rebuild
// (docs/history.md section 4, docs/cli.md).
//
// Both take DIR/LOCK with flock, the lock a running node holds for as long as it has the directory open
// (journal.h), and keep it until they are done: a running server makes them refuse before any file is touched,
// and a server started meanwhile refuses to open the directory. The journal is read read-only
// (replay_journal_blocks: every block's hash, link and events root checked, applied to a fresh engine).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "app/app.h"
#include "history/history.h"

namespace qz::app {

namespace {

constexpr const char* kHistoryFile = "/history.db";
constexpr const char* kCheckFile = "/history-check.db";  // check's scratch rebuild, removed when done

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

int fail(const HistoryArgs& args, int code, std::string message) {
  const std::string prefix = "history rebuild: ";  // rebuild_history's own, said once by the command's prefix
  if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
  std::fprintf(stderr, "qazna history %s: %s\n", args.action.c_str(), message.c_str());
  return code;
}

// DIR/LOCK held with flock (non-blocking, exclusive) for as long as the object lives; the node's own lock.
class DirectoryLock {
 public:
  DirectoryLock() = default;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the flock
  }

  [[nodiscard]] Status acquire(const std::string& data_dir) {
    const std::string path = data_dir + "/LOCK";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::error("cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd_);
      fd_ = -1;
      if (error == EWOULDBLOCK) {
        return Status::error(data_dir + " is in use by a running server or another qazna command (" + path +
                             " is locked); stop it first, nothing was changed");
      }
      return Status::error("cannot lock " + path + ": " + std::strerror(error));
    }
    return Status::ok();
  }

 private:
  int fd_ = -1;
};

// Rebuilds a history from DIR's journal into `path` (rebuild_history: written beside it, moved over it when
// complete). *journal_height: the newest block read.
Status rebuild_from_journal(const std::string& data_dir, const std::string& path, history::RebuildReport* report,
                            uint64_t* journal_height) {
  const history::BlockSource source = [&data_dir, journal_height](const history::BlockSink& sink) {
    return replay_journal_blocks(
        data_dir, 0,
        [&sink](const Block& block, std::span<const Event> events) {
          return sink(
              BlockInput{.height = block.header.height, .time_ns = block.header.time_ns, .commands = block.commands},
              events);
        },
        journal_height);
  };
  return history::rebuild_history(path, source, history::RebuildOptions{}, report);
}

// The content hash and last height of the history at `path`.
Status read_history(const std::string& path, Hash256* hash, std::optional<uint64_t>* height) {
  std::unique_ptr<history::HistoryReader> reader;
  QZ_TRY(history::HistoryReader::open(path, &reader));
  QZ_TRY(reader->last_height(height));
  return reader->content_hash(hash);
}

// Removes a database and its WAL companions; the first failure's message, "" when all went.
std::string remove_database(const std::string& path) {
  for (const std::string& file : {path + "-wal", path + "-shm", path}) {
    std::error_code code;
    std::filesystem::remove(file, code);
    if (code) return "removing " + file + ": " + code.message();
  }
  return "";
}

std::string height_text(const std::optional<uint64_t>& height) {
  return height ? std::to_string(*height) : std::string("none (nothing projected)");
}

void print_rebuild(const history::RebuildReport& report, uint64_t took_ms) {
  std::printf("  blocks:       %llu (heights 0 to %s)\n", static_cast<unsigned long long>(report.blocks),
              height_text(report.last_height).c_str());
  std::printf("  events:       %llu\n", static_cast<unsigned long long>(report.events));
  std::printf("  rows:         %llu\n", static_cast<unsigned long long>(report.rows));
  std::printf("  time:         %llu.%03llu s\n", static_cast<unsigned long long>(took_ms / 1000),
              static_cast<unsigned long long>(took_ms % 1000));
}

uint64_t elapsed_ms(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

int run_rebuild(const HistoryArgs& args) {
  const std::string path = args.data_dir + kHistoryFile;
  const auto start = std::chrono::steady_clock::now();
  history::RebuildReport report;
  uint64_t journal_height = 0;
  const Status rebuilt = rebuild_from_journal(args.data_dir, path, &report, &journal_height);
  if (!rebuilt.is_ok()) return fail(args, kExitFailure, rebuilt.message() + "; " + path + " is unchanged");
  const uint64_t took_ms = elapsed_ms(start);
  Hash256 hash;
  std::optional<uint64_t> height;
  const Status read = read_history(path, &hash, &height);
  if (!read.is_ok()) return fail(args, kExitFailure, "rebuilt, but reading it back failed: " + read.message());
  std::printf("history rebuild: ok, %s rebuilt from the journal\n", path.c_str());
  print_rebuild(report, took_ms);
  std::printf("  content hash: %s\n", hash.hex().c_str());
  return kExitOk;
}

int run_check(const HistoryArgs& args) {
  const std::string live_path = args.data_dir + kHistoryFile;
  const std::string check_path = args.data_dir + kCheckFile;
  if (!file_exists(live_path)) {
    return fail(args, kExitRefused,
                live_path + " is missing; `qazna history rebuild --data " + args.data_dir + "` recreates it");
  }
  Hash256 live_hash;
  std::optional<uint64_t> live_height;
  const Status live = read_history(live_path, &live_hash, &live_height);
  if (!live.is_ok()) return fail(args, kExitFailure, live.message());

  const auto start = std::chrono::steady_clock::now();
  history::RebuildReport report;
  uint64_t journal_height = 0;
  const Status rebuilt = rebuild_from_journal(args.data_dir, check_path, &report, &journal_height);
  if (!rebuilt.is_ok()) return fail(args, kExitFailure, rebuilt.message());
  const uint64_t took_ms = elapsed_ms(start);
  Hash256 rebuilt_hash;
  std::optional<uint64_t> rebuilt_height;
  const Status read = read_history(check_path, &rebuilt_hash, &rebuilt_height);
  const std::string removed = remove_database(check_path);
  if (!read.is_ok()) return fail(args, kExitFailure, read.message());
  if (!removed.empty()) return fail(args, kExitFailure, removed);

  const bool equal = rebuilt_hash == live_hash;
  std::printf("history check: %s\n", equal ? "equal" : "DIFFERENT");
  std::printf("  journal rebuilt into a temporary file:\n");
  print_rebuild(report, took_ms);
  std::printf("  rebuilt hash: %s\n", rebuilt_hash.hex().c_str());
  std::printf("  live hash:    %s (%s, height %s)\n", live_hash.hex().c_str(), live_path.c_str(),
              height_text(live_height).c_str());
  if (equal) return kExitOk;
  return fail(args, kExitRefused,
              live_path + " (height " + height_text(live_height) + ") differs from a rebuild from the journal (height " +
                  std::to_string(journal_height) + "); `qazna history rebuild --data " + args.data_dir +
                  "` replaces it");
}

}  // namespace

int run_history(const HistoryArgs& args) {
  if (args.action != "rebuild" && args.action != "check") {
    return fail(args, kExitUsage, "unknown action (actions: rebuild, check)");
  }
  if (!file_exists(args.data_dir + "/journal.db")) {
    return fail(args, kExitFailure, args.data_dir + " holds no journal (" + args.data_dir + "/journal.db is missing)");
  }
  DirectoryLock lock;
  const Status locked = lock.acquire(args.data_dir);
  if (!locked.is_ok()) return fail(args, kExitFailure, locked.message());
  return args.action == "rebuild" ? run_rebuild(args) : run_check(args);
}

void add_history_cli(CLI::App* app, HistoryCli* cli) {
  CLI::App* history =
      app->add_subcommand("history", "The history database DIR/history.db, a projection of the journal");
  history->require_subcommand(1);
  cli->rebuild.action = "rebuild";
  cli->rebuild_command = history->add_subcommand(
      "rebuild", "Recreate DIR/history.db from the journal with identical rows (refused while a server runs)");
  cli->rebuild_command->add_option("--data", cli->rebuild.data_dir, "Data directory")->required();
  cli->check.action = "check";
  cli->check_command = history->add_subcommand(
      "check", "Rebuild into a temporary file and compare its content hash with DIR/history.db (not replaced)");
  cli->check_command->add_option("--data", cli->check.data_dir, "Data directory")->required();
}

int run_history_cli(const HistoryCli& cli) {
  if (cli.rebuild_command != nullptr && cli.rebuild_command->parsed()) return run_history(cli.rebuild);
  if (cli.check_command != nullptr && cli.check_command->parsed()) return run_history(cli.check);
  return -1;
}

}  // namespace qz::app
