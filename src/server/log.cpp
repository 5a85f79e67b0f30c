#include "server/log.h"

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

}  // namespace qz::server
