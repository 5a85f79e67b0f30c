// The server's structured log: one JSON object per line on stderr, for the operator's log collector.
//
//   {"ts":1764160000123,"level":"info","event":"listening","address":"127.0.0.1","port":8080,"height":42}
//
// `ts` is the wall clock in milliseconds, `level` one of info, warn, error, `event` a short name from the list in
// docs/server.md; the other fields depend on the event. A line is written whole by one call, so lines from
// different threads never interleave. Secrets never reach a log line.
#pragma once

#include <string>
#include <string_view>

#include "json/writer.h"

namespace qz::server {

enum class LogLevel : uint8_t { info, warn, error };

class LogLine {
 public:
  LogLine(LogLevel level, std::string_view event);
  ~LogLine();  // writes the line
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  template <typename T>
  LogLine& field(std::string_view name, const T& value) {
    writer_.field(name, value);
    return *this;
  }

 private:
  json::Writer writer_;
};

// The malloc this process runs on, for the startup line: "jemalloc <version>" when jemalloc answers `mallctl`
// (the release build links it, CMake option QZ_JEMALLOC), otherwise "glibc malloc".
std::string allocator_name();

}  // namespace qz::server
