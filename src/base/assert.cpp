#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace qz {

void assert_fail(const char* expr, const char* file, int line, const char* detail) {
  std::fprintf(stderr, "qazna: assertion failed: %s at %s:%d%s%s\n", expr, file, line, detail ? ": " : "",
               detail ? detail : "");
  std::fflush(stderr);
  std::abort();
}

void assert_fail_values(const char* expr, const char* file, int line, long long lhs, long long rhs) {
  std::fprintf(stderr, "qazna: assertion failed: %s (%lld vs %lld) at %s:%d\n", expr, lhs, rhs, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace qz
