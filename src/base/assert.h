// Assertions that stay on in release builds.
//
// QZ_ASSERT is for programmer errors only: a broken invariant, a violated precondition inside the core. It is
// never used to validate input; input gets a result code. A failed assertion prints the expression, the place
// and (for QZ_ASSERT_EQ and friends) both values, then aborts.
#pragma once

#include <cstdint>

namespace qz {

[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* detail);
[[noreturn]] void assert_fail_values(const char* expr, const char* file, int line, long long lhs, long long rhs);

}  // namespace qz

#define QZ_LIKELY(x) __builtin_expect(!!(x), 1)

#define QZ_ASSERT(cond)                                                                   \
  do {                                                                                    \
    if (!QZ_LIKELY(cond)) ::qz::assert_fail(#cond, __FILE__, __LINE__, nullptr);         \
  } while (0)

#define QZ_ASSERT_MSG(cond, msg)                                                          \
  do {                                                                                    \
    if (!QZ_LIKELY(cond)) ::qz::assert_fail(#cond, __FILE__, __LINE__, (msg));           \
  } while (0)

// Compares two integers and prints both on failure.
#define QZ_ASSERT_OP(a, op, b)                                                                           \
  do {                                                                                                   \
    const auto qz_lhs_ = (a);                                                                            \
    const auto qz_rhs_ = (b);                                                                            \
    if (!QZ_LIKELY(qz_lhs_ op qz_rhs_))                                                                  \
      ::qz::assert_fail_values(#a " " #op " " #b, __FILE__, __LINE__, static_cast<long long>(qz_lhs_), \
                               static_cast<long long>(qz_rhs_));                                         \
  } while (0)

#define QZ_ASSERT_EQ(a, b) QZ_ASSERT_OP(a, ==, b)
#define QZ_ASSERT_LE(a, b) QZ_ASSERT_OP(a, <=, b)
#define QZ_ASSERT_LT(a, b) QZ_ASSERT_OP(a, <, b)
#define QZ_ASSERT_GE(a, b) QZ_ASSERT_OP(a, >=, b)
