// rebuild_history (history.h): a fresh projection beside the old one, moved over it when complete.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "history/history.h"

namespace qz::history {

namespace {

// Removes one file; false with a message on any failure other than "not there".
bool remove_file(const std::string& path, std::string* error) {
  std::error_code code;
  std::filesystem::remove(path, code);
  if (code) *error = "removing " + path + ": " + code.message();
  return !code;
}

// fsync of a file or directory; false with a message on failure.
bool sync_path(const std::string& path, bool directory, std::string* error) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    *error = "syncing " + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

// Removes a database and its WAL companions (the WAL first: it must never outlive its file).
bool remove_database(const std::string& path, std::string* error) {
  return remove_file(path + "-wal", error) && remove_file(path + "-shm", error) && remove_file(path, error);
}

}  // namespace

Status rebuild_history(const std::string& path, const BlockSource& source, const RebuildOptions& options,
                       RebuildReport* report) {
  *report = RebuildReport{};
  const std::string temporary = path + ".rebuild";
  std::string error;
  if (!remove_database(temporary, &error)) return Status::error("history rebuild: " + error);

  Status status = Status::ok();
  {
    std::unique_ptr<HistoryWriter> writer;
    status = HistoryWriter::open(temporary,
                                 WriterOptions{.blocks_per_transaction = options.blocks_per_transaction,
                                               .synchronous = options.synchronous,
                                               .cache_mib = options.cache_mib},
                                 &writer);
    if (status.is_ok()) {
      status = source([&writer](const BlockInput& block, std::span<const Event> events) {
        return writer->on_block(block, events);
      });
    }
    if (status.is_ok()) status = writer->flush();
    if (status.is_ok()) {
      report->blocks = writer->stats().blocks;
      report->events = writer->stats().events;
      report->rows = writer->stats().rows;
      report->last_height = writer->last_height();
    }
  }  // closing the last connection checkpoints the WAL into the file and removes it
  if (!status.is_ok()) {
    remove_database(temporary, &error);
    return Status::error("history rebuild: " + status.message());
  }
  std::error_code code;
  if (std::filesystem::file_size(temporary + "-wal", code) > 0 && !code) {
    return Status::error("history rebuild: " + temporary + "-wal still holds data after the rebuilt file was closed");
  }
  if (!remove_file(temporary + "-wal", &error) || !remove_file(temporary + "-shm", &error)) {
    return Status::error("history rebuild: " + error);
  }
  // The old file's WAL must not outlive it: SQLite would read it as the new file's.
  if (!remove_file(path + "-wal", &error) || !remove_file(path + "-shm", &error)) {
    return Status::error("history rebuild: " + error);
  }
  // Written without syncs (RebuildOptions::synchronous off): made durable once, before it replaces the old file.
  if (!sync_path(temporary, false, &error)) return Status::error("history rebuild: " + error);
  std::filesystem::rename(temporary, path, code);
  if (code) return Status::error("history rebuild: moving " + temporary + " to " + path + ": " + code.message());
  const std::string parent = std::filesystem::absolute(path).parent_path().string();
  if (!sync_path(parent, true, &error)) return Status::error("history rebuild: " + error);
  return Status::ok();
}

}  // namespace qz::history
