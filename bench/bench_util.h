// Small helpers the benchmark drivers share: reading a number from the command line and pinning to a CPU.
#pragma once

#include <sched.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace qz::bench {

// A decimal number, digits only. With end_out the text may go on after it (*end_out points there); without, the
// whole text must be the number. False on no digits or overflow.
inline bool parse_u64(const char* text, uint64_t* out, char** end_out = nullptr) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == nullptr) return false;
  if (end_out != nullptr) {
    *end_out = end;
  } else if (*end != '\0') {
    return false;
  }
  *out = value;
  return true;
}

// Pins the calling thread to `cpu`; false when the system refuses.
inline bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

}  // namespace qz::bench
