// Helpers shared by the subcommands (app.h). Files are read with stdio: g++ 12 at -O3 reports false
// -Wnull-dereference warnings inside <streambuf>, and warnings are errors here.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "app/app.h"

namespace qz::app {

namespace {

// Reads all of `file` into *out; false on a read error.
bool read_all(std::FILE* file, std::string* out) {
  out->clear();
  char buffer[1 << 16];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) out->append(buffer, got);
  return std::ferror(file) == 0;
}

}  // namespace

Status open_node(const std::string& data_dir, std::unique_ptr<Node>* node) {
  RecoveryReport report;
  Status status = Node::open(NodeOptions{.data_dir = data_dir}, node, &report);
  if (!status.is_ok()) return status;
  if (report.truncated_tail) std::fprintf(stderr, "%s\n", report.tail_message.c_str());
  return Status::ok();
}

std::string read_public_key_hex(const std::string& data_dir) {
  std::FILE* file = std::fopen((data_dir + "/keys/operator.pub").c_str(), "rb");
  if (file == nullptr) return "";
  std::string text;
  const bool ok = read_all(file, &text);
  std::fclose(file);
  if (!ok) return "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

Status read_input_file(const std::string& path, std::string* out) {
  if (path == "-") {
    if (!read_all(stdin, out)) return Status::error("cannot read standard input: " + std::string(std::strerror(errno)));
    return Status::ok();
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::error("cannot open " + path + ": " + std::strerror(errno));
  const bool ok = read_all(file, out);
  const int read_errno = errno;
  std::fclose(file);
  if (!ok) return Status::error("cannot read " + path + ": " + std::strerror(read_errno));
  return Status::ok();
}

Status prepare_demo_directory(const std::string& dir, const char* marker, const char* command) {
  std::error_code error;
  const std::filesystem::path path(dir);
  if (!std::filesystem::exists(path, error)) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
    if (error) return Status::error("cannot create " + path.parent_path().string() + ": " + error.message());
    return Status::ok();
  }
  if (std::filesystem::is_directory(path, error) && std::filesystem::is_empty(path, error)) return Status::ok();
  if (!std::filesystem::exists(path / marker, error)) {
    return Status::error(dir + " exists and was not made by " + command + " (no " + marker +
                         " file); refusing to wipe it. Pass --data with a new or empty directory.");
  }
  std::filesystem::remove_all(path, error);
  if (error) return Status::error("cannot remove the previous demo in " + dir + ": " + error.message());
  return Status::ok();
}

void mark_demo_directory(const std::string& dir, const char* marker, const char* command) {
  if (std::FILE* file = std::fopen((dir + "/" + marker).c_str(), "wb")) {
    std::fprintf(file, "made by qazna %s; the next %s may wipe this directory\n", command, command);
    std::fclose(file);
  }
}

}  // namespace qz::app
