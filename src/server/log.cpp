#include "server/log.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace qz::server {

LogLine::LogLine(LogLevel level, std::string_view event) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  writer_.begin_object()
      .field("ts", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()))
      .field("level", level == LogLevel::info ? "info" : level == LogLevel::warn ? "warn" : "error")
      .field("event", event);
}

LogLine::~LogLine() {
  writer_.end_object();
  std::string line = writer_.take();
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string allocator_name() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  const auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  const char* version = nullptr;
  size_t size = sizeof version;
  if (mallctl == nullptr || mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 ||
      version == nullptr) {
    return "glibc malloc";
  }
  const std::string_view text(version);  // "5.3.0-0-g54eaed1d..."
  return "jemalloc " + std::string(text.substr(0, text.find('-')));
}

}  // namespace qz::server
